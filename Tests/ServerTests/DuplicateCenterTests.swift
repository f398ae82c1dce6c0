import Foundation
import Samples
import Shared
import Storage
import Testing

/// Duplicate cases at the center: found as they arrive, merged or queued, decided by hand, undone.
@Suite struct DuplicateCenterTests {
    static let maximumDrift: Int64 = 300_000

    /// A center store with the fixture's areas and devices; `record` pushes a case as a device would.
    struct Center {
        let fixture: CenterFixture

        init(_ kind: StoreKind = .sqlite) async throws {
            fixture = try await CenterFixture.make(kind)
        }

        /// The merged state, with every push so far.
        var store: ReplicaStore {
            get async throws { try await fixture.merged() }
        }

        func decide(_ decision: DuplicateDecision) async throws -> (RecordID, RecordID) {
            let pair = try await fixture.center.decide(decision)
            return (pair.first, pair.second)
        }

        /// Removes the database once the test is over.
        func removeLater() {
            let fixture = self.fixture
            Task { await fixture.remove() }
        }

        /// Records a case on a device's replica and pushes it; returns its id.
        @discardableResult
        /// Records a case of `parties`, each as a worker writes one (a name, then its numbers if any).
        func record(
            _ parties: [String], village: AreaCode, category: DisputeCategory = .marriageFamily, date: String,
            as credential: DeviceCredential, replica: inout Replica, id: RecordID = RecordID.random()
        ) async throws -> RecordID {
            let draft = DisputeDraft(
                village: village, category: category, parties: try parties.map { try Party(written: $0) },
                summary: "彩礼返还纠纷", incidentDate: try CalendarDate(parsing: date), recorder: "网格员")
            try await push(try replica.perform(.record(draft), onDispute: id), as: credential)
            return id
        }

        /// One case recorded by the workers of two villages of town A: `sure` on the same day and
        /// category (merged at once), else a related category three weeks apart (queued for review).
        /// Returns the ids and the second worker's replica, for later edits.
        func recordTwice(sure: Bool) async throws -> (first: RecordID, second: RecordID, replica: Replica) {
            var a = DuplicateCenterTests.replica(1)
            var b = DuplicateCenterTests.replica(2)
            let first = try await record(
                ["王建国 13800138000", "李秀英"], village: CenterFixture.villageA, category: .marriageFamily,
                date: "2022-03-15", as: fixture.gridA, replica: &a)
            let second = try await record(
                ["王建国", "李秀英"], village: CenterFixture.villageA2, category: sure ? .marriageFamily : .inheritance,
                date: sure ? "2022-03-15" : "2022-04-05", as: fixture.gridA2, replica: &b)
            return (first, second, b)
        }

        func push(_ changes: [Change], as credential: DeviceCredential) async throws {
            try await fixture.push(changes, as: credential, maximumDrift: DuplicateCenterTests.maximumDrift)
        }
    }

    static func replica(_ raw: UInt64) -> Replica {
        Replica(clock: HybridClock(replica: ReplicaID(rawValue: raw)))
    }

