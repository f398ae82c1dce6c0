import Foundation
import Shared
import Storage

/// A report as people and programs read it: a terminal page, CSV for spreadsheets, JSON, or a
/// self-contained HTML page with charts.
public struct ReportOutput: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case table, csv, json, html

        /// The format's media type, for HTTP.
        public var contentType: String {
            switch self {
            case .table: "text/plain; charset=utf-8"
            case .csv: "text/csv; charset=utf-8"
            case .json: "application/json"
            case .html: "text/html; charset=utf-8"
            }
        }
    }

    public var language: Language

    public init(language: Language) {
        self.language = language
    }

    public func render(_ report: Report, as format: Format) -> String {
        switch format {
        case .table: text(report)
        case .csv: csv(report)
        case .json: RecordJSON.encode(report) + "\n"
        case .html: ReportHTML(report: report, language: language).page()
        }
    }

    private func pick(_ chinese: String, _ english: String) -> String { language.pick(chinese, english) }

    /// `98.64 %`, or a dash for no case.
    public static func percent(_ rate: Double?) -> String {
        rate.map { String(format: "%.2f %%", $0) } ?? "—"
    }

    func title(_ report: Report) -> String {
        let scope = report.scopeName ?? report.scope ?? pick("全部", "all")
        return pick("\(scope) 矛盾纠纷排查化解报告 \(report.period)", "\(scope) dispute report \(report.period)")
    }

    func sourceLine(_ report: Report) -> String {
        let time = LocalTime.minute(at: report.source.computedAt)
        let kind = report.source.asOf ? pick("（重现）", " (reproduced)") : ""
        return pick(
            "\(report.first) 至 \(report.last)；依据第 \(report.source.sequence) 号变更，\(time) 计算\(kind)",
            "\(report.first) to \(report.last); from change \(report.source.sequence), computed \(time)\(kind)")
    }

    var caseHeadings: [String] {
        [
            pick("名称", "Name"), pick("排查", "Screened"), pick("调解成功", "Resolved"), pick("调解不成", "Unresolved"),
            pick("已移交", "Escalated"), pick("调解中", "Mediating"), pick("待调解", "Waiting"), pick("成功率", "Success"),
        ]
    }

    func caseRow(_ cases: Report.Cases) -> [String] {
        [
            cases.label, "\(cases.screened)", "\(cases.resolved)", "\(cases.unresolved)", "\(cases.escalated)",
            "\(cases.mediating)", "\(cases.waiting)", Self.percent(cases.successRate),
        ]
    }

    func dimensionName(_ dimension: String?) -> String {
        switch dimension {
        case "town": pick("按乡镇（街道）", "By town")
        case "village": pick("按村（社区）", "By village")
        case "category": pick("按类别", "By category")
        case "method": pick("按调解方式", "By method")
        case "worker": pick("按登记人", "By worker")
        default: pick("按乡镇（街道）", "By town")
        }
    }

    func fieldName(_ field: String) -> String {
        Field(rawValue: field).map { RecordText(language: language, today: LocalTime.today()).fieldName($0) } ?? field
    }

    // MARK: Terminal

    func text(_ report: Report) -> String {
        let total = report.total
        let activity = report.activity
        var lines = [title(report), sourceLine(report), ""]
        lines.append(pick("矛盾纠纷", "Disputes"))
        lines.append(
            pick(
                "  排查 \(total.screened) 件，调解成功 \(total.resolved) 件，调解成功率 \(Self.percent(total.successRate))",
                "  screened \(total.screened), resolved \(total.resolved), success rate \(Self.percent(total.successRate))"
            ))
        lines.append(
            pick(
                "  调解不成 \(total.unresolved)，已移交 \(total.escalated)，调解中 \(total.mediating)，待调解 \(total.waiting)",
                "  unresolved \(total.unresolved), escalated \(total.escalated), mediating \(total.mediating), waiting \(total.waiting)"
            ))
        lines.append(
            pick(
                "  来源：排查发现 \(total.foundByScreening)，来访 \(total.walkIns)，转交 \(total.referrals)",
                "  found by screening \(total.foundByScreening), walk-in \(total.walkIns), referral \(total.referrals)")
        )
        lines.append(
            pick(
                "  期内达成协议 \(activity.agreementsReached) 件；回访 \(activity.visits) 次，其中协议履行 \(activity.visitsKept) 次",
                "  agreements reached \(activity.agreementsReached); follow-up visits \(activity.visits), agreement kept in \(activity.visitsKept)"
            ))
        lines.append(
            pick(
                "  重复登记已合并 \(activity.duplicatesMerged) 件（只计一次）；作废 \(activity.voided) 件（不计）",
                "  duplicates merged \(activity.duplicatesMerged) (counted once); voided \(activity.voided) (not counted)"
            ))
        let rows = report.dimension == nil ? report.towns : report.breakdown
        if !rows.isEmpty {
            var table = TextTable(headers: caseHeadings, maximumWidths: [24, nil, nil, nil, nil, nil, nil, nil])
            rows.forEach { table.append(caseRow($0)) }
            lines += ["", dimensionName(report.dimension), table.render()]
        }
        let risks = report.risks
        lines += [
            "", pick("风险隐患", "Risk items"),
            pick(
                "  挂牌 \(risks.listed) 项，已销号 \(risks.struckOff) 项，逾期未销号 \(risks.overdue) 项",
                "  listed \(risks.listed), struck off \(risks.struckOff), overdue \(risks.overdue)"),
        ]
        if !risks.areas.isEmpty {
            var table = TextTable(
                headers: [pick("领域", "Area"), pick("挂牌", "Listed"), pick("销号", "Struck off"), pick("逾期", "Overdue")],
                maximumWidths: [20, nil, nil, nil])
            risks.areas.forEach { table.append([$0.area, "\($0.listed)", "\($0.struckOff)", "\($0.overdue)"]) }
            lines.append(table.render())
            var byTown = TextTable(
                headers: [
                    pick("乡镇（街道）", "Town"), pick("挂牌", "Listed"), pick("销号", "Struck off"), pick("逾期", "Overdue"),
                ],
                maximumWidths: [20, nil, nil, nil])
            risks.towns.forEach { byTown.append([$0.area, "\($0.listed)", "\($0.struckOff)", "\($0.overdue)"]) }
            lines.append(byTown.render())
        }
        if !risks.overdueItems.isEmpty {
            var table = TextTable(
                headers: [pick("风险隐患", "Title"), pick("领域", "Area"), pick("责任人", "Owner"), pick("期限", "Deadline")],
                maximumWidths: [30, 16, 24, nil])
            for item in risks.overdueItems {
                table.append([
                    item.title, item.area,
                    [item.ownerPerson, item.ownerUnit].compactMap { $0 }.joined(separator: " / "),
                    item.deadline,
                ])
            }
            lines += [pick("逾期清单", "Overdue"), table.render()]
        }
        let completeness = report.completeness
        let silent = completeness.villages.filter { !$0.reported }
        lines += [
            "", pick("完整性", "Completeness"),
            pick(
                "  \(completeness.villages.count) 个村（社区）中 \(completeness.villages.count - silent.count) 个本期有上报",
                "  \(completeness.villages.count - silent.count) of \(completeness.villages.count) villages reported in the period"
            ),
        ]
        if !silent.isEmpty {
            lines.append(
                pick("  未上报：", "  not reporting: ")
                    + silent.prefix(20).map { village in
                        village.name + "（"
                            + (village.lastReceived.map { pick("最近收到 ", "last data ") + LocalTime.minute(at: $0) }
                                ?? pick("从未收到", "never")) + "）"
                    }.joined(separator: "、") + (silent.count > 20 ? pick(" 等", " …") : ""))
        }
        lines.append(
            pick(
                "  期末之后收到的本期变更 \(completeness.lateChanges) 条",
                "  \(completeness.lateChanges) changes of the period arrived after it ended"
            )
                + (completeness.lateFields.isEmpty
                    ? ""
                    : "："
                        + completeness.lateFields.map { "\(fieldName($0.field)) \($0.changes)" }.joined(separator: "，"))
        )
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: CSV

    func csv(_ report: Report) -> String {
        var text = CSV.byteOrderMark
        text += CSV.line([title(report)])
        text += CSV.line([sourceLine(report)])
        text += CSV.line([pick("分组", "Group")] + caseHeadings)
        text += CSV.line([pick("合计", "Total")] + caseRow(report.total))
        for row in report.dimension == nil ? report.towns : report.breakdown {
            text += CSV.line([dimensionName(report.dimension)] + caseRow(row))
        }
        text += CSV.line([])
        text += CSV.line([
            pick("风险领域", "Risk area"), pick("挂牌", "Listed"), pick("销号", "Struck off"), pick("逾期", "Overdue"),
        ])
        for area in report.risks.areas {
            text += CSV.line([area.area, "\(area.listed)", "\(area.struckOff)", "\(area.overdue)"])
        }
        text += CSV.line([])
        text += CSV.line([
            pick("村（社区）", "Village"), pick("代码", "Code"), pick("本期上报", "Reported"), pick("最近收到", "Last data"),
        ])
        for village in report.completeness.villages {
            text += CSV.line([
                village.name, village.code, village.reported ? pick("是", "yes") : pick("否", "no"),
                village.lastReceived.map { LocalTime.minute(at: $0) } ?? "",
            ])
        }
        return text
    }
}
