import Client
import Foundation
import Logging
import ProgramTesting
import Server
import ServiceLifecycle
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

    /// Serves `store` (with `configuration`) on a free loopback port (IPv4: the URL names 127.0.0.1) while
    /// `body` runs, then shuts the server down gracefully: cancelling it with a keep-alive connection open
    /// trips an assertion in NIO's debug builds.
    func serving<T: Sendable>(
        _ store: any CenterStore, configuration: CenterConfiguration = CenterConfiguration(),
        _ body: @Sendable (String) async throws -> T
    ) async throws -> T {
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = try CenterServer(store: store, configuration: configuration).application(
            host: "127.0.0.1", port: 0, logger: logger
        ) { number in
            port.yield(number)
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        // A server that fails to start ends the stream: the wait for its port ends with it.
        let running = Task {
            defer { port.finish() }
            try await group.run()
        }
        let result: Result<T, any Error>
        if let number = await ports.first(where: { _ in true }) {
            do {
                result = .success(try await body("http://127.0.0.1:\(number)"))
            } catch {
                result = .failure(error)
            }
        } else {
            result = .failure(CenterProcessError(message: "no port"))
        }
        await group.triggerGracefulShutdown()
        try await running.value
        return try result.get()
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
        let options = {
            var options = Synchronizer.Options()
            (options.attempts, options.baseDelay) = (2, 1)
            return options
        }()
        @Sendable func sync(_ url: String) throws -> Synchronizer.Summary {
            var reaching = enrollment
            reaching.url = url
            return try Synchronizer(store: laptop, enrollment: reaching, options: options).run()
        }

        let first = try await serving(NamelessStore(store: SQLiteCenterStore(center))) { url in
            try await blocking { try sync(url) }
        }
        #expect(first.sent > 0)
        let state = try laptop.syncState()
        #expect(state.pendingChanges == 0 && state.lastSyncAt != nil, "the sync finished: its changes are in")
        #expect(try laptop.areas().isEmpty)

        _ = try await serving(fixture.center) { url in try await blocking { try sync(url) } }
        #expect(try laptop.areas().map(\.name) == ["秦州区", "大城街道", "东关社区"])
        await fixture.remove()
    }
}

extension AreaSyncTests {
    /// A center that counts how often its areas are read: once for the last page of a pull (its
    /// fingerprint), once more for each `GET /v1/areas`.
    final class CountingStore: ForwardingStore, @unchecked Sendable {
        let store: SQLiteCenterStore
        private let lock = NSLock()
        private var reads = 0

        init(_ store: SQLiteCenterStore) { self.store = store }

        var count: Int { lock.withLock { reads } }

        func areas() async throws -> [Area] {
            lock.withLock { reads += 1 }
            return try await store.areas()
        }
    }

    @Test func theNamesAreAskedForOnlyWhenTheCentersDiffer() async throws {
        let fixture = try await CenterFixture.make()
        let center = CountingStore(SQLiteCenterStore(try await fixture.merged()))
        let home = FieldHome(url: fixture.folder.appendingPathComponent("laptop"))
        let enrollment = Enrollment(
            url: "http://unused", credential: fixture.gridA, scope: CenterFixture.villageA, role: .grid,
            worker: "张网格")
        let laptop = try FieldStore.create(home: home, enrollment: enrollment)
        try await serving(center) { url in
            var reaching = enrollment
            reaching.url = url
            var reads: [Int] = []
            func sync() async throws {
                let before = center.count
                _ = try await blocking { [reaching] in try Synchronizer(store: laptop, enrollment: reaching).run() }
                reads.append(center.count - before)
            }
            try await sync()
            #expect(try laptop.areas().map(\.name) == ["秦州区", "大城街道", "东关社区"])
            // Nothing changed: the pull's last page says so, and no request for the names follows.
            try await sync()
            // Renamed at the center, and another village added (not this device's): the rename arrives.
            _ = try await center.store.importAreas([
                Area(code: CenterFixture.villageA, name: "东关新社区"), Area(code: CenterFixture.villageB, name: "十方堂"),
            ])
            try await sync()
            #expect(try laptop.areas().map(\.name) == ["秦州区", "大城街道", "东关新社区"])
            try await sync()
            #expect(reads == [2, 1, 2, 1], "a read for the fingerprint each sync, one more when the names travel")
        }
        await fixture.remove()
    }
}

