//! What the process asks of the allocator so that memory freed after a big listing (10,000
//! instances read again) goes back to the system instead of staying resident.

/// Few malloc arenas: lists are decoded on blocking threads and freed on others, and an arena
/// per thread keeps what each once held.
pub fn few_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a tuning parameter of glibc's allocator.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        // Big blocks (an answer's body, a list of 10,000 rows) always mapped on their own, and
        // so given back when freed; left to itself glibc raises this bar to the size of the
        // last big block freed, and later lists then fragment the heap.
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Gives freed memory back to the system (after a big list replaced the one before).
pub fn release() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's heaps to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}
