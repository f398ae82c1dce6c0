import ContentCoding
import Foundation
import Hummingbird
import Shared
import Storage

/// Push and pull: the two halves of sync.
extension CenterServer {
    /// `POST /v1/changes`: a device's batch, merged atomically and durably, or refused whole.
    func push(_ request: Request, context: CenterRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        let device = try context.authenticated()
        try await checkCheckpoint(of: request, device: device)
        var request = request
        let body = try await request.collectBody(limit: configuration.maximumBodyBytes)
        let batch: ChangeBatch
        do {
            batch = try ChangeBatch(json: Data(buffer: body))
            try await check(batch, from: device)
            try await checkReplicas(of: batch, from: device, own: request.headers[.fieldSyncReplica])
        } catch let error as WireError {
            metrics.refused()
            throw APIError.wire(error)
        } catch {
            metrics.refused()
            throw error
        }
        let receipt: ReplicaStore.Receipt
        do {
            receipt = try await pushes.push(
                ReplicaStore.Push(
                    changes: batch.changes, device: device.id, clockOffset: context.clockOffset,
                    maximumDrift: configuration.maximumDrift))
        } catch let error as ClockError {
            metrics.refused()
            throw Self.clockAhead(error, change: nil)
        } catch let refusal as ChangeRefusal {
            // A record another batch written with this one made first, as another kind or scope.
            metrics.refused()
            throw APIError.refused(refusal)
        }
        metrics.batch(new: receipt.new, known: receipt.known, since: start)
        let answer: JSONValue = .object([
            "received": .number(Double(batch.changes.count)), "new": .number(Double(receipt.new)),
            "known": .number(Double(receipt.known)), "cursor": .number(Double(receipt.cursor)),
            "last": batch.changes.last.map { .string($0.timestamp.description) } ?? .null,
        ])
        var result = try response(
            Array(answer.text.utf8), contentType: "application/json", for: request, threshold: .max)
        result.headers[.deviceLog] = device.id
        // The log at `cursor` holds the whole batch at or below it.
        try await addCheckpoint(at: receipt.cursor, to: &result)
        return result
    }

    /// Refuses a batch that is too large, or any change of which the device may not make: one stamped
    /// too far ahead or before FieldSync existed; two different changes under one identity; a record
    /// named as the other kind or with another scope than it has (in the batch, or as the center holds
    /// it: its first change the center took fixed both); a record outside the device's reach (its scope
    /// and the areas merged into it), held or new; a new record in an area the district does not have.
    /// What a change claims is never trusted: a held record is judged by the scope the center holds.
    func check(_ batch: ChangeBatch, from device: ReplicaStore.Device) async throws {
        guard batch.changes.count <= configuration.maximumBatchChanges else {
            throw APIError.tooLarge(
                "the batch has \(batch.changes.count) changes", limit: configuration.maximumBatchChanges)
        }
        let now = wallClock.milliseconds()
        // The first change of each record, and each change by its identity within the batch.
        var first: [RecordID: Int] = [:]
        var identities: [BatchIdentity: Int] = [:]
        for (index, change) in batch.changes.enumerated() {
            guard change.timestamp.physical >= ChangeRefusal.earliestStamp else {
                throw APIError.refused(
                    ChangeRefusal(
                        .clockBehind, change: index,
                        "change \(index) is stamped \(change.timestamp.physical) ms after 1970, before FieldSync could "
                            + "have made it (the earliest is 2000-01-01): set the laptop's date and time; nothing of "
                            + "the batch was stored"))
            }
            let ahead = change.timestamp.physical - now
            if ahead > configuration.maximumDrift {
                throw Self.clockAhead(
                    ClockError(timestamp: change.timestamp, aheadBy: ahead, maximumDrift: configuration.maximumDrift),
                    change: index)
            }
            if let earlier = first[change.entity.id].map({ batch.changes[$0] }) {
                guard earlier.entity.kind == change.entity.kind else {
                    throw APIError.refused(.kindConflict(earlier.entity, change: index))
                }
                guard earlier.scope == change.scope else {
                    throw APIError.refused(.scopeMismatch(change, change: index))
                }
            } else {
                first[change.entity.id] = index
            }
            let identity = BatchIdentity(id: change.entity.id, timestamp: change.timestamp)
            if let other = identities[identity] {
                guard batch.changes[other] == change else {
                    throw APIError.refused(
                        ChangeRefusal(
                            .ambiguous, change: index,
                            "change \(index) of \(change.entity.kind.rawValue) \(change.entity.id) is stamped "
                                + "\(change.timestamp) as change \(other) is, but differs from it: a stamp names one "
                                + "change; nothing of the batch was stored"))
                }
            } else {
                identities[identity] = index
            }
        }
        // Each record as the center holds it, or, if new, where it claims to be.
        let held = try await store.recordsHeld(Array(first.keys))
        var reach: Reach?
        let known = try await store.knownAreas(
            among: Set(first.compactMap { id, index in held[id] == nil ? batch.changes[index].scope : nil }))
        for (id, index) in first.sorted(by: { $0.value < $1.value }) {
            let change = batch.changes[index]
            let scope = held[id]?.scope ?? change.scope
            // Areas merged into the device's scope are within its reach too; read only for a record that
            // lies outside the scope itself.
            if !device.scope.covers(scope), reach == nil {
                reach = Reach(scope: device.scope, successions: try await store.successions())
            }
            let reaches = reach?.accepts(scope) ?? true
            if let record = held[id] {
                // Where the record is (or what it is) is not told: only that it is not this device's.
                guard reaches else {
                    throw APIError.refused(
                        ChangeRefusal(
                            .outOfScope, change: index,
                            "change \(index) (\(change.entity.kind.rawValue) \(id)) is not this device's to change: "
                                + "the record lies outside its scope \(device.scope); nothing of the batch was stored"))
                }
                guard record.kind == change.entity.kind else {
                    throw APIError.refused(.kindConflict(change.entity, change: index))
                }
                guard record.scope == change.scope else {
                    throw APIError.refused(.scopeMismatch(change, change: index))
                }
                continue
            }
            guard reaches else {
                throw APIError.refused(
                    ChangeRefusal(
                        .outOfScope, change: index,
                        "change \(index) (\(change.entity.kind.rawValue) \(id)) belongs to \(scope), outside this "
                            + "device's scope \(device.scope); nothing of the batch was stored"))
            }
            // The district itself need not have been imported as an area (its towns name it as parent).
            guard known.contains(scope) || scope == device.scope.district else {
                throw APIError.refused(
                    ChangeRefusal(
                        .unknownArea, change: index,
                        "change \(index) records \(change.entity.kind.rawValue) \(id) in \(scope), which is not one of "
                            + "the district's areas; nothing of the batch was stored"))
            }
        }
    }

