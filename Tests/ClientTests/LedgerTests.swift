import Client
import Console
import Foundation
import Shared
import Storage
import Testing

@Suite struct CSVTests {
    @Test func readsQuotedFieldsAndNamesTheLineEachRecordStartsOn() throws {
        let text = "\u{FEFF}类别,当事人,简要情况\r\n邻里纠纷,\"张三,李四\",\"噪音\n夜间施工\"\r\n\r\n土地纠纷,王五,\"说\"\"界桩\"\"被移\"\n"
        let records = try CSV.parse(text)
        #expect(records.map(\.line) == [1, 2, 5])
        #expect(records[0].fields == ["类别", "当事人", "简要情况"])
        #expect(records[1].fields == ["邻里纠纷", "张三,李四", "噪音\n夜间施工"])
        #expect(records[2].fields == ["土地纠纷", "王五", "说\"界桩\"被移"])
    }

    @Test func anUnclosedQuoteNamesItsLine() {
        #expect {
            try CSV.parse("a,b\n1,\"never closed\n2,3\n")
        } throws: { error in
            (error as? CSV.ParseError)?.line == 2
        }
    }

    @Test func writtenLinesReadBack() throws {
        let fields = ["普通", "有,逗号", "有\"引号\"", "多\n行", "=1+1", "-5", "", "\t=1+1", "\r=HYPERLINK(\"x\")", "@SUM(A1)"]
        let parsed = try CSV.parse(CSV.line(fields))
        #expect(
            parsed.first?.fields == [
                "普通", "有,逗号", "有\"引号\"", "多\n行", "'=1+1", "-5", "", "'\t=1+1", "'\r=HYPERLINK(\"x\")", "'@SUM(A1)",
            ])
    }
}

/// A spreadsheet's "CSV" on a Chinese Windows is GBK; its "CSV UTF-8" is UTF-8: both read.
@Suite struct SpreadsheetTextTests {
    @Test func aFileLargerThanAnyLedgerIsRefusedBeforeItIsRead() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(UUID().uuidString).csv")
        // Sparse: no disk or memory spent, and the size says it all.
        _ = FileManager.default.createFile(atPath: url.path, contents: Data("类别,当事人\n".utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(SpreadsheetText.maximumBytes + 1))
        try handle.close()
        let error = try #require(throws: InputError.self) { try SpreadsheetText.read(url.path) }
        #expect(error.message(in: .zh).contains("一次最多读入 64 MB 的台账"))
    }

    @Test func readsUTF8AndGBKAndRefusesWhatIsNeither() {
        #expect(SpreadsheetText.decode(Array("\u{FEFF}类别,当事人".utf8))?.text == "\u{FEFF}类别,当事人")
        #expect(SpreadsheetText.decode(Array("category,parties".utf8))?.encoding == .utf8)
        // 类别,当事人 as GBK.
        let gbk: [UInt8] = [192, 224, 177, 240, 44, 181, 177, 202, 194, 200, 203]
        #expect(SpreadsheetText.decode(gbk)?.text == "类别,当事人")
        #expect(SpreadsheetText.decode(gbk)?.encoding == .gb18030)
        // A character outside GBK, in GB18030's four bytes (U+20000), and the euro sign.
        #expect(SpreadsheetText.decode([0x95, 0x32, 0x82, 0x36, 0xA2, 0xE3])?.text == "\u{20000}€")
        // A lead byte with nothing after it, and bytes no encoding of the two allows.
        #expect(SpreadsheetText.decode(gbk + [0xC0]) == nil)
        #expect(SpreadsheetText.decode([0x41, 0xFF, 0xFF]) == nil)
    }
}

@Suite struct LedgerImportTests {
    let importer = LedgerImport(village: Sample.village, recorder: "张网格", today: Sample.today)

    /// Imports `ledger` expecting it refused whole; checks that nothing changed and returns the refusal.
    func refusal(importing ledger: String, into store: FieldStore) throws -> ImportError {
        let before = try store.digest()
        let error = try #require(throws: ImportError.self) { try importer.run(ledger, into: store, skipInvalid: false) }
        #expect(try store.digest() == before)
        return error
    }

