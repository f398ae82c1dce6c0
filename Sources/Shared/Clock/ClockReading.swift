/// A clock's reading as a header carries it (`FieldSync-Time`, `FieldSync-Device-Time`): milliseconds
/// since 1970.
public enum ClockReading {
    /// The farthest from 1970 a reading is taken to be, either way: 10^15 ms, some 31,000 years, past any
    /// clock however wrong; no difference of two such readings overflows.
    public static let farthest: Int64 = 1_000_000_000_000_000

    /// The reading `text` gives, or nil for anything but whole milliseconds within `farthest` of 1970.
    public static func milliseconds(_ text: some StringProtocol) -> Int64? {
        guard let value = Int64(text.trimmingSpaces), (-farthest...farthest).contains(value) else { return nil }
        return value
    }
}
