import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOPosix
import Shared
import Storage

/// The district center's HTTP API, version 1, over its merged store.
///
/// ```swift
/// let server = CenterServer(store: SQLiteCenterStore(try ReplicaStore.open(database: url, durability: .power)))
/// try await server.application(host: "127.0.0.1", port: 8080, logger: logger).runService()
/// ```
public struct CenterServer: Sendable {
    public let store: any CenterStore
    public let configuration: CenterConfiguration
    public let metrics: CenterMetrics
    public let wallClock: any WallClock
    /// Batches waiting to be written together.
    let pushes: PushQueue
    /// Open connections by client address.
    public let connections: ConnectionCounts
    /// Request bodies held at once.
    public let bodies: ByteBudget

    public init(
        store: any CenterStore, configuration: CenterConfiguration = CenterConfiguration(),
        metrics: CenterMetrics = CenterMetrics(), wallClock: any WallClock = SystemWallClock()
    ) {
        self.store = store
        self.pushes = PushQueue(store: store, metrics: metrics, idleCheckpoint: configuration.idleCheckpoint)
        self.configuration = configuration
        self.metrics = metrics
        self.wallClock = wallClock
        self.bodies = ByteBudget(capacity: configuration.maximumBodyBytesInFlight)
        self.connections = ConnectionCounts(
            limit: configuration.maximumConnectionsPerAddress, trusted: configuration.trustedProxies)
    }

    /// The routes, with their middleware.
    public func router() -> Router<CenterRequestContext> {
        let router = Router(context: CenterRequestContext.self)
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ClockMiddleware(wallClock: wallClock))
        let routes = RouteMethods()
        router.add(middleware: UnmatchedRouteMiddleware(routes: routes))
        router.get("/health") { request, _ in
            let cursor = try await self.store.cursor()
            let body: JSONValue = .object([
                "status": .string("ok"), "time": .number(Double(self.wallClock.milliseconds())),
                "cursor": .number(Double(cursor)),
            ])
            return try response(Array(body.text.utf8), contentType: "application/json", for: request, threshold: .max)
        }
        router.get("/metrics") { request, _ in
            try response(
                Array(self.metrics.text().utf8), contentType: "text/plain; version=0.0.4", for: request,
                threshold: self.configuration.compressionThreshold)
        }
        router.get("/openapi.yaml") { request, _ in
            try response(
                Self.openAPIDocument, contentType: "application/yaml", for: request,
                threshold: self.configuration.compressionThreshold)
        }
        let api = router.group("v1")
            .add(middleware: AuthMiddleware(store: store))
            .add(middleware: BodyBudgetMiddleware(budget: bodies, configuration: configuration))
            .add(middleware: InflateMiddleware(configuration: configuration))
        api.post("changes") { request, context in try await self.push(request, context: context) }
        api.get("changes") { request, context in try await self.pull(request, context: context) }
        api.get("snapshot") { request, context in try await self.snapshot(request, context: context) }
        api.get("report") { request, context in try await self.report(request, context: context) }
        api.get("areas") { request, context in try await self.areas(request, context: context) }
        api.get("device") { request, context in
            let device = try context.authenticated()
            let body: JSONValue = .object([
                "device": .string(device.id), "name": .string(device.name), "scope": .string(device.scope.description),
                "role": .string(device.role.code),
            ])
            var answer = try response(
                Array(body.text.utf8), contentType: "application/json", for: request, threshold: .max)
            answer.headers[.deviceLog] = device.id
            return answer
        }
        routes.note(router.routes)
        return router
    }

    /// An application serving the API on `host`:`port` (0 picks a free port); `onRunning` learns the port.
    /// With `tls`, it speaks HTTPS only. Every connection must send each request's head within
    /// `headerTimeout`, is closed when idle for `idleTimeout`, and counts against its address's limit.
    public func application(
        host: String, port: Int, logger: Logger, tls: TLSConfiguration? = nil,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let (headerTimeout, counts) = (TimeAmount(configuration.headerTimeout), connections)
        let http = HTTPServerBuilder.http1(
            configuration: .init(
                additionalChannelHandlers: [ConnectionGuard(headerTimeout: headerTimeout, counts: counts)],
                idleTimeout: TimeAmount(configuration.idleTimeout)))
        return Application(
            router: router(),
            server: try tls.map { try HTTPServerBuilder.tls(http, tlsConfiguration: $0) } ?? http,
            configuration: .init(address: .hostname(host, port: port), serverName: "FieldSync center"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// A TLS configuration serving the PEM certificate chain in `certificate` with the PEM private key in
    /// `key`; nil (plain HTTP) when neither is given.
    /// - Throws: `InputError` naming the file that cannot be read as what it should hold, or the one missing.
    public static func tlsConfiguration(certificate: String?, key: String?) throws -> TLSConfiguration? {
        guard let certificate, let key else {
            guard certificate == nil, key == nil else {
                throw InputError(
                    "--tls-cert and --tls-key go together: give both to serve HTTPS, or neither",
                    chinese: "--tls-cert 和 --tls-key 要一起给：两个都给才提供 HTTPS，或者都不给")
            }
            return nil
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw InputError(
                "--tls-cert \(certificate) cannot be read as a PEM certificate chain (\(error))",
                chinese: "--tls-cert \(certificate) 读不出 PEM 格式的证书链（\(error)）")
        }
        guard !chain.isEmpty else {
            throw InputError(
                "--tls-cert \(certificate) holds no certificate", chinese: "--tls-cert \(certificate) 里没有证书")
        }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw InputError(
                "--tls-key \(key) cannot be read as a PEM private key (\(error))",
                chinese: "--tls-key \(key) 读不出 PEM 格式的私钥（\(error)）")
        }
        return TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
    }

    /// The OpenAPI document shipped with the server (Sources/Server/openapi.yaml).
    public static let openAPIDocument: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let data = try? Data(contentsOf: url)
        else { return Array("openapi document missing from the build\n".utf8) }
        return Array(data)
    }()
}

/// Checks the bearer token on every `/v1` request.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = CenterRequestContext
    let store: any CenterStore

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw APIError(
                .unauthorized, code: "unauthenticated",
                message: "send the device's token as `Authorization: Bearer <device>.<secret>` (from its enrollment)")
        }
        guard let credential = DeviceCredential(token: header.dropFirst("bearer ".count).trimmingSpaces) else {
            throw APIError(.unauthorized, code: "malformed-token", message: "the bearer token is not <device>.<secret>")
        }
        let device = try await store.authenticate(credential)
        guard let device else {
            throw APIError(
                .unauthorized, code: "unknown-device",
                message:
                    "no device \(credential.device) with that secret is enrolled here; ask the center to enroll this laptop"
            )
        }
        guard !device.isRevoked else {
            throw APIError(
                .unauthorized, code: "revoked",
                message:
                    "device \(device.id) was revoked; what it delivered is kept. Ask the center to enroll this laptop again"
            )
        }
        var context = context
        context.device = device
        return try await next(request, context)
    }
}

extension CenterRequestContext {
    func authenticated() throws -> ReplicaStore.Device {
        guard let device else { throw APIError(.unauthorized, code: "unauthenticated", message: "no device") }
        return device
    }
}
