import Foundation
import GRDB
import Shared

/// Writing: commands and received changes go to the log, and the records they touch are derived anew,
/// all in one transaction.
extension ReplicaStore {
    /// Who this replica is.
    public struct Identity: Sendable, Equatable {
        public var replica: ReplicaID
        /// The jurisdiction whose records this replica keeps: a worker's village, or the center's district
        /// (nil until the center knows its district's areas).
        public var scope: AreaCode?
        public var worker: String
    }

    public func identity() throws -> Identity {
        try read { db in try Self.identity(db) }
    }

    static func identity(_ db: Database) throws -> Identity {
        guard let row = try Row.fetchOne(db, sql: "SELECT replica, scope, worker FROM replica WHERE id = 1") else {
            throw StoreError(code: .corrupt, message: "the database has no replica identity")
        }
        return Identity(
            replica: ReplicaID(rawValue: UInt64(row["replica"] as Int64)),
            scope: try (row["scope"] as String).isEmpty ? nil : area(row["scope"]),
            worker: row["worker"])
    }

    /// Records a new case with a fresh id.
    /// - Returns: the id.
    @discardableResult
    public func record(_ draft: DisputeDraft) throws -> RecordID {
        let id = RecordID.random()
        try perform(.record(draft), onDispute: id)
        return id
    }

    /// Lists a new risk item with a fresh id.
    @discardableResult
    public func record(_ draft: RiskDraft) throws -> RecordID {
        let id = RecordID.random()
        try perform(.record(draft), onRiskItem: id)
        return id
    }

    /// Carries out a command on a case and commits its changes.
    /// - Throws: `CommandError` if the command is refused (nothing is written), `StoreError`.
    @discardableResult
    public func perform(_ command: DisputeCommand, onDispute id: RecordID) throws -> [Change] {
        try perform([(command, id)])
    }

    @discardableResult
    public func perform(_ command: RiskCommand, onRiskItem id: RecordID) throws -> [Change] {
        try perform([(command, id)])
    }

    /// Carries out several commands in one transaction: all are committed, or none.
    @discardableResult
    public func perform(_ commands: [(DisputeCommand, RecordID)]) throws -> [Change] {
        try transact { session in
            for (command, id) in commands {
                let current = try session.dispute(id)
                try session.commit(command.changes(for: id, current: current, clock: &session.clock))
            }
        }
    }

    @discardableResult
    public func perform(_ commands: [(RiskCommand, RecordID)]) throws -> [Change] {
        try transact { session in
            for (command, id) in commands {
                let current = try session.riskItem(id)
                try session.commit(command.changes(for: id, current: current, clock: &session.clock))
            }
        }
    }

    /// Runs commands of both kinds in one transaction, as an import does: all are committed, or none.
    @discardableResult
    public func transact(_ body: (inout Session) throws -> Void) throws -> [Change] {
        try write { db in
            var session = try Session(db: db, wallClock: wallClock)
            try body(&session)
            try session.finish()
            return session.written
        }
    }

    /// A device's clock may be days off; it trusts what it pulls unless it is further ahead than this.
    public static let fieldMaximumDrift: Int64 = 7 * 86_400_000

    /// Merges changes from elsewhere (the center, another replica). Changes already held are skipped.
    /// - Returns: how many were new.
    /// - Throws: `ClockError` if any is stamped more than `maximumDrift` ahead of this replica's clock;
    ///   nothing is merged then.
    @discardableResult
    public func receive(_ changes: [Change], maximumDrift: Int64 = fieldMaximumDrift) throws -> Int {
        try write { db in try Self.receive(changes, maximumDrift: maximumDrift, db: db, wallClock: wallClock) }
    }

    static func receive(
        _ changes: [Change], maximumDrift: Int64, finder: FinderIndex? = nil, db: Database, wallClock: any WallClock
    ) throws -> Int {
        var session = try Session(db: db, wallClock: wallClock)
        if let finder { try session.findDuplicates(with: finder) }
        let count = try session.take(changes, maximumDrift: maximumDrift)
        try session.finish()
        return count
    }

