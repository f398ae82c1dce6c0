/// A dispute case (矛盾纠纷) as the merged change log shows it.
///
/// A read-only view: edits are made by `DisputeCommand`s, which produce changes.
public struct Dispute: Hashable, Sendable {
    public var id: RecordID
    /// The village or community the case belongs to: its scope.
    public var village: AreaCode
    public var category: DisputeCategory?
    /// Personal data: see `Party`.
    public var parties: [Party]
    public var summary: String
    public var foundBy: Discovery?
    public var level: RiskLevel?
    public var incidentDate: CalendarDate?
    public var status: DisputeStatus
    public var method: MediationMethod?
    public var mediator: String?
    /// The latest agreement reached, kept when the case is reopened.
    public var agreement: Agreement?
    /// The latest escalation.
    public var escalation: Escalation?
    /// Why mediation failed, the latest time it did.
    public var failureReason: String?
    /// Follow-up visits, ordered by date.
    public var visits: [Stamped<Visit>]
    public var notes: [Stamped<String>]
    /// The worker who recorded the case.
    public var recorder: String?
    /// The case's first change: when and on which replica it was recorded.
    public var recorded: HybridTimestamp
    /// The case's latest change.
    public var modified: HybridTimestamp
    public var isVoided: Bool
    public var voidReason: String?
    /// The status steps a new status step builds on.
    public var statusHeads: [HybridTimestamp]
    /// The void steps a new void step builds on.
    public var voidHeads: [HybridTimestamp]
    /// The case this one duplicates, merged into it by the center; nil for a case on its own.
    public var duplicateOf: RecordID?
    /// The merge and split steps a new one builds on.
    public var duplicateHeads: [HybridTimestamp]
    /// The cases merged into this one, when it was read with them (`absorbing(_:)`), earliest first.
    public var mergedFrom: [RecordID] = []

    /// Whether the fields every new case sets have arrived (a replica may hold later changes of a case
    /// before its first ones).
    public var isComplete: Bool {
        category != nil && !parties.isEmpty && !summary.isEmpty
    }

    /// An agreement reached in mediation (调解协议).
    public struct Agreement: Hashable, Sendable {
        public var text: String
        public var date: CalendarDate
    }

    /// Where the case was handed on to, and why.
    public struct Escalation: Hashable, Sendable {
        public var target: EscalationTarget
        public var note: String?
    }
}
