/// The merged state of one record: a register per last-writer-wins field, the append-only
/// collections, and the steps of its two lifecycles.
///
/// `apply` is the whole merge: it is commutative, associative and idempotent, so replicas that have
/// applied the same set of changes hold equal states, whatever the order or repetition.
public struct EntityState: Sendable {
    struct Register: Sendable {
        var timestamp: HybridTimestamp
        var value: Value
    }

    public let key: EntityKey
    /// The scope of the record's earliest change. Every change of a record should carry the same
    /// scope; if faulty ones differ, the earliest decides, on every replica alike.
    public private(set) var scope: AreaCode
    /// The record's earliest change: when and on which replica it was recorded.
    public private(set) var created: HybridTimestamp
    /// The record's latest change.
    public private(set) var modified: HybridTimestamp

    var registers: [Register?]
    var visits: [HybridTimestamp: Value] = [:]
    var notes: [HybridTimestamp: Value] = [:]
    var statusSteps: [HybridTimestamp: LifecycleStep] = [:]
    var voidSteps: [HybridTimestamp: LifecycleStep] = [:]
    var duplicateSteps: [HybridTimestamp: LifecycleStep] = [:]

    init(first change: Change) {
        key = change.entity
        scope = change.scope
        created = change.timestamp
        modified = change.timestamp
        registers = Array(repeating: nil, count: Field.registerCount)
    }

    mutating func apply(_ change: Change) {
        let timestamp = change.timestamp
        if timestamp < created {
            created = timestamp
            scope = change.scope
        } else if timestamp == created, change.scope < scope {
            scope = change.scope
        }
        if timestamp > modified {
            modified = timestamp
        }
        switch change.field.rule {
        case .lastWriterWins:
            let slot = change.field.registerSlot
            if let current = registers[slot] {
                guard
                    timestamp > current.timestamp
                        || (timestamp == current.timestamp && Value.precedes(current.value, change.value))
                else { return }
            }
            registers[slot] = Register(timestamp: timestamp, value: change.value)
        case .appendOnly:
            if change.field == .visit {
                Self.insert(change.value, at: timestamp, into: &visits)
            } else {
                Self.insert(change.value, at: timestamp, into: &notes)
            }
        case .lifecycle:
            guard case .step(let step) = change.value else { return }
            switch change.field {
            case .status: Self.insert(step, at: timestamp, into: &statusSteps)
            case .duplicate: Self.insert(step, at: timestamp, into: &duplicateSteps)
            default: Self.insert(step, at: timestamp, into: &voidSteps)
            }
        }
    }

    private static func insert(
        _ value: Value, at timestamp: HybridTimestamp, into elements: inout [HybridTimestamp: Value]
    ) {
        if let current = elements[timestamp], !Value.precedes(current, value) { return }
        elements[timestamp] = value
    }

    private static func insert(
        _ step: LifecycleStep, at timestamp: HybridTimestamp, into steps: inout [HybridTimestamp: LifecycleStep]
    ) {
        if let current = steps[timestamp], !Value.precedes(.step(current), .step(step)) { return }
        steps[timestamp] = step
    }

    /// The current value of a last-writer-wins field, or nil if no change set it.
    public subscript(field: Field) -> Value? {
        field.rule == .lastWriterWins ? registers[field.registerSlot]?.value : nil
    }

    /// When a last-writer-wins field was last set.
    public func timestamp(of field: Field) -> HybridTimestamp? {
        field.rule == .lastWriterWins ? registers[field.registerSlot]?.timestamp : nil
    }

    /// Appends the record's canonical bytes: equal states, and only equal states, give equal bytes.
    func encode(into output: inout CanonicalBytes) {
        output.append(key.kind.rawValue)
        output.append(key.id.high)
        output.append(key.id.low)
        output.append(scope)
        output.append(created)
        output.append(modified)
        for register in registers {
            if let register {
                output.append(UInt8(1))
                output.append(register.timestamp)
                output.append(register.value)
            } else {
                output.append(UInt8(0))
            }
        }
        for elements in [visits, notes] {
            output.append(elements.count)
            for (timestamp, value) in elements.sorted(by: { $0.key < $1.key }) {
                output.append(timestamp)
                output.append(value)
            }
        }
        for steps in [statusSteps, voidSteps, duplicateSteps] {
            output.append(steps.count)
            for (timestamp, step) in steps.sorted(by: { $0.key < $1.key }) {
                output.append(timestamp)
                output.append(.step(step))
            }
        }
    }
}
