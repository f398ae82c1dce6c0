import CompressNIO
import ContentCoding
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus
import Shared
import Storage
import Synchronization

/// Logs one line per request: method, route, status, duration, device. Never a body, a query or a
/// name, so no personal data reaches the log.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = CenterRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let start = ContinuousClock.now
        var status = HTTPResponse.Status.internalServerError
        var device = "-"
        defer {
            let elapsed = ContinuousClock.now - start
            context.logger.info(
                "Request",
                metadata: [
                    "http.method": "\(request.method)",
                    "http.path": "\(request.uri.path)",
                    "http.status": "\(status.code)",
                    "http.duration_ms":
                        "\(elapsed.components.attoseconds / 1_000_000_000_000_000 + elapsed.components.seconds * 1000)",
                    "sync.device": "\(device)",
                ])
        }
        do {
            let response = try await next(request, context)
            status = response.status
            if let id = response.headers[.deviceLog] { device = id }
            var cleaned = response
            cleaned.headers[.deviceLog] = nil
            return cleaned
        } catch let error as HTTPResponseError {
            status = error.status
            throw error
        }
    }
}

extension HTTPField.Name {
    /// Carries the authenticated device's id from the routes to the log line; removed before sending.
    static let deviceLog = Self("X-FieldSync-Log-Device")!
}

/// Counts requests and times them for `/metrics`.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = CenterRequestContext
    let metrics: CenterMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics.request(path: context.endpointPath ?? "unknown", status: response.status.code, since: start)
            return response
        } catch let error as HTTPResponseError {
            metrics.request(path: context.endpointPath ?? "unknown", status: error.status.code, since: start)
            throw error
        }
    }
}

/// Stamps every response, errors included, with the center's clock, and reads the device's.
struct ClockMiddleware: RouterMiddleware {
    typealias Context = CenterRequestContext
    let wallClock: any WallClock

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        var context = context
        let now = wallClock.milliseconds()
        var response: Response
        do {
            if let text = request.headers[.fieldSyncDeviceTime] {
                context.clockOffset = try Self.offset(deviceTime: text, now: now)
            }
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch let error as StoreError where error.code == .busy {
            response = try APIError(
                .serviceUnavailable, code: "busy", message: "the center is busy; try again shortly"
            ).response(from: request, context: context)
            response.headers[.retryAfter] = "1"
        } catch let error as StoreError where error.code == .unavailable {
            // The database is away: nothing was acknowledged, so the device sends again later.
            context.logger.error("Database unavailable", metadata: ["error": "\(error.message)"])
            response = try APIError(
                .serviceUnavailable, code: "unavailable",
                message: "the center cannot reach its database; nothing was lost, try again shortly"
            ).response(from: request, context: context)
            response.headers[.retryAfter] = "5"
        } catch {
            // Whatever else failed is the center's fault: log it for the operator, tell the device
            // only that, in the same JSON shape as every other error.
            context.logger.error("Request failed", metadata: ["error": "\(error)"])
            response = try APIError(
                .internalServerError, code: "internal",
                message: "the center could not complete the request; its operator can see why in its log"
            ).response(from: request, context: context)
        }
        response.headers[.fieldSyncTime] = String(wallClock.milliseconds())
        return response
    }
}

extension ClockMiddleware {
    /// The device's clock minus the center's, from `FieldSync-Device-Time`.
    /// - Throws: 400 `bad-device-time` for anything but whole milliseconds within `ClockReading.farthest`
    ///   of 1970 (the lowest 64-bit number, taken as it came, overflowed and stopped the center).
    static func offset(deviceTime text: String, now: Int64) throws -> Int64 {
        guard let deviceTime = ClockReading.milliseconds(text) else {
            throw APIError(
                .badRequest, code: "bad-device-time",
                message: "FieldSync-Device-Time must be the device's clock in milliseconds since 1970, not '\(text)'")
        }
        return deviceTime - now
    }
}

/// Answers a request no route takes as every other refusal is answered, in JSON with a code: 404
/// `not-found` for a path the center does not serve, 405 `method-not-allowed` with `Allow` for a method
/// a path does not take (RFC 9110 §15.5.6).
struct UnmatchedRouteMiddleware: RouterMiddleware {
    typealias Context = CenterRequestContext
    let routes: RouteMethods

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && context.endpointPath == "NotFound" {
            let path = request.uri.path
            let allowed = routes.methods(at: path)
            guard !allowed.isEmpty else {
                throw APIError(
                    .notFound, code: "not-found",
                    message: "this center serves nothing at \(path); its API is described at /openapi.yaml")
            }
            throw APIError(
                .methodNotAllowed, code: "method-not-allowed",
                message: "\(request.method) is not allowed on \(path); it takes \(allowed.joined(separator: ", "))",
                headers: [.allow: allowed.joined(separator: ", ")])
        }
    }
}

