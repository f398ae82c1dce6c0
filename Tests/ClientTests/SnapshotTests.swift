import Client
import Foundation
import GRDB
import Samples
import Shared
import Testing

@testable import Storage

/// A replica that holds nothing of the center's log takes a snapshot: the records as the center stores
/// them. It must end exactly where pulling the whole feed ends: the same log, the same rows, the same
/// counts for reports, whatever the page size, the reach, or what the replica held before.
@Suite struct SnapshotTests {
    static let district = try! AreaCode(parsing: "620502")
    static let townA = try! AreaCode(parsing: "620502101")
    static let villageA1 = try! AreaCode(parsing: "620502101201")
    static let villageA2 = try! AreaCode(parsing: "620502101202")
    static let villageB = try! AreaCode(parsing: "620502102201")

    /// A center holding cases and risk items of three villages made on three replicas: mediated,
    /// resolved, visited, noted more times than a run holds, voided, a risk struck off, and two cases of
    /// village A1 merged into one of village B (rows that depend on which cases a replica holds).
    static func center(in folder: URL, clock: TestClock) throws -> ReplicaStore {
        let center = try ReplicaStore.create(
            database: folder.appendingPathComponent("center.sqlite"), scope: nil, worker: "center", wallClock: clock)
        var merging: [RecordID] = []
        for (index, village) in [villageA1, villageA2, villageB].enumerated() {
            let worker = try ReplicaStore.create(
                database: folder.appendingPathComponent("worker\(index).sqlite"), scope: village, worker: "网格员\(index)",
                wallClock: clock)
            var ids: [RecordID] = []
            for number in 0..<6 {
                ids.append(
                    try worker.record(
                        DisputeDraft(
                            village: village, category: number % 2 == 0 ? .land : .debt,
                            // Numbers for some parties (the search text reads them from the row), an ID
                            // number ending in X, a name off the fold's shortcut.
                            parties: [
                                try Party(
                                    name: "王\(number)", idNumber: number == 1 ? "11010519491231002X" : nil,
                                    phone: number % 3 == 1 ? "1380013800\(number)" : nil),
                                try Party(name: number == 4 ? "Émile Ⅻ" : "Ｌｉ　\(number)"),
                            ],
                            summary: "第\(number)件：宅基地边界争议，ＡＢＣ全角 Mixed Case", incidentDate: Sample.today,
                            recorder: "网格员\(index)")))
                clock.advance(by: 60_000)
            }
            _ = try worker.perform(.mediate(method: .chat, mediator: "刘调解"), onDispute: ids[0])
            _ = try worker.perform(.resolve(agreement: "赔偿三千元", date: Sample.today), onDispute: ids[0])
            _ = try worker.perform(
                .visit(Visit(date: Sample.today.adding(days: 7), note: "回访", isAgreementKept: true)), onDispute: ids[0])
            _ = try worker.perform(
                .visit(Visit(date: Sample.today.adding(days: 30), note: "再访", isAgreementKept: false)),
                onDispute: ids[0])
            for note in 0..<70 { _ = try worker.perform(.note("备注\(note)"), onDispute: ids[1]) }
            _ = try worker.perform(.void(reason: "重复录入"), onDispute: ids[2])
            clock.advance(by: 86_400_000)
            let risk = try worker.record(
                RiskDraft(
                    scope: village, area: "水利", title: "沟渠堵塞\(index) ABC", plan: "清淤",
                    owner: Owner(person: "赵六", unit: index == 1 ? "水务站" : nil),
                    deadline: Sample.today.adding(days: 30), recorder: "网格员\(index)"))
            if index == 0 {
                _ = try worker.perform(.strike(evidence: "已清淤", date: Sample.today.adding(days: 3)), onRiskItem: risk)
                merging += ids.suffix(2)
            }
            if index == 2 { merging.append(ids[3]) }
            try center.receive(try worker.allChanges())
        }
        // The center's decision: two cases of village A1 are the one of village B.
        for id in merging.prefix(2) {
            _ = try center.perform(.merge(into: merging[2], reason: "同一纠纷"), onDispute: id)
        }
        return center
    }

