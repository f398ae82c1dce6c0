import Shared
import Synchronization

/// A wall clock set by hand: a demo's workers record a past year, a test moves through days.
public final class SimulatedClock: WallClock {
    private let now: Mutex<Int64>

    public init(milliseconds: Int64) {
        now = Mutex(milliseconds)
    }

    public func milliseconds() -> Int64 {
        now.withLock { $0 }
    }

    public func set(_ milliseconds: Int64) {
        now.withLock { $0 = milliseconds }
    }
}