    @Test(arguments: StoreKind.available)
    func aSureMatchIsMergedIntoTheCaseTheCenterHeldFirstAndAnEditToTheDuplicateShowsOnIt(kind: StoreKind) async throws {
        let center = try await Center(kind)
        defer { center.removeLater() }
        var a = Self.replica(1)
        var b = Self.replica(2)
        let first = try await center.record(
            ["王建国", "李秀英"], village: CenterFixture.villageA, date: "2022-03-15", as: center.fixture.gridA,
            replica: &a)
        let second = try await center.record(
            ["李 秀英", "王·建国"], village: CenterFixture.villageB, date: "2022-03-17", as: center.fixture.gridB,
            replica: &b)
        let merge = try #require(try await center.store.history(of: EntityKey(kind: .dispute, id: second)).last)
        guard case .step(let step) = merge.value else {
            Issue.record("the last change of the second case should be the merge step")
            return
        }
        #expect(merge.field == .duplicate && step.action == .merge && step.into == first)
        #expect(merge.timestamp.replica == (try await center.store.identity().replica), "the center made the merge")
        // Village B's laptop holds this step: it is not told what the two cases share.
        #expect(step.text?.hasPrefix("自动合并") == true && step.text?.contains("当事人") == false, "\(step.text ?? "")")

        // Counted once; either id shows the one case; searching the second spelling finds it.
        let listed = try await center.store.disputes()
        #expect(listed.map(\.id) == [first] && listed.first?.merged == 1)
        #expect(try await center.store.caseView(second)?.dispute.id == first)
        #expect(try await center.store.disputes(DisputeFilter(search: second.description)).map(\.id) == [first])
        #expect(try await center.store.disputes(DisputeFilter(includeMerged: true)).count == 2)

        // The second worker, not knowing yet, adds a visit and resolves their copy: both show on the case.
        let visit = Visit(date: try CalendarDate(parsing: "2022-04-01"), note: "双方已履行", isAgreementKept: true)
        try await center.push(try b.perform(.visit(visit), onDispute: second), as: center.fixture.gridB)
        try await center.push(
            try b.perform(.mediate(method: .chat, mediator: "调解员"), onDispute: second), as: center.fixture.gridB)
        try await center.push(
            try b.perform(
                .resolve(agreement: "退还彩礼三万元", date: try CalendarDate(parsing: "2022-03-20")), onDispute: second),
            as: center.fixture.gridB)
        let view = try #require(try await center.store.caseView(first))
        #expect(view.dispute.visits.map(\.element) == [visit])
        #expect(view.dispute.status == .resolved && view.dispute.agreement?.text == "退还彩礼三万元")
        #expect(view.members.map(\.id) == [second])
        #expect(Set(view.history.map(\.entity.id)) == [first, second])
        let row = try #require(try await center.store.disputes().first)
        #expect(row.status == .resolved && row.visits == 1, "the survivor's row shows the combined case")
    }

    /// The case recorded twice, the village without the party's numbers and the town with them: merged
    /// into the village's, its ledger row writes the party with the numbers the town recorded.
    @Test func aMergedCasesLedgerRowCarriesTheNumbersItsDuplicateRecorded() async throws {
        let center = try await Center()
        defer { center.removeLater() }
        var a = Self.replica(1)
        var b = Self.replica(2)
        let first = try await center.record(
            ["王建国", "李秀英"], village: CenterFixture.villageA, date: "2022-03-15", as: center.fixture.gridA,
            replica: &a)
        let second = try await center.record(
            ["王 建国 11010519491231002X 13800138000", "李秀英"], village: CenterFixture.villageA2, date: "2022-03-15",
            as: center.fixture.gridA2, replica: &b)
        let store = try await center.store
        #expect(try store.dispute(second)?.duplicateOf == first)
        let rows = try store.disputes()
        #expect(rows.map(\.id) == [first])
        let written = try store.writtenParties(of: rows)[first]
        #expect(written == ["王建国 11010519491231002X 13800138000", "李秀英"], "\(String(describing: written))")
    }

    @Test(arguments: StoreKind.available) func splitBringsBothCasesBackWithTheirEditsAndTheFinderNeverMergesThemAgain(
        kind: StoreKind
    ) async throws {
        let center = try await Center(kind)
        defer { center.removeLater() }
        var (first, second, b) = try await center.recordTwice(sure: true)
        #expect(try await center.store.disputes().count == 1)
        try await center.push(try b.perform(.note("二次登记"), onDispute: second), as: center.fixture.gridA2)

        #expect(try await center.decide(.split(first, reason: "两起不同纠纷")) == (second, first))
        let listed = try await center.store.disputes()
        #expect(Set(listed.map(\.id)) == [first, second] && listed.allSatisfy { $0.merged == 0 && $0.isCounted })
        #expect(try await center.store.caseView(second)?.dispute.notes.map(\.element) == ["二次登记"])
        #expect(try await center.store.caseView(first)?.dispute.notes.isEmpty == true)

        // A later edit of the parties makes the finder look again; the pair was decided, so it stays apart.
        try await center.push(
            try b.perform(
                .edit(DisputeEdit(parties: [try Party(name: "王 建国"), try Party(name: "李秀英")])), onDispute: second),
            as: center.fixture.gridA2)
        #expect(try await center.store.disputes().count == 2)
        #expect(try await center.store.duplicateReviews().isEmpty)
        await #expect(throws: DuplicateError.self) { _ = try await center.decide(.split(first, reason: "再拆")) }
    }

