import Foundation
import Logging
import PostgresNIO
import Shared
import Storage
import Synchronization
import Testing

@testable import Server

/// The test server's URL: `scripts/test` starts one (`scripts/postgres`); without it these tests are
/// skipped (run them through `scripts/test`, as CI does).
let testPostgres = ProcessInfo.processInfo.environment["FIELDSYNC_TEST_POSTGRES"]

@Suite(.enabled(if: testPostgres != nil, "needs FIELDSYNC_TEST_POSTGRES: run scripts/test"))
struct PostgresCenterTests {
    static let logger: Logger = {
        var logger = Logger(label: "postgres-tests")
        logger.logLevel = .error
        return logger
    }()

    /// A fresh database with `processes` logs on it, as that many center processes would have (each its
    /// own connection pool), all migrating at once when they start.
    static func withCenters(
        _ processes: Int, beforeCommit: (@Sendable () async -> Void)? = nil,
        _ body: @Sendable ([PostgresCenter], _ url: String) async throws -> Void
    ) async throws {
        let base = try #require(testPostgres)
        let name = "fieldsync_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        var components = try #require(URLComponents(string: base))
        components.path = "/" + name
        let url = try #require(components.string)
        let admin = TestDatabase.admin
        try await admin.client.query("CREATE DATABASE \(unescaped: name)", logger: logger)
        let logs = try (0..<processes).map { index in
            // A generous timeout: CI runs every suite at once, and a test holds a transaction open.
            try PostgresCenter(
                url: url + "?sslmode=disable", timeout: .seconds(120), logger: logger,
                beforeCommit: index == 0 ? beforeCommit : nil)
        }
        // The pools run beside the test and are cancelled after it, not awaited: a pool that takes its
        // time to close cannot hold the test up.
        let pools = logs.map { log in Task { await log.run() } }
        var failure: (any Error)?
        do {
            try await withThrowingTaskGroup(of: Void.self) { migrations in
                for log in logs { migrations.addTask { try await log.migrate() } }
                try await migrations.waitForAll()
            }
            try await body(logs, url)
        } catch {
            failure = error
        }
        for pool in pools { pool.cancel() }
        try await admin.client.query("DROP DATABASE \(unescaped: name) WITH (FORCE)", logger: logger)
        if let failure { throw failure }
    }

    static func push(_ changes: [Change], maximumDrift: Int64 = 600_000) -> ReplicaStore.Push {
        ReplicaStore.Push(changes: changes, device: "test", clockOffset: nil, maximumDrift: maximumDrift)
    }

    /// Every change after `cursor` within `scope`, a page of `limit` at a time, with the cursors.
    static func pullAll(
        _ log: PostgresCenter, after cursor: Int64 = 0, within scope: AreaCode? = nil, limit: Int = 7
    ) async throws -> (changes: [Change], cursor: Int64) {
        var cursor = cursor
        var changes: [Change] = []
        while true {
            let page = try await log.pageJSON(after: cursor, within: scope.map { Reach(scope: $0) }, limit: limit)
            let decoded = try ChangePage(json: Data(page.json))
            #expect(decoded.cursor == page.cursor && decoded.changes.count == page.count)
            #expect(page.cursor >= cursor)
            changes += decoded.changes
            cursor = page.cursor
            if !page.more { return (changes, cursor) }
        }
    }

    @Test func aBatchPushedThroughOneProcessIsPulledThroughAnotherOnceAndInOrder() async throws {
        try await Self.withCenters(2) { logs, _ in
            var a = DeviceReplica(1, village: CenterFixture.villageA)
            var b = DeviceReplica(2, village: CenterFixture.villageB)
            let batches = [try a.recordCases(3), try b.recordCases(2, summary: "男方拒绝退还彩礼"), try a.recordCases(2)]
            var cursors: [Int64] = []
            for (index, batch) in batches.enumerated() {
                let receipt = try await logs[index % 2].push(together: [Self.push(batch)])[0].get()
                #expect(receipt.new == batch.count && receipt.known == 0)
                cursors.append(receipt.cursor)
            }
            #expect(cursors == cursors.sorted() && Set(cursors).count == cursors.count)
            // The same batch again, through the other process: held once.
            let replay = try await logs[1].push(together: [Self.push(batches[0])])[0].get()
            #expect(replay.new == 0 && replay.known == batches[0].count)
            for log in logs {
                let all = try await Self.pullAll(log)
                #expect(all.changes == batches.flatMap { $0 })
                #expect(all.cursor == (try await log.cursor()))
                let townA = try await Self.pullAll(log, within: CenterFixture.townA)
                #expect(townA.changes == batches[0] + batches[2])
            }
            // Pulling on from a page's cursor gives only what came after it.
            let after = try await Self.pullAll(logs[1], after: cursors[1])
            #expect(after.changes == batches[2])
        }
    }

