/// The identity of a dispute case or a risk item, the same on every replica.
///
/// 128 random bits written as 26 base32 digits. Randomness (not a sequence, not a time) lets offline
/// devices create records without coordination and makes short prefixes unique, so people can type
/// the first few digits, as with git.
public struct RecordID: Hashable, Comparable, Sendable {
    /// Number of base32 digits in the textual form.
    public static let digits = 26

    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses the full textual form; nil unless it is 26 base32 digits that fit in 128 bits.
    public init?(_ text: some StringProtocol) {
        self.init(utf8: Array(text.utf8))
    }

    /// Parses the full textual form from its UTF-8 bytes. Inlinable: the stores read ids from their
    /// rows' bytes, which an unspecialised generic would take through metadata and witness look-ups.
    @inlinable
    public init?(utf8: some RandomAccessCollection<UInt8>) {
        guard let parsed = utf8.withContiguousStorageIfAvailable(Self.parse) ?? Self.parse(Array(utf8)) else {
            return nil
        }
        self = parsed
    }

    @usableFromInline
    static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> RecordID? {
        // 26 digits carry 130 bits: the first digit may use only its low 3 bits.
        guard utf8.count == Self.digits, Base32.isDigit(utf8[0]), Base32.value(of: utf8[0]) < 8,
            let top = Base32.decode(utf8[0..<2]), let middle = Base32.decode(utf8[2..<14]),
            let bottom = Base32.decode(utf8[14..<26])
        else { return nil }
        // top: 8 bits, middle: 60 bits, bottom: 60 bits.
        return RecordID(high: top << 56 | middle >> 4, low: (middle & 0xF) << 60 | bottom)
    }

    @usableFromInline
    static func parse(_ utf8: [UInt8]) -> RecordID? {
        utf8.withUnsafeBufferPointer(parse)
    }

    /// A new random record id.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> RecordID {
        RecordID(high: generator.next(), low: generator.next())
    }

    /// A new random record id from the system's generator.
    public static func random() -> RecordID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func < (lhs: RecordID, rhs: RecordID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}

extension RecordID: CustomStringConvertible {
    /// The 26 digits. Stores write one for every record a transaction touches: straight into the string's
    /// own storage.
    public var description: String {
        String(unsafeUninitializedCapacity: Self.digits) { write(into: $0) }
    }

    /// Appends the 26 digits `description` spells.
    public func appendText(to bytes: inout [UInt8]) {
        let count = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: Self.digits))
        bytes.withUnsafeMutableBufferPointer { _ = write(into: UnsafeMutableBufferPointer(rebasing: $0[count...])) }
    }

    /// Writes the digits to the start of `buffer` (at least 26 bytes).
    /// - Returns: how many it wrote.
    private func write(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        precondition(buffer.count >= Self.digits)
        var end = Base32.encode(high >> 56, digits: 2, into: buffer, at: 0)
        end = Base32.encode((high & 0x00FF_FFFF_FFFF_FFFF) << 4 | low >> 60, digits: 12, into: buffer, at: end)
        return Base32.encode(low & 0x0FFF_FFFF_FFFF_FFFF, digits: 12, into: buffer, at: end)
    }
}
