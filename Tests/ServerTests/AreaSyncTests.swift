import Client
import Foundation
import Logging
import ProgramTesting
import Server
import Shared
import Storage
import Testing

/// The areas' names follow the changes at the end of `field sync`; a sync whose names do not arrive has
/// still delivered its changes.
@Suite struct AreaSyncTests {
    /// A center that serves everything but its areas (their request fails with 500).
    struct NamelessStore: ForwardingStore {
        let store: SQLiteCenterStore

        func areas() async throws -> [Area] { throw StoreError(code: .storage, message: "the areas are unreadable") }
    }

    /// Serves `store` on a free loopback port while `body` runs.
    func serving<T: Sendable>(_ store: any CenterStore, _ body: (String) async throws -> T) async throws -> T {
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = CenterServer(store: store).application(host: "127.0.0.1", port: 0, logger: logger) { number in
            port.yield(number)
        }
        let running = Task { try await app.runService() }
        defer { running.cancel() }
        guard let number = await ports.first(where: { _ in true }) else { throw CenterProcessError(message: "no port") }
        return try await body("http://127.0.0.1:\(number)")
    }

    @Test func aSyncWhoseAreasDoNotArriveHasStillDeliveredItsChangesAndTheNamesComeNextTime() async throws {
        let fixture = try await CenterFixture.make()
        let center = try await fixture.merged()
        let home = FieldHome(url: fixture.folder.appendingPathComponent("laptop"))
        let enrollment = Enrollment(
            url: "http://unused", credential: fixture.gridA, scope: CenterFixture.villageA, role: .grid,
            worker: "张网格")
        let laptop = try FieldStore.create(home: home, enrollment: enrollment)
        _ = try laptop.record(
            DisputeDraft(
                village: CenterFixture.villageA, category: .land, parties: [try Party(name: "王建国")],
                summary: "界桩被移动", recorder: "张网格"))
        var options = Synchronizer.Options()
        (options.attempts, options.baseDelay) = (2, 1)
        func sync(_ url: String) throws -> Synchronizer.Summary {
            var reaching = enrollment
            reaching.url = url
            return try Synchronizer(store: laptop, enrollment: reaching, options: options).run()
        }

        let first = try await serving(NamelessStore(store: SQLiteCenterStore(center))) { try sync($0) }
        #expect(first.sent > 0)
        let state = try laptop.syncState()
        #expect(state.pendingChanges == 0 && state.lastSyncAt != nil, "the sync finished: its changes are in")
        #expect(try laptop.areas().isEmpty)

        _ = try await serving(fixture.center) { try sync($0) }
        #expect(try laptop.areas().map(\.name) == ["秦州区", "大城街道", "东关社区"])
        await fixture.remove()
    }
}
