import Prometheus

/// The center's Prometheus metrics: requests by route and status, changes accepted and refused, how
/// long batches take, and how many transactions wrote them (fewer than batches under load). One registry per application, so tests do not share counters.
public final class CenterMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let acceptedChanges: Counter
    private let knownChanges: Counter
    private let refusedBatches: Counter
    private let batchDuration: DurationHistogram
    private let pushTransactions: Counter
    private let transactionDuration: DurationHistogram
    private let checkpoints: Counter

    public init() {
        acceptedChanges = registry.makeCounter(
            descriptor: Self.name("changes_accepted", "total", "Changes the center took that it did not hold before."))
        knownChanges = registry.makeCounter(
            descriptor: Self.name("changes_known", "total", "Pushed changes the center already held."))
        refusedBatches = registry.makeCounter(
            descriptor: Self.name("batches_refused", "total", "Pushed batches refused whole."))
        pushTransactions = registry.makeCounter(
            descriptor: Self.name(
                "push_transactions", "total",
                "Transactions that wrote pushed batches; batches written together share one (group commit)."))
        transactionDuration = registry.makeDurationHistogram(
            descriptor: Self.name(
                "push_transaction_duration", "seconds",
                "Time the writer spent on each push transaction; its sum is how long the writer was busy."),
            buckets: [
                .milliseconds(5), .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
            ])
        checkpoints = registry.makeCounter(
            descriptor: Self.name(
                "idle_checkpoints", "total", "Checkpoints of the store's log run when the writer fell idle."))
        batchDuration = registry.makeDurationHistogram(
            descriptor: Self.name("batch_duration", "seconds", "Time to validate and commit a pushed batch."),
            buckets: [
                .milliseconds(5), .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
            ])
    }

    func request(path: String, status: Int, since start: ContinuousClock.Instant) {
        registry.makeCounter(
            descriptor: Self.name("http_requests", "total", "HTTP requests by route and status."),
            labels: [("route", path), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.name("http_request_duration", "seconds", "HTTP request latency by route."),
            labels: [("route", path)],
            buckets: [
                .milliseconds(1), .milliseconds(5), .milliseconds(20), .milliseconds(100), .milliseconds(500),
                .seconds(2),
            ]
        ).record(ContinuousClock.now - start)
    }

    func batch(new: Int, known: Int, since start: ContinuousClock.Instant) {
        acceptedChanges.increment(by: Int64(new))
        knownChanges.increment(by: Int64(known))
        batchDuration.record(ContinuousClock.now - start)
    }

    func refused() {
        refusedBatches.increment()
    }

    func pushTransaction(since start: ContinuousClock.Instant) {
        pushTransactions.increment()
        // The sum is how long the single writer was busy: near the wall time, pushes wait for it.
        transactionDuration.record(ContinuousClock.now - start)
    }

    func checkpointed() {
        checkpoints.increment()
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "fieldsync", metricName: metric, unitName: unit, helpText: help)
    }

    /// The Prometheus text format.
    public func text() -> String {
        registry.emitToString()
    }
}
