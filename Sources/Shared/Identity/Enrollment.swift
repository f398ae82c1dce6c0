import Crypto
import Foundation

/// Everything a device needs to reach and authenticate to a center, as one string a worker can paste
/// or type: `FS1-` and groups of five base32 digits, ending in a checksum that catches typing mistakes.
///
/// ```swift
/// let text = Enrollment(url: "http://10.0.0.5:8080", credential: credential, scope: village,
///     role: .grid, worker: "张网格").text
/// let back = try Enrollment(parsing: text)
/// ```
public struct Enrollment: Hashable, Sendable {
    public var url: String
    public var credential: DeviceCredential
    public var scope: AreaCode
    public var role: DeviceRole
    public var worker: String

    public init(url: String, credential: DeviceCredential, scope: AreaCode, role: DeviceRole, worker: String) {
        self.url = url
        self.credential = credential
        self.scope = scope
        self.role = role
        self.worker = worker
    }

    static let prefix = "FS1-"

    /// The enrollment string.
    public var text: String {
        // Fields joined by a separator that no field contains (URL, base32, digits, code, name).
        var payload = Array([url, credential.token, scope.description, role.code, worker].joined(separator: "\n").utf8)
        payload += Array(SHA256.hash(data: payload)).prefix(4)
        var digits: [UInt8] = []
        var bits: UInt64 = 0
        var count = 0
        for byte in payload {
            bits = bits << 8 | UInt64(byte)
            count += 8
            while count >= 5 {
                count -= 5
                digits.append(Base32.digit(bits >> UInt64(count)))
            }
        }
        if count > 0 { digits.append(Base32.digit(bits << UInt64(5 - count))) }
        let groups = stride(from: 0, to: digits.count, by: 5).map {
            String(decoding: digits[$0..<min($0 + 5, digits.count)], as: UTF8.self).uppercased()
        }
        return Self.prefix + groups.joined(separator: "-")
    }

    /// Reads an enrollment string, ignoring case, spaces, line breaks and dashes.
    /// - Throws: `EnrollmentError` saying what is wrong.
    public init(parsing text: String) throws(EnrollmentError) {
        let trimmed = text.trimmingSpaces
        guard trimmed.uppercased().hasPrefix(Self.prefix) else { throw .notAnEnrollment }
        var bits: UInt64 = 0
        var count = 0
        var bytes: [UInt8] = []
        for byte in trimmed.utf8.dropFirst(Self.prefix.utf8.count) {
            if byte == UInt8(ascii: "-") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
            {
                continue
            }
            guard Base32.isDigit(byte) else { throw .badCharacter(Character(Unicode.Scalar(byte))) }
            bits = bits << 5 | UInt64(Base32.value(of: byte))
            count += 5
            if count >= 8 {
                count -= 8
                bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(count)))
            }
        }
        guard bytes.count > 4 else { throw .checksum }
        let payload = Array(bytes.dropLast(4))
        guard Array(SHA256.hash(data: payload)).prefix(4).elementsEqual(bytes.suffix(4)) else { throw .checksum }
        let fields = String(decoding: payload, as: UTF8.self).components(separatedBy: "\n")
        guard fields.count == 5, let credential = DeviceCredential(token: fields[1]),
            let scope = try? AreaCode(parsing: fields[2]), let role = DeviceRole(rawValue: fields[3])
        else { throw .malformed }
        self.init(url: fields[0], credential: credential, scope: scope, role: role, worker: fields[4])
    }
}

/// Why a text is not a usable enrollment string.
public enum EnrollmentError: Error, Hashable, Sendable, CustomStringConvertible, LocalizedMessage {
    case notAnEnrollment
    case badCharacter(Character)
    case checksum
    case malformed

    public var description: String { message(in: .en) }

    public func message(in language: Language) -> String {
        switch self {
        case .notAnEnrollment:
            language.pick(
                "登记串以 FS1- 开头；请向区中心要一个（center worker add）",
                "an enrollment string starts with FS1-; ask the center for one (center worker add)")
        case .badCharacter(let character):
            language.pick(
                "登记串里不会有“\(character)”：请检查是否输错了字母（登记串不用 i、l、o、u）",
                "'\(character)' cannot appear in an enrollment string; check for a mistyped letter (no i, l, o or u)")
        case .checksum:
            language.pick(
                "登记串的校验码对不上：有字符输错或漏输了",
                "the enrollment string's checksum does not match: a character is mistyped or missing")
        case .malformed:
            language.pick(
                "这个版本的 field 读不懂这个登记串", "the enrollment string is not one this version of field understands")
        }
    }
}
