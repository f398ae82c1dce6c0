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

    func run() async throws {
        try await guarded(lang: options.lang) {
            var configuration = CenterConfiguration()
            configuration.maximumDrift = Int64(maximumDriftMinutes) * 60_000
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
                let app = server.application(host: host, port: port, logger: logger) { port in
                    // The first line on standard output, for scripts and tests that start a center.
                    say("center listening on http://\(host):\(port) (database \(database))")
                }
                try await app.runService()
            }
        }
    }
}
