//! `rules test`: runs every rule's own `match` / `no_match` / `known_miss`
//! snippets through the real engine (prefilter included) and sorts each into
//! one of four outcomes.

use std::path::Path;

use super::{RuleSet, Target};
use crate::engine::{Engine, EngineOptions, Knowledge, Worker};
use crate::source;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A `match` snippet was reported, or a `no_match` snippet was not.
    Validated,
    /// A `known_miss` snippet is still missed, as documented.
    KnownMiss,
    /// A `known_miss` snippet is now reported: promote it to `match`.
    Fixed,
    /// A `match` snippet was not reported.
    Missing,
    /// A `no_match` snippet was reported.
    Noisy,
}

#[derive(Clone, Debug)]
pub struct CaseResult {
    pub rule: String,
    pub target: String,
    pub snippet: String,
    pub outcome: Outcome,
}

impl CaseResult {
    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Missing | Outcome::Noisy)
    }
}

/// Runs every rule's self-tests.
pub fn run(rules: &RuleSet) -> Vec<CaseResult> {
    let opts = EngineOptions { include_tests: true, ..EngineOptions::default() };
    let known = Knowledge::default();
    let engine = Engine::new(rules, &known, opts);
    let mut worker = Worker::default();
    let mut results = Vec::new();
    for rule in &rules.rules {
        for (targets, tests) in &rule.tests {
            for target in targets {
                let path = match (&tests.path, target) {
                    (Some(p), _) => p.clone(),
                    (None, Target::Lang(l)) => format!("snippet.{}", l.extensions()[0]),
                    (None, Target::Any) => "snippet.txt".to_string(),
                };
                let mut reported = |snippet: &str| -> bool {
                    let (src, _) = source::from_bytes(Path::new(&path), path.clone(), snippet.as_bytes().to_vec(), u64::MAX);
                    let Some(mut src) = src else { return false };
                    if let Target::Lang(l) = target {
                        src.lang = Some(*l);
                    }
                    engine.scan(&src, &mut worker).findings.iter().any(|f| f.rule_id == rule.id)
                };
                let mut push = |snippet: &str, outcome: Outcome| {
                    results.push(CaseResult { rule: rule.id.clone(), target: target.to_string(), snippet: snippet.to_string(), outcome });
                };
                for s in &tests.matches {
                    let o = if reported(s) { Outcome::Validated } else { Outcome::Missing };
                    push(s, o);
                }
                for s in &tests.no_match {
                    let o = if reported(s) { Outcome::Noisy } else { Outcome::Validated };
                    push(s, o);
                }
                for s in &tests.known_miss {
                    let o = if reported(s) { Outcome::Fixed } else { Outcome::KnownMiss };
                    push(s, o);
                }
            }
        }
    }
    results
}