    /// One transaction's view: the clock, the records it loaded, and what it wrote.
    public struct Session {
        let db: Database
        public var clock: HybridClock
        /// Records loaded or changed in this transaction, merged from their changes in the log.
        var state = ReplicaState()
        /// Local keys and stored scopes of the records loaded or created in this transaction.
        var keys: [EntityKey: (id: Int64, scope: AreaCode)] = [:]
        /// Rows of the log, of records and of new cases gathered to be written several to a statement
        /// (`PendingRows`); `flushRun` writes them all.
        var pendingChanges = PendingRows(
            insert:
                "INSERT OR FAIL INTO change (seq, physical, counter, replica, record, scope, field, value, runLength, earlier) VALUES",
            columns: 10)
        var pendingRecords = PendingRows(insert: "INSERT OR FAIL INTO record (id, kind, uid, scope) VALUES", columns: 4)
        var pendingDisputes = PendingRows(
            insert: "INSERT OR FAIL INTO dispute (\(ReplicaStore.disputeColumns.joined(separator: ", "))) VALUES",
            columns: ReplicaStore.disputeColumns.count)
        /// The upsert of a case's row, prepared once per transaction.
        var upsertDispute: Statement?
        /// The local key the next record added takes, once the highest was read.
        var nextRecord: Int64?
        /// The statements run once per record, by the address of their text (`statement(_:)`).
        var prepared: [UnsafeRawPointer: Statement] = [:]
        /// The run being gathered: new changes of one record by one replica, in order, with the scope each
        /// names when it differs from the record's; written as one row when a change of another record or
        /// replica comes, or the transaction finishes (`flushRun`).
        var run: [(change: Change, scope: String?)] = []
        /// The local key and stored scope of the run's record.
        var runRecord: Int64 = 0
        var runScope: AreaCode?
        /// The run's record and replica while it holds any change (read for every change: kept apart so
        /// that no change is copied out of `run` to compare).
        var runEntity: EntityKey?
        var runReplica: ReplicaID?
        /// The sequence number the next row's first change takes, once the log's head was read.
        var nextSequence: Int64?
        var loaded: Set<EntityKey> = []
        /// The changes the log holds of the records loaded, by their identity (the record's local key and
        /// the change's timestamp): a change is stored once.
        var held: Set<ChangeIdentity> = []
        /// At the center: a change must name its record's scope as the center holds it (a record's scope is
        /// fixed by the first change the center took), or the transaction is refused (`ChangeRefusal`).
        var fixesScopes = false
        /// The place of the change being taken in its batch or page, for a refusal to name it.
        var changeIndex = 0
        /// Records this transaction added: nothing derived of them is stored yet.
        var created: Set<EntityKey> = []
        var touched: Set<EntityKey> = []
        var written: [Change] = []
        /// The center's duplicate finder, when arriving cases are compared with known ones and merged or
        /// queued for review (see `ReplicaStore+Duplicates`).
        var finder: FinderIndex?
        var detectDuplicates: Bool { finder != nil }
        /// The log's last sequence before this transaction.
        var committedSequence: Int64 = 0
        /// The scopes of records a snapshot added (their rows copied, not derived in `touched`): their
        /// areas received data now.
        var arrivedScopes: Set<AreaCode> = []
        /// New changes by the day they were made (local time), their record's scope and their field.
        var arrivedChanges = ArrivalCounts()
        /// The local day last looked up, as [start, end) in milliseconds: a batch's changes mostly share one.
        var lastDay: (start: Int64, end: Int64)?
        /// Cases whose parties, category, incident date or voiding changed in this transaction, in order.
        var fingerprintsToCheck: [RecordID] = []
        var fingerprintsQueued: Set<RecordID> = []
        /// What this transaction wrote to the review queue, in order (a store shared by several centers
        /// writes it to the shared database too).
        var pairWrites: [PairWrite] = []
        /// When set, the time `finish()` notes this transaction's changes as arrived (a copy of a log
        /// keeps the original's arrival times).
        var arrivedAt: Int64?
        /// Where the records of merged areas are counted now, read when first needed.
        var successions: Successions?
        /// Cases as `dispute(_:)` made them from `state`, until a change of theirs arrives: the duplicate
        /// finder asks for every arriving case, and its row is derived from the same.
        var disputes: [RecordID: Dispute] = [:]

        init(db: Database, wallClock: any WallClock) throws {
            self.db = db
            guard let row = try Row.fetchOne(db, sql: "SELECT replica, clockPhysical, clockCounter FROM replica") else {
                throw StoreError(code: .corrupt, message: "the database has no replica identity")
            }
            let replica = ReplicaID(rawValue: UInt64(row["replica"] as Int64))
            let latest = HybridTimestamp(
                physical: row["clockPhysical"], counter: UInt32(row["clockCounter"] as Int64), replica: replica)
            clock = HybridClock(replica: replica, latest: latest, maximumDrift: 7 * 86_400_000, wallClock: wallClock)
        }

        public mutating func dispute(_ id: RecordID) throws -> Dispute? {
            let key = EntityKey(kind: .dispute, id: id)
            try load(key)
            if let dispute = disputes[id] { return dispute }
            guard let entity = state[key] else { return nil }
            let dispute = Dispute(entity)
            disputes[id] = dispute
            return dispute
        }

        public mutating func riskItem(_ id: RecordID) throws -> RiskItem? {
            let key = EntityKey(kind: .risk, id: id)
            try load(key)
            return state[key].map(RiskItem.init)
        }

