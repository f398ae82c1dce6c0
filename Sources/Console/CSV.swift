import Shared

/// Comma-separated values as spreadsheet programs write and read them (RFC 4180): quoted fields may
/// hold commas, quotes and line breaks. Written here rather than taken from a CSV package because
/// an import must name the line each bad row starts on, which the available readers do not track.
public enum CSV {
    /// A UTF-8 byte order mark, which tells spreadsheet programs the file is UTF-8.
    public static let byteOrderMark = "\u{FEFF}"

    /// One record and the line (from 1) it starts on.
    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible, LocalizedMessage {
        public var line: Int
        public var message: String
        public var chinese: String?
        public var description: String { "line \(line): \(message)" }

        public func message(in language: Language) -> String {
            language == .zh ? "第 \(line) 行：\(chinese ?? message)" : description
        }
    }

    /// Splits text into records. A leading byte order mark is skipped; blank lines are skipped.
    public static func parse(_ text: String) throws(ParseError) -> [Record] {
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        var records: [Record] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quotedLine = 0
        var iterator = scalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let scalar = pending {
                pending = nil
                return scalar
            }
            return iterator.next()
        }
        func endRecord() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            if !(fields.count == 1 && fields[0].isEmpty) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
        }
        while let scalar = next() {
            if inQuotes {
                if scalar == "\"" {
                    if let following = next() {
                        if following == "\"" {
                            field.append("\"")
                        } else {
                            inQuotes = false
                            pending = following
                        }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty:
                inQuotes = true
                quotedLine = line
            case ",":
                fields.append(String(field))
                field = String.UnicodeScalarView()
            case "\r":
                if let following = next(), following != "\n" { pending = following }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                field.append(scalar)
            }
        }
        if inQuotes {
            throw ParseError(line: quotedLine, message: "a quoted field is never closed", chinese: "引号里的内容没有结束")
        }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }

    /// One line of CSV, fields quoted where needed, ending in CRLF as spreadsheets expect.
    public static func line(_ fields: [String]) -> String {
        fields.map(quote).joined(separator: ",") + "\r\n"
    }

    static func quote(_ field: String) -> String {
        // A leading = + - @ would make a spreadsheet run the cell as a formula, and so would one after a
        // leading tab or carriage return (which spreadsheets skip): keep it text.
        var field = field
        if let first = field.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(field) == nil {
            field = "'" + field
        }
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
