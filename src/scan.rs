//! The pipeline: walk → read → prefilter → parse → match → findings.
//! Files are read, scanned and dropped one at a time on the rayon pool; only
//! findings and notices are kept, then sorted so output never depends on `-j`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use std::collections::BTreeSet;

use crate::deps::Dependency;
use crate::engine::{
    Compiled, Engine, EngineOptions, Family, Knowledge, Mentions, Packages, Properties, Wanted, Worker,
};
use crate::finding::Finding;
use crate::inventory::{Asset, PqSummary};
use crate::lang::Language;
use crate::rules::RuleSet;
use crate::source::{self, ReadIssue};
use crate::suppress;
use crate::walk::{self, Target, WalkOptions};

/// A file-level problem reported to the user (and in SARIF notifications).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Notice {
    pub path: String,
    pub message: String,
    /// Whether the file was left out of the scan.
    pub skipped: bool,
}

/// Everything a scan produced, ready for any renderer.
pub struct ScanReport {
    pub base: PathBuf,
    pub findings: Vec<Finding>,
    pub notices: Vec<Notice>,
    pub files_scanned: usize,
    pub files_skipped: usize,
    pub files_parsed: usize,
    /// The crypto inventory, sorted like findings.
    pub assets: Vec<Asset>,
    /// Dependencies declared in the manifests of the scanned tree.
    pub dependencies: Vec<Dependency>,
    /// Post-quantum readiness, when asked for (`--policy`, `--pq-report`).
    pub pq: Option<PqSummary>,
}

pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub max_file_size: u64,
    pub engine: EngineOptions,
    pub jobs: usize,
    /// Restrict the scan to these display paths after walking (e.g. a shard).
    pub shard: Option<(u64, u64)>,
}

/// In-memory inputs (staged content): display path and bytes.
pub struct MemoryFile {
    pub rel: String,
    pub bytes: Vec<u8>,
}

/// From this many files on, each parsed file is walked once with a combined
/// query per language holding every matcher (`engine::combined`), and files
/// are read as they are scanned. Below it (a pre-commit run), the files are
/// read first and each language's query holds only the matchers they hit:
/// compiling all of them would cost more than the scan.
pub const COMBINE_FROM: usize = 48;

pub fn scan(rules: &RuleSet, opts: &ScanOptions) -> Result<ScanReport, String> {
    scan_with_progress(rules, opts, &Progress::default())
}

/// Counters a long scan updates as it goes, for a progress display on
/// another thread; the scan itself never prints.
#[derive(Default)]
pub struct Progress {
    /// Files to scan, known once the walk is over.
    pub total: AtomicUsize,
    pub done: AtomicUsize,
    pub findings: AtomicUsize,
}

