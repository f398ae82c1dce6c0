import ArgumentParser
import Shared
import Storage

/// The filters and formats of `dispute list` (field) and `case list` (center): one contract, one parser.
public struct DisputeListOptions: ParsableArguments {
    @Option(help: "screened, mediating, resolved, unresolved, escalated, or the Chinese label.")
    var status: String?
    @Option(help: "A category code or Chinese label.")
    var category: String?
    @Option(help: "A village, or a town or district covering several.")
    var village: String?
    @Option(help: "Recorded on or after YYYY-MM-DD.")
    var since: String?
    @Option(help: "Text in the summary, parties, mediator, agreement or id.")
    var search: String?
    @Flag(name: .customLong("include-voided"), help: "Also list voided cases.")
    var includeVoided = false

    @Flag(
        name: .customLong("include-merged"),
        help: "Also list cases merged into others (by default the case they were merged into shows them combined).")
    var includeMerged = false
    @Flag(help: "Print JSON.")
    var json = false
    @Flag(help: "Print CSV for spreadsheets.")
    var csv = false

    public init() {}

    public func format() throws -> RecordOutput.Format {
        try RecordOutput.Format(json: json, csv: csv)
    }

    public func filter() throws -> DisputeFilter {
        DisputeFilter(
            status: try status.map { try Parse.coded($0, flag: "--status") },
            category: try category.map { try Parse.coded($0, flag: "--category") },
            scope: try village.map { try Parse.area($0, flag: "--village") },
            since: try since.map { try Parse.date($0, flag: "--since") }, search: search, includeVoided: includeVoided,
            includeMerged: includeMerged)
    }
}

/// The filters and formats of `risk list`, on both command lines.
public struct RiskListOptions: ParsableArguments {
    @Option(help: "listed or struck-off (挂牌 / 已销号).")
    var status: String?
    @Flag(help: "Only items past their deadline and not struck off.")
    var overdue = false
    @Option(help: "A village, town or district.")
    var scope: String?
    @Option(help: "Text in the area, title, plan, owner or id.")
    var search: String?
    @Flag(name: .customLong("include-voided"), help: "Also list voided items.")
    var includeVoided = false
    @Flag(help: "Print JSON.")
    var json = false
    @Flag(help: "Print CSV for spreadsheets.")
    var csv = false

    public init() {}

    public func format() throws -> RecordOutput.Format {
        try RecordOutput.Format(json: json, csv: csv)
    }

    public func filter(today: CalendarDate) throws -> RiskFilter {
        RiskFilter(
            status: try status.map { try Parse.coded($0, flag: "--status") }, overdueOn: overdue ? today : nil,
            scope: try scope.map { try Parse.area($0, flag: "--scope") }, search: search, includeVoided: includeVoided)
    }
}
