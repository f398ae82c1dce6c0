import Foundation
import GRDB
import Shared

/// What a report is asked for: a period, a scope, a breakdown, and optionally the log as it stood at
/// an earlier sequence number.
public struct ReportRequest: Sendable, Hashable {
    public enum Dimension: String, Sendable, CaseIterable {
        case town, village, category, method, worker
    }

    public var period: ReportPeriod
    /// A town or village (all the replica holds when nil).
    public var scope: AreaCode?
    public var dimension: Dimension?
    /// Reproduce the report over the log as it stood at this sequence number.
    public var asOf: Int64?
    /// The day overdue risk items are judged on (a deadline before it, not struck off): the period's last
    /// day, or today if earlier.
    public var today: CalendarDate

    public init(
        period: ReportPeriod, scope: AreaCode? = nil, dimension: Dimension? = nil, asOf: Int64? = nil,
        today: CalendarDate
    ) {
        self.period = period
        self.scope = scope
        self.dimension = dimension
        self.asOf = asOf
        self.today = today
    }
}

/// The district's figures for a period and scope, from the merged and deduplicated state: each case
/// recorded twice counts once, voided records not at all.
///
/// Cases count in the period in which they were screened (recorded); their status is the one they
/// have in the log the report was computed from, so a case screened in March and resolved in April
/// counts as resolved in March's report once the resolution has arrived.
public struct Report: Sendable, Encodable, Equatable {
    public struct Source: Sendable, Encodable, Equatable {
        /// The log's last sequence number the report reflects.
        public var sequence: Int64
        /// When it was computed (milliseconds since 1970), and whether it reproduces an earlier state.
        public var computedAt: Int64
        public var asOf: Bool
    }

    /// Case figures for a cohort of cases (all in scope, or one row of a breakdown).
    public struct Cases: Sendable, Encodable, Equatable {
        public var key: String
        public var label: String
        public var screened = 0
        public var resolved = 0
        public var unresolved = 0
        public var escalated = 0
        public var mediating = 0
        /// Screened and not yet taken up.
        public var waiting = 0
        public var foundByScreening = 0
        public var walkIns = 0
        public var referrals = 0

        public init(key: String, label: String) {
            self.key = key
            self.label = label
        }

        /// Adds another cohort's figures to these.
        public mutating func add(_ other: Cases) {
            screened += other.screened
            resolved += other.resolved
            unresolved += other.unresolved
            escalated += other.escalated
            mediating += other.mediating
            waiting += other.waiting
            foundByScreening += other.foundByScreening
            walkIns += other.walkIns
            referrals += other.referrals
        }

        /// resolved / screened, in percent with two decimals cut off, as the district reports it
        /// (2917 / 2957 = 98.647… is 98.64 %); nil for no case.
        public var successRate: Double? {
            screened == 0 ? nil : Double(resolved * 10_000 / screened) / 100
        }

        private enum CodingKeys: String, CodingKey {
            case key, label, screened, resolved, unresolved, escalated, mediating, waiting, foundByScreening, walkIns,
                referrals, successRate
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(key, forKey: .key)
            try container.encode(label, forKey: .label)
            try container.encode(screened, forKey: .screened)
            try container.encode(resolved, forKey: .resolved)
            try container.encode(unresolved, forKey: .unresolved)
            try container.encode(escalated, forKey: .escalated)
            try container.encode(mediating, forKey: .mediating)
            try container.encode(waiting, forKey: .waiting)
            try container.encode(foundByScreening, forKey: .foundByScreening)
            try container.encode(walkIns, forKey: .walkIns)
            try container.encode(referrals, forKey: .referrals)
            try container.encode(successRate, forKey: .successRate)
        }
    }

    public struct Activity: Sendable, Encodable, Equatable {
        /// Agreements reached in the period (by their date), whenever the case was screened.
        public var agreementsReached = 0
        /// Follow-up visits made in the period, and in how many the agreement was being kept.
        public var visits = 0
        public var visitsKept = 0
        /// Records of cases screened in the period that were merged into another as duplicates.
        public var duplicatesMerged = 0
        /// Voided cases screened in the period (not counted).
        public var voided = 0
    }

