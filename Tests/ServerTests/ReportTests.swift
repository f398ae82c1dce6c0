import Console
import Foundation
import Hummingbird
import HummingbirdTesting
import Samples
import Shared
import Storage
import Testing

extension ReportPeriod {
    static let march = try! ReportPeriod(month: "2022-03")
}

/// Reports over the merged center, with figures computed by hand from a small district's spring.
@Suite struct ReportTests {
    /// Two villages of town A, one of town B; devices that record on given days and push later.
    final class Spring: @unchecked Sendable {
        // Used by one test at a time.
        let folder: URL
        let store: ReplicaStore
        let centerClock = SimulatedClock(milliseconds: 0)
        var devices: [String: (replica: Replica, clock: SimulatedClock, credential: DeviceCredential)] = [:]
        var cases: [String: RecordID] = [:]
        var risks: [String: RecordID] = [:]

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            centerClock.set(Self.noon("2022-01-01"))
            store = try ReplicaStore.create(
                database: folder.appendingPathComponent("center.sqlite"), scope: nil, worker: "center",
                durability: .power, wallClock: centerClock)
            _ = try store.importAreas([
                Area(code: CenterFixture.district, name: "秦州区"), Area(code: CenterFixture.townA, name: "大城街道"),
                Area(code: CenterFixture.villageA, name: "东关社区"), Area(code: CenterFixture.villageA2, name: "西关社区"),
                Area(code: CenterFixture.townB, name: "天水郡街道"), Area(code: CenterFixture.villageB, name: "十方堂社区"),
            ])
            for (name, village) in [("A", CenterFixture.villageA), ("B", CenterFixture.villageB)] {
                let credential = try store.enroll(name: "网格员\(name)", scope: village, role: .grid).1
                let clock = SimulatedClock(milliseconds: 0)
                devices[name] = (
                    Replica(
                        clock: HybridClock(
                            replica: ReplicaID(rawValue: UInt64(name.unicodeScalars.first!.value)), wallClock: clock)),
                    clock, credential
                )
            }
        }

        deinit {
            try? FileManager.default.removeItem(at: folder)
        }

        /// Milliseconds at noon, local time, of a day.
        static func noon(_ day: String) -> Int64 {
            LocalTime.startOfDay(try! CalendarDate(parsing: day)) + 12 * 3_600_000
        }

        static func date(_ day: String) -> CalendarDate { try! CalendarDate(parsing: day) }

        /// What device `name` does on `day`, offline; the changes wait in `pending`.
        var pending: [String: [Change]] = [:]

        func on(_ day: String, _ name: String, _ command: DisputeCommand, case label: String) throws {
            devices[name]!.clock.set(Self.noon(day))
            let id = cases[label] ?? RecordID.random()
            cases[label] = id
            pending[name, default: []] += try devices[name]!.replica.perform(command, onDispute: id)
        }

        func on(_ day: String, _ name: String, _ command: RiskCommand, risk label: String) throws {
            devices[name]!.clock.set(Self.noon(day))
            let id = risks[label] ?? RecordID.random()
            risks[label] = id
            pending[name, default: []] += try devices[name]!.replica.perform(command, onRiskItem: id)
        }

        /// The center's sequence after each day's push, and every change each device delivered.
        var pushed: [String: Int64] = [:]
        var delivered: [String: [Change]] = [:]

        /// Device `name` syncs on `day`: its pending changes reach the center.
        func push(_ day: String, _ name: String) throws {
            centerClock.set(Self.noon(day))
            delivered[name, default: []] += pending[name] ?? []
            pushed[day] =
                try store.push(
                    pending[name] ?? [], from: devices[name]!.credential.device, clockOffset: nil, maximumDrift: .max
                ).cursor
            pending[name] = []
        }

        func draft(_ village: AreaCode, _ names: [String], foundBy: Discovery = .screening) -> DisputeDraft {
            DisputeDraft(
                village: village, category: .marriageFamily, parties: names.map { try! Party(name: $0) },
                summary: "彩礼返还纠纷", foundBy: foundBy, incidentDate: Self.date("2022-03-01"), recorder: "网格员")
        }