        /// Merges a record's changes from the log into `state`, once per transaction.
        mutating func load(_ key: EntityKey) throws {
            guard loaded.insert(key).inserted else { return }
            guard let local = try ReplicaStore.localKey(of: key, in: db, change: changeIndex) else { return }
            keys[key] = (local.id, local.scope)
            let changes = try ReplicaStore.changes(of: key, local: local, in: db)
            for change in changes { held.insert(ChangeIdentity(record: local.id, timestamp: change.timestamp)) }
            state.apply(changes)
        }

        /// Merges changes from elsewhere, all or none: the clock first checks that none is stamped more than
        /// `maximumDrift` ahead (`ClockError`, nothing written), then receives each new one.
        /// - Returns: how many were new.
        mutating func take(_ changes: [Change], maximumDrift: Int64) throws -> Int {
            clock.maximumDrift = maximumDrift
            for change in changes {
                try clock.check(change.timestamp)
            }
            try skipLookUps(of: changes)
            // Every new change's timestamp joins `held`: room for them at once, not by doubling.
            held.reserveCapacity(held.count + changes.count)
            var count = 0
            for (index, change) in changes.enumerated() {
                changeIndex = index
                guard try insert(change) else { continue }
                try clock.receive(change.timestamp)
                count += 1
            }
            return count
        }

        /// Asks the log once which of the records `changes` touch it holds, and marks the others as loaded
        /// (with nothing to load): a batch or page of new cases costs one query instead of one per case.
        mutating func skipLookUps(of changes: [Change]) throws {
            // Records added earlier in this transaction are in the table first.
            try pendingRecords.write(all: true, in: db)
            var asked: [EntityKey] = []
            var seen: Set<EntityKey> = []
            var previous: EntityKey?
            for change in changes where change.entity != previous {
                previous = change.entity
                guard !loaded.contains(change.entity), seen.insert(change.entity).inserted else { continue }
                asked.append(change.entity)
            }
            // A single record is looked up as before: nothing to gain.
            guard asked.count > 1 else { return }
            // By id alone: a record held under either kind is looked up the usual way.
            let held = try ReplicaStore.held(asked.map(\.id), in: db)
            for key in asked where !held.contains(key.id) {
                loaded.insert(key)
            }
        }

        /// Writes our own new changes; they wait for the center after `acknowledgedSeq`.
        public mutating func commit(_ changes: [Change]) throws {
            for change in changes {
                _ = try insert(change)
                written.append(change)
            }
        }

        /// The record's local key and stored scope, adding the record if the log has none of it.
        mutating func localKey(_ change: Change) throws -> (id: Int64, scope: AreaCode) {
            if let key = keys[change.entity] { return key }
            try load(change.entity)
            if let key = keys[change.entity] { return key }
            // An id this transaction gave a record of the other kind (not in the table yet).
            let other = EntityKey(kind: change.entity.kind == .dispute ? .risk : .dispute, id: change.entity.id)
            if keys[other] != nil { throw ChangeRefusal.kindConflict(change.entity, change: changeIndex) }
            // Numbered here, as SQLite would (one past the highest), and written with the next batch.
            let id = try nextRecord ?? (Int64.fetchOne(db, sql: "SELECT max(id) FROM record") ?? 0) + 1
            nextRecord = id + 1
            let (entity, scope) = (change.entity, change.scope)
            pendingRecords.add { row in
                row.integer(id)
                row.text(entity.kind.rawValue)
                row.text { entity.id.appendText(to: &$0) }
                row.text(scope.description)
            }
            let key = (id: id, scope: change.scope)
            keys[change.entity] = key
            created.insert(change.entity)
            return key
        }

        /// Writes a change unless the log holds it already; merges it into `state`.
        /// - Returns: whether it was new.
        mutating func insert(_ change: Change) throws -> Bool {
            // A change of the run's record (most of a page: a record's changes come together) needs no
            // look-up of its record, which is known and touched already.
            let sameRecord = runEntity == change.entity
            let record = try sameRecord ? (id: runRecord, scope: runScope ?? change.scope) : localKey(change)
            if fixesScopes, record.scope != change.scope {
                throw ChangeRefusal.scopeMismatch(change, change: changeIndex)
            }
            // The record's changes are loaded, so `held` knows whether the log has this one.
            guard held.insert(ChangeIdentity(record: record.id, timestamp: change.timestamp)).inserted else {
                return false
            }
            // Reading a change back substitutes the record's stored scope where the row has none.
            let scope = record.scope == change.scope ? nil : change.scope.description
            if !run.isEmpty,
                runRecord != record.id || runReplica != change.timestamp.replica || run.count >= Self.longestRun
            {
                try closeRun()
            }
            (runRecord, runScope) = record
            (runEntity, runReplica) = (change.entity, change.timestamp.replica)
            run.append((change, scope))
            state.apply(change)
            if !disputes.isEmpty, change.entity.kind == .dispute { disputes[change.entity.id] = nil }
            if !sameRecord { touched.insert(change.entity) }
            arrivedChanges.add(day: day(of: change.timestamp.physical), scope: record.scope, field: change.field)
            if detectDuplicates, change.entity.kind == .dispute, Self.fingerprintFields.contains(change.field),
                fingerprintsQueued.insert(change.entity.id).inserted
            {
                fingerprintsToCheck.append(change.entity.id)
            }
            return true
        }

