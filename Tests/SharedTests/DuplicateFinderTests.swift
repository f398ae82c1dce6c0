import Samples
import Testing

@testable import Shared

@Suite struct DuplicateFinderTests {
    /// Related categories, as the district's mediators group them; `other` is related to every one.
    @Test func categoriesAreRelatedWithinTheirGroups() {
        let groups: [Set<DisputeCategory>] = [
            [.marriageFamily, .inheritance, .debt], [.neighbor, .land, .housing], [.labor, .debt],
            [.traffic, .medical],
        ]
        for left in DisputeCategory.allCases {
            for right in DisputeCategory.allCases {
                let expected =
                    groups.contains { $0.contains(left) && $0.contains(right) } || left == .other || right == .other
                #expect(left.isRelated(to: right) == expected, "\(left) ~ \(right)")
            }
        }
    }

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
        #expect(PartyName.similarity("王建", "王健") == 0)
        #expect(PartyName.similarity("王建国", "王建国强") == 0)
        #expect(PartyName.similarity("王建国强", "王建国") == 0)
        #expect(PartyName.similarity("王健国", "汪健国") == 0)
        #expect(PartyName.similarity("wangjg", "wangjh") == 0.5)
        // Characters of several scalars count as one, as in names outside the common ranges.
        #expect(PartyName.similarity("阿依古丽", "阿依古麗") == 0.5)
        #expect(PartyName.similarity("zoe\u{301}y", "zoe\u{301}x") == 0.5)
        #expect(PartyName.similarity("zoe\u{301}y", "zoexy") == 0)
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
        let sample = DuplicateSample(
            originals: 3_000, duplicates: 90, nearMisses: 150, villages: Self.villages, seed: seed)
        var finder = DuplicateFinder()
        var merged: Set<Set<RecordID>> = []
        var reviewed: Set<Set<RecordID>> = []
        for sampleCase in sample.cases {
            var replica = Replica(clock: HybridClock(replica: ReplicaID(rawValue: 1)))
            _ = try! replica.perform(.record(sampleCase.draft), onDispute: sampleCase.id)
            let fingerprint = CaseFingerprint(replica.state.dispute(sampleCase.id)!)
            for match in finder.candidates(for: fingerprint) {
                let pair: Set<RecordID> = [fingerprint.id, match.candidate]
                if match.score >= DuplicateFinder.mergeThreshold { merged.insert(pair) } else { reviewed.insert(pair) }
            }
            finder.insert(fingerprint)
        }
        let (precision, recall) = sample.score(merged: merged, queued: reviewed)
        print(
            "duplicates: \(sample.truth.count) true pairs in \(sample.cases.count) cases; merged \(merged.count) "
                + "(precision \(precision)), queued \(reviewed.count); recall of merged + queued \(recall); seed \(seed)"
        )
        #expect(precision >= 0.99, "seed \(seed)")
        #expect(recall >= 0.95, "seed \(seed)")
        #expect(merged.count >= sample.truth.count / 2, "seed \(seed): most true duplicates should merge at once")
    }
}

@Suite struct FinderKeyTests {
    /// The index files names under numbers; each must be the hash of the key text `PartyName.keys`
    /// documents (the whole name, and the name with each given-name character masked), in that order.
    @Test func numericKeysAreTheHashesOfTheTextKeys() {
        func hash(_ text: String) -> UInt64 {
            var value = FinderKey.offset
            FinderKey.mix(&value, text.utf8)
            return FinderKey.key(value, kind: text.hasPrefix("n:") ? FinderKey.name : FinderKey.masked)
        }
        for name in [
            "王建国", "欧阳娜娜", "李四", "王", "maria", "jose\u{301}maría", "阿卜杜拉·买买提", "王2号", "䷀卦象", "a\u{4E00}b", "㐀明明",
        ] {
            let normalized = PartyName.normalize(name)
            #expect(FinderKey.keys(ofName: normalized) == PartyName.keys(normalized).map(hash), "\(name)")
        }
        var number = FinderKey.offset
        FinderKey.mix(&number, "tel:13800138000".utf8)
        #expect(FinderKey.key(ofNumber: "tel:13800138000") == FinderKey.key(number, kind: FinderKey.number))
        // Kinds stay apart even for the same text.
        #expect(FinderKey.keys(ofName: "王建国").allSatisfy { $0 & 3 != FinderKey.number })
    }

    /// A case is filed under each of its keys once: two parties of one family share their masked keys,
    /// a number given twice is one key, and a case without parties has none.
    @Test func aCaseHasEachKeyOnce() throws {
        let village = try AreaCode(parsing: "620502101201")
        for (names, numbers) in [
            (["王建国", "王建军"], ["tel:13800138000", "tel:13800138000"]), (["王建国", "王建国"], []),
            (["李四"], ["id:62050219800101123X"]), ([], []), (["欧阳娜娜", "王建国", "欧阳丽丽"], ["tel:1", "id:2"]),
        ] {
            let fingerprint = CaseFingerprint(
                id: RecordID(high: 1, low: 2), village: village, category: nil, incidentDate: nil, names: names,
                numbers: numbers)
            let all = names.flatMap(FinderKey.keys(ofName:)) + numbers.map(FinderKey.key(ofNumber:))
            #expect(fingerprint.keys == Set(all).sorted(), "\(names) \(numbers)")
        }
    }
}
