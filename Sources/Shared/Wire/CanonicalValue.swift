import Foundation

/// Reads a change's value from JSON written exactly as `Change.appendValueJSON` writes it: compact, keys
/// in sorted order, strings without escapes. Every value a store keeps and a snapshot carries is written
/// so, and reading it this way makes no tree of dictionaries (which was most of the cost of checking a
/// snapshot's page, and of loading a record's log).
///
/// Anything else, including every value that is wrong, gives nil, and the caller reads the bytes as any
/// JSON (`ValueReader`), which then names the problem: what this reads, the tree reads the same
/// (`CanonicalValueTests` checks both on written values and on bytes changed at random).
enum CanonicalValue {
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, field: Field) -> Value? {
        var cursor = Cursor(bytes: bytes)
        let value: Value?
        switch field.valueKind {
        case .text: value = cursor.string().map(Value.text)
        case .date: value = cursor.date().map(Value.date)
        case .category: value = cursor.coded().map(Value.category)
        case .method: value = cursor.coded().map(Value.method)
        case .discovery: value = cursor.coded().map(Value.discovery)
        case .level: value = cursor.coded().map(Value.level)
        case .parties: value = cursor.parties().map(Value.parties)
        case .owner: value = cursor.owner().map(Value.owner)
        case .visit: value = cursor.visit().map(Value.visit)
        // Lifecycle steps are few: read as any JSON.
        case .step: value = nil
        }
        return cursor.index == bytes.count ? value : nil
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        /// Moves past `byte` if it is next.
        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// Moves past `"key":` if it is next (else nothing moves).
        mutating func key(_ key: StaticString) -> Bool {
            let start = index
            guard take(UInt8(ascii: "\"")), literal(key), take(UInt8(ascii: "\"")), take(UInt8(ascii: ":")) else {
                index = start
                return false
            }
            return true
        }

        /// A string without escapes or control characters, of valid UTF-8.
        mutating func string() -> String? {
            guard let (text, ascii) = stringBytes() else { return nil }
            return UTF8Bytes.string(validating: text, ascii: ascii)
        }

        /// The bytes of a string without escapes or control characters (not yet checked as UTF-8), and
        /// whether they are ASCII.
        mutating func stringBytes() -> (UnsafeBufferPointer<UInt8>, ascii: Bool)? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            var ascii = true
            // Eight bytes at a time while none of them ends the string or is refused (a quote, a
            // backslash, a control character): a case's summary is hundreds of bytes.
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            func hasZero(_ word: UInt64) -> Bool { (word &- ones) & ~word & highs != 0 }
            while index + 8 <= bytes.count {
                let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
                // A byte below 0x20: exact for bounds up to 0x80 (bytes with the high bit set are not taken).
                let control = (word &- ones &* 0x20) & ~word & highs != 0
                guard !control, !hasZero(word ^ (ones &* 0x22)), !hasZero(word ^ (ones &* 0x5C)) else { break }
                ascii = ascii && word & highs == 0
                index += 8
            }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return (UnsafeBufferPointer(rebasing: bytes[start..<index - 1]), ascii)
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                ascii = ascii && byte < 0x80
                index += 1
            }
            return nil
        }

        mutating func date() -> CalendarDate? {
            string().flatMap { try? CalendarDate(parsing: $0) }
        }

        /// A code, found by its bytes among the codes (a string made and switched over costs several times
        /// as much, and most changes of a case are coded).
        mutating func coded<Coded: CodedValue>() -> Coded? {
            stringBytes().flatMap { Coded(utf8: $0.0) }
        }

        /// `"key":"text"` after a `,` unless it is the object's first member; nil (and nothing moved) if
        /// the key is not next.
        mutating func member(_ key: StaticString, first: Bool) -> String?? {
            let start = index
            guard first || take(UInt8(ascii: ",")), self.key(key) else {
                index = start
                return .none
            }
            return .some(string())
        }

        mutating func parties() -> [Party]? {
            guard take(UInt8(ascii: "[")) else { return nil }
            var parties: [Party] = []
            if take(UInt8(ascii: "]")) { return parties }
            repeat {
                guard take(UInt8(ascii: "{")) else { return nil }
                let idNumber = member("idNumber", first: true)
                guard let name = member("name", first: idNumber == nil) ?? nil else { return nil }
                let phone = member("phone", first: false)
                guard idNumber != .some(nil), phone != .some(nil), take(UInt8(ascii: "}")),
                    let party = try? Party(name: name, idNumber: idNumber ?? nil, phone: phone ?? nil)
                else { return nil }
                parties.append(party)
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "]")) ? parties : nil
        }

        mutating func owner() -> Owner? {
            guard take(UInt8(ascii: "{")), let person = member("person", first: true) ?? nil else { return nil }
            let unit = member("unit", first: false)
            guard unit != .some(nil), take(UInt8(ascii: "}")) else { return nil }
            return Owner(person: person, unit: unit ?? nil)
        }

        mutating func visit() -> Visit? {
            guard take(UInt8(ascii: "{")), key("date"), let date = date(), take(UInt8(ascii: ",")), key("kept")
            else { return nil }
            let kept: Bool
            if literal("true") {
                kept = true
            } else if literal("false") {
                kept = false
            } else {
                return nil
            }
            guard take(UInt8(ascii: ",")), key("note"), let note = string(), take(UInt8(ascii: "}")) else {
                return nil
            }
            return Visit(date: date, note: note, isAgreementKept: kept)
        }

        /// Moves past `word` if it is next.
        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count, memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0
            else { return false }
            index += count
            return true
        }
    }
}
