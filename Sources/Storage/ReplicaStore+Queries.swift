import Foundation
import GRDB
import Shared

/// Reading: finding records by id prefix, listing with filters, a record's history, counts.
extension ReplicaStore {
    /// The record whose id starts with `prefix`.
    /// - Throws: `LookupError` if none does, or several do (listing them).
    public func resolve(_ prefix: String, kind: EntityKind) throws -> RecordID {
        let prefix = prefix.trimmingCharacters(in: .whitespaces).lowercased()
        guard !prefix.isEmpty, prefix.count <= RecordID.digits,
            prefix.unicodeScalars.allSatisfy({ "0123456789abcdefghjkmnpqrstvwxyz".unicodeScalars.contains($0) })
        else {
            throw LookupError.malformed(prefix: prefix, kind: kind)
        }
        let table = kind == .dispute ? "dispute" : "risk"
        let ids = try read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM \(table) WHERE id >= ? AND id < ? ORDER BY id LIMIT 11",
                arguments: [prefix, prefix + "~"])
        }
        switch ids.count {
        case 0: throw LookupError.notFound(prefix: prefix, kind: kind)
        case 1: return RecordID(ids[0])!
        default: throw LookupError.ambiguous(prefix: prefix, kind: kind, candidates: ids)
        }
    }

    /// The shortest prefix of `id`, at least 6 digits, that no other record of its kind shares.
    public func abbreviation(of id: RecordID, kind: EntityKind) throws -> String {
        let length = try abbreviationLength(of: [id], kind: kind)
        return String(id.description.prefix(length))
    }

    /// The case as merged from its changes, or nil.
    public func dispute(_ id: RecordID) throws -> Dispute? {
        try read { db in
            var state = ReplicaState()
            state.apply(try Self.changes(of: EntityKey(kind: .dispute, id: id), in: db))
            return state.dispute(id)
        }
    }

    public func riskItem(_ id: RecordID) throws -> RiskItem? {
        try read { db in
            var state = ReplicaState()
            state.apply(try Self.changes(of: EntityKey(kind: .risk, id: id), in: db))
            return state.riskItem(id)
        }
    }

    /// Every change in the log, in the order this replica got them.
    public func allChanges() throws -> [Change] {
        try read { db in
            var changes: [Change] = []
            try Self.forEachChange(" ORDER BY seq", arguments: [], in: db) { _, change in
                changes.append(change)
                return true
            }
            return changes
        }
    }

    /// The digest of the merged state of every record in the log (see `ReplicaState.digest`).
    public func digest(within scope: AreaCode? = nil) throws -> StateDigest {
        var state = ReplicaState()
        state.apply(try allChanges())
        return state.digest(within: scope)
    }

    /// The digest of the records a device of `reach` holds (see `ReplicaState.digest(within:)`).
    public func digest(within reach: Reach) throws -> StateDigest {
        var state = ReplicaState()
        state.apply(try allChanges())
        return state.digest(within: reach)
    }

    /// A record's changes, oldest first: what changed, when, on which replica.
    public func history(of key: EntityKey) throws -> [Change] {
        try read { db in try Self.changes(of: key, in: db) }.sorted { $0.timestamp < $1.timestamp }
    }

    /// Refuses to look at a merged area (its records are placed where it went; it would show none).
    /// - Throws: `InputError` naming where it went.
    func refuseMerged(_ scope: AreaCode?) throws {
        guard let scope, let now = try mergedInto(scope) else { return }
        throw InputError(
            "\(scope) was merged into \(now): its records are counted and listed there; ask for \(now)",
            chinese: "\(scope) 已并入 \(now)：它的记录算在 \(now)，请查看 \(now)")
    }

    /// Refuses a new record in an area the worker named (`--village`, `--scope`) that was merged into
    /// another: its code no longer stands, and the message names the one to use. (A replica of the merged
    /// village itself still records there, offline, until it takes the new enrollment: callers do not
    /// ask this of a replica's own area.)
    /// - Throws: `InputError` naming where it went.
    public func refuseNewRecord(in area: AreaCode, flag: String) throws {
        guard let now = try mergedInto(area) else { return }
        throw InputError(
            "\(flag): \(area) was merged into \(now); record it there: \(flag) \(now)",
            chinese: "\(flag)：\(area) 已并入 \(now)；请记在 \(now) 下：\(flag) \(now)")
    }

    /// Where the records of `area` count now, if it was merged into another (nil if it stands).
    public func mergedInto(_ area: AreaCode) throws -> AreaCode? {
        let now = try successions().current(area)
        return now == area ? nil : now
    }

    /// Cases matching `filter`, most recently recorded first.
    public func disputes(_ filter: DisputeFilter = DisputeFilter()) throws -> [DisputeSummary] {
        try refuseMerged(filter.scope)
        var request = Self.common(
            Table("dispute"), scopeColumn: "village", scope: filter.scope, filter.search, filter.includeVoided)
        // A search reads every row's text anyway: the `+` keeps SQLite from walking an index and looking
        // each row up by id, which costs more than one pass over the table.
        let plain = filter.search?.isEmpty == false ? "+" : ""
        if !filter.includeMerged { request = request.filter(sql: "\(plain)counted = 1") }
        if let status = filter.status { request = request.filter(sql: "status = ?", arguments: [status.code]) }
        if let category = filter.category { request = request.filter(sql: "category = ?", arguments: [category.code]) }
        if let since = filter.since {
            request = request.filter(sql: "recorded >= ?", arguments: [LocalTime.startOfDay(since)])
        }
        // (With a search, the few rows found are sorted; the table is read in its own order.)
        let ordered = request.order(sql: "\(plain)recorded DESC, id")
        return try read { db in try Row.fetchAll(db, ordered).map(DisputeSummary.init) }
    }

    /// The filters cases and risk items share: voided or not, a scope (a code prefix), folded text.
    private static func common(
        _ table: Table<Row>, scopeColumn: String, scope: AreaCode?, _ search: String?, _ includeVoided: Bool
    ) -> QueryInterfaceRequest<Row> {
        var request = table.all()
        if !includeVoided { request = request.filter(sql: (search?.isEmpty == false ? "+" : "") + "isVoided = 0") }
        if let scope {
            request = request.filter(
                sql: "\(scopeColumn) >= ? AND \(scopeColumn) < ?",
                arguments: [scope.description, scope.description + "~"])
        }
        if let search, !search.isEmpty {
            request = request.filter(sql: "instr(search, ?) > 0", arguments: [SearchText.normalize(search)])
        }
        return request
    }

    /// Cases, voided or not, whose parties are the same people as `parties`, newest first: by their
    /// names (order, spaces and width ignored), or where a name is spelled otherwise, by the ID number
    /// written with it (an ID number is one person's; a phone may be a family's, and is not taken).
    public func disputes(withParties parties: [Party]) throws -> [DisputeSummary] {
        var found = try disputes(withParties: parties.map(\.name))
        let numbers = parties.compactMap(\.idNumber)
        guard !numbers.isEmpty else { return found }
        let sharing = try read { db in
            try numbers.flatMap { number in
                try String.fetchAll(
                    db, sql: "SELECT id FROM dispute WHERE instr(numbers, ?) > 0", arguments: ["id:" + number])
            }
        }
        for id in Set(sharing.compactMap(RecordID.init)) where !found.contains(where: { $0.id == id }) {
            guard let held = try dispute(id), Self.samePeople(parties, held.parties),
                let row = try read({ db in
                    try Row.fetchOne(db, sql: "SELECT * FROM dispute WHERE id = ?", arguments: [id.description])
                })
            else { continue }
            found.append(DisputeSummary(row))
        }
        return found.sorted { ($0.recorded, $1.id) > ($1.recorded, $0.id) }
    }

    /// Whether two lists of parties are the same people: as many, each matched to its own by the folded
    /// name or by the ID number.
    static func samePeople(_ some: [Party], _ others: [Party]) -> Bool {
        guard some.count == others.count else { return false }
        var left = others
        for party in some {
            let name = PartyName.normalize(party.name)
            guard
                let index = left.firstIndex(where: {
                    PartyName.normalize($0.name) == name || (party.idNumber != nil && $0.idNumber == party.idNumber)
                })
            else { return false }
            left.remove(at: index)
        }
        return true
    }

    /// Cases, voided or not, whose parties are the same people as `names` (order, spaces and width
    /// ignored), newest first.
    public func disputes(withParties names: [String]) throws -> [DisputeSummary] {
        let key = Self.partyKey(names)
        guard !key.isEmpty else { return [] }
        return try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM dispute WHERE partyKey = ? ORDER BY recorded DESC, id", arguments: [key]
            ).map(DisputeSummary.init)
        }
    }

    /// The parties of `rows` as a ledger writes them (`Party.written`: a name, then its ID and phone numbers),
    /// for the cases that hold numbers; of the others the names are all there is.
    public func writtenParties(of rows: [DisputeSummary]) throws -> [RecordID: [String]] {
        let withNumbers = try read { db in
            Set(try String.fetchAll(db, sql: "SELECT id FROM dispute WHERE numbers != ''"))
        }
        var written: [RecordID: [String]] = [:]
        for row in rows where row.merged > 0 || withNumbers.contains(row.id.description) {
            guard let dispute = try dispute(row.id) else { continue }
            // A case others were merged into: a number its own record lacks may be in theirs (the town wrote
            // down the ID number the village did not), for the same name.
            let members = try read { db in
                try String.fetchAll(
                    db, sql: "SELECT id FROM dispute WHERE duplicateOf = ?", arguments: [row.id.description])
            }
            let known =
                try dispute.parties + members.compactMap(RecordID.init).flatMap { try self.dispute($0)?.parties ?? [] }
            written[row.id] = row.parties.map { name in
                let folded = PartyName.normalize(name)
                let same = known.filter { PartyName.normalize($0.name) == folded }
                let idNumber = same.lazy.compactMap(\.idNumber).first
                let phone = same.lazy.compactMap(\.phone).first
                return (try? Party(name: name, idNumber: idNumber, phone: phone))?.written ?? name
            }
        }
        return written
    }

    /// Risk items matching `filter`, by deadline.
    public func riskItems(_ filter: RiskFilter = RiskFilter()) throws -> [RiskSummary] {
        try refuseMerged(filter.scope)
        var request = Self.common(
            Table("risk"), scopeColumn: "scope", scope: filter.scope, filter.search, filter.includeVoided)
        if let status = filter.status { request = request.filter(sql: "status = ?", arguments: [status.code]) }
        if let overdueOn = filter.overdueOn {
            request = request.filter(sql: "status = 'listed' AND deadline < ?", arguments: [overdueOn.description])
        }
        let ordered = request.order(sql: "deadline, id")
        return try read { db in try Row.fetchAll(db, ordered).map(RiskSummary.init) }
    }

    /// One length for the ids of a listing, long enough to tell each of them apart from every other
    /// record of its kind (at least 6).
    public func abbreviationLength(of ids: [RecordID], kind: EntityKind) throws -> Int {
        let table = kind == .dispute ? "dispute" : "risk"
        return try read { db in
            if ids.count > 2_000 {
                // A long listing: one pass over every id costs less than two look-ups per row.
                let cursor = try String.fetchCursor(db, sql: "SELECT id FROM \(table) ORDER BY id")
                var previous: [UInt8] = []
                var longest = 0
                while let id = try cursor.next() {
                    let bytes = Array(id.utf8)
                    longest = max(longest, zip(previous, bytes).prefix { $0 == $1 }.count)
                    previous = bytes
                }
                return max(6, longest + 1)
            }
            var longest = 0
            for id in ids {
                longest = max(longest, try Self.sharedPrefix(of: id, table: table, in: db))
            }
            return max(6, longest + 1)
        }
    }

    /// The longest prefix `id` shares with another record of its table.
    static func sharedPrefix(of id: RecordID, table: String, in db: Database) throws -> Int {
        let text = id.description
        let before = try String.fetchOne(
            db.cachedStatement(sql: "SELECT max(id) FROM \(table) WHERE id < ?"), arguments: [text])
        let after = try String.fetchOne(
            db.cachedStatement(sql: "SELECT min(id) FROM \(table) WHERE id > ?"), arguments: [text])
        return [before, after].compactMap { $0 }.map { zip($0, text).prefix { $0 == $1 }.count }.max() ?? 0
    }

    /// Counts for `field status`.
    public func status(on today: CalendarDate) throws -> StoreStatus {
        try read { db in
            let byStatus = try Row.fetchAll(
                db, sql: "SELECT status, count(*) AS n FROM dispute WHERE isVoided = 0 AND counted = 1 GROUP BY status")
            var disputes: [DisputeStatus: Int] = [:]
            for row in byStatus {
                if let status = DisputeStatus(rawValue: row["status"]) { disputes[status] = row["n"] }
            }
            let identity = try Self.identity(db)
            let count = { (sql: String, arguments: StatementArguments) in
                try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
            }
            return StoreStatus(
                identity: identity,
                disputes: disputes,
                voidedDisputes: try count("SELECT count(*) FROM dispute WHERE isVoided = 1", []),
                openRiskItems: try count("SELECT count(*) FROM risk WHERE isVoided = 0 AND status = 'listed'", []),
                overdueRiskItems: try count(
                    "SELECT count(*) FROM risk WHERE isVoided = 0 AND status = 'listed' AND deadline < ?",
                    [today.description]),
                struckOffRiskItems: try count(
                    "SELECT count(*) FROM risk WHERE isVoided = 0 AND status = 'struck-off'", []),
                pendingChanges: try count("SELECT pendingChanges FROM replica WHERE id = 1", []),
                lastSyncAt: try Int64.fetchOne(db, sql: "SELECT lastSyncAt FROM replica WHERE id = 1"),
                center: try Self.enrollment(db)?.url,
                isTakingSnapshot: try count(
                    "SELECT snapshotAfter IS NOT NULL FROM replica WHERE id = 1", []) == 1)
        }
    }
}

