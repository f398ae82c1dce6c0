import Shared
import Storage

/// What `field` prints for people: tables and record sheets in Chinese or English.
public struct RecordText: Sendable {
    public var language: Language
    public var today: CalendarDate
    /// The names of the areas the store knows (a laptop learns them at sync): shown instead of codes.
    public var places: [AreaCode: String]
    /// The areas' merges the store knows: a record's sheet says where its village went.
    public var successions = Successions.none

    public init(language: Language, today: CalendarDate, places: [AreaCode: String] = [:]) {
        self.language = language
        self.today = today
        self.places = places
    }

    /// A village as a list shows it: its name where known, else its code.
    func place(_ code: AreaCode) -> String {
        places[code] ?? code.description
    }

    /// An area as a sheet shows it: its name where known, and its code.
    func placeAndCode(_ code: AreaCode) -> String {
        places[code].map { "\($0)  \(code)" } ?? code.description
    }

    /// The area a record was made in, and where it counts now if that area was merged into another.
    func madeIn(_ code: AreaCode) -> String {
        let now = successions.current(code)
        guard now != code else { return placeAndCode(code) }
        return placeAndCode(code) + pick("（已并入 \(placeAndCode(now))）", " (merged into \(placeAndCode(now)))")
    }

    /// The names of the areas `store` knows, for `places`.
    public static func places(of store: ReplicaStore) throws -> [AreaCode: String] {
        places(try store.areas())
    }

