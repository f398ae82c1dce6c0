import ArgumentParser
import Client
import Console
import Foundation
import Shared
import Storage

struct EnrollCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: Help.text(
            "用 `center worker add` 给的登记串，把本机副本接到区中心。无需联网。",
            "Attach this replica to a district center, with the string from `center worker add`. Works offline."))

    @OptionGroup var options: GlobalOptions
    @Argument(
        help: Help.option(
            "登记串（FS1-...）；空格和换行会被忽略。", "The enrollment string (FS1-...); spaces and line breaks are ignored."))
    var enrollment: [String]

    func run() throws {
        try Context.run(options) {
            let context = try Context(options)
            let enrollment = try Enrollment(parsing: self.enrollment.joined(separator: " "))
            try context.open().enroll(enrollment)
            say(
                context.language.pick(
                    "已登记到 \(enrollment.url)（设备 \(enrollment.credential.device)，\(enrollment.scope)）；联网后运行 field sync",
                    "Enrolled with \(enrollment.url) (device \(enrollment.credential.device), \(enrollment.scope)); run field sync when online"
                ))
        }
    }
}

struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: Help.text(
            "把区中心还没有的修改发上去，再取回本机范围内别处的修改。",
            "Send what the center does not hold yet, then bring back what changed in this replica's scope."),
        discussion: Help.text(
            """
            退出码：69 连不上区中心（稍后再运行，数据不会丢失），77 本机在区中心没有登记或已被停用，\
            65 区中心拒收这些数据，76 读不懂区中心的答复，78 本机还没有登记。
            """,
            """
            Exit codes: 69 the center could not be reached (run again later; nothing is lost), 77 this laptop \
            is not (or no longer) enrolled, 65 the center refused the data, 76 the center's answer was unreadable, \
            78 not enrolled.
            """))

    @OptionGroup var options: GlobalOptions
    @Flag(help: Help.option("以 JSON 输出同步小结。", "Print the summary as JSON.")) var json = false
    @Option(
        help: Help.option(
            "信任这个证书颁发机构文件来校验区中心（区里自己的 CA）。",
            "A certificate authority file to trust for the center (a district's own CA).")) var cacert: String?
    @Option(help: Help.option("每个请求最多尝试几次。", "Attempts per request before giving up.")) var attempts = 5
    @Option(
        name: .customLong("retry-delay"),
        help: Help.option("第一次重试前等待的毫秒数（之后每次加倍）。", "Milliseconds before the first retry (doubled each time)."))
    var retryDelay = 500
    @Option(
        name: .customLong("timeout"),
        help: Help.option("传输停滞多少秒后重试。", "Seconds a stalled transfer may wait before it is retried."))
    var timeout = 30
    @Flag(
        name: .customLong("no-snapshot"),
        help: Help.option(
            "首次同步不取区中心的快照，逐条取回修改：字节更少（慢速网络），本机要做的更多。",
            "On a first pull, take the center's changes one by one instead of its snapshot: fewer bytes (a slow link), more work for this laptop."
        ))
    var noSnapshot = false
    @Flag(
        name: .customLong("allow-http"),
        help: Help.option(
            "允许用明文 http:// 连接别的机器上的区中心（只在区里封闭的内网中用：令牌和身份证号不加密）。",
            "Allow plain http:// to a center on another machine (only on the district's closed network: the token and ID numbers travel unencrypted)."
        ))
    var allowHTTP = false

    func run() throws {
        try Context.run(options) {
            let context = try Context(options)
            let store = try context.open()
            guard let enrollment = try store.syncState().enrollment else { throw SyncError.notEnrolled }
            var settings = Synchronizer.Options()
            settings.attempts = max(1, attempts)
            settings.baseDelay = max(0, retryDelay)
            settings.curl.caFile = cacert
            settings.curl.lowSpeedTime = max(1, timeout)
            settings.curl.connectTimeout = max(1, timeout) * 1000
            settings.takesSnapshots = !noSnapshot
            settings.allowsCleartext = allowHTTP
            let bar = ProgressBar(enabled: Prompter.isInteractive && !json, language: context.language)
            let summary = try Synchronizer(store: store, enrollment: enrollment, options: settings) { bar.show($0) }
                .run()
            bar.finish()
            if json {
                say(RecordJSON.encode(SyncJSON(summary)))
            } else {
                say(SyncText.summary(summary, language: context.language))
            }
            if summary.startedOver {
                FileHandleOutput.standardError.write(SyncText.startedOver(language: context.language) + "\n")
            }
            if summary.reachGrew {
                FileHandleOutput.standardError.write(SyncText.reachGrew(language: context.language) + "\n")
            }
            if let scope = try store.identity().scope, case let now = try store.successions().current(scope),
                now != scope
            {
                let name = try store.areas().first { $0.code == now }?.name
                FileHandleOutput.standardError.write(
                    SyncText.merged(scope, into: now, name: name, language: context.language) + "\n")
            }
            if let offset = summary.clockOffset, abs(offset) > 5 * 60_000 {
                FileHandleOutput.standardError.write(SyncText.clockWarning(offset, language: context.language) + "\n")
            }
        }
    }
}

/// `field sync --json`.
struct SyncJSON: Encodable {
    var sent: Int
    var received: Int
    var alreadyHeld: Int
    /// Records taken from the center's snapshot (a first pull) rather than change by change.
    var snapshotRecords: Int
    /// The snapshot's first page came over a slow link: the rest came change by change.
    var snapshotGivenUpOnSlowLink: Bool
    var bytesSent: Int
    var bytesReceived: Int
    var seconds: Double
    /// Of `seconds`, those spent writing pulled pages into the laptop's database.
    var storingSeconds: Double
    var clockOffsetMs: Int64?
    var startedOver: Bool
    var reachGrew: Bool

    init(_ summary: Synchronizer.Summary) {
        sent = summary.sent
        received = summary.received
        alreadyHeld = summary.alreadyHeld
        snapshotRecords = summary.snapshotRecords
        snapshotGivenUpOnSlowLink = summary.snapshotGivenUpOnSlowLink
        bytesSent = summary.bytesSent
        bytesReceived = summary.bytesReceived
        seconds = (summary.seconds * 1000).rounded() / 1000
        storingSeconds = (summary.storingSeconds * 1000).rounded() / 1000
        clockOffsetMs = summary.clockOffset
        startedOver = summary.startedOver
        reachGrew = summary.reachGrew
    }
}
