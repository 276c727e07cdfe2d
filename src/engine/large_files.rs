//! How many large files may be parsed at once. A syntax tree and its index
//! take 20–80 times the source's size, so the peak memory of a scan is set
//! by the large files it holds at the same moment, not by how many files it
//! scans. A file over [`LARGE_FILE`] bytes takes a share of a budget of
//! [`BUDGET`] bytes for as long as it is parsed and matched, and waits
//! while the files in flight leave no room for it; one larger than the
//! whole budget (a 6 MB bundle) waits until it is alone.
//!
//! A file that must wait may instead be put off (`try_turn`): the scan
//! goes on with other files and comes back to it once the pass is over.
//! Over the benchmark corpus a worker otherwise waited 0.4 to 0.6 s, with
//! a 0.5 MB file, for the 6 MB one to finish.
//!
//! A plain one-at-a-time lock did the same for the largest file but also
//! kept two 1 MB files apart: over the benchmark corpus a worker sat idle
//! for 2.3 s in all, waiting, for example, with one of aws-lc-sys's 1 MB
//! binding files while the other worker scanned a 1.6 MB search index.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};

/// Files above this size take a share of the budget.
pub const LARGE_FILE: usize = 512 << 10;

/// The bytes of large files that may be in flight together: two files of
/// a megabyte and a half, whose trees take well under what the largest
/// file of the benchmark corpus (6 MB, about 200 MB at its peak) takes
/// alone.
pub const BUDGET: usize = 3 << 20;

#[derive(Default)]
pub struct LargeFiles {
    state: Mutex<State>,
    freed: Condvar,
}

#[derive(Default)]
struct State {
    /// Bytes of the large files being scanned.
    in_flight: usize,
    /// The tickets of the workers waiting for room, first come first. A
    /// newcomer waits behind them, so that a file too large to share the
    /// budget is not kept out for ever by smaller ones that keep arriving.
    queue: VecDeque<u64>,
    next_ticket: u64,
}

/// No room for a large file now: the files in flight, or one waiting
/// before it, would make it wait.
#[derive(Debug, PartialEq, Eq)]
pub struct Busy;

/// A large file's share of the budget, handed back when dropped.
pub struct Turn<'a> {
    owner: &'a LargeFiles,
    bytes: usize,
}

impl LargeFiles {
    /// Waits until a file of `len` bytes may be scanned, if it is large.
    pub fn turn(&self, len: usize) -> Option<Turn<'_>> {
        if len <= LARGE_FILE {
            return None;
        }
        let mut state = self.lock();
        if !state.queue.is_empty() || !state.admits(len) {
            let ticket = state.next_ticket;
            state.next_ticket += 1;
            state.queue.push_back(ticket);
            // Each change wakes every waiter; only the first in the queue
            // may go, once its file fits.
            state = self
                .freed
                .wait_while(state, |s| s.queue.front() != Some(&ticket) || !s.admits(len))
                .unwrap_or_else(|e| e.into_inner());
            state.queue.pop_front();
            // The next in the queue may fit beside this file.
            self.freed.notify_all();
        }
        state.in_flight += len;
        Some(Turn { owner: self, bytes: len })
    }

    /// A turn for a file of `len` bytes if it may be scanned now without
    /// waiting (`Ok(None)` if it is not large), `Err(Busy)` if it would
    /// have to wait.
    pub fn try_turn(&self, len: usize) -> Result<Option<Turn<'_>>, Busy> {
        if len <= LARGE_FILE {
            return Ok(None);
        }
        let mut state = self.lock();
        if !state.queue.is_empty() || !state.admits(len) {
            return Err(Busy);
        }
        state.in_flight += len;
        Ok(Some(Turn { owner: self, bytes: len }))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    fn admits(&self, len: usize) -> bool {
        self.in_flight == 0 || self.in_flight + len <= BUDGET
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.owner.lock().in_flight -= self.bytes;
        self.owner.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn small_files_never_wait() {
        let budget = LargeFiles::default();
        let _big = budget.turn(BUDGET * 2);
        assert!(budget.turn(LARGE_FILE).is_none());
    }

    #[test]
    fn two_files_that_fit_share_the_budget_and_one_too_large_waits_to_be_alone() {
        let budget = LargeFiles::default();
        let one_mb = 1 << 20;
        let first = budget.turn(one_mb).expect("a large file takes a share");
        // Fits beside the first: returns at once, on this thread.
        let second = budget.turn(one_mb).expect("a large file takes a share");
        let entered = AtomicUsize::new(0);
        std::thread::scope(|s| {
            s.spawn(|| {
                let _alone = budget.turn(BUDGET + 1);
                entered.store(1, Ordering::SeqCst);
            });
            std::thread::sleep(Duration::from_millis(50));
            assert_eq!(entered.load(Ordering::SeqCst), 0, "entered beside two files");
            drop(first);
            std::thread::sleep(Duration::from_millis(50));
            assert_eq!(entered.load(Ordering::SeqCst), 0, "entered beside one file");
            drop(second);
        });
        assert_eq!(entered.load(Ordering::SeqCst), 1);
        assert_eq!(budget.lock().in_flight, 0);
    }

    #[test]
    fn a_try_never_waits() {
        let budget = LargeFiles::default();
        assert!(budget.try_turn(LARGE_FILE).unwrap().is_none());
        let first = budget.try_turn(1 << 20).unwrap().expect("a large file takes a share");
        let second = budget.try_turn(1 << 20).unwrap().expect("room for a second");
        assert_eq!(budget.try_turn(BUDGET).err(), Some(Busy));
        drop((first, second));
        let alone = budget.try_turn(BUDGET + 1).unwrap().expect("alone");
        assert_eq!(budget.try_turn(LARGE_FILE + 1).err(), Some(Busy));
        drop(alone);
        assert_eq!(budget.lock().in_flight, 0);
    }

    #[test]
    fn a_newcomer_waits_behind_a_waiting_file() {
        let budget = LargeFiles::default();
        let held = budget.turn(1 << 20).expect("a large file takes a share");
        let order = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            s.spawn(|| {
                let _t = budget.turn(BUDGET);
                order.lock().unwrap().push("large");
            });
            while budget.lock().queue.is_empty() {
                std::thread::yield_now();
            }
            // Would fit beside `held`, but the large file came first.
            s.spawn(|| {
                let _t = budget.turn(1 << 20);
                order.lock().unwrap().push("small");
            });
            while budget.lock().queue.len() < 2 {
                std::thread::yield_now();
            }
            drop(held);
        });
        assert_eq!(order.into_inner().unwrap()[0], "large");
    }
}
