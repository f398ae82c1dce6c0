import Foundation

/// A batch of changes as it travels between replicas: versioned JSON with stable field names.
///
/// ```json
/// {"version":1,"changes":[{"ts":"1764402821123.0.k3v9x2qa7m1p","kind":"dispute",
///   "id":"0q7d2m4k8v1x3c5n9b6z2r4t8w","scope":"620502101201","field":"summary","value":"…"}]}
/// ```
///
/// Each change names its timestamp (`ts`), its record (`kind`, `id`), the record's `scope`, the
/// `field` and the new `value`, whose JSON shape the field decides (docs/WIRE.md lists them).
/// Reading a batch is all or nothing: the first malformed change refuses the whole batch with an error
/// that names the change and the field.
public struct ChangeBatch: Hashable, Sendable {
    /// The version this build writes.
    public static let currentVersion = 1
    /// The versions this build reads.
    public static let supportedVersions = [1]

    public var changes: [Change]

    public init(changes: [Change]) {
        self.changes = changes
    }

    /// Reads a batch.
    /// - Throws: `WireError` naming the first problem; nothing of the batch is returned then.
    public init(json: Data) throws(WireError) {
        if let offset = Self.firstInvalidUTF8(in: json) {
            throw WireError(code: .malformedBatch, message: "not valid UTF-8 at byte \(offset)")
        }
        let raw: RawBatch
        do {
            raw = try JSONDecoder().decode(RawBatch.self, from: json)
        } catch let error as WireError {
            throw error
        } catch let error as DecodingError {
            throw WireError(error)
        } catch {
            throw WireError(code: .malformedBatch, message: "not a batch: \(error)")
        }
        var changes: [Change] = []
        changes.reserveCapacity(raw.changes.count)
        for (index, change) in raw.changes.enumerated() {
            do {
                changes.append(try change.change())
            } catch {
                throw WireError(code: .invalidChange, change: index, field: error.field, message: error.message)
            }
        }
        self.changes = changes
    }

    /// The offset of the first byte that is not part of valid UTF-8, or nil if all of it is.
    static func firstInvalidUTF8(in data: Data) -> Int? {
        var iterator = data.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// The batch as compact JSON with sorted keys: equal batches give equal bytes.
    public func json(prettyPrinted: Bool = false) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            prettyPrinted
            ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and dictionaries cannot fail.
        return try! encoder.encode(RawBatch(version: Self.currentVersion, changes: changes.map(RawChange.init)))
    }
}

/// The batch's JSON shape before validation.
struct RawBatch: Codable {
    var version: Int
    var changes: [RawChange]

    init(version: Int, changes: [RawChange]) {
        self.version = version
        self.changes = changes
    }

    enum CodingKeys: String, CodingKey {
        case version, changes
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(allowed: ["version", "changes"])
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let version = try container.decodeIfPresent(Int.self, forKey: .version) else {
            throw WireError(code: .malformedBatch, field: "version", message: "a batch needs a version")
        }
        guard ChangeBatch.supportedVersions.contains(version) else {
            throw WireError(
                code: .unsupportedVersion, field: "version",
                message: "version \(version) is not supported; this build reads version "
                    + ChangeBatch.supportedVersions.map(String.init).joined(separator: ", "))
        }
        self.version = version
        guard let changes = try container.decodeIfPresent([RawChange].self, forKey: .changes) else {
            throw WireError(code: .malformedBatch, field: "changes", message: "a batch needs a list of changes")
        }
        self.changes = changes
    }
}

/// One change's JSON shape before validation: every key optional, so that a missing one gets a
/// message of ours rather than the decoder's.
struct RawChange: Codable {
    var ts: String?
    var kind: String?
    var id: String?
    var scope: String?
    var field: String?
    var value: JSONValue?

    enum CodingKeys: String, CodingKey {
        case ts, kind, id, scope, field, value
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(allowed: ["ts", "kind", "id", "scope", "field", "value"])
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ts = try container.decodeIfPresent(String.self, forKey: .ts)
        kind = try container.decodeIfPresent(String.self, forKey: .kind)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        scope = try container.decodeIfPresent(String.self, forKey: .scope)
        field = try container.decodeIfPresent(String.self, forKey: .field)
        // A present null is a value of the wrong type, not a missing one.
        value = container.contains(.value) ? try container.decode(JSONValue.self, forKey: .value) : nil
    }

