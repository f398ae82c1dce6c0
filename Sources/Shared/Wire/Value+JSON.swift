/// The JSON shape of each kind of value, both ways.
extension Value {
    var json: JSONValue {
        switch self {
        case .text(let text): .string(text)
        case .date(let date): .string(date.description)
        case .category(let category): .string(category.code)
        case .method(let method): .string(method.code)
        case .discovery(let discovery): .string(discovery.code)
        case .level(let level): .string(level.code)
        case .parties(let parties):
            .array(
                parties.map { party in
                    var object: [String: JSONValue] = ["name": .string(party.name)]
                    object["idNumber"] = party.idNumber.map(JSONValue.string)
                    object["phone"] = party.phone.map(JSONValue.string)
                    return .object(object)
                })
        case .owner(let owner):
            .object(["person": .string(owner.person)].merging(owner.unit.map { ["unit": .string($0)] } ?? [:]) { $1 })
        case .visit(let visit):
            .object([
                "date": .string(visit.date.description), "note": .string(visit.note),
                "kept": .bool(visit.isAgreementKept),
            ])
        case .step(let step):
            .object(
                [
                    "action": .string(step.action.rawValue),
                    "basis": .array(step.basis.map { .string($0.description) }),
                ].merging(
                    [
                        "date": step.date.map { .string($0.description) },
                        "text": step.text.map(JSONValue.string),
                        "target": step.target.map { .string($0.code) },
                        "into": step.into.map { .string($0.description) },
                    ].compactMapValues { $0 }
                ) { $1 })
        }
    }
}

/// Reads a change's JSON value as the kind its field takes, naming the path of anything wrong.
struct ValueReader {
    let field: Field

    /// The keys each kind of object value may have.
    static let partyKeys: Set<String> = ["name", "idNumber", "phone"]
    static let ownerKeys: Set<String> = ["person", "unit"]
    static let visitKeys: Set<String> = ["date", "note", "kept"]
    static let stepKeys: Set<String> = ["action", "basis", "date", "text", "target", "into"]

    mutating func value(_ json: JSONValue) throws(RawChange.Problem) -> Value {
        switch field.valueKind {
        case .text: return .text(try string(json, at: "value"))
        case .date: return .date(try date(json, at: "value"))
        case .category: return .category(try coded(json, at: "value"))
        case .method: return .method(try coded(json, at: "value"))
        case .discovery: return .discovery(try coded(json, at: "value"))
        case .level: return .level(try coded(json, at: "value"))
        case .parties:
            guard case .array(let elements) = json else { throw mismatch("value", "an array of parties", json) }
            var parties: [Party] = []
            parties.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                let object = try object(element, at: "value[\(index)]", keys: Self.partyKeys)
                let name = try string(object["name"], at: "value[\(index)].name")
                let idNumber = try optionalString(object["idNumber"], at: "value[\(index)].idNumber")
                let phone = try optionalString(object["phone"], at: "value[\(index)].phone")
                do {
                    parties.append(try Party(name: name, idNumber: idNumber, phone: phone))
                } catch {
                    throw RawChange.Problem(field: "value[\(index)]", message: error.description)
                }
            }
            return .parties(parties)
        case .owner:
            let object = try object(json, at: "value", keys: Self.ownerKeys)
            return .owner(
                Owner(
                    person: try string(object["person"], at: "value.person"),
                    unit: try optionalString(object["unit"], at: "value.unit")))
        case .visit:
            let object = try object(json, at: "value", keys: Self.visitKeys)
            guard case .bool(let kept) = object["kept"] ?? .null else {
                throw mismatch("value.kept", "true or false", object["kept"])
            }
            return .visit(
                Visit(
                    date: try date(object["date"], at: "value.date"),
                    note: try string(object["note"], at: "value.note"),
                    isAgreementKept: kept))
        case .step:
            let object = try object(json, at: "value", keys: Self.stepKeys)
            let action = try string(object["action"], at: "value.action")
            guard let parsed = LifecycleStep.Action(rawValue: action) else {
                let actions = LifecycleStep.Action.allCases.map(\.rawValue).joined(separator: ", ")
                throw RawChange.Problem(
                    field: "value.action", message: "unknown action '\(action)'; expected one of: \(actions)")
            }
            guard case .array(let elements) = object["basis"] ?? .null else {
                throw mismatch("value.basis", "an array of timestamps", object["basis"])
            }
            var basis: [HybridTimestamp] = []
            for (index, element) in elements.enumerated() {
                let text = try string(element, at: "value.basis[\(index)]")
                guard let timestamp = HybridTimestamp(text) else {
                    throw RawChange.Problem(field: "value.basis[\(index)]", message: "'\(text)' is not a timestamp")
                }
                basis.append(timestamp)
            }
            return .step(
                LifecycleStep(
                    action: parsed, basis: basis,
                    date: try object["date"].map { json throws(RawChange.Problem) in try date(json, at: "value.date") },
                    text: try optionalString(object["text"], at: "value.text"),
                    target: try object["target"].map { json throws(RawChange.Problem) in
                        try coded(json, at: "value.target") as EscalationTarget
                    },
                    into: try object["into"].map { json throws(RawChange.Problem) in
                        let text = try string(json, at: "value.into")
                        guard let id = RecordID(text) else {
                            throw RawChange.Problem(field: "value.into", message: "'\(text)' is not a record id")
                        }
                        return id
                    }))
        }
    }

    // Paths are autoclosures: named only when something is wrong (every party of every pulled case
    // is read here).

    private func mismatch(_ path: String, _ expected: String, _ json: JSONValue?) -> RawChange.Problem {
        RawChange.Problem(field: path, message: "expected \(expected), got \(json?.typeName ?? "nothing")")
    }

    private func string(_ json: JSONValue?, at path: @autoclosure () -> String) throws(RawChange.Problem) -> String {
        guard case .string(let string) = json ?? .null else { throw mismatch(path(), "a string", json) }
        return string
    }

    private func optionalString(
        _ json: JSONValue?, at path: @autoclosure () -> String
    ) throws(RawChange.Problem) -> String? {
        guard let json else { return nil }
        return try string(json, at: path())
    }

    private func date(_ json: JSONValue?, at path: String) throws(RawChange.Problem) -> CalendarDate {
        let text = try string(json, at: path)
        do {
            return try CalendarDate(parsing: text)
        } catch {
            throw RawChange.Problem(field: path, message: error.description)
        }
    }

    private func coded<Coded: CodedValue>(_ json: JSONValue?, at path: String) throws(RawChange.Problem) -> Coded {
        let text = try string(json, at: path)
        // The wire takes codes only; labels are for people.
        guard let value = Coded(rawValue: text) else {
            let codes = Coded.allCases.map(\.code).joined(separator: ", ")
            throw RawChange.Problem(field: path, message: "unknown \(Coded.noun) '\(text)'; expected one of: \(codes)")
        }
        return value
    }

    private func object(
        _ json: JSONValue, at path: @autoclosure () -> String, keys: Set<String>
    ) throws(RawChange.Problem)
        -> [String: JSONValue]
    {
        guard case .object(let object) = json else { throw mismatch(path(), "an object", json) }
        // The first unknown key in sorted order is named, so the message does not depend on hashing;
        // sorted only when there is one.
        if !object.keys.allSatisfy(keys.contains),
            let unknown = object.keys.sorted().first(where: { !keys.contains($0) })
        {
            throw RawChange.Problem(
                field: "\(path()).\(unknown)",
                message: "unknown key; expected: \(keys.sorted().joined(separator: ", "))")
        }
        return object
    }
}
