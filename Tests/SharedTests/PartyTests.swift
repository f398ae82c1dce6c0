import Shared
import Testing

@Suite struct PartyTests {
    @Test func acceptsAValidIDNumberAndNormalisesIt() throws {
        let party = try Party(name: " 王建国 ", idNumber: "11010519491231002x", phone: "138-0013 8000")
        #expect(party.name == "王建国")
        #expect(party.idNumber == "11010519491231002X")
        #expect(party.phone == "13800138000")
    }

    @Test func refusesAnIDNumberWithAWrongCheckDigit() {
        #expect(throws: PartyError.wrongIDCheckDigit) {
            try Party(name: "王建国", idNumber: "110105194912310021")
        }
        #expect(throws: PartyError.malformedIDNumber) {
            try Party(name: "王建国", idNumber: "1101051949123")
        }
    }

    @Test func refusesEmptyNamesAndBadPhones() {
        #expect(throws: PartyError.emptyName) { try Party(name: "　") }
        #expect(throws: PartyError.malformedPhone) { try Party(name: "李秀英", phone: "call me") }
    }

    @Test func interpolationMasksPersonalData() throws {
        let party = try Party(name: "王建国", idNumber: "11010519491231002X", phone: "13800138000")
        let logged = "party \(party), all: \([party])"
        #expect(!logged.contains("建国"))
        #expect(!logged.contains("11010519491231002X"))
        #expect(!logged.contains("13800138000"))
        #expect(logged.contains("王**"))
    }
}

@Suite struct CodedValueTests {
    @Test func acceptsCodesAndChineseLabels() throws {
        #expect(try DisputeCategory(parsing: "marriage-family") == .marriageFamily)
        #expect(try DisputeCategory(parsing: "婚姻家庭") == .marriageFamily)
        #expect(try DisputeCategory(parsing: " Land ") == .land)
        #expect(try MediationMethod(parsing: "望闻问切访") == .revisit)
        #expect(try MediationMethod(parsing: "staged") == .staged)
    }

    @Test func unknownChoiceListsTheAllowedOnes() {
        #expect {
            try DisputeCategory(parsing: "口角")
        } throws: { error in
            let message = (error as? ChoiceError)?.description ?? ""
            return message.contains("unknown category '口角'") && message.contains("neighbor 邻里纠纷")
                && message.contains("other 其他")
        }
    }
}