/// The methods each path of the center takes, noted once its routes are in.
final class RouteMethods: Sendable {
    private let table = Mutex<[String: [String]]>([:])

    func note(_ routes: [Router<CenterRequestContext>.RouteDescription]) {
        let grouped = Dictionary(grouping: routes) { $0.path.description }.mapValues {
            $0.map(\.method.rawValue).sorted()
        }
        table.withLock { $0 = grouped }
    }

    func methods(at path: String) -> [String] {
        table.withLock { $0[path] ?? [] }
    }
}

/// Decodes compressed request bodies (zstd or gzip, as `CenterConfiguration.requestCodings` allows),
/// within the body limit, which bounds the decoded size too. Any other coding is refused with 415 and
/// the codings this center takes in `Accept-Encoding` (RFC 7694), so that a device can send again.
struct InflateMiddleware: RouterMiddleware {
    typealias Context = CenterRequestContext
    let configuration: CenterConfiguration

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        guard let header = request.headers[.contentEncoding] else {
            return try await next(request, context)
        }
        let taken = configuration.requestCodings.filter { $0 != .identity }
        guard let coding = ContentCoding(header: header), coding == .identity || taken.contains(coding) else {
            let names = taken.map(\.rawValue)
            throw APIError(
                .unsupportedMediaType, code: "unsupported-encoding",
                message:
                    "Content-Encoding '\(header)' is not supported; send \((names + ["no encoding"]).joined(separator: ", "))",
                headers: [.acceptEncoding: names.isEmpty ? "identity" : names.joined(separator: ", ")])
        }
        guard coding != .identity else { return try await next(request, context) }
        var request = request
        var compressed = try await request.collectBody(limit: configuration.maximumBodyBytes)
        let limit = configuration.maximumBodyBytes
        let decoded: ByteBuffer
        do {
            switch coding {
            case .zstd:
                decoded = ByteBuffer(
                    bytes: try compressed.withUnsafeReadableBytes { try Zstd.decompress($0, limit: limit) })
            case .gzip:
                decoded = try compressed.decompress(with: .gzip(), maxSize: limit)
            case .identity:
                decoded = compressed
            }
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw APIError.tooLarge("the inflated body is too large", limit: limit)
        } catch Zstd.Failure.tooLarge {
            throw APIError.tooLarge("the inflated body is too large", limit: limit)
        } catch let error as Zstd.Failure {
            throw APIError(.badRequest, code: "bad-encoding", message: "the body is \(error)")
        } catch {
            throw APIError(.badRequest, code: "bad-encoding", message: "the body is not valid gzip")
        }
        var head = request.head
        head.headerFields[.contentEncoding] = nil
        head.headerFields[.contentLength] = String(decoded.readableBytes)
        return try await next(Request(head: head, body: RequestBody(buffer: decoded)), context)
    }
}

extension Request {
    /// The body, or 413 if it is larger than `limit`.
    mutating func collectBody(limit: Int) async throws -> ByteBuffer {
        do {
            return try await collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge("the request body is too large", limit: limit)
        }
    }

    /// The coding to answer in: the one of `ContentCoding.preferred` the client weighs highest in
    /// `Accept-Encoding` (zstd before gzip on a tie), identity if it takes neither.
    var responseCoding: ContentCoding {
        AcceptedCodings(headers[values: .acceptEncoding]).choose()
    }
}

/// A response with `bytes`, compressed when the client accepts it and it is worth it: zstd, else gzip.
func response(
    _ bytes: some Collection<UInt8>, contentType: String, for request: Request, threshold: Int,
    status: HTTPResponse.Status = .ok, zstdLevel: Int32 = Zstd.defaultLevel
) throws -> Response {
    var headers: HTTPFields = [.contentType: contentType]
    let buffer: ByteBuffer
    if bytes.count >= threshold {
        // Caches may not give one client's coding to another.
        headers[.vary] = "Accept-Encoding"
        let coding = request.responseCoding
        switch coding {
        // Compressed from where the bytes lie: a page of megabytes is not copied first.
        case .zstd: buffer = ByteBuffer(bytes: Zstd.compress(bytes, level: zstdLevel))
        case .gzip:
            var plain = ByteBuffer(bytes: bytes)
            buffer = try plain.compress(with: .gzip())
        case .identity: buffer = ByteBuffer(bytes: bytes)
        }
        headers[.contentEncoding] = coding.headerValue
    } else {
        buffer = ByteBuffer(bytes: bytes)
    }
    return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
}
