import Foundation
import ProgramTesting
import Testing

extension FieldPrograms {
    /// `field enroll` and `field sync` run as a worker runs them, against a real `center serve` set up with
    /// the `center` commands a district administrator types: what each says, in the worker's language, and
    /// how it ends.
    @Suite struct FieldSyncCommandTests {
        /// A district center on SQLite with its areas, serving on a free loopback port.
        final class District {
            let folder: URL
            let center: CenterProcess
            /// `https` when the center serves TLS.
            let scheme: String

            /// - Parameter tls: the center's certificate chain and key (PEM files), to serve HTTPS.
            init(tls: (certificate: String, key: String)? = nil, folder: URL? = nil) throws {
                self.folder =
                    folder
                    ?? FileManager.default.temporaryDirectory.appendingPathComponent("field-sync-\(UUID().uuidString)")
                let folder = self.folder
                scheme = tls == nil ? "http" : "https"
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let areas = folder.appendingPathComponent("areas.csv")
                try Data(
                    "code,name,parent\n620502,秦州区,\n620502101,大城街道,620502\n620502101201,东关社区,620502101\n".utf8
                ).write(to: areas)
                center = try CenterProcess(
                    database: folder.appendingPathComponent("center.sqlite"),
                    arguments: tls.map { ["--tls-cert", $0.certificate, "--tls-key", $0.key] } ?? [])
                let imported = try administer(["area", "import", areas.path])
                #expect(imported.status == 0, "\(imported.stderr)")
            }

            deinit {
                center.kill(SIGTERM)
                _ = center.waitForExit(seconds: 10)
                try? FileManager.default.removeItem(at: folder)
            }

            /// `center ARGUMENTS --db` this district's database.
            func administer(_ arguments: [String]) throws -> BuiltProgram.Result {
                try BuiltProgram.run(
                    CenterProcess.executable,
                    arguments + ["--db", folder.appendingPathComponent("center.sqlite").path],
                    environment: ["LANG": "zh_CN.UTF-8", "PATH": "/usr/bin:/bin", "TZ": "Asia/Shanghai"])
            }

            /// Enrolls a device with `center worker add`: its id and the string to give its worker.
            func enroll(_ name: String, scope: String, role: String) throws -> (device: String, enrollment: String) {
                let added = try administer([
                    "worker", "add", "--name", name, "--scope", scope, "--role", role, "--url",
                    "\(scheme)://127.0.0.1:\(center.port)",
                ])
                #expect(added.status == 0, "\(added.stderr)")
                let listed = try administer(["worker", "list", "--json"])
                let devices = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
                let device = devices?.first { $0["name"] as? String == name }?["id"] as? String
                return (device ?? "", added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            }

            /// A laptop's home, not yet created.
            func laptop(_ name: String) -> FieldProcess {
                FieldProcess(home: folder.appendingPathComponent(name))
            }
        }

        /// `field sync --json`'s summary.
        struct Summary: Decodable {
            var sent: Int
            var received: Int
            var alreadyHeld: Int
            var snapshotRecords: Int
            var startedOver: Bool
        }

