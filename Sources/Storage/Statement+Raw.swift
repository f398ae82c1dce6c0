import CSQLite
import GRDB

/// A value bound through SQLite's C API.
enum RawValue {
    case integer(Int64)
    case text(String)
    /// Text given as its UTF-8 bytes.
    case utf8([UInt8])
    case blob([UInt8])
    case null

    /// Text, or NULL when absent.
    static func optional(_ text: String?) -> RawValue {
        text.map(RawValue.text) ?? .null
    }
}

/// Values to bind to a statement's parameters, row after row, kept as bytes: integers as they are, texts
/// and blobs back to back in one buffer that SQLite reads in place (`SQLITE_STATIC`). Adding a value
/// copies its bytes once; nothing per value is allocated, retained or released, which the inserts of
/// every change and every derived row would otherwise pay for each column.
struct BoundValues {
    enum Slot {
        case integer(Int64)
        case text(start: Int, count: Int)
        case blob(start: Int, count: Int)
        /// Bytes not copied, bound where they lie (`borrowing`).
        case borrowed(UnsafeRawPointer, count: Int, isText: Bool)
        case null
    }

    private(set) var slots: [Slot] = []
    /// Never empty (a first byte no value uses), so that an empty text has an address and binds as
    /// text, not as NULL.
    private(set) var bytes: [UInt8] = [0]

    init() {}

    init(_ values: some Sequence<RawValue>) {
        for value in values { append(value) }
    }

    var count: Int { slots.count }

    mutating func integer(_ value: Int64) { slots.append(.integer(value)) }

    mutating func null() { slots.append(.null) }

    mutating func text(_ text: String) {
        self.text { $0.append(contentsOf: text.utf8) }
    }

    /// Text, or NULL when absent.
    mutating func text(_ text: String?) {
        if let text { self.text(text) } else { null() }
    }

    /// Text that `write` appends as UTF-8 straight into the buffer (an id, a code: no string made).
    mutating func text(writing write: (inout [UInt8]) -> Void) {
        let start = bytes.count
        write(&bytes)
        slots.append(.text(start: start, count: bytes.count - start))
    }

    /// Text given as its UTF-8 bytes.
    mutating func utf8(_ utf8: [UInt8]) {
        text { $0.append(contentsOf: utf8) }
    }

    mutating func blob(_ blob: ArraySlice<UInt8>) {
        slots.append(.blob(start: bytes.count, count: blob.count))
        bytes.append(contentsOf: blob)
    }

    mutating func blob(_ blob: [UInt8]) {
        slots.append(.blob(start: bytes.count, count: blob.count))
        bytes.append(contentsOf: blob)
    }

    /// Text or a blob bound where it lies, not copied: the caller keeps `bytes` alive and unchanged
    /// until these values are written (a snapshot page's bytes, while the page is taken). Empty text is
    /// copied, so that it has an address and binds as text, not as NULL.
    mutating func borrowing(_ bytes: UnsafeBufferPointer<UInt8>, isText: Bool) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            if isText { text { _ in } } else { blob([]) }
            return
        }
        slots.append(.borrowed(UnsafeRawPointer(base), count: bytes.count, isText: isText))
    }

    mutating func append(_ value: RawValue) {
        switch value {
        case .integer(let integer): self.integer(integer)
        case .text(let text): self.text(text)
        case .utf8(let utf8): self.utf8(utf8)
        case .blob(let blob): self.blob(blob)
        case .null: null()
        }
    }

    /// Drops the first `count` values and their bytes.
    mutating func removeFirst(_ count: Int) {
        guard count > 0 else { return }
        guard count < slots.count else {
            slots.removeAll(keepingCapacity: true)
            bytes.removeSubrange(1...)
            return
        }
        var rest = BoundValues()
        for slot in slots[count...] {
            switch slot {
            case .integer(let integer): rest.integer(integer)
            case .null: rest.null()
            case .text(let start, let length): rest.utf8(Array(bytes[start..<start + length]))
            case .blob(let start, let length): rest.blob(Array(bytes[start..<start + length]))
            case .borrowed: rest.slots.append(slot)
            }
        }
        self = rest
    }
}

