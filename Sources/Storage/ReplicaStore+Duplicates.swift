import Foundation
import GRDB
import Shared
import Synchronization

/// Duplicate cases: the rows of a survivor and the cases merged into it, and at the center the finder
/// that runs on every arriving case, the review queue and the commands that decide it.
///
/// A merge or split is a step in the merged-away case's `duplicate` lane, made by the center with its
/// own replica id and clock; replicas learn it by ordinary sync. Each replica derives from its log
/// which cases it counts: a case merged into one it holds is not counted, and the survivor's row shows
/// both combined (`Dispute.absorbing`).
extension ReplicaStore.Session {
    /// Has this transaction check the cases it changes for duplicates.
    mutating func findDuplicates(with finder: FinderIndex) throws {
        self.finder = finder
        committedSequence = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM change") ?? 0
    }

    /// The fields whose change may make a case match another or stop matching.
    static let fingerprintFields: Set<Field> = [.parties, .category, .incidentDate, .voided]

    /// Derives the rows of the touched records, then of every survivor whose group they joined or left.
    mutating func deriveRows() throws {
        var survivors: Set<RecordID> = []
        for key in touched.sorted(by: <) {
            guard let entity = state[key] else { continue }
            switch key.kind {
            case .risk:
                try save(RiskItem(entity), place: try place(of: entity.scope))
            case .dispute:
                // The finder made most arriving cases already.
                let dispute = disputes.isEmpty ? Dispute(entity) : disputes[key.id] ?? Dispute(entity)
                // A record this transaction created has no row yet.
                let before =
                    created.contains(key)
                    ? nil
                    : try String.fetchOne(
                        db.cachedStatement(sql: "SELECT duplicateOf FROM dispute WHERE id = ?"),
                        arguments: [key.id.description])
                // A case merged into none counts under itself (most do: no chain to follow).
                let root = dispute.duplicateOf == nil ? dispute.id : try survivor(of: dispute.id)
                let place = try place(of: entity.scope)
                try save(dispute, place: place, counted: root == dispute.id, batched: created.contains(key))
                try saveVisits(of: dispute, place: place, replacing: !created.contains(key))
                survivors.insert(root)
                if let before, let previous = RecordID(before), previous != dispute.duplicateOf {
                    survivors.insert(try survivor(of: previous))
                }
                // Each full batch of new cases' rows at once: the rows waiting stay few.
                if pendingDisputes.count >= PendingRows.rowsPerStatement {
                    try pendingDisputes.write(all: false, in: db)
                }
            }
        }
        // The rest of the new cases' rows, before anything reads the table.
        try pendingDisputes.write(all: true, in: db)
        guard !survivors.isEmpty else { return }
        // Most cases have no group. One look at the (small, partial) index of merged cases says which
        // cases have members; a case saved just now has `merged` = 0, so no more is needed for it.
        let targets = try Set(
            String.fetchAll(
                db.cachedStatement(sql: "SELECT DISTINCT duplicateOf FROM dispute WHERE duplicateOf IS NOT NULL")))
        for root in survivors.sorted() {
            let savedNow = touched.contains(EntityKey(kind: .dispute, id: root))
            try deriveGroup(root, hasMembers: savedNow ? targets.contains(root.description) : nil)
        }
    }

    /// The case `id` is counted under: the end of its chain of merges among the cases this replica
    /// holds (on a cycle, which only concurrent centers could make, the greatest id in it).
    mutating func survivor(of id: RecordID) throws -> RecordID {
        var current = id
        var seen: [RecordID] = [id]
        while let next = try link(current).into, try link(next).held {
            if let start = seen.firstIndex(of: next) {
                return seen[start...].max()!
            }
            seen.append(next)
            current = next
        }
        return current
    }

