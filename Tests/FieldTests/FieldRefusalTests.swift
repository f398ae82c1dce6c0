import Foundation
import ProgramTesting
import Testing

/// Every refusal names the problem, exits with its code, and changes nothing.
@Suite struct FieldRefusalTests {
    /// Arguments (with `ID` standing for a screened case's id, which arose on 2022-03-15, `VOIDED` for
    /// a voided case's, `RISK` for a listed risk item's), exit code, words the message must carry.
    static let refusals: [([String], Int32, String)] = [
        (
            ["dispute", "add", "--category", "口角", "--parties", "张三", "--summary", "x"], 65,
            "unknown category '口角'; expected one of: marriage-family 婚姻家庭"
        ),
        (
            ["dispute", "mediate", "ID", "--method", "shouting"], 65,
            "unknown mediation method 'shouting'; expected one of: chat 拉家常式"
        ),
        (
            ["dispute", "add", "--category", "land", "--parties", "张三", "--summary", "x", "--date", "2022/03/15"], 65,
            "expected YYYY-MM-DD"
        ),
        (
            ["dispute", "add", "--category", "land", "--parties", "张三", "--summary", "x", "--date", "2023-02-29"], 65,
            "that month has 28 days"
        ),
        (
            ["dispute", "add", "--category", "land", "--parties", "张三", "--summary", "x", "--village", "62050210120"],
            65, "it has 11 digits"
        ),
        (
            ["dispute", "add", "--category", "land", "--parties", "张三", "--summary", "x", "--village", "620502102203"],
            65, "outside this replica's scope"
        ),
        (
            ["dispute", "add", "--category", "land", "--parties", " ，、", "--summary", "x"], 65,
            "name at least one party"
        ),
        (
            ["dispute", "add", "--category", "land", "--parties", "张三", "--summary", "  "], 65,
            "summary must not be empty"
        ),
        (
            ["dispute", "resolve", "ID", "--agreement", "和解"], 65,
            "cannot resolve a dispute case that is 已排查 (screened); from there it can: mediate, escalate"
        ),
        (["dispute", "edit", "VOIDED", "--summary", "新"], 65, "is voided; restore it with unvoid"),
        (["dispute", "visit", "ID", "--note", "回访", "--kept", "maybe"], 65, "expected yes or no"),
        (
            ["dispute", "add", "--category", "land", "--parties", "王五", "--summary", "x", "--date", "2099-01-01"], 65,
            "--date: 2099-01-01 has not come yet (today is "
        ),
        (["dispute", "edit", "ID", "--date", "2099-01-01"], 65, "--date: 2099-01-01 has not come yet"),
        (["dispute", "resolve", "ID", "--agreement", "和解", "--date", "2099-01-01"], 65, "has not come yet"),
        (["dispute", "visit", "ID", "--note", "回访", "--kept", "yes", "--date", "2099-01-01"], 65, "has not come yet"),
        (["risk", "strike", "RISK", "--evidence", "已整改", "--date", "2099-01-01"], 65, "has not come yet"),
        (
            ["dispute", "visit", "ID", "--note", "回访", "--kept", "yes", "--date", "2022-03-14"], 65,
            "the visit is dated 2022-03-14, before the day the dispute arose (2022-03-15)"
        ),
        (["dispute", "escalate", "ID", "--to", "moon", "--note", "x"], 65, "unknown escalation target 'moon'"),
        (["dispute", "add", "--parties", "张三", "--summary", "x"], 64, "missing --category"),
        (["dispute", "edit", "ID"], 64, "nothing to edit"),
        (["dispute", "list", "--json", "--csv"], 64, "exclude each other"),
        (["dispute", "show", "zzzzzzzz"], 66, "no dispute case has an id starting with 'zzzzzzzz'"),
        (["dispute", "show", "u!"], 64, "is not a dispute case id"),
        (
            ["risk", "add", "--area", "a", "--title", "t", "--plan", "p", "--owner", "o", "--deadline", "2022-13-01"],
            65, "the month must be 01 to 12"
        ),
        (["risk", "strike", "ID", "--evidence", "x"], 66, "no risk item has an id starting with"),
        (["import", "/nonexistent/ledger.csv"], 65, "cannot read /nonexistent/ledger.csv"),
        (["dispute", "list", "--lang", "fr"], 65, "unknown language 'fr'; expected zh or en"),
    ]