    static let goodLedger = """
        \u{FEFF}类别,当事人,简要情况,发生日期,状态,调解方式,调解员,调解协议,调结日期
        婚姻家庭,王建国、李秀英,离婚后彩礼返还争议,2022-03-15,调解成功,分段式,刘调解,分三期退还彩礼,2022-04-02
        邻里纠纷,"张三,李四","噪音，夜间施工",2022-03-20,调解中,拉家常式,,,
        土地纠纷,赵大山,界桩被移,2022-03-21,,,,,

        """

    @Test func importsADisputeLedgerWithItsStatuses() throws {
        try withTemporaryStore { store in
            let outcome = try importer.run(Self.goodLedger, into: store, skipInvalid: false)
            #expect(outcome.ledger == .disputes && outcome.imported == 3 && outcome.skipped.isEmpty)
            let rows = try store.disputes()
            #expect(Set(rows.map(\.status)) == [.resolved, .mediating, .screened])
            let resolved = try #require(rows.first { $0.status == .resolved })
            let dispute = try #require(try store.dispute(resolved.id))
            #expect(dispute.agreement?.text == "分三期退还彩礼")
            #expect(dispute.agreement?.date == (try CalendarDate(parsing: "2022-04-02")))
            #expect(dispute.method == .staged && dispute.parties.map(\.name) == ["王建国", "李秀英"])
            #expect(rows.first { $0.status == .mediating }?.parties == ["张三", "李四"])
        }
    }

