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

extension Statement {
    /// Binds `values` and runs the statement with SQLite's C API directly: the inserts every change and
    /// every derived row go through, where GRDB's boxing of each argument costs more than SQLite's work.
    /// Texts and blobs are copied once into one buffer and bound in place (`SQLITE_STATIC`), instead of
    /// SQLite allocating a copy of each; the statement is stepped, reset and its bindings cleared while
    /// the buffer lives. Every return code is checked; the statement is reset whatever happens.
    func run(_ values: some Collection<RawValue>, in db: Database) throws {
        let handle = sqliteStatement
        // Never empty: an empty text is bound as text, not as NULL.
        var buffer: [UInt8] = [0]
        for value in values {
            switch value {
            case .text(let text): buffer.append(contentsOf: text.utf8)
            case .utf8(let bytes), .blob(let bytes): buffer.append(contentsOf: bytes)
            case .integer, .null: break
            }
        }
        try buffer.withUnsafeBufferPointer { buffer in
            defer {
                sqlite3_reset(handle)
                sqlite3_clear_bindings(handle)
            }
            let base = UnsafeRawPointer(buffer.baseAddress!)
            var start = 1
            for (offset, value) in values.enumerated() {
                let index = Int32(offset + 1)
                let code: Int32
                switch value {
                case .integer(let integer):
                    code = sqlite3_bind_int64(handle, index, integer)
                case .text(let text):
                    let count = text.utf8.count
                    code = sqlite3_bind_text(
                        handle, index, (base + start).assumingMemoryBound(to: CChar.self), Int32(count), Self.static)
                    start += count
                case .utf8(let bytes):
                    code = sqlite3_bind_text(
                        handle, index, (base + start).assumingMemoryBound(to: CChar.self), Int32(bytes.count),
                        Self.static)
                    start += bytes.count
                case .blob(let bytes):
                    code = sqlite3_bind_blob(handle, index, base + start, Int32(bytes.count), Self.static)
                    start += bytes.count
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

    private func failure(_ code: Int32, _ db: Database) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
            sql: sql)
    }

    /// SQLite reads the bytes where they are until they are unbound (`SQLITE_STATIC`, a macro Swift
    /// cannot import).
    private static let `static`: sqlite3_destructor_type? = nil
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
