import ArgumentParser
import Client
import Console
import Shared
import Storage

struct DisputeGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispute", abstract: Help.text("登记和跟进矛盾纠纷。", "Record and follow dispute cases (矛盾纠纷)."),
        subcommands: [
            DisputeAdd.self, DisputeEdit.self, DisputeMediate.self, DisputeResolve.self, DisputeFail.self,
            DisputeEscalate.self, DisputeVisit.self, DisputeNote.self, DisputeReopen.self, DisputeVoid.self,
            DisputeUnvoid.self, DisputeList.self, DisputeShow.self,
        ])
}

/// Runs a command on the case an id prefix names and says what was done.
func performOnDispute(
    _ options: GlobalOptions, _ prefix: String, done: (Language) -> String,
    command: (Context, Dispute) throws -> DisputeCommand
) throws {
    try Context.run(options) {
        let context = try Context(options)
        let store = try context.open()
        let id = try store.resolve(prefix, kind: .dispute)
        guard let current = try store.dispute(id) else { throw LookupError.notFound(prefix: prefix, kind: .dispute) }
        try store.perform(try command(context, current), onDispute: id)
        let updated = try store.dispute(id)
        let status = updated.map { context.language.label($0.status) } ?? ""
        say("\(done(context.language)) \(try store.abbreviation(of: id, kind: .dispute))  \(status)")
    }
}

struct DisputeAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: Help.text(
            "登记一条新纠纷，显示它的 id。在终端里运行时，缺什么会逐项询问。",
            "Record a new case; prints its id. In a terminal, asks for what is missing."))

    @OptionGroup var options: GlobalOptions
    @Option(
        help: Help.option("类别：代码或中文名称，如 neighbor 或 邻里纠纷。", "Category code or Chinese label, e.g. neighbor or 邻里纠纷."))
    var category: String?
    @Option(
        help: Help.option(
            "当事人，用逗号隔开，如 \"王建国,李秀英\"；姓名后可以空格隔开写上身份证号和电话。",
            "The parties, separated by commas, e.g. \"王建国,李秀英\"; after a name, its ID number and phone if known, separated by spaces."
        ))
    var parties: String?
    @Option(help: Help.option("纠纷的简要情况。", "A short account of the dispute.")) var summary: String?
    @Option(help: Help.option("村（社区）代码（默认：本机副本的村）。", "Village code (default: this replica's village).")) var village:
        String?
    @Option(name: .customLong("found-by"), help: SharedHelp.foundBy) var foundBy: String?
    @Option(help: SharedHelp.level) var level: String?
    @Option(help: SharedHelp.arose) var date: String?
    @Flag(
        help: Help.option("本机已有当事人相同的纠纷时，照样登记。", "Record it even if this replica holds a case with the same parties."))
    var force = false
    @Flag(help: Help.option("以 JSON 显示新登记的纠纷。", "Print the new case as JSON.")) var json = false

    func run() throws {
        try Context.run(options) {
            let context = try Context(options)
            let store = try context.open()
            let identity = try store.identity()
            let prompter = Prompter(language: context.language)
            let language = context.language
            // Another area than the replica's own, merged into one more: its code no longer stands.
            let named = try village.map { try Parse.area($0, flag: "--village") }
            if let named, named != identity.scope { try store.refuseNewRecord(in: named, flag: "--village") }
            let village = try identity.village(named)
            let category: DisputeCategory = try required(
                category.map { try Parse.coded($0, flag: "--category") }, flag: "--category"
            ) {
                try prompter.choose(language.pick("纠纷类别", "Category"))
            }
            let parties = try required(parties.map { try Parse.parties($0, flag: "--parties") }, flag: "--parties") {
                try prompter.ask(
                    language.pick(
                        "当事人（逗号分隔；姓名后可空格写身份证号、电话）",
                        "Parties (comma-separated; a name may be followed by its ID number and phone)")
                ) {
                    try Parse.parties($0, flag: "--parties")
                }
            }
            let summary = try required(summary, flag: "--summary") {
                try prompter.ask(language.pick("简要情况", "Summary")) { answer in
                    guard !answer.trimmingCharacters(in: .whitespaces).isEmpty else {
                        throw InputError("the summary must not be empty", chinese: "简要情况不能为空")
                    }
                    return answer
                }
            }
            let draft = DisputeDraft(
                village: village, category: category, parties: parties, summary: summary,
                foundBy: try foundBy.map { try Parse.coded($0, flag: "--found-by") } ?? .screening,
                level: try level.map { try Parse.coded($0, flag: "--level") } ?? .normal,
                incidentDate: try date.map { try Parse.pastDate($0, flag: "--date", today: context.today) },
                recorder: identity.worker)
            // Refuse bad input before asking about duplicates: a draft that cannot be recorded is not one.
            var scratch = HybridClock(replica: identity.replica)
            _ = try DisputeCommand.record(draft).changes(for: RecordID.random(), current: nil, clock: &scratch)
            guard try force || confirmNoDuplicate(of: draft, in: store, language: language) else {
                say(language.pick("未登记。", "Not recorded."))
                return
            }
            let id = try store.record(draft)
            if village == identity.scope { try noteIfMerged(village, in: store, language: language) }
            let short = try store.abbreviation(of: id, kind: .dispute)
            if json, let dispute = try store.dispute(id) {
                say(RecordJSON.encode(RecordJSON.DisputeDetail(dispute, shortId: short, history: nil)))
            } else {
                say(short)
            }
        }
    }
}

