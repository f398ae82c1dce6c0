import Shared
import Storage

extension Language {
    /// `option` if given, else the configured one, else from `LANG` / `LC_ALL`.
    public static func resolve(option: String?, configured: String?, environment: [String: String]) throws -> Language {
        if let option {
            guard let language = Language(rawValue: option.lowercased()) else {
                throw InputError(
                    "unknown language '\(option)'; expected zh or en", chinese: "没有“\(option)”这种语言；应为 zh 或 en")
            }
            return language
        }
        if let configured, let language = Language(rawValue: configured) {
            return language
        }
        let locale = environment["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["LANG"] ?? ""
        return locale.lowercased().hasPrefix("en") ? .en : .zh
    }

    /// The language to report an error in: as `resolve`, but an unknown `option` (which may be the very
    /// error) gives way to the configured language, else `LANG`.
    public static func forErrors(option: String?, configured: String?, environment: [String: String]) -> Language {
        (try? resolve(option: option, configured: configured, environment: environment))
            ?? (try? resolve(option: nil, configured: configured, environment: environment)) ?? .zh
    }
}
