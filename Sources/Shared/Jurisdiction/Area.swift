import Crypto

/// A town or village of the district (or the district itself), with its name, and the area that took
/// it over if a reorganisation (区划调整: villages merged, a town's villages renumbered under another)
/// did away with it.
public struct Area: Hashable, Sendable {
    public var code: AreaCode
    public var name: String
    /// The area that holds this one's records since it was merged into it (nil while it stands).
    public var successor: AreaCode?

    public init(code: AreaCode, name: String, successor: AreaCode? = nil) {
        self.code = code
        self.name = name
        self.successor = successor
    }

    /// The enclosing area, from the code.
    public var parent: AreaCode? { code.parent }
}

extension Area {
    /// The areas a device of `scope` is given the names of: its own, those within it, and those enclosing
    /// it (a village's town and district); areas merged into these, and what its own scope was merged
    /// into. Never another village's.
    public static func related(_ areas: [Area], to scope: AreaCode) -> [Area] {
        let successions = Successions(areas)
        let now = successions.current(scope)
        // Where the scope went, step by step: a device follows the chain with the names it holds.
        var went: Set<AreaCode> = []
        var next = successions.successors[scope]
        while let code = next, went.insert(code).inserted { next = successions.successors[code] }
        return areas.filter {
            scope.covers($0.code) || $0.code.covers(scope) || scope.covers(successions.current($0.code))
                || went.contains($0.code)
                || (now != scope && (now.covers($0.code) || $0.code.covers(now)) && $0.successor == nil)
        }
    }

    /// The header with which a center's last page of a pull names the areas a device may hold
    /// (`fingerprint(of:)`): the device asks for them (`GET /v1/areas`) only when its own differ, which
    /// spares a sync with nothing new a round trip on a slow link.
    public static let fingerprintHeader = "FieldSync-Areas"

    /// A short fingerprint of a set of areas, codes, names and successors, whatever their order: 16 hex
    /// digits of the SHA-256 of `code<TAB>name<LF>` lines (`code<TAB>name<TAB>successor<LF>` for a merged
    /// area) sorted by code.
    public static func fingerprint(of areas: [Area]) -> String {
        fingerprint(
            areas.sorted { $0.code < $1.code }.map { area in
                "\(area.code)\t\(area.name)" + (area.successor.map { "\t\($0)" } ?? "") + "\n"
            })
    }

    /// 16 hex digits of the SHA-256 of the lines, joined.
    static func fingerprint(_ lines: [String]) -> String {
        SHA256.hash(data: Array(lines.joined().utf8)).prefix(8).map { byte in
            (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }
}

/// Where the records of areas a reorganisation did away with are now: each merged area's successor,
/// followed to the area that stands (A merged into B, later B into C: A's records are C's).
///
/// A merged area keeps its code in every record made there (a record's scope never changes); what
/// follows the succession is where the record is counted and who may hold it: reports and lists
/// place it under the area it is in now, and a device whose scope covers that area pulls and edits
/// it (`Reach`). Only an area with nothing left within it can be merged, so a code that is not merged
/// itself still holds every record under its prefix.
public struct Successions: Sendable, Equatable {
    public let successors: [AreaCode: AreaCode]

    public init(_ areas: some Sequence<Area>) {
        var successors: [AreaCode: AreaCode] = [:]
        for area in areas {
            if let successor = area.successor { successors[area.code] = successor }
        }
        self.successors = successors
    }

    public init(successors: [AreaCode: AreaCode]) {
        self.successors = successors
    }

    /// No area merged.
    public static let none = Successions(successors: [:])

    /// The area that holds `code`'s records now: `code` unless it was merged. A cycle (which the
    /// center refuses to make) ends at the greatest code in it, on every replica alike.
    public func current(_ code: AreaCode) -> AreaCode {
        guard var next = successors[code] else { return code }
        var seen: [AreaCode] = [code]
        while let further = successors[next] {
            if let start = seen.firstIndex(of: next) { return seen[start...].max()! }
            seen.append(next)
            next = further
        }
        return next
    }

    /// The merged areas outside `scope` whose records are within it now, by code.
    public func predecessors(within scope: AreaCode) -> [AreaCode] {
        successors.keys.filter { !scope.covers($0) && scope.covers(current($0)) }.sorted()
    }

    /// The merged areas within `scope` (by their code) whose records are outside it now, by code; never
    /// the scope itself (a merged village's own laptop keeps its records until it moves).
    public func departed(from scope: AreaCode) -> [AreaCode] {
        successors.keys.filter { $0 != scope && scope.covers($0) && !scope.covers(current($0)) }.sorted()
    }
}

/// The records a device of `scope` is sent and may change: those within its scope, and those of areas
/// merged into an area within it (`Successions`); not those of areas within it merged into one outside
/// (departed: another jurisdiction's now), whose changes it made are still taken.
public struct Reach: Sendable, Equatable {
    public let scope: AreaCode
    /// Merged areas outside the scope whose records are within it now, by code.
    public let predecessors: [AreaCode]
    /// Merged areas within the scope whose records are outside it now, by code.
    public let departed: [AreaCode]

    public init(scope: AreaCode, successions: Successions = .none) {
        self.scope = scope
        self.predecessors = successions.predecessors(within: scope)
        self.departed = successions.departed(from: scope)
    }

    public init(scope: AreaCode, areas: [Area]) {
        self.init(scope: scope, successions: Successions(areas))
    }

    /// Whether a record made in `code` is within reach: its changes are sent to the device.
    public func covers(_ code: AreaCode) -> Bool {
        (scope.covers(code) && !departed.contains(code)) || predecessors.contains(code)
    }

    /// Whether the device's changes of a record made in `code` are taken: those within reach, and those of
    /// areas that departed from its scope (made there while it was the device's; nothing is lost).
    public func accepts(_ code: AreaCode) -> Bool {
        scope.covers(code) || predecessors.contains(code)
    }

    /// The header with which every page of a pull names the areas merged into the device's scope
    /// (`fingerprint`; absent when none): a device that sees it change pulls again from the start, so
    /// that it gets the whole history of the records it gained.
    public static let header = "FieldSync-Reach"

    /// A short fingerprint of the merged areas (16 hex digits), nil when there are none.
    public var fingerprint: String? {
        predecessors.isEmpty ? nil : Area.fingerprint(predecessors.map { "\($0)\n" })
    }
}
