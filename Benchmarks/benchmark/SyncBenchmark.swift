import Client
import ContentCoding
import Foundation
import GRDB
import Logging
import Samples
import Server
import Shared
import Storage

/// 20 devices with `casesPerDevice` new cases each push at once to a real `center serve` on loopback;
/// a district replica pulls everything; then 10 % of the cases change status, are pushed, and pulled.
///
/// BENCHMARK_CENTER_DB=postgres://USER@HOST:PORT/DATABASE (an empty database) runs the center on
/// PostgreSQL; BENCHMARK_CENTERS=N starts N `center serve` processes on it, the devices spread over them.
/// BENCHMARK_SNAPSHOT_RECORDS=N sets the records per snapshot page.
enum SyncBenchmark {
    static let phrases = [
        "两家因宅基地边界发生争执", "男方拒绝退还彩礼", "邻居夜间施工噪音扰民", "承包地界桩被移动", "农民工工资被拖欠三个月",
        "电动车与三轮车相撞医疗费分担", "征收补偿款分配不均", "亲属之间借款到期未还", "老人遗产继承份额争议", "排水沟堵塞致院落积水",
        "村调委会多次上门调解", "双方情绪激动需稳控", "经拉家常式调解初步缓和", "涉及两镇当事人需联合调处",
    ]

