import Shared
import Testing

/// The lifecycle merge rules, one example each (see docs/ARCHITECTURE.md, "Merge rules").
@Suite struct LifecycleTests {
    let id = RecordID(high: 1, low: 2)
    let today = Sample.date("2022-05-01")

    /// Three replicas that all hold one case, mediated on `a`.
    func threeReplicasWithAMediatedCase() throws -> (Replica, Replica, Replica) {
        var a = Sample.replica(1)
        var b = Sample.replica(2)
        var c = Sample.replica(3)
        try a.perform(.record(Sample.draft()), onDispute: id)
        try a.perform(.mediate(method: .staged, mediator: "刘调解"), onDispute: id)
        try b.receive(a.log)
        try c.receive(a.log)
        return (a, b, c)
    }

    func exchange(_ replicas: inout [Replica]) throws {
        for _ in 0..<2 {
            for i in replicas.indices {
                for j in replicas.indices where i != j {
                    try replicas[j].receive(replicas[i].log)
                }
            }
        }
    }

    @Test func concurrentResolveAndEscalateEndEscalatedOnEveryReplica() throws {
        for order in [[0, 1], [1, 0]] {
            var (a, b, _) = try threeReplicasWithAMediatedCase()
            try a.perform(.resolve(agreement: "男方退还彩礼三万元", date: today), onDispute: id)
            try b.perform(.escalate(to: .court, note: "一方拒绝调解"), onDispute: id)
            var replicas = [a, b]
            var merged = Sample.replica(9)
            for index in order {
                try merged.receive(replicas[index].log)
            }
            try exchange(&replicas)
            for replica in replicas + [merged] {
                let dispute = try #require(replica.state.dispute(id))
                #expect(dispute.status == .escalated)
                #expect(dispute.escalation?.target == .court)
                // The agreement is not lost: it stays on the record and in its history.
                #expect(dispute.agreement?.text == "男方退还彩礼三万元")
                #expect(dispute.statusHeads.count == 2)
            }
        }
    }

    @Test func concurrentResolveAndFailEndUnresolved() throws {
        var (a, b, _) = try threeReplicasWithAMediatedCase()
        try a.perform(.resolve(agreement: "双方和解", date: today), onDispute: id)
        try b.perform(.fail(reason: "对补偿数额分歧过大"), onDispute: id)
        var replicas = [a, b]
        try exchange(&replicas)
        #expect(replicas.allSatisfy { $0.state.dispute(id)?.status == .unresolved })
    }

    @Test func aStaleMediateDoesNotUndoAResolve() throws {
        var a = Sample.replica(1)
        var b = Sample.replica(2)
        try a.perform(.record(Sample.draft()), onDispute: id)
        try b.receive(a.log)  // b saw the case only as screened
        try a.perform(.mediate(method: .chat, mediator: nil), onDispute: id)
        try a.perform(.resolve(agreement: "双方和解", date: today), onDispute: id)
        try b.perform(.mediate(method: .staged, mediator: "刘调解"), onDispute: id)
        var replicas = [a, b]
        try exchange(&replicas)
        for replica in replicas {
            let dispute = try #require(replica.state.dispute(id))
            #expect(dispute.status == .resolved)
            // The stale device's plain fields still merge by last writer.
            #expect(dispute.method == .staged)
            #expect(dispute.mediator == "刘调解")
        }
    }

    @Test func aReopenCountsWhenItsDeviceSawTheResolve() throws {
        var (a, b, _) = try threeReplicasWithAMediatedCase()
        try a.perform(.resolve(agreement: "双方和解", date: today), onDispute: id)
        try b.receive(a.log)
        try b.perform(.reopen(reason: "协议未履行"), onDispute: id)
        var replicas = [a, b]
        try exchange(&replicas)
        for replica in replicas {
            let dispute = try #require(replica.state.dispute(id))
            #expect(dispute.status == .mediating)
            #expect(dispute.agreement?.text == "双方和解")
        }
    }