        func summary(
            _ field: FieldProcess, _ options: String..., sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> Summary {
            let result = try field.run(["sync", "--json"] + options)
            #expect(result.status == 0, "\(result.stderr)", sourceLocation: sourceLocation)
            return try JSONDecoder().decode(Summary.self, from: Data(result.stdout.utf8))
        }

        func pending(_ field: FieldProcess) throws -> Int {
            let status = try JSONSerialization.jsonObject(with: Data(try field.ok("status", "--json").utf8))
            return (status as? [String: Any])?["pendingChanges"] as? Int ?? -1
        }

        /// A throwaway certificate authority and a certificate for 127.0.0.1 signed by it, made with openssl
        /// in `folder`: the CA's certificate, the server's chain and its key (PEM files).
        static func certificates(in folder: URL, name: String) throws -> (ca: String, chain: String, key: String) {
            let path = { (file: String) in folder.appendingPathComponent("\(name)-\(file)").path }
            try Data("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n".utf8).write(
                to: URL(fileURLWithPath: path("ext.cnf")))
            let steps = [
                [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj", "/CN=\(name) test CA",
                ],
                [
                    "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    path("server.key"), "-out", path("server.csr"), "-subj", "/CN=127.0.0.1",
                ],
                [
                    "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                    "-CAcreateserial", "-out", path("server.pem"), "-days", "2", "-extfile", path("ext.cnf"),
                ],
            ]
            for step in steps {
                let made = try BuiltProgram.run(URL(fileURLWithPath: "/usr/bin/openssl"), step, environment: nil)
                #expect(made.status == 0, "openssl \(step.joined(separator: " ")): \(made.stderr)")
            }
            return (path("ca.pem"), path("server.pem"), path("server.key"))
        }

        @Test func aLaptopSyncsOverTLSWithTheDistrictsOwnAuthorityAndRefusesAnyOtherCertificate() throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("field-tls-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let district = try Self.certificates(in: folder, name: "district")
            let stranger = try Self.certificates(in: folder, name: "stranger")
            let center = try District(tls: (district.chain, district.key), folder: folder)
            #expect(center.scheme == "https")
            let grid = center.laptop("grid")
            _ = try grid.ok(
                "init", "--enroll", try center.enroll("张网格", scope: "620502101201", role: "grid").enrollment)
            _ = try grid.ok(
                "dispute", "add", "--category", "neighbor", "--parties", "王建国 11010519491231002X", "--summary",
                "两家因宅基地边界发生争执", "--date", "2022-03-15")
            let waiting = try pending(grid)

            // Neither the system's authorities nor another one vouch for the district's certificate: nothing
            // is sent, and the worker is told what to pass on.
            for options in [["--attempts", "1"], ["--attempts", "1", "--cacert", stranger.ca]] {
                let refused = try grid.run(["sync"] + options)
                #expect(refused.status == 69, "\(refused.stdout) \(refused.stderr)")
                #expect(refused.stderr.contains("证书无法验证") && refused.stderr.contains("--cacert"), "\(refused.stderr)")
                #expect(try pending(grid) == waiting)
            }
            // With the district's own authority, the case goes over TLS.
            let synced = try summary(grid, "--cacert", district.ca)
            #expect(synced.sent == waiting)
            #expect(try pending(grid) == 0)
            // The same center refuses plain HTTP on its TLS port.
            let plain = try BuiltProgram.run(
                URL(fileURLWithPath: "/usr/bin/curl"),
                ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(center.center.port)/health"],
                environment: nil)
            #expect(plain.stdout != "200")
        }

        @Test func casesTravelFromAVillageLaptopToTheDistrictsOverFieldSync() throws {
            let district = try District()
            let grid = district.laptop("grid")
            let office = district.laptop("office")
            _ = try grid.ok(
                "init", "--enroll", try district.enroll("张网格", scope: "620502101201", role: "grid").enrollment)
            _ = try office.ok(
                "init", "--enroll", try district.enroll("区综治中心", scope: "620502", role: "district").enrollment)
            _ = try grid.ok(
                "dispute", "add", "--category", "neighbor", "--parties", "王建国,李秀英", "--summary", "两家因宅基地边界发生争执",
                "--date", "2022-03-15")
            let waiting = try pending(grid)
            #expect(waiting > 0)

            // The worker's summary in their language; then nothing waits.
            let synced = try grid.run("sync")
            #expect(synced.status == 0, "\(synced.stderr)")
            #expect(synced.stdout.hasPrefix("已同步：发送 \(waiting) 项变更"), "\(synced.stdout)")
            #expect(try pending(grid) == 0)
            let again = try grid.run("sync", "--lang", "en")
            #expect(again.stdout.hasPrefix("Synced: sent 0 changes"), "\(again.stdout)")

            // The district's laptop brings the case back, names and all (the district is their jurisdiction).
            // Its first pull takes the center's snapshot (the case as the center stores it); later ones the feed.
            let pulled = try summary(office)
            #expect(pulled.received == waiting && pulled.sent == 0 && !pulled.startedOver)
            #expect(pulled.snapshotRecords == 1)
            #expect(try office.ok("dispute", "list").contains("王建国"))
            let later = try summary(office)
            #expect(later.received == 0 && later.snapshotRecords == 0)
            // Told not to (a slow link, where the feed's fewer bytes count more), another takes the feed.
            let byFeed = district.laptop("office-by-feed")
            _ = try byFeed.ok(
                "init", "--enroll", try district.enroll("区综治中心二", scope: "620502", role: "district").enrollment)
            let fed = try summary(byFeed, "--no-snapshot")
            #expect(fed.received == waiting && fed.snapshotRecords == 0)
            #expect(try byFeed.ok("dispute", "list").contains("王建国"))

            // With the areas' names: the village in lists, and the district's report offline is the center's,
            // line for line (but the moment it was computed).
            #expect(try grid.ok("dispute", "list").contains("东关社区"))
            #expect(try grid.ok("status").contains("张网格  东关社区  620502101201"))
            // A spreadsheet gets the name beside the code, and reads back into a ledger as it was.
            let ledger = district.folder.appendingPathComponent("ledger.csv")
            _ = try grid.ok("export", "--out", ledger.path)
            #expect(try String(contentsOf: ledger, encoding: .utf8).contains(",620502101201,东关社区,邻里纠纷,"))
            let another = district.laptop("another")
            _ = try another.ok("init", "--village", "620502101201", "--worker", "李网格")
            #expect(try another.ok("import", ledger.path).contains("已导入 1"))
            // This year's: the report counts cases by the day they were recorded (China time, for both).
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
            let year = String(calendar.component(.year, from: Date()))
            let centerReport = try district.administer(["report", "--year", year, "--by", "town"])
            #expect(centerReport.status == 0, "\(centerReport.stderr)")
            let officeReport = try office.ok("report", "--year", year, "--by", "town")
            func body(_ report: String) -> [Substring] {
                let lines = report.split(separator: "\n")
                return [lines[0]] + lines.dropFirst(2)
            }
            #expect(body(officeReport) == body(centerReport.stdout), "\(officeReport)\n\(centerReport.stdout)")
            #expect(officeReport.hasPrefix("秦州区 矛盾纠纷排查化解报告 \(year)"))
            #expect(officeReport.contains("排查 1 件") && officeReport.contains("大城街道"), "\(officeReport)")
        }

        @Test func aSyncThatCannotFinishSaysWhyAndWhatToDoInTheWorkersLanguage() throws {
            let district = try District()
            let grid = district.laptop("grid")
            let (device, enrollment) = try district.enroll("张网格", scope: "620502101201", role: "grid")

            // A replica that was never enrolled.
            _ = try grid.ok("init", "--village", "620502101201", "--worker", "张网格")
            let unenrolled = try grid.run("sync")
            #expect(unenrolled.status == 78)
            #expect(unenrolled.stderr.contains("还没有登记到区中心") && unenrolled.stderr.contains("field enroll"))
            #expect(try grid.run("sync", "--lang", "en").stderr.contains("is not enrolled with a center"))

            // An enrollment string mistyped or not one at all: bad data, nothing changed.
            let before = try grid.snapshot()
            // One digit in the middle typed wrong (the string's groups are "FS1-" then five digits each).
            var digits = Array(enrollment)
            digits[12] = digits[12] == "7" ? "8" : "7"
            let mistyped = String(digits)
            for (text, zh, en) in [
                (mistyped, "校验码对不上", "checksum does not match"), ("hello", "以 FS1- 开头", "starts with FS1-"),
            ] {
                let refused = try grid.run("enroll", text)
                #expect(refused.status == 65, "\(refused.stderr)")
                #expect(refused.stderr.contains(zh), "\(refused.stderr)")
                #expect(try grid.run("enroll", text, "--lang", "en").stderr.contains(en))
            }
            #expect(try grid.snapshot() == before)

            // Enrolled, a case recorded, then the device revoked at the center: refused at once, the case kept.
            _ = try grid.ok("enroll", enrollment)
            _ = try grid.ok(
                "dispute", "add", "--category", "neighbor", "--parties", "王建国,李秀英", "--summary", "排水沟堵塞致院落积水",
                "--date", "2022-03-15")
            let waiting = try pending(grid)
            #expect(try district.administer(["worker", "revoke", device]).status == 0)
            let revoked = try grid.run("sync", "--attempts", "5", "--retry-delay", "10000")
            #expect(revoked.status == 77, "\(revoked.stderr)")
            #expect(revoked.stderr.contains("区中心拒绝了这次同步：本机已不在区中心登记"), "\(revoked.stderr)")
            #expect(revoked.stderr.contains("field enroll") && revoked.stderr.contains("401 revoked"))
            #expect(
                try grid.run("sync", "--lang", "en").stderr.contains(
                    "What to do: this laptop is not (or no longer) enrolled"))
            #expect(try pending(grid) == waiting)

            // The center gone: retried, then a clear stop; nothing is lost.
            district.center.kill(SIGTERM)
            #expect(district.center.waitForExit(seconds: 10) != nil)
            let unreachable = try grid.run("sync", "--attempts", "2", "--retry-delay", "1", "--timeout", "2")
            #expect(unreachable.status == 69, "\(unreachable.stderr)")
            #expect(unreachable.stderr.contains("无法连接区中心 http://127.0.0.1:\(district.center.port)（试了 2 次"))
            #expect(unreachable.stderr.contains("数据不会丢失"))
            let english = try grid.run("sync", "--attempts", "1", "--retry-delay", "1", "--lang", "en")
            #expect(english.stderr.contains("after 1 attempt (") && english.stderr.contains("Nothing is lost"))
            #expect(try pending(grid) == waiting)
        }

