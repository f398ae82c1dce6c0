import Console
import ContentCoding
import Foundation
import Shared
import Storage
import Synchronization

/// One `field sync`: push every own change the center does not hold, in batches, then pull every
/// change in scope that is new, a page at a time.
///
/// Every step is durable before the next: a batch is marked acknowledged only after the center's
/// receipt, and a pulled page is stored together with the cursor after it. Interrupted anywhere, the
/// next run resumes: nothing acknowledged is sent again, nothing unacknowledged is forgotten.
public struct Synchronizer: Sendable {
    public struct Options: Sendable {
        /// Changes per pushed batch.
        public var batchChanges = 2_000
        /// Changes per pulled page.
        public var pageChanges = 10_000
        /// Whether a replica that has pulled nothing yet takes a snapshot (`SnapshotPage`) rather than
        /// the whole feed.
        public var takesSnapshots = true
        /// Records per snapshot page: about 400 KB on the wire; larger pages cost the replica less per
        /// record (each page is a transaction, which writes the index pages it touched again) but hold
        /// more to fetch again when a link drops.
        public var snapshotRecords = 2_000
        /// A first pull whose first snapshot page arrived slower than this (wire bytes per second) stores
        /// that page and takes the rest by the feed: on a slow link the feed's fewer bytes finish sooner
        /// than the CPU a snapshot saves (the sync benchmark: a snapshot is ~60 bytes more and ~15 µs of
        /// laptop CPU less a case; the two break even at ~4 MB/s). 0: always the snapshot.
        public var snapshotMinimumRate = 4_000_000.0
        /// The least wire bytes a page must have for its rate to count.
        public var snapshotRateSample = 64 * 1024
        /// Attempts per request before giving up on a transient failure.
        public var attempts = 5
        /// Milliseconds before the first retry; doubled each time, with jitter, up to `maximumDelay`.
        public var baseDelay = 500
        public var maximumDelay = 16_000
        public var curl = CurlClient.Options()
        /// Whether the worker allowed plain `http://` to a center that is not on this machine: the token
        /// and the parties' ID numbers then cross the network readable by anyone on the way.
        public var allowsCleartext = false

        public init() {}
    }

    /// How far a sync has come, for a progress bar.
    public struct Progress: Sendable {
        public enum Phase: Sendable {
            case pushing, pulling
        }

        public var phase: Phase
        public var changes: Int
        /// The changes this phase has in all, as far as known: those waiting (pushing), or those the center
        /// said the pull had ahead (about: a run of changes its cursor cuts counts whole); nil when a
        /// center does not say.
        public var total: Int?
        public var bytes: Int
        public var elapsed: Double
    }

    public struct Summary: Sendable {
        public var sent = 0
        public var received = 0
        /// Pulled changes this replica already held.
        public var alreadyHeld = 0
        /// Records taken from a snapshot (the first pull of a replica that held nothing of the log).
        public var snapshotRecords = 0
        /// The snapshot's first page came slower than `Options.snapshotMinimumRate`: the rest came by the
        /// feed.
        public var snapshotGivenUpOnSlowLink = false
        public var bytesSent = 0
        public var bytesReceived = 0
        public var seconds = 0.0
        /// Of `seconds`, those the pull spent writing pages into this replica's database (the rest of
        /// the pull waited for the center and the network, and read what came).
        public var storingSeconds = 0.0
        /// The center's clock minus this device's, in milliseconds.
        public var clockOffset: Int64?
        /// The center's log was not the one this replica had synced with (restored from a backup, or
        /// replaced): everything was sent and pulled again.
        public var startedOver = false
        /// The center's fingerprint of the area names this device may hold, from the pull's last page
        /// (`Area.fingerprintHeader`); nil from a center that does not send it.
        public var areasFingerprint: String?
        /// The center merged areas into this replica's scope since its last sync: it pulled again from the
        /// start, for the whole history of the records it gained.
        public var reachGrew = false

        public init() {}
    }

    let store: ReplicaStore
    let enrollment: Enrollment
    let options: Options
    let client: CurlClient
    let wallClock: any WallClock
    let progress: @Sendable (Progress) -> Void

