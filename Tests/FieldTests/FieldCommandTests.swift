import Foundation
import ProgramTesting
import Testing

extension FieldPrograms {
    @Suite struct FieldCommandTests {
        @Test func aCaseIsRecordedFollowedAndShown() throws {
            try withReplica { field in
                let id = try field.ok(
                    "dispute", "add", "--category", "婚姻家庭", "--parties", "王建国，李秀英", "--summary", "离婚后彩礼返还争议",
                    "--date", "2022-03-15", "--found-by", "referral", "--level", "serious")
                #expect(id.count >= 6 && !id.contains(" "))
                _ = try field.ok("dispute", "mediate", id, "--method", "分段式", "--mediator", "刘调解")
                _ = try field.ok("dispute", "resolve", id, "--agreement", "分三期退还彩礼六万元", "--date", "2022-04-02")
                _ = try field.ok("dispute", "visit", id, "--note", "首期已付", "--kept", "yes", "--date", "2022-05-10")
                _ = try field.ok("dispute", "note", id, "双方满意")
                let shown = try #require(try field.json("dispute", "show", id, "--json") as? [String: Any])
                #expect(shown["status"] as? String == "resolved")
                #expect(shown["category"] as? String == "marriage-family")
                #expect(shown["foundBy"] as? String == "referral")
                #expect(shown["level"] as? String == "serious")
                #expect((shown["agreement"] as? [String: String])?["date"] == "2022-04-02")
                #expect((shown["visits"] as? [[String: Any]])?.first?["kept"] as? Bool == true)
                #expect((shown["parties"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["王建国", "李秀英"])
                let history = try #require(shown["history"] as? [[String: Any]])
                #expect(history.count == 13 && history.allSatisfy { $0["replica"] is String && $0["at"] is String })
                // The documented keys, exactly: scripts rely on them.
                #expect(
                    Set(shown.keys) == [
                        "id", "shortId", "village", "category", "status", "level", "foundBy", "incidentDate", "summary",
                        "parties", "method", "mediator", "agreement", "visits", "notes", "recorder", "recordedAt",
                        "modifiedAt",
                        "voided", "mergedFrom", "history",
                    ])
                let text = try field.ok("dispute", "show", id)
                #expect(text.contains("分三期退还彩礼六万元") && text.contains("变更记录") && text.contains("本机"))
            }
        }

