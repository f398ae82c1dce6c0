import Client
import Foundation
import GRDB
import Shared
import Testing

@testable import Storage

/// The log keeps consecutive changes of one record by one replica as one row (a run). Every reader must
/// still see the log change by change, numbered 1, 2, 3…, wherever it starts or stops: inside a run too.
@Suite struct ChangeRunTests {
    /// A log of runs of every shape: cases recorded together, single steps, changes from another replica
    /// interleaved, a run longer than a row holds, a change naming another scope than its record's.
    /// Returns the changes in the order the log numbers them.
    static func buildLog(_ store: FieldStore) throws -> [Change] {
        var log: [Change] = []
        var ids: [RecordID] = []
        log += try store.transact { session in
            for index in 0..<5 {
                let id = RecordID.random()
                ids.append(id)
                try session.commit(
                    DisputeCommand.record(Sample.draft("第\(index)件")).changes(
                        for: id, current: nil, clock: &session.clock))
            }
        }
        log += try store.perform(.mediate(method: .chat, mediator: nil), onDispute: ids[1])
        var clock = HybridClock(replica: ReplicaID(rawValue: 9), wallClock: TestClock(1_647_400_000_000))
        let other = try AreaCode(parsing: "620502101202")
        var received: [Change] = []
        for round in 0..<3 {
            for id in ids.prefix(3) {
                received.append(
                    try Change(
                        timestamp: clock.now(), entity: EntityKey(kind: .dispute, id: id),
                        scope: round == 1 && id == ids[2] ? other : Sample.village, field: .note,
                        value: .text("第\(round)次回访")))
            }
        }
        for index in 0..<70 {
            received.append(
                try Change(
                    timestamp: clock.now(), entity: EntityKey(kind: .dispute, id: ids[4]), scope: Sample.village,
                    field: .note, value: .text("备注\(index)")))
        }
        #expect(try store.receive(received) == received.count)
        log += received
        log += try store.perform(.note("最后一条"), onDispute: ids[0])
        return log
    }

