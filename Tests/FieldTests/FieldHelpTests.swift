import Console
import Foundation
import ProgramTesting
import Testing

extension FieldPrograms {
    /// The `--help` pages are in the worker's language, and lined up on an 80-column terminal where a
    /// Chinese character takes two.
    @Suite struct FieldHelpTests {
        static let pages: [[String]] = [
            ["--help"], ["dispute", "--help"], ["dispute", "add", "--help"], ["dispute", "mediate", "--help"],
            ["dispute", "list", "--help"], ["risk", "add", "--help"], ["sync", "--help"], ["report", "--help"],
        ]

        @Test(arguments: pages)
        func aHelpPageIsInChineseAndFitsTheTerminal(arguments: [String]) throws {
            let field = FieldProcess(home: FileManager.default.temporaryDirectory.appendingPathComponent("help"))
            let page = try field.run(arguments)
            #expect(page.status == 0, "\(page.stderr)")
            let lines = page.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("简介：") == true, "\(lines)")
            #expect(page.stdout.contains("显示这份帮助。"))
            for english in ["OVERVIEW", "USAGE", "OPTIONS", "Show help information"] {
                #expect(!page.stdout.contains(english), "\(arguments): \(english)")
            }
            for line in lines {
                #expect(DisplayWidth.of(line) <= 80, "\(arguments): \(line)")
                #expect(!line.trimmingCharacters(in: .whitespaces).hasPrefix("，"), "\(line)")
            }
            let english = try field.inEnglish.run(arguments)
            #expect(english.status == 0 && english.stdout.hasPrefix("OVERVIEW: "), "\(english.stdout)")
        }

        @Test func theChoicesOfASetAreListedWithTheirLabels() throws {
            let field = FieldProcess(home: FileManager.default.temporaryDirectory.appendingPathComponent("help"))
            let page = try field.run("dispute", "mediate", "--help").stdout
            // Wrapped lines joined again: the list may break anywhere between Chinese characters.
            let text = page.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined()
            #expect(text.contains("调解方式：chat 拉家常式、fact-finding 摸底式、aid 扶贫救困式"), "\(page)")
            #expect(try field.inEnglish.run("dispute", "mediate", "--help").stdout.contains("chat, fact-finding, aid"))
        }
    }
}
