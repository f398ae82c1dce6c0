/// A batch that cannot be read: what is wrong, and in which change and field.
public struct WireError: Error, Hashable, Sendable {
    /// Stable codes, for programs; the message is for people.
    public enum Code: String, Hashable, Sendable {
        /// Not JSON, not UTF-8, or not shaped like a batch.
        case malformedBatch = "malformed-batch"
        /// A `version` this build does not speak.
        case unsupportedVersion = "unsupported-version"
        /// A change with a missing, mistyped or invalid field.
        case invalidChange = "invalid-change"
    }

    public var code: Code
    /// The offending change's position in the batch, from 0.
    public var change: Int?
    /// The offending field, as named on the wire (`ts`, `value.basis[0]`).
    public var field: String?
    public var message: String

    public init(code: Code, change: Int? = nil, field: String? = nil, message: String) {
        self.code = code
        self.change = change
        self.field = field
        self.message = message
    }
}

extension WireError: CustomStringConvertible {
    public var description: String {
        var parts: [String] = []
        if let change { parts.append("change \(change)") }
        if let field { parts.append("field '\(field)'") }
        return parts.isEmpty ? message : "\(parts.joined(separator: ", ")): \(message)"
    }
}
