import Foundation
import GRDB
import Shared

/// Snapshots (`SnapshotPage`): the center writes the records within a device's reach as it stores
/// them; a replica that holds nothing of the center's log yet copies them.
extension ReplicaStore {
    /// The columns of a risk item's row a snapshot page carries, in the order `Session.save` gives their
    /// values; `id` first.
    static let riskCopiedColumns = [
        "id", "scope", "area", "title", "level", "plan", "ownerPerson", "ownerUnit", "deadline", "status",
        "struckOn", "recorded", "modified", "isVoided",
    ]

    /// The columns of a risk item's row: those a snapshot carries, then the search text, which every
    /// replica folds itself (`SearchText.appendRisk`).
    static let riskColumns = riskCopiedColumns + ["search"]

    /// A page of the snapshot of the records within `reach` (all when nil): those whose id follows
    /// `after` (from the first when nil), at most `limit`, each with its log, its row and its visits, read
    /// in one transaction.
    public func snapshotPage(
        after: RecordID?, within reach: Reach?, limit: Int
    ) throws -> SnapshotPage.Written {
        try read { db in
            // A reach of this store's whole scope (the district's own office) filters nothing.
            let reach = try reach?.scope == Self.identity(db).scope ? nil : reach
            let seq = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(seq) FROM change")) ?? 0
            let (filter, filterArguments) = Self.reachCondition(reach)
            // The records, in the order of their ids: an order every center process's view shares.
            let from = after?.description ?? ""
            var records = SnapshotWriter(capacity: limit * 64, headed: false)
            var recordEnds: [Int] = []
            var ids: [UInt8] = []
            ids.reserveCapacity(limit * RecordID.digits)
            var more = false
            let first: [any DatabaseValueConvertible] = [from]
            try db.cachedStatement(
                sql: "SELECT kind, uid, scope FROM record WHERE uid > ?" + filter + " ORDER BY uid LIMIT ?"
            ).forEachRawRow(arguments: StatementArguments(first + filterArguments + [limit + 1]), in: db) { row in
                let id = row.bytes(1)
                guard recordEnds.count < limit else {
                    more = true
                    return false
                }
                guard id.count == RecordID.digits else {
                    throw StoreError(code: .corrupt, message: "the log holds a record of an unreadable id")
                }
                ids.append(contentsOf: id)
                records.append(.record, row, from: 0, count: 3)
                recordEnds.append(records.bytes.count)
                return true
            }
            var page = SnapshotWriter(capacity: records.bytes.count + recordEnds.count * 2048)
            var changes = 0
            var lastID: RecordID?
            if !recordEnds.isEmpty {
                let last = String(decoding: ids.suffix(RecordID.digits), as: UTF8.self)
                lastID = RecordID(last)
                // Beside them each table's rows of theirs, walked in the same order (by the id in the first
                // column) and merged here straight into the page. A table keyed by the record's id is read by
                // its own index, joined with the record only to keep a reach.
                let bounds: [any DatabaseValueConvertible] = [from, last]
                let arguments: StatementArguments = StatementArguments(bounds + filterArguments)
                func keyed(
                    _ table: String, _ columns: [String], by key: String, then order: String = ""
                ) throws
                    -> RawCursor
                {
                    let join = reach == nil ? "" : " JOIN record ON record.uid = \(table).\(key)"
                    return try RawCursor(
                        db.cachedStatement(
                            sql: "SELECT \(table).\(key), " + columns.map { "\(table).\($0)" }.joined(separator: ", ")
                                + " FROM \(table)" + join + " WHERE \(table).\(key) > ? AND \(table).\(key) <= ?"
                                + (reach == nil ? "" : filter) + " ORDER BY \(table).\(key)" + order),
                        arguments: arguments, in: db)
                }
                var tables: [(table: SnapshotPage.Table, cursor: RawCursor)] = [
                    (
                        .change,
                        try RawCursor(
                            db.cachedStatement(
                                sql: """
                                    SELECT record.uid, change.runLength, change.physical, change.counter, change.replica,
                                        change.scope, change.field, change.value, change.earlier
                                    FROM record JOIN change ON change.record = record.id
                                    WHERE record.uid > ? AND record.uid <= ?
                                    """ + filter + " ORDER BY record.uid, change.seq"), arguments: arguments, in: db)
                    ),
                    (.dispute, try keyed("dispute", Self.disputeCopiedColumns, by: "id")),
                    (.risk, try keyed("risk", Self.riskCopiedColumns, by: "id")),
                    (
                        .visit,
                        try keyed("visit", ["date", "kept", "village", "voided"], by: "dispute", then: ", visit.rowid")
                    ),
                ]
                defer { for table in tables { table.cursor.close() } }
                try ids.withUnsafeBufferPointer { ids in
                    var start = 0
                    for (index, end) in recordEnds.enumerated() {
                        page.append(records.bytes[start..<end], record: true)
                        start = end
                        let id = UnsafeRawPointer(ids.baseAddress! + index * RecordID.digits)
                        for table in tables.indices {
                            let kind = tables[table].table
                            while let row = tables[table].cursor.row {
                                let key = row.bytes(0)
                                // Rows of records out of the page's reach (when no join keeps it) are passed by.
                                let order =
                                    key.count == RecordID.digits ? memcmp(key.baseAddress!, id, RecordID.digits) : -1
                                guard order <= 0 else { break }
                                if order == 0 {
                                    if kind == .change { changes += Int(row.int64(1)) }
                                    page.append(kind, row, from: 1, count: kind.columns.count)
                                }
                                try tables[table].cursor.step()
                            }
                        }
                    }
                }
            }
            page.end(more: more, seq: seq)
            return SnapshotPage.Written(
                bytes: page.bytes, more: more, seq: seq, records: page.records, changes: changes, last: lastID)
        }
    }

