//! Annotated fixtures: every `expect: id` comment announces a finding on the
//! next code line, every `ok: id` forbids one, and any finding nobody
//! announced is a failure. Also proves that the literal prefilter never
//! changes what is found.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cipherlint::engine::EngineOptions;
use cipherlint::rules::RuleSet;
use cipherlint::scan::{scan, ScanOptions, ScanReport};
use cipherlint::walk::WalkOptions;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn run(no_prefilter: bool) -> ScanReport {
    run_with(EngineOptions { no_prefilter, ..EngineOptions::default() })
}

fn run_with(engine: EngineOptions) -> ScanReport {
    let rules = RuleSet::compile(RuleSet::embedded_sources()).expect("embedded rules");
    let opts = ScanOptions {
        paths: vec![fixtures_dir()],
        walk: WalkOptions { no_ignore: false, excludes: vec!["repos/**".into()], follow_symlinks: false, threads: 0 },
        max_file_size: 8 << 20,
        engine,
        jobs: 0,
        shard: None,
    };
    scan(&rules, &opts).expect("scan")
}

/// (path, line, rule id).
type Expectation = (String, usize, String);

/// The findings the annotations announce (`expect:`) and forbid (`ok:`).
fn expectations() -> (BTreeSet<Expectation>, BTreeSet<Expectation>) {
    let mut expect = BTreeSet::new();
    let mut forbid = BTreeSet::new();
    let marker = regex::Regex::new(r"^\s*(?:#|//|--|;|/\*|\*|<!--)\s*(expect|ok):\s*([a-z0-9, -]+)").unwrap();
    let walker = ignore::WalkBuilder::new(fixtures_dir()).hidden(false).build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let rel = entry.path().strip_prefix(fixtures_dir()).unwrap().to_string_lossy().replace('\\', "/");
        if rel.starts_with("repos/") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
        let lines: Vec<&str> = text.lines().collect();
        let mut pending: Vec<(bool, String)> = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if let Some(c) = marker.captures(line) {
                for id in c[2].split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    pending.push((&c[1] == "expect", id.to_string()));
                }
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            for (is_expect, id) in pending.drain(..) {
                let key = (rel.clone(), i + 1, id);
                if is_expect {
                    expect.insert(key);
                } else {
                    forbid.insert(key);
                }
            }
        }
    }
    (expect, forbid)
}

#[test]
fn fixtures_match_their_annotations() {
    let report = run(false);
    let actual: BTreeSet<(String, usize, String)> =
        report.findings.iter().map(|f| (f.span.path.clone(), f.span.start.line, f.rule_id.clone())).collect();
    let (expect, forbid) = expectations();
    let missing: Vec<_> = expect.difference(&actual).collect();
    let unexpected: Vec<_> = actual.difference(&expect).collect();
    let forbidden: Vec<_> = forbid.intersection(&actual).collect();
    let mut msg = String::new();
    for (p, l, r) in &missing {
        msg.push_str(&format!("missing:    {p}:{l} {r}\n"));
    }
    for (p, l, r) in &unexpected {
        let f =
            report.findings.iter().find(|f| &f.span.path == p && f.span.start.line == *l && &f.rule_id == r).unwrap();
        msg.push_str(&format!("unexpected: {p}:{l} {r}: {}\n", f.message));
    }
    for (p, l, r) in &forbidden {
        msg.push_str(&format!("forbidden:  {p}:{l} {r}\n"));
    }
    assert!(msg.is_empty(), "fixture expectations differ:\n{msg}");
    assert!(!expect.is_empty(), "no fixture expectations found");
}

#[test]
fn prefilter_never_loses_a_finding() {
    let fast = run(false);
    let slow = run(true);
    let key = |r: &ScanReport| -> Vec<(String, usize, usize, String)> {
        r.findings
            .iter()
            .map(|f| (f.span.path.clone(), f.span.start.line, f.span.start.col, f.rule_id.clone()))
            .collect()
    };
    assert_eq!(key(&fast), key(&slow));
    assert!(fast.files_parsed <= slow.files_parsed);
}

/// One combined query per language (large scans) and one query per matcher
/// (small scans) must report exactly the same thing, messages and
/// fingerprints included.
#[test]
fn combined_queries_find_what_separate_queries_find() {
    let combined = run_with(EngineOptions { combine_queries: Some(true), ..EngineOptions::default() });
    let separate = run_with(EngineOptions { combine_queries: Some(false), ..EngineOptions::default() });
    let key = |r: &ScanReport| -> Vec<(String, usize, usize, String, String, String)> {
        r.findings
            .iter()
            .map(|f| {
                (
                    f.span.path.clone(),
                    f.span.start.line,
                    f.span.start.col,
                    f.rule_id.clone(),
                    f.message.clone(),
                    f.fingerprint.clone(),
                )
            })
            .collect()
    };
    assert!(!combined.findings.is_empty());
    assert_eq!(key(&combined), key(&separate));
    assert_eq!(combined.assets, separate.assets);
}

/// A small scan (a pre-commit run) reads its files first and compiles, per
/// language, one query for just the matchers they hit; scanned in groups
/// that small, the fixtures must give what one query per matcher gives.
#[test]
fn small_scans_find_what_separate_queries_find() {
    let separate = run_with(EngineOptions { combine_queries: Some(false), ..EngineOptions::default() });
    let rules = RuleSet::compile(RuleSet::embedded_sources()).expect("embedded rules");
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(fixtures_dir())
        .hidden(false)
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| e.into_path())
        .filter(|p| !p.starts_with(fixtures_dir().join("repos")))
        .collect();
    files.sort();
    let in_fixtures = |p: &str| p.rsplit_once("fixtures/").map_or(p.to_string(), |(_, rel)| rel.to_string());
    let key = |r: &ScanReport| -> Vec<(String, usize, usize, String, String)> {
        let mut k: Vec<_> = r
            .findings
            .iter()
            .map(|f| {
                (in_fixtures(&f.span.path), f.span.start.line, f.span.start.col, f.rule_id.clone(), f.message.clone())
            })
            .collect();
        k.sort();
        k
    };
    let mut small = Vec::new();
    // Groups of 20, well under `scan::COMBINE_FROM`, and of mixed languages.
    for group in files.chunks(20) {
        let opts = ScanOptions {
            paths: group.to_vec(),
            walk: WalkOptions { no_ignore: false, excludes: vec![], follow_symlinks: false, threads: 0 },
            max_file_size: 8 << 20,
            engine: EngineOptions::default(),
            jobs: 0,
            shard: None,
        };
        small.extend(key(&scan(&rules, &opts).expect("scan")));
    }
    small.sort();
    assert!(files.len() > 40 && !small.is_empty());
    assert_eq!(small, key(&separate));
}
