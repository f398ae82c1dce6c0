import Client
import Foundation
import Hummingbird
import ProgramTesting
import Server
import Shared
import Storage
import Synchronization
import Testing

/// A replica's first pull is a snapshot, page by page; a link that drops in the middle leaves it where
/// its last stored page ended, and the next sync goes on from there.
@Suite struct SnapshotSyncTests {
    /// A center whose snapshot pages fail (503) from the `failFrom`th asked for, until healed.
    final class FlakyStore: ForwardingStore {
        let store: SQLiteCenterStore
        let failFrom: Int
        let asked = Mutex(0)
        let healed = Mutex(false)

        init(_ store: SQLiteCenterStore, failFrom: Int) {
            (self.store, self.failFrom) = (store, failFrom)
        }

        func snapshotPage(
            after: RecordID?, within reach: Reach?, limit: Int
        ) async throws -> SnapshotPage.Written {
            let number = asked.withLock {
                $0 += 1
                return $0
            }
            if number >= failFrom, !healed.withLock({ $0 }) {
                throw StoreError(code: .unavailable, message: "the database is away")
            }
            return try await store.snapshotPage(after: after, within: reach, limit: limit)
        }
    }

    /// A worker's replica of village A, not enrolled: its changes reach the center by `fixture.push`.
    static func village(in fixture: CenterFixture) throws -> ReplicaStore {
        try ReplicaStore.create(
            database: fixture.folder.appendingPathComponent("village.sqlite"), scope: CenterFixture.villageA,
            worker: "张网格")
    }

    /// A new laptop enrolled as village A's grid worker.
    static func laptop(in fixture: CenterFixture) throws -> ReplicaStore {
        try FieldStore.create(
            home: FieldHome(url: fixture.folder.appendingPathComponent("laptop")),
            enrollment: Enrollment(
                url: "http://unused", credential: fixture.gridA, scope: CenterFixture.villageA, role: .grid,
                worker: "张网格"))
    }

    /// Syncs `laptop` with a center serving `store` on a loopback port.
    static func sync(
        _ laptop: ReplicaStore, with store: any CenterStore, options: Synchronizer.Options = Synchronizer.Options()
    ) async throws -> Synchronizer.Summary {
        try await AreaSyncTests().serving(store) { url in
            var enrollment = try #require(try laptop.syncState().enrollment)
            enrollment.url = url
            return try await blocking { [enrollment] in
                try Synchronizer(store: laptop, enrollment: enrollment, options: options).run()
            }
        }
    }

    static func cases(_ range: Range<Int>, on village: ReplicaStore) throws -> [RecordID] {
        try range.map { index in
            try village.record(
                DisputeDraft(
                    village: CenterFixture.villageA, category: .land, parties: [try Party(name: "韩\(index)")],
                    summary: "地界\(index)", recorder: "张网格"))
        }
    }

    /// A center holding 30 cases of village A, pushed from its worker's replica, and a new laptop of
    /// village A that has pulled nothing.
    static func thirtyCasesAndANewLaptop() async throws -> (
        fixture: CenterFixture, center: SQLiteCenterStore, village: ReplicaStore, recorded: [RecordID],
        laptop: ReplicaStore
    ) {
        let fixture = try await CenterFixture.make(.sqlite)
        let center = try #require(fixture.center as? SQLiteCenterStore)
        let village = try Self.village(in: fixture)
        let recorded = try Self.cases(0..<30, on: village)
        try await fixture.push(try village.allChanges(), as: fixture.gridA)
        return (fixture, center, village, recorded, try Self.laptop(in: fixture))
    }

