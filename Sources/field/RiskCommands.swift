import ArgumentParser
import Client
import Console
import Shared
import Storage

struct RiskGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "risk",
        abstract: Help.text("管理风险隐患台账：挂牌、销号、重新挂牌。", "Keep the risk ledger (风险隐患): list, strike off (销号), reopen."),
        subcommands: [
            RiskAdd.self, RiskEdit.self, RiskStrike.self, RiskReopen.self, RiskNote.self, RiskVoid.self,
            RiskUnvoid.self,
            RiskList.self, RiskShow.self,
        ])
}

func performOnRiskItem(
    _ options: GlobalOptions, _ prefix: String, done: (Language) -> String, command: (Context) throws -> RiskCommand
) throws {
    try Context.run(options) {
        let context = try Context(options)
        let store = try context.open()
        let id = try store.resolve(prefix, kind: .risk)
        try store.perform(try command(context), onRiskItem: id)
        let status = try store.riskItem(id).map { context.language.label($0.status) } ?? ""
        say("\(done(context.language)) \(try store.abbreviation(of: id, kind: .risk))  \(status)")
    }
}

struct RiskAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: Help.text("挂牌一项新的风险隐患，显示它的 id。", "Hang a new risk item on the board (挂牌); prints its id."))

    @OptionGroup var options: GlobalOptions
    @Option(help: Help.option("风险所属领域，如 征地拆迁。", "The area of concern (领域), e.g. 征地拆迁.")) var area: String?
    @Option(help: Help.option("风险隐患的名称。", "What the hazard is, in a few words.")) var title: String?
    @Option(help: Help.option("应对预案。", "The contingency plan (预案).")) var plan: String?
    @Option(help: Help.option("责任人。", "The responsible person (责任人).")) var owner: String?
    @Option(help: Help.option("责任单位。", "The responsible unit (责任单位).")) var unit: String?
    @Option(help: Help.option("整改期限，年-月-日（YYYY-MM-DD）。", "The deadline, YYYY-MM-DD.")) var deadline: String?
    @Option(help: SharedHelp.level) var level: String?
    @Option(help: Help.option("台账所属区划代码（默认：本机副本的村）。", "Division code of the ledger (default: this replica's village)."))
    var scope: String?
    @Flag(help: Help.option("以 JSON 显示新挂牌的风险隐患。", "Print the new risk item as JSON.")) var json = false

    func run() throws {
        try Context.run(options) {
            let context = try Context(options)
            let store = try context.open()
            let identity = try store.identity()
            let home = try identity.jurisdiction()
            let prompter = Prompter(language: context.language)
            let language = context.language
            let text = { (value: String?, flag: String, question: String) throws -> String in
                try required(value, flag: flag) {
                    try prompter.ask(question) { answer in
                        guard !answer.trimmingCharacters(in: .whitespaces).isEmpty else {
                            throw InputError("\(flag) must not be empty", chinese: "\(flag) 不能为空")
                        }
                        return answer
                    }
                }
            }
            // Another area than the replica's own, merged into one more: its code no longer stands.
            let named = try scope.map { try Parse.area($0, flag: "--scope") }
            if let named, named != home { try store.refuseNewRecord(in: named, flag: "--scope") }
            let scope = named ?? home
            guard home.covers(scope) else {
                throw InputError(
                    "--scope: \(scope) is outside this replica's scope \(home)",
                    chinese: "--scope：\(scope) 不在本机副本的范围 \(home) 内")
            }
            let draft = RiskDraft(
                scope: scope, area: try text(area, "--area", language.pick("领域", "Area")),
                title: try text(title, "--title", language.pick("风险隐患", "Title")),
                level: try level.map { try Parse.coded($0, flag: "--level") } ?? .normal,
                plan: try text(plan, "--plan", language.pick("预案", "Plan")),
                owner: Owner(person: try text(owner, "--owner", language.pick("责任人", "Owner")), unit: unit),
                deadline: try required(deadline.map { try Parse.date($0, flag: "--deadline") }, flag: "--deadline") {
                    try prompter.ask(language.pick("期限（YYYY-MM-DD）", "Deadline (YYYY-MM-DD)")) {
                        try Parse.date($0, flag: "--deadline")
                    }
                },
                recorder: identity.worker)
            let id = try store.record(draft)
            if scope == home { try noteIfMerged(scope, in: store, language: language) }
            let short = try store.abbreviation(of: id, kind: .risk)
            if json, let item = try store.riskItem(id) {
                say(RecordJSON.encode(RecordJSON.RiskDetail(item, shortId: short, history: nil)))
            } else {
                say(short)
            }
        }
    }
}