    /// How long after the center told a device to start over it takes changes the device pulled from
    /// others (stamped by replicas other devices send from): a restored center's devices send them back
    /// with their next sync.
    static let relayWindow: Int64 = 30 * 86_400_000

    /// Refuses changes stamped by a replica another device sends its own changes from (a forged author,
    /// or a stamp meant to collide with that device's next change), unless this device was told to start
    /// over lately and sends back what it pulled; a batch that names as its own a replica another device
    /// has (a copied laptop), unless this device reaches that one's scope (the same laptop enrolled
    /// again: it takes the replica over); and a merge or split of duplicates, which only the center decides (its own
    /// steps come back from devices only after a restore). The replica a device names its own (`FieldSync-Replica`) is bound to it by its first push.
    func checkReplicas(of batch: ChangeBatch, from device: ReplicaStore.Device, own header: String?) async throws {
        let own = header.flatMap { ReplicaID($0) }
        if let header, own == nil {
            throw APIError(
                .badRequest, code: "bad-request",
                message: "FieldSync-Replica must be a replica id of \(ReplicaID.digits) base32 digits, not '\(header)'")
        }
        let replicas = Set(batch.changes.map(\.timestamp.replica))
        guard own != nil || !replicas.isEmpty else { return }
        var owners = try await store.replicaOwners(replicas, binding: own, to: device.id)
        if let own, let owner = owners.owners[own], owner != device.id {
            // A laptop enrolled again (its village merged into another, say) keeps its replica: the new
            // enrollment takes it over if it reaches what the old one did. Another is a copied laptop.
            let reach = Reach(scope: device.scope, successions: try await store.successions())
            guard let scope = owners.scopes[owner], reach.accepts(scope) else {
                throw APIError(
                    .conflict, code: "replica-taken",
                    message: "this laptop's replica \(own) is another enrolled device's: a copy of another laptop "
                        + "cannot sync; make a new replica (field init) and enroll it; nothing of the batch was stored")
            }
            try await store.rebind(own, to: device.id)
            owners.owners[own] = device.id
        }
        let relaying = owners.restartedAt.map { wallClock.milliseconds() - $0 < Self.relayWindow } ?? false
        for (index, change) in batch.changes.enumerated() {
            let owner = owners.owners[change.timestamp.replica]
            // No device makes these: only the center's own steps, sent back after a restore, carry them.
            if change.field == .duplicate, !relaying {
                throw APIError.refused(
                    ChangeRefusal(
                        .centerOnly, change: index,
                        "change \(index) merges or splits a case: only the center decides duplicates; nothing of "
                            + "the batch was stored"))
            }
            if let owner, owner != device.id, !relaying {
                throw APIError.refused(
                    ChangeRefusal(
                        .foreignReplica, change: index,
                        "change \(index) is stamped by replica \(change.timestamp.replica), from which another enrolled "
                            + "device sends its changes; a device sends its own changes only; nothing of the batch "
                            + "was stored"))
            }
        }
    }

