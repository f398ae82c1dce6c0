import Foundation
import Shared
import Storage
import Synchronization
import Testing

@testable import Server

@Suite struct PushQueueTests {
    /// A group that failed is written again batch by batch only when one batch may be the cause: not when
    /// the store cannot be reached or is busy (each would wait its timeout again), nor for a change
    /// stamped too far ahead (refused alone already).
    @Test func aGroupIsWrittenAgainAloneOnlyForAFailureOneBatchMayCause() {
        func fails(_ error: any Error) -> Bool { PushQueue.failsTheGroup(.failure(error)) }
        let stamp = HybridTimestamp(physical: 0, counter: 0, replica: ReplicaID(rawValue: 1))
        #expect(fails(ChangeRefusal(.kindConflict, change: 0, "")))
        #expect(fails(StoreError(code: .storage, message: "UNIQUE constraint failed: record.uid")))
        #expect(!fails(StoreError(code: .unavailable, message: "the database cannot be reached")))
        #expect(!fails(StoreError(code: .busy, message: "busy")))
        #expect(!fails(ClockError(timestamp: stamp, aheadBy: 1, maximumDrift: 0)))
        #expect(!PushQueue.failsTheGroup(.success(ReplicaStore.Receipt(new: 1, known: 0, cursor: 1))))
    }

    /// A store that records how many batches each transaction wrote, and holds the first one open until
    /// released, as a slow disk would.
    final class SlowStore: ForwardingStore {
        let store: SQLiteCenterStore
        let groups = Mutex<[Int]>([])
        let gate = Gate()

        init(_ store: ReplicaStore) {
            self.store = SQLiteCenterStore(store)
        }

        func push(together pushes: [ReplicaStore.Push]) async -> [Result<ReplicaStore.Receipt, any Error>] {
            let first = groups.withLock { groups in
                groups.append(pushes.count)
                return groups.count == 1
            }
            if first { await gate.hold() }
            return await store.push(together: pushes)
        }
    }

    /// Batches that arrive while one is being written wait, and are then written together, each with
    /// its own receipt; a batch of the group stamped too far ahead is refused alone.
    @Test func batchesThatWaitAreWrittenTogether() async throws {
        let center = try await CenterFixture.make()
        let store = SlowStore(try await center.merged())
        let queue = PushQueue(store: store, metrics: CenterMetrics())
        var replicas = (1...6).map { DeviceReplica(UInt64($0), village: CenterFixture.villageA) }
        var batches: [[Change]] = []
        for index in replicas.indices { batches.append(try replicas[index].recordCases(2)) }
        let future = try Change(
            timestamp: HybridTimestamp(
                physical: SystemWallClock().milliseconds() + 7_200_000, counter: 0, replica: ReplicaID(rawValue: 9)),
            entity: EntityKey(kind: .dispute, id: RecordID.random()), scope: CenterFixture.villageA, field: .summary,
            value: .text("两小时后的改动"))
        let device = center.gridA.device
        let pushes = (batches + [[future]]).map { changes in
            ReplicaStore.Push(changes: changes, device: device, clockOffset: nil, maximumDrift: 600_000)
        }
        let first = Task { try await queue.push(pushes[0]) }
        try await store.gate.waitUntilHeld()
        // Six more arrive while the first is written, one of them stamped too far ahead.
        let waiting = pushes.dropFirst().map { push in Task { try await queue.push(push) } }
        // They are queued once the queue holds them all (polled, at most 10 s).
        for _ in 0..<1000 where queue.waitingCount < waiting.count { try await Task.sleep(for: .milliseconds(10)) }
        #expect(queue.waitingCount == waiting.count)
        store.gate.release()
        #expect(try await first.value.new == batches[0].count)
        for (task, batch) in zip(waiting.dropLast(), batches[1...]) {
            #expect(try await task.value.new == batch.count)
        }
        await #expect(throws: ClockError.self) { try await waiting.last!.value }
        #expect(store.groups.withLock { $0 } == [1, waiting.count])
        await center.remove()
    }

    /// Once the writer has had nothing to write for a while, the store copies its WAL into the database
    /// (pulls then map its pages instead of copying each from the log), once per quiet spell: the
    /// database file alone, without its WAL, then holds what was pushed. A PostgreSQL center copies its
    /// process's view, which its snapshot pages are read from.
    @Test(arguments: StoreKind.available) func aWriterFallenIdleHasTheStoreCheckpointOnce(kind: StoreKind) async throws
    {
        let center = try await CenterFixture.make(kind)
        let metrics = CenterMetrics()
        let queue = PushQueue(store: center.center, metrics: metrics, idleCheckpoint: .milliseconds(300))
        var replica = DeviceReplica(1, village: CenterFixture.villageA)
        let device = center.gridA.device
        let pushes = try (0..<3).map { _ in
            ReplicaStore.Push(
                changes: try replica.recordCases(2), device: device, clockOffset: nil, maximumDrift: 600_000)
        }
        // Three pushes one after another, each well within the quiet time of the one before.
        for push in pushes { _ = try await queue.push(push) }
        // Polled, at most 10 s.
        let once = "fieldsync_idle_checkpoints_total 1\n"
        for _ in 0..<1000 where !metrics.text().contains(once) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(metrics.text().contains(once))
        let database: URL
        if let embedded = center.center as? SQLiteCenterStore {
            database = embedded.store.database
        } else {
            // The view takes the shared log when it is next read; checkpointed then, as an idle one does.
            database = try await center.merged().database
            try await center.center.checkpointWAL()
        }
        let copy = center.folder.appendingPathComponent("without-wal.sqlite")
        try FileManager.default.copyItem(at: database, to: copy)
        #expect(try ReplicaStore.open(database: copy).disputes().count == 6)
        await center.remove()
    }
}

/// What a center process copies into its view from memory instead of reading it back.
@Suite struct OwnSegmentTests {
    static func segment(_ first: Int64, _ last: Int64) throws -> ReplicaStore.FeedSegment {
        var replica = DeviceReplica(1, village: CenterFixture.villageA)
        let changes = Array(try replica.recordCases(Int(last - first) / 7 + 1).prefix(Int(last - first + 1)))
        return ReplicaStore.FeedSegment(changes: changes, arrivedAt: 0, through: last)
    }

    @Test func segmentsThatContinueTheViewAreCopiedAndTheRestReadFromTheLog() throws {
        // Held already, continuing, continuing, then a gap (another process's changes in between).
        let last = try Self.segment(31, 40)
        var written = [try Self.segment(1, 10), try Self.segment(11, 20), try Self.segment(21, 25), last]
        // `next` is the number before the first change not held: what to read from the log up to.
        var taken = PostgresCenterStore.own(&written, after: 10)
        #expect(taken.own.map(\.through) == [20, 25] && taken.next == 10)
        #expect(written.count == 3, "what the view holds is dropped")
        // After 25 the next own segment starts at 31: read 26...30 from the log first.
        taken = PostgresCenterStore.own(&written, after: 25)
        #expect(taken.own.isEmpty && taken.next == 30)
        // The view read 26...33 from the log before the push noted 31...40: the rest of it is copied.
        taken = PostgresCenterStore.own(&written, after: 33)
        #expect(taken.own.count == 1 && taken.own[0].changes.count == 7 && taken.own[0].through == 40)
        #expect(taken.own[0].changes == Array(last.changes.suffix(7)))
        taken = PostgresCenterStore.own(&written, after: 40)
        #expect(taken.own.isEmpty && taken.next == nil && written.isEmpty)
    }
}
