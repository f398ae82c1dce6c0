import Console
import Foundation
import Samples
import Shared

// Figures, in release mode:
//   swift run -c release benchmark merge [changes]   the in-memory merge and the wire format
//   swift run -c release benchmark field [cases]     the field command: add, import, search
//   swift run -c release benchmark sync [cases]      20 devices syncing with a real center over loopback
//     BENCHMARK_CENTER_DB=postgres://… [BENCHMARK_CENTERS=2]  the same with the center on PostgreSQL
//   swift run -c release benchmark store [cases]     a store taking pushed batches, as the center does
//   swift run -c release benchmark duplicates [cases]  the center's ingest with the duplicate finder off and on
//   swift run -c release benchmark report [cases]   the annual report over a large merged store
//   BENCHMARK_POSTGRES=postgres://… swift run -c release benchmark postgres [cases]  the PostgreSQL log (issue 8)

/// Every run measures the same workload.
typealias Generator = SeededGenerator

extension Benchmark {
    /// Removes a run's folder of databases, unless BENCHMARK_KEEP is set: then it says where the folder is,
    /// to look at what the run wrote (query plans, table sizes).
    static func removeUnlessKept(_ folder: URL) {
        if ProcessInfo.processInfo.environment["BENCHMARK_KEEP"] == nil {
            try? FileManager.default.removeItem(at: folder)
        } else {
            print("kept \(folder.path)")
        }
    }
}

@main
enum Benchmark {
    static func main() async throws {
        // This process is the laptops: it allocates as `field` does.
        Allocator.keepFreedMemory()
        let arguments = Array(CommandLine.arguments.dropFirst())
        let mode = arguments.first.flatMap { Int($0) == nil ? $0 : nil } ?? "merge"
        let number = arguments.compactMap(Int.init).first
        switch mode {
        case "merge": try merge(count: number ?? 2_000_000)
        case "field": try FieldBenchmark.run(cases: number ?? 100_000)
        case "sync": try await SyncBenchmark.run(casesPerDevice: number ?? 1_000)
        case "store": try StoreBenchmark.run(cases: number ?? 20_000)
        case "report": try ReportBenchmark.run(cases: number ?? 1_000_000)
        case "postgres": try await PostgresBenchmark.run(casesPerDevice: number ?? 1_000)
        case "duplicates":
            // BENCHMARK_NAMES=varied or look-alike runs one of the two.
            let names = ProcessInfo.processInfo.environment["BENCHMARK_NAMES"]
            if names != "look-alike" {
                try DuplicateBenchmark.run(cases: number ?? 100_000, given: DuplicateSample.wideGiven, label: "varied")
            }
            if names != "varied" {
                try DuplicateBenchmark.run(
                    cases: number ?? 100_000, given: DuplicateSample.narrowGiven, label: "look-alike")
            }
        default:
            print("usage: benchmark [merge|field|sync|store|duplicates|report|postgres] [count]")
        }
    }

