/// How a mediator works a case: the "five styles" and the look-listen-ask-feel-revisit method.
public enum MediationMethod: String, CodedValue {
    /// Chatting, as with family (拉家常式).
    case chat
    /// Finding the facts first (摸底式).
    case factFinding = "fact-finding"
    /// Helping the needy party (扶贫救困式).
    case aid
    /// Settling in stages (分段式).
    case staged
    /// Offering the parties choices (选择式).
    case choice
    /// Look, listen, ask, feel, and revisit to check the agreement is kept (望闻问切访).
    case revisit
    case other

    public static let noun = "mediation method"
    public static let chineseNoun = "调解方式"

    public var label: String {
        switch self {
        case .chat: "拉家常式"
        case .factFinding: "摸底式"
        case .aid: "扶贫救困式"
        case .staged: "分段式"
        case .choice: "选择式"
        case .revisit: "望闻问切访"
        case .other: "其他"
        }
    }

    public var otherLabels: [String] {
        switch self {
        case .chat: ["拉家常", "拉家常式调解"]
        case .factFinding: ["摸底", "摸底式调解"]
        case .aid: ["扶贫救困", "扶贫救困式调解"]
        case .staged: ["分段", "分段式调解"]
        case .choice: ["选择", "选择式调解"]
        case .revisit: ["望闻问切", "望闻问切访式", "望闻问切访调解法"]
        case .other: ["其它"]
        }
    }
}
