/// An unambiguous byte encoding of state, for digests and for breaking ties between different values
/// that carry the same timestamp. Every variable-length part is length-prefixed, so different
/// values never encode to the same bytes.
struct CanonicalBytes {
    private(set) var bytes: [UInt8] = []

    mutating func append(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Int64) {
        append(UInt64(bitPattern: value))
    }

    mutating func append(_ value: Int) {
        append(Int64(value))
    }

    mutating func append(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func append(_ text: String) {
        append(text.utf8.count)
        bytes.append(contentsOf: text.utf8)
    }

    mutating func append(_ text: String?) {
        if let text {
            append(UInt8(1))
            append(text)
        } else {
            append(UInt8(0))
        }
    }

    mutating func append(_ timestamp: HybridTimestamp) {
        append(timestamp.physical)
        append(UInt64(timestamp.counter))
        append(timestamp.replica.rawValue)
    }

    mutating func append(_ date: CalendarDate?) {
        append(date.map { Int64($0.daysSinceEpoch) } ?? Int64.min)
    }

    mutating func append(_ area: AreaCode) {
        append(area.value)
        append(UInt8(area.level.rawValue))
    }

    mutating func append(_ value: Value) {
        switch value {
        case .text(let text):
            append(UInt8(0))
            append(text)
        case .date(let date):
            append(UInt8(1))
            append(date)
        case .category(let category):
            append(UInt8(2))
            append(category.code)
        case .method(let method):
            append(UInt8(3))
            append(method.code)
        case .discovery(let discovery):
            append(UInt8(4))
            append(discovery.code)
        case .level(let level):
            append(UInt8(5))
            append(level.code)
        case .parties(let parties):
            append(UInt8(6))
            append(parties.count)
            for party in parties {
                append(party.name)
                append(party.idNumber)
                append(party.phone)
            }
        case .owner(let owner):
            append(UInt8(7))
            append(owner.person)
            append(owner.unit)
        case .visit(let visit):
            append(UInt8(8))
            append(visit.date)
            append(visit.note)
            append(UInt8(visit.isAgreementKept ? 1 : 0))
        case .step(let step):
            append(UInt8(9))
            append(step.action.rawValue)
            append(step.basis.count)
            for timestamp in step.basis {
                append(timestamp)
            }
            append(step.date)
            append(step.text)
            append(step.target?.code)
            append(step.into?.description)
        }
    }
}

extension Value {
    /// Orders values that carry the same timestamp, which only a faulty or forged replica produces;
    /// any fixed order keeps replicas convergent.
    static func precedes(_ lhs: Value, _ rhs: Value) -> Bool {
        var left = CanonicalBytes()
        left.append(lhs)
        var right = CanonicalBytes()
        right.append(rhs)
        return left.bytes.lexicographicallyPrecedes(right.bytes)
    }
}
