/// Crockford's base32 (digits and lower-case letters without i, l, o, u): compact ids that survive being
/// read aloud, typed, and compared by prefix. Decoding accepts upper case too.
enum Base32 {
    static let alphabet: [UInt8] = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    /// The value of each ASCII byte, or 0xFF where the byte is not a base32 digit.
    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in alphabet.enumerated() {
            table[Int(byte)] = UInt8(value)
            if byte >= UInt8(ascii: "a") {
                table[Int(byte - 32)] = UInt8(value)
            }
        }
        return table
    }()

    /// Writes the low `digits * 5` bits of `value`, most significant digit first.
    static func encode(_ value: UInt64, digits: Int, into bytes: inout [UInt8]) {
        for index in stride(from: digits - 1, through: 0, by: -1) {
            bytes.append(alphabet[Int((value >> UInt64(index * 5)) & 31)])
        }
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