    public init(
        store: ReplicaStore, enrollment: Enrollment, options: Options = Options(),
        wallClock: any WallClock = SystemWallClock(), progress: @escaping @Sendable (Progress) -> Void = { _ in }
    ) throws {
        self.store = store
        self.enrollment = enrollment
        self.options = options
        self.client = try CurlClient(options: options.curl)
        self.wallClock = wallClock
        self.progress = progress
    }

    /// Pushes, then pulls, then notes the finished sync.
    /// - Throws: `SyncError`; a page holding a change this replica cannot take (an id it holds as the
    ///   other kind) is the center's fault: `protocolViolation`, nothing of that page stored.
    public func run() throws -> Summary {
        do {
            return try synchronize()
        } catch let refusal as ChangeRefusal {
            throw SyncError.protocolViolation(
                "the center sent change \(refusal.change) of a page, which this laptop cannot take "
                    + "(\(refusal.reason.rawValue)); nothing of that page was stored")
        }
    }

    private func synchronize() throws -> Summary {
        try Self.checkTransport(of: enrollment.url, allowingCleartext: options.allowsCleartext)
        let start = ContinuousClock.now
        var summary = Summary()
        do {
            try push(into: &summary, since: start)
            try pull(into: &summary, since: start)
        } catch SyncError.refused(409, let problem) where problem.code == "history-changed" && !summary.startedOver {
            // Once: a center that refuses the fresh start too is refused as any other answer.
            try store.startOver()
            summary.startedOver = true
            try push(into: &summary, since: start)
            try pull(into: &summary, since: start)
        }
        // The changes are in: names that do not arrive now (the link dropped again) come with the next sync.
        do {
            if try !holdsAreas(summary.areasFingerprint) { try pullAreas(into: &summary) }
        } catch is SyncError {}
        if let offset = summary.clockOffset {
            try store.observe(centerTime: wallClock.milliseconds() + offset, finishedSync: true)
        }
        summary.seconds = Self.seconds(since: start)
        return summary
    }

