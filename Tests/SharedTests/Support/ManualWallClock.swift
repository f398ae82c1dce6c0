import Shared
import Synchronization

/// A wall clock that tests set and move by hand, backwards included.
final class ManualWallClock: WallClock {
    private let now: Mutex<Int64>

    init(_ milliseconds: Int64 = 1_700_000_000_000) {
        now = Mutex(milliseconds)
    }

    func milliseconds() -> Int64 {
        now.withLock { $0 }
    }

    func set(_ milliseconds: Int64) {
        now.withLock { $0 = milliseconds }
    }

    func advance(by milliseconds: Int64) {
        now.withLock { $0 += milliseconds }
    }
}
