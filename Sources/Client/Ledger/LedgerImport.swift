import Console
import Foundation
import Shared
import Storage

/// Loads a ledger kept in a spreadsheet and saved as CSV: a dispute ledger (矛盾纠纷排查台账) or a
/// risk ledger (风险隐患台账), with Chinese or English column headings.
///
/// All or nothing: if any row is bad, nothing is imported and every bad row is listed with its line and
/// reason, unless `skipInvalid` is set, which imports the good rows and lists the rest.
public struct LedgerImport: Sendable {
    public enum Ledger: String, Sendable {
        case disputes, risks
    }

    /// A row that cannot be imported.
    public struct RowError: Sendable, Equatable, CustomStringConvertible, LocalizedMessage {
        public var line: Int
        public var message: String
        public var chinese: String
        public var description: String { "line \(line): \(message)" }

        public func message(in language: Language) -> String {
            language == .zh ? "第 \(line) 行：\(chinese)" : description
        }
    }

    public struct Outcome: Sendable {
        public var ledger: Ledger
        public var imported: Int
        /// The first `maximumListedErrors` rows skipped.
        public var skipped: [RowError]
        /// How many rows were skipped in all.
        public var skippedCount: Int
    }

    /// Most bad rows an import lists (and keeps): a file of bad rows says what is wrong with the first
    /// ones and how many there are, not a million lines.
    public static let maximumListedErrors = 100

    /// The worker's village: the default for rows that name none.
    public var village: AreaCode
    public var recorder: String
    /// The day used for a resolution or striking off whose row gives no date.
    public var today: CalendarDate

    public init(village: AreaCode, recorder: String, today: CalendarDate) {
        self.village = village
        self.recorder = recorder
        self.today = today
    }

    /// Reads `text` and imports it into `store` in one transaction.
    /// - Throws: `ImportError` listing the bad rows (nothing imported), `CSV.ParseError`, `StoreError`.
    public func run(_ text: String, into store: FieldStore, skipInvalid: Bool) throws -> Outcome {
        let records = try CSV.parse(text)
        guard let header = records.first else {
            throw ImportError(rows: [], message: "the file is empty", chinese: "文件是空的")
        }
        let columns = LedgerColumns(header.fields)
        let ledger: Ledger
        if columns.has(.parties) {
            ledger = .disputes
        } else if columns.has(.plan) || columns.has(.owner) {
            ledger = .risks
        } else {
            throw ImportError(
                rows: [],
                message: "cannot tell what ledger this is: a dispute ledger needs a column 当事人 (parties), "
                    + "a risk ledger a column 预案 (plan) or 责任人 (owner)",
                chinese: "看不出这是哪种台账：纠纷台账要有“当事人”一列，风险隐患台账要有“预案”或“责任人”一列")
        }
        var disputes: [[DisputeCommand]] = []
        var risks: [[RiskCommand]] = []
        var errors: [RowError] = []
        var errorCount = 0
        for record in records.dropFirst() {
            let row = LedgerRow(columns: columns, fields: record.fields)
            do {
                switch ledger {
                case .disputes: disputes.append(try disputeCommands(row))
                case .risks: risks.append(try riskCommands(row))
                }
            } catch {
                errorCount += 1
                guard errors.count < Self.maximumListedErrors else { continue }
                errors.append(
                    RowError(line: record.line, message: "\(error)", chinese: Language.zh.message(for: error)))
            }
        }
        if errorCount > 0, !skipInvalid {
            throw ImportError(
                rows: errors, unlisted: errorCount - errors.count,
                message: "\(errorCount) of \(records.count - 1) rows cannot be imported, so nothing was imported "
                    + "(--skip-invalid imports the good rows)",
                chinese: "\(records.count - 1) 行里有 \(errorCount) 行无法导入，所以什么都没有导入"
                    + "（加 --skip-invalid 只导入没有问题的行）")
        }
        try store.transact { session in
            for commands in disputes {
                let id = RecordID.random()
                for command in commands {
                    let current = try session.dispute(id)
                    try session.commit(command.changes(for: id, current: current, clock: &session.clock))
                }
            }
            for commands in risks {
                let id = RecordID.random()
                for command in commands {
                    let current = try session.riskItem(id)
                    try session.commit(command.changes(for: id, current: current, clock: &session.clock))
                }
            }
        }
        return Outcome(
            ledger: ledger, imported: disputes.count + risks.count, skipped: errors, skippedCount: errorCount)
    }