    /// One dispute recorded again and again (a device repeating itself): the first few copies merge,
    /// then a person decides; no group grows without bound.
    @Test(arguments: StoreKind.available) func aCaseRecordedMoreOftenThanTheLimitGoesToAPersonAfterTheFirstMerges(
        kind: StoreKind
    ) async throws {
        let center = try await Center(kind)
        defer { center.removeLater() }
        var replicas = (1...7).map { Self.replica(UInt64($0)) }
        let first = try await center.record(
            ["王建国", "李秀英"], village: CenterFixture.villageA, date: "2022-03-15", as: center.fixture.gridA,
            replica: &replicas[0])
        for index in 1...6 {
            try await center.record(
                ["王建国", "李秀英"], village: CenterFixture.villageA2, date: "2022-03-15", as: center.fixture.gridA2,
                replica: &replicas[index])
        }
        let rows = try await center.store.disputes(DisputeFilter(includeMerged: true))
        #expect(rows.filter { $0.duplicateOf == first }.count == 4)
        // The fifth and sixth copies wait for a person beside the first case.
        let counted = try await center.store.disputes()
        #expect(counted.count == 3 && counted.contains { $0.id == first })
        let reviews = try await center.store.duplicateReviews()
        for copy in counted where copy.id != first {
            #expect(reviews.contains { Set([$0.first.id, $0.second.id]) == [first, copy.id] })
        }
    }

