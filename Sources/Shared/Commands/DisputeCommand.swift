/// What a worker does to a dispute case. A command checks itself against the case as the replica
/// knows it and produces the changes that record it, or is refused with nothing produced.
///
/// ```swift
/// let changes = try DisputeCommand.resolve(agreement: "退还彩礼三万元", date: today)
///     .changes(for: id, current: state.dispute(id), clock: &clock)
/// ```
public enum DisputeCommand: Sendable {
    case record(DisputeDraft)
    case edit(DisputeEdit)
    case mediate(method: MediationMethod, mediator: String?)
    case resolve(agreement: String, date: CalendarDate)
    case fail(reason: String)
    case escalate(to: EscalationTarget, note: String?)
    case visit(Visit)
    case note(String)
    case reopen(reason: String)
    case void(reason: String)
    case unvoid(reason: String)
    /// The case is the same dispute as `into`, which survives (the center's decision).
    case merge(into: RecordID, reason: String?)
    /// A merged case stands on its own again.
    case split(reason: String)

    /// The changes that carry out this command on case `id`.
    /// - Parameter current: the case as this replica knows it, nil if it knows none.
    /// - Throws: `CommandError`; nothing is produced then.
    public func changes(
        for id: RecordID, current: Dispute?, clock: inout HybridClock
    ) throws(CommandError)
        -> [Change]
    {
        let key = EntityKey(kind: .dispute, id: id)
        if case .record(let draft) = self {
            guard current == nil else { throw .alreadyExists(key) }
            return try draft.changes(for: key, clock: &clock)
        }
        guard let current else { throw .notFound(key) }
        var builder = ChangeBuilder(entity: key, scope: current.village)
        let status = current.status
        let label = "\(status.label) (\(status.code))"
        let step = { (action: LifecycleStep.Action, date: CalendarDate?, text: String?, target: EscalationTarget?) in
            LifecycleStep(action: action, basis: current.statusHeads, date: date, text: text, target: target)
        }
        switch self {
        case .unvoid(let reason):
            guard current.isVoided else { throw .notVoided(key) }
            let reason = try reason.required("reason")
            let step = LifecycleStep(action: .unvoid, basis: current.voidHeads, text: reason)
            try builder.advance(VoidLifecycle.self, field: .voided, step, from: .voided, label: "voided", clock: &clock)
            return builder.changes
        case _ where current.isVoided && !isDuplicateStep:
            // Merges and splits, the center's bookkeeping of duplicates, are allowed on a voided case
            // too: it counts for nothing either way.
            throw .voided(key)
        case .record:
            preconditionFailure("handled above")
        case .edit(let edit):
            try edit.apply(to: current, builder: &builder, clock: &clock)
            guard !builder.changes.isEmpty else { throw .nothingToChange(key) }
        case .mediate(let method, let mediator):
            if status != .mediating {
                let mediate = step(.mediate, nil, nil, nil)
                try builder.advance(
                    DisputeLifecycle.self, field: .status, mediate, from: status, label: label, clock: &clock)
            }
            try builder.update(.method, .method(method), current: current.method.map(Value.method), clock: &clock)
            let mediator = mediator?.trimmingSpaces
            try builder.update(
                .mediator, mediator.flatMap { $0.isEmpty ? nil : .text($0) }, current: current.mediator.map(Value.text),
                clock: &clock)
            guard !builder.changes.isEmpty else { throw .nothingToChange(key) }
        case .resolve(let agreement, let date):
            try current.checkNotBeforeIncident(date, what: "agreement")
            let resolve = step(.resolve, date, try agreement.required("agreement"), nil)
            try builder.advance(
                DisputeLifecycle.self, field: .status, resolve, from: status, label: label, clock: &clock)
        case .fail(let reason):
            let fail = step(.fail, nil, try reason.required("reason"), nil)
            try builder.advance(DisputeLifecycle.self, field: .status, fail, from: status, label: label, clock: &clock)
        case .escalate(let target, let note):
            let note = note?.trimmingSpaces
            let escalate = step(.escalate, nil, note?.isEmpty == false ? note : nil, target)
            try builder.advance(
                DisputeLifecycle.self, field: .status, escalate, from: status, label: label, clock: &clock)
        case .reopen(let reason):
            let reopen = step(.reopen, nil, try reason.required("reason"), nil)
            try builder.advance(
                DisputeLifecycle.self, field: .status, reopen, from: status, label: label, clock: &clock)
        case .visit(let visit):
            try current.checkNotBeforeIncident(visit.date, what: "visit")
            let note = try visit.note.required("visit note")
            let visit = Visit(date: visit.date, note: note, isAgreementKept: visit.isAgreementKept)
            try builder.set(.visit, .visit(visit), clock: &clock)
        case .note(let text):
            try builder.set(.note, .text(try text.required("note")), clock: &clock)
        case .merge(let into, let reason):
            let status: DuplicateStatus = current.duplicateOf.map { .merged(into: $0) } ?? .separate
            let step = LifecycleStep(action: .merge, basis: current.duplicateHeads, text: reason, into: into)
            let label = current.duplicateOf.map { "merged into \($0)" } ?? "separate"
            try builder.advance(
                DuplicateLifecycle.self, field: .duplicate, step, from: status, label: label, clock: &clock)
        case .split(let reason):
            let status: DuplicateStatus = current.duplicateOf.map { .merged(into: $0) } ?? .separate
            let step = LifecycleStep(action: .split, basis: current.duplicateHeads, text: try reason.required("reason"))
            let label = current.duplicateOf.map { "merged into \($0)" } ?? "separate"
            try builder.advance(
                DuplicateLifecycle.self, field: .duplicate, step, from: status, label: label, clock: &clock)
        case .void(let reason):
            let void = LifecycleStep(action: .void, basis: current.voidHeads, text: try reason.required("reason"))
            try builder.advance(VoidLifecycle.self, field: .voided, void, from: .active, label: "active", clock: &clock)
        }
        return builder.changes
    }
}

