/// A hybrid logical clock timestamp: physical milliseconds, a counter, and the replica that issued it.
///
/// The three parts in that order give a total order over every change ever made. A replica's clock
/// never issues the same timestamp twice and never goes backwards, so a timestamp also identifies
/// the change it stamps, and if change B was made by a replica that had seen change A, B's timestamp
/// is greater than A's.
///
/// Written `<physical>.<counter>.<replica>`, e.g. `1764402821123.0.k3v9x2qa7m1p`.
public struct HybridTimestamp: Hashable, Comparable, Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z, as the issuing replica's clock believed.
    public var physical: Int64
    /// Orders timestamps issued within one millisecond, or while the wall clock lags.
    public var counter: UInt32
    public var replica: ReplicaID

    public init(physical: Int64, counter: UInt32, replica: ReplicaID) {
        self.physical = physical
        self.counter = counter
        self.replica = replica
    }

    /// Parses the textual form; nil if any part is missing or malformed.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].utf8.count <= 15, parts[0].utf8.allSatisfy(Self.isDigit),
            parts[1].utf8.count <= 10, parts[1].utf8.allSatisfy(Self.isDigit),
            let physical = Int64(parts[0]), let counter = UInt32(parts[1]), let replica = ReplicaID(parts[2])
        else { return nil }
        self.init(physical: physical, counter: counter, replica: replica)
    }

    public static func < (lhs: HybridTimestamp, rhs: HybridTimestamp) -> Bool {
        if lhs.physical != rhs.physical { return lhs.physical < rhs.physical }
        if lhs.counter != rhs.counter { return lhs.counter < rhs.counter }
        return lhs.replica < rhs.replica
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}

extension HybridTimestamp: CustomStringConvertible {
    public var description: String {
        "\(physical).\(counter).\(replica)"
    }
}
