/// What a worker does to a risk item on the ledger: see `DisputeCommand` for how commands work.
public enum RiskCommand: Sendable {
    case record(RiskDraft)
    case edit(RiskEdit)
    /// Struck off (销号), with the evidence that the hazard is gone.
    case strike(evidence: String, date: CalendarDate)
    /// Back on the board (重新挂牌).
    case reopen(reason: String)
    case note(String)
    case void(reason: String)
    case unvoid(reason: String)

    /// The changes that carry out this command on item `id`.
    /// - Parameter current: the item as this replica knows it, nil if it knows none.
    /// - Throws: `CommandError`; nothing is produced then.
    public func changes(
        for id: RecordID, current: RiskItem?, clock: inout HybridClock
    ) throws(CommandError)
        -> [Change]
    {
        let key = EntityKey(kind: .risk, id: id)
        if case .record(let draft) = self {
            guard current == nil else { throw .alreadyExists(key) }
            return try draft.changes(for: key, clock: &clock)
        }
        guard let current else { throw .notFound(key) }
        var builder = ChangeBuilder(entity: key, scope: current.scope)
        let label = "\(current.status.label) (\(current.status.code))"
        switch self {
        case .unvoid(let reason):
            guard current.isVoided else { throw .notVoided(key) }
            let step = LifecycleStep(action: .unvoid, basis: current.voidHeads, text: try reason.required("reason"))
            try builder.advance(VoidLifecycle.self, field: .voided, step, from: .voided, label: "voided", clock: &clock)
        case _ where current.isVoided:
            throw .voided(key)
        case .record:
            preconditionFailure("handled above")
        case .edit(let edit):
            try edit.apply(to: current, builder: &builder, clock: &clock)
            guard !builder.changes.isEmpty else { throw .nothingToChange(key) }
        case .strike(let evidence, let date):
            let step = LifecycleStep(
                action: .strike, basis: current.statusHeads, date: date, text: try evidence.required("evidence"))
            try builder.advance(
                RiskLifecycle.self, field: .status, step, from: current.status, label: label, clock: &clock)
        case .reopen(let reason):
            let step = LifecycleStep(action: .reopen, basis: current.statusHeads, text: try reason.required("reason"))
            try builder.advance(
                RiskLifecycle.self, field: .status, step, from: current.status, label: label, clock: &clock)
        case .note(let text):
            try builder.set(.note, .text(try text.required("note")), clock: &clock)
        case .void(let reason):
            let step = LifecycleStep(action: .void, basis: current.voidHeads, text: try reason.required("reason"))
            try builder.advance(VoidLifecycle.self, field: .voided, step, from: .active, label: "active", clock: &clock)
        }
        return builder.changes
    }
}

/// A new risk item, as it is hung on the board (挂牌).
public struct RiskDraft: Hashable, Sendable {
    /// The village, town or district whose ledger holds it.
    public var scope: AreaCode
    public var area: String
    public var title: String
    public var level: RiskLevel
    public var plan: String
    public var owner: Owner
    public var deadline: CalendarDate
    public var recorder: String

    public init(
        scope: AreaCode, area: String, title: String, level: RiskLevel = .normal, plan: String, owner: Owner,
        deadline: CalendarDate, recorder: String
    ) {
        self.scope = scope
        self.area = area
        self.title = title
        self.level = level
        self.plan = plan
        self.owner = owner
        self.deadline = deadline
        self.recorder = recorder
    }

    func changes(for key: EntityKey, clock: inout HybridClock) throws(CommandError) -> [Change] {
        var builder = ChangeBuilder(entity: key, scope: scope)
        try builder.set(.area, .text(try area.required("area")), clock: &clock)
        try builder.set(.title, .text(try title.required("title")), clock: &clock)
        try builder.set(.level, .level(level), clock: &clock)
        try builder.set(.plan, .text(try plan.required("plan")), clock: &clock)
        try builder.set(.owner, .owner(try owner.validated()), clock: &clock)
        try builder.set(.deadline, .date(deadline), clock: &clock)
        try builder.set(.recorder, .text(try recorder.required("recorder")), clock: &clock)
        return builder.changes
    }
}

/// New values for some of a risk item's plain fields; nil leaves a field as it is.
public struct RiskEdit: Hashable, Sendable {
    public var area: String?
    public var title: String?
    public var level: RiskLevel?
    public var plan: String?
    public var owner: Owner?
    public var deadline: CalendarDate?

    public init(
        area: String? = nil, title: String? = nil, level: RiskLevel? = nil, plan: String? = nil, owner: Owner? = nil,
        deadline: CalendarDate? = nil
    ) {
        self.area = area
        self.title = title
        self.level = level
        self.plan = plan
        self.owner = owner
        self.deadline = deadline
    }

    func apply(to current: RiskItem, builder: inout ChangeBuilder, clock: inout HybridClock) throws(CommandError) {
        let text = { (value: String?, field: String) throws(CommandError) -> Value? in
            try value.map { text throws(CommandError) in .text(try text.required(field)) }
        }
        let owner = try owner.map { owner throws(CommandError) in Value.owner(try owner.validated()) }
        try builder.update(.area, try text(area, "area"), current: .text(current.area), clock: &clock)
        try builder.update(.title, try text(title, "title"), current: .text(current.title), clock: &clock)
        try builder.update(.level, level.map(Value.level), current: current.level.map(Value.level), clock: &clock)
        try builder.update(.plan, try text(plan, "plan"), current: .text(current.plan), clock: &clock)
        try builder.update(.owner, owner, current: current.owner.map(Value.owner), clock: &clock)
        try builder.update(
            .deadline, deadline.map(Value.date), current: current.deadline.map(Value.date), clock: &clock)
    }
}

extension Owner {
    /// The owner trimmed, with a person named and an empty unit dropped.
    func validated() throws(CommandError) -> Owner {
        let unit = unit?.trimmingSpaces
        return Owner(person: try person.required("owner"), unit: unit?.isEmpty == false ? unit : nil)
    }
}
