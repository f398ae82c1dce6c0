import Client
import Foundation
import ProgramTesting
import Server
import Shared
import Storage
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Connections that never finish a request, and addresses that open too many, cannot take the center's
/// file descriptors from everyone else.
@Suite struct ConnectionGuardTests {
    /// Whether the server closed `descriptor` within `seconds` (a read returns the end of the stream).
    static func closedByServer(_ descriptor: Int32, within seconds: Double) -> Bool {
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            let count = read(descriptor, &buffer, buffer.count)
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return true }
        }
        return false
    }

    @Test func connectionsThatNeverFinishTheirHeadersAreClosedAndOneAddressHoldsAFewOnly() async throws {
        let center = try await CenterFixture.make()
        var configuration = CenterConfiguration()
        configuration.headerTimeout = .seconds(8)
        configuration.maximumConnectionsPerAddress = 20
        try await AreaSyncTests().serving(center.center, configuration: configuration) { url in
            let port = try #require(Int(url.split(separator: ":").last ?? ""))
            try await blocking {
                // Twenty-one connections that send half a request's head and then nothing.
                var slow: [Int32] = []
                for _ in 0..<21 {
                    let descriptor = try #require(connectLoopback(port: port))
                    let partial = Array("GET /health HTTP/1.1\r\nHost: center\r\nX-Slow: ".utf8)
                    _ = partial.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                    slow.append(descriptor)
                }
                defer { slow.forEach { _ = close($0) } }
                // The address holds its most: one of them is closed as soon as the center accepts it, long
                // before the deadline (polled: a loaded machine may accept late), and no other.
                var early: [Int32] = []
                let start = Date()
                while Date().timeIntervalSince(start) < 4 {
                    early += slow.filter { !early.contains($0) && Self.closedByServer($0, within: 0.005) }
                    if !early.isEmpty, Date().timeIntervalSince(start) > 1 { break }
                }
                #expect(early.count == 1)
                // The deadline closes every half-sent request.
                for descriptor in slow where !early.contains(descriptor) {
                    #expect(Self.closedByServer(descriptor, within: 15))
                }
                // With them gone, the center answers again.
                let client = try CurlClient()
                let health = try client.perform(method: "GET", url: url + "/health", headers: [])
                #expect(health.status == 200)
            }
        }
        await center.remove()
    }

    /// Sends `request` as raw bytes and reads the answer until the server closes the connection.
    static func exchange(_ request: [UInt8], port: Int) throws -> String {
        let descriptor = try #require(connectLoopback(port: port))
        defer { close(descriptor) }
        _ = request.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            guard count > 0 else { break }
            answer += buffer.prefix(count)
        }
        return String(decoding: answer, as: UTF8.self)
    }

    @Test func aRequestThatIsNotHTTPIsAnsweredWithACodeInJSON() async throws {
        let center = try await CenterFixture.make()
        try await AreaSyncTests().serving(center.center) { url in
            let port = try #require(Int(url.split(separator: ":").last ?? ""))
            try await blocking {
                let requests: [[UInt8]] = [
                    Array("GET /health HTTP/1.1\r\nHost: center\r\nX-Note: a".utf8) + [0] + Array("b\r\n\r\n".utf8),
                    Array("GET /health HTTP/1.1\r\nHost center\r\n\r\n".utf8),
                    Array("BREW /health HTCPCP/1.0\r\n\r\n".utf8),
                ]
                for request in requests {
                    let answer = try Self.exchange(request, port: port)
                    #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
                    #expect(
                        answer.contains("application/json") && answer.contains(#""code":"bad-request""#), "\(answer)")
                }
            }
        }
        await center.remove()
    }

    @Test func aConnectionKeptAliveBetweenRequestsStillServes() async throws {
        let center = try await CenterFixture.make()
        var configuration = CenterConfiguration()
        configuration.headerTimeout = .seconds(5)
        try await AreaSyncTests().serving(center.center, configuration: configuration) { url in
            try await blocking {
                // One libcurl handle: the requests share one connection.
                let client = try CurlClient()
                for _ in 0..<5 {
                    #expect(try client.perform(method: "GET", url: url + "/health", headers: []).status == 200)
                }
            }
        }
        await center.remove()
    }
}

/// A burst of large pushes is taken a few at a time.
@Suite struct ByteBudgetTests {
    /// Bytes held at once, and the most ever held.
    final class Held: Sendable {
        private let state = Mutex((now: 0, most: 0))
        var most: Int { state.withLock { $0.most } }
        func add(_ bytes: Int) {
            state.withLock { state in
                state.now += bytes
                state.most = max(state.most, state.now)
            }
        }
    }

    @Test func requestsNeverHoldMoreThanTheBudgetAndAllAreServedInTheEnd() async throws {
        let budget = ByteBudget(capacity: 1_000)
        let held = Held()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    // One larger than the budget is taken alone.
                    let taken = await budget.acquire(index == 7 ? 5_000 : 1 + (index * 37) % 400)
                    held.add(taken)
                    await Task.yield()
                    held.add(-taken)
                    budget.release(taken)
                }
            }
        }
        #expect(held.most <= 1_000)
        #expect(budget.held == 0)
    }

    @Test func pushesWaitingForTheBudgetAreAllStored() async throws {
        var configuration = CenterConfiguration()
        // Room for one body at a time.
        configuration.maximumBodyBytesInFlight = 1
        let center = try await CenterFixture.make(configuration: configuration)
        let batches = try (0..<12).map { index in
            var device = DeviceReplica(UInt64(100 + index), village: CenterFixture.villageA)
            return try device.recordCases(3)
        }
        try await center.withClient(.live) { client in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for batch in batches {
                    group.addTask { Int(try await client.push(batch, as: center.gridA).status.code) }
                }
                for try await status in group { #expect(status == 200) }
            }
            #expect(center.server.bodies.held == 0)
            #expect(try await center.merged().digest() == digest(of: batches.flatMap { $0 }))
        }
    }
}