    /// A ledger as a town keeps it: its own headings, categories, methods and results.
    @Test func aLedgerInTheTownsOwnWordsImports() throws {
        let ledger = """
            序号,矛盾纠纷类型,当事人姓名,身份证号码,联系电话,简要案情,排查时间,化解方式,调处结果,调解协议内容,化解日期,移交去向
            1,婚姻家庭纠纷,王建国、李秀英,,,彩礼返还,2022/3/15,分段,化解成功,分三期退还彩礼,2022/4/2,
            2,劳资纠纷,张三,,13800138000,欠薪三个月,2022/3/20,拉家常,化解中,,,
            3,征地拆迁纠纷,赵大山,/,/,补偿分配不均,2022/3/21,/,已移交,/,/,法院

            """
        try withTemporaryStore { store in
            #expect(try importer.run(ledger, into: store, skipInvalid: false).imported == 3)
            let rows = try store.disputes()
            let bridePrice = try #require(rows.first { $0.summary == "彩礼返还" })
            #expect(
                bridePrice.category == .marriageFamily && bridePrice.status == .resolved && bridePrice.method == .staged
            )
            #expect(try store.dispute(bridePrice.id)?.agreement?.date == (try CalendarDate(parsing: "2022-04-02")))
            let wages = try #require(rows.first { $0.summary == "欠薪三个月" })
            #expect(wages.category == .labor && wages.status == .mediating && wages.method == .chat)
            #expect(try store.dispute(wages.id)?.parties.first?.phone == "13800138000")
            let land = try #require(rows.first { $0.summary == "补偿分配不均" })
            #expect(land.category == .housing && land.status == .escalated)
        }
    }

    /// A spreadsheet on a Chinese Windows saves a date cell as 2022/3/15; people write 2022年3月20日.
    @Test func daysAreReadAsSpreadsheetsAndPeopleWriteThem() throws {
        let ledger = """
            类别,当事人,简要情况,发生日期,状态,调解方式,调解协议,调结日期
            邻里纠纷,张三,噪音,2022/3/15,调解成功,拉家常式,赔礼道歉,2022/3/20 0:00
            土地纠纷,李四,界桩,2022年3月21日,,,,

            """
        try withTemporaryStore { store in
            #expect(try importer.run(ledger, into: store, skipInvalid: false).imported == 2)
            let rows = try store.disputes()
            let noise = try #require(rows.first { $0.summary == "噪音" })
            #expect(noise.incidentDate == (try CalendarDate(parsing: "2022-03-15")))
            #expect(try store.dispute(noise.id)?.agreement?.date == (try CalendarDate(parsing: "2022-03-20")))
            #expect(rows.first { $0.summary == "界桩" }?.incidentDate == (try CalendarDate(parsing: "2022-03-21")))
        }
        let serial = """
            类别,当事人,简要情况,发生日期
            邻里纠纷,张三,噪音,44635
            """
        try withTemporaryStore { store in
            let error = try refusal(importing: serial, into: store)
            #expect(error.rows.first?.chinese.contains("“44635”像是电子表格里日期的序号") == true, "\(error.rows)")
        }
    }

    /// Ledgers kept by hand fill an empty cell with 无, / or —: such a cell says nothing.
    @Test func aCellFilledAsBlankSaysNothing() throws {
        let ledger = """
            类别,当事人,简要情况,发生日期,状态,调解方式,调解员
            邻里纠纷,张三,噪音,/,无,—,无
            土地纠纷,李四,界桩,2022-03-21,调解中,拉家常式,/

            """
        try withTemporaryStore { store in
            #expect(try importer.run(ledger, into: store, skipInvalid: false).imported == 2)
            let rows = try store.disputes()
            let noise = try #require(rows.first { $0.summary == "噪音" })
            #expect(noise.incidentDate == nil && noise.status == .screened && noise.mediator == nil)
            let land = try #require(rows.first { $0.summary == "界桩" })
            #expect(land.status == .mediating && land.method == .chat && land.mediator == nil)
        }
    }

    @Test func aBadRowImportsNothingAndEveryBadRowIsListed() throws {
        let ledger = """
            category,parties,summary,date
            neighbor,张三,噪音,2022-03-20
            gossip,李四,口角,2022-03-21
            land,,界桩,2022-03-22
            land,王五,界桩,2022-02-30
            """
        try withTemporaryStore { store in
            let error = try refusal(importing: ledger, into: store)
            #expect(
                error.rows.map(\.line) == [3, 4, 5]
                    && error.rows[0].message.contains("unknown category 'gossip'")
                    && error.rows[1].message.contains("当事人 (parties) is empty")
                    && error.rows[2].message.contains("that month has 28 days")
                    && error.description.contains("3 of 4 rows cannot be imported, so nothing was imported"))
            let outcome = try importer.run(ledger, into: store, skipInvalid: true)
            #expect(outcome.imported == 1 && outcome.skipped.map(\.line) == [3, 4, 5])
            #expect(try store.disputes().map(\.summary) == ["噪音"])
        }
    }

    @Test func aLedgerOfManyBadRowsListsTheFirstHundredAndCountsTheRest() throws {
        let ledger =
            "category,parties,summary,date\n" + (0..<5_000).map { "gossip,张\($0),口角,2022-03-21\n" }.joined()
            + "neighbor,张三,噪音,2022-03-20\n"
        try withTemporaryStore { store in
            let error = try refusal(importing: ledger, into: store)
            #expect(error.rows.count == 100 && error.unlisted == 4_900)
            #expect(error.rows.last?.line == 101)
            let text = error.message(in: .zh)
            #expect(text.contains("5001 行里有 5000 行无法导入") && text.contains("另有 4900 行有问题，未列出"))
            #expect(text.split(separator: "\n").count == 102)
            let outcome = try importer.run(ledger, into: store, skipInvalid: true)
            #expect(outcome.imported == 1 && outcome.skipped.count == 100 && outcome.skippedCount == 5_000)
        }
    }

    /// Ledgers often keep ID numbers and phones in columns of their own: the n-th number is the n-th party's.
    @Test func numbersInColumnsOfTheirOwnGoToThePartiesInOrder() throws {
        let ledger = """
            类别,当事人姓名,身份证号码,联系电话,简要情况
            婚姻家庭,王建国、李秀英,11010519491231002x,"、139 0013 9000",彩礼返还
            邻里纠纷,张三 13800138000,无,13800138000,噪音
            土地纠纷,赵大山,/,—,界桩被移

            """
        try withTemporaryStore { store in
            #expect(try importer.run(ledger, into: store, skipInvalid: false).imported == 3)
            var parties: [String: [Party]] = [:]
            for row in try store.disputes() {
                parties[row.summary] = try #require(try store.dispute(row.id)).parties
            }
            #expect(
                parties["彩礼返还"] == [
                    try Party(name: "王建国", idNumber: "11010519491231002X"),
                    try Party(name: "李秀英", phone: "13900139000"),
                ])
            #expect(parties["噪音"] == [try Party(name: "张三", phone: "13800138000")])
            #expect(parties["界桩被移"] == [try Party(name: "赵大山")])
        }
        let bad = """
            类别,当事人,身份证号,电话,简要情况
            邻里纠纷,张三、李四,,"13800138000,13900139000,13700137000",噪音
            邻里纠纷,张三,110105194912310021,,噪音
            邻里纠纷,张三 13800138000,,13900139000,噪音
            邻里纠纷,张三,1.10105E+17,,噪音
            """
        try withTemporaryStore { store in
            let error = try refusal(importing: bad, into: store)
            #expect(error.rows.map(\.line) == [2, 3, 4, 5])
            #expect(error.rows[0].chinese == "“联系电话”一列有 3 个号码，当事人只有 2 位；第几个号码就是第几位当事人的")
            #expect(error.rows[1].chinese.contains("第 1 位当事人：身份证号的校验位不对"))
            #expect(error.rows[2].chinese.contains("和“当事人”一列写的不一样"))
            #expect(error.rows[3].chinese.contains("“1.10105E+17”是电子表格当成数字存下的号码"), "\(error.rows[3].chinese)")
        }
    }

    /// A day that has not come (past the importing laptop's today, give or take its clock), or an
    /// agreement before the dispute, is a bad row.
    @Test func aRowDatedInTheFutureOrOutOfOrderIsBad() throws {
        let ledger = """
            类别,当事人,简要情况,发生日期,状态,调解方式,调解协议,调结日期
            邻里纠纷,张三,噪音,2022-05-03,,,,
            邻里纠纷,李四,噪音,2022-05-04,,,,
            土地纠纷,王五,界桩,2022-03-20,调解成功,分段式,退让半米,2022-03-19
            土地纠纷,赵六,界桩,2022-03-20,调解成功,分段式,退让半米,2099-01-01
            """
        try withTemporaryStore { store in
            let error = try refusal(importing: ledger, into: store)
            #expect(
                error.rows.map(\.line) == [3, 4, 5]
                    && error.rows[0].message
                        == "发生日期 (date): 2022-05-04 has not come yet (today is 2022-05-01 on this laptop); "
                        + "enter the day it happened, or correct this laptop's date"
                    && error.rows[1].message.contains(
                        "调结日期 (closed_on): 2022-03-19 is before the day the dispute arose, 发生日期 (date) 2022-03-20")
                    && error.rows[2].message.contains("调结日期 (closed_on): 2099-01-01 has not come yet"))
        }
    }

    @Test func importsARiskLedger() throws {
        let ledger = """
            领域,风险隐患,预案,责任人,责任单位,期限,状态,销号依据,销号日期
            征地拆迁,安置补偿款未到位,每周约谈，分期兑付,赵主任,镇综治中心,2022-06-30,已销号,补偿款已兑付,2022-04-20
            信访,重点人员越级上访,五定五包,钱书记,村委会,2022-04-30,挂牌,,
            """
        try withTemporaryStore { store in
            let outcome = try importer.run(ledger, into: store, skipInvalid: false)
            #expect(outcome.ledger == .risks && outcome.imported == 2)
            let items = try store.riskItems()
            #expect(items.map(\.status) == [.listed, .struckOff])
            #expect(items.first?.isOverdue(on: Sample.today) == true)
            #expect(items.last?.owner == Owner(person: "赵主任", unit: "镇综治中心"))
        }
    }

    /// A risk ledger in a town's own headings and wordings (风险点, 整改措施, 责任领导, 整改时限, 已整改).
    @Test func importsARiskLedgerInTheTownsOwnWords() throws {
        let ledger = """
            序号,风险类别,风险点,整改措施,责任领导,责任单位,整改时限,状态,销号依据,销号时间
            1,征地拆迁,安置补偿款未到位,分期兑付,赵主任,镇综治中心,2022/6/30,已整改,补偿款已兑付,2022/4/20
            2,信访,重点人员越级上访,五定五包,钱书记,村委会,2022年4月30日,管控中,,
            """
        try withTemporaryStore { store in
            let outcome = try importer.run(ledger, into: store, skipInvalid: false)
            #expect(outcome.ledger == .risks && outcome.imported == 2)
            let items = try store.riskItems()
            #expect(Set(items.map(\.status)) == [.listed, .struckOff])
            #expect(
                items.contains { $0.title == "重点人员越级上访" && $0.deadline == (try? CalendarDate(parsing: "2022-04-30")) })
            #expect(items.contains { $0.owner == Owner(person: "赵主任", unit: "镇综治中心") && $0.area == "征地拆迁" })
        }
    }

    @Test func anExportedLedgerImportsBackTheSame() throws {
        try withTemporaryStore { store in
            _ = try importer.run(Self.goodLedger, into: store, skipInvalid: false)
            for language in Language.allCases {
                let exported = RecordCSV.disputes(try store.disputes(), language: language)
                #expect(exported.hasPrefix(CSV.byteOrderMark))
                try withTemporaryStore { copy in
                    _ = try importer.run(exported, into: copy, skipInvalid: false)
                    let shape = { (rows: [DisputeSummary]) in
                        rows.map {
                            [$0.summary, $0.status.code, $0.category?.code ?? "", $0.parties.joined(separator: "、")]
                        }
                        .sorted { $0.lexicographicallyPrecedes($1) }
                    }
                    #expect(shape(try copy.disputes()) == shape(try store.disputes()), "\(language)")
                }
            }
        }
    }

    @Test func aFileThatIsNeitherLedgerSaysWhatIsExpected() throws {
        try withTemporaryStore { store in
            #expect {
                try importer.run("姓名,电话\n张三,123\n", into: store, skipInvalid: false)
            } throws: { "\($0)".contains("a dispute ledger needs a column 当事人 (parties)") }
        }
    }
}

