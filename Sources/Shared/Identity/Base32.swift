/// Crockford's base32 (digits and lower-case letters without i, l, o, u): compact ids that survive being
/// read aloud, typed, and compared by prefix. Decoding accepts upper case too.
enum Base32 {
    /// The value of each ASCII byte, or 0xFF where the byte is not a base32 digit.
    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for value in 0..<32 {
            let byte = digit(UInt64(value))
            table[Int(byte)] = UInt8(value)
            if byte >= UInt8(ascii: "a") {
                table[Int(byte - 32)] = UInt8(value)
            }
        }
        return table
    }()

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
        for index in stride(from: digits - 1, through: 0, by: -1) {
            bytes.append(digit(value >> UInt64(index * 5)))
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
            let value = values[Int(byte)]
            guard value != 0xFF, result >> 59 == 0 else { return nil }
            result = result << 5 | UInt64(value)
        }
        return result
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        values[Int(byte)] != 0xFF
    }
}
