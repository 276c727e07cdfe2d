//! The literal prefilter: one Aho-Corasick automaton per language over every
//! active matcher's `prefilter` literals. A file is parsed only if some
//! matcher's literals occur in it; most files are never parsed at all.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::lang::Language;
use crate::rules::{RuleSet, Target};

/// A matcher, named by rule index and matcher index within the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MatcherRef {
    pub rule: usize,
    pub matcher: usize,
}

struct Group {
    ac: Option<AhoCorasick>,
    /// For each matcher of the group: its primary and `also` pattern ids.
    matchers: Vec<(MatcherRef, Vec<usize>, Vec<usize>)>,
    patterns: usize,
    /// The automaton's patterns, lower-cased.
    literals: Vec<String>,
}

pub struct Prefilter {
    /// `None` is the group for files without a known language.
    groups: HashMap<Option<Language>, Group>,
}

impl Prefilter {
    pub fn new(rules: &RuleSet) -> Prefilter {
        let mut groups = HashMap::new();
        let keys = Language::ALL.iter().map(|l| Some(*l)).chain([None]);
        for key in keys {
            let mut literals: Vec<String> = Vec::new();
            let id_of = |lit: &str, literals: &mut Vec<String>| -> usize {
                let lit = lit.to_ascii_lowercase();
                match literals.iter().position(|l| *l == lit) {
                    Some(i) => i,
                    None => {
                        literals.push(lit);
                        literals.len() - 1
                    }
                }
            };
            let mut matchers = Vec::new();
            for (ri, rule) in rules.rules.iter().enumerate() {
                for (mi, m) in rule.matchers.iter().enumerate() {
                    let applies = match m.target {
                        Target::Any => true,
                        Target::Lang(l) => Some(l) == key,
                    };
                    if !applies {
                        continue;
                    }
                    let primary = m.prefilter.iter().map(|l| id_of(l, &mut literals)).collect();
                    let also = m.prefilter_also.iter().map(|l| id_of(l, &mut literals)).collect();
                    matchers.push((MatcherRef { rule: ri, matcher: mi }, primary, also));
                }
            }
            let ac = (!literals.is_empty()).then(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&literals)
                    .expect("literal automaton")
            });
            groups.insert(key, Group { ac, matchers, patterns: literals.len(), literals });
        }
        Prefilter { groups }
    }

    /// The matchers whose literals occur in `text`, in rule order.
    pub fn hits(&self, lang: Option<Language>, text: &str) -> Vec<MatcherRef> {
        let Some(group) = self.groups.get(&lang) else { return Vec::new() };
        let Some(ac) = &group.ac else { return Vec::new() };
        let mut seen = vec![false; group.patterns];
        let mut remaining = group.patterns;
        for m in ac.find_overlapping_iter(text) {
            let id = m.pattern().as_usize();
            if !seen[id] {
                seen[id] = true;
                remaining -= 1;
                if remaining == 0 {
                    break;
                }
            }
        }
        group
            .matchers
            .iter()
            .filter(|(_, primary, also)| {
                primary.iter().any(|&i| seen[i]) && (also.is_empty() || also.iter().any(|&i| seen[i]))
            })
            .map(|(r, _, _)| *r)
            .collect()
    }

    /// Every matcher of a language, as if every `prefilter` literal had hit
    /// (used to prove that the prefilter never changes what is found).
    /// `prefilter_also` is a requirement on the file, not only a shortcut
    /// (a flow rule needs a sink in the file), so it is still checked here.
    pub fn all(&self, lang: Option<Language>, text: &str) -> Vec<MatcherRef> {
        let Some(group) = self.groups.get(&lang) else { return Vec::new() };
        let lower = text.to_ascii_lowercase();
        let literals = self.literals(lang);
        group
            .matchers
            .iter()
            .filter(|(_, _, also)| also.is_empty() || also.iter().any(|&i| lower.contains(literals[i].as_str())))
            .map(|(r, _, _)| *r)
            .collect()
    }

    fn literals(&self, lang: Option<Language>) -> &[String] {
        self.groups.get(&lang).map(|g| g.literals.as_slice()).unwrap_or(&[])
    }
}
