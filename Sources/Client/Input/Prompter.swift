import Console
import Shared

#if canImport(Glibc)
import Glibc
#endif

/// Asks for missing values one by one when `field` runs in a terminal.
public struct Prompter: Sendable {
    /// The language a refused answer is explained in.
    public var language: Language

    /// Whether standard input and error are a terminal: only then does `field` ask.
    public static var isInteractive: Bool {
        isatty(0) == 1 && isatty(2) == 1
    }

    public init(language: Language) {
        self.language = language
    }

    /// Asks until the answer parses; an empty answer keeps `defaultValue` if there is one.
    /// - Throws: `UsageError` when input ends.
    public func ask<T>(_ question: String, defaultValue: String? = nil, parse: (String) throws -> T) throws -> T {
        while true {
            let suffix = defaultValue.map { " [\($0)]" } ?? ""
            FileHandleOutput.standardError.write("\(question)\(suffix): ")
            guard let line = readLine() else {
                throw UsageError("input ended before \(question) was given", chinese: "还没有输入“\(question)”，输入就结束了")
            }
            let answer = line.trimmingSpaces.isEmpty ? (defaultValue ?? "") : line
            do {
                return try parse(answer)
            } catch {
                FileHandleOutput.standardError.write("  \(language.message(for: error))\n")
            }
        }
    }

    /// Lists numbered choices (with their Chinese labels) and accepts a number, a code or a label.
    public func choose<Value: CodedValue>(_ question: String, defaultValue: Value? = nil) throws -> Value {
        let choices = Array(Value.allCases)
        let menu = choices.enumerated().map { "  \($0.offset + 1). \($0.element.label) (\($0.element.code))" }
        FileHandleOutput.standardError.write(question + "\n" + menu.joined(separator: "\n") + "\n")
        return try ask(question, defaultValue: defaultValue?.code) { answer in
            if let number = Int(answer.trimmingSpaces), choices.indices.contains(number - 1) {
                return choices[number - 1]
            }
            return try Value(parsing: answer)
        }
    }
}
