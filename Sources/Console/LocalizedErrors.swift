import Shared
import Storage

// What a worker may get wrong, said in their language. Each error's `description` is the English
// message (for the library's tests and logs); these give the Chinese one a worker reads in `field`.

extension Language {
    /// `error` as a worker reading this language should see it.
    public func message(for error: any Error) -> String {
        (error as? any LocalizedMessage)?.message(in: self) ?? "\(error)"
    }
}

/// The enrollment string a worker types or pastes: what is wrong with it.
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

extension InputError: LocalizedMessage {
    public func message(in language: Language) -> String {
        language == .zh ? chinese ?? description : description
    }
}

extension UsageError: LocalizedMessage {
    public func message(in language: Language) -> String {
        language == .zh ? chinese ?? description : description
    }
}

extension StoreError: LocalizedMessage {
    public func message(in language: Language) -> String {
        language == .zh ? chinese ?? message : message
    }
}

extension DateError: LocalizedMessage {
    public func message(in language: Language) -> String {
        guard language == .zh else { return description }
        return switch problem {
        case .format: "“\(text)”不是日期：应为 年-月-日（YYYY-MM-DD），例如 2022-03-15"
        case .year: "“\(text)”不是日期：年份应在 1900 到 2999 之间"
        case .month: "“\(text)”不是日期：月份应为 01 到 12"
        case .day(let days): "“\(text)”不是日期：那个月只有 \(days) 天"
        }
    }
}

extension ChoiceError: LocalizedMessage {
    public func message(in language: Language) -> String {
        guard language == .zh else { return description }
        return "没有“\(given)”这种\(chineseNoun)；可选：\(allowed.joined(separator: "，"))"
    }
}

extension AreaCodeError: LocalizedMessage {
    public func message(in language: Language) -> String {
        guard language == .zh else { return description }
        let reason =
            switch problem {
            case .empty: "是空的"
            case .notADigit(let position): "第 \(position) 个字符不是数字"
            case .wrongLength(let count): "有 \(count) 位"
            case .unknownProvince(let prefix): "没有代码为 \(prefix) 的省份"
            case .notADistrict: "它是省或市的代码，不是区县的"
            }
        return "“\(text)”不是区划代码：\(reason)；应为 6 位（区县）、9 位（乡镇街道）或 12 位（村社区），例如 620502101201"
    }
}

extension PartyError: LocalizedMessage {
    public func message(in language: Language) -> String {
        guard language == .zh else { return description }
        return switch self {
        case .emptyName: "当事人要有姓名"
        case .nameTooLong(let count): "当事人姓名有 \(count) 个字，最多 64 个"
        case .malformedIDNumber: "身份证号是 17 位数字加最后一位数字或 X"
        case .wrongIDCheckDigit: "身份证号的校验位不对：请检查是否输错了数字"
        case .malformedPhone: "电话号码是 5 到 15 位数字，前面可以有 +"
        }
    }
}

extension ClockError: LocalizedMessage {
    public func message(in language: Language) -> String {
        guard language == .zh else { return description }
        return "副本 \(timestamp.replica) 的时钟快了 \(Self.duration(aheadBy))（最多允许 \(Self.duration(maximumDrift))）；"
            + "请把那台设备的日期和时间改正确"
    }
}

extension EntityKind {
    /// How Chinese messages name a record of this kind.
    var chineseNoun: String {
        switch self {
        case .dispute: "纠纷"
        case .risk: "风险隐患"
        }
    }
}

extension LifecycleStep.Action {
    /// The step as Chinese messages name it.
    var chineseVerb: String {
        switch self {
        case .mediate: "开始调解"
        case .resolve: "登记调解成功"
        case .fail: "登记调解不成"
        case .escalate: "移交"
        case .reopen: "重新打开"
        case .strike: "销号"
        case .void: "作废"
        case .unvoid: "恢复"
        case .merge: "合并"
        case .split: "拆分"
        }
    }
}

extension CommandError: LocalizedMessage {
    /// The fields a command requires, as the forms name them.
    static let chineseFields = [
        "summary": "简要情况", "parties": "当事人", "reason": "原因", "agreement": "调解协议", "visit note": "回访情况",
        "note": "备注", "recorder": "登记人", "area": "领域", "title": "风险隐患名称", "plan": "预案", "owner": "责任人",
        "evidence": "销号依据",
    ]

    public func message(in language: Language) -> String {
        guard language == .zh else { return description }
        switch self {
        case .notFound(let key):
            return "没有 id 为 \(key.id) 的\(key.kind.chineseNoun)"
        case .alreadyExists(let key):
            return "id 为 \(key.id) 的\(key.kind.chineseNoun)已经存在"
        case .voided(let key):
            return "这条\(key.kind.chineseNoun)（\(key.id)）已作废；先用 unvoid 恢复，再修改"
        case .notVoided(let key):
            return "这条\(key.kind.chineseNoun)（\(key.id)）没有作废"
        case .illegalMove(let action, let kind, let current, let allowed):
            let moves =
                allowed.isEmpty ? "无" : allowed.map { "\($0.chineseVerb)（\($0.rawValue)）" }.joined(separator: "、")
            return "这条\(kind.chineseNoun)现在是\(current)，不能\(action.chineseVerb)；现在可以：\(moves)"
        case .missing(let field):
            return "\(Self.chineseFields[field] ?? field)不能为空"
        case .nothingToChange(let key):
            return "没有要改的：这次修改给\(key.kind.chineseNoun) \(key.id) 的值和原来一样"
        case .beforeIncident(let what, let date, let incident):
            let thing = what == "agreement" ? "调解协议" : what == "visit" ? "回访" : what
            return "\(thing)的日期 \(date) 早于纠纷发生的日期（\(incident)）；请核对这两个日期"
        case .invalid(let error):
            return error.description
        }
    }
}

extension LookupError: LocalizedMessage {
    public func message(in language: Language) -> String {
        guard language == .zh else { return description }
        return switch self {
        case .malformed(let prefix, let kind):
            "“\(prefix)”不是\(kind.chineseNoun)的 id：id 最多 26 个字符，由 0-9 和 a-z 组成（没有 i、l、o、u）"
        case .notFound(let prefix, let kind):
            "没有 id 以“\(prefix)”开头的\(kind.chineseNoun)"
        case .ambiguous(let prefix, let kind, let candidates):
            "有好几条\(kind.chineseNoun)的 id 以“\(prefix)”开头，请多输几位："
                + candidates.prefix(10).joined(separator: "，") + (candidates.count > 10 ? "……" : "")
        }
    }
}

extension ReportPeriodError: LocalizedMessage {
    public func message(in language: Language) -> String {
        guard language == .zh else { return description }
        return switch self {
        case .malformed(let text, .year): "“\(text)”不是报表期间：应为 --year 年份（YYYY），例如 2022"
        case .malformed(let text, .month): "“\(text)”不是报表期间：应为 --month 年-月（YYYY-MM），例如 2022-03"
        case .malformed(let text, .week): "“\(text)”不是报表期间：应为 --week 年-W周（YYYY-Www），例如 2022-W11"
        case .malformed(let text, .weekOf(let year, let weeks)): "“\(text)”不是报表期间：\(year) 年只有第 1 到第 \(weeks) 周"
        case .reversed(let first, let last): "期间的结束日（\(last)）早于开始日（\(first)）"
        }
    }
}

extension CSV.ParseError: LocalizedMessage {
    public func message(in language: Language) -> String {
        language == .zh ? "第 \(line) 行：\(chinese ?? message)" : description
    }
}
