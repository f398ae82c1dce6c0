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
            guard !(json && csv) else { throw UsageError("--json and --csv exclude each other") }
            let store = try options.open()
            let language = try options.language
            let rows = try store.disputes(
                DisputeFilter(
                    status: try status.map { try Parse.coded($0, flag: "--status") },
                    category: try category.map { try Parse.coded($0, flag: "--category") },
                    scope: try village.map { try Parse.area($0, flag: "--village") },
                    since: try since.map { try Parse.date($0, flag: "--since") }, search: search,
                    includeVoided: includeVoided))
            let length = try store.abbreviationLength(of: rows.map(\.id), kind: .dispute)
            if json {
                say(
                    RecordJSON.encode(
                        rows.map { RecordJSON.DisputeRow($0, shortId: String($0.id.description.prefix(length))) }))
            } else if csv {
                FileHandleOutput.standardOutput.write(RecordCSV.disputes(rows, language: language))
            } else {
                say(RecordText(language: language, today: LocalTime.today()).disputeTable(rows, idLength: length))
            }
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
            let store = try options.open()
            let id = try store.resolve(id, kind: .dispute)
            guard let dispute = try store.dispute(id) else {
                throw LookupError.notFound(prefix: self.id, kind: .dispute)
            }
            let history = try store.history(of: EntityKey(kind: .dispute, id: id))
            let short = try store.abbreviation(of: id, kind: .dispute)
            if json {
                say(RecordJSON.encode(RecordJSON.DisputeDetail(dispute, shortId: short, history: history)))
            } else {
                say(
                    RecordText(language: try options.language, today: LocalTime.today()).dispute(
                        dispute, shortID: short, history: history, own: try store.identity().replica))
            }
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
            guard !(json && csv) else { throw UsageError("--json and --csv exclude each other") }
            let store = try options.open()
            let language = try options.language
            let today = LocalTime.today()
            let rows = try store.riskItems(
                RiskFilter(
                    status: try status.map { try Parse.coded($0, flag: "--status") }, overdueOn: overdue ? today : nil,
                    scope: try scope.map { try Parse.area($0, flag: "--scope") }, search: search,
                    includeVoided: includeVoided))
            let length = try store.abbreviationLength(of: rows.map(\.id), kind: .risk)
            if json {
                say(
                    RecordJSON.encode(
                        rows.map {
                            RecordJSON.RiskRow($0, shortId: String($0.id.description.prefix(length)), today: today)
                        }))
            } else if csv {
                FileHandleOutput.standardOutput.write(RecordCSV.risks(rows, language: language))
            } else {
                say(RecordText(language: language, today: today).riskTable(rows, idLength: length))
            }
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
            let store = try options.open()
            let id = try store.resolve(id, kind: .risk)
            guard let item = try store.riskItem(id) else { throw LookupError.notFound(prefix: self.id, kind: .risk) }
            let history = try store.history(of: EntityKey(kind: .risk, id: id))
            let short = try store.abbreviation(of: id, kind: .risk)
            if json {
                say(RecordJSON.encode(RecordJSON.RiskDetail(item, shortId: short, history: history)))
            } else {
                say(
                    RecordText(language: try options.language, today: LocalTime.today()).riskItem(
                        item, shortID: short, history: history, own: try store.identity().replica))
            }
        }
    }
}
