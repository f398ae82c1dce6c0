import CompressNIO
import ContentCoding
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Server
import Shared
import Storage
import Testing

/// The HTTP API through the router, without sockets: each refusal has its status and code and leaves
/// the store as it was.
@Suite struct SyncRouteTests {
    @Test(arguments: StoreKind.available, [TestingSetup.router, .live])
    func aPushedBatchIsPulledWithinScopeOnly(kind: StoreKind, setup: TestingSetup) async throws {
        let center = try await CenterFixture.make(kind)
        var deviceA = DeviceReplica(1, village: CenterFixture.villageA)
        var deviceB = DeviceReplica(2, village: CenterFixture.villageB)
        let changesA = try deviceA.recordCases(3)
        let changesB = try deviceB.recordCases(2)
        try await center.withClient(setup) { client in
            let receipt = try await client.push(changesA, as: center.gridA)
            #expect(receipt.status == .ok)
            #expect(receipt.json["new"] as? Int == changesA.count && receipt.json["known"] as? Int == 0)
            #expect(receipt.headers[.fieldSyncTime].flatMap { Int64($0) } != nil)
            // The receipt names the change at its cursor: the batch's last, which the center accepts back.
            let checkpoint = try #require(receipt.headers[.fieldSyncCheckpoint].flatMap { Checkpoint(header: $0) })
            #expect(checkpoint == Checkpoint(seq: Int64(changesA.count), stamp: changesA.last!.timestamp))
            #expect(receipt.json["cursor"] as? Int == changesA.count)
            let again = try await client.push(
                changesA, as: center.gridA, headers: [.fieldSyncCheckpoint: checkpoint.header])
            #expect(again.status == .ok)
            #expect(try await client.push(changesB, as: center.gridB).status == .ok)
            let (district, _) = try await client.pullAll(as: center.district, limit: 7)
            #expect(Set(district) == Set(changesA + changesB))
            let (town, _) = try await client.pullAll(as: center.town)
            #expect(Set(town) == Set(changesA))
            let (neighbour, _) = try await client.pullAll(as: center.gridA2)
            #expect(neighbour.isEmpty)
            let (own, cursor) = try await client.pullAll(as: center.gridB)
            #expect(Set(own) == Set(changesB))
            // Nothing new after the cursor.
            let (later, _) = try await client.pullAll(as: center.gridB, after: cursor)
            #expect(later.isEmpty)
            #expect(try await center.merged().digest() == digest(of: changesA + changesB))
        }
    }