    /// The classic gap: a puller must never move its cursor past a change that commits later. One
    /// process's push is held open after writing its changes; another process's push must wait for it,
    /// and a pull meanwhile sees neither; once both commit, the pull sees the first, then the second.
    @Test func theFeedNeverSkipsAChangeThatCommitsLater() async throws {
        let gate = Gate()
        try await Self.withCenters(2, beforeCommit: { await gate.hold() }) { logs, _ in
            var a = DeviceReplica(1, village: CenterFixture.villageA)
            var b = DeviceReplica(2, village: CenterFixture.villageA2)
            let first = try a.recordCases(2)
            let second = try b.recordCases(2, summary: "男方拒绝退还彩礼")
            let held = Task { try await logs[0].push(together: [Self.push(first)])[0].get() }
            try await gate.waitUntilHeld()
            let later = Task { try await logs[1].push(together: [Self.push(second)])[0].get() }
            // The second push waits for the feed's head, held by the first (polled, at most 30 s: CI runs every suite at once).
            var waiting = false
            for _ in 0..<600 where !waiting {
                for try await count in try await logs[1].client.query(
                    """
                    SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM feed%'
                    """, logger: Self.logger
                ).decode(Int64.self) {
                    waiting = count > 0
                }
                if !waiting { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(waiting, "the second push did not wait for the first")
            let meanwhile = try await Self.pullAll(logs[1])
            #expect(meanwhile.changes.isEmpty && meanwhile.cursor == 0)
            gate.release()
            let firstReceipt = try await held.value
            let secondReceipt = try await later.value
            #expect(firstReceipt.cursor < secondReceipt.cursor)
            let all = try await Self.pullAll(logs[1])
            #expect(all.changes == first + second)
        }
    }

    @Test func aBatchStampedTooFarAheadIsRefusedAloneAndTheRestWritten() async throws {
        try await Self.withCenters(1) { logs, _ in
            var a = DeviceReplica(1, village: CenterFixture.villageA)
            let good = try a.recordCases(2)
            let companion = try a.recordCases(1, summary: "与未来的改动同批")
            let future = try Change(
                timestamp: HybridTimestamp(
                    physical: SystemWallClock().milliseconds() + 7_200_000, counter: 0, replica: ReplicaID(rawValue: 1)),
                entity: EntityKey(kind: .dispute, id: RecordID.random()), scope: CenterFixture.villageA,
                field: .summary, value: .text("两小时后的改动"))
            let results = await logs[0].push(together: [Self.push(good), Self.push(companion + [future])])
            #expect(try results[0].get().new == good.count)
            #expect(throws: ClockError.self) { try results[1].get() }
            #expect(try await Self.pullAll(logs[0]).changes == good)
        }
    }

    @Test func areasAndDevicesAreSharedByEveryProcessAndCheckedAsTheEmbeddedStoreChecksThem() async throws {
        try await Self.withCenters(2) { centers, _ in
            let town = CenterFixture.townA
            let village = CenterFixture.villageA
            #expect(
                try await centers[0].importAreas([Area(code: town, name: "大城街道"), Area(code: village, name: "东关村")])
                    == 2)
            // Another district's town is refused, and nothing of the import is kept.
            let elsewhere = try AreaCode(parsing: "620503101")
            await #expect(throws: InputError.self) {
                try await centers[1].importAreas([
                    Area(code: CenterFixture.townB, name: "皂郊镇"), Area(code: elsewhere, name: "别区"),
                ])
            }
            #expect(try await centers[1].areas().map(\.code) == [town, village])

            let (device, credential) = try await centers[0].enroll(name: " 张网格 ", scope: village, role: .grid)
            #expect(device.name == "张网格" && device.scope == village && device.role == .grid)
            #expect(try await centers[1].authenticate(credential) == device)
            let forged = try #require(
                DeviceCredential(token: "\(credential.device).\(DeviceCredential.generate().secret)"))
            #expect(try await centers[1].authenticate(forged) == nil)
            #expect(try await centers[1].authenticate(DeviceCredential.generate()) == nil)
            for (scope, role, words) in [
                (CenterFixture.villageB, DeviceRole.grid, "center area import"), (town, .grid, "needs a village code"),
            ] {
                do {
                    _ = try await centers[1].enroll(name: "李网格", scope: scope, role: role)
                    Issue.record("enrolled \(role) at \(scope)")
                } catch {
                    #expect("\(error)".contains(words), "\(error)")
                }
            }
            #expect(try await centers[0].devices().count == 1)

            // A push through either process notes the device's contact.
            var replica = DeviceReplica(1, village: village)
            let changes = try replica.recordCases(2)
            let push = ReplicaStore.Push(changes: changes, device: device.id, clockOffset: -1500, maximumDrift: 600_000)
            _ = try await centers[1].push(together: [push])[0].get()
            let seen = try #require(try await centers[0].devices().first)
            #expect(seen.pushedChanges == changes.count && seen.clockOffset == -1500 && seen.lastSeenAt != nil)
            // Two batches of the device in one group, the second a replay of the first: counted once, and a
            // batch that says nothing of the clock keeps the offset known.
            let more = ReplicaStore.Push(
                changes: try replica.recordCases(1), device: device.id, clockOffset: nil, maximumDrift: 600_000)
            let receipts = await centers[0].push(together: [more, more])
            #expect(try receipts.map { try $0.get().new } == [more.changes.count, 0])
            let counted = try #require(try await centers[1].devices().first)
            #expect(counted.pushedChanges == changes.count + more.changes.count && counted.clockOffset == -1500)

            let revoked = try await centers[1].revoke(device: device.id.uppercased())
            #expect(revoked.isRevoked)
            #expect(try await centers[0].authenticate(credential)?.isRevoked == true)
            await #expect(throws: DeviceNotFound.self) { try await centers[0].revoke(device: "nosuchdevice") }
        }
    }

    /// A database that is not there (nothing listens on its port): an operation fails within the
    /// timeout as unavailable, naming the server, instead of waiting on the pool (about a minute).
    @Test func aDatabaseThatIsAwayIsReportedAtOnce() async throws {
        let (descriptor, port) = try listeningSocket()
        close(descriptor)
        let center = try PostgresCenter(
            url: "postgres://fieldsync@127.0.0.1:\(port)/fieldsync?sslmode=disable", timeout: .seconds(2),
            logger: Self.logger)
        let pool = Task { await center.run() }
        defer { pool.cancel() }
        do {
            var replica = DeviceReplica(1, village: CenterFixture.villageA)
            let start = ContinuousClock.now
            let result = await center.push(together: [Self.push(try replica.recordCases(1))])[0]
            // Well under the pool's own minute. Not tighter: the suite's tests that run `field` and `center`
            // wait for them on the cooperative pool (two threads on a 2-core machine), which can hold
            // back this timeout's wake-up by seconds (measured: 4 s alone, 21.5 s in a loaded run).
            #expect(ContinuousClock.now - start < .seconds(40))
            do {
                _ = try result.get()
                Issue.record("a push to a database that is away succeeded")
            } catch let error as StoreError {
                #expect(error.code == .unavailable && error.message.contains("127.0.0.1:\(port)"), "\(error)")
            }
            do {
                _ = try await center.cursor()
                Issue.record("a read from a database that is away succeeded")
            } catch let error as StoreError {
                #expect(error.code == .unavailable, "\(error)")
            }
        }
    }

    /// The database goes away while the center runs (its connections cut, new ones refused): a push
    /// fails as unavailable, with nothing acknowledged; when it returns, the device's retry goes
    /// through and nothing was lost or doubled.
    @Test func theCenterRecoversWhenTheDatabaseReturns() async throws {
        try await Self.withCenters(1) { centers, url in
            let direct = try #require(URLComponents(string: url))
            let proxy = try SwitchProxy(to: try #require(direct.port))
            defer { proxy.close() }
            var viaProxy = direct
            viaProxy.port = proxy.port
            viaProxy.query = "sslmode=disable"
            let center = try PostgresCenter(
                url: try #require(viaProxy.string), timeout: .seconds(3), logger: Self.logger)
            let pool = Task { await center.run() }
            defer { pool.cancel() }
            var replica = DeviceReplica(1, village: CenterFixture.villageA)
            let first = try replica.recordCases(2)
            let second = try replica.recordCases(2, summary: "男方拒绝退还彩礼")
            _ = try await center.push(together: [Self.push(first)])[0].get()

            proxy.set(up: false)
            do {
                _ = try await center.push(together: [Self.push(second)])[0].get()
                Issue.record("a push succeeded while the database was away")
            } catch let error as StoreError {
                #expect(error.code == .unavailable, "\(error)")
            }
            #expect(try await Self.pullAll(centers[0]).changes == first)

            proxy.set(up: true)
            // The device sends again until the center takes it (at most 90 s: each try waits at most 3 s).
            var receipt: ReplicaStore.Receipt?
            let deadline = ContinuousClock.now + .seconds(90)
            while receipt == nil, ContinuousClock.now < deadline {
                receipt = try? await center.push(together: [Self.push(second)])[0].get()
                if receipt == nil { try await Task.sleep(for: .milliseconds(500)) }
            }
            #expect(receipt?.new == second.count)
            #expect(try await Self.pullAll(centers[0]).changes == first + second)
        }
    }

    @Test func aBadURLIsNamed() {
        for (url, words) in [
            ("mysql://center@db/district", "not a PostgreSQL URL"), ("postgres:///district", "no host"),
            ("postgres://db.example/district", "no user"), ("postgres://center@db.example", "no database"),
            ("postgres://center@db.example/district?sslmode=maybe", "sslmode 'maybe'"),
        ] {
            #expect(throws: InputError.self, "\(url)") {
                try PostgresCenter(url: url, logger: Self.logger)
            }
            do {
                _ = try PostgresCenter(url: url, logger: Self.logger)
            } catch {
                #expect("\(error)".contains(words), "\(url): \(error)")
            }
        }
    }
}

