import Foundation
import Hummingbird
import HummingbirdTesting
import Shared
import Storage
import Testing

@testable import Server

/// What an enrolled device that does not play fair (or a buggy one) can send, and what the center does
/// with it: refuses what it may not do, names the change, stores nothing of the batch, and stays up.
@Suite struct HostileDeviceTests {
    /// A change as a crafted batch would hold it.
    static func change(
        _ timestamp: HybridTimestamp, _ kind: EntityKind, _ id: RecordID, _ scope: AreaCode, _ field: Field,
        _ value: Value
    ) throws -> Change {
        try Change(
            timestamp: timestamp, entity: EntityKey(kind: kind, id: id), scope: scope, field: field, value: value)
    }

    /// A timestamp of replica `replica`, `offset` milliseconds after now.
    static func stamp(_ replica: UInt64, counter: UInt32 = 0, offset: Int64 = 0) -> HybridTimestamp {
        HybridTimestamp(
            physical: SystemWallClock().milliseconds() + offset, counter: counter, replica: ReplicaID(rawValue: replica)
        )
    }

    /// The changes of a case recorded in `village`, without `foundBy`: what a device whose push stopped
    /// between two batches (or a crafted batch) leaves at the center.
    static func partialCase(_ id: RecordID, in village: AreaCode, replica: UInt64) throws -> [Change] {
        [
            try change(stamp(replica, counter: 0), .dispute, id, village, .category, .category(.land)),
            try change(
                stamp(replica, counter: 1), .dispute, id, village, .parties, .parties([try Party(name: "周某")])),
            try change(stamp(replica, counter: 2), .dispute, id, village, .summary, .text("只到这里")),
        ]
    }

    @Test(arguments: StoreKind.available)
    func aCaseWithoutHowItWasFoundIsReportedNotFatal(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        var device = DeviceReplica(1, village: CenterFixture.villageA)
        try await center.push(try device.recordCases(2), as: center.gridA)
        try await center.push(
            try Self.partialCase(RecordID.random(), in: CenterFixture.villageA, replica: 1), as: center.gridA)
        let year = "\(LocalTime.today().year)"
        for dimension in ReportRequest.Dimension.allCases {
            let report = try await center.center.report(
                ReportRequest(period: try ReportPeriod(year: year), dimension: dimension, today: LocalTime.today()))
            #expect(report.total.screened == 3, "by \(dimension)")
            #expect(report.total.foundByScreening + report.total.walkIns + report.total.referrals <= 3)
        }
        try await center.withClient { client in
            let answer = try await client.execute(
                uri: "/v1/report?year=\(year)&format=json&by=village", method: .get,
                headers: [.authorization: "Bearer \(center.town.token)"])
            #expect(answer.status == .ok)
        }
    }

    @Test(arguments: StoreKind.available)
    func aChangeToAnotherJurisdictionsRecordIsRefusedWhateverScopeItClaims(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        var a = DeviceReplica(1, village: CenterFixture.villageA)
        let recorded = try a.recordCases(1)
        try await center.push(recorded, as: center.gridA)
        let id = recorded[0].entity.id
        let more = try a.recordCases(1)
        try await center.withClient { client in
            let before = try await center.merged().digest()
            // Village B's device claims its own village for village A's case, now and as of 1970.
            let claims = [
                try Self.change(
                    Self.stamp(9), .dispute, id, CenterFixture.villageB, .summary, .text("改掉别人的案件")),
                try Self.change(
                    HybridTimestamp(physical: 1000, counter: 0, replica: ReplicaID(rawValue: 9)), .dispute, id,
                    CenterFixture.villageB, .summary, .text("挪走别人的案件")),
            ]
            for claim in claims {
                let answer = try await client.push([claim], as: center.gridB)
                #expect(answer.status.code / 100 == 4, "\(answer.status)")
                let body = answer.json
                #expect(SyncRouteTests.documentedErrorCodes.contains(body["code"] as? String ?? ""), "\(body)")
                #expect((body["message"] as? String)?.contains("change 0") == true, "\(body)")
                // Nothing of village A's case is told: neither its village nor its town.
                #expect(!String(buffer: answer.body).contains(CenterFixture.villageA.description))
            }
            // Town B's device may not either, nor may village A2's (same town, another village).
            let fromA2 = try Self.change(
                Self.stamp(10), .dispute, id, CenterFixture.villageA2, .summary, .text("邻村改的"))
            #expect(try await client.push([fromA2], as: center.gridA2).status == .forbidden)
            #expect(try await center.merged().digest() == before)
            // Village A's own laptop still syncs.
            #expect(try await client.push(more, as: center.gridA).status == .ok)
            let (pulled, _) = try await client.pullAll(as: center.gridA)
            #expect(Set(pulled.map(\.scope)) == [CenterFixture.villageA])
        }
    }

