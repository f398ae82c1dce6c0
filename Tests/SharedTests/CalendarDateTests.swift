import Shared
import Testing

@Suite struct CalendarDateTests {
    @Test func parsesAndPrintsTheSameDay() throws {
        let date = try CalendarDate(parsing: "2024-02-29")
        #expect((date.year, date.month, date.day) == (2024, 2, 29))
        #expect(date.description == "2024-02-29")
        #expect(date.adding(days: 1).description == "2024-03-01")
    }

    @Test(arguments: [
        ("2023-02-29", "that month has 28 days"),
        ("2022-04-31", "that month has 30 days"),
        ("2022-13-01", "the month must be 01 to 12"),
        ("2022-00-10", "the month must be 01 to 12"),
        ("2022-01-00", "that month has 31 days"),
        ("0022-01-01", "the year must be between"),
        ("2022-1-5", "expected YYYY-MM-DD"),
        ("2022/01/05", "expected YYYY-MM-DD"),
        ("二〇二二年一月", "expected YYYY-MM-DD"),
        ("", "expected YYYY-MM-DD"),
    ])
    func refusesMalformedAndImpossibleDates(text: String, reason: String) {
        #expect {
            try CalendarDate(parsing: text)
        } throws: { error in
            (error as? DateError)?.description.contains(reason) == true
        }
    }

    @Test func dayNumbersRoundTripAcrossCenturies() throws {
        var date = try CalendarDate(parsing: "1900-01-01")
        var days = date.daysSinceEpoch
        let end = try CalendarDate(parsing: "2100-12-31")
        var previous = date
        while date < end {
            date = date.adding(days: 1)
            days += 1
            #expect(date.daysSinceEpoch == days)
            #expect(previous < date)
            #expect(try CalendarDate(parsing: date.description) == date)
            previous = date
        }
        #expect(try CalendarDate(parsing: "1970-01-01").daysSinceEpoch == 0)
    }

    /// As a ledger saved from a spreadsheet on a Chinese Windows holds a day, or as a person types one.
    @Test func aDayIsReadAsPeopleWriteIt() throws {
        let day = try CalendarDate(parsing: "2022-03-15")
        for written in [
            "2022-03-15", "2022/3/15", "2022-3-15", "2022.3.15", "2022年3月15日", "2022年03月15号", "２０２２／３／１５",
            " 2022/3/15 0:00 ", "2022/3/15 00:00:00",
        ] {
            #expect(try CalendarDate(written: written) == day, "\(written)")
        }
        // Refused, naming the text as written.
        func refusal(_ written: String) -> DateError? {
            do {
                _ = try CalendarDate(written: written)
                return nil
            } catch {
                return error
            }
        }
        for (written, problem) in [
            ("2022/2/30", DateError.Problem.day(28)), ("2022年13月1日", .month), ("3/15/2022", .format),
            ("2022/3", .format),
            ("2022/3/15 下午", .format), ("44635", .spreadsheetNumber),
        ] {
            #expect(refusal(written)?.problem == problem && refusal(written)?.text == written, "\(written)")
        }
        // A spreadsheet's number for the day: said so.
        #expect(
            refusal("44635")?.message(in: .zh) == "“44635”像是电子表格里日期的序号：请把这一列设为日期格式（年-月-日），再另存为 CSV")
        // The wire and the database keep the one strict form.
        #expect(throws: DateError.self) { try CalendarDate(parsing: "2022/3/15") }
    }

    @Test func chinaTimeDecidesTheDay() {
        // 2022-03-14T16:30:00Z is 2022-03-15 00:30 in China.
        #expect(CalendarDate(chinaTimeMilliseconds: 1_647_275_400_000).description == "2022-03-15")
        #expect(CalendarDate(chinaTimeMilliseconds: 1_647_271_800_000).description == "2022-03-14")
    }
}
