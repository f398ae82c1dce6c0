import ArgumentParser
import Console
import Foundation
import Logging
import Server
import Shared
import Storage

@main
struct CenterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "center",
        abstract: Help.text(
            "区中心：登记设备，合并各设备的修改，生成报表。",
            "The district center: enrolls devices, merges their changes, and reports."),
        discussion: Help.text(
            """
            退出码：0 成功，64 用法有误，65 数据有误（已拒绝，什么都没改），66 找不到，\
            73 要写的文件已存在（backup、migrate），74 存储出错。
            """,
            """
            Exit codes: 0 success, 64 usage error, 65 bad data (refused, nothing changed), 66 not found, \
            73 the file to write exists (backup, migrate), 74 storage trouble.
            """),
        subcommands: [
            ServeCommand.self, AreaGroup.self, WorkerGroup.self, CaseGroup.self, CenterRiskGroup.self,
            DuplicateGroup.self, ReportCommand.self, MigrateCommand.self, BackupCommand.self,
        ]
    )

    /// As the library's `main`, but a command line it refuses is said in the language of `--lang`
    /// (else `LANG`).
    static func main() async {
        Allocator.keepFreedMemory()
        let language = Language.forErrors(
            option: CommandLineText.value(of: "--lang", in: Array(CommandLine.arguments.dropFirst())),
            configured: nil, environment: ProcessInfo.processInfo.environment)
        // The library reads the help texts as it parses.
        Help.language = language
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error, in: language)
        }
    }
}

/// Options every `center` command takes.
struct CenterOptions: ParsableArguments {
    @Option(
        name: .long,
        help: Help.option(
            """
            区中心的数据库：一个 SQLite 文件，或由多个区中心进程共用的 postgres://USER@HOST:PORT/DATABASE\
            （默认：$CENTER_DB，否则当前目录下的 center.sqlite）。
            """,
            """
            The center's database: an SQLite file, or postgres://USER@HOST:PORT/DATABASE shared by several \
            center processes (default: $CENTER_DB, else center.sqlite here).
            """))
    var db: String?

    @Option(
        name: .long,
        help: Help.option("标签和提示的语言：zh（默认）或 en。", "Language of labels and messages: zh (default) or en."))
    var lang: String?

    @Option(
        name: .long,
        help: Help.option(
            """
            使用 PostgreSQL 的区中心在两次运行之间存放合并状态本地副本的地方\
            （默认：$XDG_CACHE_HOME/fieldsync，否则 ~/.cache/fieldsync）。
            """,
            """
            Where a center on PostgreSQL keeps its local copy of the merged state between runs (default: \
            $XDG_CACHE_HOME/fieldsync, else ~/.cache/fieldsync).
            """))
    var cache: String?

    @Option(
        name: .customLong("max-connections"),
        help: Help.option(
            "本进程最多向 PostgreSQL 数据库开几个连接。", "The most connections this process opens to a PostgreSQL database."))
    var maximumConnections = 8

    /// The folder for views of a shared database: nil without a home (a fresh view each run).
    var cacheFolder: URL? {
        if let cache { return URL(fileURLWithPath: cache) }
        let environment = ProcessInfo.processInfo.environment
        if let base = environment["XDG_CACHE_HOME"], !base.isEmpty {
            return URL(fileURLWithPath: base).appendingPathComponent("fieldsync")
        }
        if let home = environment["HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home).appendingPathComponent(".cache/fieldsync")
        }
        return nil
    }