        /// The statement `sql`, prepared once per transaction and found again by its text's address: the
        /// statements run for every record would otherwise hash their whole text (a row's upsert is a
        /// kilobyte) to find it in the connection's cache.
        mutating func statement(_ sql: StaticString) throws -> Statement {
            let key = UnsafeRawPointer(sql.utf8Start)
            if let statement = prepared[key] { return statement }
            let statement = try db.cachedStatement(sql: sql.description)
            prepared[key] = statement
            return statement
        }

        /// The longest run one row of the log holds.
        static let longestRun = 64

        /// Writes everything gathered to the log and the record table: the run so far as one row, and
        /// the rows waiting for a batch. Anything that reads the log in this transaction calls this first.
        mutating func flushRun() throws {
            try closeRun()
            try pendingRecords.write(all: true, in: db)
            try pendingChanges.write(all: true, in: db)
        }

        /// Ends the run gathered so far: one row of the log, its last change in the row's columns, the
        /// others in `earlier` (`ChangeRun`), numbered in order up to the row's `seq`. The row waits for
        /// a full batch; the records its changes point to are written before it.
        mutating func closeRun() throws {
            guard !run.isEmpty else { return }
            defer {
                run.removeAll(keepingCapacity: true)
                (runEntity, runReplica) = (nil, nil)
            }
            let first = try nextSequence ?? (Int64.fetchOne(db, sql: "SELECT max(seq) FROM change") ?? 0) + 1
            let seq = first + Int64(run.count) - 1
            var earlier: [UInt8]?
            if run.count > 1 {
                var bytes: [UInt8] = []
                bytes.reserveCapacity(run.count * 128)
                // Through the buffer: the changes are read in place (an array's subscript copies each out).
                run.withUnsafeBufferPointer { run in
                    for index in run.indices.dropLast() {
                        ChangeRun.append(run[index].change, scope: run[index].scope, to: &bytes)
                    }
                }
                earlier = bytes
            }
            let (timestamp, scope, field, value) = run.withUnsafeBufferPointer { run in
                let last = run.count - 1
                var value: [UInt8] = []
                run[last].change.appendValueJSON(to: &value)
                return (run[last].change.timestamp, run[last].scope, run[last].change.field, value)
            }
            let (record, length) = (runRecord, run.count)
            pendingChanges.add { row in
                row.integer(seq)
                row.integer(timestamp.physical)
                row.integer(Int64(timestamp.counter))
                row.integer(Int64(timestamp.replica.rawValue))
                row.integer(record)
                row.text(scope)
                row.text(field.rawValue)
                row.utf8(value)
                row.integer(Int64(length))
                if let earlier { row.blob(earlier) } else { row.null() }
            }
            nextSequence = seq + 1
            if pendingChanges.count >= PendingRows.rowsPerStatement {
                try pendingRecords.write(all: true, in: db)
                try pendingChanges.write(all: false, in: db)
            }
        }

        /// Checks arriving cases for duplicates (at the center), derives the touched records' rows and saves
        /// the clock.
        mutating func finish() throws {
            try flushRun()
            if detectDuplicates {
                try checkDuplicates()
                try flushRun()
            }
            try deriveRows()
            try noteArrival(at: arrivedAt ?? clock.wallClock.milliseconds())
            try db.execute(
                sql: """
                    UPDATE replica SET clockPhysical = ?, clockCounter = ?, pendingChanges = pendingChanges + ?
                    WHERE id = 1
                    """,
                arguments: [clock.latest.physical, Int64(clock.latest.counter), written.count])
        }
    }

}

/// New changes counted by the day they were made, their record's scope and their field. A record's
/// changes mostly share a day and always a scope: they are counted by field in a row of their own, and
/// the row is added to the others (one hash) when a change of another day or scope comes, instead of
/// hashing every change's key.
struct ArrivalCounts {
    /// The local day's first millisecond, and the scope.
    struct Place: Hashable {
        var day: Int64
        var scope: AreaCode
    }

    private var counts: [Place: [Int]] = [:]
    private var current: Place?
    /// The current place's changes by field (`Field.ordinal`), not yet in `counts`.
    private var pending = [Int](repeating: 0, count: Field.allCases.count)
    private var isPending = false

