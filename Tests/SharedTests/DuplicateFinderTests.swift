import Shared
import Testing

@Suite struct DuplicateFinderTests {
    static let towns = (101...103).map { try! AreaCode(parsing: "620502\($0)") }
    static let villages = towns.flatMap { town in (201...205).map { try! AreaCode(parsing: "\(town)\($0)") } }

    static func fingerprint(
        _ id: RecordID, _ village: AreaCode, _ category: DisputeCategory, _ date: CalendarDate, _ names: [String]
    ) -> CaseFingerprint {
        var replica = Replica(clock: HybridClock(replica: ReplicaID(rawValue: 1)))
        _ = try! replica.perform(
            .record(
                DisputeDraft(
                    village: village, category: category, parties: names.map { try! Party(name: $0) }, summary: "案情",
                    incidentDate: date, recorder: "网格员")), onDispute: id)
        return CaseFingerprint(replica.state.dispute(id)!)
    }

    @Test func namesFoldWidthSpacesAndPunctuation() {
        #expect(PartyName.normalize(" 王 建国 ") == "王建国")
        #expect(PartyName.normalize("王·建国") == "王建国")
        #expect(PartyName.normalize("Ｗａｎｇ Jian-Guo") == "wangjianguo")
        #expect(PartyName.similarity("王建国", "王健国") == 0.5)
        #expect(PartyName.similarity("王建国", "李建国") == 0)
        #expect(PartyName.similarity("王建国", "王建国") == 1)
    }

    /// The district's own example: a bride-price refund recorded by workers of two towns, with the
    /// names spelled differently and the dates two days apart.
    @Test func theBridePriceCaseFromTwoTownsIsMergedAtOnce() {
        let first = Self.fingerprint(
            RecordID.random(), Self.villages[0], .marriageFamily, try! CalendarDate(parsing: "2022-03-15"),
            ["王建国", "李秀英"])
        let second = Self.fingerprint(
            RecordID.random(), Self.villages[6], .marriageFamily, try! CalendarDate(parsing: "2022-03-17"),
            ["李 秀英", "王·建国"])
        var finder = DuplicateFinder()
        finder.insert(first)
        let matches = finder.candidates(for: second)
        #expect(matches.count == 1)
        #expect(matches.first?.candidate == first.id)
        #expect((matches.first?.score ?? 0) >= DuplicateFinder.mergeThreshold)
        #expect(matches.first?.reasons.contains(.parties(exact: 2, close: 0, of: 2)) == true)
        #expect(matches.first?.reasons.contains(.sameDistrict) == true)
    }

    /// A generated district with known truth: a few percent true duplicates with realistic variations,
    /// and near misses (same family names, other people, other disputes).
    @Test func precisionAndRecallOnAGeneratedDistrict() {
        let seed = propertySeed()
        var generator = SeededGenerator(seed: seed)
        let families = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
        let given = Array("建国秀英明华军平红兰芳强伟丽静敏燕艳勇杰娟涛超霞刚辉玲桂志文海春德福金玉宝梅凤海荣成")
        // Most full names have three characters; a few have two.
        func name() -> String {
            String(families.randomElement(using: &generator)!)
                + String((0..<(generator.chance(85) ? 2 : 1)).map { _ in given.randomElement(using: &generator)! })
        }
        func date() -> CalendarDate {
            CalendarDate(daysSinceEpoch: 19_000 + Int.random(in: 0..<365, using: &generator))
        }

        var cases: [CaseFingerprint] = []
        var truth: Set<Set<RecordID>> = []
        for _ in 0..<3_000 {
            cases.append(
                Self.fingerprint(
                    RecordID.random(using: &generator), Self.villages.randomElement(using: &generator)!,
                    DisputeCategory.allCases.randomElement(using: &generator)!, date(), [name(), name()]))
        }
        // True duplicates: the same dispute recorded again elsewhere, spelled and dated a little differently.
        for original in cases.shuffled(using: &generator).prefix(90) {
            var names = original.names.shuffled(using: &generator)
            if generator.chance(40) { names[0] = String(names[0].prefix(1)) + " " + String(names[0].dropFirst()) }
            if generator.chance(20), names[1].count >= 3 {
                var characters = Array(names[1])
                characters[2] = given.randomElement(using: &generator)!
                names[1] = String(characters)
            }
            let shift =
                generator.chance(70)
                ? Int.random(in: 0...3, using: &generator) : Int.random(in: 4...10, using: &generator)
            let related = DisputeCategory.allCases.first {
                $0 != original.category! && $0.isRelatedForTests(to: original.category!)
            }
            let category = generator.chance(85) ? original.category! : related ?? original.category!
            let village = Self.villages.randomElement(using: &generator)!
            let copy = Self.fingerprint(
                RecordID.random(using: &generator), village, category,
                original.incidentDate!.adding(days: generator.chance(50) ? shift : -shift), names)
            cases.append(copy)
            truth.insert([original.id, copy.id])
        }
        // Near misses: the same families, other people, another dispute.
        for original in cases.shuffled(using: &generator).prefix(150) {
            let names = original.names.map {
                String($0.prefix(1)) + String((0..<2).map { _ in given.randomElement(using: &generator)! })
            }
            cases.append(
                Self.fingerprint(
                    RecordID.random(using: &generator), Self.villages.randomElement(using: &generator)!,
                    DisputeCategory.allCases.randomElement(using: &generator)!, date(), names))
        }
        var finder = DuplicateFinder()
        var merged: Set<Set<RecordID>> = []
        var reviewed: Set<Set<RecordID>> = []
        for fingerprint in cases.shuffled(using: &generator) {
            for match in finder.candidates(for: fingerprint) {
                let pair: Set<RecordID> = [fingerprint.id, match.candidate]
                if match.score >= DuplicateFinder.mergeThreshold { merged.insert(pair) } else { reviewed.insert(pair) }
            }
            finder.insert(fingerprint)
        }
        let precision = Double(merged.intersection(truth).count) / Double(max(1, merged.count))
        let recall = Double(merged.union(reviewed).intersection(truth).count) / Double(truth.count)
        print(
            "duplicates: \(truth.count) true pairs in \(cases.count) cases; merged \(merged.count) (precision \(precision)),"
                + " queued \(reviewed.count); recall of merged + queued \(recall); seed \(seed)")
        #expect(precision >= 0.99, "seed \(seed)")
        #expect(recall >= 0.95, "seed \(seed)")
        #expect(merged.count >= truth.count / 2, "seed \(seed): most true duplicates should merge at once")
    }
}

extension DisputeCategory {
    func isRelatedForTests(to other: DisputeCategory) -> Bool {
        let groups: [Set<DisputeCategory>] = [
            [.marriageFamily, .inheritance, .debt], [.neighbor, .land, .housing], [.labor, .debt],
            [.traffic, .medical],
        ]
        return groups.contains { $0.contains(self) && $0.contains(other) }
    }
}
