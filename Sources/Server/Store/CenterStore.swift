import NIOPosix
import Shared
import Storage

/// What the center's HTTP API needs from its store: the embedded SQLite store (`SQLiteCenterStore`)
/// or a store several center processes share.
///
/// Implementations must make a push atomic and durable before it returns, give every new change the
/// next number of one monotonic sequence, and never serve a page past a change that commits later with
/// a lower number.
public protocol CenterStore: Sendable {
    /// The device a credential proves, revoked ones included; nil if unknown or the secret is wrong.
    func authenticate(_ credential: DeviceCredential) async throws -> ReplicaStore.Device?

    /// Merges several devices' batches in one durable transaction and notes each device's contact:
    /// each batch gets its own receipt, or its own `ClockError` (nothing of that batch written); any
    /// other failure fails them all.
    func push(together pushes: [ReplicaStore.Push]) async -> [Result<ReplicaStore.Receipt, any Error>]

    /// The kind and scope of each of `ids` the log holds (fixed by the first change of each it took); the
    /// others are new to it. A push is authorised against these, not against what its changes claim.
    func recordsHeld(_ ids: [RecordID]) async throws -> [RecordID: HeldRecord]

    /// Changes after `cursor` within `reach` (a device's scope and the areas merged into it; all when
    /// nil), in sequence order, at most `limit`, written as `ChangePage` JSON, with the page's cursor,
    /// whether more remain, and how many changes it holds.
    func pageJSON(
        after cursor: Int64, within reach: Reach?, limit: Int
    ) async throws -> (json: [UInt8], cursor: Int64, more: Bool, count: Int)

    /// A page of the snapshot of the records within `reach` (see `ReplicaStore.snapshotPage`): at most
    /// `limit` records whose ids follow `after`, as stored, with whether more follow and the log's last
    /// sequence number as read. Every change acknowledged before the call is in it or in an earlier page.
    func snapshotPage(
        after: RecordID?, within reach: Reach?, limit: Int
    ) async throws -> SnapshotPage.Written

    /// About how many changes lie after `cursor` within `reach` (all when nil): what a pull has ahead.
    func remaining(after cursor: Int64, within reach: Reach?) async throws -> Int

    /// The writer has had nothing to write for a while (`CenterConfiguration.idleCheckpoint`): the store
    /// copies its WAL into its database (the embedded store its own, a PostgreSQL center its process's
    /// view), where readers map the pages instead of copying each out of the log (serving a freshly
    /// pushed district's snapshot: a sixth less of the center's CPU).
    func checkpointWAL() async throws

    /// The highest sequence number.
    func cursor() async throws -> Int64

    /// The timestamp of the change numbered `seq`, nil if there is none: a device checks with it that
    /// the log it synced with is still this one (see `Checkpoint`).
    func stamp(at seq: Int64) async throws -> HybridTimestamp?

    /// Notes that a device pulled, and its clock offset.
    func noteContact(of device: String, clockOffset: Int64?) async throws

    /// The district's report for a period and scope (see `ReplicaStore.report`).
    func report(_ request: ReportRequest) async throws -> Report

    /// The district's towns and villages: their names go to devices with `GET /v1/areas`.
    func areas() async throws -> [Area]

    /// The devices the replicas of a batch are bound to, once `own` is bound to `device` if no device had
    /// it, and when the center last told `device` to start over (`ReplicaStore.replicaOwners`).
    func replicaOwners(
        _ replicas: Set<ReplicaID>, binding own: ReplicaID?, to device: String
    ) async throws
        -> ReplicaOwners

    /// Notes that the center told `device` its log is not the one the device synced with.
    func noteRestart(of device: String) async throws

    /// Binds `replica` to `device` in place of the device it was bound to (a laptop enrolled again).
    func rebind(_ replica: ReplicaID, to device: String) async throws

    /// Which of `codes` are the district's areas (merged ones included): a new record must lie in one.
    func knownAreas(among codes: Set<AreaCode>) async throws -> Set<AreaCode>

    /// Where the records of merged areas count now: every pull and push reads a device's reach by it.
    func successions() async throws -> Successions

    /// Returns once every change the log held when it was called has been checked for duplicates and
    /// the merges that caused are in the feed: a pull that follows brings the merges a device's push
    /// caused, as with the embedded store, which finds duplicates inside the push's transaction.
    func settled() async throws
}

extension CenterStore {
    /// At once: the embedded store finds duplicates inside the push's transaction.
    public func settled() async throws {}

    /// Nothing: a store without a WAL of its own.
    public func checkpointWAL() async throws {}
}

