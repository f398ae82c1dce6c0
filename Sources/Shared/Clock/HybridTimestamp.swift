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
        let parsed = text.utf8.withContiguousStorageIfAvailable(Self.parse) ?? Self.parse(Array(text.utf8))
        guard let parsed else { return nil }
        self = parsed
    }

    /// Parses the textual form from its UTF-8 bytes.
    public init?(utf8: some RandomAccessCollection<UInt8>) {
        guard let parsed = Self.parse(utf8) else { return nil }
        self = parsed
    }

    /// `<milliseconds>.<counter>.<replica>` in one pass: at most 15 and 10 digits, then a replica id.
    private static func parse(_ bytes: some RandomAccessCollection<UInt8>) -> HybridTimestamp? {
        var index = bytes.startIndex
        func number(maximumDigits: Int) -> UInt64? {
            var value: UInt64 = 0
            var digits = 0
            while index != bytes.endIndex, isDigit(bytes[index]) {
                guard digits < maximumDigits else { return nil }
                value = value * 10 + UInt64(bytes[index] - UInt8(ascii: "0"))
                digits += 1
                index = bytes.index(after: index)
            }
            guard digits > 0, index != bytes.endIndex, bytes[index] == UInt8(ascii: ".") else { return nil }
            index = bytes.index(after: index)
            return value
        }
        guard let physical = number(maximumDigits: 15), let counter = number(maximumDigits: 10),
            counter <= UInt64(UInt32.max), bytes.distance(from: index, to: bytes.endIndex) == ReplicaID.digits,
            let replica = Base32.decode(bytes[index...])
        else { return nil }
        return HybridTimestamp(
            physical: Int64(physical), counter: UInt32(counter), replica: ReplicaID(rawValue: replica))
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
