import ArgumentParser
import Foundation
import Shared
import Storage

/// The options of `center report` and `field report`: one contract, one parser.
public struct ReportOptions: ParsableArguments {
    @Option(help: Help.option("某一年：YYYY。", "A calendar year: YYYY.")) var year: String?
    @Option(help: Help.option("某一月：YYYY-MM。", "A month: YYYY-MM.")) var month: String?
    @Option(help: Help.option("某一周（ISO 周，周一到周日）：YYYY-Www。", "An ISO week: YYYY-Www (Monday to Sunday).")) var week:
        String?
    @Option(help: Help.option("时间段的第一天：YYYY-MM-DD（与 --to 一起用）。", "The first day of a range: YYYY-MM-DD (with --to)."))
    var from: String?
    @Option(
        help: Help.option("时间段的最后一天：YYYY-MM-DD（与 --from 一起用）。", "The last day of a range: YYYY-MM-DD (with --from)."))
    var to: String?
    @Option(help: Help.option("乡镇街道或村的代码（默认：本机保存的全部）。", "A town or village code (default: everything held)."))
    var scope: String?
    @Option(
        help: Help.option(
            "按 town（乡镇）、village（村）、category（类别）、method（调解方式）或 worker（工作人员）分列。",
            "Break the figures down by town, village, category, method or worker.")) var by: String?
    @Option(help: Help.option("table、csv、json 或 html。", "table, csv, json or html.")) var format = "table"
    @Option(help: Help.option("写入这个文件，而不是标准输出。", "Write to this file instead of standard output.")) var out: String?
    @Option(
        name: .customLong("as-of"),
        help: Help.option(
            "按日志到这个序号为止的内容重现当时的报表。", "Reproduce the report over the log as it stood at this sequence number."))
    var asOf: Int64?

    public init() {}

    /// A breakdown by its code or by the Chinese word the refusal names it with (类别 for `category`),
    /// as every choice takes either.
    static func dimension(_ text: String) -> ReportRequest.Dimension? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let chinese: [String: ReportRequest.Dimension] = [
            "镇": .town, "乡镇": .town, "街道": .town, "村": .village, "社区": .village, "类别": .category,
            "调解方式": .method, "工作人员": .worker, "登记人": .worker,
        ]
        return ReportRequest.Dimension(rawValue: trimmed.lowercased()) ?? chinese[trimmed]
    }

    /// The request these options ask for; the current year when no period is given.
    public func request(today: CalendarDate) throws -> ReportRequest {
        let periods = [year, month, week, from ?? to].compactMap { $0 }.count
        guard periods <= 1 else {
            throw UsageError(
                "give one period: --year, --month, --week or --from with --to",
                chinese: "只给一个期间：--year、--month、--week，或 --from 加 --to")
        }
        let period: ReportPeriod
        do {
            if let year {
                period = try ReportPeriod(year: year)
            } else if let month {
                period = try ReportPeriod(month: month)
            } else if let week {
                period = try ReportPeriod(week: week)
            } else if from != nil || to != nil {
                guard let from, let to else {
                    throw UsageError("--from and --to go together", chinese: "--from 和 --to 要一起给")
                }
                period = try ReportPeriod(
                    from: try Parse.date(from, flag: "--from"), to: try Parse.date(to, flag: "--to"))
            } else {
                period = try ReportPeriod(year: "\(today.year)")
            }
        } catch let error as ReportPeriodError {
            throw InputError(error.description, chinese: Language.zh.message(for: error))
        }
        let dimension = try by.map { text in
            guard let dimension = Self.dimension(text) else {
                throw InputError(
                    "--by '\(text)': expected town, village, category, method or worker",
                    chinese: "--by “\(text)”：应为 town（镇）、village（村）、category（类别）、method（调解方式）或 worker（工作人员）")
            }
            return dimension
        }
        return ReportRequest(
            period: period, scope: try scope.map { try Parse.area($0, flag: "--scope") }, dimension: dimension,
            asOf: asOf, today: today)
    }

    public func outputFormat() throws -> ReportOutput.Format {
        guard let format = ReportOutput.Format(rawValue: format) else {
            throw UsageError(
                "--format '\(format)': expected table, csv, json or html",
                chinese: "--format “\(format)”：应为 table、csv、json 或 html")
        }
        return format
    }

    /// Computes and writes the report; returns the file written, if any.
    @discardableResult
    public func run(on store: ReplicaStore, language: Language, today: CalendarDate) throws -> String? {
        let format = try outputFormat()
        let report = try store.report(try request(today: today))
        let text = ReportOutput(language: language).render(report, as: format)
        guard let out else {
            FileHandleOutput.standardOutput.write(text)
            return nil
        }
        try OwnerOnlyFile.write(text.utf8, to: out)
        return out
    }
}
