#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A source of physical time in milliseconds since 1970, injected so that tests control time.
public protocol WallClock: Sendable {
    func milliseconds() -> Int64
}

/// The operating system's real-time clock, which may be wrong and may jump backwards.
public struct SystemWallClock: WallClock {
    public init() {}

    public func milliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}

/// A wall clock shifted by a fixed offset: the device's clock corrected by what the center said.
public struct OffsetWallClock: WallClock {
    public var base: any WallClock
    public var offset: Int64

    public init(base: any WallClock, offset: Int64) {
        self.base = base
        self.offset = offset
    }

    public func milliseconds() -> Int64 {
        base.milliseconds() + offset
    }
}
