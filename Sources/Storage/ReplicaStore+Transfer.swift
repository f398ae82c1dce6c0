import Foundation
import GRDB
import Shared

/// Copying a center's log between stores, and running the center's logic over a copy: a center on
/// PostgreSQL keeps a local `ReplicaStore` as its merged view, fed from the shared log with the log's own
/// sequence numbers and arrival times, and computes there what the finder and the duplicate commands
/// write before writing it to the shared log (see `PostgresCenterStore`). `center migrate` moves a
/// district's log, devices and review queue between the two kinds of store with the same pieces.
extension ReplicaStore {
    /// Changes that arrived at the center together, in its order: they are numbered up to `through`.
    public struct FeedSegment: Sendable {
        public var changes: [Change]
        /// When they arrived (milliseconds since 1970, the center's clock).
        public var arrivedAt: Int64
        /// The sequence number of the last of them.
        public var through: Int64

        public init(changes: [Change], arrivedAt: Int64, through: Int64) {
            self.changes = changes
            self.arrivedAt = arrivedAt
            self.through = through
        }
    }

    /// A row of the review queue, as stored.
    public struct PairRecord: Sendable, Equatable {
        public var first: String
        public var second: String
        public var score: Double
        public var reasons: String
        public var decision: Decision
        public var proposedAt: Int64
        public var decidedAt: Int64?

        public init(
            first: String, second: String, score: Double, reasons: String, decision: Decision, proposedAt: Int64,
            decidedAt: Int64?
        ) {
            self.first = first
            self.second = second
            self.score = score
            self.reasons = reasons
            self.decision = decision
            self.proposedAt = proposedAt
            self.decidedAt = decidedAt
        }
    }

    /// Appends segments of another store's log after `head`, each in its own session with its own arrival
    /// time, in one transaction: the copy's sequence numbers and arrival times are the original's.
    /// - Throws: `StoreError` `.corrupt` if this log's head is not `head`, or a change is held already or
    ///   numbered differently (the copy would not be faithful).
    public func append(_ segments: [FeedSegment], after head: Int64) throws {
        _ = try append(segments, after: head, checkingDuplicatesAfter: nil)
    }

    /// Appends segments as `append(_:after:)` does and, with `checked`, also computes in the same
    /// transaction what the duplicate finder writes for the cases changed after `checked` (see
    /// `planDuplicateChecks(after:)`), reusing the cases the last segment loaded; the plan is rolled back,
    /// the segments kept.
    public func append(
        _ segments: [FeedSegment], after head: Int64, checkingDuplicatesAfter checked: Int64?
    ) throws -> Plan<Int64>? {
        guard !segments.isEmpty else { return nil }
        do {
            let plan = try write { db -> Plan<Int64>? in
                var current = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM change") ?? 0
                guard current == head else {
                    throw StoreError(
                        code: .corrupt,
                        message: "the copy's log ends at \(current), not at \(head) where the feed resumes")
                }
                var last: Session?
                for segment in segments {
                    var session = try Session(db: db, wallClock: wallClock)
                    session.arrivedAt = segment.arrivedAt
                    let new = try session.take(segment.changes, maximumDrift: .max)
                    try session.finish()
                    current = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM change") ?? 0
                    guard new == segment.changes.count, current == segment.through else {
                        throw StoreError(
                            code: .corrupt,
                            message:
                                "the copied log's numbers drifted: \(current) where the original has \(segment.through)"
                        )
                    }
                    last = session
                }
                guard let checked, var session = last else { return nil }
                var plan: Plan<Int64>?
                try db.inSavepoint {
                    session.written = []
                    session.pairWrites = []
                    session.touched = []
                    session.arrivedChanges.removeAll()
                    plan = try Self.checkDuplicates(after: checked, head: current, in: &session, finder: finder)
                    return .rollback
                }
                return plan
            }
            if let plan { finder.rewind(to: plan.value) }
            return plan
        } catch {
            if checked != nil { finder.invalidate() }
            throw error
        }
    }

