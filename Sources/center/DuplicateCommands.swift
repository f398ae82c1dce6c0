import ArgumentParser
import Console
import Shared
import Storage

struct DuplicateGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duplicates",
        abstract: Help.text(
            "重复登记的纠纷：复核队列，以及人工合并、排除和拆分。",
            "Cases recorded twice: the review queue, and merging, dismissing and splitting by hand."),
        discussion: Help.text(
            """
            区中心把每条新到的纠纷与已有的纠纷比对。有把握的一对立即合并；没把握的在这里等人复核。
            """,
            """
            The center compares every arriving case with the cases it holds. Pairs it is sure of are merged at \
            once; pairs it is unsure of wait here for a person.
            """),
        subcommands: [DuplicateList.self, DuplicateMerge.self, DuplicateDismiss.self, DuplicateSplit.self])
}

struct DuplicateList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: Help.text(
            "并排显示等待复核的疑似重复，最可能重复的在前。", "Show the pairs waiting for review side by side, most likely first."))

    @OptionGroup var options: CenterOptions
    @Flag(help: Help.json) var json = false
    @Option(help: Help.option("最多显示几对，最可能重复的在前。", "Show at most this many pairs, the most likely first.")) var limit =
        20

    func run() async throws {
        try await guarded(lang: options.lang) {
            guard limit > 0 else { throw UsageError("--limit must be at least 1", chinese: "--limit 至少是 1") }
            let (reviews, waiting) = try await options.withCenter { center in
                let store = try await center.merged()
                return (try store.duplicateReviews(limit: limit), try store.pendingReviewCount())
            }
            if json {
                say(RecordJSON.encode(reviews.map(RecordJSON.DuplicateReviewJSON.init)))
                return
            }
            let text = RecordText(language: try options.language, today: LocalTime.today())
            say(text.duplicateReviews(reviews))
            if waiting > reviews.count {
                say(
                    try options.language.pick(
                        "（显示最可能的 \(reviews.count) 对，共约 \(waiting) 对待核对；--limit 显示更多）",
                        "(the \(reviews.count) most likely of about \(waiting) pairs waiting; --limit shows more)"))
            }
        }
    }
}

struct DuplicateMerge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: Help.text(
            "把第二条纠纷合并到第一条：同一件纠纷登记了两次。", "Merge the second case into the first: one dispute recorded twice."))

    @OptionGroup var options: CenterOptions
    @Argument(help: Help.option("保留的那条纠纷。", "The case that stays.")) var keep: String
    @Argument(help: Help.option("并入它的那条纠纷。", "The case merged into it.")) var other: String

    func run() async throws {
        try await guarded(lang: options.lang) {
            let (survivor, duplicate) = try await options.withCenter { center in
                let store = try await center.merged()
                let survivor = try store.resolve(keep, kind: .dispute)
                let duplicate = try store.resolve(other, kind: .dispute)
                _ = try await center.decide(.merge(duplicate, into: survivor))
                return (survivor, duplicate)
            }
            say(try options.language.pick("已将 \(duplicate) 并入 \(survivor)", "merged \(duplicate) into \(survivor)"))
        }
    }
}

struct DuplicateDismiss: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dismiss",
        abstract: Help.text(
            "标记两条纠纷不是同一件：以后不再提示这一对。", "Mark two cases as different disputes: never propose the pair again."))

    @OptionGroup var options: CenterOptions
    @Argument(help: Help.option("一条纠纷的 id。", "One case's id.")) var first: String
    @Argument(help: Help.option("另一条纠纷的 id。", "The other case's id.")) var second: String

    func run() async throws {
        try await guarded(lang: options.lang) {
            let (a, b) = try await options.withCenter { center in
                let store = try await center.merged()
                return try await center.decide(
                    .dismiss(store.resolve(first, kind: .dispute), store.resolve(second, kind: .dispute)))
            }
            say(try options.language.pick("\(a) 与 \(b) 不是同一纠纷，不再提示", "\(a) and \(b) are different disputes"))
        }
    }
}

struct DuplicateSplit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: Help.text(
            "撤销合并：这条纠纷重新独立，期间的所有修改都保留。",
            "Undo a merge: the case stands on its own again, with every edit made meanwhile kept."))

    @OptionGroup var options: CenterOptions
    @Argument(
        help: Help.option(
            "被合并的纠纷；只合并过一条时，也可以给它并入的那条。", "The merged case, or the case it was merged into if only one was.")) var id:
        String
    @Option(help: Help.option("合并错在哪里（记入纠纷的历史）。", "Why the merge was wrong (kept in the case's history).")) var reason =
        "合并有误，区中心拆分"

    func run() async throws {
        try await guarded(lang: options.lang) {
            let (split, from) = try await options.withCenter { center in
                let store = try await center.merged()
                return try await center.decide(.split(store.resolve(id, kind: .dispute), reason: reason))
            }
            say(try options.language.pick("已将 \(split) 从 \(from) 拆分", "split \(split) from \(from)"))
        }
    }
}
