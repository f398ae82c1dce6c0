import ArgumentParser
import Console
import Logging
import Server
import Storage

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: Help.text(
            "提供同步接口，直到收到 SIGINT 或 SIGTERM，并处理完正在进行的请求。",
            "Serve the sync API until SIGINT or SIGTERM, finishing requests in flight."))

    @OptionGroup var options: CenterOptions

    @Option(name: .long, help: Help.option("监听的地址。", "The address to listen on."))
    var host = "127.0.0.1"

    @Option(name: .long, help: Help.option("监听的端口；0 表示任选一个空闲端口。", "The port to listen on; 0 picks a free one."))
    var port = 8080

    @Option(
        name: .customLong("max-drift"),
        help: Help.option("设备时钟最多可以比区中心快几分钟。", "Minutes a device clock may be ahead of the center's."))
    var maximumDriftMinutes = 10

    @Option(
        name: .customLong("tls-cert"),
        help: Help.option(
            "PEM 格式的证书链文件：提供 HTTPS（须与 --tls-key 同用）。",
            "A PEM certificate chain: serve HTTPS (with --tls-key)."))
    var tlsCertificate: String?

    @Option(
        name: .customLong("tls-key"), help: Help.option("证书的 PEM 格式私钥文件。", "The certificate's PEM private key."))
    var tlsKey: String?

    @Option(
        name: .customLong("trusted-proxy"),
        help: Help.option(
            "前置反向代理的地址（可重复）：它的连接不计入每个地址的连接上限。",
            "A reverse proxy's address (repeatable): its connections do not count against the per-address limit."))
    var trustedProxies: [String] = []

    func run() async throws {
        try await guarded(lang: options.lang) {
            var configuration = CenterConfiguration()
            // A week at most: more is no clock check at all (and minutes past Int64's range would trap).
            guard (1...10_080).contains(maximumDriftMinutes) else {
                throw InputError(
                    "--max-drift must be a whole number of minutes from 1 to 10080 (a week), not \(maximumDriftMinutes)",
                    chinese: "--max-drift 须是 1 到 10080（一周）之间的分钟数，不能是 \(maximumDriftMinutes)")
            }
            configuration.maximumDrift = Int64(maximumDriftMinutes) * 60_000
            configuration.trustedProxies = Set(trustedProxies)
            let tls = try CenterServer.tlsConfiguration(certificate: tlsCertificate, key: tlsKey)
            // Logs go to standard error; standard output carries only the listening line.
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            var logger = Logger(label: "center")
            logger.logLevel = .info
            let database = CenterLocation.shown(options.isPostgres ? options.location : options.databaseURL.path)
            try await options.withCenter(create: true) { store in
                // Before the first push or pull waits for it: the finder's index, or a shared database's view.
                if let embedded = store as? SQLiteCenterStore { try embedded.store.prepareDuplicateFinder() }
                if let shared = store as? PostgresCenterStore { try await shared.refresh() }
                let server = CenterServer(store: store, configuration: configuration)
                let scheme = tls == nil ? "http" : "https"
                let app = try server.application(host: host, port: port, logger: logger, tls: tls) { port in
                    // The first line on standard output, for scripts and tests that start a center.
                    say("center listening on \(scheme)://\(host):\(port) (database \(database))")
                }
                try await app.runService()
            }
        }
    }
}
