import Client
import Foundation
import Samples
import Shared
import Storage

// The district's year, for scripts/demo:
//   demo areas                          the district's towns and villages, as CSV for `center area import`
//   demo record HOMES [--seed S]        each village worker's year, recorded offline into the field homes
//                                       HOMES/<village code> (as `field` records it, with the clock of the day)
//   demo check REPORT.json [--seed S]   the merged annual report's figures against the district's

@main
enum Demo {
    static func main() throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var seed: UInt64 = 2022
        if let index = arguments.firstIndex(of: "--seed"), index + 1 < arguments.count {
            guard let value = UInt64(arguments[index + 1]) else { fail("--seed takes a whole number") }
            seed = value
            arguments.removeSubrange(index...(index + 1))
        }
        switch (arguments.first, arguments.count) {
        case ("areas", 1):
            print("code,name,parent")
            for area in DistrictYear.areas {
                print("\(area.code),\(area.name),\(area.code.parent?.description ?? "")")
            }
        case ("record", 2): try record(homes: URL(fileURLWithPath: arguments[1]), seed: seed)
        case ("check", 2): try check(report: URL(fileURLWithPath: arguments[1]), seed: seed)
        default: fail("usage: demo areas | demo record HOMES [--seed S] | demo check REPORT.json [--seed S]")
        }
    }

    static func year(seed: UInt64) -> DistrictYear {
        DistrictYear(seed: seed) { LocalTime.startOfDay($0) + 12 * 3_600_000 }
    }

    static func record(homes: URL, seed: UInt64) throws {
        let year = year(seed: seed)
        var cases = 0
        var risks = 0
        for (village, events) in year.events.sorted(by: { $0.key < $1.key }) {
            let clock = SimulatedClock(milliseconds: events.first?.time ?? 0)
            let store = try FieldStore.open(
                home: FieldHome(url: homes.appendingPathComponent(village.description)), wallClock: clock)
            for event in events {
                clock.set(event.time)
                switch event.action {
                case .dispute(let command, let id):
                    try store.perform(command, onDispute: id)
                    if case .record = command { cases += 1 }
                case .risk(let command, let id):
                    try store.perform(command, onRiskItem: id)
                    if case .record = command { risks += 1 }
                }
            }
        }
        print(
            "recorded \(year.year) offline in \(year.events.count) villages: \(cases) case records "
                + "(\(year.duplicates) of them a second record of a neighbouring town's case), \(risks) risk items")
    }

    static func check(report file: URL, seed: UInt64) throws {
        let data = try Data(contentsOf: file)
        guard let report = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let total = report["total"] as? [String: Any], let risks = report["risks"] as? [String: Any],
            let activity = report["activity"] as? [String: Any]
        else { fail("\(file.path) is not a report in JSON") }
        let expected: [(String, Any?, String)] = [
            ("cases screened", total["screened"], "\(DistrictYear.screened)"),
            ("cases resolved", total["resolved"], "\(DistrictYear.resolved)"),
            ("success rate", total["successRate"], "98.64"),
            ("risk items listed", risks["listed"], "\(DistrictYear.riskItems)"),
            ("risk items struck off", risks["struckOff"], "\(DistrictYear.riskItems)"),
            ("risk areas", (risks["areas"] as? [Any])?.count, "\(DistrictYear.riskAreas.count)"),
            ("duplicates merged", activity["duplicatesMerged"], "\(year(seed: seed).duplicates)"),
        ]
        var wrong = false
        for (name, value, want) in expected {
            let got = value.map { "\($0)" } ?? "missing"
            print(
                "  \(got == want ? "ok " : "NOT")  \(name): \(got)\(got == want ? "" : ", the district's report says \(want)")"
            )
            wrong = wrong || got != want
        }
        if wrong { fail("the merged report does not reproduce the district's figures") }
        print("the merged report reproduces the district's figures")
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("demo: \(message)\n".utf8))
        exit(1)
    }
}
