import CSQLite
import Shared

/// A page of a snapshot: the records within a device's reach as the center stores them, so that a
/// replica that holds nothing of the center's log yet (a new district or town office, a laptop set up
/// again) takes them by copying rows instead of merging the log change by change (`GET /v1/snapshot`).
///
/// A page holds whole records, in the order of their ids, each followed by its rows: the runs of its
/// log (`ChangeRun`; a run's columns as the log keeps them), its case or risk item row (without its
/// search text, which the replica folds from the row: `SearchText.appendCase`), its visits.
/// After the records, an end row says whether more follow and the center's sequence number when the page
/// was read; the first page's number is where the feed continues (every change up to it is in the
/// snapshot; later ones in later pages or the feed, which the replica dedupes as always).
///
/// Bytes: `FSS2`, then rows, each a tag byte and its columns; a column is a type byte (0 NULL, 1 an
/// integer as a zigzag LEB128 varint, 2 text and 3 a blob, each as a varint length and its bytes) and
/// its value. A record's group stays together, so what its log and its row both hold (a summary, the
/// parties) is near enough for the compressor to send once.
public struct SnapshotPage: Sendable {
    /// What a page's rows are, by their tag.
    enum Table: UInt8, CaseIterable {
        case record = 0x52  // R
        case change = 0x43  // C
        case dispute = 0x44  // D
        case risk = 0x4B  // K
        case visit = 0x56  // V
        case end = 0x45  // E

        /// The column types a row must have, in order.
        var columns: [Column] {
            switch self {
            // kind, uid, scope
            case .record: [.text, .text, .text]
            // runLength, physical, counter, replica, scope, field, value, earlier (the log's columns, as
            // `ReplicaStore.runColumns` reads them, without seq and record)
            case .change: [.integer, .integer, .integer, .integer, .optionalText, .text, .text, .optionalBlob]
            // `ReplicaStore.disputeCopiedColumns`
            case .dispute:
                [
                    .text, .text, .optionalText, .text, .optionalText, .optionalText, .optionalText, .text, .text,
                    .optionalText, .optionalText, .optionalText, .optionalText, .integer, .integer, .integer,
                    .integer, .text, .optionalText, .integer, .integer, .text, .optionalText,
                ]
            // `ReplicaStore.riskCopiedColumns`
            case .risk:
                [
                    .text, .text, .text, .text, .optionalText, .text, .optionalText, .optionalText, .optionalText,
                    .text, .optionalText, .integer, .integer, .integer,
                ]
            // date, kept, village, voided (the case is the record's)
            case .visit: [.text, .integer, .text, .integer]
            // more, the center's sequence number, records on the page
            case .end: [.integer, .integer, .integer]
            }
        }
    }

    enum Column {
        case integer, text, optionalText, optionalBlob

        func admits(_ cell: Cell) -> Bool {
            switch (self, cell) {
            case (.integer, .integer), (.text, .text), (.optionalText, .text), (.optionalText, .null),
                (.optionalBlob, .blob), (.optionalBlob, .null):
                true
            default: false
            }
        }
    }

    /// A column's value; texts and blobs as where they lie in `bytes`.
    enum Cell {
        case null
        case integer(Int64)
        case text(Range<Int>)
        case blob(Range<Int>)
    }

    /// A record and where its rows' cells are.
    struct Record {
        /// The first of its row's cells (kind, uid, scope).
        var cell: Int
        var key: EntityKey
        var scope: AreaCode
        /// Indexes in `cells` of the record's runs, each `Table.change.columns.count` cells from there.
        var runs: Range<Int>
        /// The first cell of its case or risk item row, if the center has one.
        var row: Int?
        var visits: Range<Int>
        /// Indexes in `stamps` of its changes.
        var stamps: Range<Int>
        /// Whether its case row says it was merged into another or others into it: such a row depends
        /// on which cases a replica holds, so the replica derives it itself.
        var isMerged: Bool
    }