    /// `GET /v1/areas`: the names a device's lists and reports show, for its scope and what encloses it.
    @Test(arguments: StoreKind.available)
    func eachDeviceGetsTheNamesOfItsOwnAreasAndThoseEnclosingThemOnly(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        try await center.withClient { client in
            func names(_ credential: DeviceCredential) async throws -> [String: String] {
                let answer = try await client.execute(
                    uri: "/v1/areas", method: .get, headers: [.authorization: "Bearer \(credential.token)"])
                #expect(answer.status == .ok)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: answer.body)) as? [String: Any]
                let areas = json?["areas"] as? [[String: String]] ?? []
                return Dictionary(uniqueKeysWithValues: areas.map { ($0["code"] ?? "", $0["name"] ?? "") })
            }
            #expect(
                try await names(center.gridA) == [
                    "620502": "秦州区", "620502101": "大城街道", "620502101201": "东关社区",
                ])
            #expect(
                try await names(center.town) == [
                    "620502": "秦州区", "620502101": "大城街道", "620502101201": "东关社区", "620502101202": "西关社区",
                ])
            #expect(try await names(center.district).count == 6)
            let anonymous = try await client.execute(uri: "/v1/areas", method: .get, headers: [:])
            #expect(anonymous.status == .unauthorized)
        }
    }

    /// The last page of a pull carries the fingerprint of the names `GET /v1/areas` gives the device, so
    /// that a device holding them asks no more; a page with more to come carries none.
    @Test(arguments: StoreKind.available)
    func theLastPageOfAPullFingerprintsTheDevicesAreaNames(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        var device = DeviceReplica(1, village: CenterFixture.villageA)
        let changes = try device.recordCases(3)
        try await center.withClient { client in
            _ = try await client.push(changes, as: center.gridA)
            func page(_ credential: DeviceCredential, limit: Int) async throws -> (more: Bool, areas: String?) {
                let answer = try await client.execute(
                    uri: "/v1/changes?after=0&limit=\(limit)", method: .get,
                    headers: [.authorization: "Bearer \(credential.token)"])
                let json = try JSONSerialization.jsonObject(with: Data(buffer: answer.body)) as? [String: Any]
                return (json?["more"] as? Bool ?? false, answer.headers[.fieldSyncAreas])
            }
            let everything = try await center.center.areas()
            let devices = [
                (center.gridA, CenterFixture.villageA), (center.town, CenterFixture.townA),
                (center.district, CenterFixture.district),
            ]
            for (credential, scope) in devices {
                let last = try await page(credential, limit: 1000)
                #expect(!last.more && last.areas == Area.fingerprint(of: Area.related(everything, to: scope)))
            }
            // A grid device's names are not the district's.
            #expect(
                try await page(center.gridA, limit: 1000).areas != (try await page(center.district, limit: 1000).areas))
            let first = try await page(center.district, limit: 1)
            #expect(first.more && first.areas == nil)
        }
    }

    @Test(arguments: StoreKind.available) func aReplayedBatchIsAcknowledgedAndChangesNothing(
        kind: StoreKind
    ) async throws {
        let center = try await CenterFixture.make(kind)
        var device = DeviceReplica(1, village: CenterFixture.villageA)
        let changes = try device.recordCases(4)
        try await center.withClient { client in
            _ = try await client.push(changes, as: center.gridA)
            let before = try await center.merged().digest()
            let cursor = try await center.center.cursor()
            let replay = try await client.push(changes, as: center.gridA)
            #expect(replay.status == .ok)
            #expect(replay.json["new"] as? Int == 0 && replay.json["known"] as? Int == changes.count)
            #expect(try await center.merged().digest() == before)
            #expect(try await center.center.cursor() == cursor)
        }
    }

    /// A refusal: what is sent, the status, the code, and words of the message.
    struct Refusal: Sendable, CustomStringConvertible {
        var name: String
        var status: HTTPResponse.Status
        var code: String
        var words: String
        var send: @Sendable (any TestClientProtocol, CenterFixture, [Change]) async throws -> TestResponse

        var description: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "straddling two scopes", status: .forbidden, code: "out-of-scope", words: "change 2") {
            client, center, changes in
            var other = DeviceReplica(9, village: CenterFixture.villageB)
            let outside = try other.recordCases(1)
            return try await client.push(
                Array(changes.prefix(2)) + outside.prefix(1) + changes.dropFirst(2), as: center.gridA)
        },
        Refusal(
            name: "clock far ahead", status: .unprocessableContent, code: "clock-ahead",
            words: "ahead of the center's by 2h"
        ) {
            client, center, _ in
            let wall = OffsetWallClock(base: SystemWallClock(), offset: 2 * 3_600_000 + 60_000)
            var replica = Replica(clock: HybridClock(replica: ReplicaID(rawValue: 77), wallClock: wall))
            let changes = try replica.perform(
                .record(
                    DisputeDraft(
                        village: CenterFixture.villageA, category: .debt, parties: [try Party(name: "孙")],
                        summary: "借款",
                        recorder: "网格员")), onDispute: RecordID.random())
            return try await client.push(changes, as: center.gridA)
        },
        Refusal(name: "malformed JSON", status: .badRequest, code: "malformed-batch", words: "not valid JSON") {
            client, center, _ in
            try await client.pushBody(ByteBuffer(string: #"{"version":1,"changes":["#), as: center.gridA)
        },
        Refusal(name: "wrong type", status: .badRequest, code: "invalid-change", words: "change 0, field 'ts'") {
            client, center, _ in
            try await client.pushBody(
                ByteBuffer(
                    string:
                        #"{"version":1,"changes":[{"ts":5,"kind":"dispute","id":"x","scope":"1","field":"summary","value":"x"}]}"#
                ),
                as: center.gridA)
        },
        Refusal(name: "invalid UTF-8", status: .badRequest, code: "malformed-batch", words: "not valid UTF-8") {
            client, center, _ in
            var buffer = ByteBuffer(string: #"{"version":1,"changes":[""#)
            buffer.writeBytes([0xFF, 0xFE])
            buffer.writeString(#""]}"#)
            return try await client.pushBody(buffer, as: center.gridA)
        },
        Refusal(name: "unknown version", status: .unprocessableContent, code: "unsupported-version", words: "version 9")
        {
            client, center, _ in
            try await client.pushBody(ByteBuffer(string: #"{"version":9,"changes":[]}"#), as: center.gridA)
        },
        Refusal(name: "oversize body", status: .contentTooLarge, code: "too-large", words: "the limit is 65536") {
            client, center, changes in
            var big = ChangeBatch(changes: changes).json()
            big.append(contentsOf: [UInt8](repeating: 0x20, count: 70_000))
            return try await client.pushBody(ByteBuffer(data: big), as: center.gridA)
        },
        Refusal(
            name: "too many changes", status: .contentTooLarge, code: "too-large", words: "the batch has 12 changes"
        ) {
            client, center, changes in
            try await client.push(changes + changes, as: center.gridA)
        },
        Refusal(name: "no token", status: .unauthorized, code: "unauthenticated", words: "Authorization: Bearer") {
            client, _, changes in
            try await client.execute(
                uri: "/v1/changes", method: .post, body: ByteBuffer(data: ChangeBatch(changes: changes).json()))
        },
        Refusal(name: "wrong secret", status: .unauthorized, code: "unknown-device", words: "is enrolled here") {
            client, center, changes in
            let forged = DeviceCredential(device: center.gridA.device, secret: String(repeating: "0", count: 26))
            return try await client.push(changes, as: forged)
        },
        Refusal(
            name: "a checkpoint past the log's end", status: .conflict, code: "history-changed",
            words: "this center's log ends before change 99, which this device synced"
        ) {
            client, center, changes in
            let checkpoint = Checkpoint(seq: 99, stamp: changes[0].timestamp)
            return try await client.push(changes, as: center.gridA, headers: [.fieldSyncCheckpoint: checkpoint.header])
        },
        Refusal(
            name: "a checkpoint naming another change", status: .conflict, code: "history-changed",
            words: "this center's change 1 is not the one this device synced"
        ) {
            client, center, changes in
            // Change 1 is the earlier batch's first; this is another.
            let checkpoint = Checkpoint(seq: 1, stamp: changes[0].timestamp)
            return try await client.push(changes, as: center.gridA, headers: [.fieldSyncCheckpoint: checkpoint.header])
        },
        Refusal(
            name: "a malformed checkpoint", status: .badRequest, code: "bad-checkpoint",
            words: "FieldSync-Checkpoint must be a sequence number and a change's timestamp, not '1 yesterday'"
        ) {
            client, center, changes in
            try await client.push(changes, as: center.gridA, headers: [.fieldSyncCheckpoint: "1 yesterday"])
        },
        Refusal(name: "bad gzip", status: .badRequest, code: "bad-encoding", words: "not valid gzip") {
            client, center, _ in
            try await client.pushBody(
                ByteBuffer(string: "plain"), as: center.gridA, headers: [.contentEncoding: "gzip"])
        },
        Refusal(
            name: "a scope of more digits than a number holds", status: .badRequest, code: "invalid-change",
            words: "it has 25 digits"
        ) {
            client, center, changes in
            var json = String(decoding: ChangeBatch(changes: changes).json(), as: UTF8.self)
            json = json.replacingOccurrences(
                of: CenterFixture.villageA.description, with: String(repeating: "7", count: 25))
            return try await client.pushBody(ByteBuffer(string: json), as: center.gridA)
        },
        Refusal(
            name: "a device time past any clock", status: .badRequest, code: "bad-device-time",
            words: "must be the device's clock in milliseconds since 1970, not '-9223372036854775808'"
        ) {
            // The lowest 64-bit number: taking the center's time from it overflowed, and stopped the center.
            client, center, changes in
            try await client.push(changes, as: center.gridA, headers: [.fieldSyncDeviceTime: "\(Int64.min)"])
        },
        Refusal(
            name: "a device time that is not a number", status: .badRequest, code: "bad-device-time",
            words: "not 'yesterday'"
        ) {
            client, center, changes in
            try await client.push(changes, as: center.gridA, headers: [.fieldSyncDeviceTime: "yesterday"])
        },
        Refusal(name: "bad zstd", status: .badRequest, code: "bad-encoding", words: "not valid zstd") {
            client, center, changes in
            let cut = Zstd.compress(ChangeBatch(changes: changes).json()).dropLast(8)
            return try await client.pushBody(
                ByteBuffer(bytes: cut), as: center.gridA, headers: [.contentEncoding: "zstd"])
        },
        Refusal(
            name: "a zstd body decoding past the limit", status: .contentTooLarge, code: "too-large",
            words: "the inflated body is too large; the limit is 65536"
        ) {
            client, center, changes in
            var big = ChangeBatch(changes: changes).json()
            big.append(contentsOf: [UInt8](repeating: 0x20, count: 70_000))
            return try await client.pushBody(
                ByteBuffer(bytes: Zstd.compress(big)), as: center.gridA, headers: [.contentEncoding: "zstd"])
        },
        Refusal(
            name: "an unknown coding", status: .unsupportedMediaType, code: "unsupported-encoding",
            words: "Content-Encoding 'br' is not supported; send zstd, gzip, no encoding"
        ) {
            client, center, changes in
            try await client.pushBody(
                ByteBuffer(data: ChangeBatch(changes: changes).json()), as: center.gridA,
                headers: [.contentEncoding: "br"])
        },
    ]

    /// Each store, through the router and over a socket.
    struct Variant: Sendable, CustomStringConvertible {
        var kind: StoreKind
        var setup: TestingSetup
        var description: String { "\(kind) \(setup)" }

        static let all = StoreKind.available.flatMap { kind in
            [Variant(kind: kind, setup: .router), Variant(kind: kind, setup: .live)]
        }
    }

    @Test(arguments: refusals, Variant.all)
    func aRefusedPushNamesTheProblemAndStoresNothing(refusal: Refusal, variant: Variant) async throws {
        var configuration = CenterConfiguration()
        configuration.maximumBodyBytes = 65_536
        configuration.maximumBatchChanges = 11
        let setup = variant.setup
        let center = try await CenterFixture.make(variant.kind, configuration: configuration)
        var device = DeviceReplica(1, village: CenterFixture.villageA)
        let earlier = try device.recordCases(1)
        let changes = try device.recordCases(1)
        try await center.withClient(setup) { client in
            #expect(try await client.push(earlier, as: center.gridA).status == .ok)
            let before = try await center.merged().digest()
            let response = try await refusal.send(client, center, changes)
            #expect(response.status == refusal.status)
            let body = response.json
            #expect(body["code"] as? String == refusal.code, "\(body)")
            #expect(Self.documentedErrorCodes.contains(refusal.code), "\(refusal.code) is not in openapi.yaml")
            #expect((body["message"] as? String)?.contains(refusal.words) == true, "\(body)")
            #expect(response.headers[.fieldSyncTime] != nil)
            #expect(try await center.merged().digest() == before)
        }
    }

    @Test(arguments: StoreKind.available, [TestingSetup.router, .live])
    func aRevokedDeviceIsRefusedAndWhatItDeliveredStays(kind: StoreKind, setup: TestingSetup) async throws {
        let center = try await CenterFixture.make(kind)
        var device = DeviceReplica(1, village: CenterFixture.villageA)
        let delivered = try device.recordCases(2)
        let more = try device.recordCases(1)
        try await center.withClient(setup) { client in
            #expect(try await client.push(delivered, as: center.gridA).status == .ok)
            _ = try await center.center.revoke(device: center.gridA.device)
            let refused = try await client.push(more, as: center.gridA)
            #expect(refused.status == .unauthorized && refused.json["code"] as? String == "revoked")
            let pulled = try await client.execute(
                uri: "/v1/changes", method: .get, headers: [.authorization: "Bearer \(center.gridA.token)"])
            #expect(pulled.status == .unauthorized)
            let (district, _) = try await client.pullAll(as: center.district)
            #expect(Set(district) == Set(delivered))
        }
    }

    @Test(arguments: StoreKind.available) func gzipBodiesAreTakenAndGiven(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        var device = DeviceReplica(1, village: CenterFixture.villageA)
        let changes = try device.recordCases(20)
        try await center.withClient { client in
            var plain = ByteBuffer(data: ChangeBatch(changes: changes).json())
            let compressed = try plain.compress(with: .gzip())
            let pushed = try await client.pushBody(compressed, as: center.gridA, headers: [.contentEncoding: "gzip"])
            #expect(pushed.status == .ok && pushed.json["new"] as? Int == changes.count)
            let pulled = try await client.execute(
                uri: "/v1/changes", method: .get,
                headers: [.authorization: "Bearer \(center.district.token)", .acceptEncoding: "gzip"])
            #expect(pulled.headers[.contentEncoding] == "gzip")
            var body = pulled.body
            let page = try ChangePage(json: Data(buffer: try body.decompress(with: .gzip())))
            #expect(Set(page.changes) == Set(changes))
        }
    }

    /// A device sends zstd and is answered in zstd when it asks for it, in gzip when it weighs zstd out,
    /// and plainly when it asks for neither; every answer reads back to the same page.
    @Test(arguments: StoreKind.available) func zstdBodiesAreTakenAndGiven(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        var device = DeviceReplica(1, village: CenterFixture.villageA)
        let changes = try device.recordCases(20)
        try await center.withClient { client in
            let compressed = Zstd.compress(ChangeBatch(changes: changes).json())
            let pushed = try await client.pushBody(
                ByteBuffer(bytes: compressed), as: center.gridA, headers: [.contentEncoding: "zstd"])
            #expect(pushed.status == .ok && pushed.json["new"] as? Int == changes.count)
            for (accepted, coding) in [
                ("deflate, gzip, br, zstd", "zstd"), ("zstd;q=0, gzip", "gzip"), ("gzip;q=0.5, zstd", "zstd"),
                ("br", nil),
            ] {
                let pulled = try await client.execute(
                    uri: "/v1/changes", method: .get,
                    headers: [.authorization: "Bearer \(center.district.token)", .acceptEncoding: accepted])
                #expect(pulled.headers[.contentEncoding] == coding, "\(accepted)")
                #expect(pulled.headers[.vary] == "Accept-Encoding")
                var body = pulled.body
                let bytes: [UInt8] =
                    switch coding {
                    case "zstd": try Zstd.decompress(Array(buffer: body), limit: 1 << 24)
                    case "gzip": Array(buffer: try body.decompress(with: .gzip()))
                    default: Array(buffer: body)
                    }
                let page = try ChangePage(json: Data(bytes))
                #expect(Set(page.changes) == Set(changes), "\(accepted)")
            }
        }
    }

    /// A center that takes gzip alone (as one of an earlier release) refuses a zstd body, changing
    /// nothing, and says in `Accept-Encoding` what it takes (RFC 7694); gzip then goes through.
    @Test func aCenterTakingGzipAloneSaysSoWhenSentZstd() async throws {
        var configuration = CenterConfiguration()
        configuration.requestCodings = [.gzip]
        let center = try await CenterFixture.make(configuration: configuration)
        var device = DeviceReplica(1, village: CenterFixture.villageA)
        let changes = try device.recordCases(3)
        try await center.withClient { client in
            let before = try await center.merged().digest()
            let json = ChangeBatch(changes: changes).json()
            let refused = try await client.pushBody(
                ByteBuffer(bytes: Zstd.compress(json)), as: center.gridA, headers: [.contentEncoding: "zstd"])
            #expect(refused.status == .unsupportedMediaType)
            #expect(refused.json["code"] as? String == "unsupported-encoding")
            #expect(refused.headers[.acceptEncoding] == "gzip")
            #expect(try await center.merged().digest() == before)
            var plain = ByteBuffer(data: json)
            let taken = try await client.pushBody(
                try plain.compress(with: .gzip()), as: center.gridA, headers: [.contentEncoding: "gzip"])
            #expect(taken.status == .ok && taken.json["new"] as? Int == changes.count)
        }
    }

    /// A path the center does not serve, and a method a path does not take, are answered like every other
    /// refusal: JSON with a documented code, the center's time, and for the method what it takes.
    @Test(arguments: [TestingSetup.router, .live]) func aRequestNoRouteTakesIsAnsweredWithACode(
        setup: TestingSetup
    ) async throws {
        let center = try await CenterFixture.make()
        try await center.withClient(setup) { client in
            for (method, uri, status, code, allow) in [
                (HTTPRequest.Method.get, "/v2/changes", HTTPResponse.Status.notFound, "not-found", nil),
                (.delete, "/v1/changes", .methodNotAllowed, "method-not-allowed", "GET, POST"),
                (.post, "/health", .methodNotAllowed, "method-not-allowed", "GET"),
            ] {
                let response = try await client.execute(
                    uri: uri, method: method, headers: [.authorization: "Bearer \(center.district.token)"])
                #expect(response.status == status, "\(method) \(uri)")
                #expect(response.json["code"] as? String == code, "\(method) \(uri)")
                #expect(Self.documentedErrorCodes.contains(code))
                #expect((response.json["message"] as? String)?.contains(uri) == true, "\(response.json)")
                #expect(response.headers[.allow] == allow, "\(method) \(uri)")
                #expect(response.headers[.fieldSyncTime] != nil)
            }
        }
    }

    @Test(arguments: StoreKind.available) func badQueryParametersAreRefused(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        try await center.withClient { client in
            for query in ["after=-1", "after=x", "limit=0", "limit=999999"] {
                let response = try await client.execute(
                    uri: "/v1/changes?\(query)", method: .get,
                    headers: [.authorization: "Bearer \(center.district.token)"])
                #expect(response.status == .badRequest, "\(query)")
                #expect(response.json["code"] as? String == "bad-query", "\(query)")
            }
        }
    }

    @Test(arguments: StoreKind.available) func theDeviceClockIsRemembered(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        try await center.withClient { client in
            let sent = Int64(Date().timeIntervalSince1970 * 1000)
            let deviceTime = sent + 90_000
            _ = try await client.execute(
                uri: "/v1/changes", method: .get,
                headers: [.authorization: "Bearer \(center.gridA.token)", .fieldSyncDeviceTime: String(deviceTime)])
            let answered = Int64(Date().timeIntervalSince1970 * 1000)
            let device = try #require(try await center.center.devices().first { $0.id == center.gridA.device })
            // The center read its clock between sending and answering.
            #expect((deviceTime - answered...deviceTime - sent).contains(device.clockOffset ?? 0))
            #expect(device.lastSeenAt != nil)
        }
    }

    @Test(arguments: StoreKind.available) func healthMetricsAndTheOpenAPIDocumentAreServed(kind: StoreKind) async throws
    {
        let center = try await CenterFixture.make(kind)
        var device = DeviceReplica(1, village: CenterFixture.villageA)
        let changes = try device.recordCases(2)
        try await center.withClient { client in
            _ = try await client.push(changes, as: center.gridA)
            _ = try await client.push(changes, as: center.gridA)
            _ = try await client.pushBody(ByteBuffer(string: "{"), as: center.gridA)
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(
                health.status == .ok && health.json["status"] as? String == "ok" && health.json["cursor"] as? Int == 12)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("fieldsync_changes_accepted_total 12"))
            #expect(metrics.contains("fieldsync_changes_known_total 12"))
            #expect(metrics.contains("fieldsync_batches_refused_total 1"))
            #expect(metrics.contains("fieldsync_batch_duration_seconds_count 2"))
            #expect(metrics.contains("fieldsync_push_transactions_total 2"))
            #expect(metrics.contains("fieldsync_push_transaction_duration_seconds_count 2"))
            #expect(metrics.contains(#"fieldsync_http_requests_total{route="/v1/changes",status="200"} 2"#))
            let document = String(buffer: try await client.execute(uri: "/openapi.yaml", method: .get).body)
            #expect(document.hasPrefix("openapi: 3"))
        }
    }

    /// The error codes the OpenAPI document lists (the `code` of its `Error` schema).
    static let documentedErrorCodes: Set<String> = {
        let document = String(decoding: CenterServer.openAPIDocument, as: UTF8.self)
        guard let code = document.range(of: "        code:\n"),
            let start = document.range(of: "enum: [", range: code.upperBound..<document.endIndex),
            let end = document.range(of: "]", range: start.upperBound..<document.endIndex)
        else { return [] }
        return Set(
            document[start.upperBound..<end.lowerBound].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            })
    }()

    /// The OpenAPI document in the repository lists exactly the routes the server has.
    @Test func theOpenAPIDocumentMatchesTheRoutes() async throws {
        let document = String(decoding: CenterServer.openAPIDocument, as: UTF8.self)
        var documented: Set<String> = []
        var path: String?
        var inPaths = false
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                documented.insert("\(line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()) \(path)")
            }
        }
        let center = try await CenterFixture.make()
        let routes = Set(center.server.router().routes.map { "\($0.method) \($0.path)" })
        await center.remove()
        #expect(documented == routes)
        #expect(documented.count >= 6)
    }
}

