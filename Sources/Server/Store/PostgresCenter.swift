import Foundation
import Logging
import PostgresNIO
import Shared
import Storage
import Synchronization

/// What several `center serve` processes on one PostgreSQL database share: the change log, the
/// district's areas and the enrolled devices (issue 8, in progress). A batch pushed through any
/// process is durable when its receipt is sent, and every process serves the same feed, in the same
/// order.
///
/// The feed never skips: writers take the feed's head row `FOR UPDATE` before they number their
/// changes and hold it until they commit, so sequence numbers commit in order. A reader that sees
/// change 105 committed sees 104 too; a puller that read up to 105 cannot miss a 104 that commits later,
/// because none can. Pushes are therefore written one at a time (several batches at once with
/// `push(together:)`, as the center's group commit does).
///
/// ```swift
/// let center = try PostgresCenter(url: "postgres://center@db.example:5432/district", logger: logger)
/// async let pool: Void = center.run()
/// try await center.migrate()
/// let receipts = await center.push(together: [push])
/// ```
public final class PostgresCenter: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// `HOST:PORT`, for messages.
    let server: String
    /// How long an operation may wait for the database before it fails as unavailable.
    let timeout: Duration
    let wallClock: any WallClock
    /// Runs inside a push's transaction after its changes are written, before it commits (tests hold a
    /// transaction open with it).
    let beforeCommit: (@Sendable () async -> Void)?

    /// - Parameters:
    ///   - url: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`.
    ///   - maximumConnections: The most connections this process opens.
    ///   - timeout: How long an operation may wait for the database (connecting included) before it fails
    ///     with `StoreError.Code.unavailable`.
    /// - Throws: `InputError` naming what is wrong with the URL.
    public init(
        url: String, maximumConnections: Int = 8, timeout: Duration = .seconds(30), logger: Logger,
        wallClock: any WallClock = SystemWallClock(), beforeCommit: (@Sendable () async -> Void)? = nil
    ) throws {
        let configuration = try Self.configuration(url: url, maximumConnections: maximumConnections)
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        server = "\(configuration.host ?? "?"):\(configuration.port ?? 5432)"
        self.timeout = timeout
        self.logger = logger
        self.wallClock = wallClock
        self.beforeCommit = beforeCommit
    }

    static func configuration(url: String, maximumConnections: Int) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme)
        else { throw InputError("'\(url)' is not a PostgreSQL URL; expected postgres://USER@HOST:PORT/DATABASE") }
        guard let host = components.host, !host.isEmpty else {
            throw InputError("the PostgreSQL URL names no host; expected postgres://USER@HOST:PORT/DATABASE")
        }
        guard let user = components.user, !user.isEmpty else {
            throw InputError("the PostgreSQL URL names no user; expected postgres://USER@HOST:PORT/DATABASE")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else {
            throw InputError("the PostgreSQL URL names no database; expected postgres://USER@HOST:PORT/DATABASE")
        }
        let tls: PostgresClient.Configuration.TLS
        switch components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer" {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require": tls = .require(.makeClientConfiguration())
        case let other: throw InputError("sslmode '\(other)' is not one of: disable, prefer, require")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        return configuration
    }

    /// Runs `operation` against the database. When the database cannot be reached, or does not answer
    /// within `timeout`, fails at once with `StoreError` `.unavailable`, naming the server (the pool
    /// itself would wait about a minute); other failures of the database become `.storage`. The errors of
    /// the operation's own checks pass unchanged.
    ///
    /// The wait is a real bound: an operation that does not answer is cancelled and left to end on its
    /// own (a driver call may not honour cancellation at once), not awaited.
    func answered<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let (server, timeout) = (self.server, self.timeout)
        let race = Race<T>()
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    race.start(continuation)
                    let work = Task {
                        do {
                            race.finish(.success(try await operation()))
                        } catch {
                            race.finish(.failure(error))
                        }
                    }
                    let clock = Task {
                        try await Task.sleep(for: timeout)
                        race.finish(
                            .failure(
                                StoreError(
                                    code: .unavailable,
                                    message: "the PostgreSQL database at \(server) did not answer within \(timeout)")))
                        work.cancel()
                    }
                    race.onFinish {
                        clock.cancel()
                        work.cancel()
                    }
                }
            } onCancel: {
                race.finish(.failure(CancellationError()))
            }
        } catch {
            throw Self.translate(error, server: server)
        }
    }

    /// The error to report for what the driver threw: our own checks' errors as they are, the server's
    /// refusals as `.storage`, anything else (the pool, the network) as `.unavailable`.
    static func translate(_ error: any Error, server: String) -> any Error {
        switch error {
        case let error as PostgresTransactionError:
            // What failed: the work in the transaction, or its BEGIN, COMMIT or ROLLBACK.
            let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError
            return cause.map { translate($0, server: server) }
                ?? StoreError(code: .storage, message: "a PostgreSQL transaction failed: \(error)")
        case let error as PSQLError
        where error.code == .connectionError || error.code == .serverClosedConnection
            || error.code == .uncleanShutdown || error.code == .poolClosed:
            return StoreError(
                code: .unavailable, message: "the PostgreSQL database at \(server) cannot be reached (\(error.code))",
                chinese: "连不上 \(server) 上的 PostgreSQL 数据库（\(error.code)）")
        case let error as PSQLError:
            let state = error.serverInfo?[.sqlState] ?? "\(error.code)"
            let message = error.serverInfo?[.message] ?? "\(error.code)"
            return StoreError(code: .storage, message: "PostgreSQL failed (\(state)): \(message)")
        case is InputError, is DeviceNotFound, is StoreError, is AreaCodeError, is ClockError, is CancellationError,
            is ChangeRefusal:
            return error
        default:
            return StoreError(
                code: .unavailable, message: "the PostgreSQL database at \(server) cannot be reached (\(error))",
                chinese: "连不上 \(server) 上的 PostgreSQL 数据库（\(error)）")
        }
    }

    /// Runs `body` in one transaction on a pooled connection, within `answered`: committed if it returns,
    /// rolled back if it throws.
    func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let (client, logger) = (self.client, self.logger)
        return try await answered {
            try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// Runs the connection pool until the surrounding task is cancelled.
    public func run() async {
        await client.run()
    }

    // MARK: Schema

    /// The key of the advisory lock that lets one process at a time migrate.
    static let migrationLock: Int64 = 0x4669_656C_6453_796E  // "FieldSyn"

    /// Each version's statements (one statement per query, as PostgreSQL's extended protocol wants).
    static let migrations: [[PostgresQuery]] = [
        [
            // Every record the log knows; scopes compare byte by byte, so that a town's code is a prefix
            // range of its villages' whatever the database's collation.
            """
            CREATE TABLE record (
                id bigserial PRIMARY KEY,
                kind text NOT NULL,
                uid text NOT NULL UNIQUE,
                scope text COLLATE "C" NOT NULL
            )
            """,
            // The log: `seq` is the feed's order; a change is stored once (its timestamp was its identity:
            // see the migration to `change_identity`);
            // `scope` is NULL when it is the record's.
            """
            CREATE TABLE change (
                seq bigint PRIMARY KEY,
                physical bigint NOT NULL,
                counter bigint NOT NULL,
                replica bigint NOT NULL,
                record bigint NOT NULL REFERENCES record (id),
                scope text COLLATE "C",
                field text NOT NULL,
                value text NOT NULL,
                UNIQUE (physical, counter, replica)
            )
            """,
            "CREATE INDEX change_record ON change (record)",
            // The last sequence number given out; writers hold this row until they commit.
            "CREATE TABLE feed (id integer PRIMARY KEY CHECK (id = 1), head bigint NOT NULL)",
            "INSERT INTO feed (id, head) VALUES (1, 0)",
        ],
        [
            // The district this center serves, set by the first import of areas.
            "CREATE TABLE district (id integer PRIMARY KEY CHECK (id = 1), code text NOT NULL)",
            // The district's towns and villages (行政区划), by division code.
            """
            CREATE TABLE area (
                code text COLLATE "C" PRIMARY KEY,
                name text NOT NULL,
                parent text COLLATE "C",
                level text NOT NULL
            )
            """,
            // Devices enrolled at the center: who, their scope, and only a hash of their secret.
            """
            CREATE TABLE device (
                id text PRIMARY KEY,
                name text NOT NULL,
                scope text COLLATE "C" NOT NULL,
                role text NOT NULL,
                secret_hash bytea NOT NULL,
                created_at bigint NOT NULL,
                revoked_at bigint,
                last_seen_at bigint,
                clock_offset bigint,
                pushed_changes bigint NOT NULL DEFAULT 0
            )
            """,
        ],
        [
            // When changes arrived: every change up to `seq` (and after the previous row's) arrived at `at`
            // (milliseconds, the center's clock). Reports tell late changes by it.
            "CREATE TABLE arrival (seq bigint PRIMARY KEY, at bigint NOT NULL)",
            // Every write to the areas and the review queue takes the next revision: processes copy what
            // changed since the revision they hold.
            "CREATE SEQUENCE revision",
            "ALTER TABLE area ADD COLUMN revision bigint NOT NULL DEFAULT nextval('revision')",
            "CREATE INDEX area_revision ON area (revision)",
            // Pairs of cases the finder proposed (first < second): awaiting review, merged, or dismissed.
            """
            CREATE TABLE duplicate_pair (
                first text COLLATE "C" NOT NULL,
                second text COLLATE "C" NOT NULL,
                score double precision NOT NULL,
                reasons text NOT NULL,
                decision text NOT NULL,
                proposedat bigint NOT NULL,
                decidedat bigint,
                revision bigint NOT NULL DEFAULT nextval('revision'),
                PRIMARY KEY (first, second)
            )
            """,
            "CREATE INDEX duplicate_pair_revision ON duplicate_pair (revision)",
            // How far the duplicate finder has checked the log; a process holds this row while it writes
            // what it found, so that each change is checked once.
            "CREATE TABLE finder (id integer PRIMARY KEY CHECK (id = 1), checked bigint NOT NULL)",
            "INSERT INTO finder (id, checked) VALUES (1, 0)",
        ],
        [
            // Nothing reads a record's changes from the shared log (each process's view does): the index only
            // slowed every push.
            "DROP INDEX change_record"
        ],
        [
            // Which database this is: a process's copy of the merged state names the database it copies.
            "CREATE TABLE fieldsync_identity (id integer PRIMARY KEY CHECK (id = 1), uuid text NOT NULL)",
            "INSERT INTO fieldsync_identity (id, uuid) VALUES (1, gen_random_uuid()::text)",
        ],
        [
            // Each change carries its record's scope, indexed with the sequence: a village's or a town's pull
            // reads its own changes, not the whole province's log after its cursor.
            // The area is the 12-digit division code as a number (a town's own code ends in 000): a scope is
            // one range of numbers, and a number indexes more cheaply than text.
            "ALTER TABLE change ADD COLUMN area bigint",
            "UPDATE change SET area = rpad(record.scope, 12, '0')::bigint FROM record WHERE record.id = change.record",
            "ALTER TABLE change ALTER COLUMN area SET NOT NULL",
            "CREATE INDEX change_area_seq ON change (area, seq)",
        ],
        [
            // A database `center migrate` is filling, and from which center: until the copy is whole it is
            // not served, and a rerun of the same migration resumes it (`CenterMigration`).
            "CREATE TABLE migration_source (id integer PRIMARY KEY CHECK (id = 1), source text NOT NULL)"
        ],
        [
            // The area a reorganisation merged this one into (`Successions`): its records count there now.
            "ALTER TABLE area ADD COLUMN successor text COLLATE \"C\""
        ],
        [
            // A change's identity is its record and its timestamp (`ChangeIdentity`), as in every replica's
            // log: two records whose changes share a stamp both keep theirs. The index still leads with the
            // stamp, for the probe of what a batch holds already.
            "ALTER TABLE change DROP CONSTRAINT change_physical_counter_replica_key",
            "ALTER TABLE change ADD CONSTRAINT change_identity UNIQUE (physical, counter, replica, record)",
        ],
        [
            // Which device sends its changes from each replica, and when a device was last told to start
            // over (`ReplicaStore.replicaOwners`).
            "CREATE TABLE device_replica (replica bigint PRIMARY KEY, device text NOT NULL, bound_at bigint NOT NULL)",
            "CREATE TABLE device_restart (device text PRIMARY KEY, at bigint NOT NULL)",
        ],
    ]

    /// Creates or upgrades the schema, under an advisory lock: processes starting at once take turns,
    /// and each version is applied once.
    /// Not bounded by `timeout`: a process may wait its turn while another migrates a large database.
    public func migrate() async throws {
        try await migrate(through: Self.migrations.count)
    }

    /// Applies the versions up to `last` (tests upgrade a database of an earlier version).
    func migrate(through last: Int) async throws {
        let logger = self.logger
        do {
            try await migrateUnderLock(through: last, logger: logger)
        } catch {
            throw Self.translate(error, server: server)
        }
    }

    private func migrateUnderLock(through last: Int, logger: Logger) async throws {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.migrationLock))", logger: logger)
            do {
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS fieldsync_schema (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())",
                    logger: logger)
                var applied = 0
                for try await version in try await connection.query(
                    "SELECT coalesce(max(version), 0) FROM fieldsync_schema", logger: logger
                ).decode(Int.self) {
                    applied = version
                }
                for (index, statements) in Self.migrations.enumerated() where index + 1 > applied && index < last {
                    try await connection.withTransaction(logger: logger) { connection in
                        for statement in statements {
                            try await connection.query(statement, logger: logger)
                        }
                        try await connection.query(
                            "INSERT INTO fieldsync_schema (version) VALUES (\(index + 1))", logger: logger)
                    }
                }
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
        }
    }

    // MARK: Writing

    /// Writes several devices' batches in one transaction and notes each device's contact: each batch
    /// gets its own receipt, or its own `ClockError` when a change of it is stamped more than its
    /// `maximumDrift` ahead of this center's clock (nothing of that batch is written). Any other failure
    /// fails them all, with nothing written.
    public func push(together pushes: [ReplicaStore.Push]) async -> [Result<ReplicaStore.Receipt, any Error>] {
        await pushReturningSegment(together: pushes).receipts
    }

    /// `push(together:)`, also returning what it added to the log, numbered and timed as the log holds it
    /// (nil if nothing): the process that wrote it need not read it back.
    func pushReturningSegment(
        together pushes: [ReplicaStore.Push]
    ) async -> (receipts: [Result<ReplicaStore.Receipt, any Error>], segment: ReplicaStore.FeedSegment?) {
        let now = wallClock.milliseconds()
        let refusals: [ClockError?] = pushes.map { push in
            push.changes.first { $0.timestamp.physical - now > push.maximumDrift }.map { change in
                ClockError(
                    timestamp: change.timestamp, aheadBy: change.timestamp.physical - now,
                    maximumDrift: push.maximumDrift)
            }
        }
        let accepted = zip(pushes, refusals).compactMap { push, refusal in refusal == nil ? push : nil }
        let logger = self.logger
        let beforeCommit = self.beforeCommit
        let written: (new: [Int], cursor: Int64, changes: [Change])
        do {
            written = try await transaction { connection in
                let first = try await Self.lockHead(connection, logger: logger)
                let inserted = try await Self.insert(
                    accepted.map(\.changes), after: first, on: connection, logger: logger, fixingScopes: true)
                // Each device's contact, once per device however many of its batches the group holds.
                var devices: [String: (changes: Int64, offset: Int64?)] = [:]
                for (push, count) in zip(accepted, inserted.new) {
                    let known = devices[push.device]
                    devices[push.device] = ((known?.changes ?? 0) + Int64(count), push.clockOffset ?? known?.offset)
                }
                let ids = Array(devices.keys)
                try await connection.query(
                    """
                    UPDATE device SET last_seen_at = \(now),
                        clock_offset = CASE WHEN contact.noted THEN contact.clock ELSE device.clock_offset END,
                        pushed_changes = pushed_changes + contact.changes
                    FROM unnest(\(ids)::text[], \(ids.map { devices[$0]!.changes })::bigint[],
                        \(ids.map { devices[$0]!.offset ?? 0 })::bigint[], \(ids.map { devices[$0]!.offset != nil })::bool[])
                        AS contact (id, changes, clock, noted)
                    WHERE device.id = contact.id
                    """, logger: logger)
                await beforeCommit?()
                try await Self.advance(from: first, to: inserted.head, at: now, on: connection, logger: logger)
                return (inserted.new, inserted.head, inserted.added)
            }
        } catch {
            return (pushes.map { _ in .failure(error) }, nil)
        }
        var new = written.new.makeIterator()
        let receipts: [Result<ReplicaStore.Receipt, any Error>] = zip(pushes, refusals).map { push, refusal in
            if let refusal { return .failure(refusal) }
            let count = new.next()!
            return .success(ReplicaStore.Receipt(new: count, known: push.changes.count - count, cursor: written.cursor))
        }
        let segment =
            written.changes.isEmpty
            ? nil : ReplicaStore.FeedSegment(changes: written.changes, arrivedAt: now, through: written.cursor)
        return (receipts, segment)
    }

    /// Inserts a batch's records and the changes the log does not hold, numbered after `head` in order.
    /// - Returns: how many changes were new, the last number given, and the new changes in their order.
    static func insert(
        _ changes: [Change], after head: Int64, on connection: PostgresConnection, logger: Logger
    ) async throws -> (new: Int, head: Int64, added: [Change]) {
        let inserted = try await insert([changes], after: head, on: connection, logger: logger)
        return (inserted.new[0], inserted.head, inserted.added)
    }

    /// Inserts several batches in one go, as if one after another: each batch's count of new changes,
    /// the last number given, and the new changes in their order. A change is held once per record
    /// (`ChangeIdentity`: its record and its timestamp).
    /// - Parameter fixingScopes: devices' batches: a change must name its record's scope as the log holds
    ///   it.
    /// - Throws: `ChangeRefusal` if a change names an id held as the other kind, or (`fixingScopes`)
    ///   another scope than its record's; nothing is written then.
    static func insert(
        _ batches: [[Change]], after head: Int64, on connection: PostgresConnection, logger: Logger,
        fixingScopes: Bool = false
    ) async throws -> (new: [Int], head: Int64, added: [Change]) {
        let changes = batches.flatMap { $0 }
        guard !changes.isEmpty else { return (batches.map { _ in 0 }, head, []) }
        // The records, each once, with the scope of its first change (as every store keeps it).
        var seen: Set<EntityKey> = []
        var kinds: [String] = []
        var uids: [String] = []
        var scopes: [String] = []
        for change in changes where seen.insert(change.entity).inserted {
            kinds.append(change.entity.kind.rawValue)
            uids.append(change.entity.id.description)
            scopes.append(change.scope.description)
        }
        // Records new to the log hold no change yet: their changes need no look-up.
        var records: [String: (id: Int64, kind: String, scope: String, new: Bool)] = [:]
        for try await (id, uid, kind, scope) in try await connection.query(
            """
            INSERT INTO record (kind, uid, scope)
            SELECT * FROM unnest(\(kinds)::text[], \(uids)::text[], \(scopes)::text[])
            ON CONFLICT (uid) DO NOTHING
            RETURNING id, uid, kind, scope
            """, logger: logger
        ).decode((Int64, String, String, String).self) {
            records[uid] = (id, kind, scope, true)
        }
        let known = uids.filter { records[$0] == nil }
        if !known.isEmpty {
            for try await (id, uid, kind, scope) in try await connection.query(
                "SELECT id, uid, kind, scope FROM record WHERE uid = ANY(\(known)::text[])", logger: logger
            ).decode((Int64, String, String, String).self) {
                records[uid] = (id, kind, scope, false)
            }
        }
        for batch in batches {
            for (index, change) in batch.enumerated() {
                guard let record = records[change.entity.id.description] else { continue }
                guard record.kind == change.entity.kind.rawValue else {
                    throw ChangeRefusal.kindConflict(change.entity, change: index)
                }
                if fixingScopes, record.scope != change.scope.description {
                    throw ChangeRefusal.scopeMismatch(change, change: index)
                }
            }
        }
        // Which of the changes of records the log knew it holds already (one look-up for all of them).
        var probed: [Change] = []
        for change in changes where records[change.entity.id.description]?.new == false {
            probed.append(change)
        }
        var held: Set<ChangeIdentity> = []
        if !probed.isEmpty {
            let probedRecords = probed.map { records[$0.entity.id.description]?.id ?? 0 }
            for try await (record, physical, counter, replica) in try await connection.query(
                """
                SELECT c.record, c.physical, c.counter, c.replica FROM change c
                JOIN unnest(\(probedRecords)::bigint[], \(probed.map(\.timestamp.physical))::bigint[],
                    \(probed.map { Int64($0.timestamp.counter) })::bigint[],
                    \(probed.map { Int64($0.timestamp.replica.rawValue) })::bigint[])
                    AS probe (record, physical, counter, replica)
                    ON c.physical = probe.physical AND c.counter = probe.counter AND c.replica = probe.replica
                    AND c.record = probe.record
                """, logger: logger
            ).decode((Int64, Int64, Int64, Int64).self) {
                held.insert(
                    ChangeIdentity(
                        record: record,
                        timestamp: HybridTimestamp(
                            physical: physical, counter: UInt32(counter),
                            replica: ReplicaID(rawValue: UInt64(replica)))))
            }
        }
        // The changes the log does not hold yet, each once, numbered after `head` in the batch's order
        // (writers take turns, so no other can add one meanwhile).
        var columns = (
            seq: [Int64](), physical: [Int64](), counter: [Int64](), replica: [Int64](), record: [Int64](),
            scope: [String](), field: [String](), value: [String](), area: [Int64]()
        )
        var added: [Change] = []
        var new: [Int] = []
        for batch in batches {
            let before = added.count
            for change in batch {
                guard let record = records[change.entity.id.description] else {
                    throw StoreError(code: .corrupt, message: "the record of change \(change.timestamp) was not stored")
                }
                guard held.insert(ChangeIdentity(record: record.id, timestamp: change.timestamp)).inserted else {
                    continue
                }
                added.append(change)
            }
            new.append(added.count - before)
        }
        for (index, change) in added.enumerated() {
            guard let record = records[change.entity.id.description] else {
                throw StoreError(code: .corrupt, message: "the record of change \(change.timestamp) was not stored")
            }
            columns.seq.append(head + Int64(index) + 1)
            columns.physical.append(change.timestamp.physical)
            columns.counter.append(Int64(change.timestamp.counter))
            columns.replica.append(Int64(change.timestamp.replica.rawValue))
            columns.record.append(record.id)
            // Empty (stored as NULL): the record's own scope.
            columns.scope.append(change.scope.description == record.scope ? "" : change.scope.description)
            columns.field.append(change.field.rawValue)
            columns.value.append(change.valueJSON)
            columns.area.append(try Self.area(record.scope, filling: "0"))
        }
        guard !added.isEmpty else { return (new, head, []) }
        try await connection.query(
            """
            INSERT INTO change (seq, physical, counter, replica, record, scope, field, value, area)
            SELECT seq, physical, counter, replica, record, nullif(scope, ''), field, value, area
            FROM unnest(\(columns.seq)::bigint[], \(columns.physical)::bigint[], \(columns.counter)::bigint[],
                \(columns.replica)::bigint[], \(columns.record)::bigint[], \(columns.scope)::text[],
                \(columns.field)::text[], \(columns.value)::text[], \(columns.area)::bigint[])
                AS input (seq, physical, counter, replica, record, scope, field, value, area)
            """, logger: logger)
        return (new, head + Int64(added.count), added)
    }

    // MARK: The feed

    /// The feed's head: every change numbered at or below it has committed.
    public func cursor() async throws -> Int64 {
        try await value("SELECT head FROM feed WHERE id = 1", as: Int64.self) ?? 0
    }

    /// The kind and scope of each of `ids` the log holds.
    public func recordsHeld(_ ids: [RecordID]) async throws -> [RecordID: HeldRecord] {
        guard !ids.isEmpty else { return [:] }
        let uids = ids.map(\.description)
        return try await answered { [client, logger] in
            var held: [RecordID: HeldRecord] = [:]
            let rows = try await client.query(
                "SELECT uid, kind, scope FROM record WHERE uid = ANY(\(uids)::text[])", logger: logger)
            for try await (uid, kind, scope) in rows.decode((String, String, String).self) {
                guard let id = RecordID(uid), let kind = EntityKind(rawValue: kind) else { continue }
                held[id] = HeldRecord(kind: kind, scope: try AreaCode(parsing: scope))
            }
            return held
        }
    }

    /// The timestamp of the change numbered `seq`, nil if the log has none.
    public func stamp(at seq: Int64) async throws -> HybridTimestamp? {
        try await answered { [client, logger] in
            var stamp: HybridTimestamp?
            let rows = try await client.query(
                "SELECT physical, counter, replica FROM change WHERE seq = \(seq)", logger: logger)
            for try await (physical, counter, replica) in rows.decode((Int64, Int64, Int64).self) {
                stamp = HybridTimestamp(
                    physical: physical, counter: UInt32(truncatingIfNeeded: counter),
                    replica: ReplicaID(rawValue: UInt64(bitPattern: replica)))
            }
            return stamp
        }
    }

    /// A division code as the 12-digit number the log indexes changes by: filled with 0 it is the code's
    /// own number (a town's own code ends in 000), filled with 9 the last number it covers.
    static func area(_ code: String, filling digit: Character) throws -> Int64 {
        guard code.count <= 12, let number = Int64(code + String(repeating: digit, count: 12 - code.count)) else {
            throw StoreError(code: .corrupt, message: "'\(code)' is not a division code")
        }
        return number
    }

    /// The first row's one column of `query` (nil if no row), within `answered`.
    func value<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type) async throws -> T? {
        try await answered { [client, logger] in
            var first: T?
            // Read to the end: the connection goes back to the pool with nothing left to read.
            for try await value in try await client.query(query, logger: logger).decode(T.self) where first == nil {
                first = value
            }
            return first
        }
    }

    /// How many changes lie after `cursor` within `reach` (all when nil): what a pull has ahead.
    public func remaining(after cursor: Int64, within reach: Reach?) async throws -> Int {
        try await answered { [client, logger] in
            let low = try reach.map { try Self.area($0.scope.description, filling: "0") } ?? 0
            let high = try reach.map { try Self.area($0.scope.description, filling: "9") } ?? Int64.max
            let merged = try (reach?.predecessors ?? []).map { try Self.area($0.description, filling: "0") }
            let departed = try (reach?.departed ?? []).map { try Self.area($0.description, filling: "0") }
            var count: Int64 = 0
            for try await value in try await client.query(
                """
                SELECT count(*) FROM change
                WHERE seq > \(cursor) AND (area >= \(low) AND area <= \(high) OR area = ANY(\(merged)))
                    AND area <> ALL(\(departed))
                """, logger: logger
            ).decode(Int64.self) {
                count = value
            }
            return Int(count)
        }
    }

    /// A page of the feed, written as `ChangePage` JSON: changes after `cursor` whose record lies within
    /// `reach` (all when nil), in sequence order, at most `limit`.
    public func pageJSON(
        after cursor: Int64, within reach: Reach?, limit: Int
    ) async throws -> (json: [UInt8], cursor: Int64, more: Bool, count: Int) {
        try await answered { [client, logger] in
            // A town's code is a prefix of its villages': its changes are one range of areas, read through
            // the (area, seq) index; the district's are all of them, in sequence order.
            let low = try reach.map { try Self.area($0.scope.description, filling: "0") } ?? 0
            let high = try reach.map { try Self.area($0.scope.description, filling: "9") } ?? Int64.max
            // Areas merged into the scope: their own codes (nothing stands within a merged area); and those
            // within it merged into one outside.
            let merged = try (reach?.predecessors ?? []).map { try Self.area($0.description, filling: "0") }
            let departed = try (reach?.departed ?? []).map { try Self.area($0.description, filling: "0") }
            let rows = try await client.query(
                merged.isEmpty && departed.isEmpty
                    ? """
                    SELECT \(unescaped: FeedRow.columns)
                    FROM change c JOIN record r ON r.id = c.record
                    WHERE c.seq > \(cursor) AND c.area >= \(low) AND c.area <= \(high)
                    ORDER BY c.seq LIMIT \(limit + 1)
                    """
                    : """
                    SELECT \(unescaped: FeedRow.columns)
                    FROM change c JOIN record r ON r.id = c.record
                    WHERE c.seq > \(cursor) AND (c.area >= \(low) AND c.area <= \(high) OR c.area = ANY(\(merged)))
                        AND c.area <> ALL(\(departed))
                    ORDER BY c.seq LIMIT \(limit + 1)
                    """, logger: logger)
            var writer = ChangeWriter(capacity: limit)
            var last = cursor
            var more = false
            for try await row in rows {
                guard writer.count < limit else {
                    more = true
                    break
                }
                let change = try FeedRow(row)
                writer.append(
                    field: change.field.readableBytesView, id: change.uid.readableBytesView,
                    kind: change.kind.readableBytesView, scope: change.scope.readableBytesView,
                    timestamp: change.timestamp, value: change.value.readableBytesView)
                last = change.seq
            }
            return (writer.page(cursor: last, more: more), last, more, writer.count)
        }
    }
}

/// The first of several outcomes to arrive resumes the waiting caller; the others are dropped.
private final class Race<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var outcome: Result<T, any Error>?
        var cleanup: (@Sendable () -> Void)?
        var finished = false
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let outcome = state.withLock { state -> Result<T, any Error>? in
            guard let outcome = state.outcome else {
                state.continuation = continuation
                return nil
            }
            return outcome
        }
        if let outcome { continuation.resume(with: outcome) }
    }

    /// Runs `cleanup` once the race is decided (at once if it is).
    func onFinish(_ cleanup: @escaping @Sendable () -> Void) {
        let decided = state.withLock { state -> Bool in
            if state.finished { return true }
            state.cleanup = cleanup
            return false
        }
        if decided { cleanup() }
    }

    func finish(_ outcome: Result<T, any Error>) {
        let (continuation, cleanup) = state.withLock {
            state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
            guard !state.finished else { return (nil, nil) }
            state.finished = true
            defer { (state.continuation, state.cleanup) = (nil, nil) }
            if state.continuation == nil { state.outcome = outcome }
            return (state.continuation, state.cleanup)
        }
        continuation?.resume(with: outcome)
        cleanup?()
    }
}