    /// Seconds since `start`, as a number.
    public static func seconds(since start: ContinuousClock.Instant) -> Double {
        let duration = ContinuousClock.now - start
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Sends every change waiting for the center: own ones not acknowledged yet, and after starting
    /// over the others' it holds within the enrollment's scope.
    public func push(into summary: inout Summary, since start: ContinuousClock.Instant = .now) throws {
        let elapsed = { Self.seconds(since: start) }
        let total = try store.syncState().pendingChanges
        // What this push sent, for the progress bar (a sync that starts over pushes twice).
        let before = summary.sent
        // zstd, until a center that takes gzip alone (an earlier release) refuses it.
        var coding = ContentCoding.zstd
        while true {
            guard let (json, count, through) = try store.nextBatch(limit: options.batchChanges) else { break }
            let body = coding == .zstd ? Zstd.compress(json) : try Gzip.compress(json)
            // A receipt that does not account for the whole batch was cut short: the batch is sent again,
            // which the center acknowledges without storing anything twice.
            let exchanged: (response: CurlClient.Response, centerTime: Int64?)
            do {
                exchanged = try exchange(
                    method: "POST", path: "/v1/changes", body: body,
                    extraHeaders: ["Content-Encoding: \(coding.rawValue)"], client: client
                ) { response in
                    let receipt = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
                    return receipt?["received"] as? Int == count ? nil : "the center's receipt was cut short"
                }
            } catch SyncError.refused(415, let problem) where problem.code == "unsupported-encoding" && coding != .gzip
            {
                // Nothing was stored: the same batch goes again, in the coding every center takes.
                coding = .gzip
                summary.bytesSent += body.count
                continue
            }
            let (response, centerTime) = exchanged
            try note(centerTime, in: &summary)
            try store.acknowledge(through: through, count: count, checkpoint: response.checkpoint)
            summary.sent += count
            summary.bytesSent += body.count
            progress(
                Progress(
                    phase: .pushing, changes: summary.sent - before, total: total, bytes: summary.bytesSent,
                    elapsed: elapsed()))
        }
    }

    /// Brings back every change in scope the replica has not pulled yet.
    public func pull(into summary: inout Summary, since start: ContinuousClock.Instant = .now) throws {
        let state = try store.syncState()
        // A replica that has pulled nothing yet (or started over) takes a snapshot first; the feed then
        // brings what came after it, counted on from the snapshot's changes in the progress bar.
        var (pulled, before) = (0, 0)
        // Connections besides `client` for pages asked for while others are read.
        let clients = CurlClients(options: options.curl)
        if options.takesSnapshots, state.pullCursor == 0 || state.isTakingSnapshot {
            (pulled, before) = try takeSnapshot(
                after: state.snapshotAfter, into: &summary, since: start, clients: clients)
        } else if state.isTakingSnapshot {
            try store.abandonSnapshot()
        }
        let elapsed = { Self.seconds(since: start) }
        // While one page is stored, the next is fetched and decoded on a connection of `clients`.
        var next = try fetchPage(after: try store.syncState().pullCursor, client: client, remaining: true)
        // Areas merged into the scope since the last pull: their records' history lies before the cursor.
        if try store.noteReach(next.reach) {
            summary.reachGrew = true
            next = try fetchPage(after: 0, client: client, remaining: true)
        }
        let total = next.remaining.map { $0 + before }
        while true {
            let fetched = next
            let page = fetched.page
            let following =
                page.more ? Background { try clients.with { try self.fetchPage(after: page.cursor, client: $0) } } : nil
            try note(fetched.centerTime, in: &summary)
            summary.bytesReceived += fetched.wireBytes
            summary.areasFingerprint = fetched.areasFingerprint
            let new = try storing(into: &summary) {
                try store.receive(page, checkpoint: fetched.checkpoint, maximumDrift: $0)
            }
            summary.received += new
            summary.alreadyHeld += page.changes.count - new
            pulled += page.changes.count
            progress(
                Progress(
                    phase: .pulling, changes: pulled, total: total.map { max($0, pulled) },
                    bytes: summary.bytesReceived, elapsed: elapsed()))
            guard let following else { break }
            next = try following.value()
        }
    }

    /// Takes the snapshot of the enrollment's reach, from the record after `after` (from the first when
    /// nil): each page stored with where the snapshot stands in one transaction, so an interrupted one
    /// resumes there, while the next page is read on a thread of its own and the one after it asked for
    /// ahead. A center that serves no snapshots (an earlier release: 404) or none of this build's format
    /// is left to the feed (from the beginning, if a snapshot was under way).
    /// - Returns: the changes taken, and those the progress bar counted before the feed (the whole
    ///   snapshot's, as the center said with its first page, else those taken).
    func takeSnapshot(
        after: RecordID?, into summary: inout Summary, since start: ContinuousClock.Instant, clients: CurlClients
    ) throws -> (taken: Int, counted: Int) {
        // Three pages on their way at once: one stored here, the next read on a thread of its own, and the
        // one after that written by the center meanwhile (each answer says where the next page is).
        var next: Fetched<SnapshotPage>
        var ahead: SnapshotDownload?
        var slow = false
        do {
            // Only a snapshot that begins is timed: one under way goes on (giving it up would bring again,
            // by the feed, everything it took).
            (next, ahead, slow) = try fetchSnapshot(
                after: after, client: client, clients: clients, timed: after == nil)
        } catch  where Self.servesNoSnapshot(error) {
            // The feed brings the same (from the beginning, if a snapshot was under way).
            try store.abandonSnapshot()
            return (0, 0)
        }
        // Areas merged into the scope since the snapshot began: it starts again, for their records too.
        if try store.noteReach(next.reach), after != nil {
            summary.reachGrew = true
            (next, ahead, slow) = try fetchSnapshot(after: nil, client: client, clients: clients, discarding: ahead)
        }
        let total = next.remaining
        var taken = 0
        while true {
            let fetched = next
            let page = fetched.page
            let following =
                page.more && !slow
                ? Background { [last = page.last, ahead] in
                    try clients.with { try self.fetchSnapshot(after: last, client: $0, clients: clients, ahead: ahead) }
                } : nil
            try note(fetched.centerTime, in: &summary)
            summary.bytesReceived += fetched.wireBytes
            let new = try storing(into: &summary) {
                try store.receive(page, checkpoint: fetched.checkpoint, maximumDrift: $0)
            }
            summary.received += new
            summary.alreadyHeld += page.changeCount - new
            summary.snapshotRecords += page.recordCount
            taken += page.changeCount
            // A slow link: the feed brings the rest, from the beginning (what this page brought counts once).
            if slow, page.more {
                try store.abandonSnapshot()
                summary.snapshotGivenUpOnSlowLink = true
                return (0, 0)
            }
            progress(
                Progress(
                    phase: .pulling, changes: taken, total: total.map { max($0, taken) }, bytes: summary.bytesReceived,
                    elapsed: Self.seconds(since: start)))
            guard let following else { return (taken, max(total ?? taken, taken)) }
            do {
                (next, ahead, _) = try following.value()
                // Merged areas changed in between: the snapshot begins again (the store went back too).
                if try store.noteReach(next.reach) {
                    summary.reachGrew = true
                    (next, ahead, _) = try fetchSnapshot(
                        after: nil, client: client, clients: clients, discarding: ahead)
                }
            } catch  where Self.servesNoSnapshot(error) {
                // A process of another release answered (a PostgreSQL center's processes upgraded one by
                // one): the feed brings the rest, from the beginning (what the pages brought counts once).
                try store.abandonSnapshot()
                return (0, 0)
            }
        }
    }

    /// Whether `error` says the center serves no snapshot this build reads: an earlier release, which
    /// has no such route (404), or one that writes pages of another format (422 `unsupported-format`).
    static func servesNoSnapshot(_ error: any Error) -> Bool {
        switch error {
        case SyncError.refused(404, _): true
        case SyncError.refused(422, let problem): problem.code == "unsupported-format"
        default: false
        }
    }

    /// Whether this replica holds the area names the center's `fingerprint` stands for (false without one).
    func holdsAreas(_ fingerprint: String?) throws -> Bool {
        guard let fingerprint else { return false }
        return Area.fingerprint(of: Area.related(try store.areas(), to: enrollment.scope)) == fingerprint
    }

    /// Brings the names of the areas in the enrollment's scope and of those enclosing it, for lists and
    /// reports (which otherwise show division codes). A center that does not serve them (404) is left be.
    public func pullAreas(into summary: inout Summary) throws {
        var areas: [Area]?
        do {
            let (response, _) = try exchange(
                method: "GET", path: "/v1/areas", body: nil, extraHeaders: [], client: client
            ) { response in
                areas = Self.areas(in: response.body)
                return areas != nil ? nil : "the center's list of areas was cut short"
            }
            summary.bytesReceived += response.wireBytes
        } catch SyncError.refused(404, _) {
            return
        }
        try store.takeAreas(areas ?? [])
    }

    /// The areas of a `GET /v1/areas` answer; nil if it is not one (cut short: asked again). An entry
    /// this field cannot use (a bad code, no name) is passed over: asking again would not mend it.
    static func areas(in body: [UInt8]) -> [Area]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let list = object["areas"] as? [[String: Any]]
        else { return nil }
        return list.compactMap { item in
            guard let text = item["code"] as? String, let code = try? AreaCode(parsing: text),
                let name = (item["name"] as? String)?.trimmingSpaces, !name.isEmpty
            else { return nil }
            let successor = (item["successor"] as? String).flatMap { try? AreaCode(parsing: $0) }
            return Area(code: code, name: name, successor: successor)
        }
    }

