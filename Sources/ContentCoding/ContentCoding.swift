import Shared

/// A content coding of an HTTP body (RFC 9110 §8.4.1): how the center and the devices compress what
/// they send each other.
public enum ContentCoding: String, Sendable, CaseIterable {
    /// Zstandard (RFC 8878): fewer bytes than gzip for the same work.
    case zstd
    /// gzip: what every FieldSync center and device takes.
    case gzip
    case identity

    /// The token in `Content-Encoding` (nil for identity, which is sent without one).
    public var headerValue: String? { self == .identity ? nil : rawValue }

    /// The codings a sender of this build prefers, best first.
    public static let preferred: [ContentCoding] = [.zstd, .gzip]

    /// Reads a `Content-Encoding` value: nil for a coding this build does not know.
    public init?(header: String?) {
        guard let header else {
            self = .identity
            return
        }
        let token = header.trimmingSpaces.lowercased()
        if token.isEmpty {
            self = .identity
            return
        }
        self.init(rawValue: token)
    }
}

/// What `Accept-Encoding` (RFC 9110 §12.5.3) says a peer takes: each coding's weight, `*` for the
/// rest; a coding it does not name is not taken, unless `*` is, and identity is taken unless refused.
public struct AcceptedCodings: Sendable, Equatable {
    /// Weights by lower-case coding name, `*` included; 0 refuses.
    public private(set) var weights: [String: Double] = [:]

    /// Reads every `Accept-Encoding` field line of a request (none: nothing but identity is asked for).
    public init(_ headers: [String]) {
        for line in headers {
            for element in line.split(separator: ",") {
                var parameters = element.split(separator: ";").map { String($0).trimmingSpaces.lowercased() }
                guard !parameters.isEmpty, !parameters[0].isEmpty else { continue }
                let coding = parameters.removeFirst()
                var weight = 1.0
                for parameter in parameters where parameter.hasPrefix("q=") {
                    // A weight that does not read is taken as refusal rather than a guess.
                    weight = Double(parameter.dropFirst(2)).map { min(max($0, 0), 1) } ?? 0
                }
                // Of a coding named twice, the higher weight holds.
                weights[coding] = max(weights[coding] ?? 0, weight)
            }
        }
    }

    /// The weight the peer gives `coding`.
    public func weight(of coding: ContentCoding) -> Double {
        if let weight = weights[coding.rawValue] { return weight }
        if let any = weights["*"] { return any }
        return coding == .identity ? 1 : 0
    }

    /// The coding to send with, among `available` (best first): the one the peer weighs highest, the
    /// earlier on a tie; identity when it refuses them all.
    public func choose(from available: [ContentCoding] = ContentCoding.preferred) -> ContentCoding {
        var best = ContentCoding.identity
        var bestWeight = 0.0
        for coding in available where weight(of: coding) > bestWeight {
            (best, bestWeight) = (coding, weight(of: coding))
        }
        return best
    }
}
