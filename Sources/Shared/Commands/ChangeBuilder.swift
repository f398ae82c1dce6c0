/// Stamps the changes of one command with successive timestamps of one clock.
struct ChangeBuilder {
    let entity: EntityKey
    let scope: AreaCode
    private(set) var changes: [Change] = []

    init(entity: EntityKey, scope: AreaCode) {
        self.entity = entity
        self.scope = scope
    }

    mutating func set(_ field: Field, _ value: Value, clock: inout HybridClock) throws(CommandError) {
        do {
            changes.append(
                try Change(timestamp: clock.now(), entity: entity, scope: scope, field: field, value: value))
        } catch {
            throw .invalid(error)
        }
    }

    /// Sets `field` only if `value` is given and differs from `current`.
    mutating func update(
        _ field: Field, _ value: Value?, current: Value?, clock: inout HybridClock
    )
        throws(CommandError)
    {
        guard let value, value != current else { return }
        try set(field, value, clock: &clock)
    }

    /// Adds a lifecycle step to `field` after checking that `Machine` allows it from `current`.
    /// - Parameter label: how messages name the current state.
    mutating func advance<Machine: LifecycleMachine>(
        _ machine: Machine.Type, field: Field, _ step: LifecycleStep, from current: Machine.State, label: String,
        clock: inout HybridClock
    ) throws(CommandError) {
        guard Machine.state(after: step, from: current) != nil else {
            throw .illegalMove(
                action: step.action, kind: entity.kind, current: label, allowed: Machine.actions(from: current))
        }
        try set(field, .step(step), clock: &clock)
    }
}

extension String {
    /// The text trimmed; throws if nothing is left.
    func required(_ field: String) throws(CommandError) -> String {
        let trimmed = trimmingSpaces
        guard !trimmed.isEmpty else { throw .missing(field: field) }
        return trimmed
    }
}
