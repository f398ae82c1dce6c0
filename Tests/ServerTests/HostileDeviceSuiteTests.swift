import Foundation
import Hummingbird
import HummingbirdTesting
import Samples
import Shared
import Storage
import Synchronization
import Testing

@testable import Server

/// The hostile-device suite: honest devices record, edit, push and pull while hostile ones (enrolled, with
/// tokens of their own) send batches drawn from a grammar of attacks, interleaved with reports and pulls
/// of every kind. After every step:
/// - the center is alive (`/health`, every report);
/// - every change an honest device had acknowledged is held by the center, as sent, and by every honest
///   replica that pulled it;
/// - no record outside a hostile device's reach holds a change that device sent;
/// - each honest replica's digest equals the center's within its scope;
/// - nothing a hostile device is answered names an area outside its reach.
///
/// The seed is printed; `FIELDSYNC_SEED` replays it and `FIELDSYNC_HOSTILE_STEPS` runs more steps.
@Suite struct HostileDeviceSuiteTests {
    enum Attack: String, CaseIterable {
        case forgedScope, movedRecord, earlyStamp, lateStamp, kindClash, sharedStamps, partialRecord
        case unknownVillage, hugeText, othersReplica, malformedBody
    }

    /// An honest device: the changes it made in memory, a laptop store it pulls into, and its cursor.
    final class Honest: @unchecked Sendable {
        let credential: DeviceCredential
        let scope: AreaCode
        var replica: Replica
        let laptop: ReplicaStore
        var pending: [Change] = []
        var cursor: Int64 = 0
        /// Records this device made, by kind, to change later.
        var records: [RecordID] = []

        init(credential: DeviceCredential, scope: AreaCode, replica: UInt64, folder: URL) throws {
            self.credential = credential
            self.scope = scope
            self.replica = Replica(clock: HybridClock(replica: ReplicaID(rawValue: replica)))
            laptop = try ReplicaStore.create(
                database: folder.appendingPathComponent("honest-\(replica).sqlite"), scope: scope, worker: "网格员")
        }
    }

    struct Hostile {
        let credential: DeviceCredential
        let scope: AreaCode
        var replica: UInt64
        var counter: UInt32 = 0
    }

