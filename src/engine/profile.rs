//! Where a scan's time goes, per rule: set `CIPHERLINT_PROFILE=1` and the
//! scan prints a table to standard error at the end. A tool for tuning rules
//! and prefilter anchors (docs/PERFORMANCE.md), off by default: the counters
//! cost a few atomic adds per matcher and file.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use crate::rules::RuleSet;

#[derive(Default)]
struct Counters {
    /// Files in which the rule's prefilter hit (for syntax rules: parsed for it).
    files: AtomicU64,
    /// Parsed files that no other rule needed parsed: what dropping or
    /// sharpening this rule's anchors would save.
    alone: AtomicU64,
    alone_bytes: AtomicU64,
    matches: AtomicU64,
    query_ns: AtomicU64,
    eval_ns: AtomicU64,
    /// Time in the rule's file-level regex conditions.
    cond_ns: AtomicU64,
}

pub struct Profile {
    rules: Vec<Counters>,
    /// The slowest files (time in the engine, path).
    slowest: std::sync::Mutex<Vec<(u64, String)>>,
    files_parsed: AtomicU64,
    bytes_parsed: AtomicU64,
    parse_ns: AtomicU64,
    index_ns: AtomicU64,
    /// Files whose resolver index was built, and their bytes.
    files_indexed: AtomicU64,
    bytes_indexed: AtomicU64,
    prefilter_ns: AtomicU64,
    /// The cross-file pass: its wall time, the symbols it looked for and
    /// the files it parsed.
    learn_wall_ns: AtomicU64,
    learn_wanted: AtomicU64,
    learn_parsed: AtomicU64,
    learn_bytes: AtomicU64,
    /// Files scanned again with what the pass learned, and how long it took.
    rescanned: AtomicU64,
    rescan_wall_ns: AtomicU64,
}

/// What a timed section is charged to.
#[derive(Clone, Copy)]
pub enum Charge {
    Query(usize),
    Eval(usize),
    Cond(usize),
    Parse,
    Index,
    Prefilter,
}

impl Profile {
    /// A profile when `CIPHERLINT_PROFILE` is set.
    pub fn from_env(rules: &RuleSet) -> Option<Profile> {
        std::env::var_os("CIPHERLINT_PROFILE").map(|_| Profile {
            rules: rules.rules.iter().map(|_| Counters::default()).collect(),
            slowest: Default::default(),
            files_parsed: AtomicU64::new(0),
            bytes_parsed: AtomicU64::new(0),
            parse_ns: AtomicU64::new(0),
            index_ns: AtomicU64::new(0),
            files_indexed: AtomicU64::new(0),
            bytes_indexed: AtomicU64::new(0),
            prefilter_ns: AtomicU64::new(0),
            learn_wall_ns: AtomicU64::new(0),
            learn_wanted: AtomicU64::new(0),
            learn_parsed: AtomicU64::new(0),
            learn_bytes: AtomicU64::new(0),
            rescanned: AtomicU64::new(0),
            rescan_wall_ns: AtomicU64::new(0),
        })
    }

    pub fn charge(&self, what: Charge, since: Instant) {
        self.charge_duration(what, since.elapsed());
    }

    pub fn charge_duration(&self, what: Charge, d: std::time::Duration) {
        let ns = d.as_nanos() as u64;
        match what {
            Charge::Query(r) => self.rules[r].query_ns.fetch_add(ns, Relaxed),
            Charge::Eval(r) => self.rules[r].eval_ns.fetch_add(ns, Relaxed),
            Charge::Cond(r) => self.rules[r].cond_ns.fetch_add(ns, Relaxed),
            Charge::Parse => self.parse_ns.fetch_add(ns, Relaxed),
            Charge::Index => self.index_ns.fetch_add(ns, Relaxed),
            Charge::Prefilter => self.prefilter_ns.fetch_add(ns, Relaxed),
        };
    }

    pub fn indexed(&self, bytes: usize) {
        self.files_indexed.fetch_add(1, Relaxed);
        self.bytes_indexed.fetch_add(bytes as u64, Relaxed);
    }

    pub fn file_done(&self, path: &str, since: Instant) {
        let ns = since.elapsed().as_nanos() as u64;
        let mut slowest = self.slowest.lock().unwrap_or_else(|e| e.into_inner());
        if slowest.len() < SLOWEST || slowest.last().is_some_and(|(t, _)| *t < ns) {
            slowest.push((ns, path.to_string()));
            slowest.sort_by(|a, b| b.cmp(a));
            slowest.truncate(SLOWEST);
        }
    }

