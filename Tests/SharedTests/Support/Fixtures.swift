import Shared

/// Well-known values for example tests.
enum Sample {
    static let district = try! AreaCode(parsing: "620502")
    static let townA = try! AreaCode(parsing: "620502101")
    static let townB = try! AreaCode(parsing: "620502102")
    static let villageA = try! AreaCode(parsing: "620502101201")
    static let villageB = try! AreaCode(parsing: "620502102203")

    static func date(_ text: String) -> CalendarDate {
        try! CalendarDate(parsing: text)
    }

    static func party(_ name: String) -> Party {
        try! Party(name: name)
    }

    /// A replica with a manual wall clock starting at `start`.
    static func replica(_ raw: UInt64, clock wall: ManualWallClock = ManualWallClock()) -> Replica {
        Replica(clock: HybridClock(replica: ReplicaID(rawValue: raw), wallClock: wall))
    }

    static func draft(village: AreaCode = villageA, parties: [String] = ["王建国", "李秀英"]) -> DisputeDraft {
        DisputeDraft(
            village: village, category: .marriageFamily, parties: parties.map(party(_:)),
            summary: "离婚后彩礼返还争议", foundBy: .screening, level: .normal, incidentDate: date("2022-03-15"),
            recorder: "张网格")
    }

    static func riskDraft(scope: AreaCode = townA) -> RiskDraft {
        RiskDraft(
            scope: scope, area: "征地拆迁", title: "安置补偿款未到位", level: .serious, plan: "每周约谈，分期兑付",
            owner: Owner(person: "赵主任", unit: "镇综治中心"), deadline: date("2022-06-30"), recorder: "张网格")
    }
}
