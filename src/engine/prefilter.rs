//! The literal prefilter: one Aho-Corasick automaton per language over every
//! active matcher's `prefilter` literals. A file is parsed only if some
//! matcher's literals occur in it; most files are never parsed at all.
//! Syntax matchers look for theirs in the code view (comments blanked,
//! `code_view`), regex matchers in the raw text: each kind has its own
//! automaton.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::lang::Language;
use crate::rules::{Pattern, RuleSet, Target};

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
    /// Whether the matcher reads the code view (a syntax matcher).
    on_code: bool,
    /// (literal, exact case)
    primary: Vec<(String, bool)>,
    also: Vec<String>,
}

/// One automaton per language, built the first time a file of that language
/// is seen (a pre-commit run touches one or two languages).
pub struct Prefilter {
    /// Every matcher's target and literals, in rule order.
    specs: Vec<Spec>,
    /// Indexed by `Language as usize` twice over, for raw text and then
    /// for the code view; the last slot of each is for files without a
    /// known language.
    groups: Vec<OnceLock<Group>>,
    dfa: bool,
}

impl Prefilter {
    /// `dfa`: build each automaton as a DFA, for a scan of many files. On
    /// the corpus the default (NFA) search took 8.7 CPU-s, the DFA 6.7;
    /// but a group's DFA takes milliseconds to build, which a pre-commit
    /// run of a few files would feel and never win back.
    pub fn new(rules: &RuleSet, dfa: bool) -> Prefilter {
        let mut specs = Vec::new();
        for (ri, rule) in rules.rules.iter().enumerate() {
            for (mi, m) in rule.matchers.iter().enumerate() {
                specs.push(Spec {
                    mref: MatcherRef { rule: ri, matcher: mi },
                    target: m.target,
                    on_code: matches!(m.pattern, Pattern::Query(_)),
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
        Prefilter { specs, groups: (0..2 * (Language::ALL.len() + 1)).map(|_| OnceLock::new()).collect(), dfa }
    }

    fn group(&self, lang: Option<Language>, on_code: bool) -> &Group {
        let slot = lang.map_or(Language::ALL.len(), |l| l as usize) + usize::from(on_code) * (Language::ALL.len() + 1);
        self.groups[slot].get_or_init(|| self.build(lang, on_code))
    }

    fn build(&self, key: Option<Language>, on_code: bool) -> Group {
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
            if !applies || spec.on_code != on_code {
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
                .kind(self.dfa.then_some(aho_corasick::AhoCorasickKind::DFA))
                .build(ids.iter().map(|&i| &literals[i].text))
                .expect("literal automaton");
            automata.push((ac, ids));
        }
        Group { automata, matchers, literals }
    }

    /// The matchers whose literals occur in their text (`raw` for regex
    /// matchers, `code` for syntax matchers), in rule order.
    pub fn hits(&self, lang: Option<Language>, raw: &str, code: &str) -> Vec<MatcherRef> {
        let mut hits = self.group(lang, false).hits(raw);
        hits.extend(self.group(lang, true).hits(code));
        hits.sort();
        hits
    }

    /// Every matcher of a language, as if every `prefilter` literal had hit
    /// (used to prove that the prefilter never changes what is found).
    /// `prefilter_also` is a requirement on the file, not only a shortcut
    /// (a flow rule needs a sink in the file), so it is still checked here.
    pub fn all(&self, lang: Option<Language>, raw: &str, code: &str) -> Vec<MatcherRef> {
        let mut all = self.group(lang, false).all(raw);
        all.extend(self.group(lang, true).all(code));
        all.sort();
        all
    }
}

impl Group {
    /// The matchers of this group whose literals occur in `text`.
    fn hits(&self, text: &str) -> Vec<MatcherRef> {
        if self.automata.is_empty() {
            return Vec::new();
        }
        let mut seen = vec![false; self.literals.len()];
        for (ac, ids) in &self.automata {
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
        self.matchers
            .iter()
            .filter(|(_, primary, also)| {
                primary.iter().any(|&i| seen[i]) && (also.is_empty() || also.iter().any(|&i| seen[i]))
            })
            .map(|(r, _, _)| *r)
            .collect()
    }

    /// Every matcher of this group whose `prefilter_also` holds in `text`.
    fn all(&self, text: &str) -> Vec<MatcherRef> {
        if self.matchers.is_empty() {
            return Vec::new();
        }
        let lower = text.to_ascii_lowercase();
        self.matchers
            .iter()
            .filter(|(_, _, also)| also.is_empty() || also.iter().any(|&i| self.literals[i].occurs_in(text, &lower)))
            .map(|(r, _, _)| *r)
            .collect()
    }
}
