//! One allocator for the whole process: mimalloc serves Rust's allocations
//! (`main.rs` declares it global) and, through [`use_for_parsers`],
//! tree-sitter's, whose trees are made and freed node by node. With glibc's
//! malloc a whole-corpus scan spent about a tenth of its samples in
//! allocation (`ts_subtree_release`, `malloc_consolidate`, `_int_free`);
//! with mimalloc its user CPU fell by 8 % (docs/PERFORMANCE.md, eleventh
//! round).
//!
//! Built as mimalloc 2 without transparent huge pages (`Cargo.toml`):
//! mimalloc 3, or huge pages, took peak RSS over the corpus from glibc's
//! 276 MiB to 339–353 MiB, past the 300 MB target; mimalloc 2 without
//! them gives 278–280 MiB.

use std::ffi::c_void;

// Links the C library in wherever this module is, not only in `main`.
extern crate mimalloc;

// The C library that the `mimalloc` crate links in; these names are its
// stable C API (`mimalloc.h`).
extern "C" {
    fn mi_malloc(size: usize) -> *mut c_void;
    fn mi_calloc(count: usize, size: usize) -> *mut c_void;
    fn mi_realloc(p: *mut c_void, size: usize) -> *mut c_void;
    fn mi_free(p: *mut c_void);
    fn mi_collect(force: bool);
}

/// Makes tree-sitter allocate with mimalloc. Call first thing in `main`,
/// before any parser, tree or query exists: memory allocated by one
/// allocator must not be freed by the other.
pub fn use_for_parsers() {
    // SAFETY: the functions are mimalloc's malloc family, with C's
    // signatures; nothing of tree-sitter is allocated yet (see above).
    unsafe {
        tree_sitter::set_allocator(Some(tree_sitter::Allocator {
            malloc: mi_malloc,
            calloc: mi_calloc,
            realloc: mi_realloc,
            free: mi_free,
        }));
    }
}

/// Hands memory freed by a large file's syntax tree back to the system.
/// An allocator keeps freed memory for reuse, so without this a scan's
/// resident size grows to the sum of every worker's largest file (with
/// glibc's malloc and its `malloc_trim`: 457 MB instead of 280 MB on 17,000
/// Rust files).
pub fn return_freed_memory() {
    // SAFETY: mi_collect only releases free memory; it has no preconditions.
    unsafe { mi_collect(true) }
}
