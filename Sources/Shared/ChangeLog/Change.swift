/// One edit to one field of one record: the unit the change log stores, syncs and merges.
///
/// A change is valid by construction: its field belongs to its record's kind, its value is of the
/// field's kind, and a lifecycle step carries what its action needs. Its timestamp identifies it
/// (see `HybridTimestamp`), so receiving it twice changes nothing.
///
/// ```swift
/// let change = try Change(
///     timestamp: clock.now(), entity: EntityKey(kind: .dispute, id: id),
///     scope: village, field: .summary, value: .text("两家因宅基地边界争执"))
/// ```
public struct Change: Hashable, Sendable {
    public let timestamp: HybridTimestamp
    public let entity: EntityKey
    /// The jurisdiction the record belongs to: its village for a dispute, any level for a risk item.
    public let scope: AreaCode
    public let field: Field
    public let value: Value

    /// Longest text a field may hold, in characters.
    public static let maximumTextLength = 10_000
    /// Most parties one dispute may list.
    public static let maximumParties = 100

    /// - Throws: `ChangeError` naming what does not fit.
    public init(
        timestamp: HybridTimestamp, entity: EntityKey, scope: AreaCode, field: Field, value: Value
    )
        throws(ChangeError)
    {
        self.timestamp = timestamp
        self.entity = entity
        self.scope = scope
        self.field = field
        self.value = value
        try validate()
    }

    /// The change's identity.
    public var id: HybridTimestamp { timestamp }

    private func validate() throws(ChangeError) {
        guard field.kinds.contains(entity.kind) else {
            throw ChangeError(
                field: field.rawValue,
                problem: "not a field of a \(entity.kind.rawValue); allowed: "
                    + entity.kind.fields.map(\.rawValue).joined(separator: ", "))
        }
        if entity.kind == .dispute, scope.level != .village {
            throw ChangeError(
                field: "scope",
                problem: "a dispute belongs to a village (12 digits), but \(scope) is a \(scope.level) code")
        }
        guard value.kind == field.valueKind else {
            throw ChangeError(
                field: field.rawValue, problem: "expected a \(field.valueKind.rawValue), got a \(value.kind.rawValue)")
        }
        switch value {
        case .text(let text):
            try Self.check(text, field: field.rawValue)
        case .parties(let parties):
            guard parties.count <= Self.maximumParties else {
                throw ChangeError(field: field.rawValue, problem: "lists \(parties.count) parties; at most 100")
            }
        case .owner(let owner):
            try Self.check(owner.person, field: "owner.person")
            try Self.check(owner.unit ?? "", field: "owner.unit")
        case .visit(let visit):
            try Self.check(visit.note, field: "visit.note")
        case .step(let step):
            try validate(step)
        case .date, .category, .method, .discovery, .level:
            break
        }
    }

    private func validate(_ step: LifecycleStep) throws(ChangeError) {
        let allowed = LifecycleStep.Action.allowed(kind: entity.kind, field: field)
        guard allowed.contains(step.action) else {
            throw ChangeError(
                field: "\(field.rawValue).action",
                problem: "'\(step.action.rawValue)' is not a step of a \(entity.kind.rawValue)'s \(field.rawValue); "
                    + "allowed: \(allowed.map(\.rawValue).joined(separator: ", "))")
        }
        if let late = step.basis.first(where: { $0 >= timestamp }) {
            throw ChangeError(field: "\(field.rawValue).basis", problem: "\(late) is not earlier than the step itself")
        }
        if let text = step.text {
            try Self.check(text, field: "\(field.rawValue).text")
        }
        let needs = step.action.requirements
        if needs.contains(.text), (step.text ?? "").trimmingSpaces.isEmpty {
            throw ChangeError(field: "\(field.rawValue).text", problem: "'\(step.action.rawValue)' needs a text")
        }
        if needs.contains(.date), step.date == nil {
            throw ChangeError(field: "\(field.rawValue).date", problem: "'\(step.action.rawValue)' needs a date")
        }
        if needs.contains(.target), step.target == nil {
            throw ChangeError(field: "\(field.rawValue).target", problem: "'\(step.action.rawValue)' needs a target")
        }
        if needs.contains(.into) {
            guard let into = step.into else {
                throw ChangeError(field: "\(field.rawValue).into", problem: "'merge' needs the surviving case")
            }
            guard into != entity.id else {
                throw ChangeError(field: "\(field.rawValue).into", problem: "a case cannot be merged into itself")
            }
        }
    }

    private static func check(_ text: String, field: String) throws(ChangeError) {
        // A character takes at least one byte: texts of no more bytes than the limit (nearly all, and O(1)
        // to tell) are not counted.
        guard text.utf8.count > maximumTextLength else { return }
        let count = text.unicodeScalars.count
        guard count <= maximumTextLength else {
            throw ChangeError(
                field: field, problem: "has \(count) characters; at most \(maximumTextLength)",
                chineseProblem: "有 \(count) 个字，最多 \(maximumTextLength) 个")
        }
    }
}

extension LifecycleStep.Action {
    /// What a step with this action must carry.
    enum Requirement: Hashable {
        case text, date, target, into
    }

    var requirements: Set<Requirement> {
        switch self {
        case .mediate: []
        case .resolve: [.text, .date]
        case .strike: [.text, .date]
        case .escalate: [.target]
        case .fail, .reopen, .void, .unvoid: [.text]
        case .merge: [.into]
        case .split: [.text]
        }
    }

    /// The actions a lifecycle field of a record kind accepts.
    static func allowed(kind: EntityKind, field: Field) -> [LifecycleStep.Action] {
        switch (kind, field) {
        case (.dispute, .status): [.mediate, .resolve, .fail, .escalate, .reopen]
        case (.risk, .status): [.strike, .reopen]
        case (_, .voided): [.void, .unvoid]
        case (.dispute, .duplicate): [.merge, .split]
        default: []
        }
    }
}

/// A change that does not fit its record or field.
public struct ChangeError: Error, Hashable, Sendable {
    /// The offending field, as named on the wire (`status.text`).
    public var field: String
    public var problem: String
    /// The problem in Chinese, where a worker can meet it (a text too long).
    public var chineseProblem: String?

    init(field: String, problem: String, chineseProblem: String? = nil) {
        self.field = field
        self.problem = problem
        self.chineseProblem = chineseProblem
    }
}

extension ChangeError: CustomStringConvertible, LocalizedMessage {
    public var description: String { message(in: .en) }

    public func message(in language: Language) -> String {
        let named = CommandError.chineseFields[field] ?? "字段“\(field)”"
        return language.pick("\(named)：\(chineseProblem ?? problem)", "field '\(field)': \(problem)")
    }
}
