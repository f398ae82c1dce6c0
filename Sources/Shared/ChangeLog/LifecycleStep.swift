/// One step in a record's lifecycle: a dispute mediated, resolved, escalated, reopened; a risk item
/// struck off; a record voided or restored.
///
/// A step names the steps its replica had seen when it was taken (`basis`: the heads of that
/// lifecycle, see `Lifecycle`). That is how a merge tells a step that knowingly reverses another
/// (a reopen after a resolve) from one that merely had not heard of it.
public struct LifecycleStep: Hashable, Sendable {
    public enum Action: String, Hashable, Sendable, CaseIterable {
        /// A dispute goes into mediation (调解中).
        case mediate
        /// A dispute is settled by agreement (调解成功).
        case resolve
        /// Mediation failed (调解不成).
        case fail
        /// Handed to a court, the petition office, a committee or the town (移交).
        case escalate
        /// A closed dispute goes back to mediation; a struck-off risk item goes back on the board.
        case reopen
        /// A risk item is struck off the ledger (销号).
        case strike
        /// The record is voided (作废): kept, but no longer counted.
        case void
        /// A voided record counts again.
        case unvoid
        /// The case is the same dispute as another, which survives (`into`).
        case merge
        /// A merged case stands on its own again.
        case split
    }

    public var action: Action
    /// The heads of this lifecycle as the acting replica saw them, ascending.
    public var basis: [HybridTimestamp]
    /// The day of an agreement or of striking off.
    public var date: CalendarDate?
    /// The agreement, the reason, the escalation note or the evidence.
    public var text: String?
    public var target: EscalationTarget?
    /// The surviving case of a merge.
    public var into: RecordID?

    public init(
        action: Action, basis: [HybridTimestamp], date: CalendarDate? = nil, text: String? = nil,
        target: EscalationTarget? = nil, into: RecordID? = nil
    ) {
        self.action = action
        self.basis = basis.sorted()
        self.date = date
        self.text = text
        self.target = target
        self.into = into
    }
}