    @Test(arguments: StoreKind.available) func aMergedCaseItsWorkerVoidedCanStillBeSplit(kind: StoreKind) async throws {
        let center = try await Center(kind)
        defer { center.removeLater() }
        var (first, second, b) = try await center.recordTwice(sure: true)
        try await center.push(try b.perform(.void(reason: "重复登记"), onDispute: second), as: center.fixture.gridA2)
        #expect(
            try await center.store.caseView(first)?.dispute.mergedFrom == [], "a voided duplicate counts for nothing")
        #expect(try await center.decide(.split(second, reason: "拆分")) == (second, first))
        #expect(try await center.store.disputes().map(\.id) == [first])
        #expect(try await center.store.disputes(DisputeFilter(includeVoided: true)).count == 2)
    }

    @Test(arguments: StoreKind.available) func anUnsurePairWaitsForReviewAndIsDecidedByHand(
        kind: StoreKind
    ) async throws {
        let center = try await Center(kind)
        defer { center.removeLater() }
        // The same people, a related kind of dispute three weeks apart: a person must look.
        let (first, second, _) = try await center.recordTwice(sure: false)
        let reviews = try await center.store.duplicateReviews()
        #expect(reviews.count == 1)
        let review = try #require(reviews.first)
        #expect(Set([review.first.id, review.second.id]) == [first, second])
        #expect(review.score >= DuplicateFinder.reviewThreshold && review.score < DuplicateFinder.mergeThreshold)
        #expect(
            review.reasons.contains(.relatedCategory) && review.reasons.contains(.parties(exact: 2, close: 0, of: 2)))
        #expect(try await center.store.disputes().count == 2, "nothing is merged before a person decides")

        await #expect(throws: DuplicateError.self) { _ = try await center.decide(.dismiss(first, first)) }
        _ = try await center.decide(.merge(second, into: first))
        #expect(try await center.store.duplicateReviews().isEmpty)
        #expect(try await center.store.disputes().map(\.id) == [first])
        let step = try await center.store.history(of: EntityKey(kind: .dispute, id: second)).last?.value
        if case .step(let merge) = step { #expect(merge.text?.hasPrefix("人工合并") == true) }
        await #expect(
            throws: DuplicateError.self, "merged already: split first",
            performing: { _ = try await center.decide(.merge(second, into: first)) })
        await #expect(
            throws: DuplicateError.self, "a merged pair is split, not dismissed",
            performing: { _ = try await center.decide(.dismiss(first, second)) })
    }

    @Test(arguments: StoreKind.available) func aDismissedPairIsNeverProposedAgain(kind: StoreKind) async throws {
        let center = try await Center(kind)
        defer { center.removeLater() }
        var (first, second, b) = try await center.recordTwice(sure: false)
        #expect(try await center.store.duplicateReviews().count == 1)
        _ = try await center.decide(.dismiss(second, first))
        #expect(try await center.store.duplicateReviews().isEmpty)
        try await center.push(
            try b.perform(.edit(DisputeEdit(incidentDate: try CalendarDate(parsing: "2022-04-01"))), onDispute: second),
            as: center.fixture.gridA2)
        #expect(try await center.store.duplicateReviews().isEmpty)
        #expect(try await center.store.disputes().count == 2)
    }

    /// The generated district pushed through the center as devices would deliver it: the center's own
    /// merges and review queue are graded against the known truth.
    @Test(arguments: StoreKind.available) func theCentersMergesOnAGeneratedDistrictArePreciseAndMissNothing(
        kind: StoreKind
    ) async throws {
        let center = try await Center(kind)
        defer { center.removeLater() }
        let seed = UInt64.random(in: 0...UInt64.max)
        let villages = [CenterFixture.villageA, CenterFixture.villageA2, CenterFixture.villageB]
        let sample = DuplicateSample(originals: 1_500, duplicates: 45, nearMisses: 80, villages: villages, seed: seed)
        var replica = Self.replica(7)
        var batch: [Change] = []
        for sampleCase in sample.cases {
            batch += try replica.perform(.record(sampleCase.draft), onDispute: sampleCase.id)
            if batch.count > 400 {
                try await center.push(batch, as: center.fixture.district)
                batch = []
            }
        }
        try await center.push(batch, as: center.fixture.district)
        var merged: Set<Set<RecordID>> = []
        for row in try await center.store.disputes(DisputeFilter(includeVoided: true, includeMerged: true)) {
            if let into = row.duplicateOf { merged.insert([row.id, into]) }
        }
        let queued = Set(try await center.store.duplicateReviews().map { Set([$0.first.id, $0.second.id]) })
        let (precision, recall) = sample.score(merged: merged, queued: queued)
        print(
            "center duplicates: \(sample.truth.count) true pairs in \(sample.cases.count) cases; merged \(merged.count) "
                + "(precision \(precision)), queued \(queued.count); recall \(recall); seed \(seed)")
        #expect(precision >= 0.99, "seed \(seed)")
        #expect(recall >= 0.95, "seed \(seed)")
        #expect(try await center.store.disputes().count == sample.cases.count - merged.count, "seed \(seed)")
        let top = try await center.store.duplicateReviews(limit: 5)
        #expect(top.count == min(5, queued.count) && top.map(\.score) == top.map(\.score).sorted(by: >))
        #expect(try await center.store.pendingReviewCount() >= queued.count)
    }
}

