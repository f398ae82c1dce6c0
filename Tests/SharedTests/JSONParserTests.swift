import Foundation
import Testing

@testable import Shared

@Suite struct JSONParserTests {
    @Test func parsesWhatFoundationParses() throws {
        let documents = [
            #"{"a":[1,-2.5,3e2,true,false,null],"b":{"c":"彩礼"},"d":""}"#,
            #"["\"\\\/\b\f\n\r\t\u00e9\u4e2d\ud83d\ude00"]"#,
            "  [ ]  ", "{ }", "0", "-0.125", #""plain""#,
            "{" + (0..<40).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + "}",
        ]
        for text in documents {
            let ours = try JSONParser.parse(Array(text.utf8))
            let theirs = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(ours == theirs, "\(text)")
        }
    }

    @Test(arguments: [
        "", "{", #"{"a":1,}"#, "[1,]", "01", "1.", "-", #""unterminated"#, #"{"a" 1}"#, "tru", #""\x""#,
        #""\ud800""#, "[1] 2", #"{"a":1,"a":2}"#, #"{"a":1,"\u0061":2}"#, #"{"\u0061":1,"a":2}"#,
        #"{"彩礼":1,"\u5f69礼":2}"#, "{\"k\u{1}\":1}",
        "{" + (0..<40).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + #","k3":0}"#, "\"tab\tinside\"",
        String(repeating: "[", count: 100),
    ])
    func refusesMalformedJSON(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    /// Keys are read in place when they have no escapes: one spelled with escapes is the same key, and
    /// bytes that are not UTF-8 are refused in a key as anywhere.
    @Test func keysAreTheirTextHoweverWritten() throws {
        let escaped = try JSONParser.parse(Array(#"{"\u5f69礼":1,"a\"b":2,"":3}"#.utf8))
        #expect(escaped == .object(["彩礼": .number(1), "a\"b": .number(2), "": .number(3)]))
        let document = Array(#"{"ab":1}"#.utf8)
        for byte: UInt8 in [0x80, 0xC3, 0xFF] {
            var damaged = document
            damaged[3] = byte
            #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(damaged) }
        }
    }

    @Test func writingThenParsingGivesTheSameValue() throws {
        let value = JSONValue.object([
            "text": .string("引号\"反斜杠\\换行\n\u{1}"), "list": .array([.bool(true), .null, .number(42)]),
            "nested": .object(["empty": .array([])]),
        ])
        #expect(try JSONParser.parse(Array(value.text.utf8)) == value)
    }
}

/// The wire reader reads a document's changes straight from the bytes; it must give what reading the
/// whole tree gives (the changes, or the same error) for every document, well-formed or not.
@Suite struct WireDocumentReaderTests {
    /// The batch as the tree reader reads it: `JSONParser.parse`, the envelope, `RawChange` per element.
    static func treeRead(_ data: Data) -> Result<[Change], WireError> {
        Result { () throws(WireError) -> [Change] in
            if let offset = ChangeBatch.firstInvalidUTF8(in: data) {
                throw WireError(code: .malformedBatch, message: "not valid UTF-8 at byte \(offset)")
            }
            let document: JSONValue
            do throws(JSONParser.Failure) {
                document = try JSONParser.parse(data)
            } catch {
                throw WireError(
                    code: .malformedBatch, message: "not valid JSON: \(error.message) at byte \(error.offset)")
            }
            guard case .object(let envelope) = document else {
                throw WireError(code: .malformedBatch, message: "expected a JSON object, got \(document.typeName)")
            }
            if let unknown = envelope.keys.sorted().first(where: { !["changes", "version"].contains($0) }) {
                throw WireError(
                    code: .malformedBatch, field: unknown, message: "unknown key; expected: changes, version")
            }
            guard let version = envelope["version"] else {
                throw WireError(code: .malformedBatch, field: "version", message: "a batch needs a version")
            }
            guard case .number(let number) = version, let integer = Int(exactly: number) else {
                throw WireError(code: .malformedBatch, field: "version", message: "expected an integer")
            }
            guard integer == 1 else {
                throw WireError(
                    code: .unsupportedVersion, field: "version",
                    message: "version \(integer) is not supported; this build reads version 1")
            }
            guard let items = envelope["changes"] else {
                throw WireError(code: .malformedBatch, field: "changes", message: "a batch needs a list of changes")
            }
            guard case .array(let elements) = items else {
                throw WireError(code: .malformedBatch, field: "changes", message: "expected a list of changes")
            }
            var changes: [Change] = []
            for (index, element) in elements.enumerated() {
                do throws(RawChange.Problem) {
                    changes.append(try RawChange(element).change())
                } catch {
                    throw WireError(code: .invalidChange, change: index, field: error.field, message: error.message)
                }
            }
            return changes
        }
    }

    static func wireRead(_ data: Data) -> Result<[Change], WireError> {
        Result { () throws(WireError) -> [Change] in try ChangeBatch(json: data).changes }
    }

    @Test func agreesWithTheTreeReaderOnHandWrittenDocuments() throws {
        let change =
            #"{"ts":"1647302400001.0.k3v9x2qa7m1p","kind":"dispute","id":"0q7d2m4k8v1x3c5n9b6z2r4t8w","scope":"620502101201","field":"summary","value":"两家争执"}"#
        let documents = [
            #"{"version":1,"changes":[\#(change)]}"#, #"{"changes":[\#(change),\#(change)],"version":1}"#,
            #"{"version":1,"changes":[\#(change),7]}"#, #"{"version":1,"changes":[{}]}"#,
            #"{"version":1,"changes":{"a":1}}"#, #"{"version":1,"changes":null}"#, #"{"version":1}"#,
            #"{"version":1,"changes":[],"zzz":[1]}"#, #"{"version":1,"changes":[],"changes":[]}"#,
            #"{"version":1,"changes":[{"ts":1,"ts":2}]}"#, #"{"version":1,"changes":[{"zeta":1,"alpha":[],"kind":3}]}"#,
            // A key twice, known or not, spelled alike or with escapes: refused where the general reader
            // refuses it.
            #"{"version":1,"changes":[{"zeta":1,"alpha":2,"zeta":3}]}"#,
            #"{"version":1,"changes":[{"kind":"dispute","kind":"risk"}]}"#,
            #"{"version":1,"changes":[{"value":1,"scope":"620502","value":2}]}"#,
            #"{"version":1,"changes":[{"value":1,"value":2}]}"#, #"{"version":1,"changes":[{"é":1,"é":2}]}"#,
            #"{"version":1,"changes":[{"kind":3,"ts":[1]}]}"#, #"{"version":1,"changes":[{"value":{"a":[{}]}}]}"#,
            #"{"version":2,"changes":[{"bad":1}]}"#, #" { "version" : 1 , "changes" : [ ] } "#, #"[1,2]"#,
            #"{"version":1,"changes":[\#(change)] x"#, #"{"version":1,"changes":[\#(change),]}"#,
            #"{"version":1,"changes":["# + String(repeating: "[", count: 70) + "]",
            // Timestamps and ids with escapes, or malformed, take the string path; both must agree.
            #"{"version":1,"changes":[{"ts":"1647302400001.0.k3v9x2qa7m1p","kind":"dispute","id":"0q7d2m4k8v1x3c5n9b6z2r4t8w","scope":"620502101201","field":"summary","value":"x"}]}"#,
            #"{"version":1,"changes":[{"ts":"1647302400001.0.k3v9x2qa7m1","kind":"dispute","id":"0q7d2m4k8v1x3c5n9b6z2r4t8w","scope":"620502101201","field":"summary","value":"x"}]}"#,
            #"{"version":1,"changes":[{"ts":"1647302400001.0.k3v9x2qa7m1p","kind":"dispute","id":"0q7d2m4k8v1x3c5n9b6z2r4t8","scope":"620502101201","field":"summary","value":"x"}]}"#,
            #"{"version":1,"changes":[{"ts":"1647302400001.0.k3v9x2qa7m1p","id":"\u0030q7d2m4k8v1x3c5n9b6z2r4t8w","ts":"1"}]}"#,
        ]
        for document in documents {
            let data = Data(document.utf8)
            #expect(Self.wireRead(data) == Self.treeRead(data), "\(document)")
        }
    }

    /// A change of a hundred thousand unknown keys (a device's bug, or worse) is read in one pass and
    /// refused naming the first of them, as the tree reader refuses it; one key repeated among them is
    /// found. (Keys compared each with every one before would take minutes here.)
    @Test func aChangeOfManyUnknownKeysIsRefusedInOnePass() throws {
        let keys = (0..<100_000).map { #""k\#($0)":0"# }
        for extra in ["", #","k99999":1"#] {
            let document = #"{"version":1,"changes":[{"# + keys.joined(separator: ",") + extra + "}]}"
            let data = Data(document.utf8)
            let wire = Self.wireRead(data)
            #expect(wire == Self.treeRead(data))
            guard case .failure(let error) = wire else {
                Issue.record("a change of unknown keys was taken")
                continue
            }
            if extra.isEmpty {
                #expect(error.code == .invalidChange && error.field == "k0")
            } else {
                #expect(error.code == .malformedBatch && error.message.contains("'k99999' appears twice"))
            }
        }
    }

    /// Random damage to real batches: dropped, doubled and replaced bytes, wherever they fall.
    @Test func agreesWithTheTreeReaderOnDamagedBatches() throws {
        let seed = propertySeed()
        var generator = SeededGenerator(seed: seed)
        var history = RandomHistory(replicaCount: 2, generator: &generator)
        try history.run(steps: 12, generator: &generator)
        let valid = Array(ChangeBatch(changes: history.allChanges).json())
        #expect(Self.wireRead(Data(valid)) == .success(history.allChanges))
        let alphabet = Array(#"{}[],:" \0aetu1-."#.utf8) + [0xE4, 0xB8]
        var refused = 0
        for _ in 0..<propertyIterations(2000) {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(alphabet.randomElement(using: &generator)!, at: at)
                default: bytes[at] = alphabet.randomElement(using: &generator)!
                }
            }
            let data = Data(bytes)
            let wire = Self.wireRead(data)
            #expect(wire == Self.treeRead(data), "seed \(seed): \(String(decoding: bytes, as: UTF8.self))")
            if case .failure = wire { refused += 1 }
        }
        #expect(refused > 0)
    }
}
