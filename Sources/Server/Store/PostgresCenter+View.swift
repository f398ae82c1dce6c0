import Foundation
import PostgresNIO
import Shared
import Storage

/// What a process needs to keep its local merged view in step with the shared log (the log with its
/// arrival times, the areas, the review queue), and to write what it computed there: the duplicate
/// finder's merges and proposals, a person's decisions. Also the bulk copies `center migrate` makes.
extension PostgresCenter {
    /// The database's identity, made when its schema was created.
    public func identity() async throws -> String {
        try await value("SELECT uuid FROM fieldsync_identity", as: String.self) ?? ""
    }

    /// The timestamp of the change numbered `seq`, if the log holds it.
    public func timestamp(at seq: Int64) async throws -> HybridTimestamp? {
        try await answered { [client, logger] in
            var timestamp: HybridTimestamp?
            for try await (physical, counter, replica) in try await client.query(
                "SELECT physical, counter, replica FROM change WHERE seq = \(seq)", logger: logger
            ).decode((Int64, Int64, Int64).self) {
                timestamp = HybridTimestamp(
                    physical: physical, counter: UInt32(counter), replica: ReplicaID(rawValue: UInt64(replica)))
            }
            return timestamp
        }
    }

    /// The log after `seq`, at most `limit` changes, as segments that arrived together.
    public func segments(after seq: Int64, limit: Int) async throws -> [ReplicaStore.FeedSegment] {
        try await answered { [client, logger] in
            var changes: [(seq: Int64, change: Change)] = []
            for try await row in try await client.query(
                """
                SELECT \(unescaped: FeedRow.columns)
                FROM change c JOIN record r ON r.id = c.record
                WHERE c.seq > \(seq) ORDER BY c.seq LIMIT \(limit)
                """, logger: logger
            ) {
                let row = try FeedRow(row)
                changes.append((row.seq, try row.change()))
            }
            guard let last = changes.last?.seq else { return [] }
            var arrivals: [(seq: Int64, at: Int64)] = []
            for try await arrival in try await client.query(
                """
                (SELECT seq, at FROM arrival WHERE seq > \(seq) AND seq <= \(last))
                UNION ALL (SELECT seq, at FROM arrival WHERE seq > \(last) ORDER BY seq LIMIT 1)
                ORDER BY seq
                """, logger: logger
            ).decode((Int64, Int64).self) {
                arrivals.append(arrival)
            }
            return try ReplicaStore.split(changes, at: arrivals)
        }
    }

    /// Areas added or renamed after `revision`, with the latest revision.
    public func areas(after revision: Int64) async throws -> (areas: [Area], revision: Int64) {
        try await answered { [client, logger] in
            var result: (areas: [Area], revision: Int64) = ([], revision)
            for try await (code, name, successor, changed) in try await client.query(
                "SELECT code, name, successor, revision FROM area WHERE revision > \(revision) ORDER BY code",
                logger: logger
            ).decode((String, String, String?, Int64).self) {
                result.areas.append(try Self.area(code: code, name: name, successor: successor))
                result.revision = max(result.revision, changed)
            }
            return result
        }
    }

    /// Rows of the review queue written after `revision`, with the latest revision.
    public func pairs(after revision: Int64) async throws -> (pairs: [ReplicaStore.PairRecord], revision: Int64) {
        try await answered { [client, logger] in
            var result: (pairs: [ReplicaStore.PairRecord], revision: Int64) = ([], revision)
            for try await (first, second, score, reasons, decision, proposedAt, decidedAt, changed)
                in try await client
                .query(
                    """
                    SELECT first, second, score, reasons, decision, proposedat, decidedat, revision FROM duplicate_pair
                    WHERE revision > \(revision) ORDER BY revision
                    """, logger: logger
                ).decode((String, String, Double, String, String, Int64, Int64?, Int64).self)
            {
                guard let decision = ReplicaStore.Decision(rawValue: decision) else {
                    throw StoreError(code: .corrupt, message: "the review queue holds a pair decided '\(decision)'")
                }
                result.pairs.append(
                    ReplicaStore.PairRecord(
                        first: first, second: second, score: score, reasons: reasons, decision: decision,
                        proposedAt: proposedAt, decidedAt: decidedAt))
                result.revision = max(result.revision, changed)
            }
            return result
        }
    }

    /// The sequence up to which the duplicate finder has checked the log.
    public func finderChecked() async throws -> Int64 {
        try await value("SELECT checked FROM finder WHERE id = 1", as: Int64.self) ?? 0
    }

