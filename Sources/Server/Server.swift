/// The district center: HTTP routes, the merged store, duplicate detection and reports.
///
/// The center applies the same `ReplicaState` merge as every field replica (module `Shared`).
public enum Server {}
