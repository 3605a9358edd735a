//! How the process keeps its resident memory near what it uses: glibc's
//! allocator holds on to what was freed, so a process that once needed a
//! lot (a burst of requests, a measurement of the network map) stays that
//! large.

/// Tunes glibc's allocator to give memory back. Call before other threads
/// start.
///
/// - Arenas are capped at one per core. By default glibc gives each thread
///   that allocates under contention an arena of its own, up to eight per
///   core, and returns little of them: the server stayed 8–14 MiB larger
///   for good after a burst of requests.
/// - Large allocations always get pages of their own. glibc starts doing so
///   from 128 KiB, but raises that bar to the size of each such block
///   freed (up to 32 MiB), after which large blocks come from the heap and
///   stay there once freed: measuring the map at a million statuses sorts
///   lists of tens of MiB, and the process kept about 70 MiB of them.
///   Setting the bar fixes it where it is.
pub fn give_memory_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // Allocations from this size up get pages of their own from the
        // kernel and give them back when freed.
        const OWN_PAGES_FROM: libc::c_int = 256 * 1024;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only changes a setting of the allocator; a value
        // it refuses changes nothing.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
            libc::mallopt(libc::M_MMAP_THRESHOLD, OWN_PAGES_FROM);
        }
    }
}

/// Hands the memory the allocator holds free back to the kernel. For after
/// work that needs a lot for a moment: measuring the network map at a
/// million statuses frees tens of MiB in blocks too small to get pages of
/// their own, scattered among blocks still in use, and glibc keeps them.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only gives free pages back; what is in use stays.
    unsafe {
        libc::malloc_trim(0);
    }
}
