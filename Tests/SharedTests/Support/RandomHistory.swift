import Shared

/// Random histories of several replicas editing shared records offline and syncing partially, in
/// random orders, with repeats, under skewed and backward-jumping wall clocks.
struct RandomHistory {
    var replicas: [Replica]
    var walls: [ManualWallClock]
    /// Records created so far (a replica acts only on those it holds).
    var records: [EntityKey] = []
    var refusedCommands = 0

    static let villages = [Sample.villageA, Sample.villageB, try! AreaCode(parsing: "620502101202")]
    static let words = ["彩礼", "宅基地", "工钱", "边界", "赔偿", "漏水", "借款", "遗产", "噪音", "补偿"]

    init(replicaCount: Int, generator: inout SeededGenerator) {
        let base = Int64(1_700_000_000_000)
        walls = (0..<replicaCount).map { _ in
            ManualWallClock(base + Int64.random(in: -600_000...600_000, using: &generator))
        }
        replicas = walls.enumerated().map { index, wall in
            Replica(
                clock: HybridClock(
                    replica: ReplicaID(rawValue: UInt64(index + 1) * 1_000_003), maximumDrift: 86_400_000,
                    wallClock: wall))
        }
    }

    /// All changes any replica holds, once each.
    var allChanges: [Change] {
        var seen: Set<HybridTimestamp> = []
        return replicas.flatMap(\.log).filter { seen.insert($0.id).inserted }
    }

    mutating func run(steps: Int, generator: inout SeededGenerator) throws {
        for _ in 0..<steps {
            let roll = Int.random(in: 0..<100, using: &generator)
            if roll < 10 {
                moveClocks(&generator)
            } else if roll < 30 {
                try syncPartially(&generator)
            } else {
                act(&generator)
            }
        }
    }

    /// Every replica receives every change, in its own random order and chunks, with repeats.
    mutating func exchangeEverything(_ generator: inout SeededGenerator) throws {
        let all = allChanges
        for index in replicas.indices {
            var delivery = all + all.filter { _ in generator.chance(10) }
            delivery.shuffle(using: &generator)
            for chunk in delivery.chunked(maximum: Int.random(in: 1...40, using: &generator)) {
                try replicas[index].receive(chunk)
            }
        }
    }

    private mutating func moveClocks(_ generator: inout SeededGenerator) {
        for wall in walls {
            wall.advance(by: Int64.random(in: 0...5_000, using: &generator))
        }
        if generator.chance(30) {
            // A clock set back by up to ten minutes.
            walls.randomElement(using: &generator)!.advance(by: -Int64.random(in: 0...600_000, using: &generator))
        }
    }

    private mutating func syncPartially(_ generator: inout SeededGenerator) throws {
        let from = Int.random(in: 0..<replicas.count, using: &generator)
        var to = Int.random(in: 0..<replicas.count - 1, using: &generator)
        if to >= from { to += 1 }
        var delivery = replicas[from].log.filter { _ in generator.chance(70) }
        delivery += delivery.filter { _ in generator.chance(20) }
        if generator.chance(50) { delivery.shuffle(using: &generator) }
        for chunk in delivery.chunked(maximum: Int.random(in: 1...10, using: &generator)) {
            try replicas[to].receive(chunk)
        }
    }

    private mutating func act(_ generator: inout SeededGenerator) {
        let index = Int.random(in: 0..<replicas.count, using: &generator)
        let held = records.filter { replicas[index].state[$0] != nil }
        do {
            if held.isEmpty || generator.chance(15) {
                let id = RecordID.random(using: &generator)
                if generator.chance(70) {
                    try replicas[index].perform(.record(draft(&generator)), onDispute: id)
                    records.append(EntityKey(kind: .dispute, id: id))
                } else {
                    try replicas[index].perform(.record(riskDraft(&generator)), onRiskItem: id)
                    records.append(EntityKey(kind: .risk, id: id))
                }
                return
            }
            let key = held.randomElement(using: &generator)!
            switch key.kind {
            case .dispute:
                let others = held.filter { $0.kind == .dispute && $0 != key }
                if let into = others.randomElement(using: &generator), generator.chance(8) {
                    try replicas[index].perform(.merge(into: into.id, reason: text(&generator)), onDispute: key.id)
                } else if generator.chance(4) {
                    try replicas[index].perform(.split(reason: text(&generator)), onDispute: key.id)
                } else {
                    try replicas[index].perform(disputeCommand(&generator), onDispute: key.id)
                }
            case .risk: try replicas[index].perform(riskCommand(&generator), onRiskItem: key.id)
            }
        } catch {
            refusedCommands += 1
        }
    }

