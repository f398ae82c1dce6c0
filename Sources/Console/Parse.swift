import Shared
import Storage

/// Reading what a worker typed into typed values, with messages that name the flag.
public enum Parse {
    public static func coded<Value: CodedValue>(_ text: String, flag: String) throws -> Value {
        do {
            return try Value(parsing: text)
        } catch {
            throw naming(flag, error)
        }
    }

    /// A day as people write one (`CalendarDate(written:)`: `2022-03-15`, `2022/3/15`, `2022年3月15日`…).
    public static func date(_ text: String, flag: String) throws -> CalendarDate {
        do {
            return try CalendarDate(written: text)
        } catch {
            throw naming(flag, error)
        }
    }

    /// `error` prefixed with the flag (or column) that was given it, in both languages.
    public static func naming(_ flag: String, _ error: any Error) -> InputError {
        InputError("\(flag): \(error)", chinese: "\(flag)：\(Language.zh.message(for: error))")
    }

    /// How far past the laptop's today a day that has happened may lie: village clocks run behind.
    public static let clockGrace = 2

    /// The day something happened (a dispute arose, an agreement was signed, a visit made, a hazard
    /// struck off): not a day to come. `today` is the laptop's, which may be behind by a day or two.
    public static func pastDate(_ text: String, flag: String, today: CalendarDate) throws -> CalendarDate {
        let date = try date(text, flag: flag)
        guard date <= today.adding(days: clockGrace) else {
            throw InputError(
                "\(flag): \(date) has not come yet (today is \(today) on this laptop); "
                    + "enter the day it happened, or correct this laptop's date",
                chinese: "\(flag)：\(date) 还没有到（本机今天是 \(today)）；请填事情发生的那一天，或改正本机的日期")
        }
        return date
    }

    public static func area(_ text: String, flag: String) throws -> AreaCode {
        do {
            return try AreaCode(parsing: text.trimmingSpaces)
        } catch {
            throw naming(flag, error)
        }
    }

    /// What separates the items of a list a person writes in one field or cell: commas (half- or
    /// full-width), 、, semicolons, or line breaks (a spreadsheet cell's).
    public static func isListSeparator(_ character: Character) -> Bool {
        ",，、;；\n\r\r\n".contains(character)
    }

    /// Parties separated by commas (half- or full-width), 、 or semicolons; each a name, then its ID number
    /// and phone where known, separated by spaces (`Party.init(written:)`).
    public static func parties(_ text: String, flag: String) throws -> [Party] {
        let written = text.split(whereSeparator: isListSeparator).map(String.init)
            .map(\.trimmingSpaces).filter { !$0.isEmpty }
        guard !written.isEmpty else {
            throw InputError(
                "\(flag): name at least one party, e.g. \"王建国,李秀英\"", chinese: "\(flag)：至少写一位当事人，例如“王建国,李秀英”")
        }
        return try written.enumerated().map { index, party in
            do {
                return try Party(written: party)
            } catch {
                // Which party, by its place in the list.
                throw InputError(
                    "\(flag): party \(index + 1): \(error)",
                    chinese: "\(flag)：第 \(index + 1) 位当事人：\(Language.zh.message(for: error))")
            }
        }
    }

    public static func yesNo(_ text: String, flag: String) throws -> Bool {
        switch text.trimmingSpaces.lowercased() {
        case "yes", "y", "true", "是", "1": return true
        case "no", "n", "false", "否", "0": return false
        default:
            throw InputError(
                "\(flag): '\(text)' is neither yes nor no; expected yes or no (是/否)",
                chinese: "\(flag)：“\(text)”既不是“是”也不是“否”；应为 是/否（yes/no）")
        }
    }
}
