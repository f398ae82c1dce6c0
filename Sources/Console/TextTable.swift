/// A table for the terminal whose columns line up with Chinese text.
public struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]] = []
    /// The widest a column may grow, per column; longer cells are cut with `…`.
    public var maximumWidths: [Int?]

    public init(headers: [String], maximumWidths: [Int?]? = nil) {
        self.headers = headers
        self.maximumWidths = maximumWidths ?? Array(repeating: nil, count: headers.count)
    }

    public mutating func append(_ row: [String]) {
        rows.append(row)
    }

    public func render() -> String {
        let cells = ([headers] + rows).map { row in
            row.enumerated().map { index, cell in
                let flat = cell.replacingOccurrences(of: "\n", with: " ")
                return maximumWidths[index].map { DisplayWidth.truncate(flat, to: $0) } ?? flat
            }
        }
        var widths = Array(repeating: 0, count: headers.count)
        for row in cells {
            for (index, cell) in row.enumerated() {
                widths[index] = max(widths[index], DisplayWidth.of(cell))
            }
        }
        return cells.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : DisplayWidth.pad(cell, to: widths[index])
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