    /// A change's identity within a batch: its record and its stamp.
    private struct BatchIdentity: Hashable {
        var id: RecordID
        var timestamp: HybridTimestamp
    }

    static func clockAhead(_ error: ClockError, change: Int?) -> APIError {
        var details: [String: JSONValue] = [
            "aheadBy": .number(Double(error.aheadBy)), "maximumDrift": .number(Double(error.maximumDrift)),
        ]
        if let change { details["change"] = .number(Double(change)) }
        return APIError(
            .unprocessableContent, code: "clock-ahead",
            message: "this device's clock is ahead of the center's by \(ClockError.duration(error.aheadBy)) "
                + "(at most \(ClockError.duration(error.maximumDrift)) is allowed): set the laptop's date and time, then sync again",
            details: details)
    }

    /// `GET /v1/changes?after=N&limit=M`: the feed within the device's scope, a page at a time.
    func pull(_ request: Request, context: CenterRequestContext) async throws -> Response {
        let device = try context.authenticated()
        try await checkCheckpoint(of: request, device: device)
        let query = request.uri.queryParameters
        let after = try Self.integer(query["after"].map(String.init), name: "after", default: 0, range: 0...Int64.max)
        let limit = try Self.integer(
            query["limit"].map(String.init), name: "limit", default: Int64(configuration.maximumPageChanges),
            range: 1...Int64(configuration.maximumPageChanges))
        var more = false
        var result = try await answer(
            request, context: context, device: device, remainingAfter: after, contentType: "application/json"
        ) { reach in
            let page = try await store.pageJSON(after: after, within: reach, limit: Int(limit))
            more = page.more
            return (page.json, page.cursor)
        }
        // With the last page, what the device's area names should be: it asks for them only if its own
        // differ. Areas that cannot be read now leave the header out (the device asks, as before).
        if !more, let areas = try? await store.areas() {
            result.headers[.fieldSyncAreas] = Area.fingerprint(of: Area.related(areas, to: device.scope))
        }
        return result
    }

    /// `GET /v1/snapshot?after=ID&limit=N`: the records within the device's reach as the center stores
    /// them, a page of whole records at a time in the order of their ids (`SnapshotPage`), for a replica
    /// that holds nothing of the log yet. The feed continues after the first page's sequence number.
    func snapshot(_ request: Request, context: CenterRequestContext) async throws -> Response {
        let device = try context.authenticated()
        try await checkCheckpoint(of: request, device: device)
        let query = request.uri.queryParameters
        if let format = query["format"].map(String.init), format != String(SnapshotPage.format) {
            throw APIError(
                .unprocessableContent, code: "unsupported-format",
                message: "this center writes snapshot pages of format \(SnapshotPage.format), not '\(format)'; "
                    + "take the feed (GET /v1/changes) instead",
                details: ["format": .number(Double(SnapshotPage.format))])
        }
        var after: RecordID?
        if let text = query["after"].map(String.init), !text.isEmpty {
            guard let id = RecordID(text) else {
                throw APIError(
                    .badRequest, code: "bad-query",
                    message: "query parameter 'after' must be a record id of 26 base32 digits, not '\(text)'")
            }
            after = id
        }
        let limit = try Self.integer(
            query["limit"].map(String.init), name: "limit", default: Int64(configuration.maximumSnapshotRecords),
            range: 1...Int64(configuration.maximumSnapshotRecords))
        // With the first page, how many changes the snapshot holds, for the device's progress bar.
        var next: RecordID?
        var result = try await answer(
            request, context: context, device: device, remainingAfter: after == nil ? 0 : nil,
            contentType: SnapshotPage.contentType, zstdLevel: configuration.snapshotLevel
        ) { reach in
            let page = try await store.snapshotPage(after: after, within: reach, limit: Int(limit))
            next = page.more ? page.last : nil
            return (page.bytes, page.seq)
        }
        // Where the next page is, before the device reads this one: it asks for it meanwhile, so the center
        // writes a page while the device stores the one before.
        if let next {
            result.headers[.link] =
                "</v1/snapshot?format=\(SnapshotPage.format)&after=\(next)&limit=\(limit)>; rel=\"next\""
        }
        return result
    }

