import Foundation
import Shared
import Storage
import Testing

@testable import Server

/// `center migrate`: a district's center moved from SQLite to PostgreSQL and back.
@Suite(.enabled(if: testPostgres != nil, "needs FIELDSYNC_TEST_POSTGRES: run scripts/test"))
struct CenterMigrationTests {
    /// The reports compared: a month with changes that arrived late, by town; the next month; the year
    /// by village; March as the center gave it before the late changes arrived.
    static func requests(_ s: ReportTests.Spring) -> [ReportRequest] {
        let today = ReportTests.Spring.date("2022-12-31")
        return [
            ReportRequest(period: .march, dimension: .town, today: today),
            ReportRequest(period: try! ReportPeriod(month: "2022-04"), today: today),
            ReportRequest(period: try! ReportPeriod(year: "2022"), dimension: .village, today: today),
            ReportRequest(period: .march, asOf: s.pushed["2022-03-30"], today: today),
        ]
    }

    /// A report without the moment it was computed.
    static func figures(_ report: Report) -> Report {
        var report = report
        report.source.computedAt = 0
        return report
    }

    /// The spring of the report tests (late changes, a case recorded in two towns, a pair in review):
    /// moved to PostgreSQL, then back to a new SQLite file. Each store gives the same digest and the same
    /// reports, `--as-of` included; the devices sign in with the tokens they hold; a device's cursor
    /// means the same change, so its next pull brings nothing and a batch it sends again is all known.
    @Test func aCenterMovedToPostgreSQLAndBackKeepsItsStateReportsAndDevices() async throws {
        let s = try ReportTests.spring()
        let source = s.store
        _ = try source.importAreas([Area(code: try AreaCode(parsing: "620502102204"), name: "新村")])
        let expected = try Self.requests(s).map { Self.figures(try source.report($0)) }
        let head = try source.cursor()
        #expect(try source.pairRecords().count >= 1, "the spring merges c6 into c1: the pair is decided")

        let database = try await TestDatabase.create()
        let log = try database.log()
        let there = try await CenterMigration.copy(from: source, to: log)
        #expect(
            there == CenterMigration.Summary(areas: 7, devices: 2, changes: head, pairs: try source.pairRecords().count)
        )
        let moved = try await PostgresCenterStore.open(log: log, logger: PostgresCenterTests.logger)
        let view = try await moved.merged()
        #expect(try view.digest() == source.digest())
        for (request, report) in zip(Self.requests(s), expected) {
            #expect(Self.figures(try await moved.report(request)) == report, "\(request.period)")
        }
        #expect(try await moved.cursor() == head)
        #expect(try view.pairRecords() == source.pairRecords())
        let deviceA = s.devices["A"]!.credential
        #expect(try await moved.authenticate(deviceA)?.name == "网格员A")
        #expect(try await moved.pageJSON(after: head, within: nil, limit: 100).count == 0)
        let again = await moved.push(together: [
            ReplicaStore.Push(changes: s.delivered["A"]!, device: deviceA.device, clockOffset: nil, maximumDrift: .max)
        ])
        #expect(try again[0].get() == ReplicaStore.Receipt(new: 0, known: s.delivered["A"]!.count, cursor: head))

        // Into a database that holds a center: refused, nothing written.
        await #expect(throws: InputError.self) { _ = try await CenterMigration.copy(from: source, to: log) }
        #expect(try await log.cursor() == head)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("back.sqlite")
        let back = try await CenterMigration.copy(from: log, to: file)
        #expect(back == there)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["back.sqlite"], "one whole file")
        let returned = try ReplicaStore.open(database: file, durability: .power)
        #expect(try returned.digest() == source.digest())
        for (request, report) in zip(Self.requests(s), expected) {
            #expect(Self.figures(try returned.report(request)) == report, "\(request.period)")
        }
        #expect(try returned.cursor() == head && returned.pairRecords() == source.pairRecords())
        #expect(try returned.authenticate(deviceA)?.id == deviceA.device)
        #expect(try returned.devices().map(\.id) == source.devices().map(\.id))
        // Into a file that exists: refused.
        await #expect(throws: StoreError.self) { _ = try await CenterMigration.copy(from: log, to: file) }
        await database.drop()
    }

    /// A migration into PostgreSQL that stops midway (a lost connection, a stopped process) leaves a
    /// database that is neither served nor copied from, and that another center's migration is refused
    /// into; the same migration run again takes up where it stopped and gives the whole center.
    @Test func aMigrationStoppedMidwayIsNotServedAndRunningItAgainCompletesIt() async throws {
        let s = try ReportTests.spring()
        let source = s.store
        let head = try source.cursor()
        let database = try await TestDatabase.create()
        let log = try database.log()
        struct Stopped: Error {}
        await #expect(throws: Stopped.self) {
            _ = try await CenterMigration.copy(from: source, to: log, pageSize: 5) { _ in throw Stopped() }
        }
        let partway = try await log.cursor()
        #expect(partway > 0 && partway < head, "one page of \(head) changes")

        await #expect(throws: StoreError.self) {
            _ = try await PostgresCenterStore.open(log: log, logger: PostgresCenterTests.logger)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        await #expect(throws: StoreError.self) {
            _ = try await CenterMigration.copy(from: log, to: folder.appendingPathComponent("copy.sqlite"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        let other = try ReplicaStore.create(
            database: folder.appendingPathComponent("other.sqlite"), scope: nil, worker: "center", durability: .power)
        await #expect(throws: InputError.self) { _ = try await CenterMigration.copy(from: other, to: log) }
        #expect(try await log.cursor() == partway)

        let again = try await CenterMigration.copy(from: source, to: log)
        #expect(again.resumed && again.changes == head && again.devices == 2)
        let moved = try await PostgresCenterStore.open(log: log, logger: PostgresCenterTests.logger)
        #expect(try await moved.merged().digest() == source.digest())
        #expect(try await moved.cursor() == head)
        #expect(try await moved.merged().pairRecords() == source.pairRecords())
        #expect(try await moved.authenticate(s.devices["A"]!.credential)?.name == "网格员A")
        await database.drop()
    }
}
