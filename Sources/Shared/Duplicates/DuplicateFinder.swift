/// What a duplicate check compares of a case.
public struct CaseFingerprint: Hashable, Sendable {
    public var id: RecordID
    public var village: AreaCode
    public var category: DisputeCategory?
    public var incidentDate: CalendarDate?
    /// Normalised party names.
    public var names: [String]
    /// ID-card and phone numbers: strong evidence when two cases share one.
    public var numbers: [String]
    /// The keys the finder files this case under, as `FinderKey`s (computed once, each once).
    let keys: [UInt64]

    public init(_ dispute: Dispute) {
        self.init(
            id: dispute.id, village: dispute.village, category: dispute.category, incidentDate: dispute.incidentDate,
            names: dispute.parties.map { PartyName.normalize($0.name) }.filter { !$0.isEmpty },
            numbers: Self.numbers(of: dispute.parties))
    }

    /// The parties' ID-card and phone numbers, as the finder files them (`id:…`, `tel:…`).
    public static func numbers(of parties: [Party]) -> [String] {
        // Every case's row and fingerprint asks, and most parties give no number: nothing is made for them.
        var numbers: [String] = []
        for party in parties {
            if let idNumber = party.idNumber { numbers.append("id:" + idNumber) }
            if let phone = party.phone { numbers.append("tel:" + phone) }
        }
        return numbers
    }

    public init(
        id: RecordID, village: AreaCode, category: DisputeCategory?, incidentDate: CalendarDate?, names: [String],
        numbers: [String]
    ) {
        self.id = id
        self.village = village
        self.category = category
        self.incidentDate = incidentDate
        self.names = names
        self.numbers = numbers
        // Each key once, in order: sorted then thinned (a set for a handful of numbers costs more).
        var keys = names.flatMap(FinderKey.keys(ofName:)) + numbers.map(FinderKey.key(ofNumber:))
        keys.sort()
        var kept = 0
        for index in keys.indices where kept == 0 || keys[kept - 1] != keys[index] {
            keys[kept] = keys[index]
            kept += 1
        }
        keys.removeSubrange(kept...)
        self.keys = keys
    }
}

/// Two cases that are probably one dispute, how sure, and why.
public struct DuplicateMatch: Hashable, Sendable {
    public enum Reason: Hashable, Sendable {
        /// How many parties match exactly, and how many by a one-character slip.
        case parties(exact: Int, close: Int, of: Int)
        case sameIDNumber
        case samePhone
        case sameCategory
        case relatedCategory
        case differentCategory
        case incidentDays(Int)
        case sameVillage
        case sameTown
        case sameDistrict
    }

    public var candidate: RecordID
    /// From 0 to 1.
    public var score: Double
    public var reasons: [Reason]

    public init(candidate: RecordID, score: Double, reasons: [Reason]) {
        self.candidate = candidate
        self.score = score
        self.reasons = reasons
    }
}

extension DuplicateMatch.Reason {
    /// A short stable code, as stored with a pair awaiting review: `parties:2:0:2`, `same-id-number`,
    /// `days:3`, …
    public var code: String {
        switch self {
        case .parties(let exact, let close, let of): "parties:\(exact):\(close):\(of)"
        case .sameIDNumber: "same-id-number"
        case .samePhone: "same-phone"
        case .sameCategory: "same-category"
        case .relatedCategory: "related-category"
        case .differentCategory: "different-category"
        case .incidentDays(let days): "days:\(days)"
        case .sameVillage: "same-village"
        case .sameTown: "same-town"
        case .sameDistrict: "same-district"
        }
    }

    /// The reason a code names, or nil for a code this version does not know.
    public init?(code: String) {
        let parts = code.split(separator: ":").map(String.init)
        switch parts.first {
        case "parties" where parts.count == 4:
            guard let exact = Int(parts[1]), let close = Int(parts[2]), let of = Int(parts[3]) else { return nil }
            self = .parties(exact: exact, close: close, of: of)
        case "days" where parts.count == 2:
            guard let days = Int(parts[1]) else { return nil }
            self = .incidentDays(days)
        default:
            let plain: [Self] = [
                .sameIDNumber, .samePhone, .sameCategory, .relatedCategory, .differentCategory, .sameVillage,
                .sameTown, .sameDistrict,
            ]
            guard let reason = plain.first(where: { $0.code == code }) else { return nil }
            self = reason
        }
    }

