import Console
import ContentCoding
import Foundation
import Shared
import Storage

/// What a center or a device reads from outside (and a ledger a worker imports), fed arbitrary bytes: each reader must answer with a
/// value or its own error, never crash; what reads as a batch or page must read back alike once
/// written again, and a zstd body must stay within its limit. `scripts/fuzz` runs it under libFuzzer
/// (coverage-guided); built plainly, it replays the files it is given (a crash's input, say).
enum Fuzz {
    /// The first byte picks the reader; the rest is its input.
    static func one(_ input: UnsafeBufferPointer<UInt8>) {
        guard let selector = input.first else { return }
        let bytes = Data(input.dropFirst())
        switch selector % 8 {
        case 0:
            guard let batch = try? ChangeBatch(json: bytes) else { return }
            // Written again, it reads as the same batch.
            let again = try? ChangeBatch(json: batch.json())
            precondition(again == batch, "a batch did not read back as it was written")
        case 1:
            guard let page = try? ChangePage(json: bytes) else { return }
            let again = try? ChangePage(json: page.json())
            precondition(again == page, "a page did not read back as it was written")
        case 2:
            let limit = 1 << 20
            if let decoded = try? Zstd.decompress(bytes, limit: limit) {
                precondition(decoded.count <= limit, "zstd decoded past its limit")
            }
        case 3:
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? Enrollment(parsing: text)
            _ = Checkpoint(header: text)
            _ = DeviceCredential(token: text)
            // A report's period as the center's report route takes it.
            _ = try? ReportPeriod(year: text)
            _ = try? ReportPeriod(month: text)
            _ = try? ReportPeriod(week: text)
            _ = HybridTimestamp(text)
            _ = try? AreaCode(parsing: text)
            _ = try? CalendarDate(parsing: text)
            _ = AcceptedCodings([text]).choose()
        case 4:
            // A ledger a town keeps in a spreadsheet, as `field import` reads it: the file's text (UTF-8 or
            // GBK), its rows, and each cell as the column it might stand in.
            guard let (text, _) = SpreadsheetText.decode([UInt8](bytes)), let rows = try? CSV.parse(text) else {
                return
            }
            for cell in rows.prefix(50).flatMap(\.fields).prefix(500) {
                _ = try? Parse.parties(cell, flag: "parties")
                _ = try? Parse.date(cell, flag: "date")
                _ = try? CalendarDate(written: cell)
                _ = try? Parse.area(cell, flag: "village")
                _ = try? Parse.yesNo(cell, flag: "kept")
                _ = try? Parse.coded(cell, flag: "category") as DisputeCategory
            }
        case 7:
            pushToCenter(bytes)
        case 6:
            // A snapshot page as a replica reads it before taking it: whole, or refused.
            guard let page = try? SnapshotPage(bytes: [UInt8](bytes)) else { return }
            precondition(page.changeCount >= page.recordCount, "a snapshot page holds a record without changes")
        default:
            // A change's value as a store keeps it, read back for a field the first byte names.
            let fields = Field.allCases
            guard let first = bytes.first else { return }
            let field = fields[Int(first) % fields.count]
            let kind = field.kinds.first ?? .dispute
            _ = try? Change(
                timestamp: HybridTimestamp(physical: 1_700_000_000_000, counter: 1, replica: ReplicaID(rawValue: 1)),
                entity: EntityKey(kind: kind, id: RecordID(high: 1, low: 2)),
                scope: try! AreaCode(parsing: kind == .dispute ? "620502101201" : "620502"), field: field,
                valueJSON: String(decoding: bytes.dropFirst(), as: UTF8.self))
        }
    }

    /// A center's store that lives across inputs: what one input pushed, the next pushes against.
    static let center: ReplicaStore = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-center-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try! ReplicaStore.create(
            database: folder.appendingPathComponent("center.sqlite"), scope: nil, worker: "center")
        _ = try! store.importAreas([
            Area(code: try! AreaCode(parsing: "620502"), name: "秦州区"),
            Area(code: try! AreaCode(parsing: "620502101"), name: "大城街道"),
            Area(code: try! AreaCode(parsing: "620502101201"), name: "东关社区"),
            Area(code: try! AreaCode(parsing: "620502102"), name: "天水郡街道"),
            Area(code: try! AreaCode(parsing: "620502102203"), name: "十方堂社区"),
        ])
        return store
    }()

    /// The center's push path with state: batches (separated by 0x1E) taken one after another, as if from
    /// two devices written together. A batch is stored whole or refused whole (the log's head moves by its
    /// new changes or not at all), and whatever the store holds is reported by every breakdown and served
    /// as a page that reads back.
    static func pushToCenter(_ bytes: Data) {
        let batches = bytes.split(separator: 0x1E).prefix(8).compactMap { try? ChangeBatch(json: Data($0)) }
        // Drift as wide as the stamps a fuzzer makes: the clock check is the server's, tested apart.
        let pushes = batches.enumerated().map { index, batch in
            ReplicaStore.Push(
                changes: batch.changes, device: "fuzz\(index % 2)", clockOffset: nil, maximumDrift: Int64.max / 4)
        }
        for group in [pushes.prefix(2), pushes.dropFirst(2)] where !group.isEmpty {
            guard let before = try? center.cursor() else { return }
            let results = center.push(together: Array(group))
            let new = results.reduce(0) { $0 + ((try? $1.get())?.new ?? 0) }
            if let after = try? center.cursor(), results.contains(where: { (try? $0.get()) == nil }) {
                precondition(after == before, "a group with a refused batch changed the log")
            } else if let after = try? center.cursor() {
                precondition(after - before == Int64(new), "the log moved by other than the new changes")
            }
        }
        let year = try! ReportPeriod(year: "2023")
        for dimension in ReportRequest.Dimension.allCases {
            // Whatever the push path took is reported: a report that fails is a fault, as a trap would be.
            let report = Result {
                try center.report(ReportRequest(period: year, dimension: dimension, today: year.last))
            }
            if case .failure(let error) = report { preconditionFailure("a report over stored data failed: \(error)") }
        }
        if let page = try? center.pageJSON(after: 0, within: nil, limit: 500) {
            precondition((try? ChangePage(json: Data(page.json))) != nil, "a page the center wrote does not read")
        }
    }
}

#if FUZZING
/// What libFuzzer calls with each input.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    Fuzz.one(UnsafeBufferPointer(start: data, count: size))
    return 0
}

/// libFuzzer's driver (SwiftPM names the program's entry itself, so libFuzzer's own `main` is not used).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzer(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

@main struct Replay {
    static func main() throws {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(
            runFuzzer(&argc, &argv, fuzzOne))
        #else
        for path in CommandLine.arguments.dropFirst() {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            bytes.withUnsafeBufferPointer(Fuzz.one)
            print("\(path): read without a crash")
        }
        #endif
    }
}
