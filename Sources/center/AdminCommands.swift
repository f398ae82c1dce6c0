import ArgumentParser
import Console
import Foundation
import Shared
import Storage

struct AreaGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "area", abstract: Help.text("本区县的乡镇街道和村（社区）。", "The district's towns and villages."),
        subcommands: [AreaImport.self, AreaList.self, AreaMerge.self])
}

struct AreaImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: Help.text(
            "从 CSV 导入区划：代码、名称、上级代码、并入的区划代码（区划调整时填；表头行会跳过）。",
            "Load areas from CSV: code, name, parent code, and the code of the area it was merged into (after a "
                + "reorganisation; a heading row is skipped)."))

    @OptionGroup var options: CenterOptions
    @Argument(help: Help.option("CSV 文件。", "The CSV file.")) var file: String

    func run() async throws {
        try await guarded(lang: options.lang) {
            let (text, encoding) = try SpreadsheetText.read(file)
            var areas: [Area] = []
            var problems: [(Int, any Error)] = []
            for record in try CSV.parse(text) {
                guard let first = record.fields.first?.trimmingSpaces, first.first?.isNumber == true else { continue }
                do {
                    let code = try Parse.area(first, flag: "code")
                    let name = record.fields.count > 1 ? record.fields[1].trimmingSpaces : ""
                    guard !name.isEmpty else { throw InputError("the name is empty", chinese: "名称是空的") }
                    if record.fields.count > 2, !record.fields[2].trimmingSpaces.isEmpty {
                        let parent = try Parse.area(record.fields[2].trimmingSpaces, flag: "parent code")
                        guard parent == code.parent else {
                            let implied = code.parent?.description
                            throw InputError(
                                "parent \(parent) does not contain \(code); its code says \(implied ?? "none")",
                                chinese: "上级 \(parent) 不包含 \(code)；按代码它的上级是 \(implied ?? "无")")
                        }
                    }
                    let successor =
                        record.fields.count > 3 && !record.fields[3].trimmingSpaces.isEmpty
                        ? try Parse.area(record.fields[3].trimmingSpaces, flag: "merged into") : nil
                    areas.append(Area(code: code, name: name, successor: successor))
                } catch {
                    problems.append((record.line, error))
                }
            }
            guard problems.isEmpty else {
                func lines(_ language: Language) -> String {
                    problems.map {
                        "\n  " + language.pick("第 \($0.0) 行：", "line \($0.0): ") + language.message(for: $0.1)
                    }
                    .joined()
                }
                throw InputError(
                    "nothing was imported; fix these lines:" + lines(.en), chinese: "什么都没有导入；请改正这些行：" + lines(.zh))
            }
            let count = try await options.withCenter(create: true) { try await $0.importAreas(areas) }
            let language = try options.language
            say(language.pick("已导入 \(count) 个区划", "imported \(count) areas") + encoding.note(in: language))
        }
    }
}

struct AreaList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: Help.text("列出本区县的区划。", "List the district's areas."))

    @OptionGroup var options: CenterOptions
    @Flag(help: Help.json) var json = false

    func run() async throws {
        try await guarded(lang: options.lang) {
            let areas = try await options.withCenter { try await $0.areas() }
            if json {
                say(
                    RecordJSON.encode(
                        areas.map {
                            [
                                "code": $0.code.description, "name": $0.name, "parent": $0.parent?.description ?? "",
                                "mergedInto": $0.successor?.description ?? "",
                            ]
                        }))
            } else {
                let language = try options.language
                let merged = areas.contains { $0.successor != nil }
                let names = Dictionary(areas.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
                var table = TextTable(
                    headers: (language == .zh ? ["代码", "名称", "级别"] : ["code", "name", "level"])
                        + (merged ? [language.pick("并入", "merged into")] : []))
                for area in areas {
                    table.append(
                        [
                            area.code.description,
                            String(repeating: "  ", count: area.code.level.rawValue / 3 - 2) + area.name,
                            language.pick(area.code.level.chineseName, "\(area.code.level)"),
                        ] + (merged ? [area.successor.map { "\($0) \(names[$0] ?? "")" } ?? ""] : []))
                }
                say(table.render())
            }
        }
    }
}