/// A store whose work fails, to see how the API reports its own failures.
struct FailingStore: CenterStore {
    let failure: StoreError
    let device = ReplicaStore.Device(id: "failing1", name: "测试", scope: CenterFixture.villageA, role: .grid)

    func authenticate(_ credential: DeviceCredential) async throws -> ReplicaStore.Device? { device }

    func push(together pushes: [ReplicaStore.Push]) async -> [Result<ReplicaStore.Receipt, any Error>] {
        pushes.map { _ in .failure(failure) }
    }

    func pageJSON(
        after cursor: Int64, within reach: Reach?, limit: Int
    ) async throws -> (json: [UInt8], cursor: Int64, more: Bool, count: Int) {
        throw failure
    }

    func cursor() async throws -> Int64 { 0 }
    func recordsHeld(_ ids: [RecordID]) async throws -> [RecordID: HeldRecord] { throw failure }

    func successions() async throws -> Successions { throw failure }
    func knownAreas(among codes: Set<AreaCode>) async throws -> Set<AreaCode> { throw failure }
    func replicaOwners(
        _ replicas: Set<ReplicaID>, binding own: ReplicaID?, to device: String
    ) async throws -> ReplicaOwners { throw failure }
    func noteRestart(of device: String) async throws { throw failure }
    func rebind(_ replica: ReplicaID, to device: String) async throws { throw failure }

