import Testing

/// Every test that runs `field` (and `center`) as processes, one at a time. Each waits for its
/// processes on a thread of the cooperative pool, which has two on a 2-core machine; run side by side
/// they could hold both, and hold up every timeout the server tests await meanwhile. One at a time they
/// take 23 s, fewer than the server tests beside them.
@Suite(.serialized) struct FieldPrograms {}
