import Foundation
import Shared
import Storage

/// The JSON that `--json` prints: stable keys, codes rather than labels, times in UTC (ISO 8601).
/// docs/FIELD.md documents every key; scripts may rely on them.
public enum RecordJSON {
    public static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Output types hold only strings, numbers and booleans: encoding cannot fail.
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }

    /// `2022-03-15T08:30:00.000Z`.
    public static func time(_ milliseconds: Int64) -> String {
        let day = CalendarDate(daysSinceEpoch: Int(floorDivide(milliseconds, 86_400_000)))
        let rest = milliseconds - Int64(day.daysSinceEpoch) * 86_400_000
        let pad = { (value: Int64, width: Int) in
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(day)T\(pad(rest / 3_600_000, 2)):\(pad(rest / 60_000 % 60, 2)):\(pad(rest / 1000 % 60, 2))."
            + "\(pad(rest % 1000, 3))Z"
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : (value - divisor + 1) / divisor
    }

    public struct Party: Encodable, Sendable {
        var name: String
        var idNumber: String?
        var phone: String?
    }

    public struct Visit: Encodable, Sendable {
        var date: String
        var note: String
        var kept: Bool
        var recordedAt: String
    }

    public struct Note: Encodable, Sendable {
        var text: String
        var recordedAt: String
    }

    public struct HistoryEntry: Encodable, Sendable {
        /// The record the change is of (a case's history holds the changes of its duplicates too).
        var record: String
        var at: String
        var replica: String
        var field: String
        var value: JSONValue
    }

    /// A case with everything `field dispute show` shows.
    public struct DisputeDetail: Encodable, Sendable {
        var id: String
        var shortId: String
        var village: String
        var category: String?
        var status: String
        var level: String?
        var foundBy: String?
        var incidentDate: String?
        var summary: String
        var parties: [Party]
        var method: String?
        var mediator: String?
        var agreement: [String: String]?
        var escalation: [String: String]?
        var failureReason: String?
        var visits: [Visit]
        var notes: [Note]
        var recorder: String?
        var recordedAt: String
        var modifiedAt: String
        var voided: Bool
        var voidReason: String?
        var heldByCenter: Bool?
        /// The case this one was merged into, when the replica does not hold that case.
        var duplicateOf: String?
        /// The cases merged into this one.
        var mergedFrom: [String]
        /// The id asked for, when it was a case merged into this one.
        var requested: String?
        var history: [HistoryEntry]?

        public init(
            _ dispute: Dispute, shortId: String, history: [Change]?, heldByCenter: Bool? = nil,
            requested: RecordID? = nil
        ) {
            self.heldByCenter = heldByCenter
            duplicateOf = dispute.duplicateOf?.description
            mergedFrom = dispute.mergedFrom.map(\.description)
            self.requested = requested.flatMap { $0 == dispute.id ? nil : $0.description }
            id = dispute.id.description
            self.shortId = shortId
            village = dispute.village.description
            category = dispute.category?.code
            status = dispute.status.code
            level = dispute.level?.code
            foundBy = dispute.foundBy?.code
            incidentDate = dispute.incidentDate?.description
            summary = dispute.summary
            parties = dispute.parties.map { Party(name: $0.name, idNumber: $0.idNumber, phone: $0.phone) }
            method = dispute.method?.code
            mediator = dispute.mediator
            agreement = dispute.agreement.map { ["text": $0.text, "date": $0.date.description] }
            escalation = dispute.escalation.map { ["target": $0.target.code, "note": $0.note ?? ""] }
            failureReason = dispute.failureReason
            visits = dispute.visits.map {
                Visit(
                    date: $0.element.date.description, note: $0.element.note, kept: $0.element.isAgreementKept,
                    recordedAt: time($0.timestamp.physical))
            }
            notes = dispute.notes.map { Note(text: $0.element, recordedAt: time($0.timestamp.physical)) }
            recorder = dispute.recorder
            recordedAt = time(dispute.recorded.physical)
            modifiedAt = time(dispute.modified.physical)
            voided = dispute.isVoided
            voidReason = dispute.voidReason
            self.history = history.map(RecordJSON.history)
        }
    }

    /// A risk item with everything `field risk show` shows.
    public struct RiskDetail: Encodable, Sendable {
        var id: String
        var shortId: String
        var scope: String
        var area: String
        var title: String
        var level: String?
        var plan: String
        var owner: [String: String]?
        var deadline: String?
        var status: String
        var strike: [String: String]?
        var notes: [Note]
        var recorder: String?
        var recordedAt: String
        var modifiedAt: String
        var voided: Bool
        var voidReason: String?
        var heldByCenter: Bool?
        var history: [HistoryEntry]?

        public init(_ item: RiskItem, shortId: String, history: [Change]?, heldByCenter: Bool? = nil) {
            self.heldByCenter = heldByCenter
            id = item.id.description
            self.shortId = shortId
            scope = item.scope.description
            area = item.area
            title = item.title
            level = item.level?.code
            plan = item.plan
            owner = item.owner.map { owner in
                ["person": owner.person].merging(owner.unit.map { ["unit": $0] } ?? [:]) { $1 }
            }
            deadline = item.deadline?.description
            status = item.status.code
            strike = item.strike.map { ["evidence": $0.evidence, "date": $0.date.description] }
            notes = item.notes.map { Note(text: $0.element, recordedAt: time($0.timestamp.physical)) }
            recorder = item.recorder
            recordedAt = time(item.recorded.physical)
            modifiedAt = time(item.modified.physical)
            voided = item.isVoided
            voidReason = item.voidReason
            self.history = history.map(RecordJSON.history)
        }
    }

    /// A case as `field dispute list --json` prints it.
    public struct DisputeRow: Encodable, Sendable {
        var id: String
        var shortId: String
        var village: String
        var category: String?
        var status: String
        var level: String?
        var foundBy: String?
        var incidentDate: String?
        var summary: String
        var parties: [String]
        var method: String?
        var mediator: String?
        var agreement: String?
        var recorder: String?
        var recordedAt: String
        var modifiedAt: String
        var visits: Int
        var voided: Bool
        var duplicateOf: String?
        var counted: Bool
        var merged: Int

        public init(_ row: DisputeSummary, shortId: String) {
            id = row.id.description
            self.shortId = shortId
            village = row.village.description
            category = row.category?.code
            status = row.status.code
            level = row.level?.code
            foundBy = row.foundBy?.code
            incidentDate = row.incidentDate?.description
            summary = row.summary
            parties = row.parties
            method = row.method?.code
            mediator = row.mediator
            agreement = row.agreement
            recorder = row.recorder
            recordedAt = time(row.recorded)
            modifiedAt = time(row.modified)
            visits = row.visits
            voided = row.isVoided
            duplicateOf = row.duplicateOf?.description
            counted = row.isCounted
            merged = row.merged
        }
    }

    /// A risk item as `field risk list --json` prints it.
    public struct RiskRow: Encodable, Sendable {
        var id: String
        var shortId: String
        var scope: String
        var area: String
        var title: String
        var level: String?
        var plan: String
        var ownerPerson: String?
        var ownerUnit: String?
        var deadline: String?
        var status: String
        var struckOn: String?
        var overdue: Bool
        var recordedAt: String
        var voided: Bool

        public init(_ row: RiskSummary, shortId: String, today: CalendarDate) {
            id = row.id.description
            self.shortId = shortId
            scope = row.scope.description
            area = row.area
            title = row.title
            level = row.level?.code
            plan = row.plan
            ownerPerson = row.owner?.person
            ownerUnit = row.owner?.unit
            deadline = row.deadline?.description
            status = row.status.code
            struckOn = row.struckOn?.description
            overdue = row.isOverdue(on: today)
            recordedAt = time(row.recorded)
            voided = row.isVoided
        }
    }

    static func history(_ changes: [Change]) -> [HistoryEntry] {
        changes.map {
            HistoryEntry(
                record: $0.entity.id.description, at: time($0.timestamp.physical),
                replica: $0.timestamp.replica.description, field: $0.field.rawValue,
                value: $0.valueTree)
        }
    }
}
