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

    @Test func chinaTimeDecidesTheDay() {
        // 2022-03-14T16:30:00Z is 2022-03-15 00:30 in China.
        #expect(CalendarDate(chinaTimeMilliseconds: 1_647_275_400_000).description == "2022-03-15")
        #expect(CalendarDate(chinaTimeMilliseconds: 1_647_271_800_000).description == "2022-03-14")
    }
}