    @Test(arguments: refusals.indices)
    func aRefusalNamesTheProblemAndChangesNothing(index: Int) throws {
        let (arguments, code, words) = Self.refusals[index]
        try withReplica { field in
            let screened = try field.ok(
                "dispute", "add", "--category", "land", "--parties", "张三", "--summary", "界桩", "--date", "2022-03-15")
            let voided = try field.ok("dispute", "add", "--category", "debt", "--parties", "李四", "--summary", "借款")
            _ = try field.ok("dispute", "void", voided, "--reason", "重复录入")
            let risk = try field.ok(
                "risk", "add", "--area", "水利", "--title", "塘坝渗漏", "--plan", "加固", "--owner", "赵六", "--deadline",
                "2022-06-30")
            let before = try field.snapshot()
            let placeholders = ["ID": screened, "VOIDED": voided, "RISK": risk]
            let resolved = arguments.map { placeholders[$0] ?? $0 }
            let result = try field.run(resolved)
            #expect(result.status == code, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(words), "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("field: ") || code == 64, "\(result.stderr)")
            #expect(try field.snapshot() == before, "\(arguments)")
        }
    }

    @Test func anAmbiguousPrefixListsTheCandidates() throws {
        try withReplica { field in
            var ids: [String] = []
            for index in 0..<40 {
                ids.append(
                    try field.ok(
                        "dispute", "add", "--category", "land", "--parties", "张\(index)", "--summary", "第\(index)件"))
            }
            let digit = Dictionary(grouping: ids) { $0.prefix(1) }.first { $0.value.count > 1 }!.key
            let result = try field.run("dispute", "show", String(digit))
            #expect(result.status == 64)
            #expect(result.stderr.contains("starts the ids of several dispute cases; type more of it"))
        }
    }

    @Test func aMissingHomeSaysHowToCreateOne() throws {
        let field = FieldProcess(
            home: FileManager.default.temporaryDirectory.appendingPathComponent("absent-\(UUID())"))
        let result = try field.run("dispute", "list")
        #expect(result.status == 66)
        #expect(result.stderr.contains("run `field init --village CODE --worker NAME` first"))
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
            #expect(result.stderr.contains("is damaged") && result.stderr.contains("restore it from a backup"))
        }
    }

    @Test func initRefusesToOverwriteAReplica() throws {
        try withReplica { field in
            let before = try field.snapshot()
            let result = try field.run("init", "--village", "620502101202", "--worker", "李网格")
            #expect(result.status == 73 && result.stderr.contains("already holds a replica"))
            #expect(try field.snapshot() == before)
        }
    }

    @Test func initRefusesATownCode() throws {
        let field = FieldProcess(home: FileManager.default.temporaryDirectory.appendingPathComponent("town-\(UUID())"))
        defer { try? FileManager.default.removeItem(at: field.home) }
        let result = try field.run("init", "--village", "620502101", "--worker", "张网格")
        #expect(result.status == 65 && result.stderr.contains("must be a village code (12 digits)"))
    }

    @Test func aBadLedgerImportsNothingAndListsEveryBadLine() throws {
        try withReplica { field in
            let ledger = field.home.appendingPathComponent("bad.csv")
            try Data("类别,当事人,简要情况,发生日期\n土地纠纷,张三,界桩,2022-03-01\n口角,李四,吵架,2022-03-02\n邻里纠纷,,噪音,2022-03-03\n".utf8)
                .write(to: ledger)
            let before = try field.snapshot()
            let result = try field.run("import", ledger.path)
            #expect(result.status == 65)
            #expect(result.stderr.contains("line 3: 类别 (category): unknown category '口角'"))
            #expect(result.stderr.contains("line 4: 当事人 (parties) is empty"))
            #expect(try field.snapshot() == before)
            let skipping = try field.run("import", ledger.path, "--skip-invalid")
            #expect(skipping.status == 0 && skipping.stdout.contains("已导入 1") && skipping.stderr.contains("line 3"))
        }
    }
}
