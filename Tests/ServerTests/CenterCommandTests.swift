import Console
import Foundation
import ProgramTesting
import Shared
import Testing

/// The `center` administration commands, run as a district administrator would.
@Suite struct CenterCommandTests {
    func center(_ arguments: [String], database: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        try center(arguments, location: database.path)
    }

    /// Runs `center` with `--db location`: an SQLite file or a PostgreSQL URL.
    func center(_ arguments: [String], location: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try run(arguments + ["--db", location])
    }

    func migrate(from: String, to: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try run(["migrate", "--from", from, "--to", to])
    }

    /// A new temporary folder (the caller removes it) holding `areas.csv`: the district, a town, a village.
    func folderWithAreas() throws -> (folder: URL, areas: URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("center-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let areas = folder.appendingPathComponent("areas.csv")
        try Data("code,name,parent\n620502,秦州区,\n620502101,大城街道,620502\n620502101201,东关社区,620502101\n".utf8)
            .write(to: areas)
        return (folder, areas)
    }

    /// Runs `center` with `arguments`, in Chinese.
    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let result = try BuiltProgram.run(
            CenterProcess.executable, arguments, environment: ["LANG": "zh_CN.UTF-8", "PATH": "/usr/bin:/bin"])
        return (result.status, result.stdout, result.stderr)
    }

