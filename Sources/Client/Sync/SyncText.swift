import Console
import Foundation
import Shared

/// What `field sync` says.
public enum SyncText {
    public static func summary(_ summary: Synchronizer.Summary, language: Language) -> String {
        let seconds = String(format: "%.1f", summary.seconds)
        return language.pick(
            "已同步：发送 \(summary.sent) 项变更（\(bytes(summary.bytesSent))），收到 \(summary.received) 项（\(bytes(summary.bytesReceived))），用时 \(seconds) 秒",
            "Synced: sent \(summary.sent) changes (\(bytes(summary.bytesSent))), received \(summary.received) (\(bytes(summary.bytesReceived))) in \(seconds) s"
        )
    }

    public static func clockWarning(_ offset: Int64, language: Language) -> String {
        let amount = ClockError.duration(abs(offset), in: language)
        return offset > 0
            ? language.pick(
                "注意：本机时钟比区中心慢 \(amount)，请校正日期和时间",
                "Note: this laptop's clock is \(amount) behind the center's; set its date and time")
            : language.pick(
                "注意：本机时钟比区中心快 \(amount)，请校正日期和时间",
                "Note: this laptop's clock is \(amount) ahead of the center's; set its date and time")
    }

    /// Said when the center's log was not the one this laptop had synced with.
    public static func startedOver(language: Language) -> String {
        language.pick(
            "注意：区中心的数据与本机上次同步时不同（可能已从备份恢复），本机已重新发送全部本机记录并重新接收",
            "Note: the center's log is not the one this laptop last synced with (restored from a backup?): "
                + "this laptop sent all its own changes again and pulled everything again")
    }

    /// Said when areas were merged into this laptop's scope since its last sync.
    public static func reachGrew(language: Language) -> String {
        language.pick(
            "注意：区中心把别的村（社区）并入了本机的范围，本机已从头重新接收，取得了它们记录的全部历史",
            "Note: the center merged other villages into this laptop's scope; it pulled again from the start, "
                + "for the whole history of their records")
    }

    /// Said when this laptop's own village (or town) was merged into `successor`.
    public static func merged(
        _ scope: AreaCode, into successor: AreaCode, name: String?, language: Language
    )
        -> String
    {
        let named = name.map { "\(successor) \($0)" } ?? successor.description
        return language.pick(
            "注意：\(scope) 已并入 \(named)。本机仍可同步原有的记录；请向区中心要一个 \(successor) 的登记串，"
                + "然后 field enroll 新登记串，本机记录会留着，新记录算在 \(successor)",
            "Note: \(scope) was merged into \(named). This laptop still syncs its records; ask the center for an "
                + "enrollment of \(successor), then field enroll it: the records stay, and new ones are made in "
                + "\(successor)")
    }

    static func bytes(_ count: Int) -> String {
        count < 1024
            ? "\(count) B"
            : count < 1024 * 1024
                ? String(format: "%.1f KB", Double(count) / 1024)
                : String(format: "%.1f MB", Double(count) / 1024 / 1024)
    }
}

/// A progress line on the terminal, redrawn in place: changes and bytes, the rate, what remains.
public final class ProgressBar: @unchecked Sendable {
    // Only the thread running the sync touches it.
    let enabled: Bool
    let language: Language
    var drawn = false

    public init(enabled: Bool, language: Language) {
        self.enabled = enabled
        self.language = language
    }

    public func show(_ progress: Synchronizer.Progress) {
        guard enabled else { return }
        FileHandleOutput.standardError.write("\r\u{1B}[K" + Self.line(progress, language: language))
        drawn = true
    }

    /// The line drawn for `progress`: ↑ sending, ↓ receiving; a bar, what is done of how many and about how
    /// long the rest takes when the total is known (a pull from a center that does not say has a count).
    public static func line(_ progress: Synchronizer.Progress, language: Language) -> String {
        let rate = progress.elapsed > 0 ? Double(progress.changes) / progress.elapsed : 0
        var line = progress.phase == .pushing ? "↑ " : "↓ "
        if let total = progress.total {
            let width = 24
            let filled = total > 0 ? min(width, width * progress.changes / total) : width
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            line += "\(progress.changes)/\(total) " + language.pick("项", "changes")
            if rate > 0, total > progress.changes {
                line +=
                    language.pick("，约剩 ", ", about ") + String(format: "%.0f", Double(total - progress.changes) / rate)
                    + language.pick(" 秒", " s left")
            }
        } else {
            line += "\(progress.changes) " + language.pick("项", "changes")
        }
        return line + "  " + SyncText.bytes(progress.bytes) + String(format: "  %.0f/s", rate)
    }

    public func finish() {
        if drawn { FileHandleOutput.standardError.write("\n") }
    }
}