    /// Areas' names by code, for `places`.
    public static func places(_ areas: [Area]) -> [AreaCode: String] {
        Dictionary(areas.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    private func pick(_ chinese: String, _ english: String) -> String {
        language.pick(chinese, english)
    }

    func label(_ value: (some CodedValue)?) -> String {
        value.map(language.label) ?? "—"
    }

    public func disputeTable(_ rows: [DisputeSummary], idLength: Int) -> String {
        var table = TextTable(
            headers: [
                pick("编号", "ID"), pick("村/社区", "Village"), pick("类别", "Category"), pick("状态", "Status"),
                pick("当事人", "Parties"), pick("简要情况", "Summary"), pick("登记", "Recorded"),
            ],
            maximumWidths: [nil, nil, nil, nil, 24, 40, nil])
        for row in rows {
            table.append([
                String(row.id.description.prefix(idLength)), place(row.village), label(row.category),
                label(row.status) + (row.isVoided ? pick("（已作废）", " (voided)") : "")
                    + (row.merged > 0 ? pick("（含重复\(row.merged)件）", " (+\(row.merged) duplicate)") : "")
                    + (row.duplicateOf.map {
                        pick("（已并入 \($0.description.prefix(8))）", " (merged into \($0.description.prefix(8)))")
                    } ?? ""),
                row.parties.joined(separator: "、"), row.summary, LocalTime.date(at: row.recorded).description,
            ])
        }
        return table.render() + "\n" + pick("共 \(rows.count) 件", "\(rows.count) cases")
    }

    public func riskTable(_ rows: [RiskSummary], idLength: Int) -> String {
        var table = TextTable(
            headers: [
                pick("编号", "ID"), pick("领域", "Area"), pick("风险隐患", "Title"), pick("责任人", "Owner"),
                pick("期限", "Deadline"), pick("状态", "Status"),
            ],
            maximumWidths: [nil, 12, 36, 16, nil, nil])
        for row in rows {
            let overdue = row.isOverdue(on: today) ? pick("（逾期）", " (overdue)") : ""
            table.append([
                String(row.id.description.prefix(idLength)), row.area, row.title,
                [row.owner?.person, row.owner?.unit].compactMap { $0 }.joined(separator: " / "),
                row.deadline?.description ?? "—",
                label(row.status) + overdue + (row.isVoided ? pick("（已作废）", " (voided)") : ""),
            ])
        }
        return table.render() + "\n" + pick("共 \(rows.count) 项", "\(rows.count) items")
    }

    /// A case's sheet. `requested` is the id asked for when it was merged into `dispute`; the cases merged
    /// into it are `dispute.mergedFrom`.
    public func dispute(
        _ dispute: Dispute, shortID: String, history: [Change], own: ReplicaID, heldByCenter: Bool? = nil,
        requested: RecordID? = nil
    ) -> String {
        var lines: [(String, String)] = []
        if let requested, requested != dispute.id {
            lines.append((pick("注意", "Note"), pick("\(requested) 已并入本案", "\(requested) was merged into this case")))
        }
        lines += [
            (pick("编号", "ID"), "\(shortID)  (\(dispute.id))"),
            (pick("村/社区", "Village"), madeIn(dispute.village)),
            (pick("类别", "Category"), label(dispute.category)),
            (pick("状态", "Status"), label(dispute.status)),
            (pick("当事人", "Parties"), partyList(dispute.parties)),
            (pick("简要情况", "Summary"), dispute.summary),
            (pick("来源", "Found by"), label(dispute.foundBy)),
            (pick("等级", "Level"), label(dispute.level)),
            (pick("发生日期", "Incident date"), dispute.incidentDate?.description ?? "—"),
            (pick("调解方式", "Method"), label(dispute.method)),
            (pick("调解员", "Mediator"), dispute.mediator ?? "—"),
        ]
        if let agreement = dispute.agreement {
            lines.append((pick("调解协议", "Agreement"), "\(agreement.text)（\(agreement.date)）"))
        }
        if let escalation = dispute.escalation {
            lines.append(
                (pick("移交", "Escalated to"), label(escalation.target) + (escalation.note.map { "：\($0)" } ?? "")))
        }
        if let reason = dispute.failureReason {
            lines.append((pick("调解不成原因", "Why it failed"), reason))
        }
        if dispute.isVoided {
            lines.append((pick("已作废", "Voided"), dispute.voidReason ?? ""))
        }
        if !dispute.mergedFrom.isEmpty {
            lines.append(
                (pick("合并的重复案件", "Merged duplicates"), dispute.mergedFrom.map(\.description).joined(separator: "、")))
        } else if let into = dispute.duplicateOf {
            lines.append((pick("已并入", "Merged into"), into.description))
        }
        lines.append((pick("登记人", "Recorded by"), dispute.recorder ?? "—"))
        lines.append((pick("登记时间", "Recorded at"), LocalTime.minute(at: dispute.recorded.physical)))
        if let heldByCenter {
            lines.append((pick("区中心", "Center"), centerLine(heldByCenter)))
        }
        var text = sheet(lines)
        if !dispute.visits.isEmpty {
            text += "\n\n" + pick("回访", "Follow-up visits") + "\n"
            text += dispute.visits.map {
                "  \($0.element.date)  " + ($0.element.isAgreementKept ? pick("协议履行", "kept") : pick("未履行", "not kept"))
                    + "  \($0.element.note)"
            }.joined(separator: "\n")
        }
        if !dispute.notes.isEmpty {
            text += "\n\n" + pick("备注", "Notes") + "\n"
            text += dispute.notes.map { "  \(LocalTime.minute(at: $0.timestamp.physical))  \($0.element)" }
                .joined(separator: "\n")
        }
        return text + "\n\n" + historyText(history, own: own)
    }

    public func riskItem(
        _ item: RiskItem, shortID: String, history: [Change], own: ReplicaID, heldByCenter: Bool? = nil
    ) -> String {
        var lines: [(String, String)] = [
            (pick("编号", "ID"), "\(shortID)  (\(item.id))"),
            (pick("区划", "Scope"), madeIn(item.scope)),
            (pick("领域", "Area"), item.area),
            (pick("风险隐患", "Title"), item.title),
            (pick("等级", "Level"), label(item.level)),
            (pick("预案", "Plan"), item.plan),
            (pick("责任人", "Owner"), [item.owner?.person, item.owner?.unit].compactMap { $0 }.joined(separator: " / ")),
            (
                pick("期限", "Deadline"),
                (item.deadline?.description ?? "—") + (item.isOverdue(on: today) ? pick("（逾期）", " (overdue)") : "")
            ),
            (pick("状态", "Status"), label(item.status)),
        ]
        if let strike = item.strike {
            lines.append((pick("销号依据", "Evidence"), "\(strike.evidence)（\(strike.date)）"))
        }
        if item.isVoided {
            lines.append((pick("已作废", "Voided"), item.voidReason ?? ""))
        }
        lines.append((pick("登记时间", "Recorded at"), LocalTime.minute(at: item.recorded.physical)))
        if let heldByCenter {
            lines.append((pick("区中心", "Center"), centerLine(heldByCenter)))
        }
        return sheet(lines) + "\n\n" + historyText(history, own: own)
    }

    public func status(_ status: StoreStatus) -> String {
        var lines: [(String, String)] = [
            (
                pick("本机", "Replica"),
                "\(status.identity.replica)  \(status.identity.worker)  \(status.identity.scope.map(placeAndCode) ?? "")"
            )
        ]
        for value in DisputeStatus.allCases {
            lines.append((pick("纠纷·", "Cases, ") + language.label(value), "\(status.disputes[value] ?? 0)"))
        }
        lines += [
            (pick("纠纷·已作废", "Cases, voided"), "\(status.voidedDisputes)"),
            (pick("风险隐患·挂牌", "Risk items, listed"), "\(status.openRiskItems)"),
            (pick("风险隐患·逾期", "Risk items, overdue"), "\(status.overdueRiskItems)"),
            (pick("风险隐患·已销号", "Risk items, struck off"), "\(status.struckOffRiskItems)"),
            (pick("待同步的变更", "Changes waiting to sync"), "\(status.pendingChanges)"),
            (pick("区中心", "Center"), status.center ?? pick("未登记（field enroll）", "not enrolled (field enroll)")),
            (pick("上次同步", "Last sync"), status.lastSyncAt.map { LocalTime.minute(at: $0) } ?? pick("从未", "never")),
        ]
        if status.isTakingSnapshot {
            lines.append(
                (
                    pick("首次接收", "First pull"),
                    pick("只完成了一部分，下次 field sync 接着收", "part-way; the next field sync goes on with it")
                ))
        }
        return sheet(lines)
    }

    private func centerLine(_ held: Bool) -> String {
        held ? pick("已收到最新变更", "holds the latest change") : pick("尚未收到最新变更（待同步）", "does not hold the latest change yet")
    }

    private func sheet(_ lines: [(String, String)]) -> String {
        let width = lines.map { DisplayWidth.of($0.0) }.max() ?? 0
        return lines.map { DisplayWidth.pad($0.0, to: width) + "  " + $0.1 }.joined(separator: "\n")
    }

    /// The changes as a table; with a column naming the case when they are of several (merged) cases.
    private func historyText(_ history: [Change], own: ReplicaID) -> String {
        let several = Set(history.map(\.entity.id)).count > 1
        var table = TextTable(
            headers: (several ? [pick("案件", "Case")] : [])
                + [pick("时间", "Time"), pick("设备", "Replica"), pick("字段", "Field"), pick("新值", "New value")],
            maximumWidths: (several ? [nil] : []) + [nil, nil, nil, 60])
        for change in history {
            let replica =
                change.timestamp.replica == own ? pick("本机", "this device") : change.timestamp.replica.description
            table.append(
                (several ? [String(change.entity.id.description.prefix(8))] : []) + [
                    LocalTime.minute(at: change.timestamp.physical), replica, fieldName(change.field),
                    describe(change.value),
                ])
        }
        return pick("变更记录", "History") + "\n" + table.render()
    }

    func actionName(_ action: LifecycleStep.Action) -> String {
        guard language == .zh else { return action.rawValue }
        switch action {
        case .mediate: return "调解"
        case .resolve: return "调解成功"
        case .fail: return "调解不成"
        case .escalate: return "移交"
        case .reopen: return "重新办理"
        case .strike: return "销号"
        case .void: return "作废"
        case .unvoid: return "恢复"
        case .merge: return "合并为重复"
        case .split: return "拆分"
        }
    }

    /// How the history names a field.
    func fieldName(_ field: Field) -> String {
        guard language == .zh else { return field.rawValue }
        switch field {
        case .category: return "类别"
        case .parties: return "当事人"
        case .summary: return "简要情况"
        case .foundBy: return "来源"
        case .incidentDate: return "发生日期"
        case .method: return "调解方式"
        case .mediator: return "调解员"
        case .recorder: return "登记人"
        case .visit: return "回访"
        case .area: return "领域"
        case .title: return "风险隐患"
        case .plan: return "预案"
        case .owner: return "责任人"
        case .deadline: return "期限"
        case .level: return "等级"
        case .note: return "备注"
        case .status: return "状态"
        case .voided: return "作废"
        case .duplicate: return "重复"
        }
    }

    /// The parties with the numbers recorded for them: `王建国（身份证号 …，电话 …）、李秀英`. Only a record's sheet
    /// and history show them, the jurisdiction's own views; lists and reports name the parties at most.
    func partyList(_ parties: [Party]) -> String {
        parties.map { party in
            let numbers = [
                party.idNumber.map { pick("身份证号 ", "ID ") + $0 }, party.phone.map { pick("电话 ", "phone ") + $0 },
            ]
            .compactMap { $0 }
            guard !numbers.isEmpty else { return party.name }
            return party.name
                + pick("（\(numbers.joined(separator: "，"))）", " (\(numbers.joined(separator: ", ")))")
        }
        .joined(separator: "、")
    }

    /// A value as one line of text. Parties are named only in the jurisdiction's own views.
    func describe(_ value: Value) -> String {
        switch value {
        case .text(let text): text
        case .date(let date): date.description
        case .category(let category): language.label(category)
        case .method(let method): language.label(method)
        case .discovery(let discovery): language.label(discovery)
        case .level(let level): language.label(level)
        case .parties(let parties): partyList(parties)
        case .owner(let owner): [owner.person, owner.unit].compactMap { $0 }.joined(separator: " / ")
        case .visit(let visit):
            "\(visit.date) \(visit.isAgreementKept ? pick("协议履行", "kept") : pick("未履行", "not kept")) \(visit.note)"
        case .step(let step):
            [
                actionName(step.action), step.target.map(language.label), step.into?.description,
                step.date?.description, step.text,
            ]
            .compactMap { $0 }.joined(separator: " ")
        }
    }
}