    static func run(casesPerDevice: Int) async throws {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let centerBinary = directory.appendingPathComponent("center")
        guard FileManager.default.isExecutableFile(atPath: centerBinary.path) else {
            print("build center first: swift build -c release --product center")
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sync-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // BENCHMARK_KEEP=1 keeps the center's and the replicas' databases, to look at what a pull wrote.
        defer { Benchmark.removeUnlessKept(folder) }
        let district = try AreaCode(parsing: "620502")
        let town = try AreaCode(parsing: "620502101")
        let villages = try (201...220).map { try AreaCode(parsing: "620502101\($0)") }
        let environment = ProcessInfo.processInfo.environment
        let postgres = environment["BENCHMARK_CENTER_DB"]
        let processes = max(1, environment["BENCHMARK_CENTERS"].flatMap(Int.init) ?? 1)
        let location = postgres ?? folder.appendingPathComponent("center.sqlite").path
        let admin: any CenterAdministration
        var pool: Task<Void, Never>?
        var logger = Logger(label: "benchmark")
        logger.logLevel = .error
        var shared: PostgresCenter?
        if let postgres {
            let log = try PostgresCenter(url: postgres, logger: logger)
            shared = log
            pool = Task { await log.run() }
            admin = try await PostgresCenterStore.open(log: log, logger: logger)
        } else {
            admin = SQLiteCenterStore(
                try ReplicaStore.create(
                    database: URL(fileURLWithPath: location), scope: nil, worker: "center", durability: .power))
        }
        defer { pool?.cancel() }
        _ = try await admin.importAreas(
            [Area(code: district, name: "秦州区"), Area(code: town, name: "大城街道")]
                + villages.enumerated().map { Area(code: $0.element, name: "村\($0.offset)") })

        // The center, as a district runs it: one process, or several on one PostgreSQL database.
        var centers: [(process: Process, url: String)] = []
        defer { for center in centers { center.process.terminate() } }
        for _ in 0..<processes {
            let center = Process()
            center.executableURL = centerBinary
            center.arguments = ["serve", "--db", location, "--port", "0"]
            let output = Pipe()
            center.standardOutput = output
            center.standardError = FileHandle.nullDevice
            try center.run()
            var line = ""
            while !line.contains("\n") {
                let data = output.fileHandleForReading.availableData
                guard !data.isEmpty else { throw BenchmarkError(message: "center did not start") }
                line += String(decoding: data, as: UTF8.self)
            }
            guard
                let address = line.components(separatedBy: "listening on ").dropFirst().first?.split(separator: " ")
                    .first
            else {
                throw BenchmarkError(message: "center did not say where it listens: \(line)")
            }
            centers.append((center, String(address)))
        }

        func replica(_ name: String, scope: AreaCode, role: DeviceRole, url: String) async throws -> ReplicaStore {
            let credential = try await admin.enroll(name: name, scope: scope, role: role).1
            return try FieldStore.create(
                home: FieldHome(url: folder.appendingPathComponent(name)),
                enrollment: Enrollment(url: url, credential: credential, scope: scope, role: role, worker: name))
        }

        print(
            "FieldSync sync benchmark: 20 devices x \(casesPerDevice) cases, center on loopback "
                + (postgres == nil
                    ? "(SQLite)" : "(PostgreSQL, \(processes) center process\(processes == 1 ? "" : "es"))"))
        // BENCHMARK_SAME_PARTIES=1: every device records the same parties (a stress for the duplicate finder:
        // 20 records of each dispute).
        let sameParties = ProcessInfo.processInfo.environment["BENCHMARK_SAME_PARTIES"] != nil
        func name(_ generator: inout SystemRandomNumberGenerator) -> String {
            String(DuplicateSample.families.randomElement(using: &generator)!)
                + String((0..<2).map { _ in DuplicateSample.wideGiven.randomElement(using: &generator)! })
        }
        var generator = SystemRandomNumberGenerator()
        var devices: [ReplicaStore] = []
        for (index, village) in villages.enumerated() {
            let store = try await replica(
                "grid\(index)", scope: village, role: .grid, url: centers[index % centers.count].url)
            try store.transact { session in
                for number in 0..<casesPerDevice {
                    var summary = ""
                    while summary.count < 120 { summary += phrases.randomElement(using: &generator)! + "，" }
                    let draft = DisputeDraft(
                        village: village, category: DisputeCategory.allCases.randomElement(using: &generator)!,
                        // Other people in every case, with names as varied as a district's: duplicates are
                        // measured by `benchmark duplicates`.
                        parties: sameParties
                            ? [try Party(name: "王\(number)"), try Party(name: "李\(number)")]
                            : [try Party(name: name(&generator)), try Party(name: name(&generator))],
                        summary: String(summary.prefix(120)), incidentDate: try CalendarDate(parsing: "2022-03-15"),
                        recorder: "网格员\(index)")
                    let id = RecordID.random(using: &generator)
                    try session.commit(
                        DisputeCommand.record(draft).changes(for: id, current: nil, clock: &session.clock))
                }
            }
            devices.append(store)
        }
        let districtReplica = try await replica("district", scope: district, role: .district, url: centers[0].url)
        // More new district replicas, enrolled now (before the pushes and the idle checkpoint that follows), so
        // that the full pull is measured several times on the same center: its figure varies run to run.
        var againReplicas: [ReplicaStore] = []
        for number in 1...4 {
            againReplicas.append(
                try await replica("district-again\(number)", scope: district, role: .district, url: centers[0].url))
        }
        // The same pull through the feed alone, as a replica did before snapshots.
        let feedReplica = try await replica("district-feed", scope: district, role: .district, url: centers[0].url)
        let cases = devices.count * casesPerDevice

        let cpuBefore = (centers.map { cpuSeconds(of: $0.process.processIdentifier) }, cpuSeconds(of: nil))
        let (pushSeconds, pushed) = try concurrently(devices) { store, summary in
            try synchronizer(store).push(into: &summary)
        }
        let changesPerCase = Double(pushed.sent) / Double(cases)
        print(
            String(
                format: "push, 20 devices at once:      %8.0f cases/s  (%d cases, %d changes, %.2f s)",
                Double(cases) / pushSeconds, cases, pushed.sent, pushSeconds))
        /// A metric of each center process (`/metrics`), 0 where it has none yet.
        func metric(_ name: String) throws -> [Double] {
            try centers.map { center in
                let metrics = try CurlClient().perform(
                    method: "GET", url: "\(center.url)/metrics", headers: [], body: nil)
                let lines = String(decoding: metrics.body, as: UTF8.self).split(separator: "\n")
                return lines.first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
                    ?? 0
            }
        }
        // The writer's busy time, from each center's own metrics: near the wall time, it bounds the push.
        let busy = try metric("fieldsync_push_transaction_duration_seconds_sum").reduce(0, +)
        let transactions = try metric("fieldsync_push_transaction_duration_seconds_count").reduce(0, +)
        let pushEnd = ContinuousClock.now
        print(
            String(
                format: "push, center writer busy:      %8.2f s  (of %.2f s; %.0f transactions%@)", busy, pushSeconds,
                transactions, centers.count > 1 ? ", summed over the processes" : ""))
        let centerCPU = zip(centers, cpuBefore.0).map { cpuSeconds(of: $0.process.processIdentifier) - $1 }
        print(
            String(
                format: "push, CPU time:                %8.2f s center%@, %.2f s devices (of %.2f s on 2 cores)",
                centerCPU.reduce(0, +), centers.count > 1 ? " (all processes)" : "",
                cpuSeconds(of: nil) - cpuBefore.1, 2 * pushSeconds))
        print(
            String(
                format: "push, bytes on the wire:       %8.1f bytes per new case (zstd bodies; %.1f changes per case)",
                Double(pushed.bytesSent) / Double(cases), changesPerCase))

        // The feed alone: every page fetched and decoded, nothing stored (what the store adds is the rest).
        var cpu = (centers.map { cpuSeconds(of: $0.process.processIdentifier) }, cpuSeconds(of: nil))
        /// CPU seconds the centers and this process spent since `cpu`, then `cpu` moved to now.
        func cpuSpent() -> (center: Double, device: Double) {
            let now = (centers.map { cpuSeconds(of: $0.process.processIdentifier) }, cpuSeconds(of: nil))
            defer { cpu = now }
            return (zip(now.0, cpu.0).map { $0 - $1 }.reduce(0, +), now.1 - cpu.1)
        }
        let feedStart = ContinuousClock.now
        let client = try CurlClient()
        var (cursor, more, fed) = (Int64(0), true, 0)
        var bodies: [[UInt8]] = []
        while more {
            guard let credential = try districtReplica.syncState().enrollment?.credential else { break }
            let response = try client.perform(
                method: "GET", url: "\(centers[0].url)/v1/changes?after=\(cursor)&limit=10000",
                headers: ["Authorization: Bearer \(credential.token)"], body: nil)
            let page = try ChangePage(json: Data(response.body))
            bodies.append(response.body)
            (cursor, more, fed) = (page.cursor, page.more, fed + page.changes.count)
        }
        print(
            String(
                format: "feed only, fetched + decoded:  %8.0f cases/s  (%d changes in %.2f s, nothing stored)",
                Double(cases) / Synchronizer.seconds(since: feedStart), fed, Synchronizer.seconds(since: feedStart)))
        let feedCPU = cpuSpent()
        print(
            String(
                format: "feed only, CPU time:           %8.2f s center, %.2f s device", feedCPU.center, feedCPU.device))
        // The codings' own part of the feed: the pages' JSON compressed as the center does (zstd; gzip for
        // clients that take nothing else) and decoded again.
        let json = Double(bodies.reduce(0) { $0 + $1.count }) / Double(cases)
        for coding in [ContentCoding.zstd, .gzip] {
            let compressed =
                try bodies.map { coding == .zstd ? Zstd.compress($0) : try Gzip.compress($0) }
            let encode = cpuSpent().device
            for body in compressed {
                _ = coding == .zstd ? try Zstd.decompress(body, limit: 1 << 28) : try Gzip.decompress(body)
            }
            print(
                String(
                    format:
                        "feed, %@ alone:              %8.2f s to compress, %.3f s to decode  (%.1f bytes per case; %.0f of JSON)",
                    coding.rawValue, encode, cpuSpent().device,
                    Double(compressed.reduce(0) { $0 + $1.count }) / Double(cases), json))
        }

        // The snapshot alone: every page fetched and read, nothing stored.
        _ = cpuSpent()
        let snapshotStart = ContinuousClock.now
        var (after, snapshotted, snapshotBytes) = (String?.none, 0, [[UInt8]]())
        while let credential = try districtReplica.syncState().enrollment?.credential {
            let response = try client.perform(
                method: "GET", url: "\(centers[0].url)/v1/snapshot?limit=2000" + (after.map { "&after=\($0)" } ?? ""),
                headers: ["Authorization: Bearer \(credential.token)"], body: nil)
            let page = try SnapshotPage(bytes: response.body)
            snapshotBytes.append(response.body)
            snapshotted += page.recordCount
            guard page.more, let last = page.last else { break }
            after = last.description
        }
        let snapshotSeconds = Synchronizer.seconds(since: snapshotStart)
        let snapshotCPU = cpuSpent()
        print(
            String(
                format:
                    "snapshot only, fetched + read: %8.0f cases/s  (%d records in %.2f s, nothing stored; CPU %.2f s center, %.2f s device)",
                Double(snapshotted) / snapshotSeconds, snapshotted, snapshotSeconds, snapshotCPU.center,
                snapshotCPU.device))
        let raw = Double(snapshotBytes.reduce(0) { $0 + $1.count }) / Double(cases)
        // The center's level (1) beside the feed's (6): a snapshot is megabytes, so its CPU counts.
        for level: Int32 in [1, 3, 6] {
            let compressed = snapshotBytes.map { Zstd.compress($0, level: level) }
            print(
                String(
                    format: "snapshot, zstd level %d alone:  %8.2f s to compress  (%.1f bytes per case; %.0f of rows)",
                    level, cpuSpent().device, Double(compressed.reduce(0) { $0 + $1.count }) / Double(cases), raw))
        }

        // A district pulls after the pushes have settled: each center has copied its WAL into its database
        // once its writer had a second of quiet (`CenterConfiguration.idleCheckpoint`), as it does between
        // bursts of pushes. Waited for (at most 10 s), so that the pull below never races it.
        for _ in 0..<1000 where try metric("fieldsync_idle_checkpoints_total").contains(0) { usleep(10_000) }
        print(
            String(
                format: "center, idle checkpoint:       %8@  (%.2f s after the pushes ended)",
                try metric("fieldsync_idle_checkpoints_total").contains(0) ? "missing" : "done",
                Synchronizer.seconds(since: pushEnd)))

        var full = Synchronizer.Summary()
        _ = cpuSpent()
        let systemBefore = cpuSeconds(of: nil, system: true)
        let writtenBefore = bytesWritten()
        let pullStart = ContinuousClock.now
        try synchronizer(districtReplica).pull(into: &full)
        let pullSeconds = Synchronizer.seconds(since: pullStart)
        print(
            String(
                format:
                    "full pull, district:           %8.0f cases/s  (%d changes in %.2f s, %.1f bytes per case; snapshot of %d records%@)",
                Double(cases) / pullSeconds, full.received, pullSeconds, Double(full.bytesReceived) / Double(cases),
                full.snapshotRecords, full.snapshotGivenUpOnSlowLink ? ", then the feed: a slow link" : ""))
        let pullCPU = cpuSpent()
        // The kernel's part (writing the WAL, faulting in memory): what writing fewer bytes would save at most.
        print(
            String(
                format:
                    "full pull, CPU time:           %8.2f s center, %.2f s device, %.2f s of it the kernel's (of %.2f s on 2 cores)",
                pullCPU.center, pullCPU.device, cpuSeconds(of: nil, system: true) - systemBefore, 2 * pullSeconds))
        // The laptop's store is the pull's critical path when it is busy all along: the rest is the first page's
        // wait and the center's and the reader's share of the two cores.
        print(
            String(
                format:
                    "full pull, storing pages:      %8.2f s  (of %.2f s; the rest it waited for pages, the first one above all)",
                full.storingSeconds, pullSeconds))
        // What the replica's store wrote (its log of pages, the WAL, holds each page a transaction changed).
        print(
            String(
                format: "full pull, written to disk:    %8.1f MB  (%.0f bytes per case)",
                Double(bytesWritten() - writtenBefore) / 1e6, Double(bytesWritten() - writtenBefore) / Double(cases)))
        // The pull's pages sit in the laptop's WAL (below its autocheckpoint): copying them into the database,
        // which a later commit or a larger pull does, is part of what taking them costs.
        let checkpointStart = ContinuousClock.now
        let (frames, copied) = try districtReplica.checkpointWAL()
        print(
            String(
                format: "full pull, then its checkpoint: %7.3f s  (%d of %d WAL pages copied into the database)",
                Synchronizer.seconds(since: checkpointStart), copied, frames))

        // The same pull again into the other new replicas: the median of the five, and how far they spread.
        var pullRates = [Double(cases) / pullSeconds]
        for replica in againReplicas {
            var again = Synchronizer.Summary()
            let start = ContinuousClock.now
            try synchronizer(replica).pull(into: &again)
            pullRates.append(Double(cases) / Synchronizer.seconds(since: start))
        }
        _ = cpuSpent()
        pullRates.sort()
        print(
            String(
                format:
                    "full pull, %d districts:        %8.0f cases/s median  (min %.0f, max %.0f; each a new replica)",
                pullRates.count, pullRates[pullRates.count / 2], pullRates.first!, pullRates.last!))

        var feedOptions = Synchronizer.Options()
        feedOptions.takesSnapshots = false
        var byFeed = Synchronizer.Summary()
        let feedPullStart = ContinuousClock.now
        try synchronizer(feedReplica, options: feedOptions).pull(into: &byFeed)
        let feedPullSeconds = Synchronizer.seconds(since: feedPullStart)
        let feedPullCPU = cpuSpent()
        print(
            String(
                format:
                    "full pull, the feed alone:     %8.0f cases/s  (%d changes in %.2f s, %.1f bytes per case; CPU %.2f s center, %.2f s device)",
                Double(cases) / feedPullSeconds, byFeed.received, feedPullSeconds,
                Double(byFeed.bytesReceived) / Double(cases), feedPullCPU.center, feedPullCPU.device))
        guard try feedReplica.digest() == districtReplica.digest() else {
            throw BenchmarkError(message: "the feed's replica differs from the snapshot's")
        }

        // SQLite's own part: the rows the pull wrote, inserted by SQLite itself one by one, in the order the
        // pull wrote them, into an empty replica. No store can write them in less; with the center's and the
        // reader's CPU it bounds the pull on these two cores. Then the same without the case rows' indexes for
        // reports and parties: what those cost of it.
        let native = try nativeCopySeconds(of: districtReplica, scope: district, in: folder)
        let bare = try nativeCopySeconds(
            of: districtReplica, scope: district, in: folder, dropping: caseRowIndexes)
        print(
            String(
                format:
                    "full pull, SQLite alone:       %8.0f cases/s  (the same rows inserted row by row: %.2f s CPU; %.2f s without the case rows' %d indexes for lists and reports)",
                Double(cases) / native, native, bare, caseRowIndexes.count))

        // A tenth of the cases change status.
        let changed = try concurrentlyEdit(devices, fraction: 0.1)
        let (editSeconds, edits) = try concurrently(devices) { store, summary in
            try synchronizer(store).push(into: &summary)
        }
        print(
            String(
                format:
                    "status changes, push:          %8.0f changes/s  (%d cases, %d changes, %.1f bytes per changed field)",
                Double(edits.sent) / editSeconds, changed, edits.sent, Double(edits.bytesSent) / Double(edits.sent)))
        var incremental = Synchronizer.Summary()
        let incrementalStart = ContinuousClock.now
        try synchronizer(districtReplica).pull(into: &incremental)
        print(
            String(
                format: "incremental pull, district:    %8.3f s  (%d changes, %.1f bytes per changed field)",
                Synchronizer.seconds(since: incrementalStart), incremental.received,
                Double(incremental.bytesReceived) / Double(max(1, incremental.received))))
        for center in centers {
            let status =
                (try? String(contentsOfFile: "/proc/\(center.process.processIdentifier)/status", encoding: .utf8)) ?? ""
            let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM") }.map(String.init) ?? "VmHWM unknown"
            print(
                "center peak memory:            \(peak.replacingOccurrences(of: "VmHWM:", with: "").trimmingCharacters(in: .whitespaces))"
            )
        }
        let converged = try districtReplica.digest() == (try await admin.merged().digest())
        print("district replica == center:    \(converged)")
        if let shared {
            // What a process that starts now does before it serves: its view, from the shared log alone.
            let start = ContinuousClock.now
            let fresh = try await PostgresCenterStore.open(log: shared, logger: logger)
            try await fresh.refresh()
            let seconds = Synchronizer.seconds(since: start)
            let changes = try await fresh.cursor()
            print(
                String(
                    format: "a new process's view:          %8.2f s  (%d changes, %.0f changes/s)", seconds, changes,
                    Double(changes) / seconds))
        }
    }

    /// The case row's indexes beside its id: by parties, status, report, agreement date and place.
    static let caseRowIndexes = [
        "dispute_partyKey", "dispute_status", "dispute_report", "dispute_agreementDate", "dispute_place",
    ]

    /// The CPU seconds SQLite alone takes to write what `replica` holds: every table a pull writes, inserted
    /// row by row (`INSERT … SELECT … WHERE 1`, in the source's order) into an empty replica of the same
    /// schema, page size and durability, less the indexes `dropping` names, in one transaction. Without the
    /// `WHERE`, SQLite would copy records and index entries as they are stored, already sorted (its transfer
    /// optimisation, for a table copied whole into one of the same schema): half the time, and not what any
    /// store that writes rows can do.
    static func nativeCopySeconds(
        of replica: ReplicaStore, scope: AreaCode, in folder: URL, dropping indexes: [String] = []
    ) throws -> Double {
        let copy = folder.appendingPathComponent("native-\(indexes.count).sqlite")
        _ = try ReplicaStore.create(database: copy, scope: scope, worker: "native")
        var configuration = Configuration()
        // As the laptop's store writes: without its autocheckpoint of 5,000 pages, SQLite's default of 1,000
        // copies the WAL into the database in the middle of the copy (which the pull does not), and the
        // figure varied by three times from run to run.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -32000")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 5000")
        }
        let queue = try DatabaseQueue(path: copy.path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            for index in indexes { try db.execute(sql: "DROP INDEX \(index)") }
            try db.execute(sql: "ATTACH DATABASE ? AS pulled", arguments: [replica.database.path])
        }
        let tables = ["record", "change", "dispute", "visit", "risk", "arrived", "arrival", "received"]
        let before = cpuSeconds(of: nil)
        try queue.inTransaction { db in
            for table in tables {
                try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM pulled.\(table) WHERE 1")
            }
            return .commit
        }
        let seconds = cpuSeconds(of: nil) - before
        let counts = try queue.read { db in
            try tables.map {
                try Int.fetchOne(
                    db, sql: "SELECT (SELECT count(*) FROM main.\($0)) = (SELECT count(*) FROM pulled.\($0))")
            }
        }
        guard counts.allSatisfy({ $0 == 1 }) else { throw BenchmarkError(message: "the native copy lost rows") }
        return seconds
    }

