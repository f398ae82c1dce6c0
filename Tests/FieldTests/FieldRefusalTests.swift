import Foundation
import ProgramTesting
import Testing

extension FieldPrograms {
    /// Every refusal names the problem, exits with its code, and changes nothing.
    @Suite struct FieldRefusalTests {
        /// Arguments (with `ID` standing for a screened case's id, which arose on 2022-03-15, `VOIDED` for
        /// a voided case's, `RISK` for a listed risk item's), exit code, words the message must carry in
        /// English (`LANG=en_US.UTF-8`) and in Chinese (the default).
        static let refusals: [([String], Int32, String, String)] = [
            (
                ["dispute", "add", "--category", "口角", "--parties", "张三", "--summary", "x"], 65,
                "unknown category '口角'; expected one of: marriage-family 婚姻家庭",
                "--category：没有“口角”这种类别；可选：marriage-family 婚姻家庭"
            ),
            (
                ["dispute", "mediate", "ID", "--method", "shouting"], 65,
                "unknown mediation method 'shouting'; expected one of: chat 拉家常式",
                "--method：没有“shouting”这种调解方式；可选：chat 拉家常式"
            ),
            (
                // Day first is no Chinese way of writing a day (2022/3/15 and 2022年3月15日 are taken).
                ["dispute", "add", "--category", "land", "--parties", "张三", "--summary", "x", "--date", "15/03/2022"],
                65,
                "expected YYYY-MM-DD", "“15/03/2022”不是日期：应为 年-月-日（YYYY-MM-DD）"
            ),
            (
                ["dispute", "add", "--category", "land", "--parties", "张三", "--summary", "x", "--date", "2023-02-29"],
                65,
                "that month has 28 days", "那个月只有 28 天"
            ),
            (
                [
                    "dispute", "add", "--category", "land", "--parties", "张三", "--summary", "x", "--village",
                    "62050210120",
                ],
                65, "it has 11 digits", "不是区划代码：有 11 位"
            ),
            (
                [
                    "dispute", "add", "--category", "land", "--parties", "张三", "--summary", "x", "--village",
                    "620502102203",
                ],
                65, "outside this replica's scope", "不在本机副本的范围 620502101201 内"
            ),
            (
                ["dispute", "add", "--category", "land", "--parties", " ，、", "--summary", "x"], 65,
                "name at least one party", "至少写一位当事人"
            ),
            (
                ["dispute", "add", "--category", "land", "--parties", "张三", "--summary", "  "], 65,
                "summary must not be empty", "简要情况不能为空"
            ),
            (
                ["dispute", "resolve", "ID", "--agreement", "和解"], 65,
                "cannot resolve a dispute case that is 已排查 (screened); from there it can: mediate, escalate",
                "这条纠纷现在是已排查 (screened)，不能登记调解成功；现在可以：开始调解（mediate）、移交（escalate）"
            ),
            (
                ["dispute", "edit", "VOIDED", "--summary", "新"], 65, "is voided; restore it with unvoid",
                "已作废；先用 unvoid 恢复，再修改"
            ),
            (["dispute", "visit", "ID", "--note", "回访", "--kept", "maybe"], 65, "expected yes or no", "既不是“是”也不是“否”"),
            (
                ["dispute", "add", "--category", "land", "--parties", "王五", "--summary", "x", "--date", "2099-01-01"],
                65,
                "--date: 2099-01-01 has not come yet (today is ", "--date：2099-01-01 还没有到（本机今天是 "
            ),
            (
                ["dispute", "edit", "ID", "--date", "2099-01-01"], 65, "--date: 2099-01-01 has not come yet",
                "--date：2099-01-01 还没有到"
            ),
            (
                ["dispute", "resolve", "ID", "--agreement", "和解", "--date", "2099-01-01"], 65, "has not come yet",
                "还没有到"
            ),
            (
                ["dispute", "visit", "ID", "--note", "回访", "--kept", "yes", "--date", "2099-01-01"], 65,
                "has not come yet",
                "还没有到"
            ),
            (["risk", "strike", "RISK", "--evidence", "已整改", "--date", "2099-01-01"], 65, "has not come yet", "还没有到"),
            (
                ["dispute", "visit", "ID", "--note", "回访", "--kept", "yes", "--date", "2022-03-14"], 65,
                "the visit is dated 2022-03-14, before the day the dispute arose (2022-03-15)",
                "回访的日期 2022-03-14 早于纠纷发生的日期（2022-03-15）"
            ),
            (
                ["dispute", "escalate", "ID", "--to", "moon", "--note", "x"], 65, "unknown escalation target 'moon'",
                "没有“moon”这种移交去向"
            ),
            (["dispute", "add", "--parties", "张三", "--summary", "x"], 64, "missing --category", "缺少 --category"),
            (["dispute", "edit", "ID"], 64, "nothing to edit", "没有要改的"),
            (["dispute", "list", "--json", "--csv"], 64, "exclude each other", "--json 和 --csv 只能用一个"),
            (
                ["dispute", "show", "zzzzzzzz"], 66, "no dispute case has an id starting with 'zzzzzzzz'",
                "没有 id 以“zzzzzzzz”开头的纠纷"
            ),
            (["dispute", "show", "u!"], 64, "is not a dispute case id", "“u!”不是纠纷的 id"),
            (
                [
                    "risk", "add", "--area", "a", "--title", "t", "--plan", "p", "--owner", "o", "--deadline",
                    "2022-13-01",
                ],
                65, "the month must be 01 to 12", "月份应为 01 到 12"
            ),
            (["risk", "strike", "ID", "--evidence", "x"], 66, "no risk item has an id starting with", "开头的风险隐患"),
            (
                ["import", "/nonexistent/ledger.csv"], 65, "cannot read /nonexistent/ledger.csv",
                "无法读取 /nonexistent/ledger.csv"
            ),
            (
                ["dispute", "edit", "ID", "--summary", String(repeating: "长", count: 10_001)], 65,
                "field 'summary': has 10001 characters; at most 10000", "简要情况：有 10001 个字，最多 10000 个"
            ),
            (
                ["dispute", "list", "--lang", "fr"], 65, "unknown language 'fr'; expected zh or en",
                "没有“fr”这种语言；应为 zh 或 en"
            ),
            // What swift-argument-parser refuses before a command runs (it speaks English only).
            (
                ["dispute", "add", "--summry", "x"], 64, "Unknown option '--summry'. Did you mean '--summary'?",
                "没有 '--summry' 这个选项；是不是要用 '--summary'？"
            ),
            (["dispute", "show"], 64, "Missing expected argument '<id>'", "缺少参数 '<id>'"),
            (["dispute", "show", "ID", "extra"], 64, "Unexpected argument 'extra'", "多余的参数 'extra'"),
            (
                ["dispute", "list", "--status"], 64, "Missing value for '--status <status>'",
                "'--status <status>' 后面缺少值"
            ),
        ]

