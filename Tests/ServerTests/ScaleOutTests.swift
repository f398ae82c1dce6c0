import Client
import Foundation
import ProgramTesting
import Samples
import Shared
import Storage
import Testing

@testable import Server

/// Several `center serve` processes on one PostgreSQL database serving one district.
@Suite(.serialized, .enabled(if: testPostgres != nil, "needs FIELDSYNC_TEST_POSTGRES: run scripts/test"))
struct ScaleOutTests {
    static let areas = [
        Area(code: CenterFixture.district, name: "秦州区"), Area(code: CenterFixture.townA, name: "大城街道"),
        Area(code: CenterFixture.villageA, name: "东关社区"), Area(code: CenterFixture.villageA2, name: "西关社区"),
        Area(code: CenterFixture.townB, name: "天水郡街道"), Area(code: CenterFixture.villageB, name: "十方堂社区"),
    ]

    /// Starts `count` center processes on `url` at once (they migrate the schema under its lock).
    static func startCenters(_ count: Int, url: String) async throws -> [CenterProcess] {
        try await withThrowingTaskGroup(of: CenterProcess.self) { group in
            for _ in 0..<count {
                group.addTask { try await Task.detached { try CenterProcess(location: url) }.value }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// Workers of two villages, a town office and the district, each enrolled with a different one of
    /// three center processes, edit the same cases offline (the parties repeat, so every process's finder
    /// has cases to merge) and sync in random orders while an administrator, through a fourth process,
    /// merges and splits by hand. Once quiet, every replica's digest is the merged state's within its
    /// scope, as a process that starts afresh computes it from the shared log.
    @Test func threeCenterProcessesServeOneDistrictAndEveryReplicaConverges() async throws {
        let database = try await TestDatabase.create()
        let admin = try await database.openStore()
        _ = try await admin.importAreas(Self.areas)
        let centers = try await Self.startCenters(3, url: database.url)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scale-\(UUID().uuidString)")
        defer {
            for center in centers {
                center.kill(SIGTERM)
                _ = center.waitForExit(seconds: 10)
            }
            try? FileManager.default.removeItem(at: folder)
        }
        func replica(
            _ name: String, _ scope: AreaCode, _ role: DeviceRole, through center: CenterProcess
        )
            async throws -> ReplicaStore
        {
            let credential = try await admin.enroll(name: name, scope: scope, role: role).1
            let enrollment = Enrollment(
                url: "http://127.0.0.1:\(center.port)", credential: credential, scope: scope, role: role, worker: name)
            return try FieldStore.create(
                home: FieldHome(url: folder.appendingPathComponent(name)), enrollment: enrollment)
        }
        let replicas = [
            (try await replica("gridA", CenterFixture.villageA, .grid, through: centers[0]), [CenterFixture.villageA]),
            (try await replica("gridB", CenterFixture.villageB, .grid, through: centers[1]), [CenterFixture.villageB]),
            (try await replica("town", CenterFixture.townA, .town, through: centers[2]), [CenterFixture.villageA]),
            (
                try await replica("district", CenterFixture.district, .district, through: centers[1]),
                [CenterFixture.villageA, CenterFixture.villageB]
            ),
        ]
        let seed = try await SyncEndToEndTests.play(replicas, admin: admin)
        // A process that starts now builds its view from the shared log alone.
        let fresh = try await database.openStore()
        let merged = try await fresh.merged()
        #expect(try merged.digest() == (try await admin.merged().digest()), "seed \(seed)")
        try SyncEndToEndTests.expectConverged(replicas, to: merged, seed: seed)
        let steps = try merged.allChanges().filter { $0.field == .duplicate }
        let authors = Set(steps.map(\.timestamp.replica))
        print("scale-out: \(steps.count) merge and split steps by \(authors.count) center processes; seed \(seed)")
        for center in centers {
            #expect(!center.log.contains("error"), "\(center.log)")
        }
        await database.drop()
    }
}
