import Shared
import Storage

/// Ledgers as CSV for spreadsheet programs: a UTF-8 byte order mark first, so Chinese shows correctly,
/// and headings that `LedgerImport` reads back. Beside each code, the area's name where `places` knows
/// it (an import passes over that column).
public enum RecordCSV {
    /// `written`: the parties with their numbers (`ReplicaStore.writtenParties`) of the cases that have any.
    public static func disputes(
        _ rows: [DisputeSummary], language: Language, places: [AreaCode: String] = [:],
        written: [RecordID: [String]] = [:]
    ) -> String {
        let headings =
            language == .zh
            ? [
                "编号", "村/社区代码", "村/社区", "类别", "状态", "当事人", "简要情况", "来源", "等级", "发生日期", "调解方式", "调解员", "调解协议",
                "登记人", "登记日期",
            ]
            : [
                "id", "village", "village_name", "category", "status", "parties", "summary", "found_by", "level",
                "date", "method", "mediator", "agreement", "recorder", "recorded",
            ]
        var text = CSV.byteOrderMark + CSV.line(headings)
        for row in rows {
            text += CSV.line([
                row.id.description, row.village.description, places[row.village] ?? "",
                row.category.map(language.label) ?? "",
                language.label(row.status),
                (written[row.id] ?? row.parties).joined(separator: "、"), row.summary,
                row.foundBy.map(language.label) ?? "",
                row.level.map(language.label) ?? "", row.incidentDate?.description ?? "",
                row.method.map(language.label) ?? "",
                row.mediator ?? "", row.agreement ?? "", row.recorder ?? "",
                LocalTime.date(at: row.recorded).description,
            ])
        }
        return text
    }

    public static func risks(_ rows: [RiskSummary], language: Language, places: [AreaCode: String] = [:]) -> String {
        let headings =
            language == .zh
            ? ["编号", "区划代码", "区划", "领域", "风险隐患", "等级", "预案", "责任人", "责任单位", "期限", "状态", "销号日期"]
            : [
                "id", "scope", "scope_name", "area", "title", "level", "plan", "owner", "unit", "deadline", "status",
                "closed_on",
            ]
        var text = CSV.byteOrderMark + CSV.line(headings)
        for row in rows {
            text += CSV.line([
                row.id.description, row.scope.description, places[row.scope] ?? "", row.area, row.title,
                row.level.map(language.label) ?? "",
                row.plan, row.owner?.person ?? "", row.owner?.unit ?? "", row.deadline?.description ?? "",
                language.label(row.status), row.struckOn?.description ?? "",
            ])
        }
        return text
    }
}
