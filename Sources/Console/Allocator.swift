import CMalloc

/// The C allocator's settings for the programs' work: pages of thousands of records, each a few
/// megabytes of rows, bytes and compressed bytes, made and freed over and over.
public enum Allocator {
    /// Keeps freed memory in the process for the next page instead of handing it back to the kernel at
    /// once. By default glibc serves a block of a few megabytes with a fresh `mmap` and trims the heap
    /// when its top is free: every page then faults in new, zeroed memory. That was a fifth of a center's
    /// CPU serving a snapshot whose pages SQLite copies out of the WAL (a center busy with pushes: 0.25 →
    /// 0.17 s of CPU for a district's 20,000 cases, `benchmark sync`); after an idle checkpoint, when
    /// SQLite maps the pages instead, it gains ~4 % on pull and push. It costs ~20 MB of the center's
    /// peak memory there (165 → 183 MB): blocks reused from the heap rather than unmapped.
    public static func keepFreedMemory() {
        // Blocks up to 32 MB (glibc's ceiling) from the heap, not fresh mappings; the heap given back only
        // when 256 MB of its top lies free, and grown 64 MB at a time.
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
        _ = mallopt(M_TOP_PAD, 64 << 20)
    }
}