    func remaining(after cursor: Int64, within reach: Reach?) async throws -> Int { throw failure }

    func snapshotPage(
        after: RecordID?, within reach: Reach?, limit: Int
    ) async throws -> SnapshotPage.Written { throw failure }

    func stamp(at seq: Int64) async throws -> HybridTimestamp? { throw failure }

    func noteContact(of device: String, clockOffset: Int64?) async throws {}

    func report(_ request: ReportRequest) async throws -> Report { throw failure }
    func areas() async throws -> [Area] { throw failure }
}

@Suite struct StoreFailureTests {
    @Test func aFailingStoreIsAnInternalErrorThatSaysNothingOfItsCause() async throws {
        let failure = StoreError(code: .storage, message: "cannot use /srv/center.sqlite: disk I/O error")
        let server = CenterServer(store: FailingStore(failure: failure))
        var device = DeviceReplica(1, village: CenterFixture.villageA)
        let changes = try device.recordCases(1)
        let credential = DeviceCredential.generate()
        try await Application(router: server.router()).test(.router) { client in
            let response = try await client.push(changes, as: credential)
            #expect(response.status == .internalServerError)
            #expect(response.json["code"] as? String == "internal")
            #expect((response.json["message"] as? String)?.contains("disk") == false)
            #expect(response.headers[.fieldSyncTime] != nil)
        }
    }