    /// Two new replicas of `scope`: one to take the snapshot, one to pull the feed.
    static func replicas(
        in folder: URL, scope: AreaCode, clock: TestClock
    ) throws -> (snapshot: ReplicaStore, feed: ReplicaStore) {
        try (
            ReplicaStore.create(
                database: folder.appendingPathComponent("snapshot.sqlite"), scope: scope, worker: "综治中心",
                wallClock: clock),
            ReplicaStore.create(
                database: folder.appendingPathComponent("feed.sqlite"), scope: scope, worker: "综治中心",
                wallClock: clock)
        )
    }

    /// Takes the whole snapshot of `reach` from `center` into `replica`, `limit` records a page.
    /// - Returns: the pages' sequence numbers and how many changes they said were new.
    @discardableResult
    static func takeSnapshot(
        from center: ReplicaStore, into replica: ReplicaStore, within reach: Reach?, limit: Int
    ) throws -> (first: Int64, new: Int, pages: Int) {
        var after: RecordID?
        var (first, new, pages) = (Int64(-1), 0, 0)
        while true {
            let written = try center.snapshotPage(after: after, within: reach, limit: limit)
            let page = try SnapshotPage(bytes: written.bytes)
            #expect(page.recordCount == written.records && page.changeCount == written.changes)
            #expect(page.recordCount <= limit && page.more == written.more && page.seq == written.seq)
            if first < 0 { first = page.seq }
            new += try replica.receive(page)
            pages += 1
            guard page.more else { break }
            #expect(try replica.syncState().snapshotAfter == page.last)
            after = page.last
        }
        #expect(try replica.syncState().isTakingSnapshot == false)
        return (first, new, pages)
    }

    /// Pulls the whole feed of `reach` from `center` into `replica`, as a device did before snapshots.
    static func pullFeed(from center: ReplicaStore, into replica: ReplicaStore, within reach: Reach?) throws {
        var cursor = try replica.syncState().pullCursor
        while true {
            let page = try center.changes(after: cursor, within: reach, limit: 25)
            guard let last = page.changes.last else { return }
            try replica.receive(page.changes.map(\.change))
            cursor = last.seq
        }
    }

    /// Everything a replica's lists, searches and reports read, in an order that does not depend on the
    /// order the log numbered the changes in.
    static func contents(of store: ReplicaStore) throws -> [String] {
        try DatabaseQueue(path: store.database.path).read { db in
            var lines: [String] = []
            for (table, order) in [
                ("record", "uid"), ("dispute", "id"), ("risk", "id"), ("visit", "dispute, date"),
                ("arrived", "field, day, scope, arrivedOn"),
            ] {
                let columns = try db.columns(in: table).map(\.name).filter { !(table == "record" && $0 == "id") }
                for row in try Row.fetchAll(
                    db, sql: "SELECT \(columns.joined(separator: ", ")) FROM \(table) ORDER BY \(order)")
                {
                    lines.append("\(table): \(row)")
                }
            }
            lines += try String.fetchAll(db, sql: "SELECT 'received: ' || scope FROM received ORDER BY scope")
            return lines
        }
            + (try store.allChanges().sorted { $0.timestamp < $1.timestamp }.map { "change: \($0)" })
    }

    @Test(arguments: [1, 2, 5, 1_000]) func aSnapshotEndsWhereTheWholeFeedEnds(limit: Int) throws {
        try withTemporaryDirectory { folder in
            let clock = TestClock()
            let center = try Self.center(in: folder, clock: clock)
            let (bySnapshot, byFeed) = try Self.replicas(in: folder, scope: Self.district, clock: clock)
            let taken = try Self.takeSnapshot(from: center, into: bySnapshot, within: nil, limit: limit)
            try Self.pullFeed(from: center, into: byFeed, within: nil)
            let records = try center.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM record") ?? 0 }
            #expect(taken.pages == (records + limit - 1) / limit)
            #expect(taken.new == (try center.allChanges().count))
            // The feed goes on from where the first page was read.
            #expect(try bySnapshot.syncState().pullCursor == taken.first && taken.first == (try center.cursor()))
            #expect(try bySnapshot.digest() == (try center.digest()))
            let (snapshotRows, feedRows) = (try Self.contents(of: bySnapshot), try Self.contents(of: byFeed))
            #expect(snapshotRows.count == feedRows.count)
            for (taken, pulled) in zip(snapshotRows, feedRows) where taken != pulled {
                Issue.record("\(taken)\n  differs from the feed's\n\(pulled)")
                break
            }
            // Rows and the log read back through the store as the feed's replica reads them.
            #expect(try bySnapshot.disputes() == (try byFeed.disputes()))
            let checks = try DatabaseQueue(path: bySnapshot.database.path).read { db in
                (
                    try String.fetchAll(db, sql: "PRAGMA integrity_check"),
                    try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count
                )
            }
            #expect(checks.0 == ["ok"] && checks.1 == 0)
            // What comes later arrives through the feed, once.
            let latest = try center.disputes()[0].id
            _ = try center.perform(.note("又一条备注"), onDispute: latest)
            try Self.pullFeed(from: center, into: bySnapshot, within: nil)
            try Self.pullFeed(from: center, into: byFeed, within: nil)
            #expect(try Self.contents(of: bySnapshot) == (try Self.contents(of: byFeed)))
        }
    }

