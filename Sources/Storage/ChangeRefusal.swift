import Shared

/// Why a change of a batch cannot be taken, whatever the store: the center refuses the whole batch with
/// it (nothing of it is written), and a replica refuses a page from a center that sends one.
///
/// It names the change by its place in the batch (or page) and says nothing of any record the sender
/// may not see: a record held outside the sender's reach is "not this device's to change", never where
/// it is or what it holds.
public struct ChangeRefusal: Error, Sendable, Equatable {
    public enum Reason: String, Sendable {
        /// The record is held as the other kind (a case and a risk item share no id).
        case kindConflict = "kind-conflict"
        /// The change names another scope than the record's: a record's scope is fixed when the center
        /// first holds it.
        case scopeMismatch = "scope-mismatch"
        /// The record (held, or new in a scope) is outside the sender's reach.
        case outOfScope = "out-of-scope"
        /// A new record in an area the district does not have.
        case unknownArea = "unknown-area"
        /// Two different changes of one record under one timestamp: they cannot be told apart.
        case ambiguous = "ambiguous-change"
        /// Stamped before any FieldSync laptop could have made it.
        case clockBehind = "clock-behind"
        /// A step only the center decides (merging and splitting duplicates).
        case centerOnly = "center-only"
        /// Stamped by a replica another device sends its changes from.
        case foreignReplica = "foreign-replica"
    }

    public var reason: Reason
    /// The change's place in its batch or page, from 0.
    public var change: Int
    public var message: String

    public init(_ reason: Reason, change: Int, _ message: String) {
        self.reason = reason
        self.change = change
        self.message = message
    }

    /// The earliest time a change may be stamped (2000-01-01T00:00:00Z, milliseconds since 1970):
    /// laptops that worked offline before they were enrolled stamped their records with their own clock,
    /// which is never set this far back on a machine that runs FieldSync; a stamp before it is a clock
    /// that was never set, or a forgery meant to sort first.
    public static let earliestStamp: Int64 = 946_684_800_000
}

extension ChangeRefusal {
    public static func kindConflict(_ key: EntityKey, change index: Int) -> ChangeRefusal {
        ChangeRefusal(
            .kindConflict, change: index,
            "change \(index) names \(key.kind.rawValue) \(key.id), but that id is not a \(key.kind.rawValue) here; "
                + "nothing of the batch was stored")
    }

    /// Where the record belongs is not said: the change may come from a device that may not know it.
    public static func scopeMismatch(_ change: Change, change index: Int) -> ChangeRefusal {
        ChangeRefusal(
            .scopeMismatch, change: index,
            "change \(index) gives \(change.entity.kind.rawValue) \(change.entity.id) the scope \(change.scope), which "
                + "is not the record's: a record's scope never changes; nothing of the batch was stored")
    }
}
