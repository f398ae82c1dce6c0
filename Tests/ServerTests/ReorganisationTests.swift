import Client
import Foundation
import ProgramTesting
import Server
import Shared
import Storage
import Testing

/// Towns get reorganised: a village merged into one of another town keeps its records' codes, and they
/// count, list and sync where the village is now.
@Suite(.serialized) struct ReorganisationTests {
    /// 西关社区 (town A) is merged into a new village of town B.
    static let newVillage = try! AreaCode(parsing: "620502102205")

    @Test(arguments: StoreKind.available) func aMergedVillagesCasesFollowItToItsNewTownAndItsLaptopFollowsToo(
        kind: StoreKind
    ) async throws {
        let world = try await SyncEndToEndTests.World(kind)
        defer { world.stop() }
        let cli = CenterCommandTests()
        let gridA2 = try await world.replica("gridA2", scope: CenterFixture.villageA2, role: .grid)
        let townA = try await world.replica("townA", scope: CenterFixture.townA, role: .town)
        let townB = try await world.replica("townB", scope: CenterFixture.townB, role: .town)
        let district = try await world.replica("district", scope: CenterFixture.district, role: .district)
        var cases: [RecordID] = []
        for index in 0..<3 {
            cases.append(
                try gridA2.record(
                    DisputeDraft(
                        village: CenterFixture.villageA2, category: .land, parties: [try Party(name: "韩\(index)")],
                        summary: "地界\(index)", recorder: "西关网格员")))
        }
        _ = try gridA2.perform(.mediate(method: .chat, mediator: "刘调解"), onDispute: cases[0])
        _ = try townB.record(
            DisputeDraft(
                village: CenterFixture.villageB, category: .debt, parties: [try Party(name: "郑一")],
                summary: "借款", recorder: "镇综治办"))
        for store in [gridA2, townA, townB, district] { try await SyncEndToEndTests.sync(store) }
        #expect(try townB.disputes().count == 1, "town B holds none of town A's cases before the merge")

        // The reorganisation, as the district's administrator makes it.
        let imported = try cli.center(
            ["area", "import", try areasFile(world.folder, [(Self.newVillage, "西关新村")])], location: world.location)
        #expect(imported.status == 0, "\(imported.stderr)")
        let refused = try cli.center(
            ["area", "merge", CenterFixture.townA.description, "--into", CenterFixture.townB.description],
            location: world.location)
        #expect(refused.status == 65 && refused.stderr.contains("下面还有 2 个区划"), "\(refused.stderr)")
        // First what it would do, changing nothing: the cases that move, and who would get them.
        let preview = try cli.center(
            ["area", "merge", CenterFixture.villageA2.description, "--into", Self.newVillage.description],
            location: world.location)
        #expect(preview.status == 64 && preview.stderr.contains("请加 --yes"), "\(preview.stderr)")
        #expect(preview.stdout.contains("3 件案件、0 项风险隐患今后算在 620502102205 西关新村"), "\(preview.stdout)")
        #expect(preview.stdout.contains("以下 1 台设备") && preview.stdout.contains("townB"), "\(preview.stdout)")
        #expect(try await world.admin.areas().allSatisfy { $0.successor == nil })
        let merged = try cli.center(
            ["area", "merge", CenterFixture.villageA2.description, "--into", Self.newVillage.description, "--yes"],
            location: world.location)
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.contains("已把 620502101202 西关社区 并入 620502102205 西关新村"), "\(merged.stdout)")
        #expect(merged.stdout.contains("登记在 620502101202 西关社区 的 1 台设备"), "\(merged.stdout)")
        let again = try cli.center(
            ["area", "merge", CenterFixture.villageA2.description, "--into", CenterFixture.villageB.description],
            location: world.location)
        #expect(again.status == 65 && again.stderr.contains("已经并入 620502102205"), "\(again.stderr)")
        await #expect(throws: InputError.self) {
            _ = try await world.admin.enroll(name: "新网格员", scope: CenterFixture.villageA2, role: .grid)
        }

        // Town B's office gets the merged village's cases with their whole history, though its cursor
        // was past them; it edits one, and the center takes the edit from it.
        let gained = try await SyncEndToEndTests.sync(townB)
        let history = try gridA2.allChanges().count
        #expect(gained.reachGrew && gained.received == history)
        #expect(try townB.disputes().count == 4)
        #expect(try townB.disputes(DisputeFilter(scope: Self.newVillage)).map(\.id).sorted() == cases.sorted())
        _ = try townB.perform(
            .resolve(agreement: "重新确认地界", date: LocalTime.today()), onDispute: cases[0])
        let pushed = try await SyncEndToEndTests.sync(townB)
        #expect(pushed.sent > 0 && !pushed.reachGrew)
        #expect(try townB.syncState().pendingChanges == 0)

        // The village's own laptop still syncs its records (the edit made in town B arrives), learns where
        // its village went, and takes the new village's enrollment, keeping its records.
        try await SyncEndToEndTests.sync(gridA2)
        #expect(try gridA2.dispute(cases[0])?.status == .resolved)
        #expect(try gridA2.successions().current(CenterFixture.villageA2) == Self.newVillage)
        let credential = try await world.admin.enroll(name: "西关网格员", scope: Self.newVillage, role: .grid).1
        try gridA2.enroll(
            Enrollment(url: world.url, credential: credential, scope: Self.newVillage, role: .grid, worker: "西关网格员"))
        #expect(try gridA2.identity().scope == Self.newVillage)
        let moved = try await SyncEndToEndTests.sync(gridA2)
        #expect(moved.alreadyHeld > 0, "the new enrollment pulls from the start")
        let later = try gridA2.record(
            DisputeDraft(
                village: try gridA2.identity().village(nil), category: .neighbor, parties: [try Party(name: "冯二")],
                summary: "噪音", recorder: "西关网格员"))
        try await SyncEndToEndTests.sync(gridA2)
        // Town A's office keeps what it holds (nothing is taken back from a laptop) but is no longer sent
        // what happens to those cases: they are town B's jurisdiction now. What it changed there offline
        // still arrives: nothing is lost.
        _ = try townA.perform(.edit(DisputeEdit(summary: "地界（镇里补记）")), onDispute: cases[1])
        let departed = try await SyncEndToEndTests.sync(townA)
        #expect(departed.sent > 0 && departed.received == 0)
        #expect(try townA.syncState().pendingChanges == 0)
        #expect(try townA.disputes().map(\.id).sorted() == cases.sorted())
        #expect(try townA.dispute(cases[0])?.status == .mediating, "the resolution made in town B is not sent")
        for store in [townB, gridA2, district] { try await SyncEndToEndTests.sync(store) }
        #expect(try townB.dispute(later) != nil)
        #expect(try townB.dispute(cases[1])?.summary == "地界（镇里补记）")

        let center = try await world.merged()
        let areas = try center.areas()
        for (store, scope) in [(townB, CenterFixture.townB), (gridA2, Self.newVillage)] {
            #expect(try center.digest(within: Reach(scope: scope, areas: areas)) == store.digest(), "\(scope)")
        }
        // What a pull from the start has ahead counts the same changes as the feed serves: the merged
        // village's for town B, none of them for town A.
        let log = try center.allChanges()
        for scope in [CenterFixture.townA, CenterFixture.townB, CenterFixture.villageA2] {
            let reach = Reach(scope: scope, areas: areas)
            let ahead = try await world.admin.remaining(after: 0, within: reach)
            #expect(ahead == log.filter { reach.covers($0.scope) }.count, "\(scope)")
        }
        #expect(try center.digest() == district.digest())

        // Reports place the cases in the new village and town, at the center and on the laptops alike.
        let today = LocalTime.today()
        let year = try ReportPeriod(year: String(today.description.prefix(4)))
        for store in [center, district] {
            let report = try store.report(ReportRequest(period: year, dimension: .village, today: today))
            #expect(report.towns.first { $0.key == "620502102" }?.screened == 5)
            #expect((report.towns.first { $0.key == "620502101" }?.screened ?? 0) == 0)
            #expect(report.breakdown.first { $0.key == Self.newVillage.description }?.screened == 4)
            #expect(!report.completeness.villages.map(\.code).contains(CenterFixture.villageA2.description))
            #expect(report.completeness.villages.first { $0.code == Self.newVillage.description }?.reported == true)
        }
        let town = try townB.report(ReportRequest(period: year, scope: CenterFixture.townB, today: today))
        #expect(town.total.screened == 5 && town.total.resolved == 1)

        // A center moved off PostgreSQL keeps its merges and places the records alike.
        if let postgres = world.postgres {
            let file = world.folder.appendingPathComponent("moved.sqlite")
            _ = try await CenterMigration.copy(from: try postgres.log(), to: file)
            let moved = try ReplicaStore.open(database: file)
            #expect(try moved.areas() == center.areas())
            let request = ReportRequest(period: year, dimension: .village, today: today)
            #expect(try moved.report(request).breakdown == center.report(request).breakdown)
        }
    }

    /// A merge is refused, changing nothing, unless the area is merged into a standing one of its level
    /// with nothing standing within it; once made, what is derived of its records (case, visit and risk
    /// rows, when its data last arrived) is where it is now, and importing the list again keeps it.
    @Test func aMergeIsCheckedThenMovesWhatIsDerivedOfTheAreasRecords() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("merge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let center = try ReplicaStore.create(
            database: folder.appendingPathComponent("center.sqlite"), scope: nil, worker: "center")
        let (a2, b) = (CenterFixture.villageA2, CenterFixture.villageB)
        _ = try center.importAreas([
            Area(code: CenterFixture.district, name: "秦州区"), Area(code: CenterFixture.townA, name: "大城街道"),
            Area(code: CenterFixture.villageA, name: "东关社区"), Area(code: a2, name: "西关社区"),
            Area(code: CenterFixture.townB, name: "天水郡街道"), Area(code: b, name: "十方堂社区"),
            Area(code: Self.newVillage, name: "西关新村"),
        ])
        let today = LocalTime.today()
        let id = try center.record(
            DisputeDraft(
                village: a2, category: .land, parties: [try Party(name: "韩一")], summary: "地界", recorder: "网格员"))
        _ = try center.perform(.mediate(method: .chat, mediator: "刘调解"), onDispute: id)
        _ = try center.perform(.resolve(agreement: "重新确认地界", date: today), onDispute: id)
        _ = try center.perform(.visit(Visit(date: today, note: "回访", isAgreementKept: true)), onDispute: id)
        _ = try center.record(
            RiskDraft(
                scope: a2, area: "水利", title: "沟渠堵塞", plan: "清淤", owner: Owner(person: "赵六"),
                deadline: today.adding(days: 30), recorder: "网格员"))
        let before = try center.areas()

        func refused(_ area: Area, _ words: String) throws {
            #expect {
                _ = try center.importAreas([area])
            } throws: { error in
                (error as? InputError)?.message(in: .zh).contains(words) == true
            }
            #expect(try center.areas() == before, "nothing changed: \(words)")
        }
        try refused(Area(code: a2, name: "西关社区", successor: try AreaCode(parsing: "620502102299")), "不是本区县的区划")
        try refused(Area(code: a2, name: "西关社区", successor: a2), "不是本区县的区划")
        try refused(Area(code: a2, name: "西关社区", successor: CenterFixture.townB), "区划只能并入同级的区划")
        try refused(Area(code: CenterFixture.district, name: "秦州区", successor: CenterFixture.townB), "区县本身")
        try refused(Area(code: CenterFixture.townA, name: "大城街道", successor: CenterFixture.townB), "下面还有 2 个区划")

        // 十方堂社区 is merged into the new village first; then nothing can be merged into it.
        _ = try center.importAreas([Area(code: b, name: "十方堂社区", successor: Self.newVillage)])
        let now = try center.areas()
        #expect {
            _ = try center.importAreas([Area(code: a2, name: "西关社区", successor: b)])
        } throws: { error in
            (error as? InputError)?.message(in: .zh).contains("它自己已并入 620502102205") == true
        }
        #expect(try center.areas() == now)

        _ = try center.importAreas([Area(code: a2, name: "西关社区", successor: Self.newVillage)])
        #expect(throws: InputError.self) {
            _ = try center.importAreas([Area(code: a2, name: "西关社区", successor: CenterFixture.villageA)])
        }
        // The district's list imported again, a name corrected: the merge stays.
        _ = try center.importAreas([Area(code: a2, name: "西关村")])
        #expect(try center.successions().current(a2) == Self.newVillage)
        #expect(try center.areas().first { $0.code == a2 } == Area(code: a2, name: "西关村", successor: Self.newVillage))

        #expect(try center.disputes(DisputeFilter(scope: CenterFixture.townB)).map(\.id) == [id])
        #expect(try center.disputes(DisputeFilter(scope: CenterFixture.townA)).isEmpty)
        // Asking for the merged village itself is told where it went, rather than shown nothing.
        #expect {
            _ = try center.report(ReportRequest(period: try ReportPeriod(year: "2022"), scope: a2, today: today))
        } throws: { error in
            (error as? InputError)?.message(in: .zh).contains("已并入 620502102205") == true
        }
        #expect(throws: InputError.self) { _ = try center.disputes(DisputeFilter(scope: a2)) }
        #expect(throws: InputError.self) { _ = try center.riskItems(RiskFilter(scope: a2)) }
        #expect(try center.riskItems(RiskFilter(scope: Self.newVillage)).count == 1)
        let year = try ReportPeriod(year: String(today.description.prefix(4)))
        let report = try center.report(ReportRequest(period: year, scope: CenterFixture.townB, today: today))
        #expect(report.total.screened == 1 && report.total.resolved == 1)
        #expect(report.risks.listed == 1)
        let villages = report.completeness.villages
        #expect(villages.map(\.code) == [Self.newVillage.description], "merged villages are not listed")
        #expect(villages.first?.reported == true && villages.first?.lastReceived != nil)
        let visits = try center.report(ReportRequest(period: year, scope: Self.newVillage, today: today)).activity
        #expect(visits.visits == 1)
        #expect(
            try center.report(ReportRequest(period: year, scope: CenterFixture.townA, today: today)).total.screened == 0
        )

        // A center's areas copied whole (`center migrate`, a process's view) take its chain of merges
        // (西关社区 into the new village, which later is merged further); a cycle is refused.
        let later = try AreaCode(parsing: "620502102206")
        _ = try center.importAreas([Area(code: later, name: "合并社区")])
        _ = try center.importAreas([Area(code: Self.newVillage, name: "西关新村", successor: later)])
        #expect(try center.successions().current(a2) == later)
        #expect(try center.disputes(DisputeFilter(scope: later)).map(\.id) == [id])
        let copy = try ReplicaStore.create(
            database: folder.appendingPathComponent("copy.sqlite"), scope: nil, worker: "copy")
        _ = try copy.importAreas(try center.areas())
        #expect(try copy.areas() == center.areas())
        let cycle = [
            Area(code: CenterFixture.district, name: "秦州区"), Area(code: CenterFixture.townB, name: "天水郡街道"),
            Area(code: b, name: "十方堂社区", successor: Self.newVillage),
            Area(code: Self.newVillage, name: "西关新村", successor: b),
        ]
        let empty = try ReplicaStore.create(
            database: folder.appendingPathComponent("cycle.sqlite"), scope: nil, worker: "cycle")
        #expect {
            _ = try empty.importAreas(cycle)
        } throws: { error in
            (error as? InputError)?.message(in: .zh).contains("本身最终并入了") == true
        }
        #expect(try empty.areas().isEmpty)
    }

    /// The duplicate finder compares villages where their records count now: a dispute recorded in the
    /// merged village and again in the village it went to is one village's, whichever arrived first,
    /// and cases the finder held from before the merge are placed anew.
    @Test(arguments: StoreKind.available) func theFinderSeesAMergedVillageAsTheVillageItWentTo(
        kind: StoreKind
    ) async throws {
        let fixture = try await CenterFixture.make(kind)
        _ = try await fixture.center.importAreas([Area(code: Self.newVillage, name: "西关新村")])
        let newGrid = try await fixture.center.enroll(name: "新村网格员", scope: Self.newVillage, role: .grid).1
        var old = Replica(clock: HybridClock(replica: ReplicaID(rawValue: 11)))
        var new = Replica(clock: HybridClock(replica: ReplicaID(rawValue: 12)))
        func draft(_ village: AreaCode, _ names: [String]) throws -> DisputeDraft {
            DisputeDraft(
                village: village, category: .neighbor, parties: try names.map { try Party(name: $0) },
                summary: "排水沟堵塞", incidentDate: try CalendarDate(parsing: "2022-05-10"), recorder: "网格员")
        }
        // Held before the merge: the finder files it under the old village.
        let before = RecordID.random()
        try await fixture.push(
            try old.perform(.record(draft(CenterFixture.villageA2, ["赵大", "钱二"])), onDispute: before),
            as: fixture.gridA2)
        _ = try await fixture.center.importAreas([
            Area(code: CenterFixture.villageA2, name: "西关社区", successor: Self.newVillage)
        ])
        let again = RecordID.random()
        try await fixture.push(
            try new.perform(.record(draft(Self.newVillage, ["赵大", "钱二"])), onDispute: again), as: newGrid)
        // Arriving from the merged village after a case of the new one.
        let first = RecordID.random()
        try await fixture.push(
            try new.perform(.record(draft(Self.newVillage, ["孙三", "李四"])), onDispute: first), as: newGrid)
        let second = RecordID.random()
        try await fixture.push(
            try old.perform(.record(draft(CenterFixture.villageA2, ["孙三", "李四"])), onDispute: second),
            as: fixture.gridA2)
        let pairs = try await fixture.merged().pairRecords()
        for (a, b) in [(before, again), (first, second)] {
            let pair = pairs.first { Set([$0.first, $0.second]) == Set([a.description, b.description]) }
            #expect(pair?.reasons.contains("same-village") == true, "\(String(describing: pair))")
        }
        await fixture.remove()
    }

    /// After the center was restored from a backup, a town's office sends back what it holds within its
    /// reach, the records of a village merged into it included (the center may have lost them).
    @Test func aTownRelaysTheMergedVillagesRecordsAfterStartingOver() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("relay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let village = try ReplicaStore.create(
            database: folder.appendingPathComponent("village.sqlite"), scope: CenterFixture.villageA2, worker: "韩")
        _ = try village.record(
            DisputeDraft(
                village: CenterFixture.villageA2, category: .land, parties: [try Party(name: "韩一")], summary: "地界",
                recorder: "网格员"))
        let town = try FieldStore.create(
            home: FieldHome(url: folder.appendingPathComponent("town")),
            enrollment: Enrollment(
                url: "http://unused", credential: DeviceCredential.generate(), scope: CenterFixture.townB, role: .town,
                worker: "镇综治办"))
        #expect(try town.receive(village.allChanges()) > 0)
        #expect(try town.startOver() == 0, "outside the town's scope before the merge")
        try town.takeAreas([
            Area(code: CenterFixture.townB, name: "天水郡街道"),
            Area(code: CenterFixture.villageA2, name: "西关社区", successor: Self.newVillage),
            Area(code: Self.newVillage, name: "西关新村"),
        ])
        let count = try village.allChanges().count
        #expect(try town.startOver() == count)
        #expect(try town.pendingChanges(limit: 100).changes == village.allChanges())
    }

    /// An areas file for `center area import`: the district, the towns and the new villages.
    func areasFile(_ folder: URL, _ villages: [(AreaCode, String)]) throws -> String {
        let file = folder.appendingPathComponent("areas-\(UUID().uuidString).csv")
        let lines = ["代码,名称,上级代码"] + villages.map { "\($0.0),\($0.1),\($0.0.parent!)" }
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }
}
