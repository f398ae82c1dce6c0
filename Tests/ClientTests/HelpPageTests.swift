import Testing

@testable import Console

/// Help pages in Chinese: the library's headings, and lines wrapped by display width.
@Suite struct HelpPageTests {
    @Test func theLibrarysHeadingsAreSaidInChinese() {
        #expect(Help.heading("OVERVIEW: 登记纠纷。") == "简介：登记纠纷。")
        #expect(Help.heading("USAGE: field <subcommand>") == "用法：field <子命令>")
        #expect(Help.heading("  -h, --help              Show help information.") == "  -h, --help              显示这份帮助。")
        #expect(
            Help.heading("  See 'field help <subcommand>' for detailed help.") == "  各子命令的详细帮助：field help <子命令>")
        #expect(Help.heading("  --attempts <n>   最多尝试几次。 (default: 5)") == "  --attempts <n>   最多尝试几次（默认：5）。")
        #expect(
            Help.heading("  --format <f>   table or csv (default: table)") == "  --format <f>   table or csv（默认：table）")
    }

    @Test func anOptionsHelpWrapsUnderItsTextByDisplayWidth() {
        let line = "  --summary <summary>     " + String(repeating: "纠纷的简要情况，", count: 8)
        let lines = Help.wrap(line, width: 80)
        #expect(lines.count == 3, "\(lines)")
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 80 }, "\(lines)")
        // Continuations start under the help text, and never with a comma.
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(String(repeating: " ", count: 26)) })
        #expect(lines.dropFirst().allSatisfy { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("，") })
        // Nothing lost or added but the indentation.
        #expect(lines.joined().filter { $0 != " " } == line.filter { $0 != " " })
    }

    @Test func englishWrapsAtSpacesAndAHeadingLineUnderItsText() {
        let usage = "用法：field dispute add " + (0..<12).map { "[--option\($0) <value>]" }.joined(separator: " ")
        let lines = Help.wrap(usage, width: 60)
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 60 }, "\(lines)")
        // Under the text after 用法：, broken at spaces only.
        #expect(
            lines.count > 2 && lines.dropFirst().allSatisfy { $0.hasPrefix("      ") && $0.dropFirst(6).first != " " })
        #expect(lines.joined(separator: " ").replacingOccurrences(of: "       ", with: " ") == usage, "\(lines)")
        #expect(Help.wrap("  短的一行", width: 80) == ["  短的一行"])
    }

    @Test func noLineBreaksJustAfterAnOpeningBracket() {
        let lines = Help.wrap(String(repeating: "字", count: 38) + "（销号）", width: 80)
        #expect(!lines[0].hasSuffix("（"), "\(lines)")
    }
}
