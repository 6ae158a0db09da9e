//! One tuning of the C allocator. Collector threads allocate little and live a few milliseconds:
//! glibc would give each of them a fresh 64 MiB arena (mmap, trim, page faults), which costs more
//! than the contention it avoids. mallopt(3) has no safe wrapper anywhere, hence the `unsafe` block.

/// Makes glibc's malloc use one arena for every thread (no-op with other C libraries). Call it
/// first thing in main, before any other thread exists.
pub fn one_malloc_arena() {
    #[cfg(target_env = "gnu")]
    {
        const M_ARENA_MAX: libc::c_int = -8;
        // SAFETY: mallopt only tunes the allocator; called before any other thread exists.
        unsafe { libc::mallopt(M_ARENA_MAX, 1) };
    }
}
