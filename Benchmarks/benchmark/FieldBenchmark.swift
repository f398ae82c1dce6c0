import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct BenchmarkError: Error {
    var message: String
}

/// Times the `field` executable as a worker meets it: one `dispute add` as a whole process, importing a
/// large ledger, and a search over it. Uses the release `field` built beside this benchmark.
enum FieldBenchmark {
    static func run(cases: Int) throws {
        let field = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "field")
        guard FileManager.default.isExecutableFile(atPath: field.path) else {
            print("build field first: swift build -c release --product field")
            return
        }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("field-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        /// Runs field as a whole process and returns its wall time. posix_spawn rather than Foundation's
        /// Process, whose set-up (it closes every possible descriptor in the child) would dominate.
        func run(_ arguments: [String]) throws -> Double {
            let argv = ([field.path] + arguments + ["--home", home.path]).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            var pid: pid_t = 0
            let start = ContinuousClock.now
            guard posix_spawn(&pid, field.path, &actions, nil, argv, environ) == 0 else {
                throw BenchmarkError(message: "cannot start \(field.path)")
            }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            let elapsed = ContinuousClock.now - start
            guard status == 0 else {
                throw BenchmarkError(message: "field \(arguments.joined(separator: " ")) failed with status \(status)")
            }
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        func median(_ values: [Double]) -> Double {
            values.sorted()[values.count / 2]
        }

        print("FieldSync field benchmark (\(cases) cases)")
        _ = try run(["init", "--village", "620502101201", "--worker", "张网格"])
        let adds = try (0..<50).map { index in
            try run([
                "dispute", "add", "--category", "neighbor", "--parties", "张\(index),李\(index)",
                "--summary", "两家因宅基地边界发生争执\(index)", "--date", "2022-03-15",
            ])
        }
        print(
            String(
                format: "field dispute add, one process:  median %6.1f ms  (50 runs, target < 30 ms)",
                median(adds) * 1000))

        var ledger = "类别,当事人,简要情况,发生日期,状态,调解方式,调解协议\n"
        let categories = ["婚姻家庭", "邻里纠纷", "土地纠纷", "劳动争议", "债务纠纷"]
        for index in 0..<cases {
            let resolved = index % 3 == 0
            ledger +=
                "\(categories[index % categories.count]),王\(index)、李\(index),"
                + "第\(index)件：两家因宅基地边界和排水沟走向发生争执，经村调委会多次上门调解,"
                + "2022-\(index % 12 + 1 < 10 ? "0" : "")\(index % 12 + 1)-15,"
                + (resolved ? "调解成功,分段式,双方同意按原界桩重新划定边界\n" : ",,\n")
        }
        let file = home.appendingPathComponent("ledger.csv")
        try Data(ledger.utf8).write(to: file)
        let importSeconds = try run(["import", file.path])
        print(
            String(
                format: "field import, %d-row ledger:   %6.2f s  (%.0f rows/s, target < 10 s)", cases, importSeconds,
                Double(cases) / importSeconds))

        let status = try (0..<10).map { _ in try run(["status"]) }
        print(String(format: "field status:                     median %6.1f ms", median(status) * 1000))
        let adds100k = try (0..<20).map { index in
            try run(["dispute", "add", "--category", "land", "--parties", "赵\(index)", "--summary", "界桩被移\(index)"])
        }
        print(
            String(
                format: "field dispute add, 100k cases:    median %6.1f ms  (20 runs, target < 30 ms)",
                median(adds100k) * 1000))
        let searches = try (0..<10).map { index in
            try run(["dispute", "list", "--search", "王\(index * 997)、", "--json"])
        }
        print(
            String(
                format: "field dispute list --search:     median %6.1f ms  over %d cases (target < 200 ms)",
                median(searches) * 1000, cases + 50))
        let database = home.appendingPathComponent("field.sqlite")
        let size = (try FileManager.default.attributesOfItem(atPath: database.path)[.size] as? Int) ?? 0
        print(
            String(
                format: "database size:                   %6.1f MB  (%.0f bytes per case)", Double(size) / 1e6,
                Double(size) / Double(cases)))
    }
}