    @Test(arguments: StoreKind.available)
    func aChangeMayNotGiveItsRecordAnotherScopeThanTheCenterHolds(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        var a = DeviceReplica(1, village: CenterFixture.villageA)
        let recorded = try a.recordCases(1)
        try await center.push(recorded, as: center.gridA)
        try await center.withClient { client in
            let before = try await center.merged().digest()
            // The town's device reaches both villages; the case stays in village A.
            let moving = try Self.change(
                HybridTimestamp(physical: 946_684_800_000, counter: 0, replica: ReplicaID(rawValue: 11)), .dispute,
                recorded[0].entity.id, CenterFixture.villageA2, .summary, .text("挪到邻村"))
            let answer = try await client.push([moving], as: center.town)
            #expect(answer.status.code / 100 == 4)
            #expect((answer.json["code"] as? String) == "scope-mismatch", "\(answer.json)")
            #expect(try await center.merged().digest() == before)
        }
    }

    @Test(arguments: StoreKind.available)
    func timestampsBeforeFieldSyncCouldHaveMadeThemAreRefused(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        try await center.withClient { client in
            let early = try Self.change(
                HybridTimestamp(physical: 1000, counter: 0, replica: ReplicaID(rawValue: 3)), .dispute,
                RecordID.random(), CenterFixture.villageA, .summary, .text("1970年"))
            let answer = try await client.push([early], as: center.gridA)
            #expect(answer.status == .unprocessableContent)
            #expect(answer.json["code"] as? String == "clock-behind", "\(answer.json)")
            #expect((answer.json["message"] as? String)?.contains("change 0") == true)
            #expect(try await center.center.cursor() == 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func aKindClashIsRefusedAloneWhileOthersPushingAtOnceAreStored(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        var a = DeviceReplica(1, village: CenterFixture.villageA)
        let recorded = try a.recordCases(1)
        try await center.push(recorded, as: center.gridA)
        let clash = try Self.change(
            Self.stamp(5), .risk, recorded[0].entity.id, CenterFixture.villageA, .title, .text("同号的风险"))
        // Written together (group commit), the clash fails alone; each honest batch is stored.
        var honest = DeviceReplica(2, village: CenterFixture.villageA)
        let batches = try (0..<4).map { _ in try honest.recordCases(2) }
        let pushes =
            batches.map {
                ReplicaStore.Push(changes: $0, device: center.gridA.device, clockOffset: nil, maximumDrift: 600_000)
            } + [
                ReplicaStore.Push(
                    changes: [clash], device: center.gridA.device, clockOffset: nil, maximumDrift: 600_000)
            ]
        let queue = PushQueue(store: center.center, metrics: CenterMetrics())
        let results = await withTaskGroup(of: (Int, Result<ReplicaStore.Receipt, any Error>).self) { group in
            for (index, push) in pushes.enumerated() {
                group.addTask {
                    do { return (index, .success(try await queue.push(push))) } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results: [Int: Result<ReplicaStore.Receipt, any Error>] = [:]
            for await (index, result) in group { results[index] = result }
            return results
        }
        for index in batches.indices {
            #expect((try? results[index]?.get())?.new == batches[index].count, "honest batch \(index)")
        }
        // Refused for what it is (on PostgreSQL too, not as an unreachable database).
        if case .failure(let error) = results[batches.count] {
            #expect((error as? ChangeRefusal)?.reason == .kindConflict, "\(error)")
        } else {
            Issue.record("the clash was taken")
        }
        try await center.center.settled()
        let merged = try await center.merged()
        #expect(try merged.digest() == digest(of: recorded + batches.flatMap { $0 }))
        try await center.withClient { client in
            let answer = try await client.push([clash], as: center.gridA)
            #expect(answer.status == .conflict, "\(answer.status)")
            #expect(answer.json["code"] as? String == "kind-conflict", "\(answer.json)")
        }
    }

    @Test(arguments: StoreKind.available)
    func twoRecordsWhoseChangesShareATimestampAreBothStored(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        let (first, second) = (RecordID.random(), RecordID.random())
        let shared = Self.stamp(21)
        let changes = [
            try Self.change(shared, .dispute, first, CenterFixture.villageA, .summary, .text("甲案")),
            try Self.change(shared, .dispute, second, CenterFixture.villageA, .summary, .text("乙案")),
        ]
        let receipt = try await center.push(changes, as: center.gridA)
        #expect(receipt.new == 2)
        let merged = try await center.merged()
        #expect(try merged.digest() == digest(of: changes))
        // A replica pulling the page stores both too.
        let folder = center.folder.appendingPathComponent("replica.sqlite")
        let replica = try ReplicaStore.create(database: folder, scope: CenterFixture.villageA, worker: "网格员")
        try await center.withClient { client in
            let (pulled, _) = try await client.pullAll(as: center.gridA)
            #expect(pulled.count == 2)
            #expect(try replica.receive(pulled) == 2)
            #expect(try replica.digest() == digest(of: changes))
        }
    }

    @Test(arguments: StoreKind.available)
    func aBatchWithTwoDifferentChangesUnderOneIdentityIsRefused(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        let id = RecordID.random()
        let shared = Self.stamp(22)
        let changes = [
            try Self.change(shared, .dispute, id, CenterFixture.villageA, .summary, .text("甲")),
            try Self.change(shared, .dispute, id, CenterFixture.villageA, .mediator, .text("乙")),
        ]
        try await center.withClient { client in
            let answer = try await client.push(changes, as: center.gridA)
            #expect(answer.status == .badRequest)
            #expect(answer.json["code"] as? String == "ambiguous-change", "\(answer.json)")
            #expect((answer.json["message"] as? String)?.contains("change 1") == true)
            #expect(try await center.center.cursor() == 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func aNewRecordMustLieInAKnownAreaWithinReach(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        // A village of town A that was never imported.
        let unknown = try AreaCode(parsing: "620502101299")
        try await center.withClient { client in
            let answer = try await client.push(
                try Self.partialCase(RecordID.random(), in: unknown, replica: 4), as: center.town)
            #expect(answer.status == .unprocessableContent)
            #expect(answer.json["code"] as? String == "unknown-area", "\(answer.json)")
            #expect((answer.json["message"] as? String)?.contains("620502101299") == true)
            #expect(try await center.center.cursor() == 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func aDeviceMayNotStampWithAnotherDevicesReplicaUnlessItSendsBackAfterARestore(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        var a = DeviceReplica(1, village: CenterFixture.villageA)
        let recorded = try a.recordCases(1)
        let aReplica = ReplicaID(rawValue: 1)
        let bReplica = ReplicaID(rawValue: 2)
        try await center.withClient { client in
            // Village A's laptop names its replica: the center binds it to that enrollment.
            #expect(
                try await client.push(recorded, as: center.gridA, headers: [.fieldSyncReplica: aReplica.description])
                    .status == .ok)
            // Village B's device stamps a case of its own with A's replica: a forged author.
            let forged = try Self.partialCase(RecordID.random(), in: CenterFixture.villageB, replica: 1)
            let refused = try await client.push(
                forged, as: center.gridB, headers: [.fieldSyncReplica: bReplica.description])
            #expect(refused.status == .forbidden)
            #expect(refused.json["code"] as? String == "foreign-replica", "\(refused.json)")
            // A copy of A's laptop enrolled as B cannot sync at all.
            let copied = try await client.push(
                try Self.partialCase(RecordID.random(), in: CenterFixture.villageB, replica: 2), as: center.gridB,
                headers: [.fieldSyncReplica: aReplica.description])
            #expect(copied.status == .conflict && copied.json["code"] as? String == "replica-taken", "\(copied.json)")
            // A merge of duplicates is the center's to make.
            let own = RecordID.random()
            let merge = try Self.change(
                Self.stamp(2, counter: 9), .dispute, own, CenterFixture.villageB, .duplicate,
                .step(LifecycleStep(action: .merge, basis: [], text: nil, into: recorded[0].entity.id)))
            let merging = try await client.push(
                try Self.partialCase(own, in: CenterFixture.villageB, replica: 2) + [merge], as: center.gridB,
                headers: [.fieldSyncReplica: bReplica.description])
            #expect(merging.status == .forbidden && merging.json["code"] as? String == "center-only", "\(merging.json)")
            #expect(try await center.center.cursor() == Int64(recorded.count))
            // Told its center's log is not the one it synced with (a restored backup), B sends back what it
            // pulled from others, A's changes among them: taken.
            let restart = try await client.push(
                [], as: center.gridB,
                headers: [.fieldSyncCheckpoint: Checkpoint(seq: 999, stamp: recorded[0].timestamp).header])
            #expect(restart.status == .conflict)
            let relayed = try await client.push(
                forged, as: center.gridB, headers: [.fieldSyncReplica: bReplica.description])
            #expect(relayed.status == .ok, "\(relayed.json)")
        }
    }
}
