import Foundation
import Shared
import Storage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The text of a file a spreadsheet program saved. "CSV UTF-8" gives UTF-8; plain "CSV" on a Chinese
/// Windows (Excel, WPS) gives the system's code page, GBK, which GB18030 covers: both are read, so a
/// worker need not know which one they chose.
public enum SpreadsheetText {
    public enum Encoding: Sendable, Equatable {
        case utf8, gb18030

        /// What to add to a report of the import: that the file was read as GBK, so that one that only
        /// looked like it is noticed.
        public func note(in language: Language) -> String {
            self == .gb18030 ? language.pick("（按 GBK 编码读取）", " (read as GBK)") : ""
        }
    }

    /// The text of the CSV file at `path`.
    /// - Throws: `InputError` naming the file: unreadable, a workbook rather than CSV, or neither encoding.
    public static func read(_ path: String) throws -> (text: String, encoding: Encoding) {
        // A ledger is read whole (its rows are checked before any is imported): a file larger than any
        // ledger a village keeps is refused before it takes the laptop's memory.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
            size > maximumBytes
        {
            let megabytes = (size + 999_999) / 1_000_000
            throw InputError(
                "\(path) is \(megabytes) MB; a ledger of at most \(maximumBytes / 1_000_000) MB is read at once: split "
                    + "it into several files, each with the heading row",
                chinese: "\(path) 有 \(megabytes) MB；一次最多读入 \(maximumBytes / 1_000_000) MB 的台账："
                    + "请分成几个文件（每个都带标题行）分别导入")
        }
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw InputError(
                "cannot read \(path): \(error.localizedDescription)",
                chinese: "无法读取 \(path)：\(error.localizedDescription)")
        }
        // A workbook given as it is: .xlsx is a ZIP archive, .xls an OLE compound file.
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw InputError(
                "\(path) is a spreadsheet workbook, not CSV: save it from the spreadsheet as \"CSV UTF-8\"",
                chinese: "\(path) 是电子表格工作簿，不是 CSV：请在表格软件里另存为“CSV UTF-8”")
        }
        guard let decoded = decode(bytes) else {
            throw InputError(
                "\(path) is neither UTF-8 nor GBK text: save it from the spreadsheet as \"CSV UTF-8\"",
                chinese: "\(path) 既不是 UTF-8 也不是 GBK 文本：请在表格软件里另存为“CSV UTF-8”")
        }
        return decoded
    }

    /// The largest file read as a ledger: a district's whole year is a few megabytes.
    public static let maximumBytes = 64_000_000

    /// The text and the encoding it was read in; nil if the bytes are neither UTF-8 nor GB18030.
    public static func decode(_ bytes: [UInt8]) -> (text: String, encoding: Encoding)? {
        if let text = String(validating: bytes, as: UTF8.self) { return (text, .utf8) }
        return gb18030(bytes).map { ($0, .gb18030) }
    }

    /// GB18030 converted by the C library's iconv; nil if the bytes are not GB18030 throughout.
    static func gb18030(_ bytes: [UInt8]) -> String? {
        guard let converter = iconv_open("UTF-8", "GB18030"), converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var input = bytes
        // A character takes at most 4 bytes in either; a two-byte GBK character 3 in UTF-8.
        var output = [UInt8](repeating: 0, count: bytes.count * 2 + 4)
        let written: Int? = input.withUnsafeMutableBytes { source in
            output.withUnsafeMutableBytes { target in
                var from = source.baseAddress?.assumingMemoryBound(to: CChar.self)
                var to = target.baseAddress?.assumingMemoryBound(to: CChar.self)
                var (fromLeft, toLeft) = (source.count, target.count)
                // -1: a byte sequence that is not GB18030, or one cut off at the end.
                guard iconv(converter, &from, &fromLeft, &to, &toLeft) != -1, fromLeft == 0 else { return nil }
                return target.count - toLeft
            }
        }
        return written.map { String(decoding: output[..<$0], as: UTF8.self) }
    }
}