        /// A worker who moves to another village leaves the old village's records behind: once the center
        /// holds every change, `field retire` removes the replica, and the new village starts afresh.
        @Test func aWorkerWhoMovesRetiresTheReplicaOnceTheCenterHoldsItsChanges() throws {
            let district = try District()
            let areas = district.folder.appendingPathComponent("more.csv")
            try Data("code,name,parent\n620502101202,西关社区,620502101\n".utf8).write(to: areas)
            #expect(try district.administer(["area", "import", areas.path]).status == 0)
            let grid = district.laptop("grid")
            let (device, enrollment) = try district.enroll("张网格", scope: "620502101201", role: "grid")
            _ = try grid.ok("init", "--enroll", enrollment)
            _ = try grid.ok("dispute", "add", "--category", "neighbor", "--parties", "王建国,李秀英", "--summary", "宅基地边界")

            // The new village's enrollment does not fit this replica: the refusal says how to move.
            let moved = try district.enroll("张网格（西关）", scope: "620502101202", role: "grid").enrollment
            let misfit = try grid.run("enroll", moved)
            #expect(misfit.status == 65 && misfit.stderr.contains("field retire"), "\(misfit.stderr)")

            // Not while the center lacks a change: nothing removed.
            let before = try grid.snapshot()
            let early = try grid.run("retire")
            #expect(early.status == 65)
            #expect(early.stderr.contains("没有送到区中心：先运行 field sync"), "\(early.stderr)")
            #expect(try grid.snapshot() == before)

            _ = try grid.ok("sync")
            let retired = try grid.ok("retire")
            #expect(retired.contains("已删除本机副本") && retired.contains("center worker revoke \(device)"), "\(retired)")
            #expect(!FileManager.default.fileExists(atPath: grid.home.appendingPathComponent("field.sqlite").path))
            #expect(try grid.run("status").status == 66)
            // The center kept the case; the laptop starts again in the new village without the old one's.
            let held = try district.administer(["case", "list", "--json"])
            #expect((try JSONSerialization.jsonObject(with: Data(held.stdout.utf8)) as? [Any])?.count == 1)
            _ = try grid.ok("init", "--enroll", moved)
            #expect((try grid.json("dispute", "list", "--json") as? [Any])?.count == 0)
            #expect(try grid.ok("status").contains("620502101202"))

            // A replica that was never enrolled holds its changes alone: kept unless they are given up.
            let alone = district.laptop("alone")
            _ = try alone.ok("init", "--village", "620502101201", "--worker", "李网格")
            _ = try alone.ok("dispute", "add", "--category", "land", "--parties", "赵六", "--summary", "界桩")
            let refused = try alone.run("retire")
            #expect(refused.status == 65 && refused.stderr.contains("只在这台电脑上"), "\(refused.stderr)")
            let discarded = try alone.ok("retire", "--discard-unsent")
            #expect(discarded.contains("丢弃了") && !discarded.contains("revoke"), "\(discarded)")
            #expect(!FileManager.default.fileExists(atPath: alone.home.path))
        }