    /// The version of the format this build reads and writes: the rows' columns and how they are derived
    /// from the log. A build that changes either gives it a new number, so that a replica never takes
    /// rows it would have derived otherwise (it asks for its own and takes the feed from a center that
    /// writes no such pages). 2: rows without their search text, which the replica folds itself from
    /// the row (it was a quarter of a page's bytes on the wire).
    public static let format = 2

    static let magic: [UInt8] = Array("FSS\(format)".utf8)

    /// Where a case row says what it was merged into, and how many cases were merged into it.
    static let duplicateOfColumn = ReplicaStore.disputeCopiedColumns.firstIndex(of: "duplicateOf")!
    static let mergedColumn = ReplicaStore.disputeCopiedColumns.firstIndex(of: "merged")!
    /// Where a case row's and a risk item row's pieces of their search text are.
    static let caseSearchColumns = ["id", "summary", "parties", "mediator", "agreement", "category", "numbers"].map {
        ReplicaStore.disputeCopiedColumns.firstIndex(of: $0)!
    }
    static let riskSearchColumns = ["id", "area", "title", "plan", "ownerPerson", "ownerUnit"].map {
        ReplicaStore.riskCopiedColumns.firstIndex(of: $0)!
    }

    /// The media type of a page on the wire.
    public static let contentType = "application/vnd.fieldsync.snapshot"

    let bytes: [UInt8]
    var cells: [Cell] = []
    var records: [Record] = []
    /// Each change's time and field, in order (the arrival counts and the clock need them).
    var stamps: [(physical: Int64, field: Field)] = []
    /// The latest timestamp on the page.
    var latest: HybridTimestamp?
    /// Whether more records follow, after `last`.
    public private(set) var more = false
    /// The center's sequence number when the page was read.
    public private(set) var seq: Int64 = 0
    /// How many changes the page's records hold.
    public var changeCount: Int { stamps.count }
    public var recordCount: Int { records.count }
    /// The id the next page starts after.
    public var last: RecordID? { records.last?.key.id }

    /// A page as a center wrote it (`ReplicaStore.snapshotPage`), with what the answer says of it.
    public struct Written: Sendable {
        public var bytes: [UInt8]
        /// Whether more records follow, after `last`.
        public var more: Bool
        /// The log's last sequence number as read.
        public var seq: Int64
        public var records: Int
        public var changes: Int
        /// The id of the page's last record (nil for a page of none): the next page starts after it.
        public var last: RecordID?
    }

    /// Reads and checks a page: every row whole and of its table's types, every record's kind, id and
    /// scope readable, every run whole with known fields, rows under the record they belong to.
    /// - Throws: `Malformed`, naming the problem and where.
    public init(bytes: [UInt8]) throws(Malformed) {
        self.bytes = bytes
        try read()
    }

    /// A page that is not one: cut short, or written by a center this replica cannot read.
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    private mutating func read() throws(Malformed) {
        guard bytes.starts(with: Self.magic) else {
            throw Malformed(
                description: "the snapshot page does not begin with \(String(decoding: Self.magic, as: UTF8.self))")
        }
        // The page's bytes read through a pointer (an array's subscript checks its bounds at every byte).
        let page = bytes
        try page.withUnsafeBufferPointer { (bytes) throws(Malformed) in try read(bytes) }
    }

