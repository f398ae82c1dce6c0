import Foundation
import Shared
import Storage

/// A report as one self-contained, printable HTML page: no outside assets (district networks are
/// often closed), charts drawn as inline SVG.
struct ReportHTML {
    let report: Report
    let language: Language

    private var output: ReportOutput { ReportOutput(language: language) }
    private func pick(_ chinese: String, _ english: String) -> String { language.pick(chinese, english) }

    func page() -> String {
        let total = report.total
        let activity = report.activity
        let risks = report.risks
        let rows = report.dimension == nil ? report.towns : report.breakdown
        var body = """
            <header><h1>\(escape(output.title(report)))</h1><p class="source">\(escape(output.sourceLine(report)))</p></header>
            <section class="figures">
            \(figure("screened", pick("排查矛盾纠纷", "Disputes screened"), "\(total.screened)", pick("件", "")))
            \(figure("resolved", pick("调解成功", "Resolved"), "\(total.resolved)", pick("件", "")))
            \(figure("success-rate", pick("调解成功率", "Success rate"), ReportOutput.percent(total.successRate), ""))
            \(figure("risks", pick("风险隐患挂牌", "Risk items listed"), "\(risks.listed)", pick("项", "")))
            \(figure("struck-off", pick("已销号", "Struck off"), "\(risks.struckOff)", pick("项", "")))
            \(figure("merged", pick("重复登记已合并", "Duplicates merged"), "\(activity.duplicatesMerged)", pick("件", "")))
            </section>
            <section><h2>\(pick("矛盾纠纷", "Disputes"))</h2>
            <p>\(escape(pick(
                "调解不成 \(total.unresolved) 件，已移交 \(total.escalated) 件，调解中 \(total.mediating) 件，待调解 \(total.waiting) 件。排查发现 \(total.foundByScreening) 件，来访 \(total.walkIns) 件，转交 \(total.referrals) 件。期内达成协议 \(activity.agreementsReached) 件；回访 \(activity.visits) 次，协议履行 \(activity.visitsKept) 次；作废 \(activity.voided) 件不计。",
                "Unresolved \(total.unresolved), escalated \(total.escalated), mediating \(total.mediating), waiting \(total.waiting). Found by screening \(total.foundByScreening), walk-in \(total.walkIns), referral \(total.referrals). Agreements reached \(activity.agreementsReached); visits \(activity.visits), agreement kept \(activity.visitsKept); voided \(activity.voided), not counted."
            )))</p>
            <div class="charts">
            \(chart(pick("各乡镇（街道）案件数", "Cases by town"), bars: report.towns.map { ($0.label, Double($0.screened), Double($0.resolved)) }, legend: (pick("排查", "screened"), pick("调解成功", "resolved"))))
            \(chart(pick("各月排查与调解成功", "Cases by month"), bars: report.months.map { ($0.month, Double($0.screened), Double($0.resolved)) }, legend: (pick("排查", "screened"), pick("调解成功", "resolved"))))
            \(chart(pick("各乡镇（街道）调解成功率", "Success rate by town"), bars: report.towns.map { ($0.label, $0.successRate ?? 0, nil) }, legend: (pick("成功率 %", "success %"), nil), maximum: 100))
            \(chart(pick("逾期未销号风险隐患", "Overdue risk items"), bars: risks.areas.filter { $0.overdue > 0 }.map { ($0.area, Double($0.overdue), nil) }, legend: (pick("逾期", "overdue"), nil)))
            </div>
            \(table([output.dimensionName(report.dimension)] + output.caseHeadings.dropFirst(), rows.map(output.caseRow)))
            </section>
            <section><h2>\(pick("风险隐患", "Risk items"))</h2>
            <p>\(escape(pick("挂牌 \(risks.listed) 项，已销号 \(risks.struckOff) 项，逾期未销号 \(risks.overdue) 项。", "Listed \(risks.listed), struck off \(risks.struckOff), overdue \(risks.overdue).")))</p>
            \(table([pick("领域", "Area"), pick("挂牌", "Listed"), pick("销号", "Struck off"), pick("逾期", "Overdue")], risks.areas.map { [$0.area, "\($0.listed)", "\($0.struckOff)", "\($0.overdue)"] }))
            \(table([pick("乡镇（街道）", "Town"), pick("挂牌", "Listed"), pick("销号", "Struck off"), pick("逾期", "Overdue")], risks.towns.map { [$0.area, "\($0.listed)", "\($0.struckOff)", "\($0.overdue)"] }))
            """
        if !risks.overdueItems.isEmpty {
            body += table(
                [pick("逾期风险隐患", "Overdue item"), pick("领域", "Area"), pick("责任人", "Owner"), pick("期限", "Deadline")],
                risks.overdueItems.map {
                    [
                        $0.title, $0.area, [$0.ownerPerson, $0.ownerUnit].compactMap { $0 }.joined(separator: " / "),
                        $0.deadline,
                    ]
                })
        }
        let completeness = report.completeness
        body += """
            </section>
            <section><h2>\(pick("完整性", "Completeness"))</h2>
            <p>\(escape(pick(
                "期末之后收到的本期变更 \(completeness.lateChanges) 条" + (completeness.lateFields.isEmpty ? "。" : "：" + completeness.lateFields.map { "\(output.fieldName($0.field)) \($0.changes)" }.joined(separator: "，") + "。"),
                "\(completeness.lateChanges) changes of the period arrived after it ended" + (completeness.lateFields.isEmpty ? "." : ": " + completeness.lateFields.map { "\($0.field) \($0.changes)" }.joined(separator: ", ") + ".")
            )))</p>
            \(table(
                [pick("村（社区）", "Village"), pick("代码", "Code"), pick("本期上报", "Reported"), pick("最近收到", "Last data")],
                completeness.villages.map {
                    [$0.name, $0.code, $0.reported ? pick("是", "yes") : pick("否", "no"), $0.lastReceived.map { LocalTime.minute(at: $0) } ?? "—"]
                }))
            </section>
            """
        return """
            <!DOCTYPE html>
            <html lang="\(language == .zh ? "zh-CN" : "en")"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(output.title(report)))</title>
            <style>\(Self.style)</style></head>
            <body>\(body)</body></html>

            """
    }