    /// Writes, in one transaction, changes made by a center process (merges, splits) and writes to the
    /// review queue; with `finder`, only if the finder has checked exactly up to `finder.from` (no other
    /// process did this work meanwhile), and then notes that it has checked up to `finder.to`.
    /// - Returns: false if another process's finder got there first (nothing written).
    public func write(
        _ changes: [Change], pairs: [PairWrite], finder: (from: Int64, to: Int64)? = nil
    ) async throws -> Bool {
        let (logger, now) = (self.logger, wallClock.milliseconds())
        return try await transaction { connection in
            if let finder {
                var checked: Int64 = -1
                for try await value in try await connection.query(
                    "SELECT checked FROM finder WHERE id = 1 FOR UPDATE", logger: logger
                ).decode(Int64.self) {
                    checked = value
                }
                guard checked == finder.from else { return false }
                try await connection.query("UPDATE finder SET checked = \(finder.to) WHERE id = 1", logger: logger)
            }
            if !changes.isEmpty {
                let head = try await Self.lockHead(connection, logger: logger)
                let inserted = try await Self.insert(changes, after: head, on: connection, logger: logger)
                try await Self.advance(from: head, to: inserted.head, at: now, on: connection, logger: logger)
            }
            try await Self.write(pairs, on: connection, logger: logger)
            return true
        }
    }

    /// Writes to the review queue with the embedded store's rules (`PairWrite.upsert`): a proposal
    /// updates only a pair still waiting, a decision overrides; every row written takes a new revision,
    /// so that other processes copy it. A statement per run of writes to distinct pairs and kind.
    static func write(_ pairs: [PairWrite], on connection: PostgresConnection, logger: Logger) async throws {
        var start = pairs.startIndex
        while start < pairs.endIndex {
            var keys: Set<[String]> = []
            var end = start
            while end < pairs.endIndex, keys.insert([pairs[end].first, pairs[end].second]).inserted { end += 1 }
            let run = pairs[start..<end]
            for proposals in [true, false] {
                let chosen = run.filter { ($0.decision == .review) == proposals }
                guard !chosen.isEmpty else { continue }
                let (first, second) = (chosen.map(\.first), chosen.map(\.second))
                let (scores, reasons) = (chosen.map(\.score), chosen.map(\.reasons))
                let (decisions, times) = (chosen.map(\.decision.rawValue), chosen.map(\.at))
                let rows: PostgresQuery = """
                    INSERT INTO duplicate_pair (first, second, score, reasons, decision, proposedat, decidedat)
                    SELECT first, second, score, reasons, decision, at, CASE WHEN decision = 'review' THEN NULL ELSE at END
                    FROM unnest(\(first)::text[], \(second)::text[], \(scores)::float8[], \(reasons)::text[],
                        \(decisions)::text[], \(times)::int8[]) AS input (first, second, score, reasons, decision, at)
                    """
                let conflict =
                    proposals
                    ? """
                    ON CONFLICT (first, second) DO UPDATE SET score = excluded.score, reasons = excluded.reasons,
                        revision = nextval('revision') WHERE duplicate_pair.decision = 'review'
                    """
                    : """
                    ON CONFLICT (first, second) DO UPDATE SET decision = excluded.decision,
                        decidedat = excluded.decidedat, revision = nextval('revision')
                    """
                try await connection.query(
                    PostgresQuery(unsafeSQL: rows.sql + "\n" + conflict, binds: rows.binds), logger: logger)
            }
            start = end
        }
    }

    /// Takes the feed's head row until the transaction ends (see the type's note on gaps).
    static func lockHead(_ connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        var head: Int64 = 0
        for try await value in try await connection.query(
            "SELECT head FROM feed WHERE id = 1 FOR UPDATE", logger: logger
        ).decode(Int64.self) {
            head = value
        }
        return head
    }

    /// Moves the head past changes numbered up to `last` and notes when they arrived.
    static func advance(
        from head: Int64, to last: Int64, at time: Int64, on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard last > head else { return }
        try await connection.query("INSERT INTO arrival (seq, at) VALUES (\(last), \(time))", logger: logger)
        try await connection.query("UPDATE feed SET head = \(last) WHERE id = 1", logger: logger)
    }

    // MARK: Moving a center

    /// The center a migration into this database is copying, while it is unfinished.
    public func migrationSource() async throws -> String? {
        try await value("SELECT source FROM migration_source WHERE id = 1", as: String.self)
    }

