import Crypto

/// How a device proves who it is to the center: its id and a secret, sent as
/// `Authorization: Bearer <id>.<secret>`. The center keeps only the secret's SHA-256.
public struct DeviceCredential: Hashable, Sendable {
    /// 8 base32 digits.
    public var device: String
    /// 26 base32 digits: 128 random bits.
    public var secret: String

    public init(device: String, secret: String) {
        self.device = device
        self.secret = secret
    }

    /// A new device id and secret from the system's generator.
    public static func generate() -> DeviceCredential {
        var generator = SystemRandomNumberGenerator()
        var device: [UInt8] = []
        Base32.encode(generator.next() >> 24, digits: 8, into: &device)
        return DeviceCredential(
            device: String(decoding: device, as: UTF8.self), secret: RecordID.random(using: &generator).description)
    }

    /// Parses `<id>.<secret>`.
    public init?(token: some StringProtocol) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 8, parts[0].utf8.allSatisfy(Base32.isDigit),
            parts[1].utf8.count == RecordID.digits, parts[1].utf8.allSatisfy(Base32.isDigit)
        else { return nil }
        self.init(device: String(parts[0]).lowercased(), secret: String(parts[1]).lowercased())
    }

    public var token: String { "\(device).\(secret)" }

    /// The SHA-256 of the secret: what the center stores.
    public var secretHash: [UInt8] {
        Array(SHA256.hash(data: Array(secret.utf8)))
    }

    /// Whether the secret hashes to `hash`, comparing every byte whatever the first difference, so the
    /// time taken says nothing about how close a guess was.
    public func matches(_ hash: [UInt8]) -> Bool {
        let mine = secretHash
        guard mine.count == hash.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(mine, hash) {
            difference |= left ^ right
        }
        return difference == 0
    }
}

extension DeviceCredential: CustomStringConvertible {
    /// The device id only: a secret never reaches a log through interpolation.
    public var description: String { device }
}
