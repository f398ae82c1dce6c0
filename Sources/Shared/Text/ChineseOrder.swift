import Foundation

/// The order Chinese readers expect names in: by pinyin (Unicode CLDR's collation for Chinese, which
/// Foundation applies through ICU), as a register or a table of workers is kept; 安然 before 白玉
/// before 张三. Code point order would put 张 (U+5F20) before 白 (U+767D): the order of the radicals,
/// which no reader looks for. Equal under the collation, the code points decide, so the order is total.
public enum ChineseOrder {
    private static let chinese = Locale(identifier: "zh_CN")

    /// Whether `first` comes before `second`.
    public static func precedes(_ first: String, _ second: String) -> Bool {
        switch first.compare(second, locale: chinese) {
        case .orderedAscending: true
        case .orderedDescending: false
        case .orderedSame: first < second
        }
    }

    /// `names` in pinyin order. Meant for the rows of a table (a comparison costs microseconds).
    public static func sorted(_ names: [String]) -> [String] {
        names.sorted(by: precedes)
    }
}