    private mutating func read(_ bytes: UnsafeBufferPointer<UInt8>) throws(Malformed) {
        var index = Self.magic.count
        var ended = false
        // A case's group is ~40 cells, 7 changes and ~1,700 bytes: grown once, not doubled page-long.
        cells.reserveCapacity(bytes.count / 32)
        stamps.reserveCapacity(bytes.count / 200)
        while index < bytes.count {
            guard !ended else { throw Malformed(description: "the snapshot page goes on after its end") }
            guard let table = Table(rawValue: bytes[index]) else {
                throw Malformed(
                    description: "the snapshot page has a row of unknown kind \(bytes[index]) at byte \(index)")
            }
            index += 1
            let first = cells.count
            for (number, column) in table.columns.enumerated() {
                let cell = try Self.cell(at: &index, in: bytes)
                guard column.admits(cell) else {
                    throw Malformed(
                        description:
                            "column \(number + 1) of a \(table) row of record \(records.count) has the wrong type")
                }
                cells.append(cell)
            }
            switch table {
            case .record: try takeRecord(at: first)
            case .change: try takeRun(at: first)
            case .dispute, .risk: try takeRow(table, at: first)
            case .visit:
                // After the case's row, or after its runs when the center sent no row (the replica derives
                // the row and its visits then).
                guard let record = records.last, record.key.kind == .dispute, !record.runs.isEmpty,
                    record.visits.upperBound == first || (record.row == nil && record.runs.upperBound == first)
                else {
                    throw Malformed(description: "a visit on the snapshot page follows no case")
                }
                guard isAreaCode(first + 2) else {
                    throw Malformed(
                        description: "a visit of record \(record.key.id) on the snapshot page has a bad place")
                }
                records[records.count - 1].visits =
                    (record.visits.upperBound == first ? record.visits.lowerBound : first)..<cells.count
            case .end:
                guard case .integer(let more) = cells[first], more == 0 || more == 1,
                    case .integer(let seq) = cells[first + 1], seq >= 0,
                    case .integer(let count) = cells[first + 2], count == records.count,
                    records.last.map({ !$0.runs.isEmpty }) ?? true
                else { throw Malformed(description: "the snapshot page's end row does not match its records") }
                (self.more, self.seq, ended) = (more == 1, seq, true)
            }
        }
        guard ended else { throw Malformed(description: "the snapshot page is cut short") }
    }

    private static func cell(at index: inout Int, in bytes: UnsafeBufferPointer<UInt8>) throws(Malformed) -> Cell {
        guard index < bytes.count else { throw Malformed(description: "the snapshot page is cut short") }
        let type = bytes[index]
        index += 1
        switch type {
        case 0: return .null
        case 1:
            let raw = try varint(&index, in: bytes)
            return .integer(Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
        case 2, 3:
            let length = try varint(&index, in: bytes)
            guard length <= UInt64(bytes.count - index) else {
                throw Malformed(description: "the snapshot page is cut short")
            }
            let range = index..<index + Int(length)
            index = range.upperBound
            return type == 2 ? .text(range) : .blob(range)
        default:
            throw Malformed(description: "the snapshot page has a value of unknown type \(type) at byte \(index - 1)")
        }
    }

    private static func varint(_ index: inout Int, in bytes: UnsafeBufferPointer<UInt8>) throws(Malformed) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            guard shift < 64 else { break }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        throw Malformed(description: "the snapshot page has a number cut short or too long")
    }

    func text(_ cell: Int) -> ArraySlice<UInt8> {
        guard case .text(let range) = cells[cell] else { return [] }
        return bytes[range]
    }

    /// Whether a text cell holds a division code.
    func isAreaCode(_ cell: Int) -> Bool {
        guard case .text(let range) = cells[cell] else { return false }
        return bytes.withUnsafeBufferPointer { AreaCode(utf8: UnsafeBufferPointer(rebasing: $0[range])) != nil }
    }

    /// Adds a cell's value to a row to insert, its text or blob borrowed from `bytes`, the page's bytes,
    /// which the caller keeps until the row is written (`BoundValues.borrowing`).
    func bind(_ cell: Int, to row: inout BoundValues, from bytes: UnsafeBufferPointer<UInt8>) {
        switch cells[cell] {
        case .null: row.null()
        case .integer(let value): row.integer(value)
        case .text(let range): row.borrowing(UnsafeBufferPointer(rebasing: bytes[range]), isText: true)
        case .blob(let range): row.borrowing(UnsafeBufferPointer(rebasing: bytes[range]), isText: false)
        }
    }