    /// Whether this replica holds case `id`, and the case it is merged into: from the merged state when
    /// this transaction loaded the case, else from its row (rows are derived at every commit).
    mutating func link(_ id: RecordID) throws -> (held: Bool, into: RecordID?, voided: Bool) {
        let key = EntityKey(kind: .dispute, id: id)
        if loaded.contains(key) {
            guard let entity = state[key] else { return (false, nil, false) }
            return (true, entity.duplicateOf, entity.isVoided)
        }
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT duplicateOf, isVoided FROM dispute WHERE id = ?"),
                arguments: [id.description])
        else { return (false, nil, false) }
        return (true, (row["duplicateOf"] as String?).flatMap(RecordID.init), row["isVoided"])
    }

    /// Writes a survivor's row combined with every case merged into it (directly or through others), and
    /// marks those as not counted on their own.
    /// `hasMembers`, when known, says whether any case is merged into `root` and its row was saved
    /// in this transaction (so its `merged` is 0); otherwise the rows are asked.
    mutating func deriveGroup(_ root: RecordID, hasMembers: Bool? = nil) throws {
        // Most cases have no group: one look-up says so.
        let grouped =
            try hasMembers
            ?? Bool.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM dispute WHERE duplicateOf = ?1)
                            OR coalesce((SELECT merged FROM dispute WHERE id = ?1), 0) > 0
                        """), arguments: [root.description]) ?? false
        guard grouped, let survivor = try dispute(root) else { return }
        let members = try self.members(of: root)
        try save(survivor.absorbing(members), place: try place(of: survivor.village), members: members)
        for member in members {
            try db.cachedStatement(sql: "UPDATE dispute SET counted = 0 WHERE id = ?").execute(arguments: [
                member.id.description
            ])
        }
    }

    /// The cases merged into `root`, directly or through others, as their rows record them.
    mutating func members(of root: RecordID) throws -> [Dispute] {
        var members: [Dispute] = []
        var queue = [root]
        var seen: Set<RecordID> = [root]
        let children = try db.cachedStatement(sql: "SELECT id FROM dispute WHERE duplicateOf = ?")
        while let next = queue.popLast() {
            for text in try String.fetchAll(children, arguments: [next.description]) {
                guard let id = RecordID(text), seen.insert(id).inserted, let member = try dispute(id) else { continue }
                members.append(member)
                queue.append(id)
            }
        }
        return members.sorted { $0.recorded < $1.recorded }
    }

    // MARK: The finder

    /// Files each changed case's fingerprint in the finder and compares it with the known cases that
    /// share keys: above `DuplicateFinder.mergeThreshold` the case is merged at once into the best one's
    /// survivor, above `reviewThreshold` the pair waits for review. Pairs decided before are left alone.
    mutating func checkDuplicates() throws {
        guard let finder, !fingerprintsToCheck.isEmpty else { return }
        var mergedNow: [RecordID: Int] = [:]
        try finder.update(db, committed: committedSequence, successions: try currentSuccessions()) { index in
            // A case to check is compared only with those checked before it: none holds a stale or early
            // fingerprint of another (an index built from rows holds every case as it stands now).
            for id in fingerprintsToCheck { index.remove(id) }
            for id in fingerprintsToCheck {
                guard let dispute = try dispute(id), dispute.isComplete, !dispute.isVoided else { continue }
                let fingerprint = try fingerprint(of: dispute)
                index.insert(fingerprint)
                guard dispute.duplicateOf == nil else { continue }
                // Best first: the first few cases they count under are all a person needs to see.
                var best: [RecordID: DuplicateMatch] = [:]
                for match in index.candidates(for: fingerprint) {
                    if best.count >= Self.proposalsPerCase, match.score < best.values.map(\.score).min()! { break }
                    let root = try survivor(of: match.candidate)
                    // Never into a voided case: neither would count.
                    guard root != id, try !link(root).voided,
                        try !ReplicaStore.isDecided(id, match.candidate, in: db),
                        try root == match.candidate || !ReplicaStore.isDecided(id, root, in: db)
                    else { continue }
                    if match.score > best[root]?.score ?? -1 {
                        best[root] = DuplicateMatch(candidate: root, score: match.score, reasons: match.reasons)
                    }
                }
                let ranked = best.values.sorted { ($0.score, $1.candidate) > ($1.score, $0.candidate) }
                let now = clock.wallClock.milliseconds()
                // Sure matches merge into the best, unless one of them already holds as many duplicates as
                // may merge automatically: then a person decides.
                let sure = ranked.filter { $0.score >= DuplicateFinder.mergeThreshold }
                let full = try sure.contains {
                    try duplicates(of: $0.candidate) + (mergedNow[$0.candidate] ?? 0) >= Self.automaticMergeLimit
                }
                if let top = sure.first, !full {
                    try merge(id, into: top.candidate, match: top, automatic: true)
                    try decide(id, top.candidate, .merged, match: top, at: now)
                    mergedNow[top.candidate, default: 0] += 1
                } else {
                    for match in ranked {
                        try propose(id, match, at: now)
                    }
                }
            }
            // The index notes the log's head after this: the merges are in the log first.
            try flushRun()
        }
    }

    /// A case's fingerprint with its village placed where its records count now (`place(of:)`), as the
    /// finder's index holds the cases it was built from rows: a case made in a merged village is the
    /// same village's as the cases of the village it went to.
    mutating func fingerprint(of dispute: Dispute) throws -> CaseFingerprint {
        var fingerprint = CaseFingerprint(dispute)
        fingerprint.village = try place(of: dispute.village)
        return fingerprint
    }

    /// How many cases (survivors) a case is compared with at most, the most likely first.
    static let proposalsPerCase = 5

    /// How many cases may be merged into one automatically. One dispute recorded more often than that
    /// is unusual (a device repeating itself, a template reused): a person decides the rest.
    static let automaticMergeLimit = 4

    /// How many cases rows say were merged into `survivor`.
    func duplicates(of survivor: RecordID) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(sql: "SELECT count(*) FROM dispute WHERE duplicateOf = ?"),
            arguments: [survivor.description]) ?? 0
    }

    /// Writes the step that marks `id` a duplicate of `survivor`, by this replica, with why (`mergeReason`).
    mutating func merge(_ id: RecordID, into survivor: RecordID, match: DuplicateMatch, automatic: Bool) throws {
        let current = try dispute(id)
        // The step goes to every device that holds `id`: one of a village that cannot see the survivor is
        // not told what the two share (the same ID number, say). The district's staff read the reasons
        // in the review queue's decided pair.
        let apart = try current.map { try dispute(survivor)?.village != $0.village } ?? true
        let reason = Self.mergeReason(match, automatic: automatic, withheld: apart)
        try commit(
            DisputeCommand.merge(into: survivor, reason: reason).changes(for: id, current: current, clock: &clock))
    }

    /// What a merge step records of why: the score and the reasons, in Chinese as the district reads it;
    /// `withheld`, only that the case counts in another the district holds.
    static func mergeReason(_ match: DuplicateMatch, automatic: Bool, withheld: Bool = false) -> String {
        let how = automatic ? "自动合并" : "人工合并"
        guard !withheld else { return how + "：与区里另一村（社区）的一件案件是同一纠纷，依据见区中心" }
        let score = (match.score * 100).rounded() / 100
        return how + "：得分 \(score)；" + match.reasons.map(\.label).joined(separator: "，")
    }
}

extension ReplicaStore.Session {
    /// Writes a case's own follow-up visits (not those of cases merged into it), for reports, `replacing`
    /// those stored before (a case this transaction added has none).
    mutating func saveVisits(of dispute: Dispute, place: AreaCode, replacing: Bool) throws {
        guard replacing || !dispute.visits.isEmpty else { return }
        let id = dispute.id.description
        if replacing {
            try statement("DELETE FROM visit WHERE dispute = ?").execute(arguments: [id])
        }
        guard !dispute.visits.isEmpty else { return }
        let insert = try statement("INSERT INTO visit (dispute, date, kept, village, voided) VALUES (?, ?, ?, ?, ?)")
        for visit in dispute.visits {
            try insert.execute(arguments: [
                id, visit.element.date.description, visit.element.isAgreementKept, place.fullCode,
                dispute.isVoided,
            ])
        }
    }
}

extension ReplicaStore {
    // MARK: Pairs

    /// A pair's state in the review queue.
    public enum Decision: String, Sendable {
        case review, merged, dismissed
    }

    static func pairKey(_ a: RecordID, _ b: RecordID) -> [String] {
        [min(a, b).description, max(a, b).description]
    }

    /// Whether the pair was merged or dismissed once: the finder never proposes it again.
    static func isDecided(_ a: RecordID, _ b: RecordID, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql:
                    "SELECT EXISTS (SELECT 1 FROM duplicate_pair WHERE first = ? AND second = ? AND decision <> 'review')"
            ), arguments: StatementArguments(pairKey(a, b))) ?? false
    }

}

extension ReplicaStore.Session {
    /// Queues a pair for review, or updates the score of one already waiting.
    mutating func propose(_ id: RecordID, _ match: DuplicateMatch, at time: Int64) throws {
        let pair = PairWrite(
            pair: ReplicaStore.pairKey(id, match.candidate), score: match.score,
            reasons: match.reasons.map(\.code).joined(separator: " "), decision: .review, at: time)
        try ReplicaStore.write(pair, in: db)
        pairWrites.append(pair)
    }

    /// Records a pair as merged or dismissed: the finder never proposes it again.
    mutating func decide(
        _ a: RecordID, _ b: RecordID, _ decision: ReplicaStore.Decision, match: DuplicateMatch?, at time: Int64
    ) throws {
        let pair = PairWrite(
            pair: ReplicaStore.pairKey(a, b), score: match?.score ?? 0,
            reasons: match?.reasons.map(\.code).joined(separator: " ") ?? "", decision: decision, at: time)
        try ReplicaStore.write(pair, in: db)
        pairWrites.append(pair)
    }
}

/// One write to the review queue: a pair proposed (or its score updated while it waits), or decided.
/// The same write is applied to the embedded store and to a shared PostgreSQL one, with the same rules.
public struct PairWrite: Sendable, Equatable {
    /// The two case ids, the smaller first.
    public var first: String
    public var second: String
    public var score: Double
    /// Reason codes, separated by spaces.
    public var reasons: String
    public var decision: ReplicaStore.Decision
    /// When (milliseconds since 1970, the center's clock).
    public var at: Int64

    init(pair: [String], score: Double, reasons: String, decision: ReplicaStore.Decision, at: Int64) {
        (first, second) = (pair[0], pair[1])
        self.score = score
        self.reasons = reasons
        self.decision = decision
        self.at = at
    }

    /// The upsert: a proposal updates only a pair still waiting; a decision overrides whatever was there
    /// (a shared PostgreSQL store writes by the same rules, several pairs a statement).
    var upsert: String {
        decision == .review
            ? """
            INSERT INTO duplicate_pair (first, second, score, reasons, decision, proposedAt, decidedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (first, second) DO UPDATE SET score = excluded.score, reasons = excluded.reasons
            WHERE duplicate_pair.decision = 'review'
            """
            : """
            INSERT INTO duplicate_pair (first, second, score, reasons, decision, proposedAt, decidedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (first, second) DO UPDATE SET decision = excluded.decision, decidedAt = excluded.decidedAt
            """
    }

    var statement: (String, StatementArguments) {
        (
            upsert,
            [first, second, score, reasons, decision.rawValue, at, decision == .review ? nil : at]
        )
    }
}

extension ReplicaStore {
    static func write(_ pair: PairWrite, in db: Database) throws {
        let (sql, arguments) = pair.statement
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }
}

// MARK: Reading a case with its duplicates

/// A case as the district reads it, with the cases merged into it.
public struct CaseView: Sendable {
    /// The case counted: the survivor, combined with its duplicates (`Dispute.absorbing`).
    public var dispute: Dispute
    /// The id asked for: `dispute.id`, or a case merged into it.
    public var requested: RecordID
    /// The cases merged into it, each as it reads on its own, earliest recorded first.
    public var members: [Dispute]
    /// The changes of the survivor and of its duplicates, oldest first.
    public var history: [Change]
}

extension ReplicaStore {
    /// The case `id` counts under (itself, or the case it was merged into if this replica holds it),
    /// combined with every case merged into that one; nil if the log holds no change of `id`.
    public func caseView(_ id: RecordID) throws -> CaseView? {
        try read { db in
            var session = try Session(db: db, wallClock: wallClock)
            guard try session.dispute(id) != nil else { return nil }
            let root = try session.survivor(of: id)
            guard let survivor = try session.dispute(root) else { return nil }
            let members = try session.members(of: root)
            var history: [Change] = []
            for record in [root] + members.map(\.id) {
                history += try Self.changes(of: EntityKey(kind: .dispute, id: record), in: db)
            }
            return CaseView(
                dispute: survivor.absorbing(members), requested: id, members: members,
                history: history.sorted { $0.timestamp < $1.timestamp })
        }
    }
}

// MARK: The review queue and its commands

/// Two cases the finder thinks may be one, waiting for a person.
public struct DuplicateReview: Sendable {
    public var first: Dispute
    public var second: Dispute
    public var score: Double
    public var reasons: [DuplicateMatch.Reason]
    /// When the finder proposed it (milliseconds since 1970, the center's clock).
    public var proposedAt: Int64
}

/// What a person decides about cases the finder may have paired.
public enum DuplicateDecision: Sendable {
    /// The first case is a duplicate of the second (or of the case the second counts under).
    case merge(RecordID, into: RecordID)
    /// The two cases are different disputes.
    case dismiss(RecordID, RecordID)
    /// The case (or the one case merged into it) stands on its own again.
    case split(RecordID, reason: String)
}

/// A duplicate command the store refuses, saying why.
public struct DuplicateError: Error, Sendable, CustomStringConvertible, LocalizedMessage {
    public var description: String
    public var chinese: String

    public func message(in language: Language) -> String {
        language.pick(chinese, description)
    }
}

extension ReplicaStore {
    /// Builds the center's duplicate finder from the case rows, as the first push would.
    public func prepareDuplicateFinder() throws {
        try read { db in
            try finder.update(
                db, committed: try Int64.fetchOne(db, sql: "SELECT max(seq) FROM change") ?? 0,
                successions: try Self.successions(db)
            ) { _ in }
        }
    }

    /// The pairs waiting for review, most likely first. Pairs that no longer need a decision (merged
    /// meanwhile through other cases, or one of them voided) are left out.
    public func duplicateReviews(limit: Int = .max) throws -> [DuplicateReview] {
        try read { db in
            var session = try Session(db: db, wallClock: wallClock)
            var reviews: [DuplicateReview] = []
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT * FROM duplicate_pair WHERE decision = 'review' ORDER BY score DESC, proposedAt, first")
            while reviews.count < limit, let row = try rows.next() {
                guard let a = RecordID(row["first"] as String), let b = RecordID(row["second"] as String),
                    let first = try session.dispute(a), let second = try session.dispute(b),
                    !first.isVoided, !second.isVoided,
                    try session.survivor(of: a) != session.survivor(of: b)
                else { continue }
                let reasons: String = row["reasons"]
                reviews.append(
                    DuplicateReview(
                        first: first, second: second, score: row["score"],
                        reasons: reasons.split(separator: " ").compactMap { DuplicateMatch.Reason(code: String($0)) },
                        proposedAt: row["proposedAt"]))
            }
            return reviews
        }
    }

    /// How many pairs were proposed for review and not decided (some may need no decision any more).
    public func pendingReviewCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM duplicate_pair WHERE decision = 'review'") ?? 0
        }
    }

    /// Carries out a person's decision on a pair in one transaction.
    /// - Returns: the pair it concerned (for a split: the case split off, and the one it had been
    ///   merged into).
    public func decide(_ decision: DuplicateDecision) throws -> (first: RecordID, second: RecordID) {
        var pair: (RecordID, RecordID)?
        _ = try transact { session in pair = try Self.carry(decision, in: &session, at: wallClock.milliseconds()) }
        return pair!
    }

    /// Checks and writes a decision in `session`.
    static func carry(
        _ decision: DuplicateDecision, in session: inout Session, at now: Int64
    ) throws -> (RecordID, RecordID) {
        switch decision {
        case .merge(let duplicate, let survivor):
            guard let merging = try session.dispute(duplicate), try session.dispute(survivor) != nil else {
                let missing = try session.dispute(duplicate) == nil ? duplicate : survivor
                throw DuplicateError(description: "no case \(missing)", chinese: "没有案件 \(missing)")
            }
            if let into = merging.duplicateOf {
                throw DuplicateError(
                    description:
                        "case \(duplicate) is already merged into \(into); split it first to merge it elsewhere",
                    chinese: "案件 \(duplicate) 已经并入 \(into)；要并入别的案件，先把它拆分出来")
            }
            let root = try session.survivor(of: survivor)
            guard root != duplicate else {
                throw DuplicateError(
                    description: "case \(survivor) is counted under \(duplicate): they are one case already",
                    chinese: "案件 \(survivor) 已计在 \(duplicate) 名下：它们已经是同一件")
            }
            let match = try Self.match(duplicate, root, session: &session)
            try session.merge(duplicate, into: root, match: match, automatic: false)
            try session.decide(duplicate, root, .merged, match: match, at: now)
            if root != survivor {
                try session.decide(duplicate, survivor, .merged, match: match, at: now)
            }
            return (duplicate, root)
        case .dismiss(let a, let b):
            guard try session.dispute(a) != nil, try session.dispute(b) != nil else {
                let missing = try session.dispute(a) == nil ? a : b
                throw DuplicateError(description: "no case \(missing)", chinese: "没有案件 \(missing)")
            }
            guard a != b else {
                throw DuplicateError(
                    description: "a case cannot be dismissed as its own duplicate", chinese: "一件案件不能和它自己比对")
            }
            if try session.survivor(of: a) == session.survivor(of: b) {
                throw DuplicateError(
                    description: "cases \(a) and \(b) are merged into one; `center duplicates split` undoes a merge",
                    chinese: "案件 \(a) 和 \(b) 已经合并为一件；要撤销合并请用 center duplicates split")
            }
            try session.decide(a, b, .dismissed, match: nil, at: now)
            return (a, b)
        case .split(let id, let reason):
            guard let dispute = try session.dispute(id) else {
                throw DuplicateError(description: "no case \(id)", chinese: "没有案件 \(id)")
            }
            var target = id
            var from = dispute.duplicateOf
            if from == nil {
                let members = try String.fetchAll(
                    session.db, sql: "SELECT id FROM dispute WHERE duplicateOf = ? ORDER BY id",
                    arguments: [id.description]
                ).compactMap(RecordID.init)
                guard members.count == 1 else {
                    let listed = members.map(\.description)
                    throw DuplicateError(
                        description: members.isEmpty
                            ? "case \(id) is not merged with another"
                            : "cases \(listed.joined(separator: ", ")) are merged into \(id); name the one to split off",
                        chinese: members.isEmpty
                            ? "案件 \(id) 没有和别的案件合并"
                            : "案件 \(listed.joined(separator: "、")) 都并入了 \(id)；请指明要拆分出来的那一件")
                }
                target = members[0]
                from = id
            }
            let current = try session.dispute(target)
            try session.commit(
                DisputeCommand.split(reason: reason).changes(for: target, current: current, clock: &session.clock))
            try session.decide(target, from!, .dismissed, match: nil, at: now)
            return (target, from!)
        }
    }

    /// The finder's score for a pair, for a merge a person decided.
    private static func match(_ a: RecordID, _ b: RecordID, session: inout Session) throws -> DuplicateMatch {
        guard let left = try session.dispute(a), let right = try session.dispute(b),
            let match = DuplicateFinder.match(try session.fingerprint(of: left), try session.fingerprint(of: right))
        else {
            return DuplicateMatch(candidate: b, score: 0, reasons: [])
        }
        return match
    }
}

/// The center's duplicate finder: every active case's fingerprint, indexed in memory, kept in step with
/// the database.
///
/// Built from the case rows on first use, then updated by the transactions that check cases. Before
/// each check it catches up on changes others wrote to the database meanwhile (an administrator's
/// command, another process), by the log's sequence; a transaction that fails after updating it
/// drops it, to be built again.
public final class FinderIndex: Sendable {
    private struct State {
        var finder = DuplicateFinder()
        /// The log's sequence the index reflects; nil: not built.
        var sequence: Int64?
        /// The merges its cases' villages were placed by: another merge builds it anew.
        var successions = Successions.none
    }

    private let state = Mutex(State())

    init() {}

    /// Runs `body` on the index inside the caller's transaction, after catching up with the log up to
    /// `committed` (the sequence before the transaction: its own changes are the caller's to file) and
    /// with the areas' merges `successions` (the cases' villages are placed by them: a merge made since,
    /// perhaps by another process, rebuilds the index from the rows).
    func update(
        _ db: Database, committed: Int64, successions: Successions, _ body: (inout DuplicateFinder) throws -> Void
    ) throws {
        try state.withLock { state in
            do {
                if let sequence = state.sequence, sequence > committed {
                    // The log is behind the index: a transaction that updated it was rolled back.
                    state = State()
                }
                if state.successions != successions { state = State(successions: successions) }
                try catchUp(&state, db, to: committed)
                try body(&state.finder)
                state.sequence = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM change") ?? 0
            } catch {
                state = State()
                throw error
            }
        }
    }

    /// Marks the index as reflecting the log up to `sequence` at most (a planning transaction that
    /// numbered changes past it was rolled back).
    func rewind(to sequence: Int64) {
        state.withLock { state in
            if let current = state.sequence { state.sequence = min(current, sequence) }
        }
    }

    /// Drops the index (a transaction that updated it failed).
    func invalidate() {
        state.withLock { $0 = State() }
    }

    private func catchUp(_ state: inout State, _ db: Database, to committed: Int64) throws {
        guard let sequence = state.sequence else {
            let rows = try Row.fetchCursor(
                db, sql: "SELECT id, village, category, incidentDate, partyKey, numbers FROM dispute WHERE isVoided = 0"
            )
            while let row = try rows.next() {
                if let fingerprint = try Self.fingerprint(row) { state.finder.insert(fingerprint) }
            }
            return
        }
        let changed = try ReplicaStore.casesWithFingerprintChanges(after: sequence, through: committed, in: db)
        for text in changed {
            guard let id = RecordID(text) else { continue }
            state.finder.remove(id)
            let row = try Row.fetchOne(
                db,
                sql:
                    "SELECT id, village, category, incidentDate, partyKey, numbers FROM dispute WHERE id = ? AND isVoided = 0",
                arguments: [text])
            if let row, let fingerprint = try Self.fingerprint(row) { state.finder.insert(fingerprint) }
        }
    }

    /// A case's fingerprint from its row; nil for a case whose first changes have not arrived.
    private static func fingerprint(_ row: Row) throws -> CaseFingerprint? {
        let names: String = row["partyKey"]
        guard let id = RecordID(row["id"] as String), !names.isEmpty,
            let category = (row["category"] as String?).flatMap(DisputeCategory.init(rawValue:))
        else { return nil }
        let numbers: String = row["numbers"]
        return CaseFingerprint(
            id: id, village: try ReplicaStore.area(row["village"]), category: category,
            incidentDate: (row["incidentDate"] as String?).flatMap { try? CalendarDate(parsing: $0) },
            names: names.components(separatedBy: "|"),
            numbers: numbers.isEmpty ? [] : numbers.components(separatedBy: " "))
    }
}

extension ReplicaStore {
    /// The cases (ids as stored) with a change of their parties, category, incident date or voiding
    /// numbered after `after` and up to `through`, in the order of the first such change. Reads field
    /// names only, runs included.
    static func casesWithFingerprintChanges(after: Int64, through: Int64 = .max, in db: Database) throws -> [String] {
        let names = Session.fingerprintFields.map { Array($0.rawValue.utf8) }
        var order: [String] = []
        var seen: Set<String> = []
        try db.cachedStatement(
            sql: """
                SELECT \(runColumns), record.uid FROM change JOIN record ON record.id = change.record
                WHERE change.seq > ? AND record.kind = 'dispute' ORDER BY change.seq
                """
        ).forEachRawRow(arguments: [after], in: db) { row in
            var fingerprinted = false
            _ = try forEachInRun(row) { seq, parts in
                if seq > after, seq <= through, names.contains(where: { $0.elementsEqual(parts.field) }) {
                    fingerprinted = true
                }
                return seq < through
            }
            if fingerprinted {
                let uid = String(decoding: row.bytes(9), as: UTF8.self)
                if seen.insert(uid).inserted { order.append(uid) }
            }
            return row.int64(0) < through
        }
        return order
    }
}
