//! One query per language holding every matcher's patterns, so a file is
//! walked once however many rules hit it. A tree-sitter query walk costs
//! nearly as much whatever its patterns (measured on 1,500 JDK files: a lone
//! `(if_statement)` took 1.3 s, all 31 Java matchers combined 1.9 s), and a
//! typical file that reaches the parser is hit by half a dozen rules.
//!
//! Compiling a language's combined query costs ~0.1 s, which only pays on
//! larger scans; small scans (pre-commit) read their files first and
//! compile one query per language for just the matchers those files hit.
//!
//! A large scan walks a file that one matcher hit with the combined query
//! too. Compiling that matcher's own query would cost the same pass over
//! the grammar's parse table as any query (3 to 20 ms), and a corpus scan
//! compiled most of them (0.91 CPU-s for about 145). Walking those files
//! with the combined query instead took the corpus scan's query time from
//! 4.87 to 4.12 CPU-s, with the same findings.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use rayon::prelude::*;
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

/// Combined queries: either every matcher of a language, built on first
/// use, or prepared up front for just the matchers a small scan's files need.
pub struct QueryBank {
    langs: Vec<OnceLock<Option<Combined>>>,
    prepared: bool,
}

impl Default for QueryBank {
    fn default() -> Self {
        QueryBank { langs: Language::ALL.iter().map(|_| OnceLock::new()).collect(), prepared: false }
    }
}

impl QueryBank {
    /// One query per language holding only `needs`, compiled now, the
    /// languages in parallel. Compiling any query costs tree-sitter a pass
    /// over the grammar's whole parse table (3 to 20 ms, TypeScript's the
    /// most), so a pre-commit run compiles one per language rather than
    /// one per matcher it hits.
    pub fn prepared(rules: &RuleSet, needs: &BTreeMap<Language, BTreeSet<MatcherRef>>) -> QueryBank {
        // Largest grammars first, one language per task: the analysis costs
        // about the parse table's size, and TypeScript's alone can take as
        // long as three small ones.
        let mut jobs: Vec<(&Language, &BTreeSet<MatcherRef>)> = needs.iter().collect();
        jobs.sort_by_key(|(lang, _)| std::cmp::Reverse(lang.grammar().parse_state_count()));
        let built: Vec<(Language, Option<Combined>)> =
            jobs.par_iter().with_max_len(1).map(|(lang, only)| (**lang, build(rules, **lang, Some(only)))).collect();
        let bank = QueryBank { prepared: true, ..QueryBank::default() };
        for (lang, combined) in built {
            let _ = bank.langs[lang as usize].set(combined);
        }
        bank
    }

    /// The combined query to walk a file of `lang` with for `hits`, if any:
    /// a prepared one that holds them all, or (when `combine` is on) the
    /// language's full one.
    pub fn for_hits(&self, rules: &RuleSet, lang: Language, hits: &[MatcherRef], combine: bool) -> Option<&Combined> {
        if self.prepared {
            let combined = self.langs[lang as usize].get()?.as_ref()?;
            return hits.iter().all(|h| combined.owners.binary_search(h).is_ok()).then_some(combined);
        }
        if !combine || hits.is_empty() {
            return None;
        }
        self.langs[lang as usize].get_or_init(|| build(rules, lang, None)).as_ref()
    }
}

fn build(rules: &RuleSet, lang: Language, only: Option<&BTreeSet<MatcherRef>>) -> Option<Combined> {
    let mut source = String::new();
    // (start byte of the matcher's text in `source`, matcher)
    let mut starts: Vec<(usize, MatcherRef)> = Vec::new();
    for (ri, rule) in rules.rules.iter().enumerate() {
        for (mi, m) in rule.matchers.iter().enumerate() {
            let Pattern::Query(q) = &m.pattern else { continue };
            let mref = MatcherRef { rule: ri, matcher: mi };
            if m.target != Target::Lang(lang) || only.is_some_and(|o| !o.contains(&mref)) {
                continue;
            }
            starts.push((source.len(), mref));
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