    /// A text cell's bytes in the page's `bytes`, or nil for NULL (or a cell of another type).
    func textPart(_ cell: Int, in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        guard case .text(let range) = cells[cell] else { return nil }
        return UnsafeBufferPointer(rebasing: bytes[range])
    }

    /// Appends the search text of the case whose row begins at cell `row` (the row comes without it), as
    /// the store writes a case's (`SearchText.appendCase`): its village is `record`'s scope.
    func appendCaseSearchText(
        row: Int, of record: Record, from bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]
    ) {
        func part(_ piece: Int) -> UnsafeBufferPointer<UInt8>? {
            textPart(row + Self.caseSearchColumns[piece], in: bytes)
        }
        let none = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        // Its village is its record's scope, as the record's row writes it.
        SearchText.appendCase(
            id: part(0) ?? none, summary: part(1) ?? none, parties: part(2) ?? none, mediator: part(3),
            agreement: part(4), category: part(5).flatMap { DisputeCategory(utf8: $0)?.label },
            village: textPart(record.cell + 2, in: bytes) ?? none,
            numbers: part(6) ?? none, to: &output)
    }

    /// Appends the search text of the risk item whose row begins at cell `row`, as the store writes an
    /// item's (`SearchText.appendRisk`).
    func appendRiskSearchText(row: Int, from bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        SearchText.appendRisk(Self.riskSearchColumns.map { textPart(row + $0, in: bytes) }, to: &output)
    }

    func integer(_ cell: Int) -> Int64 {
        guard case .integer(let value) = cells[cell] else { return 0 }
        return value
    }

    private mutating func takeRecord(at first: Int) throws(Malformed) {
        let (kindText, idText, scopeText) = (text(first), text(first + 1), text(first + 2))
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            func part(_ slice: ArraySlice<UInt8>) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: buffer[slice.startIndex..<slice.endIndex])
            }
            return (EntityKind(utf8: part(kindText)), RecordID(utf8: part(idText)), AreaCode(utf8: part(scopeText)))
        }
        guard let kind = parsed.0, let id = parsed.1, let scope = parsed.2 else {
            throw Malformed(
                description: "record \(records.count + 1) of the snapshot page has an unreadable kind, id or scope")
        }
        if let previous = records.last {
            guard previous.key.id < id else {
                throw Malformed(description: "the snapshot page's records are not in the order of their ids")
            }
            guard !previous.runs.isEmpty else {
                throw Malformed(description: "record \(previous.key.id) of the snapshot page has no changes")
            }
        }
        let next = cells.count
        records.append(
            Record(
                cell: first, key: EntityKey(kind: kind, id: id), scope: scope, runs: next..<next, row: nil,
                visits: next..<next,
                stamps: stamps.count..<stamps.count, isMerged: false))
    }

    private mutating func takeRun(at first: Int) throws(Malformed) {
        guard let record = records.last, record.runs.upperBound == first, record.row == nil else {
            throw Malformed(description: "a run of changes on the snapshot page follows no record")
        }
        let length = integer(first)
        let counter = integer(first + 2)
        guard (1...Int64(ReplicaStore.Session.longestRun)).contains(length),
            UInt32(exactly: counter) != nil, integer(first + 1) >= 0, integer(first + 3) >= 0,
            integer(first + 3) >> 60 == 0
        else {
            throw Malformed(
                description: "a run of record \(record.key.id) on the snapshot page has a bad length, time or replica")
        }
        let replica = ReplicaID(rawValue: UInt64(bitPattern: integer(first + 3)))
        var earlier: Range<Int> = 0..<0
        if case .blob(let range) = cells[first + 7] { earlier = range }
        var problem: String?
        bytes.withUnsafeBufferPointer { buffer in
            /// Notes a change of the run, or why it cannot be one: its field, its scope (empty: the
            /// record's) and its value must read as a change of the record, as the feed's changes must.
            func take(
                _ timestamp: HybridTimestamp, field: UnsafeBufferPointer<UInt8>, scope: UnsafeBufferPointer<UInt8>,
                value: UnsafeBufferPointer<UInt8>
            ) -> Bool {
                guard let field = Field(utf8: field) else {
                    problem = "a change of record \(record.key.id) on the snapshot page has an unknown field"
                    return false
                }
                guard let scope = scope.isEmpty ? record.scope : AreaCode(utf8: scope) else {
                    problem = "a change of record \(record.key.id) on the snapshot page has a bad scope"
                    return false
                }
                do {
                    _ = try Change(
                        timestamp: timestamp, entity: record.key, scope: scope, field: field, valueUTF8: value)
                } catch {
                    problem = "a change of record \(record.key.id) on the snapshot page is not one: \(error)"
                    return false
                }
                note(timestamp, field)
                return true
            }
            var count: Int64 = 0
            do {
                _ = try ChangeRun.forEach(in: UnsafeBufferPointer(rebasing: buffer[earlier])) { part in
                    count += 1
                    return take(
                        HybridTimestamp(physical: part.physical, counter: part.counter, replica: replica),
                        field: part.field, scope: part.scope, value: part.value)
                }
            } catch {
                problem = "a run of record \(record.key.id) on the snapshot page is cut short"
            }
            guard problem == nil else { return }
            guard count == length - 1 else {
                problem =
                    "a run of record \(record.key.id) on the snapshot page holds \(count + 1) changes, not \(length)"
                return
            }
            func part(_ cell: Int) -> UnsafeBufferPointer<UInt8> {
                textPart(cell, in: buffer) ?? UnsafeBufferPointer(start: nil, count: 0)
            }
            _ = take(
                HybridTimestamp(physical: integer(first + 1), counter: UInt32(counter), replica: replica),
                field: part(first + 5), scope: part(first + 4), value: part(first + 6))
        }
        if let problem { throw Malformed(description: problem) }
        records[records.count - 1].runs = record.runs.lowerBound..<cells.count
        records[records.count - 1].stamps = record.stamps.lowerBound..<stamps.count
    }

    private mutating func note(_ timestamp: HybridTimestamp, _ field: Field) {
        stamps.append((timestamp.physical, field))
        if latest.map({ $0 < timestamp }) ?? true { latest = timestamp }
    }

    private mutating func takeRow(_ table: Table, at first: Int) throws(Malformed) {
        guard let record = records.last, !record.runs.isEmpty, record.runs.upperBound == first,
            record.key.kind == (table == .dispute ? .dispute : .risk)
        else {
            throw Malformed(description: "a \(table) row on the snapshot page follows no \(table) record")
        }
        // Its id is the record's.
        guard RecordID(utf8: text(first)) == record.key.id else {
            throw Malformed(
                description: "the \(table) row of record \(record.key.id) on the snapshot page names another")
        }
        // Its place (a case's village, an item's scope), which lists and reports read as a code.
        guard isAreaCode(first + 1) else {
            throw Malformed(
                description: "the \(table) row of record \(record.key.id) on the snapshot page has a bad place")
        }
        records[records.count - 1].row = first
        records[records.count - 1].visits = cells.count..<cells.count
        if table == .dispute {
            if case .text = cells[first + Self.duplicateOfColumn] { records[records.count - 1].isMerged = true }
            if integer(first + Self.mergedColumn) != 0 { records[records.count - 1].isMerged = true }
        }
    }
}

