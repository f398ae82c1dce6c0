import Foundation
import ProgramTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension FieldPrograms {
    /// Processes killed, disks full, processes racing: the database holds all of an edit or none of it.
    @Suite struct FieldFaultTests {
        /// A dispute ledger of `rows` rows.
        static func ledger(rows: Int) -> String {
            var text = "类别,当事人,简要情况,发生日期\n"
            for index in 0..<rows {
                text += "邻里纠纷,张\(index)、李\(index),第\(index)件：两家因宅基地边界和排水沟发生争执,2022-03-15\n"
            }
            return text
        }

        @Test func anImportKilledHalfwayLeavesNothingOrEverything() throws {
            try withReplica { field in
                let file = field.home.appendingPathComponent("big.csv")
                try Data(Self.ledger(rows: 40_000).utf8).write(to: file)
                let (process, _, _) = try field.start(["import", file.path])
                // Wait (bounded) until the import is writing its transaction, then kill it.
                let wal = field.home.appendingPathComponent("field.sqlite-wal").path
                let deadline = Date().addingTimeInterval(30)
                var walSize = 0
                while Date() < deadline, process.isRunning {
                    walSize = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
                    if walSize > 2_000_000 { break }
                    usleep(2_000)
                }
                let killedMidway = process.isRunning
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                let count = try #require(try field.json("dispute", "list", "--json") as? [Any]).count
                #expect(count == 0 || count == 40_000, "a killed import left \(count) cases")
                // The import must really have been interrupted, or this test shows nothing.
                #expect(
                    killedMidway && count == 0, "the import finished before it could be killed (WAL \(walSize) bytes)")
                #expect(try field.ok("status").contains("待同步的变更"))
            }
        }

        @Test func twoProcessesWritingAtOnceBothSucceed() throws {
            try withReplica { field in
                let perProcess = 15
                let script = { (worker: String) in
                    (0..<perProcess).map { index in
                        "\(FieldProcess.executable.path) dispute add --home '\(field.home.path)' --category land --parties \(worker)\(index) --summary 并发\(worker)\(index) >/dev/null || exit 1"
                    }.joined(separator: "\n")
                }
                let processes = try ["甲", "乙"].map { worker in
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/bin/sh")
                    process.arguments = ["-c", script(worker)]
                    process.environment = field.environment
                    try process.run()
                    return process
                }
                for process in processes {
                    process.waitUntilExit()
                    #expect(process.terminationStatus == 0)
                }
                let cases = try #require(try field.json("dispute", "list", "--json") as? [[String: Any]])
                #expect(cases.count == 2 * perProcess)
                #expect(Set(cases.compactMap { $0["summary"] as? String }).count == 2 * perProcess)
                let status = try #require(try field.json("status", "--json") as? [String: Any])
                #expect(status["pendingChanges"] as? Int == 2 * perProcess * 6)
            }
        }

        /// Mounts a small file system (4 MB: an empty replica with its WAL takes about 1 MB in 16 KiB pages),
        /// which needs root; CI runs as root.
        static var canMount: Bool { geteuid() == 0 }

        @Test(.enabled(if: canMount))
        func aFullDiskIsReportedAndChangesNothing() throws {
            let mount = FileManager.default.temporaryDirectory.appendingPathComponent("full-\(UUID())")
            try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: mount) }
            let mounted = try FieldProcess(home: mount).runTool(
                "/bin/mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mount.path])
            try #require(mounted == 0)
            defer { _ = try? FieldProcess(home: mount).runTool("/bin/umount", [mount.path]) }
            let field = FieldProcess(home: mount.appendingPathComponent("home"))
            _ = try field.ok("init", "--village", "620502101201", "--worker", "张网格")
            let id = try field.ok("dispute", "add", "--category", "land", "--parties", "张三", "--summary", "界桩")
            let before = try field.snapshot()
            // Fill what is left of the disk.
            let filler = mount.appendingPathComponent("filler")
            try #require(FileManager.default.createFile(atPath: filler.path, contents: nil))
            let handle = try FileHandle(forWritingTo: filler)
            let block = Data(repeating: 0, count: 4096)
            while (try? handle.write(contentsOf: block)) != nil {}
            try? handle.close()
            let long = String(repeating: "两家因宅基地边界发生争执，", count: 3000)
            let result = try field.run("dispute", "edit", id, "--summary", long)
            #expect(result.status == 74, "\(result.stderr)")
            #expect(result.stderr.contains("的磁盘满了"), "\(result.stderr)")
            try FileManager.default.removeItem(at: filler)
            #expect(try field.snapshot() == before)
            _ = try field.ok("dispute", "edit", id, "--summary", "界桩被移")
        }

        @Test func inATerminalAddAsksForWhatIsMissing() throws {
            try withReplica { field in
                // `script` gives field a terminal; the answers arrive on it, one per question.
                let command = "\(FieldProcess.executable.path) dispute add --home '\(field.home.path)'"
                let answers = "9\n王建国，李秀英\n离婚后彩礼返还争议\n"
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
                process.arguments = ["-qec", command, "/dev/null"]
                process.environment = field.environment
                let input = Pipe()
                let output = Pipe()
                process.standardInput = input
                process.standardOutput = output
                try process.run()
                input.fileHandleForWriting.write(Data(answers.utf8))
                try input.fileHandleForWriting.close()
                let transcript = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                #expect(transcript.contains("1. 婚姻家庭 (marriage-family)"), "\(transcript)")
                let cases = try #require(try field.json("dispute", "list", "--json") as? [[String: Any]])
                #expect(cases.count == 1)
                #expect(cases.first?["category"] as? String == "inheritance")
                #expect(cases.first?["parties"] as? [String] == ["王建国", "李秀英"])
            }
        }
    }
}

extension FieldProcess {
    /// Runs another program and returns its exit status.
    func runTool(_ path: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
