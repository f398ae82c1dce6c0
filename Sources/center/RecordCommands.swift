import ArgumentParser
import Console
import Shared
import Storage

struct CaseGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case", abstract: "The district's merged dispute cases.",
        subcommands: [CaseList.self, CaseShow.self])
}

struct CaseList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List cases, newest first.")

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
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a case with its history.")

    @OptionGroup var options: CenterOptions
    @Argument var id: String
    @Flag var json = false

    func run() async throws {
        try await guarded(lang: options.lang) {
            say(try await options.withOutput { try $0.show(id, kind: .dispute, json: json) })
        }
    }
}

struct CenterRiskGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "risk", abstract: "The district's merged risk ledger.",
        subcommands: [CenterRiskList.self, CenterRiskShow.self])
}

struct CenterRiskList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List risk items by deadline.")

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
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a risk item with its history.")

    @OptionGroup var options: CenterOptions
    @Argument var id: String
    @Flag var json = false

    func run() async throws {
        try await guarded(lang: options.lang) {
            say(try await options.withOutput { try $0.show(id, kind: .risk, json: json) })
        }
    }
}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The district's report from the merged, deduplicated state: cases, risk items, completeness.",
        discussion: "Every report names the center's sequence number it was computed from; --as-of reproduces it.")

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
