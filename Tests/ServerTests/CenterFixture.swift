import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Shared
import Storage
import Synchronization
import Testing

@testable import Server

/// The stores the center suite runs against: the embedded SQLite store always, a PostgreSQL database
/// too when the test server is there (`scripts/test` starts one; CI runs both).
enum StoreKind: String, CustomStringConvertible, Sendable {
    case sqlite, postgres

    static let available: [StoreKind] = testPostgres == nil ? [.sqlite] : [.sqlite, .postgres]

    var description: String { rawValue }
}

/// A center with the district's areas and one device of each kind, in a temporary database of either
/// kind.
struct CenterFixture: Sendable {
    static let district = try! AreaCode(parsing: "620502")
    static let townA = try! AreaCode(parsing: "620502101")
    static let villageA = try! AreaCode(parsing: "620502101201")
    static let villageA2 = try! AreaCode(parsing: "620502101202")
    static let townB = try! AreaCode(parsing: "620502102")
    static let villageB = try! AreaCode(parsing: "620502102203")

    let kind: StoreKind
    /// The center's store, as the server and the `center` commands use it.
    let center: any CenterStore & CenterAdministration
    let server: CenterServer
    let folder: URL
    /// The PostgreSQL database's URL, and what removes it.
    let postgres: TestDatabase?
    var gridA: DeviceCredential
    var gridA2: DeviceCredential
    var gridB: DeviceCredential
    var town: DeviceCredential
    var district: DeviceCredential

    static func make(
        _ kind: StoreKind = .sqlite, configuration: CenterConfiguration = CenterConfiguration()
    ) async throws -> CenterFixture {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("center-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let center: any CenterStore & CenterAdministration
        var postgres: TestDatabase?
        switch kind {
        case .sqlite:
            center = SQLiteCenterStore(
                try ReplicaStore.create(
                    database: folder.appendingPathComponent("center.sqlite"), scope: nil, worker: "center",
                    durability: .power))
        case .postgres:
            let database = try await TestDatabase.create()
            postgres = database
            center = try await database.openStore()
        }
        _ = try await center.importAreas([
            Area(code: Self.district, name: "秦州区"), Area(code: Self.townA, name: "大城街道"),
            Area(code: Self.villageA, name: "东关社区"), Area(code: Self.villageA2, name: "西关社区"),
            Area(code: Self.townB, name: "天水郡街道"), Area(code: Self.villageB, name: "十方堂社区"),
        ])
        return CenterFixture(
            kind: kind, center: center, server: CenterServer(store: center, configuration: configuration),
            folder: folder, postgres: postgres,
            gridA: try await center.enroll(name: "张网格", scope: Self.villageA, role: .grid).1,
            gridA2: try await center.enroll(name: "李网格", scope: Self.villageA2, role: .grid).1,
            gridB: try await center.enroll(name: "王网格", scope: Self.villageB, role: .grid).1,
            town: try await center.enroll(name: "大城街道综治中心", scope: Self.townA, role: .town).1,
            district: try await center.enroll(name: "区调处中心", scope: Self.district, role: .district).1)
    }

    /// What `center --db` takes to reach this store.
    var location: String {
        get async throws {
            if let postgres { return postgres.url }
            return try await merged().database.path
        }
    }

    /// The merged state, with every acknowledged push in it.
    func merged() async throws -> ReplicaStore {
        try await center.merged()
    }

    /// Pushes a batch as a device, straight to the store, and waits for the finder to check it, as a pull
    /// through the API would.
    @discardableResult
    func push(
        _ changes: [Change], as credential: DeviceCredential, maximumDrift: Int64 = 600_000
    ) async throws -> ReplicaStore.Receipt {
        let receipt = try await center.push(together: [
            ReplicaStore.Push(
                changes: changes, device: credential.device, clockOffset: nil, maximumDrift: maximumDrift)
        ])[0].get()
        try await center.settled()
        return receipt
    }

    func remove() async {
        try? FileManager.default.removeItem(at: folder)
        await postgres?.drop()
    }

    /// Runs `body` against the router, without sockets (`.router`), or a server on a free port (`.live`).
    func withClient<T: Sendable>(
        _ setup: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let app = Application(router: server.router())
        do {
            let result = try await app.test(setup, body)
            await remove()
            return result
        } catch {
            await remove()
            throw error
        }
    }
}

/// A fresh PostgreSQL database on the test server, with the connection pools opened on it.
final class TestDatabase: Sendable {
    let url: String
    let name: String
    private let pools = Mutex<[Task<Void, Never>]>([])

