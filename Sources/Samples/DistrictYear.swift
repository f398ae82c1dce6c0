import Shared

/// A district's year of grassroots work, generated from a seed with the totals of the district's own
/// report (2022): 2957 disputes screened, 2917 resolved, 21 risk items in 5 areas, all struck off;
/// plus cases that workers of neighbouring towns recorded twice. Another seed gives other cases,
/// villages, dates and names with the same totals.
public struct DistrictYear: Sendable {
    /// One thing a worker does, on a day, to a record.
    public enum Action: Sendable {
        case dispute(DisputeCommand, RecordID)
        case risk(RiskCommand, RecordID)
    }

    public struct Event: Sendable {
        /// Milliseconds since 1970 of the moment it was done (noon, local time, plus minutes).
        public var time: Int64
        public var action: Action
    }

    public static let district = try! AreaCode(parsing: "620502")
    /// 7 subdistricts (街道) and 16 towns (镇), as in the report.
    public static let towns: [(code: String, name: String)] = [
        ("001", "大城街道"), ("002", "七里墩街道"), ("003", "东关街道"), ("004", "西关街道"), ("005", "中城街道"), ("006", "石马坪街道"),
        ("007", "天水郡街道"), ("101", "玉泉镇"), ("102", "太京镇"), ("103", "藉口镇"), ("104", "皂郊镇"), ("105", "汪川镇"),
        ("106", "牡丹镇"),
        ("107", "关子镇"), ("108", "平南镇"), ("109", "天水镇"), ("110", "娘娘坝镇"), ("111", "中梁镇"), ("112", "杨家寺镇"),
        ("113", "齐寿镇"),
        ("114", "大门镇"), ("115", "秦岭镇"), ("116", "华岐镇"),
    ]
    static let places = ["东", "西", "南", "北", "中", "新"]

    /// The district, its towns and their villages (communities in subdistricts), with names.
    public static var areas: [Area] {
        var areas = [Area(code: district, name: "秦州区")]
        for town in towns {
            let code = try! AreaCode(parsing: "620502\(town.code)")
            areas.append(Area(code: code, name: town.name))
            let stem = String(town.name.prefix(2))
            for (index, place) in places.enumerated() {
                areas.append(
                    Area(
                        code: try! AreaCode(parsing: "\(code)\(201 + index)"),
                        name: stem + place + (town.name.hasSuffix("街道") ? "社区" : "村")))
            }
        }
        return areas
    }

    public static var villages: [AreaCode] { areas.map(\.code).filter { $0.level == .village } }

    public static let screened = 2957
    public static let resolved = 2917
    public static let riskAreas = ["婚恋家庭", "邻里关系", "土地资源", "劳资纠纷", "征地拆迁"]
    public static let riskItems = 21

    public let year: Int
    /// What each village's worker does, in order of time.
    public var events: [AreaCode: [Event]] = [:]
    /// How many cases were recorded a second time by a worker of a neighbouring town.
    public var duplicates = 0