    mutating func add(day: Int64, scope: AreaCode, field: Field) {
        let place = Place(day: day, scope: scope)
        if place != current {
            flush()
            current = place
        }
        pending[field.ordinal] += 1
        isPending = true
    }

    mutating func removeAll() {
        self = ArrivalCounts()
    }

    /// Each place and field with its count (not in any order).
    mutating func forEach(_ body: (Place, Field, Int) throws -> Void) rethrows {
        flush()
        for (place, fields) in counts {
            for (ordinal, count) in fields.enumerated() where count > 0 {
                try body(place, Field.allCases[ordinal], count)
            }
        }
    }

    private mutating func flush() {
        guard isPending, let current else { return }
        counts[current, default: [Int](repeating: 0, count: pending.count)].withUnsafeMutableBufferPointer { row in
            for index in row.indices { row[index] += pending[index] }
        }
        pending.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        isPending = false
    }
}

extension ReplicaStore.Session {
    /// The area whose records those made in `code` count as now: `code`, unless it was merged into
    /// another (`Successions`). Rows, arrivals and reports place records by it.
    mutating func place(of code: AreaCode) throws -> AreaCode {
        try currentSuccessions().current(code)
    }

    /// The areas' merges, read once per transaction.
    mutating func currentSuccessions() throws -> Successions {
        if let successions { return successions }
        let loaded = try ReplicaStore.successions(db)
        successions = loaded
        return loaded
    }

    /// The first millisecond of the local day at `milliseconds`.
    mutating func day(of milliseconds: Int64) -> Int64 {
        if let lastDay, lastDay.start <= milliseconds, milliseconds < lastDay.end { return lastDay.start }
        let date = LocalTime.date(at: milliseconds)
        let start = LocalTime.startOfDay(date)
        lastDay = (start, LocalTime.startOfDay(date.adding(days: 1)))
        return start
    }

    /// Notes when this transaction's changes arrived, and that the scopes of the records they touched
    /// last received data now.
    mutating func noteArrival(at time: Int64) throws {
        guard !touched.isEmpty || !arrivedScopes.isEmpty else { return }
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO arrival (seq, at) SELECT max(seq), ? FROM change")
            .execute(arguments: [time])
        let sequence = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(seq) FROM change")) ?? 0
        let receive = try db.cachedStatement(sql: "INSERT OR REPLACE INTO received (scope, seq) VALUES (?, ?)")
        for scope in arrivedScopes.union(touched.compactMap { state[$0]?.scope }) {
            try receive.run([.text(try place(of: scope).fullCode), .integer(sequence)], in: db)
        }
        let arrivedOn = LocalTime.date(at: time).description
        let count = try db.cachedStatement(
            sql: """
                INSERT INTO arrived (day, scope, field, arrivedOn, changes) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (field, day, scope, arrivedOn) DO UPDATE SET changes = changes + excluded.changes
                """)
        // Walked on a copy: the body asks the session where each scope counts now (`place(of:)`).
        var arrived = arrivedChanges
        try arrived.forEach { key, field, changes in
            try count.run(
                [
                    .text(LocalTime.date(at: key.day).description), .text(try place(of: key.scope).fullCode),
                    .text(field.rawValue), .text(arrivedOn), .integer(Int64(changes)),
                ],
                in: db)
        }
    }
}

extension ReplicaStore {
    /// Which of `ids` the log holds (under either kind), in one query: the ids go as a JSON array
    /// (digits need no escaping), written once.
    static func held(_ ids: [RecordID], in db: Database) throws -> Set<RecordID> {
        var held: Set<RecordID> = []
        try db.cachedStatement(sql: "SELECT uid FROM record WHERE uid IN (SELECT value FROM json_each(?))")
            .forEachRawRow(arguments: [idList(ids)], in: db) { row in
                // Every id the log holds was written by `description`: it reads back.
                if let id = RecordID(utf8: row.bytes(0)) { held.insert(id) }
                return true
            }
        return held
    }

    /// The kind and scope of each of `ids` the log holds, in one query.
    static func recordsHeld(_ ids: [RecordID], in db: Database) throws -> [RecordID: HeldRecord] {
        var held: [RecordID: HeldRecord] = [:]
        try db.cachedStatement(
            sql: "SELECT uid, kind, scope FROM record WHERE uid IN (SELECT value FROM json_each(?))"
        ).forEachRawRow(arguments: [idList(ids)], in: db) { row in
            if let id = RecordID(utf8: row.bytes(0)),
                let kind = EntityKind(rawValue: String(decoding: row.bytes(1), as: UTF8.self))
            {
                held[id] = HeldRecord(kind: kind, scope: try area(row.bytes(2)))
            }
            return true
        }
        return held
    }

