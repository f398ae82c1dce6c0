import Client
import Foundation
import ProgramTesting
import Samples
import Server
import Shared
import Storage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `field` replicas syncing with a real `center serve` over libcurl.
@Suite(.serialized) struct SyncEndToEndTests {
    /// A running center of either kind with its areas, and a way to enroll replicas in temporary homes.
    final class World: @unchecked Sendable {
        // Used from one test at a time.
        let folder: URL
        /// The center's database; a restore may move the center to a new one.
        var postgres: TestDatabase?
        /// The store as the center's administrator reaches it (another process, for PostgreSQL).
        let admin: any CenterStore & CenterAdministration
        var center: CenterProcess
        /// Databases the center left for another.
        var retired: [TestDatabase] = []

        init(_ kind: StoreKind) async throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("sync-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            postgres = kind == .postgres ? try await TestDatabase.create() : nil
            if let postgres {
                admin = try await postgres.openStore()
            } else {
                admin = SQLiteCenterStore(
                    try ReplicaStore.create(
                        database: folder.appendingPathComponent("center.sqlite"), scope: nil, worker: "center",
                        durability: .power))
            }
            _ = try await admin.importAreas([
                Area(code: CenterFixture.district, name: "秦州区"), Area(code: CenterFixture.townA, name: "大城街道"),
                Area(code: CenterFixture.villageA, name: "东关社区"), Area(code: CenterFixture.villageA2, name: "西关社区"),
                Area(code: CenterFixture.townB, name: "天水郡街道"), Area(code: CenterFixture.villageB, name: "十方堂社区"),
            ])
            let location = postgres?.url ?? folder.appendingPathComponent("center.sqlite").path
            center = try CenterProcess(location: location)
        }

        var url: String { "http://127.0.0.1:\(center.port)" }

        /// What `center --db` takes.
        var location: String { postgres?.url ?? folder.appendingPathComponent("center.sqlite").path }

        /// The center's merged state, read afresh: the file, or a new process's view of the shared log.
        func merged() async throws -> ReplicaStore {
            if let postgres { return try await postgres.openStore().merged() }
            return try ReplicaStore.open(database: folder.appendingPathComponent("center.sqlite"))
        }

        /// A new field replica enrolled for `scope` in its own home.
        func replica(
            _ name: String, scope: AreaCode, role: DeviceRole, url: String? = nil
        ) async throws -> ReplicaStore {
            let credential = try await admin.enroll(name: name, scope: scope, role: role).1
            let enrollment = Enrollment(
                url: url ?? self.url, credential: credential, scope: scope, role: role, worker: name)
            return try FieldStore.create(
                home: FieldHome(url: folder.appendingPathComponent(name)), enrollment: enrollment)
        }

        /// Points replicas at the center's address again, after it started on another port.
        func repoint(_ stores: [ReplicaStore]) throws {
            for store in stores {
                var enrollment = try #require(try store.syncState().enrollment)
                enrollment.url = url
                try store.enroll(enrollment)
            }
        }

        /// A backup: for SQLite, `center backup` while the center serves (a second one into the same file
        /// is refused; a PostgreSQL URL is pointed to pg_dump); for PostgreSQL, with the center stopped,
        /// the database copied into an SQLite file by `center migrate`'s code.
        func backUp() async throws {
            let backup = folder.appendingPathComponent("backup", isDirectory: true)
            try FileManager.default.createDirectory(at: backup, withIntermediateDirectories: true)
            let copy = backup.appendingPathComponent("center.sqlite")
            guard let postgres else {
                let cli = CenterCommandTests()
                let taken = try cli.center(["backup", "--to", copy.path], location: location)
                #expect(taken.status == 0 && taken.stdout.contains("备份到"), "\(taken.stderr)")
                #expect(try FileManager.default.contentsOfDirectory(atPath: backup.path) == ["center.sqlite"])
                // It holds the parties' names: its owner's only, as the database is.
                let permissions = try FileManager.default.attributesOfItem(atPath: copy.path)[.posixPermissions]
                #expect(permissions as? Int == 0o600)
                let again = try cli.center(["backup", "--to", copy.path], location: location)
                #expect(again.status == 73 && again.stderr.contains("已存在；请备份到一个新文件"))
                let shared = try cli.center(["backup", "--to", copy.path], location: "postgres://u@127.0.0.1:1/d")
                #expect(shared.status == 64 && shared.stderr.contains("pg_dump"))
                return
            }
            center.kill(SIGTERM)
            _ = center.waitForExit(seconds: 10)
            _ = try await CenterMigration.copy(from: try postgres.log(), to: copy)
            center = try CenterProcess(location: location)
        }

