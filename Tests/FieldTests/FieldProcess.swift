import Foundation
import ProgramTesting
import Testing

extension FieldProcess {
    /// The same home, for a worker whose system speaks English (`LANG=en_US.UTF-8`).
    var inEnglish: FieldProcess {
        var english = self
        english.environment["LANG"] = "en_US.UTF-8"
        return english
    }

    /// Runs a command that must succeed and returns its output without the final newline.
    func ok(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(arguments)
        #expect(
            result.status == 0, "field \(arguments.joined(separator: " ")): \(result.stderr)",
            sourceLocation: sourceLocation)
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    /// Everything the replica holds, to check that a refused command changed nothing.
    func snapshot() throws -> String {
        try ok("export", "--format", "json") + (try ok("status", "--json"))
    }

    func json(_ arguments: String...) throws -> Any {
        let result = try run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }
}

/// A temporary home with an initialised replica of village 620502101201.
func withReplica<T>(_ body: (FieldProcess) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("field-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: url) }
    let field = FieldProcess(home: url)
    _ = try field.ok("init", "--village", "620502101201", "--worker", "张网格")
    return try body(field)
}
