import Foundation
import Logging
import NIOPosix
import Shared
import Storage
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A center process over a PostgreSQL database that several processes share.
///
/// The shared database holds what must be one for the district: the log (the order every device pulls),
/// its arrival times, the areas, the devices, the review queue and how far the duplicate finder has
/// checked. Pushes, pulls and sign-ins go to it directly. What is derived from the log — the merged
/// cases and risk items, the search text, the report tables, the finder's index — each process keeps in
/// a local SQLite `ReplicaStore`, its *view*: a faithful copy of the log (the same sequence numbers and
/// arrival times, so reports and `--as-of` match the embedded store's), kept between runs in a cache
/// folder (or built afresh), and brought up to date after every push and before every read that needs
/// it.
///
/// The duplicate finder runs in whichever process gets there first: it computes in its view what the
/// finder writes for the cases changed since the shared `finder` row's sequence, then writes the merges
/// and proposals to the shared log only if that row still holds the sequence it started from (another
/// process that did the same work meanwhile wins; this one copies its result). A person's decisions
/// (merge, dismiss, split) are computed in the view the same way and written to the shared log.
///
/// ```swift
/// let log = try PostgresCenter(url: url, logger: logger)
/// async let pool: Void = log.run()
/// let store = try await PostgresCenterStore.open(log: log, logger: logger)
/// let server = CenterServer(store: store)
/// ```
public final class PostgresCenterStore: CenterStore, CenterAdministration {
    public let log: PostgresCenter
    /// This process's merged view.
    let view: ReplicaStore
    let file: ViewFile
    let logger: Logger
    /// The revisions of the areas and the review queue the view holds.
    private let revisions = Mutex((areas: Int64(0), pairs: Int64(0)))
    /// The last of the view's updates, run one after another.
    private let tail = Mutex<Task<Void, Never>?>(nil)
    /// Whether an update after a push is waiting to start.
    private let refreshScheduled = Atomic<Bool>(false)
    /// What this process's pushes added to the shared log, not yet in the view: copied from here rather
    /// than read back.
    private let written = Mutex<[ReplicaStore.FeedSegment]>([])
    /// How far the finder had checked the shared log when the last refresh ended.
    private let checkedThrough = Atomic<Int64>(0)

    /// How many changes one step of catching up copies.
    static let catchUpPage = 20_000

    /// How many changes this process keeps of what it pushed, for its view to copy.
    static let writtenLimit = 200_000

    private init(log: PostgresCenter, view: ViewFile, logger: Logger) throws {
        self.log = log
        self.view = try view.open()
        self.file = view
        self.logger = logger
    }

    deinit {
        file.close()
    }

    /// Lets go of the view (another process may take its slot; a temporary one is removed). The store is
    /// not used after.
    public func close() {
        file.close()
    }

    /// Migrates the shared schema (under its lock) and opens this process's view (`refresh()` brings it up
    /// to the shared log).
    ///
    /// - Parameter cache: Where views are kept between runs (one file per database and process slot,
    ///   locked while a process uses it: a process that starts again copies only what is new). Nil: a
    ///   fresh view in a temporary folder, removed when the store goes.
    public static func open(log: PostgresCenter, logger: Logger, cache: URL? = nil) async throws -> PostgresCenterStore
    {
        try await log.migrate()
        try await log.checkNoUnfinishedMigration()
        var view = try ViewFile.claim(in: cache, database: cache == nil ? "" : try await log.identity())
        let head: (seq: Int64, timestamp: HybridTimestamp)?
        do {
            head = try view.open().head()
        } catch {
            logger.notice("the cached view cannot be read; building it anew", metadata: ["error": "\(error)"])
            view = try view.recreated()
            head = nil
        }
        // A copy of another history (the database restored or rebuilt): start again.
        if let head, try await log.timestamp(at: head.seq) != head.timestamp {
            logger.notice("the cached view does not match the database; building it anew")
            view = try view.recreated()
        }
        // Brought up to date when first read (`merged()`, a pull, a report), so that a command that reads
        // no merged state (areas, devices) does not wait for it; `center serve` does it before it listens.
        return try PostgresCenterStore(log: log, view: view, logger: logger)
    }