        /// The backup restored, the center stopped meanwhile: the files put back, or the copy moved into a
        /// new PostgreSQL database, where the center then runs.
        func restore() async throws {
            center.kill(SIGTERM)
            _ = center.waitForExit(seconds: 10)
            let backup = folder.appendingPathComponent("backup", isDirectory: true)
            if let old = postgres {
                let database = try await TestDatabase.create()
                _ = try await CenterMigration.copy(
                    from: try ReplicaStore.open(database: backup.appendingPathComponent("center.sqlite")),
                    to: try database.log())
                (postgres, retired) = (database, retired + [old])
            } else {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: location + suffix) }
                for file in try FileManager.default.contentsOfDirectory(at: backup, includingPropertiesForKeys: nil) {
                    try FileManager.default.copyItem(
                        at: file, to: folder.appendingPathComponent(file.lastPathComponent))
                }
            }
            center = try CenterProcess(location: location)
        }

        func restartCenter() throws {
            center.kill(SIGKILL)
            _ = center.waitForExit(seconds: 10)
            center = try CenterProcess(location: location)
        }

        func stop() {
            center.kill(SIGTERM)
            _ = center.waitForExit(seconds: 10)
            try? FileManager.default.removeItem(at: folder)
            if let postgres { Task { await postgres.drop() } }
            for database in retired { Task { await database.drop() } }
        }
    }

    static func quick() -> Synchronizer.Options {
        var options = Synchronizer.Options()
        options.baseDelay = 20
        options.attempts = 3
        return options
    }

    /// One sync, which must not have started over unless `startsOver` (a center that misreads a device's
    /// checkpoint would make every sync start over, which converges too, only slowly).
    @discardableResult
    static func sync(
        _ store: ReplicaStore, options: Synchronizer.Options = quick(), startsOver: Bool = false
    ) async throws -> Synchronizer.Summary {
        guard let enrollment = try store.syncState().enrollment else { throw SyncError.notEnrolled }
        let summary = try await blocking {
            try Synchronizer(store: store, enrollment: enrollment, options: options).run()
        }
        let scope = try store.identity().scope.map(String.init(describing:)) ?? ""
        #expect(summary.startedOver == startsOver, "\(scope)")
        return summary
    }

    /// Grid workers of two villages, a town and the district edit the same cases offline and sync in
    /// random orders, while the center merges cases recorded twice (the parties repeat often) and an
    /// administrator merges and splits by hand; once quiet, every replica's digest is the center's
    /// within its scope, and the district replica counts the same cases as the center.
    @Test(arguments: StoreKind.available) func replicasConvergeWhateverTheOrderOfSyncs(kind: StoreKind) async throws {
        let world = try await World(kind)
        defer { world.stop() }
        let replicas = [
            (try await world.replica("gridA", scope: CenterFixture.villageA, role: .grid), [CenterFixture.villageA]),
            (try await world.replica("gridB", scope: CenterFixture.villageB, role: .grid), [CenterFixture.villageB]),
            (try await world.replica("town", scope: CenterFixture.townA, role: .town), [CenterFixture.villageA]),
            (
                try await world.replica("district", scope: CenterFixture.district, role: .district),
                [CenterFixture.villageA, CenterFixture.villageB]
            ),
        ]
        let seed = try await Self.play(replicas, admin: world.admin)
        let center = try await world.merged()
        try Self.expectConverged(replicas, to: center, seed: seed)
        let merges = try center.allChanges().filter { $0.field == .duplicate }.count
        print("sync convergence: \(merges) merge and split steps by the center; seed \(seed)")
    }

    /// Eight rounds: every worker acts offline, some sync in a random order, an administrator decides a
    /// duplicate; then everyone syncs twice, until quiet. Returns the seed (`FIELDSYNC_SEED` replays one).
    static func play(
        _ replicas: [(store: ReplicaStore, villages: [AreaCode])], admin: any CenterAdministration
    ) async throws -> UInt64 {
        let seed =
            ProcessInfo.processInfo.environment["FIELDSYNC_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<8 {
            for (store, villages) in replicas {
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    try act(on: store, villages: villages, generator: &generator)
                }
            }
            for (store, _) in replicas.shuffled(using: &generator) where Bool.random(using: &generator) {
                try await sync(store)
            }
            try await decideDuplicates(admin, generator: &generator)
        }
        for _ in 0..<2 {
            for (store, _) in replicas {
                try await sync(store)
            }
        }
        return seed
    }

    /// Every replica's digest is the center's within its scope, nothing waits to be sent, and the
    /// district's replica (the last) counts the same cases as the center.
    static func expectConverged(
        _ replicas: [(store: ReplicaStore, villages: [AreaCode])], to center: ReplicaStore, seed: UInt64
    ) throws {
        for (store, _) in replicas {
            let scope = try #require(try store.identity().scope)
            #expect(try store.digest() == center.digest(within: scope), "seed \(seed), \(scope)")
            #expect(try store.syncState().pendingChanges == 0)
        }
        #expect(try center.digest().recordCount > 5, "seed \(seed)")
        let counted = { (store: ReplicaStore) in
            try store.disputes(DisputeFilter(includeVoided: true)).map {
                "\($0.id) \($0.status) \($0.visits) \($0.merged)"
            }
        }
        #expect(try counted(replicas.last!.store) == counted(center), "seed \(seed)")
    }

    /// What an administrator at the center might do between syncs: merge a pair from the review queue,
    /// or split a merged case.
    static func decideDuplicates(_ center: any CenterAdministration, generator: inout SeededGenerator) async throws {
        let state = try await center.merged()
        let merged = try state.disputes(DisputeFilter(includeVoided: true, includeMerged: true)).filter {
            $0.duplicateOf != nil
        }
        if let merged = merged.randomElement(using: &generator), generator.chance(50) {
            _ = try await center.decide(.split(merged.id, reason: "合并有误"))
        } else if let review = try state.duplicateReviews().first {
            // The one not merged elsewhere goes into the other.
            if review.second.duplicateOf == nil {
                _ = try await center.decide(.merge(review.second.id, into: review.first.id))
            } else if review.first.duplicateOf == nil {
                _ = try await center.decide(.merge(review.first.id, into: review.second.id))
            }
        }
    }

    /// One random worker action; refusals (an illegal move) are part of the game.
    static func act(on store: ReplicaStore, villages: [AreaCode], generator: inout SeededGenerator) throws {
        let held = try store.disputes(DisputeFilter(includeVoided: true, includeMerged: true))
        let words = ["彩礼", "宅基地", "工钱", "边界", "噪音", "借款"]
        let text = { (generator: inout SeededGenerator) in
            (0..<3).map { _ in words.randomElement(using: &generator)! }.joined()
        }
        if held.isEmpty || Int.random(in: 0..<4, using: &generator) == 0 {
            try store.record(
                DisputeDraft(
                    village: villages.randomElement(using: &generator)!,
                    category: DisputeCategory.allCases.randomElement(using: &generator)!,
                    parties: [try Party(name: ["张建国", "李秀英", "王 建国"].randomElement(using: &generator)!)],
                    summary: text(&generator), incidentDate: try CalendarDate(parsing: "2022-05-01"),
                    recorder: "网格员"))
            return
        }
        let id = held.randomElement(using: &generator)!.id
        let today = try CalendarDate(parsing: "2022-06-01")
        let commands: [DisputeCommand] = [
            .mediate(method: MediationMethod.allCases.randomElement(using: &generator)!, mediator: text(&generator)),
            .resolve(agreement: text(&generator), date: today), .fail(reason: text(&generator)),
            .escalate(to: .town, note: nil), .reopen(reason: text(&generator)),
            .visit(Visit(date: today, note: text(&generator), isAgreementKept: true)), .note(text(&generator)),
            .edit(DisputeEdit(summary: text(&generator))), .void(reason: "重复"), .unvoid(reason: "误作废"),
        ]
        _ = try? store.perform(commands.randomElement(using: &generator)!, onDispute: id)
    }

    /// The district's own example: workers of two towns record one bride-price refund with the names
    /// spelled differently and dates two days apart, each adds a visit, and they sync. The district
    /// sees one case with both visits; a visit the second worker adds later still shows on it; `center
    /// duplicates split` brings both back, everywhere.
    @Test(arguments: StoreKind.available) func theBridePriceCaseRecordedInTwoTownsIsOneCaseAtTheDistrictUntilSplit(
        kind: StoreKind
    ) async throws {
        let world = try await World(kind)
        defer { world.stop() }
        let gridA = try await world.replica("gridA", scope: CenterFixture.villageA, role: .grid)
        let gridB = try await world.replica("gridB", scope: CenterFixture.villageB, role: .grid)
        let district = try await world.replica("district", scope: CenterFixture.district, role: .district)
        func record(_ store: ReplicaStore, _ names: [String], _ village: AreaCode, _ date: String) throws -> RecordID {
            let id = try store.record(
                DisputeDraft(
                    village: village, category: .marriageFamily, parties: try names.map { try Party(name: $0) },
                    summary: "婚约解除后彩礼返还纠纷", incidentDate: try CalendarDate(parsing: date), recorder: "网格员"))
            try store.perform(
                .visit(Visit(date: try CalendarDate(parsing: "2022-04-02"), note: "回访", isAgreementKept: true)),
                onDispute: id)
            return id
        }
        let first = try record(gridA, ["王建国", "李秀英"], CenterFixture.villageA, "2022-03-15")
        let second = try record(gridB, ["李 秀英", "王·建国"], CenterFixture.villageB, "2022-03-17")
        try await Self.sync(gridA)
        try await Self.sync(gridB)
        try await Self.sync(district)

        let cases = try district.disputes()
        #expect(cases.map(\.id) == [first] && cases.first?.merged == 1)
        let view = try #require(try district.caseView(second))
        #expect(view.dispute.id == first && view.dispute.visits.count == 2)
        // The second town's worker keeps their own case, marked as merged into one they do not hold.
        #expect(try gridB.disputes().map(\.duplicateOf) == [first])

        try gridB.perform(
            .visit(Visit(date: try CalendarDate(parsing: "2022-05-01"), note: "再次回访", isAgreementKept: true)),
            onDispute: second)
        try await Self.sync(gridB)
        try await Self.sync(district)
        #expect(try district.caseView(first)?.dispute.visits.count == 3)

        let split = try CenterCommandTests().center(
            ["duplicates", "split", String(second.description.prefix(8))], location: world.location)
        #expect(split.status == 0, "\(split.stderr)")
        try await Self.sync(district)
        try await Self.sync(gridB)
        #expect(Set(try district.disputes().map(\.id)) == [first, second])
        #expect(try district.caseView(second)?.dispute.visits.count == 2)
        #expect(try district.caseView(first)?.dispute.visits.count == 1)
        #expect(try gridB.disputes().map(\.duplicateOf) == [nil])
        let center = try await world.merged()
        #expect(try district.digest() == center.digest())
    }

    @Test(arguments: StoreKind.available) func aSyncCutShortByTheCenterDyingResumesWithoutLossOrDoubling(
        kind: StoreKind
    ) async throws {
        let world = try await World(kind)
        defer { world.stop() }
        let store = try await world.replica("gridA", scope: CenterFixture.villageA, role: .grid)
        for index in 0..<300 {
            try store.record(
                DisputeDraft(
                    village: CenterFixture.villageA, category: .land, parties: [try Party(name: "赵\(index)")],
                    summary: "界桩被移\(index)", recorder: "网格员"))
        }
        var options = Self.quick()
        options.batchChanges = 60
        options.attempts = 2
        let enrollment = try #require(try store.syncState().enrollment)
        let syncing = Task { [options] in
            try await blocking { try Synchronizer(store: store, enrollment: enrollment, options: options).run() }
        }
        // Wait (bounded) for the first acknowledged batch, then kill the center mid-stream.
        let deadline = Date().addingTimeInterval(30)
        while try store.syncState().acknowledgedSeq == 0, Date() < deadline {
            usleep(1_000)
        }
        world.center.kill(SIGKILL)
        await #expect(throws: SyncError.self) { try await syncing.value }
        let acknowledged = try store.syncState().acknowledgedSeq
        #expect(acknowledged > 0)
        #expect(try store.syncState().pendingChanges > 0)
        try world.restartCenter()
        try store.enroll(
            Enrollment(
                url: world.url, credential: enrollment.credential, scope: enrollment.scope, role: .grid, worker: "gridA"
            ))
        try await Self.sync(store)
        let center = try await world.merged()
        let held = try center.allChanges()
        #expect(held.count == Set(held).count)
        #expect(held.count == 300 * 6)
        #expect(try center.digest() == store.digest())
        #expect(try store.syncState().pendingChanges == 0)
    }

    /// The first answer of its kind is cut: a receipt, a snapshot page, or (with snapshots off) a feed page.
    @Test(arguments: StoreKind.available, ["POST", "GET snapshot", "GET feed"])
    func aConnectionCutMidResponseIsRetriedAndNothingIsDoubled(kind: StoreKind, cut: String) async throws {
        let world = try await World(kind)
        defer { world.stop() }
        let proxy = try CuttingProxy(
            to: world.center.port, cutRequest: String(cut.prefix { $0 != " " }), cutAfter: 40)
        defer { proxy.close() }
        let store = try await world.replica(
            "gridA", scope: CenterFixture.villageA, role: .grid, url: "http://127.0.0.1:\(proxy.port)")
        for index in 0..<20 {
            try store.record(
                DisputeDraft(
                    village: CenterFixture.villageA, category: .debt, parties: [try Party(name: "孙\(index)")],
                    summary: "借款\(index)", recorder: "网格员"))
        }
        var options = Self.quick()
        options.takesSnapshots = cut != "GET feed"
        let summary = try await Self.sync(store, options: options)
        #expect(proxy.cuts == 1)
        #expect(summary.sent == 120)
        #expect(summary.snapshotRecords == (cut == "GET feed" ? 0 : 20))
        let center = try await world.merged()
        let held = try center.allChanges()
        // A cut receipt makes the same batch arrive twice; the center holds it once.
        #expect(held.count == 120 && Set(held).count == 120)
        #expect(try center.digest() == store.digest())
    }

    @Test(arguments: StoreKind.available) func aCenterThatNeverAnswersTimesOutAndALaterSyncSucceeds(
        kind: StoreKind
    ) async throws {
        let world = try await World(kind)
        defer { world.stop() }
        let (silent, port) = try listeningSocket()
        defer { close(silent) }
        let store = try await world.replica(
            "gridA", scope: CenterFixture.villageA, role: .grid, url: "http://127.0.0.1:\(port)")
        try store.record(
            DisputeDraft(
                village: CenterFixture.villageA, category: .labor, parties: [try Party(name: "周")], summary: "欠薪",
                recorder: "网格员"))
        var options = Self.quick()
        options.attempts = 2
        options.curl.lowSpeedTime = 1
        options.curl.connectTimeout = 1_000
        let started = Date()
        await #expect {
            try await Self.sync(store, options: options)
        } throws: { error in
            guard case .unreachable(_, let attempts, let problem) = error as? SyncError else { return false }
            return attempts == 2 && problem.contains("curl error 28")
        }
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(try store.syncState().pendingChanges == 6)
        let enrollment = try #require(try store.syncState().enrollment)
        try store.enroll(
            Enrollment(
                url: world.url, credential: enrollment.credential, scope: enrollment.scope, role: .grid, worker: "gridA"
            ))
        #expect(try await Self.sync(store).sent == 6)
        #expect(try store.syncState().pendingChanges == 0)
    }

    /// A laptop whose clock is ten days behind still takes what the center sends, and what it records
    /// afterwards is ordered after what it took.
    @Test(arguments: StoreKind.available) func aLaptopWithAClockDaysBehindStillSyncs(kind: StoreKind) async throws {
        let world = try await World(kind)
        defer { world.stop() }
        let writer = try await world.replica("gridA", scope: CenterFixture.villageA, role: .grid)
        try writer.record(
            DisputeDraft(
                village: CenterFixture.villageA, category: .land, parties: [try Party(name: "郑")], summary: "界桩",
                recorder: "网格员"))
        try await Self.sync(writer)
        let behind = OffsetWallClock(base: SystemWallClock(), offset: -10 * 86_400_000)
        let credential = try await world.admin.enroll(name: "town", scope: CenterFixture.townA, role: .town).1
        let late = try FieldStore.create(
            home: FieldHome(url: world.folder.appendingPathComponent("late")),
            enrollment: Enrollment(
                url: world.url, credential: credential, scope: CenterFixture.townA, role: .town, worker: "镇"),
            wallClock: behind)
        let enrollment = try #require(try late.syncState().enrollment)
        let summary = try await blocking {
            try Synchronizer(store: late, enrollment: enrollment, options: Self.quick(), wallClock: behind).run()
        }
        #expect(summary.received == 6)
        #expect((summary.clockOffset ?? 0) > 9 * 86_400_000)
        let pulled = try #require(try late.disputes().first)
        try late.perform(.note("镇里接手"), onDispute: pulled.id)
        let history = try late.history(of: EntityKey(kind: .dispute, id: pulled.id))
        #expect(history.last?.field == .note)
        #expect(history.dropLast().allSatisfy { $0.timestamp < history.last!.timestamp })
    }

    @Test(arguments: StoreKind.available) func aRevokedDeviceIsToldWhatToDoAndKeepsItsChanges(
        kind: StoreKind
    ) async throws {
        let world = try await World(kind)
        defer { world.stop() }
        let store = try await world.replica("gridA", scope: CenterFixture.villageA, role: .grid)
        try store.record(
            DisputeDraft(
                village: CenterFixture.villageA, category: .traffic, parties: [try Party(name: "吴")], summary: "车祸",
                recorder: "网格员"))
        let device = try #require(try store.syncState().enrollment).credential.device
        _ = try await world.admin.revoke(device: device)
        await #expect {
            try await Self.sync(store)
        } throws: { error in
            guard let error = error as? SyncError, case .refused(401, let problem) = error else { return false }
            return problem.code == "revoked" && error.exitCode == 77
                && error.description.contains("ask the district center for a new enrollment")
        }
        #expect(try store.syncState().pendingChanges == 6)
    }

    /// The center's file is restored from a backup taken before some syncs, and another device pushes
    /// enough after the restore that the center's head passes the cursors devices kept: every device
    /// finds at its next sync that the log is not the one it synced with, starts over, and the center
    /// ends with every change again — those of a laptop that never syncs again too, sent back by the
    /// district's replica, which had pulled them; nothing is held twice, and the next syncs are
    /// ordinary.
    @Test(arguments: StoreKind.available) func aCenterRestoredFromABackupGetsEverythingBackFromItsDevices(
        kind: StoreKind
    ) async throws {
        let world = try await World(kind)
        defer { world.stop() }
        let gridA = try await world.replica("gridA", scope: CenterFixture.villageA, role: .grid)
        let gridB = try await world.replica("gridB", scope: CenterFixture.villageB, role: .grid)
        let gridA2 = try await world.replica("gridA2", scope: CenterFixture.villageA2, role: .grid)
        let district = try await world.replica("district", scope: CenterFixture.district, role: .district)
        let gone = try await world.replica("gone", scope: CenterFixture.villageA, role: .grid)
        func record(_ store: ReplicaStore, _ village: AreaCode, _ names: Range<Int>) throws {
            for index in names {
                try store.record(
                    DisputeDraft(
                        village: village, category: .neighbor, parties: [try Party(name: "钱\(index)")],
                        summary: "噪音\(index)", recorder: "网格员"))
            }
        }
        try record(gridA, CenterFixture.villageA, 0..<5)
        try record(gridB, CenterFixture.villageB, 5..<8)
        for store in [gridA, gridB, district] { try await Self.sync(store) }

        try await world.backUp()
        try world.repoint([gridA, gridB, gridA2, district, gone])

        try record(gridA, CenterFixture.villageA, 8..<12)
        try record(gridB, CenterFixture.villageB, 12..<14)
        try record(gone, CenterFixture.villageA, 14..<17)
        try gridA.perform(.mediate(method: .chat, mediator: "刘调解"), onDispute: try gridA.disputes()[0].id)
        // The laptop `gone` syncs once, then is lost; the district pulls its cases.
        for store in [gridA, gridB, gone, district] { try await Self.sync(store) }
        let before = try await world.merged().digest()

        // The restore; then another device's cases take the numbers again.
        try await world.restore()
        try world.repoint([gridA, gridB, gridA2, district, gone])
        #expect(try await world.merged().digest() != before)
        try record(gridA2, CenterFixture.villageA2, 20..<60)
        try await Self.sync(gridA2)
        #expect(try await world.merged().cursor() > district.syncState().pullCursor)

        for store in [gridA, gridB, district] {
            let summary = try await Self.sync(store, startsOver: true)
            #expect(summary.received + summary.alreadyHeld > 0)
        }
        #expect(try district.syncState().pendingChanges == 0)
        // The district sent back what it held, others' changes included: the center holds `gone`'s cases.
        #expect(try await world.merged().disputes().count == 17 + 40)
        for store in [gridA, gridB, gridA2, district] { try await Self.sync(store) }
        let center = try await world.merged()
        let held = try center.allChanges()
        #expect(held.count == Set(held).count)
        #expect(try center.digest(within: CenterFixture.villageA) == gridA.digest())
        #expect(try center.digest(within: CenterFixture.villageB) == gridB.digest())
        #expect(try center.digest(within: CenterFixture.villageA2) == gridA2.digest())
        #expect(try center.digest() == district.digest())
        #expect(try district.disputes().count == 17 + 40)
        #expect(try center.digest(within: CenterFixture.villageA) == gone.digest(within: CenterFixture.villageA))
    }
}