    /// Starts, or takes up again, a migration from the center `source`: a database that is empty, or
    /// that holds an unfinished migration from the same center.
    /// - Returns: whether an unfinished migration is taken up again.
    /// - Throws: `InputError` if the database holds a center, or part of another center's migration.
    func beginMigration(from source: String) async throws -> Bool {
        let logger = self.logger
        let server = self.server
        return try await transaction { connection in
            try await connection.query("LOCK TABLE migration_source IN EXCLUSIVE MODE", logger: logger)
            var started: String?
            for try await value in try await connection.query(
                "SELECT source FROM migration_source WHERE id = 1", logger: logger
            ).decode(String.self) {
                started = value
            }
            if let started {
                guard started == source else {
                    throw InputError(
                        "the PostgreSQL database at \(server) holds part of a migration from another center; "
                            + "drop the database, create it again, and rerun",
                        chinese: "\(server) 上的 PostgreSQL 数据库里是另一个区中心迁移到一半的数据；请删掉数据库、重新创建，再运行一次")
                }
                return true
            }
            var empty = false
            for try await value in try await connection.query(
                """
                SELECT NOT EXISTS (SELECT 1 FROM area) AND NOT EXISTS (SELECT 1 FROM device)
                    AND NOT EXISTS (SELECT 1 FROM change)
                """, logger: logger
            ).decode(Bool.self) {
                empty = value
            }
            guard empty else {
                throw InputError(
                    "the PostgreSQL database at \(server) already holds a center; migrate into an empty database",
                    chinese: "\(server) 上的 PostgreSQL 数据库里已经有区中心；请迁入一个空数据库")
            }
            try await connection.query(
                "INSERT INTO migration_source (id, source) VALUES (1, \(source))", logger: logger)
            return false
        }
    }

    /// Marks the migration into this database whole: it may be served from now on.
    func finishMigration() async throws {
        let logger = self.logger
        try await transaction { connection in
            _ = try await connection.query("DELETE FROM migration_source", logger: logger)
        }
    }

    /// Refuses to serve or copy a database a migration has not finished filling.
    /// - Throws: `StoreError` `.storage` saying to run the migration again.
    public func checkNoUnfinishedMigration() async throws {
        guard try await migrationSource() != nil else { return }
        throw StoreError(
            code: .storage,
            message: "the PostgreSQL database at \(server) holds a migration that stopped before it finished; "
                + "run the same center migrate again to complete it",
            chinese: "\(server) 上的 PostgreSQL 数据库里有一次没有完成的迁移；请再运行一次同样的 center migrate 把它完成")
    }

    /// Appends segments of another center's log with their own sequence numbers and arrival times; the
    /// finder counts them as checked (the other center checked them).
    /// - Throws: `StoreError` `.corrupt` if they do not continue this log's numbering.
    public func append(_ segments: [ReplicaStore.FeedSegment]) async throws {
        let logger = self.logger
        try await transaction { connection in
            for segment in segments {
                let head = try await Self.lockHead(connection, logger: logger)
                let inserted = try await Self.insert(segment.changes, after: head, on: connection, logger: logger)
                guard inserted.head == segment.through, inserted.new == segment.changes.count else {
                    throw StoreError(
                        code: .corrupt,
                        message:
                            "the copied log's numbers drifted: \(inserted.head) where the original has \(segment.through)"
                    )
                }
                try await Self.advance(
                    from: head, to: inserted.head, at: segment.arrivedAt, on: connection, logger: logger)
                try await connection.query("UPDATE finder SET checked = \(inserted.head) WHERE id = 1", logger: logger)
            }
        }
    }

    /// Sets rows of the review queue as another store holds them.
    public func replacePairs(_ pairs: [ReplicaStore.PairRecord]) async throws {
        let logger = self.logger
        try await transaction { connection in
            for pair in pairs {
                try await connection.query(
                    """
                    INSERT INTO duplicate_pair (first, second, score, reasons, decision, proposedat, decidedat)
                    VALUES (\(pair.first), \(pair.second), \(pair.score), \(pair.reasons), \(pair.decision.rawValue),
                        \(pair.proposedAt), \(pair.decidedAt))
                    ON CONFLICT (first, second) DO UPDATE SET score = excluded.score, reasons = excluded.reasons,
                        decision = excluded.decision, proposedat = excluded.proposedat, decidedat = excluded.decidedat,
                        revision = nextval('revision')
                    """, logger: logger)
            }
        }
    }

    /// Every enrolled device with the hash of its secret.
    public func deviceRecords() async throws -> [(device: ReplicaStore.Device, secretHash: [UInt8])] {
        try await answered { [self] in
            try await devices("\(unescaped: Self.deviceColumns) ORDER BY created_at, id").map { ($0.0, $0.secretHash) }
        }
    }

    /// Adds devices enrolled at another store, with their secrets' hashes and their contact.
    public func importDevices(_ devices: [(device: ReplicaStore.Device, secretHash: [UInt8])]) async throws {
        let logger = self.logger
        try await transaction { connection in
            for (device, hash) in devices {
                try await connection.query(
                    """
                    INSERT INTO device (id, name, scope, role, secret_hash, created_at, revoked_at, last_seen_at,
                        clock_offset, pushed_changes)
                    VALUES (\(device.id), \(device.name), \(device.scope.description), \(device.role.code),
                        \(ByteBuffer(bytes: hash)), \(device.createdAt), \(device.revokedAt), \(device.lastSeenAt),
                        \(device.clockOffset), \(Int64(device.pushedChanges)))
                    ON CONFLICT (id) DO NOTHING
                    """, logger: logger)
            }
        }
    }
}
