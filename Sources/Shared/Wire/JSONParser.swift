import Foundation

/// A JSON parser for the wire format's documents, written for speed: every pushed batch, pulled page
/// and stored change value goes through it, and Foundation's decoder costs several times more.
/// Strict RFC 8259: no comments, no trailing commas, no leading zeros, UTF-8 only.
struct JSONParser {
    struct Failure: Error {
        /// Byte offset of the problem.
        var offset: Int
        var message: String
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0

    /// Parses one complete JSON document.
    static func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> JSONValue {
        try document(bytes) { (parser) throws(Failure) in try parser.value() }
    }

    /// Parses a wire document (a batch or a page). Its top-level `changes` list, when it is one, is read
    /// straight into `RawChange`s instead of a tree of dictionaries (most of a document is changes, and
    /// hashing their keys was most of the cost); everything else is as `parse` gives it. Syntax errors
    /// are found and reported exactly as `parse` does, so only well-formed JSON reaches validation.
    static func parseWireDocument(_ bytes: some Collection<UInt8>) throws(Failure) -> WireDocument {
        try document(bytes) { (parser) throws(Failure) in
            guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "{") else {
                return WireDocument(root: try parser.value(), changes: nil)
            }
            return try parser.envelope()
        }
    }

    /// One document read by `body`, with nothing but white space around it.
    private static func document<T>(
        _ bytes: some Collection<UInt8>, _ body: (inout JSONParser) throws(Failure) -> T
    ) throws(Failure) -> T {
        // Read in place when the bytes are contiguous (a body's `Data`, a string's UTF-8), else copied.
        func parse(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<T, Failure> {
            var parser = JSONParser(bytes: buffer)
            do throws(Failure) {
                parser.skipSpace()
                let value = try body(&parser)
                parser.skipSpace()
                guard parser.index == buffer.count else {
                    throw Failure(offset: parser.index, message: "unexpected text after the document")
                }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        let result = bytes.withContiguousStorageIfAvailable(parse) ?? [UInt8](bytes).withUnsafeBufferPointer(parse)
        return try result.get()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func repeatedKey(_ key: Key) -> Failure {
        failure("the key '\(key.text)' appears twice")
    }

    private func failure(_ message: String) -> Failure {
        Failure(offset: index, message: message)
    }

    private mutating func value() throws(Failure) -> JSONValue {
        guard index < bytes.count else { throw failure("unexpected end of the document") }
        switch bytes[index] {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("unexpected end of the document") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw failure("unexpected character")
        }
        index += count
    }

    private mutating func object() throws(Failure) -> JSONValue {
        var members: [String: JSONValue] = [:]
        try self.members { (key, parser) throws(Failure) in members[key.text] = try parser.value() }
        return .object(members)
    }

    private mutating func array() throws(Failure) -> JSONValue {
        var elements: [JSONValue] = []
        try self.elements { (parser) throws(Failure) in elements.append(try parser.value()) }
        return .array(elements)
    }

    /// An object's key as read: its bytes in the document when it has no escapes (no string made), else
    /// its text.
    enum Key {
        case plain(UnsafeBufferPointer<UInt8>)
        case text(String)

        var text: String {
            switch self {
            case .plain(let bytes): String(decoding: bytes, as: UTF8.self)
            case .text(let text): text
            }
        }

        /// Whether the key is `name` (ASCII).
        @inline(__always)
        func `is`(_ name: StaticString) -> Bool {
            switch self {
            case .plain(let bytes):
                UTF8Bytes.equal(bytes, name)
            case .text(let text):
                text == name.description
            }
        }

        static func == (left: Key, right: Key) -> Bool {
            switch (left, right) {
            case (.plain(let left), .plain(let right)):
                UTF8Bytes.equal(left, right)
            default:
                left.text == right.text
            }
        }
    }

    /// Walks an object's members, handing each key to `member` with the parser positioned at its value;
    /// `member` must consume the value. Refuses a key that appears twice (or, with `checkingKeys` false,
    /// leaves that to `member`, which refuses it at the same place with `repeatedKey`); counts the
    /// object's nesting.
    private mutating func members(
        checkingKeys: Bool = true, _ member: (Key, inout JSONParser) throws(Failure) -> Void
    ) throws(Failure) {
        depth += 1
        guard depth <= 64 else { throw failure("nested too deeply") }
        index += 1
        // Most objects have a handful of keys: a list beats hashing them, until it grows.
        var seen: [Key] = []
        seen.reserveCapacity(8)
        var many: Set<String> = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a key") }
            let start = index + 1
            let key: Key
            if let plain = plainString() {
                // Checked as UTF-8 as any string is (plain bytes past ASCII may still be invalid).
                if plain.contains(where: { $0 >= 0x80 }) { _ = try Self.string(plain, ascii: false, at: start) }
                key = .plain(plain)
            } else {
                key = .text(try string())
            }
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
            index += 1
            skipSpace()
            let repeated: Bool
            if !checkingKeys {
                repeated = false
            } else if seen.count < 16 {
                repeated = seen.contains { $0 == key }
                seen.append(key)
                if seen.count == 16 { many = Set(seen.map(\.text)) }
            } else {
                repeated = !many.insert(key.text).inserted
            }
            guard !repeated else { throw repeatedKey(key) }
            try member(key, &self)
            skipSpace()
            guard index < bytes.count else { throw failure("unexpected end of the document") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                return
            } else {
                throw failure("expected ',' or '}'")
            }
        }
    }

    /// Walks an array's elements, handing each to `element` with the parser positioned at it; `element`
    /// must consume it. Counts the array's nesting.
    private mutating func elements(_ element: (inout JSONParser) throws(Failure) -> Void) throws(Failure) {
        depth += 1
        guard depth <= 64 else { throw failure("nested too deeply") }
        index += 1
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipSpace()
            try element(&self)
            skipSpace()
            guard index < bytes.count else { throw failure("unexpected end of the document") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return
            } else {
                throw failure("expected ',' or ']'")
            }
        }
    }

    /// The bytes of a string with no escapes or control characters at the current position, which it
    /// moves past; nil (and nothing moved) if there is none.
    private mutating func plainString() -> UnsafeBufferPointer<UInt8>? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        var end = index + 1
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                let plain = UnsafeBufferPointer(rebasing: bytes[index + 1..<end])
                index = end + 1
                return plain
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            end += 1
        }
        return nil
    }