        @Test func theReportCountsTheVillagesOwnCasesOffline() throws {
            try withReplica { field in
                let add = { (parties: String) in
                    try field.ok("dispute", "add", "--category", "邻里纠纷", "--parties", parties, "--summary", "排水纠纷")
                }
                let resolved = try add("陈某，林某")
                _ = try add("赵某，钱某")
                let voided = try add("孙某，李某")
                _ = try field.ok("dispute", "mediate", resolved, "--method", "拉家常式")
                _ = try field.ok("dispute", "resolve", resolved, "--agreement", "疏通排水沟")
                _ = try field.ok("dispute", "void", voided, "--reason", "重复登记")
                let report = try #require(try field.json("report", "--format", "json") as? [String: Any])
                let total = try #require(report["total"] as? [String: Any])
                #expect(total["screened"] as? Int == 2 && total["resolved"] as? Int == 1)
                #expect(total["successRate"] as? Double == 50)
                #expect((report["activity"] as? [String: Any])?["voided"] as? Int == 1)
                let villages = (report["completeness"] as? [String: Any])?["villages"] as? [[String: Any]]
                #expect(
                    villages?.map { $0["code"] as? String } == ["620502101201"]
                        && villages?.first?["reported"] as? Bool == true)
                let text = try field.ok("report")
                #expect(text.contains("排查 2 件，调解成功 1 件，调解成功率 50.00 %"))
                let file = field.home.appendingPathComponent("report.csv")
                let written = try field.run("report", "--format", "csv", "--out", file.path)
                #expect(written.status == 0 && written.stdout.isEmpty && written.stderr.contains(file.path))
                #expect(Array(try Data(contentsOf: file).prefix(3)) == [0xEF, 0xBB, 0xBF])
                #expect(try field.json("report", "--year", "2022", "--format", "json") is [String: Any])
                let badMonth = try field.run("report", "--month", "2022-13")
                #expect(badMonth.status == 65 && badMonth.stderr.contains("“2022-13”不是报表期间：应为 --month"))
                // A breakdown by its Chinese name, as every choice: the same rows as by its code (the line
                // with the moment it was computed aside).
                func figures(_ by: String) throws -> [Substring] {
                    try field.ok("report", "--by", by).split(separator: "\n").filter { !$0.contains("计算") }
                }
                #expect(try figures("类别") == (try figures("category")))
                #expect(try figures("类别").contains("按类别"))
                let badBy = try field.run("report", "--by", "颜色")
                #expect(badBy.status == 65 && badBy.stderr.contains("--by “颜色”：应为 town（镇）"), "\(badBy.stderr)")
                let badFormat = try field.run("report", "--format", "xml")
                #expect(badFormat.status == 64 && badFormat.stderr.contains("应为 table、csv、json 或 html"))
                let twoPeriods = try field.run("report", "--year", "2022", "--month", "2022-03")
                #expect(twoPeriods.status == 64 && twoPeriods.stderr.contains("只给一个期间"))
            }
        }

        @Test func everyLifecycleCommandMovesTheCase() throws {
            try withReplica { field in
                let id = try field.ok(
                    "dispute", "add", "--category", "land", "--parties", "赵大山,钱小河", "--summary", "界桩被移")
                let status = { () throws -> String? in
                    (try field.json("dispute", "show", id, "--json") as? [String: Any])?["status"] as? String
                }
                _ = try field.ok("dispute", "mediate", id, "--method", "chat")
                _ = try field.ok("dispute", "fail", id, "--reason", "分歧过大")
                #expect(try status() == "unresolved")
                _ = try field.ok("dispute", "escalate", id, "--to", "court", "--note", "当事人起诉")
                #expect(try status() == "escalated")
                _ = try field.ok("dispute", "reopen", id, "--reason", "镇综治中心接手")
                #expect(try status() == "mediating")
                _ = try field.ok("dispute", "edit", id, "--summary", "界桩被移，涉及两户", "--category", "邻里纠纷")
                _ = try field.ok("dispute", "void", id, "--reason", "重复录入")
                #expect(
                    try field.ok("dispute", "list", "--json") == "[\n\n]"
                        || (try field.json("dispute", "list", "--json") as? [Any])?.isEmpty == true)
                _ = try field.ok("dispute", "unvoid", id, "--reason", "并非重复")
                let listed = try #require(try field.json("dispute", "list", "--json") as? [[String: Any]])
                #expect(
                    listed.count == 1 && listed[0]["summary"] as? String == "界桩被移，涉及两户"
                        && listed[0]["category"] as? String == "neighbor")
            }
        }

        @Test func theRiskLedgerListsStrikesAndReopens() throws {
            try withReplica { field in
                let id = try field.ok(
                    "risk", "add", "--area", "征地拆迁", "--title", "安置补偿款未到位", "--plan", "每周约谈", "--owner", "赵主任",
                    "--unit", "镇综治中心", "--deadline", "2022-06-30", "--level", "serious")
                let overdue = try #require(try field.json("risk", "list", "--overdue", "--json") as? [[String: Any]])
                #expect(
                    overdue.count == 1 && overdue[0]["overdue"] as? Bool == true
                        && overdue[0]["ownerUnit"] as? String == "镇综治中心")
                _ = try field.ok("risk", "edit", id, "--deadline", "2099-12-31")
                #expect((try field.json("risk", "list", "--overdue", "--json") as? [Any])?.isEmpty == true)
                _ = try field.ok("risk", "strike", id, "--evidence", "补偿款已兑付，附签收单", "--date", "2022-06-20")
                let shown = try #require(try field.json("risk", "show", id, "--json") as? [String: Any])
                #expect(shown["status"] as? String == "struck-off")
                #expect((shown["strike"] as? [String: String])?["evidence"] == "补偿款已兑付，附签收单")
                _ = try field.ok("risk", "reopen", id, "--reason", "隐患复发")
                let status = try #require(try field.json("status", "--json") as? [String: Any])
                #expect(status["openRiskItems"] as? Int == 1 && status["struckOffRiskItems"] as? Int == 0)
                let table = try field.ok("risk", "list")
                #expect(table.contains("安置补偿款未到位") && table.contains("挂牌"))
            }
        }

        @Test func listsFilterAndExportAsSpreadsheetsExpect() throws {
            try withReplica { field in
                for (category, summary, party) in [
                    ("land", "界桩被移", "张三"), ("neighbor", "夜间噪音", "李四"), ("land", "宅基地边界", "王五"),
                ] {
                    _ = try field.ok("dispute", "add", "--category", category, "--parties", party, "--summary", summary)
                }
                #expect((try field.json("dispute", "list", "--category", "土地纠纷", "--json") as? [Any])?.count == 2)
                #expect((try field.json("dispute", "list", "--search", "噪音", "--json") as? [Any])?.count == 1)
                #expect(
                    (try field.json("dispute", "list", "--status", "screened", "--village", "620502101", "--json")
                        as? [Any])?
                        .count == 3)
                let csv = try field.run("dispute", "list", "--csv")
                #expect(csv.stdout.hasPrefix("\u{FEFF}编号,村/社区代码,村/社区,类别"))
                let table = try field.ok("dispute", "list")
                let lines = table.split(separator: "\n").dropLast()
                // Every row's status column starts at the same terminal column as its heading.
                let columns = lines.map { line in
                    line.range(of: "已排查").map { line[..<$0.lowerBound] }
                        ?? line.range(of: "状态").map { line[..<$0.lowerBound] }
                }.compactMap { $0 }.map { $0.unicodeScalars.reduce(0) { $0 + (($1.value >= 0x2E80) ? 2 : 1) } }
                #expect(columns.count == 4 && Set(columns).count == 1, "\(table)")
                let english = try field.run("dispute", "list", "--lang", "en")
                #expect(english.stdout.contains("Category") && english.stdout.contains("screened"))
                // The same parties again: a warning naming the case, nothing recorded, unless --force.
                let again = try field.run(
                    "dispute", "add", "--category", "land", "--parties", " 张 三 ", "--summary", "界桩又被移")
                #expect(again.status == 65 && again.stderr.contains("本机已有当事人相同的案件") && again.stderr.contains("--force"))
                #expect(again.stderr.contains("field dispute visit"))
                #expect((try field.json("dispute", "list", "--json") as? [Any])?.count == 3)
                _ = try field.ok(
                    "dispute", "add", "--category", "land", "--parties", "张三", "--summary", "另一纠纷", "--force")
                #expect((try field.json("dispute", "list", "--json") as? [Any])?.count == 4)
                var lang = field
                lang.environment["LANG"] = "en_US.UTF-8"
                #expect(try lang.run("status").stdout.contains("Changes waiting to sync"))
            }
        }

        /// Plain "CSV" from a spreadsheet on a Chinese Windows is GBK: read, and said so.
        @Test func aLedgerSavedAsGBKImports() throws {
            try withReplica { field in
                let ledger = field.home.appendingPathComponent("gbk.csv")
                // 类别,当事人,简要情况 / 邻里纠纷,张三,噪音 in GBK.
                let bytes: [UInt8] = [
                    192, 224, 177, 240, 44, 181, 177, 202, 194, 200, 203, 44, 188, 242, 210, 170, 199, 233, 191, 246,
                    10,
                    193, 218, 192, 239, 190, 192, 183, 215, 44, 213, 197, 200, 253, 44, 212, 235, 210, 244, 10,
                ]
                try Data(bytes).write(to: ledger)
                #expect(try field.ok("import", ledger.path) == "已导入 1件纠纷（按 GBK 编码读取）")
                let rows = try #require(try field.json("dispute", "list", "--json") as? [[String: Any]])
                #expect(rows.first?["summary"] as? String == "噪音" && rows.first?["category"] as? String == "neighbor")
                #expect(rows.first?["parties"] as? [String] == ["张三"])
                let binary = field.home.appendingPathComponent("binary.csv")
                try Data([0x41, 0xFF, 0xFF, 0x0A]).write(to: binary)
                let refused = try field.run("import", binary.path)
                #expect(refused.status == 65 && refused.stderr.contains("既不是 UTF-8 也不是 GBK 文本"), "\(refused.stderr)")
                // The workbook itself, not saved as CSV: said so.
                let workbook = field.home.appendingPathComponent("ledger.xlsx")
                try Data([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]).write(to: workbook)
                let xlsx = try field.run("import", workbook.path)
                #expect(xlsx.status == 65 && xlsx.stderr.contains("是电子表格工作簿，不是 CSV"), "\(xlsx.stderr)")
            }
        }

        /// The same people with a name spelled otherwise are known by an ID number written with it: the
        /// worker is warned before a second record of one dispute. A shared phone, or the same person
        /// with someone else, is another dispute.
        @Test func theSamePersonByIDNumberIsWarnedOfThoughTheNameIsSpelledOtherwise() throws {
            try withReplica { field in
                let first = try field.ok(
                    "dispute", "add", "--category", "land", "--summary", "界桩被移",
                    "--parties", "王建国 11010519491231002X 13800138000，李秀英")
                let misspelled = try field.run(
                    "dispute", "add", "--category", "land", "--summary", "界桩被移动",
                    "--parties", "王健国 11010519491231002x，李秀英")
                #expect(misspelled.status == 65 && misspelled.stderr.contains("本机已有当事人相同的案件"), "\(misspelled.stderr)")
                #expect(misspelled.stderr.contains(first), "the warning names the case")
                #expect((try field.json("dispute", "list", "--json") as? [Any])?.count == 1, "nothing recorded")
                // The same person in another dispute, with other people; a shared phone alone.
                _ = try field.ok(
                    "dispute", "add", "--category", "debt", "--summary", "借款", "--parties",
                    "王建国 11010519491231002X，赵六")
                _ = try field.ok(
                    "dispute", "add", "--category", "neighbor", "--summary", "噪音", "--parties",
                    "王小明 13800138000，李秀英")
                #expect((try field.json("dispute", "list", "--json") as? [Any])?.count == 3)
            }
        }

        @Test func aPartysNumbersAreRecordedShownKeptAndExported() throws {
            try withReplica { field in
                let id = try field.ok(
                    "dispute", "add", "--category", "land", "--summary", "界桩被移",
                    "--parties", "王建国 11010519491231002x 138-0013-8000，李秀英 １３９００１３９０００")
                let sheet = try field.ok("dispute", "show", id)
                #expect(sheet.contains("王建国（身份证号 11010519491231002X，电话 13800138000）、李秀英（电话 13900139000）"))
                #expect(
                    try field.inEnglish.ok("dispute", "show", id).contains(
                        "王建国 (ID 11010519491231002X, phone 13800138000)"))
                // Lists name the parties only; a party's number finds the case.
                #expect(!(try field.ok("dispute", "list")).contains("13800138000"))
                #expect((try field.json("dispute", "list", "--search", "13900139000", "--json") as? [Any])?.count == 1)
                #expect(
                    (try field.json("dispute", "list", "--search", "11010519491231002x", "--json") as? [Any])?.count
                        == 1)
                // Correcting the list of names keeps the numbers recorded with them.
                _ = try field.ok("dispute", "edit", id, "--parties", "王建国,李秀英,赵六")
                let parties = try #require(
                    (try field.json("dispute", "show", id, "--json") as? [String: Any])?["parties"] as? [[String: Any]])
                #expect(parties.map { $0["name"] as? String } == ["王建国", "李秀英", "赵六"])
                #expect(parties.map { $0["idNumber"] as? String } == ["11010519491231002X", nil, nil])
                #expect(parties.map { $0["phone"] as? String } == ["13800138000", "13900139000", nil])
                // The ledger carries them as written, and another replica imports them back.
                let out = field.home.appendingPathComponent("out.csv")
                _ = try field.ok("export", "--out", out.path)
                let exported = String(decoding: try Data(contentsOf: out), as: UTF8.self)
                #expect(exported.contains("王建国 11010519491231002X 13800138000、李秀英 13900139000、赵六"))
                try withReplica { other in
                    _ = try other.ok("import", out.path)
                    let imported = try #require(
                        (try other.json("dispute", "list", "--json") as? [[String: Any]])?.first)
                    let importedID = try #require(imported["id"] as? String)
                    let shown = try #require(try other.json("dispute", "show", importedID, "--json") as? [String: Any])
                    let parties = try #require(shown["parties"] as? [[String: Any]])
                    #expect(parties.map { $0["idNumber"] as? String } == ["11010519491231002X", nil, nil])
                    #expect(parties.map { $0["phone"] as? String } == ["13800138000", "13900139000", nil])
                }
                // A number of neither kind: refused, naming the party and the number; nothing changed.
                let before = try field.snapshot()
                let refused = try field.run(
                    "dispute", "add", "--category", "land", "--summary", "另一纠纷", "--parties", "张三,李四 13800138000123456")
                #expect(refused.status == 65)
                #expect(refused.stderr.contains("--parties：第 2 位当事人：“13800138000123456”既不是身份证号"), "\(refused.stderr)")
                #expect(try field.snapshot() == before)
            }
        }

        @Test func importAndExportRoundTripThroughFiles() throws {
            try withReplica { field in
                let ledger = field.home.appendingPathComponent("ledger.csv")
                try Data(
                    "\u{FEFF}类别,当事人,简要情况,发生日期,状态,调解方式,调解协议\n婚姻家庭,王建国、李秀英,彩礼返还,2022-03-15,调解成功,分段式,退还彩礼\n邻里纠纷,张三,噪音,2022-03-20,,,\n"
                        .utf8
                ).write(to: ledger)
                #expect(try field.ok("import", ledger.path).contains("已导入 2"))
                let out = field.home.appendingPathComponent("out.csv")
                _ = try field.ok("export", "--out", out.path)
                let bytes = try Data(contentsOf: out)
                let exported = String(decoding: bytes, as: UTF8.self)
                #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
                #expect(exported.contains("彩礼返还") && exported.contains("调解成功"))
                // The parties' names (and numbers) are readable by the worker alone, whatever the umask; and
                // so when the export replaces a file that was there.
                for _ in 0..<2 {
                    let mode = try FileManager.default.attributesOfItem(atPath: out.path)[.posixPermissions] as? Int
                    #expect(mode == 0o600)
                    _ = try field.ok("export", "--out", out.path)
                }
                let json = try #require(try field.json("export", "--format", "json") as? [String: [Any]])
                #expect(json["disputes"]?.count == 2 && json["risks"]?.count == 0)
            }
        }
    }
}

