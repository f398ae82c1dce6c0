import Foundation
import GRDB
import Shared

#if canImport(Glibc)
import Glibc
#endif

/// A problem with the replica's storage: what happened, what to do, and SQLite's own words.
public struct StoreError: Error, Sendable {
    public enum Code: String, Sendable {
        /// No replica database where one was expected.
        case noHome = "no-home"
        /// A replica already exists where one is being created.
        case exists
        /// The database is not a database, or damaged.
        case corrupt
        /// The disk is full.
        case full
        /// Another process held the database too long.
        case busy
        /// The database server cannot be reached or does not answer (a center on PostgreSQL).
        case unavailable
        /// Any other failure to read or write.
        case storage
    }

    public var code: Code
    public var message: String
    /// The message in Chinese, for a worker reading `field` in Chinese, where one was written.
    public var chinese: String?
    /// SQLite's extended result code, when SQLite reported the problem.
    public var sqliteCode: Int32?
    /// The statement that failed, when there was one.
    public var sql: String?

    public init(code: Code, message: String, chinese: String? = nil, sqliteCode: Int32? = nil, sql: String? = nil) {
        self.code = code
        self.message = message
        self.chinese = chinese
        self.sqliteCode = sqliteCode
        self.sql = sql
    }

    /// Classifies an SQLite error and says what a worker can do about it.
    init(_ error: DatabaseError, database url: URL) {
        let detail = error.message ?? "\(error.resultCode)"
        let database = url.path
        // A full disk often surfaces as an I/O error (the WAL index cannot grow), not as SQLITE_FULL.
        let isDiskFull =
            error.resultCode == .SQLITE_FULL
            || (error.resultCode == .SQLITE_IOERR && Self.isFull(url.deletingLastPathComponent()))
        switch error.resultCode {
        case _ where isDiskFull:
            self.init(
                code: .full,
                message: "the disk holding \(database) is full: free some space and try again; nothing was changed",
                chinese: "存放 \(database) 的磁盘满了：请腾出一些空间再试；什么都没有改动",
                sqliteCode: error.extendedResultCode.rawValue, sql: error.sql)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            self.init(
                code: .corrupt,
                message: "the database \(database) is damaged (\(detail)): restore it from a backup, or move it away "
                    + "and create the replica again, then sync to get the district's records back",
                chinese: "数据库 \(database) 已损坏（\(detail)）：请从备份恢复；或把它移开、重新创建本机副本，"
                    + "再同步取回区里的记录",
                sqliteCode: error.extendedResultCode.rawValue, sql: error.sql)
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            self.init(
                code: .busy, message: "another field process kept \(database) busy too long: try again",
                chinese: "另一个 field 进程占用 \(database) 太久：请再试一次",
                sqliteCode: error.extendedResultCode.rawValue, sql: error.sql)
        default:
            self.init(
                code: .storage, message: "cannot use \(database): \(detail)", chinese: "无法使用 \(database)：\(detail)",
                sqliteCode: error.extendedResultCode.rawValue,
                sql: error.sql)
        }
    }
}

extension StoreError {
    /// Whether the file system holding `folder` has (next to) no room left.
    static func isFull(_ folder: URL) -> Bool {
        var stats = statvfs()
        guard statvfs(folder.path, &stats) == 0 else { return false }
        return UInt64(stats.f_bavail) * UInt64(stats.f_frsize) < 256 * 1024
    }
}

extension StoreError: CustomStringConvertible, LocalizedMessage {
    public var description: String { message }

    public func message(in language: Language) -> String {
        language == .zh ? chinese ?? message : message
    }
}