    @Test func aBusyStoreAsksTheDeviceToComeBack() async throws {
        let server = CenterServer(store: FailingStore(failure: StoreError(code: .busy, message: "busy")))
        try await Application(router: server.router()).test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/changes", method: .get,
                headers: [.authorization: "Bearer \(DeviceCredential.generate().token)"])
            #expect(response.status == .serviceUnavailable)
            #expect(response.json["code"] as? String == "busy")
            #expect(response.headers[.retryAfter] == "1")
        }
    }

    /// A database that is away (a center on PostgreSQL) is the device's to retry, not an internal error:
    /// nothing was acknowledged.
    @Test func anUnreachableDatabaseAsksTheDeviceToComeBack() async throws {
        let failure = StoreError(
            code: .unavailable, message: "the PostgreSQL database at 10.0.0.5:5432 cannot be reached")
        let server = CenterServer(store: FailingStore(failure: failure))
        var device = DeviceReplica(1, village: CenterFixture.villageA)
        let changes = try device.recordCases(1)
        try await Application(router: server.router()).test(.router) { client in
            let response = try await client.push(changes, as: DeviceCredential.generate())
            #expect(response.status == .serviceUnavailable)
            #expect(response.json["code"] as? String == "unavailable")
            #expect((response.json["message"] as? String)?.contains("10.0.0.5") == false)
            #expect(response.headers[.retryAfter] == "5")
        }
    }
}