extension Statement {
    /// Binds `values` and runs the statement with SQLite's C API directly: the inserts every change and
    /// every derived row go through, where GRDB's boxing of each argument costs more than SQLite's work.
    func run(_ values: [RawValue], in db: Database) throws {
        try run(BoundValues(values), in: db)
    }

    /// Binds the values `range` of `values` (all of them by default) in place (`SQLITE_STATIC`), runs
    /// the statement, then resets it and clears its bindings while the bytes still live. Every return
    /// code is checked; the statement is reset whatever happens.
    func run(_ values: BoundValues, _ range: Range<Int>? = nil, in db: Database) throws {
        let handle = sqliteStatement
        let range = range ?? 0..<values.count
        try values.bytes.withUnsafeBufferPointer { buffer in
            defer {
                sqlite3_reset(handle)
                sqlite3_clear_bindings(handle)
            }
            let base = UnsafeRawPointer(buffer.baseAddress!)
            for offset in range {
                let index = Int32(offset - range.lowerBound + 1)
                let code: Int32
                switch values.slots[offset] {
                case .integer(let integer):
                    code = sqlite3_bind_int64(handle, index, integer)
                case .text(let start, let count):
                    code = sqlite3_bind_text(
                        handle, index, (base + start).assumingMemoryBound(to: CChar.self), Int32(count), Self.static)
                case .blob(let start, let count):
                    code = sqlite3_bind_blob(handle, index, base + start, Int32(count), Self.static)
                case .borrowed(let bytes, let count, let isText):
                    code =
                        isText
                        ? sqlite3_bind_text(
                            handle, index, bytes.assumingMemoryBound(to: CChar.self), Int32(count), Self.static)
                        : sqlite3_bind_blob(handle, index, bytes, Int32(count), Self.static)
                case .null:
                    code = sqlite3_bind_null(handle, index)
                }
                guard code == SQLITE_OK else { throw failure(code, db) }
            }
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else { throw failure(code, db) }
        }
    }

    /// Runs the statement with `arguments` and hands each row to `body` until it returns false, reading
    /// columns through SQLite's C API: the feed and pushed batches read every change this way, where
    /// GRDB's rows cost more per column than SQLite's work. The statement is reset afterwards.
    func forEachRawRow(
        arguments: StatementArguments, in db: Database, _ body: (RawRow) throws -> Bool
    ) throws {
        try setArguments(arguments)
        let handle = sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw failure(code, db) }
            guard try body(RawRow(handle: handle)) else { return }
        }
    }

    func failure(_ code: Int32, _ db: Database) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
            sql: sql)
    }

    /// SQLite reads the bytes where they are until they are unbound (`SQLITE_STATIC`, a macro Swift
    /// cannot import).
    private static let `static`: sqlite3_destructor_type? = nil
}

/// A statement stepped by hand, so that several can be walked side by side (a merge of rows in one
/// order). Reset when `close` is called.
struct RawCursor {
    let statement: Statement
    let db: Database
    /// The current row, nil once the statement has no more; valid until the next step.
    private(set) var row: RawRow?

    init(_ statement: Statement, arguments: StatementArguments, in db: Database) throws {
        (self.statement, self.db) = (statement, db)
        // A cached statement a failed walk left part-way starts over.
        sqlite3_reset(statement.sqliteStatement)
        try statement.setArguments(arguments)
        try step()
    }

    mutating func step() throws {
        let handle = statement.sqliteStatement
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: row = RawRow(handle: handle)
        case SQLITE_DONE: row = nil
        default:
            row = nil
            throw statement.failure(code, db)
        }
    }

    func close() {
        sqlite3_reset(statement.sqliteStatement)
    }
}

/// The current row of a statement being stepped; valid only inside `forEachRawRow`'s body.
struct RawRow {
    let handle: OpaquePointer

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    /// The column's bytes as SQLite holds them (empty for NULL); valid until the next step.
    func blob(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
        guard let bytes = sqlite3_column_blob(handle, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(
            start: bytes.assumingMemoryBound(to: UInt8.self), count: Int(sqlite3_column_bytes(handle, column)))
    }

    /// The column's text as SQLite holds it (empty for NULL); valid until the next step.
    func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
        // Text first, then its length: the order SQLite's documentation asks for.
        guard let text = sqlite3_column_text(handle, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column)))
    }
}
