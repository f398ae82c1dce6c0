import Shared

/// The enrollment string a worker types or pastes: what is wrong with it, in their language.
extension EnrollmentError: LocalizedMessage {
    public func message(in language: Language) -> String {
        guard language == .zh else { return description }
        return switch self {
        case .notAnEnrollment: "登记串以 FS1- 开头；请向区中心要一个（center worker add）"
        case .badCharacter(let character): "登记串里不会有“\(character)”：请检查是否输错了字母（登记串不用 i、l、o、u）"
        case .checksum: "登记串的校验码对不上：有字符输错或漏输了"
        case .malformed: "这个版本的 field 读不懂这个登记串"
        }
    }
}