        func report(
            _ period: ReportPeriod, by dimension: ReportRequest.Dimension? = nil, asOf: Int64? = nil
        )
            throws -> Report
        {
            try store.report(
                ReportRequest(period: period, dimension: dimension, asOf: asOf, today: Self.date("2022-12-31")))
        }
    }

    /// The spring, as the district lived it.
    static func spring() throws -> Spring {
        let s = try Spring()
        let a = CenterFixture.villageA
        let b = CenterFixture.villageB
        // Village A: c1 screened and resolved in March, visited in April; c2 screened at the end of March
        // and resolved in April; c3 voided; c4 a walk-in in April.
        try s.on("2022-03-10", "A", .record(s.draft(a, ["王建国", "李秀英"])), case: "c1")
        try s.on("2022-03-12", "A", .mediate(method: .staged, mediator: "调解员"), case: "c1")
        try s.on("2022-03-20", "A", .resolve(agreement: "退还彩礼", date: Spring.date("2022-03-20")), case: "c1")
        try s.on("2022-03-28", "A", .record(s.draft(a, ["赵志强", "孙丽华"])), case: "c2")
        try s.on("2022-03-29", "A", .mediate(method: .chat, mediator: "调解员"), case: "c2")
        try s.on("2022-03-15", "A", .record(s.draft(a, ["周明", "吴芳"])), case: "c3")
        try s.on("2022-03-16", "A", .void(reason: "登记有误"), case: "c3")
        try s.on(
            "2022-03-01", "A",
            .record(
                RiskDraft(
                    scope: a, area: "婚恋家庭", title: "彩礼纠纷隐患", level: .normal, plan: "入户调解",
                    owner: Owner(person: "刘主任", unit: "东关社区"), deadline: Spring.date("2022-03-31"),
                    recorder: "网格员")), risk: "r1")
        try s.on("2022-03-25", "A", .strike(evidence: "已调结", date: Spring.date("2022-03-25")), risk: "r1")
        try s.on(
            "2022-03-10", "A",
            .record(
                RiskDraft(
                    scope: a, area: "土地纠纷", title: "地界争议", level: .normal, plan: "现场勘界",
                    owner: Owner(person: "马书记", unit: "东关社区"), deadline: Spring.date("2022-04-10"),
                    recorder: "网格员")), risk: "r2")
        try s.push("2022-03-30", "A")
        try s.on("2022-04-02", "A", .record(s.draft(a, ["郑伟", "冯静"], foundBy: .visit)), case: "c4")
        try s.on("2022-04-03", "A", .resolve(agreement: "分期退还", date: Spring.date("2022-04-03")), case: "c2")
        try s.on(
            "2022-04-05", "A", .visit(Visit(date: Spring.date("2022-04-05"), note: "已履行", isAgreementKept: true)),
            case: "c1")
        try s.push("2022-04-06", "A")
        // Village B, in town B, records in March but syncs only in April: c5 escalated, and c6, the same
        // dispute as c1 seen from the other town.
        try s.on("2022-03-05", "B", .record(s.draft(b, ["陈刚", "杨梅"])), case: "c5")
        try s.on("2022-03-06", "B", .escalate(to: .court, note: nil), case: "c5")
        try s.on("2022-03-11", "B", .record(s.draft(b, ["李 秀英", "王·建国"])), case: "c6")
        try s.push("2022-04-10", "B")
        return s
    }

    /// A breakdown's rows in the order a reader looks for them: categories and methods as the district's
    /// forms list them (not by their English codes), workers and risk areas by pinyin (not by code point,
    /// which puts 张 before 白), the rows without a value last.
    @Test func rowsComeInTheOrderAReaderLooksFor() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("order-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ReplicaStore.create(
            database: folder.appendingPathComponent("field.sqlite"), scope: CenterFixture.villageA, worker: "张网格")
        let recorded: [(DisputeCategory, String, MediationMethod?)] = [
            (.debt, "张网格", .staged), (.land, "白玉", nil), (.marriageFamily, "赵六", .chat), (.neighbor, "安然", .revisit),
            (.other, "陈七", .factFinding),
        ]
        for (category, recorder, method) in recorded {
            let id = try store.record(
                DisputeDraft(
                    village: CenterFixture.villageA, category: category, parties: [try Party(name: "当事人")],
                    summary: "纠纷", recorder: recorder))
            if let method { try store.perform(.mediate(method: method, mediator: nil), onDispute: id) }
        }
        for area in ["征地拆迁", "水利", "安全生产"] {
            try store.record(
                RiskDraft(
                    scope: CenterFixture.villageA, area: area, title: "隐患", plan: "预案", owner: Owner(person: "赵六"),
                    deadline: try CalendarDate(parsing: "2099-12-31"), recorder: "张网格"))
        }
        let today = LocalTime.today()
        let year = try ReportPeriod(year: String(today.description.prefix(4)))
        func rows(_ dimension: ReportRequest.Dimension) throws -> [String] {
            try store.report(ReportRequest(period: year, dimension: dimension, today: today)).breakdown.map(\.label)
        }
        #expect(try rows(.category) == ["婚姻家庭", "邻里纠纷", "土地纠纷", "债务纠纷", "其他"])
        #expect(try rows(.method) == ["拉家常式", "摸底式", "分段式", "望闻问切访", "未调解"])
        #expect(try rows(.worker) == ["安然", "白玉", "陈七", "张网格", "赵六"])
        let risks = try store.report(ReportRequest(period: year, today: today)).risks.areas.map(\.area)
        #expect(risks == ["安全生产", "水利", "征地拆迁"])
    }

    @Test func marchCountsEachCaseOnceWhereverItWasRecordedAndWhateverArrivedLate() throws {
        let s = try Self.spring()
        let march = try s.report(ReportPeriod(month: "2022-03"), by: .town)
        // Screened in March and counted: c1 (c6 merged into it), c2, c5; c3 voided, c4 is April's.
        #expect(march.total.screened == 3)
        #expect(march.total.resolved == 2, "c2's April resolution counts for the case screened in March")
        #expect(march.total.escalated == 1 && march.total.mediating == 0 && march.total.waiting == 0)
        #expect(march.total.successRate == 66.66, "2 / 3, cut off at two decimals as the district does")
        #expect(march.total.foundByScreening == 3 && march.total.walkIns == 0)
        #expect(march.activity.agreementsReached == 1, "only c1's agreement is dated in March")
        #expect(march.activity.visits == 0)
        #expect(march.activity.duplicatesMerged == 1 && march.activity.voided == 1)
        #expect(march.breakdown.map(\.key) == ["620502101", "620502102"])
        #expect(march.breakdown.map(\.label) == ["大城街道", "天水郡街道"])
        #expect(march.breakdown.map(\.screened) == [2, 1] && march.breakdown.map(\.resolved) == [2, 0])
        #expect(march.risks.listed == 2 && march.risks.struckOff == 1 && march.risks.overdue == 0)
        #expect(march.risks.towns.map { "\($0.area) \($0.listed) \($0.struckOff)" } == ["大城街道 2 1"])
        #expect(march.months.map { "\($0.month) \($0.screened) \($0.resolved)" } == ["2022-03 3 2"])
        // Village B's March arrived on April 10: c5 and c6, every change they had made in March.
        let madeInMarch = s.delivered["B"]!.filter {
            ReportPeriod.march.contains(LocalTime.date(at: $0.timestamp.physical))
        }
        #expect(madeInMarch.count > 10 && march.completeness.lateChanges == madeInMarch.count)
        #expect(march.completeness.lateFields.first { $0.field == "status" }?.changes == 1)
        let villages = Dictionary(uniqueKeysWithValues: march.completeness.villages.map { ($0.code, $0) })
        #expect(villages["620502101201"]?.reported == true && villages["620502101202"]?.reported == false)
        #expect(villages["620502102203"]?.reported == true)
        #expect(villages["620502102203"]?.lastReceived == Spring.noon("2022-04-10"))
        #expect(villages["620502101202"]?.lastReceived == nil)
    }

    @Test func aprilCountsTheWalkInTheVisitTheLateAgreementAndTheOverdueItem() throws {
        let s = try Self.spring()
        let april = try s.report(ReportPeriod(month: "2022-04"))
        #expect(april.total.screened == 1 && april.total.waiting == 1 && april.total.walkIns == 1)
        #expect(april.total.successRate == 0)
        #expect(april.activity.agreementsReached == 1, "c2's agreement, dated April 3")
        #expect(april.activity.visits == 1 && april.activity.visitsKept == 1)
        #expect(april.risks.listed == 0 && april.risks.overdue == 1)
        let overdue = try #require(april.risks.overdueItems.first)
        #expect(overdue.title == "地界争议" && overdue.ownerPerson == "马书记" && overdue.deadline == "2022-04-10")
        #expect(april.completeness.lateChanges == 0, "nothing made in April arrived after it")

        let year = try s.report(ReportPeriod(year: "2022"), by: .category)
        #expect(year.total.screened == 4 && year.total.resolved == 2)
        #expect(year.breakdown.map(\.label) == ["婚姻家庭"])
        #expect(year.months.count == 12 && year.months.map(\.screened).reduce(0, +) == 4)
        #expect(year.risks.listed == 2 && year.risks.struckOff == 1 && year.risks.overdue == 1)
        // By pinyin: 婚 (hūn) before 土 (tǔ).
        #expect(year.risks.areas.map { "\($0.area) \($0.overdue)" } == ["婚恋家庭 0", "土地纠纷 1"])

        let week = try s.report(ReportPeriod(week: "2022-W10"))
        #expect(week.first == "2022-03-07" && week.last == "2022-03-13")
        #expect(week.total.screened == 1, "c1 on the 10th; c6, on the 11th, counts under c1")
        let scoped = try s.store.report(
            ReportRequest(
                period: ReportPeriod(year: "2022"), scope: CenterFixture.townB, today: Spring.date("2022-12-31")))
        #expect(scoped.total.screened == 1 && scoped.total.escalated == 1 && scoped.scopeName == "天水郡街道")
        #expect(scoped.risks.listed == 0)
    }

    @Test func aCaseOfAnAreaTheCenterDoesNotKnowStillCountsInTheTotal() throws {
        let s = try Self.spring()
        // A case of a town the center's areas do not name (received from elsewhere, not pushed).
        var other = Replica(clock: HybridClock(replica: ReplicaID(rawValue: 99)))
        let village = try AreaCode(parsing: "620502199201")
        try s.store.receive(
            try other.perform(.record(s.draft(village, ["何志明", "罗秀兰"])), onDispute: RecordID.random()),
            maximumDrift: .max)
        let year = try s.report(ReportPeriod(year: "\(LocalTime.today().year)"), by: .town)
        #expect(year.total.screened == 1 && year.breakdown.isEmpty, "no known town holds it, the total does")
        let spring = try s.report(ReportPeriod(year: "2022"))
        #expect(spring.total.screened == spring.towns.reduce(0) { $0 + $1.screened })
    }

    @Test func asOfReproducesTheReportTheCenterGaveThen() throws {
        let s = try Self.spring()
        // Before village B synced, as the district saw it on April 7.
        let lastOfA = try #require(s.pushed["2022-04-06"])
        let then = try s.report(ReportPeriod(month: "2022-03"), by: .town, asOf: lastOfA)
        #expect(then.source.asOf && then.source.sequence == lastOfA)
        #expect(then.total.screened == 2 && then.total.resolved == 2, "village B's cases had not arrived")
        #expect(then.completeness.lateChanges == 0)

        // The same report computed now and as of now agree in every figure.
        var now = try s.report(ReportPeriod(month: "2022-03"), by: .town)
        var replayed = try s.report(ReportPeriod(month: "2022-03"), by: .town, asOf: now.source.sequence)
        #expect(replayed.source.sequence == now.source.sequence)
        now.source.computedAt = 0
        replayed.source.computedAt = 0
        replayed.source.asOf = false
        #expect(now == replayed)
        #expect(throws: InputError.self) { try s.report(ReportPeriod(month: "2022-03"), asOf: 1_000_000) }
    }

    @Test func theSuccessRateIsTheDistricts() {
        var cases = Report.Cases(key: "", label: "")
        cases.screened = 2957
        cases.resolved = 2917
        #expect(cases.successRate == 98.64)
        #expect(ReportOutput.percent(cases.successRate) == "98.64 %")
    }

    @Test func periodsAreReadStrictly() throws {
        #expect(try ReportPeriod(week: "2022-W01").first == CalendarDate(parsing: "2022-01-03"))
        #expect(try ReportPeriod(week: "2020-W53").last == CalendarDate(parsing: "2021-01-03"))
        #expect(throws: ReportPeriodError.self) { try ReportPeriod(week: "2022-W53") }
        #expect(try ReportPeriod(month: "2024-02").last == CalendarDate(parsing: "2024-02-29"))
        #expect(throws: ReportPeriodError.self) { try ReportPeriod(month: "2022-13") }
        #expect(throws: ReportPeriodError.self) { try ReportPeriod(year: "22") }
        #expect(throws: ReportPeriodError.self) {
            try ReportPeriod(from: CalendarDate(parsing: "2022-03-02"), to: CalendarDate(parsing: "2022-03-01"))
        }
    }
}

