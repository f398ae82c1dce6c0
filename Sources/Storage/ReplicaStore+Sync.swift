import Foundation
import GRDB
import Shared

/// What sync needs from a replica: its enrollment, the changes the center has not acknowledged (its
/// own; after starting over, others' too), and a place to keep what it pulled and where the pull
/// stopped, and the checkpoint that proves the center's log is the one it synced with.
extension ReplicaStore {
    /// Where a replica stands with its center.
    public struct SyncState: Sendable, Equatable {
        public var enrollment: Enrollment?
        /// Changes to send up to this local sequence number are held by the center.
        public var acknowledgedSeq: Int64
        /// Changes to send after it: own ones, and after starting over others' within the enrollment.
        public var pendingChanges: Int
        /// The center's sequence number the next pull starts after.
        public var pullCursor: Int64
        /// When the last sync finished, by this device's clock.
        public var lastSyncAt: Int64?
        /// The center's clock minus this device's at the last sync, in milliseconds.
        public var clockOffset: Int64?
        /// The latest point of the center's log this replica has seen, sent with every request.
        public var checkpoint: Checkpoint?
        /// While a snapshot is being taken, the id of the last record taken (the next page follows it).
        public var snapshotAfter: RecordID?
        /// Whether a snapshot is being taken.
        public var isTakingSnapshot = false
    }

