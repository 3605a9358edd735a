//! How the process keeps its resident memory near what it uses: glibc's
//! allocator holds on to what was freed, so a process that once needed a
//! lot (a burst of requests) stays that large.

/// Caps glibc's arenas at one per core. By default glibc gives each thread
/// that allocates under contention an arena of its own, up to eight per
/// core, and returns little of them: the server stayed 8–14 MiB larger
/// for good after a burst of requests. Call before other threads start.
pub fn fewer_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only changes a setting of the allocator; an arena
        // count it refuses changes nothing.
        unsafe { libc::mallopt(libc::M_ARENA_MAX, arenas) };
    }
}
