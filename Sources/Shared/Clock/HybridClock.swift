/// A replica's hybrid logical clock (Kulkarni et al., 2014).
///
/// It follows the wall clock when the wall clock moves forward and counts when it does not, so its
/// timestamps stay close to real time yet never go backwards, even when the device's clock is set
/// back. Receiving another replica's timestamp moves it past that timestamp, so whatever a replica
/// does after seeing a change is ordered after that change.
///
/// ```swift
/// var clock = HybridClock(replica: id)
/// let stamp = clock.now()
/// try clock.receive(remoteStamp)  // throws if remoteStamp is too far ahead
/// ```
public struct HybridClock: Sendable {
    /// How far ahead of local physical time a received timestamp may be unless configured otherwise.
    public static let defaultMaximumDrift: Int64 = 3_600_000

    public let replica: ReplicaID
    /// The last timestamp issued or received; every new one is greater.
    public private(set) var latest: HybridTimestamp
    /// Milliseconds a received timestamp may be ahead of local physical time.
    public var maximumDrift: Int64
    public var wallClock: any WallClock

    /// - Parameters:
    ///   - latest: the last timestamp this replica issued or received, when resuming from storage.
    public init(
        replica: ReplicaID, latest: HybridTimestamp? = nil, maximumDrift: Int64 = Self.defaultMaximumDrift,
        wallClock: any WallClock = SystemWallClock()
    ) {
        self.replica = replica
        self.latest = latest ?? HybridTimestamp(physical: 0, counter: 0, replica: replica)
        self.maximumDrift = maximumDrift
        self.wallClock = wallClock
    }

    /// A new timestamp, greater than every timestamp issued or received before.
    public mutating func now() -> HybridTimestamp {
        let wall = wallClock.milliseconds()
        if wall > latest.physical {
            latest = HybridTimestamp(physical: wall, counter: 0, replica: replica)
        } else {
            advance(physical: latest.physical, counter: latest.counter)
        }
        return latest
    }

    /// Moves the clock past a timestamp seen on another replica.
    /// - Throws: `ClockError.remoteAhead` if `remote` is more than `maximumDrift` ahead of local
    ///   physical time; the clock is then unchanged.
    public mutating func receive(_ remote: HybridTimestamp) throws(ClockError) {
        let wall = wallClock.milliseconds()
        let ahead = remote.physical - wall
        guard ahead <= maximumDrift else {
            throw ClockError(timestamp: remote, aheadBy: ahead, maximumDrift: maximumDrift)
        }
        if wall > latest.physical, wall > remote.physical {
            latest = HybridTimestamp(physical: wall, counter: 0, replica: replica)
        } else if remote.physical > latest.physical {
            advance(physical: remote.physical, counter: remote.counter)
        } else if remote.physical == latest.physical {
            advance(physical: latest.physical, counter: max(latest.counter, remote.counter))
        } else {
            advance(physical: latest.physical, counter: latest.counter)
        }
    }

    /// Checks that `remote` could be received, without moving the clock.
    public func check(_ remote: HybridTimestamp) throws(ClockError) {
        let ahead = remote.physical - wallClock.milliseconds()
        guard ahead <= maximumDrift else {
            throw ClockError(timestamp: remote, aheadBy: ahead, maximumDrift: maximumDrift)
        }
    }

    /// The next timestamp after (physical, counter); a full counter carries into the next millisecond.
    private mutating func advance(physical: Int64, counter: UInt32) {
        latest =
            counter == .max
            ? HybridTimestamp(physical: physical + 1, counter: 0, replica: replica)
            : HybridTimestamp(physical: physical, counter: counter + 1, replica: replica)
    }
}

/// A timestamp from another replica too far ahead of this replica's physical time: its clock is
/// wrong, and accepting it would let its changes win every later conflict.
public struct ClockError: Error, Hashable, Sendable {
    public var timestamp: HybridTimestamp
    /// Milliseconds the timestamp is ahead of local physical time.
    public var aheadBy: Int64
    public var maximumDrift: Int64

    public init(timestamp: HybridTimestamp, aheadBy: Int64, maximumDrift: Int64) {
        self.timestamp = timestamp
        self.aheadBy = aheadBy
        self.maximumDrift = maximumDrift
    }
}

extension ClockError: CustomStringConvertible, LocalizedMessage {
    public var description: String { message(in: .en) }

    public func message(in language: Language) -> String {
        language.pick(
            "副本 \(timestamp.replica) 的时钟快了 \(Self.duration(aheadBy, in: .zh))（最多允许 \(Self.duration(maximumDrift, in: .zh))）；"
                + "请把那台设备的日期和时间改正确",
            "the clock of replica \(timestamp.replica) is ahead by \(Self.duration(aheadBy)) "
                + "(at most \(Self.duration(maximumDrift)) is allowed); set that device's date and time correctly")
    }

    /// A duration in the largest unit that keeps it readable: `3h 12m`, `2d 4h`, `45s`; in Chinese
    /// `3小时12分`, `2天4小时`, `45秒`.
    public static func duration(_ milliseconds: Int64, in language: Language = .en) -> String {
        let seconds = milliseconds / 1000
        let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60)
        if days > 0 { return language.pick("\(days)天\(hours)小时", "\(days)d \(hours)h") }
        if hours > 0 { return language.pick("\(hours)小时\(minutes)分", "\(hours)h \(minutes)m") }
        if minutes > 0 { return language.pick("\(minutes)分\(seconds % 60)秒", "\(minutes)m \(seconds % 60)s") }
        return language.pick("\(seconds)秒", "\(seconds)s")
    }
}
