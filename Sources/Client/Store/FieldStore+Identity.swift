import Shared
import Storage

extension ReplicaStore.Identity {
    /// The village a worker's replica records cases for.
    /// - Throws: `StoreError` if the replica has none, which only a damaged database has.
    public func village() throws -> AreaCode {
        guard let scope, scope.level == .village else {
            throw StoreError(code: .corrupt, message: "this replica has no village: it was not made by `field init`")
        }
        return scope
    }
}
