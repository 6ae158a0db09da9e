//! One tuning of the C allocator. Collector threads allocate little and live a few milliseconds:
//! glibc would give each of up to 16 of them (8 a CPU) a 64 MiB arena of its own, more arenas than
//! there is contention to avoid. One arena for every thread was slower (a default collect 6.38 vs
//! 6.02 ms with four: the collectors, the summary's warm-up and the main thread queue on its lock);
//! four cost 0.3 MB more at 10,000 connections. mallopt(3) has no safe wrapper anywhere, hence the
//! `unsafe` block.

/// Makes glibc's malloc use at most four arenas (no-op with other C libraries). Call it first
/// thing in main, before any other thread exists.
///
/// Large buffers (sockets by the ten thousand, their text) also always get their own mapping: glibc
/// would otherwise raise its mmap threshold after the first one is freed and take the next from the
/// heap, where growing a buffer copies it and freed room stays resident (at 10,000 connections the
/// peak RSS was 3.5 MB higher).
pub fn few_malloc_arenas() {
    #[cfg(target_env = "gnu")]
    {
        const M_ARENA_MAX: libc::c_int = -8;
        const M_MMAP_THRESHOLD: libc::c_int = -3;
        // SAFETY: mallopt only tunes the allocator; called before any other thread exists.
        unsafe {
            libc::mallopt(M_ARENA_MAX, 4);
            libc::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
        }
    }
}
