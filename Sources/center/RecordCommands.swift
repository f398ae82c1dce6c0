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
    @Option var status: String?
    @Option var category: String?
    @Option(help: "A village, or a town or district covering several.") var village: String?
    @Option var since: String?
    @Option var search: String?
    @Flag(name: .customLong("include-voided")) var includeVoided = false
    @Flag var json = false
    @Flag var csv = false

    func run() async throws {
        try await guarded {
            let format = try RecordOutput.Format(json: json, csv: csv)
            let filter = DisputeFilter(
                status: try status.map { try Parse.coded($0, flag: "--status") },
                category: try category.map { try Parse.coded($0, flag: "--category") },
                scope: try village.map { try Parse.area($0, flag: "--village") },
                since: try since.map { try Parse.date($0, flag: "--since") }, search: search,
                includeVoided: includeVoided)
            FileHandleOutput.standardOutput.write(try options.output().disputes(filter, format: format))
        }
    }
}

struct CaseShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a case with its history.")

    @OptionGroup var options: CenterOptions
    @Argument var id: String
    @Flag var json = false

    func run() async throws {
        try await guarded {
            say(try options.output().show(id, kind: .dispute, json: json))
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
    @Option var status: String?
    @Flag var overdue = false
    @Option(help: "A village, town or district.") var scope: String?
    @Option var search: String?
    @Flag(name: .customLong("include-voided")) var includeVoided = false
    @Flag var json = false
    @Flag var csv = false

    func run() async throws {
        try await guarded {
            let format = try RecordOutput.Format(json: json, csv: csv)
            let filter = RiskFilter(
                status: try status.map { try Parse.coded($0, flag: "--status") },
                overdueOn: overdue ? LocalTime.today() : nil,
                scope: try scope.map { try Parse.area($0, flag: "--scope") },
                search: search, includeVoided: includeVoided)
            FileHandleOutput.standardOutput.write(try options.output().riskItems(filter, format: format))
        }
    }
}

struct CenterRiskShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a risk item with its history.")

    @OptionGroup var options: CenterOptions
    @Argument var id: String
    @Flag var json = false

    func run() async throws {
        try await guarded {
            say(try options.output().show(id, kind: .risk, json: json))
        }
    }
}