    public func syncState() throws -> SyncState {
        try read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT acknowledgedSeq, pendingChanges, pullCursor, lastSyncAt, clockOffset, snapshotAfter
                    FROM replica
                    """)!
            let snapshotAfter: String? = row["snapshotAfter"]
            return SyncState(
                enrollment: try Self.enrollment(db), acknowledgedSeq: row["acknowledgedSeq"],
                pendingChanges: row["pendingChanges"], pullCursor: row["pullCursor"], lastSyncAt: row["lastSyncAt"],
                clockOffset: row["clockOffset"], checkpoint: try Self.checkpoint(db),
                snapshotAfter: snapshotAfter.flatMap(RecordID.init), isTakingSnapshot: snapshotAfter != nil)
        }
    }

    /// The latest point of the center's log this replica has seen.
    public func checkpoint() throws -> Checkpoint? {
        try read { db in try Self.checkpoint(db) }
    }

    /// The stored checkpoint, if any.
    static func checkpoint(_ db: Database) throws -> Checkpoint? {
        let row = try Row.fetchOne(db, sql: "SELECT checkpointSeq, checkpointStamp FROM replica")
        guard let seq: Int64 = row?["checkpointSeq"], let text: String = row?["checkpointStamp"] else { return nil }
        guard let stamp = HybridTimestamp(text) else {
            throw StoreError(code: .corrupt, message: "the stored checkpoint '\(text)' is unreadable")
        }
        return Checkpoint(seq: seq, stamp: stamp)
    }

    /// Keeps `checkpoint` if it lies past the stored one.
    static func advance(to checkpoint: Checkpoint?, in db: Database) throws {
        guard let checkpoint else { return }
        try db.execute(
            sql: """
                UPDATE replica SET checkpointSeq = ?, checkpointStamp = ?
                WHERE id = 1 AND (checkpointSeq IS NULL OR checkpointSeq < ?)
                """,
            arguments: [checkpoint.seq, checkpoint.stamp.description, checkpoint.seq])
    }

    /// Forgets what this replica knew of its center's log, after the center said its log is not the one
    /// the replica synced with: every change it holds within its enrollment's scope is sent again — its
    /// own, and those of others, which the center may have lost with its backup (the center keeps what
    /// it holds once) — and the next pull starts from the beginning (changes already held count as such).
    /// - Returns: how many changes wait to be sent.
    @discardableResult
    public func startOver() throws -> Int {
        try write { db in
            let through = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM change") ?? 0
            try db.execute(
                sql: """
                    UPDATE replica SET acknowledgedSeq = 0, resendThrough = ?, pullCursor = 0, snapshotAfter = NULL,
                        checkpointSeq = NULL, checkpointStamp = NULL WHERE id = 1
                    """,
                arguments: [through])
            let outgoing = try Outgoing(db)
            var pending = 0
            try Self.forEachChange(" WHERE seq > 0 ORDER BY seq", arguments: [], in: db) { _, change in
                if outgoing.includes(change) { pending += 1 }
                return true
            }
            try db.execute(sql: "UPDATE replica SET pendingChanges = ? WHERE id = 1", arguments: [pending])
            return pending
        }
    }

    static func enrollment(_ db: Database) throws -> Enrollment? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM enrollment WHERE id = 1") else { return nil }
        guard let credential = DeviceCredential(token: "\(row["device"] as String).\(row["secret"] as String)"),
            let role = DeviceRole(rawValue: row["role"])
        else { throw StoreError(code: .corrupt, message: "the stored enrollment is unreadable; enroll again") }
        return Enrollment(
            url: row["url"], credential: credential, scope: try area(row["scope"]), role: role, worker: row["worker"])
    }

    /// Takes the names of areas the center sent, added or renamed in one transaction: those within this
    /// replica's scope or enclosing it (a village's town and district); any other is ignored.
    public func takeAreas(_ areas: [Area]) throws {
        try write { db in
            let scope = try Self.identity(db).scope
            let related = scope.map { Area.related(areas, to: $0) } ?? areas
            for area in related {
                try Self.save(area, in: db)
            }
            // A reorganisation the center made: the records of merged areas are placed where they count now.
            if related.contains(where: { $0.successor != nil }) { try Self.placeMergedRecords(in: db) }
        }
    }

    /// Attaches the replica to a center. Works offline; the token is checked at the first sync. A
    /// replica whose area the center merged into another (`Successions`, known from the last sync) takes
    /// an enrollment of that area and keeps its records there: its new records are made in the new area.
    /// An enrollment of another scope than the last one pulls again from the beginning (the new scope's
    /// records before the old cursor were never pulled).
    /// - Throws: `InputError` if the enrollment's scope does not cover this replica's.
    public func enroll(_ enrollment: Enrollment) throws {
        try write { db in
            let identity = try Self.identity(db)
            if let scope = identity.scope, !enrollment.scope.covers(scope) {
                let now = try Self.successions(db).current(scope)
                guard now != scope, enrollment.scope.covers(now) else {
                    throw InputError(
                        "this enrollment is for \(enrollment.scope), but this replica keeps \(scope)'s records; "
                            + "ask the center for an enrollment of \(scope). A worker who moved: field sync, then "
                            + "field retire, then field init --enroll with the new enrollment. A village merged into "
                            + "another: field sync first, so that this replica learns of it",
                        chinese: "这个登记串是 \(enrollment.scope) 的，但本机副本保存的是 \(scope) 的记录；"
                            + "请向区中心要一个 \(scope) 的登记串。工作人员换了村的：先 field sync，再 field retire，"
                            + "然后用新的登记串 field init --enroll。村已并入别的村的：先 field sync，让本机知道这次区划调整")
                }
                try db.execute(sql: "UPDATE replica SET scope = ? WHERE id = 1", arguments: [now.description])
            }
            if let previous = try Self.enrollment(db), previous.scope != enrollment.scope {
                try db.execute(sql: "UPDATE replica SET pullCursor = 0, reach = '' WHERE id = 1")
            }
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO enrollment (id, url, device, secret, scope, role, worker, enrolledAt)
                    VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    enrollment.url, enrollment.credential.device, enrollment.credential.secret,
                    enrollment.scope.description, enrollment.role.code, enrollment.worker, wallClock.milliseconds(),
                ])
        }
    }

    /// Changes the center has not acknowledged, oldest first, at most `limit`, with the local sequence
    /// number of the last one considered: own changes, and after starting over those of other replicas
    /// within the enrollment's scope too (`Outgoing`).
    public func pendingChanges(limit: Int) throws -> (changes: [Change], through: Int64) {
        try read { db in
            let outgoing = try Outgoing(db)
            var changes: [Change] = []
            var through = outgoing.acknowledged
            try Self.forEachChange(
                Outgoing.condition, arguments: outgoing.arguments(limit: limit), after: outgoing.acknowledged, in: db
            ) { seq, change in
                guard changes.count < limit else { return false }
                if outgoing.includes(change) { changes.append(change) }
                through = seq
                return true
            }
            return (changes, through)
        }
    }

    /// The same changes as `pendingChanges(limit:)`, already written as a `ChangeBatch`'s JSON from the
    /// stored rows, with how many it holds and the local sequence number of the last one considered
    /// (past the acknowledged one with none written when every change considered was passed over).
    public func pendingBatch(limit: Int) throws -> (json: [UInt8], count: Int, through: Int64) {
        try read { db in
            let outgoing = try Outgoing(db)
            let written = try Self.writeChanges(
                condition: Outgoing.condition, arguments: outgoing.arguments(limit: limit), limit: limit,
                after: outgoing.acknowledged, in: db, including: outgoing.includes)
            return (written.writer.batch(), written.writer.count, written.last)
        }
    }

    /// The next batch to push: `pendingBatch(limit:)`, after marking as done the changes it passes over
    /// (others' outside the enrollment's scope, after starting over); nil when nothing waits.
    public func nextBatch(limit: Int) throws -> (json: [UInt8], count: Int, through: Int64)? {
        while true {
            let batch = try pendingBatch(limit: limit)
            if batch.count > 0 { return batch }
            guard batch.through > (try syncState().acknowledgedSeq) else { return nil }
            try acknowledge(through: batch.through, count: 0)
        }
    }

    /// What a replica sends its center: its own changes after the acknowledged one; after starting over
    /// (up to `resendThrough`), the changes of other replicas too — the center may have lost them with
    /// its backup — those within the enrollment's scope, which the center takes from this device.
    struct Outgoing {
        static let condition = " WHERE seq > ? AND (replica = ? OR seq <= ?) ORDER BY seq LIMIT ?"

        let acknowledged: Int64
        let resendThrough: Int64
        let own: ReplicaID
        /// The enrollment's scope as its digits; nil (nothing relayed) if not enrolled.
        let scope: [UInt8]?
        /// The areas merged into that scope (`Reach`), whose records are relayed too.
        let merged: [[UInt8]]

        init(_ db: Database) throws {
            let row = try Row.fetchOne(db, sql: "SELECT acknowledgedSeq, resendThrough FROM replica")!
            let acknowledged: Int64 = row["acknowledgedSeq"]
            let resendThrough: Int64 = row["resendThrough"]
            self.acknowledged = acknowledged
            self.resendThrough = resendThrough
            own = try ReplicaStore.identity(db).replica
            let enrollment = try ReplicaStore.enrollment(db)
            scope = enrollment.map { Array($0.scope.description.utf8) }
            merged =
                try enrollment.map {
                    Reach(scope: $0.scope, successions: try ReplicaStore.successions(db)).predecessors.map {
                        Array($0.description.utf8)
                    }
                } ?? []
        }

        func arguments(limit: Int) -> StatementArguments {
            let values: [any DatabaseValueConvertible] = [
                acknowledged, Int64(bitPattern: own.rawValue), resendThrough, Int64(limit),
            ]
            return StatementArguments(values)
        }

        func includes(_ replica: ReplicaID, _ changeScope: UnsafeBufferPointer<UInt8>) -> Bool {
            if replica == own { return true }
            guard let scope else { return false }
            return changeScope.starts(with: scope) || merged.contains { $0.elementsEqual(changeScope) }
        }

        func includes(_ change: Change) -> Bool {
            Array(change.scope.description.utf8).withUnsafeBufferPointer { includes(change.timestamp.replica, $0) }
        }
    }

    /// Notes that the center holds own changes up to local sequence `seq`, `count` of them, and the
    /// checkpoint its receipt came with.
    public func acknowledge(through seq: Int64, count: Int, checkpoint: Checkpoint? = nil) throws {
        try write { db in
            try Self.advance(to: checkpoint, in: db)
            try db.execute(
                sql: """
                    UPDATE replica SET acknowledgedSeq = max(acknowledgedSeq, ?),
                        pendingChanges = max(0, pendingChanges - ?) WHERE id = 1
                    """,
                arguments: [seq, count])
        }
    }

    /// Merges a pulled page and moves the pull cursor past it, in one transaction: a page is taken
    /// whole or not at all, so an interrupted pull resumes where it stopped.
    /// - Returns: how many changes were new.
    @discardableResult
    public func receive(
        _ page: ChangePage, checkpoint: Checkpoint? = nil, maximumDrift: Int64 = fieldMaximumDrift
    ) throws -> Int {
        try write { db in
            let new = try Self.receive(page.changes, maximumDrift: maximumDrift, db: db, wallClock: wallClock)
            try Self.advance(to: checkpoint, in: db)
            try db.execute(
                sql: "UPDATE replica SET pullCursor = max(pullCursor, ?) WHERE id = 1", arguments: [page.cursor])
            return new
        }
    }

    /// Notes the merged areas the center says this replica's scope reaches (`Reach.fingerprint`, nil for
    /// none). When they differ from those it last said, the replica may lack the history of records it
    /// gained (made in an area merged into its scope before its cursor): the pull goes back to the
    /// beginning, in the same transaction, and changes already held count as such.
    /// - Returns: whether the pull starts again from the beginning.
    public func noteReach(_ fingerprint: String?) throws -> Bool {
        // Nearly every pull finds it unchanged: no write transaction for that.
        let known = try read { db in try String.fetchOne(db, sql: "SELECT reach FROM replica WHERE id = 1") }
        guard known != (fingerprint ?? "") else { return false }
        return try write { db in
            let row = try Row.fetchOne(db, sql: "SELECT reach, pullCursor FROM replica WHERE id = 1")!
            let known: String = row["reach"]
            let cursor: Int64 = row["pullCursor"]
            guard known != (fingerprint ?? "") else { return false }
            let again = fingerprint != nil && cursor > 0
            // A snapshot under way starts again too.
            try db.execute(
                sql: """
                    UPDATE replica SET reach = ?, pullCursor = CASE WHEN ? THEN 0 ELSE pullCursor END,
                        snapshotAfter = CASE WHEN ? THEN NULL ELSE snapshotAfter END WHERE id = 1
                    """,
                arguments: [fingerprint ?? "", again, again])
            return again
        }
    }

    /// Moves the clock past the center's time and notes a finished exchange.
    public func observe(centerTime: Int64, finishedSync: Bool) throws {
        try write { db in
            var session = try Session(db: db, wallClock: wallClock)
            session.clock.maximumDrift = .max
            try session.clock.receive(
                HybridTimestamp(physical: centerTime, counter: 0, replica: session.clock.replica))
            try session.finish()
            let now = wallClock.milliseconds()
            try db.execute(
                sql:
                    "UPDATE replica SET clockOffset = ?, lastSyncAt = CASE WHEN ? THEN ? ELSE lastSyncAt END WHERE id = 1",
                arguments: [centerTime - now, finishedSync, now])
        }
    }

    /// Whether the center holds the record's latest change made on this replica (received changes
    /// came from the center, so it holds them).
    public func isHeldByCenter(_ key: EntityKey) throws -> Bool {
        try read { db in
            let identity = try Self.identity(db)
            guard let local = try Self.localKey(of: key, in: db) else { return false }
            let latestOwn = try Int64.fetchOne(
                db, sql: "SELECT max(seq) FROM change WHERE record = ? AND replica = ?",
                arguments: [local.id, Int64(identity.replica.rawValue)])
            let acknowledged = try Int64.fetchOne(db, sql: "SELECT acknowledgedSeq FROM replica") ?? 0
            return (latestOwn ?? 0) <= acknowledged
        }
    }
}
