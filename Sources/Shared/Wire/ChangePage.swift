import Foundation

/// A page of the center's feed, as `GET /v1/changes` sends it: changes in the center's order, the
/// cursor to ask from next, and whether more remain.
///
/// ```json
/// {"version":1,"cursor":1042,"more":false,"changes":[ … as in a ChangeBatch … ]}
/// ```
public struct ChangePage: Hashable, Sendable {
    public var changes: [Change]
    /// The center's sequence number of the last change on the page (or the cursor asked from, if none).
    public var cursor: Int64
    public var more: Bool

    public init(changes: [Change], cursor: Int64, more: Bool) {
        self.changes = changes
        self.cursor = cursor
        self.more = more
    }

    public func json() -> Data {
        let document = JSONValue.object([
            "version": .number(Double(ChangeBatch.currentVersion)), "cursor": .number(Double(cursor)),
            "more": .bool(more),
            "changes": .array(changes.map { RawChange($0).tree }),
        ])
        return Data(document.text.utf8)
    }

    /// Reads a page.
    /// - Throws: `WireError` naming the first problem.
    public init(json: Data) throws(WireError) {
        let document = try ChangeBatch.envelope(json, allowed: ["changes", "cursor", "more", "version"])
        let envelope = document.members
        guard case .number(let number) = envelope["cursor"] ?? .null, let cursor = Int64(exactly: number) else {
            throw WireError(code: .malformedBatch, field: "cursor", message: "a page needs an integer cursor")
        }
        guard case .bool(let more) = envelope["more"] ?? .null else {
            throw WireError(code: .malformedBatch, field: "more", message: "a page needs more: true or false")
        }
        self.init(changes: try (document.changes ?? .other(.null)).validated(), cursor: cursor, more: more)
    }
}
