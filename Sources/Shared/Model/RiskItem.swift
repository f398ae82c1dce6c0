/// A risk hazard on the ledger (风险隐患) as the merged change log shows it.
public struct RiskItem: Hashable, Sendable {
    public var id: RecordID
    /// The village, town or district whose ledger holds the item.
    public var scope: AreaCode
    /// The area of concern (领域), e.g. 征地拆迁.
    public var area: String
    public var title: String
    public var level: RiskLevel?
    /// The contingency plan (预案).
    public var plan: String
    public var owner: Owner?
    public var deadline: CalendarDate?
    public var status: RiskStatus
    /// The evidence and day of striking off, the latest time it was struck off.
    public var strike: Strike?
    public var notes: [Stamped<String>]
    public var recorder: String?
    public var recorded: HybridTimestamp
    public var modified: HybridTimestamp
    public var isVoided: Bool
    public var voidReason: String?
    public var statusHeads: [HybridTimestamp]
    public var voidHeads: [HybridTimestamp]

    /// Struck off the ledger (销号), with the evidence that the hazard is gone.
    public struct Strike: Hashable, Sendable {
        public var evidence: String
        public var date: CalendarDate
    }

    /// Still listed, not voided, and past its deadline on `date`.
    public func isOverdue(on date: CalendarDate) -> Bool {
        guard status == .listed, !isVoided, let deadline else { return false }
        return deadline < date
    }
}
