import GRDB
import Shared

/// Snapshots (`SnapshotPage`): the center writes the records within a device's reach as it stores
/// them; a replica that holds nothing of the center's log yet copies them.
extension ReplicaStore {
    /// The columns of a risk item's row, in the order `Session.save` gives their values; `id` first.
    static let riskColumns = [
        "id", "scope", "area", "title", "level", "plan", "ownerPerson", "ownerUnit", "deadline", "status",
        "struckOn", "recorded", "modified", "isVoided", "search",
    ]

    /// A page of the snapshot of the records within `reach` (all when nil): those whose id follows
    /// `after` (from the first when nil), at most `limit`, each with its log, its row and its visits, read
    /// in one transaction.
    /// - Returns: the page's bytes, whether more records follow, the log's last sequence number as read,
    ///   and how many records and changes the page holds.
    public func snapshotPage(
        after: RecordID?, within reach: Reach?, limit: Int
    ) throws -> (bytes: [UInt8], more: Bool, seq: Int64, records: Int, changes: Int) {
        try read { db in
            // A reach of this store's whole scope (the district's own office) filters nothing.
            let reach = try reach?.scope == Self.identity(db).scope ? nil : reach
            let seq = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(seq) FROM change")) ?? 0
            let (filter, filterArguments) = Self.reachCondition(reach)
            let from: any DatabaseValueConvertible = after?.description ?? ""
            // The records, in the order of their ids: an order every center process's view shares.
            var keys: [Int64] = []
            var lastID = after?.description ?? ""
            var recordRows = SnapshotWriter(capacity: 64 * limit, headed: false)
            var recordBounds = [0]
            try db.cachedStatement(
                sql: "SELECT record.id, record.kind, record.uid, record.scope FROM record WHERE record.uid > ?"
                    + filter + " ORDER BY record.uid LIMIT ?"
            ).forEachRawRow(
                arguments: StatementArguments([from] + filterArguments + [limit + 1] as [any DatabaseValueConvertible]),
                in: db
            ) { row in
                guard keys.count < limit else { return false }
                keys.append(row.int64(0))
                lastID = String(decoding: row.bytes(2), as: UTF8.self)
                recordRows.append(.record, row, from: 1, count: 3)
                recordBounds.append(recordRows.bytes.count)
                return true
            }
            let more =
                try keys.count == limit
                && (Bool.fetchOne(
                    db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM record WHERE record.uid > ?" + filter + ")"),
                    arguments: StatementArguments([lastID] + filterArguments as [any DatabaseValueConvertible]))
                    ?? false)
            // Each table's rows of those records, in the same order, gathered apart and then put together.
            let range = " record.uid > ? AND record.uid <= ?" + filter + " ORDER BY record.uid"
            let bounds: [any DatabaseValueConvertible] = [from, lastID]
            let arguments: StatementArguments = StatementArguments(bounds + filterArguments)
            var changes = 0
            func gather(_ table: SnapshotPage.Table, _ sql: String) throws -> (bytes: [UInt8], bounds: [Int]) {
                var writer = SnapshotWriter(capacity: 0, headed: false)
                var bounds = [Int](repeating: 0, count: keys.count + 1)
                var current = 0
                try db.cachedStatement(sql: sql).forEachRawRow(arguments: arguments, in: db) { row in
                    let key = row.int64(0)
                    while current < keys.count, keys[current] != key {
                        current += 1
                        bounds[current] = writer.bytes.count
                    }
                    guard current < keys.count else {
                        throw StoreError(code: .corrupt, message: "a \(table) row of the snapshot lost its record")
                    }
                    if table == .change { changes += Int(row.int64(1)) }
                    writer.append(table, row, from: 1, count: table.columns.count)
                    return true
                }
                while current < keys.count {
                    current += 1
                    bounds[current] = writer.bytes.count
                }
                return (writer.bytes, bounds)
            }
            var parts: [(bytes: [UInt8], bounds: [Int])] = []
            if !keys.isEmpty {
                parts.append(
                    try gather(
                        .change,
                        """
                        SELECT record.id, change.runLength, change.physical, change.counter, change.replica,
                            change.scope, change.field, change.value, change.earlier
                        FROM record JOIN change ON change.record = record.id WHERE
                        """ + range + ", change.seq"))
                parts.append(
                    try gather(
                        .dispute,
                        "SELECT record.id, "
                            + Self.disputeColumns.map { "dispute.\($0)" }.joined(separator: ", ")
                            + " FROM record JOIN dispute ON dispute.id = record.uid WHERE record.kind = 'dispute' AND"
                            + range))
                parts.append(
                    try gather(
                        .risk,
                        "SELECT record.id, " + Self.riskColumns.map { "risk.\($0)" }.joined(separator: ", ")
                            + " FROM record JOIN risk ON risk.id = record.uid WHERE record.kind = 'risk' AND" + range))
                parts.append(
                    try gather(
                        .visit,
                        """
                        SELECT record.id, visit.date, visit.kept, visit.village, visit.voided
                        FROM record JOIN visit ON visit.dispute = record.uid WHERE record.kind = 'dispute' AND
                        """ + range + ", visit.rowid"))
            }
            var page = SnapshotWriter(capacity: recordRows.bytes.count + parts.reduce(0) { $0 + $1.bytes.count } + 64)
            for index in keys.indices {
                page.append(recordRows.bytes[recordBounds[index]..<recordBounds[index + 1]], record: true)
                for part in parts {
                    page.append(part.bytes[part.bounds[index]..<part.bounds[index + 1]], record: false)
                }
            }
            page.end(more: more, seq: seq)
            return (page.bytes, more, seq, keys.count, changes)
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
    /// records it holds already, and cases in a merge (whose rows depend on which cases a replica
    /// holds), are merged change by change as any received change is.
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
        for record in page.records {
            if held.contains(record.key.id) || record.isMerged {
                try page.changes(of: record) { merged.append($0) }
                continue
            }
            let id = try nextRecord ?? (Int64.fetchOne(db, sql: "SELECT max(id) FROM record") ?? 0) + 1
            nextRecord = id + 1
            pendingRecords.add { row in
                row.integer(id)
                for cell in record.cell..<record.cell + 3 { page.bind(cell, to: &row) }
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
                    for cell in run + 1...run + 3 { page.bind(cell, to: &row) }
                    row.integer(id)
                    for cell in run + 4...run + 6 { page.bind(cell, to: &row) }
                    row.integer(length)
                    page.bind(run + 7, to: &row)
                }
                if pendingChanges.count >= PendingRows.rowsPerStatement {
                    try pendingRecords.write(all: true, in: db)
                    try pendingChanges.write(all: false, in: db)
                }
            }
            if let row = record.row {
                if record.key.kind == .dispute {
                    pendingDisputes.add { values in
                        for cell in row..<row + ReplicaStore.disputeColumns.count { page.bind(cell, to: &values) }
                    }
                    if pendingDisputes.count >= PendingRows.rowsPerStatement {
                        try pendingDisputes.write(all: false, in: db)
                    }
                } else {
                    risks.add { values in
                        for cell in row..<row + ReplicaStore.riskColumns.count { page.bind(cell, to: &values) }
                    }
                    if risks.count >= PendingRows.rowsPerStatement { try risks.write(all: false, in: db) }
                }
            }
            for visit in stride(from: record.visits.lowerBound, to: record.visits.upperBound, by: 4) {
                visits.add { row in
                    page.bind(record.row!, to: &row)
                    for cell in visit..<visit + 4 { page.bind(cell, to: &row) }
                }
                if visits.count >= PendingRows.rowsPerStatement { try visits.write(all: false, in: db) }
            }
            for stamp in page.stamps[record.stamps] {
                arrivedChanges[
                    ArrivedKey(day: day(of: stamp.physical), scope: record.scope, field: stamp.field), default: 0] +=
                    1
            }
            arrivedScopes.insert(record.scope)
            new += record.stamps.count
        }
        try pendingRecords.write(all: true, in: db)
        try pendingChanges.write(all: true, in: db)
        try pendingDisputes.write(all: true, in: db)
        try risks.write(all: true, in: db)
        try visits.write(all: true, in: db)
        if let latest = page.latest { try clock.receive(latest) }
        return try new + take(merged, maximumDrift: maximumDrift)
    }

    /// Which of `ids` the log holds (none asked when it holds no record at all, as on a new replica).
    mutating func heldRecords(_ ids: [RecordID]) throws -> Set<RecordID> {
        guard !ids.isEmpty, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM record)") ?? false else {
            return []
        }
        var list: [UInt8] = [UInt8(ascii: "[")]
        for (index, id) in ids.enumerated() {
            if index > 0 { list.append(UInt8(ascii: ",")) }
            list.append(UInt8(ascii: "\""))
            id.appendText(to: &list)
            list.append(UInt8(ascii: "\""))
        }
        list.append(UInt8(ascii: "]"))
        var held: Set<RecordID> = []
        try db.cachedStatement(sql: "SELECT uid FROM record WHERE uid IN (SELECT value FROM json_each(?))")
            .forEachRawRow(arguments: [String(decoding: list, as: UTF8.self)], in: db) { row in
                if let id = RecordID(utf8: row.bytes(0)) { held.insert(id) }
                return true
            }
        return held
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
