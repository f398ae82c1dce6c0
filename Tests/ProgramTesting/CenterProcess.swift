import Foundation
import Synchronization

/// A real `center serve` process on a free loopback port.
public final class CenterProcess: Sendable {
    public let process: Process
    public let port: Int
    private let errors: SharedText

    /// Where test centers keep their views.
    public static let cache = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-test-cache")

    public static let executable = BuiltProgram.url(named: "center")

    /// Starts a center on `database` and waits (at most 30 s) for it to say where it listens.
    public convenience init(database: URL, arguments: [String] = []) throws {
        try self.init(location: database.path, arguments: arguments)
    }

    /// Starts a center on `location` (an SQLite file or a PostgreSQL URL) and waits (at most 60 s) for it
    /// to say where it listens.
    public init(location: String, arguments: [String] = []) throws {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["serve", "--db", location, "--port", "0"] + arguments
        // Views of test databases in one folder: a center that starts again on the same database finds its own.
        process.environment = ProcessInfo.processInfo.environment.merging(["XDG_CACHE_HOME": Self.cache.path]) {
            $1
        }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let errors = SharedText()
        error.fileHandleForReading.readabilityHandler = { handle in
            errors.append(handle.availableData)
        }
        let firstLine = SharedText()
        let ready = DispatchSemaphore(value: 0)
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                ready.signal()
                return
            }
            firstLine.append(data)
            if firstLine.text.contains("\n") {
                handle.readabilityHandler = nil
                ready.signal()
            }
        }
        try process.run()
        guard ready.wait(timeout: .now() + 60) == .success,
            let address = firstLine.text.components(separatedBy: "listening on http").dropFirst().first?
                .drop(while: { $0 == "s" }).dropFirst(3),
            let port = address.split(separator: ":").dropFirst().first.flatMap({ Int($0.prefix { $0.isNumber }) })
        else {
            process.terminate()
            throw CenterProcessError(message: "center did not start: \(firstLine.text) \(errors.text)")
        }
        self.process = process
        self.port = port
        self.errors = errors
    }

    public var log: String { errors.text }

    public func kill(_ signal: Int32) {
        Foundation.kill(process.processIdentifier, signal)
    }

    /// Waits at most `seconds` for the process to end; its exit status, or nil if it is still running.
    public func waitForExit(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline {
            usleep(10_000)
        }
        return process.isRunning ? nil : process.terminationStatus
    }
}

/// Bytes appended from one thread and read from another.
public final class SharedText: Sendable {
    private let data = Mutex(Data())

    public init() {}

    public func append(_ bytes: Data) {
        data.withLock { $0.append(bytes) }
    }

    public var text: String { String(decoding: data.withLock { $0 }, as: UTF8.self) }
}

public struct CenterProcessError: Error {
    public var message: String

    public init(message: String) {
        self.message = message
    }
}