    public struct RiskArea: Sendable, Encodable, Equatable {
        public var area: String
        public var listed = 0
        public var struckOff = 0
        public var overdue = 0
    }

    public struct OverdueItem: Sendable, Encodable, Equatable {
        public var id: String
        public var scope: String
        public var area: String
        public var title: String
        public var ownerPerson: String?
        public var ownerUnit: String?
        public var deadline: String
    }

    public struct Risks: Sendable, Encodable, Equatable {
        /// Listed in the period, of which struck off (at any time since) and overdue.
        public var listed = 0
        public var struckOff = 0
        /// Listed at any time, not struck off, deadline passed by the period's end.
        public var overdue = 0
        public var areas: [RiskArea] = []
        /// The same by town (`area` holds the town's name).
        public var towns: [RiskArea] = []
        public var overdueItems: [OverdueItem] = []
    }

    public struct Village: Sendable, Encodable, Equatable {
        public var code: String
        public var name: String
        /// When the village's data last arrived (milliseconds since 1970, the replica's clock), if ever.
        public var lastReceived: Int64?
        /// Whether it screened a case, listed a risk item or made a visit in the period.
        public var reported: Bool
    }

    public struct LateField: Sendable, Encodable, Equatable {
        public var field: String
        public var changes: Int
    }

    public struct Completeness: Sendable, Encodable, Equatable {
        public var villages: [Village] = []
        /// Changes made in the period that arrived after it ended (by day, local time), and what they
        /// changed.
        public var lateChanges = 0
        public var lateFields: [LateField] = []
    }

    public struct Month: Sendable, Encodable, Equatable {
        public var month: String
        public var screened: Int
        public var resolved: Int
    }

    public var period: String
    public var first: String
    public var last: String
    public var scope: String?
    public var scopeName: String?
    public var source: Source
    public var total: Cases
    public var activity: Activity
    public var dimension: String?
    public var breakdown: [Cases]
    /// For the charts: cases by town and by month, whatever the breakdown.
    public var towns: [Cases]
    public var months: [Month]
    public var risks: Risks
    public var completeness: Completeness
}

extension ReplicaStore {
    /// Computes a report. With `asOf`, the log up to that sequence number is merged afresh into a
    /// temporary replica and the report computed there, by the same code: it reproduces the report
    /// the replica gave when it held exactly those changes.
    /// - Throws: `InputError` for a sequence number the log does not have.
    public func report(_ request: ReportRequest) throws -> Report {
        try refuseMerged(request.scope)
        guard let asOf = request.asOf else {
            return try read { db in try Self.report(request, source: nil, in: db) }
        }
        let head = try cursor()
        guard asOf >= 0, asOf <= head else {
            throw InputError(
                "--as-of \(asOf) is not in the log: its sequence numbers run from 0 to \(head)",
                chinese: "--as-of \(asOf) 不在变更记录里：序号范围是 0 到 \(head)")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let past = try ReplicaStore.create(
            database: folder.appendingPathComponent("as-of.sqlite"), scope: try identity().scope, worker: "report")
        try read { db in
            try past.write { target in
                for table in ["area"] {
                    let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table)")
                    for row in rows {
                        let columns = row.columnNames.joined(separator: ", ")
                        let marks = Array(repeating: "?", count: row.count).joined(separator: ", ")
                        try target.execute(
                            sql: "INSERT INTO \(table) (\(columns)) VALUES (\(marks))",
                            arguments: StatementArguments(row.databaseValues))
                    }
                }
            }
        }
        // The log up to `asOf`, copied with its sequence numbers and arrival times (an arrival cut by
        // `asOf` keeps its time for the changes before the cut).
        var copied: Int64 = 0
        while copied < asOf {
            let segments = try segments(after: copied, through: asOf, limit: 20_000)
            guard let last = segments.last?.through else { break }
            try past.append(segments, after: copied)
            copied = last
        }
        let source = Report.Source(sequence: asOf, computedAt: wallClock.milliseconds(), asOf: true)
        return try past.read { db in try Self.report(request, source: source, in: db) }
    }

