//! Every occurrence of a set of literals in a text, found by walking four
//! stripes of the text in lockstep with one Aho-Corasick automaton.
//!
//! An automaton's walk is bound by the latency of its table lookups: each
//! step needs the state the previous one loaded. Walks over separate
//! stripes do not wait on each other, so the CPU overlaps their lookups.
//! With the literals of the benchmark corpus's Java files (202 MB, 402
//! case-blind literals, a DFA), `aho-corasick`'s overlapping search took
//! 495 ms and this one 253 ms; two stripes took 270 ms and eight 361 ms.
//! Rust, Python, JavaScript and C files gained alike.

use std::ops::{ControlFlow, Range};

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{dfa, nfa, Anchored, BuildError, MatchKind, PatternID};

const STRIPES: usize = 4;

/// A text shorter than `STRIPES` times this is walked in one stripe: the
/// stripes' overlaps and set-up would cost more than they save.
const MIN_STRIPE: usize = 1024;

/// An automaton over a set of literals, searched in stripes.
pub(super) enum StripedSearch {
    /// Searches fastest but takes milliseconds to build for hundreds of
    /// literals: for scans of many files.
    Dfa(dfa::DFA),
    /// Builds in a fraction of the time: for scans of a few files.
    Nfa(nfa::contiguous::NFA),
}

impl StripedSearch {
    /// An automaton over `literals`; `case_blind`: ASCII letters match
    /// either case.
    pub(super) fn new<P: AsRef<[u8]>>(
        literals: impl IntoIterator<Item = P>,
        case_blind: bool,
        as_dfa: bool,
    ) -> Result<StripedSearch, BuildError> {
        // Standard semantics: every literal that ends at a position, not
        // only the leftmost-first one; no prefilter, since a walk by hand
        // does not use it and it would make start states special.
        Ok(if as_dfa {
            StripedSearch::Dfa(
                dfa::Builder::new()
                    .match_kind(MatchKind::Standard)
                    .ascii_case_insensitive(case_blind)
                    .prefilter(false)
                    .build(literals)?,
            )
        } else {
            StripedSearch::Nfa(
                nfa::contiguous::Builder::new()
                    .match_kind(MatchKind::Standard)
                    .ascii_case_insensitive(case_blind)
                    .prefilter(false)
                    .build(literals)?,
            )
        })
    }

    /// Calls `found` with every occurrence of a literal in `text` (its
    /// index and byte range), overlapping ones included, until it breaks.
    /// Each occurrence is reported at least once, in no particular order:
    /// one that lies where two stripes overlap is reported by both.
    pub(super) fn each_match(&self, text: &[u8], found: impl FnMut(PatternID, Range<usize>) -> ControlFlow<()>) {
        match self {
            StripedSearch::Dfa(a) => each_match(a, text, found),
            StripedSearch::Nfa(a) => each_match(a, text, found),
        }
    }
}

/// Where each stripe's walk starts and ends. A stripe runs on past its
/// share by one byte less than the longest literal, so that an occurrence
/// that starts in its share ends inside it; each share then has its
/// occurrences found by the walk that starts at its first byte.
fn stripes(len: usize, longest: usize) -> ([Range<usize>; STRIPES], usize) {
    let count = (len / MIN_STRIPE).clamp(1, STRIPES);
    let share = len.div_ceil(count);
    let overlap = longest.saturating_sub(1);
    let mut walks: [Range<usize>; STRIPES] = Default::default();
    for (i, walk) in walks.iter_mut().enumerate().take(count) {
        *walk = (i * share).min(len)..((i + 1) * share + overlap).min(len);
    }
    (walks, count)
}

