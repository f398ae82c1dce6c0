import ArgumentParser
import Client
import Console
import Foundation
import Shared
import Storage

/// Options every `field` command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: Help.option(
            "本机副本所在的文件夹（默认：$FIELD_HOME，否则 ~/.local/share/fieldsync）。",
            "The replica's folder (default: $FIELD_HOME, else ~/.local/share/fieldsync)."))
    var home: String?

    @Option(
        name: .long,
        help: Help.option("标签和提示的语言：zh（默认）或 en。", "Language of labels and messages: zh (default) or en."))
    var lang: String?
}

/// What a command needs: the home, the language, today's date, and the store once opened.
struct Context {
    let home: FieldHome
    let language: Language
    let today: CalendarDate

    init(_ options: GlobalOptions) throws {
        home = FieldHome.resolve(option: options.home)
        language = try Self.language(options, home: home)
        today = LocalTime.today()
    }

    /// `--lang`, else the replica's configured language, else the one of `LANG`.
    static func language(_ options: GlobalOptions, home: FieldHome) throws -> Language {
        try Language.resolve(
            option: options.lang, configured: FieldConfig.load(from: home).language,
            environment: ProcessInfo.processInfo.environment)
    }

    func open() throws -> FieldStore {
        try FieldStore.open(home: home)
    }

    /// List and show output over the replica.
    func output() throws -> RecordOutput {
        RecordOutput(store: try open(), language: language, today: today)
    }

    var text: RecordText {
        RecordText(language: language, today: today)
    }

    /// Runs a command body, reporting any error as `field: message` with its exit code, in the worker's
    /// language where the error can say itself in it (`LocalizedMessage`).
    static func run(_ options: GlobalOptions, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            let language = errorLanguage(lang: options.lang, home: options.home)
            FileHandleOutput.standardError.write("field: \(language.message(for: error))\n")
            throw ExitCode(Failure.exitCode(for: error))
        }
    }

    /// The language an error is said in: `--lang`, else the replica's configured language, else `LANG`
    /// (an unknown `--lang`, which may be the very error, gives way to the others).
    static func errorLanguage(lang: String?, home: String?) -> Language {
        Language.forErrors(
            option: lang, configured: FieldConfig.load(from: FieldHome.resolve(option: home)).language,
            environment: ProcessInfo.processInfo.environment)
    }
}

func say(_ text: String) {
    FileHandleOutput.standardOutput.write(text + "\n")
}

/// On standard error: where `area` went, when the center merged it into another (known from the last
/// sync), and how this laptop follows. A new record of this replica's own area is still made there.
func noteIfMerged(_ area: AreaCode, in store: FieldStore, language: Language) throws {
    guard let now = try store.mergedInto(area) else { return }
    let name = try store.areas().first { $0.code == now }?.name
    FileHandleOutput.standardError.write(SyncText.merged(area, into: now, name: name, language: language) + "\n")
}

/// The value of a required flag, asked for in a terminal, else a usage error naming the flag.
func required<T>(_ value: T?, flag: String, ask: () throws -> T) throws -> T {
    if let value { return value }
    guard Prompter.isInteractive else { throw UsageError("missing \(flag)", chinese: "缺少 \(flag)") }
    return try ask()
}

/// Help texts several commands share, in the language of the command line (`Help`).
enum SharedHelp {
    static var foundBy: ArgumentHelp {
        Help.option(
            "发现方式：\(Help.choices(Discovery.self))（默认 screening）。",
            "\(Help.choices(Discovery.self)) (default screening).")
    }
    static var level: ArgumentHelp {
        Help.option(
            "等级：\(Help.choices(RiskLevel.self))（默认 normal）。", "\(Help.choices(RiskLevel.self)) (default normal).")
    }
    static var arose: ArgumentHelp {
        Help.option("纠纷发生的日期，年-月-日（YYYY-MM-DD）。", "The day the dispute arose, YYYY-MM-DD.")
    }
    /// The date of what a command records, today if not given.
    static var day: ArgumentHelp { Help.option("日期，年-月-日（默认今天）。", "YYYY-MM-DD (default today).") }
}