/// `GET /v1/report`, as a town or district office would fetch it.
@Suite struct ReportRouteTests {
    func get(
        _ client: some TestClientProtocol, _ query: String, as credential: DeviceCredential
    ) async throws
        -> TestResponse
    {
        try await client.execute(
            uri: "/v1/report?" + query, method: .get, headers: [.authorization: "Bearer \(credential.token)"])
    }

    @Test(arguments: StoreKind.available)
    func townAndDistrictDevicesGetTheirScopesReportInEveryFormat(kind: StoreKind) async throws {
        let fixture = try await CenterFixture.make(kind)
        var a = DeviceReplica(1, village: CenterFixture.villageA)
        var b = DeviceReplica(2, village: CenterFixture.villageB)
        try await fixture.push(try a.recordCases(3), as: fixture.gridA)
        try await fixture.push(try b.recordCases(2), as: fixture.gridB)
        let year = "\(LocalTime.today().year)"
        try await fixture.withClient { client in
            let town = try await get(client, "year=\(year)&format=json", as: fixture.town)
            #expect(town.status == .ok)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: town.body)) as? [String: Any])
            #expect((json["total"] as? [String: Any])?["screened"] as? Int == 3, "town A sees its own 3 cases")
            #expect(json["scope"] as? String == CenterFixture.townA.description)

            let district = try await get(client, "year=\(year)&format=json&by=town", as: fixture.district)
            let all = try #require(
                try JSONSerialization.jsonObject(with: Data(buffer: district.body)) as? [String: Any])
            #expect((all["total"] as? [String: Any])?["screened"] as? Int == 5)
            #expect((all["breakdown"] as? [[String: Any]])?.count == 2)

            let csv = try await get(client, "year=\(year)&format=csv", as: fixture.district)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(Array(Data(buffer: csv.body).prefix(3)) == [0xEF, 0xBB, 0xBF])

            let html = try await get(client, "year=\(year)&format=html&lang=en", as: fixture.district)
            let page = String(buffer: html.body)
            #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("<svg") && page.contains("id=\"screened\">5<"))
            #expect(!page.contains("src=") && !page.contains("href=") && !page.contains("url("), "no outside assets")

            let grid = try await get(client, "year=\(year)", as: fixture.gridA)
            #expect(grid.status == .forbidden && String(buffer: grid.body).contains("\"code\":\"role\""))
            let outside = try await get(client, "year=\(year)&scope=\(CenterFixture.townB)", as: fixture.town)
            #expect(
                outside.status == .forbidden && String(buffer: outside.body).contains("outside this device's scope"))
            let badMonth = try await get(client, "month=2022-13", as: fixture.district)
            #expect(badMonth.status == .badRequest && String(buffer: badMonth.body).contains("2022-13"))
            let unknown = try await get(client, "yaer=2022", as: fixture.district)
            #expect(unknown.status == .badRequest && String(buffer: unknown.body).contains("unknown parameter 'yaer'"))
            // Every refusal's code is one the OpenAPI document lists.
            for refused in [grid, outside, badMonth, unknown] {
                let code = try JSONSerialization.jsonObject(with: Data(buffer: refused.body)) as? [String: Any]
                let name = try #require(code?["code"] as? String)
                #expect(SyncRouteTests.documentedErrorCodes.contains(name), "\(name) is not in openapi.yaml")
            }
        }
    }
}