    /// A page of the feed or of a snapshot as fetched: read, with what its answer said besides.
    private struct Fetched<Page: Sendable>: Sendable {
        var page: Page
        var wireBytes: Int
        var centerTime: Int64?
        var checkpoint: Checkpoint?
        var areasFingerprint: String?
        var reach: String?
        /// The changes the pull (or the snapshot) has ahead, this page's included, when asked with the
        /// first page.
        var remaining: Int?

        init(page: Page, response: CurlClient.Response, centerTime: Int64?) {
            self.page = page
            wireBytes = response.wireBytes
            self.centerTime = centerTime
            checkpoint = response.checkpoint
            areasFingerprint = response.headers[Area.fingerprintHeader.lowercased()]
            reach = response.headers[Reach.header.lowercased()]
            remaining = response.headers["fieldsync-remaining"].flatMap(Int.init).flatMap { $0 >= 0 ? $0 : nil }
        }
    }

    /// The answer of a snapshot page asked for ahead: the page after `after`, on its way (asked as any
    /// request is, retried on transient failures: what it fails with is what asking again would).
    private struct SnapshotDownload: Sendable {
        let after: RecordID
        let answer: Background<(CurlClient.Response, Int64?)>

        init(after: RecordID, download: @escaping @Sendable () throws -> (CurlClient.Response, Int64?)) {
            self.after = after
            answer = Background(download)
        }
    }