    /// The last change of the log: its sequence number and timestamp (nil if the log is empty).
    public func head() throws -> (seq: Int64, timestamp: HybridTimestamp)? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT seq, physical, counter, replica FROM change ORDER BY seq DESC LIMIT 1")
                .map { row in
                    (
                        row["seq"],
                        HybridTimestamp(
                            physical: row["physical"], counter: UInt32(row["counter"] as Int64),
                            replica: ReplicaID(rawValue: UInt64(row["replica"] as Int64)))
                    )
                }
        }
    }

    /// Segments of this log after `seq` (and up to `last`), at most `limit` changes, split where arrivals
    /// end.
    public func segments(after seq: Int64, through last: Int64 = .max, limit: Int) throws -> [FeedSegment] {
        try read { db in
            var changes: [(seq: Int64, change: Change)] = []
            try Self.forEachChange(
                " WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, limit], after: seq, through: last, in: db
            ) { seq, change in
                guard changes.count < limit else { return false }
                changes.append((seq, change))
                return true
            }
            guard let last = changes.last?.seq else { return [] }
            // Each change arrived with the first arrival at or after it.
            let arrivals = try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, at FROM arrival WHERE seq > ? AND seq <= ?
                    UNION ALL SELECT * FROM (SELECT seq, at FROM arrival WHERE seq > ? ORDER BY seq LIMIT 1)
                    ORDER BY seq
                    """, arguments: [seq, last, last]
            ).map { (seq: $0["seq"] as Int64, at: $0["at"] as Int64) }
            return try Self.split(changes, at: arrivals)
        }
    }

    /// Splits numbered changes into segments by the arrivals that cover them (the last time known for
    /// any past the last arrival).
    public static func split(
        _ changes: [(seq: Int64, change: Change)], at arrivals: [(seq: Int64, at: Int64)]
    ) throws -> [FeedSegment] {
        var segments: [FeedSegment] = []
        var index = 0
        var segmentArrival = -1
        for (seq, change) in changes {
            while index < arrivals.count, arrivals[index].seq < seq { index += 1 }
            if index == segmentArrival {
                segments[segments.count - 1].changes.append(change)
                segments[segments.count - 1].through = seq
            } else {
                let at = index < arrivals.count ? arrivals[index].at : arrivals.last?.at ?? 0
                segments.append(FeedSegment(changes: [change], arrivedAt: at, through: seq))
                segmentArrival = index
            }
        }
        return segments
    }

    /// The whole review queue.
    public func pairRecords() throws -> [PairRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM duplicate_pair ORDER BY first, second").map { row in
                PairRecord(
                    first: row["first"], second: row["second"], score: row["score"], reasons: row["reasons"],
                    decision: Decision(rawValue: row["decision"]) ?? .review, proposedAt: row["proposedAt"],
                    decidedAt: row["decidedAt"])
            }
        }
    }

    /// Sets rows of the review queue as another store holds them.
    public func replacePairs(_ pairs: [PairRecord]) throws {
        guard !pairs.isEmpty else { return }
        try write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO duplicate_pair
                        (first, second, score, reasons, decision, proposedAt, decidedAt) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
            for pair in pairs {
                try statement.execute(arguments: [
                    pair.first, pair.second, pair.score, pair.reasons, pair.decision.rawValue, pair.proposedAt,
                    pair.decidedAt,
                ])
            }
        }
    }

    /// Every enrolled device with the hash of its secret, for moving the center to another store.
    public func deviceRecords() throws -> [(device: Device, secretHash: [UInt8])] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM device ORDER BY createdAt, id").map { row in
                (try Device(row), Array(row["secretHash"] as Data))
            }
        }
    }

    /// Adds devices enrolled at another store, with their secrets' hashes and their contact: they go on
    /// syncing with the tokens they hold.
    public func importDevices(_ devices: [(device: Device, secretHash: [UInt8])]) throws {
        try write { db in
            for (device, hash) in devices {
                try db.execute(
                    sql: """
                        INSERT INTO device (id, name, scope, role, secretHash, createdAt, revokedAt, lastSeenAt,
                            clockOffset, pushedChanges) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        device.id, device.name, device.scope.description, device.role.code, Data(hash),
                        device.createdAt, device.revokedAt, device.lastSeenAt, device.clockOffset,
                        device.pushedChanges,
                    ])
            }
        }
    }

    // MARK: Planning

    /// What a transaction wrote before it was rolled back: the changes it made as this replica and the
    /// writes to the review queue, for a store whose log of record is elsewhere to write there.
    public struct Plan<Value: Sendable>: Sendable {
        public var value: Value
        public var changes: [Change]
        public var pairs: [PairWrite]
    }

    /// Runs `body` and the transaction's end (finder included) as a transaction that is then rolled back.
    func plan<Value: Sendable>(_ body: (inout Session) throws -> Value) throws -> Plan<Value> {
        var plan: Plan<Value>?
        do {
            try write { db in
                var session = try Session(db: db, wallClock: wallClock)
                let value = try body(&session)
                try session.finish()
                plan = Plan(value: value, changes: session.written, pairs: session.pairWrites)
                throw PlanRolledBack()
            }
        } catch is PlanRolledBack {
            return plan!
        }
        fatalError("a planning transaction was committed")
    }

    /// What the duplicate finder writes for the cases whose parties, category, incident date or voiding
    /// changed after sequence `checked`, checked in the order they changed, each against the cases known
    /// at `checked` and those checked before it (as the embedded center checks each push on arrival), as
    /// they stand at this log's head (returned as the plan's value).
    public func planDuplicateChecks(after checked: Int64) throws -> Plan<Int64> {
        do {
            let plan = try self.plan { session in
                let head = try Int64.fetchOne(session.db, sql: "SELECT max(seq) FROM change") ?? 0
                try Self.queueDuplicateChecks(after: checked, in: &session, finder: finder)
                return head
            }
            // The index holds every case as it stands at the head; the planned merges are not in the log.
            finder.rewind(to: plan.value)
            return plan
        } catch {
            finder.invalidate()
            throw error
        }
    }

    /// Has `session` check, when it finishes, the cases whose fingerprint changed after `checked`.
    static func queueDuplicateChecks(after checked: Int64, in session: inout Session, finder: FinderIndex) throws {
        try session.findDuplicates(with: finder)
        // The index holds the cases as they stood at `checked`; each case is then compared with those
        // and with the ones checked before it, as if each had arrived in its own push.
        session.committedSequence = checked
        let ids = try casesWithFingerprintChanges(after: checked, in: session.db)
        for id in ids.compactMap(RecordID.init) where session.fingerprintsQueued.insert(id).inserted {
            session.fingerprintsToCheck.append(id)
        }
    }

    /// Runs the finder in `session` (inside a savepoint its caller rolls back) over the cases changed
    /// after `checked`; what it wrote.
    static func checkDuplicates(
        after checked: Int64, head: Int64, in session: inout Session, finder: FinderIndex
    ) throws -> Plan<Int64> {
        try queueDuplicateChecks(after: checked, in: &session, finder: finder)
        try session.checkDuplicates()
        return Plan(value: head, changes: session.written, pairs: session.pairWrites)
    }

    /// What a person's decision writes, checked against this log; its value is the pair it concerned,
    /// as `decide(_:)` returns it.
    public func plan(_ decision: DuplicateDecision) throws -> Plan<[RecordID]> {
        try plan { session in
            let pair = try Self.carry(decision, in: &session, at: wallClock.milliseconds())
            return [pair.0, pair.1]
        }
    }
}

/// Ends a planning transaction: what it wrote is returned, not committed.
private struct PlanRolledBack: Error {}
