/// Crockford's base32 (digits and lower-case letters without i, l, o, u): compact ids that survive being
/// read aloud, typed, and compared by prefix. Decoding accepts upper case too.
enum Base32 {
    /// The value of a digit (either case), or 0xFF for a byte that is not one.
    @inline(__always)
    static func value(of byte: UInt8) -> UInt8 {
        guard byte < 0x80 else { return 0xFF }
        let value = values.utf8Start[Int(byte)]
        return value == 0x7F ? 0xFF : value
    }

    /// Each ASCII byte's digit value, 0x7F for one that is not a digit: a constant, read without the
    /// lazy initialisation a global array costs on every access (every id a pulled page holds is read
    /// through it). Tested against the alphabet for all 256 bytes.
    private static let values: StaticString =
        """
        \u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\
        \u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\
        \u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\
        \u{0}\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{8}\u{9}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\
        \u{7F}\u{A}\u{B}\u{C}\u{D}\u{E}\u{F}\u{10}\u{11}\u{7F}\u{12}\u{13}\u{7F}\u{14}\u{15}\u{7F}\
        \u{16}\u{17}\u{18}\u{19}\u{1A}\u{7F}\u{1B}\u{1C}\u{1D}\u{1E}\u{1F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}\
        \u{7F}\u{A}\u{B}\u{C}\u{D}\u{E}\u{F}\u{10}\u{11}\u{7F}\u{12}\u{13}\u{7F}\u{14}\u{15}\u{7F}\
        \u{16}\u{17}\u{18}\u{19}\u{1A}\u{7F}\u{1B}\u{1C}\u{1D}\u{1E}\u{1F}\u{7F}\u{7F}\u{7F}\u{7F}\u{7F}
        """

    /// Crockford's digits, as a constant: read without the lazy initialisation a global array costs on every
    /// access (ids are written for every change a store takes).
    private static let digitBytes: StaticString = "0123456789abcdefghjkmnpqrstvwxyz"

    /// The digit for the low 5 bits of `value`.
    @inline(__always)
    static func digit(_ value: UInt64) -> UInt8 {
        digitBytes.utf8Start[Int(truncatingIfNeeded: value & 31)]
    }

    /// Writes the low `digits * 5` bits of `value`, most significant digit first.
    static func encode(_ value: UInt64, digits: Int, into bytes: inout [UInt8]) {
        // Written into a buffer on the stack, then appended at once: not one append per digit.
        precondition(digits <= 13, "a 64-bit number has at most 13 base32 digits")
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 13) { buffer in
            let end = encode(value, digits: digits, into: buffer, at: 0)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<end]))
        }
    }

    /// Writes the low `digits * 5` bits of `value` to `buffer` from `start`, most significant digit first.
    /// - Returns: the index after the last digit.
    @inline(__always)
    static func encode(
        _ value: UInt64, digits: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int
    )
        -> Int
    {
        for index in 0..<digits {
            buffer[start + index] = digit(value >> UInt64((digits - 1 - index) * 5))
        }
        return start + digits
    }

    /// Reads base32 digits as one number, or nil if a byte is not a digit or the value overflows.
    static func decode<S: Collection>(_ digits: S) -> UInt64? where S.Element == UInt8 {
        var result: UInt64 = 0
        for byte in digits {
            let value = value(of: byte)
            guard value != 0xFF, result >> 59 == 0 else { return nil }
            result = result << 5 | UInt64(value)
        }
        return result
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        value(of: byte) != 0xFF
    }
}