struct AreaMerge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: Help.text(
            "区划调整：把一个村（或乡镇）并入另一个，它的记录今后算在那里，那里的设备可以同步它们。",
            "After a reorganisation: merge a village (or town) into another; its records count there from now "
                + "on, and that area's devices sync them."),
        discussion: Help.text(
            """
            记录保留原来的区划代码；报表和列表把它们算在并入的区划下，覆盖那个区划的设备下次同步时收到它们的全部历史。\
            只能并入同级、没有被并入别处的区划；乡镇要先把下面的村逐个并入新的区划。并入后不能撤销。
            """,
            """
            Records keep the code they were made in; reports and lists count them under the area merged into, and \
            devices covering that area get their whole history at their next sync. An area is merged into one of \
            its level that was not merged itself; a town's villages are merged first, each into its new area. A \
            merge cannot be undone.
            """))

    @OptionGroup var options: CenterOptions
    @Argument(help: Help.option("被撤并的区划代码。", "The code of the area done away with.")) var code: String
    @Option(name: .customLong("into"), help: Help.option("并入的区划代码。", "The code of the area it is merged into."))
    var successor: String
    @Flag(
        help: Help.option(
            "确认合并（合并不能撤销）；不加时只显示将会怎样，什么都不改。",
            "Confirm the merge (it cannot be undone); without it, shows what would happen and changes nothing."))
    var yes = false

    func run() async throws {
        try await guarded(lang: options.lang) {
            let code = try Parse.area(code, flag: "code")
            let successor = try Parse.area(successor, flag: "--into")
            let language = try options.language
            try await options.withCenter { center in
                let known = try await center.areas()
                guard let area = known.first(where: { $0.code == code }) else {
                    throw InputError(
                        "\(code) is not one of the district's areas (center area list shows them)",
                        chinese: "\(code) 不是本区县的区划（center area list 可以列出）")
                }
                let merge = Area(code: code, name: area.name, successor: successor)
                // Refusals first: the preview is of a merge that can be made.
                try ReplicaStore.checkSuccessions(
                    [merge], known: Dictionary(known.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first }))
                let names = Dictionary(known.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
                let old = "\(code) \(area.name)"
                let new = "\(successor) \(names[successor] ?? "")"
                let devices = try await center.devices().filter { !$0.isRevoked }
                let stranded = devices.filter { $0.scope == code }
                guard yes else {
                    let merged = try await center.merged()
                    let cases = try merged.disputes(DisputeFilter(scope: code)).count
                    let risks = try merged.riskItems(RiskFilter(scope: code)).count
                    // Devices that will hold the area's records, which they did not: personal data goes there.
                    let gaining = devices.filter { $0.scope.covers(successor) && !$0.scope.covers(code) }
                    say(
                        language.pick(
                            "将把 \(old) 并入 \(new)：\(cases) 件案件、\(risks) 项风险隐患今后算在 \(new)；"
                                + "以下 \(gaining.count) 台设备下次同步时会收到它们（含当事人信息）：",
                            "\(old) would be merged into \(new): \(cases) case(s) and \(risks) risk item(s) would count "
                                + "there; these \(gaining.count) device(s) would get them, parties included, at their "
                                + "next sync:")
                            + gaining.map { "\n  \($0.id)  \($0.name)  \($0.scope)" }.joined())
                    throw UsageError(
                        "nothing was changed: a merge cannot be undone; to make it, run this again with --yes",
                        chinese: "什么都没有改：合并后不能撤销；确认无误，请加 --yes 再运行一次")
                }
                _ = try await center.importAreas([merge])
                say(
                    language.pick(
                        "已把 \(old) 并入 \(new)：它的记录今后算在 \(names[successor] ?? successor.description)，覆盖那里的设备下次同步时会收到",
                        "merged \(old) into \(new): its records count there from now on; devices covering it get them "
                            + "at their next sync"))
                if !stranded.isEmpty {
                    say(
                        language.pick(
                            "登记在 \(old) 的 \(stranded.count) 台设备仍可同步它原有的记录；请给这些工作人员发 \(successor) 的登记串（center worker add），"
                                + "他们先 field sync，再 field enroll 新登记串，本机记录会留着：",
                            "\(stranded.count) device(s) enrolled for \(old) still sync its records; give their workers "
                                + "enrollments of \(successor) (center worker add): field sync, then field enroll the "
                                + "new one, and their records stay on the laptop:")
                            + stranded.map { "\n  \($0.id)  \($0.name)" }.joined())
                }
            }
        }
    }
}

struct WorkerGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: Help.text("登记、列出和停用设备。", "Enroll, list and revoke devices."),
        subcommands: [WorkerAdd.self, WorkerList.self, WorkerRevoke.self])
}

