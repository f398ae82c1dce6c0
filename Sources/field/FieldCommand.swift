import ArgumentParser
import Console

@main
struct FieldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "field",
        abstract: Help.text(
            "离线登记矛盾纠纷和风险隐患，联网时与区中心同步。",
            "Record dispute cases and risk items offline, and sync them with the district center."),
        discussion: Help.text(
            """
            退出码：0 成功，64 用法有误或 id 不唯一，65 数据有误（已拒绝，什么都没改），66 找不到，\
            73 本机副本已存在，74 存储出错。
            """,
            """
            Exit codes: 0 success, 64 usage error or ambiguous id, 65 bad data (refused, nothing changed), \
            66 not found, 73 replica already exists, 74 storage trouble.
            """),
        subcommands: [
            InitCommand.self, DisputeGroup.self, RiskGroup.self, ImportCommand.self, ExportCommand.self,
            StatusCommand.self, EnrollCommand.self, SyncCommand.self, ReportCommand.self, RetireCommand.self,
        ]
    )

    /// As the library's `main`, but a command line it refuses is said in the worker's language.
    static func main() {
        Allocator.keepFreedMemory()
        let arguments = Array(CommandLine.arguments.dropFirst())
        let language = Context.errorLanguage(
            lang: CommandLineText.value(of: "--lang", in: arguments),
            home: CommandLineText.value(of: "--home", in: arguments))
        // The library reads the help texts as it parses.
        Help.language = language
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error, in: language)
        }
    }
}
