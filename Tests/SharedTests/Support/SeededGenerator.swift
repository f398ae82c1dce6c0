import Foundation
import Shared

/// SplitMix64: a small, fast, seedable generator, so that a failing random history can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `percent` / 100.
    mutating func chance(_ percent: Int) -> Bool {
        Int.random(in: 0..<100, using: &self) < percent
    }
}

/// The seed for a property test: `FIELDSYNC_SEED` when set (to replay a failure), else a fresh one.
/// Print it in every expectation so a failure can be replayed.
func propertySeed() -> UInt64 {
    if let text = ProcessInfo.processInfo.environment["FIELDSYNC_SEED"], let seed = UInt64(text) {
        return seed
    }
    return UInt64.random(in: 0...UInt64.max)
}

/// How many random cases a property test runs: `FIELDSYNC_ITERATIONS` when set, else `fallback`.
func propertyIterations(_ fallback: Int) -> Int {
    ProcessInfo.processInfo.environment["FIELDSYNC_ITERATIONS"].flatMap(Int.init) ?? fallback
}