    @Test func aSnapshotCutShortGoesOnAfterItsLastStoredPage() async throws {
        let (fixture, center, village, recorded, laptop) = try await Self.thirtyCasesAndANewLaptop()
        let flaky = FlakyStore(center, failFrom: 3)
        var options = Synchronizer.Options()
        (options.snapshotRecords, options.attempts) = (8, 1)
        func sync() async throws -> Synchronizer.Summary {
            try await Self.sync(laptop, with: flaky, options: options)
        }
        // The third page does not come: the sync stops, with two pages (16 records) stored. It was asked
        // for once, ahead, while the second was read (its failure is the page's: not asked again).
        await #expect(throws: SyncError.self) { try await sync() }
        #expect(flaky.asked.withLock { $0 } == 3)
        let stopped = try laptop.syncState()
        let firstSixteen = recorded.sorted().prefix(16)
        #expect(stopped.isTakingSnapshot && stopped.snapshotAfter == firstSixteen.last)
        #expect(try Set(laptop.disputes().map(\.id)) == Set(firstSixteen))
        #expect(stopped.pullCursor == (try await center.cursor()), "the feed goes on from the first page's read")
        let today = try CalendarDate(parsing: "2026-11-30")
        #expect(try laptop.status(on: today).isTakingSnapshot, "field status says so")

        // Meanwhile a case already taken changes and another is recorded.
        let more = try Self.cases(30..<31, on: village)
        _ = try village.perform(.mediate(method: .chat, mediator: "刘调解"), onDispute: firstSixteen.first!)
        try await fixture.push(Array(try village.allChanges().dropFirst(30 * 6)), as: fixture.gridA)

        flaky.healed.withLock { $0 = true }
        // Over a link that counts as slow, too: a snapshot under way goes on (the feed would bring again
        // everything it took); only one that begins is timed.
        (options.snapshotMinimumRate, options.snapshotRateSample) = (.infinity, 0)
        let resumed = try await sync()
        #expect(!resumed.snapshotGivenUpOnSlowLink)
        // The snapshot went on after its 16th record (a new case whose id sorts before it comes by the feed).
        #expect(resumed.snapshotRecords == (recorded + more).filter { $0 > firstSixteen.last! }.count)
        #expect(try laptop.syncState().isTakingSnapshot == false)
        #expect(try laptop.status(on: today).isTakingSnapshot == false)
        #expect(try Set(laptop.disputes().map(\.id)) == Set(recorded + more))
        #expect(try laptop.dispute(firstSixteen.first!)?.method == .chat, "the feed brought the later change")
        #expect(try laptop.digest() == (try await fixture.merged().digest(within: CenterFixture.villageA)))
        // Later syncs take the feed only.
        #expect(try await sync().snapshotRecords == 0)
        await fixture.remove()
    }

    /// A first page that came slower than the least rate is the snapshot's last: nothing more is asked
    /// for (not even ahead), and the feed brings everything after it, from the beginning.
    @Test func aSnapshotOverASlowLinkLeavesTheRestToTheFeed() async throws {
        let (fixture, center, _, recorded, laptop) = try await Self.thirtyCasesAndANewLaptop()
        let counting = FlakyStore(center, failFrom: .max)
        var options = Synchronizer.Options()
        options.snapshotRecords = 8
        // Loopback counts as slow here: no rate is enough, and every page is large enough to time.
        (options.snapshotMinimumRate, options.snapshotRateSample) = (.infinity, 0)
        let summary = try await Self.sync(laptop, with: counting, options: options)
        #expect(counting.asked.withLock { $0 } == 1)
        #expect(summary.snapshotGivenUpOnSlowLink)
        #expect(summary.snapshotRecords == 8 && summary.received == 30 * 6 && summary.alreadyHeld == 8 * 6)
        #expect(try laptop.syncState().isTakingSnapshot == false)
        #expect(try Set(laptop.disputes().map(\.id)) == Set(recorded))
        #expect(try laptop.digest() == (try await fixture.merged().digest(within: CenterFixture.villageA)))
        // A link fast enough (any, at a least rate of 0) takes the whole snapshot.
        let other = try FieldStore.create(
            home: FieldHome(url: fixture.folder.appendingPathComponent("other")),
            enrollment: try #require(try laptop.syncState().enrollment))
        options.snapshotMinimumRate = 0
        let fast = try await Self.sync(other, with: counting, options: options)
        #expect(!fast.snapshotGivenUpOnSlowLink && fast.snapshotRecords == 30 && fast.alreadyHeld == 0)
        // Storing the pages (by snapshot, or by the feed) is part of the sync's time, not all of it.
        for pull in [summary, fast] {
            #expect(pull.storingSeconds > 0 && pull.storingSeconds < pull.seconds)
        }
        #expect(try other.digest() == laptop.digest())
        await fixture.remove()
    }

    @Test func aSnapshotCutShortAndThenRefusedLeavesEverythingToTheFeed() async throws {
        let (fixture, center, _, recorded, laptop) = try await Self.thirtyCasesAndANewLaptop()
        var options = Synchronizer.Options()
        (options.snapshotRecords, options.attempts) = (8, 1)
        await #expect(throws: SyncError.self) {
            try await Self.sync(laptop, with: FlakyStore(center, failFrom: 3), options: options)
        }
        #expect(try laptop.syncState().isTakingSnapshot && laptop.disputes().count == 16)
        // The center was put back to a release without snapshots: the records after the sixteenth lie
        // before the cursor the first page set, so the feed brings everything again (what is held, once).
        let refusal = APIError(.notFound, code: "not-found", message: "no route takes GET /v1/snapshot")
        let summary = try await Self.sync(laptop, with: OtherFormatStore(store: center, refusal: refusal))
        #expect(summary.snapshotRecords == 0 && summary.received == 14 * 6 && summary.alreadyHeld == 16 * 6)
        #expect(try laptop.syncState().isTakingSnapshot == false)
        #expect(try Set(laptop.disputes().map(\.id)) == Set(recorded))
        #expect(try laptop.digest() == (try await fixture.merged().digest(within: CenterFixture.villageA)))
        await fixture.remove()
    }
}