/// What `field dispute list` filters by.
public struct DisputeFilter: Sendable {
    public var status: DisputeStatus?
    public var category: DisputeCategory?
    /// A village, or a town or district covering several.
    public var scope: AreaCode?
    /// Recorded on or after this day.
    public var since: CalendarDate?
    /// Text in the summary, the parties' names, ID and phone numbers, the mediator, the agreement, or the id.
    public var search: String?
    public var includeVoided = false
    /// Also list the cases merged into others (by default only the case they count under shows, combined).
    public var includeMerged = false

    public init(
        status: DisputeStatus? = nil, category: DisputeCategory? = nil, scope: AreaCode? = nil,
        since: CalendarDate? = nil,
        search: String? = nil, includeVoided: Bool = false, includeMerged: Bool = false
    ) {
        self.status = status
        self.category = category
        self.scope = scope
        self.since = since
        self.search = search
        self.includeVoided = includeVoided
        self.includeMerged = includeMerged
    }
}

/// What `field risk list` filters by.
public struct RiskFilter: Sendable {
    public var status: RiskStatus?
    /// Only items still listed whose deadline is before this day.
    public var overdueOn: CalendarDate?
    public var scope: AreaCode?
    public var search: String?
    public var includeVoided = false

    public init(
        status: RiskStatus? = nil, overdueOn: CalendarDate? = nil, scope: AreaCode? = nil, search: String? = nil,
        includeVoided: Bool = false
    ) {
        self.status = status
        self.overdueOn = overdueOn
        self.scope = scope
        self.search = search
        self.includeVoided = includeVoided
    }
}