    private mutating func string() throws(Failure) -> String {
        index += 1
        let start = index
        // Fast path: no escapes.
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = try Self.string(UnsafeBufferPointer(rebasing: bytes[start..<index]), ascii: ascii, at: start)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure("a control character inside a string") }
            ascii = ascii && byte < 0x80
            index += 1
        }
        var scalars = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let text = try scalars.withUnsafeBufferPointer { (bytes) throws(Failure) in
                    try Self.string(bytes, ascii: false, at: start)
                }
                index += 1
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw failure("unexpected end of the document") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append(0x22)
                case UInt8(ascii: "\\"): scalars.append(0x5C)
                case UInt8(ascii: "/"): scalars.append(0x2F)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw failure("a lone surrogate in a \\u escape") }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw failure("a lone surrogate in a \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(code) {
                        throw failure("a lone surrogate in a \\u escape")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw failure("an invalid \\u escape") }
                    scalars.append(contentsOf: String(Character(scalar)).utf8)
                default:
                    throw failure("an invalid escape")
                }
            default:
                if byte < 0x20 { throw failure("a control character inside a string") }
                scalars.append(byte)
                index += 1
            }
        }
        throw failure("an unterminated string")
    }

    /// A string's text from its UTF-8 `bytes` (found at `offset`), which must be valid. Every string is
    /// checked as it is made, so a document the parser takes is valid UTF-8 throughout (the bytes
    /// outside strings it takes are ASCII).
    private static func string(
        _ bytes: UnsafeBufferPointer<UInt8>, ascii: Bool, at offset: Int
    ) throws(Failure)
        -> String
    {
        guard let text = UTF8Bytes.string(validating: bytes, ascii: ascii) else {
            throw Failure(offset: offset, message: "a string that is not valid UTF-8")
        }
        return text
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("unexpected end of the document") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("an invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func number() throws(Failure) -> Double {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a malformed number") }
        if bytes[index] == UInt8(ascii: "0"), index + 1 < bytes.count, isDigit(bytes[index + 1]) {
            throw failure("a number with a leading zero")
        }
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a malformed number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a malformed number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let number = Double(text) else { throw failure("a malformed number") }
        return number
    }
}

/// A parsed wire document: the root (for an object, its members other than a `changes` list) and the
/// `changes` list read as raw changes, if the root is an object with one.
struct WireDocument {
    var root: JSONValue
    var changes: [RawChange]?
}

