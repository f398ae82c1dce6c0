import Foundation
import GRDB
import Shared

/// What the district center keeps beside the merged log: its areas and its enrolled devices, and the
/// log read as a feed by the center's sequence.
extension ReplicaStore {
    // MARK: Areas

    /// Adds or renames areas, and merges those given a successor (`Successions`): their records are
    /// placed in the successor's rows from now on. All must lie in one district, the center's. An area
    /// imported again without a successor stays merged.
    /// - Throws: `InputError` naming the first area outside the district, whose parent is unknown, or
    ///   that cannot be merged as asked (`checkSuccessions`).
    public func importAreas(_ areas: [Area]) throws -> Int {
        try write { db in
            let identity = try Self.identity(db)
            let district = try Self.checkAreas(areas, district: identity.scope, known: try Self.areas(db))
            let before = try Self.successions(db)
            for area in areas {
                try Self.save(area, in: db)
            }
            if identity.scope == nil, let district {
                try db.execute(sql: "UPDATE replica SET scope = ? WHERE id = 1", arguments: [district.description])
            }
            if areas.contains(where: { $0.successor != nil }) { try Self.placeMergedRecords(in: db, since: before) }
            return areas.count
        }
    }

    /// Every known area, by code.
    static func areas(_ db: Database) throws -> [Area] {
        try Row.fetchAll(db, sql: "SELECT code, name, successor FROM area ORDER BY code").map {
            Area(
                code: try Self.area($0["code"]), name: $0["name"],
                successor: try ($0["successor"] as String?).map(Self.area))
        }
    }

