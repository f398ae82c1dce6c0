import Foundation
import Samples
import Shared

/// Generated data comes from `Samples.SeededGenerator`.
typealias SeededGenerator = Samples.SeededGenerator

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
