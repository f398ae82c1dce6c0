/// A point of the center's log that a device has seen: the change numbered `seq` is `stamp`.
///
/// A device keeps its latest (from push receipts and pulled pages) and sends it with every request,
/// as the header `FieldSync-Checkpoint: SEQ STAMP`. A center whose log holds another change there, or
/// none, is not the log the device synced with (it was restored from a backup, or replaced): it
/// refuses with 409 `history-changed`, and the device starts over (`ReplicaStore.startOver`): it sends
/// again every change it holds within its enrollment's scope, and pulls from the start. Sequence
/// numbers alone cannot tell: a restored center numbers new changes past its old head again.
public struct Checkpoint: Hashable, Sendable {
    public var seq: Int64
    public var stamp: HybridTimestamp

    public init(seq: Int64, stamp: HybridTimestamp) {
        self.seq = seq
        self.stamp = stamp
    }

    public static let headerName = "FieldSync-Checkpoint"

    /// Reads `SEQ STAMP`; nil if it is not that.
    public init?(header: some StringProtocol) {
        let parts = header.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, let seq = Int64(parts[0]), seq > 0, let stamp = HybridTimestamp(parts[1]) else {
            return nil
        }
        self.init(seq: seq, stamp: stamp)
    }

    public var header: String { "\(seq) \(stamp)" }
}
