/// What a dispute is about, as the district classifies it.
public enum DisputeCategory: String, CodedValue {
    case marriageFamily = "marriage-family"
    case neighbor
    case land
    case labor
    case traffic
    case medical
    case housing
    case debt
    case inheritance
    case other

    public static let noun = "category"
    public static let chineseNoun = "类别"

    public var label: String {
        switch self {
        case .marriageFamily: "婚姻家庭"
        case .neighbor: "邻里纠纷"
        case .land: "土地纠纷"
        case .labor: "劳动争议"
        case .traffic: "交通事故"
        case .medical: "医患纠纷"
        case .housing: "房屋征收"
        case .debt: "债务纠纷"
        case .inheritance: "继承纠纷"
        case .other: "其他"
        }
    }
}