/// Whether to record a case whose parties an existing case already has: yes if there is none; in a
/// terminal, the worker's answer; elsewhere a refusal that names the case and says what to do.
func confirmNoDuplicate(of draft: DisputeDraft, in store: FieldStore, language: Language) throws -> Bool {
    guard let existing = try store.disputes(withParties: draft.parties).first else { return true }
    let short = try store.abbreviation(of: existing.id, kind: .dispute)
    let shown =
        "\(short)  \(language.label(existing.status))  \(existing.parties.joined(separator: "、"))  \(existing.summary)"
    let warning = language.pick(
        "本机已有当事人相同的案件：\(shown)\n如是同一纠纷，请登记回访：field dispute visit \(short) --note … --kept yes|no",
        "This replica already holds a case with the same parties: \(shown)\nIf it is the same dispute, record a visit: field dispute visit \(short) --note … --kept yes|no"
    )
    guard Prompter.isInteractive else {
        throw InputError(
            warning + language.pick("\n仍要登记为新案件，请加 --force", "\nTo record it as a new case anyway, add --force"))
    }
    FileHandleOutput.standardError.write(warning + "\n")
    return try Prompter(language: language).ask(
        language.pick("仍要登记为新案件？(是/否)", "Record it as a new case anyway? (yes/no)"), defaultValue: "no"
    ) {
        try Parse.yesNo($0, flag: "answer")
    }
}

struct DisputeEdit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit", abstract: Help.text("修改纠纷的内容。", "Change a case's details."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.disputeID) var id: String
    @Option(help: Help.option("新的简要情况。", "The new summary.")) var summary: String?
    @Option(
        help: Help.option(
            "新的当事人名单，写法同 dispute add；只写了姓名的当事人，保留原来记下的身份证号和电话。",
            "The new list of parties, written as for dispute add; a party named without numbers keeps those recorded."
        ))
    var parties: String?
    @Option(help: Help.option("新的类别：代码或中文名称。", "The new category: code or Chinese label.")) var category: String?
    @Option(help: SharedHelp.level) var level: String?
    @Option(name: .customLong("found-by"), help: SharedHelp.foundBy) var foundBy: String?
    @Option(help: SharedHelp.arose) var date: String?

    func run() throws {
        guard [summary, parties, category, level, foundBy, date].contains(where: { $0 != nil }) else {
            try Context.run(options) {
                throw UsageError(
                    "nothing to edit: give at least one of --summary, --parties, --category, --level, --found-by, --date",
                    chinese: "没有要改的：请至少给出 --summary、--parties、--category、--level、--found-by、--date 中的一项")
            }
            return
        }
        try performOnDispute(options, id, done: { $0.pick("已修改", "Edited") }) { context, current in
            .edit(
                Shared.DisputeEdit(
                    category: try category.map { try Parse.coded($0, flag: "--category") },
                    parties: try parties.map {
                        Party.keepingNumbers(try Parse.parties($0, flag: "--parties"), from: current.parties)
                    }, summary: summary,
                    foundBy: try foundBy.map { try Parse.coded($0, flag: "--found-by") },
                    level: try level.map { try Parse.coded($0, flag: "--level") },
                    incidentDate: try date.map { try Parse.pastDate($0, flag: "--date", today: context.today) }))
        }
    }
}

struct DisputeMediate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mediate", abstract: Help.text("开始调解，或更换调解方式。", "Start mediating a case, or change its method."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.disputeID) var id: String
    @Option(
        help: Help.option(
            "调解方式：\(Help.choices(MediationMethod.self))，代码或中文名称均可。",
            "\(Help.choices(MediationMethod.self)), or the Chinese label."))
    var method: String
    @Option(help: Help.option("调解员姓名。", "The mediator's name.")) var mediator: String?

    func run() throws {
        try performOnDispute(options, id, done: { $0.pick("调解", "Mediating") }) { _, _ in
            .mediate(method: try Parse.coded(method, flag: "--method"), mediator: mediator)
        }
    }
}

