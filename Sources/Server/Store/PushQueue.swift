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
        /// Groups written so far: the idle watch sees whether any was written while it slept.
        var written = 0
        var watchingIdle = false
    }

    private let state = Mutex(State())
    let store: any CenterStore
    let metrics: CenterMetrics
    /// Most changes written in one transaction (a single larger batch is written alone).
    let maximumChanges: Int

    /// How long the writer must have had nothing to write before the store checkpoints; nil never.
    let idleCheckpoint: Duration?

    init(
        store: any CenterStore, metrics: CenterMetrics, maximumChanges: Int = 50_000,
        idleCheckpoint: Duration? = nil
    ) {
        self.store = store
        self.metrics = metrics
        self.maximumChanges = maximumChanges
        self.idleCheckpoint = idleCheckpoint
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
            guard !group.isEmpty else {
                watchIdle()
                return
            }
            let start = ContinuousClock.now
            var results = await store.push(together: group.map(\.push))
            state.withLock { $0.written += 1 }
            metrics.pushTransaction(since: start)
            // A batch that cannot be stored fails the whole transaction: each is written again alone, so
            // that it is refused on its own and the others are stored. A store that cannot be reached or
            // is busy fails them all as it is: trying each alone would only wait its timeout again.
            if group.count > 1, results.contains(where: Self.failsTheGroup) {
                results = []
                for waiting in group {
                    let start = ContinuousClock.now
                    results += await store.push(together: [waiting.push])
                    metrics.pushTransaction(since: start)
                }
            }
            for (waiting, result) in zip(group, results) {
                waiting.continuation.resume(with: result)
            }
        }
    }

    /// Whether a batch's failure may be one batch's, failing the group: not a change stamped too far
    /// ahead (the stores refuse that batch alone), nor a store that cannot be reached or is busy.
    static func failsTheGroup(_ result: Result<ReplicaStore.Receipt, any Error>) -> Bool {
        guard case .failure(let error) = result else { return false }
        if error is ClockError { return false }
        if let error = error as? StoreError, error.code == .unavailable || error.code == .busy { return false }
        return true
    }

    /// Once the writer has written nothing for `idleCheckpoint`, has the store checkpoint its log: pushes
    /// leave a district's new pages in the WAL, which every pull would otherwise read page by page. One
    /// watch at a time; each write while it sleeps puts the checkpoint off again, so a stream of pushes
    /// never pays for it.
    private func watchIdle() {
        guard let idle = idleCheckpoint else { return }
        let written = state.withLock { state -> Int? in
            guard !state.watchingIdle else { return nil }
            state.watchingIdle = true
            return state.written
        }
        guard var seen = written else { return }
        Task {
            while true {
                try? await Task.sleep(for: idle)
                let quiet = state.withLock { state in
                    guard state.written == seen, !state.writing else {
                        seen = state.written
                        return false
                    }
                    state.watchingIdle = false
                    return true
                }
                if quiet { break }
            }
            // A failure here loses nothing: the log stays as it was, and the next quiet spell tries again.
            if (try? await store.checkpointWAL()) != nil { metrics.checkpointed() }
        }
    }
}
