//! The literal prefilter: one Aho-Corasick automaton per language over every
//! active matcher's `prefilter` literals. A file is parsed only if some
//! matcher's literals occur in it; most files are never parsed at all.
//! Syntax matchers look for theirs in the code view (comments and Rust's
//! foreign blocks blanked, `code_view`), regex matchers in the raw text; one
//! search of the raw text serves both, since the code view differs from it
//! only in the ranges it blanks.

use std::ops::{ControlFlow, Range};
use std::sync::OnceLock;

use super::striped::StripedSearch;
use crate::lang::Language;
use crate::rules::{Pattern, RuleSet, Target};

/// A matcher, named by rule index and matcher index within the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MatcherRef {
    pub rule: usize,
    pub matcher: usize,
}

/// A literal as the automata see it: lower-cased unless exact, and where it
/// must occur: anywhere in the raw text (for a regex matcher) or in the code
/// view (for a syntax matcher).
#[derive(Clone, PartialEq, Eq)]
struct Literal {
    text: String,
    exact: bool,
    in_code: bool,
}

impl Literal {
    fn occurs_in(&self, text: &str, lower: &str) -> bool {
        if self.exact {
            text.contains(self.text.as_str())
        } else {
            lower.contains(self.text.as_str())
        }
    }

    /// The part of the literal the automata search the raw text for, and
    /// its offset: for a code-view literal its longest run without a space.
    /// The code view is the raw text with blanked bytes turned into spaces,
    /// so every occurrence of such a literal in the code view has the run
    /// at the same place in the raw text.
    fn key(&self) -> (&str, usize) {
        if !self.in_code {
            return (&self.text, 0);
        }
        let mut best = (&self.text[..0], 0);
        let mut at = 0;
        for run in self.text.split(' ') {
            if run.len() > best.0.len() {
                best = (run, at);
            }
            at += run.len() + 1;
        }
        best
    }

    /// Whether the code view holds this literal at `start`, read from the
    /// raw text and the sorted ranges the view blanks, without building it.
    fn in_code_view_at(&self, raw: &[u8], blanked: &[Range<usize>], start: usize) -> bool {
        let Some(bytes) = raw.get(start..start + self.text.len()) else {
            return false;
        };
        let mut range = blanked.partition_point(|r| r.end <= start);
        bytes.iter().zip(self.text.bytes()).enumerate().all(|(i, (&b, want))| {
            let at = start + i;
            while blanked.get(range).is_some_and(|r| r.end <= at) {
                range += 1;
            }
            let hidden = blanked.get(range).is_some_and(|r| r.start <= at) && b != b'\n' && b != b'\r';
            let seen = if hidden { b' ' } else { b };
            if self.exact {
                seen == want
            } else {
                seen.eq_ignore_ascii_case(&want)
            }
        })
    }
}

struct Group {
    /// ASCII-case-insensitive and exact-case automata over the literals'
    /// keys (`Literal::key`); each maps its own pattern ids to key ids, and
    /// counts the literals its keys stand for.
    automata: Vec<(StripedSearch, Vec<usize>, usize)>,
    /// For each key: the literals it stands for, with its offset in each.
    uses: Vec<Vec<(usize, usize)>>,
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
    /// Indexed by `Language as usize`; the last slot is for files without
    /// a known language.
    groups: Vec<OnceLock<Group>>,
    dfa: bool,
}