    /// Bytes this process has written (`wchar` of /proc/self/io: every write, to files or sockets).
    static func bytesWritten() -> Int {
        let io = (try? String(contentsOfFile: "/proc/self/io", encoding: .utf8)) ?? ""
        return io.split(separator: "\n").first { $0.hasPrefix("wchar:") }.flatMap {
            Int($0.dropFirst("wchar:".count).trimmingCharacters(in: .whitespaces))
        } ?? 0
    }

    /// CPU seconds (user and system, or system alone) a process has used: `pid`, or this one.
    static func cpuSeconds(of pid: Int32?, system systemOnly: Bool = false) -> Double {
        let path = pid.map { "/proc/\($0)/stat" } ?? "/proc/self/stat"
        guard let stat = try? String(contentsOfFile: path, encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return 0 }
        // Fields after the command's closing parenthesis; utime and stime are the 14th and 15th of the line.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (systemOnly ? system : user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func synchronizer(
        _ store: ReplicaStore, options: Synchronizer.Options = Synchronizer.Options()
    ) throws
        -> Synchronizer
    {
        guard let enrollment = try store.syncState().enrollment else { throw BenchmarkError(message: "not enrolled") }
        var options = options
        if let records = ProcessInfo.processInfo.environment["BENCHMARK_SNAPSHOT_RECORDS"].flatMap(Int.init) {
            options.snapshotRecords = records
        }
        // BENCHMARK_SNAPSHOT_MINIMUM_RATE=0: the whole snapshot whatever the link (to compare on a slow one).
        if let rate = ProcessInfo.processInfo.environment["BENCHMARK_SNAPSHOT_MINIMUM_RATE"].flatMap(Double.init) {
            options.snapshotMinimumRate = rate
        }
        return try Synchronizer(store: store, enrollment: enrollment, options: options)
    }

