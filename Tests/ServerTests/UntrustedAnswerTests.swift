import Client
import Foundation
import ProgramTesting
import Shared
import Storage
import Testing

/// Numbers in a center's answer that no clock or wait could mean (a broken proxy, a center's bug) are
/// not computed with: `field sync` stops with its usual message instead of crashing.
@Suite struct UntrustedAnswerTests {
    func laptop() throws -> (ReplicaStore, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("untrusted-\(UUID().uuidString)")
        let credential = DeviceCredential(device: "abcdefgh", secret: String(repeating: "b", count: 26))
        let store = try FieldStore.create(
            home: FieldHome(url: folder),
            enrollment: Enrollment(
                url: "http://unused", credential: credential, scope: try AreaCode(parsing: "620502101201"),
                role: .grid, worker: "张网格"))
        try store.record(
            DisputeDraft(
                village: try AreaCode(parsing: "620502101201"), category: .land, parties: [try Party(name: "王建国")],
                summary: "界桩被移动", recorder: "张网格"))
        return (store, folder)
    }

    func sync(_ store: ReplicaStore, at port: Int) throws -> Synchronizer.Summary {
        var enrollment = try #require(try store.syncState().enrollment)
        enrollment.url = "http://127.0.0.1:\(port)"
        var options = Synchronizer.Options()
        (options.attempts, options.baseDelay, options.maximumDelay) = (3, 10, 50)
        return try Synchronizer(store: store, enrollment: enrollment, options: options).run()
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
