import Foundation
import Shared
import Testing

/// The `center` administration commands, run as a district administrator would.
@Suite struct CenterCommandTests {
    func center(_ arguments: [String], database: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        try center(arguments, location: database.path)
    }

    /// Runs `center` with `--db location`: an SQLite file or a PostgreSQL URL.
    func center(_ arguments: [String], location: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = CenterProcess.executable
        process.arguments = arguments + ["--db", location]
        process.environment = ["LANG": "zh_CN.UTF-8", "PATH": "/usr/bin:/bin"]
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test func areasWorkersAndEnrollmentFromTheCommandLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("center-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("center.sqlite")
        let missing = try center(["case", "list"], database: database)
        #expect(missing.status == 66 && missing.stderr.contains("no center database"))
        #expect(!FileManager.default.fileExists(atPath: database.path))
        let areas = folder.appendingPathComponent("areas.csv")
        try Data("code,name,parent\n620502,秦州区,\n620502101,大城街道,620502\n620502101201,东关社区,620502101\n".utf8)
            .write(to: areas)
        #expect(try center(["area", "import", areas.path], database: database).stdout.contains("imported 3 areas"))
        let listed = try center(["area", "list", "--json"], database: database)
        let json = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: String]]
        #expect(json?.map { $0["name"] ?? "" } == ["秦州区", "大城街道", "东关社区"])

        let added = try center(
            [
                "worker", "add", "--name", "张网格", "--scope", "620502101201", "--role", "grid", "--url",
                "http://10.1.2.3:8080",
            ],
            database: database)
        #expect(added.status == 0, "\(added.stderr)")
        let enrollment = try Enrollment(parsing: added.stdout)
        #expect(enrollment.url == "http://10.1.2.3:8080" && enrollment.role == .grid && enrollment.worker == "张网格")

        let refused = try center(
            ["worker", "add", "--name", "李", "--scope", "620502101", "--role", "grid"], database: database)
        #expect(refused.status == 65 && refused.stderr.contains("a grid device needs a village code"))
        let unknown = try center(
            ["worker", "add", "--name", "李", "--scope", "620502102203", "--role", "grid"], database: database)
        #expect(unknown.status == 65 && unknown.stderr.contains("is not one of the district's areas"))
        let badArea = folder.appendingPathComponent("bad.csv")
        try Data("620503101,别区的镇,620503\n".utf8).write(to: badArea)
        let outside = try center(["area", "import", badArea.path], database: database)
        #expect(outside.status == 65 && outside.stderr.contains("is not in district 620502"))

        let revoked = try center(["worker", "revoke", enrollment.credential.device], database: database)
        #expect(revoked.status == 0)
        let workers = try center(["worker", "list", "--json"], database: database)
        let devices = try JSONSerialization.jsonObject(with: Data(workers.stdout.utf8)) as? [[String: Any]]
        #expect(devices?.count == 1 && devices?.first?["revokedAt"] is String)
        #expect(try center(["worker", "revoke", "nosuchid"], database: database).status == 66)
        let cases = try center(["case", "list", "--json"], database: database)
        #expect(cases.status == 0 && cases.stdout.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("["))
    }
}
