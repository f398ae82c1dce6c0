import ArgumentParser
import Foundation
import Shared

#if canImport(Glibc)
import Glibc
#endif

/// swift-argument-parser's refusals of a command line (an unknown option, a missing argument, a value
/// that is not a number), said in the worker's language: the library speaks English only, and a grid
/// worker who mistypes a flag should not meet the one English sentence of the program.
public enum CommandLineText {
    /// The value given for `--name` on a command line (`--name value` or `--name=value`), if any: the
    /// language must be known before the line is parsed, to say what is wrong with it.
    public static func value(of name: String, in arguments: [String]) -> String? {
        for (index, argument) in arguments.enumerated() {
            if argument == "--" { return nil }
            if argument == name { return index + 1 < arguments.count ? arguments[index + 1] : nil }
            if argument.hasPrefix(name + "=") { return String(argument.dropFirst(name.count + 1)) }
        }
        return nil
    }

    /// The library's full message for a refused command line (`fullMessage(for:)`: the error, a help
    /// line, the usage, where to read more) in Chinese, line by line, `program: ` before the error as
    /// before every other refusal. A line it does not know stays as the library wrote it.
    public static func chinese(_ full: String, program: String) -> String {
        var lines: [String] = []
        for line in full.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if let message = line.dropping(prefix: "Error: ") {
                lines.append("\(program): \(sentence(message))")
            } else if let help = line.dropping(prefix: "Help:  ") {
                // The argument's synopsis and its help, two spaces apart; without help, no line.
                if help.trimmingCharacters(in: .whitespaces).contains("  ") { lines.append("说明：\(help)") }
            } else if let usage = line.dropping(prefix: "Usage: ") {
                lines.append("用法：\(usage)")
            } else if let rest = line.dropping(prefix: "  See '"),
                let command = rest.dropping(
                    suffix: "' for more information.")
            {
                lines.append("  完整说明：\(command)")
            } else if let or = line.dropping(prefix: "   or: ") {
                lines.append("   或：\(sentence(or))")
            } else {
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// One of the library's error sentences in Chinese; one it does not know, as it is.
    static func sentence(_ english: String) -> String {
        var text = english
        // What may follow the sentence: a suggestion, the values allowed, a reason.
        var tail = ""
        if let range = text.range(of: ". Did you mean '") {
            let suggestion = text[range.upperBound...].dropLast(2)
            tail = "；是不是要用 '\(suggestion)'？"
            text = String(text[..<range.lowerBound])
        } else if let range = text.range(of: ". Please provide one of the following:") {
            tail = "。可选的值："
            text = String(text[..<range.lowerBound])
        } else if let range = text.range(of: ". Please provide one of ") {
            let values = text[range.upperBound...].dropLast()
                .replacingOccurrences(of: " and ", with: "、").replacingOccurrences(of: " or ", with: "、")
                .replacingOccurrences(of: ", ", with: "、")
            tail = "；可选：\(values)"
            text = String(text[..<range.lowerBound])
        }
        let quoted = text.split(separator: "'", omittingEmptySubsequences: false).map(String.init)
        // `quoted[1]`, `[3]`… are the quoted parts: option names, values.
        func part(_ index: Int) -> String { index < quoted.count ? "'\(quoted[index])'" : "" }
        let said: String
        switch quoted.first ?? "" {
        case "Missing expected argument ": said = "缺少参数 \(part(1))"
        case "Missing one of: ": said = "缺少以下参数之一：" + text.dropFirst("Missing one of: ".count)
        case "Missing value for ": said = "\(part(1)) 后面缺少值"
        case "Unknown option ": said = "没有 \(part(1)) 这个选项"
        case "Unexpected argument ": said = "多余的参数 \(part(1))（子命令或值写错了？）"
        case "The value ":
            let reason = quoted.count > 4 ? quoted[4...].joined(separator: "'") : ""
            said = "\(part(3)) 的值 \(part(1)) 无效" + (reason.hasPrefix(": ") ? "：" + reason.dropFirst(2) : "")
        case "The option ": said = "选项 \(part(1)) 不带值，却给了 \(part(3))"
        case "Value to be set with flag ": said = "\(part(1)) 给了不止一次"
        default:
            if text == "Missing required subcommand." {
                said = "缺少子命令"
            } else if let count = text.split(separator: " ").first.flatMap({ Int($0) }),
                let range = text.range(of: " unexpected arguments: ")
            {
                said = "\(count) 个多余的参数：" + text[range.upperBound...]
            } else if let option = text.dropping(prefix: "Invalid option: ") {
                said = "无效的选项 \(option)"
            } else {
                return english
            }
        }
        return said + tail
    }
}

extension String {
    /// The rest after `prefix`, or nil if the string does not begin with it.
    fileprivate func dropping(prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }

    /// What comes before `suffix`, or nil if the string does not end with it.
    fileprivate func dropping(suffix: String) -> String? {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : nil
    }
}

extension ParsableCommand {
    /// Ends the program after `error` as `exit(withError:)` does, but in Chinese says a refused command
    /// line (exit code 64 either way) and shows a help page with the library's headings in Chinese, wrapped
    /// to the terminal by display width. The exit code a command chose after saying its own refusal is
    /// left to the library, and so is everything in English.
    public static func exit(withError error: any Error, in language: Language) -> Never {
        guard language == .zh, !(error is ExitCode) else { exit(withError: error) }
        switch exitCode(for: error) {
        case .validationFailure:
            let program = configuration.commandName ?? "\(self)"
            FileHandleOutput.standardError.write(
                CommandLineText.chinese(fullMessage(for: error), program: program) + "\n")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        case .success:
            // Unwrapped (one line per paragraph and option), to be wrapped by columns, not characters.
            let page = fullMessage(for: error, columns: 100_000)
            FileHandleOutput.standardOutput.write(Help.chinese(page: page, width: terminalWidth) + "\n")
            Foundation.exit(ExitCode.success.rawValue)
        default:
            exit(withError: error)
        }
    }

    /// The terminal's width in columns: `COLUMNS`, else the terminal's own, else 80 (a help page read in
    /// a pipe or a file); at least 40.
    static var terminalWidth: Int {
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) { return max(40, columns) }
        #if canImport(Glibc)
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return max(40, Int(size.ws_col)) }
        #endif
        return 80
    }
}
