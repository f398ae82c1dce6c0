import Client
import Console
import Foundation
import Shared
import Storage
import Synchronization

/// A wall clock the test moves by hand.
final class TestClock: WallClock {
    private let now: Mutex<Int64>

    init(_ milliseconds: Int64 = 1_647_302_400_000) {
        now = Mutex(milliseconds)
    }

    func milliseconds() -> Int64 { now.withLock { $0 } }
    func advance(by milliseconds: Int64) { now.withLock { $0 += milliseconds } }
}

/// A fresh folder, removed when `body` returns.
@discardableResult
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

/// A new replica for a worker of `village` in a temporary home.
@discardableResult
func withTemporaryStore<T>(
    village: String = "620502101201", clock: TestClock = TestClock(), _ body: (FieldStore) throws -> T
) throws -> T {
    try withTemporaryDirectory { url in
        let home = FieldHome(url: url.appendingPathComponent("home"))
        let store = try FieldStore.create(
            home: home, village: try AreaCode(parsing: village), worker: "张网格", wallClock: clock)
        return try body(store)
    }
}

enum Sample {
    static let village = try! AreaCode(parsing: "620502101201")
    static let today = try! CalendarDate(parsing: "2022-05-01")

    static func draft(
        _ summary: String = "离婚后彩礼返还争议", parties: [String] = ["王建国", "李秀英"], category: DisputeCategory = .marriageFamily
    )
        -> DisputeDraft
    {
        DisputeDraft(
            village: village, category: category, parties: parties.map { try! Party(name: $0) }, summary: summary,
            incidentDate: try! CalendarDate(parsing: "2022-03-15"), recorder: "张网格")
    }
}
