//! Parse + match: the first byte picks the language, the rest is the source.
//! Every built-in matcher runs (prefilter off), so every input is parsed,
//! queried, resolved and turned into findings.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use cipherlint::engine::{Engine, EngineOptions, Knowledge, Worker};
use cipherlint::lang::Language;
use cipherlint::rules::RuleSet;
use cipherlint::source;
use libfuzzer_sys::fuzz_target;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::compile(RuleSet::embedded_sources()).expect("embedded rules compile"))
}

// Compiling the built-in rules is slow under ASan; do it before the clock
// for per-input timeouts starts.
fuzz_target!(init: { rules(); }, |data: &[u8]| {
    let Some((&which, code)) = data.split_first() else { return };
    let lang = Language::ALL[usize::from(which) % Language::ALL.len()];
    let name = format!("fuzz.{}", lang.extensions()[0]);
    let (src, _) = source::from_bytes(Path::new(&name), name.clone(), code.to_vec(), 1 << 20);
    let Some(src) = src else { return };
    let opts = EngineOptions { no_prefilter: true, include_tests: true, parse_timeout: Duration::from_secs(2), ..EngineOptions::default() };
    let known = Knowledge::default();
    let engine = Engine::new(rules(), &known, opts);
    let mut worker = Worker::default();
    let out = engine.scan(&src, &mut worker);
    for f in &out.findings {
        // Positions must stay inside the file.
        assert!(f.span.bytes.0 <= f.span.bytes.1 && f.span.bytes.1 <= src.text.len());
        assert!(f.span.start <= f.span.end);
    }
});
