import Crypto

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

extension Area {
    /// The areas a device of `scope` is given the names of: its own, those within it, and those enclosing
    /// it (a village's town and district). Never another village's.
    public static func related(_ areas: [Area], to scope: AreaCode) -> [Area] {
        areas.filter { scope.covers($0.code) || $0.code.covers(scope) }
    }

    /// The header with which a center's last page of a pull names the areas a device may hold
    /// (`fingerprint(of:)`): the device asks for them (`GET /v1/areas`) only when its own differ, which
    /// spares a sync with nothing new a round trip on a slow link.
    public static let fingerprintHeader = "FieldSync-Areas"

    /// A short fingerprint of a set of areas, codes and names, whatever their order: 16 hex digits of the
    /// SHA-256 of `code<TAB>name<LF>` lines sorted by code.
    public static func fingerprint(of areas: [Area]) -> String {
        let lines = areas.sorted { $0.code < $1.code }.map { "\($0.code)\t\($0.name)\n" }.joined()
        return SHA256.hash(data: Array(lines.utf8)).prefix(8).map { byte in
            (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }
}
