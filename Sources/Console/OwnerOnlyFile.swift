import Foundation
import Storage

#if canImport(Glibc)
import Glibc
#endif

/// A file that may hold personal data (an export of a jurisdiction's cases, a report), written so that
/// only its owner can read it at any moment: a new file beside it, created with mode 0600 whatever the
/// umask, filled, flushed to disk and renamed into place. A file that was there is replaced whole, never
/// left half written.
public enum OwnerOnlyFile {
    /// - Throws: `InputError` naming the file and why it cannot be written.
    public static func write(_ bytes: some Collection<UInt8>, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString.prefix(8)).part").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure(path, errno) }
        var written = true
        var problem: Int32 = 0
        Array(bytes).withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    (written, problem) = (false, errno)
                    return
                }
                offset += count
            }
        }
        if written, fsync(descriptor) != 0 { (written, problem) = (false, errno) }
        close(descriptor)
        guard written, rename(temporary, path) == 0 else {
            let error = written ? errno : problem
            unlink(temporary)
            throw failure(path, error)
        }
    }

    private static func failure(_ path: String, _ error: Int32) -> InputError {
        let reason = String(cString: strerror(error))
        return InputError("cannot write \(path): \(reason)", chinese: "无法写入 \(path)：\(reason)")
    }
}