    static let style = """
        body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#1d2733}
        h1{font-size:22px;margin:0}h2{font-size:18px;border-bottom:2px solid #c62828;padding-bottom:4px;margin-top:28px}
        .source{color:#5b6770;font-size:13px}
        .figures{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}
        .figure{border:1px solid #d7dce1;border-radius:6px;padding:10px 16px;min-width:120px}
        .figure .value{font-size:26px;font-weight:bold;color:#c62828}.figure .name{font-size:13px;color:#5b6770}
        .charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #eef0f2;padding:8px}
        table{border-collapse:collapse;margin:12px 0;font-size:13px}
        th,td{border:1px solid #d7dce1;padding:4px 8px;text-align:right}th:first-child,td:first-child{text-align:left}
        th{background:#f4f6f8}
        @media print{body{margin:0}.chart,.figure,table{break-inside:avoid}}
        """

    private func figure(_ id: String, _ name: String, _ value: String, _ unit: String) -> String {
        "<div class=\"figure\"><div class=\"value\" id=\"\(id)\">\(escape(value))</div><div class=\"name\">\(escape(name))\(unit.isEmpty ? "" : "（\(escape(unit))）")</div></div>"
    }

    private func table(_ headings: [String], _ rows: [[String]]) -> String {
        "<table><thead><tr>" + headings.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
            + rows.map { "<tr>" + $0.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }.joined()
            + "</tbody></table>"
    }

    /// Horizontal bars, one or two per row (the second lighter), with the value at the end.
    private func chart(
        _ title: String, bars: [(label: String, first: Double, second: Double?)], legend: (String, String?),
        maximum: Double? = nil
    ) -> String {
        let rowHeight = 22.0
        let labelWidth = 120.0
        let barWidth = 300.0
        let height = 40 + rowHeight * Double(max(bars.count, 1))
        let top = maximum ?? max(1, bars.map { max($0.first, $0.second ?? 0) }.max() ?? 1)
        var svg =
            "<svg class=\"chart\" role=\"img\" aria-label=\"\(escape(title))\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(labelWidth + barWidth + 70))\" height=\"\(Int(height))\" font-size=\"12\">"
        svg += "<text x=\"0\" y=\"14\" font-weight=\"bold\">\(escape(title))</text>"
        svg +=
            "<rect x=\"\(Int(labelWidth))\" y=\"22\" width=\"10\" height=\"8\" fill=\"#c62828\"/><text x=\"\(Int(labelWidth) + 14)\" y=\"30\">\(escape(legend.0))</text>"
        if let second = legend.1 {
            svg +=
                "<rect x=\"\(Int(labelWidth) + 90)\" y=\"22\" width=\"10\" height=\"8\" fill=\"#ef9a9a\"/><text x=\"\(Int(labelWidth) + 104)\" y=\"30\">\(escape(second))</text>"
        }
        if bars.isEmpty {
            svg += "<text x=\"\(Int(labelWidth))\" y=\"52\" fill=\"#5b6770\">\(pick("无", "none"))</text>"
        }
        for (index, bar) in bars.enumerated() {
            let y = 36 + rowHeight * Double(index)
            let label = bar.label.count > 9 ? String(bar.label.prefix(8)) + "…" : bar.label
            svg += "<text x=\"0\" y=\"\(Int(y + 13))\">\(escape(label))</text>"
            let first = barWidth * bar.first / top
            svg +=
                "<rect x=\"\(Int(labelWidth))\" y=\"\(Int(y + 2))\" width=\"\(String(format: "%.1f", first))\" height=\"\(bar.second == nil ? 14 : 8)\" fill=\"#c62828\"/>"
            if let second = bar.second {
                svg +=
                    "<rect x=\"\(Int(labelWidth))\" y=\"\(Int(y + 10))\" width=\"\(String(format: "%.1f", barWidth * second / top))\" height=\"7\" fill=\"#ef9a9a\"/>"
            }
            let value = maximum == 100 ? String(format: "%.2f", bar.first) : String(Int(bar.first))
            svg += "<text x=\"\(Int(labelWidth + first + 4))\" y=\"\(Int(y + 13))\">\(value)</text>"
        }
        return svg + "</svg>"
    }

    private func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