    pub fn file_hit(&self, rule: usize) {
        self.rules[rule].files.fetch_add(1, Relaxed);
    }

    pub fn matched(&self, rule: usize, n: usize) {
        self.rules[rule].matches.fetch_add(n as u64, Relaxed);
    }

    /// The cross-file pass ran for `wanted` symbols and took `wall`.
    pub fn learn_pass(&self, wanted: usize, wall: std::time::Duration) {
        self.learn_wanted.fetch_add(wanted as u64, Relaxed);
        self.learn_wall_ns.fetch_add(wall.as_nanos() as u64, Relaxed);
    }

    /// After the cross-file pass, `files` were scanned again in `wall`.
    pub fn rescan(&self, files: usize, wall: std::time::Duration) {
        self.rescanned.fetch_add(files as u64, Relaxed);
        self.rescan_wall_ns.fetch_add(wall.as_nanos() as u64, Relaxed);
    }

    /// The cross-file pass parsed a file of `bytes`.
    pub fn learn_parsed(&self, bytes: usize) {
        self.learn_parsed.fetch_add(1, Relaxed);
        self.learn_bytes.fetch_add(bytes as u64, Relaxed);
    }

    /// A file parsed for the matchers of `rules` (one entry per matcher).
    pub fn parsed(&self, bytes: usize, rules: &[usize]) {
        self.files_parsed.fetch_add(1, Relaxed);
        self.bytes_parsed.fetch_add(bytes as u64, Relaxed);
        if let Some(&first) = rules.first() {
            if rules.iter().all(|&r| r == first) {
                self.rules[first].alone.fetch_add(1, Relaxed);
                self.rules[first].alone_bytes.fetch_add(bytes as u64, Relaxed);
            }
        }
    }

    /// The table, slowest rule first.
    pub fn render(&self, rules: &RuleSet) -> String {
        let ms = |a: &AtomicU64| a.load(Relaxed) as f64 / 1e6;
        let mut out = format!(
            "profile: prefilter {:.0} ms; parsed {} files ({:.1} MB) in {:.0} ms; resolver index of {} files ({:.1} MB) in {:.0} ms (CPU time, all threads)\n",
            ms(&self.prefilter_ns),
            self.files_parsed.load(Relaxed),
            self.bytes_parsed.load(Relaxed) as f64 / 1e6,
            ms(&self.parse_ns),
            self.files_indexed.load(Relaxed),
            self.bytes_indexed.load(Relaxed) as f64 / 1e6,
            ms(&self.index_ns),
        );
        out.push_str(&format!(
            "cross-file pass: {} symbols, {} files parsed ({:.1} MB), {:.0} ms wall; {} files scanned again, {:.0} ms wall\n",
            self.learn_wanted.load(Relaxed),
            self.learn_parsed.load(Relaxed),
            self.learn_bytes.load(Relaxed) as f64 / 1e6,
            ms(&self.learn_wall_ns),
            self.rescanned.load(Relaxed),
            ms(&self.rescan_wall_ns),
        ));
        out.push_str(&format!(
            "{:<32} {:>8} {:>13} {:>9} {:>8} {:>9} {:>8}\n",
            "rule", "files", "alone (MB)", "matches", "cond ms", "query ms", "eval ms"
        ));
        let mut rows: Vec<(usize, &Counters)> = self.rules.iter().enumerate().collect();
        rows.sort_by_key(|(_, c)| std::cmp::Reverse(c.query_ns.load(Relaxed) + c.eval_ns.load(Relaxed)));
        for (i, c) in rows.into_iter().filter(|(_, c)| c.files.load(Relaxed) > 0) {
            out.push_str(&format!(
                "{:<32} {:>8} {:>13} {:>9} {:>8.0} {:>9.0} {:>8.0}\n",
                rules.rules[i].id,
                c.files.load(Relaxed),
                format!("{} ({:.0})", c.alone.load(Relaxed), c.alone_bytes.load(Relaxed) as f64 / 1e6),
                c.matches.load(Relaxed),
                ms(&c.cond_ns),
                ms(&c.query_ns),
                ms(&c.eval_ns)
            ));
        }
        out.push_str("slowest files:\n");
        for (ns, path) in self.slowest.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            out.push_str(&format!("{:>10.0} ms  {path}\n", *ns as f64 / 1e6));
        }
        out
    }
}

const SLOWEST: usize = 10;
