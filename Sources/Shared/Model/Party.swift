/// A party to a dispute: a person or a family, usually named by its head.
///
/// Names, ID-card numbers and phone numbers are personal data. They stay within the jurisdiction
/// that recorded them, and `description` masks them so that string interpolation into a log line
/// cannot leak them; read the properties explicitly where showing them is allowed.
public struct Party: Hashable, Sendable {
    public var name: String
    /// The 18-character resident ID number (居民身份证号), upper-case `X` check digit.
    public var idNumber: String?
    /// Digits only, with an optional leading `+`.
    public var phone: String?

    /// Validates and normalises what a person typed.
    /// - Throws: `PartyError` naming the field and what is wrong.
    public init(name: String, idNumber: String? = nil, phone: String? = nil) throws(PartyError) {
        let name = name.trimmingSpaces
        guard !name.isEmpty else { throw .emptyName }
        // No more characters than bytes: most names need no count.
        guard name.utf8.count <= 64 || name.count <= 64 else { throw .nameTooLong(name.count) }
        self.name = name
        self.idNumber = try idNumber.flatMap { id throws(PartyError) in try Self.normalizedIDNumber(id) }
        self.phone = try phone.flatMap { phone throws(PartyError) in try Self.normalizedPhone(phone) }
    }

    /// The number with its check digit verified (GB 11643), or nil for an empty text.
    static func normalizedIDNumber(_ text: String) throws(PartyError) -> String? {
        let id = text.trimmingSpaces.uppercased()
        guard !id.isEmpty else { return nil }
        if isScientificNotation(id) { throw .storedAsNumber(id) }
        let bytes = Array(id.utf8)
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard bytes.count == 18, bytes[0..<17].allSatisfy(isDigit), isDigit(bytes[17]) || bytes[17] == UInt8(ascii: "X")
        else { throw .malformedIDNumber }
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(bytes[0..<17], weights).reduce(0) { $0 + Int($1.0 - UInt8(ascii: "0")) * $1.1 }
        let check = Array("10X98765432".utf8)[sum % 11]
        guard bytes[17] == check else { throw .wrongIDCheckDigit }
        return id
    }

    /// Digits with an optional leading `+`; spaces and hyphens dropped. Nil for an empty text.
    static func normalizedPhone(_ text: String) throws(PartyError) -> String? {
        var bytes = Array(text.utf8).filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "-") }
        guard !bytes.isEmpty else { return nil }
        if isScientificNotation(String(decoding: bytes, as: UTF8.self)) { throw .storedAsNumber(text.trimmingSpaces) }
        let plus = bytes.first == UInt8(ascii: "+")
        if plus { bytes.removeFirst() }
        guard (5...15).contains(bytes.count), bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { throw .malformedPhone }
        return (plus ? "+" : "") + String(decoding: bytes, as: UTF8.self)
    }

    /// The name with all but its first character masked (`张**`), for aggregate views.
    public var maskedName: String {
        guard let first = name.first else { return "" }
        return String(first) + String(repeating: "*", count: max(1, name.count - 1))
    }
}

extension Party: CustomStringConvertible {
    /// Masked: personal data never reaches a log through interpolation.
    public var description: String { maskedName }
}

extension Party {
    /// A party as a worker writes one: the name, then the ID number and the phone where known, separated by
    /// spaces (`王建国 11010519491231002X 13800138000`). The numbers are told from the name by their shape and
    /// may come in any order; full-width digits (as a Chinese input method types them) and a phone written in
    /// groups (`138 0013 8000`, `0931-8123456`, `+86 138…`) are accepted. `written` is the inverse.
    /// - Throws: `PartyError` for a number that is neither kind, two of one kind, or a bad name or number.
    public init(written text: String) throws(PartyError) {
        var name: [Substring] = []
        // Each number as written and folded: full-width forms to ASCII (１３９ → 139, ＋ → +), hyphens dropped.
        // Short numeric words (at most 4 characters) in a row are one phone's groups of digits, and a
        // single one may lead a longer word (an area or country code: `0931 8123456`, `+86 13800138000`).
        // A name keeps its words as typed, one space between them.
        var numbers: [(written: String, folded: String, words: Int)] = []
        var joining = false
        for word in text.split(whereSeparator: \.isWhitespace) {
            let folded = word.halfWidth.filter { $0 != "-" }
            if isScientificNotation(folded) { throw .storedAsNumber(String(word)) }
            guard Self.isNumeric(folded) else {
                name.append(word)
                joining = false
                continue
            }
            let isShort = folded.count <= 4
            if joining, isShort || numbers[numbers.count - 1].words == 1 {
                numbers[numbers.count - 1].written += " " + word
                numbers[numbers.count - 1].folded += folded
                numbers[numbers.count - 1].words += 1
            } else {
                numbers.append((String(word), folded, 1))
            }
            joining = isShort
        }
        var (idNumber, phone): (String?, String?) = (nil, nil)
        for (written, folded, _) in numbers {
            let isPlus = folded.first == "+"
            let hasCheckX = folded.last == "X" || folded.last == "x"
            if !isPlus, folded.count == 18 {
                guard idNumber == nil else { throw .twoIDNumbers }
                idNumber = try Self.normalizedIDNumber(folded)
            } else if !hasCheckX, (5...15).contains(folded.count - (isPlus ? 1 : 0)) {
                guard phone == nil else { throw .twoPhones }
                phone = try Self.normalizedPhone(folded)
            } else {
                throw .unrecognizedNumber(written)
            }
        }
        try self.init(name: name.joined(separator: " "), idNumber: idNumber, phone: phone)
    }

