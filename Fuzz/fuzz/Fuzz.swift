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
        switch selector % 7 {
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