    /// What `--db` (or `CENTER_DB`) names.
    var location: String {
        db ?? ProcessInfo.processInfo.environment["CENTER_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "center.sqlite"
    }

    var isPostgres: Bool { CenterLocation.isPostgres(location) }

    var databaseURL: URL { URL(fileURLWithPath: location) }

    /// The store, for the length of `body`: the embedded SQLite store, or this process's view of a shared
    /// PostgreSQL database (its schema created or upgraded on first use, its connection pool run for as
    /// long as `body` runs). `create` makes an SQLite store on first use (`serve`, `area import`); other
    /// commands refuse a missing file rather than make an empty one at a mistyped path.
    func withCenter<T>(
        create: Bool = false, _ body: (any CenterStore & CenterAdministration) async throws -> T
    ) async throws -> T {
        guard isPostgres else { return try await body(SQLiteCenterStore(try open(create: create))) }
        var logger = Logger(label: "center.postgres")
        logger.logLevel = .error
        guard (1...1000).contains(maximumConnections) else {
            throw UsageError(
                "--max-connections must be between 1 and 1000, not \(maximumConnections)",
                chinese: "--max-connections 应在 1 到 1000 之间，不能是 \(maximumConnections)")
        }
        let log = try PostgresCenter(url: location, maximumConnections: maximumConnections, logger: logger)
        // The pool runs beside the command and is cancelled after it, not awaited: the command's work is
        // done (and durable) by then.
        let pool = Task { await log.run() }
        defer { pool.cancel() }
        let store = try await PostgresCenterStore.open(log: log, logger: logger, cache: cacheFolder)
        defer { store.close() }
        return try await body(store)
    }

    /// The center's SQLite store, migrated to this version.
    func open(create: Bool = false) throws -> ReplicaStore {
        if FileManager.default.fileExists(atPath: databaseURL.path) {
            return try ReplicaStore.open(database: databaseURL, durability: .power)
        }
        guard create else {
            throw StoreError(
                code: .noHome,
                message: "no center database at \(databaseURL.path): start with `center area import FILE`, "
                    + "or point --db (or CENTER_DB) at the district's database",
                chinese: "\(databaseURL.path) 没有区中心数据库：请先运行 center area import 文件，"
                    + "或用 --db（或 CENTER_DB）指向区里的数据库")
        }
        return try ReplicaStore.create(database: databaseURL, scope: nil, worker: "center", durability: .power)
    }

    /// List and show output over the merged state.
    func withOutput<T>(_ body: (RecordOutput) throws -> T) async throws -> T {
        let language = try self.language
        return try await withCenter { center in
            try body(RecordOutput(store: try await center.merged(), language: language, today: LocalTime.today()))
        }
    }

    var language: Language {
        get throws {
            try Language.resolve(option: lang, configured: nil, environment: ProcessInfo.processInfo.environment)
        }
    }
}

/// Where a center's database is.
enum CenterLocation {
    static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// The location as it may be shown: a PostgreSQL URL without its password.
    static func shown(_ location: String) -> String {
        guard isPostgres(location), var components = URLComponents(string: location) else { return location }
        if components.password != nil { components.password = "***" }
        return components.string ?? location
    }
}

/// Runs a command body, reporting any error as `center: message` with its exit code, in the language of
/// `--lang` (else `LANG`; an unknown `--lang` is itself said in the one of `LANG`).
func guarded(lang: String?, _ body: () async throws -> Void) async throws {
    do {
        // An unknown --lang is refused before the command does anything, not after.
        _ = try Language.resolve(option: lang, configured: nil, environment: ProcessInfo.processInfo.environment)
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        let language = Language.forErrors(
            option: lang, configured: nil, environment: ProcessInfo.processInfo.environment)
        FileHandleOutput.standardError.write("center: \(language.message(for: error))\n")
        throw ExitCode(error is DeviceNotFound ? 66 : Failure.exitCode(for: error))
    }
}

func say(_ text: String) {
    FileHandleOutput.standardOutput.write(text + "\n")
}

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: Help.text(
            "在区中心运行时，把它的 SQLite 数据库复制到一个新文件。", "Copy the center's SQLite database into a new file while it serves."),
        discussion: Help.text(
            """
            副本是某一时刻的数据库，经过检查，要么完整，要么没有。恢复方法：停下区中心，用副本替换数据库\
            （删掉它的 -wal 和 -shm 文件），再启动。备份之后同步过的设备会在下次同步时发现这一点，\
            并把它们手里的数据送回来。使用 PostgreSQL 的区中心用 PostgreSQL 自己的工具（pg_dump）备份，\
            或停下区中心后运行 `center migrate --from postgres://… --to 文件`。
            """,
            """
            The copy is the database as of one moment, checked, and complete or absent. To restore: stop the \
            center, put the copy in place of the database (remove its -wal and -shm files), start it. Devices \
            that synced after the backup find that out at their next sync and send back what they hold. A \
            center on PostgreSQL is backed up with PostgreSQL's own tools (pg_dump), or with the center \
            stopped by `center migrate --from postgres://… --to FILE`.
            """))

    @OptionGroup var options: CenterOptions
    @Option(help: Help.option("要写入的新文件。", "The new file to write.")) var to: String

    func run() async throws {
        try await guarded(lang: options.lang) {
            guard !options.isPostgres else {
                throw UsageError(
                    "center backup copies an SQLite center; back up PostgreSQL with pg_dump, or stop the center "
                        + "and run `center migrate --from \(CenterLocation.shown(options.location)) --to FILE`",
                    chinese: "center backup 只复制 SQLite 的区中心；PostgreSQL 请用 pg_dump 备份，或停下区中心后运行 "
                        + "center migrate --from \(CenterLocation.shown(options.location)) --to 文件")
            }
            let head = try options.open().backUp(to: URL(fileURLWithPath: to))
            say(
                try options.language.pick(
                    "已把 \(options.location) 备份到 \(to)：变更记录到第 \(head) 条",
                    "backed up \(options.location) to \(to): its log up to change \(head)"))
        }
    }
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: Help.text(
            "在 SQLite 文件和 PostgreSQL 数据库之间迁移区中心，两个方向都可以。",
            "Move the center between an SQLite file and a PostgreSQL database, in either direction."),
        discussion: Help.text(
            """
            复制区划、已登记的设备、带序号和到达时间的变更记录，以及复核队列：设备不用重新登记，\
            也不会重复发送任何数据，照常同步。请先停下区中心。目标必须是新的：一个空的 PostgreSQL 数据库，\
            或一个还不存在的文件。迁往 PostgreSQL 时中途停下（断线、进程被停），数据库会标记为未完成，\
            不会被使用；再运行一次同样的命令，会接着停下的地方完成。
            """,
            """
            Copies the areas, the enrolled devices, the log with its sequence numbers and arrival times, and \
            the review queue: devices go on syncing without enrolling again or sending anything twice. Stop \
            the center first. The target must be new: an empty PostgreSQL database, or a file that does not \
            exist. A migration into PostgreSQL that stops midway leaves the database marked unfinished and \
            unserved; the same command run again completes it where it stopped.
            """))

    @Option(
        help: Help.option(
            "区中心现在的数据库：一个文件，或 postgres://USER@HOST:PORT/DATABASE。",
            "The center's database now: a file, or postgres://USER@HOST:PORT/DATABASE.")) var from: String
    @Option(
        help: Help.option(
            "迁到哪里：文件迁往 postgres://…，PostgreSQL 数据库迁往一个新文件。",
            "Where it moves: postgres://… for a file, a new file for a PostgreSQL database.")) var to: String

    func run() async throws {
        try await guarded(lang: nil) {
            var logger = Logger(label: "center.postgres")
            logger.logLevel = .error
            let summary: CenterMigration.Summary
            switch (CenterLocation.isPostgres(from), CenterLocation.isPostgres(to)) {
            case (false, true):
                let source = try ReplicaStore.open(database: URL(fileURLWithPath: from), durability: .power)
                let target = try PostgresCenter(url: to, logger: logger)
                summary = try await Self.running(target) { try await CenterMigration.copy(from: source, to: target) }
            case (true, false):
                let source = try PostgresCenter(url: from, logger: logger)
                summary = try await Self.running(source) {
                    try await CenterMigration.copy(from: source, to: URL(fileURLWithPath: to))
                }
            default:
                throw UsageError(
                    "one of --from and --to must be a postgres:// URL and the other an SQLite file",
                    chinese: "--from 和 --to 要一个是 postgres:// 地址，另一个是 SQLite 文件")
            }
            let language = try Language.resolve(
                option: nil, configured: nil, environment: ProcessInfo.processInfo.environment)
            let (source, target) = (CenterLocation.shown(from), CenterLocation.shown(to))
            say(
                language.pick(
                    (summary.resumed ? "接着上次停下的地方，" : "") + "已把 \(summary.areas) 个区划、\(summary.devices) 台设备、"
                        + "\(summary.changes) 条变更和 \(summary.pairs) 对疑似重复从 \(source) 迁到 \(target)",
                    "moved \(summary.areas) areas, \(summary.devices) devices, \(summary.changes) changes and "
                        + "\(summary.pairs) duplicate pairs from \(source) to \(target)"
                        + (summary.resumed ? ", taking up where the last run stopped" : "")))
        }
    }

    /// Runs `body` while the database's connection pool runs.
    static func running<T: Sendable>(_ database: PostgresCenter, _ body: () async throws -> T) async throws -> T {
        let pool = Task { await database.run() }
        defer { pool.cancel() }
        return try await body()
    }
}