    @Test func everyReaderSeesTheLogChangeByChange() throws {
        try withTemporaryStore { store in
            let log = try Self.buildLog(store)
            let (rows, counted) = try DatabaseQueue(path: store.home.database.path).read { db in
                (
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM change") ?? 0,
                    try Int.fetchOne(db, sql: "SELECT sum(runLength) FROM change") ?? 0
                )
            }
            // Runs were formed (5 cases of 7 changes, 9 interleaved notes, 64 + 6 notes, 2 single steps),
            // and they account for every change.
            #expect(rows == 5 + 1 + 9 + 2 + 1 && counted == log.count)
            #expect(try store.allChanges() == log)

            let count = Int64(log.count)
            for after in Int64(0)...count {
                for limit in [1, 2, 3, 7, 64, 100] {
                    let end = min(Int(after) + limit, log.count)
                    let page = try store.changes(after: after, within: nil, limit: limit)
                    #expect(
                        page.changes.map(\.change) == Array(log[Int(after)..<end]), "after \(after), limit \(limit)")
                    #expect(page.changes.map(\.seq) == Array(after + 1..<Int64(end) + 1))
                    #expect(page.more == (end < log.count))
                    let written = try store.pageJSON(after: after, within: nil, limit: limit)
                    let decoded = try ChangePage(json: Data(written.json))
                    #expect(decoded.changes == Array(log[Int(after)..<end]))
                    // Byte for byte what the tree writes.
                    #expect(written.json == Array(decoded.json()), "after \(after), limit \(limit)")
                    #expect(written.cursor == (end > Int(after) ? Int64(end) : after) && written.more == page.more)
                }
                for through in [after, after + 1, after + 4, after + 9, count] where through <= count {
                    let copied = try store.segments(after: after, through: through, limit: 1_000)
                    #expect(copied.flatMap(\.changes) == Array(log[Int(after)..<Int(through)]))
                    #expect(copied.last?.through ?? after == through)
                }
            }
        }
    }

    /// New cases from elsewhere (`count` of them, by replica `replicaID`), with a note to `held`, if any,
    /// after every tenth.
    static func newCases(
        _ count: Int, notesTo held: RecordID?, from first: Int = 0, by replicaID: UInt64 = 9
    ) throws -> (ids: [RecordID], changes: [Change]) {
        var replica = Replica(
            clock: HybridClock(replica: ReplicaID(rawValue: replicaID), wallClock: TestClock(1_647_400_000_000)))
        var (ids, changes): ([RecordID], [Change]) = ([], [])
        for index in first..<first + count {
            let id = RecordID.random()
            ids.append(id)
            changes += try replica.perform(
                .record(Sample.draft("第\(index)件", parties: ["王\(index)", "李\(index)"])), onDispute: id)
            if let held, index % 10 == 9 {
                changes.append(
                    try Change(
                        timestamp: replica.clock.now(), entity: EntityKey(kind: .dispute, id: held),
                        scope: Sample.village, field: .note, value: .text("第\(index)次备注")))
            }
        }
        return (ids, changes)
    }

    /// What a store's tables hold: records, case rows, log rows, changes in runs, broken references.
    static func tally(at path: String) throws -> [Int] {
        try DatabaseQueue(path: path).read { db in
            try [
                "SELECT count(*) FROM record", "SELECT count(*) FROM dispute", "SELECT count(*) FROM change",
                "SELECT sum(runLength) FROM change", "SELECT count(*) FROM pragma_foreign_key_check",
            ].map { try Int.fetchOne(db, sql: $0) ?? 0 }
        }
    }

    /// A page of many new cases is written in batches of rows (records, runs and case rows, 32 to a
    /// statement, the rest at the end), with a case already held taking notes in between: every case
    /// reads back whole, the log numbers each change once, no row points nowhere, and the same page
    /// again adds nothing.
    @Test func aPageOfManyNewCasesIsWrittenInBatchesAndReadsBack() throws {
        try withTemporaryStore { store in
            let held = try store.record(Sample.draft("已有的案件"))
            let (ids, changes) = try Self.newCases(70, notesTo: held)
            #expect(try store.receive(changes) == changes.count)
            for (index, id) in ids.enumerated() {
                let dispute = try #require(try store.dispute(id))
                #expect(dispute.summary == "第\(index)件" && dispute.parties.map(\.name) == ["王\(index)", "李\(index)"])
            }
            #expect(try store.dispute(held)?.notes.count == 7)
            #expect(try store.disputes().count == 71)
            // 71 records and case rows; a run per case and per note; every change counted once.
            let logged = try store.allChanges().count
            #expect(try Self.tally(at: store.home.database.path) == [71, 71, 1 + 70 + 7, logged, 0])
            #expect(try store.receive(changes) == 0)
            #expect(try store.allChanges().suffix(changes.count) == changes[...])
        }
    }

    /// Pushes taken in one transaction at the center: the second adds to cases the first made (their
    /// records still waiting for a batch) and makes more.
    @Test func pushesTakenTogetherAddToCasesTheOthersMade() throws {
        try withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("center.sqlite")
            let center = try ReplicaStore.create(database: path, scope: nil, worker: "中心")
            let first = try Self.newCases(40, notesTo: nil)
            let held = first.ids[3]
            let second = try Self.newCases(25, notesTo: held, from: 40, by: 10)
            let results = center.push(together: [
                ReplicaStore.Push(changes: first.changes, device: "a", clockOffset: nil, maximumDrift: .max),
                ReplicaStore.Push(changes: second.changes, device: "b", clockOffset: nil, maximumDrift: .max),
            ])
            #expect(try results.map { try $0.get().new } == [first.changes.count, second.changes.count])
            #expect(try center.dispute(held)?.notes.count == 2)
            for id in first.ids + second.ids { #expect(try center.dispute(id) != nil) }
            let tally = try Self.tally(at: path.path)
            #expect(tally[0] == 65 && tally[1] == 65 && tally[4] == 0)
            #expect(tally[3] == first.changes.count + second.changes.count)
        }
    }

    @Test func ownChangesArePushedOnceInOrderWhereverABatchEnds() throws {
        try withTemporaryStore { store in
            let own = try Self.buildLog(store).filter { $0.timestamp.replica != ReplicaID(rawValue: 9) }
            var pushed: [Change] = []
            while true {
                let batch = try store.pendingBatch(limit: 3)
                guard batch.count > 0 else { break }
                pushed += try ChangeBatch(json: Data(batch.json)).changes
                try store.acknowledge(through: batch.through, count: batch.count)
            }
            #expect(pushed == own)
            #expect(try store.syncState().pendingChanges == 0)
        }
    }

    /// The finder's queue of cases to check reads field names inside runs too: a case's parties are not
    /// the last change of the run that records it.
    @Test func casesWithChangedFingerprintsAreFoundInsideRuns() throws {
        try withTemporaryStore { store in
            let recorded = try store.record(Sample.draft())
            let cursor = try store.cursor()
            try store.perform(.note("只是备注"), onDispute: recorded)
            let changedParties = try store.record(Sample.draft("另一件"))
            let found = try DatabaseQueue(path: store.home.database.path).read { db in
                (
                    try ReplicaStore.casesWithFingerprintChanges(after: 0, in: db),
                    try ReplicaStore.casesWithFingerprintChanges(after: cursor, in: db),
                    try ReplicaStore.casesWithFingerprintChanges(after: 0, through: cursor, in: db)
                )
            }
            #expect(found.0 == [recorded.description, changedParties.description])
            #expect(found.1 == [changedParties.description])
            #expect(found.2 == [recorded.description])
        }
    }

    /// Statement journals and temporary tables stay in memory: no copy of a page with parties' names
    /// in it is written to a file outside the database. Pages of the database are read and written
    /// through the store's own connections, which must all say so.
    @Test func temporaryDataStaysInMemory() throws {
        try withTemporaryStore { store in
            // 2 is MEMORY.
            let reading = try store.read { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") }
            let writing = try store.write { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") }
            #expect(reading == 2 && writing == 2)
        }
    }

    /// New databases use 16 KiB pages (the pragma only works before the first table is made).
    @Test func aNewDatabaseHasLargePages() throws {
        try withTemporaryStore { store in
            let pageSize = try DatabaseQueue(path: store.home.database.path).read { db in
                try Int.fetchOne(db, sql: "PRAGMA page_size")
            }
            #expect(pageSize == 16_384)
        }
    }

    @Test func aDamagedRunIsReportedAsADamagedLog() throws {
        try withTemporaryStore { store in
            let id = try store.record(Sample.draft())
            try DatabaseQueue(path: store.home.database.path).write { db in
                try db.execute(sql: "UPDATE change SET earlier = substr(earlier, 1, 20) WHERE runLength > 1")
            }
            #expect {
                try store.dispute(id)
            } throws: { error in
                (error as? StoreError)?.code == .corrupt
            }
        }
    }
}

