import ArgumentParser
import Client
import Console
import Shared
import Storage

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: Help.text(
            "为一个村的工作人员建立本机副本。无需联网。", "Create this laptop's replica for a worker of a village. Works offline."))

    @OptionGroup var options: GlobalOptions

    @Option(
        name: .long,
        help: Help.option(
            "村（社区）的 12 位区划代码，如 620502101201。", "The village's 12-digit division code, e.g. 620502101201."))
    var village: String?

    @Option(name: .long, help: Help.option("工作人员姓名。", "The worker's name."))
    var worker: String?

    @Option(
        name: .long,
        help: Help.option(
            "改用区中心给的登记串建立副本（乡镇和区里的办公室也用这个）。",
            "Create the replica from a center's enrollment string instead (town and district offices too)."))
    var enroll: String?

    func run() throws {
        try Context.run(options) {
            let context = try Context(options)
            if let enroll {
                guard village == nil, worker == nil else {
                    throw UsageError(
                        "--enroll takes the village and worker from the enrollment; drop --village and --worker",
                        chinese: "--enroll 会从登记串取得村和工作人员；请去掉 --village 和 --worker")
                }
                let enrollment = try Enrollment(parsing: enroll)
                let store = try FieldStore.create(home: context.home, enrollment: enrollment)
                let identity = try store.identity()
                say(
                    context.language.pick(
                        "已创建本机副本 \(identity.replica)（\(enrollment.scope)，\(enrollment.worker)），已登记到 \(enrollment.url)",
                        "Created replica \(identity.replica) (\(enrollment.scope), \(enrollment.worker)) enrolled with \(enrollment.url)"
                    ))
                return
            }
            let prompter = Prompter(language: context.language)
            let village = try required(village.map { try Parse.area($0, flag: "--village") }, flag: "--village") {
                try prompter.ask(context.language.pick("村/社区代码（12位）", "Village code (12 digits)")) {
                    try Parse.area($0, flag: "--village")
                }
            }
            let worker = try required(worker, flag: "--worker") {
                try prompter.ask(context.language.pick("网格员姓名", "Worker's name")) { $0 }
            }
            let store = try FieldStore.create(home: context.home, village: village, worker: worker)
            let identity = try store.identity()
            say(
                context.language.pick(
                    "已创建本机副本 \(identity.replica)（\(village)，\(worker)）：\(context.home.url.path)",
                    "Created replica \(identity.replica) (\(village), \(worker)) in \(context.home.url.path)"))
        }
    }
}

struct RetireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retire",
        abstract: Help.text(
            "删除本机副本和它保存的全部记录（工作人员换了村、电脑交回时）。",
            "Remove this replica with every record it holds (a worker who moved, a laptop handed back)."),
        discussion: Help.text(
            """
            还有修改没有送到区中心时不删除：先运行 field sync。删除后，请区中心停用这台设备（center worker revoke）；\
            到了新的村，用新的登记串 field init --enroll。
            """,
            """
            Refused while changes have not reached the center: run field sync first. Afterwards the center should \
            revoke the device (center worker revoke); in the new village, field init --enroll with a new enrollment.
            """))

    @OptionGroup var options: GlobalOptions
    @Flag(
        name: .customLong("discard-unsent"),
        help: Help.option("连同没有送到区中心的修改一起删除。", "Remove it even with changes the center never received."))
    var discardUnsent = false

    func run() throws {
        try Context.run(options) {
            let context = try Context(options)
            let retired = try FieldStore.retire(home: context.home, discardingUnsent: discardUnsent)
            let language = context.language
            let place = [retired.scope?.description, retired.worker].compactMap { $0 }.joined(separator: "，")
            var lines = [
                language.pick(
                    "已删除本机副本 \(retired.replica)（\(place)）和它保存的全部记录。",
                    "Removed replica \(retired.replica) (\(place)) with every record it held.")
            ]
            if retired.discarded > 0 {
                lines.append(
                    language.pick(
                        "丢弃了 \(retired.discarded) 条没有送到区中心的修改。",
                        "\(retired.discarded) changes the center never received were thrown away."))
            }
            if let device = retired.device {
                lines.append(
                    language.pick(
                        "请区中心停用这台设备：center worker revoke \(device)",
                        "Ask the center to revoke this device: center worker revoke \(device)"))
            }
            say(lines.joined(separator: "\n"))
        }
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: Help.text(
            "各状态的纠纷数、未销号和逾期的风险隐患、等待同步的修改。", "Counts by status, open and overdue risk items, changes waiting to sync."))

    @OptionGroup var options: GlobalOptions

    @Flag(name: .long, help: Help.json)
    var json = false

    func run() throws {
        try Context.run(options) {
            let context = try Context(options)
            let store = try context.open()
            let status = try store.status(on: context.today)
            // A village the center merged into another, known from the last sync: where it went.
            let scope = status.identity.scope
            let mergedInto = try scope.flatMap { try store.mergedInto($0) }
            if json {
                var encoded = StatusJSON(status)
                encoded.mergedInto = mergedInto?.description
                say(RecordJSON.encode(encoded))
            } else {
                var text = context.text
                text.places = try RecordText.places(of: store)
                say(text.status(status))
                if let scope, let mergedInto {
                    let name = try store.areas().first { $0.code == mergedInto }?.name
                    say(SyncText.merged(scope, into: mergedInto, name: name, language: context.language))
                }
            }
        }
    }
}

/// `field status --json`.
struct StatusJSON: Encodable {
    var replica: String
    var village: String
    var worker: String
    var disputes: [String: Int]
    var voidedDisputes: Int
    var openRiskItems: Int
    var overdueRiskItems: Int
    var struckOffRiskItems: Int
    var pendingChanges: Int
    var center: String?
    var lastSyncAt: String?
    /// Whether the first pull's snapshot stopped part-way.
    var takingSnapshot: Bool
    /// The area this replica's village was merged into, if the center merged it.
    var mergedInto: String?

    init(_ status: StoreStatus) {
        center = status.center
        lastSyncAt = status.lastSyncAt.map(RecordJSON.time)
        takingSnapshot = status.isTakingSnapshot
        replica = status.identity.replica.description
        village = status.identity.scope?.description ?? ""
        worker = status.identity.worker
        disputes = Dictionary(uniqueKeysWithValues: DisputeStatus.allCases.map { ($0.code, status.disputes[$0] ?? 0) })
        voidedDisputes = status.voidedDisputes
        openRiskItems = status.openRiskItems
        overdueRiskItems = status.overdueRiskItems
        struckOffRiskItems = status.struckOffRiskItems
        pendingChanges = status.pendingChanges
    }
}
