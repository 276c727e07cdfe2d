//! Replays `fixtures/fuzz-regressions/` through the code the fuzz targets in
//! `fuzz/` drive, so a crash found once stays fixed without cargo-fuzz.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cipherlint::engine::{Engine, EngineOptions, Knowledge, Worker};
use cipherlint::lang::Language;
use cipherlint::rules::{check, RuleSet, RuleSource};
use cipherlint::source;

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz-regressions").join(target);
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    v.sort();
    v
}

/// Same as `fuzz/fuzz_targets/parse_match.rs`, on a thread with a 2 MiB stack
/// (rayon's default), so unbounded recursion aborts this test binary as it
/// would abort a scan.
fn parse_match(data: Vec<u8>) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let rules = RuleSet::compile(RuleSet::embedded_sources()).unwrap();
            let Some((&which, code)) = data.split_first() else { return };
            let lang = Language::ALL[usize::from(which) % Language::ALL.len()];
            let name = format!("fuzz.{}", lang.extensions()[0]);
            let (src, _) = source::from_bytes(Path::new(&name), name.clone(), code.to_vec(), 1 << 20);
            let Some(src) = src else { return };
            let opts = EngineOptions {
                no_prefilter: true,
                include_tests: true,
                parse_timeout: Duration::from_secs(2),
                ..EngineOptions::default()
            };
            let known = Knowledge::default();
            let engine = Engine::new(&rules, &known, opts);
            let out = engine.scan(&src, &mut Worker::default());
            for f in &out.findings {
                assert!(f.span.bytes.0 <= f.span.bytes.1 && f.span.bytes.1 <= src.text.len());
            }
        })
        .unwrap()
        .join()
        .expect("parse_match input panicked");
}

#[test]
fn parse_match_regressions() {
    let files = inputs("parse_match");
    assert!(!files.is_empty());
    for f in files {
        eprintln!("replaying {}", f.display());
        parse_match(std::fs::read(&f).unwrap());
    }
}

#[test]
fn rule_load_regressions() {
    for f in inputs("rule_load") {
        eprintln!("replaying {}", f.display());
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        let src = RuleSource {
            pack: "fuzz".into(),
            stem: "fuzz-rule".into(),
            origin: "fuzz/fuzz-rule.yaml".into(),
            text,
            trusted: false,
        };
        if let Ok(set) = RuleSet::compile(vec![src]) {
            let _ = check::run(&set);
        }
    }
}
