import Client
import Console
import Foundation
import GRDB
import Samples
import Shared
import Testing

@testable import Storage

@Suite struct FieldStoreTests {
    @Test func aCommandIsStoredAndSeenAfterReopening() throws {
        try withTemporaryStore { store in
            let id = try store.record(Sample.draft())
            try store.perform(.mediate(method: .staged, mediator: "刘调解"), onDispute: id)
            try store.perform(.resolve(agreement: "分三期退还彩礼", date: Sample.today), onDispute: id)
            let reopened = try FieldStore.open(home: store.home)
            let dispute = try #require(try reopened.dispute(id))
            #expect(dispute.status == .resolved)
            #expect(dispute.agreement?.text == "分三期退还彩礼")
            #expect(try reopened.disputes().map(\.status) == [.resolved])
            #expect(try reopened.history(of: EntityKey(kind: .dispute, id: id)).count == 11)
        }
    }

    /// The names a sync brings: the replica's own areas and those enclosing them, renamed when the center
    /// renames them; another village's or town's, if a center sent them, are not kept.
    @Test func areasFromTheCenterAreKeptWithinTheReplicasScopeOnly() throws {
        try withTemporaryStore { store in
            let areas = try [
                ("620502", "秦州区"), ("620502101", "大城街道"), ("620502101201", "东关社区"),
                ("620502101202", "西关社区"), ("620502102", "天水郡街道"),
            ].map { Area(code: try AreaCode(parsing: $0.0), name: $0.1) }
            try store.takeAreas(areas)
            #expect(try store.areas() == Array(areas.prefix(3)))
            try store.takeAreas([Area(code: Sample.village, name: "东关村")])
            #expect(try store.areas().map(\.name) == ["秦州区", "大城街道", "东关村"])
            let report = try store.report(
                ReportRequest(period: try ReportPeriod(year: "\(Sample.today.year)"), today: Sample.today))
            #expect(report.scopeName == "东关村")
        }
    }

