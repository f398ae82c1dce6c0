/// Where a case goes when the village cannot settle it (移交).
public enum EscalationTarget: String, CodedValue {
    case court
    /// The petition office (信访).
    case petition
    /// A professional mediation committee (traffic, labour, medical, housing).
    case committee
    /// The town's comprehensive mediation center.
    case town

    public static let noun = "escalation target"
    public static let chineseNoun = "移交去向"

    public var label: String {
        switch self {
        case .court: "法院"
        case .petition: "信访部门"
        case .committee: "专业调委会"
        case .town: "镇综治中心"
        }
    }
}