@Suite struct OutputTests {
    @Test func chineseCharactersTakeTwoColumns() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("婚姻家庭") == 8)
        #expect(DisplayWidth.of("ＡＢ，。") == 8)
        #expect(DisplayWidth.truncate("离婚后彩礼返还争议", to: 9) == "离婚后彩…")
    }

    @Test func tableColumnsLineUpWithChineseText() {
        var table = TextTable(headers: ["编号", "类别", "状态"])
        table.append(["abc123", "婚姻家庭", "调解成功"])
        table.append(["d4", "other", "screened"])
        let lines = table.render().split(separator: "\n").map(String.init)
        let starts = lines.map { line -> Int in
            let prefix = line.prefix { $0 != "调" && $0 != "s" && $0 != "状" }
            return DisplayWidth.of(prefix)
        }
        #expect(Set(starts).count == 1, "\(lines)")
    }

    @Test func languageFollowsTheFlagThenTheConfigThenLang() throws {
        #expect(try Language.resolve(option: "en", configured: nil, environment: [:]) == .en)
        #expect(try Language.resolve(option: nil, configured: "en", environment: [:]) == .en)
        #expect(try Language.resolve(option: nil, configured: nil, environment: ["LANG": "en_US.UTF-8"]) == .en)
        #expect(try Language.resolve(option: nil, configured: nil, environment: ["LANG": "zh_CN.UTF-8"]) == .zh)
        #expect(throws: InputError.self) { try Language.resolve(option: "fr", configured: nil, environment: [:]) }
    }
}
