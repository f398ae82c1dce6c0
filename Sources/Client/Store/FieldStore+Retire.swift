import Console
import Foundation
import Shared
import Storage

/// What `ReplicaStore.retire(home:discardingUnsent:)` removed.
public struct RetiredReplica: Sendable {
    public var replica: ReplicaID
    public var scope: AreaCode?
    public var worker: String
    /// The center's name for this laptop, which the center should now revoke; nil if it was never enrolled.
    public var device: String?
    /// Changes the center never received that went with it (only when asked to discard them).
    public var discarded: Int
}

/// A replica that still holds changes the center has not received.
public struct UnsentChangesError: DataError, Sendable, CustomStringConvertible, LocalizedMessage {
    public var count: Int
    public var isEnrolled: Bool

    public var description: String { message(in: .en) }

    public func message(in language: Language) -> String {
        isEnrolled
            ? language.pick(
                "还有 \(count) 条修改没有送到区中心：先运行 field sync，送到后再删除本机副本；确实不要这些修改，加 --discard-unsent",
                "\(count) changes have not reached the center yet: run field sync first, then retire the replica; "
                    + "to throw them away, add --discard-unsent")
            : language.pick(
                "本机副本没有登记到区中心，它的 \(count) 条修改只在这台电脑上：先 field enroll 登记串，再 field sync；"
                    + "确实不要这些修改，加 --discard-unsent",
                "this replica was never enrolled, so its \(count) changes exist on this laptop only: "
                    + "field enroll ENROLLMENT and field sync first; to throw them away, add --discard-unsent")
    }
}

extension ReplicaStore {
    /// Removes the replica in `home` with every record it holds (its database and config; the folder too if
    /// nothing else is in it): for a worker who moved to another village, or a laptop handed back, so that a
    /// jurisdiction's personal data does not stay where it no longer belongs.
    ///
    /// Refuses while changes wait to be sent, unless `discardingUnsent`: the center holds everything
    /// else. A `field` command running at the same moment on this home would lose its work; on a
    /// worker's laptop there is none.
    /// - Throws: `UnsentChangesError`; `StoreError` (`.noHome`) if `home` holds no replica.
    public static func retire(home: FieldHome, discardingUnsent: Bool) throws -> RetiredReplica {
        let store = try open(home: home)
        let identity = try store.identity()
        let state = try store.syncState()
        guard state.pendingChanges == 0 || discardingUnsent else {
            throw UnsentChangesError(count: state.pendingChanges, isEnrolled: state.enrollment != nil)
        }
        try store.close()
        let files = FileManager.default
        // The log files first (closing checkpointed them into the database): a stopped removal never leaves a
        // write-ahead log beside no database, for a new replica created there to replay.
        for suffix in ["-wal", "-shm", ""] {
            let path = home.database.path + suffix
            if files.fileExists(atPath: path) { try files.removeItem(atPath: path) }
        }
        if files.fileExists(atPath: home.config.path) { try files.removeItem(at: home.config) }
        if (try? files.contentsOfDirectory(atPath: home.url.path))?.isEmpty == true {
            try? files.removeItem(at: home.url)
        }
        return RetiredReplica(
            replica: identity.replica, scope: identity.scope, worker: identity.worker,
            device: state.enrollment?.credential.device, discarded: state.pendingChanges)
    }
}
