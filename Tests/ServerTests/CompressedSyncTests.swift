import Client
import ContentCoding
import Foundation
import ProgramTesting
import Server
import Shared
import Storage
import Testing

/// What `field sync` puts on the wire: zstd bodies to a center that takes them, gzip to one that takes
/// gzip alone (an earlier release), without losing or doubling a batch on the way.
@Suite struct CompressedSyncTests {
    @Test func aDeviceSendsZstdAndFallsBackToGzipForACenterThatTakesGzipAlone() async throws {
        let fixture = try await CenterFixture.make()
        let laptop = try FieldStore.create(
            home: FieldHome(url: fixture.folder.appendingPathComponent("laptop")),
            enrollment: Enrollment(
                url: "http://unused", credential: fixture.gridA, scope: CenterFixture.villageA, role: .grid,
                worker: "张网格"))
        func record(_ names: [String]) throws {
            for name in names {
                try laptop.record(
                    DisputeDraft(
                        village: CenterFixture.villageA, category: .land, parties: [try Party(name: name)],
                        summary: "\(name)家承包地界桩被移动，双方各执一词", recorder: "张网格"))
            }
        }
        /// The bytes of the batch the next push sends, in either coding.
        func nextBody() throws -> (zstd: Int, gzip: Int) {
            let batch = try laptop.pendingBatch(limit: Synchronizer.Options().batchChanges)
            return (Zstd.compress(batch.json).count, try Gzip.compress(batch.json).count)
        }
        @Sendable func sync(_ url: String) throws -> Synchronizer.Summary {
            var enrollment = try #require(try laptop.syncState().enrollment)
            enrollment.url = url
            return try Synchronizer(store: laptop, enrollment: enrollment).run()
        }

        try record(["王建国", "李秀英", "张伟"])
        var older = CenterConfiguration()
        older.requestCodings = [.gzip]
        let refusedThenTaken = try nextBody()
        let first = try await AreaSyncTests().serving(fixture.center, configuration: older) { url in
            try await blocking { try sync(url) }
        }
        // zstd first, refused whole, then the same batch in gzip, taken once.
        #expect(first.sent == 18)
        #expect(first.bytesSent == refusedThenTaken.zstd + refusedThenTaken.gzip)

        try record(["赵敏", "孙丽"])
        let body = try nextBody()
        let second = try await AreaSyncTests().serving(fixture.center) { url in try await blocking { try sync(url) } }
        #expect(second.sent == 12)
        #expect(second.bytesSent == body.zstd)
        #expect(try laptop.syncState().pendingChanges == 0)
        let merged = try await fixture.merged()
        #expect(try merged.disputes().count == 5)
        #expect(try merged.digest() == laptop.digest())
    }
}
