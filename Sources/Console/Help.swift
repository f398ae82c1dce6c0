import ArgumentParser
import Foundation
import Shared
import Synchronization

/// The words of the `--help` pages, in the language the command line asks for. swift-argument-parser
/// reads a command's help texts as it parses the line, so `main` chooses the language first (`--lang`,
/// the replica's, `LANG`) and sets `language`; the texts then pick their words (`text`, `option`).
public enum Help {
    private static let chosen = Mutex(Language.zh)

    /// The language help texts are given in; `main` sets it before parsing.
    public static var language: Language {
        get { chosen.withLock { $0 } }
        set { chosen.withLock { $0 = newValue } }
    }

    /// `chinese` or `english`, by `language`: an abstract, a discussion.
    public static func text(_ chinese: String, _ english: String) -> String {
        language == .zh ? chinese : english
    }

    /// An option's or argument's help in the language chosen.
    public static func option(_ chinese: String, _ english: String) -> ArgumentHelp {
        ArgumentHelp(text(chinese, english))
    }

    /// Help texts both command lines give.
    public static var json: ArgumentHelp { option("以 JSON 输出。", "Print JSON.") }
    public static var disputeID: ArgumentHelp {
        option("纠纷的 id，或能唯一确定它的开头几位。", "The case's id or a unique prefix of it.")
    }
    public static var riskID: ArgumentHelp {
        option("风险隐患的 id，或能唯一确定它的开头几位。", "The risk item's id or a unique prefix of it.")
    }

    /// The choices of a set, as an option's help lists them: in Chinese each code with its label
    /// (`chat 拉家常式、fact-finding 摸底式…`), in English the codes.
    public static func choices<Value: CodedValue>(_: Value.Type) -> String {
        language == .zh
            ? Value.allCases.map { "\($0.code) \($0.label)" }.joined(separator: "、")
            : Value.allCases.map(\.code).joined(separator: ", ")
    }

    /// A help page the library rendered (`fullMessage(for:)` of a help request, unwrapped) with its own
    /// headings in Chinese and every line wrapped to `width` terminal columns: the library wraps by
    /// characters, and a Chinese character takes two columns.
    public static func chinese(page: String, width: Int) -> String {
        page.split(separator: "\n", omittingEmptySubsequences: false).flatMap { line in
            wrap(heading(String(line)), width: width)
        }.joined(separator: "\n")
    }

    /// The library's own words on a help page, in Chinese.
    static func heading(_ line: String) -> String {
        let headings = [
            ("OVERVIEW: ", "简介："), ("USAGE: ", "用法："), ("ARGUMENTS:", "参数："), ("OPTIONS:", "选项："),
            ("SUBCOMMANDS:", "子命令："),
        ]
        for (english, chinese) in headings where line.hasPrefix(english) {
            return chinese + line.dropFirst(english.count).replacingOccurrences(of: "<subcommand>", with: "<子命令>")
        }
        var line = line.replacingOccurrences(of: "Show help information.", with: "显示这份帮助。")
        if line.hasPrefix("  See '"), line.hasSuffix("' for detailed help.") {
            let command = line.dropFirst("  See '".count).dropLast("' for detailed help.".count)
            return "  各子命令的详细帮助：" + command.replacingOccurrences(of: "<subcommand>", with: "<子命令>")
        }
        // A default the library adds after an option's help.
        if line.hasSuffix(")"), let range = line.range(of: " (default: ", options: .backwards) {
            // Inside the sentence's full stop: 每个请求最多尝试几次（默认：5）。
            let sentence = line[..<range.lowerBound]
            let stop = sentence.hasSuffix("。") ? "。" : ""
            line = sentence.dropLast(stop.count) + "（默认：" + line[range.upperBound...].dropLast() + "）" + stop
        }
        return line
    }

    /// `line` wrapped to `width` columns. A continuation line starts under the text of the line: past an
    /// option's name on an option's line (where two spaces or more part the two), else under its first
    /// word. Lines break at spaces and between Chinese characters, never before a closing punctuation mark.
    static func wrap(_ line: String, width: Int) -> [String] {
        guard DisplayWidth.of(line) > width else { return [line] }
        let characters = Array(line)
        let indent = hangingIndent(characters)
        var lines: [String] = []
        var current = ""
        var used = 0
        // Where `current` may be cut: its length in characters and columns before the cut.
        var cut: (characters: Int, columns: Int)?
        for character in characters {
            let columns = DisplayWidth.of(String(character))
            if used + columns > width, let point = cut, point.characters > 0 {
                let head = String(current.prefix(point.characters))
                lines.append(String(head.reversed().drop { $0 == " " }.reversed()))
                let rest = String(current.dropFirst(point.characters).drop { $0 == " " })
                current = String(repeating: " ", count: indent) + rest
                used = indent + DisplayWidth.of(rest)
                cut = nil
            }
            if character == " " {
                cut = (current.count + 1, used + 1)
            } else if isWide(character), !closes(character), used > indent,
                !(current.last.map { "(（「『《“‘".contains($0) } ?? false)
            {
                cut = (current.count, used)
            }
            current.append(character)
            used += columns
        }
        lines.append(current)
        return lines
    }

    /// The column a wrapped line's continuation starts at.
    private static func hangingIndent(_ characters: [Character]) -> Int {
        // 用法：field …, 简介：… continue under the text after the heading.
        if let colon = characters.prefix(6).firstIndex(of: "："), !characters.prefix(colon).contains(" ") {
            return DisplayWidth.of(String(characters[...colon]))
        }
        let leading = characters.prefix { $0 == " " }.count
        var index = leading
        while index < characters.count {
            if characters[index] == " ", index + 1 < characters.count, characters[index + 1] == " " {
                let start = characters[index...].firstIndex { $0 != " " } ?? index
                return DisplayWidth.of(String(characters[..<start]))
            }
            index += 1
        }
        return leading
    }

    private static func isWide(_ character: Character) -> Bool {
        character.unicodeScalars.first.map { DisplayWidth.of($0) == 2 } ?? false
    }

    /// Punctuation that must not begin a line.
    private static func closes(_ character: Character) -> Bool {
        "，。、；：？！）」』》”’".contains(character)
    }
}
