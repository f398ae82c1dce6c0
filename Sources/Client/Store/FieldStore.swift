import Foundation
import GRDB
import Shared

/// One replica on a worker's laptop: its change log and the state it merges to, in SQLite.
///
/// Every command commits its changes and the updated state in one transaction, so a killed process
/// leaves all of an edit or none of it. Processes sharing a home wait for each other (WAL mode, a busy
/// timeout, immediate transactions).
///
/// ```swift
/// let store = try FieldStore.open(home: FieldHome.resolve(option: nil))
/// let id = try store.record(draft)
/// try store.perform(.resolve(agreement: "…", date: today), onDispute: id)
/// ```
public struct FieldStore: Sendable {
    public let home: FieldHome
    let queue: DatabaseQueue
    let wallClock: any WallClock

    /// How long a command waits for another process's transaction.
    static let busyTimeout: TimeInterval = 30

    private init(home: FieldHome, queue: DatabaseQueue, wallClock: any WallClock) {
        self.home = home
        self.queue = queue
        self.wallClock = wallClock
    }

    /// Creates a new replica for a worker of `village`.
    /// - Throws: `StoreError` with `.exists` if the home already holds one.
    public static func create(
        home: FieldHome, village: AreaCode, worker: String, wallClock: any WallClock = SystemWallClock()
    ) throws -> FieldStore {
        guard village.level == .village else {
            throw InputError("--village must be a village code (12 digits), but \(village) is a \(village.level) code")
        }
        let worker = worker.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !worker.isEmpty else { throw InputError("--worker must name the worker") }
        try home.prepare()
        if FileManager.default.fileExists(atPath: home.database.path) {
            throw StoreError(
                code: .exists, message: "\(home.path) already holds a replica; use another --home to create a new one")
        }
        let store = try connect(home: home, wallClock: wallClock)
        try store.write { db in
            let replica = ReplicaID.random()
            try db.execute(
                sql: """
                    INSERT INTO replica (id, replica, village, worker, createdAt, clockPhysical, clockCounter)
                    VALUES (1, ?, ?, ?, ?, 0, 0)
                    """,
                arguments: [Int64(replica.rawValue), village.description, worker, wallClock.milliseconds()])
        }
        try FieldConfig().save(to: home)
        return store
    }

    /// Opens the replica in `home`, upgrading its database if it was written by an older `field`.
    /// - Throws: `StoreError` with `.noHome` if there is none, `.corrupt` if it is damaged.
    public static func open(home: FieldHome, wallClock: any WallClock = SystemWallClock()) throws -> FieldStore {
        guard FileManager.default.fileExists(atPath: home.database.path) else {
            throw StoreError(
                code: .noHome,
                message: "no replica in \(home.path): run `field init --village CODE --worker NAME` first, "
                    + "or point --home (or FIELD_HOME) at an existing one")
        }
        let store = try connect(home: home, wallClock: wallClock)
        let hasIdentity = try store.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM replica)") }
        guard hasIdentity == true else {
            throw StoreError(
                code: .corrupt,
                message:
                    "the database \(home.database.path) has no replica identity: move it away and run `field init` again"
            )
        }
        return store
    }

    private static func connect(home: FieldHome, wallClock: any WallClock) throws -> FieldStore {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "field"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // 32 MB of page cache: an import or a search over 100,000 cases stays in memory.
            try db.execute(sql: "PRAGMA cache_size = -32000")
            try db.execute(sql: "PRAGMA mmap_size = 268435456")
        }
        // The database is the owner's alone; SQLite gives its WAL and shared-memory files the same mode.
        if !FileManager.default.fileExists(atPath: home.database.path),
            !FileManager.default.createFile(
                atPath: home.database.path, contents: nil, attributes: [.posixPermissions: 0o600])
        {
            throw StoreError(code: .storage, message: "cannot create \(home.database.path)")
        }
        do {
            let queue = try DatabaseQueue(path: home.database.path, configuration: configuration)
            try migrator.migrate(queue)
            return FieldStore(home: home, queue: queue, wallClock: wallClock)
        } catch let error as DatabaseError {
            throw StoreError(error, home: home)
        }
    }

    /// Runs `body` in one immediate transaction, translating SQLite's errors.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.write(body)
        } catch let error as DatabaseError {
            throw StoreError(error, home: home)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.read(body)
        } catch let error as DatabaseError {
            throw StoreError(error, home: home)
        }
    }
}

/// Input a command cannot use, with a message that names the problem and the allowed values.
public struct InputError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