    /// Gives up a snapshot under way (the center serves none now, or none this build reads): the records
    /// after the last taken lie before the pull cursor the first page set, so the feed starts again from
    /// the beginning (what is held counts as such).
    public func abandonSnapshot() throws {
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT snapshotAfter IS NOT NULL FROM replica WHERE id = 1") == true
            else { return }
            try db.execute(sql: "UPDATE replica SET pullCursor = 0, snapshotAfter = NULL WHERE id = 1")
        }
    }

    /// The condition (` AND …` on `record.scope`) and arguments that keep the records within `reach`:
    /// its scope's prefix, and the areas merged into it, without those merged away.
    static func reachCondition(_ reach: Reach?) -> (condition: String, arguments: [any DatabaseValueConvertible]) {
        guard let reach else { return ("", []) }
        let merged = reach.predecessors.map(\.description)
        var condition =
            " AND (record.scope >= ? AND record.scope < ?"
            + (merged.isEmpty ? ")" : " OR record.scope IN (\(merged.map { _ in "?" }.joined(separator: ", "))))")
        var arguments: [any DatabaseValueConvertible] =
            [reach.scope.description, reach.scope.description + "~"] + merged
        let departed = reach.departed.map(\.description)
        if !departed.isEmpty {
            condition += " AND record.scope NOT IN (\(departed.map { _ in "?" }.joined(separator: ", ")))"
            arguments += departed
        }
        return (condition, arguments)
    }

    /// Takes a snapshot page and moves the snapshot past it, in one transaction: the first page also
    /// sets the pull cursor to the center's sequence number when it was read (the feed after it brings
    /// what the snapshot lacks), and the last ends the snapshot.
    /// - Returns: how many changes were new.
    /// - Throws: `ClockError` if a change is stamped more than `maximumDrift` ahead (nothing is taken).
    @discardableResult
    public func receive(
        _ page: SnapshotPage, checkpoint: Checkpoint? = nil, maximumDrift: Int64 = fieldMaximumDrift
    ) throws -> Int {
        try write { db in
            var session = try Session(db: db, wallClock: wallClock)
            let new = try session.take(page, maximumDrift: maximumDrift)
            try session.finish()
            try Self.advance(to: checkpoint, in: db)
            try db.execute(
                sql: """
                    UPDATE replica SET pullCursor = CASE WHEN pullCursor = 0 THEN ? ELSE pullCursor END,
                        snapshotAfter = ? WHERE id = 1
                    """,
                arguments: [page.seq, page.more ? page.last?.description : nil])
            return new
        }
    }
}

