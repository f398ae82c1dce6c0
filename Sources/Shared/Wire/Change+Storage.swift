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
    /// and a string value, nearly every change's, needs neither a tree nor a `String` then (the same
    /// text `JSONValue.string(…).text` writes).
    public func appendValueJSON(to bytes: inout [UInt8]) {
        switch value {
        case .text(let text): JSONValue.append(text, to: &bytes)
        case .date(let date): JSONValue.append(date.description, to: &bytes)
        case .category(let category): JSONValue.append(category.code, to: &bytes)
        case .method(let method): JSONValue.append(method.code, to: &bytes)
        case .discovery(let discovery): JSONValue.append(discovery.code, to: &bytes)
        case .level(let level): JSONValue.append(level.code, to: &bytes)
        case .parties, .owner, .visit, .step: bytes.append(contentsOf: value.json.text.utf8)
        }
    }

    /// A change whose value is given as JSON text, as `valueJSON` writes it.
    /// - Throws: `WireError` naming the field if the text is not a valid value for it.
    public init(
        timestamp: HybridTimestamp, entity: EntityKey, scope: AreaCode, field: Field, valueJSON: String
    )
        throws(WireError)
    {
        let json: JSONValue
        do {
            json = try JSONParser.parse(valueJSON.utf8)
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
