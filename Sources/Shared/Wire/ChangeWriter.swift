/// Writes changes as the JSON objects of a batch or page (keys sorted, as `ChangeBatch` writes them)
/// from stored parts: the value's JSON is copied as it is, without parsing it again (stores keep only
/// values that were validated when they arrived), and no string is made per change.
public struct ChangeWriter {
    public private(set) var json: [UInt8] = Array("[".utf8)
    public private(set) var count = 0

    public init(capacity: Int) {
        json.reserveCapacity(capacity * 160)
    }

    /// Appends one change; each part is its UTF-8 bytes as stored (`value` is JSON).
    public mutating func append(
        field: some Sequence<UInt8>, id: some Sequence<UInt8>, kind: some Sequence<UInt8>,
        scope: some Sequence<UInt8>, timestamp: HybridTimestamp, value: some Sequence<UInt8>
    ) {
        json.append(contentsOf: count == 0 ? #"{"field":""#.utf8 : #",{"field":""#.utf8)
        json.append(contentsOf: field)
        json.append(contentsOf: #"","id":""#.utf8)
        json.append(contentsOf: id)
        json.append(contentsOf: #"","kind":""#.utf8)
        json.append(contentsOf: kind)
        json.append(contentsOf: #"","scope":""#.utf8)
        json.append(contentsOf: scope)
        json.append(contentsOf: #"","ts":""#.utf8)
        timestamp.write(into: &json)
        json.append(contentsOf: #"","value":"#.utf8)
        json.append(contentsOf: value)
        json.append(UInt8(ascii: "}"))
        count += 1
    }

    /// A page of the feed: `{"changes":[…],"cursor":…,"more":…,"version":1}`.
    public func page(cursor: Int64, more: Bool) -> [UInt8] {
        Array(#"{"changes":"#.utf8) + json
            + Array(#"],"cursor":\#(cursor),"more":\#(more),"version":\#(ChangeBatch.currentVersion)}"#.utf8)
    }

    /// A batch to push: `{"changes":[…],"version":1}`.
    public func batch() -> [UInt8] {
        Array(#"{"changes":"#.utf8) + json + Array(#"],"version":\#(ChangeBatch.currentVersion)}"#.utf8)
    }
}

extension HybridTimestamp {
    /// Appends the timestamp as `description` spells it, without making a string: feeds write one per
    /// change.
    public func write(into bytes: inout [UInt8]) {
        Self.writeDecimal(UInt64(bitPattern: physical), negative: physical < 0, into: &bytes)
        bytes.append(UInt8(ascii: "."))
        Self.writeDecimal(UInt64(counter), negative: false, into: &bytes)
        bytes.append(UInt8(ascii: "."))
        Base32.encode(replica.rawValue, digits: ReplicaID.digits, into: &bytes)
    }

    private static func writeDecimal(_ value: UInt64, negative: Bool, into bytes: inout [UInt8]) {
        var magnitude = negative ? 0 &- value : value
        if negative { bytes.append(UInt8(ascii: "-")) }
        // At most 20 digits, written backwards into a fixed buffer.
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &buffer) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: digits[start...])
        }
    }
}
