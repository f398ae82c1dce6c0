/// What an enrolled device may see and change: its scope's level.
public enum DeviceRole: String, CodedValue {
    /// A grid worker's laptop: one village.
    case grid
    /// A town or subdistrict office: its villages.
    case town
    /// The district: everything.
    case district

    public static let noun = "role"
    public static let chineseNoun = "角色"

    public var label: String {
        switch self {
        case .grid: "网格员"
        case .town: "镇/街道"
        case .district: "区"
        }
    }

    /// The level of division code a device of this role is scoped to.
    public var scopeLevel: AreaCode.Level {
        switch self {
        case .grid: .village
        case .town: .town
        case .district: .district
        }
    }
}
