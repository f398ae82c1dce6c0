import Shared
import Storage

/// How `field` reports an error: a message for the person and an exit code for scripts.
///
/// Exit codes follow sysexits.h: 64 usage, 65 bad data, 66 not found, 69 a database server unreachable,
/// 73 cannot create, 74 storage.
public enum Failure {
    public static func exitCode(for error: any Error) -> Int32 {
        switch error {
        case let error as any ExitCoded: error.exitCode
        case let error as StoreError:
            switch error.code {
            case .noHome: 66
            case .exists: 73
            case .corrupt, .full, .busy, .storage: 74
            case .unavailable: 69
            }
        case let error as LookupError:
            if case .notFound = error { 66 } else { 64 }
        case is UsageError: 64
        case is CommandError, is InputError, is ChoiceError, is DateError, is AreaCodeError, is PartyError,
            is ClockError, is EnrollmentError, is any DataError, is CSV.ParseError:
            65
        default: 70
        }
    }
}

/// An error that knows the exit code it ends a command with.
public protocol ExitCoded: Error {
    var exitCode: Int32 { get }
}

/// Data a command refuses as a whole (a ledger with bad rows, say): exit code 65.
public protocol DataError: Error {}

/// A command line that cannot run as given: a missing flag, conflicting flags.
public struct UsageError: Error, Sendable, CustomStringConvertible, LocalizedMessage {
    public var description: String
    public var chinese: String?

    public init(_ description: String, chinese: String? = nil) {
        self.description = description
        self.chinese = chinese
    }

    public func message(in language: Language) -> String {
        language == .zh ? chinese ?? description : description
    }
}
