/// Whether `text` is a number as a spreadsheet shows one it stored as a number (`1.10105E+17`,
/// `6.20502E+11`): a long ID number, phone or division code typed into a cell not formatted as text.
/// Its last digits are gone; the person must format the column as text and enter them again.
func isScientificNotation(_ text: String) -> Bool {
    guard text.utf8.contains(where: { $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "e") }) else { return false }
    let parts = text.uppercased().split(separator: "E", omittingEmptySubsequences: false)
    guard parts.count == 2 else { return false }
    let exponent = parts[1].first == "+" ? parts[1].dropFirst() : parts[1]
    let mantissa = parts[0].split(separator: ".", omittingEmptySubsequences: false)
    return !exponent.isEmpty && exponent.allSatisfy { $0.isASCII && $0.isNumber }
        && (1...2).contains(mantissa.count)
        && mantissa.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
}
