import Foundation
import PostgresNIO
import Shared
import Storage

/// The district's areas and its enrolled devices, shared by every center process; the same rules as
/// the embedded store's (`ReplicaStore.checkAreas`, `checkEnrollment`).
extension PostgresCenter {
    // MARK: Areas

    /// Adds or renames areas. All must lie in one district, the center's (the first import sets it).
    /// - Throws: `InputError` naming the first area outside the district or whose parent is unknown.
    public func importAreas(_ areas: [Area]) async throws -> Int {
        let logger = self.logger
        try await transaction { connection in
            // One import at a time: the district row is written once.
            try await connection.query("LOCK TABLE area IN EXCLUSIVE MODE", logger: logger)
            var district: AreaCode?
            for try await code in try await connection.query("SELECT code FROM district", logger: logger).decode(
                String.self)
            {
                district = try AreaCode(parsing: code)
            }
            var known: [Area] = []
            for try await (code, name, successor) in try await connection.query(
                "SELECT code, name, successor FROM area", logger: logger
            ).decode((String, String, String?).self) {
                known.append(try Self.area(code: code, name: name, successor: successor))
            }
            let checked = try ReplicaStore.checkAreas(areas, district: district, known: known)
            if district == nil, let checked {
                try await connection.query(
                    "INSERT INTO district (id, code) VALUES (1, \(checked.description))", logger: logger)
            }
            for area in areas {
                try await connection.query(
                    """
                    INSERT INTO area (code, name, parent, level, successor)
                    VALUES (\(area.code.description), \(area.name), \(area.parent?.description), \("\(area.code.level)"),
                        \(area.successor?.description))
                    ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent = excluded.parent, level = excluded.level,
                        successor = coalesce(excluded.successor, area.successor), revision = nextval('revision')
                    """, logger: logger)
            }
        }
        return areas.count
    }

    /// Every known area, by code.
    public func areas() async throws -> [Area] {
        try await answered { [self] in
            var areas: [Area] = []
            for try await (code, name, successor) in try await client.query(
                "SELECT code, name, successor FROM area ORDER BY code", logger: logger
            ).decode((String, String, String?).self) {
                areas.append(try Self.area(code: code, name: name, successor: successor))
            }
            return areas
        }
    }

    /// The devices the replicas of a batch are bound to, once `own` is bound to `device` if free.
    public func replicaOwners(
        _ replicas: Set<ReplicaID>, binding own: ReplicaID?, to device: String
    ) async throws -> ReplicaOwners {
        let now = wallClock.milliseconds()
        let asked = replicas.union(own.map { [$0] } ?? []).map { Int64(bitPattern: $0.rawValue) }
        let read: @Sendable () async throws -> ReplicaOwners = { [self] in
            var owners = ReplicaOwners()
            for try await (replica, owner, scope) in try await client.query(
                """
                SELECT r.replica, r.device, d.scope FROM device_replica r LEFT JOIN device d ON d.id = r.device
                WHERE r.replica = ANY(\(asked)::bigint[])
                """, logger: logger
            ).decode((Int64, String, String?).self) {
                owners.owners[ReplicaID(rawValue: UInt64(bitPattern: replica))] = owner
                if let scope { owners.scopes[owner] = try AreaCode(parsing: scope) }
            }
            for try await at in try await client.query(
                "SELECT at FROM device_restart WHERE device = \(device)", logger: logger
            ).decode(Int64.self) {
                owners.restartedAt = at
            }
            return owners
        }
        return try await answered { [self] in
            // Written only the first time a replica is seen.
            let owners = try await read()
            guard let own, owners.owners[own] == nil else { return owners }
            try await client.query(
                """
                INSERT INTO device_replica (replica, device, bound_at)
                VALUES (\(Int64(bitPattern: own.rawValue)), \(device), \(now)) ON CONFLICT (replica) DO NOTHING
                """, logger: logger)
            return try await read()
        }
    }

    /// Binds `replica` to `device` in place of the device it was bound to (a laptop enrolled again).
    public func rebind(_ replica: ReplicaID, to device: String) async throws {
        let now = wallClock.milliseconds()
        _ = try await answered { [self] in
            try await client.query(
                """
                INSERT INTO device_replica (replica, device, bound_at)
                VALUES (\(Int64(bitPattern: replica.rawValue)), \(device), \(now))
                ON CONFLICT (replica) DO UPDATE SET device = excluded.device, bound_at = excluded.bound_at
                """, logger: logger)
        }
    }

    /// Notes that the center told `device` its log is not the one the device synced with.
    public func noteRestart(of device: String) async throws {
        let now = wallClock.milliseconds()
        _ = try await answered { [self] in
            try await client.query(
                """
                INSERT INTO device_restart (device, at) VALUES (\(device), \(now))
                ON CONFLICT (device) DO UPDATE SET at = excluded.at
                """, logger: logger)
        }
    }

    /// Which of `codes` are known areas (merged ones included).
    public func knownAreas(among codes: Set<AreaCode>) async throws -> Set<AreaCode> {
        guard !codes.isEmpty else { return [] }
        let texts = codes.map(\.description)
        return try await answered { [self] in
            var known: Set<AreaCode> = []
            for try await code in try await client.query(
                "SELECT code FROM area WHERE code = ANY(\(texts)::text[])", logger: logger
            ).decode(String.self) {
                known.insert(try AreaCode(parsing: code))
            }
            return known
        }
    }

