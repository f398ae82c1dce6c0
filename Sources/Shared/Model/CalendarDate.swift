/// A day in the calendar, without time or zone: an incident date, a deadline, a visit.
///
/// Written `YYYY-MM-DD`. Ordered by day; the Gregorian rules decide which days exist.
public struct CalendarDate: Hashable, Comparable, Sendable {
    public let year: Int
    public let month: Int
    public let day: Int

    /// - Throws: `DateError` if the day does not exist.
    public init(year: Int, month: Int, day: Int) throws(DateError) {
        guard (1900...2999).contains(year) else { throw DateError(text: "\(year)-\(month)-\(day)", problem: .year) }
        guard (1...12).contains(month) else { throw DateError(text: "\(year)-\(month)-\(day)", problem: .month) }
        guard (1...Self.days(inMonth: month, of: year)).contains(day) else {
            throw DateError(text: "\(year)-\(month)-\(day)", problem: .day(Self.days(inMonth: month, of: year)))
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` exactly.
    /// - Throws: `DateError` naming the malformed or impossible part.
    public init(parsing text: String) throws(DateError) {
        let bytes = Array(text.utf8)
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[0..<4].allSatisfy(isDigit), bytes[5..<7].allSatisfy(isDigit), bytes[8..<10].allSatisfy(isDigit)
        else { throw DateError(text: text, problem: .format) }
        let number = { (range: Range<Int>) in bytes[range].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } }
        do {
            try self.init(year: number(0..<4), month: number(5..<7), day: number(8..<10))
        } catch {
            throw DateError(text: text, problem: error.problem)
        }
    }

    /// The day `daysSinceEpoch` days after 1970-01-01 (negative before it).
    public init(daysSinceEpoch: Int) {
        // Howard Hinnant's civil_from_days.
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        self.month = month
        self.day = day
    }

    /// A day as people write one: `2022-03-15`, `2022/3/15` (a spreadsheet's short date on a Chinese
    /// Windows, as its CSV holds it), `2022.3.15`, `2022年3月15日`, in full-width digits too, with a time
    /// of day after it passed over (`2022/3/15 0:00`). `description` is always `YYYY-MM-DD`; the wire and
    /// the database take only that (`init(parsing:)`).
    /// - Throws: `DateError` naming the text as written.
    public init(written text: String) throws(DateError) {
        let text = text.trimmingSpaces
        var folded = text.halfWidth
        if let space = folded.firstIndex(of: " "),
            folded[folded.index(after: space)...].allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ":") })
        {
            folded = String(folded[..<space])
        }
        if folded.hasSuffix("日") || folded.hasSuffix("号") { folded.removeLast() }
        let parts = folded.split(omittingEmptySubsequences: false, whereSeparator: { "-/.年月".contains($0) })
        guard parts.count == 3, parts[0].count == 4, parts.dropFirst().allSatisfy({ (1...2).contains($0.count) }),
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else {
            // A date cell a spreadsheet saved as its number of days since 1900 (44635 is 2022-03-15).
            if folded.count == 5, let serial = Int(folded), (20_000...80_000).contains(serial) {
                throw DateError(text: text, problem: .spreadsheetNumber)
            }
            throw DateError(text: text, problem: .format)
        }
        do {
            try self.init(year: Int(parts[0])!, month: Int(parts[1])!, day: Int(parts[2])!)
        } catch {
            throw DateError(text: text, problem: error.problem)
        }
    }

    /// Days since 1970-01-01, for arithmetic and compact storage.
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The day in UTC+8 (China Standard Time) at `milliseconds` since 1970.
    public init(chinaTimeMilliseconds milliseconds: Int64) {
        let local = milliseconds + 8 * 3_600_000
        self.init(daysSinceEpoch: Int(local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000))
    }

    public func adding(days: Int) -> CalendarDate {
        CalendarDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension CalendarDate: CustomStringConvertible {
    /// `YYYY-MM-DD`. Every derived row writes a few: digits straight into the string's storage.
    public var description: String {
        if (0...9999).contains(year) {
            return String(unsafeUninitializedCapacity: 10) { buffer in
                func digits(_ value: Int, _ width: Int, at start: Int) {
                    var value = value
                    for index in stride(from: start + width - 1, through: start, by: -1) {
                        buffer[index] = UInt8(ascii: "0") + UInt8(value % 10)
                        value /= 10
                    }
                }
                digits(year, 4, at: 0)
                buffer[4] = UInt8(ascii: "-")
                digits(month, 2, at: 5)
                buffer[7] = UInt8(ascii: "-")
                digits(day, 2, at: 8)
                return 10
            }
        }
        let pad = { (value: Int, width: Int) in
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}

/// A text that is not a calendar day.
public struct DateError: Error, Hashable, Sendable {
    public enum Problem: Hashable, Sendable {
        case format
        case year
        case month
        /// The day is past the month's end; carries how many days the month has.
        case day(Int)
        /// A spreadsheet's number for a day (days since 1900) rather than the day.
        case spreadsheetNumber
    }

    public var text: String
    public var problem: Problem
}

extension DateError: CustomStringConvertible, LocalizedMessage {
    public var description: String { message(in: .en) }

    public func message(in language: Language) -> String {
        switch problem {
        case .format:
            language.pick(
                "“\(text)”不是日期：应为 年-月-日（YYYY-MM-DD），例如 2022-03-15",
                "'\(text)' is not a date; expected YYYY-MM-DD, e.g. 2022-03-15")
        case .year:
            language.pick(
                "“\(text)”不是日期：年份应在 1900 到 2999 之间", "'\(text)' is not a date: the year must be between 1900 and 2999")
        case .month:
            language.pick("“\(text)”不是日期：月份应为 01 到 12", "'\(text)' is not a date: the month must be 01 to 12")
        case .day(let days):
            language.pick("“\(text)”不是日期：那个月只有 \(days) 天", "'\(text)' is not a date: that month has \(days) days")
        case .spreadsheetNumber:
            language.pick(
                "“\(text)”像是电子表格里日期的序号：请把这一列设为日期格式（年-月-日），再另存为 CSV",
                "'\(text)' looks like a spreadsheet's number for a day: format the column as a date (YYYY-MM-DD) "
                    + "and save the CSV again")
        }
    }
}
