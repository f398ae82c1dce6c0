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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try! encoder.encode(
            RawPage(
                version: ChangeBatch.currentVersion, cursor: cursor, more: more, changes: changes.map(RawChange.init)))
    }

    /// Reads a page.
    /// - Throws: `WireError` naming the first problem.
    public init(json: Data) throws(WireError) {
        if let offset = ChangeBatch.firstInvalidUTF8(in: json) {
            throw WireError(code: .malformedBatch, message: "not valid UTF-8 at byte \(offset)")
        }
        let raw: RawPage
        do {
            raw = try JSONDecoder().decode(RawPage.self, from: json)
        } catch let error as WireError {
            throw error
        } catch let error as DecodingError {
            throw WireError(error)
        } catch {
            throw WireError(code: .malformedBatch, message: "not a page: \(error)")
        }
        var changes: [Change] = []
        changes.reserveCapacity(raw.changes.count)
        for (index, change) in raw.changes.enumerated() {
            do {
                changes.append(try change.change())
            } catch {
                throw WireError(code: .invalidChange, change: index, field: error.field, message: error.message)
            }
        }
        self.init(changes: changes, cursor: raw.cursor, more: raw.more)
    }
}

struct RawPage: Codable {
    var version: Int
    var cursor: Int64
    var more: Bool
    var changes: [RawChange]

    init(version: Int, cursor: Int64, more: Bool, changes: [RawChange]) {
        self.version = version
        self.cursor = cursor
        self.more = more
        self.changes = changes
    }

    enum CodingKeys: String, CodingKey {
        case version, cursor, more, changes
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .version)
        guard ChangeBatch.supportedVersions.contains(version) else {
            throw WireError(
                code: .unsupportedVersion, field: "version",
                message: "version \(version) is not supported; this build reads version "
                    + ChangeBatch.supportedVersions.map(String.init).joined(separator: ", "))
        }
        self.version = version
        cursor = try container.decode(Int64.self, forKey: .cursor)
        more = try container.decode(Bool.self, forKey: .more)
        changes = try container.decode([RawChange].self, forKey: .changes)
    }
}