struct RiskEdit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit", abstract: Help.text("修改风险隐患的内容。", "Change a risk item's details."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.riskID) var id: String
    @Option(help: Help.option("新的领域。", "The new area of concern.")) var area: String?
    @Option(help: Help.option("新的名称。", "The new title.")) var title: String?
    @Option(help: Help.option("新的预案。", "The new contingency plan.")) var plan: String?
    @Option(help: Help.option("新的责任人。", "The new responsible person.")) var owner: String?
    @Option(help: Help.option("新的责任单位。", "The new responsible unit.")) var unit: String?
    @Option(help: Help.option("新的整改期限，年-月-日。", "The new deadline, YYYY-MM-DD.")) var deadline: String?
    @Option(help: SharedHelp.level) var level: String?

    func run() throws {
        guard [area, title, plan, owner, unit, deadline, level].contains(where: { $0 != nil }) else {
            try Context.run(options) {
                throw UsageError(
                    "nothing to edit: give at least one of --area, --title, --plan, --owner, --unit, --deadline, --level",
                    chinese: "没有要改的：请至少给出 --area、--title、--plan、--owner、--unit、--deadline、--level 中的一项")
            }
            return
        }
        try Context.run(options) {
            let context = try Context(options)
            let store = try context.open()
            let id = try store.resolve(id, kind: .risk)
            guard let current = try store.riskItem(id) else { throw LookupError.notFound(prefix: self.id, kind: .risk) }
            let newOwner: Owner? =
                owner != nil || unit != nil
                ? Owner(person: owner ?? current.owner?.person ?? "", unit: unit ?? current.owner?.unit) : nil
            try store.perform(
                .edit(
                    Shared.RiskEdit(
                        area: area, title: title, level: try level.map { try Parse.coded($0, flag: "--level") },
                        plan: plan,
                        owner: newOwner, deadline: try deadline.map { try Parse.date($0, flag: "--deadline") })),
                onRiskItem: id)
            say("\(context.language.pick("已修改", "Edited")) \(try store.abbreviation(of: id, kind: .risk))")
        }
    }
}

struct RiskStrike: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strike",
        abstract: Help.text("风险隐患销号，附整改佐证。", "Strike a risk item off the ledger (销号), with evidence."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.riskID) var id: String
    @Option(help: Help.option("整改佐证：做了什么、谁核实的。", "What was done, and who checked it.")) var evidence: String
    @Option(help: Help.option("销号日期，年-月-日（默认今天）。", "YYYY-MM-DD (default today).")) var date: String?

    func run() throws {
        try performOnRiskItem(options, id, done: { $0.pick("已销号", "Struck off") }) { context in
            .strike(
                evidence: evidence,
                date: try date.map { try Parse.pastDate($0, flag: "--date", today: context.today) } ?? context.today)
        }
    }
}

struct RiskReopen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen", abstract: Help.text("把已销号的风险隐患重新挂牌。", "Put a struck-off item back on the board."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.riskID) var id: String
    @Option(help: Help.option("重新挂牌的原因。", "Why the item is back on the board.")) var reason: String

    func run() throws {
        try performOnRiskItem(options, id, done: { $0.pick("已重新挂牌", "Reopened") }) { _ in .reopen(reason: reason) }
    }
}

struct RiskNote: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "note", abstract: Help.text("给风险隐患加一条备注。", "Add a note to a risk item."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.riskID) var id: String
    @Argument(help: Help.option("备注内容。", "The note.")) var text: String

    func run() throws {
        try performOnRiskItem(options, id, done: { $0.pick("已记录", "Noted") }) { _ in .note(text) }
    }
}

struct RiskVoid: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "void", abstract: Help.text("作废一项风险隐患。", "Void a risk item (作废)."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.riskID) var id: String
    @Option(help: Help.option("作废的原因。", "Why the item is voided.")) var reason: String

    func run() throws {
        try performOnRiskItem(options, id, done: { $0.pick("已作废", "Voided") }) { _ in .void(reason: reason) }
    }
}

struct RiskUnvoid: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unvoid", abstract: Help.text("恢复已作废的风险隐患。", "Restore a voided risk item."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.riskID) var id: String
    @Option(help: Help.option("恢复的原因。", "Why the item is restored.")) var reason: String

    func run() throws {
        try performOnRiskItem(options, id, done: { $0.pick("已恢复", "Restored") }) { _ in .unvoid(reason: reason) }
    }
}

struct RiskList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: Help.text("列出风险隐患，按整改期限排序。", "List risk items by deadline."))

    @OptionGroup var options: GlobalOptions
    @OptionGroup var list: RiskListOptions

    func run() throws {
        try Context.run(options) {
            let format = try list.format()
            let context = try Context(options)
            FileHandleOutput.standardOutput.write(
                try context.output().riskItems(try list.filter(today: context.today), format: format))
        }
    }
}

struct RiskShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: Help.text("显示一项风险隐患，连同修改历史。", "Show a risk item with its history."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.riskID) var id: String
    @Flag(help: Help.json) var json = false

    func run() throws {
        try Context.run(options) {
            say(try Context(options).output().show(id, kind: .risk, json: json))
        }
    }
}
