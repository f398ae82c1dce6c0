import Shared
import Storage

/// The language of labels and headings: Chinese unless asked for English (`--lang en`, the config, or
/// an English `LANG`).
public enum Language: String, Sendable, CaseIterable {
    case zh
    case en

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

    /// How a choice reads in this language.
    public func label(_ value: some CodedValue) -> String {
        self == .zh ? value.label : value.code
    }

    /// Picks the Chinese or English wording.
    public func pick(_ chinese: String, _ english: String) -> String {
        self == .zh ? chinese : english
    }
}
