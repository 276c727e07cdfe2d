//! Whether a matcher's `prefilter` literals cover the sources its
//! `flows_from` names. A flow rule's literals are its sources' words: a
//! file is parsed for the rule only if one of them occurs. A source the
//! list forgets is never looked for, and nothing else says so: `urandom`
//! was named by three rules' `flows_from` and by none of their lists.
//!
//! The check reads each `flows_from` regex's possible endings (its suffix
//! literals; every source name ends the matched text). Where some of them
//! hold a literal of the list and others do not, the list was meant to
//! cover the sources and misses those. A regex none of whose endings hold
//! a literal is left alone: the list then gates on something else (the
//! embedded key of `key-wrapped-to-embedded-key`, not the secret wrapped).

use regex_syntax::hir::literal::{ExtractKind, Extractor};

use super::{RuleSet, Target};

/// A source name no `prefilter` literal of its matcher covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    pub rule: String,
    pub target: Target,
    /// How the source's name ends (`urandom`).
    pub source: String,
}

/// Every gap of every matcher of `rules`.
pub fn gaps(rules: &RuleSet) -> Vec<Gap> {
    let mut out = Vec::new();
    for rule in &rules.rules {
        for m in &rule.matchers {
            let literals: Vec<String> =
                m.prefilter.iter().chain(&m.prefilter_exact).map(|l| l.to_ascii_lowercase()).collect();
            for k in m.constraints.iter().filter(|k| !k.optional) {
                let Some(source) = &k.flows_from else { continue };
                for ending in uncovered_endings(source.source(), &literals) {
                    let gap = Gap { rule: rule.id.clone(), target: m.target, source: ending };
                    if !out.contains(&gap) {
                        out.push(gap);
                    }
                }
            }
        }
    }
    out
}

/// The endings of `pattern`'s matches (lower-cased) that hold none of
/// `literals`, when at least one other ending holds one; empty when the
/// endings cannot be listed.
fn uncovered_endings(pattern: &str, literals: &[String]) -> Vec<String> {
    let Some(endings) = endings(pattern) else { return Vec::new() };
    let covers = |e: &String| literals.iter().any(|l| e.contains(l.as_str()));
    if !endings.iter().any(covers) {
        return Vec::new();
    }
    let mut names: Vec<String> = endings
        .iter()
        .filter(|e| !covers(e))
        // `.urandom` and `urandom` name one source.
        .map(|e| e.rsplit(['.', ':', '/', '>']).next().unwrap_or(e).to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The lower-cased suffix literals of `pattern`, case folding set aside
/// (the prefilter compares without case); `None` when they are unbounded.
fn endings(pattern: &str) -> Option<Vec<String>> {
    // Case-insensitive groups would list every spelling of every name.
    let folded = pattern.replace("(?i:", "(?:").replace("(?i)", "");
    let hir = regex_syntax::ParserBuilder::new().build().parse(&folded).ok()?;
    let mut extractor = Extractor::new();
    extractor.kind(ExtractKind::Suffix).limit_total(10_000).limit_class(64);
    let seq = extractor.extract(&hir);
    let mut endings: Vec<String> =
        seq.literals()?.iter().map(|l| String::from_utf8_lossy(l.as_bytes()).to_ascii_lowercase()).collect();
    endings.sort();
    endings.dedup();
    Some(endings)
}

#[cfg(test)]
mod tests {
    use super::uncovered_endings;

    fn lits(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_source_the_list_forgets_is_a_gap() {
        let source = r"(?i)^(?:\w+\.)*(?:session_?key|secret|urandom)$";
        let list = lits(&["session_key", "sessionkey", "secret"]);
        assert_eq!(uncovered_endings(source, &list), vec!["urandom"]);
        let list = lits(&["session_key", "sessionkey", "secret", "urandom"]);
        assert!(uncovered_endings(source, &list).is_empty());
    }

    #[test]
    fn a_list_about_something_else_or_unbounded_endings_are_left_alone() {
        // No ending holds a literal: the list gates on another part.
        let source = r"(?i)^(?:session_?key|secret)$";
        assert!(uncovered_endings(source, &lits(&["begin public key"])).is_empty());
        // `\w*` at the end: the endings cannot be listed.
        assert!(uncovered_endings(r"^(?:escrow|vendor)\w*$", &lits(&["escrow"])).is_empty());
    }

    #[test]
    fn the_builtin_packs_have_no_gaps() {
        let rules = crate::rules::RuleSet::compile(crate::rules::RuleSet::embedded_sources()).expect("embedded rules");
        let gaps = super::gaps(&rules);
        assert!(gaps.is_empty(), "{gaps:?}");
    }
}
