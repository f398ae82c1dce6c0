/// A follow-up visit (回访) to check that an agreement is being kept.
public struct Visit: Hashable, Sendable {
    public var date: CalendarDate
    public var note: String
    /// Whether the parties are keeping the agreement.
    public var isAgreementKept: Bool

    public init(date: CalendarDate, note: String, isAgreementKept: Bool) {
        self.date = date
        self.note = note
        self.isAgreementKept = isAgreementKept
    }
}
