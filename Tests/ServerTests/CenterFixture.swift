import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Server
import Shared
import Storage
import Synchronization
import Testing

/// A center with the district's areas and one device of each kind, in a temporary database.
struct CenterFixture {
    static let district = try! AreaCode(parsing: "620502")
    static let townA = try! AreaCode(parsing: "620502101")
    static let villageA = try! AreaCode(parsing: "620502101201")
    static let villageA2 = try! AreaCode(parsing: "620502101202")
    static let townB = try! AreaCode(parsing: "620502102")
    static let villageB = try! AreaCode(parsing: "620502102203")

    let store: ReplicaStore
    let server: CenterServer
    let folder: URL
    var gridA: DeviceCredential
    var gridA2: DeviceCredential
    var gridB: DeviceCredential
    var town: DeviceCredential
    var district: DeviceCredential

    init(configuration: CenterConfiguration = CenterConfiguration()) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("center-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        store = try ReplicaStore.create(
            database: folder.appendingPathComponent("center.sqlite"), scope: nil, worker: "center", durability: .power)
        _ = try store.importAreas([
            Area(code: Self.district, name: "秦州区"), Area(code: Self.townA, name: "大城街道"),
            Area(code: Self.villageA, name: "东关社区"), Area(code: Self.villageA2, name: "西关社区"),
            Area(code: Self.townB, name: "天水郡街道"), Area(code: Self.villageB, name: "十方堂社区"),
        ])
        gridA = try store.enroll(name: "张网格", scope: Self.villageA, role: .grid).1
        gridA2 = try store.enroll(name: "李网格", scope: Self.villageA2, role: .grid).1
        gridB = try store.enroll(name: "王网格", scope: Self.villageB, role: .grid).1
        town = try store.enroll(name: "大城街道综治中心", scope: Self.townA, role: .town).1
        district = try store.enroll(name: "区调处中心", scope: Self.district, role: .district).1
        server = CenterServer(store: SQLiteCenterStore(store), configuration: configuration)
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs `body` against the router, without sockets (`.router`), or a server on a free port (`.live`).
    func withClient<T: Sendable>(
        _ setup: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        defer { remove() }
        let app = Application(router: server.router())
        return try await app.test(setup, body)
    }
}

/// A device's own replica, making changes to push.
struct DeviceReplica {
    var replica: Replica
    let village: AreaCode

    init(_ raw: UInt64, village: AreaCode) {
        replica = Replica(clock: HybridClock(replica: ReplicaID(rawValue: raw)))
        self.village = village
    }

    /// Records `count` cases and returns their changes.
    mutating func recordCases(_ count: Int, summary: String = "两家因宅基地边界发生争执") throws -> [Change] {
        var changes: [Change] = []
        for index in 0..<count {
            changes += try replica.perform(
                .record(
                    DisputeDraft(
                        village: village, category: .land,
                        parties: [try Party(name: "赵\(index)"), try Party(name: "钱\(index)")],
                        summary: "\(summary)\(index)", recorder: "网格员")), onDispute: RecordID.random())
        }
        return changes
    }
}

extension TestClientProtocol {
    /// POSTs a batch with a device's token.
    func push(
        _ changes: [Change], as credential: DeviceCredential, headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        try await pushBody(ByteBuffer(data: ChangeBatch(changes: changes).json()), as: credential, headers: headers)
    }

    func pushBody(
        _ body: ByteBuffer, as credential: DeviceCredential, headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var fields = headers
        fields[.authorization] = "Bearer \(credential.token)"
        fields[.contentType] = "application/json"
        return try await execute(uri: "/v1/changes", method: .post, headers: fields, body: body)
    }

    /// Pulls every page after `cursor` with a device's token.
    func pullAll(
        as credential: DeviceCredential, after cursor: Int64 = 0, limit: Int = 1000
    ) async throws -> (
        [Change], Int64
    ) {
        var cursor = cursor
        var changes: [Change] = []
        while true {
            let response = try await execute(
                uri: "/v1/changes?after=\(cursor)&limit=\(limit)", method: .get,
                headers: [.authorization: "Bearer \(credential.token)"])
            #expect(response.status == .ok)
            let page = try ChangePage(json: Data(buffer: response.body))
            changes += page.changes
            cursor = page.cursor
            if !page.more { return (changes, cursor) }
        }
    }
}

extension TestResponse {
    /// The JSON body as a dictionary.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }
}

/// The digest of a state holding exactly `changes`.
func digest(of changes: [Change], within scope: AreaCode? = nil) -> StateDigest {
    var state = ReplicaState()
    state.apply(changes)
    return state.digest(within: scope)
}
