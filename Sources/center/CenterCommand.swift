import ArgumentParser
import Console
import Foundation
import Server
import Shared
import Storage

@main
struct CenterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "center",
        abstract: "The district center: enrolls devices, merges their changes, and reports.",
        discussion: """
            Exit codes: 0 success, 64 usage error, 65 bad data (refused, nothing changed), 66 not found, \
            74 storage trouble.
            """,
        subcommands: [
            ServeCommand.self, AreaGroup.self, WorkerGroup.self, CaseGroup.self, CenterRiskGroup.self,
            DuplicateGroup.self, ReportCommand.self,
        ]
    )
}

/// Options every `center` command takes.
struct CenterOptions: ParsableArguments {
    @Option(name: .long, help: "The center's database (default: $CENTER_DB, else center.sqlite here).")
    var db: String?

    @Option(name: .long, help: "Language of labels: zh (default) or en.")
    var lang: String?

    var databaseURL: URL {
        let path =
            db ?? ProcessInfo.processInfo.environment["CENTER_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "center.sqlite"
        return URL(fileURLWithPath: path)
    }

    /// The center's store, migrated to this version. `create` makes it on first use (`serve`,
    /// `area import`); other commands refuse a missing database rather than make an empty one at a
    /// mistyped path.
    func open(create: Bool = false) throws -> ReplicaStore {
        if FileManager.default.fileExists(atPath: databaseURL.path) {
            return try ReplicaStore.open(database: databaseURL, durability: .power)
        }
        guard create else {
            throw StoreError(
                code: .noHome,
                message: "no center database at \(databaseURL.path): start with `center area import FILE`, "
                    + "or point --db (or CENTER_DB) at the district's database")
        }
        return try ReplicaStore.create(database: databaseURL, scope: nil, worker: "center", durability: .power)
    }

    /// List and show output over the merged store.
    func output() throws -> RecordOutput {
        RecordOutput(store: try open(), language: try language, today: LocalTime.today())
    }

    var language: Language {
        get throws {
            try Language.resolve(option: lang, configured: nil, environment: ProcessInfo.processInfo.environment)
        }
    }
}

/// Runs a command body, reporting any error as `center: message` with its exit code.
func guarded(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        FileHandleOutput.standardError.write("center: \(error)\n")
        throw ExitCode(error is DeviceNotFound ? 66 : Failure.exitCode(for: error))
    }
}

func say(_ text: String) {
    FileHandleOutput.standardOutput.write(text + "\n")
}