    // MARK: The API's store

    public func authenticate(_ credential: DeviceCredential) async throws -> ReplicaStore.Device? {
        try await log.authenticate(credential)
    }

    public func push(together pushes: [ReplicaStore.Push]) async -> [Result<ReplicaStore.Receipt, any Error>] {
        let (receipts, segment) = await log.pushReturningSegment(together: pushes)
        if let segment {
            written.withLock { written in
                written.append(segment)
                // Only a shortcut: if the view falls far behind, the oldest are read from the log instead.
                while written.reduce(0, { $0 + $1.changes.count }) > Self.writtenLimit { written.removeFirst() }
            }
            // Durable now; the finder looks at it soon, before any pull or report is served.
            scheduleRefresh()
        }
        return receipts
    }

    public func recordsHeld(_ ids: [RecordID]) async throws -> [RecordID: HeldRecord] {
        try await log.recordsHeld(ids)
    }

    public func pageJSON(
        after cursor: Int64, within reach: Reach?, limit: Int
    ) async throws -> (json: [UInt8], cursor: Int64, more: Bool, count: Int) {
        try await log.pageJSON(after: cursor, within: reach, limit: limit)
    }

    /// From this process's view, brought up to the shared log first: it holds the same records, rows
    /// and sequence numbers as any other process's, and pages follow record ids, which every view shares.
    public func snapshotPage(
        after: RecordID?, within reach: Reach?, limit: Int
    ) async throws -> SnapshotPage.Written {
        let view = try await merged()
        return try await Self.blocking { try view.snapshotPage(after: after, within: reach, limit: limit) }
    }

    public func remaining(after cursor: Int64, within reach: Reach?) async throws -> Int {
        try await log.remaining(after: cursor, within: reach)
    }

    /// PostgreSQL checkpoints the shared log itself; this process's view (SQLite), which snapshot pages
    /// are read from, copies its WAL into its file.
    public func checkpointWAL() async throws {
        let view = self.view
        _ = try await Self.blocking { try view.checkpointWAL() }
    }

    public func cursor() async throws -> Int64 {
        try await log.cursor()
    }

    public func stamp(at seq: Int64) async throws -> HybridTimestamp? {
        try await log.stamp(at: seq)
    }

    public func noteContact(of device: String, clockOffset: Int64?) async throws {
        try await log.noteContact(of: device, clockOffset: clockOffset)
    }

    /// Waits for the view and the finder to cover the shared log as it stands now, unless the last
    /// refresh already did (one query then).
    ///
    /// A view that cannot be brought up to date does not stop devices syncing: the failure is logged and
    /// the pull served (merges then reach devices at a later pull); only the database being away fails it.
    public func settled() async throws {
        let head = try await log.cursor()
        guard checkedThrough.load(ordering: .acquiring) < head else { return }
        do {
            try await refresh()
        } catch let error as StoreError where error.code == .unavailable {
            throw error
        } catch {
            logger.error("the merged view is behind the shared log", metadata: ["error": "\(error)"])
        }
    }

    public func report(_ request: ReportRequest) async throws -> Report {
        let view = try await merged()
        return try await Self.blocking { try view.report(request) }
    }

    // MARK: Administration

    public func importAreas(_ areas: [Area]) async throws -> Int {
        let count = try await log.importAreas(areas)
        try await refresh()
        return count
    }

    public func areas() async throws -> [Area] {
        try await log.areas()
    }

    public func successions() async throws -> Successions {
        try await log.successions()
    }

    public func knownAreas(among codes: Set<AreaCode>) async throws -> Set<AreaCode> {
        try await log.knownAreas(among: codes)
    }

