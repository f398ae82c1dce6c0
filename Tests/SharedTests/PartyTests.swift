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

    @Test func aPartyIsWrittenAsANameThenItsNumbers() throws {
        let party = try Party(written: "王建国 11010519491231002x 138-0013-8000")
        #expect(party == (try Party(name: "王建国", idNumber: "11010519491231002X", phone: "13800138000")))
        #expect(party.written == "王建国 11010519491231002X 13800138000")
        #expect(try Party(written: party.written) == party)
        // Any order; full-width digits, as a Chinese input method types them; a name of several words kept.
        #expect(try Party(written: "１３８００１３８０００　王建国") == (try Party(name: "王建国", phone: "13800138000")))
        #expect(try Party(written: "Mary Ann +8613800138000").name == "Mary Ann")
        #expect(try Party(written: "Mary Ann +8613800138000").phone == "+8613800138000")
        #expect(try Party(written: " 李秀英 ") == (try Party(name: "李秀英")))
        // A phone in groups of digits is one number; a whole number beside it is another.
        #expect(
            try Party(written: "王建国 +86 138 0013 8000 11010519491231002X")
                == (try Party(name: "王建国", idNumber: "11010519491231002X", phone: "+8613800138000")))
        #expect(try Party(written: "王建国 0931 8123456").phone == "09318123456")
        #expect(throws: PartyError.unrecognizedNumber("0931")) { try Party(written: "王建国 13800138000 0931") }
        #expect(try Party(written: "李秀英").written == "李秀英")
    }

    @Test func aWrittenNumberOfNeitherKindIsRefusedNamingIt() throws {
        #expect(throws: PartyError.unrecognizedNumber("1101051949123100")) {
            try Party(written: "王建国 1101051949123100")
        }
        #expect(throws: PartyError.unrecognizedNumber("1380")) { try Party(written: "王建国 1380") }
        #expect(throws: PartyError.wrongIDCheckDigit) { try Party(written: "王建国 110105194912310021") }
        #expect(throws: PartyError.unrecognizedNumber("1101051949123100x")) {
            try Party(written: "王建国 1101051949123100x")
        }
        #expect(throws: PartyError.twoPhones) { try Party(written: "王建国 13800138000 13900139000") }
        #expect(throws: PartyError.twoIDNumbers) {
            try Party(written: "王建国 11010519491231002X 620502198001011230")
        }
        #expect(throws: PartyError.emptyName) { try Party(written: "11010519491231002X") }
        // A number a spreadsheet kept as a number has lost digits: said so, not taken for a name.
        #expect(throws: PartyError.storedAsNumber("1.10105E+17")) { try Party(written: "王建国 1.10105E+17") }
        #expect(throws: PartyError.storedAsNumber("1.38001E+10")) { try Party(name: "王建国", phone: "1.38001E+10") }
        #expect(throws: PartyError.storedAsNumber("1.10105E+17")) { try Party(name: "王建国", idNumber: "1.10105e+17") }
        #expect(try Party(written: "3号楼住户").name == "3号楼住户")
        #expect(
            PartyError.unrecognizedNumber("1380").message(in: .zh) == "“1380”既不是身份证号（18 位）也不是电话号码（5 到 15 位数字）")
    }

    @Test func partiesNamedAgainWithoutNumbersKeepTheirs() throws {
        let earlier = [
            try Party(name: "王建国", idNumber: "11010519491231002X", phone: "13800138000"),
            try Party(name: "李秀英", phone: "13900139000"),
        ]
        let named = [try Party(name: "王 建国"), try Party(name: "李秀英", phone: "13700137000"), try Party(name: "赵六")]
        let kept = Party.keepingNumbers(named, from: earlier)
        #expect(kept.map(\.name) == ["王 建国", "李秀英", "赵六"])
        #expect(kept.map(\.idNumber) == ["11010519491231002X", nil, nil])
        // A number written anew replaces what was recorded; a new party has none.
        #expect(kept.map(\.phone) == ["13800138000", "13700137000", nil])
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

    /// Ledgers kept by hand name a choice in more than one way.
    @Test func otherNamesOfAChoiceAreAccepted() throws {
        #expect(try DisputeCategory(parsing: "婚姻家庭纠纷") == .marriageFamily)
        #expect(try DisputeCategory(parsing: "劳资纠纷") == .labor)
        #expect(try DisputeCategory(parsing: "征地拆迁纠纷") == .housing)
        #expect(try DisputeCategory(parsing: "民间借贷纠纷") == .debt)
        #expect(try MediationMethod(parsing: "分段") == .staged)
        // Every name belongs to one choice only, and none is another choice's label or code.
        for values in [
            DisputeCategory.allCases.map { ($0.code, $0.label, $0.otherLabels) },
            MediationMethod.allCases.map { ($0.code, $0.label, $0.otherLabels) },
            DisputeStatus.allCases.map { ($0.code, $0.label, $0.otherLabels) },
            RiskStatus.allCases.map { ($0.code, $0.label, $0.otherLabels) },
        ] {
            let names = values.flatMap { [$0.0, $0.1] + $0.2 }
            #expect(Set(names).count == names.count, "\(names)")
        }
        // The refusal lists the labels the forms use, not the other names.
        #expect {
            try DisputeCategory(parsing: "口角纠纷")
        } throws: { error in
            let message = (error as? ChoiceError)?.message(in: .zh) ?? ""
            return message.contains("labor 劳动争议") && !message.contains("劳资纠纷")
        }
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

/// `trimmingSpaces` skips the work for text that starts and ends with plain characters; it must trim
/// exactly as trimming whole characters that are white space does, for texts at either side of that.
@Suite struct TrimmingTests {
    @Test func trimsAsWholeCharactersDo() {
        func reference(_ text: String) -> String {
            guard let first = text.firstIndex(where: { !$0.isWhitespace }) else { return "" }
            return String(text[first...text.lastIndex(where: { !$0.isWhitespace })!])
        }
        let texts = [
            "王建国", " 王建国", "王建国\u{3000}", "\t王 建国\n", "a", "", " ", "\u{3000}", "王建国 \u{301}", "é王", "王e\u{301}",
            "李四\u{200D}", "A b", "１号", "王\u{FE0F}", "\u{1F468}\u{200D}\u{1F469}", "x\r\n",
        ]
        for text in texts {
            #expect(text.trimmingSpaces == reference(text), "\(Array(text.unicodeScalars))")
            #expect(text[...].trimmingSpaces == reference(text))
        }
    }
}