    /// A page carries no search text (a quarter of its bytes on the wire): the replica folds it from the
    /// row, and finds by it what the feed's replica finds — a folded word, a phone number, an ID number's
    /// X either way, a name off the fold's shortcut, a mediator, an agreement, a category's name, a
    /// village, an owner's unit.
    @Test func aSnapshotsRecordsAreFoundByTheSearchTextTheReplicaFolds() throws {
        try withTemporaryDirectory { folder in
            let clock = TestClock()
            let center = try Self.center(in: folder, clock: clock)
            let (bySnapshot, byFeed) = try Self.replicas(in: folder, scope: Self.district, clock: clock)
            let page = try center.snapshotPage(after: nil, within: nil, limit: 1_000)
            let folded = Array("abc全角 mixed case".utf8)
            let raw = Array("ＡＢＣ全角 Mixed Case".utf8)
            func holds(_ text: [UInt8]) -> Bool { page.bytes.indices.contains { page.bytes[$0...].starts(with: text) } }
            // The summary is there as written; its folded form (the search text's) is not.
            #expect(holds(raw) && !holds(folded))
            try bySnapshot.receive(try SnapshotPage(bytes: page.bytes))
            try Self.pullFeed(from: center, into: byFeed, within: nil)
            for needle in [
                "ａｂｃ全角 MIXED", "13800138001", "11010519491231002x", "11010519491231002X", "émile ⅻ", "刘调解",
                "赔偿三千元", "土地", "620502102201", "第3件",
            ] {
                let found = try bySnapshot.disputes(DisputeFilter(search: needle, includeVoided: true)).map(\.id)
                #expect(!found.isEmpty, "nothing found for \(needle)")
                #expect(found == (try byFeed.disputes(DisputeFilter(search: needle, includeVoided: true)).map(\.id)))
            }
            for needle in ["沟渠堵塞1 abc", "水务站", "赵六"] {
                let found = try bySnapshot.riskItems(RiskFilter(search: needle)).map(\.id)
                #expect(!found.isEmpty, "nothing found for \(needle)")
                #expect(found == (try byFeed.riskItems(RiskFilter(search: needle)).map(\.id)))
            }
        }
    }

    @Test func aSnapshotGivenUpPartWayLeavesTheWholeFeedToPull() throws {
        try withTemporaryDirectory { folder in
            let clock = TestClock()
            let center = try Self.center(in: folder, clock: clock)
            let (replica, byFeed) = try Self.replicas(in: folder, scope: Self.district, clock: clock)
            try replica.receive(
                try SnapshotPage(bytes: try center.snapshotPage(after: nil, within: nil, limit: 5).bytes))
            #expect(try replica.syncState().pullCursor == (try center.cursor()))
            // The center serves no snapshot now: the records after the fifth lie before the cursor.
            try replica.abandonSnapshot()
            let state = try replica.syncState()
            #expect(!state.isTakingSnapshot && state.pullCursor == 0)
            try Self.pullFeed(from: center, into: replica, within: nil)
            try Self.pullFeed(from: center, into: byFeed, within: nil)
            #expect(try replica.digest() == (try center.digest()))
            #expect(try Self.contents(of: replica) == (try Self.contents(of: byFeed)))
            // Nothing under way (a snapshot taken whole): giving up changes nothing.
            let whole = try ReplicaStore.create(
                database: folder.appendingPathComponent("whole.sqlite"), scope: Self.district, worker: "综治中心",
                wallClock: clock)
            try Self.takeSnapshot(from: center, into: whole, within: nil, limit: 5)
            try whole.abandonSnapshot()
            #expect(try whole.syncState().pullCursor == (try center.cursor()))
        }
    }

