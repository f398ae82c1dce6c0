import Foundation
import Shared
import Testing

/// The version 1 wire format, pinned by golden files in `Fixtures/`. A change to the format that
/// breaks these tests breaks every deployed device: raise the version instead.
@Suite struct WireFormatTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// One change of every field, with fixed timestamps and ids.
    static func goldenBatch() throws -> ChangeBatch {
        let replica = try #require(ReplicaID("k3v9x2qa7m1p"))
        let caseID = try #require(RecordID("0q7d2m4k8v1x3c5n9b6z2r4t8w"))
        let riskID = try #require(RecordID("05t3k8m2x9c4v7b1n6z0q2w4e8"))
        var counter: UInt32 = 0
        func stamp() -> HybridTimestamp {
            counter += 1
            return HybridTimestamp(physical: 1_647_302_400_000, counter: counter, replica: replica)
        }
        let dispute = EntityKey(kind: .dispute, id: caseID)
        let risk = EntityKey(kind: .risk, id: riskID)
        let village = Sample.villageA
        var changes: [Change] = []
        func add(_ key: EntityKey, _ scope: AreaCode, _ field: Field, _ value: Value) throws {
            changes.append(try Change(timestamp: stamp(), entity: key, scope: scope, field: field, value: value))
        }
        try add(dispute, village, .category, .category(.marriageFamily))
        try add(
            dispute, village, .parties,
            .parties([
                try Party(name: "王建国", idNumber: "11010519491231002X", phone: "13800138000"), try Party(name: "李秀英"),
            ]))
        try add(dispute, village, .summary, .text("离婚后彩礼返还争议，两家分属相邻两镇"))
        try add(dispute, village, .foundBy, .discovery(.screening))
        try add(dispute, village, .level, .level(.serious))
        try add(dispute, village, .incidentDate, .date(Sample.date("2022-03-15")))
        try add(dispute, village, .recorder, .text("张网格"))
        let mediate = stamp()
        changes.append(
            try Change(
                timestamp: mediate, entity: dispute, scope: village, field: .status,
                value: .step(LifecycleStep(action: .mediate, basis: []))))
        try add(dispute, village, .method, .method(.staged))
        try add(dispute, village, .mediator, .text("镇调委会 刘调解"))
        let resolve = stamp()
        changes.append(
            try Change(
                timestamp: resolve, entity: dispute, scope: village, field: .status,
                value: .step(
                    LifecycleStep(
                        action: .resolve, basis: [mediate], date: Sample.date("2022-04-02"), text: "分三期退还彩礼六万元"))))
        try add(
            dispute, village, .visit,
            .visit(Visit(date: Sample.date("2022-05-10"), note: "首期已付", isAgreementKept: true)))
        try add(dispute, village, .note, .text("双方均表示满意"))
        try add(dispute, village, .status, .step(LifecycleStep(action: .reopen, basis: [resolve], text: "第二期未付")))
        try add(
            dispute, village, .status, .step(LifecycleStep(action: .escalate, basis: [], text: "移交法院", target: .court)))
        try add(dispute, village, .voided, .step(LifecycleStep(action: .void, basis: [], text: "重复录入")))
        try add(
            dispute, village, .duplicate,
            .step(LifecycleStep(action: .merge, basis: [], text: "同一纠纷", into: RecordID("05t3k8m2x9c4v7b1n6z0q2w4e9"))))
        try add(risk, Sample.townA, .area, .text("征地拆迁"))
        try add(risk, Sample.townA, .title, .text("安置补偿款未到位"))
        try add(risk, Sample.townA, .plan, .text("每周约谈，分期兑付"))
        try add(risk, Sample.townA, .owner, .owner(Owner(person: "赵主任", unit: "镇综治中心")))
        try add(risk, Sample.townA, .deadline, .date(Sample.date("2022-06-30")))
        try add(
            risk, Sample.townA, .status,
            .step(LifecycleStep(action: .strike, basis: [], date: Sample.date("2022-06-20"), text: "补偿款已兑付，附签收单")))
        return ChangeBatch(changes: changes)
    }

    @Test func encodingMatchesTheGoldenFile() throws {
        let url = Self.fixtures.appendingPathComponent("batch-v1.json")
        let encoded = try Self.goldenBatch().json(prettyPrinted: true)
        if ProcessInfo.processInfo.environment["FIELDSYNC_WRITE_FIXTURES"] == "1" {
            try encoded.write(to: url)
        }
        let golden = try Data(contentsOf: url)
        #expect(String(decoding: encoded, as: UTF8.self) == String(decoding: golden, as: UTF8.self))
    }

    @Test func theGoldenFileDecodesToTheSameChanges() throws {
        let golden = try Data(contentsOf: Self.fixtures.appendingPathComponent("batch-v1.json"))
        #expect(try ChangeBatch(json: golden) == Self.goldenBatch())
        // The compact form on the wire decodes the same.
        #expect(try ChangeBatch(json: Self.goldenBatch().json()) == Self.goldenBatch())
    }

    @Test func randomChangesRoundTrip() throws {
        let seed = propertySeed()
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<propertyIterations(50) {
            var history = RandomHistory(replicaCount: 3, generator: &generator)
            try history.run(steps: 60, generator: &generator)
            let batch = ChangeBatch(changes: history.allChanges)
            #expect(try ChangeBatch(json: batch.json()) == batch, "seed \(seed)")
        }
    }

    /// Each refusal: the batch, then the code, change, field and words the error must carry.
    static let refusals: [(String, String, WireError.Code, Int?, String?, String)] = [
        ("not JSON", "{\"version\":1,", .malformedBatch, nil, nil, "not valid JSON"),
        ("no version", #"{"changes":[]}"#, .malformedBatch, nil, "version", "a batch needs a version"),
        (
            "newer version", #"{"version":2,"changes":[]}"#, .unsupportedVersion, nil, "version",
            "version 2 is not supported; this build reads version 1"
        ),
        ("version as text", #"{"version":"1","changes":[]}"#, .malformedBatch, nil, "version", "expected an integer"),
        ("no changes", #"{"version":1}"#, .malformedBatch, nil, "changes", "a batch needs a list of changes"),
        (
            "unknown envelope key", #"{"version":1,"changes":[],"extra":1}"#, .malformedBatch, nil, "extra",
            "unknown key"
        ),
        ("ts as number", change(ts: "1"), .invalidChange, 0, "ts", "expected a string"),
        ("malformed ts", change(ts: #""yesterday""#), .invalidChange, 0, "ts", "'yesterday' is not a timestamp"),
        ("unknown kind", change(kind: #""petition""#), .invalidChange, 0, "kind", "unknown kind 'petition'"),
        ("bad id", change(id: #""42""#), .invalidChange, 0, "id", "'42' is not a record id"),
        ("bad scope", change(scope: #""62050210120""#), .invalidChange, 0, "scope", "it has 11 digits"),
        (
            "dispute in a town", change(scope: #""620502101""#), .invalidChange, 0, "scope",
            "a dispute belongs to a village"
        ),
        ("missing field", change(field: nil), .invalidChange, 0, "field", "missing"),
        ("unknown field", change(field: #""colour""#), .invalidChange, 0, "field", "unknown field 'colour'"),
        ("field of another kind", change(field: #""plan""#), .invalidChange, 0, "plan", "not a field of a dispute"),
        ("unknown key", change(extra: #","colour":"red""#), .invalidChange, 0, "colour", "unknown key"),
        ("null value", change(value: "null"), .invalidChange, 0, "value", "expected a string, got null"),
        (
            "unknown category", change(field: #""category""#, value: #""gossip""#), .invalidChange, 0, "value",
            "unknown category 'gossip'; expected one of: marriage-family"
        ),
        (
            "impossible date", change(field: #""incidentDate""#, value: #""2022-02-30""#), .invalidChange, 0, "value",
            "that month has 28 days"
        ),
        (
            "bad ID number", change(field: #""parties""#, value: #"[{"name":"王建国","idNumber":"110105194912310021"}]"#),
            .invalidChange, 0, "value[0]", "check digit"
        ),
        (
            "visit without kept", change(field: #""visit""#, value: #"{"date":"2022-05-10","note":"回访"}"#),
            .invalidChange, 0, "value.kept", "expected true or false"
        ),
        (
            "unknown action", change(field: #""status""#, value: #"{"action":"forgive","basis":[]}"#), .invalidChange,
            0, "value.action", "unknown action 'forgive'"
        ),
        (
            "risk action on a dispute",
            change(field: #""status""#, value: #"{"action":"strike","basis":[],"text":"x","date":"2022-01-01"}"#),
            .invalidChange, 0, "status.action", "'strike' is not a step of a dispute's status"
        ),
        (
            "resolve without agreement",
            change(field: #""status""#, value: #"{"action":"resolve","basis":[],"date":"2022-01-01"}"#),
            .invalidChange, 0, "status.text", "'resolve' needs a text"
        ),
        (
            "basis from the future",
            change(field: #""status""#, value: #"{"action":"mediate","basis":["1647302400009.0.k3v9x2qa7m1p"]}"#),
            .invalidChange, 0, "status.basis", "is not earlier than the step itself"
        ),
    ]

    /// A batch with one valid change and then `change` as the second, to show the position is named.
    static func change(
        ts: String = #""1647302400001.0.k3v9x2qa7m1p""#, kind: String = #""dispute""#,
        id: String = #""0q7d2m4k8v1x3c5n9b6z2r4t8w""#, scope: String = #""620502101201""#,
        field: String? = #""summary""#, value: String = #""两家争执""#, extra: String = ""
    ) -> String {
        let fieldPart = field.map { #","field":\#($0)"# } ?? ""
        return
            #"{"version":1,"changes":[{"ts":\#(ts),"kind":\#(kind),"id":\#(id),"scope":\#(scope)\#(fieldPart),"value":\#(value)\#(extra)}]}"#
    }

    @Test(arguments: refusals.indices)
    func malformedBatchesAreRefusedNamingTheChangeAndField(index: Int) {
        let (name, json, code, change, field, words) = Self.refusals[index]
        #expect {
            try ChangeBatch(json: Data(json.utf8))
        } throws: { error in
            guard let error = error as? WireError else { return false }
            let matches =
                error.code == code && error.change == change && error.field == field && error.message.contains(words)
            if !matches {
                Issue.record(
                    "\(name): \(error.code) change \(error.change as Any) field \(error.field as Any): \(error.message)"
                )
            }
            return matches
        }
    }

    @Test func theFirstBadChangeIsNamedByItsPosition() throws {
        let good = try Self.goldenBatch().json()
        var object = try #require(try JSONSerialization.jsonObject(with: good) as? [String: Any])
        var changes = try #require(object["changes"] as? [[String: Any]])
        changes[5]["value"] = "2022-13-01"
        object["changes"] = changes
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect {
            try ChangeBatch(json: data)
        } throws: { error in
            let error = error as? WireError
            return error?.change == 5 && error?.field == "value"
                && error?.description.hasPrefix("change 5, field 'value'") == true
        }
    }

    /// A text's limit counts characters, not bytes: 10,000 Chinese characters (30,000 bytes) fit, one
    /// more does not, in a field's text and in a visit's note alike.
    @Test(arguments: ["长", "a", "😀"]) func aTextsLimitCountsCharacters(character: String) throws {
        let entity = EntityKey(kind: .dispute, id: RecordID.random())
        let scope = try AreaCode(parsing: "620502101201")
        let stamp = HybridTimestamp(physical: 1_647_302_400_000, counter: 0, replica: ReplicaID(rawValue: 1))
        let longest = String(repeating: character, count: Change.maximumTextLength)
        _ = try Change(timestamp: stamp, entity: entity, scope: scope, field: .summary, value: .text(longest))
        #expect(throws: ChangeError.self) {
            try Change(
                timestamp: stamp, entity: entity, scope: scope, field: .summary, value: .text(longest + character))
        }
        let visit = Visit(date: try CalendarDate(parsing: "2022-03-15"), note: longest, isAgreementKept: true)
        _ = try Change(timestamp: stamp, entity: entity, scope: scope, field: .visit, value: .visit(visit))
        var over = visit
        over.note += character
        #expect(throws: ChangeError.self) {
            try Change(timestamp: stamp, entity: entity, scope: scope, field: .visit, value: .visit(over))
        }
    }

    @Test func invalidUTF8IsRefused() {
        var bytes = Array(
            #"{"version":1,"changes":[{"ts":"1647302400001.0.k3v9x2qa7m1p","kind":"dispute","id":"0q7d2m4k8v1x3c5n9b6z2r4t8w","scope":"620502101201","field":"summary","value":""#
                .utf8)
        bytes += [0xE4, 0xB8]  // a truncated 3-byte sequence
        bytes += Array(#""}]}"#.utf8)
        #expect {
            try ChangeBatch(json: Data(bytes))
        } throws: { error in
            let error = error as? WireError
            return error?.code == .malformedBatch && error?.message == "not valid UTF-8 at byte \(bytes.count - 6)"
        }
    }

    /// Strings are checked as they are read, not the whole document first: bytes that are not UTF-8 are
    /// still named as such, with their offset, wherever they stand (a key, a string with escapes, between
    /// tokens, after a JSON mistake earlier in the document).
    @Test func invalidUTF8IsNamedWhereverItStands() {
        let bad: [UInt8] = [0xE4, 0xB8]
        let documents: [(before: String, after: String)] = [
            (#"{"version":1,"changes":[{""#, #"":1}]}"#),
            (#"{"version":1,"changes":[{"value":"a\\nb"#, #"c"}]}"#),
            (#"{"version":1,"changes":[ "#, #" ]}"#),
            (#"{"version":1,,"changes":["#, #"]}"#),
        ]
        for (before, after) in documents {
            let bytes = Array(before.utf8) + bad + Array(after.utf8)
            #expect(throws: WireError(code: .malformedBatch, message: "not valid UTF-8 at byte \(before.utf8.count)")) {
                try ChangeBatch(json: Data(bytes))
            }
        }
    }
}

/// The wire reader reads a change's kind, code and field from the bytes with no string made: each must
/// read exactly what the text readers read, and leave everything else to them (which say why).
@Suite struct NamesReadFromBytesTests {
    func read<T>(_ text: String, _ reader: (UnsafeBufferPointer<UInt8>) -> T?) -> T? {
        Array(text.utf8).withUnsafeBufferPointer(reader)
    }

    @Test func fieldsAndKindsAreTheirNames() {
        var names = Field.allCases.map(\.rawValue) + EntityKind.allCases.map(\.rawValue)
        // Near misses: same length and first letter, case, a letter more or less, empty.
        names += ["categorz", "Category", "categor", "categoryy", "", "s", "partiez", "voidee", "duplicatf", "risc"]
        names += ["disputd", "Risk", "noted", "plan ", "summary\u{0}"]
        for name in names {
            #expect(read(name, Field.init(utf8:)) == Field(rawValue: name), "\(name)")
            #expect(read(name, EntityKind.init(utf8:)) == EntityKind(rawValue: name), "\(name)")
        }
    }

    /// Stores index tables by a field's ordinal and read the field back from `allCases` by it.
    @Test func aFieldsOrdinalIsItsPlaceAmongAllFields() {
        for (index, field) in Field.allCases.enumerated() {
            #expect(field.ordinal == index, "\(field)")
        }
    }

    @Test func codesAreReadAsTheParserReadsThem() {
        var texts = ["620502", "620502101", "620502101201", "620502101000", "620502000000", "620000", "620502000"]
        texts += ["990502101201", "6205021012011", "62050210120", "", "62050２101201", "6.20502E+11", "000000"]
        texts += ["110101", "820101", "830101", "710000", "720101", "160101", "150101", "469001", "469001000"]
        // Every two-digit prefix, at each length: a code only under a province of GB/T 2260.
        let provinces: Set<Int> = [
            11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
            61, 62, 63, 64, 65, 71, 81, 82,
        ]
        for prefix in 10...99 {
            let forms = ["\(prefix)0502", "\(prefix)0502101", "\(prefix)0502101201"]
            for form in forms {
                #expect((read(form, AreaCode.init(utf8:)) != nil) == provinces.contains(prefix), "\(form)")
            }
            texts += forms + ["\(prefix)0000"]
        }
        for text in texts {
            #expect(read(text, AreaCode.init(utf8:)) == (try? AreaCode(parsing: text)), "\(text)")
        }
        // Trailing zeros name the level: a village's full form of a town is the town.
        #expect(read("620502101000", AreaCode.init(utf8:))?.level == .town)
        #expect(read("620502000000", AreaCode.init(utf8:))?.level == .district)
        #expect(read("620502101201", AreaCode.init(utf8:))?.description == "620502101201")
    }
}

@Suite struct StoredValueTests {
    @Test func everyGoldenValueRoundTripsThroughItsJSONText() throws {
        for change in try WireFormatTests.goldenBatch().changes {
            let restored = try Change(
                timestamp: change.timestamp, entity: change.entity, scope: change.scope, field: change.field,
                valueJSON: change.valueJSON)
            #expect(restored == change)
            // What stores write, byte for byte the text the wire's tree writes.
            var bytes: [UInt8] = [0x2C]
            change.appendValueJSON(to: &bytes)
            #expect(bytes == [0x2C] + Array(change.valueTree.text.utf8), "\(change.field)")
        }
    }

    /// Stores write composite values directly, not through the tree: every optional member present and
    /// absent, and text that needs escaping, gives the tree's text.
    @Test func compositeValuesAreWrittenAsTheTreeWritesThem() throws {
        let dispute = EntityKey(kind: .dispute, id: RecordID(high: 7, low: 9))
        let risk = EntityKey(kind: .risk, id: RecordID(high: 7, low: 9))
        let stamp = HybridTimestamp(physical: 1_700_000_000_000, counter: 2, replica: ReplicaID(rawValue: 5))
        let later = HybridTimestamp(physical: 1_700_000_000_001, counter: 0, replica: ReplicaID(rawValue: 5))
        let date = try CalendarDate(parsing: "2026-02-28")
        let values: [(Field, Value)] = [
            (
                .parties,
                .parties([
                    try Party(name: "张\"三\"", idNumber: "620502198001011230", phone: "13800000000"),
                    try Party(name: "李四"), try Party(name: "王五", phone: "0938-1234567"),
                ])
            ),
            (.owner, .owner(Owner(person: "赵六", unit: "村委会"))),
            (.owner, .owner(Owner(person: "赵六"))),
            (.visit, .visit(Visit(date: date, note: "回访：\n协议已履行", isAgreementKept: true))),
            (.visit, .visit(Visit(date: date, note: "", isAgreementKept: false))),
            (.status, .step(LifecycleStep(action: .mediate, basis: []))),
            (
                .status,
                .step(
                    LifecycleStep(
                        action: .escalate,
                        basis: [stamp, HybridTimestamp(physical: 3, counter: 0, replica: stamp.replica)],
                        date: date, text: "转\t法院", target: .court))
            ),
            (.duplicate, .step(LifecycleStep(action: .merge, basis: [stamp], into: RecordID(high: 1, low: 2)))),
        ]
        for (field, value) in values {
            let key = field == .owner ? risk : dispute
            let change = try Change(timestamp: later, entity: key, scope: Sample.villageA, field: field, value: value)
            var bytes: [UInt8] = []
            change.appendValueJSON(to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == change.valueTree.text, "\(field)")
            let restored = try Change(
                timestamp: later, entity: key, scope: Sample.villageA, field: field, valueJSON: change.valueJSON)
            #expect(restored == change, "\(field)")
        }
    }

    @Test func textIsEscapedAsJSONRequires() throws {
        let key = EntityKey(kind: .dispute, id: RecordID(high: 1, low: 1))
        let stamp = HybridTimestamp(physical: 1, counter: 0, replica: ReplicaID(rawValue: 1))
        let tricky = "引号\"反斜杠\\换行\n制表\t\u{1}结束"
        let change = try Change(
            timestamp: stamp, entity: key, scope: Sample.villageA, field: .summary, value: .text(tricky))
        #expect(change.valueJSON == #""引号\"反斜杠\\换行\n制表\t\u0001结束""#)
        var bytes: [UInt8] = []
        change.appendValueJSON(to: &bytes)
        #expect(bytes == Array(change.valueJSON.utf8))
        let restored = try Change(
            timestamp: stamp, entity: key, scope: Sample.villageA, field: .summary, valueJSON: change.valueJSON)
        #expect(restored.value == .text(tricky))
    }
}
