/// The identity of one replica: a worker's laptop, a town office, the district center.
///
/// A random 60-bit number, written as 12 base32 digits (`k3v9x2qa7m1p`). It is part of every hybrid
/// timestamp, where it breaks ties between replicas, so it is a plain integer to keep comparisons and
/// hashing cheap on the merge path.
public struct ReplicaID: Hashable, Comparable, Sendable {
    /// Number of base32 digits in the textual form.
    public static let digits = 12

    public let rawValue: UInt64

    /// - Precondition: `rawValue` fits in 60 bits.
    public init(rawValue: UInt64) {
        precondition(rawValue >> 60 == 0, "a replica id has 60 bits")
        self.rawValue = rawValue
    }

    /// Parses the textual form; nil unless it is exactly 12 base32 digits.
    public init?(_ text: some StringProtocol) {
        let utf8 = text.utf8
        guard utf8.count == Self.digits, let value = Base32.decode(utf8) else { return nil }
        self.rawValue = value
    }

    /// A new random replica id.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> ReplicaID {
        ReplicaID(rawValue: generator.next() >> 4)
    }

    /// A new random replica id from the system's generator.
    public static func random() -> ReplicaID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func < (lhs: ReplicaID, rhs: ReplicaID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

extension ReplicaID: CustomStringConvertible {
    public var description: String {
        String(unsafeUninitializedCapacity: Self.digits) {
            Base32.encode(rawValue, digits: Self.digits, into: $0, at: 0)
        }
    }
}