extension SnapshotSyncTests {
    @Test(arguments: StoreKind.available) func aSnapshotHoldsTheDevicesReachAloneAndRefusesBadQueries(
        kind: StoreKind
    ) async throws {
        let center = try await CenterFixture.make(kind)
        let village = try Self.village(in: center)
        let other = try ReplicaStore.create(
            database: center.folder.appendingPathComponent("other.sqlite"), scope: CenterFixture.villageB,
            worker: "王网格")
        let mine = try Self.cases(0..<3, on: village)
        _ = try other.record(
            DisputeDraft(
                village: CenterFixture.villageB, category: .debt, parties: [try Party(name: "郑一")], summary: "借款",
                recorder: "王网格"))
        try await center.push(try village.allChanges(), as: center.gridA)
        try await center.push(try other.allChanges(), as: center.gridB)
        try await center.withClient { client in
            func answer(
                _ credential: DeviceCredential, _ query: String = ""
            ) async throws -> (
                page: SnapshotPage, next: String?
            ) {
                let answer = try await client.execute(
                    uri: "/v1/snapshot?" + query, method: .get,
                    headers: [.authorization: "Bearer \(credential.token)"])
                #expect(answer.status == .ok)
                return (try SnapshotPage(bytes: Array(buffer: answer.body)), answer.headers[.link])
            }
            func page(_ credential: DeviceCredential, _ query: String = "") async throws -> SnapshotPage {
                try await answer(credential, query).page
            }
            // A village's device gets its village's cases; the district's all of them.
            let own = try await answer(center.gridA)
            #expect(own.page.recordCount == 3 && own.page.last == mine.max() && !own.page.more && own.next == nil)
            #expect(try await page(center.gridB).recordCount == 1)
            #expect(try await page(center.district).recordCount == 4)
            // Pages follow record ids; each but the last says where the next is, asked as this one was.
            let (first, next) = try await answer(center.gridA, "limit=2")
            #expect(first.recordCount == 2 && first.more && first.last == mine.sorted()[1])
            #expect(next == "</v1/snapshot?format=\(SnapshotPage.format)&after=\(first.last!)&limit=2>; rel=\"next\"")
            let second = try await answer(center.gridA, "limit=2&after=\(first.last!)")
            #expect(second.page.recordCount == 1 && !second.page.more && second.page.last == mine.max())
            #expect(second.next == nil)
            for query in ["after=x", "after=" + String(repeating: "z", count: 27), "limit=0", "limit=999999"] {
                let response = try await client.execute(
                    uri: "/v1/snapshot?\(query)", method: .get,
                    headers: [.authorization: "Bearer \(center.district.token)"])
                #expect(response.status == .badRequest, "\(query)")
                #expect(response.json["code"] as? String == "bad-query", "\(query)")
                #expect((response.json["message"] as? String)?.contains(query.prefix(5).dropLast()) == true, "\(query)")
            }
            let anonymous = try await client.execute(uri: "/v1/snapshot", method: .get, headers: [:])
            #expect(anonymous.status == .unauthorized)
            _ = try await center.center.revoke(device: center.gridA.device)
            let revoked = try await client.execute(
                uri: "/v1/snapshot", method: .get, headers: [.authorization: "Bearer \(center.gridA.token)"])
            #expect(revoked.status == .unauthorized && revoked.json["code"] as? String == "revoked")
        }
        await center.remove()
    }
}

extension SnapshotSyncTests {
    /// A center that writes snapshot pages of another format than this build's, or (as an earlier
    /// release) none; or, `servesFirstPage`, one whose processes are being upgraded one by one
    /// (PostgreSQL): the first page comes from a process of this release, those after it from another.
    struct OtherFormatStore: ForwardingStore {
        let store: SQLiteCenterStore
        let refusal: APIError
        var servesFirstPage = false

        func snapshotPage(
            after: RecordID?, within reach: Reach?, limit: Int
        ) async throws -> SnapshotPage.Written {
            guard servesFirstPage, after == nil else { throw refusal }
            return try await store.snapshotPage(after: after, within: reach, limit: limit)
        }
    }