    @Test func aRefusedCommandInABatchWritesNothing() throws {
        try withTemporaryStore { store in
            let id = try store.record(Sample.draft())
            let before = try store.digest()
            #expect(throws: CommandError.self) {
                try store.perform([
                    (.mediate(method: .chat, mediator: nil), id),
                    (.reopen(reason: "不能从调解中重新调解"), id),
                ])
            }
            #expect(try store.digest() == before)
            #expect(try store.dispute(id)?.status == .screened)
        }
    }

    @Test func twoStoresExchangingChangesConvergeAndRepeatsChangeNothing() throws {
        try withTemporaryStore { a in
            try withTemporaryStore { b in
                let id = try a.record(Sample.draft())
                #expect(try b.receive(try a.allChanges()) == 7)
                try a.perform(.mediate(method: .chat, mediator: nil), onDispute: id)
                try a.perform(.resolve(agreement: "和解", date: Sample.today), onDispute: id)
                try b.perform(.escalate(to: .court, note: "一方起诉"), onDispute: id)
                try b.perform(.edit(DisputeEdit(summary: "彩礼及抚养费争议")), onDispute: id)
                try b.receive(try a.allChanges())
                try a.receive(try b.allChanges())
                #expect(try a.digest() == b.digest())
                #expect(try b.receive(try a.allChanges()) == 0)
                // A batch holding a change twice, next to one the log holds, stores it once.
                let count = try a.allChanges().count
                let extra = try b.perform(
                    .visit(Visit(date: Sample.today, note: "回访", isAgreementKept: true)), onDispute: id)
                #expect(try a.receive(extra + extra + a.allChanges().prefix(1)) == extra.count)
                #expect(try a.allChanges().count == count + extra.count)
                for store in [a, b] {
                    let dispute = try #require(try store.dispute(id))
                    #expect(dispute.status == .escalated)
                    #expect(dispute.summary == "彩礼及抚养费争议")
                    // The listing reflects the merged record, not only local edits.
                    #expect(try store.disputes().first?.status == .escalated)
                }
            }
        }
    }

    @Test func changesStampedFarAheadAreRefusedWhole() throws {
        try withTemporaryStore { store in
            let before = try store.digest()
            let ahead = HybridTimestamp(
                physical: 1_647_302_400_000 + 30 * 86_400_000, counter: 0, replica: ReplicaID(rawValue: 5))
            let change = try Change(
                timestamp: ahead, entity: EntityKey(kind: .dispute, id: RecordID.random()), scope: Sample.village,
                field: .summary, value: .text("未来"))
            #expect(throws: ClockError.self) { try store.receive([change]) }
            #expect(try store.digest() == before)
        }
    }

    @Test func idPrefixesResolveUniquelyOrListTheCandidates() throws {
        try withTemporaryStore { store in
            let ids = try (0..<40).map { _ in try store.record(Sample.draft()) }
            let id = ids[0]
            #expect(try store.resolve(String(id.description.prefix(8)), kind: .dispute) == id)
            #expect(try store.resolve(id.description.uppercased(), kind: .dispute) == id)
            let short = try store.abbreviation(of: id, kind: .dispute)
            #expect(try store.resolve(short, kind: .dispute) == id)
            #expect(short.count >= 6)
            #expect {
                try store.resolve("", kind: .dispute)
            } throws: { "\($0)".contains("is not a dispute case id") }
            // With 40 ids, some single digit starts several of them.
            let digit = Dictionary(grouping: ids) { $0.description.prefix(1) }.first { $0.value.count > 1 }!.key
            #expect {
                try store.resolve(String(digit), kind: .dispute)
            } throws: { error in
                guard case .ambiguous(_, _, let candidates) = error as? LookupError else { return false }
                return candidates.count >= 2 && candidates.allSatisfy { $0.hasPrefix(digit) }
            }
            #expect(throws: LookupError.self) { try store.resolve("zzzzzzzz", kind: .dispute) }
            #expect(throws: LookupError.self) { try store.resolve(String(id.description.prefix(8)), kind: .risk) }
        }
    }

    @Test func searchFindsChineseTextWhateverItsWidthOrCase() throws {
        try withTemporaryStore { store in
            let bride = try store.record(Sample.draft("离婚后彩礼返还争议，涉及ＡＢＣ村１２组"))
            let land = try store.record(Sample.draft("宅基地边界争议", parties: ["赵大山", "钱小河"], category: .land))
            #expect(try store.disputes(DisputeFilter(search: "彩礼")).map(\.id) == [bride])
            #expect(try store.disputes(DisputeFilter(search: "abc村12")).map(\.id) == [bride])
            #expect(try store.disputes(DisputeFilter(search: "钱小河")).map(\.id) == [land])
            #expect(try store.disputes(DisputeFilter(search: "土地纠纷")).map(\.id) == [land])
            #expect(try store.disputes(DisputeFilter(search: "%")).isEmpty)
            #expect(try store.disputes(DisputeFilter(category: .land)).map(\.id) == [land])
            #expect(try store.disputes(DisputeFilter(scope: try AreaCode(parsing: "620502101"))).count == 2)
            #expect(try store.disputes(DisputeFilter(scope: try AreaCode(parsing: "620502102"))).isEmpty)
            try store.perform(.void(reason: "重复录入"), onDispute: land)
            #expect(try store.disputes().map(\.id) == [bride])
            #expect(try store.disputes(DisputeFilter(includeVoided: true)).count == 2)
        }
    }

    /// The search fold takes a shortcut for the characters cases are mostly written in; it must give what
    /// NFKC and lower-casing give, for every character of the Basic Multilingual Plane.
    @Test func theSearchFoldIsNFKCAndLowerCaseForEveryCharacter() {
        var differing: [String] = []
        for value in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = "Ａ调解" + String(Character(scalar)) + "b"
            let expected = text.precomposedStringWithCompatibilityMapping.lowercased()
            if SearchText.normalize(text) != expected { differing.append(String(value, radix: 16)) }
        }
        #expect(differing.isEmpty, "folded differently: U+\(differing.prefix(10).joined(separator: ", U+"))")
    }

    /// A replica folds search text from a snapshot page's cells, bytes nobody checked as UTF-8: whatever
    /// they are (a sequence cut short, a stray continuation byte, a surrogate, an overlong form), they
    /// fold as the text they decode to, mended, does.
    @Test func bytesThatAreNotUTF8FoldAsTheTextTheyDecodeTo() {
        var generator = SeededGenerator(seed: UInt64.random(in: 0...UInt64.max))
        let pieces: [[UInt8]] = [
            Array("调解".utf8), Array("ＡＢ".utf8), [0x41], [0x20], [0xE5], [0xE5, 0xAE], [0x80], [0xBF], [0xC3],
            [0xED, 0xA0, 0x80], [0xE0, 0x80, 0x80], [0xEF, 0xBC, 0xA1], [0xF0, 0x9F, 0x98, 0x80], [0xFF], [0x00],
        ]
        for _ in 0..<2_000 {
            let bytes = (0..<Int.random(in: 0...6, using: &generator)).flatMap { _ in
                pieces.randomElement(using: &generator)!
            }
            var folded: [UInt8] = []
            bytes.withUnsafeBufferPointer { SearchText.append($0, to: &folded) }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(
                String(decoding: folded, as: UTF8.self) == text.precomposedStringWithCompatibilityMapping.lowercased(),
                "\(bytes)")
        }
    }

    /// A case's search text folds each piece apart; joined by the separators the row uses, that must be
    /// what folding the joined text gives, for text on the shortcut and off it: combining marks at a
    /// piece's start, Hangul jamo on both sides of a separator, a final sigma, wide forms, ligatures.
    @Test func piecesFoldedApartFoldAsTheJoinedText() {
        let pieces = [
            "\u{301}调解", "ＡＢ案", "ΟΔΟΣ", "\u{1100}", "\u{1161}甲", "ﬁle", "e\u{301}", "王　建国", "", "Ⅻ号",
            "한국", "\u{308}", "ß",
        ]
        for separator in ["\u{1F}", "\u{1E}", " ", "、"] {
            for first in pieces {
                for second in pieces {
                    var bytes: [UInt8] = []
                    SearchText.append(first, to: &bytes)
                    bytes.append(contentsOf: separator.utf8)
                    SearchText.append(second, to: &bytes)
                    let whole = first + separator + second
                    #expect(
                        String(decoding: bytes, as: UTF8.self)
                            == whole.precomposedStringWithCompatibilityMapping.lowercased(),
                        "\(Array(whole.unicodeScalars))")
                }
            }
        }
    }

    /// Every case's row has the key of its parties' names: one or two names take a shortcut, which must
    /// give what sorting and joining the folded names gives.
    @Test func thePartyKeyIsTheFoldedNamesSorted() {
        let names = ["王建国", "李 秀英", "·", "ＺＨＡＮＧ Wei", "阿卜杜拉·买买提", "王建国", "", "Émile"]
        func general(_ names: [String]) -> String {
            names.map(PartyName.normalize).filter { !$0.isEmpty }.sorted().joined(separator: "|")
        }
        #expect(ReplicaStore.partyKey([]) == "")
        for first in names {
            #expect(ReplicaStore.partyKey([first]) == general([first]))
            for second in names {
                #expect(ReplicaStore.partyKey([first, second]) == general([first, second]), "\(first), \(second)")
                #expect(ReplicaStore.partyKey([first, second]) == ReplicaStore.partyKey([second, first]))
                #expect(
                    ReplicaStore.partyKey([first, second, "赵六"]) == general([first, second, "赵六"]))
            }
        }
    }

    @Test func sinceFiltersByTheDayARecordWasMade() throws {
        let clock = TestClock()
        try withTemporaryStore(clock: clock) { store in
            let old = try store.record(Sample.draft("旧案"))
            clock.advance(by: 3 * 86_400_000)
            let new = try store.record(Sample.draft("新案"))
            let day = LocalTime.date(at: clock.milliseconds())
            #expect(try store.disputes(DisputeFilter(since: day)).map(\.id) == [new])
            #expect(try store.disputes(DisputeFilter(since: day.adding(days: -3))).map(\.id) == [new, old])
        }
    }

    @Test func theHomeAndItsFilesAreTheOwnersAlone() throws {
        try withTemporaryStore { store in
            try store.record(Sample.draft())
            let manager = FileManager.default
            let mode = { (path: String) in (try manager.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
            }
            #expect(try mode(store.home.url.path) == 0o700)
            #expect(try mode(store.home.database.path) == 0o600)
            #expect(try mode(store.home.config.path) == 0o600)
            for suffix in ["-wal", "-shm"] where manager.fileExists(atPath: store.home.database.path + suffix) {
                #expect(try mode(store.home.database.path + suffix) == 0o600)
            }
        }
    }

    @Test func aNewerFieldUpgradesAnOlderDatabase() throws {
        try withTemporaryDirectory { url in
            // A database as the first version of field left it: schema v1, a replica and one case.
            let home = FieldHome(url: url)
            let queue = try DatabaseQueue(path: home.database.path)
            try ReplicaStore.migrator.migrate(queue, upTo: "v1")
            let replica = ReplicaID(rawValue: 7)
            var clock = HybridClock(replica: replica)
            let id = RecordID.random()
            let changes = try DisputeCommand.record(Sample.draft()).changes(for: id, current: nil, clock: &clock)
            try queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO replica (id, replica, scope, worker, createdAt, clockPhysical, clockCounter)
                        VALUES (1, 7, '620502101201', '张网格', 0, 0, 0)
                        """)
                try db.execute(
                    sql: "INSERT INTO record (id, kind, uid, scope) VALUES (1, 'dispute', ?, '620502101201')",
                    arguments: [id.description])
                for change in changes {
                    try db.execute(
                        sql: """
                            INSERT INTO change (physical, counter, replica, record, field, value)
                            VALUES (?, ?, 7, 1, ?, ?)
                            """,
                        arguments: [
                            change.timestamp.physical, Int64(change.timestamp.counter), change.field.rawValue,
                            change.valueJSON,
                        ])
                }
            }
            try queue.close()
            let upgraded = try FieldStore.open(home: home)
            #expect(try upgraded.dispute(id)?.summary == "离婚后彩礼返还争议")
            #expect(try upgraded.syncState().pullCursor == 0)
            // The rebuilt log still knows its changes (nothing is stored twice) and the rebuilt case row
            // takes new changes in place.
            #expect(try upgraded.receive(changes) == 0)
            #expect(try upgraded.allChanges().count == changes.count)
            try upgraded.perform(.mediate(method: .chat, mediator: nil), onDispute: id)
            #expect(try upgraded.disputes(DisputeFilter(search: "彩礼")).map(\.status) == [.mediating])
            let migrations = try DatabaseQueue(path: home.database.path).read { db in
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            }
            #expect(migrations == ReplicaStore.migrator.migrations)
            #expect(migrations.count >= 4)
        }
    }

    @Test func aDamagedDatabaseSaysHowToRecover() throws {
        try withTemporaryDirectory { url in
            let home = FieldHome(url: url)
            try Data(repeating: 0x41, count: 4096).write(to: home.database)
            #expect {
                try FieldStore.open(home: home)
            } throws: { error in
                guard let error = error as? StoreError else { return false }
                return error.code == .corrupt && error.message.contains("restore it from a backup")
            }
            #expect {
                try FieldStore.open(home: FieldHome(url: url.appendingPathComponent("missing")))
            } throws: { error in
                (error as? StoreError)?.code == .noHome && "\(error)".contains("field init")
            }
        }
    }
}

@Suite struct StoredScopeTests {
    /// A faulty replica may send one record's changes with different scopes; the log keeps each
    /// change's own scope, whatever order they arrive in.
    @Test func everyChangeReadsBackWithTheScopeItCameWith() throws {
        try withTemporaryStore(village: "620502101201") { store in
            let key = EntityKey(kind: .dispute, id: RecordID.random())
            let replica = ReplicaID(rawValue: 9)
            let other = try AreaCode(parsing: "620502101202")
            let later = try Change(
                timestamp: HybridTimestamp(physical: 1_647_302_400_100, counter: 0, replica: replica), entity: key,
                scope: Sample.village, field: .summary, value: .text("后到"))
            let earlier = try Change(
                timestamp: HybridTimestamp(physical: 1_647_302_400_000, counter: 0, replica: replica), entity: key,
                scope: other, field: .note, value: .text("先记"))
            // The scope of the record's earliest change, but not the scope the record was stored with.
            let same = try Change(
                timestamp: HybridTimestamp(physical: 1_647_302_400_200, counter: 0, replica: replica), entity: key,
                scope: other, field: .level, value: .level(.serious))
            try store.receive([later])
            try store.receive([earlier, same])
            #expect(try store.allChanges() == [later, earlier, same])
        }
    }
}

@Suite struct PendingBatchTests {
    /// A push body is written straight from stored rows; it must read back as the waiting changes
    /// themselves: own changes only, after the acknowledged ones, at most the limit, text of any kind.
    @Test func theBatchWrittenFromRowsReadsBackAsTheWaitingChanges() throws {
        try withTemporaryStore { store in
            let first = try store.record(Sample.draft("引号\"、反斜杠\\、换行\n与制表\t"))
            try store.perform(
                .visit(Visit(date: Sample.today, note: "回访\u{1}", isAgreementKept: true)), onDispute: first)
            // A change received from elsewhere is not this replica's to push.
            let elsewhere = try Change(
                timestamp: HybridTimestamp(physical: 1_647_302_400_000, counter: 0, replica: ReplicaID(rawValue: 9)),
                entity: EntityKey(kind: .dispute, id: RecordID.random()), scope: Sample.village, field: .summary,
                value: .text("别处"))
            try store.receive([elsewhere])
            try store.record(Sample.draft("第二件"))
            for limit in [1, 5, 100] {
                let expected = try store.pendingChanges(limit: limit)
                let batch = try store.pendingBatch(limit: limit)
                #expect(try ChangeBatch(json: Data(batch.json)).changes == expected.changes, "limit \(limit)")
                #expect(batch.count == expected.changes.count && batch.through == expected.through)
                #expect(!expected.changes.contains(elsewhere))
            }
            let some = try store.pendingChanges(limit: 3)
            try store.acknowledge(through: some.through, count: 3)
            #expect(
                try ChangeBatch(json: Data(store.pendingBatch(limit: 100).json)).changes.first?.timestamp
                    == store.pendingChanges(limit: 100).changes.first?.timestamp)
            #expect(try store.pendingBatch(limit: 100).count == store.pendingChanges(limit: 100).changes.count)
        }
    }

    /// After starting over, a replica sends again its own changes and the others' it holds within its
    /// enrollment's scope (the center may have lost them with its backup), and passes over the rest,
    /// which the center would refuse with the whole batch; whatever the batch size, what is sent is
    /// what the count of waiting changes promised.
    @Test func startingOverSendsEveryChangeWithinTheEnrollmentAndPassesOverTheRest() throws {
        try withTemporaryStore { store in
            func enroll(_ scope: String, _ role: DeviceRole) throws {
                try store.enroll(
                    Enrollment(
                        url: "http://127.0.0.1:9", credential: DeviceCredential.generate(),
                        scope: try AreaCode(parsing: scope), role: role, worker: "张网格"))
            }
            func change(_ replica: UInt64, _ village: String) throws -> Change {
                try Change(
                    timestamp: HybridTimestamp(
                        physical: 1_647_302_400_000, counter: 0, replica: ReplicaID(rawValue: replica)),
                    entity: EntityKey(kind: .dispute, id: RecordID.random()), scope: try AreaCode(parsing: village),
                    field: .summary, value: .text("别处\(replica)"))
            }
            // Held while the laptop was the town's: a case of this village and one of the next.
            try enroll("620502101", .town)
            let here = try change(8, "620502101201")
            let neighbour = try change(9, "620502101202")
            try store.receive([here])
            try store.record(Sample.draft("第一件"))
            try store.receive([neighbour])
            try store.record(Sample.draft("第二件"))
            try enroll("620502101201", .grid)
            let me = try store.identity().replica
            let own = try store.allChanges().filter { $0.timestamp.replica == me }
            for limit in [1, 2, 100] {
                let waiting = try store.startOver()
                #expect(waiting == own.count + 1)
                var sent: [Change] = []
                while let batch = try store.nextBatch(limit: limit) {
                    let changes = try ChangeBatch(json: Data(batch.json)).changes
                    #expect(changes.count == batch.count && batch.count <= limit)
                    sent += changes
                    try store.acknowledge(through: batch.through, count: batch.count)
                }
                #expect(try sent == store.allChanges().filter { $0 != neighbour }, "limit \(limit)")
                #expect(try store.syncState().pendingChanges == 0)
                // Done: the next changes are own ones again.
                #expect(try store.nextBatch(limit: limit) == nil)
            }
        }
    }
}
