/// Why a command was refused. A refused command produces no change.
public enum CommandError: Error, Hashable, Sendable {
    case notFound(EntityKey)
    case alreadyExists(EntityKey)
    /// The record is voided; only `unvoid` applies to it.
    case voided(EntityKey)
    case notVoided(EntityKey)
    /// The action is not allowed from the record's current status.
    case illegalMove(action: LifecycleStep.Action, kind: EntityKind, current: String, allowed: [LifecycleStep.Action])
    /// A required field is empty.
    case missing(field: String)
    /// An edit that changes no field.
    case nothingToChange(EntityKey)
    /// An agreement or a visit dated before the day the dispute arose (`what` names which).
    case beforeIncident(what: String, date: CalendarDate, incident: CalendarDate)
    case invalid(ChangeError)
}

extension CommandError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notFound(let key):
            return "no \(key.kind.noun) with id \(key.id)"
        case .alreadyExists(let key):
            return "a \(key.kind.noun) with id \(key.id) already exists"
        case .voided(let key):
            return "\(key.kind.noun) \(key.id) is voided; restore it with unvoid before changing it"
        case .notVoided(let key):
            return "\(key.kind.noun) \(key.id) is not voided"
        case .illegalMove(let action, let kind, let current, let allowed):
            let moves = allowed.isEmpty ? "nothing" : allowed.map(\.rawValue).joined(separator: ", ")
            return "cannot \(action.rawValue) a \(kind.noun) that is \(current); from there it can: \(moves)"
        case .missing(let field):
            return "\(field) must not be empty"
        case .nothingToChange(let key):
            return "nothing to change: the edit gives \(key.kind.noun) \(key.id) the values it already has"
        case .beforeIncident(let what, let date, let incident):
            return "the \(what) is dated \(date), before the day the dispute arose (\(incident)); check both dates"
        case .invalid(let error):
            return error.description
        }
    }
}

extension EntityKind {
    /// How messages name a record of this kind.
    public var noun: String {
        switch self {
        case .dispute: "dispute case"
        case .risk: "risk item"
        }
    }
}
