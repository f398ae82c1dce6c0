/// An element of an append-only collection with the timestamp of the change that added it, which
/// is also its identity.
public struct Stamped<Element: Hashable & Sendable>: Hashable, Sendable {
    public var timestamp: HybridTimestamp
    public var element: Element

    public init(timestamp: HybridTimestamp, element: Element) {
        self.timestamp = timestamp
        self.element = element
    }
}
