/// Text folded for searching: full-width forms to half-width (NFKC), lower case.
public enum SearchText {
    public static func normalize(_ text: String) -> String {
        fast(text) ?? general(text)
    }

    /// The fold of text made of what cases are mostly written in (ASCII, CJK ideographs and punctuation,
    /// full-width ASCII forms, the ideographic space), byte by byte; nil for anything else, which takes
    /// the general path. Both give the same result: these characters' NFKC forms are themselves or the
    /// ASCII character they are a wide form of, and only ASCII letters have a lower case among them.
    static func fast(_ text: String) -> String? {
        var bytes: [UInt8] = []
        guard text.withPieceUTF8({ fold($0, into: &bytes) }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the fold of `text` to UTF-8 `bytes`: by the shortcut, or else by the general path. Pieces
    /// folded apart and joined by a separator that neither composes nor changes (a control character, a
    /// space, `、`) fold as the joined text does: NFKC composes a character only with what follows it
    /// directly, and Swift lower-cases character by character.
    static func append(_ text: some SearchPiece, to bytes: inout [UInt8]) {
        text.withPieceUTF8 { utf8 in
            let start = bytes.count
            guard !fold(utf8, into: &bytes) else { return }
            bytes.removeSubrange(start...)
            bytes.append(contentsOf: general(String(decoding: utf8, as: UTF8.self)).utf8)
        }
    }

    /// The fold of any text: NFKC, then lower case.
    private static func general(_ text: String) -> String {
        text.precomposedStringWithCompatibilityMapping.lowercased()
    }

    /// Appends the fold of UTF-8 `bytes` to `output`, as `fast` folds it; false (with some of it appended)
    /// for a character that needs the general path.
    static func fold(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) -> Bool {
        // What folds to itself is copied a run at a time; a run ends at a character that changes.
        var (index, run) = (0, 0)
        func replace(_ length: Int, with byte: UInt8) {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
            output.append(byte)
            index += length
            run = index
        }
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 {
                if lead >= 0x41, lead <= 0x5A { replace(1, with: lead + 0x20) } else { index += 1 }
                continue
            }
            // Only whole three-byte sequences (U+0800...U+FFFF) are taken here: anything else, bytes that
            // are not UTF-8 among it (a snapshot page's cell is not checked), takes the general path.
            guard lead & 0xF0 == 0xE0, index + 2 < bytes.count, bytes[index + 1] & 0xC0 == 0x80,
                bytes[index + 2] & 0xC0 == 0x80
            else { return false }
            // U+5000...U+9FFF, most of what a case is written in: ideographs, which fold to themselves.
            if lead >= 0xE5, lead <= 0xE9 {
                index += 3
                continue
            }
            let scalar =
                UInt32(lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F)
            switch scalar {
            case 0x4E00...0x9FFF, 0x3001...0x3035, 0x3037, 0x303B...0x303F:
                index += 3
            case 0x3000:
                replace(3, with: 0x20)
            case 0xFF01...0xFF5E:
                let ascii = UInt8(scalar - 0xFEE0)
                replace(3, with: ascii &+ (ascii >= 0x41 && ascii <= 0x5A ? 0x20 : 0))
            default:
                return false
            }
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<bytes.count]))
        return true
    }

    /// Appends a case's search text (`dispute.search`) to `bytes`: each piece folded, apart from the next
    /// by U+001F — its id, summary, parties (as its row joins them, by `、`), mediator, agreement, the
    /// name of its category, its village (where it was recorded) and its parties' numbers (its row's
    /// `numbers`, without their `id:` and `tel:`), so that any of them finds it, a caller by their
    /// number. The store writing a row and a replica taking a snapshot's row (which comes without it)
    /// both write it here, from what the row holds.
    static func appendCase(
        id: some SearchPiece, summary: some SearchPiece, parties: some SearchPiece, mediator: (some SearchPiece)?,
        agreement: (some SearchPiece)?, category: String?, village: some SearchPiece, numbers: some SearchPiece,
        to bytes: inout [UInt8]
    ) {
        append(id, to: &bytes)
        bytes.append(0x1F)
        append(summary, to: &bytes)
        bytes.append(0x1F)
        append(parties, to: &bytes)
        bytes.append(0x1F)
        if let mediator { append(mediator, to: &bytes) }
        bytes.append(0x1F)
        if let agreement { append(agreement, to: &bytes) }
        bytes.append(0x1F)
        if let category { append(category, to: &bytes) }
        bytes.append(0x1F)
        append(village, to: &bytes)
        bytes.append(0x1F)
        numbers.withPieceUTF8 { numbers in
            var first = true
            for number in numbers.split(separator: 0x20) {
                if !first { bytes.append(0x20) }
                first = false
                // `id:` or `tel:`, then the number.
                let value = number.firstIndex(of: UInt8(ascii: ":")).map { number[($0 + 1)...] } ?? number
                append(UnsafeBufferPointer(rebasing: value), to: &bytes)
            }
        }
    }

    /// Appends a risk item's search text (`risk.search`) to `bytes`: its `pieces` — id, area, title,
    /// plan and owner (person, unit; nil when there is none) — each folded, apart by U+001F. Written
    /// here by the store and by a replica taking a snapshot's row alike.
    static func appendRisk<Piece: SearchPiece>(_ pieces: [Piece?], to bytes: inout [UInt8]) {
        for (index, piece) in pieces.enumerated() {
            if index > 0 { bytes.append(0x1F) }
            if let piece { append(piece, to: &bytes) }
        }
    }
}

/// A piece of a row's search text: text, or UTF-8 bytes where they lie (a snapshot page's cell).
protocol SearchPiece {
    func withPieceUTF8<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result
}

extension String: SearchPiece {
    func withPieceUTF8<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        var text = self
        return text.withUTF8(body)
    }
}

extension UnsafeBufferPointer<UInt8>: SearchPiece {
    func withPieceUTF8<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        body(self)
    }
}