@Suite struct FeedPageTests {
    /// The center writes pages straight from stored rows; they must read back as the changes themselves.
    /// For a center on PostgreSQL, the oracle is the process's view: a faithful copy numbers every change
    /// as the shared log does.
    @Test(arguments: StoreKind.available)
    func aPageWrittenFromStoredRowsReadsBackAsTheChanges(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        var device = DeviceReplica(1, village: CenterFixture.villageA)
        let changes = try device.recordCases(7, summary: "引号\"与反斜杠\\及换行\n")
        try await center.push(changes, as: center.gridA)
        let store = try await center.merged()
        for (after, limit) in [(Int64(0), 1000), (0, 10), (10, 10), (42, 5), (1000, 10)] {
            let written = try await center.center.pageJSON(
                after: after, within: Reach(scope: CenterFixture.townA), limit: limit)
            let page = try ChangePage(json: Data(written.json))
            let expected = try store.changes(after: after, within: Reach(scope: CenterFixture.townA), limit: limit)
            #expect(page.changes == expected.changes.map(\.change), "after \(after), limit \(limit)")
            #expect(page.more == expected.more && page.cursor == (expected.changes.last?.seq ?? after))
        }
        let outside = try await center.center.pageJSON(after: 0, within: Reach(scope: CenterFixture.townB), limit: 10)
        #expect(try ChangePage(json: Data(outside.json)).changes.isEmpty)
        await center.remove()
    }
}