        @Test(arguments: refusals.indices)
        func aRefusalNamesTheProblemAndChangesNothing(index: Int) throws {
            let (arguments, code, english, chinese) = Self.refusals[index]
            try withReplica { field in
                let screened = try field.ok(
                    "dispute", "add", "--category", "land", "--parties", "张三", "--summary", "界桩", "--date", "2022-03-15"
                )
                let voided = try field.ok("dispute", "add", "--category", "debt", "--parties", "李四", "--summary", "借款")
                _ = try field.ok("dispute", "void", voided, "--reason", "重复录入")
                let risk = try field.ok(
                    "risk", "add", "--area", "水利", "--title", "塘坝渗漏", "--plan", "加固", "--owner", "赵六", "--deadline",
                    "2022-06-30")
                let before = try field.snapshot()
                let placeholders = ["ID": screened, "VOIDED": voided, "RISK": risk]
                let resolved = arguments.map { placeholders[$0] ?? $0 }
                for (worker, words) in [(field, chinese), (field.inEnglish, english)] {
                    let result = try worker.run(resolved)
                    #expect(result.status == code, "\(arguments): \(result.stderr)")
                    #expect(result.stderr.contains(words), "\(arguments): \(result.stderr)")
                    if worker.environment["LANG"] == "zh_CN.UTF-8" {
                        // Even the argument parser's refusals: no English line.
                        #expect(result.stderr.hasPrefix("field: "), "\(result.stderr)")
                        #expect(
                            !result.stderr.contains("Error") && !result.stderr.contains("Usage"), "\(result.stderr)")
                    } else {
                        #expect(result.stderr.hasPrefix("field: ") || result.stderr.hasPrefix("Error: "))
                    }
                    #expect(try field.snapshot() == before, "\(arguments)")
                }
            }
        }

