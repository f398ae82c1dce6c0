/// Reading records out of the merged state.
extension ReplicaState {
    /// The dispute case with this id, or nil if the replica holds no change of it.
    public func dispute(_ id: RecordID) -> Dispute? {
        entities[EntityKey(kind: .dispute, id: id)].map(Dispute.init)
    }

    /// The risk item with this id, or nil if the replica holds no change of it.
    public func riskItem(_ id: RecordID) -> RiskItem? {
        entities[EntityKey(kind: .risk, id: id)].map(RiskItem.init)
    }

    /// Every dispute case, in id order.
    public var disputes: [Dispute] {
        entities.values.filter { $0.key.kind == .dispute }.sorted { $0.key < $1.key }.map(Dispute.init)
    }

    /// Every risk item, in id order.
    public var riskItems: [RiskItem] {
        entities.values.filter { $0.key.kind == .risk }.sorted { $0.key < $1.key }.map(RiskItem.init)
    }
}

extension Dispute {
    /// Materialises the view from a record's merged state.
    public init(_ state: EntityState) {
        let status = LifecycleOutcome<DisputeLifecycle>(steps: state.statusSteps)
        let voiding = LifecycleOutcome<VoidLifecycle>(steps: state.voidSteps)
        let duplicate = LifecycleOutcome<DuplicateLifecycle>(steps: state.duplicateSteps)
        // The latest counted resolve, escalate and fail, found in one walk back over the counted steps.
        var latest: [LifecycleStep.Action: LifecycleStep] = [:]
        for applied in status.applied.reversed() where latest.count < 3 {
            guard let step = state.statusSteps[applied.timestamp],
                [.resolve, .escalate, .fail].contains(step.action), latest[step.action] == nil
            else { continue }
            latest[step.action] = step
        }
        self.init(
            id: state.key.id,
            village: state.scope,
            category: state[.category]?.category,
            parties: state[.parties]?.parties ?? [],
            summary: state[.summary]?.text ?? "",
            foundBy: state[.foundBy]?.discovery,
            level: state[.level]?.level,
            incidentDate: state[.incidentDate]?.date,
            status: status.state,
            method: state[.method]?.method,
            mediator: state[.mediator]?.text,
            agreement: latest[.resolve].flatMap { step in
                step.date.map { Agreement(text: step.text ?? "", date: $0) }
            },
            escalation: latest[.escalate].flatMap { step in
                step.target.map { Escalation(target: $0, note: step.text) }
            },
            failureReason: latest[.fail]?.text,
            visits: state.visits.compactMap { timestamp, value in
                value.visit.map { Stamped(timestamp: timestamp, element: $0) }
            }.sorted { ($0.element.date, $0.timestamp) < ($1.element.date, $1.timestamp) },
            notes: state.stampedNotes,
            recorder: state[.recorder]?.text,
            recorded: state.created,
            modified: state.modified,
            isVoided: voiding.state == .voided,
            voidReason: voiding.state == .voided ? state.latestVoidReason(voiding) : nil,
            statusHeads: status.heads,
            voidHeads: voiding.heads,
            duplicateOf: { if case .merged(let into) = duplicate.state { into } else { nil } }(),
            duplicateHeads: duplicate.heads
        )
    }
}

extension RiskItem {
    /// Materialises the view from a record's merged state.
    public init(_ state: EntityState) {
        let status = LifecycleOutcome<RiskLifecycle>(steps: state.statusSteps)
        let voiding = LifecycleOutcome<VoidLifecycle>(steps: state.voidSteps)
        let strike = state.latestStep(.strike, among: status.applied)
        self.init(
            id: state.key.id,
            scope: state.scope,
            area: state[.area]?.text ?? "",
            title: state[.title]?.text ?? "",
            level: state[.level]?.level,
            plan: state[.plan]?.text ?? "",
            owner: state[.owner]?.owner,
            deadline: state[.deadline]?.date,
            status: status.state,
            strike: strike.flatMap { step in step.date.map { Strike(evidence: step.text ?? "", date: $0) } },
            notes: state.stampedNotes,
            recorder: state[.recorder]?.text,
            recorded: state.created,
            modified: state.modified,
            isVoided: voiding.state == .voided,
            voidReason: voiding.state == .voided ? state.latestVoidReason(voiding) : nil,
            statusHeads: status.heads,
            voidHeads: voiding.heads
        )
    }
}

extension EntityState {
    /// Whether the record is voided: its void lane alone, without materialising the record.
    public var isVoided: Bool {
        LifecycleOutcome<VoidLifecycle>(steps: voidSteps).state == .voided
    }

    /// The case this one is merged into, if any: its duplicate lane alone, without materialising the case.
    public var duplicateOf: RecordID? {
        if case .merged(let into) = LifecycleOutcome<DuplicateLifecycle>(steps: duplicateSteps).state {
            into
        } else {
            nil
        }
    }

    /// The latest counted status step with this action.
    fileprivate func latestStep<State>(
        _ action: LifecycleStep.Action, among applied: [(timestamp: HybridTimestamp, state: State)]
    ) -> LifecycleStep? {
        applied.reversed().lazy.compactMap { statusSteps[$0.timestamp] }.first { $0.action == action }
    }

    /// The reason given by the latest counted void step.
    fileprivate func latestVoidReason(_ outcome: LifecycleOutcome<VoidLifecycle>) -> String? {
        outcome.applied.reversed().lazy.compactMap { voidSteps[$0.timestamp] }.first { $0.action == .void }?.text
    }

    fileprivate var stampedNotes: [Stamped<String>] {
        notes.compactMap { timestamp, value in value.text.map { Stamped(timestamp: timestamp, element: $0) } }
            .sorted { $0.timestamp < $1.timestamp }
    }
}

extension Value {
    var text: String? {
        if case .text(let text) = self { text } else { nil }
    }
    var date: CalendarDate? {
        if case .date(let date) = self { date } else { nil }
    }
    var category: DisputeCategory? {
        if case .category(let category) = self { category } else { nil }
    }
    var method: MediationMethod? {
        if case .method(let method) = self { method } else { nil }
    }
    var discovery: Discovery? {
        if case .discovery(let discovery) = self { discovery } else { nil }
    }
    var level: RiskLevel? {
        if case .level(let level) = self { level } else { nil }
    }
    var parties: [Party]? {
        if case .parties(let parties) = self { parties } else { nil }
    }
    var owner: Owner? {
        if case .owner(let owner) = self { owner } else { nil }
    }
    var visit: Visit? {
        if case .visit(let visit) = self { visit } else { nil }
    }
}
