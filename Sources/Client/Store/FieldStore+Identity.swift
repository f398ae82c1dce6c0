import Shared
import Storage

extension ReplicaStore.Identity {
    /// The jurisdiction a field replica records for: a village, or a town's or the district's office.
    /// - Throws: `StoreError` if the replica has none, which only a damaged database has.
    public func jurisdiction() throws -> AreaCode {
        guard let scope else {
            throw StoreError(
                code: .corrupt, message: "this replica has no jurisdiction: it was not made by `field init`")
        }
        return scope
    }

    /// The village a new case belongs to: `given`, which must lie in this replica's jurisdiction, or the
    /// replica's own village.
    /// - Throws: `InputError` if `given` is outside, or missing on a town or district replica.
    public func village(_ given: AreaCode?) throws -> AreaCode {
        let home = try jurisdiction()
        guard let village = given ?? (home.level == .village ? home : nil) else {
            throw InputError(
                "--village is required: this replica keeps \(home)'s records, which has several villages",
                chinese: "需要 --village：本机副本保存 \(home) 的记录，那里有好几个村")
        }
        guard village.level == .village, home.covers(village) else {
            throw InputError(
                "--village: \(village) is outside this replica's scope \(home); record cases of \(home) only",
                chinese: "--village：\(village) 不在本机副本的范围 \(home) 内；只能登记 \(home) 的案件")
        }
        return village
    }
}
