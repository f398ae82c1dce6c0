import Shared
import Testing

/// The merge laws, over thousands of random histories (seed printed on failure; replay one with
/// `FIELDSYNC_SEED=<seed>`, run more with `FIELDSYNC_ITERATIONS=<n>`).
@Suite struct ConvergenceTests {
    @Test func everyOrderOfSyncsReachesTheSameState() throws {
        let seed = propertySeed()
        var generator = SeededGenerator(seed: seed)
        var refused = 0
        var changes = 0
        for iteration in 0..<propertyIterations(1500) {
            var history = RandomHistory(replicaCount: Int.random(in: 2...4, using: &generator), generator: &generator)
            try history.run(steps: Int.random(in: 10...80, using: &generator), generator: &generator)
            try history.exchangeEverything(&generator)
            let all = history.allChanges
            changes += all.count
            refused += history.refusedCommands
            let reference = history.replicas[0]
            for replica in history.replicas {
                #expect(replica.state.digest() == reference.state.digest(), "seed \(seed), history \(iteration)")
                // Compared as booleans: a failure prints the seed, not every record.
                let sameRecords =
                    replica.state.disputes == reference.state.disputes
                    && replica.state.riskItems == reference.state.riskItems
                #expect(sameRecords, "seed \(seed), history \(iteration)")
                // Nothing lost, nothing doubled.
                #expect(replica.log.count == all.count, "seed \(seed), history \(iteration)")
            }
            // Applying the same set sorted, reversed or shuffled gives the same digest.
            var sorted = ReplicaState()
            sorted.apply(all.sorted { $0.timestamp < $1.timestamp })
            var reversed = ReplicaState()
            reversed.apply(all.sorted { $0.timestamp > $1.timestamp })
            #expect(sorted.digest() == reference.state.digest(), "seed \(seed), history \(iteration)")
            #expect(reversed.digest() == reference.state.digest(), "seed \(seed), history \(iteration)")
            // One failing history says enough; stop before thousands of repeats.
            if sorted.digest() != reference.state.digest() { break }
        }
        // The generator must exercise conflicts, not only produce refusals or empty histories.
        #expect(changes > 50_000, "seed \(seed)")
        #expect(refused > 0, "seed \(seed)")
    }

    @Test func mergingIsIdempotentCommutativeAndAssociative() throws {
        let seed = propertySeed()
        var generator = SeededGenerator(seed: seed)
        for iteration in 0..<propertyIterations(500) {
            var history = RandomHistory(replicaCount: 3, generator: &generator)
            try history.run(steps: Int.random(in: 20...60, using: &generator), generator: &generator)
            let all = history.allChanges.shuffled(using: &generator)
            let cut1 = Int.random(in: 0...all.count, using: &generator)
            let cut2 = Int.random(in: cut1...all.count, using: &generator)
            let (x, y, z) = (all[..<cut1], all[cut1..<cut2], all[cut2...])
            func state(_ parts: ArraySlice<Change>...) -> StateDigest {
                var state = ReplicaState()
                for part in parts { state.apply(part) }
                return state.digest()
            }
            let expected = state(x, y, z)
            #expect(state(z, y, x) == expected, "seed \(seed), history \(iteration)")
            #expect(state(y, x, z) == expected, "seed \(seed), history \(iteration)")
            #expect(state(x, y, z, y, x, z) == expected, "seed \(seed), history \(iteration)")
            #expect(state(x + y, z + x) == expected, "seed \(seed), history \(iteration)")
        }
    }

    @Test func batchAndOneByOneApplyAgree() throws {
        let seed = propertySeed()
        var generator = SeededGenerator(seed: seed)
        for iteration in 0..<propertyIterations(300) {
            var history = RandomHistory(replicaCount: 3, generator: &generator)
            try history.run(steps: 60, generator: &generator)
            let all = history.allChanges.shuffled(using: &generator)
            var batch = ReplicaState()
            batch.apply(all)
            var oneByOne = ReplicaState()
            var replica = Replica(clock: HybridClock(replica: ReplicaID(rawValue: 99), maximumDrift: 86_400_000))
            for change in all {
                oneByOne.apply(change)
                try replica.receive([change])
            }
            #expect(batch.digest() == oneByOne.digest(), "seed \(seed), history \(iteration)")
            #expect(replica.state.digest() == batch.digest(), "seed \(seed), history \(iteration)")
        }
    }

    @Test func eachReplicaStampsItsOwnChangesInIncreasingOrder() throws {
        let seed = propertySeed()
        var generator = SeededGenerator(seed: seed)
        for iteration in 0..<propertyIterations(300) {
            var history = RandomHistory(replicaCount: 3, generator: &generator)
            try history.run(steps: 80, generator: &generator)
            for replica in history.replicas {
                let own = replica.log.filter { $0.timestamp.replica == replica.id }.map(\.timestamp)
                #expect(zip(own, own.dropFirst()).allSatisfy { $0 < $1 }, "seed \(seed), history \(iteration)")
                // A replica's own changes come after everything it had received before making them.
                var highest: HybridTimestamp?
                for change in replica.log {
                    if change.timestamp.replica == replica.id, let highest {
                        #expect(change.timestamp > highest, "seed \(seed), history \(iteration)")
                    }
                    highest = max(highest ?? change.timestamp, change.timestamp)
                }
            }
        }
    }

    @Test func digestsRestrictedToAScopeCoverExactlyItsRecords() throws {
        var generator = SeededGenerator(seed: propertySeed())
        var history = RandomHistory(replicaCount: 3, generator: &generator)
        try history.run(steps: 300, generator: &generator)
        try history.exchangeEverything(&generator)
        let state = history.replicas[0].state
        let village = Sample.villageA
        var restricted = ReplicaState()
        restricted.apply(history.allChanges.filter { village.covers($0.scope) })
        #expect(state.digest(within: village) == restricted.digest())
        #expect(state.digest(within: Sample.district) == state.digest())
        #expect(state.digest(within: village).recordCount < state.digest().recordCount)
    }
}