@Suite struct GroupCommitTests {
    /// Batches written together (as the center does under load) get the receipts they would get one after
    /// another; a batch stamped too far ahead is refused alone, and nothing of it is written.
    @Test(arguments: StoreKind.available)
    func batchesWrittenTogetherAreReceiptedEachAndRefusedAlone(kind: StoreKind) async throws {
        let center = try await CenterFixture.make(kind)
        var a = DeviceReplica(1, village: CenterFixture.villageA)
        var b = DeviceReplica(2, village: CenterFixture.villageB)
        let first = try a.recordCases(3)
        let second = try b.recordCases(2, summary: "男方拒绝退还彩礼")
        let companion = try a.recordCases(1, summary: "与未来的改动同批")
        let future = try Change(
            timestamp: HybridTimestamp(
                physical: SystemWallClock().milliseconds() + 7_200_000, counter: 0, replica: ReplicaID(rawValue: 1)),
            entity: EntityKey(kind: .dispute, id: RecordID.random()), scope: CenterFixture.villageA, field: .summary,
            value: .text("两小时后的改动"))
        func push(_ changes: [Change], _ device: DeviceCredential) -> ReplicaStore.Push {
            ReplicaStore.Push(changes: changes, device: device.device, clockOffset: nil, maximumDrift: 600_000)
        }
        let results = await center.center.push(together: [
            push(first, center.gridA), push(second, center.gridB), push(companion + [future], center.gridA),
            push(first, center.gridA),
        ])
        let cursor = try await center.center.cursor()
        #expect(try results[0].get() == ReplicaStore.Receipt(new: first.count, known: 0, cursor: cursor))
        #expect(try results[1].get() == ReplicaStore.Receipt(new: second.count, known: 0, cursor: cursor))
        #expect(throws: ClockError.self) { try results[2].get() }
        // The same batch again in the same group: held once.
        #expect(try results[3].get() == ReplicaStore.Receipt(new: 0, known: first.count, cursor: cursor))
        let held = Set(try await center.merged().allChanges())
        #expect(held.isSuperset(of: first + second))
        #expect(held.isDisjoint(with: companion + [future]))
        await center.remove()
    }
}