extension ReplicaStore.Session {
    /// Takes a snapshot page: records this replica does not hold are copied as the center stores them
    /// (their runs numbered on after the log's end, their rows as they are), several to a statement;
    /// records it holds already, cases in a merge (whose rows depend on which cases a replica holds),
    /// and any record the center sent no row for, are merged change by change as any received change
    /// is, and their rows derived here.
    /// - Returns: how many changes were new.
    mutating func take(_ page: SnapshotPage, maximumDrift: Int64) throws -> Int {
        clock.maximumDrift = maximumDrift
        if let latest = page.latest { try clock.check(latest) }
        try flushRun()
        let held = try heldRecords(page.records.map(\.key.id))
        var risks = PendingRows(
            insert: "INSERT OR FAIL INTO risk (\(ReplicaStore.riskColumns.joined(separator: ", "))) VALUES",
            columns: ReplicaStore.riskColumns.count)
        var visits = PendingRows(
            insert: "INSERT OR FAIL INTO visit (dispute, date, kept, village, voided) VALUES", columns: 5)
        var merged: [Change] = []
        var new = 0
        let runColumns = SnapshotPage.Table.change.columns.count
        // Texts and blobs are bound where they lie in the page's bytes: every row is written before
        // this returns.
        try page.bytes.withUnsafeBufferPointer { bytes in
            for record in page.records {
                guard let row = record.row, !record.isMerged, !held.contains(record.key.id) else {
                    try page.changes(of: record) { merged.append($0) }
                    continue
                }
                let id = try nextRecord ?? (Int64.fetchOne(db, sql: "SELECT max(id) FROM record") ?? 0) + 1
                nextRecord = id + 1
                pendingRecords.add { row in
                    row.integer(id)
                    for cell in record.cell..<record.cell + 3 { page.bind(cell, to: &row, from: bytes) }
                }
                for run in stride(from: record.runs.lowerBound, to: record.runs.upperBound, by: runColumns) {
                    let length = page.integer(run)
                    let start = try nextSequence ?? (Int64.fetchOne(db, sql: "SELECT max(seq) FROM change") ?? 0) + 1
                    let seq = start + length - 1
                    nextSequence = seq + 1
                    // The log's columns: seq, physical, counter, replica, record, scope, field, value, runLength,
                    // earlier; the page's: runLength, physical, counter, replica, scope, field, value, earlier.
                    pendingChanges.add { row in
                        row.integer(seq)
                        for cell in run + 1...run + 3 { page.bind(cell, to: &row, from: bytes) }
                        row.integer(id)
                        for cell in run + 4...run + 6 { page.bind(cell, to: &row, from: bytes) }
                        row.integer(length)
                        page.bind(run + 7, to: &row, from: bytes)
                    }
                    if pendingChanges.count >= PendingRows.rowsPerStatement {
                        try pendingRecords.write(all: true, in: db)
                        try pendingChanges.write(all: false, in: db)
                    }
                }
                if record.key.kind == .dispute {
                    pendingDisputes.add { values in
                        for cell in row..<row + ReplicaStore.disputeCopiedColumns.count {
                            page.bind(cell, to: &values, from: bytes)
                        }
                        values.text { page.appendCaseSearchText(row: row, of: record, from: bytes, to: &$0) }
                    }
                    if pendingDisputes.count >= PendingRows.rowsPerStatement {
                        try pendingDisputes.write(all: false, in: db)
                    }
                } else {
                    risks.add { values in
                        for cell in row..<row + ReplicaStore.riskCopiedColumns.count {
                            page.bind(cell, to: &values, from: bytes)
                        }
                        values.text { page.appendRiskSearchText(row: row, from: bytes, to: &$0) }
                    }
                    if risks.count >= PendingRows.rowsPerStatement { try risks.write(all: false, in: db) }
                }
                for visit in stride(from: record.visits.lowerBound, to: record.visits.upperBound, by: 4) {
                    // The case's id (its row's first column), then the visit's own.
                    visits.add { values in
                        page.bind(row, to: &values, from: bytes)
                        for cell in visit..<visit + 4 { page.bind(cell, to: &values, from: bytes) }
                    }
                    if visits.count >= PendingRows.rowsPerStatement { try visits.write(all: false, in: db) }
                }
                for stamp in page.stamps[record.stamps] {
                    arrivedChanges.add(day: day(of: stamp.physical), scope: record.scope, field: stamp.field)
                }
                arrivedScopes.insert(record.scope)
                new += record.stamps.count
            }
            try pendingRecords.write(all: true, in: db)
            try pendingChanges.write(all: true, in: db)
            try pendingDisputes.write(all: true, in: db)
            try risks.write(all: true, in: db)
            try visits.write(all: true, in: db)
        }
        if let latest = page.latest { try clock.receive(latest) }
        return try new + take(merged, maximumDrift: maximumDrift)
    }

    /// Which of `ids` (in ascending order) the log holds. One look first: a replica that holds no
    /// record from the first of them on (a new replica, and one whose records all came from the pages of
    /// the snapshot before) holds none of them.
    mutating func heldRecords(_ ids: [RecordID]) throws -> Set<RecordID> {
        guard let first = ids.first,
            try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM record WHERE uid >= ?)"),
                arguments: [first.description]) ?? false
        else {
            return []
        }
        return try ReplicaStore.held(ids, in: db)
    }
}

extension SnapshotPage {
    /// Each change of `record`'s runs, in order, as the log reads them back.
    func changes(of record: Record, _ body: (Change) throws -> Void) throws {
        let columns = Table.change.columns.count
        try bytes.withUnsafeBufferPointer { buffer in
            func part(_ cell: Int) -> UnsafeBufferPointer<UInt8> {
                switch cells[cell] {
                case .text(let range), .blob(let range): UnsafeBufferPointer(rebasing: buffer[range])
                default: UnsafeBufferPointer(start: nil, count: 0)
                }
            }
            for run in stride(from: record.runs.lowerBound, to: record.runs.upperBound, by: columns) {
                let replica = ReplicaID(rawValue: UInt64(bitPattern: integer(run + 3)))
                _ = try ChangeRun.forEach(in: part(run + 7)) { earlier in
                    try body(
                        ReplicaStore.stored(
                            ReplicaStore.StoredChange(earlier, replica: replica), key: record.key,
                            recordScope: record.scope))
                    return true
                }
                let last = ReplicaStore.StoredChange(
                    timestamp: HybridTimestamp(
                        physical: integer(run + 1), counter: UInt32(truncatingIfNeeded: integer(run + 2)),
                        replica: replica),
                    scope: part(run + 4), field: part(run + 5), value: part(run + 6))
                try body(ReplicaStore.stored(last, key: record.key, recordScope: record.scope))
            }
        }
    }
}
