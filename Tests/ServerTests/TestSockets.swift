import Foundation
import ProgramTesting

#if canImport(Glibc)
import Glibc
#endif

/// A TCP listener on a free loopback port.
func listeningSocket(backlog: Int32 = 16) throws -> (descriptor: Int32, port: Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw CenterProcessError(message: "socket() failed") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard bound == 0, listen(descriptor, backlog) == 0 else { throw CenterProcessError(message: "bind/listen failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}

/// A TCP connection to `port` on loopback, or nil if nothing answers there.
func connectLoopback(port: Int) -> Int32? {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return nil }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else {
        Glibc.close(descriptor)
        return nil
    }
    return descriptor
}

/// A listener on a free loopback port that hands each connection it accepts to `handle`, on its own
/// thread, until closed.
final class LoopbackListener: @unchecked Sendable {
    let port: Int
    private let descriptor: Int32

    init() throws {
        (descriptor, port) = try listeningSocket()
    }

    /// Starts accepting; `handle` gets each connection's descriptor and owns it.
    func start(_ handle: @escaping @Sendable (Int32) -> Void) {
        Thread.detachNewThread { [descriptor] in
            while true {
                let client = accept(descriptor, nil, nil)
                guard client >= 0 else { return }
                handle(client)
            }
        }
    }

    func close() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        Glibc.close(descriptor)
    }
}

/// Forwards connections to a center, and cuts the first response to a request whose first line
/// starts with `cutRequest` after `cutAfter` bytes: a link that drops in the middle of an answer.
final class CuttingProxy: @unchecked Sendable {
    // `cuts` is only read after the traffic that changes it has finished.
    let port: Int
    private let listener: LoopbackListener
    private let target: Int
    private let cutRequest: String
    private let cutAfter: Int
    private let lock = NSLock()
    private var remainingCuts = 1
    private(set) var cuts = 0

    init(to target: Int, cutRequest: String, cutAfter: Int) throws {
        listener = try LoopbackListener()
        port = listener.port
        self.target = target
        self.cutRequest = cutRequest
        self.cutAfter = cutAfter
        listener.start { [self] client in Thread.detachNewThread { self.serve(client) } }
    }

    func close() {
        listener.close()
    }

    /// One proxied connection: requests go up as they come; the answer to the request to cut is cut.
    private final class Connection: @unchecked Sendable {
        // `armed` is shared by the two pumping threads, under `lock`.
        let lock = NSLock()
        var armed = false
    }

    private func serve(_ client: Int32) {
        guard let server = connectLoopback(port: target) else {
            Glibc.close(client)
            return
        }
        let connection = Connection()
        let upstream = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(client, &buffer, buffer.count)
                if count <= 0 { break }
                // HTTP/1.1 sends the next request only after the last answer: a request line here means
                // every byte after this belongs to its answer.
                if String(decoding: buffer[0..<min(count, 16)], as: UTF8.self).hasPrefix(cutRequest + " ") {
                    lock.lock()
                    if remainingCuts > 0 {
                        remainingCuts -= 1
                        connection.lock.lock()
                        connection.armed = true
                        connection.lock.unlock()
                    }
                    lock.unlock()
                }
                _ = write(server, buffer, count)
            }
            shutdown(server, Int32(SHUT_WR))
        }
        upstream.start()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var forwarded = 0
        while true {
            let count = read(server, &buffer, buffer.count)
            if count <= 0 { break }
            connection.lock.lock()
            let armed = connection.armed
            connection.lock.unlock()
            if armed, forwarded + count > cutAfter {
                _ = write(client, buffer, max(0, cutAfter - forwarded))
                lock.lock()
                cuts += 1
                lock.unlock()
                break
            }
            if armed { forwarded += count }
            _ = write(client, buffer, count)
        }
        shutdown(client, Int32(SHUT_RDWR))
        Glibc.close(client)
        Glibc.close(server)
    }

}

/// Forwards TCP connections to a port while up; while down, it has cut the connections it carried and
/// closes new ones at once: a database server that goes away and comes back.
final class SwitchProxy: @unchecked Sendable {
    // `up` and `open` are shared by the accepting and pumping threads, under `lock`.
    let port: Int
    private let listener: Int32
    private let target: Int
    private let lock = NSLock()
    private var up = true
    private var open: Set<Int32> = []

    init(to target: Int) throws {
        (listener, port) = try listeningSocket()
        self.target = target
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Goes down (cutting every carried connection) or comes back up.
    func set(up: Bool) {
        lock.lock()
        self.up = up
        if !up {
            for descriptor in open { shutdown(descriptor, Int32(SHUT_RDWR)) }
        }
        lock.unlock()
    }

    func close() {
        set(up: false)
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            lock.lock()
            let isUp = up
            lock.unlock()
            guard isUp else {
                Glibc.close(client)
                continue
            }
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private func serve(_ client: Int32) {
        guard let server = connectLoopback(port: target) else {
            Glibc.close(client)
            return
        }
        lock.lock()
        open.formUnion([client, server])
        lock.unlock()
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            Self.pump(from: client, to: server)
            finished.signal()
        }
        Self.pump(from: server, to: client)
        shutdown(client, Int32(SHUT_RDWR))
        shutdown(server, Int32(SHUT_RDWR))
        finished.wait()
        lock.lock()
        open.subtract([client, server])
        lock.unlock()
        Glibc.close(client)
        Glibc.close(server)
    }

    private static func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        reading: while true {
            let count = read(source, &buffer, buffer.count)
            if count <= 0 { break }
            var written = 0
            while written < count {
                let step = buffer[written..<count].withUnsafeBytes { write(destination, $0.baseAddress, $0.count) }
                if step <= 0 { break reading }
                written += step
            }
        }
        shutdown(destination, Int32(SHUT_WR))
    }
}

/// Answers every request with the same bytes and closes the connection: a center (or something in
/// front of one) that says what the test needs it to say.
final class CannedServer: Sendable {
    private let listener: LoopbackListener
    var port: Int { listener.port }

    convenience init(answer: String) throws {
        try self.init(bytes: Array(answer.utf8))
    }

    init(bytes: [UInt8]) throws {
        listener = try LoopbackListener()
        listener.start { client in
            // The request's head (and a small body) arrive before the answer goes.
            var buffer = [UInt8](repeating: 0, count: 65_536)
            _ = read(client, &buffer, buffer.count)
            _ = bytes.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            shutdown(client, Int32(SHUT_RDWR))
            Glibc.close(client)
        }
    }

    func close() {
        listener.close()
    }
}
