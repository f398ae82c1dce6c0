/// Crockford's base32 (digits and lower-case letters without i, l, o, u): compact ids that survive being
/// read aloud, typed, and compared by prefix. Decoding accepts upper case too.
enum Base32 {
    /// The value of a digit (either case), or 0xFF for a byte that is not one. Worked out, not looked
    /// up: every id a pulled page holds is read through it.
    @inline(__always)
    static func value(of byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
            // The letters without i, l, o and u, from 10 on.
            switch byte | 0x20 {
            case UInt8(ascii: "a")...UInt8(ascii: "h"): return (byte | 0x20) - UInt8(ascii: "a") + 10
            case UInt8(ascii: "j")...UInt8(ascii: "k"): return (byte | 0x20) - UInt8(ascii: "j") + 18
            case UInt8(ascii: "m")...UInt8(ascii: "n"): return (byte | 0x20) - UInt8(ascii: "m") + 20
            case UInt8(ascii: "p")...UInt8(ascii: "t"): return (byte | 0x20) - UInt8(ascii: "p") + 22
            case UInt8(ascii: "v")...UInt8(ascii: "z"): return (byte | 0x20) - UInt8(ascii: "v") + 27
            default: return 0xFF
            }
        default: return 0xFF
        }
    }

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