extension DisputeCommand {
    var isDuplicateStep: Bool {
        switch self {
        case .merge, .split: true
        default: false
        }
    }
}

/// A new dispute case, as the worker records it.
public struct DisputeDraft: Hashable, Sendable {
    public var village: AreaCode
    public var category: DisputeCategory
    public var parties: [Party]
    public var summary: String
    public var foundBy: Discovery
    public var level: RiskLevel
    public var incidentDate: CalendarDate?
    /// The worker recording it.
    public var recorder: String

    public init(
        village: AreaCode, category: DisputeCategory, parties: [Party], summary: String,
        foundBy: Discovery = .screening, level: RiskLevel = .normal, incidentDate: CalendarDate? = nil,
        recorder: String
    ) {
        self.village = village
        self.category = category
        self.parties = parties
        self.summary = summary
        self.foundBy = foundBy
        self.level = level
        self.incidentDate = incidentDate
        self.recorder = recorder
    }

    func changes(for key: EntityKey, clock: inout HybridClock) throws(CommandError) -> [Change] {
        guard !parties.isEmpty else { throw .missing(field: "parties") }
        var builder = ChangeBuilder(entity: key, scope: village)
        try builder.set(.category, .category(category), clock: &clock)
        try builder.set(.parties, .parties(parties), clock: &clock)
        try builder.set(.summary, .text(try summary.required("summary")), clock: &clock)
        try builder.set(.foundBy, .discovery(foundBy), clock: &clock)
        try builder.set(.level, .level(level), clock: &clock)
        if let incidentDate {
            try builder.set(.incidentDate, .date(incidentDate), clock: &clock)
        }
        try builder.set(.recorder, .text(try recorder.required("recorder")), clock: &clock)
        return builder.changes
    }
}

/// New values for some of a case's plain fields; nil leaves a field as it is.
public struct DisputeEdit: Hashable, Sendable {
    public var category: DisputeCategory?
    public var parties: [Party]?
    public var summary: String?
    public var foundBy: Discovery?
    public var level: RiskLevel?
    public var incidentDate: CalendarDate?

    public init(
        category: DisputeCategory? = nil, parties: [Party]? = nil, summary: String? = nil, foundBy: Discovery? = nil,
        level: RiskLevel? = nil, incidentDate: CalendarDate? = nil
    ) {
        self.category = category
        self.parties = parties
        self.summary = summary
        self.foundBy = foundBy
        self.level = level
        self.incidentDate = incidentDate
    }

    func apply(to current: Dispute, builder: inout ChangeBuilder, clock: inout HybridClock) throws(CommandError) {
        if parties?.isEmpty == true { throw .missing(field: "parties") }
        if let incidentDate {
            // The case's agreement and visits, made after the dispute arose, keep their dates.
            if let agreement = current.agreement {
                try current.checkNotBeforeIncident(agreement.date, what: "agreement", incident: incidentDate)
            }
            if let visit = current.visits.map(\.element.date).min() {
                try current.checkNotBeforeIncident(visit, what: "visit", incident: incidentDate)
            }
        }
        let summary = try summary.map { text throws(CommandError) in try text.required("summary") }
        try builder.update(
            .category, category.map(Value.category), current: current.category.map(Value.category), clock: &clock)
        try builder.update(.parties, parties.map(Value.parties), current: .parties(current.parties), clock: &clock)
        try builder.update(.summary, summary.map(Value.text), current: .text(current.summary), clock: &clock)
        try builder.update(
            .foundBy, foundBy.map(Value.discovery), current: current.foundBy.map(Value.discovery), clock: &clock)
        try builder.update(.level, level.map(Value.level), current: current.level.map(Value.level), clock: &clock)
        try builder.update(
            .incidentDate, incidentDate.map(Value.date), current: current.incidentDate.map(Value.date), clock: &clock)
    }
}

extension Dispute {
    /// Refuses an agreement or a visit dated before the day the dispute arose: `incident`, else the
    /// case's, when it gives one.
    fileprivate func checkNotBeforeIncident(
        _ date: CalendarDate, what: String, incident: CalendarDate? = nil
    ) throws(CommandError) {
        if let incident = incident ?? incidentDate, date < incident {
            throw .beforeIncident(what: what, date: date, incident: incident)
        }
    }
}
