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

/// A literal as the automata see it: lower-cased unless exact.
#[derive(Clone, PartialEq, Eq)]
struct Literal {
    text: String,
    exact: bool,
}

impl Literal {
    fn occurs_in(&self, text: &str, lower: &str) -> bool {
        if self.exact {
            text.contains(self.text.as_str())
        } else {
            lower.contains(self.text.as_str())
        }
    }
}

struct Group {
    /// ASCII-case-insensitive and exact-case automata; each maps its own
    /// pattern ids to indices into `literals`.
    automata: Vec<(AhoCorasick, Vec<usize>)>,
    /// For each matcher of the group: its primary and `also` literal ids.
    matchers: Vec<(MatcherRef, Vec<usize>, Vec<usize>)>,
    literals: Vec<Literal>,
}

struct Spec {
    mref: MatcherRef,
    target: Target,
    /// (literal, exact case)
    primary: Vec<(String, bool)>,
    also: Vec<String>,
}

/// One automaton per language, built the first time a file of that language
/// is seen (a pre-commit run touches one or two languages).
pub struct Prefilter {
    /// Every matcher's target and literals, in rule order.
    specs: Vec<Spec>,
    /// Indexed by `Language as usize`; the last slot is for files without a
    /// known language.
    groups: Vec<OnceLock<Group>>,
}

impl Prefilter {
    pub fn new(rules: &RuleSet) -> Prefilter {
        let mut specs = Vec::new();
        for (ri, rule) in rules.rules.iter().enumerate() {
            for (mi, m) in rule.matchers.iter().enumerate() {
                specs.push(Spec {
                    mref: MatcherRef { rule: ri, matcher: mi },
                    target: m.target,
                    primary: m
                        .prefilter
                        .iter()
                        .map(|l| (l.clone(), false))
                        .chain(m.prefilter_exact.iter().map(|l| (l.clone(), true)))
                        .collect(),
                    also: m.prefilter_also.clone(),
                });
            }
        }
        Prefilter { specs, groups: (0..=Language::ALL.len()).map(|_| OnceLock::new()).collect() }
    }

    fn group(&self, lang: Option<Language>) -> &Group {
        let slot = lang.map_or(Language::ALL.len(), |l| l as usize);
        self.groups[slot].get_or_init(|| self.build(lang))
    }

    fn build(&self, key: Option<Language>) -> Group {
        let mut literals: Vec<Literal> = Vec::new();
        let mut id_of = |text: &str, exact: bool| -> usize {
            let lit = Literal { text: if exact { text.to_string() } else { text.to_ascii_lowercase() }, exact };
            match literals.iter().position(|l| *l == lit) {
                Some(i) => i,
                None => {
                    literals.push(lit);
                    literals.len() - 1
                }
            }
        };
        let mut matchers = Vec::new();
        for spec in &self.specs {
            let applies = match spec.target {
                Target::Any => true,
                Target::Lang(l) => Some(l) == key,
            };
            if !applies {
                continue;
            }
            let primary = spec.primary.iter().map(|(l, exact)| id_of(l, *exact)).collect();
            let also = spec.also.iter().map(|l| id_of(l, false)).collect();
            matchers.push((spec.mref, primary, also));
        }
        let mut automata = Vec::new();
        for exact in [false, true] {
            let ids: Vec<usize> = (0..literals.len()).filter(|&i| literals[i].exact == exact).collect();
            if ids.is_empty() {
                continue;
            }
            let ac = AhoCorasickBuilder::new()
                .ascii_case_insensitive(!exact)
                .match_kind(MatchKind::Standard)
                .build(ids.iter().map(|&i| &literals[i].text))
                .expect("literal automaton");
            automata.push((ac, ids));
        }
        Group { automata, matchers, literals }
    }

    /// The matchers whose literals occur in `text`, in rule order.
    pub fn hits(&self, lang: Option<Language>, text: &str) -> Vec<MatcherRef> {
        let group = self.group(lang);
        if group.automata.is_empty() {
            return Vec::new();
        }
        let mut seen = vec![false; group.literals.len()];
        for (ac, ids) in &group.automata {
            let mut remaining = ids.len();
            for m in ac.find_overlapping_iter(text) {
                let id = ids[m.pattern().as_usize()];
                if !seen[id] {
                    seen[id] = true;
                    remaining -= 1;
                    if remaining == 0 {
                        break;
                    }
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
        group
            .matchers
            .iter()
            .filter(|(_, _, also)| also.is_empty() || also.iter().any(|&i| group.literals[i].occurs_in(text, &lower)))
            .map(|(r, _, _)| *r)
            .collect()
    }
}
