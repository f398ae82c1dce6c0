/// The worker's side: the local SQLite store, the curl transport and the sync engine.
public enum Client {}
