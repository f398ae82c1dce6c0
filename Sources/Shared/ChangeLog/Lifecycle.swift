/// A state machine whose steps merge as a lifecycle: see `LifecycleOutcome`.
public protocol LifecycleMachine {
    associatedtype State: Comparable & Sendable

    /// The state before any step.
    static var initial: State { get }

    /// The state after `action` from `state`, or nil if that move is not allowed.
    static func state(after action: LifecycleStep.Action, from state: State) -> State?

    /// The state after `step` from `state`: by default decided by its action alone.
    static func state(after step: LifecycleStep, from state: State) -> State?
}

extension LifecycleMachine {
    public static func state(after step: LifecycleStep, from state: State) -> State? {
        self.state(after: step.action, from: state)
    }

    /// The actions allowed from `state`, for messages.
    public static func actions(from state: State) -> [LifecycleStep.Action] {
        LifecycleStep.Action.allCases.filter { self.state(after: $0, from: state) != nil }
    }
}

/// The status lifecycle of a dispute case.
public enum DisputeLifecycle: LifecycleMachine {
    public static let initial = DisputeStatus.screened

    public static func state(after action: LifecycleStep.Action, from state: DisputeStatus) -> DisputeStatus? {
        switch (action, state) {
        case (.mediate, .screened): .mediating
        case (.resolve, .mediating): .resolved
        case (.fail, .mediating): .unresolved
        case (.escalate, .screened), (.escalate, .mediating), (.escalate, .unresolved): .escalated
        case (.reopen, .resolved), (.reopen, .unresolved), (.reopen, .escalated): .mediating
        default: nil
        }
    }
}

/// The ledger lifecycle of a risk item.
public enum RiskLifecycle: LifecycleMachine {
    public static let initial = RiskStatus.listed

    public static func state(after action: LifecycleStep.Action, from state: RiskStatus) -> RiskStatus? {
        switch (action, state) {
        case (.strike, .listed): .struckOff
        case (.reopen, .struckOff): .listed
        default: nil
        }
    }
}

/// Whether a record counts. Records are never deleted: a voided record is kept, with its reason,
/// and can be restored.
public enum VoidStatus: Int, Comparable, Sendable {
    case active
    /// Voided (作废); takes precedence over `active` between concurrent steps.
    case voided

    public static func < (lhs: VoidStatus, rhs: VoidStatus) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

/// The void lifecycle every record has.
public enum VoidLifecycle: LifecycleMachine {
    public static let initial = VoidStatus.active

    public static func state(after action: LifecycleStep.Action, from state: VoidStatus) -> VoidStatus? {
        switch (action, state) {
        case (.void, .active): .voided
        case (.unvoid, .voided): .active
        default: nil
        }
    }
}

/// Whether a case stands on its own or is a duplicate of another. A merge takes precedence over a
/// concurrent split that did not see it; between concurrent merges into different cases, the greater
/// survivor id, so every replica picks the same one.
public enum DuplicateStatus: Hashable, Comparable, Sendable {
    case separate
    case merged(into: RecordID)

    public static func < (lhs: DuplicateStatus, rhs: DuplicateStatus) -> Bool {
        switch (lhs, rhs) {
        case (.separate, .merged): true
        case (.merged(let left), .merged(let right)): left < right
        default: false
        }
    }
}

/// The duplicate lifecycle of a case: merged into a survivor by the center, split again.
public enum DuplicateLifecycle: LifecycleMachine {
    public static let initial = DuplicateStatus.separate

    public static func state(after action: LifecycleStep.Action, from state: DuplicateStatus) -> DuplicateStatus? {
        switch (action, state) {
        case (.split, .merged): .separate
        default: nil
        }
    }

    public static func state(after step: LifecycleStep, from state: DuplicateStatus) -> DuplicateStatus? {
        if step.action == .merge, state == .separate, let into = step.into { return .merged(into: into) }
        return self.state(after: step.action, from: state)
    }
}

/// What a set of lifecycle steps comes to.
///
/// The steps form a graph: each step points at the steps its replica had seen (its basis). A step
/// counts if every step in its basis counts and its action is allowed from the state its basis comes
/// to. The heads are the counted steps no other counted step has seen. One head gives the state
/// directly; concurrent heads are decided by the state's order (the greater state wins, then the
/// later timestamp). So a step cannot undo a step its replica never saw, and the result depends only
/// on the set of steps, not on the order they arrived in.
public struct LifecycleOutcome<Machine: LifecycleMachine>: Sendable {
    public let state: Machine.State
    /// The basis for the next step taken on this replica, ascending.
    public let heads: [HybridTimestamp]
    /// Steps that count, with the state each led to, ascending by timestamp.
    public let applied: [(timestamp: HybridTimestamp, state: Machine.State)]
    /// Steps that do not count (yet): not allowed from their basis, or their basis has not arrived.
    public let ignored: [HybridTimestamp]

    public init(steps: [HybridTimestamp: LifecycleStep]) {
        var reached: [HybridTimestamp: Machine.State] = [:]
        var seen: Set<HybridTimestamp> = []
        var applied: [(timestamp: HybridTimestamp, state: Machine.State)] = []
        var ignored: [HybridTimestamp] = []
        for (timestamp, step) in steps.sorted(by: { $0.key < $1.key }) {
            var basis: [(HybridTimestamp, Machine.State)] = []
            for parent in step.basis {
                guard let state = reached[parent] else { break }
                basis.append((parent, state))
            }
            guard basis.count == step.basis.count,
                let next = Machine.state(after: step, from: Self.winner(basis) ?? Machine.initial)
            else {
                ignored.append(timestamp)
                continue
            }
            reached[timestamp] = next
            seen.formUnion(step.basis)
            applied.append((timestamp, next))
        }
        let heads = applied.filter { !seen.contains($0.timestamp) }
        self.state = Self.winner(heads.map { ($0.timestamp, $0.state) }) ?? Machine.initial
        self.heads = heads.map(\.timestamp)
        self.applied = applied
        self.ignored = ignored
    }

    /// The greatest state among concurrent steps; the later timestamp breaks a tie.
    private static func winner(_ candidates: [(HybridTimestamp, Machine.State)]) -> Machine.State? {
        candidates.max { ($0.1, $0.0) < ($1.1, $1.0) }?.1
    }
}
