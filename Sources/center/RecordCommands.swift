import ArgumentParser
import Console
import Shared
import Storage

struct CaseGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case", abstract: Help.text("全区合并后的矛盾纠纷。", "The district's merged dispute cases."),
        subcommands: [CaseList.self, CaseShow.self])
}

struct CaseList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: Help.text("列出纠纷，最新的在前。", "List cases, newest first."))

    @OptionGroup var options: CenterOptions
    @OptionGroup var list: DisputeListOptions

    func run() async throws {
        try await guarded(lang: options.lang) {
            let format = try list.format()
            let filter = try list.filter()
            FileHandleOutput.standardOutput.write(
                try await options.withOutput { try $0.disputes(filter, format: format) })
        }
    }
}

struct CaseShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: Help.text("显示一条纠纷，连同修改历史。", "Show a case with its history."))

    @OptionGroup var options: CenterOptions
    @Argument(help: Help.disputeID) var id: String
    @Flag(help: Help.json) var json = false

    func run() async throws {
        try await guarded(lang: options.lang) {
            say(try await options.withOutput { try $0.show(id, kind: .dispute, json: json) })
        }
    }
}

struct CenterRiskGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "risk", abstract: Help.text("全区合并后的风险隐患台账。", "The district's merged risk ledger."),
        subcommands: [CenterRiskList.self, CenterRiskShow.self])
}

struct CenterRiskList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: Help.text("列出风险隐患，按整改期限排序。", "List risk items by deadline."))

    @OptionGroup var options: CenterOptions
    @OptionGroup var list: RiskListOptions

    func run() async throws {
        try await guarded(lang: options.lang) {
            let format = try list.format()
            let filter = try list.filter(today: LocalTime.today())
            FileHandleOutput.standardOutput.write(
                try await options.withOutput { try $0.riskItems(filter, format: format) })
        }
    }
}

struct CenterRiskShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: Help.text("显示一项风险隐患，连同修改历史。", "Show a risk item with its history."))

    @OptionGroup var options: CenterOptions
    @Argument(help: Help.riskID) var id: String
    @Flag(help: Help.json) var json = false

    func run() async throws {
        try await guarded(lang: options.lang) {
            say(try await options.withOutput { try $0.show(id, kind: .risk, json: json) })
        }
    }
}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: Help.text(
            "用合并、去重后的全区数据生成报表：纠纷、风险隐患、上报完整情况。",
            "The district's report from the merged, deduplicated state: cases, risk items, completeness."),
        discussion: Help.text(
            "每份报表都写明它依据的区中心序号；用 --as-of 可以重现。",
            "Every report names the center's sequence number it was computed from; --as-of reproduces it."))

    @OptionGroup var options: CenterOptions
    @OptionGroup var report: ReportOptions

    func run() async throws {
        try await guarded(lang: options.lang) {
            let language = try options.language
            if let file = try await options.withCenter({ center in
                try report.run(on: try await center.merged(), language: language, today: LocalTime.today())
            }) {
                FileHandleOutput.standardError.write(
                    language.pick("center: 报表已写入 \(file)\n", "center: report written to \(file)\n"))
            }
        }
    }
}