/// Counts of a replica's records and changes.
public struct StoreStatus: Sendable {
    public var identity: ReplicaStore.Identity
    public var disputes: [DisputeStatus: Int]
    public var voidedDisputes: Int
    public var openRiskItems: Int
    public var overdueRiskItems: Int
    public var struckOffRiskItems: Int
    /// Changes made on this device that the center has not acknowledged.
    public var pendingChanges: Int
    /// When the last sync finished, by this device's clock.
    public var lastSyncAt: Int64?
    /// The center this replica is enrolled with.
    public var center: String?
    /// Whether the first pull's snapshot stopped part-way (the next sync goes on with it).
    public var isTakingSnapshot = false
}

/// A record that an id or prefix does not name.
public enum LookupError: Error, Sendable, CustomStringConvertible, LocalizedMessage {
    case malformed(prefix: String, kind: EntityKind)
    case notFound(prefix: String, kind: EntityKind)
    case ambiguous(prefix: String, kind: EntityKind, candidates: [String])

    public var description: String { message(in: .en) }

    public func message(in language: Language) -> String {
        switch self {
        case .malformed(let prefix, let kind):
            language.pick(
                "“\(prefix)”不是\(kind.chineseNoun)的 id：id 最多 26 个字符，由 0-9 和 a-z 组成（没有 i、l、o、u）",
                "'\(prefix)' is not a \(kind.noun) id: ids are up to 26 characters of 0-9 and a-z (without i, l, o, u)")
        case .notFound(let prefix, let kind):
            language.pick(
                "没有 id 以“\(prefix)”开头的\(kind.chineseNoun)", "no \(kind.noun) has an id starting with '\(prefix)'")
        case .ambiguous(let prefix, let kind, let candidates):
            language.pick(
                "有好几条\(kind.chineseNoun)的 id 以“\(prefix)”开头，请多输几位："
                    + candidates.prefix(10).joined(separator: "，") + (candidates.count > 10 ? "……" : ""),
                "'\(prefix)' starts the ids of several \(kind.noun)s; type more of it: "
                    + candidates.prefix(10).joined(separator: ", ") + (candidates.count > 10 ? ", ..." : ""))
        }
    }
}
