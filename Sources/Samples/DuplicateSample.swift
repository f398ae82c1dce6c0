import Shared

/// A generated district's cases with known truth about duplicates: originals; true duplicates (the
/// same dispute recorded again elsewhere, spelled and dated a little differently); and near misses
/// (the same families, other people, another dispute). For measuring the duplicate finder.
public struct DuplicateSample: Sendable {
    /// A case to record: its id and what the worker typed.
    public struct Case: Sendable {
        public var id: RecordID
        public var draft: DisputeDraft
    }

    /// The cases, in the order they arrive at the center.
    public var cases: [Case]
    /// The pairs that are one dispute.
    public var truth: Set<Set<RecordID>>

    /// Family names, most common first.
    public static let families = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
    /// Characters of given names: a small pool makes many look-alike names (a hard test); the wide
    /// pool is closer to a real district.
    public static let narrowGiven = Array("建国秀英明华军平红兰芳强伟丽静敏燕艳勇杰娟涛超霞刚辉玲桂志文海春德福金玉宝梅凤荣成")
    public static let wideGiven = Array(
        "建国秀英明华军平红兰芳强伟丽静敏燕艳勇杰娟涛超霞刚辉玲桂志文海春德福金玉宝梅凤荣成"
            + "云飞鹏宇浩然子涵梓轩欣怡雨萱思远嘉豪俊杰晓东振兴永胜喜庆长青家宁瑞雪新民立新光荣学军"
            + "中华卫东爱民向阳红梅淑珍玉兰桂英秀兰凤英桂兰秀珍翠花春梅冬梅秋菊夏荷丹丹婷婷娜娜")

    public init(
        originals: Int, duplicates: Int, nearMisses: Int, villages: [AreaCode], given: [Character] = narrowGiven,
        seed: UInt64
    ) {
        var generator = SeededGenerator(seed: seed)
        func name() -> String {
            String(Self.families.randomElement(using: &generator)!)
                + String((0..<(generator.chance(85) ? 2 : 1)).map { _ in given.randomElement(using: &generator)! })
        }
        func date() -> CalendarDate {
            CalendarDate(daysSinceEpoch: 19_000 + Int.random(in: 0..<365, using: &generator))
        }
        func draft(
            _ village: AreaCode, _ category: DisputeCategory, _ date: CalendarDate, _ names: [String]
        ) -> DisputeDraft {
            DisputeDraft(
                village: village, category: category, parties: names.map { try! Party(name: $0) },
                summary: "\(category.label)纠纷", incidentDate: date, recorder: "网格员")
        }
        var cases: [Case] = []
        for _ in 0..<originals {
            cases.append(
                Case(
                    id: RecordID.random(using: &generator),
                    draft: draft(
                        villages.randomElement(using: &generator)!,
                        DisputeCategory.allCases.randomElement(using: &generator)!, date(), [name(), name()])))
        }
        var truth: Set<Set<RecordID>> = []
        for original in cases.shuffled(using: &generator).prefix(duplicates) {
            var names = original.draft.parties.map(\.name).shuffled(using: &generator)
            if generator.chance(40) { names[0] = String(names[0].prefix(1)) + " " + String(names[0].dropFirst()) }
            if generator.chance(20), names[1].count >= 3 {
                // A homophone typed in haste: one character of the given name.
                var characters = Array(names[1])
                characters[2] = given.randomElement(using: &generator)!
                names[1] = String(characters)
            }
            let shift =
                generator.chance(70)
                ? Int.random(in: 0...3, using: &generator) : Int.random(in: 4...10, using: &generator)
            let category = original.draft.category
            let related = DisputeCategory.allCases.first { $0 != category && $0.isCommonlyConfused(with: category) }
            let copy = Case(
                id: RecordID.random(using: &generator),
                draft: draft(
                    villages.randomElement(using: &generator)!,
                    generator.chance(85) ? category : related ?? category,
                    original.draft.incidentDate!.adding(days: generator.chance(50) ? shift : -shift), names))
            cases.append(copy)
            truth.insert([original.id, copy.id])
        }
        for original in cases.shuffled(using: &generator).prefix(nearMisses) {
            let names = original.draft.parties.map {
                String($0.name.prefix(1)) + String((0..<2).map { _ in given.randomElement(using: &generator)! })
            }
            cases.append(
                Case(
                    id: RecordID.random(using: &generator),
                    draft: draft(
                        villages.randomElement(using: &generator)!,
                        DisputeCategory.allCases.randomElement(using: &generator)!, date(), names)))
        }
        self.cases = cases.shuffled(using: &generator)
        self.truth = truth
    }

    /// Precision of the pairs merged at once and recall of merged plus queued, against the truth.
    public func score(merged: Set<Set<RecordID>>, queued: Set<Set<RecordID>>) -> (precision: Double, recall: Double) {
        (
            Double(merged.intersection(truth).count) / Double(max(1, merged.count)),
            Double(merged.union(queued).intersection(truth).count) / Double(max(1, truth.count))
        )
    }
}

extension DisputeCategory {
    /// Categories one dispute is often filed under by different workers (independent of the finder's
    /// own table, so that the test does not grade the finder by its own rule).
    func isCommonlyConfused(with other: DisputeCategory) -> Bool {
        let groups: [Set<DisputeCategory>] = [
            [.marriageFamily, .inheritance, .debt], [.neighbor, .land, .housing], [.labor, .debt],
            [.traffic, .medical],
        ]
        return groups.contains { $0.contains(self) && $0.contains(other) }
    }
}
