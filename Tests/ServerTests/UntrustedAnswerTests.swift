import Client
import Foundation
import ProgramTesting
import Shared
import Storage
import Testing

/// Numbers in a center's answer that no clock or wait could mean (a broken proxy, a center's bug) are
/// not computed with: `field sync` stops with its usual message instead of crashing.
@Suite struct UntrustedAnswerTests {
    /// An enrolled laptop, with a case waiting to be sent unless `recording` is false.
    func laptop(recording: Bool = true) throws -> (ReplicaStore, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("untrusted-\(UUID().uuidString)")
        let credential = DeviceCredential(device: "abcdefgh", secret: String(repeating: "b", count: 26))
        let store = try FieldStore.create(
            home: FieldHome(url: folder),
            enrollment: Enrollment(
                url: "http://unused", credential: credential, scope: try AreaCode(parsing: "620502101201"),
                role: .grid, worker: "张网格"))
        guard recording else { return (store, folder) }
        try store.record(
            DisputeDraft(
                village: try AreaCode(parsing: "620502101201"), category: .land, parties: [try Party(name: "王建国")],
                summary: "界桩被移动", recorder: "张网格"))
        return (store, folder)
    }

    func sync(
        _ store: ReplicaStore, at port: Int, url: String? = nil,
        configure: (inout Synchronizer.Options) -> Void = { _ in }
    ) throws -> Synchronizer.Summary {
        var enrollment = try #require(try store.syncState().enrollment)
        enrollment.url = url ?? "http://127.0.0.1:\(port)"
        var options = Synchronizer.Options()
        (options.attempts, options.baseDelay, options.maximumDelay) = (3, 10, 50)
        configure(&options)
        return try Synchronizer(store: store, enrollment: enrollment, options: options).run()
    }

