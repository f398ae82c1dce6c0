/// A town or village of the district (or the district itself), with its name.
public struct Area: Hashable, Sendable {
    public var code: AreaCode
    public var name: String

    public init(code: AreaCode, name: String) {
        self.code = code
        self.name = name
    }

    /// The enclosing area, from the code.
    public var parent: AreaCode? { code.parent }
}
