import Shared
import Storage

extension DuplicateError: DataError {}

extension RecordText {
    /// The review queue: each pair side by side, with its score and reasons.
    public func duplicateReviews(_ reviews: [DuplicateReview]) -> String {
        guard !reviews.isEmpty else {
            return language.pick("没有待核对的疑似重复案件", "No possible duplicates wait for review")
        }
        var blocks: [String] = []
        for (number, review) in reviews.enumerated() {
            let score = String(format: "%.2f", review.score)
            var table = TextTable(
                headers: ["", review.first.id.description, review.second.id.description],
                maximumWidths: [nil, 36, 36])
            for (name, field) in Self.comparedFields(language) {
                table.append([name, field(review.first, self), field(review.second, self)])
            }
            blocks.append(
                "\(number + 1). " + language.pick("得分", "score") + " \(score)  "
                    + review.reasons.map { language == .zh ? $0.label : $0.code }.joined(
                        separator: language.pick("，", ", "))
                    + "\n" + table.render())
        }
        let hint = language.pick(
            "合并：center duplicates merge 保留编号 并入编号；不是同一纠纷：center duplicates dismiss 编号 编号",
            "Merge: center duplicates merge KEEP OTHER; not one dispute: center duplicates dismiss A B")
        return blocks.joined(separator: "\n\n") + "\n\n" + hint
    }

    /// The rows of a side-by-side comparison.
    private static func comparedFields(_ language: Language) -> [(String, (Dispute, RecordText) -> String)] {
        [
            (language.pick("村/社区", "Village"), { dispute, _ in dispute.village.description }),
            (language.pick("类别", "Category"), { dispute, text in text.label(dispute.category) }),
            (language.pick("状态", "Status"), { dispute, text in text.label(dispute.status) }),
            // With their numbers: two people of one name are told apart by them.
            (language.pick("当事人", "Parties"), { dispute, text in text.partyList(dispute.parties) }),
            (language.pick("发生日期", "Incident date"), { dispute, _ in dispute.incidentDate?.description ?? "—" }),
            (language.pick("简要情况", "Summary"), { dispute, _ in dispute.summary }),
            (language.pick("登记人", "Recorded by"), { dispute, _ in dispute.recorder ?? "—" }),
            (language.pick("登记时间", "Recorded at"), { dispute, _ in LocalTime.minute(at: dispute.recorded.physical) }),
            (language.pick("回访", "Visits"), { dispute, _ in "\(dispute.visits.count)" }),
        ]
    }
}

extension RecordJSON {
    /// A pair waiting for review, as `center duplicates list --json` prints it.
    public struct DuplicateReviewJSON: Encodable, Sendable {
        var score: Double
        var reasons: [String]
        var proposedAt: String
        var cases: [DisputeDetail]

        public init(_ review: DuplicateReview) {
            score = (review.score * 1000).rounded() / 1000
            reasons = review.reasons.map(\.code)
            proposedAt = time(review.proposedAt)
            cases = [review.first, review.second].map {
                DisputeDetail($0, shortId: $0.id.description, history: nil)
            }
        }
    }
}
