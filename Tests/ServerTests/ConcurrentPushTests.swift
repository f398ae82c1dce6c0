import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Shared
import Storage
import Testing

@Suite struct ConcurrentPushTests {
    /// Twenty devices push at once over real sockets while the district pulls: nothing is lost or
    /// doubled, and the center's state is what applying every change in memory gives.
    @Test(arguments: StoreKind.available) func twentyDevicesPushWhileTheDistrictPulls(kind: StoreKind) async throws {
        var center = try await CenterFixture.make(kind)
        let villages = [CenterFixture.villageA, CenterFixture.villageA2, CenterFixture.villageB]
        var devices: [(DeviceCredential, [[Change]])] = []
        for index in 0..<20 {
            let village = villages[index % villages.count]
            let credential = try await center.center.enroll(name: "网格员\(index)", scope: village, role: .grid).1
            var replica = DeviceReplica(UInt64(100 + index), village: village)
            devices.append((credential, try (0..<6).map { _ in try replica.recordCases(5) }))
        }
        center.district = try await center.center.enroll(name: "区中心2", scope: CenterFixture.district, role: .district).1
        let all = devices.flatMap { $0.1.flatMap { $0 } }
        let district = center.district
        let pushers = devices
        let fixture = center
        let pulled = try await fixture.withClient(.live) { client in
            try await withThrowingTaskGroup(of: [Change].self) { group in
                for (credential, batches) in pushers {
                    group.addTask {
                        for batch in batches {
                            let receipt = try await client.push(batch, as: credential)
                            #expect(receipt.status == .ok)
                        }
                        return []
                    }
                }
                group.addTask {
                    // Pull while the pushes run, then once more after the last of them.
                    var cursor: Int64 = 0
                    var seen: [Change] = []
                    for _ in 0..<30 {
                        let (page, next) = try await client.pullAll(as: district, after: cursor, limit: 97)
                        seen += page
                        cursor = next
                    }
                    return seen
                }
                var pulled: [Change] = []
                for try await part in group {
                    pulled += part
                }
                let (rest, _) = try await client.pullAll(as: district)
                #expect(try await fixture.merged().digest() == digest(of: all))
                return (pulled, rest)
            }
        }
        // The last full pull holds every change exactly once.
        #expect(pulled.1.count == all.count)
        #expect(Set(pulled.1) == Set(all))
        // What the puller saw while pushes ran has no duplicates and nothing unknown.
        #expect(Set(pulled.0).count == pulled.0.count)
        #expect(Set(pulled.0).isSubset(of: Set(all)))
    }
}