/// Holds a push's transaction open until released.
final class Gate: Sendable {
    private let state = Mutex<(held: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    private let (opened, open) = AsyncStream<Void>.makeStream()

    /// Called inside the transaction: says it is held, then waits for `release`.
    func hold() async {
        let waiters = state.withLock { state in
            state.held = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
        for await _ in opened { return }
    }

    func waitUntilHeld() async throws {
        await withCheckedContinuation { continuation in
            let held = state.withLock { state in
                if !state.held { state.waiters.append(continuation) }
                return state.held
            }
            if held { continuation.resume() }
        }
    }

    func release() {
        open.yield()
        open.finish()
    }
}

/// Views of a shared database kept between runs (`--cache`).
@Suite(.enabled(if: testPostgres != nil, "needs FIELDSYNC_TEST_POSTGRES: run scripts/test"))
struct ViewCacheTests {
    static func inode(_ url: URL) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? Int
    }

    /// A process that starts again takes up its view where it left it; a second process at the same time
    /// takes a slot of its own; a view that does not match its database (restored, rebuilt) is built anew.
    @Test func aProcessThatStartsAgainKeepsItsViewAndAViewOfAnotherHistoryIsRebuilt() async throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("views-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        let database = try await TestDatabase.create()
        let logger = PostgresCenterTests.logger
        let first = try await PostgresCenterStore.open(log: try database.log(), logger: logger, cache: cache)
        _ = try await first.importAreas(ScaleOutTests.areas)
        var device = DeviceReplica(1, village: CenterFixture.villageA)
        let earlier = try device.recordCases(3)
        _ = try await first.push(together: [PostgresCenterTests.push(earlier)])[0].get()
        let held = try await first.merged().digest()
        let identity = try await first.log.identity()
        let slot1 = cache.appendingPathComponent("view-\(identity)-1.sqlite")
        #expect(FileManager.default.fileExists(atPath: slot1.path))

        // At the same time: the next slot.
        let second = try await PostgresCenterStore.open(log: try database.log(), logger: logger, cache: cache)
        #expect(FileManager.default.fileExists(atPath: cache.appendingPathComponent("view-\(identity)-2.sqlite").path))
        #expect(try await second.merged().digest() == held)
        second.close()

        // The first stops; a change arrives; it starts again on the same file and copies only the change.
        first.close()
        let before = try Self.inode(slot1)
        let later = try device.recordCases(1)
        let writer = try database.log()
        _ = try await writer.push(together: [PostgresCenterTests.push(later)])[0].get()
        let again = try await PostgresCenterStore.open(log: try database.log(), logger: logger, cache: cache)
        #expect(try Self.inode(slot1) == before, "the view was kept")
        #expect(try await again.merged().digest() == digest(of: earlier + later))
        again.close()

        // Another database's view put in this one's slot: it does not match, and is built anew.
        let other = try await TestDatabase.create()
        let elsewhere = try await PostgresCenterStore.open(log: try other.log(), logger: logger, cache: cache)
        _ = try await elsewhere.importAreas(ScaleOutTests.areas)
        var stranger = DeviceReplica(9, village: CenterFixture.villageB)
        _ = try await elsewhere.push(together: [PostgresCenterTests.push(try stranger.recordCases(2))])[0].get()
        _ = try await elsewhere.merged()
        let otherIdentity = try await elsewhere.log.identity()
        elsewhere.close()
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: slot1.path + suffix)
            try? FileManager.default.copyItem(
                atPath: cache.appendingPathComponent("view-\(otherIdentity)-1.sqlite").path + suffix,
                toPath: slot1.path + suffix)
        }
        let rebuilt = try await PostgresCenterStore.open(log: try database.log(), logger: logger, cache: cache)
        #expect(try await rebuilt.merged().digest() == digest(of: earlier + later))
        rebuilt.close()
        await database.drop()
        await other.drop()
    }
}

