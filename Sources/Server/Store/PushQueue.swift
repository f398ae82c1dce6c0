import Shared
import Storage
import Synchronization

/// Group commit: batches that arrive while the store is writing wait, and are then written together in
/// one transaction. Under load the center writes fewer, larger transactions (the rows of a busy index
/// page are written once, not once per batch), and each batch is still acknowledged only when its
/// changes are durable. A waiting batch holds no thread.
final class PushQueue: Sendable {
    private struct Waiting: Sendable {
        var push: ReplicaStore.Push
        var continuation: CheckedContinuation<ReplicaStore.Receipt, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var writing = false
    }

    private let state = Mutex(State())
    let store: any CenterStore
    let metrics: CenterMetrics
    /// Most changes written in one transaction (a single larger batch is written alone).
    let maximumChanges: Int

    init(store: any CenterStore, metrics: CenterMetrics, maximumChanges: Int = 50_000) {
        self.store = store
        self.metrics = metrics
        self.maximumChanges = maximumChanges
    }

    /// How many batches wait for the writer.
    var waitingCount: Int {
        state.withLock { $0.waiting.count }
    }

    /// Merges a batch, together with those that wait with it.
    /// - Throws: `ClockError` if one of its changes is stamped too far ahead, or what the store threw.
    func push(_ push: ReplicaStore.Push) async throws -> ReplicaStore.Receipt {
        try await withCheckedThrowingContinuation { continuation in
            let starts = state.withLock { state in
                state.waiting.append(Waiting(push: push, continuation: continuation))
                defer { state.writing = true }
                return !state.writing
            }
            if starts {
                Task { await self.write() }
            }
        }
    }

    /// Writes waiting batches, a group at a time, until none waits.
    private func write() async {
        while true {
            let group = state.withLock { state in
                var taken = 0
                var changes = 0
                while taken < state.waiting.count,
                    taken == 0 || changes + state.waiting[taken].push.changes.count <= maximumChanges
                {
                    changes += state.waiting[taken].push.changes.count
                    taken += 1
                }
                let group = Array(state.waiting.prefix(taken))
                state.waiting.removeFirst(taken)
                if group.isEmpty { state.writing = false }
                return group
            }
            guard !group.isEmpty else { return }
            let start = ContinuousClock.now
            let results = await store.push(together: group.map(\.push))
            metrics.pushTransaction(since: start)
            for (waiting, result) in zip(group, results) {
                waiting.continuation.resume(with: result)
            }
        }
    }
}
