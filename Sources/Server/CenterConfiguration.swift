import ContentCoding

/// The center's limits and tolerances.
public struct CenterConfiguration: Sendable {
    /// The largest request body accepted, compressed or inflated, in bytes.
    public var maximumBodyBytes = 16 * 1024 * 1024
    /// The most changes one pushed batch may carry.
    public var maximumBatchChanges = 20_000
    /// The most changes one pull page carries.
    public var maximumPageChanges = 20_000
    /// The most records one snapshot page carries (`GET /v1/snapshot`).
    public var maximumSnapshotRecords = 10_000
    /// The zstd level of snapshot pages: a snapshot is a replica's first pull of its whole reach, megabytes
    /// that a low level compresses at a fifth of the default's CPU (a snapshot's rows repeat what its log
    /// says, which any level finds).
    public var snapshotLevel: Int32 = 1
    /// How far ahead of the center's clock a change's timestamp may be, in milliseconds.
    public var maximumDrift: Int64 = 10 * 60_000
    /// Responses this large or larger are compressed (zstd, else gzip) when the client accepts it.
    public var compressionThreshold = 1024
    /// The codings request bodies may come in: zstd and gzip (a center of an earlier release took gzip
    /// alone; devices that meet a refusal send gzip).
    public var requestCodings: [ContentCoding] = [.zstd, .gzip]
    /// How long the writer has had nothing to write before the store checkpoints its log (`CenterStore
    /// .checkpointWAL`); nil never (the store's own thresholds alone).
    public var idleCheckpoint: Duration? = .seconds(1)
    /// How long a connection may take to send a request's head, from its start (TLS handshake included)
    /// or from the end of the response before (`ConnectionGuard`).
    public var headerTimeout: Duration = .seconds(30)
    /// How long a connection may stay idle (nothing read or written) before it is closed.
    public var idleTimeout: Duration = .seconds(120)
    /// Most connections one client address may hold open at once (a town's devices may share one NAT
    /// address), and the addresses exempt from it: a reverse proxy in front of the center.
    public var maximumConnectionsPerAddress = 64
    public var trustedProxies: Set<String> = []
    /// Most bytes of request bodies the center holds at once: a push waits for room before its body is
    /// read, so a burst of large pushes cannot take the process's memory.
    public var maximumBodyBytesInFlight = 64 * 1024 * 1024

    public init() {}
}
