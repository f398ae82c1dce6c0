import ArgumentParser
import Shared
import Storage

/// The filters and formats of `dispute list` (field) and `case list` (center): one contract, one parser.
public struct DisputeListOptions: ParsableArguments {
    @Option(
        help: Help.option(
            "状态：\(Help.choices(DisputeStatus.self))，代码或中文名称均可。",
            "\(Help.choices(DisputeStatus.self)), or the Chinese label."))
    var status: String?
    @Option(help: Help.option("类别：代码或中文名称。", "A category code or Chinese label."))
    var category: String?
    @Option(help: Help.option("一个村，或包含多个村的乡镇街道、区县。", "A village, or a town or district covering several."))
    var village: String?
    @Option(help: Help.option("登记日期在这一天（年-月-日）或之后。", "Recorded on or after YYYY-MM-DD."))
    var since: String?
    @Option(
        help: Help.option(
            "在简要情况、当事人（姓名、身份证号、电话）、调解员、协议或 id 中查找的文字。",
            "Text in the summary, parties (names, ID and phone numbers), mediator, agreement or id."))
    var search: String?
    @Flag(name: .customLong("include-voided"), help: Help.option("也列出已作废的纠纷。", "Also list voided cases."))
    var includeVoided = false

    @Flag(
        name: .customLong("include-merged"),
        help: Help.option(
            "也列出已合并到别的纠纷的重复记录（默认只在合并后的那条纠纷里一并显示）。",
            "Also list cases merged into others (by default the case they were merged into shows them combined)."))
    var includeMerged = false
    @Flag(help: Help.json)
    var json = false
    @Flag(help: Help.option("以 CSV 输出，供电子表格使用。", "Print CSV for spreadsheets."))
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
    @Option(help: Help.option("状态：listed 挂牌 或 struck-off 已销号。", "listed or struck-off (挂牌 / 已销号)."))
    var status: String?
    @Flag(help: Help.option("只列出已过整改期限、还没销号的。", "Only items past their deadline and not struck off."))
    var overdue = false
    @Option(help: Help.option("村、乡镇街道或区县的代码。", "A village, town or district."))
    var scope: String?
    @Option(help: Help.option("在领域、名称、预案、责任人或 id 中查找的文字。", "Text in the area, title, plan, owner or id."))
    var search: String?
    @Flag(name: .customLong("include-voided"), help: Help.option("也列出已作废的风险隐患。", "Also list voided items."))
    var includeVoided = false
    @Flag(help: Help.json)
    var json = false
    @Flag(help: Help.option("以 CSV 输出，供电子表格使用。", "Print CSV for spreadsheets."))
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
