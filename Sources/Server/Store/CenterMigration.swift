import Foundation
import Shared
import Storage

/// Moves a district's center between the embedded SQLite store and a shared PostgreSQL database: its
/// areas, its devices (with their secrets' hashes, so that no device enrolls again), its log with the
/// original sequence numbers and arrival times (so that every device's cursor still means the same
/// change, nothing is sent or pulled twice, and reports, late changes included, come out the same), and
/// its review queue.
public enum CenterMigration {
    /// What was copied.
    public struct Summary: Sendable, Equatable {
        public var areas: Int
        public var devices: Int
        public var changes: Int64
        public var pairs: Int
        /// A migration that had stopped midway was taken up where it stopped.
        public var resumed = false
    }

    /// How many changes one step copies.
    static let page = 20_000

    /// Copies an SQLite center into an empty PostgreSQL database (its schema created first). The copy
    /// is written in steps; until the last one the database says which center it is being filled from,
    /// is not served (`checkNoUnfinishedMigration`), and the same migration run again continues where the
    /// last run stopped (a lost connection, a stopped process) instead of leaving part of a center.
    /// - Throws: `InputError` if the database holds a center, or part of another center's migration;
    ///   `StoreError` `.corrupt` if the part copied earlier is not this center's log.
    public static func copy(from source: ReplicaStore, to target: PostgresCenter) async throws -> Summary {
        try await copy(from: source, to: target, pageSize: page) { _ in }
    }

    /// `copy(from:to:)` in pages of `pageSize` changes, calling `afterPage` with the head copied after
    /// each (tests stop a migration there).
    static func copy(
        from source: ReplicaStore, to target: PostgresCenter, pageSize: Int,
        afterPage: (Int64) async throws -> Void
    ) async throws -> Summary {
        try await target.migrate()
        let resumed = try await target.beginMigration(from: try source.identity().replica.description)
        // Areas and devices are written again as they are (a rerun finds them there already).
        let areas = try source.areas()
        if !areas.isEmpty { _ = try await target.importAreas(areas) }
        let devices = try source.deviceRecords()
        try await target.importDevices(devices)
        var head = try await target.cursor()
        if head > 0, try await target.stamp(at: head) != (try source.stamp(at: head)) {
            throw StoreError(
                code: .corrupt,
                message: "the log an earlier migration copied into \(target.server) is not this center's at change "
                    + "\(head); drop the database, create it again, and rerun",
                chinese: "\(target.server) 里早先迁移过来的变更记录在第 \(head) 条与这个区中心的不同；"
                    + "请删掉数据库、重新创建，再运行一次")
        }
        while true {
            let segments = try source.segments(after: head, limit: pageSize)
            guard let last = segments.last else { break }
            try await target.append(segments)
            head = last.through
            try await afterPage(head)
        }
        let pairs = try source.pairRecords()
        try await target.replacePairs(pairs)
        try await target.finishMigration()
        return Summary(
            areas: areas.count, devices: devices.count, changes: head, pairs: pairs.count, resumed: resumed)
    }

    /// Copies the center in a PostgreSQL database into a new SQLite file. The file appears only once the
    /// copy is whole.
    /// - Throws: `StoreError` `.exists` if the file exists.
    public static func copy(from source: PostgresCenter, to file: URL) async throws -> Summary {
        guard !FileManager.default.fileExists(atPath: file.path) else {
            throw StoreError(
                code: .exists, message: "\(file.path) exists; migrate into a new file",
                chinese: "\(file.path) 已存在；请迁入一个新文件")
        }
        try await source.migrate()
        try await source.checkNoUnfinishedMigration()
        let partial = file.deletingLastPathComponent().appendingPathComponent(
            ".\(file.lastPathComponent).migrating-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: partial) }
        let copied = partial.appendingPathComponent("center.sqlite")
        let summary = try await fill(copied, from: source)
        // The store is closed: its write-ahead log is folded into the file, which can move.
        try FileManager.default.moveItem(at: copied, to: file)
        return summary
    }

    private static func fill(_ file: URL, from source: PostgresCenter) async throws -> Summary {
        let target = try ReplicaStore.create(database: file, scope: nil, worker: "center", durability: .power)
        let areas = try await source.areas()
        if !areas.isEmpty { _ = try target.importAreas(areas) }
        let devices = try await source.deviceRecords()
        try target.importDevices(devices)
        var head: Int64 = 0
        while true {
            let segments = try await source.segments(after: head, limit: page)
            guard let last = segments.last else { break }
            try target.append(segments, after: head)
            head = last.through
        }
        let pairs = try await source.pairs(after: 0).pairs
        try target.replacePairs(pairs)
        return Summary(areas: areas.count, devices: devices.count, changes: head, pairs: pairs.count)
    }
}