    /// `ids` as a JSON array (digits need no escaping), written once.
    private static func idList(_ ids: [RecordID]) -> String {
        var list: [UInt8] = [UInt8(ascii: "[")]
        for (index, id) in ids.enumerated() {
            if index > 0 { list.append(UInt8(ascii: ",")) }
            list.append(UInt8(ascii: "\""))
            id.appendText(to: &list)
            list.append(UInt8(ascii: "\""))
        }
        list.append(UInt8(ascii: "]"))
        return String(decoding: list, as: UTF8.self)
    }

    /// A record's local key and scope, or nil if the log holds none of its changes.
    /// - Throws: `ChangeRefusal` (`kindConflict`, naming change `index`) if the log holds the id as the
    ///   other kind: a case and a risk item never share an id.
    static func localKey(
        of key: EntityKey, in db: Database, change index: Int = 0
    ) throws -> (
        id: Int64, scope: AreaCode
    )? {
        // Every change a transaction takes asks this once per record: read through the C API.
        var found: (id: Int64, scope: String, sameKind: Bool)?
        try db.cachedStatement(sql: "SELECT id, scope, kind = ? FROM record WHERE uid = ?").forEachRawRow(
            arguments: [key.kind.rawValue, key.id.description], in: db
        ) { row in
            found = (row.int64(0), String(decoding: row.bytes(1), as: UTF8.self), row.int64(2) == 1)
            return false
        }
        guard let found else { return nil }
        guard found.sameKind else { throw ChangeRefusal.kindConflict(key, change: index) }
        return (found.id, try area(found.scope))
    }

    /// Every change of a record in the log.
    static func changes(of key: EntityKey, in db: Database) throws -> [Change] {
        guard let local = try localKey(of: key, in: db) else { return [] }
        return try changes(of: key, local: local, in: db)
    }

    static func changes(of key: EntityKey, local: (id: Int64, scope: AreaCode), in db: Database) throws -> [Change] {
        var changes: [Change] = []
        try db.cachedStatement(sql: "SELECT \(runColumns) FROM change WHERE record = ?").forEachRawRow(
            arguments: [local.id], in: db
        ) { row in
            try forEachInRun(row) { _, parts in
                changes.append(try stored(parts, key: key, recordScope: local.scope))
                return true
            }
        }
        return changes
    }

    /// The columns every reader of the log selects first, in this order, for `forEachInRun`.
    static let runColumns = """
        change.seq, change.runLength, change.physical, change.counter, change.replica, change.scope, change.field,
            change.value, change.earlier
        """

    /// Calls `body` with each change a row of the log holds (its first columns `runColumns`) and its
    /// sequence number, in order: the run's earlier changes, then the row's own.
    /// - Returns: false if `body` did, to stop.
    static func forEachInRun(_ row: RawRow, _ body: (Int64, StoredChange) throws -> Bool) throws -> Bool {
        let replica = ReplicaID(rawValue: UInt64(bitPattern: row.int64(4)))
        var seq = row.int64(0) - row.int64(1) + 1
        let going = try ChangeRun.forEach(in: row.blob(8)) { part in
            defer { seq += 1 }
            return try body(seq, StoredChange(part, replica: replica))
        }
        return try going && body(seq, StoredChange(row, at: 2, replica: replica))
    }

    /// A change's parts as a row of the log holds them: its own columns, or a part of its run.
    struct StoredChange {
        var timestamp: HybridTimestamp
        /// Empty when the change names its record's scope.
        var scope: UnsafeBufferPointer<UInt8>
        var field: UnsafeBufferPointer<UInt8>
        var value: UnsafeBufferPointer<UInt8>

        init(
            timestamp: HybridTimestamp, scope: UnsafeBufferPointer<UInt8>, field: UnsafeBufferPointer<UInt8>,
            value: UnsafeBufferPointer<UInt8>
        ) {
            (self.timestamp, self.scope, self.field, self.value) = (timestamp, scope, field, value)
        }

        init(_ part: ChangeRun.Part, replica: ReplicaID) {
            timestamp = HybridTimestamp(physical: part.physical, counter: part.counter, replica: replica)
            (scope, field, value) = (part.scope, part.field, part.value)
        }

        /// The row's own change, from its columns `physical, counter, replica, scope, field, value` starting
        /// at `column`.
        init(_ row: RawRow, at column: Int32, replica: ReplicaID) {
            timestamp = HybridTimestamp(
                physical: row.int64(column), counter: UInt32(truncatingIfNeeded: row.int64(column + 1)),
                replica: replica)
            (scope, field, value) = (row.bytes(column + 3), row.bytes(column + 4), row.bytes(column + 5))
        }
    }

