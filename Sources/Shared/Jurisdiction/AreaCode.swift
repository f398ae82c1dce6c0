/// A national administrative division code (行政区划代码) naming a district, a town or a village.
///
/// The 12-digit code splits into 6 digits for the county or district, 3 for the town or
/// subdistrict, 3 for the village or community: district `620502`, town `620502101`, village
/// `620502101201`. The short forms and the 12-digit form padded with zeros (`620502101000`) name the
/// same area. A code used as a scope covers itself and everything beneath it: a district its towns
/// and villages, a town its villages.
///
/// ```swift
/// let town = try AreaCode(parsing: "620502101")
/// town.covers(try AreaCode(parsing: "620502101201"))  // true
/// ```
public struct AreaCode: Hashable, Comparable, Sendable {
    /// Where in the hierarchy a code sits.
    public enum Level: Int, Comparable, Sendable, CaseIterable {
        case district = 6
        case town = 9
        case village = 12

        public static func < (lhs: Level, rhs: Level) -> Bool {
            lhs.rawValue < rhs.rawValue
        }

        /// The level as Chinese names it.
        public var chineseName: String {
            switch self {
            case .district: "区县"
            case .town: "乡镇街道"
            case .village: "村社区"
            }
        }
    }

    /// The code's digits as a number (for a town, 9 digits).
    public let value: UInt64
    public let level: Level

    /// Whether `prefix` is a province-level prefix in use (GB/T 2260): 11–15, 21–23, 31–37, 41–46,
    /// 50–54, 61–65, 71, 81, 82.
    static func isProvince(_ prefix: UInt64) -> Bool {
        switch prefix {
        case 11...15, 21...23, 31...37, 41...46, 50...54, 61...65, 71, 81, 82: true
        default: false
        }
    }

    /// The code the UTF-8 `digits` spell, or nil for anything `init(parsing:)` refuses (which then says
    /// why): every change on the wire names a code, read here with no string made.
    public init?(utf8 digits: UnsafeBufferPointer<UInt8>) {
        guard let (number, level) = Self.number(digits), Self.isProvince(number / Self.power(level.rawValue - 2)),
            number % 10_000 != 0 || level != .district
        else { return nil }
        self.init(value: number, level: level)
    }