extension JSONParser {
    /// The top-level object, its `changes` list (if it is a list) read as raw changes.
    private mutating func envelope() throws(Failure) -> WireDocument {
        var root: [String: JSONValue] = [:]
        var changes: [RawChange]?
        try members { (key, parser) throws(Failure) in
            if key.is("changes"), parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "[") {
                changes = try parser.rawChanges()
            } else {
                root[key.text] = try parser.value()
            }
        }
        return WireDocument(root: .object(root), changes: changes)
    }

    /// A list of changes: each object's members go straight into a `RawChange`; anything else is kept
    /// as a problem for validation to report.
    private mutating func rawChanges() throws(Failure) -> [RawChange] {
        var changes: [RawChange] = []
        changes.reserveCapacity(bytes.count / 160)
        try elements { (parser) throws(Failure) in
            if parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "{") {
                // Read into its place in the list: returned, a change would be copied there.
                changes.append(RawChange())
                try parser.rawChange(into: &changes[changes.count - 1])
            } else {
                changes.append(RawChange(notAnObject: try parser.value()))
            }
        }
        return changes
    }

    /// A change object's keys.
    private enum ChangeKey: UInt8 {
        case ts, kind, id, scope, field, value, other

        /// By length first: at most two comparisons of text.
        init(_ key: Key) {
            switch key {
            case .plain(let bytes):
                switch bytes.count {
                case 2: self = key.is("ts") ? .ts : key.is("id") ? .id : .other
                case 4: self = key.is("kind") ? .kind : .other
                case 5: self = key.is("scope") ? .scope : key.is("field") ? .field : key.is("value") ? .value : .other
                default: self = .other
                }
            case .text(let text):
                self =
                    ["ts": .ts, "kind": .kind, "id": .id, "scope": .scope, "field": .field, "value": .value][text]
                    ?? .other
            }
        }
    }

    /// One change object, as `RawChange(JSONValue)` would read it from the parsed tree.
    private mutating func rawChange(into change: inout RawChange) throws(Failure) {
        // A key seen twice is refused as `members` refuses it: a change's own keys are told apart by a
        // bit each, instead of comparing every key with every one before it.
        var seen: UInt8 = 0
        // Unknown keys (rare) by hash: a list would make an object of many of them quadratic.
        var others: Set<String> = []
        try members(checkingKeys: false) { (key, parser) throws(Failure) in
            // Which key it is, found once: each is compared below several times.
            let name = ChangeKey(key)
            if name == .other {
                guard others.insert(key.text).inserted else { throw parser.repeatedKey(key) }
            } else {
                guard seen & 1 << name.rawValue == 0 else { throw parser.repeatedKey(key) }
                seen |= 1 << name.rawValue
            }
            // A valid timestamp, record id, kind, code or field is read from the bytes, with no string
            // made; anything else (escapes, a malformed value) is read as a string, for validation to name.
            if name != .value, name != .other, let plain = parser.plainString() {
                // Keeps what the bytes read as; says whether they did.
                func read<T>(_ value: T?, into part: inout T?) -> Bool {
                    part = value
                    return value != nil
                }
                let done =
                    switch name {
                    case .ts: read(HybridTimestamp(utf8: plain), into: &change.timestamp)
                    case .id: read(RecordID(utf8: plain), into: &change.recordID)
                    case .kind: read(EntityKind(utf8: plain), into: &change.entityKind)
                    case .scope: read(AreaCode(utf8: plain), into: &change.area)
                    default: read(Field(utf8: plain), into: &change.fieldName)
                    }
                if done { return }
                parser.index -= plain.count + 2
            }
            let text: String?
            if parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "\"") {
                text = try parser.string()
            } else {
                text = nil
            }
            switch name {
            case .value:
                if let text {
                    change.value = .string(text)
                } else {
                    change.value = try parser.value()
                }
            case .ts, .kind, .id, .scope, .field:
                guard let text else {
                    _ = try parser.value()
                    change.notStrings.insert(key.text)
                    return
                }
                switch name {
                case .ts: change.ts = text
                case .kind: change.kind = text
                case .id: change.id = text
                case .scope: change.scope = text
                default: change.field = text
                }
            case .other:
                if text == nil { _ = try parser.value() }
                let key = key.text
                if change.unknownKey.map({ key < $0 }) ?? true { change.unknownKey = key }
            }
        }
    }
}