    /// The reason in Chinese, as a merge step records it.
    public var label: String {
        switch self {
        case .parties(let exact, let close, let of):
            "当事人\(of)人中\(exact)人一致" + (close > 0 ? "、\(close)人仅一字之差" : "")
        case .sameIDNumber: "身份证号相同"
        case .samePhone: "电话相同"
        case .sameCategory: "类别相同"
        case .relatedCategory: "类别相近"
        case .differentCategory: "类别不同"
        case .incidentDays(let days): days == 0 ? "发生日期相同" : "发生日期相差\(days)天"
        case .sameVillage: "同村"
        case .sameTown: "同乡镇"
        case .sameDistrict: "同区其他乡镇"
        }
    }
}

/// Finds the known cases that a case probably duplicates, from an index of party names and numbers:
/// a new case is compared only with cases that share a key, never with every case.
public struct DuplicateFinder: Sendable {
    /// At or above: merge at once.
    public static let mergeThreshold = 0.85
    /// At or above (and below `mergeThreshold`): ask a person.
    public static let reviewThreshold = 0.55

    /// Fingerprints by slot; a slot is a small number the index holds instead of a 128-bit id.
    private var slots: [CaseFingerprint?] = []
    private var freeSlots: [Int32] = []
    private var slotOf: [RecordID: Int32] = [:]
    private var index: [UInt64: [Int32]] = [:]

    public init() {}

    public var count: Int { slotOf.count }