    /// One page of the feed, decoded.
    private func fetchPage(
        after cursor: Int64, client: CurlClient, remaining: Bool = false
    ) throws -> Fetched<ChangePage> {
        try fetch(
            "/v1/changes?after=\(cursor)&limit=\(options.pageChanges)" + (remaining ? "&remaining=1" : ""),
            client: client, unreadable: "a page"
        ) { try ChangePage(json: Data($0)) }
    }

    /// The path of a snapshot page: the first asks how many changes the snapshot holds.
    private func snapshotPath(after: RecordID?) -> String {
        "/v1/snapshot?format=\(SnapshotPage.format)&limit=\(options.snapshotRecords)"
            + (after.map { "&after=\($0)" } ?? "&remaining=1")
    }

    /// One page of a snapshot, read; the answer of the page after it (when it says where that is) asked
    /// for on a connection of `clients` before this page is read, to be read by the next call. `ahead`
    /// is such an answer, taken if it is this page's and reads; `discarding`, one no longer wanted
    /// (waited for, since its connection goes back to `clients` only when it ends).
    private func fetchSnapshot(
        after: RecordID?, client: CurlClient, clients: CurlClients, ahead: SnapshotDownload? = nil,
        discarding: SnapshotDownload? = nil, timed: Bool = false
    ) throws -> (page: Fetched<SnapshotPage>, ahead: SnapshotDownload?, slow: Bool) {
        _ = try? discarding?.answer.value()
        var next: SnapshotDownload?
        var slow = false
        func askNext(_ response: CurlClient.Response) {
            // Timed: an answer that came slower than the least rate is the snapshot's last (nothing more
            // is asked for on the slow link; the feed takes over).
            if timed, options.snapshotMinimumRate > 0,
                let rate = response.rate(sample: options.snapshotRateSample), rate < options.snapshotMinimumRate
            {
                slow = true
            }
            guard !slow, next == nil, let following = response.nextSnapshotAfter else { return }
            next = SnapshotDownload(after: following) {
                try clients.with { client in
                    try self.exchange(
                        method: "GET", path: self.snapshotPath(after: following), body: nil, extraHeaders: [],
                        client: client
                    ) { _ in nil }
                }
            }
        }
        // An answer asked for ahead is waited for whatever it holds. Another page than this one (the one
        // before ended elsewhere) is passed over; this page's failure is this page's (it was retried as any
        // request); an answer that does not read (cut short on the way) is asked for again below.
        if let ahead {
            let answer = Result { try ahead.answer.value() }
            if ahead.after == after {
                let (response, centerTime) = try answer.get()
                askNext(response)
                if let page = try? SnapshotPage(bytes: response.body) {
                    return (Fetched(page: page, response: response, centerTime: centerTime), next, slow)
                }
            }
        }
        let page = try fetch(
            snapshotPath(after: after), client: client, unreadable: "a snapshot page", answered: askNext
        ) {
            try SnapshotPage(bytes: $0)
        }
        return (page, next, slow)
    }

    /// One page a `GET` of `path` answers, read by `read`; a page that does not read was cut short on
    /// the way and is asked again (one that never reads stops the sync, saying why).
    private func fetch<Page: Sendable>(
        _ path: String, client: CurlClient, unreadable: String,
        answered: (CurlClient.Response) -> Void = { _ in }, read: ([UInt8]) throws -> Page
    ) throws -> Fetched<Page> {
        var page: Page?
        let (response, centerTime) = try exchange(
            method: "GET", path: path, body: nil, extraHeaders: [], client: client
        ) { response in
            answered(response)
            do {
                page = try read(response.body)
                return nil
            } catch {
                return "the center sent \(unreadable) this field cannot read (cut short?): \(error)"
            }
        }
        guard let page else {
            throw SyncError.protocolViolation("the center sent \(unreadable) this field cannot read")
        }
        return Fetched(page: page, response: response, centerTime: centerTime)
    }