/// Writes a snapshot page (`SnapshotPage`) from rows read through SQLite's C API, each column as SQLite
/// holds it.
struct SnapshotWriter {
    private(set) var bytes: [UInt8]
    private(set) var records = 0
    /// Where a row is written through a pointer before it is appended at once: appending to `bytes` byte
    /// by byte (each append checks the array's capacity and that it is not shared) was a third of the
    /// center's work writing a page.
    private var scratch: [UInt8] = []

    /// A column as read: its type byte, its integer (or its length), and its bytes.
    private struct Column {
        var type: UInt8
        var value: Int64
        var bytes: UnsafeRawPointer?
    }

    /// A page begins with its magic (`headed`); a writer of one table's rows, to be put together later, not.
    init(capacity: Int, headed: Bool = true) {
        bytes = headed ? SnapshotPage.magic : []
        bytes.reserveCapacity(capacity)
    }

    /// Appends a row of `table` from `count` columns of `row` starting at `column`.
    mutating func append(_ table: SnapshotPage.Table, _ row: RawRow, from column: Int32, count: Int) {
        if table == .record { records += 1 }
        let handle = row.handle
        withUnsafeTemporaryAllocation(of: Column.self, capacity: count) { columns in
            // Each column read once (text before its length, as SQLite asks), and the most it can take.
            var most = 1
            for offset in 0..<count {
                let index = column + Int32(offset)
                let read: Column
                switch sqlite3_column_type(handle, index) {
                case SQLITE_INTEGER:
                    read = Column(type: 1, value: sqlite3_column_int64(handle, index), bytes: nil)
                case SQLITE_TEXT:
                    let text = UnsafeRawPointer(sqlite3_column_text(handle, index))
                    read = Column(type: 2, value: Int64(sqlite3_column_bytes(handle, index)), bytes: text)
                case SQLITE_BLOB:
                    let blob = sqlite3_column_blob(handle, index)
                    read = Column(type: 3, value: Int64(sqlite3_column_bytes(handle, index)), bytes: blob)
                default:
                    // NULL (the tables a snapshot copies hold no floating-point columns).
                    read = Column(type: 0, value: 0, bytes: nil)
                }
                columns.initializeElement(at: offset, to: read)
                most += 11 + (read.type >= 2 ? Int(read.value) : 0)
            }
            if scratch.count < most { scratch = [UInt8](repeating: 0, count: max(most, scratch.count * 2)) }
            let written = scratch.withUnsafeMutableBufferPointer { output in
                let base = output.baseAddress!
                base[0] = table.rawValue
                var at = 1
                for column in columns {
                    base[at] = column.type
                    at += 1
                    switch column.type {
                    case 1:
                        at = Self.varint(
                            UInt64(bitPattern: (column.value << 1) ^ (column.value >> 63)), to: base, at: at)
                    case 2, 3:
                        at = Self.varint(UInt64(column.value), to: base, at: at)
                        if let bytes = column.bytes, column.value > 0 {
                            (base + at).initialize(
                                from: bytes.assumingMemoryBound(to: UInt8.self), count: Int(column.value))
                            at += Int(column.value)
                        }
                    default: break
                    }
                }
                return at
            }
            bytes.append(contentsOf: scratch[0..<written])
        }
    }

    /// Appends rows written apart (`record`: a record's own row).
    mutating func append(_ other: ArraySlice<UInt8>, record: Bool) {
        if record { records += 1 }
        bytes.append(contentsOf: other)
    }

    mutating func end(more: Bool, seq: Int64) {
        bytes.append(SnapshotPage.Table.end.rawValue)
        for value in [more ? 1 : 0, seq, Int64(records)] {
            bytes.append(1)
            Self.varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)), to: &bytes)
        }
    }

    static func varint(_ value: UInt64, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 10) { buffer in
            let end = varint(value, to: buffer.baseAddress!, at: 0)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<end]))
        }
    }

    /// Writes `value` as a varint at `at` in `base` (room for ten bytes); returns where it ended.
    static func varint(_ value: UInt64, to base: UnsafeMutablePointer<UInt8>, at: Int) -> Int {
        var (value, at) = (value, at)
        while value >= 0x80 {
            base[at] = UInt8(truncatingIfNeeded: value) | 0x80
            value >>= 7
            at += 1
        }
        base[at] = UInt8(value)
        return at + 1
    }
}