    @Test func aTownsSnapshotHoldsItsOwnRecordsAndDerivesTheMergesItself() throws {
        try withTemporaryDirectory { folder in
            let clock = TestClock()
            let center = try Self.center(in: folder, clock: clock)
            let reach = Reach(scope: Self.townA)
            let (bySnapshot, byFeed) = try Self.replicas(in: folder, scope: Self.townA, clock: clock)
            try Self.takeSnapshot(from: center, into: bySnapshot, within: reach, limit: 4)
            try Self.pullFeed(from: center, into: byFeed, within: reach)
            #expect(try bySnapshot.digest(within: reach) == (try center.digest(within: reach)))
            #expect(try Self.contents(of: bySnapshot) == (try Self.contents(of: byFeed)))
            // Village B's case, which the two were merged into, is not the town's: they count as cases of
            // their own here, where at the center they count under it.
            let merged = try bySnapshot.disputes().filter { $0.duplicateOf != nil }
            #expect(merged.count == 2)
            #expect(try bySnapshot.disputes().allSatisfy { [Self.villageA1, Self.villageA2].contains($0.village) })
            let counted = try DatabaseQueue(path: bySnapshot.database.path).read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM dispute WHERE duplicateOf IS NOT NULL AND counted = 1")
            }
            let centerCounted = try center.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM dispute WHERE duplicateOf IS NOT NULL AND counted = 1")
            }
            #expect(counted == 2 && centerCounted == 0)
        }
    }

    @Test func recordsTheReplicaHoldsAlreadyAreMergedChangeByChange() throws {
        try withTemporaryDirectory { folder in
            let clock = TestClock()
            let center = try Self.center(in: folder, clock: clock)
            let (bySnapshot, byFeed) = try Self.replicas(in: folder, scope: Self.district, clock: clock)
            // Both hold part of the log already, and a case of their own the center has too.
            let some = Array(try center.allChanges().prefix(40))
            for replica in [bySnapshot, byFeed] { try replica.receive(some) }
            let own = try bySnapshot.record(Sample.draft("区里自己登记的案件"))
            let ownChanges = try bySnapshot.allChanges().filter { $0.entity.id == own }
            try byFeed.receive(ownChanges)
            try center.receive(ownChanges)
            _ = try center.perform(.mediate(method: .chat, mediator: "区调解员"), onDispute: own)
            try Self.takeSnapshot(from: center, into: bySnapshot, within: nil, limit: 3)
            try Self.pullFeed(from: center, into: byFeed, within: nil)
            #expect(try bySnapshot.digest() == (try center.digest()))
            #expect(try Self.contents(of: bySnapshot) == (try Self.contents(of: byFeed)))
            #expect(try bySnapshot.dispute(own)?.method == .chat)
        }
    }

    /// Histories made at random from a seed: three workers recording, mediating, visiting, noting,
    /// voiding and reopening cases and listing and striking off risk items, days apart, each reaching the
    /// center now and then; the center merging some cases. A replica of a random reach that held part of
    /// the feed takes the snapshot at a random page size; another pulls the feed: both end alike.
    @Test(arguments: 1...8 as ClosedRange<UInt64>) func randomHistoriesEndAlikeBySnapshotAndByFeed(seed: UInt64) throws
    {
        var random = SeededGenerator(seed: seed)
        try withTemporaryDirectory { folder in
            let clock = TestClock()
            let center = try ReplicaStore.create(
                database: folder.appendingPathComponent("center.sqlite"), scope: nil, worker: "center",
                wallClock: clock)
            let villages = [Self.villageA1, Self.villageA2, Self.villageB]
            let workers = try villages.enumerated().map { index, village in
                try ReplicaStore.create(
                    database: folder.appendingPathComponent("worker\(index).sqlite"), scope: village,
                    worker: "网格员\(index)", wallClock: clock)
            }
            var cases: [[RecordID]] = villages.map { _ in [] }
            var risks: [[RecordID]] = villages.map { _ in [] }
            for step in 0..<120 {
                clock.advance(by: Int64.random(in: 1...40_000_000, using: &random))
                let index = Int.random(in: 0..<workers.count, using: &random)
                let (worker, village) = (workers[index], villages[index])
                switch Int.random(in: 0..<100, using: &random) {
                case 0..<30 where cases[index].count < 25:
                    cases[index].append(
                        try worker.record(
                            DisputeDraft(
                                village: village, category: DisputeCategory.allCases.randomElement(using: &random)!,
                                parties: [try Party(name: "王\(step % 7)"), try Party(name: "李\(step)")],
                                summary: "第\(step)件：地界争议", recorder: "网格员\(index)")))
                case 30..<40:
                    risks[index].append(
                        try worker.record(
                            RiskDraft(
                                scope: village, area: "水利", title: "隐患\(step)", plan: "清淤",
                                owner: Owner(person: "赵六"), deadline: Sample.today.adding(days: 30),
                                recorder: "网格员\(index)")))
                case 40..<45:
                    guard let risk = risks[index].randomElement(using: &random) else { continue }
                    _ = try? worker.perform(.strike(evidence: "已清淤", date: Sample.today), onRiskItem: risk)
                case 45..<90:
                    guard let id = cases[index].randomElement(using: &random) else { continue }
                    let commands: [DisputeCommand] = [
                        .mediate(method: .chat, mediator: "刘调解"),
                        .resolve(agreement: "赔偿\(step)元", date: Sample.today),
                        .visit(
                            Visit(date: Sample.today.adding(days: step), note: "回访", isAgreementKept: step % 2 == 0)),
                        .note("备注\(step)"), .fail(reason: "未达成"), .escalate(to: .town, note: nil),
                        .reopen(reason: "再调"), .void(reason: "录错"), .unvoid(reason: "恢复"),
                    ]
                    _ = try? worker.perform(commands.randomElement(using: &random)!, onDispute: id)
                case 90..<95:
                    // The center merges two cases it holds.
                    let held = try center.disputes().map(\.id)
                    guard held.count > 1 else { continue }
                    let pair = held.shuffled(using: &random).prefix(2)
                    _ = try? center.perform(.merge(into: pair.last!, reason: "同一纠纷"), onDispute: pair.first!)
                default:
                    try center.receive(try worker.allChanges())
                }
            }
            for worker in workers { try center.receive(try worker.allChanges()) }
            let reach = [nil, Reach(scope: Self.townA), Reach(scope: Self.villageB)].randomElement(using: &random)!
            let scope = reach?.scope ?? Self.district
            let (bySnapshot, byFeed) = try Self.replicas(in: folder, scope: scope, clock: clock)
            // Part of the feed held already, by both.
            let all = try center.changes(after: 0, within: reach, limit: 100_000).changes.map(\.change)
            let part = Array(all.prefix(Int.random(in: 0...all.count / 2, using: &random)))
            for replica in [bySnapshot, byFeed] { try replica.receive(part) }
            try Self.takeSnapshot(
                from: center, into: bySnapshot, within: reach, limit: Int.random(in: 1...9, using: &random))
            try Self.pullFeed(from: center, into: byFeed, within: reach)
            let (snapshotRows, feedRows) = (try Self.contents(of: bySnapshot), try Self.contents(of: byFeed))
            #expect(snapshotRows.count == feedRows.count, "seed \(seed)")
            for (taken, pulled) in zip(snapshotRows, feedRows) where taken != pulled {
                Issue.record("seed \(seed): \(taken)\n  differs from the feed's\n\(pulled)")
                break
            }
            if let reach {
                #expect(try bySnapshot.digest(within: reach) == (try center.digest(within: reach)))
            } else {
                #expect(try bySnapshot.digest() == (try center.digest()))
            }
        }
    }

    @Test func aRecordWhoseRowTheCenterLacksIsDerivedHere() throws {
        try withTemporaryDirectory { folder in
            let clock = TestClock()
            let center = try Self.center(in: folder, clock: clock)
            let lost = try center.read { db in
                try String.fetchOne(
                    db, sql: "SELECT id FROM dispute WHERE duplicateOf IS NULL AND merged = 0 AND isVoided = 0 LIMIT 1")
            }
            try center.write { db in try db.execute(sql: "DELETE FROM dispute WHERE id = ?", arguments: [lost]) }
            let (bySnapshot, byFeed) = try Self.replicas(in: folder, scope: Self.district, clock: clock)
            try Self.takeSnapshot(from: center, into: bySnapshot, within: nil, limit: 1_000)
            try Self.pullFeed(from: center, into: byFeed, within: nil)
            #expect(try Self.contents(of: bySnapshot) == (try Self.contents(of: byFeed)))
            #expect(try bySnapshot.disputes().contains { $0.id.description == lost })
        }
    }

    @Test func aChangeStampedFarAheadRefusesThePageAndChangesNothing() throws {
        try withTemporaryDirectory { folder in
            let clock = TestClock()
            let center = try Self.center(in: folder, clock: clock)
            var ahead = HybridClock(
                replica: ReplicaID(rawValue: 77), wallClock: TestClock(clock.milliseconds() + 30 * 86_400_000))
            let id = try center.disputes()[0].id
            try center.receive(
                [
                    try Change(
                        timestamp: ahead.now(), entity: EntityKey(kind: .dispute, id: id), scope: Self.villageA1,
                        field: .note, value: .text("来自未来"))
                ], maximumDrift: .max)
            let replica = try ReplicaStore.create(
                database: folder.appendingPathComponent("replica.sqlite"), scope: Self.district, worker: "区综治中心",
                wallClock: clock)
            let page = try SnapshotPage(bytes: try center.snapshotPage(after: nil, within: nil, limit: 1_000).bytes)
            #expect(throws: ClockError.self) { try replica.receive(page, maximumDrift: 86_400_000) }
            #expect(try replica.allChanges().isEmpty && replica.disputes().isEmpty)
            #expect(try replica.syncState().pullCursor == 0)
        }
    }

    @Test func aPageCutShortOrDamagedIsRefusedNamingTheProblem() throws {
        try withTemporaryDirectory { folder in
            let center = try Self.center(in: folder, clock: TestClock())
            let bytes = try center.snapshotPage(after: nil, within: nil, limit: 3).bytes
            _ = try SnapshotPage(bytes: bytes)
            // Every length short of the whole.
            for length in 0..<bytes.count {
                #expect(throws: SnapshotPage.Malformed.self) { try SnapshotPage(bytes: Array(bytes.prefix(length))) }
            }
            // More after the end, an unknown row, an unknown value type, a wrong type, a run that lies
            // about its length, a record out of order.
            #expect(throws: SnapshotPage.Malformed(description: "the snapshot page goes on after its end")) {
                try SnapshotPage(bytes: bytes + [0x52])
            }
            var damaged = bytes
            damaged[4] = 0x5A
            #expect(throws: SnapshotPage.Malformed.self) { try SnapshotPage(bytes: damaged) }
            damaged = bytes
            damaged[5] = 9
            #expect(throws: SnapshotPage.Malformed.self) { try SnapshotPage(bytes: damaged) }
            damaged = bytes
            damaged[5] = 1  // kind as an integer
            #expect(throws: SnapshotPage.Malformed.self) { try SnapshotPage(bytes: damaged) }
            // A value its field cannot hold (a center's log damaged) is refused as the feed's would be.
            try center.write { db in
                try db.execute(sql: "UPDATE change SET value = '42' WHERE field = 'recorder'")
            }
            let damagedLog = try center.snapshotPage(after: nil, within: nil, limit: 3).bytes
            do {
                _ = try SnapshotPage(bytes: damagedLog)
                Issue.record("a page with a value its field cannot hold was read")
            } catch {
                #expect("\(error)".contains("on the snapshot page is not one"), "\(error)")
            }
            // A case row placed in no area (lists read the code back) is refused too.
            let second = folder.appendingPathComponent("second")
            try FileManager.default.createDirectory(at: second, withIntermediateDirectories: true)
            let placeless = try Self.center(in: second, clock: TestClock())
            try placeless.write { db in try db.execute(sql: "UPDATE dispute SET village = '62050' WHERE rowid = 1") }
            do {
                _ = try SnapshotPage(bytes: try placeless.snapshotPage(after: nil, within: nil, limit: 1_000).bytes)
                Issue.record("a page with a case row placed nowhere was read")
            } catch {
                #expect("\(error)".contains("has a bad place"), "\(error)")
            }
            // Every single byte changed either still reads as a page or is refused: never a crash.
            var refused = 0
            for index in bytes.indices {
                for value: UInt8 in [0, 1, 2, 3, 0x43, 0x45, 0x7F, 0x80, 0xFF] where bytes[index] != value {
                    var changed = bytes
                    changed[index] = value
                    do { _ = try SnapshotPage(bytes: changed) } catch { refused += 1 }
                }
            }
            #expect(refused > bytes.count)
        }
    }
}