    /// What ledgers kept by hand write in a cell that has nothing to say.
    static let blanks: Set<String> = ["无", "暂无", "不详", "未知", "/", "-", "—", "——", "--"]

    /// `parties` with the numbers of the ID-number and phone columns, where a ledger keeps them apart from the
    /// names: the n-th number of a cell is the n-th party's, and an empty place in the list passes a party over
    /// (`、13900139000`: the second party's phone).
    private func withNumbers(_ parties: [Party], _ row: LedgerRow) throws -> [Party] {
        var parties = parties
        for column in [LedgerColumn.idNumber, .phone] {
            guard let cell = row[column] else { continue }
            let flag = "\(column.headings[0]) (\(column.headings.last!))"
            let numbers = cell.split(omittingEmptySubsequences: false, whereSeparator: Parse.isListSeparator)
                .map { String($0).trimmingSpaces }
            guard numbers.count <= parties.count else {
                throw InputError(
                    "\(flag): \(numbers.count) numbers for \(parties.count) parties; the n-th number is the n-th party's",
                    chinese: "“\(column.headings[0])”一列有 \(numbers.count) 个号码，当事人只有 \(parties.count) 位；第几个号码就是第几位当事人的")
            }
            // A place in the list filled as blank, as a whole cell may be.
            for (index, number) in numbers.enumerated() where !number.isEmpty && !Self.blanks.contains(number) {
                let party = parties[index]
                let numbered: Party
                do {
                    // Through `Party.init`, which checks and normalises the number.
                    numbered = try Party(
                        name: party.name, idNumber: column == .idNumber ? number : party.idNumber,
                        phone: column == .phone ? number : party.phone)
                } catch {
                    throw InputError(
                        "\(flag): party \(index + 1): \(error)",
                        chinese: "“\(column.headings[0])”一列，第 \(index + 1) 位当事人：\(Language.zh.message(for: error))")
                }
                let key: KeyPath<Party, String?> = column == .idNumber ? \.idNumber : \.phone
                if let before = party[keyPath: key], before != numbered[keyPath: key] {
                    throw InputError(
                        "\(flag): party \(index + 1) has another number in 当事人 (parties); which is right?",
                        chinese: "“\(column.headings[0])”一列，第 \(index + 1) 位当事人的号码和“当事人”一列写的不一样，请核对")
                }
                parties[index] = numbered
            }
        }
        return parties
    }

    private func disputeCommands(_ row: LedgerRow) throws -> [DisputeCommand] {
        let village = try row[.village].map { try Parse.area($0, flag: "村/社区代码 (village)") } ?? self.village
        guard village.level == .village else {
            throw InputError(
                "村/社区代码 (village): \(village) is a \(village.level) code; a case belongs to a village",
                chinese: "村/社区代码：\(village) 不是村社区代码；案件要属于某个村社区")
        }
        let category: DisputeCategory = try Parse.coded(try row.required(.category), flag: "类别 (category)")
        let parties = try withNumbers(try Parse.parties(try row.required(.parties), flag: "当事人 (parties)"), row)
        let foundBy: Discovery = try row[.foundBy].map { try Parse.coded($0, flag: "来源 (found_by)") } ?? .screening
        let level: RiskLevel = try row[.level].map { try Parse.coded($0, flag: "等级 (level)") } ?? .normal
        let date = try row[.date].map { try Parse.pastDate($0, flag: "发生日期 (date)", today: today) }
        let draft = DisputeDraft(
            village: village, category: category, parties: parties, summary: try row.required(.summary),
            foundBy: foundBy, level: level, incidentDate: date, recorder: row[.recorder] ?? recorder)
        var commands: [DisputeCommand] = [.record(draft)]
        let status: DisputeStatus = try row[.status].map { try Parse.coded($0, flag: "状态 (status)") } ?? .screened
        let method: MediationMethod = try row[.method].map { try Parse.coded($0, flag: "调解方式 (method)") } ?? .other
        if status == .mediating || status == .resolved || status == .unresolved {
            commands.append(.mediate(method: method, mediator: row[.mediator]))
        }
        switch status {
        case .resolved:
            guard let agreement = row[.agreement] else {
                throw InputError(
                    "状态 (status) 调解成功 needs the agreement in 调解协议 (agreement)", chinese: "状态为调解成功时要在“调解协议”一列写明协议")
            }
            let on =
                try row[.closedOn].map { try Parse.pastDate($0, flag: "调结日期 (closed_on)", today: today) } ?? date
                ?? today
            if let date, on < date {
                throw InputError(
                    "调结日期 (closed_on): \(on) is before the day the dispute arose, 发生日期 (date) \(date)",
                    chinese: "调结日期 \(on) 早于纠纷的发生日期 \(date)")
            }
            commands.append(.resolve(agreement: agreement, date: on))
        case .unresolved:
            commands.append(.fail(reason: row[.reason] ?? "台账导入：调解不成"))
        case .escalated:
            guard let target = row[.escalatedTo] else {
                throw InputError(
                    "状态 (status) 已移交 needs 移交去向 (escalated_to): court, petition, committee or town",
                    chinese: "状态为已移交时要写“移交去向”：法院、信访、专业调委会或乡镇")
            }
            commands.append(.escalate(to: try Parse.coded(target, flag: "移交去向 (escalated_to)"), note: row[.reason]))
        case .screened, .mediating:
            break
        }
        return commands
    }

