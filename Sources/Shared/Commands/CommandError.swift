/// Why a command was refused. A refused command produces no change.
public enum CommandError: Error, Hashable, Sendable {
    case notFound(EntityKey)
    case alreadyExists(EntityKey)
    /// The record is voided; only `unvoid` applies to it.
    case voided(EntityKey)
    case notVoided(EntityKey)
    /// The action is not allowed from the record's current status.
    case illegalMove(action: LifecycleStep.Action, kind: EntityKind, current: String, allowed: [LifecycleStep.Action])
    /// A required field is empty.
    case missing(field: String)
    /// An edit that changes no field.
    case nothingToChange(EntityKey)
    /// An agreement or a visit dated before the day the dispute arose (`what` names which).
    case beforeIncident(what: String, date: CalendarDate, incident: CalendarDate)
    case invalid(ChangeError)
}

extension CommandError: CustomStringConvertible, LocalizedMessage {
    public var description: String { message(in: .en) }

    public func message(in language: Language) -> String {
        let zh = language == .zh
        switch self {
        case .notFound(let key):
            return zh ? "没有 id 为 \(key.id) 的\(key.kind.chineseNoun)" : "no \(key.kind.noun) with id \(key.id)"
        case .alreadyExists(let key):
            return zh
                ? "id 为 \(key.id) 的\(key.kind.chineseNoun)已经存在" : "a \(key.kind.noun) with id \(key.id) already exists"
        case .voided(let key):
            return zh
                ? "这条\(key.kind.chineseNoun)（\(key.id)）已作废；先用 unvoid 恢复，再修改"
                : "\(key.kind.noun) \(key.id) is voided; restore it with unvoid before changing it"
        case .notVoided(let key):
            return zh ? "这条\(key.kind.chineseNoun)（\(key.id)）没有作废" : "\(key.kind.noun) \(key.id) is not voided"
        case .illegalMove(let action, let kind, let current, let allowed):
            if zh {
                let moves =
                    allowed.isEmpty ? "无" : allowed.map { "\($0.chineseVerb)（\($0.rawValue)）" }.joined(separator: "、")
                return "这条\(kind.chineseNoun)现在是\(current)，不能\(action.chineseVerb)；现在可以：\(moves)"
            }
            let moves = allowed.isEmpty ? "nothing" : allowed.map(\.rawValue).joined(separator: ", ")
            return "cannot \(action.rawValue) a \(kind.noun) that is \(current); from there it can: \(moves)"
        case .missing(let field):
            return zh ? "\(Self.chineseFields[field] ?? field)不能为空" : "\(field) must not be empty"
        case .nothingToChange(let key):
            return zh
                ? "没有要改的：这次修改给\(key.kind.chineseNoun) \(key.id) 的值和原来一样"
                : "nothing to change: the edit gives \(key.kind.noun) \(key.id) the values it already has"
        case .beforeIncident(let what, let date, let incident):
            if zh {
                let thing = what == "agreement" ? "调解协议" : what == "visit" ? "回访" : what
                return "\(thing)的日期 \(date) 早于纠纷发生的日期（\(incident)）；请核对这两个日期"
            }
            return "the \(what) is dated \(date), before the day the dispute arose (\(incident)); check both dates"
        case .invalid(let error):
            return error.message(in: language)
        }
    }

    /// The fields a command requires, as the district's forms name them.
    static let chineseFields = [
        "summary": "简要情况", "parties": "当事人", "reason": "原因", "agreement": "调解协议", "visit note": "回访情况",
        "note": "备注", "recorder": "登记人", "area": "领域", "title": "风险隐患名称", "plan": "预案", "owner": "责任人",
        "evidence": "销号依据",
    ]
}

extension EntityKind {
    /// How messages name a record of this kind.
    public var noun: String {
        switch self {
        case .dispute: "dispute case"
        case .risk: "risk item"
        }
    }

    /// And Chinese ones.
    public var chineseNoun: String {
        switch self {
        case .dispute: "纠纷"
        case .risk: "风险隐患"
        }
    }
}

extension LifecycleStep.Action {
    /// The step as Chinese messages name it.
    public var chineseVerb: String {
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
