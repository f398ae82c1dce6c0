/// How serious a dispute or a risk hazard is.
public enum RiskLevel: String, CodedValue {
    case normal
    case serious
    case critical

    public static let noun = "level"
    public static let chineseNoun = "等级"

    public var label: String {
        switch self {
        case .normal: "一般"
        case .serious: "较大"
        case .critical: "重大"
        }
    }
}