    private func riskCommands(_ row: LedgerRow) throws -> [RiskCommand] {
        let scope = try row[.village].map { try Parse.area($0, flag: "区划代码 (scope)") } ?? village
        let level: RiskLevel = try row[.level].map { try Parse.coded($0, flag: "等级 (level)") } ?? .normal
        let deadline = try Parse.date(try row.required(.deadline), flag: "期限 (deadline)")
        let draft = RiskDraft(
            scope: scope, area: try row.required(.area), title: try row.required(.title), level: level,
            plan: try row.required(.plan), owner: Owner(person: try row.required(.owner), unit: row[.unit]),
            deadline: deadline, recorder: row[.recorder] ?? recorder)
        var commands: [RiskCommand] = [.record(draft)]
        if let status = row[.status] {
            let parsed: RiskStatus = try Parse.coded(status, flag: "状态 (status)")
            if parsed == .struckOff {
                guard let evidence = row[.evidence] else {
                    throw InputError(
                        "状态 (status) 已销号 needs the evidence in 销号依据 (evidence)", chinese: "状态为已销号时要在“销号依据”一列写明依据")
                }
                let on =
                    try row[.closedOn].map { try Parse.pastDate($0, flag: "销号日期 (closed_on)", today: today) } ?? today
                commands.append(.strike(evidence: evidence, date: on))
            }
        }
        return commands
    }
}

/// A ledger that cannot be imported: which rows are bad and why.
public struct ImportError: DataError, Sendable, CustomStringConvertible, LocalizedMessage {
    /// The first bad rows (`LedgerImport.maximumListedErrors` at most).
    public var rows: [LedgerImport.RowError]
    /// Bad rows past those listed.
    public var unlisted: Int
    public var message: String
    public var chinese: String

    public init(rows: [LedgerImport.RowError], unlisted: Int = 0, message: String, chinese: String) {
        (self.rows, self.unlisted, self.message, self.chinese) = (rows, unlisted, message, chinese)
    }

    public var description: String { message(in: .en) }

    public func message(in language: Language) -> String {
        var lines = [language == .zh ? chinese : message] + rows.map { "  " + $0.message(in: language) }
        if unlisted > 0 {
            lines.append(language.pick("  ……另有 \(unlisted) 行有问题，未列出", "  … and \(unlisted) more bad rows, not listed"))
        }
        return lines.joined(separator: "\n")
    }
}

/// The columns a ledger may have, and the headings that name them.
enum LedgerColumn: CaseIterable {
    case village, category, parties, idNumber, phone, summary, foundBy, level, date, status, method, mediator, agreement
    case closedOn
    case escalatedTo, reason, recorder, area, title, plan, owner, unit, deadline, evidence

