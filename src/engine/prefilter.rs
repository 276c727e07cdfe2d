//! The literal prefilter: one Aho-Corasick automaton per language over every
//! active matcher's `prefilter` literals. A file is parsed only if some
//! matcher's literals occur in it; most files are never parsed at all.

use std::sync::OnceLock;

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

/// One automaton per language, built the first time a file of that language
/// is seen (a pre-commit run touches one or two languages).
pub struct Prefilter {
    /// Every matcher's target and literals, in rule order.
    specs: Vec<(MatcherRef, Target, Vec<String>, Vec<String>)>,
    /// Indexed by `Language as usize`; the last slot is for files without a
    /// known language.
    groups: Vec<OnceLock<Group>>,
}

impl Prefilter {
    pub fn new(rules: &RuleSet) -> Prefilter {
        let mut specs = Vec::new();
        for (ri, rule) in rules.rules.iter().enumerate() {
            for (mi, m) in rule.matchers.iter().enumerate() {
                specs.push((
                    MatcherRef { rule: ri, matcher: mi },
                    m.target,
                    m.prefilter.clone(),
                    m.prefilter_also.clone(),
                ));
            }
        }
        Prefilter { specs, groups: (0..=Language::ALL.len()).map(|_| OnceLock::new()).collect() }
    }

    fn group(&self, lang: Option<Language>) -> &Group {
        let slot = lang.map_or(Language::ALL.len(), |l| l as usize);
        self.groups[slot].get_or_init(|| self.build(lang))
    }

    fn build(&self, key: Option<Language>) -> Group {
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
        for (mref, target, primary, also) in &self.specs {
            let applies = match target {
                Target::Any => true,
                Target::Lang(l) => Some(*l) == key,
            };
            if !applies {
                continue;
            }
            let primary = primary.iter().map(|l| id_of(l, &mut literals)).collect();
            let also = also.iter().map(|l| id_of(l, &mut literals)).collect();
            matchers.push((*mref, primary, also));
        }
        let ac = (!literals.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&literals)
                .expect("literal automaton")
        });
        Group { ac, matchers, patterns: literals.len(), literals }
    }

    /// The matchers whose literals occur in `text`, in rule order.
    pub fn hits(&self, lang: Option<Language>, text: &str) -> Vec<MatcherRef> {
        let group = self.group(lang);
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
        let group = self.group(lang);
        let lower = text.to_ascii_lowercase();
        let literals = &group.literals;
        group
            .matchers
            .iter()
            .filter(|(_, _, also)| also.is_empty() || also.iter().any(|&i| lower.contains(literals[i].as_str())))
            .map(|(r, _, _)| *r)
            .collect()
    }
}
