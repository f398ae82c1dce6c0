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
