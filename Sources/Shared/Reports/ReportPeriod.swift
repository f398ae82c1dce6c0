/// The days a report covers, from its first to its last day: a year, a month, an ISO week, or any
/// range.
public struct ReportPeriod: Hashable, Sendable, CustomStringConvertible {
    public var first: CalendarDate
    public var last: CalendarDate
    /// How the period was asked for: `2022`, `2022-03`, `2022-W11`, `2022-03-01..2022-03-15`.
    public var label: String

    /// - Throws: `ReportPeriodError` if `last` is before `first`.
    public init(from first: CalendarDate, to last: CalendarDate) throws(ReportPeriodError) {
        guard first <= last else { throw .reversed(first: first, last: last) }
        self.first = first
        self.last = last
        label = "\(first)..\(last)"
    }

    private init(first: CalendarDate, last: CalendarDate, label: String) {
        self.first = first
        self.last = last
        self.label = label
    }

    /// A calendar year: `2022`.
    public init(year text: String) throws(ReportPeriodError) {
        guard text.count == 4, let year = Int(text), let first = try? CalendarDate(year: year, month: 1, day: 1)
        else { throw .malformed(text, expected: .year) }
        self.init(first: first, last: try! CalendarDate(year: year, month: 12, day: 31), label: text)
    }

    /// A calendar month: `2022-03`.
    public init(month text: String) throws(ReportPeriodError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]),
            let month = Int(parts[1]), let first = try? CalendarDate(year: year, month: month, day: 1)
        else { throw .malformed(text, expected: .month) }
        let next =
            month == 12
            ? try? CalendarDate(year: year + 1, month: 1, day: 1)
            : try? CalendarDate(year: year, month: month + 1, day: 1)
        self.init(first: first, last: (next ?? first).adding(days: -1), label: text)
    }

    /// An ISO 8601 week, Monday to Sunday: `2022-W11`. Week 1 is the week with the year's first Thursday.
    public init(week text: String) throws(ReportPeriodError) {
        let parts = text.uppercased().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 3, parts[1].hasPrefix("W"),
            let year = Int(parts[0]), let week = Int(parts[1].dropFirst()),
            let january4 = try? CalendarDate(year: year, month: 1, day: 4)
        else { throw .malformed(text, expected: .week) }
        let weeks = Self.isoWeeks(in: year)
        guard (1...weeks).contains(week) else {
            throw .malformed(text, expected: .weekOf(year: year, weeks: weeks))
        }
        let monday = january4.adding(days: -january4.weekdayFromMonday + 7 * (week - 1))
        self.init(first: monday, last: monday.adding(days: 6), label: "\(year)-W\(week < 10 ? "0" : "")\(week)")
    }

    /// 52 or 53: a year has 53 ISO weeks when it starts on a Thursday, or on a Wednesday in a leap year.
    static func isoWeeks(in year: Int) -> Int {
        guard let january1 = try? CalendarDate(year: year, month: 1, day: 1) else { return 52 }
        let leap = (try? CalendarDate(year: year, month: 2, day: 29)) != nil
        return january1.weekdayFromMonday == 3 || (leap && january1.weekdayFromMonday == 2) ? 53 : 52
    }

    public func contains(_ date: CalendarDate) -> Bool {
        first <= date && date <= last
    }

    /// The months the period touches, as `YYYY-MM`, in order.
    public var months: [String] {
        var months: [String] = []
        var year = first.year
        var month = first.month
        while (year, month) <= (last.year, last.month) {
            months.append("\(year)-\(month < 10 ? "0" : "")\(month)")
            (year, month) = month == 12 ? (year + 1, 1) : (year, month + 1)
        }
        return months
    }

    public var description: String { label }
}

extension CalendarDate {
    /// 0 for Monday to 6 for Sunday (1970-01-01 was a Thursday).
    public var weekdayFromMonday: Int {
        ((daysSinceEpoch + 3) % 7 + 7) % 7
    }
}

/// A report period that cannot be read, saying what was expected.
public enum ReportPeriodError: Error, Hashable, Sendable, CustomStringConvertible, LocalizedMessage {
    /// What a period of that kind looks like.
    public enum Form: Hashable, Sendable {
        case year, month, week
        /// A week of `year`, which has `weeks` of them.
        case weekOf(year: Int, weeks: Int)
    }

    case malformed(String, expected: Form)
    case reversed(first: CalendarDate, last: CalendarDate)

    public var description: String { message(in: .en) }

    public func message(in language: Language) -> String {
        switch self {
        case .malformed(let text, .year):
            language.pick(
                "“\(text)”不是报表期间：应为 --year 年份（YYYY），例如 2022",
                "'\(text)' is not a period: expected --year YYYY, such as 2022")
        case .malformed(let text, .month):
            language.pick(
                "“\(text)”不是报表期间：应为 --month 年-月（YYYY-MM），例如 2022-03",
                "'\(text)' is not a period: expected --month YYYY-MM, such as 2022-03")
        case .malformed(let text, .week):
            language.pick(
                "“\(text)”不是报表期间：应为 --week 年-W周（YYYY-Www），例如 2022-W11",
                "'\(text)' is not a period: expected --week YYYY-Www, such as 2022-W11")
        case .malformed(let text, .weekOf(let year, let weeks)):
            language.pick(
                "“\(text)”不是报表期间：\(year) 年只有第 1 到第 \(weeks) 周",
                "'\(text)' is not a period: expected a week from 1 to \(weeks) of \(year)")
        case .reversed(let first, let last):
            language.pick(
                "期间的结束日（\(last)）早于开始日（\(first)）", "the period ends (\(last)) before it starts (\(first))")
        }
    }
}
