import Hummingbird
import Synchronization

/// How many bytes of request bodies the center holds at once: a request waits (holding no thread) until
/// its share is free, first come first served, so that a burst of large pushes is taken a few at a time
/// and the process's memory returns to its idle level after it, instead of every body, its inflated copy
/// and its parsed changes being held at once.
public final class ByteBudget: Sendable {
    private struct State {
        var available: Int
        var waiting: [(bytes: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    public let capacity: Int
    private let state: Mutex<State>

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        state = Mutex(State(available: max(1, capacity)))
    }

    /// Bytes held now.
    public var held: Int {
        capacity - state.withLock { $0.available }
    }

    /// Takes `bytes` (at most the capacity: a body larger than the budget is taken alone), waiting while
    /// others hold too much. Give them back with `release`.
    /// - Returns: the bytes taken.
    public func acquire(_ bytes: Int) async -> Int {
        let bytes = min(max(bytes, 1), capacity)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.waiting.isEmpty, state.available >= bytes {
                    state.available -= bytes
                    return true
                }
                state.waiting.append((bytes, continuation))
                return false
            }
            if now { continuation.resume() }
        }
        return bytes
    }

    public func release(_ bytes: Int) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.available += bytes
            var ready: [CheckedContinuation<Void, Never>] = []
            while let first = state.waiting.first, first.bytes <= state.available {
                state.available -= first.bytes
                ready.append(first.continuation)
                state.waiting.removeFirst()
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }
}

/// Holds a request's share of the `ByteBudget` while it is read and handled: its body's length, or for a
/// compressed body what it may inflate to (ten times its length, at most the body limit).
struct BodyBudgetMiddleware: RouterMiddleware {
    typealias Context = CenterRequestContext
    let budget: ByteBudget
    let configuration: CenterConfiguration

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method == .post || request.method == .put else { return try await next(request, context) }
        let limit = configuration.maximumBodyBytes
        let length = request.headers[.contentLength].flatMap { Int($0) }.map { min(max($0, 0), limit) } ?? limit
        let compressed = request.headers[.contentEncoding].map { $0.lowercased() != "identity" } ?? false
        let share = compressed ? min(limit, max(length, 1) * 10) : length
        let taken = await budget.acquire(share)
        defer { budget.release(taken) }
        return try await next(request, context)
    }
}