@Suite(.enabled(if: testPostgres != nil, "needs FIELDSYNC_TEST_POSTGRES: run scripts/test"))
struct PostgresUpgradeTests {
    /// A database written before changes carried their record's area (version 5) is upgraded in place:
    /// every change gets its area, and scoped pulls read the same changes as before.
    @Test func changesWrittenBeforeTheAreaIndexAreFoundByScopedPullsAfterTheUpgrade() async throws {
        let database = try await TestDatabase.create()
        let log = try database.log()
        try await log.migrate(through: 5)
        var village = DeviceReplica(1, village: CenterFixture.villageA)
        var other = DeviceReplica(2, village: CenterFixture.villageB)
        let changes = try village.recordCases(2) + other.recordCases(1)
        // Written as version 5 wrote them: the record's scope on the record, none on the change.
        var records: [EntityKey: Int64] = [:]
        for (index, change) in changes.enumerated() {
            if records[change.entity] == nil {
                records[change.entity] = Int64(records.count + 1)
                try await log.client.query(
                    """
                    INSERT INTO record (id, kind, uid, scope) VALUES (\(records[change.entity]!),
                        \(change.entity.kind.rawValue), \(change.entity.id.description), \(change.scope.description))
                    """, logger: PostgresCenterTests.logger)
            }
            try await log.client.query(
                """
                INSERT INTO change (seq, physical, counter, replica, record, scope, field, value)
                VALUES (\(Int64(index + 1)), \(change.timestamp.physical), \(Int64(change.timestamp.counter)),
                    \(Int64(change.timestamp.replica.rawValue)), \(records[change.entity]!), NULL,
                    \(change.field.rawValue), \(change.valueJSON))
                """, logger: PostgresCenterTests.logger)
        }
        try await log.client.query(
            "UPDATE feed SET head = \(Int64(changes.count)) WHERE id = 1", logger: PostgresCenterTests.logger)

        try await log.migrate()
        let town = try await PostgresCenterTests.pullAll(log, within: CenterFixture.townA)
        #expect(town.changes == changes.filter { $0.scope == CenterFixture.villageA })
        let village2 = try await PostgresCenterTests.pullAll(log, within: CenterFixture.villageB)
        #expect(village2.changes == changes.filter { $0.scope == CenterFixture.villageB })
        #expect(try await PostgresCenterTests.pullAll(log).changes == changes)
        await database.drop()
    }
}