    public func replicaOwners(
        _ replicas: Set<ReplicaID>, binding own: ReplicaID?, to device: String
    ) async throws -> ReplicaOwners {
        try await log.replicaOwners(replicas, binding: own, to: device)
    }

    public func noteRestart(of device: String) async throws {
        try await log.noteRestart(of: device)
    }

    public func rebind(_ replica: ReplicaID, to device: String) async throws {
        try await log.rebind(replica, to: device)
    }

    public func enroll(
        name: String, scope: AreaCode, role: DeviceRole
    ) async throws -> (
        ReplicaStore.Device, DeviceCredential
    ) {
        try await log.enroll(name: name, scope: scope, role: role)
    }

    public func devices() async throws -> [ReplicaStore.Device] {
        try await log.devices()
    }

    public func revoke(device id: String) async throws -> ReplicaStore.Device {
        try await log.revoke(device: id)
    }

    public func decide(_ decision: DuplicateDecision) async throws -> (first: RecordID, second: RecordID) {
        try await serially { [self] in
            _ = try await catchUp()
            let view = self.view
            let plan = try await Self.blocking { try view.plan(decision) }
            _ = try await log.write(plan.changes, pairs: plan.pairs)
            _ = try await catchUp()
            return (plan.value[0], plan.value[1])
        }
    }

    public func merged() async throws -> ReplicaStore {
        try await refresh()
        return view
    }

    // MARK: Keeping the view

    /// Brings the view up to the shared log as it stands now (every push acknowledged before the call),
    /// with the finder's work done.
    public func refresh() async throws {
        try await serially { [self] in
            while true {
                let checked = try await log.finderChecked()
                guard let plan = try await catchUp(planningAfter: checked) else {
                    checkedThrough.store(checked, ordering: .releasing)
                    return
                }
                // Written, or another process got there first: either way its result is in the shared log.
                let wrote = try await log.write(plan.changes, pairs: plan.pairs, finder: (checked, plan.value))
                // Nothing found: done. Else copy what was written (and check whatever arrived meanwhile).
                if wrote, plan.changes.isEmpty, plan.pairs.isEmpty {
                    checkedThrough.store(plan.value, ordering: .releasing)
                    return
                }
            }
        }
    }