    /// Stores a pulled page with `receive`, given the drift it allows, and counts the time in the summary's
    /// `storingSeconds`. A laptop whose clock runs behind sees the center's changes as ahead of it by that
    /// much: they may be that much further ahead.
    private func storing(into summary: inout Summary, _ receive: (_ maximumDrift: Int64) throws -> Int) throws -> Int {
        let maximumDrift = ReplicaStore.fieldMaximumDrift + max(0, summary.clockOffset ?? 0)
        let start = ContinuousClock.now
        defer { summary.storingSeconds += Self.seconds(since: start) }
        return try receive(maximumDrift)
    }

    /// Takes the center's clock into account after an exchange.
    private func note(_ centerTime: Int64?, in summary: inout Summary) throws {
        guard let centerTime else { return }
        summary.clockOffset = centerTime - wallClock.milliseconds()
        try store.observe(centerTime: centerTime, finishedSync: false)
    }

    /// One request, retried with exponential backoff and jitter on transient failures: no answer, a 5xx,
    /// 408 or 429, or a 2xx whose body `problem` finds wanting (cut short on the way; after the last
    /// attempt, what it said is what the sync stops with).
    private func exchange(
        method: String, path: String, body: [UInt8]?, extraHeaders: [String], client: CurlClient,
        problem: (CurlClient.Response) -> String?
    ) throws -> (response: CurlClient.Response, centerTime: Int64?) {
        let url = enrollment.url.hasSuffix("/") ? String(enrollment.url.dropLast()) + path : enrollment.url + path
        var lastProblem = ""
        // The center checks it is still the log this replica synced with.
        let checkpoint = try store.checkpoint().map { ["\(Checkpoint.headerName): \($0.header)"] } ?? []
        // The replica this laptop stamps its own changes with: the center binds it to this enrollment.
        let replica = "FieldSync-Replica: \(try store.identity().replica)"
        for attempt in 0..<options.attempts {
            let headers =
                [
                    "Authorization: Bearer \(enrollment.credential.token)", "Content-Type: application/json",
                    "FieldSync-Device-Time: \(wallClock.milliseconds())", replica,
                ] + checkpoint + extraHeaders
            var retryAfter: Int?
            do {
                let response = try client.perform(method: method, url: url, headers: headers, body: body)
                // A time no clock could show (a broken proxy, a center's bug) is not computed with.
                let centerTime = response.headers["fieldsync-time"].flatMap(ClockReading.milliseconds)
                switch response.status {
                case 200..<300:
                    guard let problem = problem(response) else { return (response, centerTime) }
                    lastProblem = problem
                case 408, 429, 500..<600:
                    lastProblem = "the center answered \(response.status)"
                    // Seconds, as HTTP says; more than the longest wait is waited as that.
                    retryAfter = response.headers["retry-after"].flatMap(Int.init).map {
                        min(max($0, 0), options.maximumDelay / 1000 + 1) * 1000
                    }
                default:
                    if let centerTime { try? store.observe(centerTime: centerTime, finishedSync: false) }
                    throw SyncError.refused(status: response.status, APIProblem(response.body))
                }
            } catch let error as CurlClient.TransportError {
                if error.isTooLarge { throw SyncError.protocolViolation(error.message) }
                // A certificate that cannot be verified stays so however often it is tried.
                if error.isUntrustedCertificate {
                    throw SyncError.untrusted(url: enrollment.url, problem: error.message)
                }
                lastProblem = error.description
            }
            if attempt + 1 < options.attempts {
                let exponential = min(options.maximumDelay, options.baseDelay << attempt)
                let delay =
                    retryAfter.map { min($0, options.maximumDelay) } ?? Int.random(in: exponential / 2...exponential)
                usleep(useconds_t(delay) * 1000)
            }
        }
        throw SyncError.unreachable(url: enrollment.url, attempts: options.attempts, lastProblem: lastProblem)
    }
}

extension Synchronizer {
    /// Refuses a center URL that is neither `https://` nor `http://` to this machine (loopback), unless
    /// the worker allowed plain HTTP: the bearer token and the parties' ID numbers would cross the network
    /// in clear.
    /// - Throws: `SyncError.insecure` saying why and what to do.
    public static func checkTransport(of url: String, allowingCleartext: Bool) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { throw SyncError.insecure(url: url, reason: .notHTTP) }
        switch scheme {
        case "https": return
        case "http":
            let loopback =
                host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
            if loopback || allowingCleartext { return }
            throw SyncError.insecure(url: url, reason: .cleartext)
        default:
            throw SyncError.insecure(url: url, reason: .notHTTP)
        }
    }
}

