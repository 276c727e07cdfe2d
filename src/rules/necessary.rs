//! Necessary conditions on a whole file, so that a file whose text cannot
//! satisfy them is never parsed for a matcher: declared by the rule's
//! author (`prefilter_regex`) or derived from its `where:` regexes, below.
//!
//! A `regex` entry that tests a capture's own text (not resolved values)
//! tests a substring of the file. Any match it finds there is also a match
//! of the same regex, *minus its zero-width assertions* (`^`, `$`, `\b`,
//! ...), somewhere in the file: the assertions are the only part of a regex
//! that looks outside the matched span, and a capture's edges are not the
//! file's. So the relaxed regex failing on the file proves that every match
//! of the query would fail that entry, and parsing can be skipped.
//!
//! The relaxation keeps every other part of the regex (classes, case
//! folding, Unicode), so it is never stricter than the original.
//!
//! It also trims the edges, which a search for a match *somewhere* does not
//! need: whatever may match nothing at the start or end goes (`(\w+\.)*`),
//! and a leading or trailing `x+` or `x{2,}` keeps only its minimum. Any
//! match of the original contains a match of the trimmed form, and the
//! trimmed form usually starts with a literal that the regex engine can
//! skip to, instead of running its automaton over every byte of the file.

use std::sync::{Arc, LazyLock, OnceLock};

use regex_syntax::hir::{Hir, HirKind, Repetition};

use super::compile::{interned, InternTable, LazyRegex};

/// A regex the whole file must match for a matcher to be worth parsing for,
/// built on first use (deriving and compiling them all would cost a
/// pre-commit run most of its start-up).
pub struct FileCondition {
    /// The `prefilter_regex` itself, or the `where:` regex to derive from.
    pub source: String,
    derived: bool,
    /// Shared by every condition of the same kind and source: most are
    /// derived from a `where:` entry that each language's matcher repeats.
    regex: Arc<Forms>,
}

/// A condition's regex, in the form for any text and, when derived, a
/// second one derived for ASCII text alone.
#[derive(Default)]
struct Forms {
    any: OnceLock<Option<LazyRegex>>,
    /// Derived from the regex read without Unicode: on ASCII text it means
    /// the same, and its printed form stays small. Read with Unicode,
    /// `(?i)key` prints as `[KkK][Ee][Yy]` and `\s` as a 30-range class; one
    /// `where:` list became a 64 KB regex that took a pre-commit run 10 ms
    /// to compile.
    ascii: OnceLock<Derived>,
}

static DERIVED: InternTable<Forms> = LazyLock::new(Default::default);

impl FileCondition {
    /// An author's `prefilter_regex`.
    pub fn declared(source: &str) -> Self {
        FileCondition { source: source.to_string(), derived: false, regex: Arc::default() }
    }

    /// The condition implied by a `where:` regex on a capture's own text.
    pub fn derived_from(source: &str) -> Self {
        FileCondition { source: source.to_string(), derived: true, regex: interned(&DERIVED, source, Forms::default) }
    }

    /// Whether it is derived from a capture's regex (and so may anchor).
    pub fn is_derived(&self) -> bool {
        self.derived
    }

    /// The regex to test `text` with; `None` when it holds everywhere.
    fn regex(&self, text: &str) -> Option<&LazyRegex> {
        if self.derived && text.is_ascii() {
            let ascii = self.regex.ascii.get_or_init(|| match file_condition(&self.source, false) {
                Derived::Regex(r) => Derived::Compiled(LazyRegex::new(&r)),
                other => other,
            });
            match ascii {
                Derived::Compiled(r) => return Some(r),
                Derived::Always => return None,
                Derived::Regex(_) | Derived::Unreadable => {}
            }
        }
        self.regex
            .any
            .get_or_init(|| {
                if !self.derived {
                    return Some(LazyRegex::new(&self.source));
                }
                match file_condition(&self.source, true) {
                    Derived::Regex(r) => Some(LazyRegex::new(&r)),
                    _ => None,
                }
            })
            .as_ref()
    }

    /// Whether `text` may hold a match; when in doubt (nothing to derive,
    /// a regex that fails to build), it may.
    pub fn holds(&self, text: &str) -> bool {
        self.regex(text).and_then(|r| r.test(text)).unwrap_or(true)
    }

    /// Whether `text` may hold a match inside one of `spans`. A capture
    /// that lies inside a span holds a whole match of the relaxed regex,
    /// so searching the spans alone is enough; they must begin and end
    /// on character boundaries.
    pub fn holds_within(&self, text: &str, spans: &[std::ops::Range<usize>]) -> bool {
        spans.iter().any(|s| text.get(s.clone()).is_none_or(|part| self.holds(part)))
    }

