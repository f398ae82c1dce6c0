import Foundation

/// A field of a record, and with it the rule by which concurrent changes to it merge.
public enum Field: String, Hashable, Sendable, CaseIterable {
    // Dispute cases.
    case category
    case parties
    case summary
    case foundBy
    case incidentDate
    case method
    case mediator
    case recorder
    case visit
    // Risk items.
    case area
    case title
    case plan
    case owner
    case deadline
    // Both.
    case level
    case note
    case status
    case voided
    /// Which case a dispute duplicates, if any (merge and split steps).
    case duplicate

    /// How concurrent changes to a field merge.
    public enum Rule: Hashable, Sendable {
        /// The change with the greatest timestamp wins.
        case lastWriterWins
        /// Every change adds an element; a merge never drops one.
        case appendOnly
        /// Changes are lifecycle steps; see `Lifecycle`.
        case lifecycle
    }

    public var rule: Rule {
        switch self {
        case .visit, .note: .appendOnly
        case .status, .voided, .duplicate: .lifecycle
        default: .lastWriterWins
        }
    }

    /// The kinds of record that have this field.
    public var kinds: [EntityKind] {
        switch self {
        case .category, .parties, .summary, .foundBy, .incidentDate, .method, .mediator, .visit, .duplicate:
            [.dispute]
        case .area, .title, .plan, .owner, .deadline:
            [.risk]
        case .recorder, .level, .note, .status, .voided:
            [.dispute, .risk]
        }
    }

    /// The last-writer-wins fields in slot order.
    static let registerFields: [Field] = allCases.filter { $0.rule == .lastWriterWins }

    /// The position among last-writer-wins fields, used to index registers without hashing.
    var registerSlot: Int {
        switch self {
        case .category: 0
        case .parties: 1
        case .summary: 2
        case .foundBy: 3
        case .incidentDate: 4
        case .method: 5
        case .mediator: 6
        case .recorder: 7
        case .area: 8
        case .title: 9
        case .plan: 10
        case .owner: 11
        case .deadline: 12
        case .level: 13
        case .visit, .note, .status, .voided, .duplicate: -1
        }
    }

    static let registerCount = 14
}

extension Field {
    /// The field's place in `allCases`, for tables indexed by field: a case without payload is its
    /// one-byte tag, as `==` compares it.
    public var ordinal: Int { Int(unsafeBitCast(self, to: UInt8.self)) }

    /// Hashes the case, not its raw value: an enum with `String` raw values otherwise hashes the text
    /// (the standard library's default for raw-representable types), and stores hash a field for every
    /// change they take.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(UInt8(truncatingIfNeeded: ordinal))
    }
}

extension Field {
    /// The field each wire name names, as `init(rawValue:)` reads it: one hash, where that compares the
    /// name with each case's in turn.
    public static let byName: [String: Field] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

    /// The field whose name is the UTF-8 `bytes`, as `init(rawValue:)` reads its text: every change on
    /// the wire names one, read here with no string made. A name's length and first letter tell the
    /// fields apart; the name is then compared whole.
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let first = bytes.first else { return nil }
        let candidate: Field? =
            switch (bytes.count, first) {
            case (8, UInt8(ascii: "c")): .category
            case (7, UInt8(ascii: "p")): .parties
            case (7, UInt8(ascii: "s")): .summary
            case (7, UInt8(ascii: "f")): .foundBy
            case (12, UInt8(ascii: "i")): .incidentDate
            case (6, UInt8(ascii: "m")): .method
            case (8, UInt8(ascii: "m")): .mediator
            case (8, UInt8(ascii: "r")): .recorder
            case (5, UInt8(ascii: "v")): .visit
            case (4, UInt8(ascii: "a")): .area
            case (5, UInt8(ascii: "t")): .title
            case (4, UInt8(ascii: "p")): .plan
            case (5, UInt8(ascii: "o")): .owner
            case (8, UInt8(ascii: "d")): .deadline
            case (5, UInt8(ascii: "l")): .level
            case (4, UInt8(ascii: "n")): .note
            case (6, UInt8(ascii: "s")): .status
            case (6, UInt8(ascii: "v")): .voided
            case (9, UInt8(ascii: "d")): .duplicate
            default: nil
            }
        guard let candidate, UTF8Bytes.equal(bytes, candidate.rawValue) else { return nil }
        self = candidate
    }
}

/// Comparing bytes read from a document with a name's text, in place.
@usableFromInline
enum UTF8Bytes {
    /// Whether two byte ranges hold the same bytes: lengths first, then one `memcmp` (a generic
    /// element-by-element comparison costs several times as much, and every change on the wire names a
    /// field and a kind, and has six keys).
    @inline(__always) @usableFromInline
    static func equal(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Bool {
        left.count == right.count && (left.isEmpty || memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0)
    }

    /// Whether `bytes` are `text`'s UTF-8.
    @usableFromInline
    static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { equal(bytes, $0) }
    }

    /// The text of `bytes` if they are valid UTF-8 (`ascii`: known to be ASCII), else nil. The standard
    /// library's decoding validates but mends what is not valid, so text past ASCII is compared with what
    /// it was made of (`String(validating:)`, generic, costs several times as much).
    static func string(validating bytes: UnsafeBufferPointer<UInt8>, ascii: Bool) -> String? {
        var text = String(decoding: bytes, as: UTF8.self)
        return ascii || text.withUTF8({ equal($0, bytes) }) ? text : nil
    }

    /// Whether `bytes` are the constant `text`'s UTF-8.
    @inline(__always)
    static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        // Compared with the constant's bytes where they are (a buffer made of them costs checks per call).
        bytes.count == text.utf8CodeUnitCount
            && (bytes.isEmpty || memcmp(bytes.baseAddress!, text.utf8Start, bytes.count) == 0)
    }
}
