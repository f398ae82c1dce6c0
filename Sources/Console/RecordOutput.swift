import Shared
import Storage

/// The list and show output both command lines print over a replica store: `field` over a laptop's,
/// `center` over the district's merged one.
public struct RecordOutput {
    public enum Format: Sendable {
        case table, json, csv

        /// From `--json` and `--csv`, which exclude each other.
        public init(json: Bool, csv: Bool) throws {
            guard !(json && csv) else {
                throw UsageError("--json and --csv exclude each other", chinese: "--json 和 --csv 只能用一个")
            }
            self = json ? .json : csv ? .csv : .table
        }
    }

    public let store: ReplicaStore
    public let language: Language
    public let today: CalendarDate

    public init(store: ReplicaStore, language: Language, today: CalendarDate) {
        self.store = store
        self.language = language
        self.today = today
    }

    /// Tables and sheets, with the names of the areas the store knows.
    func text() throws -> RecordText {
        var text = RecordText(language: language, today: today, places: try RecordText.places(of: store))
        text.successions = try store.successions()
        return text
    }

    public func disputes(_ filter: DisputeFilter, format: Format) throws -> String {
        let rows = try store.disputes(filter)
        let length = try store.abbreviationLength(of: rows.map(\.id), kind: .dispute)
        switch format {
        case .json:
            return RecordJSON.encode(
                rows.map { RecordJSON.DisputeRow($0, shortId: String($0.id.description.prefix(length))) })
                + "\n"
        case .csv:
            return RecordCSV.disputes(
                rows, language: language, places: try RecordText.places(of: store),
                written: try store.writtenParties(of: rows))
        case .table:
            return try text().disputeTable(rows, idLength: length) + "\n"
        }
    }

    public func riskItems(_ filter: RiskFilter, format: Format) throws -> String {
        let rows = try store.riskItems(filter)
        let length = try store.abbreviationLength(of: rows.map(\.id), kind: .risk)
        switch format {
        case .json:
            return RecordJSON.encode(
                rows.map { RecordJSON.RiskRow($0, shortId: String($0.id.description.prefix(length)), today: today) })
                + "\n"
        case .csv:
            return RecordCSV.risks(rows, language: language, places: try RecordText.places(of: store))
        case .table:
            return try text().riskTable(rows, idLength: length) + "\n"
        }
    }

    /// A record's sheet or JSON, with its history; on an enrolled replica, whether the center holds it.
    public func show(_ prefix: String, kind: EntityKind, json: Bool) throws -> String {
        let id = try store.resolve(prefix, kind: kind)
        let key = EntityKey(kind: kind, id: id)
        let enrolled = try store.syncState().enrollment != nil
        let own = try store.identity().replica
        let text = try text()
        switch kind {
        case .dispute:
            // Either id of a merged case shows the case it counts under, with its duplicates.
            guard let view = try store.caseView(id) else { throw LookupError.notFound(prefix: prefix, kind: kind) }
            let shown = EntityKey(kind: .dispute, id: view.dispute.id)
            let short = try store.abbreviation(of: shown.id, kind: kind)
            let held: Bool? = enrolled ? try store.isHeldByCenter(shown) : nil
            return json
                ? RecordJSON.encode(
                    RecordJSON.DisputeDetail(
                        view.dispute, shortId: short, history: view.history, heldByCenter: held,
                        requested: view.requested))
                : text.dispute(
                    view.dispute, shortID: short, history: view.history, own: own, heldByCenter: held,
                    requested: view.requested)
        case .risk:
            let history = try store.history(of: key)
            let short = try store.abbreviation(of: id, kind: kind)
            let held: Bool? = enrolled ? try store.isHeldByCenter(key) : nil
            guard let item = try store.riskItem(id) else { throw LookupError.notFound(prefix: prefix, kind: kind) }
            return json
                ? RecordJSON.encode(RecordJSON.RiskDetail(item, shortId: short, history: history, heldByCenter: held))
                : text.riskItem(item, shortID: short, history: history, own: own, heldByCenter: held)
        }
    }
}
