import Foundation

/// A change's value as JSON text, the same shape as on the wire: how stores keep changes.
extension Change {
    /// The value as compact JSON, with sorted keys.
    public var valueJSON: String {
        var bytes: [UInt8] = []
        appendValueJSON(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the value's JSON (the bytes of `valueJSON`) to `bytes`: a store writes one per change,
    /// without a tree or a `String` (the same text `value.json.text` writes, which tests check).
    public func appendValueJSON(to bytes: inout [UInt8]) {
        switch value {
        case .text(let text): JSONValue.append(text, to: &bytes)
        case .date(let date): JSONValue.append(date.description, to: &bytes)
        case .category(let category): JSONValue.append(category.code, to: &bytes)
        case .method(let method): JSONValue.append(method.code, to: &bytes)
        case .discovery(let discovery): JSONValue.append(discovery.code, to: &bytes)
        case .level(let level): JSONValue.append(level.code, to: &bytes)
        case .parties(let parties):
            bytes.append(UInt8(ascii: "["))
            for (index, party) in parties.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                var object = ObjectWriter(&bytes)
                object.member("idNumber", party.idNumber, to: &bytes)
                object.member("name", party.name, to: &bytes)
                object.member("phone", party.phone, to: &bytes)
                bytes.append(UInt8(ascii: "}"))
            }
            bytes.append(UInt8(ascii: "]"))
        case .owner(let owner):
            var object = ObjectWriter(&bytes)
            object.member("person", owner.person, to: &bytes)
            object.member("unit", owner.unit, to: &bytes)
            bytes.append(UInt8(ascii: "}"))
        case .visit(let visit):
            var object = ObjectWriter(&bytes)
            object.member("date", visit.date.description, to: &bytes)
            object.key("kept", to: &bytes)
            bytes.append(contentsOf: (visit.isAgreementKept ? "true" : "false").utf8)
            object.member("note", visit.note, to: &bytes)
            bytes.append(UInt8(ascii: "}"))
        case .step(let step):
            var object = ObjectWriter(&bytes)
            object.member("action", step.action.rawValue, to: &bytes)
            object.key("basis", to: &bytes)
            bytes.append(UInt8(ascii: "["))
            for (index, timestamp) in step.basis.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(UInt8(ascii: "\""))
                timestamp.write(into: &bytes)
                bytes.append(UInt8(ascii: "\""))
            }
            bytes.append(UInt8(ascii: "]"))
            object.member("date", step.date?.description, to: &bytes)
            object.member("into", step.into?.description, to: &bytes)
            object.member("target", step.target?.code, to: &bytes)
            object.member("text", step.text, to: &bytes)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Writes a JSON object's members as `JSONValue.text` spells them: the caller opens the object with
    /// `init`, gives the keys in sorted order (an absent value leaves its key out) and closes it.
    private struct ObjectWriter {
        var first = true

        init(_ bytes: inout [UInt8]) {
            bytes.append(UInt8(ascii: "{"))
        }

        mutating func key(_ key: StaticString, to bytes: inout [UInt8]) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }

        mutating func member(_ key: StaticString, _ value: String?, to bytes: inout [UInt8]) {
            guard let value else { return }
            self.key(key, to: &bytes)
            JSONValue.append(value, to: &bytes)
        }
    }

    /// A change whose value is given as JSON text, as `valueJSON` writes it.
    /// - Throws: `WireError` naming the field if the text is not a valid value for it.
    public init(
        timestamp: HybridTimestamp, entity: EntityKey, scope: AreaCode, field: Field, valueJSON: String
    )
        throws(WireError)
    {
        try self.init(timestamp: timestamp, entity: entity, scope: scope, field: field, json: valueJSON.utf8)
    }

    /// A change whose value is given as the UTF-8 bytes of its JSON, read where they lie (a snapshot's
    /// page checks every value it holds so).
    /// - Throws: `WireError` naming the field if the bytes are not a valid value for it.
    public init(
        timestamp: HybridTimestamp, entity: EntityKey, scope: AreaCode, field: Field,
        valueUTF8: UnsafeBufferPointer<UInt8>
    ) throws(WireError) {
        try self.init(timestamp: timestamp, entity: entity, scope: scope, field: field, json: valueUTF8)
    }

    init(
        timestamp: HybridTimestamp, entity: EntityKey, scope: AreaCode, field: Field, json bytes: some Collection<UInt8>
    ) throws(WireError) {
        // Values as stores write them are read without a tree; anything else (or wrong) as any JSON.
        if let value = bytes.withContiguousStorageIfAvailable({ CanonicalValue.read($0, field: field) }) ?? nil {
            do {
                try self.init(timestamp: timestamp, entity: entity, scope: scope, field: field, value: value)
                return
            } catch {
                throw WireError(code: .invalidChange, field: error.field, message: error.problem)
            }
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw WireError(
                code: .invalidChange, field: "value", message: "not JSON: \(error.message) at byte \(error.offset)")
        }
        do {
            var reader = ValueReader(field: field)
            try self.init(timestamp: timestamp, entity: entity, scope: scope, field: field, value: reader.value(json))
        } catch let problem as RawChange.Problem {
            throw WireError(code: .invalidChange, field: problem.field, message: problem.message)
        } catch let error as ChangeError {
            throw WireError(code: .invalidChange, field: error.field, message: error.problem)
        } catch {
            throw WireError(code: .invalidChange, message: "\(error)")
        }
    }
}

extension Change {
    /// The value as a JSON tree, the same shape as on the wire.
    public var valueTree: JSONValue {
        value.json
    }
}