    public init(year: Int = 2022, seed: UInt64, duplicates: Int = 36, noonOf: (CalendarDate) -> Int64) {
        self.year = year
        var generator = SeededGenerator(seed: seed)
        let villages = Self.villages
        let first = try! CalendarDate(year: year, month: 1, day: 5)
        var finder = DuplicateFinder()
        var used: Set<String> = []
        var events: [AreaCode: [Event]] = [:]
        func at(_ date: CalendarDate, _ minute: Int) -> Int64 { noonOf(date) + Int64(minute) * 60_000 }
        func add(_ village: AreaCode, _ date: CalendarDate, _ minute: Int, _ action: Action) {
            events[village, default: []].append(Event(time: at(date, minute), action: action))
        }
        // Names no other case shares a key with: the finder merges only what was recorded twice.
        func parties(for id: RecordID, village: AreaCode, category: DisputeCategory, date: CalendarDate) -> [String] {
            while true {
                let names = (0..<2).map { _ in
                    String(DuplicateSample.families.randomElement(using: &generator)!)
                        + String((0..<2).map { _ in DuplicateSample.wideGiven.randomElement(using: &generator)! })
                }
                let fingerprint = CaseFingerprint(
                    id: id, village: village, category: category, incidentDate: date,
                    names: names.map(PartyName.normalize), numbers: [])
                if names[0] != names[1], !names.contains(where: used.contains),
                    finder.candidates(for: fingerprint).isEmpty
                {
                    finder.insert(fingerprint)
                    used.formUnion(names)
                    return names
                }
            }
        }
        let categories: [(DisputeCategory, Int)] = [
            (.marriageFamily, 26), (.neighbor, 22), (.land, 14), (.labor, 9), (.traffic, 7), (.medical, 3),
            (.housing, 5), (.debt, 8), (.inheritance, 4), (.other, 2),
        ]
        func category() -> DisputeCategory {
            var pick = Int.random(in: 0..<categories.reduce(0) { $0 + $1.1 }, using: &generator)
            for (category, weight) in categories {
                if pick < weight { return category }
                pick -= weight
            }
            return .other
        }
        // The outcomes of the 2957 cases: 2917 resolved; the other 40 escalated, failed, in mediation or
        // waiting at the year's end.
        var outcomes = Array(repeating: DisputeStatus.resolved, count: Self.resolved)
        outcomes += Array(repeating: .escalated, count: 15) + Array(repeating: .unresolved, count: 8)
        outcomes += Array(repeating: .mediating, count: 10) + Array(repeating: .screened, count: 7)
        outcomes.shuffle(using: &generator)
        var originals: [(id: RecordID, village: AreaCode, date: CalendarDate, draft: DisputeDraft)] = []
        for outcome in outcomes {
            let id = RecordID.random(using: &generator)
            let village = villages.randomElement(using: &generator)!
            let date = first.adding(days: Int.random(in: 0..<350, using: &generator))
            let kind = category()
            let found: Discovery =
                generator.chance(80) ? .screening : generator.chance(60) ? .visit : .referral
            let draft = DisputeDraft(
                village: village, category: kind,
                parties: parties(for: id, village: village, category: kind, date: date).map { try! Party(name: $0) },
                summary:
                    "\(kind.label)：双方因\(["彩礼返还", "宅基地边界", "拖欠工资", "赔偿数额", "排水通行", "赡养费用"].randomElement(using: &generator)!)发生争执",
                foundBy: found, level: generator.chance(90) ? .normal : .serious, incidentDate: date.adding(days: -2),
                recorder: "网格员")
            originals.append((id, village, date, draft))
            add(village, date, 0, .dispute(.record(draft), id))
            guard outcome != .screened else { continue }
            let method = MediationMethod.allCases.filter { $0 != .other }.randomElement(using: &generator)!
            let mediated = date.adding(days: Int.random(in: 0...3, using: &generator))
            add(village, mediated, 30, .dispute(.mediate(method: method, mediator: "调解员"), id))
            let settled = mediated.adding(days: Int.random(in: 1...20, using: &generator))
            switch outcome {
            case .resolved:
                add(
                    village, settled, 60,
                    .dispute(.resolve(agreement: "双方达成调解协议，按约履行", date: settled), id))
                if generator.chance(60) {
                    let visited = settled.adding(days: Int.random(in: 7...30, using: &generator))
                    add(
                        village, visited, 90,
                        .dispute(
                            .visit(Visit(date: visited, note: "回访：协议履行情况", isAgreementKept: generator.chance(95))), id))
                }
            case .escalated:
                add(village, settled, 60, .dispute(.fail(reason: "双方分歧较大"), id))
                add(village, settled.adding(days: 1), 60, .dispute(.escalate(to: .court, note: "引导诉讼"), id))
            case .unresolved:
                add(village, settled, 60, .dispute(.fail(reason: "一方拒绝调解"), id))
            default:
                break
            }
        }
        // Cases a worker of the next town recorded too: the names spelled otherwise, a day or two apart.
        for original in originals.shuffled(using: &generator).prefix(duplicates) {
            let towns = Self.towns.map { try! AreaCode(parsing: "620502\($0.code)") }
            let index = towns.firstIndex(of: original.village.parent!)!
            let neighbour = towns[(index + 1) % towns.count]
            let village = villages.filter { $0.parent == neighbour }.randomElement(using: &generator)!
            var draft = original.draft
            draft.village = village
            draft.parties = original.draft.parties.reversed().map { party in
                let name = party.name
                return try! Party(name: String(name.prefix(1)) + "·" + String(name.dropFirst()))
            }
            let date = original.date.adding(days: Int.random(in: -2...2, using: &generator))
            draft.incidentDate = original.draft.incidentDate
            let id = RecordID.random(using: &generator)
            add(village, date, 15, .dispute(.record(draft), id))
            add(
                village, date.adding(days: 3), 120,
                .dispute(.visit(Visit(date: date.adding(days: 3), note: "邻镇回访", isAgreementKept: true)), id))
        }
        self.duplicates = duplicates
        // The risk ledger: 21 items in 5 areas, each struck off before its deadline.
        for index in 0..<Self.riskItems {
            let id = RecordID.random(using: &generator)
            let village = villages.randomElement(using: &generator)!
            let listed = first.adding(days: Int.random(in: 0..<280, using: &generator))
            let area = Self.riskAreas[index % Self.riskAreas.count]
            let draft = RiskDraft(
                scope: village, area: area, title: "\(area)风险隐患\(index + 1)", level: .serious, plan: "包案化解、定期回访",
                owner: Owner(person: "包案领导\(index + 1)", unit: "村（社区）两委"),
                deadline: listed.adding(days: 60), recorder: "网格员")
            add(village, listed, 45, .risk(.record(draft), id))
            let struck = listed.adding(days: Int.random(in: 10...50, using: &generator))
            add(village, struck, 45, .risk(.strike(evidence: "隐患已消除，现场核实", date: struck), id))
        }
        for village in events.keys {
            events[village]!.sort { $0.time < $1.time }
        }
        self.events = events
    }
}
