import Foundation

/// Party names folded so that spellings of one name compare equal: full-width forms to half-width
/// (NFKC), no spaces or punctuation, lower case; "王 建国", "王建国 " and "王·建国" are one name.
public enum PartyName {
    public static func normalize(_ name: String) -> String {
        // Most names are CJK ideographs and nothing else: already folded.
        if name.unicodeScalars.allSatisfy({ (0x4E00...0x9FFF).contains($0.value) }) { return name }
        var scalars = String.UnicodeScalarView()
        for scalar in name.precomposedStringWithCompatibilityMapping.lowercased().unicodeScalars {
            let properties = scalar.properties
            if properties.isWhitespace || properties.generalCategory.isPunctuation
                || properties.generalCategory == .otherSymbol
            {
                continue
            }
            scalars.append(scalar)
        }
        return String(scalars)
    }

    /// How alike two normalised names are, from 0 to 1: 1 when equal, 0.5 for one character changed
    /// in the given name of a name with the same family name (a homophone typed in haste), else 0.
    public static func similarity(_ left: String, _ right: String) -> Double {
        if left == right { return 1 }
        // Names of CJK ideographs and printable ASCII have one scalar per character: compared as
        // scalars in one pass, without finding character boundaries or copying.
        if let plain = plainSimilarity(left, right) { return plain }
        return similarity(Array(left), Array(right))
    }

    private static func similarity<Element: Equatable>(_ a: [Element], _ b: [Element]) -> Double {
        guard a.count == b.count, a.count >= 2, a.first == b.first else { return 0 }
        let differences = zip(a, b).filter { $0 != $1 }.count
        return differences == 1 && a.count >= 3 ? 0.5 : 0
    }

    /// `similarity` of two names made of plain scalars only, or nil if either has another.
    private static func plainSimilarity(_ left: String, _ right: String) -> Double? {
        var a = left.unicodeScalars.makeIterator()
        var b = right.unicodeScalars.makeIterator()
        var count = 0
        var differences = 0
        var sameLength = true
        var sameFirst = true
        while true {
            let x = a.next()
            let y = b.next()
            if let x, !x.isPlain { return nil }
            if let y, !y.isPlain { return nil }
            guard let x, let y else {
                if x != nil || y != nil {
                    sameLength = false
                    // The rest of the longer name must be plain too, for the answer to be this one's.
                    while let rest = a.next() { if !rest.isPlain { return nil } }
                    while let rest = b.next() { if !rest.isPlain { return nil } }
                }
                break
            }
            if count == 0 { sameFirst = x == y }
            if x != y { differences += 1 }
            count += 1
        }
        guard sameLength, count >= 2, sameFirst else { return 0 }
        return differences == 1 && count >= 3 ? 0.5 : 0
    }

    /// Index keys under which a name is filed: the whole name, and the name with each character of
    /// its given name masked (`王*国`, `王建*`), so that a one-character slip still shares a key.
    static func keys(_ name: String) -> [String] {
        let characters = Array(name)
        guard characters.count >= 3 else { return ["n:" + name] }
        return ["n:" + name]
            + (1..<characters.count).map { position in
                var masked = characters
                masked[position] = "*"
                return "m:" + String(masked)
            }
    }
}

/// The finder's index keys as numbers: the 64-bit FNV-1a hash of a key's text (`PartyName.keys`, or a
/// number's `id:…`/`tel:…`), its two low bits replaced by its kind. Hashing a key costs one pass over
/// its bytes and no string; two texts sharing a number only make a case a candidate, which the
/// comparison then scores on the names themselves, so a collision (about 1 in 2^62 per pair) can add a
/// comparison but never a match.
enum FinderKey {
    static let name: UInt64 = 0
    static let masked: UInt64 = 1
    static let number: UInt64 = 2

    static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    static func mix(_ hash: inout UInt64, _ bytes: some Sequence<UInt8>) {
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* prime }
    }

    static func key(_ hash: UInt64, kind: UInt64) -> UInt64 {
        hash & ~3 | kind
    }

    /// The keys `PartyName.keys` gives the name, as numbers.
    static func keys(ofName name: String) -> [UInt64] {
        var whole = offset
        mix(&whole, "n:".utf8)
        mix(&whole, name.utf8)
        // Where each character starts in the UTF-8, and one past the last.
        var text = name
        let starts =
            text.withUTF8(plainStarts)
            ?? name.indices.map { name.utf8.distance(from: name.startIndex, to: $0) } + [name.utf8.count]
        let count = starts.count - 1
        guard count >= 3 else { return [key(whole, kind: Self.name)] }
        var keys = [key(whole, kind: Self.name)]
        keys.reserveCapacity(count)
        text.withUTF8 { bytes in
            for position in 1..<count {
                var hash = offset
                mix(&hash, "m:".utf8)
                for character in 0..<count {
                    if character == position {
                        mix(&hash, "*".utf8)
                    } else {
                        mix(&hash, UnsafeBufferPointer(rebasing: bytes[starts[character]..<starts[character + 1]]))
                    }
                }
                keys.append(key(hash, kind: masked))
            }
        }
        return keys
    }

    /// Where each character of a name of printable ASCII and CJK ideographs (U+4000...U+9FFF: leads E4 to
    /// E9) starts in its UTF-8 `bytes`, and one past the last; nil for any other name. Each such scalar is
    /// a character of its own, so nearly every name is split without breaking it into graphemes.
    private static func plainStarts(_ bytes: UnsafeBufferPointer<UInt8>) -> [Int]? {
        var starts: [Int] = []
        starts.reserveCapacity(bytes.count + 1)
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            starts.append(index)
            if (0x21...0x7E).contains(lead) {
                index += 1
            } else if lead >= 0xE4, lead <= 0xE9, index + 2 < bytes.count {
                index += 3
            } else {
                return nil
            }
        }
        starts.append(bytes.count)
        return starts
    }

    /// The key of an ID-card or phone number (`id:…`, `tel:…`).
    static func key(ofNumber number: String) -> UInt64 {
        var hash = offset
        mix(&hash, number.utf8)
        return key(hash, kind: Self.number)
    }
}

extension Unicode.GeneralCategory {
    var isPunctuation: Bool {
        switch self {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            true
        default:
            false
        }
    }
}