    /// Where the records of merged areas are counted now. (A database older than merges has none.)
    static func successions(_ db: Database) throws -> Successions {
        guard try db.columns(in: "area").contains(where: { $0.name == "successor" }) else {
            return .none
        }
        var successors: [AreaCode: AreaCode] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT code, successor FROM area WHERE successor IS NOT NULL") {
            successors[try Self.area(row["code"])] = try Self.area(row["successor"])
        }
        return Successions(successors: successors)
    }

    /// Moves what is derived of the records of merged areas (case and visit rows, risk rows, when their
    /// data last arrived, late changes) to the area each counts as now. Rows never hold a merged area
    /// after it, so a merge moves what its area holds, and running it again changes nothing. Given the
    /// successions `before` the areas changed, only areas whose place changed are looked at (a center
    /// merging one village does not go over every earlier merge).
    static func placeMergedRecords(in db: Database, since before: Successions? = nil) throws {
        let successions = try successions(db)
        for old in successions.successors.keys where before.map({ $0.current(old) != successions.current(old) }) ?? true
        {
            let arguments: StatementArguments = [successions.current(old).fullCode, old.fullCode]
            try db.execute(sql: "UPDATE dispute SET village = ? WHERE village = ?", arguments: arguments)
            try db.execute(sql: "UPDATE visit SET village = ? WHERE village = ?", arguments: arguments)
            try db.execute(sql: "UPDATE risk SET scope = ? WHERE scope = ?", arguments: arguments)
            try db.execute(
                sql: """
                    INSERT INTO received (scope, seq) SELECT ?1, seq FROM received WHERE scope = ?2
                    ON CONFLICT (scope) DO UPDATE SET seq = max(seq, excluded.seq)
                    """, arguments: arguments)
            try db.execute(
                sql: """
                    INSERT INTO arrived (field, day, scope, arrivedOn, changes)
                    SELECT field, day, ?1, arrivedOn, changes FROM arrived WHERE scope = ?2
                    ON CONFLICT (field, day, scope, arrivedOn) DO UPDATE SET changes = changes + excluded.changes
                    """, arguments: arguments)
            try db.execute(sql: "DELETE FROM received WHERE scope = ?", arguments: [old.fullCode])
            try db.execute(sql: "DELETE FROM arrived WHERE scope = ?", arguments: [old.fullCode])
        }
    }

    /// Checks areas to import into a center of `district` (nil: the first area's) that knows areas
    /// `known`: all in the district, each parent in the import, known, or the district itself; and the
    /// merges they ask for (`checkSuccessions`).
    /// - Returns: the district.
    /// - Throws: `InputError` naming the first area that does not fit.
    public static func checkAreas(_ areas: [Area], district: AreaCode?, known: [Area]) throws -> AreaCode? {
        let incoming = Set(areas.map(\.code.description))
        let known = Dictionary(known.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        let district = district ?? areas.first?.code.district
        for area in areas {
            guard let district, district.covers(area.code) else {
                let named = district?.description ?? "?"
                throw InputError(
                    "\(area.code) \(area.name) is not in district \(named); a center serves one district",
                    chinese: "\(area.code) \(area.name) 不在区县 \(named) 内；一个区中心只管一个区县")
            }
            if let parent = area.parent, known[parent] == nil, !incoming.contains(parent.description),
                parent != district
            {
                throw InputError(
                    "\(area.code) \(area.name): its parent \(parent) is neither in the file nor known",
                    chinese: "\(area.code) \(area.name)：它的上级 \(parent) 既不在文件里，也不是已有的区划")
            }
        }
        try checkSuccessions(areas, known: known)
        return district
    }

    /// Checks the merges `areas` ask for, given the areas `known`: an area is merged into another of
    /// its level that was not merged before (a chain arises only when the target is merged later, or
    /// within one import of a center's areas copied whole; never a cycle), once (an area merged stays
    /// merged), and only when nothing within it stands, so that a code not merged still holds every
    /// record under its prefix (a town's villages are each merged first).
    /// - Throws: `InputError` naming the area and what to do.
    public static func checkSuccessions(_ areas: [Area], known: [AreaCode: Area]) throws {
        var after = known
        for area in areas {
            after[area.code] = Area(
                code: area.code, name: area.name, successor: area.successor ?? known[area.code]?.successor)
        }
        for area in areas {
            guard let successor = area.successor else { continue }
            let named = "\(area.code) \(area.name)"
            if let earlier = known[area.code]?.successor {
                guard earlier == successor else {
                    throw InputError(
                        "\(named) was already merged into \(earlier); an area is merged once",
                        chinese: "\(named) 已经并入 \(earlier)，一个区划只能并入一次")
                }
                continue
            }
            guard area.code.level != .district else {
                throw InputError(
                    "\(named) is the district; only its towns and villages can be merged",
                    chinese: "\(named) 是区县本身，只有乡镇街道和村社区可以并入别处")
            }
            guard successor != area.code, let target = after[successor] else {
                throw InputError(
                    "\(named) cannot be merged into \(successor): that is not one of the district's areas; "
                        + "import it first with center area import",
                    chinese: "\(named) 不能并入 \(successor)：它不是本区县的区划；请先用 center area import 导入")
            }
            guard successor.level == area.code.level else {
                throw InputError(
                    "\(named) is a \(area.code.level) and \(successor) a \(successor.level): an area is merged "
                        + "into one of its level",
                    chinese: "\(named) 是\(area.code.level.chineseName)，\(successor) 是\(successor.level.chineseName)："
                        + "区划只能并入同级的区划")
            }
            // A target merged before this import is refused with where it went; within one import (a
            // center's areas copied whole) a chain of merges is taken, a cycle is not.
            if let further = known[successor]?.successor {
                throw InputError(
                    "\(named) cannot be merged into \(successor) \(target.name), which was itself merged into "
                        + "\(further); merge it into \(further)",
                    chinese: "\(named) 不能并入 \(successor) \(target.name)，它自己已并入 \(further)；请并入 \(further)")
            }
            var next = target.successor
            var steps = 0
            while let code = next, steps <= after.count {
                guard code != area.code else {
                    throw InputError(
                        "\(named) cannot be merged into \(successor): \(successor) is merged into \(named) itself",
                        chinese: "\(named) 不能并入 \(successor)：\(successor) 本身最终并入了 \(named)")
                }
                (next, steps) = (after[code]?.successor, steps + 1)
            }
            let standing = after.values.filter {
                $0.code != area.code && area.code.covers($0.code) && $0.successor == nil
            }.map(\.code).sorted()
            if let first = standing.first {
                throw InputError(
                    "\(named) still has \(standing.count) area(s) within it, first \(first); merge each into its "
                        + "new area first",
                    chinese: "\(named) 下面还有 \(standing.count) 个区划（第一个是 \(first)），请先把它们逐个并入新的区划")
            }
        }
    }

    /// Adds an area, or renames it; a successor given merges it (one not given leaves a merge as it is).
    static func save(_ area: Area, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO area (code, name, parent, level, successor) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent = excluded.parent, level = excluded.level,
                    successor = coalesce(excluded.successor, successor)
                """
        ).execute(arguments: [
            area.code.description, area.name, area.parent?.description, "\(area.code.level)",
            area.successor?.description,
        ])
    }

    /// Every known area, by code.
    public func areas() throws -> [Area] {
        try read { db in try Self.areas(db) }
    }

    /// Where the records of merged areas are counted now.
    public func successions() throws -> Successions {
        try read { db in try Self.successions(db) }
    }

    // MARK: Devices

    /// A device enrolled at the center.
    public struct Device: Sendable, Equatable {
        public var id: String
        public var name: String
        public var scope: AreaCode
        public var role: DeviceRole
        public var createdAt: Int64
        public var revokedAt: Int64?
        /// When the device last pushed or pulled, by the center's clock.
        public var lastSeenAt: Int64?
        /// How far the device's clock was ahead of the center's (negative: behind), in milliseconds,
        /// at its last contact.
        public var clockOffset: Int64?
        public var pushedChanges: Int

        public var isRevoked: Bool { revokedAt != nil }

        public init(id: String, name: String, scope: AreaCode, role: DeviceRole, createdAt: Int64 = 0) {
            self.id = id
            self.name = name
            self.scope = scope
            self.role = role
            self.createdAt = createdAt
            pushedChanges = 0
        }

        init(_ row: Row) throws {
            id = row["id"]
            name = row["name"]
            scope = try ReplicaStore.area(row["scope"])
            role = DeviceRole(rawValue: row["role"]) ?? .grid
            createdAt = row["createdAt"]
            revokedAt = row["revokedAt"]
            lastSeenAt = row["lastSeenAt"]
            clockOffset = row["clockOffset"]
            pushedChanges = row["pushedChanges"]
        }
    }

    /// Enrolls a device for a worker; returns it and its credential, whose secret is shown only now.
    /// - Throws: `InputError` if the scope does not fit the role or is not one of the district's areas.
    public func enroll(name: String, scope: AreaCode, role: DeviceRole) throws -> (Device, DeviceCredential) {
        let name = try Self.checkEnrollment(name: name, scope: scope, role: role)
        let credential = DeviceCredential.generate()
        let device = try write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT successor FROM area WHERE code = ?", arguments: [scope.description])
            else { throw Self.unknownScope(scope) }
            if let successor: String = row["successor"] { throw Self.mergedScope(scope, into: successor) }
            try db.execute(
                sql: "INSERT INTO device (id, name, scope, role, secretHash, createdAt) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    credential.device, name, scope.description, role.code, Data(credential.secretHash),
                    wallClock.milliseconds(),
                ])
            return try Row.fetchOne(db, sql: "SELECT * FROM device WHERE id = ?", arguments: [credential.device])
                .map(Device.init)!
        }
        return (device, credential)
    }

    /// Checks what an enrollment names: a worker or office, and a scope of the role's level.
    /// - Returns: the name, trimmed.
    /// - Throws: `InputError` naming what does not fit.
    public static func checkEnrollment(name: String, scope: AreaCode, role: DeviceRole) throws -> String {
        let name = name.trimmingSpaces
        guard !name.isEmpty else {
            throw InputError("--name must name the worker or office", chinese: "--name 要写上工作人员或单位的名称")
        }
        guard scope.level == role.scopeLevel else {
            throw InputError(
                "--scope \(scope) is a \(scope.level) code, but a \(role.code) device needs a \(role.scopeLevel) code",
                chinese:
                    "--scope \(scope) 是\(scope.level.chineseName)代码，\(role.label)设备要用\(role.scopeLevel.chineseName)代码")
        }
        return name
    }

    /// The message for an enrollment of an area merged into another.
    public static func mergedScope(_ scope: AreaCode, into successor: String) -> InputError {
        InputError(
            "--scope \(scope) was merged into \(successor); enroll the device for \(successor)",
            chinese: "--scope \(scope) 已并入 \(successor)；请登记为 \(successor) 的设备")
    }

    /// The message for an enrollment whose scope is not one of the district's areas.
    public static func unknownScope(_ scope: AreaCode) -> InputError {
        InputError(
            "--scope \(scope) is not one of the district's areas; import them with `center area import`",
            chinese: "--scope \(scope) 不是本区县的区划；请先用 center area import 导入")
    }

    public func devices() throws -> [Device] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM device ORDER BY createdAt, id").map(Device.init) }
    }

    /// Revokes a device: it can no longer push or pull; what it delivered stays.
    /// - Throws: `LookupError`-like `InputError` if there is no such device.
    public func revoke(device id: String) throws -> Device {
        try write { db in
            try db.execute(
                sql: "UPDATE device SET revokedAt = coalesce(revokedAt, ?) WHERE id = ?",
                arguments: [wallClock.milliseconds(), id.lowercased()])
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM device WHERE id = ?", arguments: [id.lowercased()])
            else {
                throw DeviceNotFound(id: id)
            }
            return try Device(row)
        }
    }

    /// The device a credential proves, or nil if the id is unknown or the secret wrong. Revoked devices
    /// are returned, for the caller to refuse with a message that says so.
    public func authenticate(_ credential: DeviceCredential) throws -> Device? {
        try read { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM device WHERE id = ?"), arguments: [credential.device])
            else { return nil }
            let hash: Data = row["secretHash"]
            return credential.matches(Array(hash)) ? try Device(row) : nil
        }
    }

    // MARK: Replicas

    /// The devices the replicas stamping a batch are bound to, once `own` (the replica the sending
    /// device names its own) is bound to `device` if no device had it; and when the center last told
    /// `device` its log was not the one it synced with.
    public func replicaOwners(
        _ replicas: Set<ReplicaID>, binding own: ReplicaID?, to device: String
    ) throws -> ReplicaOwners {
        // Read alongside the writer, in one read; written only the first time a replica is seen.
        let asked = replicas.union(own.map { [$0] } ?? [])
        let read = { (db: Database) throws -> ReplicaOwners in
            var owners = try Self.replicaOwners(asked, in: db)
            owners.restartedAt = try Int64.fetchOne(
                db, sql: "SELECT at FROM device_restart WHERE device = ?", arguments: [device])
            return owners
        }
        let owners = try self.read(read)
        guard let own, owners.owners[own] == nil else { return owners }
        return try write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO device_replica (replica, device, boundAt) VALUES (?, ?, ?)",
                arguments: [Int64(bitPattern: own.rawValue), device, wallClock.milliseconds()])
            return try read(db)
        }
    }

    static func replicaOwners(_ replicas: Set<ReplicaID>, in db: Database) throws -> ReplicaOwners {
        var owners = ReplicaOwners()
        let statement = try db.cachedStatement(
            sql: """
                SELECT device_replica.device, device.scope FROM device_replica
                LEFT JOIN device ON device.id = device_replica.device WHERE replica = ?
                """)
        for replica in replicas {
            if let row = try Row.fetchOne(statement, arguments: [Int64(bitPattern: replica.rawValue)]) {
                let device: String = row[0]
                owners.owners[replica] = device
                if let scope = row[1] as String? { owners.scopes[device] = try Self.area(scope) }
            }
        }
        return owners
    }

    /// Binds `replica` to `device` in place of the device it was bound to (a laptop enrolled again).
    public func rebind(_ replica: ReplicaID, to device: String) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO device_replica (replica, device, boundAt) VALUES (?, ?, ?)
                    ON CONFLICT (replica) DO UPDATE SET device = excluded.device, boundAt = excluded.boundAt
                    """, arguments: [Int64(bitPattern: replica.rawValue), device, wallClock.milliseconds()])
        }
    }

    /// Notes that the center told `device` its log is not the one the device synced with.
    public func noteRestart(of device: String) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO device_restart (device, at) VALUES (?, ?)
                    ON CONFLICT (device) DO UPDATE SET at = excluded.at
                    """, arguments: [device, wallClock.milliseconds()])
        }
    }

    // MARK: The feed

    /// What the center says when it has taken a batch.
    public struct Receipt: Sendable, Equatable {
        /// Changes in the batch the center did not hold before.
        public var new: Int
        /// Changes it already held (a replayed batch is all known).
        public var known: Int
        /// The center's sequence after the batch: every change in it is at or below.
        public var cursor: Int64

        public init(new: Int, known: Int, cursor: Int64) {
            self.new = new
            self.known = known
            self.cursor = cursor
        }
    }

    /// A device's batch, as the center takes it.
    public struct Push: Sendable {
        public var changes: [Change]
        /// The device that sent it.
        public var device: String
        /// The center's clock minus the device's, when the device said its time.
        public var clockOffset: Int64?
        /// How far ahead of the center's clock a change may be stamped.
        public var maximumDrift: Int64

        public init(changes: [Change], device: String, clockOffset: Int64?, maximumDrift: Int64) {
            self.changes = changes
            self.device = device
            self.clockOffset = clockOffset
            self.maximumDrift = maximumDrift
        }
    }

    /// Merges a device's batch in one durable transaction and notes the contact. Arriving cases are
    /// checked for duplicates (unless `findingDuplicates` is false, for measuring what that costs): the
    /// merges this makes are in the same transaction, after the batch.
    public func push(
        _ changes: [Change], from device: String, clockOffset: Int64?, maximumDrift: Int64
    ) throws -> Receipt {
        try push(changes, from: device, clockOffset: clockOffset, maximumDrift: maximumDrift, findingDuplicates: true)
    }

    public func push(
        _ changes: [Change], from device: String, clockOffset: Int64?, maximumDrift: Int64, findingDuplicates: Bool
    ) throws -> Receipt {
        let batch = Push(changes: changes, device: device, clockOffset: clockOffset, maximumDrift: maximumDrift)
        return try push(together: [batch], findingDuplicates: findingDuplicates)[0].get()
    }

    /// Merges several devices' batches in one durable transaction (group commit), as if they came one
    /// after another: each gets its own receipt, or its own `ClockError` when a change of it is stamped
    /// too far ahead (nothing of that batch is written). Any other failure (a `ChangeRefusal`: a change
    /// naming another scope than its record's, or an id held as the other kind) fails them all, with
    /// nothing written; `PushQueue` then writes each alone. The rows are derived and the duplicates found
    /// once for the whole group.
    public func push(together pushes: [Push]) -> [Result<Receipt, any Error>] {
        push(together: pushes, findingDuplicates: true)
    }

    public func push(together pushes: [Push], findingDuplicates: Bool) -> [Result<Receipt, any Error>] {
        do {
            return try write { db in
                var session = try Session(db: db, wallClock: wallClock)
                if findingDuplicates { try session.findDuplicates(with: finder) }
                var taken: [Result<Int, any Error>] = []
                for push in pushes {
                    let new: Int
                    do {
                        session.fixesScopes = true
                        defer { session.fixesScopes = false }
                        new = try session.take(push.changes, maximumDrift: push.maximumDrift)
                    } catch let error as ClockError {
                        taken.append(.failure(error))
                        continue
                    }
                    taken.append(.success(new))
                    try db.execute(
                        sql: """
                            UPDATE device SET lastSeenAt = ?, clockOffset = coalesce(?, clockOffset),
                                pushedChanges = pushedChanges + ? WHERE id = ?
                            """,
                        arguments: [wallClock.milliseconds(), push.clockOffset, new, push.device])
                }
                try session.finish()
                let cursor = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM change") ?? 0
                return zip(pushes, taken).map { push, taken in
                    taken.map { new in Receipt(new: new, known: push.changes.count - new, cursor: cursor) }
                }
            }
        } catch {
            // The finder may hold cases the rolled-back transaction filed.
            if findingDuplicates { finder.invalidate() }
            return pushes.map { _ in .failure(error) }
        }
    }

    /// Which of `codes` are known areas (merged ones included).
    public func knownAreas(among codes: Set<AreaCode>) throws -> Set<AreaCode> {
        guard !codes.isEmpty else { return [] }
        return try read { db in
            var known: Set<AreaCode> = []
            for code in codes
            where try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM area WHERE code = ?)", arguments: [code.description]) == true
            {
                known.insert(code)
            }
            return known
        }
    }

    /// The kind and scope of each of `ids` the center holds (the others are new to it).
    public func recordsHeld(_ ids: [RecordID]) throws -> [RecordID: HeldRecord] {
        guard !ids.isEmpty else { return [:] }
        return try read { db in try Self.recordsHeld(ids, in: db) }
    }

    /// A page of the feed: changes after `cursor` whose record lies within `reach` (all when nil), in
    /// the center's order, at most `limit`.
    public func changes(
        after cursor: Int64, within reach: Reach?, limit: Int
    ) throws -> (
        changes: [(seq: Int64, change: Change)], more: Bool
    ) {
        try read { db in
            let (condition, arguments) = Self.feed(after: cursor, within: reach, limit: limit)
            var page: [(seq: Int64, change: Change)] = []
            var more = false
            try Self.forEachChange(condition, arguments: arguments, after: cursor, in: db) { seq, change in
                guard page.count < limit else {
                    more = true
                    return false
                }
                page.append((seq, change))
                return true
            }
            return (page, more)
        }
    }

    /// The condition and arguments of a feed page: after `cursor`, within `reach`, one row more than
    /// `limit` to tell whether more remain.
    static func feed(after cursor: Int64, within reach: Reach?, limit: Int) -> (String, StatementArguments) {
        var (condition, arguments) = feedFilter(after: cursor, within: reach)
        arguments.append(limit + 1)
        return (condition + " ORDER BY seq LIMIT ?", StatementArguments(arguments))
    }

    /// The rows of the feed after `cursor` within `reach` (its scope's prefix, and the areas merged into
    /// it), over the log joined with its records.
    static func feedFilter(
        after cursor: Int64, within reach: Reach?
    ) -> (condition: String, arguments: [any DatabaseValueConvertible]) {
        let (filter, arguments) = reachCondition(reach)
        return (" WHERE seq > ?" + filter, [cursor] + arguments)
    }

    /// About how many changes of the feed lie after `cursor` within `reach`: what a pull has ahead, for
    /// its progress bar (within an area, a run the cursor cuts counts whole; the whole log, exactly).
    public func remaining(after cursor: Int64, within reach: Reach?) throws -> Int {
        try read { db in
            // A reach of this store's whole scope (the district's own office) filters nothing.
            let reach = try reach?.scope == Self.identity(db).scope ? nil : reach
            guard let reach else {
                // The whole log: it numbers every change (a row of a run holds its last one's number), so
                // what lies after the cursor is the difference, without reading every change there is.
                let last = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(seq) FROM change")) ?? 0
                return Int(max(0, last - cursor))
            }
            let (condition, arguments) = Self.feedFilter(after: cursor, within: reach)
            return try Int.fetchOne(
                db.cachedStatement(
                    sql: "SELECT coalesce(sum(runLength), 0) FROM change JOIN record ON record.id = change.record"
                        + condition),
                arguments: StatementArguments(arguments)) ?? 0
        }
    }

    /// A page of the feed already written as `ChangePage` JSON: stored values are copied as they are,
    /// without parsing them again (they were validated when they arrived).
    public func pageJSON(
        after cursor: Int64, within reach: Reach?, limit: Int
    ) throws -> (
        json: [UInt8], cursor: Int64, more: Bool, count: Int
    ) {
        try read { db in
            let (condition, arguments) = Self.feed(after: cursor, within: reach, limit: limit)
            let written = try Self.writeChanges(
                condition: condition, arguments: arguments, limit: limit, after: cursor, in: db)
            return (
                written.writer.page(cursor: written.last, more: written.more), written.last, written.more,
                written.writer.count
            )
        }
    }

    /// The highest sequence number in the feed.
    public func cursor() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM change") ?? 0 }
    }

    /// Copies the store into the new file `file` while it keeps serving: SQLite's online backup, all
    /// pages in one step inside one read transaction, so the copy is the store as of one moment. It is
    /// written beside `file`, checked, and renamed into place: `file` is never a partial copy.
    /// - Returns: the copy's last sequence number.
    /// - Throws: `StoreError` `.exists` if `file` exists, `.storage` (or `.full`) if it cannot be written.
    public func backUp(to file: URL) throws -> Int64 {
        guard !FileManager.default.fileExists(atPath: file.path) else {
            throw StoreError(
                code: .exists, message: "\(file.path) exists; back up into a new file",
                chinese: "\(file.path) 已存在；请备份到一个新文件")
        }
        let partial = URL(fileURLWithPath: file.path + ".partial")
        try? FileManager.default.removeItem(at: partial)
        do {
            // Readable by its owner only, as the database is: it holds the parties' names.
            guard
                FileManager.default.createFile(
                    atPath: partial.path, contents: nil, attributes: [.posixPermissions: 0o600])
            else { throw StoreError(code: .storage, message: "cannot create \(partial.path)") }
            let copy = try DatabaseQueue(path: partial.path)
            try pool.backup(to: copy)
            let head = try copy.writeWithoutTransaction { db in
                // One self-contained file, whole.
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                guard try String.fetchOne(db, sql: "PRAGMA quick_check") == "ok" else {
                    throw StoreError(code: .corrupt, message: "the copy in \(partial.path) does not check out")
                }
                return try Int64.fetchOne(db, sql: "SELECT max(seq) FROM change") ?? 0
            }
            try copy.close()
            try FileManager.default.moveItem(at: partial, to: file)
            return head
        } catch {
            try? FileManager.default.removeItem(at: partial)
            if let error = error as? StoreError { throw error }
            if let error = error as? DatabaseError { throw StoreError(error, database: file) }
            throw StoreError(code: .storage, message: "cannot write the backup \(file.path): \(error)")
        }
    }

    /// The timestamp of the change numbered `seq`; nil if the log has none (past its head, or 0).
    public func stamp(at seq: Int64) throws -> HybridTimestamp? {
        try read { db in
            var stamp: HybridTimestamp?
            // The row holding `seq` is the first at or after it (a run's row carries its last number).
            try Self.forEachChange(
                " WHERE seq >= ? ORDER BY seq LIMIT 1", arguments: [seq], after: seq - 1, through: seq, in: db
            ) { _, change in
                stamp = change.timestamp
                return false
            }
            return stamp
        }
    }

    /// Notes that a device pulled.
    public func noteContact(of device: String, clockOffset: Int64?) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE device SET lastSeenAt = ?, clockOffset = coalesce(?, clockOffset) WHERE id = ?",
                arguments: [wallClock.milliseconds(), clockOffset, device])
        }
    }
}

/// No device has the id.
public struct DeviceNotFound: Error, Sendable, CustomStringConvertible, LocalizedMessage {
    public var id: String

    public init(id: String) {
        self.id = id
    }

    public var description: String { message(in: .en) }

    public func message(in language: Language) -> String {
        language.pick(
            "没有 id 为“\(id)”的设备；center worker list 可以列出所有设备",
            "no device has the id '\(id)'; `center worker list` shows them")
    }
}
