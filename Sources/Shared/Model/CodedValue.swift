/// A closed set of choices with a stable English code (used on the wire and in scripts) and the
/// Chinese label people read and type. Both are accepted as input.
public protocol CodedValue: RawRepresentable, CaseIterable, Hashable, Sendable where RawValue == String {
    /// The Chinese label, as the district's forms print it.
    var label: String { get }
    /// Other names the same choice goes by in ledgers kept by hand (婚姻家庭纠纷 for 婚姻家庭, 劳资纠纷 for
    /// 劳动争议): accepted as input, never shown.
    var otherLabels: [String] { get }
    /// What the set is called in messages ("category", "mediation method").
    static var noun: String { get }
    /// And in Chinese messages (类别, 调解方式).
    static var chineseNoun: String { get }
}

extension CodedValue {
    /// The stable code, e.g. `marriage-family`.
    public var code: String { rawValue }

    /// The choice whose code `bytes` (UTF-8) are, found among the codes with no string made (a stored
    /// value or a row's column read where it lies); nil for anything else. Inlinable: a store reading a
    /// page's rows would otherwise take every code through the protocol's witnesses.
    @inlinable
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let found = Self.allCases.first(where: { UTF8Bytes.equal(bytes, $0.rawValue) }) else { return nil }
        self = found
    }

    public var otherLabels: [String] { [] }

    /// The set's own order (the district's forms list categories and methods so), for sorting by code;
    /// a code not in the set comes last.
    public static func rank(of code: String) -> Int {
        allCases.firstIndex { $0.code == code }.map { allCases.distance(from: allCases.startIndex, to: $0) } ?? .max
    }

    /// Accepts a code or a Chinese label (or another name of it), ignoring surrounding spaces and the case of
    /// codes.
    /// - Throws: `ChoiceError` listing the allowed values.
    public init(parsing text: String) throws(ChoiceError) {
        let trimmed = text.trimmingSpaces
        let lowered = trimmed.lowercased()
        guard
            let match = Self.allCases.first(where: {
                $0.rawValue == lowered || $0.label == trimmed || $0.otherLabels.contains(trimmed)
            })
        else {
            throw ChoiceError(
                noun: Self.noun, chineseNoun: Self.chineseNoun, given: text,
                allowed: Self.allCases.map { "\($0.code) \($0.label)" })
        }
        self = match
    }
}

/// A value that is not one of the allowed choices.
public struct ChoiceError: Error, Hashable, Sendable {
    public var noun: String
    public var chineseNoun: String
    public var given: String
    public var allowed: [String]
}

extension ChoiceError: CustomStringConvertible, LocalizedMessage {
    public var description: String { message(in: .en) }

    public func message(in language: Language) -> String {
        language.pick(
            "没有“\(given)”这种\(chineseNoun)；可选：\(allowed.joined(separator: "，"))",
            "unknown \(noun) '\(given)'; expected one of: \(allowed.joined(separator: ", "))")
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space (ASCII and ideographic spaces).
    public var trimmingSpaces: String {
        // Text that starts and ends with printable ASCII or a CJK ideograph has no space to trim: such a
        // character is not white space and starts a character of its own (every party of every pulled
        // case comes here).
        if let first = unicodeScalars.first, let last = unicodeScalars.last, first.isPlain, last.isPlain {
            return String(self)
        }
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }
}

extension Unicode.Scalar {
    /// Printable ASCII (no space) or a CJK unified ideograph of the basic block: what names and cases are
    /// mostly written in. Each is a character of its own, never white space, and folds to itself or to
    /// plain lower case, so text of these takes shortcuts past grapheme breaking and normalisation.
    var isPlain: Bool {
        (0x21...0x7E).contains(value) || (0x4E00...0x9FFF).contains(value)
    }
}
