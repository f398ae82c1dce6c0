import ArgumentParser
import Client
import Console
import Foundation
import Shared
import Storage

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: Help.text(
            "导入从电子表格另存为 CSV 的纠纷或风险隐患台账（UTF-8 或 GBK，中文或英文表头）。",
            "Load a dispute or risk ledger saved from a spreadsheet as CSV (UTF-8 or GBK, Chinese or English headings)."
        ),
        discussion: Help.text(
            "要么全部导入，要么都不导入：只要有一行有问题，就什么都不导入，并列出每一个有问题的行。",
            "All or nothing: if any row is bad, nothing is imported and every bad row is listed."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.option("CSV 文件。", "The CSV file.")) var file: String
    @Flag(
        name: .customLong("skip-invalid"),
        help: Help.option("导入没问题的行，列出有问题的行。", "Import the good rows and list the bad ones.")) var skipInvalid =
        false

    func run() throws {
        try Context.run(options) {
            let context = try Context(options)
            let store = try context.open()
            let identity = try store.identity()
            let (text, encoding) = try SpreadsheetText.read(file)
            let outcome = try LedgerImport(
                village: try identity.jurisdiction(), recorder: identity.worker, today: context.today
            )
            .run(text, into: store, skipInvalid: skipInvalid)
            let language = context.language
            let what =
                outcome.ledger == .disputes ? language.pick("件纠纷", " cases") : language.pick("项风险隐患", " risk items")
            say(
                language.pick("已导入 \(outcome.imported)\(what)", "Imported \(outcome.imported)\(what)")
                    + encoding.note(in: language))
            if outcome.skippedCount > 0 {
                let unlisted = outcome.skippedCount - outcome.skipped.count
                FileHandleOutput.standardError.write(
                    language.pick("跳过 \(outcome.skippedCount) 行：\n", "Skipped \(outcome.skippedCount) rows:\n")
                        + outcome.skipped.map { "  \($0.message(in: language))\n" }.joined()
                        + (unlisted > 0
                            ? language.pick("  ……另有 \(unlisted) 行，未列出\n", "  … and \(unlisted) more, not listed\n")
                            : ""))
            }
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: Help.text(
            "把台账导出为 CSV（带 UTF-8 字节序标记，电子表格可直接打开）或 JSON。",
            "Write the ledgers as CSV (with a UTF-8 byte order mark, for spreadsheets) or JSON."))

    @OptionGroup var options: GlobalOptions
    @Option(help: Help.option("csv 或 json。", "csv or json.")) var format = "csv"
    @Option(help: Help.option("CSV 导出哪本台账：disputes（纠纷）或 risks（风险隐患）。", "For CSV: disputes or risks.")) var ledger =
        "disputes"
    @Option(help: Help.option("写入这个文件，而不是标准输出。", "Write to this file instead of standard output.")) var out: String?

    func run() throws {
        try Context.run(options) {
            let context = try Context(options)
            let store = try context.open()
            let output: String
            switch format {
            case "csv":
                switch ledger {
                case "disputes":
                    let rows = try store.disputes(DisputeFilter(includeVoided: false))
                    output = RecordCSV.disputes(
                        rows, language: context.language, places: try RecordText.places(of: store),
                        written: try store.writtenParties(of: rows))
                case "risks":
                    output = RecordCSV.risks(
                        try store.riskItems(RiskFilter()), language: context.language,
                        places: try RecordText.places(of: store))
                default:
                    throw UsageError(
                        "--ledger '\(ledger)': expected disputes or risks",
                        chinese: "--ledger “\(ledger)”：应为 disputes（纠纷）或 risks（风险隐患）")
                }
            case "json":
                let disputes = try store.disputes(DisputeFilter(includeVoided: true)).compactMap {
                    try store.dispute($0.id)
                }
                let risks = try store.riskItems(RiskFilter(includeVoided: true)).compactMap {
                    try store.riskItem($0.id)
                }
                output =
                    RecordJSON.encode(
                        ExportJSON(
                            disputes: disputes.map {
                                RecordJSON.DisputeDetail($0, shortId: String($0.id.description.prefix(8)), history: nil)
                            },
                            risks: risks.map {
                                RecordJSON.RiskDetail($0, shortId: String($0.id.description.prefix(8)), history: nil)
                            }))
                    + "\n"
            default:
                throw UsageError(
                    "--format '\(format)': expected csv or json", chinese: "--format “\(format)”：应为 csv 或 json")
            }
            if let out {
                // The jurisdiction's cases with their parties' numbers: readable by the worker alone.
                try OwnerOnlyFile.write(output.utf8, to: out)
            } else {
                FileHandleOutput.standardOutput.write(output)
            }
        }
    }
}

/// `field export --format json`.
struct ExportJSON: Encodable {
    var disputes: [RecordJSON.DisputeDetail]
    var risks: [RecordJSON.RiskDetail]
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: Help.text(
            "用本机副本的数据离线生成区里的报表：纠纷、风险隐患、上报完整情况。",
            "The district's report over this replica's own data, offline: cases, risk items, completeness."))

    @OptionGroup var options: GlobalOptions
    @OptionGroup var report: ReportOptions

    func run() throws {
        try Context.run(options) {
            let context = try Context(options)
            if let file = try report.run(on: try context.open(), language: context.language, today: LocalTime.today()) {
                FileHandleOutput.standardError.write(
                    context.language.pick("field: 报表已写入 \(file)\n", "field: report written to \(file)\n"))
            }
        }
    }
}
