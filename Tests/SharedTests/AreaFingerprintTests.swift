import Foundation
import Shared
import Testing

/// What a center's pull says of the area names a device should hold.
@Suite struct AreaFingerprintTests {
    static let areas = [
        Area(code: Sample.district, name: "秦州区"), Area(code: Sample.townA, name: "大城街道"),
        Area(code: Sample.villageA, name: "东关社区"), Area(code: Sample.townB, name: "天水郡街道"),
        Area(code: Sample.villageB, name: "十方堂社区"),
    ]

    @Test func aVillageIsGivenItsOwnNameAndThoseEnclosingIt() {
        #expect(Area.related(Self.areas, to: Sample.villageA).map(\.name) == ["秦州区", "大城街道", "东关社区"])
        #expect(Area.related(Self.areas, to: Sample.townA).map(\.name) == ["秦州区", "大城街道", "东关社区"])
        #expect(Area.related(Self.areas, to: Sample.district).count == 5)
    }

    @Test func theFingerprintFollowsNamesAndCodesNotOrder() {
        let fingerprint = Area.fingerprint(of: Self.areas)
        #expect(fingerprint.count == 16 && fingerprint.allSatisfy(\.isHexDigit))
        #expect(Area.fingerprint(of: Self.areas.reversed()) == fingerprint)
        var renamed = Self.areas
        renamed[2].name = "东关新社区"
        #expect(Area.fingerprint(of: renamed) != fingerprint)
        #expect(Area.fingerprint(of: Array(Self.areas.dropLast())) != fingerprint)
    }
}

/// Towns get reorganised: where the records of a merged area count, and who may hold them.
@Suite struct SuccessionTests {
    static let villageA2 = try! AreaCode(parsing: "620502101202")
    static let newVillage = try! AreaCode(parsing: "620502102205")
    static let later = try! AreaCode(parsing: "620502102206")

    /// 东关社区 (town A) merged into 新社区 of town B, which was later merged into 合并社区 of town B.
    static let areas =
        AreaFingerprintTests.areas + [
            Area(code: villageA2, name: "西关社区", successor: newVillage),
            Area(code: newVillage, name: "新社区", successor: later), Area(code: later, name: "合并社区"),
        ]

    @Test func aMergedAreasRecordsCountWhereItsSuccessorsEnd() {
        let successions = Successions(Self.areas)
        #expect(successions.current(Self.villageA2) == Self.later)
        #expect(successions.current(Self.newVillage) == Self.later)
        #expect(successions.current(Sample.villageA) == Sample.villageA)
        // Town B's reach gains the village of town A; town A's scope still covers its code, so it is not
        // a predecessor there; the district covers every code.
        #expect(successions.predecessors(within: Sample.townB) == [Self.villageA2])
        #expect(successions.predecessors(within: Self.later) == [Self.villageA2, Self.newVillage])
        #expect(successions.predecessors(within: Sample.townA).isEmpty)
        #expect(successions.predecessors(within: Sample.district).isEmpty)
        // A cycle, which the center refuses to make, ends alike everywhere.
        let cycle = Successions(successors: [Sample.villageA: Self.villageA2, Self.villageA2: Sample.villageA])
        #expect(cycle.current(Sample.villageA) == Self.villageA2)
        #expect(cycle.current(Self.villageA2) == Self.villageA2)
    }

    @Test func aReachCoversTheScopeAndTheAreasMergedIntoIt() {
        let reach = Reach(scope: Sample.townB, areas: Self.areas)
        #expect(reach.covers(Sample.villageB) && reach.covers(Self.villageA2) && reach.covers(Sample.townB))
        #expect(!reach.covers(Sample.villageA) && !reach.covers(Sample.townA))
        // Town A is no longer sent the merged village's records; what it changed there is still taken.
        let townA = Reach(scope: Sample.townA, areas: Self.areas)
        #expect(townA.departed == [Self.villageA2] && townA.predecessors.isEmpty)
        #expect(!townA.covers(Self.villageA2) && townA.accepts(Self.villageA2) && townA.covers(Sample.villageA))
        #expect(!reach.covers(Sample.villageA) && !reach.accepts(Sample.villageA))
        // The merged village's own laptop keeps its records until it moves.
        #expect(Reach(scope: Self.villageA2, areas: Self.areas).covers(Self.villageA2))
        let unchanged = Reach(scope: Sample.townB, areas: AreaFingerprintTests.areas)
        #expect(unchanged.fingerprint == nil && !unchanged.covers(Self.villageA2))
        let fingerprint = try! #require(reach.fingerprint)
        #expect(fingerprint.count == 16 && fingerprint.allSatisfy(\.isHexDigit))
        #expect(Reach(scope: Self.later, areas: Self.areas).fingerprint != fingerprint)
    }

    @Test func aDeviceIsGivenTheNamesOfAreasMergedIntoItsScopeAndOfWhereItsOwnWent() {
        let townB = Area.related(Self.areas, to: Sample.townB)
        #expect(townB.map(\.name) == ["秦州区", "天水郡街道", "十方堂社区", "西关社区", "新社区", "合并社区"])
        #expect(Area.related(townB, to: Sample.townB) == townB)
        #expect(Reach(scope: Sample.townB, areas: townB) == Reach(scope: Sample.townB, areas: Self.areas))
        // The merged village's own laptop learns where its village went, and nothing of town A's others.
        // (Every step of the way: it holds the names it follows the chain with.)
        let merged = Area.related(Self.areas, to: Self.villageA2)
        #expect(merged.map(\.name) == ["秦州区", "大城街道", "天水郡街道", "西关社区", "新社区", "合并社区"])
        #expect(Successions(merged).current(Self.villageA2) == Self.later)
        #expect(Area.related(merged, to: Self.villageA2) == merged, "what it holds gives the center's fingerprint")
        #expect(!Area.related(Self.areas, to: Sample.villageA).map(\.name).contains("西关社区"))
        // A merge changes the fingerprint of the names a device holds.
        var unmerged = Self.areas
        unmerged[5].successor = nil
        #expect(Area.fingerprint(of: unmerged) != Area.fingerprint(of: Self.areas))
    }
}