    /// Digits, with a `+` before them or an ID number's check letter after them.
    private static func isNumeric(_ folded: String) -> Bool {
        var digits = Substring(folded)
        if digits.first == "+" { digits = digits.dropFirst() }
        if digits.last == "X" || digits.last == "x" { digits = digits.dropLast() }
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// The party as `init(written:)` reads it: the name, then the ID number and the phone if known.
    public var written: String {
        ([name] + [idNumber, phone].compactMap { $0 }).joined(separator: " ")
    }

    /// `parties` with the numbers of `earlier`'s party of the same name (`PartyName.normalize`) kept
    /// where a party is named again without any: correcting a list of names does not drop the numbers
    /// recorded with them.
    public static func keepingNumbers(_ parties: [Party], from earlier: [Party]) -> [Party] {
        parties.map { party in
            guard party.idNumber == nil, party.phone == nil,
                let known = earlier.first(where: { PartyName.normalize($0.name) == PartyName.normalize(party.name) })
            else { return party }
            var kept = party
            (kept.idNumber, kept.phone) = (known.idNumber, known.phone)
            return kept
        }
    }
}

/// What is wrong with a party's details.
public enum PartyError: Error, Hashable, Sendable {
    case emptyName
    case nameTooLong(Int)
    case malformedIDNumber
    case wrongIDCheckDigit
    case malformedPhone
    /// A number written beside a name that is neither an ID number nor a phone number: the text written.
    case unrecognizedNumber(String)
    case twoIDNumbers
    case twoPhones
    /// A number a spreadsheet stored as a number and shows in scientific notation (`1.10105E+17`): the text.
    case storedAsNumber(String)
}

extension PartyError: CustomStringConvertible, LocalizedMessage {
    public var description: String { message(in: .en) }

    public func message(in language: Language) -> String {
        switch self {
        case .emptyName: language.pick("当事人要有姓名", "a party needs a name")
        case .nameTooLong(let count):
            language.pick(
                "当事人姓名有 \(count) 个字，最多 64 个", "a party's name has \(count) characters; at most 64 are allowed")
        case .malformedIDNumber:
            language.pick("身份证号是 17 位数字加最后一位数字或 X", "an ID number has 17 digits and a final digit or X")
        case .wrongIDCheckDigit:
            language.pick(
                "身份证号的校验位不对：请检查是否输错了数字", "the ID number's check digit is wrong; check for a mistyped digit")
        case .malformedPhone:
            language.pick("电话号码是 5 到 15 位数字，前面可以有 +", "a phone number has 5 to 15 digits, optionally after a +")
        case .unrecognizedNumber(let text):
            language.pick(
                "“\(text)”既不是身份证号（18 位）也不是电话号码（5 到 15 位数字）",
                "'\(text)' is neither an ID number (18 characters) nor a phone number (5 to 15 digits)")
        case .twoIDNumbers:
            language.pick("一位当事人只能写一个身份证号", "a party has one ID number; two were written")
        case .twoPhones:
            language.pick("一位当事人只能写一个电话号码", "a party has one phone number; two were written")
        case .storedAsNumber(let text):
            language.pick(
                "“\(text)”是电子表格当成数字存下的号码，后面几位已经丢了：请在电子表格里把这一列设为“文本”，重新填上号码再导出",
                "'\(text)' is a number a spreadsheet stored as a number, and its last digits are lost: format the "
                    + "column as text in the spreadsheet, enter the numbers again and save it again")
        }
    }
}