/// The pull's progress bar knows what it has ahead: the first page is asked with `remaining=1`, and the
/// center says how many changes the device's reach holds after its cursor.
@Suite struct PullProgressTests {
    final class Seen: @unchecked Sendable {
        private let lock = NSLock()
        private var progress: [Synchronizer.Progress] = []
        func add(_ value: Synchronizer.Progress) { lock.withLock { progress.append(value) } }
        var pulling: [Synchronizer.Progress] { lock.withLock { progress.filter { $0.phase == .pulling } } }
    }

    @Test(arguments: StoreKind.available) func aPullKnowsHowManyChangesItHasAhead(kind: StoreKind) async throws {
        let fixture = try await CenterFixture.make(kind)
        let village = try ReplicaStore.create(
            database: fixture.folder.appendingPathComponent("village.sqlite"), scope: CenterFixture.villageA,
            worker: "张网格")
        func record(_ cases: Range<Int>) throws {
            for index in cases {
                _ = try village.record(
                    DisputeDraft(
                        village: CenterFixture.villageA, category: .land, parties: [try Party(name: "韩\(index)")],
                        summary: "地界\(index)", recorder: "张网格"))
            }
        }
        try record(0..<30)
        let other = try ReplicaStore.create(
            database: fixture.folder.appendingPathComponent("other.sqlite"), scope: CenterFixture.villageB,
            worker: "王网格")
        _ = try other.record(
            DisputeDraft(
                village: CenterFixture.villageB, category: .debt, parties: [try Party(name: "郑一")], summary: "借款",
                recorder: "王网格"))
        try await fixture.push(try village.allChanges(), as: fixture.gridA)
        let afterVillage = try await fixture.center.cursor()
        try await fixture.push(try other.allChanges(), as: fixture.gridB)
        let inScope = try village.allChanges().count

        let laptop = try FieldStore.create(
            home: FieldHome(url: fixture.folder.appendingPathComponent("laptop")),
            enrollment: Enrollment(
                url: "http://unused", credential: fixture.gridA, scope: CenterFixture.villageA, role: .grid,
                worker: "张网格"))
        func sync() async throws -> [Synchronizer.Progress] {
            let seen = Seen()
            try await AreaSyncTests().serving(fixture.center) { url in
                var enrollment = try #require(try laptop.syncState().enrollment)
                enrollment.url = url
                var options = Synchronizer.Options()
                options.pageChanges = 50
                options.snapshotRecords = 8
                _ = try await blocking { [enrollment, options] in
                    try Synchronizer(store: laptop, enrollment: enrollment, options: options) { seen.add($0) }.run()
                }
            }
            return seen.pulling
        }
        // The first pull is a snapshot (30 records, 8 a page), then the feed after it (nothing new).
        var pulling = try await sync()
        #expect(pulling.count == 4 + 1, "a progress line per page")
        #expect(pulling.allSatisfy { $0.total == inScope }, "\(pulling.map(\.total))")
        #expect(pulling.map(\.changes) == [48, 96, 144, 180, 180])
        #expect(try await laptop.digest() == fixture.merged().digest(within: CenterFixture.villageA))
        // Later pulls take the feed after it.
        try record(30..<60)
        try await fixture.push(Array(try village.allChanges().dropFirst(inScope)), as: fixture.gridA)
        let later = try village.allChanges().count - inScope
        pulling = try await sync()
        #expect(pulling.count == (later + 49) / 50, "a progress line per page")
        #expect(pulling.allSatisfy { $0.total == later }, "\(pulling.map(\.total))")
        #expect(pulling.last?.changes == later)
        #expect(try await laptop.digest() == fixture.merged().digest(within: CenterFixture.villageA))
        // The center's count itself, after a cursor and for the district.
        let store = fixture.center
        #expect(try await store.remaining(after: 0, within: nil) == inScope + later + other.allChanges().count)
        #expect(
            try await store.remaining(after: 0, within: Reach(scope: CenterFixture.villageB))
                == other.allChanges().count)
        #expect(try await store.remaining(after: store.cursor(), within: nil) == 0)
        // After a cursor in the middle of the log: what was pushed after it.
        #expect(try await store.remaining(after: afterVillage, within: nil) == other.allChanges().count + later)
        await fixture.remove()
    }
}
