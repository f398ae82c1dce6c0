import Crypto

/// The merged state of every record a replica holds: what all the changes it has applied come to.
///
/// Applying changes is the CRDT merge. Any set of changes, applied in any order and grouping, with
/// any repetitions, gives the same state and so the same `digest()`.
///
/// ```swift
/// var state = ReplicaState()
/// state.apply(changes)
/// let dispute = state.dispute(id)
/// ```
public struct ReplicaState: Sendable {
    public private(set) var entities: [EntityKey: EntityState] = [:]

    public init() {}

    /// Merges one change.
    public mutating func apply(_ change: Change) {
        entities[change.entity, default: EntityState(first: change)].apply(change)
    }

    /// Merges changes; the same as applying them one by one, in any order. Inlinable, so that a store's
    /// array of a record's changes is walked as an array.
    @inlinable
    public mutating func apply(_ changes: some Sequence<Change>) {
        for change in changes {
            apply(change)
        }
    }

    public subscript(key: EntityKey) -> EntityState? {
        entities[key]
    }

    /// A SHA-256 hash over the canonical form of every record whose scope lies within `scope`
    /// (all records when nil). Two replicas with equal digests hold equal states.
    public func digest(within scope: AreaCode? = nil) -> StateDigest {
        digest { scope?.covers($0) ?? true }
    }

    /// The digest of the records a device of `reach` holds: those within its scope, and those of areas
    /// merged into it.
    public func digest(within reach: Reach) -> StateDigest {
        digest(including: reach.covers)
    }

    /// The digest over the records made in the areas `including` accepts.
    func digest(including: (AreaCode) -> Bool) -> StateDigest {
        var hasher = SHA256()
        var count = 0
        for key in entities.keys.sorted() {
            let entity = entities[key]!
            if !including(entity.scope) { continue }
            var bytes = CanonicalBytes()
            entity.encode(into: &bytes)
            hasher.update(data: bytes.bytes)
            count += 1
        }
        return StateDigest(bytes: Array(hasher.finalize()), recordCount: count)
    }
}

/// A hash of a replica's state, to compare states without sending them.
public struct StateDigest: Hashable, Sendable {
    public let bytes: [UInt8]
    /// How many records the digest covers.
    public let recordCount: Int
}

extension StateDigest: CustomStringConvertible {
    /// Lower-case hex.
    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
