import Foundation
import Testing

@testable import Shared

@Suite struct JSONParserTests {
    @Test func parsesWhatFoundationParses() throws {
        let documents = [
            #"{"a":[1,-2.5,3e2,true,false,null],"b":{"c":"彩礼"},"d":""}"#,
            #"["\"\\\/\b\f\n\r\t\u00e9\u4e2d\ud83d\ude00"]"#,
            "  [ ]  ", "{ }", "0", "-0.125", #""plain""#,
        ]
        for text in documents {
            let ours = try JSONParser.parse(Array(text.utf8))
            let theirs = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(ours == theirs, "\(text)")
        }
    }

    @Test(arguments: [
        "", "{", #"{"a":1,}"#, "[1,]", "01", "1.", "-", #""unterminated"#, #"{"a" 1}"#, "tru", #""\x""#,
        #""\ud800""#, "[1] 2", #"{"a":1,"a":2}"#, "\"tab\tinside\"", String(repeating: "[", count: 100),
    ])
    func refusesMalformedJSON(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func writingThenParsingGivesTheSameValue() throws {
        let value = JSONValue.object([
            "text": .string("引号\"反斜杠\\换行\n\u{1}"), "list": .array([.bool(true), .null, .number(42)]),
            "nested": .object(["empty": .array([])]),
        ])
        #expect(try JSONParser.parse(Array(value.text.utf8)) == value)
    }
}
