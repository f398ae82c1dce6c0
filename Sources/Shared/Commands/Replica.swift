/// A whole replica in memory: its clock, every change it holds, and their merged state.
///
/// The reference model of a replica. Stores on disk (the field's SQLite database, the center's store)
/// keep the same three things and must behave as this does; tests compare them with it.
public struct Replica: Sendable {
    public var clock: HybridClock
    public private(set) var state = ReplicaState()
    /// Every change this replica holds, in the order it got them.
    public private(set) var log: [Change] = []
    private var known: Set<HybridTimestamp> = []

    public init(clock: HybridClock) {
        self.clock = clock
    }

    public var id: ReplicaID { clock.replica }

    /// Carries out a command on a dispute case and records its changes.
    /// - Returns: the changes made, to be synced.
    @discardableResult
    public mutating func perform(_ command: DisputeCommand, onDispute id: RecordID) throws(CommandError) -> [Change] {
        let changes = try command.changes(for: id, current: state.dispute(id), clock: &clock)
        record(changes)
        return changes
    }

    /// Carries out a command on a risk item and records its changes.
    /// - Returns: the changes made, to be synced.
    @discardableResult
    public mutating func perform(_ command: RiskCommand, onRiskItem id: RecordID) throws(CommandError) -> [Change] {
        let changes = try command.changes(for: id, current: state.riskItem(id), clock: &clock)
        record(changes)
        return changes
    }

    /// Merges changes from another replica. Changes already held are skipped.
    /// - Returns: how many changes were new.
    /// - Throws: `ClockError` if any change is stamped too far ahead of this replica's clock; then
    ///   none is merged.
    @discardableResult
    public mutating func receive(_ changes: some Collection<Change>) throws(ClockError) -> Int {
        for change in changes {
            try clock.check(change.timestamp)
        }
        var count = 0
        for change in changes where known.insert(change.id).inserted {
            try clock.receive(change.timestamp)
            log.append(change)
            state.apply(change)
            count += 1
        }
        return count
    }

    /// Whether this replica holds the change.
    public func holds(_ change: HybridTimestamp) -> Bool {
        known.contains(change)
    }

    private mutating func record(_ changes: [Change]) {
        for change in changes {
            known.insert(change.id)
            log.append(change)
            state.apply(change)
        }
    }
}
