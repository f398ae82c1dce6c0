import Client
import Foundation
import Samples
import Shared
import Storage

/// What finding duplicates costs the center: the same generated district (a few percent recorded
/// twice) pushed into two fresh center stores, with the finder off and on.
enum DuplicateBenchmark {
    static func run(cases: Int, given: [Character], label: String) throws {
        let towns = try (101...116).map { try AreaCode(parsing: "620502\($0)") }
        let villages = try towns.flatMap { town in try (201...215).map { try AreaCode(parsing: "\(town)\($0)") } }
        let duplicates = cases * 3 / 100
        let nearMisses = cases / 100
        let sample = DuplicateSample(
            originals: cases - duplicates - nearMisses, duplicates: duplicates, nearMisses: nearMisses,
            villages: villages, given: given, seed: 2022)
        var replica = Replica(clock: HybridClock(replica: ReplicaID(rawValue: 3)))
        var batches: [[Change]] = [[]]
        for sampleCase in sample.cases {
            batches[batches.count - 1] += try replica.perform(.record(sampleCase.draft), onDispute: sampleCase.id)
            if batches[batches.count - 1].count >= 2_000 { batches.append([]) }
        }
        print(
            "FieldSync duplicate benchmark (\(sample.cases.count) cases, \(sample.truth.count) recorded twice, "
                + "\(nearMisses) near misses; \(label) names; batches of 2,000 changes)")
        var seconds: [Bool: Double] = [:]
        for finding in [false, true] {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dup-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let store = try ReplicaStore.create(
                database: folder.appendingPathComponent("center.sqlite"), scope: nil, worker: "center",
                durability: .power)
            let start = ContinuousClock.now
            for batch in batches {
                _ = try store.push(
                    batch, from: "bench", clockOffset: nil, maximumDrift: .max, findingDuplicates: finding)
            }
            let elapsed = Synchronizer.seconds(since: start)
            seconds[finding] = elapsed
            var line = String(
                format: "finder %@: %6.1f s  %8.0f cases/s", finding ? "on " : "off", elapsed,
                Double(sample.cases.count) / elapsed)
            if finding {
                var merged: Set<Set<RecordID>> = []
                for row in try store.disputes(DisputeFilter(includeVoided: true, includeMerged: true)) {
                    if let into = row.duplicateOf { merged.insert([row.id, into]) }
                }
                let queued = Set(try store.duplicateReviews().map { Set([$0.first.id, $0.second.id]) })
                let (precision, recall) = sample.score(merged: merged, queued: queued)
                line += String(
                    format: "  merged %d (precision %.3f), queued %d, recall %.3f", merged.count, precision,
                    queued.count, recall)
            }
            print(line)
        }
        print(
            String(format: "cost of finding duplicates: %.2fx the ingest without it", seconds[true]! / seconds[false]!))
    }
}
