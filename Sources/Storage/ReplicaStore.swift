import Foundation
import GRDB
import Shared

/// One replica's change log and the state it merges to, in an SQLite database: a worker's laptop
/// (`field`), or the district center's embedded store.
///
/// Every command commits its changes and the updated state in one transaction, so a killed process
/// leaves all of an edit or none of it. Processes sharing a database wait for each other (WAL mode, a
/// busy timeout, immediate transactions).
///
/// ```swift
/// let store = try ReplicaStore.open(database: url)
/// let id = try store.record(draft)
/// try store.perform(.resolve(agreement: "…", date: today), onDispute: id)
/// ```
public struct ReplicaStore: Sendable {
    /// The database file.
    public let database: URL
    /// One writer and concurrent readers (WAL): a pull or a sign-in never waits for a push being written.
    let pool: DatabasePool
    let wallClock: any WallClock
    /// The center's duplicate finder over this database, built on first use.
    let finder = FinderIndex()

    /// How long a command waits for another process's transaction.
    static let busyTimeout: TimeInterval = 30

    private init(database: URL, pool: DatabasePool, wallClock: any WallClock) {
        self.database = database
        self.pool = pool
        self.wallClock = wallClock
    }

    /// Closes the database: its files may then be removed. The store must not be used after.
    public func close() throws {
        try pool.close()
    }

    /// How much a commit survives.
    public enum Durability: Sendable {
        /// A commit survives the process being killed (WAL, `synchronous = NORMAL`): a laptop's edits.
        case process
        /// A commit survives power loss too (`synchronous = FULL`): what the center acknowledges.
        case power
    }

    /// Creates a new replica whose own records belong to `scope` (nil: not known yet).
    /// - Throws: `StoreError` with `.exists` if the file already holds a database.
    public static func create(
        database: URL, scope: AreaCode?, worker: String, durability: Durability = .process,
        wallClock: any WallClock = SystemWallClock()
    ) throws -> ReplicaStore {
        let worker = worker.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !worker.isEmpty else { throw InputError("--worker must name the worker", chinese: "--worker 要写上工作人员的姓名") }
        if FileManager.default.fileExists(atPath: database.path) {
            throw StoreError(
                code: .exists,
                message:
                    "\(database.deletingLastPathComponent().path) already holds a replica; use another folder for a new one"
            )
        }
        let store = try connect(database: database, durability: durability, wallClock: wallClock)
        try store.write { db in
            let replica = ReplicaID.random()
            try db.execute(
                sql: """
                    INSERT INTO replica (id, replica, scope, worker, createdAt, clockPhysical, clockCounter)
                    VALUES (1, ?, ?, ?, ?, 0, 0)
                    """,
                arguments: [Int64(replica.rawValue), scope?.description ?? "", worker, wallClock.milliseconds()])
        }
        return store
    }

    /// Opens an existing replica, upgrading its database if an older version wrote it.
    /// - Throws: `StoreError` with `.noHome` if there is none, `.corrupt` if it is damaged.
    public static func open(
        database: URL, durability: Durability = .process, wallClock: any WallClock = SystemWallClock()
    ) throws -> ReplicaStore {
        guard FileManager.default.fileExists(atPath: database.path) else {
            throw StoreError(code: .noHome, message: "no replica database at \(database.path)")
        }
        let store = try connect(database: database, durability: durability, wallClock: wallClock)
        let hasIdentity = try store.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM replica)") }
        guard hasIdentity == true else {
            throw StoreError(
                code: .corrupt,
                message: "the database \(database.path) has no replica identity: move it away and create it again")
        }
        return store
    }

    private static func connect(
        database: URL, durability: Durability, wallClock: any WallClock
    ) throws
        -> ReplicaStore
    {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "replica"
        configuration.prepareDatabase { db in
            // 16 KiB pages for a new database (an existing one keeps its own): a case's row, its search
            // text and its index entries split fewer pages, so taking a year of cases in one pull or push is
            // a quarter faster, while one edit still writes a few dozen kilobytes. It must come before the
            // first table and WAL mode, which is why it is here.
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: durability == .power ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
            // 32 MB of page cache: an import or a search over 100,000 cases stays in memory.
            try db.execute(sql: "PRAGMA cache_size = -32000")
            try db.execute(sql: "PRAGMA mmap_size = 268435456")
            // Checkpoints every 5,000 pages (80 MB of 16 KiB pages; 20 MB in an older 4 KiB database) rather
            // than 1,000: a page written by many commits is copied back once; the WAL file is cut back to
            // 64 MB after each.
            // Statement journals and temporary tables in memory, not in files under /tmp: a statement that
            // may fail part-way (an upsert, a write of several rows) copies each page it changes there
            // first, with the parties' names in them. Kept in memory that costs a copy, not a write.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 5000")
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        // The database is the owner's alone; SQLite gives its WAL and shared-memory files the same mode.
        if !FileManager.default.fileExists(atPath: database.path),
            !FileManager.default.createFile(
                atPath: database.path, contents: nil, attributes: [.posixPermissions: 0o600])
        {
            throw StoreError(code: .storage, message: "cannot create \(database.path)")
        }
        do {
            let pool = try DatabasePool(path: database.path, configuration: configuration)
            // A newer program may keep the log differently (runs of changes came in v8): an older one would
            // misread it, so it refuses rather than guess.
            let newer = try pool.read { db in
                try Set(migrator.appliedIdentifiers(db)).subtracting(migrator.migrations).sorted()
            }
            guard newer.isEmpty else {
                throw StoreError(
                    code: .storage,
                    message:
                        "\(database.path) was written by a newer version of FieldSync (schema \(newer.joined(separator: ", "))); "
                        + "update this program to open it")
            }
            try migrator.migrate(pool)
            return ReplicaStore(database: database, pool: pool, wallClock: wallClock)
        } catch let error as DatabaseError {
            throw StoreError(error, database: database)
        }
    }

    /// Copies what the WAL holds into the database, as far as no reader still needs it (a passive
    /// checkpoint: it waits for no one).
    /// - Returns: the frames the WAL holds, and how many of them the database now holds too.
    @discardableResult
    public func checkpointWAL() throws -> (frames: Int, copied: Int) {
        do {
            let result = try pool.writeWithoutTransaction { try $0.checkpoint(.passive) }
            return (result.walFrameCount, result.checkpointedFrameCount)
        } catch let error as DatabaseError {
            throw StoreError(error, database: database)
        }
    }

    /// Runs `body` in one immediate transaction, translating SQLite's errors.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.write(body)
        } catch let error as DatabaseError {
            throw StoreError(error, database: database)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch let error as DatabaseError {
            throw StoreError(error, database: database)
        }
    }
}

/// Input a command cannot use, with a message that names the problem and the allowed values.
public struct InputError: Error, Sendable, CustomStringConvertible, LocalizedMessage {
    public var description: String
    /// The message in Chinese, for a worker reading `field` in Chinese, where one was written.
    public var chinese: String?

    public init(_ description: String, chinese: String? = nil) {
        self.description = description
        self.chinese = chinese
    }

    public func message(in language: Language) -> String {
        language == .zh ? chinese ?? description : description
    }
}
