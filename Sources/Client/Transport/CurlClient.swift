import CCurl
import Foundation

/// HTTP over libcurl with one easy handle, so that consecutive requests reuse the connection.
///
/// Not for concurrent use: one sync runs its requests one after another. `@unchecked Sendable`
/// because the handle is only ever used by the thread currently running `perform`, which callers
/// guarantee by not sharing a client between concurrent tasks.
public final class CurlClient: @unchecked Sendable {
    /// Timeouts and trust.
    public struct Options: Sendable {
        /// Milliseconds to wait for a connection.
        public var connectTimeout = 10_000
        /// A transfer slower than this many bytes per second for `lowSpeedTime` seconds is abandoned.
        public var lowSpeedLimit = 64
        public var lowSpeedTime = 30
        /// Milliseconds a whole request may take (0: no limit beyond the low-speed rule).
        public var totalTimeout = 0
        /// A certificate authority bundle to trust instead of the system's (a district's own CA).
        public var caFile: String?
        /// Most bytes an answer may bring, on the wire and once inflated: the largest page a center writes
        /// is a few megabytes, and a hostile or broken one must not fill the laptop's memory.
        public var maximumResponseBytes = 64 * 1024 * 1024

        public init() {}
    }

    public struct Response: Sendable {
        public var status: Int
        /// Header names in lower case.
        public var headers: [String: String]
        /// The body, inflated if it came compressed.
        public var body: [UInt8]
        /// Body bytes as they crossed the network (compressed, if they were).
        public var wireBytes: Int
        /// Seconds from the answer's first byte to its last: how fast the link brought it, apart from the
        /// time the center took to begin answering.
        public var transferSeconds = 0.0

        public init(status: Int, headers: [String: String], body: [UInt8], wireBytes: Int) {
            (self.status, self.headers, self.body, self.wireBytes) = (status, headers, body, wireBytes)
        }

        /// Wire bytes per second while the answer arrived, if it was large enough to tell (`sample` bytes
        /// or more: a small answer arrives in a burst or two, whatever the link).
        public func rate(sample: Int) -> Double? {
            guard wireBytes >= max(1, sample) else { return nil }
            return transferSeconds > 0 ? Double(wireBytes) / transferSeconds : .infinity
        }
    }

    /// A request that did not get an HTTP response.
    public struct TransportError: Error, Sendable, CustomStringConvertible {
        /// libcurl's error code (7: connection refused, 28: timeout, 52: empty reply, 56: connection reset…).
        public var code: Int32
        public var message: String
        /// The answer was larger than `Options.maximumResponseBytes` (retrying brings the same).
        public var isTooLarge = false

        /// The server's certificate could not be verified against the trusted authorities, or the trusted
        /// authorities could not be read (60, 58, 77, 83, 90, 91): retrying brings the same.
        public var isUntrustedCertificate: Bool {
            [51, 58, 60, 77, 83, 90, 91].contains(code)
        }

        public var description: String { "\(message) (curl error \(code))" }
    }

    private let handle: UnsafeMutableRawPointer
    public let options: Options

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    public init(options: Options = Options()) throws {
        _ = Self.globalInit
        guard let handle = curl_easy_init() else {
            throw TransportError(code: -1, message: "libcurl could not create a handle")
        }
        self.handle = handle
        self.options = options
    }

    deinit {
        curl_easy_cleanup(handle)
    }

    /// Collects a response as libcurl delivers it.
    private final class Collector {
        var body: [UInt8] = []
        var headers: [String: String] = [:]
        let limit: Int
        var tooLarge = false

        init(limit: Int) {
            self.limit = limit
        }
    }

