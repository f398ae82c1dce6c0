import Client
import Foundation
import Logging
import Samples
import Server
import Shared
import Storage

/// The PostgreSQL change log's own rates (issue 8, in progress): 20 devices' new cases pushed as
/// batches of 2,000 changes, one batch per transaction and ten per transaction (as group commit
/// writes them), through one process and through two at once; then the whole feed read as pages.
/// Needs BENCHMARK_POSTGRES=postgres://USER@HOST:PORT/DATABASE (an empty database it may fill, e.g.
/// from `scripts/postgres start DIR`).
enum PostgresBenchmark {
    static func run(casesPerDevice: Int) async throws {
        guard let url = ProcessInfo.processInfo.environment["BENCHMARK_POSTGRES"] else {
            print("set BENCHMARK_POSTGRES=postgres://USER@HOST:PORT/DATABASE (scripts/postgres start DIR prints one)")
            return
        }
        var logger = Logger(label: "benchmark")
        logger.logLevel = .error
        let logs = try (0..<2).map { _ in try PostgresCenter(url: url + "?sslmode=disable", logger: logger) }
        try await withThrowingTaskGroup(of: Void.self) { pools in
            for log in logs { pools.addTask { await log.run() } }
            defer { pools.cancelAll() }
            try await logs[0].migrate()
            print("FieldSync PostgreSQL log benchmark: 20 devices x \(casesPerDevice) cases, batches of 2,000 changes")
            var round = 0
            for (processes, perTransaction) in [(1, 1), (1, 10), (2, 10)] {
                round += 1
                let batches = try Self.batches(devices: 20, cases: casesPerDevice, round: round)
                let changes = batches.reduce(0) { $0 + $1.count }
                let start = ContinuousClock.now
                try await withThrowingTaskGroup(of: Void.self) { writers in
                    for process in 0..<processes {
                        let mine = batches.enumerated().filter { $0.offset % processes == process }.map(\.element)
                        let log = logs[process]
                        writers.addTask {
                            for group in stride(from: 0, to: mine.count, by: perTransaction) {
                                let pushes = mine[group..<min(group + perTransaction, mine.count)].map {
                                    ReplicaStore.Push(
                                        changes: $0, device: "bench", clockOffset: nil, maximumDrift: .max)
                                }
                                for result in await log.push(together: pushes) { _ = try result.get() }
                            }
                        }
                    }
                    try await writers.waitForAll()
                }
                let seconds = Synchronizer.seconds(since: start)
                print(
                    String(
                        format: "push, %d process%@, %2d batches per transaction: %8.0f cases/s  (%d changes, %.2f s)",
                        processes, processes == 1 ? "  " : "es", perTransaction,
                        Double(20 * casesPerDevice) / seconds, changes, seconds))
            }
            let start = ContinuousClock.now
            var (cursor, more, pulled) = (Int64(0), true, 0)
            while more {
                let page = try await logs[1].pageJSON(after: cursor, within: nil, limit: 10_000)
                (cursor, more, pulled) = (page.cursor, page.more, pulled + page.count)
            }
            let seconds = Synchronizer.seconds(since: start)
            print(
                String(
                    format: "feed, pages of 10,000 written:           %8.0f cases/s  (%d changes, %.2f s)",
                    Double(3 * 20 * casesPerDevice) / seconds, pulled, seconds))
        }
    }

    /// New cases of `devices` devices, as batches of 2,000 changes.
    static func batches(devices: Int, cases: Int, round: Int) throws -> [[Change]] {
        var batches: [[Change]] = []
        for device in 0..<devices {
            let village = try AreaCode(parsing: "620502101\(201 + device)")
            var replica = Replica(clock: HybridClock(replica: ReplicaID(rawValue: UInt64(round * 1000 + device))))
            var changes: [Change] = []
            for number in 0..<cases {
                changes += try replica.perform(
                    .record(
                        DisputeDraft(
                            village: village, category: .land,
                            parties: [try Party(name: "王\(number)"), try Party(name: "李\(device)")],
                            summary: String(repeating: "两家因宅基地边界发生争执，", count: 10), recorder: "网格员")),
                    onDispute: RecordID.random())
            }
            batches += stride(from: 0, to: changes.count, by: 2_000).map {
                Array(changes[$0..<min($0 + 2_000, changes.count)])
            }
        }
        return batches
    }
}