    /// For a derived condition, the spans of its matches in `text` (at
    /// most `limit`): every match of the matcher has a capture that
    /// overlaps one of them. A capture's text holds a match of the relaxed
    /// regex, and a search of the whole file that starts before it either
    /// reports that match or an earlier one that runs into it. `None` for a
    /// declared condition (it may hold anywhere) or past `limit`.
    pub fn anchor_spans(&self, text: &str, limit: usize) -> Option<Vec<(usize, usize)>> {
        if !self.derived {
            return None;
        }
        let spans = self.regex(text)?.find_spans(text, limit + 1)?;
        (spans.len() <= limit).then_some(spans)
    }
}

/// What deriving a file condition from a capture regex gives.
enum Derived {
    Regex(String),
    Compiled(LazyRegex),
    /// The relaxed regex can match the empty string: it holds everywhere.
    Always,
    /// The regex cannot be read in this mode.
    Unreadable,
}

/// The file-level form of a capture regex, read with or without Unicode.
fn file_condition(pattern: &str, unicode: bool) -> Derived {
    let parsed = regex_syntax::ParserBuilder::new().unicode(unicode).utf8(unicode).build().parse(pattern);
    let Ok(hir) = parsed else { return Derived::Unreadable };
    let relaxed = trim_start(trim_end(strip_assertions(hir)));
    if relaxed.properties().minimum_len().is_none_or(|n| n == 0) {
        return Derived::Always;
    }
    Derived::Regex(relaxed.to_string())
}

fn nullable(h: &Hir) -> bool {
    h.properties().minimum_len() == Some(0)
}

/// `h` minus what a match may leave out at its start.
fn trim_start(h: Hir) -> Hir {
    if nullable(&h) {
        return Hir::empty();
    }
    match h.into_kind() {
        HirKind::Concat(subs) => {
            let mut subs: Vec<Hir> = subs.into_iter().skip_while(nullable).collect();
            if let Some(first) = subs.first_mut() {
                *first = trim_start(std::mem::replace(first, Hir::empty()));
            }
            Hir::concat(subs)
        }
        HirKind::Alternation(subs) => Hir::alternation(subs.into_iter().map(trim_start).collect()),
        HirKind::Repetition(r) => least(r, trim_start),
        kind => rebuild(kind),
    }
}

/// `h` minus what a match may leave out at its end.
fn trim_end(h: Hir) -> Hir {
    if nullable(&h) {
        return Hir::empty();
    }
    match h.into_kind() {
        HirKind::Concat(subs) => {
            let mut subs: Vec<Hir> = subs;
            while subs.last().is_some_and(nullable) {
                subs.pop();
            }
            if let Some(last) = subs.last_mut() {
                *last = trim_end(std::mem::replace(last, Hir::empty()));
            }
            Hir::concat(subs)
        }
        HirKind::Alternation(subs) => Hir::alternation(subs.into_iter().map(trim_end).collect()),
        HirKind::Repetition(r) => least(r, trim_end),
        kind => rebuild(kind),
    }
}

/// A repetition at an edge cut to its minimum count (one copy is trimmed
/// further by `trim`, which only holds for a single copy).
fn least(r: Repetition, trim: fn(Hir) -> Hir) -> Hir {
    if r.min == 1 {
        return trim(*r.sub);
    }
    Hir::repetition(Repetition { min: r.min, max: Some(r.min), ..r })
}

fn rebuild(kind: HirKind) -> Hir {
    match kind {
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(l) => Hir::literal(l.0),
        HirKind::Class(c) => Hir::class(c),
        HirKind::Look(l) => Hir::look(l),
        HirKind::Repetition(r) => Hir::repetition(r),
        HirKind::Capture(c) => Hir::capture(c),
        HirKind::Concat(subs) => Hir::concat(subs),
        HirKind::Alternation(subs) => Hir::alternation(subs),
    }
}