    private func text(_ generator: inout SeededGenerator) -> String {
        (0..<Int.random(in: 1...4, using: &generator)).map { _ in Self.words.randomElement(using: &generator)! }
            .joined()
    }

    private func date(_ generator: inout SeededGenerator) -> CalendarDate {
        CalendarDate(daysSinceEpoch: 19_000 + Int.random(in: 0..<365, using: &generator))
    }

    private func parties(_ generator: inout SeededGenerator) -> [Party] {
        (0..<Int.random(in: 1...3, using: &generator)).map { _ in
            try! Party(name: ["王", "李", "张", "刘"].randomElement(using: &generator)! + text(&generator))
        }
    }

    private func draft(_ generator: inout SeededGenerator) -> DisputeDraft {
        DisputeDraft(
            village: Self.villages.randomElement(using: &generator)!,
            category: DisputeCategory.allCases.randomElement(using: &generator)!, parties: parties(&generator),
            summary: text(&generator), foundBy: Discovery.allCases.randomElement(using: &generator)!,
            level: RiskLevel.allCases.randomElement(using: &generator)!,
            incidentDate: generator.chance(80) ? date(&generator) : nil, recorder: "网格员")
    }

    private func riskDraft(_ generator: inout SeededGenerator) -> RiskDraft {
        RiskDraft(
            scope: generator.chance(50) ? Sample.townA : Self.villages.randomElement(using: &generator)!,
            area: text(&generator), title: text(&generator), plan: text(&generator),
            owner: Owner(person: "责任人", unit: generator.chance(50) ? "镇政府" : nil), deadline: date(&generator),
            recorder: "网格员")
    }

    private func disputeCommand(_ generator: inout SeededGenerator) -> DisputeCommand {
        switch Int.random(in: 0..<11, using: &generator) {
        case 0:
            .edit(
                DisputeEdit(
                    category: generator.chance(30) ? DisputeCategory.allCases.randomElement(using: &generator) : nil,
                    parties: generator.chance(30) ? parties(&generator) : nil,
                    summary: generator.chance(60) ? text(&generator) : nil,
                    level: generator.chance(30) ? RiskLevel.allCases.randomElement(using: &generator) : nil,
                    incidentDate: generator.chance(20) ? date(&generator) : nil))
        case 1: .mediate(method: MediationMethod.allCases.randomElement(using: &generator)!, mediator: text(&generator))
        case 2: .resolve(agreement: text(&generator), date: date(&generator))
        case 3: .fail(reason: text(&generator))
        case 4: .escalate(to: EscalationTarget.allCases.randomElement(using: &generator)!, note: text(&generator))
        case 5: .visit(Visit(date: date(&generator), note: text(&generator), isAgreementKept: generator.chance(80)))
        case 6: .note(text(&generator))
        case 7: .reopen(reason: text(&generator))
        case 8: .void(reason: text(&generator))
        case 9: .unvoid(reason: text(&generator))
        default: .mediate(method: .revisit, mediator: nil)
        }
    }

    private func riskCommand(_ generator: inout SeededGenerator) -> RiskCommand {
        switch Int.random(in: 0..<6, using: &generator) {
        case 0:
            .edit(
                RiskEdit(
                    title: generator.chance(50) ? text(&generator) : nil,
                    plan: generator.chance(50) ? text(&generator) : nil,
                    deadline: generator.chance(30) ? date(&generator) : nil))
        case 1: .strike(evidence: text(&generator), date: date(&generator))
        case 2: .reopen(reason: text(&generator))
        case 3: .note(text(&generator))
        case 4: .void(reason: text(&generator))
        default: .unvoid(reason: text(&generator))
        }
    }
}

extension Array {
    /// Consecutive slices of at most `maximum` elements.
    func chunked(maximum: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: maximum).map { self[$0..<Swift.min($0 + maximum, count)] }
    }
}