@Suite struct NewerDatabaseTests {
    /// A database a newer program migrated (it may keep the log in a way this one would misread) is
    /// refused with a message saying so, and left as it was.
    @Test func aDatabaseFromANewerProgramIsRefusedUntouched() throws {
        try withTemporaryStore { store in
            try store.record(Sample.draft())
            try DatabaseQueue(path: store.home.database.path).write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99: from the future')")
            }
            let before = try Data(contentsOf: store.home.database)
            #expect {
                try FieldStore.open(home: store.home)
            } throws: { error in
                let error = error as? StoreError
                return error?.code == .storage && error?.message.contains("newer version of FieldSync") == true
                    && error?.message.contains("v99: from the future") == true
            }
            #expect(try Data(contentsOf: store.home.database) == before)
        }
    }
}

/// The store binds values through SQLite's C API, texts and blobs in place from one buffer: each must
/// arrive as what it is (an empty text as text, not NULL), in its own column, over several rows.
@Suite struct RawStatementTests {
    @Test func valuesArriveAsWhatTheyAre() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (a, b, c, d, e)")
            let values: [RawValue] = [
                .text(""), .utf8([]), .text("调解员王建国"), .blob([0, 1, 2]), .integer(-7),
                .null, .text("a"), .utf8(Array("协议".utf8)), .blob([]), .integer(Int64.max),
            ]
            try db.makeStatement(sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)").run(values, in: db)
            let rows = try Row.fetchAll(db, sql: "SELECT typeof(a), a, typeof(b), b, c, d, e FROM t ORDER BY rowid")
            #expect(rows[0][0] as String == "text" && rows[0][1] as String == "")
            #expect(rows[0][2] as String == "text" && rows[0][3] as String == "")
            #expect(rows[0][4] as String == "调解员王建国" && rows[0][5] as Data == Data([0, 1, 2]))
            #expect(rows[0][6] as Int64 == -7)
            #expect(rows[1][0] as String == "null" && rows[1][3] as String == "a" && rows[1][4] as String == "协议")
            #expect(rows[1][6] as Int64 == .max)
            // The statement is reset with nothing bound: run again, it writes its own values only.
            try db.makeStatement(sql: "INSERT INTO t (a) VALUES (?)").run([RawValue.text("再")], in: db)
            #expect(try String.fetchOne(db, sql: "SELECT a FROM t WHERE rowid = 3") == "再")
        }
    }

    /// Rows waiting for a batch are bound from the middle of the values gathered, and those left over
    /// after a batch is written keep their bytes.
    @Test func aRangeOfValuesBindsAndTheRestKeepTheirBytes() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (a, b)")
            var values = BoundValues([
                .text("甲"), .blob([9]), .text("乙方"), .integer(2), .utf8(Array("丙".utf8)), .null, .text(""),
                .blob([7, 8]),
            ])
            let insert = try db.makeStatement(sql: "INSERT INTO t VALUES (?, ?)")
            try insert.run(values, 2..<4, in: db)
            values.removeFirst(4)
            #expect(values.count == 4)
            try insert.run(values, 0..<2, in: db)
            try insert.run(values, 2..<4, in: db)
            let rows = try Row.fetchAll(db, sql: "SELECT a, typeof(b), b FROM t ORDER BY rowid")
            #expect(rows.map { $0[0] as String } == ["乙方", "丙", ""])
            #expect(rows.map { $0[1] as String } == ["integer", "null", "blob"])
            #expect(rows[2][2] as Data == Data([7, 8]))
            values.removeFirst(4)
            #expect(values.count == 0)
            values.text("丁")
            try db.makeStatement(sql: "INSERT INTO t (a) VALUES (?)").run(values, in: db)
            #expect(try String.fetchOne(db, sql: "SELECT a FROM t WHERE rowid = 4") == "丁")
        }
    }

    /// Bytes borrowed from a page bind where they lie, as texts or blobs; an empty text is still text,
    /// and borrowed values left over after a batch keep pointing at the page.
    @Test func borrowedBytesBindAsWhatTheyAre() throws {
        let queue = try DatabaseQueue()
        let page = Array("调解协议".utf8) + [0, 1, 2]
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (a, b)")
            try page.withUnsafeBufferPointer { bytes in
                var values = BoundValues()
                values.borrowing(UnsafeBufferPointer(rebasing: bytes[0..<12]), isText: true)
                values.borrowing(UnsafeBufferPointer(rebasing: bytes[12...]), isText: false)
                values.borrowing(UnsafeBufferPointer(rebasing: bytes[0..<0]), isText: true)
                values.borrowing(UnsafeBufferPointer(rebasing: bytes[0..<0]), isText: false)
                values.borrowing(UnsafeBufferPointer(rebasing: bytes[6..<12]), isText: true)
                values.integer(3)
                let insert = try db.makeStatement(sql: "INSERT INTO t VALUES (?, ?)")
                try insert.run(values, 0..<2, in: db)
                values.removeFirst(2)
                try insert.run(values, 0..<2, in: db)
                try insert.run(values, 2..<4, in: db)
            }
            let rows = try Row.fetchAll(db, sql: "SELECT typeof(a), a, typeof(b), b FROM t ORDER BY rowid")
            #expect(rows.map { $0[0] as String } == ["text", "text", "text"])
            #expect(rows.map { $0[1] as String } == ["调解协议", "", "协议"])
            #expect(rows.map { $0[2] as String } == ["blob", "blob", "integer"])
            #expect(rows[0][3] as Data == Data([0, 1, 2]) && rows[1][3] as Data == Data())
        }
    }
}

