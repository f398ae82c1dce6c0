import ArgumentParser
import Client

@main
struct FieldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "field",
        abstract: "Record dispute cases and risk items offline, and sync them with the district center."
    )
}
