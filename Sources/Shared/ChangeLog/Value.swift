/// The new value a change gives its field. Which case a field takes is fixed by `Field.valueKind`.
public enum Value: Hashable, Sendable {
    case text(String)
    case date(CalendarDate)
    case category(DisputeCategory)
    case method(MediationMethod)
    case discovery(Discovery)
    case level(RiskLevel)
    case parties([Party])
    case owner(Owner)
    case visit(Visit)
    case step(LifecycleStep)

    /// The kinds of value, for validation messages.
    public enum Kind: String, Hashable, Sendable {
        case text, date, category, method, discovery, level, parties, owner, visit, step
    }

    public var kind: Kind {
        switch self {
        case .text: .text
        case .date: .date
        case .category: .category
        case .method: .method
        case .discovery: .discovery
        case .level: .level
        case .parties: .parties
        case .owner: .owner
        case .visit: .visit
        case .step: .step
        }
    }
}

extension Field {
    /// The kind of value this field takes.
    public var valueKind: Value.Kind {
        switch self {
        case .category: .category
        case .parties: .parties
        case .summary, .mediator, .recorder, .area, .title, .plan, .note: .text
        case .foundBy: .discovery
        case .incidentDate, .deadline: .date
        case .method: .method
        case .owner: .owner
        case .level: .level
        case .visit: .visit
        case .status, .voided, .duplicate: .step
        }
    }
}
