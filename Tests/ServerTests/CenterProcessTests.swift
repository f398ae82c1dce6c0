import Client
import Foundation
import ProgramTesting
import Server
import Shared
import Storage
import Synchronization
import Testing

extension CenterProcess {
    /// Pushes a batch through libcurl, as `field` does; the HTTP status, or nil if no response came.
    func push(_ changes: [Change], as credential: DeviceCredential) async -> Int? {
        let port = self.port
        return await Task.detached {
            var options = CurlClient.Options()
            options.connectTimeout = 60_000
            options.lowSpeedTime = 60
            guard let client = try? CurlClient(options: options),
                let response = try? client.perform(
                    method: "POST", url: "http://127.0.0.1:\(port)/v1/changes",
                    headers: ["Authorization: Bearer \(credential.token)", "Content-Type: application/json"],
                    body: Array(ChangeBatch(changes: changes).json()))
            else { return nil }
            return response.status
        }.value
    }
}

@Suite(.serialized) struct CenterProcessTests {
    /// A center of either kind with its areas and a grid device for village A.
    final class Prepared: Sendable {
        let folder: URL
        let postgres: TestDatabase?
        let credential: DeviceCredential

        init(_ kind: StoreKind) async throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "center-process-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            postgres = kind == .postgres ? try await TestDatabase.create() : nil
            let store: any CenterAdministration =
                if let postgres {
                    try await postgres.openStore()
                } else {
                    SQLiteCenterStore(
                        try ReplicaStore.create(
                            database: folder.appendingPathComponent("center.sqlite"), scope: nil, worker: "center",
                            durability: .power))
                }
            _ = try await store.importAreas([
                Area(code: CenterFixture.district, name: "秦州区"), Area(code: CenterFixture.townA, name: "大城街道"),
                Area(code: CenterFixture.villageA, name: "东关社区"),
            ])
            credential = try await store.enroll(name: "张网格", scope: CenterFixture.villageA, role: .grid).1
        }

        /// What `center --db` takes.
        var location: String { postgres?.url ?? folder.appendingPathComponent("center.sqlite").path }

        /// Every change the center holds, read afresh.
        func held() async throws -> [Change] {
            if let postgres { return try await postgres.openStore().merged().allChanges() }
            return try ReplicaStore.open(database: folder.appendingPathComponent("center.sqlite")).allChanges()
        }

        func remove() async {
            try? FileManager.default.removeItem(at: folder)
            await postgres?.drop()
        }
    }

    @Test(arguments: StoreKind.available)
    func acknowledgedBatchesSurviveTheCenterBeingKilled(kind: StoreKind) async throws {
        let prepared = try await Prepared(kind)
        let credential = prepared.credential
        var device = DeviceReplica(1, village: CenterFixture.villageA)
        let center = try CenterProcess(location: prepared.location)
        var acknowledged: [Change] = []
        for _ in 0..<15 {
            let batch = try device.recordCases(20)
            let status = await center.push(batch, as: credential)
            #expect(status == 200)
            acknowledged += batch
        }
        // Kill it while pushes are in flight.
        let inFlight = try (0..<4).map { _ in try device.recordCases(20) }
        let pushes = Task {
            await withTaskGroup(of: Void.self) { group in
                for batch in inFlight {
                    group.addTask { _ = await center.push(batch, as: credential) }
                }
            }
        }
        center.kill(SIGKILL)
        await pushes.value
        #expect(center.waitForExit(seconds: 10) != nil)
        // It starts again on the same database, with every acknowledged batch.
        let again = try CenterProcess(location: prepared.location)
        let held = try await prepared.held()
        let missing = Set(acknowledged).subtracting(held)
        #expect(missing.isEmpty, "\(missing.count) acknowledged changes are missing")
        #expect(Set(held).count == held.count)
        // In-flight batches were applied whole or not at all.
        for batch in inFlight {
            let present = batch.filter { Set(held).contains($0) }.count
            #expect(present == 0 || present == batch.count)
        }
        #expect(await again.push(inFlight[0], as: credential) == 200)
        again.kill(SIGTERM)
        _ = again.waitForExit(seconds: 10)
        await prepared.remove()
    }

    @Test(arguments: StoreKind.available)
    func sigtermStopsCleanlyAndTheLogHoldsNoPersonalData(kind: StoreKind) async throws {
        let prepared = try await Prepared(kind)
        let (database, credential) = (prepared.location, prepared.credential)
        var device = DeviceReplica(1, village: CenterFixture.villageA)
        let center = try CenterProcess(location: database)
        #expect(await center.push(try device.recordCases(3, summary: "彩礼返还"), as: credential) == 200)
        center.kill(SIGTERM)
        #expect(center.waitForExit(seconds: 15) == 0)
        let log = center.log
        #expect(log.contains("http.path=/v1/changes") && log.contains("http.status=200"), "\(log)")
        #expect(log.contains("sync.device=\(credential.device)"))
        for secret in ["赵0", "钱1", "彩礼返还", credential.secret] {
            #expect(!log.contains(secret), "the log holds \(secret)")
        }
        // The merged state is what `center case` reads.
        let list = try CenterCommandTests().center(["case", "list", "--json"], location: database)
        let cases = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]
        #expect(cases?.count == 3)
        let id = try #require(cases?.first?["shortId"] as? String)
        let shown = try CenterCommandTests().center(["case", "show", id], location: database)
        #expect(shown.status == 0 && shown.stdout.contains("彩礼返还") && shown.stdout.contains("变更记录"))
        await prepared.remove()
    }
}