impl Prefilter {
    /// `dfa`: build each automaton as a DFA, for a scan of many files. On
    /// the corpus an NFA search took 8.7 CPU-s, the DFA 6.7 (both before
    /// the search walked in stripes); but a group's DFA takes milliseconds
    /// to build, which a pre-commit run of a few files would feel and
    /// never win back.
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
        Prefilter { specs, groups: (0..=Language::ALL.len()).map(|_| OnceLock::new()).collect(), dfa }
    }

    fn group(&self, lang: Option<Language>) -> &Group {
        let slot = lang.map_or(Language::ALL.len(), |l| l as usize);
        self.groups[slot].get_or_init(|| self.build(lang))
    }

    fn build(&self, key: Option<Language>) -> Group {
        let mut literals: Vec<Literal> = Vec::new();
        let mut id_of = |text: &str, exact: bool, in_code: bool| -> usize {
            let text = if exact { text.to_string() } else { text.to_ascii_lowercase() };
            let lit = Literal { text, exact, in_code };
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
            let primary = spec.primary.iter().map(|(l, exact)| id_of(l, *exact, spec.on_code)).collect();
            let also = spec.also.iter().map(|l| id_of(l, false, spec.on_code)).collect();
            matchers.push((spec.mref, primary, also));
        }
        let mut keys: Vec<(&str, bool)> = Vec::new();
        let mut uses: Vec<Vec<(usize, usize)>> = Vec::new();
        for (i, lit) in literals.iter().enumerate() {
            let (key, offset) = lit.key();
            let k = keys.iter().position(|&k| k == (key, lit.exact)).unwrap_or_else(|| {
                keys.push((key, lit.exact));
                uses.push(Vec::new());
                keys.len() - 1
            });
            uses[k].push((i, offset));
        }
        let mut automata = Vec::new();
        for exact in [false, true] {
            let ids: Vec<usize> = (0..keys.len()).filter(|&k| keys[k].1 == exact).collect();
            if ids.is_empty() {
                continue;
            }
            let ac = StripedSearch::new(ids.iter().map(|&k| keys[k].0), !exact, self.dfa).expect("literal automaton");
            let served = literals.iter().filter(|l| l.exact == exact).count();
            automata.push((ac, ids, served));
        }
        Group { automata, uses, matchers, literals }
    }

    /// The matchers whose literals occur in their text, in rule order: the
    /// raw text for regex matchers, the code view for syntax matchers. One
    /// search of the raw text serves both; `blanked` (the sorted ranges
    /// the code view blanks) is called only when a syntax matcher's
    /// literal occurs there, so a file without one is never lexed.
    pub fn hits<'c>(
        &self,
        lang: Option<Language>,
        raw: &str,
        blanked: impl Fn() -> &'c [Range<usize>],
    ) -> Vec<MatcherRef> {
        self.group(lang).hits(raw, blanked)
    }

    /// Every matcher of a language, as if every `prefilter` literal had hit
    /// (used to prove that the prefilter never changes what is found).
    /// `prefilter_also` is a requirement on the file, not only a shortcut
    /// (a flow rule needs a sink in the file), so it is still checked here.
    pub fn all(&self, lang: Option<Language>, raw: &str, code: &str) -> Vec<MatcherRef> {
        self.group(lang).all(raw, code)
    }
}