struct DisputeResolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: Help.text("登记化解纠纷的调解协议（调解成功）。", "Record the agreement that settles a case (调解成功)."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.disputeID) var id: String
    @Option(help: Help.option("调解协议的内容。", "What the parties agreed.")) var agreement: String
    @Option(help: Help.option("达成协议的日期，年-月-日（默认今天）。", "The day of the agreement, YYYY-MM-DD (default today)."))
    var date: String?

    func run() throws {
        try performOnDispute(options, id, done: { $0.pick("调解成功", "Resolved") }) { context, _ in
            .resolve(
                agreement: agreement,
                date: try date.map { try Parse.pastDate($0, flag: "--date", today: context.today) } ?? context.today)
        }
    }
}

struct DisputeFail: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fail", abstract: Help.text("登记调解不成。", "Record that mediation failed (调解不成)."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.disputeID) var id: String
    @Option(help: Help.option("调解不成的原因。", "Why mediation failed.")) var reason: String

    func run() throws {
        try performOnDispute(options, id, done: { $0.pick("调解不成", "Not resolved") }) { _, _ in .fail(reason: reason) }
    }
}

struct DisputeEscalate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escalate", abstract: Help.text("移交纠纷。", "Hand a case on (移交)."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.disputeID) var id: String
    @Option(
        help: Help.option(
            "移交去向：\(Help.choices(EscalationTarget.self))。", "\(Help.choices(EscalationTarget.self))."))
    var to: String
    @Option(help: Help.option("移交说明。", "What the receiving body should know.")) var note: String

    func run() throws {
        try performOnDispute(options, id, done: { $0.pick("已移交", "Escalated") }) { _, _ in
            .escalate(to: try Parse.coded(to, flag: "--to"), note: note)
        }
    }
}

struct DisputeVisit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visit", abstract: Help.text("登记一次回访。", "Record a follow-up visit (回访)."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.disputeID) var id: String
    @Option(help: Help.option("回访情况。", "What the visit found.")) var note: String
    @Option(help: Help.option("协议是否在履行：yes（是）或 no（否）。", "Whether the agreement is kept: yes or no.")) var kept: String
    @Option(help: SharedHelp.day) var date: String?

    func run() throws {
        try performOnDispute(options, id, done: { $0.pick("已回访", "Visited") }) { context, _ in
            .visit(
                Visit(
                    date: try date.map { try Parse.pastDate($0, flag: "--date", today: context.today) }
                        ?? context.today,
                    note: note,
                    isAgreementKept: try Parse.yesNo(kept, flag: "--kept")))
        }
    }
}

struct DisputeNote: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "note", abstract: Help.text("给纠纷加一条备注。", "Add a note to a case."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.disputeID) var id: String
    @Argument(help: Help.option("备注内容。", "The note.")) var text: String

    func run() throws {
        try performOnDispute(options, id, done: { $0.pick("已记录", "Noted") }) { _, _ in .note(text) }
    }
}

struct DisputeReopen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen", abstract: Help.text("重新打开已结束的纠纷：回到调解中。", "Reopen a closed case: back to mediation."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.disputeID) var id: String
    @Option(help: Help.option("重新打开的原因。", "Why the case is reopened.")) var reason: String

    func run() throws {
        try performOnDispute(options, id, done: { $0.pick("已重新调解", "Reopened") }) { _, _ in .reopen(reason: reason) }
    }
}

struct DisputeVoid: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "void", abstract: Help.text("作废一条纠纷：记录保留，不再计入统计。", "Void a case: kept, no longer counted (作废)."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.disputeID) var id: String
    @Option(help: Help.option("作废的原因，如 重复录入。", "Why the case is voided, e.g. recorded twice.")) var reason: String

    func run() throws {
        try performOnDispute(options, id, done: { $0.pick("已作废", "Voided") }) { _, _ in .void(reason: reason) }
    }
}

struct DisputeUnvoid: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unvoid", abstract: Help.text("恢复已作废的纠纷。", "Restore a voided case."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.disputeID) var id: String
    @Option(help: Help.option("恢复的原因。", "Why the case is restored.")) var reason: String

    func run() throws {
        try performOnDispute(options, id, done: { $0.pick("已恢复", "Restored") }) { _, _ in .unvoid(reason: reason) }
    }
}

struct DisputeList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: Help.text("列出纠纷，最新的在前。", "List cases, newest first."))

    @OptionGroup var options: GlobalOptions
    @OptionGroup var list: DisputeListOptions

    func run() throws {
        try Context.run(options) {
            let format = try list.format()
            let context = try Context(options)
            FileHandleOutput.standardOutput.write(try context.output().disputes(try list.filter(), format: format))
        }
    }
}

struct DisputeShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: Help.text("显示一条纠纷，连同回访和修改历史。", "Show a case with its visits and history."))

    @OptionGroup var options: GlobalOptions
    @Argument(help: Help.disputeID) var id: String
    @Flag(help: Help.json) var json = false

    func run() throws {
        try Context.run(options) {
            say(try Context(options).output().show(id, kind: .dispute, json: json))
        }
    }
}