    var headings: [String] {
        switch self {
        case .village: ["村/社区代码", "村社区代码", "区划代码", "村代码", "village", "scope"]
        case .category: ["类别", "纠纷类别", "纠纷类型", "矛盾纠纷类型", "纠纷种类", "类型", "category"]
        case .parties: ["当事人", "双方当事人", "当事人姓名", "parties"]
        case .idNumber: ["身份证号", "身份证号码", "公民身份号码", "身份证", "idnumber", "id_number"]
        case .phone: ["联系电话", "电话", "电话号码", "手机号码", "手机", "联系方式", "phone"]
        case .summary: ["简要情况", "纠纷简要情况", "基本情况", "简要案情", "纠纷概况", "主要情况", "摘要", "summary"]
        case .foundBy: ["来源", "发现方式", "found_by", "foundby"]
        case .level: ["等级", "风险等级", "level"]
        case .date: ["发生日期", "日期", "排查日期", "发生时间", "排查时间", "date", "incident_date", "incidentdate"]
        case .status: ["状态", "调处状态", "调处结果", "化解情况", "化解结果", "调解结果", "status"]
        case .method: ["调解方式", "调解方法", "化解方式", "调处方式", "method"]
        case .mediator: ["调解员", "调解人", "mediator"]
        case .agreement: ["调解协议", "协议内容", "调解协议内容", "agreement"]
        case .closedOn: ["调结日期", "销号日期", "化解日期", "办结日期", "调结时间", "销号时间", "closed_on", "closedon"]
        case .escalatedTo: ["移交去向", "移交", "escalated_to", "escalatedto"]
        case .reason: ["原因", "备注", "reason", "note"]
        case .recorder: ["登记人", "录入人", "recorder"]
        case .area: ["领域", "方面", "所属领域", "风险类别", "隐患类别", "area"]
        case .title: ["风险隐患", "隐患", "名称", "风险点", "隐患名称", "风险隐患名称", "title"]
        case .plan: ["预案", "防范化解措施", "化解措施", "整改措施", "管控措施", "稳控措施", "plan"]
        case .owner: ["责任人", "责任领导", "包案领导", "包保责任人", "owner"]
        case .unit: ["责任单位", "unit"]
        case .deadline: ["期限", "化解时限", "完成时限", "整改时限", "完成时间", "deadline"]
        case .evidence: ["销号依据", "evidence"]
        }
    }
}

/// Where each known column sits in a file's header row.
struct LedgerColumns {
    private var positions: [LedgerColumn: Int] = [:]

    init(_ header: [String]) {
        let lookup = Dictionary(
            LedgerColumn.allCases.flatMap { column in column.headings.map { (Self.fold($0), column) } },
            uniquingKeysWith: { first, _ in first })
        for (index, heading) in header.enumerated() {
            if let column = lookup[Self.fold(heading)], positions[column] == nil {
                positions[column] = index
            }
        }
    }

    func has(_ column: LedgerColumn) -> Bool { positions[column] != nil }

    func position(_ column: LedgerColumn) -> Int? { positions[column] }

    /// Headings compared without spaces, width or case, and without a trailing "*" or "（必填）".
    static func fold(_ heading: String) -> String {
        var text = SearchText.normalize(heading).replacingOccurrences(of: " ", with: "")
        for suffix in ["(必填)", "*"] where text.hasSuffix(suffix) {
            text.removeLast(suffix.count)
        }
        return text
    }
}

/// One data row read through the header.
struct LedgerRow {
    let columns: LedgerColumns
    let fields: [String]

    /// The trimmed cell, or nil if the column is absent or the cell empty or filled as blank ("无", "/", "—").
    subscript(column: LedgerColumn) -> String? {
        guard let index = columns.position(column), index < fields.count else { return nil }
        let value = fields[index].trimmingSpaces
        return value.isEmpty || LedgerImport.blanks.contains(value) ? nil : value
    }

    func required(_ column: LedgerColumn) throws -> String {
        guard let value = self[column] else {
            throw InputError(
                "\(column.headings[0]) (\(column.headings.last!)) is empty", chinese: "“\(column.headings[0])”一列是空的")
        }
        return value
    }
}
