/// Writes changes as the JSON objects of a batch or page (keys sorted, as `ChangeBatch` writes them)
/// from stored parts: the value's JSON is copied as it is, without parsing it again (stores keep only
/// values that were validated when they arrived), and no string is made per change.
public struct ChangeWriter {
    public var json: [UInt8] { bytes }
    public var count: Int { written }
    @usableFromInline var bytes: [UInt8] = Array("[".utf8)
    @usableFromInline var written = 0

    public init(capacity: Int) {
        bytes.reserveCapacity(capacity * 160)
    }

    /// Appends one change; each part is its UTF-8 bytes as stored (`value` is JSON). Inlinable: called
    /// from the stores' modules for every change of a page, a generic function not specialised for
    /// their byte buffers would look up its type's metadata and witnesses for each part of each change.
    @inlinable
    public mutating func append(
        field: some Sequence<UInt8>, id: some Sequence<UInt8>, kind: some Sequence<UInt8>,
        scope: some Sequence<UInt8>, timestamp: HybridTimestamp, value: some Sequence<UInt8>
    ) {
        append(written == 0 ? #"{"field":""# : #",{"field":""#)
        bytes.append(contentsOf: field)
        append(#"","id":""#)
        bytes.append(contentsOf: id)
        append(#"","kind":""#)
        bytes.append(contentsOf: kind)
        append(#"","scope":""#)
        bytes.append(contentsOf: scope)
        append(#"","ts":""#)
        timestamp.write(into: &bytes)
        append(#"","value":"#)
        bytes.append(contentsOf: value)
        bytes.append(UInt8(ascii: "}"))
        written += 1
    }

    /// Appends a constant's bytes as they are (a string's would be copied out of it first).
    @inlinable
    mutating func append(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A page of the feed: `{"changes":[…],"cursor":…,"more":…,"version":1}`.
    public func page(cursor: Int64, more: Bool) -> [UInt8] {
        document(closing: #"],"cursor":\#(cursor),"more":\#(more),"version":\#(ChangeBatch.currentVersion)}"#)
    }

    /// A batch to push: `{"changes":[…],"version":1}`.
    public func batch() -> [UInt8] {
        document(closing: #"],"version":\#(ChangeBatch.currentVersion)}"#)
    }

    /// The changes in their envelope, copied once (a page is a megabyte or more).
    private func document(closing: String) -> [UInt8] {
        let opening = #"{"changes":"#
        var document: [UInt8] = []
        document.reserveCapacity(opening.utf8.count + bytes.count + closing.utf8.count)
        document.append(contentsOf: opening.utf8)
        document.append(contentsOf: bytes)
        document.append(contentsOf: closing.utf8)
        return document
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
