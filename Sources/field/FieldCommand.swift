import ArgumentParser
import Console

@main
struct FieldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "field",
        abstract: "Record dispute cases and risk items offline, and sync them with the district center.",
        discussion: """
            Exit codes: 0 success, 64 usage error or ambiguous id, 65 bad data (refused, nothing changed), \
            66 not found, 73 replica already exists, 74 storage trouble.
            """,
        subcommands: [
            InitCommand.self, DisputeGroup.self, RiskGroup.self, ImportCommand.self, ExportCommand.self,
            StatusCommand.self, EnrollCommand.self, SyncCommand.self, ReportCommand.self,
        ]
    )

    /// As the library's `main`, but a command line it refuses is said in the worker's language.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let arguments = Array(CommandLine.arguments.dropFirst())
            exit(
                withError: error,
                in: Context.errorLanguage(
                    lang: CommandLineText.value(of: "--lang", in: arguments),
                    home: CommandLineText.value(of: "--home", in: arguments)))
        }
    }
}