    @Test func aPageTheReplicaCannotTakeStopsTheSyncAsTheCentersFaultWithNothingOfItStored() async throws {
        // Nothing to send: the first request is the pull.
        let (store, folder) = try laptop(recording: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        let village = try AreaCode(parsing: "620502101201")
        // One id as a case and as a risk item: no center that checks what it takes sends this.
        let id = RecordID.random()
        let stamp = HybridTimestamp(physical: 1_700_000_000_000, counter: 0, replica: ReplicaID(rawValue: 5))
        let page = ChangePage(
            changes: [
                try Change(
                    timestamp: stamp, entity: EntityKey(kind: .dispute, id: id), scope: village, field: .summary,
                    value: .text("案件")),
                try Change(
                    timestamp: HybridTimestamp(physical: stamp.physical + 1, counter: 0, replica: stamp.replica),
                    entity: EntityKey(kind: .risk, id: id), scope: village, field: .title, value: .text("隐患")),
            ], cursor: 2, more: false)
        let body = page.json()
        let center = try CannedServer(
            bytes: Array(
                ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n"
                    + "Connection: close\r\n\r\n").utf8) + body)
        defer { center.close() }
        #expect {
            try self.sync(store, at: center.port) { $0.takesSnapshots = false }
        } throws: { error in
            guard case .protocolViolation(let message) = error as? SyncError else { return false }
            return message.contains("kind-conflict") && (error as? SyncError)?.exitCode == 76
        }
        #expect(try store.syncState().pullCursor == 0)
        #expect(try store.disputes().isEmpty)
    }

    @Test func anAnswerThatInflatesPastTheLimitStopsTheSyncAtOnce() async throws {
        let (store, folder) = try laptop()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A body that gzip makes tiny and that inflates far past the limit set below.
        let bomb = try Gzip.compress([UInt8](repeating: 0x20, count: 8 * 1024 * 1024))
        let center = try CannedServer(
            bytes: Array(
                ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                    + "Content-Length: \(bomb.count)\r\nConnection: close\r\n\r\n").utf8) + bomb)
        defer { center.close() }
        #expect {
            try self.sync(store, at: center.port) { $0.curl.maximumResponseBytes = 1024 * 1024 }
        } throws: { error in
            guard case .protocolViolation(let message) = error as? SyncError else { return false }
            return message.contains("larger than 1048576 bytes")
        }
        #expect(try store.syncState().pendingChanges == 6)
    }

    @Test func anAnswerAnnouncingMoreThanTheLimitIsNotRead() async throws {
        let (store, folder) = try laptop()
        defer { try? FileManager.default.removeItem(at: folder) }
        let center = try CannedServer(
            answer: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n"
                + "Connection: close\r\n\r\n{")
        defer { center.close() }
        #expect {
            try self.sync(store, at: center.port) { $0.curl.maximumResponseBytes = 1024 * 1024 }
        } throws: { error in
            guard case .protocolViolation(let message) = error as? SyncError else { return false }
            return message.contains("larger than")
        }
    }

    @Test(arguments: [
        ("http://192.0.2.7:8080", "http://"), ("http://center.example.org", "http://"),
        ("file:///etc/passwd", "不是 https://"), ("ftp://192.0.2.7/", "不是 https://"),
        ("gopher://192.0.2.7/", "不是 https://"),
    ])
    func aCenterAddressThatWouldSendPersonalDataInClearIsRefusedBeforeAnyByteGoes(
        url: String, words: String
    ) async throws {
        let (store, folder) = try laptop()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            try self.sync(store, at: 0, url: url)
        } throws: { error in
            guard let error = error as? SyncError, case .insecure = error else { return false }
            return error.message(in: .zh).contains(words) && error.exitCode == 78
        }
        #expect(try store.syncState().pendingChanges == 6)
    }

    @Test func plainHTTPGoesToThisMachineOrWhereTheWorkerAllowedIt() throws {
        for url in ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:8080", "https://center.example.org"] {
            #expect(throws: Never.self) { try Synchronizer.checkTransport(of: url, allowingCleartext: false) }
        }
        #expect(throws: Never.self) {
            try Synchronizer.checkTransport(of: "http://192.0.2.7:8080", allowingCleartext: true)
        }
        // Allowing plain HTTP allows no other protocol.
        #expect(throws: SyncError.self) {
            try Synchronizer.checkTransport(of: "file:///etc/passwd", allowingCleartext: true)
        }
    }

    @Test func libcurlSpeaksNoOtherProtocolThanHTTP() throws {
        let client = try CurlClient()
        for url in ["file:///etc/hostname", "ftp://127.0.0.1:1/", "gopher://127.0.0.1:1/", "dict://127.0.0.1:1/"] {
            #expect(throws: CurlClient.TransportError.self) {
                _ = try client.perform(method: "GET", url: url, headers: [])
            }
        }
    }

    @Test func aRetryAfterOfAgesIsWaitedAsTheLongestWaitAndTheSyncStops() async throws {
        let (store, folder) = try laptop()
        defer { try? FileManager.default.removeItem(at: folder) }
        let center = try CannedServer(
            answer: "HTTP/1.1 503 Service Unavailable\r\nRetry-After: \(Int.max)\r\n"
                + "FieldSync-Time: \(Int64.min)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        defer { center.close() }
        let start = ContinuousClock.now
        #expect {
            try self.sync(store, at: center.port)
        } throws: { error in
            guard case .unreachable(_, let attempts, let problem) = error as? SyncError else { return false }
            return attempts == 3 && problem.contains("503")
        }
        // Two waits of at most 50 ms each, not ages.
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(try store.syncState().pendingChanges == 6)
    }

    @Test func aCenterTimeNoClockCouldShowIsNotTakenIntoTheClock() async throws {
        let (store, folder) = try laptop()
        defer { try? FileManager.default.removeItem(at: folder) }
        let body = #"{"code":"revoked","message":"this device was revoked"}"#
        let center = try CannedServer(
            answer: "HTTP/1.1 401 Unauthorized\r\nFieldSync-Time: \(Int64.min)\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        defer { center.close() }
        #expect {
            try self.sync(store, at: center.port)
        } throws: { error in
            guard case .refused(401, let problem) = error as? SyncError else { return false }
            return problem.code == "revoked"
        }
        #expect(try store.syncState().clockOffset == nil)
        #expect(try store.syncState().pendingChanges == 6)
    }
}
