import Foundation
import Storage

/// The folder that holds one replica: its database and its config, readable by their owner only.
///
/// Chosen by `--home`, else `$FIELD_HOME`, else `$XDG_DATA_HOME/fieldsync`, else
/// `~/.local/share/fieldsync`.
public struct FieldHome: Sendable, Hashable {
    public let url: URL

    public init(url: URL) {
        self.url = url.standardizedFileURL
    }

    /// The home named on the command line, in the environment, or the user's data directory.
    public static func resolve(
        option: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> FieldHome
    {
        if let option, !option.isEmpty {
            return FieldHome(url: URL(fileURLWithPath: option))
        }
        if let home = environment["FIELD_HOME"], !home.isEmpty {
            return FieldHome(url: URL(fileURLWithPath: home))
        }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty {
            return FieldHome(url: URL(fileURLWithPath: data).appendingPathComponent("fieldsync"))
        }
        let user =
            environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return FieldHome(url: user.appendingPathComponent(".local/share/fieldsync"))
    }

    public var database: URL { url.appendingPathComponent("field.sqlite") }
    public var config: URL { url.appendingPathComponent("config.json") }

    var path: String { url.path }

    /// Creates the folder (owner only) if needed.
    func prepare() throws(StoreError) {
        do {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError(
                code: .storage, message: "cannot create the field home \(path): \(error.localizedDescription)")
        }
    }
}
