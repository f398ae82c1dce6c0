import Foundation
import Testing

@testable import Shared

/// `CanonicalValue` reads values as stores write them without a tree; whatever it reads must be what
/// the tree (`JSONParser` and `ValueReader`) reads, and what it cannot read is left to the tree.
@Suite struct CanonicalValueTests {
    /// What the tree reads from `bytes` as `field`'s value; nil where it refuses them.
    static func tree(_ bytes: [UInt8], _ field: Field) -> Value? {
        guard let json = try? JSONParser.parse(bytes) else { return nil }
        var reader = ValueReader(field: field)
        return try? reader.value(json)
    }

    static func canonical(_ bytes: [UInt8], _ field: Field) -> Value? {
        bytes.withUnsafeBufferPointer { CanonicalValue.read($0, field: field) }
    }

    static let pieces = [
        "调解", "彩礼纠纷", "张三", "a", "Li Wei", " ", "é", "😀", "👨‍👩‍👧", "\u{7F}", "\"", "\\", "\n", "\t", "/", "{",
        "]", ",", ":",
    ]

    static func text(_ generator: inout SeededGenerator, empty: Bool = true) -> String {
        let count = Int.random(in: (empty ? 0 : 1)...4, using: &generator)
        return (0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    /// A value of `field`'s kind, as a worker could record it.
    static func value(of field: Field, _ generator: inout SeededGenerator) -> Value? {
        let date = CalendarDate(daysSinceEpoch: Int.random(in: 19_000...21_000, using: &generator))
        switch field.valueKind {
        case .text: return .text(text(&generator))
        case .date: return .date(date)
        case .category: return .category(DisputeCategory.allCases.randomElement(using: &generator)!)
        case .method: return .method(MediationMethod.allCases.randomElement(using: &generator)!)
        case .discovery: return .discovery(Discovery.allCases.randomElement(using: &generator)!)
        case .level: return .level(RiskLevel.allCases.randomElement(using: &generator)!)
        case .parties:
            let parties = (0..<Int.random(in: 0...3, using: &generator)).compactMap { _ in
                try? Party(
                    name: text(&generator, empty: false),
                    idNumber: generator.chance(50) ? "11010519491231002X" : nil,
                    phone: generator.chance(50) ? "1380013800\(Int.random(in: 0...9, using: &generator))" : nil)
            }
            return .parties(parties)
        case .owner:
            return .owner(Owner(person: text(&generator), unit: generator.chance(50) ? text(&generator) : nil))
        case .visit:
            return .visit(Visit(date: date, note: text(&generator), isAgreementKept: generator.chance(50)))
        case .step: return nil
        }
    }

    /// Every value written reads back as the tree reads it; those written without escapes (nearly all)
    /// are read without the tree.
    @Test func readsWrittenValuesAsTheTreeDoes() throws {
        let seed = propertySeed()
        var generator = SeededGenerator(seed: seed)
        var read = 0
        for _ in 0..<propertyIterations(2_000) {
            let field = Field.allCases.randomElement(using: &generator)!
            guard let value = Self.value(of: field, &generator) else { continue }
            let bytes = Array(value.json.text.utf8)
            let canonical = Self.canonical(bytes, field)
            #expect(Self.tree(bytes, field) == value, "seed \(seed): \(field) \(value.json.text)")
            let escaped = bytes.contains(UInt8(ascii: "\\"))
            #expect(canonical == (escaped ? nil : value), "seed \(seed): \(field) \(value.json.text)")
            if canonical != nil { read += 1 }
        }
        #expect(read > 0, "seed \(seed)")
    }

    /// Bytes changed at random (a byte, a cut, a space, a key's order) are read as the tree reads them,
    /// or left to it: never read otherwise.
    @Test func neverReadsDamagedBytesOtherwiseThanTheTree() throws {
        let seed = propertySeed()
        var generator = SeededGenerator(seed: seed)
        let replacements = Array("\"\\{}[],: 0aé".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xE5, 0xFF]
        for _ in 0..<propertyIterations(5_000) {
            let field = Field.allCases.randomElement(using: &generator)!
            guard let value = Self.value(of: field, &generator) else { continue }
            var bytes = Array(value.json.text.utf8)
            let position = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: bytes[position] = replacements.randomElement(using: &generator)!
            case 1: bytes.removeSubrange(position...)
            case 2: bytes.insert(UInt8(ascii: " "), at: position)
            default: bytes.remove(at: position)
            }
            let canonical = Self.canonical(bytes, field)
            if canonical != nil {
                #expect(
                    canonical == Self.tree(bytes, field),
                    "seed \(seed): \(field) \(String(decoding: bytes, as: UTF8.self))")
            }
        }
    }

