//! One query per language holding every matcher's patterns, so a file is
//! walked once however many rules hit it. A tree-sitter query walk costs
//! nearly as much whatever its patterns (measured on 1,500 JDK files: a lone
//! `(if_statement)` took 1.3 s, all 31 Java matchers combined 1.9 s), and a
//! typical file that reaches the parser is hit by half a dozen rules.
//!
//! Compiling a language's combined query costs ~0.1 s, which only pays on
//! larger scans; small scans (pre-commit) run each hit matcher's own query.

use std::sync::OnceLock;

use tree_sitter::Query;

use super::MatcherRef;
use crate::lang::Language;
use crate::rules::{Pattern, RuleSet, Target};

pub struct Combined {
    pub query: Query,
    /// The matcher each pattern belongs to.
    pub owner: Vec<MatcherRef>,
    /// Per owner (indexed like `owners`): query capture index → the
    /// matcher's capture slot, `None` for another matcher's names.
    remaps: Vec<Vec<Option<usize>>>,
    owners: Vec<MatcherRef>,
}

impl Combined {
    pub fn remap(&self, owner: MatcherRef) -> &[Option<usize>] {
        let i = self.owners.binary_search(&owner).expect("owner of a pattern");
        &self.remaps[i]
    }
}

/// Combined queries, built per language on first use.
pub struct QueryBank {
    langs: Vec<OnceLock<Option<Combined>>>,
}

impl Default for QueryBank {
    fn default() -> Self {
        QueryBank { langs: Language::ALL.iter().map(|_| OnceLock::new()).collect() }
    }
}

impl QueryBank {
    pub fn get(&self, rules: &RuleSet, lang: Language) -> Option<&Combined> {
        self.langs[lang as usize].get_or_init(|| build(rules, lang)).as_ref()
    }
}

fn build(rules: &RuleSet, lang: Language) -> Option<Combined> {
    let mut source = String::new();
    // (start byte of the matcher's text in `source`, matcher)
    let mut starts: Vec<(usize, MatcherRef)> = Vec::new();
    for (ri, rule) in rules.rules.iter().enumerate() {
        for (mi, m) in rule.matchers.iter().enumerate() {
            let Pattern::Query(q) = &m.pattern else { continue };
            if m.target != Target::Lang(lang) {
                continue;
            }
            starts.push((source.len(), MatcherRef { rule: ri, matcher: mi }));
            source.push_str(q.source());
            source.push('\n');
        }
    }
    if starts.is_empty() {
        return None;
    }
    let query = Query::new(&lang.grammar(), &source).ok()?;
    let owner: Vec<MatcherRef> = (0..query.pattern_count())
        .map(|p| {
            let at = query.start_byte_for_pattern(p);
            let i = starts.partition_point(|(s, _)| *s <= at);
            starts[i.saturating_sub(1)].1
        })
        .collect();
    let owners: Vec<MatcherRef> = starts.iter().map(|(_, m)| *m).collect();
    let remaps = owners
        .iter()
        .map(|m| {
            let names = &rules.rules[m.rule].matchers[m.matcher].capture_names;
            query.capture_names().iter().map(|n| names.iter().position(|x| x == n)).collect()
        })
        .collect();
    Some(Combined { query, owner, remaps, owners })
}