    static func report(_ request: ReportRequest, source: Report.Source?, in db: Database) throws -> Report {
        let period = request.period
        let start = LocalTime.startOfDay(period.first)
        let end = LocalTime.startOfDay(period.last.adding(days: 1))
        let sequence = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM change") ?? 0
        let names = Dictionary(
            try Row.fetchAll(db, sql: "SELECT code, name FROM area").map {
                ($0["code"] as String, $0["name"] as String)
            },
            uniquingKeysWith: { first, _ in first })
        let name = { (code: String) in names[shortCode(code)] }
        let (scopeCondition, scopeArguments) = scopeFilter(request.scope, column: "village")
        let period12 = [start, end] as [any DatabaseValueConvertible]

        /// How many cases recorded in the period and scope meet `condition` (on `counted` and `isVoided`, the
        /// covering index's first columns).
        func count(_ condition: String) throws -> Int {
            try Int.fetchOne(
                db,
                sql: "SELECT count(*) FROM dispute WHERE \(condition) AND recorded >= ? AND recorded < ?"
                    + scopeCondition, arguments: StatementArguments(period12 + scopeArguments)) ?? 0
        }

        /// Case figures grouped by `key` (a constant: one row, without sorting), over `source` (the table, or
        /// the table with an index to use). Counted, never summed: a case may lack any optional field (a
        /// push that stopped between two batches), and a sum over no value is NULL.
        func cohort(
            _ key: String, from source: String = "dispute", within condition: String = scopeCondition,
            _ arguments: [any DatabaseValueConvertible] = scopeArguments
        ) throws -> [Report.Cases] {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(key) AS key, count(*) AS screened,
                        count(*) FILTER (WHERE status = 'resolved') AS resolved,
                        count(*) FILTER (WHERE status = 'unresolved') AS unresolved,
                        count(*) FILTER (WHERE status = 'escalated') AS escalated,
                        count(*) FILTER (WHERE status = 'mediating') AS mediating,
                        count(*) FILTER (WHERE status = 'screened') AS waiting,
                        count(*) FILTER (WHERE foundBy = 'screening') AS screening,
                        count(*) FILTER (WHERE foundBy = 'visit') AS walkIns,
                        count(*) FILTER (WHERE foundBy = 'referral') AS referrals
                    FROM \(source)
                    WHERE counted = 1 AND isVoided = 0 AND recorded >= ? AND recorded < ?\(condition)
                    \(key.hasPrefix("'") ? "" : "GROUP BY 1 ORDER BY 1")
                    """, arguments: StatementArguments(period12 + arguments)
            ).compactMap { row in
                guard (row["screened"] as Int) > 0 else { return nil }
                let key = (row["key"] as String?) ?? ""
                var cases = Report.Cases(key: key, label: key)
                cases.screened = row["screened"]
                cases.resolved = row["resolved"]
                cases.unresolved = row["unresolved"]
                cases.escalated = row["escalated"]
                cases.mediating = row["mediating"]
                cases.waiting = row["waiting"]
                cases.foundByScreening = row["screening"]
                cases.walkIns = row["walkIns"]
                cases.referrals = row["referrals"]
                return cases
            }
        }

        // No scope: everything the replica holds, named after its own jurisdiction.
        let scope = try request.scope ?? identity(db).scope

        // Rows named, in the order a reader looks for them: places by code (the district's own order),
        // categories and methods as the district's forms list them, workers by pinyin; the rows without
        // a value (no method yet, no recorder) last.
        let labelled = { (dimension: ReportRequest.Dimension, rows: [Report.Cases]) -> [Report.Cases] in
            let named = rows.map { row -> Report.Cases in
                var row = row
                switch dimension {
                case .town, .village: row.label = name(row.key) ?? shortCode(row.key)
                case .category: row.label = DisputeCategory(rawValue: row.key)?.label ?? row.key
                case .method: row.label = MediationMethod(rawValue: row.key)?.label ?? "未调解"
                case .worker: row.label = row.key.isEmpty ? "—" : row.key
                }
                return row
            }
            switch dimension {
            case .town, .village: return named
            case .category: return named.sorted { DisputeCategory.rank(of: $0.key) < DisputeCategory.rank(of: $1.key) }
            case .method: return named.sorted { MediationMethod.rank(of: $0.key) < MediationMethod.rank(of: $1.key) }
            case .worker:
                return named.sorted { first, second in
                    if first.key.isEmpty || second.key.isEmpty { return !first.key.isEmpty && second.key.isEmpty }
                    return ChineseOrder.precedes(first.key, second.key)
                }
            }
        }
        let expression = { (dimension: ReportRequest.Dimension) in
            switch dimension {
            case .town: "substr(village, 1, 9)"
            case .village: "village"
            case .category: "coalesce(category, '')"
            case .method: "coalesce(method, '')"
            case .worker: "coalesce(recorder, '')"
            }
        }
        // By town: one range of the village-ordered index per town, so that no sort is needed.
        let scopeLow = request.scope?.description ?? ""
        let scopeHigh = scopeLow + "~"
        var townCodes = try String.fetchAll(
            db, sql: "SELECT code FROM area WHERE level = 'town' AND successor IS NULL ORDER BY code")
        if townCodes.isEmpty {
            townCodes = try String.fetchAll(
                db, sql: "SELECT DISTINCT substr(village, 1, 9) FROM dispute INDEXED BY dispute_place ORDER BY 1")
        }
        var towns: [Report.Cases] = []
        for town in townCodes {
            let low = max(town, scopeLow)
            let high = min(town + "~", scopeHigh)
            guard low < high else { continue }
            towns += try cohort(
                "'\(town)'", from: "dispute INDEXED BY dispute_place", within: " AND village >= ? AND village < ?",
                [low, high])
        }
        towns = labelled(.town, towns)
        // The total is the towns' sum when they hold every case (a count says so); else counted apart.
        var total = Report.Cases(key: scope?.description ?? "all", label: "")
        total.label = scope.flatMap { name($0.description) } ?? total.key
        if try count("counted = 1 AND isVoided = 0") == towns.reduce(0, { $0 + $1.screened }) {
            towns.forEach { total.add($0) }
        } else if let all = try cohort("''").first {
            total.add(all)
        }
        let breakdown =
            try request.dimension.map { $0 == .town ? towns : labelled($0, try cohort(expression($0))) } ?? []

        var activity = Report.Activity()
        activity.agreementsReached =
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM dispute WHERE counted = 1 AND isVoided = 0 AND status = 'resolved'
                    AND agreementDate >= ? AND agreementDate <= ?\(scopeCondition)
                    """,
                arguments: StatementArguments(
                    [period.first.description, period.last.description] + scopeArguments)) ?? 0
        if let row = try Row.fetchOne(
            db,
            sql: """
                SELECT count(*) AS visits, coalesce(sum(kept), 0) AS kept FROM visit
                WHERE date >= ? AND date <= ? AND voided = 0\(scopeCondition)
                """,
            arguments: StatementArguments([period.first.description, period.last.description] + scopeArguments))
        {
            activity.visits = row["visits"]
            activity.visitsKept = row["kept"]
        }
        // Each with equalities on the covering index's first columns.
        activity.duplicatesMerged = try count("counted = 0 AND isVoided = 0")
        activity.voided = try count("counted IN (0, 1) AND isVoided = 1")

        // Month by month, each a range of the covering index.
        var months: [Report.Month] = []
        for label in period.months {
            let parts = label.split(separator: "-").compactMap { Int($0) }
            let first = max(try CalendarDate(year: parts[0], month: parts[1], day: 1), period.first)
            let next =
                parts[1] == 12
                ? try CalendarDate(year: parts[0] + 1, month: 1, day: 1)
                : try CalendarDate(year: parts[0], month: parts[1] + 1, day: 1)
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT count(*) AS screened, coalesce(sum(status = 'resolved'), 0) AS resolved FROM dispute
                    WHERE counted = 1 AND isVoided = 0 AND recorded >= ? AND recorded < ?\(scopeCondition)
                    """,
                arguments: StatementArguments(
                    [LocalTime.startOfDay(first), min(LocalTime.startOfDay(next), end)] + scopeArguments))
            months.append(Report.Month(month: label, screened: row?["screened"] ?? 0, resolved: row?["resolved"] ?? 0))
        }

        return Report(
            period: period.label, first: period.first.description, last: period.last.description,
            scope: scope?.description, scopeName: scope.flatMap { name($0.description) },
            source: source
                ?? Report.Source(sequence: sequence, computedAt: SystemWallClock().milliseconds(), asOf: false),
            total: total, activity: activity, dimension: request.dimension?.rawValue, breakdown: breakdown,
            towns: towns,
            months: months,
            risks: try risks(request, start: start, end: end, names: name, in: db),
            completeness: try completeness(request, start: start, end: end, names: name, in: db))
    }

    private static func risks(
        _ request: ReportRequest, start: Int64, end: Int64, names: (String) -> String?, in db: Database
    ) throws -> Report.Risks {
        let (scopeCondition, scopeArguments) = scopeFilter(request.scope, column: "scope")
        // Overdue as of the period's end, or today if the period has not ended.
        let judged = min(request.period.last.adding(days: 1), request.today).description
        var risks = Report.Risks()
        var areas: [String: Report.RiskArea] = [:]
        var towns: [String: Report.RiskArea] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT area, substr(scope, 1, 9) AS town, count(*) AS listed, sum(status = 'struck-off') AS struckOff
                FROM risk WHERE isVoided = 0 AND recorded >= ? AND recorded < ?\(scopeCondition) GROUP BY 1, 2
                """, arguments: StatementArguments([start, end] + scopeArguments))
        {
            let area: String = row["area"]
            let town = shortCode(row["town"])
            let listed: Int = row["listed"]
            let struckOff: Int = row["struckOff"]
            areas[area, default: Report.RiskArea(area: area)].listed += listed
            areas[area, default: Report.RiskArea(area: area)].struckOff += struckOff
            towns[town, default: Report.RiskArea(area: names(town) ?? town)].listed += listed
            towns[town, default: Report.RiskArea(area: names(town) ?? town)].struckOff += struckOff
            risks.listed += listed
            risks.struckOff += struckOff
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT id, scope, area, title, ownerPerson, ownerUnit, deadline FROM risk
                WHERE isVoided = 0 AND status = 'listed' AND deadline < ? AND recorded < ?\(scopeCondition)
                ORDER BY deadline, id
                """, arguments: StatementArguments([judged, end] + scopeArguments))
        {
            let area: String = row["area"]
            let town = shortCode(String((row["scope"] as String).prefix(9)))
            areas[area, default: Report.RiskArea(area: area)].overdue += 1
            towns[town, default: Report.RiskArea(area: names(town) ?? town)].overdue += 1
            risks.overdue += 1
            risks.overdueItems.append(
                Report.OverdueItem(
                    id: row["id"], scope: shortCode(row["scope"]), area: area, title: row["title"],
                    ownerPerson: row["ownerPerson"], ownerUnit: row["ownerUnit"], deadline: row["deadline"]))
        }
        risks.areas = areas.values.sorted { ChineseOrder.precedes($0.area, $1.area) }
        risks.towns = towns.sorted { $0.key < $1.key }.map(\.value)
        return risks
    }

    private static func completeness(
        _ request: ReportRequest, start: Int64, end: Int64, names: (String) -> String?, in db: Database
    ) throws -> Report.Completeness {
        var completeness = Report.Completeness()
        let prefix = request.scope?.description ?? ""
        // The villages: the center's areas in scope, else this replica's own village.
        var villages = try String.fetchAll(
            db,
            sql: """
                SELECT code FROM area WHERE level = 'village' AND successor IS NULL AND code >= ? AND code < ?
                ORDER BY code
                """,
            arguments: [prefix, prefix + "~"])
        if villages.isEmpty, let own = try identity(db).scope, own.level == .village {
            villages = [own.description]
        }
        // Whether each village recorded anything in the period: an index look-up each.
        let recordedCase = try db.cachedStatement(
            sql: "SELECT EXISTS (SELECT 1 FROM dispute WHERE village = ? AND recorded >= ? AND recorded < ?)")
        let madeVisit = try db.cachedStatement(
            sql: "SELECT EXISTS (SELECT 1 FROM visit WHERE village = ? AND date >= ? AND date <= ?)")
        let listedRisks = Set(
            try String.fetchAll(
                db, sql: "SELECT scope FROM risk WHERE recorded >= ? AND recorded < ?", arguments: [start, end]
            )
            .map(shortCode))
        var reported: Set<String> = []
        for village in villages {
            let full = (try? AreaCode(parsing: village))?.fullCode ?? village
            let screened = try Bool.fetchOne(recordedCase, arguments: [full, start, end]) ?? false
            let visited =
                try Bool.fetchOne(
                    madeVisit, arguments: [full, request.period.first.description, request.period.last.description])
                ?? false
            if listedRisks.contains(village) || screened || visited {
                reported.insert(village)
            }
        }
        // When each village's data last arrived: from the log, so that `--as-of` gives it too.
        let arrivedAt = try db.cachedStatement(sql: "SELECT at FROM arrival WHERE seq >= ? ORDER BY seq LIMIT 1")
        let lastReceived = try Row.fetchAll(db, sql: "SELECT scope, seq FROM received").reduce(into: [String: Int64]())
        {
            received, row in
            received[shortCode(row["scope"])] = try Int64.fetchOne(arrivedAt, arguments: [row["seq"] as Int64])
        }
        completeness.villages = villages.map { code in
            Report.Village(
                code: code, name: names(code) ?? code, lastReceived: lastReceived[code],
                reported: reported.contains(code))
        }
        // Late: changes made in the period (by their stamp) that arrived after its last day.
        let (scopeCondition, scopeArguments) = scopeFilter(request.scope, column: "scope")
        let period = [
            request.period.first.description, request.period.last.description, request.period.last.description,
        ]
        // One index range per field, no sort (the table is ordered by field, then day).
        completeness.lateFields = try Row.fetchAll(
            db,
            sql: """
                SELECT field, sum(changes) AS changes FROM arrived
                WHERE day >= ? AND day <= ? AND arrivedOn > ?\(scopeCondition) GROUP BY field ORDER BY field
                """, arguments: StatementArguments(period + scopeArguments)
        ).map { Report.LateField(field: $0["field"], changes: $0["changes"]) }
        completeness.lateChanges = completeness.lateFields.reduce(0) { $0 + $1.changes }
        return completeness
    }
}

/// A condition (and its arguments) keeping rows whose `column` lies within `scope`, a code prefix; none
/// for no scope.
func scopeFilter(_ scope: AreaCode?, column: String) -> (String, [any DatabaseValueConvertible]) {
    guard let scope else { return ("", []) }
    return (" AND \(column) >= ? AND \(column) < ?", [scope.description, scope.description + "~"])
}

/// A division code as the area table writes it: `620502101` for the padded `620502101000`.
func shortCode(_ code: String) -> String {
    guard code.count == 12 else { return code }
    if code.hasSuffix("000000") { return String(code.prefix(6)) }
    if code.hasSuffix("000") { return String(code.prefix(9)) }
    return code
}