    /// A case shows its latest agreement, escalation and failure among the steps that count, each of its
    /// own kind: a later fail does not hide the agreement before it, a second agreement replaces the first.
    @Test func theLatestVerdictOfEachKindIsShown() throws {
        var (a, _, _) = try threeReplicasWithAMediatedCase()
        try a.perform(.resolve(agreement: "首次协议", date: today), onDispute: id)
        try a.perform(.reopen(reason: "协议未履行"), onDispute: id)
        try a.perform(.fail(reason: "分歧大"), onDispute: id)
        try a.perform(.reopen(reason: "重新调解"), onDispute: id)
        try a.perform(.resolve(agreement: "再次协议", date: today), onDispute: id)
        var dispute = try #require(a.state.dispute(id))
        #expect(dispute.status == .resolved)
        #expect(dispute.agreement?.text == "再次协议")
        #expect(dispute.failureReason == "分歧大")
        #expect(dispute.escalation == nil)
        try a.perform(.reopen(reason: "又反悔"), onDispute: id)
        try a.perform(.escalate(to: .court, note: "起诉"), onDispute: id)
        dispute = try #require(a.state.dispute(id))
        #expect(dispute.status == .escalated)
        #expect(dispute.escalation?.target == .court && dispute.agreement?.text == "再次协议")
    }

    @Test func aReopenDoesNotReverseAStepItsDeviceNeverSaw() throws {
        var (a, b, c) = try threeReplicasWithAMediatedCase()
        try a.perform(.resolve(agreement: "双方和解", date: today), onDispute: id)
        try b.receive(a.log)
        try b.perform(.reopen(reason: "协议未履行"), onDispute: id)
        try c.perform(.escalate(to: .petition, note: nil), onDispute: id)  // c never saw the resolve
        var replicas = [a, b, c]
        try exchange(&replicas)
        #expect(replicas.allSatisfy { $0.state.dispute(id)?.status == .escalated })
        // Once a replica has seen the escalation, reopening it counts.
        try replicas[1].perform(.reopen(reason: "镇综治中心接手"), onDispute: id)
        try exchange(&replicas)
        #expect(replicas.allSatisfy { $0.state.dispute(id)?.status == .mediating })
    }

    @Test func aStepWaitsForTheStepsItBuildsOn() throws {
        var (a, b, _) = try threeReplicasWithAMediatedCase()
        let mediated = try #require(a.state.dispute(id)?.statusHeads)
        let resolve = try a.perform(.resolve(agreement: "双方和解", date: today), onDispute: id)
        try b.receive(a.log)
        let reopen = try b.perform(.reopen(reason: "协议未履行"), onDispute: id)
        var late = Sample.replica(9)
        try late.receive(a.log.filter { !resolve.contains($0) })
        try late.receive(reopen)  // arrives before the resolve it reverses
        // The reopen does not count yet: the case is still where the mediate step left it.
        #expect(late.state.dispute(id)?.status == .mediating)
        #expect(late.state.dispute(id)?.statusHeads == mediated)
        try late.receive(resolve)
        #expect(late.state.dispute(id)?.status == .mediating)
        #expect(late.state.digest() == b.state.digest())
    }

    @Test func aStruckOffItemStaysStruckOffAfterAStaleEdit() throws {
        var a = Sample.replica(1)
        var b = Sample.replica(2)
        try a.perform(.record(Sample.riskDraft()), onRiskItem: id)
        try b.receive(a.log)
        try a.perform(.strike(evidence: "补偿款已全部兑付，附签收单", date: today), onRiskItem: id)
        try b.perform(.edit(RiskEdit(title: "安置补偿款分期到位")), onRiskItem: id)
        var replicas = [a, b]
        try exchange(&replicas)
        for replica in replicas {
            let item = try #require(replica.state.riskItem(id))
            #expect(item.status == .struckOff)
            #expect(item.title == "安置补偿款分期到位")
            #expect(item.strike?.evidence == "补偿款已全部兑付，附签收单")
        }
    }

