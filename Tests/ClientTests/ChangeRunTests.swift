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