/// [`scan`], counting files and findings into `progress` as they complete.
pub fn scan_with_progress(rules: &RuleSet, opts: &ScanOptions, progress: &Progress) -> Result<ScanReport, String> {
    let (base, all_targets, mut walk_issues) = walk::walk(&opts.paths, &opts.walk)?;
    // Configuration files and the cross-file pass below resolve values for
    // every file, so they read the whole tree: each shard must know what an
    // unsharded scan knows, and only its own files are scanned.
    let mut props = Properties::default();
    for t in all_targets.iter().filter(|t| Properties::is_config(&t.path)) {
        props.add_file(&t.path, &t.rel);
    }
    let targets: Vec<&Target> = match opts.shard {
        Some((k, n)) => {
            // Walk warnings are sharded too, so a merged log lists each once.
            walk_issues.retain(|i| shard_of(&i.rel, n) == k);
            all_targets.iter().filter(|t| shard_of(&t.rel, n) == k).collect()
        }
        None => all_targets.iter().collect(),
    };
    progress.total.store(targets.len(), Ordering::Relaxed);
    let packages = Packages::from_files(all_targets.iter().map(|t| t.rel.as_str()));
    let mut known = Knowledge::new(props, packages);
    let max = opts.max_file_size;
    // What the full pass compiled (literal automata, combined queries) is
    // reused by the rescan after the cross-file pass.
    let compiled: std::sync::OnceLock<Compiled> = std::sync::OnceLock::new();
    let scan_targets = |known: &Knowledge, targets: &[&Target], count: bool| {
        let counted = |r: FileResult| {
            if count {
                progress.findings.fetch_add(r.findings.len(), Ordering::Relaxed);
                progress.done.fetch_add(1, Ordering::Relaxed);
            }
            r
        };
        let mut engine_opts = opts.engine.clone();
        if targets.len() < COMBINE_FROM {
            // A few files: read them all, then compile just the queries they need.
            let mut engine = Engine::new(rules, known, engine_opts);
            return run_pool(opts.jobs, || {
                let loaded: Vec<_> = targets.par_iter().map(|t| source::read(&t.path, t.rel.clone(), max)).collect();
                engine.prepare(&loaded.iter().filter_map(|(src, _)| src.as_ref()).collect::<Vec<_>>());
                let engine = &engine;
                loaded
                    .into_par_iter()
                    .zip(targets.par_iter())
                    .map_init(Worker::default, |w, ((src, issue), t)| counted(scan_one(engine, w, src, issue, &t.rel)))
                    .collect::<Vec<_>>()
            });
        }
        engine_opts.combine_queries.get_or_insert(true);
        // A large file that would wait for room is put off to the end of
        // the pass, when no other work is left to do meanwhile.
        let waiting_opts = engine_opts.clone();
        engine_opts.defer_large_files = true;
        let engine = match compiled.get() {
            Some(c) => Engine::reusing(rules, known, engine_opts, c.clone()),
            None => Engine::new(rules, known, engine_opts),
        };
        let _ = compiled.set(engine.compiled());
        let at_end = Engine::reusing(rules, known, waiting_opts, engine.compiled());
        run_pool(opts.jobs, || {
            let scan = |engine: &Engine, w: &mut Worker, t: &&Target| {
                let (src, issue) = source::read(&t.path, t.rel.clone(), max);
                let r = scan_one(engine, w, src, issue, &t.rel);
                if r.deferred {
                    r
                } else {
                    counted(r)
                }
            };
            let mut results: Vec<FileResult> =
                targets.par_iter().map_init(Worker::default, |w, t| scan(&engine, w, t)).collect();
            let put_off: Vec<usize> = (0..results.len()).filter(|&i| results[i].deferred).collect();
            let again: Vec<FileResult> =
                put_off.par_iter().map_init(Worker::default, |w, &i| scan(&at_end, w, &targets[i])).collect();
            for (i, r) in put_off.into_iter().zip(again) {
                results[i] = r;
            }
            results
        })
    };
    let mut results = scan_targets(&known, &targets, true);

    // Cross-file pass: learn what other files define for the symbols some
    // files could not resolve alone, then rescan just those files.
    // Bounded: a pathological tree cannot turn this into a second full parse.
    let wanted: BTreeSet<Wanted> =
        results.iter().flat_map(|r| r.misses.iter().cloned()).collect::<BTreeSet<_>>().into_iter().take(256).collect();
    if !wanted.is_empty() {
        let started = std::time::Instant::now();
        // Only files of a wanted symbol's family can define it: the others
        // are not even read. A file without an extension may be a script
        // whose language its first line names, so it is read.
        let families: BTreeSet<Family> = wanted.iter().map(Wanted::family).collect();
        let mentions = Mentions::new(&wanted);
        let may_define = |t: &&Target| {
            t.path.extension().is_none()
                || Language::detect(&t.path, b"").is_some_and(|l| families.contains(&Family::of(l)))
        };
        let learned = {
            let engine = Engine::new(rules, &known, opts.engine.clone());
            run_pool(opts.jobs, || {
                all_targets
                    .par_iter()
                    .filter(may_define)
                    .map_init(Worker::default, |w, t| {
                        // Only a file that mentions a wanted symbol becomes a source.
                        let mentioning = |lang: Option<Language>, bytes: &[u8]| {
                            lang.is_some_and(|l| mentions.in_file(l, &t.rel, bytes))
                        };
                        let src = source::read_if(&t.path, t.rel.clone(), max, mentioning);
                        src.and_then(|s| engine.learn(&s, &wanted, w))
                    })
                    .collect::<Vec<_>>()
            })
        };
        for k in learned.into_iter().flatten() {
            known.absorb(k);
        }
        if let Some(p) = &opts.engine.profile {
            p.learn_pass(wanted.len(), started.elapsed());
        }
        // Only a file for which some symbol it missed is now known can come
        // out differently: the resolver's lookups are all it shares with
        // other files, and its first different step would be one of them.
        let started = std::time::Instant::now();
        let again: Vec<usize> =
            (0..targets.len()).filter(|&i| results[i].misses.iter().any(|w| known.get(w).is_some())).collect();
        let rescan: Vec<&Target> = again.iter().map(|&i| targets[i]).collect();
        for (i, r) in again.into_iter().zip(scan_targets(&known, &rescan, false)) {
            results[i] = r;
        }
        if let Some(p) = &opts.engine.profile {
            p.rescan(rescan.len(), started.elapsed());
        }
    }
    let mut report = assemble(rules, base, results);
    // Manifests belong to one shard like any file, so merged shards list each once.
    let mine: Vec<Target> = targets.iter().map(|t| (*t).clone()).collect();
    report.dependencies = crate::deps::read_manifests(&mine);
    report.notices.extend(walk_issues.into_iter().map(|i| Notice { path: i.rel, message: i.message, skipped: true }));
    report.notices.sort();
    Ok(report)
}