impl Group {
    /// The matchers of this group whose literals occur in their text.
    fn hits<'c>(&self, raw: &str, blanked: impl Fn() -> &'c [Range<usize>]) -> Vec<MatcherRef> {
        let mut seen = vec![false; self.literals.len()];
        for (ac, keys, served) in &self.automata {
            let mut remaining = *served;
            ac.each_match(raw.as_bytes(), |key, at| {
                for &(id, offset) in &self.uses[keys[key.as_usize()]] {
                    if seen[id] {
                        continue;
                    }
                    let lit = &self.literals[id];
                    if lit.in_code
                        && !at
                            .start
                            .checked_sub(offset)
                            .is_some_and(|at| lit.in_code_view_at(raw.as_bytes(), blanked(), at))
                    {
                        continue;
                    }
                    seen[id] = true;
                    remaining -= 1;
                    if remaining == 0 {
                        return ControlFlow::Break(());
                    }
                }
                ControlFlow::Continue(())
            });
        }
        self.matchers
            .iter()
            .filter(|(_, primary, also)| {
                primary.iter().any(|&i| seen[i]) && (also.is_empty() || also.iter().any(|&i| seen[i]))
            })
            .map(|(r, _, _)| *r)
            .collect()
    }

    /// Every matcher of this group whose `prefilter_also` holds in its text.
    fn all(&self, raw: &str, code: &str) -> Vec<MatcherRef> {
        if self.matchers.is_empty() {
            return Vec::new();
        }
        let (raw_lower, code_lower) = (raw.to_ascii_lowercase(), code.to_ascii_lowercase());
        self.matchers
            .iter()
            .filter(|(_, _, also)| {
                also.is_empty()
                    || also.iter().any(|&i| {
                        let lit = &self.literals[i];
                        if lit.in_code {
                            lit.occurs_in(code, &code_lower)
                        } else {
                            lit.occurs_in(raw, &raw_lower)
                        }
                    })
            })
            .map(|(r, _, _)| *r)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(text: &str, exact: bool) -> Literal {
        Literal { text: if exact { text.to_string() } else { text.to_ascii_lowercase() }, exact, in_code: true }
    }

    #[test]
    fn a_code_literal_is_searched_by_its_longest_run_without_a_space() {
        assert_eq!(lit("Key <", true).key(), ("Key", 0));
        assert_eq!(lit("new (", false).key(), ("new", 0));
        assert_eq!(lit("a bcd", false).key(), ("bcd", 2));
        assert_eq!(Literal { in_code: false, ..lit("Key <", true) }.key(), ("Key <", 0));
    }

    #[test]
    fn the_code_view_is_read_through_the_comment_ranges() {
        // `x = Key/*c*/<` blanks to `x = Key     <`.
        let raw = b"x = Key/*c*/<; y = KEY // Key\n";
        let comments = [7..12, 23..29];
        let at = |l: &Literal, i| l.in_code_view_at(raw, &comments, i);
        assert!(!at(&lit("Key <", true), 4), "`<` is five bytes on");
        assert!(at(&lit("Key     <", true), 4), "the comment reads as spaces");
        assert!(at(&lit("key", false), 19), "case-insensitive, in code");
        assert!(!at(&lit("Key", true), 19), "exact case");
        assert!(!at(&lit("key", false), 26), "inside a comment");
        assert!(!at(&lit("key", false), 29), "past the end");
    }

    /// One search of the raw text gives what searching each literal in its
    /// own text gives: regex matchers' literals in the raw text, syntax
    /// matchers' in the code view (comments blanked), with `also` literals,
    /// exact case and spaces that a blanked comment may supply.
    #[test]
    fn one_search_agrees_with_searching_each_text() {
        let spec = |matcher, on_code, primary: &[(&str, bool)], also: &[&str]| Spec {
            mref: MatcherRef { rule: 0, matcher },
            target: Target::Lang(Language::C),
            on_code,
            primary: primary.iter().map(|&(l, e)| (l.to_string(), e)).collect(),
            also: also.iter().map(|l| l.to_string()).collect(),
        };
        let specs = vec![
            spec(0, true, &[("key", false)], &[]),
            spec(1, false, &[("key", false)], &[]),
            spec(2, true, &[("Key <", true), ("md5", false)], &[]),
            spec(3, true, &[("a b", false)], &["key"]),
            spec(4, false, &[("Key <", true)], &["md5"]),
            // Searched by `md5`, two bytes into the literal.
            spec(5, true, &[("< md5", false)], &[]),
        ];
        let prefilter =
            Prefilter { specs, groups: (0..=Language::ALL.len()).map(|_| OnceLock::new()).collect(), dfa: false };
        let pieces = ["key", "KEY", "Key", " ", "<", "/*", "*/", "//", "\n", "md5", "a", "b", "x"];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % n
        };
        let occurs = |text: &str, lit: &str, exact: bool| {
            if exact {
                text.contains(lit)
            } else {
                text.to_ascii_lowercase().contains(&lit.to_ascii_lowercase())
            }
        };
        let mut differing = 0;
        for _ in 0..3000 {
            let raw: String = (0..next(12)).map(|_| pieces[next(pieces.len())]).collect();
            let comments = crate::code_view::comments(Language::C, raw.as_bytes());
            let code = crate::code_view::blank(&raw, &comments).unwrap_or_else(|| raw.clone());
            let expected: Vec<MatcherRef> = prefilter
                .specs
                .iter()
                .filter(|s| {
                    let text = if s.on_code { &code } else { &raw };
                    s.primary.iter().any(|(l, e)| occurs(text, l, *e))
                        && (s.also.is_empty() || s.also.iter().any(|l| occurs(text, l, false)))
                })
                .map(|s| s.mref)
                .collect();
            let got = prefilter.hits(Some(Language::C), &raw, || &comments);
            assert_eq!(got, expected, "{raw:?}");
            let naive_raw =
                prefilter.specs.iter().filter(|s| s.primary.iter().any(|(l, e)| occurs(&raw, l, *e))).count();
            differing += usize::from(naive_raw != expected.len());
        }
        // The texts exercise comments: many hit differently in the two views.
        assert!(differing > 100, "{differing}");
    }
}
