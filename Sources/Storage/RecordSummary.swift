import GRDB
import Shared

/// A case as `field dispute list` shows it: the derived row, without history.
public struct DisputeSummary: Sendable, Equatable {
    public var id: RecordID
    public var village: AreaCode
    public var category: DisputeCategory?
    public var status: DisputeStatus
    public var level: RiskLevel?
    public var foundBy: Discovery?
    public var incidentDate: CalendarDate?
    public var summary: String
    /// Personal data.
    public var parties: [String]
    public var method: MediationMethod?
    public var mediator: String?
    public var agreement: String?
    public var recorder: String?
    /// Milliseconds since 1970 of the first change.
    public var recorded: Int64
    public var modified: Int64
    public var visits: Int
    public var isVoided: Bool
    /// The case this one was merged into, if any.
    public var duplicateOf: RecordID?
    /// False when it was merged into a case this replica holds: that case counts for it.
    public var isCounted: Bool
    /// How many cases were merged into this one (the row then shows them combined).
    public var merged: Int

    init(_ row: Row) {
        id = RecordID(row["id"] as String)!
        village = try! AreaCode(parsing: row["village"])
        category = (row["category"] as String?).flatMap(DisputeCategory.init(rawValue:))
        status = DisputeStatus(rawValue: row["status"]) ?? .screened
        level = (row["level"] as String?).flatMap(RiskLevel.init(rawValue:))
        foundBy = (row["foundBy"] as String?).flatMap(Discovery.init(rawValue:))
        incidentDate = (row["incidentDate"] as String?).flatMap { try? CalendarDate(parsing: $0) }
        summary = row["summary"]
        let parties: String = row["parties"]
        self.parties = parties.isEmpty ? [] : parties.components(separatedBy: "、")
        method = (row["method"] as String?).flatMap(MediationMethod.init(rawValue:))
        mediator = row["mediator"]
        agreement = row["agreement"]
        recorder = row["recorder"]
        recorded = row["recorded"]
        modified = row["modified"]
        visits = row["visits"]
        isVoided = row["isVoided"]
        duplicateOf = (row["duplicateOf"] as String?).flatMap(RecordID.init)
        isCounted = row["counted"]
        merged = row["merged"]
    }
}

/// A risk item as `field risk list` shows it.
public struct RiskSummary: Sendable, Equatable {
    public var id: RecordID
    public var scope: AreaCode
    public var area: String
    public var title: String
    public var level: RiskLevel?
    public var plan: String
    public var owner: Owner?
    public var deadline: CalendarDate?
    public var status: RiskStatus
    public var struckOn: CalendarDate?
    public var recorded: Int64
    public var modified: Int64
    public var isVoided: Bool

    init(_ row: Row) {
        id = RecordID(row["id"] as String)!
        scope = try! AreaCode(parsing: row["scope"])
        area = row["area"]
        title = row["title"]
        level = (row["level"] as String?).flatMap(RiskLevel.init(rawValue:))
        plan = row["plan"]
        owner = (row["ownerPerson"] as String?).map { Owner(person: $0, unit: row["ownerUnit"]) }
        deadline = (row["deadline"] as String?).flatMap { try? CalendarDate(parsing: $0) }
        status = RiskStatus(rawValue: row["status"]) ?? .listed
        struckOn = (row["struckOn"] as String?).flatMap { try? CalendarDate(parsing: $0) }
        recorded = row["recorded"]
        modified = row["modified"]
        isVoided = row["isVoided"]
    }

    public func isOverdue(on date: CalendarDate) -> Bool {
        guard status == .listed, !isVoided, let deadline else { return false }
        return deadline < date
    }
}