    /// The server's maintenance connection, shared by every test.
    static let admin: PostgresCenter = {
        let admin = try! PostgresCenter(url: testPostgres! + "?sslmode=disable", logger: PostgresCenterTests.logger)
        Task.detached { await admin.run() }
        return admin
    }()

    private init(url: String, name: String) {
        self.url = url
        self.name = name
    }

    static func create() async throws -> TestDatabase {
        let base = try #require(testPostgres)
        let name = "fieldsync_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        var components = try #require(URLComponents(string: base))
        components.path = "/" + name
        try await admin.client.query("CREATE DATABASE \(unescaped: name)", logger: PostgresCenterTests.logger)
        return TestDatabase(url: try #require(components.string) + "?sslmode=disable", name: name)
    }

    /// A connection pool on the database, run until the database is dropped.
    func log(timeout: Duration = .seconds(120)) throws -> PostgresCenter {
        let log = try PostgresCenter(url: url, timeout: timeout, logger: PostgresCenterTests.logger)
        let pool = Task { await log.run() }
        pools.withLock { $0.append(pool) }
        return log
    }

    /// A center process's store on the database.
    func openStore() async throws -> PostgresCenterStore {
        try await PostgresCenterStore.open(log: try log(), logger: PostgresCenterTests.logger)
    }

    func drop() async {
        for pool in pools.withLock({ $0 }) { pool.cancel() }
        _ = try? await Self.admin.client.query(
            "DROP DATABASE \(unescaped: name) WITH (FORCE)", logger: PostgresCenterTests.logger)
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

/// A store for tests that behaves as the embedded one but where it says otherwise: it forwards every
/// call to `store` unless it implements the call itself.
protocol ForwardingStore: CenterStore {
    var store: SQLiteCenterStore { get }
}

extension ForwardingStore {
    func authenticate(_ credential: DeviceCredential) async throws -> ReplicaStore.Device? {
        try await store.authenticate(credential)
    }
    func push(together pushes: [ReplicaStore.Push]) async -> [Result<ReplicaStore.Receipt, any Error>] {
        await store.push(together: pushes)
    }
    func recordsHeld(_ ids: [RecordID]) async throws -> [RecordID: HeldRecord] {
        try await store.recordsHeld(ids)
    }
    func pageJSON(
        after cursor: Int64, within reach: Reach?, limit: Int
    ) async throws -> (json: [UInt8], cursor: Int64, more: Bool, count: Int) {
        try await store.pageJSON(after: cursor, within: reach, limit: limit)
    }
    func remaining(after cursor: Int64, within reach: Reach?) async throws -> Int {
        try await store.remaining(after: cursor, within: reach)
    }
    func snapshotPage(
        after: RecordID?, within reach: Reach?, limit: Int
    ) async throws -> SnapshotPage.Written {
        try await store.snapshotPage(after: after, within: reach, limit: limit)
    }
    func cursor() async throws -> Int64 { try await store.cursor() }
    func stamp(at seq: Int64) async throws -> HybridTimestamp? { try await store.stamp(at: seq) }
    func noteContact(of device: String, clockOffset: Int64?) async throws {
        try await store.noteContact(of: device, clockOffset: clockOffset)
    }
    func report(_ request: ReportRequest) async throws -> Report { try await store.report(request) }
    func areas() async throws -> [Area] { try await store.areas() }
    func successions() async throws -> Successions { try await store.successions() }
    func knownAreas(among codes: Set<AreaCode>) async throws -> Set<AreaCode> {
        try await store.knownAreas(among: codes)
    }
    func replicaOwners(
        _ replicas: Set<ReplicaID>, binding own: ReplicaID?, to device: String
    ) async throws -> ReplicaOwners {
        try await store.replicaOwners(replicas, binding: own, to: device)
    }
    func noteRestart(of device: String) async throws { try await store.noteRestart(of: device) }
    func rebind(_ replica: ReplicaID, to device: String) async throws { try await store.rebind(replica, to: device) }
}
