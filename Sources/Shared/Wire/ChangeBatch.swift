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
        let document = try Self.envelope(json, allowed: ["changes", "version"])
        guard let changes = document.changes else {
            throw WireError(code: .malformedBatch, field: "changes", message: "a batch needs a list of changes")
        }
        self.init(changes: try changes.validated())
    }

    /// The envelope's members other than `changes`, and the changes, not yet validated.
    struct Envelope {
        var members: [String: JSONValue]
        /// Nil if the document has no `changes` member.
        var changes: Items?
    }

    /// A document's `changes` member: a list read as raw changes, or something else (an error).
    enum Items {
        case list([RawChange])
        case other(JSONValue)

        /// Validates each change, naming the first bad change and field.
        func validated() throws(WireError) -> [Change] {
            guard case .list(let raws) = self else {
                throw WireError(code: .malformedBatch, field: "changes", message: "expected a list of changes")
            }
            var changes: [Change] = []
            changes.reserveCapacity(raws.count)
            // Through the buffer: each raw change is read in place (the array's subscript copies it out).
            try raws.withUnsafeBufferPointer { (raws) throws(WireError) in
                for index in raws.indices {
                    do throws(RawChange.Problem) {
                        changes.append(try raws[index].change())
                    } catch {
                        throw WireError(
                            code: .invalidChange, change: index, field: error.field, message: error.message)
                    }
                }
            }
            return changes
        }
    }

    /// Parses a document and checks the envelope every version-1 document shares: a JSON object with
    /// known keys and a supported `version`.
    static func envelope(_ json: Data, allowed: Set<String>) throws(WireError) -> Envelope {
        let document: WireDocument
        do {
            // The parser validates each string as it makes it; a document it takes is valid UTF-8.
            document = try JSONParser.parseWireDocument(json)
        } catch {
            // Bytes that are not UTF-8 are named as such, wherever they are, before any JSON problem.
            if let offset = firstInvalidUTF8(in: json) {
                throw WireError(code: .malformedBatch, message: "not valid UTF-8 at byte \(offset)")
            }
            throw WireError(code: .malformedBatch, message: "not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .object(var envelope) = document.root else {
            throw WireError(code: .malformedBatch, message: "expected a JSON object, got \(document.root.typeName)")
        }
        let changes: Items? = document.changes.map(Items.list) ?? envelope["changes"].map(Items.other)
        envelope["changes"] = nil
        let keys = envelope.keys + (changes == nil ? [] : ["changes"])
        if let unknown = keys.sorted().first(where: { !allowed.contains($0) }) {
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
        return Envelope(members: envelope, changes: changes)
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
    /// The texts of `ts`, `kind`, `id`, `scope` and `field`, when they were not read as values below.
    var ts: String? {
        get { unusual?.ts }
        set { unusualParts.ts = newValue }
    }
    var kind: String? {
        get { unusual?.kind }
        set { unusualParts.kind = newValue }
    }
    var id: String? {
        get { unusual?.id }
        set { unusualParts.id = newValue }
    }
    var scope: String? {
        get { unusual?.scope }
        set { unusualParts.scope = newValue }
    }
    var field: String? {
        get { unusual?.field }
        set { unusualParts.field = newValue }
    }
    var value: JSONValue?

    enum CodingKeys: String, CodingKey {
        case ts, kind, id, scope, field, value
    }

    static let keys: Set<String> = ["field", "id", "kind", "scope", "ts", "value"]

    /// `ts`, `id`, `kind`, `scope` and `field` when the wire reader read them as valid values straight
    /// from the bytes (the texts are nil then).
    var timestamp: HybridTimestamp?
    var recordID: RecordID?
    var entityKind: EntityKind?
    var area: AreaCode?
    var fieldName: Field?
    /// The first of the object's other keys in sorted order, if it has any.
    var unknownKey: String? {
        get { unusual?.unknownKey }
        set { unusualParts.unknownKey = newValue }
    }
    /// Which of the string keys held something else.
    var notStrings: Set<String> {
        get { unusual?.notStrings ?? [] }
        set { unusualParts.notStrings = newValue }
    }
    /// What stood in the list where a change object should have.
    var notAnObject: JSONValue? {
        get { unusual?.notAnObject }
        set { unusualParts.notAnObject = newValue }
    }

    /// What a change read straight from the bytes does not have: texts, and what is wrong with it. Kept
    /// apart, and absent for such a change, so that moving one (a page holds thousands) copies and
    /// releases no more than its value.
    struct Unusual {
        var ts: String?
        var kind: String?
        var id: String?
        var scope: String?
        var field: String?
        var unknownKey: String?
        var notStrings: Set<String> = []
        var notAnObject: JSONValue?
    }

    private var unusual: Unusual?

    private var unusualParts: Unusual {
        get { unusual ?? Unusual() }
        set { unusual = newValue }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(ts, forKey: .ts)
        try container.encodeIfPresent(kind, forKey: .kind)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encodeIfPresent(scope, forKey: .scope)
        try container.encodeIfPresent(field, forKey: .field)
        try container.encodeIfPresent(value, forKey: .value)
    }

    init() {}

    init(notAnObject value: JSONValue) {
        notAnObject = value
    }

    /// A change object from a parsed tree; `change()` reports what is wrong with it.
    init(_ json: JSONValue) {
        self.init()
        guard case .object(let object) = json else {
            notAnObject = json
            return
        }
        unknownKey = object.keys.sorted().first { !Self.keys.contains($0) }
        func text(_ key: String) -> String? {
            guard let value = object[key] else { return nil }
            guard case .string(let text) = value else {
                notStrings.insert(key)
                return nil
            }
            return text
        }
        ts = text("ts")
        kind = text("kind")
        id = text("id")
        scope = text("scope")
        field = text("field")
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

    /// The value the wire reader already parsed, else `text` parsed now; the problem names `field`.
    private static func parsed<T>(
        _ ready: T?, _ text: String?, field: String, _ parse: (String) -> T?, expected: String
    ) throws(Problem) -> T {
        if let ready { return ready }
        guard let text else { throw Problem(field: field, message: "missing") }
        guard let value = parse(text) else { throw Problem(field: field, message: "'\(text)' is not \(expected)") }
        return value
    }

    /// The change, or the first problem in it.
    func change() throws(Problem) -> Change {
        if let notAnObject {
            throw Problem(field: "", message: "expected a change object, got \(notAnObject.typeName)")
        }
        if let unknownKey {
            throw Problem(
                field: unknownKey,
                message: "unknown key; expected: \(Self.keys.sorted().joined(separator: ", "))")
        }
        if !notStrings.isEmpty, let key = ["ts", "kind", "id", "scope", "field"].first(where: notStrings.contains) {
            throw Problem(field: key, message: "expected a string")
        }
        let timestamp = try Self.parsed(
            self.timestamp, ts, field: "ts", HybridTimestamp.init,
            expected: "a timestamp; expected <milliseconds>.<counter>.<replica>")
        let entityKind: EntityKind
        if let ready = self.entityKind {
            entityKind = ready
        } else {
            guard let kind else { throw Problem(field: "kind", message: "missing") }
            guard let named = EntityKind(rawValue: kind) else {
                let kinds = EntityKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw Problem(field: "kind", message: "unknown kind '\(kind)'; expected one of: \(kinds)")
            }
            entityKind = named
        }
        let recordID = try Self.parsed(
            self.recordID, id, field: "id", RecordID.init, expected: "a record id; expected 26 base32 digits")
        let area: AreaCode
        if let ready = self.area {
            area = ready
        } else {
            guard let scope else { throw Problem(field: "scope", message: "missing") }
            do {
                area = try AreaCode(parsing: scope)
            } catch {
                throw Problem(field: "scope", message: error.description)
            }
        }
        let fieldName: Field
        if let ready = self.fieldName {
            fieldName = ready
        } else {
            guard let field else { throw Problem(field: "field", message: "missing") }
            guard let named = Field.byName[field] else {
                let fields = entityKind.fields.map(\.rawValue).joined(separator: ", ")
                throw Problem(
                    field: "field", message: "unknown field '\(field)'; a \(entityKind.rawValue) has: \(fields)")
            }
            fieldName = named
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