/// Arrivals are counted a record's row at a time (`ArrivalCounts`): whatever the order of places, days
/// and fields, the counts are those of counting every change under its own key.
@Suite struct ArrivalCountsTests {
    struct Key: Hashable {
        var day: Int64
        var scope: AreaCode
        var field: Field
    }

    @Test func countsWhatCountingEachChangeCounts() throws {
        let scopes = try ["620502101201", "620502101202", "620502102201"].map { try AreaCode(parsing: $0) }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var counts = ArrivalCounts()
            var expected: [Key: Int] = [:]
            for _ in 0..<Int.random(in: 0...300, using: &generator) {
                // Runs of one place (a record's changes), sometimes a place seen before, sometimes a new day.
                let key = Key(
                    day: Int64.random(in: 0...2, using: &generator) * 86_400_000,
                    scope: scopes.randomElement(using: &generator)!, field: Field.allCases.randomElement()!)
                for _ in 0..<Int.random(in: 1...7, using: &generator) {
                    counts.add(day: key.day, scope: key.scope, field: key.field)
                    expected[key, default: 0] += 1
                }
            }
            var counted: [Key: Int] = [:]
            counts.forEach { place, field, count in
                #expect(
                    counted.updateValue(count, forKey: Key(day: place.day, scope: place.scope, field: field)) == nil)
            }
            #expect(counted == expected)
            // Counting goes on after the counts were read, and starts again from nothing when cleared.
            counts.add(day: 0, scope: scopes[0], field: .summary)
            var again = 0
            counts.forEach { _, _, count in again += count }
            #expect(again == expected.values.reduce(0, +) + 1)
            counts.removeAll()
            counts.forEach { _, _, _ in Issue.record("counts left after removeAll") }
        }
    }
}
