import Shared

/// A record as the center holds it: its kind and scope are fixed by its first change the center took.
public struct HeldRecord: Sendable, Equatable {
    public var kind: EntityKind
    public var scope: AreaCode

    public init(kind: EntityKind, scope: AreaCode) {
        self.kind = kind
        self.scope = scope
    }
}
