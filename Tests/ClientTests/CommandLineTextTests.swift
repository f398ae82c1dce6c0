import ArgumentParser
import Testing

@testable import Console

/// swift-argument-parser's refusals, as the library words them today, said in Chinese: a wording the
/// library changes in an upgrade shows here as a sentence left in English.
@Suite struct CommandLineTextTests {
    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "field")
        @Option(help: "简要情况") var summary: String
        @Option var count: Int?
        @Option var role: Role?
        @Flag var json = false
        @Argument var id: String?

        enum Role: String, ExpressibleByArgument, CaseIterable {
            case grid, town, district
        }
    }

    /// The full message the library prints for `arguments`, translated.
    func refusal(_ arguments: [String]) -> String {
        do {
            _ = try Sample.parse(arguments)
            return "parsed"
        } catch {
            return CommandLineText.chinese(Sample.fullMessage(for: error), program: "field")
        }
    }

    @Test(arguments: [
        (["--summary", "x", "--sumary", "y"], "field: 没有 '--sumary' 这个选项；是不是要用 '--summary'？"),
        (["--summary", "x", "--zzz"], "field: 没有 '--zzz' 这个选项"),
        (["--count", "1"], "field: 缺少参数 '--summary <summary>'"),
        (["--summary"], "field: '--summary <summary>' 后面缺少值"),
        (["--summary", "x", "--count", "many"], "field: '--count <count>' 的值 'many' 无效"),
        (
            ["--summary", "x", "--role", "king"],
            "field: '--role <role>' 的值 'king' 无效；可选：'grid'、'town'、'district'"
        ),
        (["--summary", "x", "a", "b"], "field: 多余的参数 'b'（子命令或值写错了？）"),
        (["--summary", "x", "--json=yes"], "field: 选项 '--json' 不带值，却给了 'yes'"),
    ])
    func eachRefusalIsSaidInChinese(arguments: [String], first: String) {
        let lines = refusal(arguments).split(separator: "\n").map(String.init)
        #expect(lines.first == first, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("用法：field ") }, "\(lines)")
        #expect(lines.last == "  完整说明：field --help", "\(lines)")
        #expect(!lines.joined().contains("Error") && !lines.joined().contains("Usage"))
    }

    @Test func theHelpOfTheOptionConcernedIsKeptAndAnEmptyOneDropped() {
        #expect(refusal(["--summary"]).contains("\n说明：--summary <summary>  简要情况"))
        #expect(!refusal(["--summary", "x", "--count", "many"]).contains("\n说明："))
    }

    @Test func aSentenceItDoesNotKnowStaysAsTheLibraryWroteIt() {
        #expect(CommandLineText.sentence("Something new went wrong") == "Something new went wrong")
        #expect(CommandLineText.chinese("Error: Something new", program: "center") == "center: Something new")
    }

    @Test func theLanguageOptionIsFoundBeforeTheLineIsParsed() {
        #expect(CommandLineText.value(of: "--lang", in: ["dispute", "list", "--lang", "en"]) == "en")
        #expect(CommandLineText.value(of: "--lang", in: ["dispute", "list", "--lang=en"]) == "en")
        #expect(CommandLineText.value(of: "--lang", in: ["dispute", "list", "--lang"]) == nil)
        #expect(CommandLineText.value(of: "--lang", in: ["note", "--", "--lang", "en"]) == nil)
        #expect(CommandLineText.value(of: "--home", in: ["--language", "x"]) == nil)
    }
}