    /// A refresh soon, one for any number of requests that arrive meanwhile.
    func scheduleRefresh() {
        guard !refreshScheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Task { [self] in
            refreshScheduled.store(false, ordering: .releasing)
            do {
                try await refresh()
            } catch {
                logger.warning("the merged view could not be brought up to date", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Copies what the shared database holds beyond the view (areas, the review queue, then the log up to
    /// its head as it stands now); with `checked`, also computes what the finder writes for the changes
    /// after it, on the copy's last transaction. Nil if there is nothing to check.
    private func catchUp(planningAfter checked: Int64? = nil) async throws -> ReplicaStore.Plan<Int64>? {
        let view = self.view
        let known = revisions.withLock { $0 }
        // Decisions first: a plan must not merge a pair a person dismissed.
        let areas = try await log.areas(after: known.areas)
        if !areas.areas.isEmpty {
            _ = try await Self.blocking { try view.importAreas(areas.areas) }
        }
        let pairs = try await log.pairs(after: known.pairs)
        if !pairs.pairs.isEmpty {
            try await Self.blocking { try view.replacePairs(pairs.pairs) }
        }
        revisions.withLock { $0 = (areas.revision, pairs.revision) }
        let target = try await log.cursor()
        var plan: ReplicaStore.Plan<Int64>?
        var head = try await Self.blocking { try view.cursor() }
        while head < target {
            let segments = try await next(after: head)
            guard let last = segments.last?.through else {
                throw StoreError(code: .corrupt, message: "the shared log ends before its head \(target)")
            }
            let planning = last >= target ? checked.flatMap { $0 < last ? $0 : nil } : nil
            let from = head
            plan = try await Self.blocking {
                try view.append(segments, after: from, checkingDuplicatesAfter: planning)
            }
            head = last
        }
        if plan == nil, let checked, checked < head {
            plan = try await Self.blocking { try view.planDuplicateChecks(after: checked) }
        }
        return plan
    }

    /// The log's next segments after `head`: what this process wrote itself, or else read from the shared
    /// log up to the next segment it wrote.
    private func next(after head: Int64) async throws -> [ReplicaStore.FeedSegment] {
        let (own, nextOwn) = written.withLock { Self.own(&$0, after: head) }
        if !own.isEmpty { return own }
        let limit = nextOwn.map { min(Int64(Self.catchUpPage), $0 - head) } ?? Int64(Self.catchUpPage)
        return try await log.segments(after: head, limit: Int(limit))
    }

    /// Of the segments this process wrote (`written`, in order), those that continue a view ending at
    /// `head`, and the sequence number just before the first of them the view does not hold (what to read
    /// from the shared log up to; nil if none). Drops what the view holds, and the start of a segment it
    /// holds part of (read from the shared log before the push noted it here).
    static func own(
        _ written: inout [ReplicaStore.FeedSegment], after head: Int64
    ) -> (own: [ReplicaStore.FeedSegment], next: Int64?) {
        written.removeAll { $0.through <= head }
        if var first = written.first, first.through - Int64(first.changes.count) < head {
            first.changes.removeFirst(Int(head - (first.through - Int64(first.changes.count))))
            written[0] = first
        }
        var own: [ReplicaStore.FeedSegment] = []
        var end = head
        for segment in written where Int64(segment.changes.count) == segment.through - end {
            own.append(segment)
            end = segment.through
        }
        return (own, written.first.map { $0.through - Int64($0.changes.count) })
    }

    private func serially<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = tail.withLock { tail in
            let previous = tail
            let task = Task {
                await previous?.value
                return try await operation()
            }
            tail = Task { _ = await task.result }
            return task
        }
        return try await task.value
    }

    private static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}

/// The file of a process's view: in a cache folder, one per database and slot, held with an exclusive lock
/// while a process uses it (a second process on the same machine takes the next slot); or a temporary one.
final class ViewFile: Sendable {
    let url: URL
    /// The lock's descriptor, or -1 for a temporary view.
    let lock: Int32
    let temporary: Bool
    private let closed = Atomic<Bool>(false)

    private init(url: URL, lock: Int32, temporary: Bool) {
        self.url = url
        self.lock = lock
        self.temporary = temporary
    }

    /// The first free slot for `database` in `cache`, locked; a temporary file without a cache.
    static func claim(in cache: URL?, database: String) throws -> ViewFile {
        guard let cache else {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "fieldsync-view-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return ViewFile(url: folder.appendingPathComponent("view.sqlite"), lock: -1, temporary: true)
        }
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        for slot in 1...64 {
            let base = cache.appendingPathComponent("view-\(database)-\(slot)")
            let descriptor = Glibc.open(base.path + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                throw StoreError(code: .storage, message: "cannot use the cache folder \(cache.path)")
            }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
                return ViewFile(url: base.appendingPathExtension("sqlite"), lock: descriptor, temporary: false)
            }
            Glibc.close(descriptor)
        }
        throw StoreError(code: .busy, message: "64 center processes on this machine already use \(cache.path)")
    }

    /// The view's store, made if new.
    func open() throws -> ReplicaStore {
        FileManager.default.fileExists(atPath: url.path)
            ? try ReplicaStore.open(database: url)
            : try ReplicaStore.create(database: url, scope: nil, worker: "center")
    }

    /// The same slot, emptied.
    func recreated() throws -> ViewFile {
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: url.path + suffix)
        }
        return self
    }

    func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if temporary {
            try? FileManager.default.removeItem(at: url.deletingLastPathComponent())
        } else if lock >= 0 {
            Glibc.close(lock)
        }
    }
}
