//! `rules test`: runs every rule's own `match` / `no_match` / `known_miss`
//! snippets through the real engine (prefilter included) and sorts each into
//! one of four outcomes.

use std::path::Path;

use super::{RuleSet, Target};
use crate::engine::{Engine, EngineOptions, Knowledge, Worker};
use crate::inventory::Asset;
use crate::source;

/// Whether an asset satisfies `key=value key=value` (normalised properties:
/// algorithm is the display name, primitive, family, mode, padding,
/// key_size, curve, hash, iterations, function, library).
pub fn asset_matches(a: &Asset, want: &str) -> bool {
    want.split_whitespace().all(|kv| {
        let Some((k, v)) = kv.split_once('=') else { return false };
        let al = &a.algo;
        let have: Option<String> = match k {
            "algorithm" => Some(al.name()),
            "family" => al.family.clone(),
            "primitive" => al.primitive.clone(),
            "mode" => al.mode.clone(),
            "padding" => al.padding.clone(),
            "key_size" => al.key_size.map(|n| n.to_string()),
            "curve" => al.curve.clone(),
            "hash" => al.hash.clone(),
            "iterations" => al.iterations.map(|n| n.to_string()),
            "function" => al.function.clone(),
            "library" => al.library.clone(),
            other => a.facts.get(other).cloned(),
        };
        have.is_some_and(|h| h.eq_ignore_ascii_case(v))
    })
}

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
                // A `report: false` rule is judged by the assets it produces.
                let mut assets: Vec<Asset> = Vec::new();
                let mut scan = |snippet: &str| -> (bool, Vec<Asset>) {
                    let (src, _) =
                        source::from_bytes(Path::new(&path), path.clone(), snippet.as_bytes().to_vec(), u64::MAX);
                    let Some(mut src) = src else { return (false, Vec::new()) };
                    if let Target::Lang(l) = target {
                        src.lang = Some(*l);
                    }
                    let out = engine.scan(&src, &mut worker);
                    let mine: Vec<Asset> = out.assets.into_iter().filter(|a| a.rule_id == rule.id).collect();
                    let hit =
                        if rule.report { out.findings.iter().any(|f| f.rule_id == rule.id) } else { !mine.is_empty() };
                    (hit, mine)
                };
                let mut push = |snippet: &str, outcome: Outcome| {
                    results.push(CaseResult {
                        rule: rule.id.clone(),
                        target: target.to_string(),
                        snippet: snippet.to_string(),
                        outcome,
                    });
                };
                for s in &tests.matches {
                    let (hit, mine) = scan(s);
                    assets.extend(mine);
                    let o = if hit { Outcome::Validated } else { Outcome::Missing };
                    push(s, o);
                }
                let found = std::mem::take(&mut assets);
                for want in &tests.assets {
                    let ok = found.iter().any(|a| asset_matches(a, want));
                    push(want, if ok { Outcome::Validated } else { Outcome::Missing });
                }
                for s in &tests.no_match {
                    let o = if scan(s).0 { Outcome::Noisy } else { Outcome::Validated };
                    push(s, o);
                }
                for s in &tests.known_miss {
                    let o = if scan(s).0 { Outcome::Fixed } else { Outcome::KnownMiss };
                    push(s, o);
                }
            }
        }
    }
    results
}