fn each_match<A: Automaton>(a: &A, text: &[u8], mut found: impl FnMut(PatternID, Range<usize>) -> ControlFlow<()>) {
    let Ok(start) = a.start_state(Anchored::No) else { return };
    let mut report = |sid: StateID, end: usize| -> ControlFlow<()> {
        if a.is_match(sid) {
            for i in 0..a.match_len(sid) {
                let pattern = a.match_pattern(sid, i);
                found(pattern, end - a.pattern_len(pattern)..end)?;
            }
        }
        ControlFlow::Continue(())
    };
    // An empty literal occurs before the first byte too; every later
    // position is reported after a step.
    if a.is_special(start) && report(start, 0).is_break() {
        return;
    }
    let (walks, count) = stripes(text.len(), a.max_pattern_len());
    let mut at: [usize; STRIPES] = std::array::from_fn(|i| walks[i].start);
    let mut sid = [start; STRIPES];
    if count == STRIPES {
        // In lockstep while every stripe has bytes left; the states are
        // checked together, as matches are rare next to steps.
        let steps = walks.iter().map(|w| w.len()).min().unwrap_or(0);
        for _ in 0..steps {
            let mut special = false;
            for i in 0..STRIPES {
                sid[i] = a.next_state(Anchored::No, sid[i], text[at[i]]);
                at[i] += 1;
                special |= a.is_special(sid[i]);
            }
            if special {
                for i in 0..STRIPES {
                    if a.is_special(sid[i]) && report(sid[i], at[i]).is_break() {
                        return;
                    }
                }
            }
        }
    }
    // What the lockstep left of each stripe (all of it, for a short text).
    for i in 0..count {
        while at[i] < walks[i].end {
            sid[i] = a.next_state(Anchored::No, sid[i], text[at[i]]);
            at[i] += 1;
            if a.is_special(sid[i]) && report(sid[i], at[i]).is_break() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn occurrences(search: &StripedSearch, text: &[u8]) -> BTreeSet<(usize, usize, usize)> {
        let mut got = BTreeSet::new();
        search.each_match(text, |p, r| {
            got.insert((p.as_usize(), r.start, r.end));
            ControlFlow::Continue(())
        });
        got
    }

    /// The stripes find what `aho-corasick`'s own overlapping search finds,
    /// in both automata and both cases, occurrences across a stripe's edge
    /// included.
    #[test]
    fn stripes_find_every_occurrence_the_plain_search_finds() {
        let literals = ["key", "KEY", "secret_key", "[", "e", "ab", "abcab", "cabca", "x".repeat(40).leak(), ""];
        let pieces = ["key", "Key", "secret_", "[", "ab", "c", " ", "\n", "x", "xxxxxxxxxx", "é"];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % n
        };
        let mut across_edges = 0;
        for round in 0..400 {
            let case_blind = round % 2 == 0;
            let plain =
                aho_corasick::AhoCorasick::builder().ascii_case_insensitive(case_blind).build(literals).unwrap();
            let len = [10, 3000, 4096, 9000][round % 4];
            let mut text = String::new();
            while text.len() < len {
                text.push_str(pieces[next(pieces.len())]);
            }
            let expected: BTreeSet<(usize, usize, usize)> = plain
                .find_overlapping_iter(text.as_bytes())
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                .collect();
            for as_dfa in [true, false] {
                let search = StripedSearch::new(literals, case_blind, as_dfa).unwrap();
                assert_eq!(occurrences(&search, text.as_bytes()), expected, "{text:?}");
            }
            let (walks, count) = stripes(text.len(), 40);
            across_edges += expected
                .iter()
                .filter(|&&(_, s, e)| walks[1..count].iter().any(|w| s < w.start && w.start < e))
                .count();
        }
        assert!(across_edges > 50, "occurrences across a stripe's edge: {across_edges}");
    }

    #[test]
    fn a_short_text_is_one_stripe_and_a_long_one_four_that_overlap() {
        let (walks, count) = stripes(100, 8);
        assert_eq!((count, walks[0].clone()), (1, 0..100));
        let (walks, count) = stripes(8000, 8);
        assert_eq!(count, 4);
        assert_eq!(walks, [0..2007, 2000..4007, 4000..6007, 6000..8000]);
    }

    #[test]
    fn the_search_stops_when_told() {
        let search = StripedSearch::new(["a"], false, true).unwrap();
        let mut calls = 0;
        search.each_match("a".repeat(10_000).as_bytes(), |_, _| {
            calls += 1;
            ControlFlow::Break(())
        });
        assert_eq!(calls, 1);
    }
}
