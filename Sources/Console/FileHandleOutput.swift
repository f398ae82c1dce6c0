#if canImport(Glibc)
import Glibc
#endif

/// Writes text to standard output or error without buffering surprises.
public struct FileHandleOutput: Sendable {
    let descriptor: Int32

    public static let standardOutput = FileHandleOutput(descriptor: 1)
    public static let standardError = FileHandleOutput(descriptor: 2)

    public func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written <= 0 { return }
            offset += written
        }
        bytes.removeAll()
    }
}