        /// A village merged into another by the district (`center area merge`): its laptop is told where it
        /// went and takes the new village's enrollment, keeping its cases; the new village's laptop is told
        /// it pulled again for the cases it gained.
        @Test func aMergedVillagesLaptopIsToldAndMovesWithItsCases() throws {
            let district = try District()
            let areas = district.folder.appendingPathComponent("more.csv")
            try Data("code,name,parent\n620502101205,东关新村,620502101\n".utf8).write(to: areas)
            #expect(try district.administer(["area", "import", areas.path]).status == 0)
            let old = district.laptop("old")
            _ = try old.ok(
                "init", "--enroll", try district.enroll("张网格", scope: "620502101201", role: "grid").enrollment)
            let added = try old.ok(
                "dispute", "add", "--category", "neighbor", "--parties", "王建国,李秀英", "--summary", "宅基地边界")
            let new = district.laptop("new")
            _ = try new.ok(
                "init", "--enroll", try district.enroll("李网格", scope: "620502101205", role: "grid").enrollment)
            _ = try new.ok("dispute", "add", "--category", "debt", "--parties", "郑一", "--summary", "借款")
            _ = try old.ok("sync")
            let quiet = try new.run("sync")
            #expect(quiet.status == 0 && !quiet.stderr.contains("注意"), "\(quiet.stderr)")

            let merged = try district.administer(["area", "merge", "620502101201", "--into", "620502101205", "--yes"])
            #expect(merged.status == 0 && merged.stdout.contains("并入 620502101205 东关新村"), "\(merged.stdout)")
            let listed = try district.administer(["area", "list"])
            #expect(listed.stdout.contains("并入") && listed.stdout.contains("620502101205 东关新村"), "\(listed.stdout)")
            let refused = try district.administer([
                "worker", "add", "--name", "王网格", "--scope", "620502101201", "--role", "grid",
            ])
            #expect(refused.status == 65 && refused.stderr.contains("已并入 620502101205"), "\(refused.stderr)")

            // The new village's laptop gains the merged village's case, and says why it pulled again.
            let gained = try new.run("sync", "--json")
            #expect(gained.status == 0 && gained.stderr.contains("并入了本机的范围"), "\(gained.stderr)")
            let summary = try JSONSerialization.jsonObject(with: Data(gained.stdout.utf8)) as? [String: Any]
            #expect(summary?["reachGrew"] as? Bool == true)
            #expect(try new.ok("dispute", "list").contains("宅基地边界"))
            // Its sheet says where it was recorded and where that village went.
            let sheet = try new.ok("dispute", "show", String(added.prefix(8)))
            #expect(sheet.contains("东关社区  620502101201（已并入 东关新村  620502101205）"), "\(sheet)")

            // The old laptop is told where its village went; the new enrollment keeps its case.
            let told = try old.run("sync")
            #expect(told.status == 0 && told.stderr.contains("已并入 620502101205 东关新村"), "\(told.stderr)")
            #expect(try old.ok("status").contains("已并入 620502101205 东关新村"))
            let status = try old.json("status", "--json") as? [String: Any]
            #expect(status?["mergedInto"] as? String == "620502101205")
            // Offline, before it moves, it still records in its village, and is told where that went.
            let offline = try old.run("dispute", "add", "--category", "debt", "--parties", "钱七", "--summary", "欠款未还")
            #expect(offline.status == 0 && offline.stderr.contains("已并入 620502101205 东关新村"), "\(offline.stderr)")
            // Naming its own village is the same as not naming it.
            let own = try old.run(
                "dispute", "add", "--village", "620502101201", "--category", "debt", "--parties", "周九",
                "--summary", "欠款")
            #expect(own.status == 0 && own.stderr.contains("已并入 620502101205 东关新村"), "\(own.stderr)")
            // A town office names the merged village's code for a new record: refused, naming the new one.
            let town = district.laptop("town")
            _ = try town.ok(
                "init", "--enroll", try district.enroll("大城街道", scope: "620502101", role: "town").enrollment)
            _ = try town.ok("sync")
            let named = try town.run(
                "dispute", "add", "--village", "620502101201", "--category", "land", "--parties", "孙八",
                "--summary", "地界")
            #expect(named.status == 65 && named.stderr.contains("已并入 620502101205；请记在 620502101205 下"))
            let risk = try town.run(
                "risk", "add", "--scope", "620502101201", "--area", "土地资源", "--title", "地界", "--plan", "调处",
                "--owner", "孙", "--deadline", "2030-01-01")
            #expect(
                risk.status == 65 && risk.stderr.contains("--scope：620502101201 已并入 620502101205"), "\(risk.stderr)")
            _ = try town.ok(
                "dispute", "add", "--village", "620502101205", "--category", "land", "--parties", "孙八", "--summary",
                "地界")
            _ = try town.ok("sync")
            _ = try old.ok("enroll", try district.enroll("张网格（东关新村）", scope: "620502101205", role: "grid").enrollment)
            #expect(try old.ok("status").contains("620502101205"))
            _ = try old.ok("dispute", "add", "--category", "land", "--parties", "赵六", "--summary", "界桩被移动")
            let moved = try old.run("sync")
            #expect(moved.status == 0 && !moved.stderr.contains("已并入"), "\(moved.stderr)")
            let cases = try old.json("dispute", "list", "--json") as? [[String: Any]]
            // The new village's own case comes too: the laptop keeps the new village's records now.
            #expect(cases?.count == 6 && cases?.allSatisfy { $0["village"] as? String == "620502101205" } == true)
            #expect(try old.ok("dispute", "show", String(added.prefix(8))).contains("宅基地边界"))
        }
    }
}
