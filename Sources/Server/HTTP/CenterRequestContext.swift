import HTTPTypes
import Hummingbird
import NIOCore
import Shared
import Storage

/// What a request carries through the center's middleware: the authenticated device, once known.
public struct CenterRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The device that sent the request; set by authentication.
    public var device: ReplicaStore.Device?
    /// The device's clock minus the center's, from its `FieldSync-Device-Time` header.
    public var clockOffset: Int64?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Bodies are collected by the routes themselves, against the center's own limit.
    public var maxUploadSize: Int { 64 * 1024 * 1024 }
}

extension HTTPField.Name {
    /// The center's clock, in milliseconds since 1970, on every response.
    public static let fieldSyncTime = Self("FieldSync-Time")!
    /// The device's clock, in milliseconds since 1970, on every request from `field`.
    public static let fieldSyncDeviceTime = Self("FieldSync-Device-Time")!
    public static let fieldSyncCheckpoint = Self(Shared.Checkpoint.headerName)!
    /// The replica a device sends its own changes from (its laptop's), on every request from `field`.
    public static let fieldSyncReplica = Self("FieldSync-Replica")!
    public static let fieldSyncAreas = Self(Shared.Area.fingerprintHeader)!
    public static let fieldSyncReach = Self(Shared.Reach.header)!
    /// About how many changes a pull has ahead, when its first page asks (`remaining=1`).
    public static let fieldSyncRemaining = Self("FieldSync-Remaining")!
    /// Where the next page of a snapshot is (RFC 8288, `rel="next"`): a device asks for it while it
    /// reads this one.
    public static let link = Self("Link")!
}
