import Foundation

/// Settings a person may edit, kept beside the database as JSON (owner-readable only).
public struct FieldConfig: Codable, Sendable, Equatable {
    /// `zh` or `en`; unset follows `LANG`.
    public var language: String?

    public init(language: String? = nil) {
        self.language = language
    }

    public static func load(from home: FieldHome) -> FieldConfig {
        guard let data = try? Data(contentsOf: home.config) else { return FieldConfig() }
        return (try? JSONDecoder().decode(FieldConfig.self, from: data)) ?? FieldConfig()
    }

    func save(to home: FieldHome) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: home.config, options: .atomic)
        chmod(home.config.path, 0o600)
    }
}