        @Test func anAmbiguousPrefixListsTheCandidates() throws {
            try withReplica { field in
                var ids: [String] = []
                for index in 0..<40 {
                    ids.append(
                        try field.ok(
                            "dispute", "add", "--category", "land", "--parties", "张\(index)", "--summary", "第\(index)件")
                    )
                }
                let digit = Dictionary(grouping: ids) { $0.prefix(1) }.first { $0.value.count > 1 }!.key
                let result = try field.run("dispute", "show", String(digit))
                #expect(result.status == 64)
                #expect(result.stderr.contains("有好几条纠纷的 id 以“\(digit)”开头，请多输几位："))
                let english = try field.inEnglish.run("dispute", "show", String(digit))
                #expect(english.stderr.contains("starts the ids of several dispute cases; type more of it"))
            }
        }

        @Test func aMissingHomeSaysHowToCreateOne() throws {
            let field = FieldProcess(
                home: FileManager.default.temporaryDirectory.appendingPathComponent("absent-\(UUID())"))
            let result = try field.run("dispute", "list")
            #expect(result.status == 66)
            #expect(result.stderr.contains("请先运行 field init --village 村代码 --worker 姓名"))
            #expect(
                try field.inEnglish.run("dispute", "list").stderr.contains(
                    "run `field init --village CODE --worker NAME` first"))
            #expect(!FileManager.default.fileExists(atPath: field.home.path))
        }

        @Test func aDamagedHomeSaysHowToRecover() throws {
            try withReplica { field in
                try Data(repeating: 0x42, count: 8192).write(to: field.home.appendingPathComponent("field.sqlite"))
                for suffix in ["-wal", "-shm"] {
                    try? FileManager.default.removeItem(at: field.home.appendingPathComponent("field.sqlite" + suffix))
                }
                let result = try field.run("dispute", "list")
                #expect(result.status == 74)
                #expect(result.stderr.contains("已损坏") && result.stderr.contains("请从备份恢复"), "\(result.stderr)")
                let english = try field.inEnglish.run("dispute", "list")
                #expect(english.stderr.contains("is damaged") && english.stderr.contains("restore it from a backup"))
            }
        }

        @Test func initRefusesToOverwriteAReplica() throws {
            try withReplica { field in
                let before = try field.snapshot()
                let result = try field.run("init", "--village", "620502101202", "--worker", "李网格")
                #expect(result.status == 73 && result.stderr.contains("里已经有本机副本"), "\(result.stderr)")
                #expect(try field.snapshot() == before)
            }
        }

        @Test func initRefusesATownCode() throws {
            let field = FieldProcess(
                home: FileManager.default.temporaryDirectory.appendingPathComponent("town-\(UUID())"))
            defer { try? FileManager.default.removeItem(at: field.home) }
            let result = try field.run("init", "--village", "620502101", "--worker", "张网格")
            #expect(result.status == 65 && result.stderr.contains("--village 应为村社区代码（12 位）"), "\(result.stderr)")
            let english = try field.inEnglish.run("init", "--village", "620502101", "--worker", "张网格")
            #expect(english.status == 65 && english.stderr.contains("must be a village code (12 digits)"))
        }

        @Test func aBadLedgerImportsNothingAndListsEveryBadLine() throws {
            try withReplica { field in
                let ledger = field.home.appendingPathComponent("bad.csv")
                try Data("类别,当事人,简要情况,发生日期\n土地纠纷,张三,界桩,2022-03-01\n口角,李四,吵架,2022-03-02\n邻里纠纷,,噪音,2022-03-03\n".utf8)
                    .write(to: ledger)
                let before = try field.snapshot()
                let result = try field.run("import", ledger.path)
                #expect(result.status == 65)
                #expect(result.stderr.contains("3 行里有 2 行无法导入，所以什么都没有导入"), "\(result.stderr)")
                #expect(result.stderr.contains("第 3 行：类别 (category)：没有“口角”这种类别"), "\(result.stderr)")
                #expect(result.stderr.contains("第 4 行：“当事人”一列是空的"), "\(result.stderr)")
                let english = try field.inEnglish.run("import", ledger.path)
                #expect(english.stderr.contains("line 3: 类别 (category): unknown category '口角'"))
                #expect(english.stderr.contains("line 4: 当事人 (parties) is empty"))
                #expect(try field.snapshot() == before)
                let skipping = try field.run("import", ledger.path, "--skip-invalid")
                #expect(skipping.status == 0 && skipping.stdout.contains("已导入 1") && skipping.stderr.contains("第 3 行"))
            }
        }
    }
}