/// What the `center` commands need beyond the API: the district's areas and devices, a person's
/// decisions on duplicates, and the merged state to list, show and report from.
public protocol CenterAdministration: Sendable {
    func importAreas(_ areas: [Area]) async throws -> Int
    func areas() async throws -> [Area]
    func enroll(name: String, scope: AreaCode, role: DeviceRole) async throws -> (ReplicaStore.Device, DeviceCredential)
    func devices() async throws -> [ReplicaStore.Device]
    func revoke(device id: String) async throws -> ReplicaStore.Device
    /// Carries out a decision on a pair (see `ReplicaStore.decide(_:)`).
    func decide(_ decision: DuplicateDecision) async throws -> (first: RecordID, second: RecordID)
    /// The merged state, holding at least every change acknowledged before the call: the embedded
    /// store itself, or a process's view of a shared one, brought up to date.
    func merged() async throws -> ReplicaStore
}

/// The embedded store: one SQLite `ReplicaStore`, whose blocking work runs on NIO's thread pool, off
/// the cooperative executor.
public struct SQLiteCenterStore: CenterStore, CenterAdministration {
    public let store: ReplicaStore

    public init(_ store: ReplicaStore) {
        self.store = store
    }

    public func authenticate(_ credential: DeviceCredential) async throws -> ReplicaStore.Device? {
        try await blocking { try store.authenticate(credential) }
    }

    public func push(together pushes: [ReplicaStore.Push]) async -> [Result<ReplicaStore.Receipt, any Error>] {
        do {
            return try await blocking { store.push(together: pushes) }
        } catch {
            return pushes.map { _ in .failure(error) }
        }
    }

    public func recordsHeld(_ ids: [RecordID]) async throws -> [RecordID: HeldRecord] {
        try await blocking { try store.recordsHeld(ids) }
    }

    public func knownAreas(among codes: Set<AreaCode>) async throws -> Set<AreaCode> {
        try await blocking { try store.knownAreas(among: codes) }
    }

    public func replicaOwners(
        _ replicas: Set<ReplicaID>, binding own: ReplicaID?, to device: String
    ) async throws -> ReplicaOwners {
        try await blocking { try store.replicaOwners(replicas, binding: own, to: device) }
    }

    public func noteRestart(of device: String) async throws {
        try await blocking { try store.noteRestart(of: device) }
    }

    public func rebind(_ replica: ReplicaID, to device: String) async throws {
        try await blocking { try store.rebind(replica, to: device) }
    }

    public func pageJSON(
        after cursor: Int64, within reach: Reach?, limit: Int
    ) async throws -> (json: [UInt8], cursor: Int64, more: Bool, count: Int) {
        try await blocking { try store.pageJSON(after: cursor, within: reach, limit: limit) }
    }

    public func snapshotPage(
        after: RecordID?, within reach: Reach?, limit: Int
    ) async throws -> SnapshotPage.Written {
        try await blocking { try store.snapshotPage(after: after, within: reach, limit: limit) }
    }

    public func checkpointWAL() async throws {
        _ = try await blocking { try store.checkpointWAL() }
    }

    public func remaining(after cursor: Int64, within reach: Reach?) async throws -> Int {
        try await blocking { try store.remaining(after: cursor, within: reach) }
    }

    public func cursor() async throws -> Int64 {
        try await blocking { try store.cursor() }
    }

    public func stamp(at seq: Int64) async throws -> HybridTimestamp? {
        try await blocking { try store.stamp(at: seq) }
    }

    public func noteContact(of device: String, clockOffset: Int64?) async throws {
        try await blocking { try store.noteContact(of: device, clockOffset: clockOffset) }
    }

    public func report(_ request: ReportRequest) async throws -> Report {
        try await blocking { try store.report(request) }
    }

    public func importAreas(_ areas: [Area]) async throws -> Int {
        try await blocking { try store.importAreas(areas) }
    }

    public func areas() async throws -> [Area] {
        try await blocking { try store.areas() }
    }

    public func successions() async throws -> Successions {
        try await blocking { try store.successions() }
    }

    public func enroll(
        name: String, scope: AreaCode, role: DeviceRole
    ) async throws -> (ReplicaStore.Device, DeviceCredential) {
        try await blocking { try store.enroll(name: name, scope: scope, role: role) }
    }

    public func devices() async throws -> [ReplicaStore.Device] {
        try await blocking { try store.devices() }
    }

    public func revoke(device id: String) async throws -> ReplicaStore.Device {
        try await blocking { try store.revoke(device: id) }
    }

    public func decide(_ decision: DuplicateDecision) async throws -> (first: RecordID, second: RecordID) {
        let pair = try await blocking { try store.decide(decision) }
        return (pair.first, pair.second)
    }

    public func merged() async throws -> ReplicaStore {
        store
    }

    private func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}
