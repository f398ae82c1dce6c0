import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import Shared
import Synchronization

/// How many connections each client address holds open, shared by every connection's `ConnectionGuard`.
///
/// A town's devices often reach the center through one NAT address, so the limit is per address and
/// generous; it stops one device (or one attacker) from holding every file descriptor the process has.
/// Connections from a trusted reverse proxy are not counted: the proxy limits its own clients.
public final class ConnectionCounts: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    /// Most connections one address may hold open at once.
    public let limit: Int
    /// Addresses whose connections are not counted (a reverse proxy in front of the center).
    public let trusted: Set<String>

    public init(limit: Int, trusted: Set<String> = []) {
        self.limit = limit
        self.trusted = trusted
    }

    /// Counts a new connection from `address`; false if the address holds the most already (not counted).
    func open(_ address: String) -> Bool {
        guard !trusted.contains(address) else { return true }
        return counts.withLock { counts in
            let open = counts[address, default: 0]
            guard open < limit else { return false }
            counts[address] = open + 1
            return true
        }
    }

    func close(_ address: String) {
        guard !trusted.contains(address) else { return }
        counts.withLock { counts in
            let open = counts[address, default: 1] - 1
            counts[address] = open > 0 ? open : nil
        }
    }

    /// Connections `address` holds open now.
    public func count(of address: String) -> Int {
        counts.withLock { $0[address, default: 0] }
    }
}

/// Closes a connection that does not send a request's head in time, and one from an address that
/// holds too many open (`ConnectionCounts`); answers bytes that are not HTTP/1.1 with the API's JSON
/// error (`bad-request`) before it closes the connection. Hummingbird closes connections idle between requests; a
/// client that opens a connection and sends its headers a byte at a time (or never finishes its TLS
/// handshake) is not idle, and would hold a descriptor for ever. The deadline runs from the connection's
/// start, and again from the end of each response until the next request's head.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let headerTimeout: TimeAmount
    private let counts: ConnectionCounts
    private var deadline: Scheduled<Void>?
    private var address: String?
    /// A request's head has come and its answer has not ended: a parse error now is in its body, and the
    /// answer under way is not interrupted by another.
    private var answering = false

    init(headerTimeout: TimeAmount, counts: ConnectionCounts) {
        self.headerTimeout = headerTimeout
        self.counts = counts
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard counts.open(address) else {
            context.close(promise: nil)
            return
        }
        self.address = address
        arm(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            deadline?.cancel()
            deadline = nil
            answering = true
        }
        context.fireChannelRead(data)
    }

    /// A request the HTTP parser refused (a NUL in a header, a line without a colon, another protocol):
    /// answered as the API answers every refusal, with a code in JSON, and the connection closed.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        deadline?.cancel()
        guard !answering else {
            context.close(promise: nil)
            return
        }
        let body: JSONValue = .object([
            "code": .string("bad-request"),
            "message": .string("the request is not valid HTTP/1.1 (\(parserError)); nothing was done"),
        ])
        let bytes = ByteBuffer(string: body.text)
        var fields = HTTPFields()
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.contentLength] = String(bytes.readableBytes)
        fields[.connection] = "close"
        let channel = context.channel
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .badRequest, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(bytes)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            answering = false
            // The next request's head is due within the deadline too (the idle timeout alone lets a
            // client that trickles bytes keep the connection).
            arm(context)
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: headerTimeout) {
            channel.close(promise: nil)
        }
    }

    private func release() {
        deadline?.cancel()
        deadline = nil
        if let address {
            counts.close(address)
            self.address = nil
        }
    }
}