    /// How a center that serves no snapshot this build reads refuses one.
    static let refusals = [
        APIError(.unprocessableContent, code: "unsupported-format", message: "format \(SnapshotPage.format + 1) only"),
        APIError(.notFound, code: "not-found", message: "no route takes GET /v1/snapshot"),
    ]

    /// A center holding village A's five cases, and a new laptop of its grid worker.
    static func fiveCases() async throws -> (fixture: CenterFixture, center: SQLiteCenterStore, laptop: ReplicaStore) {
        let fixture = try await CenterFixture.make(.sqlite)
        let center = try #require(fixture.center as? SQLiteCenterStore)
        let village = try Self.village(in: fixture)
        _ = try Self.cases(0..<5, on: village)
        try await fixture.push(try village.allChanges(), as: fixture.gridA)
        return (fixture, center, try Self.laptop(in: fixture))
    }

    @Test(arguments: refusals)
    func aCenterOfAnotherSnapshotFormatOrNoneIsLeftToTheFeed(refusal: APIError) async throws {
        let (fixture, center, laptop) = try await Self.fiveCases()
        let summary = try await Self.sync(laptop, with: OtherFormatStore(store: center, refusal: refusal))
        #expect(summary.snapshotRecords == 0 && summary.received == 30)
        #expect(try laptop.digest() == (try await fixture.merged().digest(within: CenterFixture.villageA)))
        // And the center says which format it writes (a laptop of the release before asks for the one before).
        try await fixture.withClient { client in
            let current = SnapshotPage.format
            for (format, status) in [
                ("\(current)", HTTPResponse.Status.ok), ("\(current - 1)", .unprocessableContent),
                ("\(current + 1)", .unprocessableContent), ("x", .unprocessableContent),
            ] {
                let answer = try await client.execute(
                    uri: "/v1/snapshot?format=\(format)", method: .get,
                    headers: [.authorization: "Bearer \(fixture.gridA.token)"])
                #expect(answer.status == status, "format \(format)")
                if status != .ok {
                    #expect(answer.json["code"] as? String == "unsupported-format")
                    #expect((answer.json["message"] as? String)?.contains("format \(current), not '\(format)'") == true)
                }
            }
        }
        await fixture.remove()
    }
}

extension SnapshotSyncTests {
    /// A snapshot under way that the center stops serving after its first page is given up for the feed,
    /// which brings everything (what the first page brought counts once); the sync does not stop.
    @Test(arguments: refusals)
    func aSnapshotTheCenterStopsServingPartWayIsLeftToTheFeed(refusal: APIError) async throws {
        let (fixture, center, laptop) = try await Self.fiveCases()
        var options = Synchronizer.Options()
        (options.snapshotRecords, options.snapshotMinimumRate) = (2, 0)
        let summary = try await Self.sync(
            laptop, with: OtherFormatStore(store: center, refusal: refusal, servesFirstPage: true), options: options)
        #expect(summary.snapshotRecords == 2 && summary.received == 30 && summary.alreadyHeld == 12)
        #expect(try laptop.syncState().isTakingSnapshot == false)
        #expect(try laptop.digest() == (try await fixture.merged().digest(within: CenterFixture.villageA)))
        await fixture.remove()
    }

    /// A center whose snapshot pages end too soon, every time.
    struct TruncatingStore: ForwardingStore {
        let store: SQLiteCenterStore

        func snapshotPage(
            after: RecordID?, within reach: Reach?, limit: Int
        ) async throws -> SnapshotPage.Written {
            var page = try await store.snapshotPage(after: after, within: reach, limit: limit)
            page.bytes.removeLast(3)
            return page
        }
    }

    @Test func aSnapshotPageThatNeverReadsStopsTheSyncSayingWhyAndTakesNothing() async throws {
        let fixture = try await CenterFixture.make(.sqlite)
        let center = try #require(fixture.center as? SQLiteCenterStore)
        let village = try Self.village(in: fixture)
        _ = try Self.cases(0..<3, on: village)
        try await fixture.push(try village.allChanges(), as: fixture.gridA)
        let laptop = try Self.laptop(in: fixture)
        var options = Synchronizer.Options()
        (options.attempts, options.baseDelay, options.maximumDelay) = (2, 10, 20)
        await #expect {
            try await Self.sync(laptop, with: TruncatingStore(store: center), options: options)
        } throws: { error in
            guard case .unreachable(_, let attempts, let problem) = error as? SyncError else { return false }
            return attempts == 2 && problem.contains("snapshot page this field cannot read")
                && problem.contains("cut short")
        }
        #expect(try laptop.disputes().isEmpty && laptop.syncState().pullCursor == 0)
        await fixture.remove()
    }
}
