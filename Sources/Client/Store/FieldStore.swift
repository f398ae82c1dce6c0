import Foundation
import Shared
import Storage

/// A worker's replica: a `ReplicaStore` in a field home, for one village.
public typealias FieldStore = ReplicaStore

extension ReplicaStore {
    /// Creates a new replica for a worker of `village` in `home`, with its config.
    /// - Throws: `StoreError` with `.exists` if the home already holds one; `InputError` for a code
    ///   that is not a village's.
    public static func create(
        home: FieldHome, village: AreaCode, worker: String, wallClock: any WallClock = SystemWallClock()
    ) throws -> ReplicaStore {
        guard village.level == .village else {
            throw InputError(
                "--village must be a village code (12 digits), but \(village) is a \(village.level) code",
                chinese: "--village 应为村社区代码（12 位），\(village) 不是")
        }
        try home.prepare()
        do {
            let store = try create(database: home.database, scope: village, worker: worker, wallClock: wallClock)
            try FieldConfig().save(to: home)
            return store
        } catch let error as StoreError where error.code == .exists {
            throw StoreError(
                code: .exists, message: "\(home.path) already holds a replica; use another --home to create a new one",
                chinese: "\(home.path) 里已经有本机副本；要新建请换一个 --home")
        }
    }

    /// Creates a new replica from a center's enrollment: a grid worker's village, or a town's or the
    /// district's office replica, enrolled at once.
    public static func create(
        home: FieldHome, enrollment: Enrollment, wallClock: any WallClock = SystemWallClock()
    )
        throws -> ReplicaStore
    {
        try home.prepare()
        do {
            let store = try create(
                database: home.database, scope: enrollment.scope, worker: enrollment.worker, wallClock: wallClock)
            try store.enroll(enrollment)
            try FieldConfig().save(to: home)
            return store
        } catch let error as StoreError where error.code == .exists {
            throw StoreError(
                code: .exists,
                message: "\(home.path) already holds a replica; use `field enroll` to attach it to a center",
                chinese: "\(home.path) 里已经有本机副本；要登记到区中心请用 field enroll")
        }
    }

    /// Opens the replica in `home`.
    /// - Throws: `StoreError` with `.noHome`, saying how to create one, if there is none.
    public static func open(home: FieldHome, wallClock: any WallClock = SystemWallClock()) throws -> ReplicaStore {
        do {
            return try open(database: home.database, wallClock: wallClock)
        } catch let error as StoreError where error.code == .noHome {
            throw StoreError(
                code: .noHome,
                message: "no replica in \(home.path): run `field init --village CODE --worker NAME` first, "
                    + "or point --home (or FIELD_HOME) at an existing one",
                chinese: "\(home.path) 里没有本机副本：请先运行 field init --village 村代码 --worker 姓名，"
                    + "或用 --home（或 FIELD_HOME）指向已有的副本")
        }
    }

    /// The field home holding this replica's database.
    public var home: FieldHome {
        FieldHome(url: database.deletingLastPathComponent())
    }
}
