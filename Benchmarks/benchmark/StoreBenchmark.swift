import Client
import Foundation
import Samples
import Shared
import Storage

/// How fast a store takes changes from elsewhere: the center receiving pushed batches (durably), the
/// same path a laptop's pull takes.
enum StoreBenchmark {
    static func run(cases: Int) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ReplicaStore.create(
            database: folder.appendingPathComponent("center.sqlite"), scope: nil, worker: "center", durability: .power)
        let village = try AreaCode(parsing: "620502101201")
        /// A new laptop of the district's office (as durable as a laptop's edits), in `file`.
        func districtReplica(_ file: String) throws -> ReplicaStore {
            try ReplicaStore.create(
                database: folder.appendingPathComponent(file), scope: try AreaCode(parsing: "620502"),
                worker: "district", durability: .process)
        }
        var replica = Replica(clock: HybridClock(replica: ReplicaID(rawValue: 3)))
        // Names as varied as a district's: the duplicate finder is measured by `benchmark duplicates`.
        var generator = SeededGenerator(seed: 3)
        func name(_ generator: inout SeededGenerator) -> String {
            String(DuplicateSample.families.randomElement(using: &generator)!)
                + String((0..<2).map { _ in DuplicateSample.wideGiven.randomElement(using: &generator)! })
        }
        var changes: [Change] = []
        for index in 0..<cases {
            changes += try replica.perform(
                .record(
                    DisputeDraft(
                        village: village, category: .land,
                        parties: [try Party(name: name(&generator)), try Party(name: name(&generator))],
                        summary: "第\(index)件：两家因宅基地边界发生争执，经村调委会多次上门调解",
                        incidentDate: try CalendarDate(parsing: "2022-03-15"), recorder: "网格员")),
                onDispute: RecordID.random())
        }
        let batches = stride(from: 0, to: changes.count, by: 2000).map {
            ChangeBatch(changes: Array(changes[$0..<min($0 + 2000, changes.count)])).json()
        }
        print("FieldSync store benchmark (\(cases) new cases, \(changes.count) changes, batches of 2,000)")
        var start = ContinuousClock.now
        let decoded = try batches.map { try ChangeBatch(json: $0) }
        let decode = Synchronizer.seconds(since: start)
        start = ContinuousClock.now
        // BENCHMARK_PULL_ONLY=1 skips the center's part, to profile the laptop's alone.
        let pullOnly = ProcessInfo.processInfo.environment["BENCHMARK_PULL_ONLY"] != nil
        for batch in decoded where !pullOnly {
            _ = try store.push(batch.changes, from: "bench", clockOffset: nil, maximumDrift: .max)
        }
        let push = Synchronizer.seconds(since: start)
        print(String(format: "decode and validate:   %8.0f changes/s", Double(changes.count) / decode))
        if !pullOnly {
            print(
                String(
                    format: "store, durable:        %8.0f changes/s  (%.0f cases/s, %.1f us per change)",
                    Double(changes.count) / push, Double(cases) / push, push * 1e6 / Double(changes.count)))
        }

        if !pullOnly {
            // The center writing its feed for the district: every page, as `GET /v1/changes` sends it
            // before compression.
            start = ContinuousClock.now
            var (cursor, more, bytes) = (Int64(0), true, 0)
            while more {
                let page = try store.pageJSON(after: cursor, within: nil, limit: 10_000)
                (cursor, more, bytes) = (page.cursor, page.more, bytes + page.json.count)
            }
            let feed = Synchronizer.seconds(since: start)
            print(
                String(
                    format: "feed pages written:    %8.0f changes/s  (%.0f cases/s, %.0f bytes per case uncompressed)",
                    Double(changes.count) / feed, Double(cases) / feed, Double(bytes) / Double(cases)))

            // The center's snapshot of the district, pages of 2,000 records, and a new district replica
            // taking it.
            start = ContinuousClock.now
            var (snapshot, snapshotBytes) = ([SnapshotPage](), 0)
            var after: RecordID?
            repeat {
                let page = try store.snapshotPage(after: after, within: nil, limit: 2_000)
                snapshot.append(try SnapshotPage(bytes: page.bytes))
                snapshotBytes += page.bytes.count
                after = snapshot.last?.last
            } while snapshot.last?.more == true
            let written = Synchronizer.seconds(since: start)
            let taker = try districtReplica("snapshot.sqlite")
            start = ContinuousClock.now
            for page in snapshot { try taker.receive(page, maximumDrift: .max) }
            let taken = Synchronizer.seconds(since: start)
            print(
                String(
                    format: "snapshot written+read: %8.0f cases/s  (%.0f bytes per case uncompressed)",
                    Double(cases) / written,
                    Double(snapshotBytes) / Double(cases)))
            print(
                String(
                    format: "snapshot, stored:      %8.0f cases/s  (%.1f us per case)", Double(cases) / taken,
                    taken * 1e6 / Double(cases)))
        }

        // A district laptop storing what it pulls (as durable as a laptop's edits): pages of 5,000 changes,
        // each with its cursor.
        let district = try districtReplica("district.sqlite")
        let pages = stride(from: 0, to: changes.count, by: 5000).map {
            ChangePage(
                changes: Array(changes[$0..<min($0 + 5000, changes.count)]), cursor: Int64($0 + 5000),
                more: $0 + 5000 < changes.count)
        }
        start = ContinuousClock.now
        for page in pages { try district.receive(page, maximumDrift: .max) }
        let pull = Synchronizer.seconds(since: start)
        print(
            String(
                format: "pulled pages, stored:  %8.0f changes/s  (%.0f cases/s, %.1f us per change)",
                Double(changes.count) / pull, Double(cases) / pull, pull * 1e6 / Double(changes.count)))
    }
}
