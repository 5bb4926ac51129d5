//! Preparing the allocator for a large task file: one call, [`expect_large_input`], before
//! the file is parsed.
//!
//! Reading and planning a 10,000-task file touches about 35 MB of fresh heap. On a VM each
//! first touch of a 4 KiB page is a fault that costs several microseconds (measured: 9,800
//! faults and 60 ms of system time for `rask -n` on the issue-6 project, more than the
//! parse and plan themselves). Backing the heap with transparent huge pages turns those into a
//! few dozen 2 MiB faults; this is what glibc's `glibc.malloc.hugetlb=1` tunable does, which
//! a program cannot set for itself once it runs. So for a large file only (a small one touches
//! a few hundred pages, where a 2 MiB fault would cost more than it saves):
//! - large allocations come from the main heap rather than each from its own `mmap`
//!   (`M_MMAP_THRESHOLD`), and the heap is not trimmed back as it shrinks (`M_TRIM_THRESHOLD`);
//! - the heap is grown once by the expected size (`M_TOP_PAD` and one allocation of it),
//!   and that range is marked `MADV_HUGEPAGE`.
//!
//! Everything here is advice: where the system refuses (no transparent huge pages, `never`
//! mode, another allocator), the result is the ordinary 4 KiB paging, never an error.

/// How much heap to prepare for a root task file of `text_bytes`: its model and plan take about
/// 30 bytes for each byte of TOML (measured), and the files it includes are not read yet, so
/// the estimate is generous. Reserving costs only address space: a huge page is allocated when
/// it is first touched, and the heap is filled from the bottom up.
fn expected_heap(text_bytes: usize) -> usize {
    const BYTES_PER_TEXT_BYTE: usize = 128;
    const CAP: usize = 1 << 30;
    text_bytes.saturating_mul(BYTES_PER_TEXT_BYTE).min(CAP)
}

/// Below this size a task file parses in about a millisecond: nothing to prepare.
pub(crate) const LARGE_INPUT: usize = 64 * 1024;

/// Prepares the heap for reading a task file of `text_bytes` (the root file's size, or an
/// included file's, or a memo entry's; the files not read yet are counted by the estimate's
/// margin). Does nothing for a small file, and nothing after the first large one: the heap is
/// prepared once per process. `config::parse` calls it for every file it reads, before
/// parsing it; it prepares glibc's main heap, so it helps only a parse on the main thread.
pub(crate) fn expect_large_input(text_bytes: usize) {
    static PREPARED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if text_bytes < LARGE_INPUT || PREPARED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    glibc::grow_heap_on_huge_pages(expected_heap(text_bytes));
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod glibc {
    /// The huge page size transparent huge pages use on x86_64 and arm64 (4 KiB base pages).
    const HUGE_PAGE: usize = 2 << 20;

    /// glibc's own `M_TOP_PAD` (`DEFAULT_TOP_PAD`, 128 KiB).
    const DEFAULT_TOP_PAD: libc::c_int = 128 * 1024;

    pub(super) fn grow_heap_on_huge_pages(bytes: usize) {
        let Ok(pad) = libc::c_int::try_from(bytes) else {
            return;
        };
        // SAFETY: mallopt only changes glibc malloc's tuning; malloc, free and sbrk(0) are
        // called as documented; madvise gets a page-aligned range inside the heap mapping
        // that sbrk(0) reports (the allocation just grew it), and only advises on it.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, pad);
            libc::mallopt(libc::M_TRIM_THRESHOLD, pad.saturating_mul(2));
            libc::mallopt(libc::M_TOP_PAD, pad);
            let probe = libc::malloc(HUGE_PAGE);
            if probe.is_null() {
                return;
            }
            let end = libc::sbrk(0) as usize;
            let start = (probe as usize).next_multiple_of(HUGE_PAGE);
            if end > start {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
            libc::free(probe);
            // Later growth (a file larger than estimated) goes in glibc's ordinary steps.
            libc::mallopt(libc::M_TOP_PAD, DEFAULT_TOP_PAD);
        }
    }
}
