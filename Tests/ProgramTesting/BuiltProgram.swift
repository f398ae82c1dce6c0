import Foundation

/// The programs SwiftPM builds beside the tests (`field`, `center`), run as their users run them.
public enum BuiltProgram {
    /// What a program said and how it ended.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Where the program named `name` was built.
    public static func url(named name: String) -> URL {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [directory, directory.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return directory.appendingPathComponent(name)
    }

    /// A process not yet waited for, `input` written to its standard input.
    public static func start(
        _ executable: URL, _ arguments: [String], environment: [String: String]?, input: String? = nil
    ) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let (output, error, stdin) = (Pipe(), Pipe(), Pipe())
        process.standardOutput = output
        process.standardError = error
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        return (process, output, error)
    }

    /// Runs a program to its end.
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String]?, input: String? = nil
    ) throws -> Result {
        let (process, output, error) = try start(executable, arguments, environment: environment, input: input)
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }
}

/// Runs `work`, which blocks (a sync over curl, a process waited for), on a thread of its own. On the
/// cooperative pool, two threads on a 2-core machine, two such waits side by side would hold every
/// thread, and the in-process servers of other tests, whose handlers need the pool, would stall until
/// their clients time out.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