    /// Where the records of merged areas count now.
    public func successions() async throws -> Successions {
        try await answered { [self] in
            var successors: [AreaCode: AreaCode] = [:]
            for try await (code, successor) in try await client.query(
                "SELECT code, successor FROM area WHERE successor IS NOT NULL", logger: logger
            ).decode((String, String).self) {
                successors[try AreaCode(parsing: code)] = try AreaCode(parsing: successor)
            }
            return Successions(successors: successors)
        }
    }

    /// An area as the table holds it.
    static func area(code: String, name: String, successor: String?) throws -> Area {
        Area(code: try AreaCode(parsing: code), name: name, successor: try successor.map { try AreaCode(parsing: $0) })
    }

    // MARK: Devices

    /// The columns `device(_:)` reads, in its order.
    static let deviceColumns = """
        SELECT id, name, scope, role, created_at, revoked_at, last_seen_at, clock_offset, pushed_changes, secret_hash
        FROM device
        """

    typealias DeviceRow = (String, String, String, String, Int64, Int64?, Int64?, Int64?, Int64, ByteBuffer)

    static func device(_ row: DeviceRow) throws -> (ReplicaStore.Device, secretHash: [UInt8]) {
        let (id, name, scope, role, createdAt, revokedAt, lastSeenAt, clockOffset, pushedChanges, hash) = row
        var device = ReplicaStore.Device(
            id: id, name: name, scope: try AreaCode(parsing: scope), role: DeviceRole(rawValue: role) ?? .grid,
            createdAt: createdAt)
        device.revokedAt = revokedAt
        device.lastSeenAt = lastSeenAt
        device.clockOffset = clockOffset
        device.pushedChanges = Int(pushedChanges)
        return (device, Array(buffer: hash))
    }

    /// The devices `query` (`deviceColumns` and a condition) finds.
    func devices(_ query: PostgresQuery) async throws -> [(ReplicaStore.Device, secretHash: [UInt8])] {
        var devices: [(ReplicaStore.Device, secretHash: [UInt8])] = []
        for try await row in try await client.query(query, logger: logger).decode(DeviceRow.self) {
            devices.append(try Self.device(row))
        }
        return devices
    }

    /// Enrolls a device for a worker; returns it and its credential, whose secret is shown only now.
    /// - Throws: `InputError` if the scope does not fit the role or is not one of the district's areas.
    public func enroll(
        name: String, scope: AreaCode, role: DeviceRole
    ) async throws -> (ReplicaStore.Device, DeviceCredential) {
        try await answered { [self] in
            let name = try ReplicaStore.checkEnrollment(name: name, scope: scope, role: role)
            let credential = DeviceCredential.generate()
            var inserted = 0
            for try await count in try await client.query(
                """
                WITH inserted AS (
                    INSERT INTO device (id, name, scope, role, secret_hash, created_at)
                    SELECT \(credential.device), \(name), code, \(role.code), \(ByteBuffer(bytes: credential.secretHash)),
                        \(wallClock.milliseconds())
                    FROM area WHERE code = \(scope.description) AND successor IS NULL
                    RETURNING 1
                )
                SELECT count(*) FROM inserted
                """, logger: logger
            ).decode(Int64.self) {
                inserted = Int(count)
            }
            guard inserted == 1 else {
                var merged: String?
                for try await successor in try await client.query(
                    "SELECT successor FROM area WHERE code = \(scope.description) AND successor IS NOT NULL",
                    logger: logger
                ).decode(String.self) {
                    merged = successor
                }
                throw merged.map { ReplicaStore.mergedScope(scope, into: $0) } ?? ReplicaStore.unknownScope(scope)
            }
            let device = try await devices("\(unescaped: Self.deviceColumns) WHERE id = \(credential.device)")
            return (device[0].0, credential)
        }
    }

    /// Every enrolled device, oldest first.
    public func devices() async throws -> [ReplicaStore.Device] {
        try await answered { [self] in
            try await devices("\(unescaped: Self.deviceColumns) ORDER BY created_at, id").map(\.0)
        }
    }

    /// Revokes a device: it can no longer push or pull; what it delivered stays.
    /// - Throws: `DeviceNotFound` if there is no such device.
    public func revoke(device id: String) async throws -> ReplicaStore.Device {
        try await answered { [self] in
            try await client.query(
                "UPDATE device SET revoked_at = coalesce(revoked_at, \(wallClock.milliseconds())) WHERE id = \(id.lowercased())",
                logger: logger)
            guard let device = try await devices("\(unescaped: Self.deviceColumns) WHERE id = \(id.lowercased())").first
            else {
                throw DeviceNotFound(id: id)
            }
            return device.0
        }
    }

    /// The device a credential proves, or nil if the id is unknown or the secret wrong. Revoked devices
    /// are returned, for the caller to refuse with a message that says so.
    public func authenticate(_ credential: DeviceCredential) async throws -> ReplicaStore.Device? {
        try await answered { [self] in
            guard
                let found = try await devices("\(unescaped: Self.deviceColumns) WHERE id = \(credential.device)").first
            else {
                return nil
            }
            return credential.matches(found.secretHash) ? found.0 : nil
        }
    }

    /// Notes that a device pulled, and its clock offset.
    public func noteContact(of device: String, clockOffset: Int64?) async throws {
        try await answered { [self] in
            try await client.query(
                """
                UPDATE device SET last_seen_at = \(wallClock.milliseconds()), clock_offset = coalesce(\(clockOffset), clock_offset)
                WHERE id = \(device)
                """, logger: logger)
            return ()
        }
    }
}
