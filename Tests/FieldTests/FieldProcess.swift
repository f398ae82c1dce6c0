import Foundation
import Testing

/// Runs the real `field` executable, as a worker would, against a home of the test's own.
struct FieldProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `field` binary built beside the tests.
    static let executable: URL = {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [directory, directory.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("field")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return directory.appendingPathComponent("field")
    }()

    let home: URL
    var environment: [String: String] = ["LANG": "zh_CN.UTF-8", "PATH": "/usr/bin:/bin", "TZ": "Asia/Shanghai"]

    /// A process not yet waited for.
    func start(_ arguments: [String], input: String? = nil) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments + ["--home", home.path]
        process.environment = environment
        let (output, error, stdin) = (Pipe(), Pipe(), Pipe())
        process.standardOutput = output
        process.standardError = error
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        return (process, output, error)
    }

    @discardableResult
    func run(_ arguments: String..., input: String? = nil) throws -> Result {
        try run(arguments, input: input)
    }

    @discardableResult
    func run(_ arguments: [String], input: String? = nil) throws -> Result {
        let (process, output, error) = try start(arguments, input: input)
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }

    /// Runs a command that must succeed and returns its output without the final newline.
    func ok(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(arguments)
        #expect(
            result.status == 0, "field \(arguments.joined(separator: " ")): \(result.stderr)",
            sourceLocation: sourceLocation)
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    /// Everything the replica holds, to check that a refused command changed nothing.
    func snapshot() throws -> String {
        try ok("export", "--format", "json") + (try ok("status", "--json"))
    }

    func json(_ arguments: String...) throws -> Any {
        let result = try run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }
}

/// A temporary home with an initialised replica of village 620502101201.
func withReplica<T>(_ body: (FieldProcess) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("field-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: url) }
    let field = FieldProcess(home: url)
    _ = try field.ok("init", "--village", "620502101201", "--worker", "张网格")
    return try body(field)
}
