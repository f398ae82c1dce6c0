import Client
import Console
import Foundation
import Samples
import Shared
import Storage

/// How fast the annual report comes out of a large merged store: cases recorded over a year in 240
/// villages, most mediated and resolved, some visited, pushed into a center store as devices would.
enum ReportBenchmark {
    static func run(cases: Int) throws {
        // BENCHMARK_DB=PATH measures the reports over a store kept from an earlier run.
        if let path = ProcessInfo.processInfo.environment["BENCHMARK_DB"] {
            try measure(try ReplicaStore.open(database: URL(fileURLWithPath: path), durability: .power))
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // BENCHMARK_KEEP=1 keeps the store, to look at its query plans.
        defer { Benchmark.removeUnlessKept(folder) }
        let store = try ReplicaStore.create(
            database: folder.appendingPathComponent("center.sqlite"), scope: nil, worker: "center", durability: .power)
        _ = try store.importAreas(DistrictYear.areas)
        let villages = DistrictYear.villages
        var generator = SeededGenerator(seed: 2022)
        let clock = SimulatedClock(milliseconds: 0)
        var replica = Replica(clock: HybridClock(replica: ReplicaID(rawValue: 5), wallClock: clock))
        let first = try CalendarDate(parsing: "2022-01-01")
        print("FieldSync report benchmark: building a center store of \(cases) cases (2022)…")
        let start = ContinuousClock.now
        var batch: [Change] = []
        for index in 0..<cases {
            let day = first.adding(days: index * 360 / cases)
            clock.set(LocalTime.startOfDay(day) + 36_000_000)
            let id = RecordID.random(using: &generator)
            batch += try replica.perform(
                .record(
                    DisputeDraft(
                        village: villages[Int.random(in: 0..<villages.count, using: &generator)],
                        category: DisputeCategory.allCases.randomElement(using: &generator)!,
                        parties: [try Party(name: "甲\(index)"), try Party(name: "乙\(index)")], summary: "纠纷\(index)",
                        foundBy: Discovery.allCases.randomElement(using: &generator)!, incidentDate: day,
                        recorder: "网格员")), onDispute: id)
            if generator.chance(98) {
                batch += try replica.perform(.mediate(method: .chat, mediator: "调解员"), onDispute: id)
                batch += try replica.perform(.resolve(agreement: "协议", date: day.adding(days: 3)), onDispute: id)
                if generator.chance(50) {
                    batch += try replica.perform(
                        .visit(Visit(date: day.adding(days: 10), note: "回访", isAgreementKept: true)), onDispute: id)
                }
            }
            if batch.count >= 5_000 {
                _ = try store.push(batch, from: "bench", clockOffset: nil, maximumDrift: .max, findingDuplicates: false)
                batch = []
            }
            if index > 0, index % 100_000 == 0 {
                print("  \(index) cases, \(Int(Synchronizer.seconds(since: start))) s")
            }
        }
        _ = try store.push(batch, from: "bench", clockOffset: nil, maximumDrift: .max, findingDuplicates: false)
        let size = (try? FileManager.default.attributesOfItem(atPath: store.database.path)[.size] as? Int) ?? 0
        print(
            String(format: "built in %.0f s, database %.0f MB", Synchronizer.seconds(since: start), Double(size) / 1e6))
        try measure(store)
    }

    static func measure(_ store: ReplicaStore) throws {
        let request = ReportRequest(
            period: try ReportPeriod(year: "2022"), today: try CalendarDate(parsing: "2023-01-01"))
        for (label, dimension) in [("annual report", nil), ("annual report by town", ReportRequest.Dimension.town)]
            as [(String, ReportRequest.Dimension?)]
        {
            var times: [Double] = []
            var report: Report?
            for _ in 0..<3 {
                let begin = ContinuousClock.now
                var asked = request
                asked.dimension = dimension
                report = try store.report(asked)
                times.append(Synchronizer.seconds(since: begin))
            }
            print(
                String(
                    format: "%@: %.3f s (first), %.3f s (best of 3); %d screened, %d resolved", label, times[0],
                    times.min()!, report!.total.screened, report!.total.resolved))
        }
        let begin = ContinuousClock.now
        _ = ReportOutput(language: .zh).render(try store.report(request), as: .html)
        print(
            String(format: "annual report as HTML, computed and rendered: %.3f s", Synchronizer.seconds(since: begin)))
    }
}