    /// Shapes the tree takes and the canonical reader leaves to it, and values both refuse.
    @Test func leavesOtherSpellingsAndMistakesToTheTree() {
        let cases: [(Field, String)] = [
            (.parties, #"[{"name":"张三","idNumber":"11010519491231002X"}]"#),  // keys out of order
            (.parties, #"[ {"name":"张三"} ]"#),  // spaces
            (.parties, #"[{"name":"\u5f20三"}]"#),  // an escape
            (.parties, #"[{"name":""}]"#),  // no name: refused by both
            (.parties, #"[{"name":"张三","name":"李四"}]"#),  // a key twice: refused by both
            (.parties, #"[{"name":"张三","age":3}]"#),  // an unknown key: refused by both
            (.owner, #"{"unit":"村委会","person":"王五"}"#),
            (.visit, #"{"date":"2026-02-30","kept":true,"note":""}"#),  // no such day: refused by both
            (.category, #""no-such-category""#),
            (.summary, #""调解" "#),
            (.summary, "\"\u{1}\""),
        ]
        for (field, text) in cases {
            let bytes = Array(text.utf8)
            #expect(Self.canonical(bytes, field) == nil, "\(text)")
        }
        #expect(Self.tree(Array(#"[{"name":"张三","idNumber":"11010519491231002X"}]"#.utf8), .parties) != nil)
        #expect(Self.tree(Array(#"[{"name":"张三","name":"李四"}]"#.utf8), .parties) == nil)
    }

    /// A change made from such bytes is the change the tree makes, and a wrong one is refused the same.
    @Test func changesAreMadeAndRefusedAlike() throws {
        let timestamp = HybridTimestamp(physical: 1_780_000_000_000, counter: 0, replica: ReplicaID(rawValue: 1))
        let entity = EntityKey(kind: .dispute, id: RecordID(high: 1, low: 7))
        let scope = try AreaCode(parsing: "330102001001")
        let good = Array(#"[{"idNumber":"11010519491231002X","name":"张三"},{"name":"李四","phone":"13800138000"}]"#.utf8)
        let change = try good.withUnsafeBufferPointer {
            try Change(timestamp: timestamp, entity: entity, scope: scope, field: .parties, valueUTF8: $0)
        }
        #expect(change.value == Self.tree(good, .parties))
        let long = Array(("\"" + String(repeating: "长", count: Change.maximumTextLength + 1) + "\"").utf8)
        #expect(Self.canonical(long, .summary) != nil)
        let refusal = #expect(throws: WireError.self) {
            try long.withUnsafeBufferPointer {
                try Change(timestamp: timestamp, entity: entity, scope: scope, field: .summary, valueUTF8: $0)
            }
        }
        let escaped = Array(("\"\\u957f" + String(repeating: "长", count: Change.maximumTextLength) + "\"").utf8)
        let treeRefusal = #expect(throws: WireError.self) {
            try escaped.withUnsafeBufferPointer {
                try Change(timestamp: timestamp, entity: entity, scope: scope, field: .summary, valueUTF8: $0)
            }
        }
        #expect(refusal?.field == treeRefusal?.field)
        #expect(refusal?.message == treeRefusal?.message)
    }
}
