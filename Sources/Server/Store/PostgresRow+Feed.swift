import NIOCore
import PostgresNIO
import Shared
import Storage

/// Reading the feed's rows cell by cell: the driver's generic tuple decoding costs several microseconds a
/// row (a metadata look-up per row), as much as the rest of a pull; a change's text columns are copied
/// into a page as the bytes the server sent.
struct FeedRow {
    var seq: Int64
    var timestamp: HybridTimestamp
    var scope: ByteBuffer
    var field: ByteBuffer
    var value: ByteBuffer
    var kind: ByteBuffer
    var uid: ByteBuffer

    /// The columns, in this order: seq, physical, counter, replica, scope, field, value, kind, uid.
    static let columns = """
        c.seq, c.physical, c.counter, c.replica, coalesce(c.scope, r.scope), c.field, c.value, r.kind, r.uid
        """

    init(_ row: PostgresRow) throws {
        var cells = row.makeIterator()
        func next() throws -> PostgresCell {
            guard let cell = cells.next() else {
                throw StoreError(code: .corrupt, message: "a row of the shared log has too few columns")
            }
            return cell
        }
        seq = try Self.integer(try next())
        let physical = try Self.integer(try next())
        let counter = try Self.integer(try next())
        let replica = try Self.integer(try next())
        timestamp = HybridTimestamp(
            physical: physical, counter: UInt32(truncatingIfNeeded: counter),
            replica: ReplicaID(rawValue: UInt64(bitPattern: replica)))
        scope = try Self.text(try next())
        field = try Self.text(try next())
        value = try Self.text(try next())
        kind = try Self.text(try next())
        uid = try Self.text(try next())
    }

    /// A `bigint` cell: eight bytes, big-endian, in the binary format the driver asks for.
    static func integer(_ cell: PostgresCell) throws -> Int64 {
        guard let bytes = cell.bytes else {
            throw StoreError(code: .corrupt, message: "the shared log holds a NULL \(cell.columnName)")
        }
        if cell.format == .binary, bytes.readableBytes == 8,
            let value = bytes.getInteger(at: bytes.readerIndex, as: Int64.self)
        {
            return value
        }
        return try cell.decode(Int64.self)
    }

    /// A `text` cell's UTF-8 bytes.
    static func text(_ cell: PostgresCell) throws -> ByteBuffer {
        guard let bytes = cell.bytes else {
            throw StoreError(code: .corrupt, message: "the shared log holds a NULL \(cell.columnName)")
        }
        return bytes
    }

    /// The change, parsed and checked.
    func change() throws -> Change {
        guard let kind = EntityKind(rawValue: String(buffer: kind)), let id = RecordID(String(buffer: uid)),
            let field = Field(rawValue: String(buffer: field))
        else {
            throw StoreError(code: .corrupt, message: "the shared log holds an unreadable change at \(seq)")
        }
        return try Change(
            timestamp: timestamp, entity: EntityKey(kind: kind, id: id),
            scope: try AreaCode(parsing: String(buffer: scope)),
            field: field, valueJSON: String(buffer: value))
    }
}
