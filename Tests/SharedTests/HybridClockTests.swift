import Shared
import Testing

@Suite struct HybridClockTests {
    let replica = ReplicaID(rawValue: 7)

    /// A clock's reading in a header is taken within 31,000 years of 1970, and nothing further: the
    /// lowest 64-bit number, taken as it came, overflowed the offset from the center's clock.
    @Test func aClockReadingIsTakenOnlyWhereNoArithmeticOverflows() {
        #expect(ClockReading.milliseconds("1796024387972") == 1_796_024_387_972)
        #expect(ClockReading.milliseconds(" -86400000 ") == -86_400_000)
        #expect(ClockReading.milliseconds("\(ClockReading.farthest)") == ClockReading.farthest)
        for bad in ["\(ClockReading.farthest + 1)", "\(Int64.min)", "\(Int64.max)", "", "1e12", "yesterday"] {
            #expect(ClockReading.milliseconds(bad) == nil, "\(bad)")
        }
        let offset = ClockReading.farthest - (-ClockReading.farthest)
        #expect(offset > 0)
    }

    @Test func followsTheWallClockWhenItMovesForward() {
        let wall = ManualWallClock(1_000)
        var clock = HybridClock(replica: replica, wallClock: wall)
        #expect(clock.now() == HybridTimestamp(physical: 1_000, counter: 0, replica: replica))
        #expect(clock.now() == HybridTimestamp(physical: 1_000, counter: 1, replica: replica))
        wall.advance(by: 5)
        #expect(clock.now() == HybridTimestamp(physical: 1_005, counter: 0, replica: replica))
    }

    @Test func neverGoesBackwardsWhenTheWallClockDoes() {
        let wall = ManualWallClock(10_000)
        var clock = HybridClock(replica: replica, wallClock: wall)
        let before = clock.now()
        wall.set(2_000)
        let after = clock.now()
        #expect(after > before)
        #expect(after.physical == 10_000 && after.counter == 1)
    }

    @Test func receivingMovesPastTheRemoteTimestamp() throws {
        let wall = ManualWallClock(1_000)
        var clock = HybridClock(replica: replica, wallClock: wall)
        let remote = HybridTimestamp(physical: 1_500, counter: 3, replica: ReplicaID(rawValue: 9))
        try clock.receive(remote)
        let next = clock.now()
        #expect(next > remote)
        #expect(next.physical == 1_500 && next.counter == 5)
    }

    @Test func refusesATimestampTooFarAheadAndSaysByHowMuch() {
        let wall = ManualWallClock(1_000_000)
        var clock = HybridClock(replica: replica, maximumDrift: 60_000, wallClock: wall)
        let before = clock.latest
        let remote = HybridTimestamp(
            physical: 1_000_000 + 3 * 3_600_000 + 12 * 60_000, counter: 0, replica: ReplicaID(rawValue: 9))
        #expect {
            try clock.receive(remote)
        } throws: { error in
            guard let error = error as? ClockError else { return false }
            return error.aheadBy == 3 * 3_600_000 + 12 * 60_000 && error.description.contains("ahead by 3h 12m")
                && error.description.contains("at most 1m 0s")
        }
        #expect(clock.latest == before)
        // Exactly at the limit is still accepted.
        #expect(throws: Never.self) {
            try clock.receive(HybridTimestamp(physical: 1_060_000, counter: 0, replica: ReplicaID(rawValue: 9)))
        }
    }

    @Test func aFullCounterCarriesIntoTheNextMillisecond() throws {
        let wall = ManualWallClock(1_000)
        var clock = HybridClock(replica: replica, wallClock: wall)
        try clock.receive(HybridTimestamp(physical: 1_000, counter: .max - 1, replica: ReplicaID(rawValue: 9)))
        #expect(clock.latest.counter == .max)
        let next = clock.now()
        #expect(next.physical == 1_001 && next.counter == 0)
    }

    /// Law: whatever the wall clock does and whatever arrives, each new timestamp is greater than
    /// every timestamp issued or received before.
    @Test func isMonotonicUnderRandomWallClocksAndMessages() throws {
        let seed = propertySeed()
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<propertyIterations(200) {
            let wall = ManualWallClock(Int64.random(in: 0...1_000_000, using: &generator))
            var clock = HybridClock(replica: replica, maximumDrift: 50_000, wallClock: wall)
            var highest = clock.latest
            for _ in 0..<200 {
                wall.advance(by: Int64.random(in: -20_000...20_000, using: &generator))
                if generator.chance(40) {
                    let remote = HybridTimestamp(
                        physical: wall.milliseconds() + Int64.random(in: -40_000...45_000, using: &generator),
                        counter: UInt32.random(in: 0...5, using: &generator), replica: ReplicaID(rawValue: 9))
                    try clock.receive(remote)
                    #expect(clock.latest > remote, "seed \(seed)")
                    highest = max(highest, remote)
                } else {
                    let stamp = clock.now()
                    #expect(stamp > highest, "seed \(seed)")
                    #expect(stamp.replica == replica, "seed \(seed)")
                    highest = stamp
                }
            }
        }
    }
}

@Suite struct TimestampTextTests {
    /// Feeds write timestamps as bytes; they must spell exactly what `description` does.
    @Test func writtenBytesSpellTheDescription() {
        var generator = SeededGenerator(seed: propertySeed())
        let edges: [(Int64, UInt32, UInt64)] = [
            (0, 0, 0), (-1, 1, 1), (.min, .max, .max >> 4), (.max, 9, 31), (1_647_302_400_000, 10, 12_345),
        ]
        let random = (0..<propertyIterations(500)).map { _ in
            (
                Int64.random(in: -2_000_000_000_000...3_000_000_000_000, using: &generator),
                UInt32.random(in: 0...UInt32.max, using: &generator),
                UInt64.random(in: 0..<(1 << 60), using: &generator)
            )
        }
        for (physical, counter, replica) in edges + random {
            let timestamp = HybridTimestamp(physical: physical, counter: counter, replica: ReplicaID(rawValue: replica))
            var bytes: [UInt8] = Array("x".utf8)
            timestamp.write(into: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == "x" + timestamp.description)
        }
    }
}
