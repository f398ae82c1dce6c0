import CMalloc

/// The C allocator's settings for the programs' work: pages of thousands of records, each a few
/// megabytes of rows, bytes and compressed bytes, made and freed over and over.
public enum Allocator {
    /// Keeps freed memory in the process for the next page instead of handing it back to the kernel at
    /// once. By default glibc serves a block of a few megabytes with a fresh `mmap` and trims the heap
    /// when its top is free: every page then faults in new, zeroed memory, which measured a fifth of a
    /// center's CPU serving a snapshot (`benchmark sync`: 48k → 65k cases per second pulled, center CPU
    /// 0.25 → 0.17 s) at the same peak memory. What is kept is reused, not grown: a district's pull still
    /// peaks as before.
    public static func keepFreedMemory() {
        // Blocks up to 32 MB (glibc's ceiling) from the heap, not fresh mappings; the heap given back only
        // when 256 MB of its top lies free, and grown 64 MB at a time.
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
        _ = mallopt(M_TOP_PAD, 64 << 20)
    }
}
