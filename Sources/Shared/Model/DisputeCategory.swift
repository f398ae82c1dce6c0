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

    public var otherLabels: [String] {
        switch self {
        case .marriageFamily: ["婚姻家庭纠纷", "婚姻纠纷", "家庭纠纷", "婚恋纠纷"]
        case .neighbor: ["邻里", "邻里关系纠纷"]
        case .land: ["土地", "土地承包纠纷", "土地权属纠纷", "宅基地纠纷", "山林土地纠纷"]
        case .labor: ["劳动争议纠纷", "劳动纠纷", "劳资纠纷", "欠薪纠纷", "拖欠工资纠纷"]
        case .traffic: ["交通事故纠纷", "道路交通事故纠纷", "交通纠纷"]
        case .medical: ["医疗纠纷", "医疗事故纠纷", "医患"]
        case .housing: ["房屋征收纠纷", "征地拆迁纠纷", "征地拆迁", "拆迁纠纷", "征收补偿纠纷"]
        case .debt: ["债权债务纠纷", "债务", "借贷纠纷", "民间借贷纠纷", "欠款纠纷"]
        case .inheritance: ["继承", "遗产继承纠纷", "遗产纠纷"]
        case .other: ["其他纠纷", "其它", "其它纠纷"]
        }
    }
}
