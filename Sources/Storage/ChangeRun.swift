import Shared

/// The earlier changes of a run, as one row of the log keeps them in its `earlier` column: consecutive
/// changes of one record by one replica. Each change is its timestamp's milliseconds (8 bytes) and
/// counter (4 bytes, little-endian; the replica is the row's), its field, the scope it named when that
/// differs from its record's (else empty), and its value as JSON; the three texts are UTF-8, each after
/// its length (1, 1 and 4 bytes). A whole run is one row: a case's seven changes cost one insert, not
/// seven.
enum ChangeRun {
    /// A stored change's parts, pointing into the row's bytes (valid while the row is).
    struct Part {
        var physical: Int64
        var counter: UInt32
        var field: UnsafeBufferPointer<UInt8>
        /// Empty when the change names its record's scope.
        var scope: UnsafeBufferPointer<UInt8>
        var value: UnsafeBufferPointer<UInt8>
    }

    /// Appends one change to an `earlier` column's bytes.
    static func append(_ change: borrowing Change, scope: String?, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: change.timestamp.physical.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: change.timestamp.counter.littleEndian) { bytes.append(contentsOf: $0) }
        func appendText(_ text: String) {
            var text = text
            text.withUTF8 { utf8 in
                bytes.append(UInt8(utf8.count))
                bytes.append(contentsOf: utf8)
            }
        }
        appendText(change.field.rawValue)
        appendText(scope ?? "")
        // The value's length is known once it is written: its four bytes are filled in after.
        let lengthAt = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: 4))
        change.appendValueJSON(to: &bytes)
        let length = UInt32(bytes.count - lengthAt - 4)
        for offset in 0..<4 {
            bytes[lengthAt + offset] = UInt8(truncatingIfNeeded: length >> (8 * offset))
        }
    }

    /// Calls `body` with each change an `earlier` column holds, in order, until it returns false.
    /// - Returns: false if `body` did.
    /// - Throws: `StoreError` `.corrupt` if the bytes are not a run (cut short, or lengths past the end).
    static func forEach(in bytes: UnsafeBufferPointer<UInt8>, _ body: (Part) throws -> Bool) throws -> Bool {
        var index = 0
        func take(_ count: Int) throws -> UnsafeBufferPointer<UInt8> {
            guard count >= 0, index + count <= bytes.count else {
                throw StoreError(code: .corrupt, message: "the log holds a run of changes that is cut short")
            }
            defer { index += count }
            return UnsafeBufferPointer(rebasing: bytes[index..<index + count])
        }
        func integer<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let part = try take(MemoryLayout<T>.size)
            var value = T.zero
            withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: UnsafeRawBufferPointer(part)) }
            return T(littleEndian: value)
        }
        while index < bytes.count {
            let physical = try integer(Int64.self)
            let counter = try integer(UInt32.self)
            let field = try take(Int(try integer(UInt8.self)))
            let scope = try take(Int(try integer(UInt8.self)))
            let value = try take(Int(try integer(UInt32.self)))
            guard try body(Part(physical: physical, counter: counter, field: field, scope: scope, value: value)) else {
                return false
            }
        }
        return true
    }
}
