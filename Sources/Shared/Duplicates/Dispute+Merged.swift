/// The case the district sees once the center merged duplicates into it.
extension Dispute {
    /// This case (the survivor) combined with the cases merged into it:
    ///
    /// - The survivor's own fields stand; a field it never set is taken from the earliest recorded
    ///   duplicate that did (the summary too, if the survivor's is empty). Its parties are its own.
    /// - The status is the one that asks most of the district among the survivor and its duplicates
    ///   (the same order as between concurrent steps: escalated > unresolved > resolved > mediating >
    ///   screened), with that case's agreement, escalation and failure reason; the survivor wins ties.
    /// - Follow-up visits and notes are those of all of them, by date.
    /// - Voided duplicates count for nothing: their worker said they were recorded in error.
    /// - Whether the case is voided is the survivor's alone.
    ///
    /// The combination is computed from the merged log wherever it is read, so every replica that
    /// holds the same changes shows the same case.
    public func absorbing(_ duplicates: [Dispute]) -> Dispute {
        let members = duplicates.filter { !$0.isVoided && $0.id != id }.sorted { $0.recorded < $1.recorded }
        guard !members.isEmpty else { return self }
        var merged = self
        merged.mergedFrom = members.map(\.id)
        for member in members {
            if merged.category == nil { merged.category = member.category }
            if merged.parties.isEmpty { merged.parties = member.parties }
            if merged.summary.isEmpty { merged.summary = member.summary }
            if merged.foundBy == nil { merged.foundBy = member.foundBy }
            if merged.level == nil { merged.level = member.level }
            if merged.incidentDate == nil { merged.incidentDate = member.incidentDate }
            if merged.method == nil { merged.method = member.method }
            if merged.mediator == nil { merged.mediator = member.mediator }
            if merged.recorder == nil { merged.recorder = member.recorder }
            if member.status > merged.status {
                merged.status = member.status
                merged.agreement = member.agreement
                merged.escalation = member.escalation
                merged.failureReason = member.failureReason
            }
            merged.visits += member.visits
            merged.notes += member.notes
            merged.modified = max(merged.modified, member.modified)
        }
        merged.visits.sort { ($0.element.date, $0.timestamp) < ($1.element.date, $1.timestamp) }
        merged.notes.sort { $0.timestamp < $1.timestamp }
        return merged
    }
}
