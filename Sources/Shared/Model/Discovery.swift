/// How a dispute came to the worker's attention.
public enum Discovery: String, CodedValue {
    /// Found in the weekly screening (周排查).
    case screening
    /// A party walked in (来访).
    case visit
    /// Referred by another body (转交).
    case referral

    public static let noun = "way found"
    public static let chineseNoun = "发现方式"

    public var label: String {
        switch self {
        case .screening: "排查发现"
        case .visit: "群众来访"
        case .referral: "转交"
        }
    }
}