    init(_ change: Change) {
        ts = change.timestamp.description
        kind = change.entity.kind.rawValue
        id = change.entity.id.description
        scope = change.scope.description
        field = change.field.rawValue
        value = change.value.json
    }

    /// A problem in one change: the field and what is wrong.
    struct Problem: Error {
        var field: String
        var message: String
    }

    func change() throws(Problem) -> Change {
        guard let ts else { throw Problem(field: "ts", message: "missing") }
        guard let timestamp = HybridTimestamp(ts) else {
            throw Problem(
                field: "ts", message: "'\(ts)' is not a timestamp; expected <milliseconds>.<counter>.<replica>")
        }
        guard let kind else { throw Problem(field: "kind", message: "missing") }
        guard let entityKind = EntityKind(rawValue: kind) else {
            let kinds = EntityKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw Problem(field: "kind", message: "unknown kind '\(kind)'; expected one of: \(kinds)")
        }
        guard let id else { throw Problem(field: "id", message: "missing") }
        guard let recordID = RecordID(id) else {
            throw Problem(field: "id", message: "'\(id)' is not a record id; expected 26 base32 digits")
        }
        guard let scope else { throw Problem(field: "scope", message: "missing") }
        let area: AreaCode
        do {
            area = try AreaCode(parsing: scope)
        } catch {
            throw Problem(field: "scope", message: error.description)
        }
        guard let field else { throw Problem(field: "field", message: "missing") }
        guard let fieldName = Field(rawValue: field) else {
            let fields = entityKind.fields.map(\.rawValue).joined(separator: ", ")
            throw Problem(field: "field", message: "unknown field '\(field)'; a \(kind) has: \(fields)")
        }
        guard let value else { throw Problem(field: "value", message: "missing") }
        var reader = ValueReader(field: fieldName)
        let typed = try reader.value(value)
        do {
            return try Change(
                timestamp: timestamp, entity: EntityKey(kind: entityKind, id: recordID), scope: area,
                field: fieldName, value: typed)
        } catch {
            throw Problem(field: error.field, message: error.problem)
        }
    }
}

/// Any key, to list the keys an object actually has.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        nil
    }
}

extension Decoder {
    /// Version 1 is strict: a key it does not define is a mistake (a typo, or a newer writer that
    /// should have raised the version), never silently dropped.
    fileprivate func refuseUnknownKeys(allowed: Set<String>) throws {
        let container = try self.container(keyedBy: AnyKey.self)
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: codingPath + [AnyKey(stringValue: unknown)],
                    debugDescription: "unknown key; expected: \(allowed.sorted().joined(separator: ", "))"))
        }
    }
}

extension WireError {
    /// Translates the decoder's error, keeping the change and the key it happened at.
    init(_ error: DecodingError) {
        let context: DecodingError.Context
        var message: String
        switch error {
        case .typeMismatch(let type, let errorContext):
            context = errorContext
            message = "expected \(Self.describe(type))"
        case .valueNotFound(let type, let errorContext):
            context = errorContext
            message = "expected \(Self.describe(type)), found null"
        case .keyNotFound(let key, let errorContext):
            context = errorContext
            message = "missing key '\(key.stringValue)'"
        case .dataCorrupted(let errorContext):
            context = errorContext
            let underlying = errorContext.underlyingError.map { " (\($0))" } ?? ""
            message = "\(errorContext.debugDescription)\(underlying)"
        @unknown default:
            self.init(code: .malformedBatch, message: "\(error)")
            return
        }
        let path = context.codingPath
        if path.count >= 2, path[0].stringValue == "changes", let index = path[1].intValue {
            let field = path.dropFirst(2).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            self.init(code: .invalidChange, change: index, field: field.isEmpty ? nil : field, message: message)
        } else {
            let field = path.map(\.stringValue).joined(separator: ".")
            self.init(code: .malformedBatch, field: field.isEmpty ? nil : field, message: message)
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is [RawChange].Type: "a list of changes"
        default: "a \(type)"
        }
    }
}
