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
        let envelope = try Self.envelope(json, allowed: ["changes", "version"])
        guard let items = envelope["changes"] else {
            throw WireError(code: .malformedBatch, field: "changes", message: "a batch needs a list of changes")
        }
        self.init(changes: try Self.changes(items))
    }

    /// Parses a document and checks the envelope every version-1 document shares: a JSON object with
    /// known keys and a supported `version`.
    static func envelope(_ json: Data, allowed: Set<String>) throws(WireError) -> [String: JSONValue] {
        if let offset = firstInvalidUTF8(in: json) {
            throw WireError(code: .malformedBatch, message: "not valid UTF-8 at byte \(offset)")
        }
        let document: JSONValue
        do {
            document = try JSONParser.parse(json)
        } catch {
            throw WireError(code: .malformedBatch, message: "not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .object(let envelope) = document else {
            throw WireError(code: .malformedBatch, message: "expected a JSON object, got \(document.typeName)")
        }
        if let unknown = envelope.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw WireError(
                code: .malformedBatch, field: unknown,
                message: "unknown key; expected: \(allowed.sorted().joined(separator: ", "))")
        }
        guard let version = envelope["version"] else {
            throw WireError(code: .malformedBatch, field: "version", message: "a batch needs a version")
        }
        guard case .number(let number) = version, let integer = Int(exactly: number) else {
            throw WireError(code: .malformedBatch, field: "version", message: "expected an integer")
        }
        guard supportedVersions.contains(integer) else {
            throw WireError(
                code: .unsupportedVersion, field: "version",
                message: "version \(integer) is not supported; this build reads version "
                    + supportedVersions.map(String.init).joined(separator: ", "))
        }
        return envelope
    }

    /// Reads and validates the `changes` list, naming the first bad change and field.
    static func changes(_ items: JSONValue) throws(WireError) -> [Change] {
        guard case .array(let elements) = items else {
            throw WireError(code: .malformedBatch, field: "changes", message: "expected a list of changes")
        }
        var changes: [Change] = []
        changes.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            do {
                changes.append(try RawChange(element).change())
            } catch {
                throw WireError(code: .invalidChange, change: index, field: error.field, message: error.message)
            }
        }
        return changes
    }

    /// The offset of the first byte that is not part of valid UTF-8, or nil if all of it is.
    static func firstInvalidUTF8(in data: Data) -> Int? {
        // The standard library's validation is fast; only invalid input is walked to find the offset.
        if data.withUnsafeBytes({ String(validating: $0.bindMemory(to: UInt8.self), as: UTF8.self) }) != nil {
            return nil
        }
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
        if prettyPrinted {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            // Encoding plain strings and dictionaries cannot fail.
            return try! encoder.encode(RawBatch(version: Self.currentVersion, changes: changes.map(RawChange.init)))
        }
        let document = JSONValue.object([
            "version": .number(Double(Self.currentVersion)), "changes": .array(changes.map { RawChange($0).tree }),
        ])
        return Data(document.text.utf8)
    }
}

/// The batch's JSON shape, for the pretty-printed golden file.
struct RawBatch: Encodable {
    var version: Int
    var changes: [RawChange]
}

/// One change's JSON shape before validation: every key optional, so that a missing one gets a
/// message of ours rather than the decoder's.
struct RawChange: Encodable {
    var ts: String?
    var kind: String?
    var id: String?
    var scope: String?
    var field: String?
    var value: JSONValue?

    enum CodingKeys: String, CodingKey {
        case ts, kind, id, scope, field, value
    }

    static let keys: Set<String> = ["field", "id", "kind", "scope", "ts", "value"]

    /// A change object as parsed, checked for unknown keys and the types of its string fields.
    init(_ json: JSONValue) throws(Problem) {
        guard case .object(let object) = json else {
            throw Problem(field: "", message: "expected a change object, got \(json.typeName)")
        }
        if let unknown = object.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw Problem(
                field: unknown, message: "unknown key; expected: \(Self.keys.sorted().joined(separator: ", "))")
        }
        func text(_ key: String) throws(Problem) -> String? {
            guard let value = object[key] else { return nil }
            guard case .string(let text) = value else { throw Problem(field: key, message: "expected a string") }
            return text
        }
        ts = try text("ts")
        kind = try text("kind")
        id = try text("id")
        scope = try text("scope")
        field = try text("field")
        value = object["value"]
    }

    /// The change as a JSON object.
    var tree: JSONValue {
        .object([
            "ts": .string(ts ?? ""), "kind": .string(kind ?? ""), "id": .string(id ?? ""),
            "scope": .string(scope ?? ""),
            "field": .string(field ?? ""), "value": value ?? .null,
        ])
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
