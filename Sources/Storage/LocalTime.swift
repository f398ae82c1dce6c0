import Foundation
import Shared

/// Days and times in the laptop's time zone.
public enum LocalTime {
    /// The calendar day at `milliseconds` since 1970.
    public static func date(at milliseconds: Int64, in zone: TimeZone = .current) -> CalendarDate {
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(milliseconds) / 1000))) * 1000
        let local = milliseconds + offset
        return CalendarDate(daysSinceEpoch: Int((local - (local < 0 ? 86_399_999 : 0)) / 86_400_000))
    }

    /// Today, by `clock`.
    public static func today(_ clock: any WallClock = SystemWallClock(), in zone: TimeZone = .current) -> CalendarDate {
        date(at: clock.milliseconds(), in: zone)
    }

    /// Milliseconds since 1970 at the start of `date`.
    public static func startOfDay(_ date: CalendarDate, in zone: TimeZone = .current) -> Int64 {
        let utc = Int64(date.daysSinceEpoch) * 86_400_000
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(utc) / 1000))) * 1000
        return utc - offset
    }

    /// `YYYY-MM-DD HH:MM` at `milliseconds`.
    public static func minute(at milliseconds: Int64, in zone: TimeZone = .current) -> String {
        let day = date(at: milliseconds, in: zone)
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(milliseconds) / 1000))) * 1000
        let minutes = ((milliseconds + offset) % 86_400_000 + 86_400_000) % 86_400_000 / 60_000
        let pad = { (value: Int64) in value < 10 ? "0\(value)" : "\(value)" }
        return "\(day) \(pad(minutes / 60)):\(pad(minutes % 60))"
    }
}
