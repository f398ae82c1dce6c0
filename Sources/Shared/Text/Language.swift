/// The language a person reads: Chinese unless asked for English (`--lang en`, the replica's config, or
/// an English `LANG`). Codes and the labels people type are the same in both.
public enum Language: String, Sendable, CaseIterable {
    case zh
    case en

    /// How a choice reads in this language.
    public func label(_ value: some CodedValue) -> String {
        self == .zh ? value.label : value.code
    }

    /// Picks the Chinese or English wording.
    public func pick(_ chinese: String, _ english: String) -> String {
        self == .zh ? chinese : english
    }

    /// `error` as a person reading this language should see it.
    public func message(for error: any Error) -> String {
        (error as? any LocalizedMessage)?.message(in: self) ?? "\(error)"
    }
}

/// An error a worker may meet, with its words in either language side by side; its `description` is
/// the English one (for logs, the center's answers and the library's tests).
public protocol LocalizedMessage: Error {
    func message(in language: Language) -> String
}