    /// Sends one request and waits for the whole response.
    /// - Throws: `TransportError` if no HTTP response arrived (refused, dropped, timed out).
    public func perform(
        method: String, url: String, headers: [String], body: [UInt8]? = nil
    ) throws(TransportError)
        -> Response
    {
        curl_easy_reset(handle)
        let collector = Collector(limit: options.maximumResponseBytes)
        let box = Unmanaged.passRetained(collector)
        defer { box.release() }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for header in headers {
            list = curl_slist_append(list, header)
        }
        defer { curl_slist_free_all(list) }
        var error = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = error.withUnsafeMutableBufferPointer { errorBuffer in
            var status = CURLE_OK
            func set(_ result: CURLcode) {
                if status == CURLE_OK { status = result }
            }
            set(fieldsync_curl_setopt_string(handle, CURLOPT_URL, url))
            set(fieldsync_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
            set(fieldsync_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeout))
            set(fieldsync_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, options.lowSpeedLimit))
            set(fieldsync_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, options.lowSpeedTime))
            set(fieldsync_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, options.totalTimeout))
            // Ask for compressed responses and let libcurl inflate them.
            set(fieldsync_curl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, ""))
            // HTTP and HTTPS only, redirects included: never file://, ftp:// or any other protocol.
            set(fieldsync_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
            set(fieldsync_curl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
            // An answer announcing more than the limit is refused before it comes.
            set(fieldsync_curl_setopt_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(options.maximumResponseBytes)))
            set(fieldsync_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer.baseAddress))
            if let caFile = options.caFile {
                set(fieldsync_curl_setopt_string(handle, CURLOPT_CAINFO, caFile))
            }
            set(fieldsync_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list))
            set(fieldsync_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, box.toOpaque()))
            set(
                fieldsync_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                    let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
                    let bytes = size * count
                    // Inflated bytes: a small compressed answer may inflate without bound. Taking fewer
                    // than given stops the transfer (CURLE_WRITE_ERROR).
                    guard collector.body.count + bytes <= collector.limit else {
                        collector.tooLarge = true
                        return 0
                    }
                    data!.withMemoryRebound(to: UInt8.self, capacity: bytes) {
                        collector.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: bytes))
                    }
                    return bytes
                })
            set(fieldsync_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, box.toOpaque()))
            set(
                fieldsync_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                    let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
                    let bytes = size * count
                    let line = data!.withMemoryRebound(to: UInt8.self, capacity: bytes) {
                        String(decoding: UnsafeBufferPointer(start: $0, count: bytes), as: UTF8.self)
                    }
                    if let colon = line.firstIndex(of: ":") {
                        let name = line[..<colon].lowercased()
                        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                        collector.headers[name] = value
                    } else if line.hasPrefix("HTTP/") {
                        // A new response (after a redirect or 100 Continue): forget the last one's headers.
                        collector.headers = [:]
                    }
                    return bytes
                })
            set(fieldsync_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method))
            guard status == CURLE_OK else { return status }
            if let body {
                return body.withUnsafeBufferPointer { buffer in
                    set(fieldsync_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(buffer.count)))
                    set(
                        fieldsync_curl_setopt_pointer(
                            handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress)))
                    return status == CURLE_OK ? curl_easy_perform(handle) : status
                }
            }
            return curl_easy_perform(handle)
        }
        if collector.tooLarge || code == CURLE_FILESIZE_EXCEEDED {
            var tooLarge = TransportError(
                code: Int32(code.rawValue),
                message: "the answer is larger than \(options.maximumResponseBytes) bytes, more than any center sends")
            tooLarge.isTooLarge = true
            throw tooLarge
        }
        guard code == CURLE_OK else {
            let detail = String(cString: error.withUnsafeBufferPointer { $0.baseAddress! })
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            throw TransportError(code: Int32(code.rawValue), message: message)
        }
        var status = 0
        _ = fieldsync_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var downloaded: curl_off_t = 0
        _ = fieldsync_curl_getinfo_off(handle, CURLINFO_SIZE_DOWNLOAD_T, &downloaded)
        var response = Response(
            status: status, headers: collector.headers, body: collector.body, wireBytes: Int(downloaded))
        var (total, firstByte): (curl_off_t, curl_off_t) = (0, 0)
        if fieldsync_curl_getinfo_off(handle, CURLINFO_TOTAL_TIME_T, &total) == CURLE_OK,
            fieldsync_curl_getinfo_off(handle, CURLINFO_STARTTRANSFER_TIME_T, &firstByte) == CURLE_OK
        {
            response.transferSeconds = Double(max(0, total - firstByte)) / 1e6
        }
        return response
    }
}
