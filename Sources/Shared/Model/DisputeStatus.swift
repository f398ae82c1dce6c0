/// Where a dispute case stands.
///
/// screened -> mediating -> resolved | unresolved -> escalated; a resolved, unresolved or escalated
/// case can be reopened, which puts it back into mediation. A case may also be escalated straight from
/// screening or mediation when the village cannot handle it.
public enum DisputeStatus: String, CodedValue, Comparable {
    /// Found and recorded (已排查).
    case screened
    /// Being mediated (调解中).
    case mediating
    /// Settled by agreement (调解成功).
    case resolved
    /// Mediation failed (调解不成).
    case unresolved
    /// Handed on to a court, the petition office, a committee or the town (已移交).
    case escalated

    public static let noun = "status"
    public static let chineseNoun = "状态"

    public var label: String {
        switch self {
        case .screened: "已排查"
        case .mediating: "调解中"
        case .resolved: "调解成功"
        case .unresolved: "调解不成"
        case .escalated: "已移交"
        }
    }

    /// How ledgers kept by hand word a case's result.
    public var otherLabels: [String] {
        switch self {
        case .screened: ["排查", "待调解", "已登记"]
        case .mediating: ["正在调解", "调解", "化解中", "正在化解"]
        case .resolved: ["已化解", "化解", "成功", "已调结", "化解成功"]
        case .unresolved: ["未化解", "调解不成功", "失败", "化解不成功"]
        case .escalated: ["移交", "移送", "上报", "已上报"]
        }
    }

    /// Order of precedence when concurrent steps disagree: the state that asks more of the district
    /// wins (see docs/ARCHITECTURE.md).
    public static func < (lhs: DisputeStatus, rhs: DisputeStatus) -> Bool {
        lhs.precedence < rhs.precedence
    }

    var precedence: Int {
        switch self {
        case .screened: 0
        case .mediating: 1
        case .resolved: 2
        case .unresolved: 3
        case .escalated: 4
        }
    }
}

/// Where a risk item stands on the ledger.
public enum RiskStatus: String, CodedValue, Comparable {
    /// Hung on the board (挂牌): open, with an owner and a deadline.
    case listed
    /// Struck off (销号): closed, with evidence.
    case struckOff = "struck-off"

    public static let noun = "risk status"
    public static let chineseNoun = "风险隐患状态"

    public var label: String {
        switch self {
        case .listed: "挂牌"
        case .struckOff: "已销号"
        }
    }

    /// How ledgers kept by hand word where an item stands.
    public var otherLabels: [String] {
        switch self {
        case .listed: ["在办", "未销号", "整改中", "未整改", "管控中"]
        case .struckOff: ["销号", "已化解", "已整改", "整改完成"]
        }
    }

    public static func < (lhs: RiskStatus, rhs: RiskStatus) -> Bool {
        lhs == .listed && rhs == .struckOff
    }
}
