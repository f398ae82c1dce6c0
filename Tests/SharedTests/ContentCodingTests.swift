import ContentCoding
import Foundation
import Samples
import Shared
import Testing

/// zstd bodies as the center and the devices write and read them, and the choice of a coding from
/// `Accept-Encoding`.
@Suite struct ContentCodingTests {
    /// A batch of cases as a device pushes it: Chinese text, ids, timestamps.
    static func batch(cases: Int) throws -> [UInt8] {
        var replica = Replica(clock: HybridClock(replica: ReplicaID(rawValue: 7)))
        var changes: [Change] = []
        for index in 0..<cases {
            changes += try replica.perform(
                .record(
                    DisputeDraft(
                        village: try AreaCode(parsing: "620502101201"), category: .neighbor,
                        parties: [try Party(name: "王建国"), try Party(name: "李秀英")],
                        summary: "第\(index)件：两家因排水沟堵塞致院落积水发生争执，村调委会上门调解", recorder: "网格员")),
                onDispute: RecordID.random())
        }
        return Array(ChangeBatch(changes: changes).json())
    }

    @Test func aBodyComesBackAsItWasAndSmaller() throws {
        for body in [try Self.batch(cases: 1), try Self.batch(cases: 500), Array("{}".utf8)] {
            let compressed = Zstd.compress(body)
            #expect(try Zstd.decompress(compressed, limit: body.count) == body)
            if body.count > 10_000 {
                #expect(compressed.count * 5 < body.count, "\(compressed.count) of \(body.count)")
            }
        }
        // Frames one after another are one body.
        let (first, second) = (try Self.batch(cases: 2), try Self.batch(cases: 3))
        #expect(try Zstd.decompress(Zstd.compress(first) + Zstd.compress(second), limit: 1 << 20) == first + second)
    }

    /// A small body that would decode to far more than the limit is refused as soon as it passes it, whether
    /// its frame names its size or only the output tells.
    @Test func aBodyDecodingPastTheLimitIsRefused() throws {
        let zeros = Zstd.compress([UInt8](repeating: 0, count: 8 << 20))
        #expect(zeros.count < 2_000)
        #expect(throws: Zstd.Failure.tooLarge(limit: 1 << 20)) { try Zstd.decompress(zeros, limit: 1 << 20) }
        // The first frame names a small size; the second makes the output pass the limit.
        let hidden = Zstd.compress(Array("{}".utf8)) + zeros
        #expect(throws: Zstd.Failure.tooLarge(limit: 1 << 20)) { try Zstd.decompress(hidden, limit: 1 << 20) }
        #expect(try Zstd.decompress(hidden, limit: 9 << 20).count == 2 + 8 << 20)
    }

    @Test func aDamagedOrCutBodyIsRefusedByName() throws {
        let body = Zstd.compress(try Self.batch(cases: 20))
        #expect(throws: Zstd.Failure.malformed("the body ends in the middle of a frame")) {
            try Zstd.decompress(body.dropLast(10), limit: 1 << 20)
        }
        for bad in [Array("plain text".utf8), [], Array(body.prefix(4)) + [0xFF, 0xFF, 0xFF, 0xFF]] {
            #expect {
                try Zstd.decompress(bad, limit: 1 << 20)
            } throws: { error in
                guard case .malformed(let reason) = error as? Zstd.Failure else { return false }
                return !reason.isEmpty
            }
        }
    }

    /// A frame may ask for an 8 MB window, which HTTP decoders take (RFC 9659), and no more: a body
    /// cannot make the center set aside more memory than that.
    @Test func aFrameAskingForAWindowPast8MBIsRefused() throws {
        // Magic, a descriptor with neither a size nor a single segment, the window (exponent and
        // mantissa: 2^(10 + exponent)), and one raw last block holding "x".
        func frame(windowExponent: UInt8) -> [UInt8] {
            [0x28, 0xB5, 0x2F, 0xFD, 0x00, windowExponent << 3, 0x09, 0x00, 0x00, UInt8(ascii: "x")]
        }
        #expect(try Zstd.decompress(frame(windowExponent: 13), limit: 10) == Array("x".utf8))
        #expect {
            try Zstd.decompress(frame(windowExponent: 14), limit: 10)
        } throws: { error in
            guard case .malformed(let reason) = error as? Zstd.Failure else { return false }
            return reason.contains("memory")
        }
    }

    @Test func theCodingFollowsWhatThePeerWeighs() {
        func chosen(_ headers: String...) -> ContentCoding { AcceptedCodings(headers).choose() }
        // libcurl's own list, and a client of the gzip days.
        #expect(chosen("deflate, gzip, br, zstd") == .zstd)
        #expect(chosen("gzip") == .gzip)
        #expect(chosen("GZIP;Q=0.5") == .gzip)
        // Weights decide; zstd comes first on a tie.
        #expect(chosen("gzip;q=1, zstd;q=0.5") == .gzip)
        #expect(chosen("gzip;q=0.8, zstd;q=0.8") == .zstd)
        #expect(chosen("zstd;q=0, gzip") == .gzip)
        #expect(chosen("zstd;q=0", "gzip;q=0") == .identity)
        // A list spread over several lines, and the wildcard for what is not named.
        #expect(chosen("br", "gzip") == .gzip)
        #expect(chosen("*") == .zstd)
        #expect(chosen("*;q=0.5, zstd;q=0") == .gzip)
        // Nothing asked, or an unreadable weight, is not taken as consent.
        #expect(chosen() == .identity)
        #expect(chosen("zstd;q=high, gzip;q=0.1") == .gzip)
        #expect(AcceptedCodings(["identity;q=0"]).weight(of: .identity) == 0)
        #expect(AcceptedCodings([]).weight(of: .identity) == 1)
    }

    @Test func aContentEncodingHeaderIsReadByItsToken() {
        #expect(ContentCoding(header: nil) == .identity)
        #expect(ContentCoding(header: " ZSTD ") == .zstd)
        #expect(ContentCoding(header: "gzip") == .gzip)
        #expect(ContentCoding(header: "br") == nil)
        #expect(ContentCoding.zstd.headerValue == "zstd" && ContentCoding.identity.headerValue == nil)
    }
}
