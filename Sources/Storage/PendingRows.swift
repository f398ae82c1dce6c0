import GRDB

/// Rows of one table a transaction gathers and writes several to a statement. SQLite's work per
/// statement (a cursor opened and closed on the table and on each of its indexes, the statement
/// finished and reset) is then paid once per batch, not once per row: a pulled page of new cases
/// writes three rows per case (its record, its run of changes, its case row).
struct PendingRows {
    /// `INSERT OR FAIL INTO table (columns) VALUES`, without the rows' placeholders. `OR FAIL`: a
    /// statement of several rows that could stop part-way with its usual `ABORT` keeps a statement
    /// journal to undo the rows it wrote, a copy of every page it changes (measured: it made batches
    /// slower than single rows). A failure fails the whole transaction here anyway, and rolls it back.
    let insert: String
    let columns: Int
    /// The rows' values, row after row.
    private var values = BoundValues()
    /// The statement for a full batch, prepared once per connection (a 32-row insert takes longer to
    /// compile than to run).
    private var full: Statement?

    /// Rows per statement: 32 rows of the widest table (24 columns) stay far below SQLite's limit of
    /// 32,766 parameters; more saves little.
    static let rowsPerStatement = 32

    init(insert: String, columns: Int) {
        self.insert = insert
        self.columns = columns
    }

    /// Rows gathered and not yet written.
    var count: Int { values.count / columns }

    /// Adds a row: `row` adds one value per column.
    mutating func add(_ row: (inout BoundValues) -> Void) {
        let before = values.count
        row(&values)
        precondition(
            values.count - before == columns, "a row of \(values.count - before) values for \(columns) columns")
    }

    /// Writes the full batches gathered, or every row when `all` (anything that reads the table in the
    /// transaction asks for all first).
    mutating func write(all: Bool, in db: Database) throws {
        let perStatement = Self.rowsPerStatement * columns
        var start = 0
        while values.count - start >= perStatement {
            if full == nil {
                full = try db.cachedStatement(sql: sql(rows: Self.rowsPerStatement))
            }
            try full!.run(values, start..<start + perStatement, in: db)
            start += perStatement
        }
        if all, start < values.count {
            let rows = (values.count - start) / columns
            try db.cachedStatement(sql: sql(rows: rows)).run(values, start..<values.count, in: db)
            start = values.count
        }
        values.removeFirst(start)
    }

    private func sql(rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return insert + " " + Array(repeating: row, count: rows).joined(separator: ", ")
    }
}