    @Test func reListingCountsOnlyForTheStrikesItsDeviceSaw() throws {
        var a = Sample.replica(1)
        var b = Sample.replica(2)
        var c = Sample.replica(3)
        try a.perform(.record(Sample.riskDraft()), onRiskItem: id)
        try b.receive(a.log)
        try c.receive(a.log)
        try a.perform(.strike(evidence: "已化解", date: today), onRiskItem: id)
        try b.perform(.strike(evidence: "已销号", date: today), onRiskItem: id)
        try c.receive(a.log)
        try c.perform(.reopen(reason: "隐患复发"), onRiskItem: id)
        var replicas = [a, b, c]
        try exchange(&replicas)
        #expect(replicas.allSatisfy { $0.state.riskItem(id)?.status == .struckOff })
        try replicas[2].perform(.reopen(reason: "隐患复发"), onRiskItem: id)
        try exchange(&replicas)
        #expect(replicas.allSatisfy { $0.state.riskItem(id)?.status == .listed })
    }

    @Test func aVoidSurvivesAConcurrentEditWhichIsKept() throws {
        var a = Sample.replica(1)
        var b = Sample.replica(2)
        try a.perform(.record(Sample.draft()), onDispute: id)
        try b.receive(a.log)
        try a.perform(.void(reason: "重复录入"), onDispute: id)
        try b.perform(.edit(DisputeEdit(summary: "彩礼返还及子女抚养争议")), onDispute: id)
        // b cannot restore what it has not seen voided.
        #expect(throws: CommandError.notVoided(EntityKey(kind: .dispute, id: id))) {
            try b.perform(.unvoid(reason: "误操作"), onDispute: id)
        }
        var replicas = [a, b]
        try exchange(&replicas)
        for replica in replicas {
            let dispute = try #require(replica.state.dispute(id))
            #expect(dispute.isVoided && dispute.voidReason == "重复录入")
            #expect(dispute.summary == "彩礼返还及子女抚养争议")
        }
        try replicas[1].perform(.unvoid(reason: "并非重复"), onDispute: id)
        try exchange(&replicas)
        #expect(replicas.allSatisfy { $0.state.dispute(id)?.isVoided == false })
    }

    @Test func anUnvoidRestoresOnlyTheVoidsItsDeviceSaw() throws {
        var a = Sample.replica(1)
        var b = Sample.replica(2)
        var c = Sample.replica(3)
        try a.perform(.record(Sample.draft()), onDispute: id)
        try b.receive(a.log)
        try a.perform(.void(reason: "重复录入"), onDispute: id)
        try b.perform(.void(reason: "录错村"), onDispute: id)
        try c.receive(a.log)
        try c.perform(.unvoid(reason: "并非重复"), onDispute: id)
        var replicas = [a, b, c]
        try exchange(&replicas)
        for replica in replicas {
            let dispute = try #require(replica.state.dispute(id))
            #expect(dispute.isVoided && dispute.voidReason == "录错村")
        }
    }

    @Test func aVoidedRecordRefusesEveryCommandButUnvoid() throws {
        var a = Sample.replica(1)
        try a.perform(.record(Sample.draft()), onDispute: id)
        try a.perform(.void(reason: "重复录入"), onDispute: id)
        let before = a.log.count
        let key = EntityKey(kind: .dispute, id: id)
        let commands: [DisputeCommand] = [
            .edit(DisputeEdit(summary: "新摘要")), .mediate(method: .chat, mediator: nil), .note("再次走访"),
            .visit(Visit(date: today, note: "回访", isAgreementKept: true)), .void(reason: "再次作废"),
        ]
        for command in commands {
            #expect(throws: CommandError.voided(key)) { try a.perform(command, onDispute: id) }
        }
        #expect(a.log.count == before)
        #expect(CommandError.voided(key).description.contains("restore it with unvoid"))
    }

    /// An agreement or a visit cannot predate the dispute, and an edit cannot move the dispute after
    /// either; the day itself is allowed.
    @Test func agreementsAndVisitsDoNotPredateTheDispute() throws {
        var a = Sample.replica(1)
        try a.perform(.record(Sample.draft()), onDispute: id)  // arose 2022-03-15
        try a.perform(.mediate(method: .staged, mediator: nil), onDispute: id)
        let before = a.log.count
        let early = Sample.date("2022-03-14")
        #expect(
            throws: CommandError.beforeIncident(what: "agreement", date: early, incident: Sample.date("2022-03-15"))
        ) { try a.perform(.resolve(agreement: "分期退还", date: early), onDispute: id) }
        #expect(throws: CommandError.beforeIncident(what: "visit", date: early, incident: Sample.date("2022-03-15"))) {
            try a.perform(.visit(Visit(date: early, note: "回访", isAgreementKept: true)), onDispute: id)
        }
        #expect(a.log.count == before)

        try a.perform(.resolve(agreement: "分期退还", date: Sample.date("2022-03-15")), onDispute: id)
        try a.perform(.visit(Visit(date: Sample.date("2022-04-10"), note: "回访", isAgreementKept: true)), onDispute: id)
        let settled = a.log.count
        #expect(
            throws: CommandError.beforeIncident(
                what: "agreement", date: Sample.date("2022-03-15"), incident: Sample.date("2022-03-16"))
        ) { try a.perform(.edit(DisputeEdit(incidentDate: Sample.date("2022-03-16"))), onDispute: id) }
        #expect(a.log.count == settled)
        try a.perform(.edit(DisputeEdit(incidentDate: Sample.date("2022-03-01"))), onDispute: id)
        #expect(
            CommandError.beforeIncident(what: "visit", date: early, incident: Sample.date("2022-03-15")).description
                == "the visit is dated 2022-03-14, before the day the dispute arose (2022-03-15); check both dates")
    }

    /// Every move of the dispute lifecycle, allowed or not, against the documented table.
    @Test func illegalMovesAreRefusedNamingTheStatusAndTheAllowedMoves() throws {
        let allowed: [DisputeStatus: [LifecycleStep.Action]] = [
            .screened: [.mediate, .escalate],
            .mediating: [.resolve, .fail, .escalate],
            .resolved: [.reopen],
            .unresolved: [.escalate, .reopen],
            .escalated: [.reopen],
        ]
        let paths: [DisputeStatus: [DisputeCommand]] = [
            .screened: [],
            .mediating: [.mediate(method: .chat, mediator: nil)],
            .resolved: [.mediate(method: .chat, mediator: nil), .resolve(agreement: "和解", date: today)],
            .unresolved: [.mediate(method: .chat, mediator: nil), .fail(reason: "分歧大")],
            .escalated: [.escalate(to: .town, note: nil)],
        ]
        let attempts: [(LifecycleStep.Action, DisputeCommand)] = [
            (.mediate, .mediate(method: .aid, mediator: nil)), (.resolve, .resolve(agreement: "和解", date: today)),
            (.fail, .fail(reason: "分歧大")), (.escalate, .escalate(to: .court, note: nil)),
            (.reopen, .reopen(reason: "未履行")),
        ]
        for (status, path) in paths {
            for (action, command) in attempts {
                var replica = Sample.replica(1)
                try replica.perform(.record(Sample.draft()), onDispute: id)
                for step in path {
                    try replica.perform(step, onDispute: id)
                }
                #expect(replica.state.dispute(id)?.status == status)
                let isAllowed = allowed[status]!.contains(action)
                // Mediating again only updates the method, without a step.
                if isAllowed || (status == .mediating && action == .mediate) {
                    #expect(throws: Never.self) { try replica.perform(command, onDispute: id) }
                } else {
                    let before = replica.state.digest()
                    #expect {
                        try replica.perform(command, onDispute: id)
                    } throws: { error in
                        let message = "\(error)"
                        return message.contains("cannot \(action.rawValue)") && message.contains(status.label)
                            && message.contains(allowed[status]!.map(\.rawValue).joined(separator: ", "))
                    }
                    #expect(replica.state.digest() == before)
                }
            }
        }
    }

    @Test func riskItemsMoveBetweenListedAndStruckOffOnly() throws {
        var replica = Sample.replica(1)
        try replica.perform(.record(Sample.riskDraft()), onRiskItem: id)
        #expect {
            try replica.perform(.reopen(reason: "复发"), onRiskItem: id)
        } throws: { error in
            "\(error)".contains("cannot reopen a risk item that is 挂牌 (listed); from there it can: strike")
        }
        try replica.perform(.strike(evidence: "已兑付", date: today), onRiskItem: id)
        #expect(throws: CommandError.self) { try replica.perform(.strike(evidence: "再次", date: today), onRiskItem: id) }
        #expect(replica.state.riskItem(id)?.isOverdue(on: Sample.date("2022-12-31")) == false)
        try replica.perform(.reopen(reason: "复发"), onRiskItem: id)
        #expect(replica.state.riskItem(id)?.isOverdue(on: Sample.date("2022-12-31")) == true)
        #expect(replica.state.riskItem(id)?.isOverdue(on: Sample.date("2022-06-30")) == false)
    }
}