    @Test(arguments: StoreKind.available)
    func areasWorkersAndEnrollmentFromTheCommandLine(kind: StoreKind) async throws {
        let (folder, areas) = try folderWithAreas()
        defer { try? FileManager.default.removeItem(at: folder) }
        let postgres = kind == .postgres ? try await TestDatabase.create() : nil
        let file = folder.appendingPathComponent("center.sqlite")
        let database = postgres?.url ?? file.path
        if postgres == nil {
            let missing = try center(["case", "list"], location: database)
            #expect(missing.status == 66 && missing.stderr.contains("没有区中心数据库"), "\(missing.stderr)")
            let english = try center(["case", "list", "--lang", "en"], location: database)
            #expect(english.status == 66 && english.stderr.contains("no center database"))
            #expect(!FileManager.default.fileExists(atPath: file.path))
        }
        #expect(try center(["area", "import", areas.path], location: database).stdout.contains("已导入 3 个区划"))
        let listed = try center(["area", "list", "--json"], location: database)
        let json = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: String]]
        #expect(json?.map { $0["name"] ?? "" } == ["秦州区", "大城街道", "东关社区"])

        let added = try center(
            [
                "worker", "add", "--name", "张网格", "--scope", "620502101201", "--role", "grid", "--url",
                "http://10.1.2.3:8080",
            ],
            location: database)
        #expect(added.status == 0, "\(added.stderr)")
        let enrollment = try Enrollment(parsing: added.stdout)
        #expect(enrollment.url == "http://10.1.2.3:8080" && enrollment.role == .grid && enrollment.worker == "张网格")
        let table = try center(["worker", "list"], location: database)
        #expect(table.stdout.contains("张网格  网格员  东关社区 620502101201"), "\(table.stdout)")
        // An unknown language is refused before anything is enrolled.
        let french = try center(
            ["worker", "add", "--name", "李", "--scope", "620502101201", "--role", "grid", "--lang", "fr"],
            location: database)
        #expect(french.status == 65 && french.stderr.contains("没有“fr”这种语言"), "\(french.stderr)")
        #expect(
            try center(["worker", "list", "--json"], location: database).stdout.components(separatedBy: "\"id\"").count
                == 2)

        let refused = try center(
            ["worker", "add", "--name", "李", "--scope", "620502101", "--role", "grid"], location: database)
        #expect(refused.status == 65 && refused.stderr.contains("是乡镇街道代码，网格员设备要用村社区代码"), "\(refused.stderr)")
        let english = try center(
            ["worker", "add", "--name", "李", "--scope", "620502101", "--role", "grid", "--lang", "en"],
            location: database)
        #expect(english.status == 65 && english.stderr.contains("a grid device needs a village code"))
        let unknown = try center(
            ["worker", "add", "--name", "李", "--scope", "620502102203", "--role", "grid"], location: database)
        #expect(unknown.status == 65 && unknown.stderr.contains("不是本区县的区划"), "\(unknown.stderr)")
        let badArea = folder.appendingPathComponent("bad.csv")
        try Data("620503101,别区的镇,620503\n".utf8).write(to: badArea)
        let outside = try center(["area", "import", badArea.path], location: database)
        #expect(outside.status == 65 && outside.stderr.contains("不在区县 620502 内"), "\(outside.stderr)")
        // A spreadsheet's plain CSV on a Chinese Windows: GBK, read and said so.
        let gbk = folder.appendingPathComponent("gbk.csv")
        // 620502101202,西关社区,620502101 in GBK.
        try Data(
            Array("620502101202,".utf8) + [206, 247, 185, 216, 201, 231, 199, 248] + Array(",620502101\n".utf8)
        ).write(to: gbk)
        let read = try center(["area", "import", gbk.path], location: database)
        #expect(read.stdout.contains("已导入 1 个区划（按 GBK 编码读取）"), "\(read.stdout)\(read.stderr)")
        #expect(try center(["area", "list"], location: database).stdout.contains("西关社区"))
        // A reorganisation in the list's fourth column: a bad merge refuses the whole file; a good one is
        // listed, and re-importing the list without the column keeps it.
        let reorganised = folder.appendingPathComponent("reorganised.csv")
        try Data("代码,名称,上级代码,并入\n620502101203,东关新村,620502101,\n620502101202,西关社区,620502101,620502101\n".utf8)
            .write(to: reorganised)
        let mismatched = try center(["area", "import", reorganised.path], location: database)
        #expect(mismatched.status == 65 && mismatched.stderr.contains("区划只能并入同级的区划"), "\(mismatched.stderr)")
        #expect(!(try center(["area", "list"], location: database).stdout.contains("东关新村")))
        try Data("代码,名称,上级代码,并入\n620502101203,东关新村,620502101,\n620502101202,西关社区,620502101,620502101203\n".utf8)
            .write(to: reorganised)
        #expect(try center(["area", "import", reorganised.path], location: database).status == 0)
        #expect(try center(["area", "import", gbk.path], location: database).status == 0)
        let merged = try center(["area", "list", "--json"], location: database)
        let rows = try JSONSerialization.jsonObject(with: Data(merged.stdout.utf8)) as? [[String: String]]
        #expect(rows?.first { $0["code"] == "620502101202" }?["mergedInto"] == "620502101203", "\(merged.stdout)")

        let revoked = try center(["worker", "revoke", enrollment.credential.device], location: database)
        #expect(revoked.status == 0)
        let workers = try center(["worker", "list", "--json"], location: database)
        let devices = try JSONSerialization.jsonObject(with: Data(workers.stdout.utf8)) as? [[String: Any]]
        #expect(devices?.count == 1 && devices?.first?["revokedAt"] is String)
        #expect(try center(["worker", "revoke", "nosuchid"], location: database).status == 66)
        let cases = try center(["case", "list", "--json"], location: database)
        #expect(cases.status == 0 && cases.stdout.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("["))
        await postgres?.drop()
    }

    /// What swift-argument-parser refuses before a command runs is said in Chinese too (in English with
    /// `--lang en`), with the usage, exit code 64, and no database touched.
    @Test func aMistypedCommandLineIsRefusedInTheAdministratorsLanguage() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("center-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("center.sqlite")
        let port = try center(["serve", "--port", "abc"], database: database)
        #expect(port.status == 64, "\(port.stderr)")
        #expect(port.stderr.hasPrefix("center: '--port <port>' 的值 'abc' 无效"), "\(port.stderr)")
        #expect(port.stderr.contains("用法：center serve ") && port.stderr.contains("完整说明：center serve --help"))
        let missing = try center(["worker", "add", "--scope", "620502101201", "--role", "grid"], database: database)
        #expect(missing.status == 64 && missing.stderr.hasPrefix("center: 缺少参数 '--name <name>'"), "\(missing.stderr)")
        let english = try center(
            [
                "worker", "add", "--name", "李", "--scope", "620502101201", "--role", "grid", "--nme", "x", "--lang",
                "en",
            ],
            database: database)
        #expect(english.status == 64)
        #expect(english.stderr.hasPrefix("Error: Unknown option '--nme'. Did you mean '--name'?"), "\(english.stderr)")
        #expect(!FileManager.default.fileExists(atPath: database.path))
    }

    /// Devices are listed as an administrator looks for one: by area in the district's code order (the
    /// town's office before its villages), then by the worker's name in pinyin; in the table and in JSON.
    @Test func devicesAreListedByAreaThenByNameInPinyin() throws {
        let (folder, areas) = try folderWithAreas()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("center.sqlite")
        #expect(try center(["area", "import", areas.path], database: database).status == 0)
        for (name, scope, role) in [
            ("张网格", "620502101201", "grid"), ("大城街道综治中心", "620502101", "town"), ("白网格", "620502101201", "grid"),
        ] {
            let added = try center(
                ["worker", "add", "--name", name, "--scope", scope, "--role", role], database: database)
            #expect(added.status == 0, "\(added.stderr)")
        }
        let table = try center(["worker", "list"], database: database).stdout
        let rows = ["大城街道综治中心", "白网格", "张网格"].map { table.range(of: $0)?.lowerBound }
        #expect(rows.allSatisfy { $0 != nil } && rows == rows.sorted { $0! < $1! }, "\(table)")
        let json = try center(["worker", "list", "--json"], database: database).stdout
        let names = (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])?.compactMap {
            $0["name"] as? String
        }
        #expect(names == ["大城街道综治中心", "白网格", "张网格"])
    }

    /// The help pages are in the administrator's language, lined up on an 80-column terminal.
    @Test(arguments: [["--help"], ["worker", "add", "--help"], ["backup", "--help"], ["duplicates", "--help"]])
    func aHelpPageIsInChineseAndFitsTheTerminal(arguments: [String]) throws {
        let page = try run(arguments)
        #expect(page.status == 0 && page.stdout.hasPrefix("简介："), "\(page.stdout)")
        #expect(!page.stdout.contains("OVERVIEW") && !page.stdout.contains("USAGE"))
        #expect(page.stdout.split(separator: "\n").allSatisfy { DisplayWidth.of($0) <= 80 }, "\(page.stdout)")
        let english = try run(arguments + ["--lang", "en"])
        #expect(english.status == 0 && english.stdout.hasPrefix("OVERVIEW: "), "\(english.stdout)")
    }

    /// `center migrate` in both directions, as an administrator runs it, and what it refuses.
    @Test(.enabled(if: testPostgres != nil, "needs FIELDSYNC_TEST_POSTGRES: run scripts/test"))
    func migrateMovesTheCenterBothWaysFromTheCommandLine() async throws {
        let (folder, areas) = try folderWithAreas()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("center.sqlite")
        #expect(try center(["area", "import", areas.path], location: file.path).status == 0)
        let added = try center(
            ["worker", "add", "--name", "张网格", "--scope", "620502101201", "--role", "grid"], location: file.path)
        let device = try Enrollment(parsing: added.stdout).credential.device
        let postgres = try await TestDatabase.create()
        let there = try migrate(from: file.path, to: postgres.url)
        #expect(there.status == 0, "\(there.stderr)")
        #expect(there.stdout.contains("已把 3 个区划、1 台设备、0 条变更"), "\(there.stdout)")
        let listed = try center(["worker", "list", "--json"], location: postgres.url)
        #expect(listed.stdout.contains(device) && listed.stdout.contains("张网格"))
        let again = try migrate(from: file.path, to: postgres.url)
        #expect(again.status == 65 && again.stderr.contains("里已经有区中心"), "\(again.stderr)")

        let back = folder.appendingPathComponent("back.sqlite")
        #expect(try migrate(from: postgres.url, to: back.path).status == 0)
        #expect(try center(["worker", "list", "--json"], location: back.path).stdout.contains(device))
        let twoFiles = try migrate(from: file.path, to: back.path)
        #expect(twoFiles.status == 64 && twoFiles.stderr.contains("--from 和 --to 要一个是 postgres:// 地址"))
        let badPool = try center(["area", "list", "--max-connections", "0"], location: postgres.url)
        #expect(badPool.status == 64 && badPool.stderr.contains("--max-connections 应在 1 到 1000 之间"))
        let pooled = try center(["area", "list", "--max-connections", "2"], location: postgres.url)
        #expect(pooled.status == 0 && pooled.stdout.contains("东关社区"))
        let badURL = try migrate(from: file.path, to: "postgres://nobody@/x")
        #expect(badURL.status == 65 && badURL.stderr.contains("names no host"))
        await postgres.drop()
    }

}
