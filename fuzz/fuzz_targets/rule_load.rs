//! The rule loader on arbitrary YAML: `RuleSet::compile` must return a rule
//! set or errors, never panic or hang; a rule that compiles also runs its
//! own examples (`rules test`).
#![no_main]

use cipherlint::rules::{check, RuleSet, RuleSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let src = RuleSource { pack: "fuzz".into(), stem: "fuzz-rule".into(), origin: "fuzz/fuzz-rule.yaml".into(), text, trusted: false };
    if let Ok(set) = RuleSet::compile(vec![src]) {
        let _ = check::run(&set);
    }
});
