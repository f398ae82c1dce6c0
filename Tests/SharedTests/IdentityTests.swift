import Testing

@testable import Shared

@Suite struct IdentityTests {
    /// Digits are read by arithmetic, not a table: every byte reads as the alphabet says, in either case,
    /// and nothing else reads as a digit (i, l, o and u are not Crockford digits).
    @Test func everyByteReadsAsTheAlphabetSays() {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
        for byte in UInt8.min...UInt8.max {
            let lower = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
            let expected = alphabet.firstIndex(of: lower).map(UInt8.init) ?? 0xFF
            #expect(Base32.value(of: byte) == expected, "byte \(byte)")
            if expected != 0xFF { #expect(Base32.digit(UInt64(expected)) == alphabet[Int(expected)]) }
        }
    }

    @Test func recordIDsRoundTripThroughTextAndKeepTheirOrder() {
        let seed = propertySeed()
        var generator = SeededGenerator(seed: seed)
        var ids: [RecordID] = [RecordID(high: 0, low: 0), RecordID(high: .max, low: .max)]
        for _ in 0..<2000 {
            ids.append(RecordID.random(using: &generator))
        }
        for id in ids {
            let text = id.description
            #expect(text.count == RecordID.digits, "seed \(seed)")
            #expect(RecordID(text) == id, "seed \(seed)")
            #expect(RecordID(text.uppercased()) == id, "seed \(seed)")
        }
        // Text order is numeric order, so sorted listings and prefix searches agree.
        #expect(ids.sorted().map(\.description) == ids.map(\.description).sorted(), "seed \(seed)")
    }

    @Test(arguments: [
        "", "0123", "8zzzzzzzzzzzzzzzzzzzzzzzzz", "0000000000000000000000000u", "00000000000000000000000000000",
    ])
    func refusesMalformedRecordIDs(text: String) {
        #expect(RecordID(text) == nil)
    }

    @Test func replicaIDsRoundTripThroughText() {
        var generator = SeededGenerator(seed: propertySeed())
        for _ in 0..<1000 {
            let id = ReplicaID.random(using: &generator)
            #expect(ReplicaID(id.description) == id)
        }
        #expect(ReplicaID("k3v9x2qa7m1") == nil)
        #expect(ReplicaID("k3v9x2qa7m1!") == nil)
    }

    @Test func timestampsRoundTripThroughText() {
        let stamp = HybridTimestamp(physical: 1_764_402_821_123, counter: 7, replica: ReplicaID(rawValue: 42))
        #expect(stamp.description == "1764402821123.7.00000000001a")
        #expect(HybridTimestamp(stamp.description) == stamp)
        for bad in [
            "", "1.2", "1.2.3.4", "x.0.00000000001a", "1.-1.00000000001a", "1.4294967296.00000000001a",
            "1..00000000001a", ".1.00000000001a", "1234567890123456.0.00000000001a", "1.0.00000000001",
            "1.0.00000000001a0", "1.0.0000000000!a", "1.0.00000000001a.", "１.0.00000000001a",
        ] {
            #expect(HybridTimestamp(bad) == nil, "\(bad)")
        }
        #expect(HybridTimestamp("1.4294967295.00000000001a")?.counter == UInt32.max)
        #expect(HybridTimestamp("999999999999999.0.00000000001a")?.physical == 999_999_999_999_999)
        let line = "ts=\(stamp)!"
        #expect(HybridTimestamp(line.dropFirst(3).dropLast()) == stamp)
    }
}

/// Fields and record kinds hash by case, not by their raw text: each case must still hash as itself
/// only, and a dictionary must find each by an equal value.
@Suite struct CaseHashingTests {
    @Test func everyFieldAndKindIsItsOwnKey() {
        var fields: [Field: String] = [:]
        for field in Field.allCases { fields[field] = field.rawValue }
        #expect(fields.count == Field.allCases.count)
        for field in Field.allCases {
            #expect(fields[Field(rawValue: field.rawValue)!] == field.rawValue)
            #expect(field.hashValue == Field(rawValue: field.rawValue)!.hashValue)
        }
        let keys = Set(EntityKind.allCases.map { EntityKey(kind: $0, id: RecordID(high: 1, low: 1)) })
        #expect(keys.count == EntityKind.allCases.count)
        #expect(keys.contains(EntityKey(kind: .risk, id: RecordID(high: 1, low: 1))))
        #expect(!keys.contains(EntityKey(kind: .risk, id: RecordID(high: 1, low: 2))))
    }
}