extension FieldPrograms {
    @Suite struct FieldRiskLifecycleTests {
        @Test func riskItemsTakeNotesAndAreVoidedAndRestored() throws {
            try withReplica { field in
                let id = try field.ok(
                    "risk", "add", "--area", "信访维稳", "--title", "重点人员越级上访", "--plan", "五定五包", "--owner", "钱书记",
                    "--deadline", "2022-12-31")
                _ = try field.ok("risk", "note", id, "本周已见面")
                _ = try field.ok("risk", "void", id, "--reason", "录入重复")
                #expect((try field.json("risk", "list", "--json") as? [Any])?.isEmpty == true)
                #expect((try field.json("risk", "list", "--include-voided", "--json") as? [Any])?.count == 1)
                let refused = try field.run("risk", "strike", id, "--evidence", "已化解")
                #expect(refused.status == 65 && refused.stderr.contains("已作废"))
                _ = try field.ok("risk", "unvoid", id, "--reason", "并非重复")
                let shown = try #require(try field.json("risk", "show", id, "--json") as? [String: Any])
                #expect(shown["voided"] as? Bool == false)
                #expect((shown["notes"] as? [[String: Any]])?.first?["text"] as? String == "本周已见面")
                let text = try field.ok("risk", "show", id)
                #expect(text.contains("作废") && text.contains("恢复") && text.contains("备注"))
            }
        }
    }
}