    /// The number and level 6, 9 or 12 decimal `digits` spell, trailing zeros of towns and districts
    /// dropped (`620502101000` is the town `620502101`); nil for other bytes or another length.
    private static func number(_ digits: some Collection<UInt8>) -> (UInt64, Level)? {
        var level: Level
        switch digits.count {
        case 6: level = .district
        case 9: level = .town
        case 12: level = .village
        default: return nil
        }
        // At most 12 digits: the number fits.
        var number: UInt64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            number = number * 10 + UInt64(digit - UInt8(ascii: "0"))
        }
        while level != .district, number % 1000 == 0 {
            number /= 1000
            level = level == .village ? .town : .district
        }
        return (number, level)
    }

    /// Parses a code of 6, 9 or 12 digits; a 12-digit code ending in `000` is a town and one ending in
    /// `000000` a district.
    /// - Throws: `AreaCodeError` naming what is wrong with the text.
    public init(parsing text: String) throws(AreaCodeError) {
        if let code = text.utf8.withContiguousStorageIfAvailable(AreaCode.init(utf8:)), let code {
            self = code
            return
        }
        // Refused (or not contiguous): the checks one by one, to say why.
        let digits = Array(text.utf8)
        guard !digits.isEmpty else { throw AreaCodeError(text: text, problem: .empty) }
        if let bad = digits.firstIndex(where: { $0 < UInt8(ascii: "0") || $0 > UInt8(ascii: "9") }) {
            guard !isScientificNotation(text) else { throw AreaCodeError(text: text, problem: .storedAsNumber) }
            throw AreaCodeError(text: text, problem: .notADigit(position: bad + 1))
        }
        guard let (number, level) = Self.number(digits) else {
            throw AreaCodeError(text: text, problem: .wrongLength(digits.count))
        }
        guard Self.isProvince(number / Self.power(level.rawValue - 2)) else {
            throw AreaCodeError(text: text, problem: .unknownProvince(String(decoding: digits[0..<2], as: UTF8.self)))
        }
        guard number % 10_000 != 0 || level != .district else {
            throw AreaCodeError(text: text, problem: .notADistrict)
        }
        self.value = number
        self.level = level
    }

    private init(value: UInt64, level: Level) {
        self.value = value
        self.level = level
    }

    /// The enclosing area one level up, or nil for a district.
    public var parent: AreaCode? {
        switch level {
        case .district: nil
        case .town: AreaCode(value: value / 1000, level: .district)
        case .village: AreaCode(value: value / 1000, level: .town)
        }
    }

    /// The district this area belongs to.
    public var district: AreaCode {
        AreaCode(value: value / Self.power(level.rawValue - 6), level: .district)
    }

    /// Whether `other` is this area or lies inside it.
    public func covers(_ other: AreaCode) -> Bool {
        other.level >= level && other.value / Self.power(other.level.rawValue - level.rawValue) == value
    }

    /// The 12-digit form, padded with zeros, as national registers print it.
    public var fullCode: String {
        String(fullValue)
    }

    /// In the order of the 12-digit forms (a town before its villages), then of levels. Compared as
    /// numbers: the forms have the same length, so their order is their numbers' order (every change
    /// merged compares its code with its record's).
    public static func < (lhs: AreaCode, rhs: AreaCode) -> Bool {
        (lhs.fullValue, lhs.level) < (rhs.fullValue, rhs.level)
    }

    /// The 12-digit form's number.
    var fullValue: UInt64 {
        value * Self.power(12 - level.rawValue)
    }

    static func power(_ exponent: Int) -> UInt64 {
        var result: UInt64 = 1
        for _ in 0..<exponent { result *= 10 }
        return result
    }
}

extension AreaCode: CustomStringConvertible {
    /// The short form: 6, 9 or 12 digits.
    public var description: String {
        String(value)
    }
}

/// Why a text is not an administrative division code.
public struct AreaCodeError: Error, Hashable, Sendable {
    public enum Problem: Hashable, Sendable {
        case empty
        case notADigit(position: Int)
        case wrongLength(Int)
        case unknownProvince(String)
        case notADistrict
        /// A spreadsheet stored the code as a number and shows it so (`6.20502E+11`).
        case storedAsNumber
    }

    public var text: String
    public var problem: Problem
}

extension AreaCodeError: CustomStringConvertible, LocalizedMessage {
    public var description: String { message(in: .en) }

    public func message(in language: Language) -> String {
        let reason =
            switch problem {
            case .empty: language.pick("是空的", "it is empty")
            case .notADigit(let position):
                language.pick("第 \(position) 个字符不是数字", "character \(position) is not a digit")
            case .wrongLength(let count): language.pick("有 \(count) 位", "it has \(count) digits")
            case .unknownProvince(let prefix):
                language.pick("没有代码为 \(prefix) 的省份", "no province has the code \(prefix)")
            case .notADistrict:
                language.pick("它是省或市的代码，不是区县的", "it names a province or city, not a district")
            case .storedAsNumber:
                language.pick(
                    "电子表格把它当成数字存下了，后面几位已经丢了（请在电子表格里把这一列设为“文本”，重新填上代码再导出）",
                    "a spreadsheet stored it as a number and its last digits are lost (format the column as text in "
                        + "the spreadsheet, enter the codes again and save it again)")
            }
        return language.pick(
            "“\(text)”不是区划代码：\(reason)；应为 6 位（区县）、9 位（乡镇街道）或 12 位（村社区），例如 620502101201",
            "'\(text)' is not a division code: \(reason); expected 6 digits (district), "
                + "9 (town) or 12 (village), e.g. 620502101201")
    }
}