@Suite struct DuplicateLaneTests {
    let duplicate = RecordID(high: 1, low: 1)
    let survivor = RecordID(high: 2, low: 2)
    let other = RecordID(high: 3, low: 3)

    func replicas() throws -> [Replica] {
        var a = Sample.replica(1)
        for id in [duplicate, survivor, other] {
            try a.perform(.record(Sample.draft()), onDispute: id)
        }
        var b = Sample.replica(2)
        var c = Sample.replica(3)
        try b.receive(a.log)
        try c.receive(a.log)
        return [a, b, c]
    }

    @Test func aMergeIsUndoneBySplit() throws {
        var replica = try replicas()[0]
        try replica.perform(.merge(into: survivor, reason: "同一纠纷"), onDispute: duplicate)
        #expect(replica.state.dispute(duplicate)?.duplicateOf == survivor)
        #expect(throws: CommandError.self) {
            try replica.perform(.merge(into: other, reason: nil), onDispute: duplicate)
        }
        try replica.perform(.split(reason: "并非同一纠纷"), onDispute: duplicate)
        #expect(replica.state.dispute(duplicate)?.duplicateOf == nil)
        #expect(throws: CommandError.self) { try replica.perform(.split(reason: "再拆"), onDispute: duplicate) }
        #expect {
            try replica.perform(.merge(into: duplicate, reason: nil), onDispute: duplicate)
        } throws: { "\($0)".contains("cannot be merged into itself") }
    }

    @Test func aSplitUndoesOnlyTheMergeItsReplicaSaw() throws {
        var replicas = try replicas()
        try replicas[0].perform(.merge(into: survivor, reason: "同一纠纷"), onDispute: duplicate)
        try replicas[1].receive(replicas[0].log)
        try replicas[1].perform(.split(reason: "误合并"), onDispute: duplicate)
        // Replica 2 never saw the first merge and merges the case elsewhere.
        try replicas[2].perform(.merge(into: other, reason: nil), onDispute: duplicate)
        for _ in 0..<2 {
            for i in replicas.indices {
                for j in replicas.indices where i != j {
                    try replicas[j].receive(replicas[i].log)
                }
            }
        }
        #expect(replicas.allSatisfy { $0.state.dispute(self.duplicate)?.duplicateOf == self.other })
        #expect(Set(replicas.map { $0.state.digest() }).count == 1)
    }
}
