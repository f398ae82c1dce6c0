/// Who answers for a risk item: a named person and their unit (责任人, 责任单位).
public struct Owner: Hashable, Sendable {
    public var person: String
    public var unit: String?

    public init(person: String, unit: String? = nil) {
        self.person = person
        self.unit = unit
    }
}