    /// A change read back from the log; `recordScope` is used where the change names none of its own.
    static func stored(_ parts: StoredChange, key: EntityKey, recordScope: AreaCode) throws -> Change {
        // Names and codes read from the bytes (every change a write loads is read here).
        guard let field = Field(utf8: parts.field) else {
            throw StoreError(
                code: .corrupt,
                message: "the log holds a change of unknown field '\(String(decoding: parts.field, as: UTF8.self))'")
        }
        do {
            return try Change(
                timestamp: parts.timestamp, entity: key,
                scope: parts.scope.isEmpty ? recordScope : try area(parts.scope),
                field: field, valueUTF8: parts.value)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(
                code: .corrupt, message: "the log holds an unreadable change \(parts.timestamp): \(error)")
        }
    }

    /// `runColumns` and the record's kind, id and scope (columns 9, 10, 11), from the log joined with its
    /// records; a condition follows.
    static let joinedColumns = """
        SELECT \(runColumns), record.kind, record.uid, record.scope
        FROM change JOIN record ON record.id = change.record
        """

    /// Calls `body` with the changes of the rows `condition` selects (a `WHERE … ORDER BY seq LIMIT …` on
    /// `change` joined with `record`), each with its record and sequence number, in order: those at or
    /// before `after` are skipped (a row may begin before it), and the walk ends after `through` or when
    /// `body` returns false.
    static func forEachChange(
        _ condition: String, arguments: StatementArguments, after: Int64 = .min, through: Int64 = .max,
        in db: Database, _ body: (Int64, Change) throws -> Bool
    ) throws {
        try db.cachedStatement(sql: joinedColumns + condition).forEachRawRow(arguments: arguments, in: db) { row in
            guard let kind = EntityKind(utf8: row.bytes(9)), let id = RecordID(utf8: row.bytes(10)) else {
                throw StoreError(code: .corrupt, message: "the log holds a change of an unknown record")
            }
            let key = EntityKey(kind: kind, id: id)
            let recordScope = try area(row.bytes(11))
            return try forEachInRun(row) { seq, parts in
                guard seq > after else { return true }
                guard seq <= through else { return false }
                return try body(seq, try stored(parts, key: key, recordScope: recordScope))
            }
        }
    }

    /// The changes of the rows `joinedColumns` + `condition` select, written by a `ChangeWriter`: those
    /// after `after` (a row may begin before it), at most `limit`.
    /// - Returns: the writer, the last change's `seq` (`after` if none), and whether more remain among the
    ///   rows selected (select at least one row more than `limit` to tell).
    ///   Changes `including` refuses (given the change's replica and scope) are passed over: not written,
    ///   but `last` moves past them.
    static func writeChanges(
        condition: String, arguments: StatementArguments, limit: Int, after: Int64, in db: Database,
        including: ((ReplicaID, UnsafeBufferPointer<UInt8>) -> Bool)? = nil
    ) throws -> (writer: ChangeWriter, last: Int64, more: Bool) {
        var writer = ChangeWriter(capacity: limit)
        var last = after
        var more = false
        // Text columns are read as the bytes SQLite holds: nothing is made per row but the JSON.
        try db.cachedStatement(sql: joinedColumns + condition).forEachRawRow(arguments: arguments, in: db) { row in
            let (kind, id, recordScope) = (row.bytes(9), row.bytes(10), row.bytes(11))
            return try forEachInRun(row) { seq, parts in
                guard seq > after else { return true }
                guard writer.count < limit else {
                    more = true
                    return false
                }
                let scope: UnsafeBufferPointer<UInt8> = parts.scope.isEmpty ? recordScope : parts.scope
                var included = true
                if let including { included = including(parts.timestamp.replica, scope) }
                if included {
                    writer.append(
                        field: parts.field, id: id, kind: kind, scope: scope, timestamp: parts.timestamp,
                        value: parts.value)
                }
                last = seq
                return true
            }
        }
        return (writer, last, more)
    }

    /// The code stored as the UTF-8 `bytes`, read with no string made.
    static func area(_ bytes: UnsafeBufferPointer<UInt8>) throws -> AreaCode {
        try AreaCode(utf8: bytes) ?? area(String(decoding: bytes, as: UTF8.self))
    }

    static func area(_ text: String) throws -> AreaCode {
        do {
            return try AreaCode(parsing: text)
        } catch {
            throw StoreError(code: .corrupt, message: "the log holds a bad division code: \(error)")
        }
    }
}