/// Work running on a thread of its own, whose result is waited for later.
final class Background<Value>: @unchecked Sendable {
    // `result` is written once by the worker before it signals, and read only after the wait.
    private var result: Result<Value, any Error>?
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            result = Result { try work() }
            done.signal()
        }
        thread.start()
    }

    func value() throws -> Value {
        done.wait()
        return try result!.get()
    }
}

extension CurlClient.Response {
    /// The center's log at the point this answer covers, if it says.
    var checkpoint: Checkpoint? {
        headers[Checkpoint.headerName.lowercased()].flatMap { Checkpoint(header: $0) }
    }

    /// The record the next snapshot page starts after, from the answer's `Link: <…after=ID…>; rel="next"`.
    var nextSnapshotAfter: RecordID? {
        guard let links = headers["link"] else { return nil }
        for link in links.split(separator: ",") {
            let parameters = link.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parameters.dropFirst().contains(where: { $0 == "rel=\"next\"" || $0 == "rel=next" }),
                let target = parameters.first, target.hasPrefix("<"), target.hasSuffix(">"),
                let query = URLComponents(string: String(target.dropFirst().dropLast()))?.queryItems,
                let after = query.first(where: { $0.name == "after" })?.value
            else { continue }
            return RecordID(after)
        }
        return nil
    }
}

/// Connections to the center for requests made at once (each handle serves one at a time), kept for
/// their next request.
final class CurlClients: Sendable {
    private let options: CurlClient.Options
    private let idle = Mutex<[CurlClient]>([])

    init(options: CurlClient.Options) {
        self.options = options
    }

    /// Runs `body` with a connection no other request is using.
    func with<T>(_ body: (CurlClient) throws -> T) throws -> T {
        let client = try idle.withLock { $0.popLast() } ?? CurlClient(options: options)
        defer { idle.withLock { $0.append(client) } }
        return try body(client)
    }
}

/// The center's error body: its stable code and message.
public struct APIProblem: Sendable {
    public var code: String
    public var message: String

    public init(_ body: [UInt8]) {
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        code = object?["code"] as? String ?? "unknown"
        message = object?["message"] as? String ?? String(decoding: body.prefix(200), as: UTF8.self)
    }
}

/// Why a sync stopped. Everything done before it is kept; the next `field sync` resumes.
public enum SyncError: ExitCoded, LocalizedMessage, Sendable, CustomStringConvertible {
    /// Retrying did not help: the network or the center is down.
    case unreachable(url: String, attempts: Int, lastProblem: String)
    /// The center refused, and retrying cannot fix it.
    case refused(status: Int, APIProblem)
    /// The center answered something this field cannot use.
    case protocolViolation(String)
    /// The replica is not attached to a center.
    case notEnrolled
    /// The center's address would send the token and personal data in clear, or is not HTTP at all.
    case insecure(url: String, reason: InsecureReason)
    /// The center's certificate could not be verified: another machine may stand in its place.
    case untrusted(url: String, problem: String)

    public enum InsecureReason: Sendable {
        /// `http://` to another machine, not allowed by the worker.
        case cleartext
        /// Another protocol than HTTP(S), or no host.
        case notHTTP
    }

    public var description: String { message(in: .en) }

