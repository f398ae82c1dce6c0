import Shared

/// Which enrolled device sends its changes from each replica, and when the center last told a device that
/// its log was not the one the device synced with (then the device sends back what it pulled from others).
public struct ReplicaOwners: Sendable, Equatable {
    public var owners: [ReplicaID: String] = [:]
    /// The scope each owning device is enrolled for.
    public var scopes: [String: AreaCode] = [:]
    public var restartedAt: Int64?

    public init(owners: [ReplicaID: String] = [:], scopes: [String: AreaCode] = [:], restartedAt: Int64? = nil) {
        self.owners = owners
        self.scopes = scopes
        self.restartedAt = restartedAt
    }
}
