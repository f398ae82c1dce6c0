import Shared
import Testing

@Suite struct AreaCodeTests {
    @Test(arguments: [
        ("620502", AreaCode.Level.district, "620502"),
        ("620502101", .town, "620502101"),
        ("620502101201", .village, "620502101201"),
        ("620502101000", .town, "620502101"),
        ("620502000000", .district, "620502"),
    ])
    func parsesEveryLevelAndThePaddedForm(text: String, level: AreaCode.Level, short: String) throws {
        let code = try AreaCode(parsing: text)
        #expect(code.level == level)
        #expect(code.description == short)
        #expect(code.fullCode.count == 12)
    }

    @Test func scopeCoversItselfAndWhatLiesBeneath() throws {
        let district = try AreaCode(parsing: "620502")
        let town = try AreaCode(parsing: "620502101")
        let village = try AreaCode(parsing: "620502101201")
        let otherTown = try AreaCode(parsing: "620502102")
        let otherDistrict = try AreaCode(parsing: "620503")
        #expect(district.covers(town) && district.covers(village) && district.covers(district))
        #expect(town.covers(village) && town.covers(town))
        #expect(!town.covers(district))
        #expect(!otherTown.covers(village))
        #expect(!village.covers(town))
        #expect(!otherDistrict.covers(village))
        #expect(village.parent == town && town.parent == district && district.parent == nil)
        #expect(village.district == district)
    }

    /// Codes sort as their 12-digit forms do, then by level (a district before its town 000): the order
    /// the merge takes a record's earliest scope by.
    @Test func codesSortAsTheirPaddedFormsThenByLevel() throws {
        let codes = try [
            "620502", "620502000", "620502000000", "620502101", "620502101000", "620502101201", "620502102",
            "620502101202", "620503", "110101", "650102999999", "620502999",
        ].map { try AreaCode(parsing: $0) }
        for left in codes {
            for right in codes {
                #expect((left < right) == ((left.fullCode, left.level) < (right.fullCode, right.level)))
            }
        }
    }

    @Test(arguments: [
        ("", "it is empty"),
        ("62050210120", "it has 11 digits"),
        ("6205021012011", "it has 13 digits"),
        // More digits than a 64-bit number holds: refused by its length, before they are added up (the
        // fuzzer found a pushed scope like this one stopping the center).
        (String(repeating: "9", count: 40), "it has 40 digits"),
        ("62050２101201", "character 6 is not a digit"),
        ("620502-101201", "character 7 is not a digit"),
        ("990502101201", "no province has the code 99"),
        ("620000", "it names a province or city, not a district"),
        // A 12-digit code in a spreadsheet cell not formatted as text, saved as the cell shows it.
        ("6.20502E+11", "a spreadsheet stored it as a number and its last digits are lost"),
    ])
    func refusesBadCodesSayingWhy(text: String, reason: String) {
        #expect {
            try AreaCode(parsing: text)
        } throws: { error in
            let message = (error as? AreaCodeError)?.description ?? ""
            return message.contains(reason) && message.contains("expected 6 digits")
        }
    }
}