    static func merge(count: Int) throws {
        var generator = Generator(seed: 2022)
        let villages = try (201...230).map { try AreaCode(parsing: "620502101\($0)") }
        let replicas = (1...20).map { ReplicaID(rawValue: UInt64($0) * 7919) }
        let records = (0..<max(1, count / 20)).map { _ in RecordID.random(using: &generator) }
        let summaries = ["宅基地边界争议", "彩礼返还", "拖欠工资", "交通事故赔偿", "邻里噪音", "医疗费用分担", "征收补偿款分配", "借款未还"]

        /// Plain-field changes (last writer wins) over `records`, with timestamps from 20 replicas.
        func plainChanges(_ count: Int, generator: inout Generator) throws -> [Change] {
            func value(_ field: Field) -> Value {
                switch field {
                case .summary: .text(summaries.randomElement(using: &generator)!)
                case .category: .category(DisputeCategory.allCases.randomElement(using: &generator)!)
                case .level: .level(RiskLevel.allCases.randomElement(using: &generator)!)
                case .method: .method(MediationMethod.allCases.randomElement(using: &generator)!)
                default: .text("刘调解")
                }
            }
            let fields: [Field] = [.summary, .category, .level, .method, .mediator]
            var changes: [Change] = []
            changes.reserveCapacity(count)
            for index in 0..<count {
                let record = Int.random(in: 0..<records.count, using: &generator)
                let field = fields.randomElement(using: &generator)!
                let timestamp = HybridTimestamp(
                    physical: 1_640_995_200_000 + Int64(index / 4), counter: UInt32(index % 4),
                    replica: replicas.randomElement(using: &generator)!)
                changes.append(
                    try Change(
                        timestamp: timestamp, entity: EntityKey(kind: .dispute, id: records[record]),
                        scope: villages[record % villages.count], field: field, value: value(field)))
            }
            return changes.shuffled(using: &generator)
        }

        /// Runs `body` `repeats` times and returns the fastest run, in seconds.
        func fastest(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
            var best = Double.infinity
            for _ in 0..<repeats {
                let start = ContinuousClock.now
                try body()
                let elapsed = ContinuousClock.now - start
                best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
            return best
        }

        func rate(_ count: Int, _ seconds: Double) -> String {
            String(format: "%10.0f changes/s  (%d changes in %.3f s)", Double(count) / seconds, count, seconds)
        }

        print("FieldSync merge benchmark (\(count) changes, \(records.count) records)")

        let changes = try plainChanges(count, generator: &generator)
        var merged = ReplicaState()
        let mergeSeconds = fastest(repeats: 3) {
            var state = ReplicaState()
            state.apply(changes)
            merged = state
        }
        print("merge, plain fields, fresh state:   \(rate(count, mergeSeconds))")

        let replaySeconds = fastest(repeats: 3) {
            var state = merged
            state.apply(changes)
            precondition(state.entities.count == merged.entities.count)
        }
        print("merge, replay of known changes:     \(rate(count, replaySeconds))")

        var digest = merged.digest()
        let digestSeconds = fastest(repeats: 3) { digest = merged.digest() }
        print(
            String(
                format: "state digest:                       %10.0f records/s  (%@)",
                Double(digest.recordCount) / digestSeconds, "\(digest)".prefix(16).description))

        // The wire: one new case, as `DisputeCommand.record` writes it, and one status change.
        var clock = HybridClock(replica: replicas[0])
        let summary = String(repeating: "两家因宅基地边界和彩礼返还发生争执经村调委会多次调解", count: 5).prefix(120)
        let newCase = try DisputeCommand.record(
            DisputeDraft(
                village: villages[0], category: .marriageFamily,
                parties: [try Party(name: "王建国", phone: "13800138000"), try Party(name: "李秀英")],
                summary: String(summary),
                foundBy: .screening, level: .normal, incidentDate: try CalendarDate(parsing: "2022-03-15"),
                recorder: "张网格")
        ).changes(for: RecordID.random(using: &generator), current: nil, clock: &clock)
        let newCaseBytes = ChangeBatch(changes: newCase).json().count - #"{"changes":[],"version":1}"#.utf8.count
        print(
            "wire, one new case (120-character summary): \(newCaseBytes) bytes in \(newCase.count) changes, uncompressed JSON"
        )
        let fieldBatch = ChangeBatch(changes: Array(changes.prefix(10_000)))
        let fieldJSON = fieldBatch.json()
        print(
            "wire, one changed plain field:              \(fieldJSON.count / 10_000) bytes per change, uncompressed JSON"
        )

        let encodeSeconds = fastest(repeats: 3) { _ = fieldBatch.json() }
        print("wire, encode:                       \(rate(10_000, encodeSeconds))")
        let decodeSeconds = try fastest(repeats: 3) { _ = try ChangeBatch(json: fieldJSON) }
        print("wire, decode and validate:          \(rate(10_000, decodeSeconds))")

    }
}
