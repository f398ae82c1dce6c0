import ArgumentParser
import Server

@main
struct CenterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "center",
        abstract: "The district center: enrolls devices, merges their changes, and reports."
    )
}
