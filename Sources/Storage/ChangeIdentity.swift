import Shared

/// A change's identity in a log: its record and its timestamp. One replica never stamps two changes
/// alike, so within a record the timestamp tells changes apart; two records may hold changes stamped
/// alike (a crafted batch, or replicas restored from one copy), and both are kept.
public struct ChangeIdentity: Hashable, Sendable {
    /// The record's key in the store.
    public var record: Int64
    public var timestamp: HybridTimestamp

    public init(record: Int64, timestamp: HybridTimestamp) {
        self.record = record
        self.timestamp = timestamp
    }
}