fn strip_assertions(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(l) => Hir::literal(l.0),
        HirKind::Class(c) => Hir::class(c),
        HirKind::Repetition(r) => Hir::repetition(Repetition { sub: Box::new(strip_assertions(*r.sub)), ..r }),
        HirKind::Capture(c) => strip_assertions(*c.sub),
        HirKind::Concat(subs) => Hir::concat(subs.into_iter().map(strip_assertions).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.into_iter().map(strip_assertions).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::{file_condition, Derived, FileCondition};

    fn derive(pattern: &str, unicode: bool) -> Option<String> {
        match file_condition(pattern, unicode) {
            Derived::Regex(r) => Some(r),
            _ => None,
        }
    }

    /// Whether the condition holds in `file`, checked in both forms: the
    /// one for any text and (on ASCII text) the one derived without
    /// Unicode, which must agree.
    fn holds(pattern: &str, file: &str) -> bool {
        let cond = derive(pattern, true).expect("a condition");
        let any = regex::Regex::new(&cond).expect("the condition compiles").is_match(file);
        if let Some(cond) = derive(pattern, false).filter(|_| file.is_ascii()) {
            let re = regex::bytes::RegexBuilder::new(&cond).unicode(false).build().expect("it compiles");
            assert_eq!(re.is_match(file.as_bytes()), any, "{pattern} on {file:?}");
        }
        assert_eq!(FileCondition::derived_from(pattern).holds(file), any);
        any
    }

    #[test]
    fn anchors_no_longer_look_past_the_capture() {
        // The capture `sessionKey[:5]` is anchored at both ends; in the file
        // it sits inside a longer line.
        let capture = r"^\w*(?i:key)\[\s*:\s*[1-8]\s*\]$";
        assert!(holds(capture, "c, _ := rc4.NewCipher(sessionKey[:5])\n"));
        assert!(!holds(capture, "c, _ := rc4.NewCipher(sessionKey[:32])\n"));
    }

    #[test]
    fn word_boundaries_are_dropped_not_inverted() {
        // `\bmd5\b` on a capture `md5` holds even where the file glues it to
        // a neighbouring word character at the capture's edge.
        assert!(holds(r"(?i)\bmd5\b", "x=hashlib.MD5x"));
        assert!(!holds(r"(?i)\bmd5\b", "x = hashlib.sha256()"));
    }

    #[test]
    fn case_folding_and_classes_are_kept() {
        assert!(holds(r"(?i)^des(ede)?$", "Cipher.getInstance(\"DESede\")"));
        assert!(holds(r"^[0-9a-f]{32}$", "k = \"00112233445566778899aabbccddeeff\""));
        assert!(!holds(r"^[0-9a-f]{32}$", "k = \"0011\""));
    }

    #[test]
    fn edges_that_may_match_nothing_are_trimmed() {
        let capture = r"^(?:\w+\.)*(?i:(?:session|master)_?)?(?i:key)\[\s*:\s*[1-8]\s*\]$";
        let cond = derive(capture, true).expect("a condition");
        // The match starts at the first required part, `key`.
        let found = regex::Regex::new(&cond).expect("compiles").find("x = obj.masterKey[:5]").expect("a match");
        assert_eq!(found.as_str(), "Key[:5]");
        assert!(holds(capture, "k := masterKey[:5]"));
        assert!(!holds(capture, "k := masterKey[:16]"));
        // A leading `x+` keeps one copy, a trailing `x{2,}` two.
        assert!(holds(r"\w+=[0-9]{2,}$", "(a=12)"));
        assert!(!holds(r"\w+=[0-9]{2,}$", "(a=1)"));
    }

    #[test]
    fn conditions_that_hold_everywhere_are_not_kept() {
        for unicode in [true, false] {
            assert!(matches!(file_condition(r"\W*$", unicode), Derived::Always));
            assert!(matches!(file_condition(r"^(a|)$", unicode), Derived::Always));
            assert!(matches!(file_condition(r"(unclosed", unicode), Derived::Unreadable));
        }
        assert!(FileCondition::derived_from(r"(unclosed").holds("anything"));
    }

    #[test]
    fn the_ascii_form_is_small_and_unicode_text_gets_the_full_one() {
        let pattern = r"(?i)^\s*(secret|key)_?\w+$";
        assert!(derive(pattern, false).expect("ASCII").len() * 10 < derive(pattern, true).expect("any").len());
        // `\p{L}` cannot be read without Unicode: ASCII text falls back to
        // the form for any text.
        assert!(holds(r"^\p{L}+_key$", "let ключ_key = 1;"));
        assert!(holds(r"^\p{L}+_key$", "let master_key = 1;"));
        assert!(!holds(r"^\p{L}+_key$", "let _key = 1;"));
        // Case folding beyond ASCII still counts on non-ASCII text.
        assert!(holds(r"(?i)^key$", "x = \u{212A}EY; // é"));
    }
}