/// `center duplicates`, run as a district administrator would.
@Suite struct DuplicateCommandTests {
    @Test(arguments: StoreKind.available)
    func theReviewQueueIsShownSideBySideAndDecidedFromTheCommandLine(kind: StoreKind) async throws {
        let center = try await DuplicateCenterTests.Center(kind)
        defer { center.removeLater() }
        let (first, second, _) = try await center.recordTwice(sure: false)
        let database = try await center.fixture.location
        let run = { (arguments: [String]) in try CenterCommandTests().center(arguments, location: database) }

        let listed = try run(["duplicates", "list"])
        #expect(listed.status == 0)
        #expect(listed.stdout.contains(first.description) && listed.stdout.contains(second.description))
        #expect(listed.stdout.contains("类别相近") && listed.stdout.contains("当事人2人中2人一致"))
        #expect(listed.stdout.contains("婚姻家庭") && listed.stdout.contains("继承"))
        // The parties with their numbers, so two people of one name are told apart.
        #expect(listed.stdout.contains("王建国（电话 13800138000）、李秀英"), "\(listed.stdout)")
        let json = try run(["duplicates", "list", "--json"])
        let pairs = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(pairs?.count == 1 && (pairs?.first?["reasons"] as? [String])?.contains("related-category") == true)
        #expect((pairs?.first?["cases"] as? [[String: Any]])?.count == 2)

        let zero = try run(["duplicates", "list", "--limit", "0"])
        #expect(zero.status == 64 && zero.stderr.contains("--limit 至少是 1"))
        let unknown = try run(["duplicates", "merge", "zzzzzz", second.description])
        #expect(unknown.status == 66 && unknown.stderr.contains("zzzzzz"))
        let notMerged = try run(["duplicates", "split", first.description])
        #expect(notMerged.status == 65 && notMerged.stderr.contains("没有和别的案件合并"), "\(notMerged.stderr)")
        let english = try run(["duplicates", "split", first.description, "--lang", "en"])
        #expect(english.status == 65 && english.stderr.contains("is not merged with another"))
        let dismissed = try run(["duplicates", "dismiss", first.description, second.description])
        #expect(dismissed.status == 0, "\(dismissed.stderr)")
        #expect(try run(["duplicates", "list"]).stdout.contains("没有待核对的疑似重复案件"))

        let merged = try run(["duplicates", "merge", String(first.description.prefix(8)), second.description])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(try await center.store.disputes().map(\.id) == [first])
        let shown = try run(["case", "show", second.description])
        #expect(shown.stdout.contains("\(second) 已并入本案") && shown.stdout.contains("合并的重复案件"))
        let again = try run(["duplicates", "merge", first.description, second.description])
        #expect(again.status == 65 && again.stderr.contains("已经并入"), "\(again.stderr)")
    }
}

/// The center's in-memory finder against what other processes write to the same database.
@Suite struct FinderIndexTests {
    @Test func aNewProcessBuildsTheFinderFromTheRowsAndARunningOneCatchesUpWithOthersWrites() async throws {
        let center = try await DuplicateCenterTests.Center()
        defer { center.removeLater() }
        var a = DuplicateCenterTests.replica(1)
        var b = DuplicateCenterTests.replica(2)
        let first = try await center.record(
            ["王建国", "李秀英"], village: CenterFixture.villageA, date: "2022-03-15", as: center.fixture.gridA,
            replica: &a)
        // Another process on the same database: its finder is built from the rows it finds.
        let other = try ReplicaStore.open(database: try await center.store.database, durability: .power)
        let draft = { (names: [String], date: String) in
            DisputeDraft(
                village: CenterFixture.villageA2, category: .marriageFamily,
                parties: try names.map { try Party(name: $0) },
                summary: "彩礼返还纠纷", incidentDate: try CalendarDate(parsing: date), recorder: "网格员")
        }
        let second = RecordID.random()
        _ = try other.push(
            try b.perform(.record(try draft(["王建国", "李秀英"], "2022-03-16")), onDispute: second),
            from: center.fixture.gridA2.device, clockOffset: nil, maximumDrift: DuplicateCenterTests.maximumDrift)
        #expect(try other.disputes().map(\.id) == [first], "merged through the finder built from rows")

        // The other process takes an edit that gives the first case other parties; the first process,
        // whose finder knew the old names, must catch up before it compares the next case.
        _ = try other.push(
            try a.perform(
                .edit(DisputeEdit(parties: [try Party(name: "赵志强"), try Party(name: "孙丽华")])), onDispute: first),
            from: center.fixture.gridA.device, clockOffset: nil, maximumDrift: DuplicateCenterTests.maximumDrift)
        let third = RecordID.random()
        try await center.push(
            try b.perform(.record(try draft(["赵志强", "孙丽华"], "2022-03-15")), onDispute: third),
            as: center.fixture.gridA2)
        let merged = try await center.store.disputes(DisputeFilter(includeMerged: true)).first { $0.id == third }
        #expect(merged?.duplicateOf == first)
    }
}
