import Shared
import Storage

/// What the center's HTTP API needs from its store. The embedded default is the SQLite
/// `ReplicaStore`; a PostgreSQL store for several center processes implements the same.
///
/// Implementations must make `push` atomic and durable before it returns, give every new change the
/// next number of one monotonic sequence, and never let `changes(after:)` skip a change that
/// commits later with a lower number.
public protocol CenterStore: Sendable {
    /// The device a credential proves, revoked ones included; nil if unknown or the secret is wrong.
    func authenticate(_ credential: DeviceCredential) throws -> ReplicaStore.Device?

    /// Merges a device's batch in one durable transaction and notes the contact.
    func push(
        _ changes: [Change], from device: String, clockOffset: Int64?, maximumDrift: Int64
    ) throws
        -> ReplicaStore.Receipt

    /// Merges several devices' batches in one durable transaction, each with its own receipt, or its own
    /// `ClockError` (nothing of that batch written); any other failure fails them all.
    func push(together pushes: [ReplicaStore.Push]) -> [Result<ReplicaStore.Receipt, any Error>]

    /// Changes after `cursor` within `scope` (all when nil), in sequence order, at most `limit`.
    func changes(
        after cursor: Int64, within scope: AreaCode?, limit: Int
    ) throws -> (
        changes: [(seq: Int64, change: Change)], more: Bool
    )

    /// The page `changes(after:within:limit:)` gives, written as `ChangePage` JSON, with its cursor,
    /// whether more remain, and how many changes it holds.
    func pageJSON(
        after cursor: Int64, within scope: AreaCode?, limit: Int
    ) throws -> (
        json: [UInt8], cursor: Int64, more: Bool, count: Int
    )

    /// The highest sequence number.
    func cursor() throws -> Int64

    /// Notes that a device pulled, and its clock offset.
    func noteContact(of device: String, clockOffset: Int64?) throws

    /// The district's report for a period and scope (see `ReplicaStore.report`).
    func report(_ request: ReportRequest) throws -> Report
}

extension ReplicaStore: CenterStore {}

extension CenterStore {
    /// The page written from `changes(after:within:limit:)`, for stores without a faster way.
    public func pageJSON(
        after cursor: Int64, within scope: AreaCode?, limit: Int
    ) throws -> (
        json: [UInt8], cursor: Int64, more: Bool, count: Int
    ) {
        let page = try changes(after: cursor, within: scope, limit: limit)
        let last = page.changes.last?.seq ?? cursor
        let json = ChangePage(changes: page.changes.map(\.change), cursor: last, more: page.more).json()
        return (Array(json), last, page.more, page.changes.count)
    }
}

extension CenterStore {
    /// Each batch in its own transaction, for stores without a way to write them together.
    public func push(together pushes: [ReplicaStore.Push]) -> [Result<ReplicaStore.Receipt, any Error>] {
        pushes.map { push in
            Result {
                try self.push(
                    push.changes, from: push.device, clockOffset: push.clockOffset, maximumDrift: push.maximumDrift)
            }
        }
    }
}