    /// What every answer of a pull does around its page: the device's reach (its scope, and the areas
    /// merged into it) once the merges found in what was pushed before are in, the contact noted, the
    /// page compressed, its checkpoint at `seq`, the reach named, and when asked (`remaining=1`), about
    /// how many changes lie after `remainingAfter` for the device's progress bar. Every page names the
    /// merged areas, so that a device whose reach grew pulls again from the start (without it no page
    /// is served: one served by the scope alone would move the device's cursor past changes in its
    /// reach).
    private func answer(
        _ request: Request, context: CenterRequestContext, device: ReplicaStore.Device, remainingAfter: Int64?,
        contentType: String, zstdLevel: Int32 = Zstd.defaultLevel,
        page: (Reach) async throws -> (bytes: [UInt8], seq: Int64)
    ) async throws -> Response {
        try await store.settled()
        let reach = Reach(scope: device.scope, successions: try await store.successions())
        // Counted while the page is written: the first page of a pull waits for both (the device stores
        // nothing before it), and a count within an area reads every change there, on PostgreSQL a
        // district's too (reading 144,000 changes took 3-4 ms).
        let asked = request.uri.queryParameters["remaining"].map { $0 == "1" || $0 == "true" } ?? false
        async let remaining = Self.remaining(in: store, after: asked ? remainingAfter : nil, within: reach)
        let (bytes, seq) = try await page(reach)
        try await store.noteContact(of: device.id, clockOffset: context.clockOffset)
        var result = try response(
            bytes, contentType: contentType, for: request, threshold: configuration.compressionThreshold,
            zstdLevel: zstdLevel)
        result.headers[.deviceLog] = device.id
        try await addCheckpoint(at: seq, to: &result)
        result.headers[.fieldSyncReach] = reach.fingerprint
        if let remaining = try await remaining {
            result.headers[.fieldSyncRemaining] = String(remaining)
        }
        return result
    }

    /// How many changes lie after `cursor` within `reach` (nil without a cursor: not asked).
    private static func remaining(
        in store: any CenterStore, after cursor: Int64?, within reach: Reach
    ) async throws -> Int? {
        guard let cursor else { return nil }
        return try await store.remaining(after: cursor, within: reach)
    }

    /// The names of the areas a device's records and reports mention: its scope's, those within it, and
    /// those enclosing it (a village's town and district). Not personal data; nothing else is sent.
    func areas(_ request: Request, context: CenterRequestContext) async throws -> Response {
        let device = try context.authenticated()
        let areas = Area.related(try await store.areas(), to: device.scope)
        let body: JSONValue = .object([
            "areas": .array(
                areas.map { area in
                    var entry: [String: JSONValue] = [
                        "code": .string(area.code.description), "name": .string(area.name),
                    ]
                    if let successor = area.successor { entry["successor"] = .string(successor.description) }
                    return .object(entry)
                })
        ])
        var answer = try response(
            Array(body.text.utf8), contentType: "application/json", for: request,
            threshold: configuration.compressionThreshold)
        answer.headers[.deviceLog] = device.id
        return answer
    }

    /// Refuses a device whose checkpoint this log does not hold: the center is not the one it synced
    /// with (restored from a backup, or replaced), so its cursor and acknowledgements mean nothing here.
    func checkCheckpoint(of request: Request, device: ReplicaStore.Device) async throws {
        guard let text = request.headers[.fieldSyncCheckpoint] else { return }
        guard let checkpoint = Checkpoint(header: text) else {
            throw APIError(
                .badRequest, code: "bad-checkpoint",
                message: "\(Checkpoint.headerName) must be a sequence number and a change's timestamp, not '\(text)'")
        }
        let held = try await store.stamp(at: checkpoint.seq)
        guard held == checkpoint.stamp else {
            // The device starts over and sends back what it pulled from others: taken for a while.
            try await store.noteRestart(of: device.id)
            throw APIError(
                .conflict, code: "history-changed",
                message: held == nil
                    ? "this center's log ends before change \(checkpoint.seq), which this device synced: the center "
                        + "was restored from a backup or replaced"
                    : "this center's change \(checkpoint.seq) is not the one this device synced: the center was "
                        + "restored from a backup or replaced",
                details: ["seq": .number(Double(checkpoint.seq))])
        }
    }

    /// Tells the device the change numbered `seq`, its next checkpoint.
    func addCheckpoint(at seq: Int64, to response: inout Response) async throws {
        guard seq > 0, let stamp = try await store.stamp(at: seq) else { return }
        response.headers[.fieldSyncCheckpoint] = Checkpoint(seq: seq, stamp: stamp).header
    }

    static func integer(_ text: String?, name: String, default value: Int64, range: ClosedRange<Int64>) throws -> Int64
    {
        guard let text else { return value }
        guard let number = Int64(text), range.contains(number) else {
            throw APIError(
                .badRequest, code: "bad-query",
                message:
                    "query parameter '\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'"
            )
        }
        return number
    }
}