struct WorkerAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: Help.text(
            "登记一台设备，显示交给工作人员的登记串（`field enroll 登记串`）。",
            "Enroll a device; prints the enrollment string to give its worker (`field enroll STRING`)."))

    @OptionGroup var options: CenterOptions
    @Option(help: Help.option("使用这台设备的工作人员姓名。", "The name of the worker who uses the device.")) var name: String
    @Option(
        help: Help.option(
            "设备能查看和修改的村（网格员）、乡镇或区县代码。", "The village (grid), town or district code the device may see and change."))
    var scope: String
    @Option(help: Help.option("角色：grid（网格员）、town（乡镇）或 district（区县）。", "grid, town or district.")) var role: String
    @Option(
        help: Help.option(
            "设备访问区中心的地址，如 http://10.1.2.3:8080。", "How devices reach this center, e.g. http://10.1.2.3:8080."))
    var url = "http://127.0.0.1:8080"

    func run() async throws {
        try await guarded(lang: options.lang) {
            let role: DeviceRole = try Parse.coded(role, flag: "--role")
            let scope = try Parse.area(scope, flag: "--scope")
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw InputError(
                    "--url must start with http:// or https://, not '\(url)'",
                    chinese: "--url 要以 http:// 或 https:// 开头，不能是“\(url)”")
            }
            let (device, credential) = try await options.withCenter {
                try await $0.enroll(name: name, scope: scope, role: role)
            }
            let enrollment = Enrollment(url: url, credential: credential, scope: scope, role: role, worker: device.name)
            FileHandleOutput.standardError.write(
                try options.language.pick(
                    "已为 \(device.name) 登记设备 \(device.id)（\(role.code)，\(scope)）；把下面的登记串交给这位工作人员：\n",
                    "enrolled device \(device.id) for \(device.name) (\(role.code), \(scope)); give the worker this string:\n"
                ))
            say(enrollment.text)
        }
    }
}

struct WorkerList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: Help.text("列出已登记的设备。", "List enrolled devices."))

    @OptionGroup var options: CenterOptions
    @Flag(help: Help.json) var json = false

    func run() async throws {
        try await guarded(lang: options.lang) {
            let (enrolled, areas) = try await options.withCenter { (try await $0.devices(), try await $0.areas()) }
            // As an administrator looks for a device: by its area (district, towns, villages, in the
            // district's code order), then its worker's name by pinyin.
            let devices = enrolled.sorted {
                $0.scope != $1.scope ? $0.scope < $1.scope : ChineseOrder.precedes($0.name, $1.name)
            }
            let names = RecordText.places(areas)
            if json {
                say(RecordJSON.encode(devices.map(DeviceJSON.init)))
            } else {
                let language = try options.language
                var table = TextTable(
                    headers: language == .zh
                        ? ["设备", "名称", "角色", "范围", "最近同步", "时钟偏差", "变更数", "状态"]
                        : ["device", "name", "role", "scope", "last seen", "clock offset", "changes", "state"])
                for device in devices {
                    // The device's clock relative to the center's: ahead or behind by how much.
                    let offset = device.clockOffset.map {
                        ClockError.duration(abs($0), in: language)
                            + ($0 >= 0 ? language.pick(" 快", " ahead") : language.pick(" 慢", " behind"))
                    }
                    table.append([
                        device.id, device.name, language.label(device.role),
                        names[device.scope].map { "\($0) \(device.scope)" } ?? device.scope.description,
                        device.lastSeenAt.map { LocalTime.minute(at: $0) } ?? language.pick("从未", "never"),
                        offset ?? "—", String(device.pushedChanges),
                        device.isRevoked ? language.pick("已注销", "revoked") : language.pick("在用", "active"),
                    ])
                }
                say(table.render())
            }
        }
    }
}

struct DeviceJSON: Encodable {
    var id: String
    var name: String
    var role: String
    var scope: String
    var createdAt: String
    var revokedAt: String?
    var lastSeenAt: String?
    var clockOffsetMs: Int64?
    var pushedChanges: Int

    init(_ device: ReplicaStore.Device) {
        id = device.id
        name = device.name
        role = device.role.code
        scope = device.scope.description
        createdAt = RecordJSON.time(device.createdAt)
        revokedAt = device.revokedAt.map(RecordJSON.time)
        lastSeenAt = device.lastSeenAt.map(RecordJSON.time)
        clockOffsetMs = device.clockOffset
        pushedChanges = device.pushedChanges
    }
}

struct WorkerRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: Help.text(
            "停用一台设备：它不能再同步，已交上来的数据保留。", "Revoke a device: it can no longer sync; what it delivered stays."))

    @OptionGroup var options: CenterOptions
    @Argument(help: Help.option("设备 id（见 center worker list）。", "The device's id (see center worker list).")) var id:
        String

    func run() async throws {
        try await guarded(lang: options.lang) {
            let device = try await options.withCenter { try await $0.revoke(device: id) }
            say(
                try options.language.pick(
                    "已注销设备 \(device.id)（\(device.name)）", "revoked device \(device.id) (\(device.name))"))
        }
    }
}