    /// Statistics printed at the end.
    struct Figures: CustomStringConvertible {
        var steps = 0
        var attacks: [Attack: Int] = [:]
        var refused = 0
        var acceptedAttacks = 0
        var honestPushes = 0
        var pulls = 0
        var reports = 0
        var merges = 0
        var snapshots = 0
        var checks = 0
        var description: String {
            "\(steps) steps, \(attacks.values.reduce(0, +)) attacks (\(refused) refused, \(acceptedAttacks) taken "
                + "within the attacker's reach; "
                + attacks.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }
                .joined(separator: ", ") + "), \(honestPushes) honest pushes, \(pulls) pulls, \(snapshots) snapshots "
                + "taken, \(merges) merges and splits, \(reports) reports, \(checks) invariant checks"
        }
    }

    /// What a run changes as it goes (the client's closure is `@Sendable`; the steps run one at a time).
    final class Run: @unchecked Sendable {
        var random: SeededGenerator
        var hostiles: [Hostile] = []
        /// Every change an honest device was told the center holds.
        var acknowledged: [HybridTimestamp: Change] = [:]
        /// Every change a hostile device sent, taken or not, with the device's index.
        var sent: [(hostile: Int, change: Change)] = []
        /// The honest replicas the center has bound to their devices (each pushed once).
        var bound: Set<UInt64> = []
        var figures = Figures()

        init(seed: UInt64) {
            random = SeededGenerator(seed: seed)
        }
    }

    static let steps = ProcessInfo.processInfo.environment["FIELDSYNC_HOSTILE_STEPS"].flatMap(Int.init)

    @Test(arguments: StoreKind.available)
    func honestDevicesKeepEverythingWhileHostileOnesAttack(kind: StoreKind) async throws {
        let seed =
            ProcessInfo.processInfo.environment["FIELDSYNC_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 0...UInt64.max)
        let steps = Self.steps ?? (kind == .sqlite ? 300 : 80)
        print("HostileDeviceSuite(\(kind)): seed \(seed), \(steps) steps (FIELDSYNC_SEED, FIELDSYNC_HOSTILE_STEPS)")
        let run = Run(seed: seed)
        let center = try await CenterFixture.make(kind)
        let townB = try await center.center.enroll(name: "天水郡街道办", scope: CenterFixture.townB, role: .town).1
        let honest = [
            try Honest(credential: center.gridA, scope: CenterFixture.villageA, replica: 11, folder: center.folder),
            try Honest(credential: center.gridB, scope: CenterFixture.villageB, replica: 12, folder: center.folder),
            try Honest(credential: center.town, scope: CenterFixture.townA, replica: 13, folder: center.folder),
        ]
        run.hostiles = [
            Hostile(credential: center.gridA2, scope: CenterFixture.villageA2, replica: 91),
            Hostile(credential: townB, scope: CenterFixture.townB, replica: 92),
        ]
        let context = "seed \(seed), \(kind)"

        try await center.withClient { client in
            func health() async throws {
                let answer = try await client.execute(uri: "/health", method: .get)
                #expect(answer.status == .ok, "center down: \(context)")
            }

            /// The center's whole log, as the district sees it.
            func centerLog() async throws -> [Change] {
                try await client.pullAll(as: center.district, limit: 5_000).0
            }

            func checkInvariants(step: Int) async throws {
                run.figures.checks += 1
                try await health()
                let log = try await centerLog()
                var held: [String: Change] = [:]
                for change in log { held["\(change.entity.id) \(change.timestamp)"] = change }
                for change in run.acknowledged.values {
                    #expect(
                        held["\(change.entity.id) \(change.timestamp)"] == change,
                        "run.acknowledged change lost at step \(step): \(context)")
                }
                // No record outside a hostile device's reach holds a change it sent. A record's scope is that
                // of its first change the center took (the log's order).
                var scopes: [RecordID: AreaCode] = [:]
                for change in log where scopes[change.entity.id] == nil { scopes[change.entity.id] = change.scope }
                for (hostile, change) in run.sent {
                    guard let stored = held["\(change.entity.id) \(change.timestamp)"], stored == change,
                        let scope = scopes[change.entity.id]
                    else { continue }
                    #expect(
                        run.hostiles[hostile].scope.covers(scope),
                        "a hostile change to a record in \(scope) was taken at step \(step): \(context)")
                }
            }

            func pull(_ device: Honest, step: Int) async throws {
                run.figures.pulls += 1
                var more = true
                while more {
                    let answer = try await client.execute(
                        uri: "/v1/changes?after=\(device.cursor)&limit=500", method: .get,
                        headers: [.authorization: "Bearer \(device.credential.token)"])
                    #expect(answer.status == .ok, "pull refused: \(context)")
                    guard answer.status == .ok else { return }
                    let page = try ChangePage(json: Data(buffer: answer.body))
                    #expect(page.changes.allSatisfy { device.scope.covers($0.scope) }, "pull outside scope: \(context)")
                    try device.laptop.receive(page.changes)
                    device.cursor = page.cursor
                    more = page.more
                }
                let mine = try device.laptop.digest(within: device.scope)
                let centers = try await center.merged().digest(within: device.scope)
                #expect(
                    mine == centers, "replica of \(device.scope) differs from the center at step \(step): \(context)")
            }

            for step in 0..<steps {
                run.figures.steps += 1
                let roll = Int.random(in: 0..<100, using: &run.random)
                switch roll {
                case 0..<30:
                    // An honest device records a case, or acts on one it holds.
                    let device = honest[Int.random(in: 0..<honest.count, using: &run.random)]
                    let village =
                        device.scope.level == .village
                        ? device.scope
                        : [CenterFixture.villageA, CenterFixture.villageA2].randomElement(using: &run.random)!
                    if let id = device.records.randomElement(using: &run.random), Bool.random(using: &run.random) {
                        let current = device.replica.state.dispute(id)
                        let command: DisputeCommand =
                            current?.status == .screened
                            ? .mediate(method: .chat, mediator: "刘调解") : .note("回访 \(step)")
                        if let changes = try? device.replica.perform(command, onDispute: id) {
                            device.pending += changes
                        }
                    } else {
                        let id = RecordID.random(using: &run.random)
                        let changes = try device.replica.perform(
                            .record(
                                DisputeDraft(
                                    village: village, category: .land,
                                    parties: [try Party(name: "甲\(step)乙\(seed % 997)"), try Party(name: "丙\(step)丁")],
                                    summary: "第 \(step) 步的纠纷", recorder: "网格员")), onDispute: id)
                        device.records.append(id)
                        device.pending += changes
                    }
                case 30..<45:
                    // An honest device pushes what it has.
                    let device = honest[Int.random(in: 0..<honest.count, using: &run.random)]
                    guard !device.pending.isEmpty else { continue }
                    run.figures.honestPushes += 1
                    let answer = try await client.push(
                        device.pending, as: device.credential,
                        headers: [.fieldSyncReplica: device.replica.id.description])
                    #expect(answer.status == .ok, "honest push refused: \(answer.json) \(context)")
                    if answer.status == .ok {
                        run.bound.insert(device.replica.id.rawValue)
                        for change in device.pending { run.acknowledged[change.timestamp] = change }
                        try device.laptop.receive(device.pending)
                        device.pending = []
                    }
                case 45..<60:
                    try await pull(honest[Int.random(in: 0..<honest.count, using: &run.random)], step: step)
                case 60..<63:
                    // The district's staff merge two cases of one town as one dispute, or split a merge.
                    let held = Set(run.acknowledged.values.map(\.entity.id))
                    let cases = honest.prefix(1).flatMap(\.records).filter(held.contains)
                    guard cases.count >= 2 else { continue }
                    let pair = Array(cases.shuffled(using: &run.random).prefix(2))
                    run.figures.merges += 1
                    if Bool.random(using: &run.random) {
                        _ = try? await center.center.decide(.merge(pair[0], into: pair[1]))
                    } else {
                        _ = try? await center.center.decide(.split(pair[0], reason: "不是同一纠纷"))
                    }
                case 63..<65:
                    // A new district replica takes the center's snapshot, then the feed after it: it holds what
                    // the center holds.
                    run.figures.snapshots += 1
                    let replica = try ReplicaStore.create(
                        database: center.folder.appendingPathComponent("snapshot-\(step).sqlite"),
                        scope: CenterFixture.district, worker: "区")
                    var after = ""
                    var cursor: Int64?
                    while true {
                        let answer = try await client.execute(
                            uri: "/v1/snapshot?format=\(SnapshotPage.format)&after=\(after)&limit=7", method: .get,
                            headers: [.authorization: "Bearer \(center.district.token)"])
                        #expect(answer.status == .ok, "snapshot refused: \(context)")
                        guard answer.status == .ok else { break }
                        let page = try SnapshotPage(bytes: Array(buffer: answer.body))
                        try replica.receive(page)
                        cursor = cursor ?? page.seq
                        guard answer.headers[.link] != nil, let last = page.last else { break }
                        after = last.description
                    }
                    let (rest, _) = try await client.pullAll(as: center.district, after: cursor ?? 0)
                    try replica.receive(rest)
                    #expect(
                        try replica.digest() == (try await center.merged().digest()),
                        "a snapshot's replica differs from the center at step \(step): \(context)")
                case 65..<68:
                    // Every report, by every breakdown, for the town and the district.
                    run.figures.reports += 1
                    let year = LocalTime.today().year
                    for credential in [center.town, center.district] {
                        for by in ReportRequest.Dimension.allCases {
                            let answer = try await client.execute(
                                uri: "/v1/report?year=\(year)&format=json&by=\(by.rawValue)", method: .get,
                                headers: [.authorization: "Bearer \(credential.token)"])
                            #expect(answer.status == .ok, "report by \(by) failed: \(context)")
                        }
                    }
                    _ = try await client.execute(
                        uri: "/v1/snapshot?format=\(SnapshotPage.format)", method: .get,
                        headers: [.authorization: "Bearer \(center.district.token)"])
                default:
                    let index = Int.random(in: 0..<run.hostiles.count, using: &run.random)
                    let attack = Attack.allCases.randomElement(using: &run.random)!
                    run.figures.attacks[attack, default: 0] += 1
                    // Records the center holds (a record's id is 128 random bits: none is known before its
                    // device pushed it, and then only to those whose reach holds it; the attackers here are
                    // given every id, to try them all).
                    let held = Set(run.acknowledged.values.map(\.entity.id))
                    let targets = honest.flatMap { device in device.records.filter(held.contains).map { ($0, device) } }
                    let (changes, body) = try Self.craft(
                        attack, by: &run.hostiles[index], targets: targets, step: step, random: &run.random)
                    run.sent += changes.map { (index, $0) }
                    let answer: TestResponse
                    if let body {
                        answer = try await client.pushBody(body, as: run.hostiles[index].credential)
                    } else {
                        let own = ReplicaID(rawValue: run.hostiles[index].replica).description
                        answer = try await client.push(
                            changes, as: run.hostiles[index].credential, headers: [.fieldSyncReplica: own])
                    }
                    // Stamped with a bound honest replica: never taken (the replica is `craft`'s choice).
                    if attack == .othersReplica, run.bound.contains(11 + UInt64(step % 3)) {
                        #expect(answer.json["code"] as? String == "foreign-replica", "\(answer.json) \(context)")
                    }
                    if answer.status == .ok {
                        run.figures.acceptedAttacks += 1
                    } else {
                        run.figures.refused += 1
                        #expect(answer.status.code / 100 == 4, "attack \(attack) answered \(answer.status): \(context)")
                        #expect(answer.json["code"] is String, "refusal without a code: \(context)")
                    }
                    // Nothing of another jurisdiction is told, beyond what the attacker sent itself.
                    let text = String(buffer: answer.body)
                    let sent = changes.map(\.scope.description)
                    // (The areas enclosing its own it knows: they name its own scope's code.)
                    let own = run.hostiles[index].scope
                    for area in [CenterFixture.villageA, CenterFixture.villageB, CenterFixture.townA]
                    where !own.covers(area) && !area.covers(own) && !sent.contains(area.description) {
                        #expect(!text.contains(area.description), "answer names \(area): \(text) \(context)")
                    }
                }
                try await checkInvariants(step: step)
            }
            // In the end every honest device pushes and pulls everything.
            for device in honest where !device.pending.isEmpty {
                let answer = try await client.push(
                    device.pending, as: device.credential, headers: [.fieldSyncReplica: device.replica.id.description])
                #expect(answer.status == .ok)
                for change in device.pending { run.acknowledged[change.timestamp] = change }
                try device.laptop.receive(device.pending)
                device.pending = []
            }
            for device in honest { try await pull(device, step: steps) }
            try await checkInvariants(step: steps)
        }
        print("HostileDeviceSuite(\(kind)): \(run.figures)")
        #expect(run.figures.attacks.values.reduce(0, +) > 0)
    }

    /// A crafted batch (or body) of the attack's kind, from the hostile device `hostile`.
    static func craft(
        _ attack: Attack, by hostile: inout Hostile, targets: [(RecordID, Honest)], step: Int,
        random: inout SeededGenerator
    ) throws -> ([Change], ByteBuffer?) {
        func stamp(_ offset: Int64 = 0, replica: UInt64? = nil) -> HybridTimestamp {
            hostile.counter += 1
            return HybridTimestamp(
                physical: SystemWallClock().milliseconds() + offset, counter: hostile.counter,
                replica: ReplicaID(rawValue: replica ?? hostile.replica))
        }
        let ownVillage =
            hostile.scope.level == .village
            ? hostile.scope : CenterFixture.villageB
        func newCase(_ id: RecordID, in village: AreaCode, at timestamp: HybridTimestamp) throws -> [Change] {
            [
                try HostileDeviceTests.change(timestamp, .dispute, id, village, .category, .category(.debt)),
                try HostileDeviceTests.change(
                    HybridTimestamp(
                        physical: timestamp.physical, counter: timestamp.counter &+ 1000, replica: timestamp.replica),
                    .dispute, id, village, .summary, .text("伪造 \(step)")),
            ]
        }
        let target = targets.randomElement(using: &random)
        switch attack {
        case .forgedScope, .movedRecord:
            guard let (id, _) = target else {
                return (try newCase(RecordID.random(), in: ownVillage, at: stamp()), nil)
            }
            // Claims the attacker's own village (forged), or, as of 1999, another one (to move it).
            let claimed = attack == .forgedScope ? ownVillage : CenterFixture.villageA2
            let offset: Int64 = attack == .movedRecord ? -(SystemWallClock().milliseconds() - 915_148_800_000) : 0
            return ([try HostileDeviceTests.change(stamp(offset), .dispute, id, claimed, .summary, .text("改"))], nil)
        case .earlyStamp:
            return (
                try newCase(RecordID.random(), in: ownVillage, at: stamp(-SystemWallClock().milliseconds() + 5)), nil
            )
        case .lateStamp:
            return (try newCase(RecordID.random(), in: ownVillage, at: stamp(3_600_000)), nil)
        case .kindClash:
            let id = target?.0 ?? RecordID.random()
            return ([try HostileDeviceTests.change(stamp(), .risk, id, ownVillage, .title, .text("冒名"))], nil)
        case .sharedStamps:
            let shared = stamp()
            return (
                [
                    try HostileDeviceTests.change(
                        shared, .dispute, RecordID.random(), ownVillage, .summary, .text("一")),
                    try HostileDeviceTests.change(
                        shared, .dispute, RecordID.random(), ownVillage, .summary, .text("二")),
                ], nil
            )
        case .partialRecord:
            return (
                [try HostileDeviceTests.change(stamp(), .dispute, RecordID.random(), ownVillage, .summary, .text("半"))],
                nil
            )
        case .unknownVillage:
            let unknown = try AreaCode(parsing: hostile.scope.level == .town ? "620502102299" : "620502101299")
            return (try newCase(RecordID.random(), in: unknown, at: stamp()), nil)
        case .hugeText:
            let text = String(repeating: "长", count: Change.maximumTextLength + 1)
            let id = RecordID.random()
            let json =
                #"{"version":1,"changes":[{"ts":"\#(stamp())","kind":"dispute","id":"\#(id)","scope":"\#(ownVillage)","#
                + #""field":"summary","value":"\#(text)"}]}"#
            return ([], ByteBuffer(string: json))
        case .othersReplica:
            // Stamped with an honest device's replica id, on a record of the attacker's own.
            return (try newCase(RecordID.random(), in: ownVillage, at: stamp(replica: 11 + UInt64(step % 3))), nil)
        case .malformedBody:
            return ([], ByteBuffer(bytes: (0..<64).map { _ in UInt8.random(in: 0...255, using: &random) }))
        }
    }
}
