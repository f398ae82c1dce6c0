/// The kinds of record the change log holds.
public enum EntityKind: String, Hashable, Comparable, Sendable, CaseIterable {
    /// A dispute case (矛盾纠纷).
    case dispute
    /// A risk hazard on the ledger (风险隐患).
    case risk

    public static func < (lhs: EntityKind, rhs: EntityKind) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// By case (see `Field.hash(into:)`): every record key a store looks up hashes one.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(unsafeBitCast(self, to: UInt8.self))
    }

    /// The kind whose name is the UTF-8 `bytes`, as `init(rawValue:)` reads its text, with no string made.
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        switch bytes.count {
        case 7 where UTF8Bytes.equal(bytes, Self.dispute.rawValue): self = .dispute
        case 4 where UTF8Bytes.equal(bytes, Self.risk.rawValue): self = .risk
        default: return nil
        }
    }

    /// The fields a change to this kind of record may carry.
    public var fields: [Field] {
        Field.allCases.filter { $0.kinds.contains(self) }
    }
}

/// One record: its kind and its id.
public struct EntityKey: Hashable, Comparable, Sendable {
    public var kind: EntityKind
    public var id: RecordID

    public init(kind: EntityKind, id: RecordID) {
        self.kind = kind
        self.id = id
    }

    public static func < (lhs: EntityKey, rhs: EntityKey) -> Bool {
        (lhs.kind, lhs.id) < (rhs.kind, rhs.id)
    }
}