extension ReplicaStore.Session {
    /// Writes a case's row: `dispute` as it is read (combined with `members` merged into it), placed in
    /// `place` (the area its village's records count in now), whether it counts as a case of its own,
    /// and search text covering the members too, so that either id or either spelling finds it, and a
    /// party's ID or phone number (a caller is found by their number).
    mutating func save(
        _ dispute: Dispute, place: AreaCode, counted: Bool = true, members: [Dispute] = [], batched: Bool = false
    ) throws {
        let parties = dispute.parties.map(\.name).joined(separator: "、")
        let numbers = CaseFingerprint.numbers(of: dispute.parties).joined(separator: " ")
        // Each case's search text apart from the next by U+001E, folded straight into the bytes bound.
        var search: [UInt8] = []
        search.reserveCapacity(1024)
        SearchText.appendCase(
            id: dispute.id.description, summary: dispute.summary, parties: parties, mediator: dispute.mediator,
            agreement: dispute.agreement?.text, category: dispute.category?.label, village: dispute.village.description,
            numbers: numbers, to: &search)
        for member in members {
            search.append(0x1E)
            SearchText.appendCase(
                id: member.id.description, summary: member.summary,
                parties: member.parties.map(\.name).joined(separator: "、"), mediator: member.mediator,
                agreement: member.agreement?.text, category: member.category?.label,
                village: member.village.description,
                numbers: CaseFingerprint.numbers(of: member.parties).joined(separator: " "), to: &search)
        }
        // In the order of `ReplicaStore.disputeColumns`.
        func row(_ row: inout BoundValues) {
            row.text { dispute.id.appendText(to: &$0) }
            row.text(place.fullCode)
            row.text(dispute.category?.code)
            row.text(dispute.status.code)
            row.text(dispute.level?.code)
            row.text(dispute.foundBy?.code)
            row.text(dispute.incidentDate?.description)
            row.text(dispute.summary)
            row.text(parties)
            row.text(dispute.method?.code)
            row.text(dispute.mediator)
            row.text(dispute.agreement?.text)
            row.text(dispute.recorder)
            row.integer(dispute.recorded.physical)
            row.integer(dispute.modified.physical)
            row.integer(Int64(dispute.visits.count))
            row.integer(dispute.isVoided ? 1 : 0)
            row.text(ReplicaStore.partyKey(dispute.parties.map(\.name)))
            row.text(dispute.duplicateOf?.description)
            row.integer(counted ? 1 : 0)
            row.integer(Int64(dispute.mergedFrom.count))
            row.text(numbers)
            row.text(dispute.agreement?.date.description)
            row.utf8(search)
        }
        // A case this transaction added has no row yet: its first row waits for a batch (`deriveRows`
        // writes it); any other is written over at once.
        if batched {
            pendingDisputes.add(row)
        } else {
            if upsertDispute == nil {
                upsertDispute = try db.cachedStatement(
                    sql: "INSERT INTO dispute (\(ReplicaStore.disputeColumns.joined(separator: ", "))) VALUES ("
                        + Array(repeating: "?", count: ReplicaStore.disputeColumns.count).joined(separator: ", ")
                        + ") ON CONFLICT (id) DO UPDATE SET "
                        + ReplicaStore.disputeColumns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(
                            separator: ", "))
            }
            var values = BoundValues()
            row(&values)
            try upsertDispute!.run(values, in: db)
        }
    }

    mutating func save(_ item: RiskItem, place: AreaCode) throws {
        var search: [UInt8] = []
        SearchText.appendRisk(
            [item.id.description, item.area, item.title, item.plan, item.owner?.person, item.owner?.unit], to: &search)
        try statement(
            """
            INSERT INTO risk (id, scope, area, title, level, plan, ownerPerson, ownerUnit, deadline,
                status, struckOn, recorded, modified, isVoided, search)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET scope = excluded.scope, area = excluded.area, title = excluded.title,
                level = excluded.level, plan = excluded.plan, ownerPerson = excluded.ownerPerson,
                ownerUnit = excluded.ownerUnit, deadline = excluded.deadline, status = excluded.status,
                struckOn = excluded.struckOn, recorded = excluded.recorded, modified = excluded.modified,
                isVoided = excluded.isVoided, search = excluded.search
            """
        ).run(
            [
                .text(item.id.description), .text(place.fullCode), .text(item.area), .text(item.title),
                .optional(item.level?.code), .text(item.plan), .optional(item.owner?.person),
                .optional(item.owner?.unit),
                .optional(item.deadline?.description), .text(item.status.code),
                .optional(item.strike?.date.description),
                .integer(item.recorded.physical), .integer(item.modified.physical), .integer(item.isVoided ? 1 : 0),
                .utf8(search),
            ], in: db)
    }
}

extension ReplicaStore {
    /// The columns of a case's row a snapshot page carries (`SnapshotPage`), in the order `Session.save`
    /// gives their values; `id` first.
    static let disputeCopiedColumns = [
        "id", "village", "category", "status", "level", "foundBy", "incidentDate", "summary", "parties", "method",
        "mediator", "agreement", "recorder", "recorded", "modified", "visits", "isVoided", "partyKey", "duplicateOf",
        "counted", "merged", "numbers", "agreementDate",
    ]

    /// The columns of a case's row, in the order `Session.save` gives their values: those a snapshot
    /// carries, then the search text, which every replica folds from the others itself
    /// (`SearchText.appendCase`).
    static let disputeColumns = disputeCopiedColumns + ["search"]
}