/// Scans files whose content is already in memory (`--staged`).
pub fn scan_memory(rules: &RuleSet, files: Vec<MemoryFile>, opts: &ScanOptions) -> ScanReport {
    let known = Knowledge::default();
    let mut engine = Engine::new(rules, &known, opts.engine.clone());
    let max = opts.max_file_size;
    let results = run_pool(opts.jobs, || {
        let loaded: Vec<_> = files
            .into_par_iter()
            .map(|f| {
                let (src, issue) = source::from_bytes(std::path::Path::new(&f.rel), f.rel.clone(), f.bytes, max);
                (src, issue, f.rel)
            })
            .collect();
        if loaded.len() < COMBINE_FROM {
            engine.prepare(&loaded.iter().filter_map(|(src, _, _)| src.as_ref()).collect::<Vec<_>>());
        }
        let engine = &engine;
        loaded
            .into_par_iter()
            .map_init(Worker::default, |w, (src, issue, rel)| scan_one(engine, w, src, issue, &rel))
            .collect::<Vec<_>>()
    });
    assemble(rules, PathBuf::from("."), results)
}

#[derive(Default)]
struct FileResult {
    findings: Vec<Finding>,
    misses: Vec<Wanted>,
    assets: Vec<Asset>,
    notices: Vec<Notice>,
    scanned: bool,
    parsed: bool,
    /// Put off until the end of the pass (`EngineOptions::defer_large_files`).
    deferred: bool,
}

fn scan_one(
    engine: &Engine<'_>,
    w: &mut Worker,
    src: Option<source::Source>,
    issue: Option<ReadIssue>,
    rel: &str,
) -> FileResult {
    let mut notices = Vec::new();
    if let Some(i) = &issue {
        notices.push(Notice { path: rel.to_string(), message: i.describe(), skipped: i.skipped() });
    }
    let Some(src) = src else {
        return FileResult {
            findings: Vec::new(),
            misses: Vec::new(),
            assets: Vec::new(),
            notices,
            scanned: false,
            parsed: false,
            deferred: false,
        };
    };
    let mut outcome = engine.scan(&src, w);
    if outcome.deferred {
        return FileResult { deferred: true, ..FileResult::default() };
    }
    notices.extend(outcome.warnings.into_iter().map(|m| Notice { path: rel.to_string(), message: m, skipped: false }));
    // Suppressions are read here, while the text is still in memory.
    let problems = suppress::apply(&src, &mut outcome.findings, suppress::today());
    notices.extend(problems.into_iter().map(|(line, m)| Notice {
        path: rel.to_string(),
        message: format!("line {line}: {m}"),
        skipped: false,
    }));
    FileResult {
        findings: outcome.findings,
        misses: outcome.misses,
        assets: outcome.assets,
        notices,
        scanned: true,
        parsed: outcome.parsed,
        deferred: false,
    }
}

fn assemble(rules: &RuleSet, base: PathBuf, results: Vec<FileResult>) -> ScanReport {
    let mut report = ScanReport {
        base,
        findings: Vec::new(),
        notices: Vec::new(),
        files_scanned: 0,
        files_skipped: 0,
        files_parsed: 0,
        assets: Vec::new(),
        dependencies: Vec::new(),
        pq: None,
    };
    for r in results {
        if r.scanned {
            report.files_scanned += 1;
        } else {
            report.files_skipped += 1;
        }
        report.files_parsed += usize::from(r.parsed);
        report.findings.extend(r.findings);
        report.assets.extend(r.assets);
        report.notices.extend(r.notices);
    }
    report.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    one_finding_per_literal(rules, &mut report.findings);
    report.assets.sort();
    report.notices.sort();
    report
}

/// One literal, one finding: when a finding explains where its value came
/// from (a related location) and another rule of the same category reported
/// that very place (a secret constant flagged for its name and value), only
/// the finding at the use is kept; it says more, and points at the literal.
fn one_finding_per_literal(rules: &RuleSet, findings: &mut Vec<Finding>) {
    let category = |f: &Finding| rules.rules.get(f.rule).map_or("", |r| r.category.as_str());
    let explained: std::collections::HashSet<(String, usize, &str, &str)> = findings
        .iter()
        .flat_map(|f| {
            f.related.iter().map(move |r| (r.span.path.clone(), r.span.start.line, category(f), f.rule_id.as_str()))
        })
        .collect();
    let redundant: Vec<bool> = findings
        .iter()
        .map(|f| {
            explained.iter().any(|(p, l, c, by)| {
                *p == f.span.path && *l == f.span.start.line && *c == category(f) && *by != f.rule_id
            })
        })
        .collect();
    let mut i = 0;
    findings.retain(|_| {
        i += 1;
        !redundant[i - 1]
    });
}

/// Runs `f` on a pool of `jobs` threads (0: one per CPU). Workers get a
/// generous stack: every walk over a syntax tree is bounded, but tree-sitter
/// and `syn` recurse on deeply nested input of their own accord.
fn run_pool<T: Send>(jobs: usize, f: impl FnOnce() -> T + Send) -> T {
    match rayon::ThreadPoolBuilder::new().num_threads(jobs).stack_size(WORKER_STACK).build() {
        Ok(pool) => pool.install(f),
        Err(_) => f(),
    }
}

const WORKER_STACK: usize = 64 << 20;

/// Shard of a display path: a stable hash (FNV-1a), so every worker of a
/// sharded audit agrees on the partition without talking to the others.
pub fn shard_of(rel: &str, n: u64) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in rel.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h % n.max(1)
}
