import Foundation

/// Runs the real `field` executable, as a worker would, against a home of the test's own.
public struct FieldProcess: Sendable {
    public typealias Result = BuiltProgram.Result

    /// The `field` binary built beside the tests.
    public static let executable = BuiltProgram.url(named: "field")

    public let home: URL
    public var environment: [String: String] = [
        "LANG": "zh_CN.UTF-8", "PATH": "/usr/bin:/bin", "TZ": "Asia/Shanghai",
    ]

    public init(home: URL) {
        self.home = home
    }

    /// A process not yet waited for.
    public func start(_ arguments: [String], input: String? = nil) throws -> (Process, Pipe, Pipe) {
        try BuiltProgram.start(
            Self.executable, arguments + ["--home", home.path], environment: environment, input: input)
    }

    @discardableResult
    public func run(_ arguments: String..., input: String? = nil) throws -> Result {
        try run(arguments, input: input)
    }

    @discardableResult
    public func run(_ arguments: [String], input: String? = nil) throws -> Result {
        try BuiltProgram.run(
            Self.executable, arguments + ["--home", home.path], environment: environment, input: input)
    }
}