    /// Runs `body` for every store at once, one thread each; the wall time and the summed summaries.
    static func concurrently(
        _ stores: [ReplicaStore], _ body: @escaping @Sendable (ReplicaStore, inout Synchronizer.Summary) throws -> Void
    ) throws -> (Double, Synchronizer.Summary) {
        let results = ResultBox(count: stores.count)
        let start = ContinuousClock.now
        // A thread per device: `concurrentPerform` would run only as many at once as there are cores.
        let finished = DispatchGroup()
        for index in stores.indices {
            finished.enter()
            Thread {
                var summary = Synchronizer.Summary()
                do {
                    try body(stores[index], &summary)
                    results.set(index, .success(summary))
                } catch {
                    results.set(index, .failure(error))
                }
                finished.leave()
            }.start()
        }
        finished.wait()
        let seconds = Synchronizer.seconds(since: start)
        var total = Synchronizer.Summary()
        for result in results.all {
            let summary = try result.get()
            total.sent += summary.sent
            total.bytesSent += summary.bytesSent
        }
        return (seconds, total)
    }

    /// Mediates `fraction` of each device's cases; returns how many.
    static func concurrentlyEdit(_ stores: [ReplicaStore], fraction: Double) throws -> Int {
        var count = 0
        for store in stores {
            let ids = try store.disputes().map(\.id)
            let chosen = ids.prefix(Int(Double(ids.count) * fraction))
            try store.perform(chosen.map { (DisputeCommand.mediate(method: .chat, mediator: nil), $0) })
            count += chosen.count
        }
        return count
    }
}

/// Results written by concurrent workers, one slot each.
final class ResultBox: @unchecked Sendable {
    // Each index is written by exactly one worker, and read after all have finished.
    private let lock = NSLock()
    private var results: [Result<Synchronizer.Summary, any Error>]

    init(count: Int) {
        results = Array(repeating: .failure(BenchmarkError(message: "not run")), count: count)
    }

    func set(_ index: Int, _ result: Result<Synchronizer.Summary, any Error>) {
        lock.lock()
        results[index] = result
        lock.unlock()
    }

    var all: [Result<Synchronizer.Summary, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
