//! The progress line a long scan shows on a terminal's stderr:
//! `scanning: 1200/5000 files, 14 findings, 310 files/s`.
//!
//! The scan only bumps counters ([`Progress`]); this reporter thread reads
//! them at most 10 times a second, so the engine never waits on the terminal.

use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::scan::Progress;

/// Redraw interval (10 Hz).
const TICK: Duration = Duration::from_millis(100);
/// Scans shorter than this never show a line, so quick runs stay clean.
const GRACE: Duration = Duration::from_millis(500);

/// A running reporter; dropping it (or [`Reporter::finish`]) erases the line.
pub(super) struct Reporter {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Reporter {
    /// Starts the reporter, or a no-op one when `enabled` is false (stderr is
    /// not a terminal, or `--quiet`).
    pub(super) fn start(progress: Arc<Progress>, enabled: bool) -> Reporter {
        if !enabled {
            return Reporter { stop: None, thread: None };
        }
        let (tx, rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut drawn = false;
            // Wakes every tick; a message or a dropped sender means stop.
            while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(TICK) {
                let elapsed = started.elapsed();
                if elapsed < GRACE {
                    continue;
                }
                let line = status_line(&progress, elapsed);
                let mut err = std::io::stderr().lock();
                // `\r` + erase-line redraws in place without scrolling.
                let _ = write!(err, "\r\x1b[2K{line}");
                let _ = err.flush();
                drawn = true;
            }
            if drawn {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[2K");
                let _ = err.flush();
            }
        });
        Reporter { stop: Some(tx), thread: Some(thread) }
    }

    /// Stops the reporter and erases its line before anything else is printed.
    pub(super) fn finish(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// The text of one progress line.
pub(super) fn status_line(p: &Progress, elapsed: Duration) -> String {
    let total = p.total.load(Ordering::Relaxed);
    let done = p.done.load(Ordering::Relaxed);
    let findings = p.findings.load(Ordering::Relaxed);
    if total == 0 && done == 0 {
        return "cipherlint: listing files…".to_string();
    }
    let rate = done as f64 / elapsed.as_secs_f64().max(0.001);
    format!(
        "cipherlint: {done}/{total} files, {findings} finding{}, {rate:.0} files/s",
        if findings == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_shows_counts_and_rate() {
        let p = Progress::default();
        assert_eq!(status_line(&p, Duration::from_secs(1)), "cipherlint: listing files…");
        p.total.store(10, Ordering::Relaxed);
        p.done.store(4, Ordering::Relaxed);
        p.findings.store(1, Ordering::Relaxed);
        assert_eq!(status_line(&p, Duration::from_secs(2)), "cipherlint: 4/10 files, 1 finding, 2 files/s");
    }
}