    public mutating func insert(_ fingerprint: CaseFingerprint) {
        remove(fingerprint.id)
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(slot)] = fingerprint
        } else {
            slot = Int32(slots.count)
            slots.append(fingerprint)
        }
        slotOf[fingerprint.id] = slot
        for key in fingerprint.keys {
            index[key, default: []].append(slot)
        }
    }

    public mutating func remove(_ id: RecordID) {
        guard let slot = slotOf.removeValue(forKey: id), let old = slots[Int(slot)] else { return }
        for key in old.keys {
            index[key]?.removeAll { $0 == slot }
            if index[key]?.isEmpty == true { index[key] = nil }
        }
        slots[Int(slot)] = nil
        freeSlots.append(slot)
    }

    /// Known cases scoring at least `reviewThreshold` against `fingerprint`, best first.
    ///
    /// Only cases sharing enough keys are scored. A case of several parties can reach the threshold
    /// only with one that shares an exact name (its name key, counted twice, and masked keys), a
    /// number, or two names each a character off (two masked keys); so it scores the cases sharing
    /// two keys or more, or a number. A case of one party scores every case sharing a key.
    public func candidates(for fingerprint: CaseFingerprint) -> [DuplicateMatch] {
        let needed = fingerprint.names.count > 1 ? 2 : 1
        // Each hit as one number, slot above weight, so that sorting groups a case's hits together.
        var hits: [UInt64] = []
        // Room for what most cases' keys find at once; more grows the list by doubling.
        hits.reserveCapacity(32)
        for key in fingerprint.keys {
            let kind = key & 3
            let weight = UInt64(kind == FinderKey.name ? 2 : kind == FinderKey.masked ? 1 : needed)
            guard let slots = index[key] else { continue }
            // No `reserveCapacity` per key: reserving exactly what each key adds would grow the list
            // one allocation (and copy) per key instead of by doubling.
            for slot in slots {
                hits.append(UInt64(UInt32(slot)) << 8 | weight)
            }
        }
        hits.sort()
        let own = slotOf[fingerprint.id]
        var matches: [DuplicateMatch] = []
        var start = 0
        while start < hits.count {
            let slot = hits[start] >> 8
            var end = start
            var shared = 0
            while end < hits.count, hits[end] >> 8 == slot {
                shared += Int(hits[end] & 0xFF)
                end += 1
            }
            // Indexed slots always hold a case; scored in place, without copying it.
            if shared >= needed, Int32(slot) != own, let match = Self.match(fingerprint, slots[Int(slot)]!),
                match.score >= Self.reviewThreshold
            {
                matches.append(match)
            }
            start = end
        }
        return matches.sorted { ($0.score, $1.candidate) > ($1.score, $0.candidate) }
    }

    /// How likely `other` is the same dispute as `case`, with the reasons; nil if no party matches.
    public static func match(_ case: CaseFingerprint, _ other: CaseFingerprint) -> DuplicateMatch? {
        var reasons: [DuplicateMatch.Reason] = []
        var score = 0.0
        // Parties: each of one side paired with its best match on the other, order ignored.
        var remaining = other.names
        var exact = 0
        var close = 0
        for name in `case`.names {
            let best = remaining.indices.max {
                PartyName.similarity(name, remaining[$0]) < PartyName.similarity(name, remaining[$1])
            }
            guard let best else { break }
            let similarity = PartyName.similarity(name, remaining[best])
            if similarity == 1 {
                exact += 1
            } else if similarity > 0 {
                close += 1
            } else {
                continue
            }
            remaining.remove(at: best)
        }
        let total = max(`case`.names.count, other.names.count)
        let sharedNumbers = Set(`case`.numbers).intersection(other.numbers)
        guard exact + close > 0 || !sharedNumbers.isEmpty, total > 0 else { return nil }
        reasons.append(.parties(exact: exact, close: close, of: total))
        score += 0.55 * (Double(exact) + 0.5 * Double(close)) / Double(total)
        if sharedNumbers.contains(where: { $0.hasPrefix("id:") }) {
            reasons.append(.sameIDNumber)
            score += 0.4
        }
        if sharedNumbers.contains(where: { $0.hasPrefix("tel:") }) {
            reasons.append(.samePhone)
            score += 0.25
        }
        if let left = `case`.category, let right = other.category {
            if left == right {
                reasons.append(.sameCategory)
                score += 0.15
            } else if left.isRelated(to: right) {
                reasons.append(.relatedCategory)
                score += 0.08
            } else {
                reasons.append(.differentCategory)
                score -= 0.15
            }
        }
        if let left = `case`.incidentDate, let right = other.incidentDate {
            let days = abs(left.daysSinceEpoch - right.daysSinceEpoch)
            reasons.append(.incidentDays(days))
            score += days <= 3 ? 0.15 : days <= 14 ? 0.1 : days <= 45 ? 0.03 : -0.25
        }
        if `case`.village == other.village {
            reasons.append(.sameVillage)
            score += 0.1
        } else if `case`.village.parent == other.village.parent {
            reasons.append(.sameTown)
            score += 0.08
        } else if `case`.village.district == other.village.district {
            // A neighbouring town: the district's own example, one dispute seen from both sides.
            reasons.append(.sameDistrict)
            score += 0.05
        } else {
            score -= 0.3
        }
        return DuplicateMatch(candidate: other.id, score: min(1, max(0, score)), reasons: reasons)
    }
}

extension DisputeCategory {
    /// Categories one dispute is often filed under by different workers.
    func isRelated(to other: DisputeCategory) -> Bool {
        relatedGroups & other.relatedGroups != 0 || self == .other || other == .other
    }

    /// The groups of related categories this one belongs to, one bit each: family matters (marriage,
    /// inheritance, debt), land and houses (neighbours, land, housing), work (labour, debt), accidents
    /// (traffic, medical).
    private var relatedGroups: UInt8 {
        switch self {
        case .marriageFamily, .inheritance: 0b0001
        case .debt: 0b0101
        case .neighbor, .land, .housing: 0b0010
        case .labor: 0b0100
        case .traffic, .medical: 0b1000
        case .other: 0
        }
    }
}