    /// What the worker reads: what happened, that nothing is lost, and what to do.
    public func message(in language: Language) -> String {
        switch self {
        case .unreachable(let url, let attempts, let problem):
            return language.pick(
                "无法连接区中心 \(url)（试了 \(attempts) 次：\(problem)）。数据不会丢失：网络恢复后再运行 field sync",
                "could not reach the center at \(url) after \(attempts) attempt\(attempts == 1 ? "" : "s") (\(problem)). "
                    + "Nothing is lost: run `field sync` again when the network is back")
        case .refused(let status, let problem):
            // The center's own words stay as it sent them, for whoever at the district reads them.
            return language.pick(
                "区中心拒绝了这次同步：\(Self.advice(problem.code, in: language))（\(status) \(problem.code)：\(problem.message)）",
                "the center refused (\(status) \(problem.code)): \(problem.message). What to do: "
                    + Self.advice(problem.code, in: language))
        case .protocolViolation(let message):
            return language.pick(
                "同步中止：本机读不懂区中心的回答（\(message)）；请告知区中心。已收到的数据都已保存",
                "sync stopped: \(message)")
        case .notEnrolled:
            return language.pick(
                "本机副本还没有登记到区中心：请用区中心给的登记串（center worker add）运行 field enroll",
                "this replica is not enrolled with a center: run `field enroll STRING` with the string from `center worker add`"
            )
        case .insecure(let url, .cleartext):
            return language.pick(
                "没有同步：区中心地址 \(url) 是 http://，本机的登记令牌和当事人的身份证号会以明文经过网络，途中任何人都能看到。"
                    + "请向区中心要 https:// 的登记串；若确实在区里的内网中，可以用 field sync --allow-http",
                "not synced: the center's address \(url) is http://, so this laptop's token and the parties' ID numbers "
                    + "would cross the network readable by anyone on the way. Ask the district center for an https:// "
                    + "enrollment; on the district's own closed network, `field sync --allow-http` allows it")
        case .untrusted(let url, let problem):
            return language.pick(
                "没有同步：区中心 \(url) 的证书无法验证（\(problem)），可能不是真的区中心。数据没有发出，也不会丢失。"
                    + "请把这段话告诉区中心；如果区中心给了证书颁发机构文件，用 field sync --cacert 文件",
                "not synced: the certificate of the center at \(url) cannot be verified (\(problem)); it may not be the "
                    + "real center. Nothing was sent and nothing is lost. Pass this on to the district center; if it "
                    + "gave you a certificate authority file, use `field sync --cacert FILE`")
        case .insecure(let url, .notHTTP):
            return language.pick(
                "没有同步：区中心地址 \(url) 不是 https:// 或 http:// 地址；请向区中心要一个新的登记串",
                "not synced: the center's address \(url) is not an https:// or http:// address; ask the district center "
                    + "for a new enrollment")
        }
    }

    /// What the worker or the center should do about a refusal, by the center's code.
    static func advice(_ code: String, in language: Language) -> String {
        switch code {
        case "revoked", "unknown-device", "unauthenticated", "malformed-token":
            language.pick(
                "本机已不在区中心登记（或登记串有误），请向区中心要一个新的登记串，再运行 field enroll",
                "this laptop is not (or no longer) enrolled: ask the district center for a new enrollment, then `field enroll` it"
            )
        case "out-of-scope":
            language.pick(
                "有记录不在本机登记的管辖范围内，请区中心核对这位工作人员的范围",
                "a record lies outside this laptop's enrollment: ask the center to check the worker's scope")
        case "replica-taken":
            language.pick(
                "本机的数据库是从别的电脑复制来的，不能用它同步：请运行 field init 新建本机副本，再用新的登记串登记",
                "this laptop's database was copied from another laptop and cannot sync: run `field init` for a new "
                    + "replica and enroll it with a new enrollment")
        case "clock-behind":
            language.pick(
                "本机的日期被设到了 2000 年以前：请把日期和时间改正确，再同步",
                "this laptop's date is set before 2000: set its date and time correctly, then sync again")
        case "clock-ahead":
            language.pick(
                "请把本机的日期和时间改正确，再同步", "set this laptop's date and time correctly, then sync again")
        case "unsupported-version":
            language.pick("请把 field 更新到区中心所用的版本", "update field to the version the center speaks")
        case "history-changed":
            language.pick(
                "本机重新同步时区中心的数据又变了，请再运行一次 field sync，并告知区中心",
                "the center's log changed while this laptop started over; sync again, and tell the district center")
        default:
            language.pick("请把这个情况告知区中心", "report this to the district center")
        }
    }

    /// The exit code `field sync` ends with.
    public var exitCode: Int32 {
        switch self {
        case .unreachable: 69
        case .refused(let status, _): status == 401 ? 77 : 65
        case .protocolViolation: 76
        case .notEnrolled, .insecure: 78
        case .untrusted: 69
        }
    }
}
