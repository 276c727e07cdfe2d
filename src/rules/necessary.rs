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
//!
//! A capture of a query is a syntax node, and a node's edges are the
//! file's token edges: the lexer never ends an identifier, keyword or
//! number in the middle of a word. So where the regex pins a word
//! character to the capture's start or end (`^put$`, `^(\w+\.)?md5$`,
//! `\binfo`), the file-level form keeps a word boundary there (`\bput\b`):
//! `put` inside `input` or `output` no longer counts. Two kinds of node
//! break the rule, and the boundary allows for them: a piece of a string
//! that follows an escape (`\nput`: the boundary may be a backslash and
//! word characters), and a C++ number before its literal suffix (`1024_b`:
//! a trailing boundary may be an underscore). A trailing boundary is only
//! kept after a letter, never after a digit, since Python lets a keyword
//! follow a number directly (`1024if`). Matches of a regex matcher are
//! not nodes; their conditions keep no boundary.

use std::sync::{Arc, LazyLock, OnceLock};

use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Look, Repetition};

use super::compile::{interned, InternTable, LazyRegex};

/// A regex the whole file must match for a matcher to be worth parsing for,
/// built on first use (deriving and compiling them all would cost a
/// pre-commit run most of its start-up).
pub struct FileCondition {
    /// The `prefilter_regex` itself, or the `where:` regex to derive from.
    pub source: String,
    /// What the derived condition's regex tests, `None` when declared.
    derived: Option<Edges>,
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

/// The text a derived condition's regex tests, and so what its edges are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Edges {
    /// A regex matcher's own matches: they may start and end anywhere.
    Anywhere,
    /// A query capture's text: a syntax node, whose edges are token edges.
    Tokens,
}

static DERIVED: InternTable<Forms> = LazyLock::new(Default::default);
static DERIVED_FROM_NODES: InternTable<Forms> = LazyLock::new(Default::default);

impl FileCondition {
    /// An author's `prefilter_regex`.
    pub fn declared(source: &str) -> Self {
        FileCondition { source: source.to_string(), derived: None, regex: Arc::default() }
    }

    /// The condition implied by a regex matcher's regex, whose matches may
    /// start and end anywhere in the file.
    pub fn derived_from(source: &str) -> Self {
        let regex = interned(&DERIVED, source, Forms::default);
        FileCondition { source: source.to_string(), derived: Some(Edges::Anywhere), regex }
    }

    /// The condition implied by a `where:` regex (or a query predicate) on
    /// a capture's own text, a syntax node's.
    pub fn derived_from_capture(source: &str) -> Self {
        let regex = interned(&DERIVED_FROM_NODES, source, Forms::default);
        FileCondition { source: source.to_string(), derived: Some(Edges::Tokens), regex }
    }

    /// What identifies the condition's test: conditions with the same key
    /// hold or fail together on any text. Derived conditions share it when
    /// they share their kind and source (their regexes are interned); a
    /// declared one has a key of its own.
    pub fn key(&self) -> usize {
        Arc::as_ptr(&self.regex) as usize
    }

    /// Whether it is derived from a capture's regex (and so may anchor).
    pub fn is_derived(&self) -> bool {
        self.derived.is_some()
    }

    /// The regex to test `text` with; `None` when it holds everywhere.
    fn regex(&self, text: &str) -> Option<&LazyRegex> {
        if let Some(edges) = self.derived.filter(|_| text.is_ascii()) {
            let ascii = self.regex.ascii.get_or_init(|| match file_condition(&self.source, false, edges) {
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
                let Some(edges) = self.derived else {
                    return Some(LazyRegex::new(&self.source));
                };
                match file_condition(&self.source, true, edges) {
                    Derived::Regex(r) => Some(LazyRegex::new(&r)),
                    _ => None,
                }
            })
            .as_ref()
    }

    /// Whether `text` may hold a match; when in doubt (nothing to derive,
    /// a regex that fails to build), it may.
    pub fn holds(&self, text: &str) -> bool {
        let Some(r) = self.regex(text) else { return true };
        if self.derived.is_none() {
            // An author's regex is tested as written. Its byte-wise ASCII
            // form can meet a slow search strategy in the regex crate: a
            // case-blind list of 26 names, then `=`, took 9.7 s over the
            // Rust files of the corpus that way and 0.08 s as written.
            return r.get().is_none_or(|f| f.is_match(text));
        }
        r.test(text).unwrap_or(true)
    }

    /// Whether `text` may hold a match inside one of `spans`. A capture
    /// that lies inside a span holds a whole match of the relaxed regex
    /// there (with the characters around it that a word boundary looks
    /// at, or the span's edge, which passes any boundary), so searching
    /// the spans alone is enough; they must begin and end on character
    /// boundaries.
    pub fn holds_within(&self, text: &str, spans: &[std::ops::Range<usize>]) -> bool {
        spans.iter().any(|s| text.get(s.clone()).is_none_or(|part| self.holds(part)))
    }

    /// For a derived condition, the spans of its matches in `text` (at
    /// most `limit`): every match of the matcher has a capture that
    /// overlaps one of them. A capture's text (with an escape before it)
    /// holds a match of the relaxed regex, and a search of the whole file that starts before it either
    /// reports that match or an earlier one that runs into it. `None` for a
    /// declared condition (it may hold anywhere) or past `limit`.
    pub fn anchor_spans(&self, text: &str, limit: usize) -> Option<Vec<(usize, usize)>> {
        self.derived?;
        let spans = self.regex(text)?.find_spans(text, limit + 1)?;
        (spans.len() <= limit).then_some(spans)
    }
}

/// The file condition a `qualified:` regex implies, as a regex source:
/// one of the names a qualified name's last part can end with. A
/// qualified name is a capture's text with its head replaced by an import
/// target of the same file (`FileContext::qualified`): pieces of the
/// file's text joined by dots. So whatever suffix every match of the regex
/// ends with, its part after the last dot is text of the file, and a file
/// without any of those parts cannot match. `None` when the regex's
/// suffixes are too many or unbounded (`\.[a-z_]+$`), or one of them ends
/// in a dot or a blank.
pub(super) fn qualified_condition(pattern: &str) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for literal in qualified_suffixes(pattern)? {
        let last = literal.rsplit(|&b| b == b'.').next()?;
        if last.is_empty() || last.iter().any(u8::is_ascii_whitespace) {
            return None;
        }
        parts.push(regex_syntax::escape(std::str::from_utf8(last).ok()?));
    }
    parts.sort();
    parts.dedup();
    (!parts.is_empty()).then(|| parts.join("|"))
}

/// The literals that every match of a `qualified:` regex ends with.
fn qualified_suffixes(pattern: &str) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let suffixes = Extractor::new().kind(ExtractKind::Suffix).extract(&hir);
    Some(suffixes.literals()?.iter().map(|l| l.as_bytes().to_vec()).collect())
}

/// Where in a file the captures that pass a `qualified:` regex may lie, so
/// that a matcher whose other entries give no place to look can still
/// anchor its query walks (`Engine::anchor_ranges`).
///
/// A qualified name is a capture's text, blanks and generic arguments
/// dropped and `::` or `->` read as dots, whose head (the part before its
/// first dot) is replaced by the import target it names, if any
/// (`FileContext::qualified`): `T + R`, with `R` empty or starting with a
/// dot. A passing name holds a match of the regex, which ends with one of
/// its suffix literals, `L`; let `F` be the first part of `L` that is not
/// empty (parts split at dots). Either `R` holds all of `L`, and so `F` is
/// in the capture's text; or `L` reaches into `T`, and since `R` starts at
/// a dot, `T` holds the parts of `L` before one of its dots, `F` among
/// them (`T` is the head itself when nothing is imported under it: text
/// of the capture again). So a capture that passes holds a head `F`, or
/// starts with a name imported from a target that holds one.
pub struct QualifiedAnchor {
    pattern: String,
    /// Derived on first use, like file conditions.
    heads: OnceLock<Option<Vec<String>>>,
}

impl QualifiedAnchor {
    pub(super) fn new(pattern: &str) -> QualifiedAnchor {
        QualifiedAnchor { pattern: pattern.to_string(), heads: OnceLock::new() }
    }

    /// `None` when the regex's suffixes are too many or unbounded, or one
    /// has no part to look for.
    fn heads(&self) -> Option<&[String]> {
        let derive = || {
            let mut heads = Vec::new();
            for literal in qualified_suffixes(&self.pattern)? {
                let head = literal.split(|&b| b == b'.').find(|p| !p.is_empty())?;
                if head.iter().any(u8::is_ascii_whitespace) {
                    return None;
                }
                heads.push(String::from_utf8(head.to_vec()).ok()?);
            }
            heads.sort();
            heads.dedup();
            (!heads.is_empty()).then_some(heads)
        };
        self.heads.get_or_init(derive).as_deref()
    }

    /// The byte spans in `text` of every head and of every whole-word use
    /// of an import alias whose target holds a head (`imports`: the file's
    /// aliases and their targets); `None` past `limit` spans.
    pub fn spans<'a>(
        &self,
        text: &str,
        imports: impl Iterator<Item = (&'a str, &'a str)>,
        limit: usize,
    ) -> Option<Vec<(usize, usize)>> {
        let own = self.heads()?;
        let mut words: Vec<&str> = own.iter().map(String::as_str).collect();
        let heads = words.len();
        words.extend(
            imports
                .filter(|(alias, target)| {
                    let target = target.replace("::", ".");
                    !alias.is_empty() && own.iter().any(|h| target.contains(h.as_str()))
                })
                .map(|(alias, _)| alias),
        );
        let automaton = aho_corasick::AhoCorasick::new(&words).ok()?;
        let bytes = text.as_bytes();
        let is_word = |i: usize| bytes.get(i).is_some_and(|&b| crate::code_view::is_word(b));
        let mut spans = Vec::new();
        for m in automaton.find_overlapping_iter(bytes) {
            let whole = (m.start() == 0 || !is_word(m.start() - 1)) && !is_word(m.end());
            if m.pattern().as_usize() < heads || whole {
                if spans.len() == limit {
                    return None;
                }
                spans.push((m.start(), m.end()));
            }
        }
        Some(spans)
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
fn file_condition(pattern: &str, unicode: bool, edges: Edges) -> Derived {
    let parsed = regex_syntax::ParserBuilder::new().unicode(unicode).utf8(unicode).build().parse(pattern);
    let Ok(hir) = parsed else { return Derived::Unreadable };
    let trim = Trim { tokens: edges == Edges::Tokens };
    let relaxed = drop_edge_marks(trim.start(trim.end(mark_edges(hir), false), false));
    if relaxed.properties().minimum_len().is_none_or(|n| n == 0) {
        return Derived::Always;
    }
    Derived::Regex(relaxed.to_string())
}

/// Stands, until the trims are done, for an assertion that holds only at a
/// word boundary or an edge of the capture (`^`, `$`, `\b`): at a token
/// edge in the file. No regex of a rule uses it: `mark_edges` turns every
/// half-boundary of the source into it too.
const EDGE: Look = Look::WordStartHalfUnicode;

/// The regex with its assertions gone, but for an [`EDGE`] mark where one
/// implied a word boundary, and with its groups unwrapped.
fn mark_edges(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Look(look) => match look {
            Look::Start
            | Look::End
            | Look::WordAscii
            | Look::WordUnicode
            | Look::WordStartAscii
            | Look::WordEndAscii
            | Look::WordStartUnicode
            | Look::WordEndUnicode
            | Look::WordStartHalfAscii
            | Look::WordEndHalfAscii
            | Look::WordStartHalfUnicode
            | Look::WordEndHalfUnicode => Hir::look(EDGE),
            _ => Hir::empty(),
        },
        HirKind::Repetition(r) => Hir::repetition(Repetition { sub: Box::new(mark_edges(*r.sub)), ..r }),
        HirKind::Capture(c) => mark_edges(*c.sub),
        HirKind::Concat(subs) => Hir::concat(subs.into_iter().map(mark_edges).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.into_iter().map(mark_edges).collect()),
        kind => rebuild(kind),
    }
}

/// The regex without the [`EDGE`] marks the trims left inside it.
fn drop_edge_marks(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Look(EDGE) => Hir::empty(),
        HirKind::Repetition(r) => Hir::repetition(Repetition { sub: Box::new(drop_edge_marks(*r.sub)), ..r }),
        HirKind::Concat(subs) => Hir::concat(subs.into_iter().map(drop_edge_marks).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.into_iter().map(drop_edge_marks).collect()),
        kind => rebuild(kind),
    }
}

fn nullable(h: &Hir) -> bool {
    h.properties().minimum_len() == Some(0)
}

/// Trims a regex's edges. With `tokens`, a required part that a token edge
/// must precede (or follow) keeps a word boundary there; `edge` says
/// whether what the trim has dropped so far puts one there.
struct Trim {
    tokens: bool,
}

impl Trim {
    /// `h` minus what a match may leave out at its start.
    fn start(&self, h: Hir, edge: bool) -> Hir {
        if nullable(&h) {
            return Hir::empty();
        }
        match h.into_kind() {
            HirKind::Concat(subs) => {
                let mut edge = edge;
                let mut subs = subs.into_iter().peekable();
                while let Some(dropped) = subs.next_if(nullable) {
                    edge = self.edge_after(edge, &dropped);
                }
                let first = subs.next().map(|first| self.start(first, edge));
                Hir::concat(first.into_iter().chain(subs).collect())
            }
            HirKind::Alternation(subs) => Hir::alternation(subs.into_iter().map(|s| self.start(s, edge)).collect()),
            HirKind::Repetition(r) if r.min == 1 => self.start(*r.sub, edge),
            HirKind::Repetition(r) => bounded_before(least(r), edge),
            kind => bounded_before(rebuild(kind), edge),
        }
    }

    /// `h` minus what a match may leave out at its end.
    fn end(&self, h: Hir, edge: bool) -> Hir {
        if nullable(&h) {
            return Hir::empty();
        }
        match h.into_kind() {
            HirKind::Concat(mut subs) => {
                let mut edge = edge;
                while subs.last().is_some_and(nullable) {
                    let dropped = subs.pop().expect("a last part");
                    edge = self.edge_before(edge, &dropped);
                }
                if let Some(last) = subs.pop() {
                    subs.push(self.end(last, edge));
                }
                Hir::concat(subs)
            }
            HirKind::Alternation(subs) => Hir::alternation(subs.into_iter().map(|s| self.end(s, edge)).collect()),
            HirKind::Repetition(r) if r.min == 1 => self.end(*r.sub, edge),
            HirKind::Repetition(r) => bounded_after(least(r), edge),
            kind => bounded_after(rebuild(kind), edge),
        }
    }

    /// Whether a token edge lies right after `dropped`, which may match
    /// nothing: it ends on a non-word character, or it is an [`EDGE`].
    fn edge_after(&self, edge: bool, dropped: &Hir) -> bool {
        match dropped.kind() {
            HirKind::Look(EDGE) => self.tokens,
            _ => edge && edge_none(dropped, true),
        }
    }

    /// Whether a token edge lies right before `dropped`.
    fn edge_before(&self, edge: bool, dropped: &Hir) -> bool {
        match dropped.kind() {
            HirKind::Look(EDGE) => self.tokens,
            _ => edge && edge_none(dropped, false),
        }
    }
}

/// A repetition at an edge cut to its minimum count.
fn least(r: Repetition) -> Hir {
    Hir::repetition(Repetition { max: Some(r.min), ..r })
}

/// `h`, after a word boundary when a token edge precedes it and it starts
/// with an ASCII word character, or after a backslash and word characters
/// (an escape before a piece of a string).
fn bounded_before(h: Hir, edge: bool) -> Hir {
    if !edge || !edge_all(&h, false, is_word_byte) {
        return h;
    }
    let escape = Hir::concat(vec![
        Hir::literal(*b"\\"),
        Hir::repetition(Repetition { min: 0, max: None, greedy: true, sub: Box::new(ascii_word_class()) }),
    ]);
    Hir::concat(vec![Hir::alternation(vec![Hir::look(Look::WordAscii), escape]), h])
}

/// `h`, before a word boundary (or a C++ literal suffix's underscore) when
/// a token edge follows it and it ends with an ASCII letter.
fn bounded_after(h: Hir, edge: bool) -> Hir {
    if !edge || !edge_all(&h, true, |b| b == u32::from(b'_') || (b as u8).is_ascii_alphabetic()) {
        return h;
    }
    Hir::concat(vec![h, Hir::alternation(vec![Hir::look(Look::WordAscii), Hir::literal(*b"_")])])
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

/// An ASCII byte that may be part of a word (`\w` without Unicode).
fn is_word_byte(b: u32) -> bool {
    b < 0x80 && (b as u8).is_ascii_alphanumeric() || b == u32::from(b'_')
}

fn ascii_word_class() -> Hir {
    let ranges = [('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')].map(|(a, b)| ClassUnicodeRange::new(a, b));
    Hir::class(Class::Unicode(ClassUnicode::new(ranges)))
}

/// The characters (code points, or bytes of a byte class) that a
/// non-empty match of `h` may start with (`last`: end with), as ranges.
/// Only their ASCII part matters: to `(?-u:\b)` nothing else is a word
/// character.
fn edge_chars(h: &Hir, last: bool) -> Vec<(u32, u32)> {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Vec::new(),
        HirKind::Literal(l) => {
            let b = if last { l.0.last() } else { l.0.first() };
            b.map(|&b| vec![(u32::from(b), u32::from(b))]).unwrap_or_default()
        }
        HirKind::Class(Class::Unicode(c)) => c.ranges().iter().map(|r| (r.start() as u32, r.end() as u32)).collect(),
        HirKind::Class(Class::Bytes(c)) => {
            c.ranges().iter().map(|r| (u32::from(r.start()), u32::from(r.end()))).collect()
        }
        HirKind::Repetition(r) if r.max == Some(0) => Vec::new(),
        HirKind::Repetition(r) => edge_chars(&r.sub, last),
        HirKind::Capture(c) => edge_chars(&c.sub, last),
        HirKind::Alternation(subs) => subs.iter().flat_map(|s| edge_chars(s, last)).collect(),
        HirKind::Concat(subs) => {
            // Each part up to the first that cannot be empty may supply it.
            let mut out = Vec::new();
            let parts: Vec<&Hir> = if last { subs.iter().rev().collect() } else { subs.iter().collect() };
            for part in parts {
                out.extend(edge_chars(part, last));
                if !nullable(part) {
                    break;
                }
            }
            out
        }
    }
}

/// Whether every non-empty match of `h` starts (`last`: ends) with an
/// ASCII character that `keep` accepts; false when `h` only matches nothing.
fn edge_all(h: &Hir, last: bool, keep: impl Fn(u32) -> bool) -> bool {
    let chars = edge_chars(h, last);
    !chars.is_empty() && chars.iter().all(|&(a, b)| b < 0x80 && (a..=b).all(&keep))
}

/// Whether no match of `h` starts (`last`: ends) with an ASCII word character.
fn edge_none(h: &Hir, last: bool) -> bool {
    edge_chars(h, last).iter().all(|&(a, b)| !(a..=b.min(0x7f)).any(is_word_byte))
}

#[cfg(test)]
mod tests {
    use super::{file_condition, Derived, Edges, FileCondition, QualifiedAnchor};

    fn derive(pattern: &str, unicode: bool) -> Option<String> {
        match file_condition(pattern, unicode, Edges::Anywhere) {
            Derived::Regex(r) => Some(r),
            _ => None,
        }
    }

    /// Whether the condition of a regex matcher holds in `file`.
    fn holds(pattern: &str, file: &str) -> bool {
        holds_for(Edges::Anywhere, pattern, file)
    }

    /// Whether the condition of a capture's regex holds in `file`.
    fn holds_for_node(pattern: &str, file: &str) -> bool {
        holds_for(Edges::Tokens, pattern, file)
    }

    /// Whether the condition holds in `file`, checked in both forms: the
    /// one for any text and (on ASCII text) the one derived without
    /// Unicode, which must agree.
    fn holds_for(edges: Edges, pattern: &str, file: &str) -> bool {
        let derive = |unicode| match file_condition(pattern, unicode, edges) {
            Derived::Regex(r) => Some(r),
            _ => None,
        };
        let cond = derive(true).expect("a condition");
        let any = regex::Regex::new(&cond).expect("the condition compiles").is_match(file);
        if let Some(cond) = derive(false).filter(|_| file.is_ascii()) {
            let re = regex::bytes::RegexBuilder::new(&cond).unicode(false).build().expect("it compiles");
            assert_eq!(re.is_match(file.as_bytes()), any, "{pattern} on {file:?}");
        }
        let condition = match edges {
            Edges::Anywhere => FileCondition::derived_from(pattern),
            Edges::Tokens => FileCondition::derived_from_capture(pattern),
        };
        assert_eq!(condition.holds(file), any);
        any
    }

    #[test]
    fn a_capture_pinned_to_its_edges_is_a_whole_word_in_the_file() {
        let callee = r"^(?:[\w.:]*[.:])?(?:put|post)$";
        assert!(holds_for_node(callee, "client.put(x)"));
        assert!(holds_for_node(callee, "put (x)"));
        assert!(holds_for_node(callee, "requests::post(x)"));
        for file in ["input(x)", "let output = 1;", "puts(x)", "x.compute()", "postfix"] {
            assert!(!holds_for_node(callee, file), "{file}");
            // A regex matcher's own match may start and end anywhere.
            assert!(holds(callee, file), "{file}");
        }
        // `\b` pins the edge as `^` does; the optional prefix here may end
        // in a word character, so `key` may follow one.
        assert!(!holds_for_node(r"(?i)\binfo\b", "information"));
        assert!(holds_for_node(r"^\w*key$", "masterkey = 1"));
        assert!(!holds_for_node(r"^\w*key$", "keys = 1"));
        // A quote or a non-ASCII character at the edge asks for nothing.
        assert!(holds_for_node(r#"^['"]md5['"]$"#, "x('md5')"));
        assert!(holds_for_node(r"^é$", "xéx"));
    }

    #[test]
    fn the_word_boundary_allows_for_nodes_that_split_a_word() {
        let whole = r"^put$";
        // A piece of a string after an escape: `\nput`'s last node is `put`.
        assert!(holds_for_node(whole, r#"s = "\nput""#));
        assert!(holds_for_node(whole, r#"s = "\x41put""#));
        // A C++ number before its literal suffix (`0xff_k`).
        assert!(holds_for_node(r"^0xff$", "auto k = 0xff_k;"));
        // A number may be followed by a keyword in Python (`1024if`): no
        // boundary is asked after a digit.
        assert!(holds_for_node(r"^1024$", "bits = 1024if fast else 2048"));
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
            assert!(matches!(file_condition(r"\W*$", unicode, Edges::Anywhere), Derived::Always));
            assert!(matches!(file_condition(r"^(a|)$", unicode, Edges::Anywhere), Derived::Always));
            assert!(matches!(file_condition(r"(unclosed", unicode, Edges::Anywhere), Derived::Unreadable));
        }
        assert!(FileCondition::derived_from(r"(unclosed").holds("anything"));
    }

    #[test]
    fn a_qualified_regex_asks_the_file_for_the_last_part_of_its_suffixes() {
        let names = |re: &str| super::qualified_condition(re);
        assert_eq!(
            names(r"(^|\.)(createCipheriv|createDecipheriv|createCipher|createDecipher)$").as_deref(),
            Some("createCipher|createCipheriv|createDecipher|createDecipheriv")
        );
        // The part after the last dot: `crypto.hash` may be the target of
        // `import { hash } from "crypto"`, never written as such.
        assert_eq!(names(r"^(node:)?crypto\.hash$|(^|\.)subtle\.digest$").as_deref(), Some("digest|hash"));
        // A part with regex syntax in it is escaped.
        assert_eq!(names(r"^js\-md5\.hex$|^jquery\.\$$").as_deref(), Some(r"\$|hex"));
        // No bounded suffix, an empty one or one that ends in a dot: no condition.
        assert_eq!(names(r"^ecb\.(Encryptor|Decryptor)(\.+[a-z_]+)?$"), None);
        assert_eq!(names(r"^(MD5)?$"), None);
        assert_eq!(names(r"^hashlib\.$"), None);
        // Without `$` a match may end anywhere, and its suffix still names it.
        assert_eq!(names(r"MessageDigest").as_deref(), Some("MessageDigest"));
    }

    #[test]
    fn a_qualified_regex_anchors_on_its_heads_and_the_names_imported_from_them() {
        let anchor = QualifiedAnchor::new(r"^(hashlib\.(md5|sha1)|(Crypto|Cryptodome)\.Hash\.MD5\.new)$");
        let places = |text: &str, imports: &[(&str, &str)], limit| {
            let spans = anchor.spans(text, imports.iter().copied(), limit)?;
            Some(spans.into_iter().map(|(s, e)| &text[s..e]).collect::<Vec<_>>().join(" "))
        };
        // Each suffix's first part, wherever it is: `hashlib.md5(b)`.
        let text = "import hashlib\nh = hashlib.md5(b)\n";
        assert_eq!(places(text, &[], 8).as_deref(), Some("hashlib hashlib"));
        // `md5(b)` after `from hashlib import md5`: the name is the anchor,
        // as a whole word only (not inside `md5sum`); an alias whose
        // target holds no head is none.
        let text = "from hashlib import md5\nfrom os import path\nmd5sum(b)\nmd5(b)\npath(b)\n";
        let imports = [("md5", "hashlib.md5"), ("path", "os.path")];
        assert_eq!(places(text, &imports, 8).as_deref(), Some("hashlib md5 md5"));
        // A Rust path's target is read with dots.
        let anchor = QualifiedAnchor::new(r"^md5\.compute$");
        let text = "use md5::compute as digest;\nfn f() { digest(b); }\n";
        let spans = anchor.spans(text, [("digest", "md5::compute")].into_iter(), 8).expect("few places");
        assert_eq!(spans.len(), 3, "{spans:?}");
        // Too many places: none, the walk covers the whole file.
        assert_eq!(anchor.spans(&"md5 ".repeat(9), std::iter::empty(), 8), None);
        // No bounded suffix: no anchor.
        assert_eq!(QualifiedAnchor::new(r"^ecb\.\w+$").spans("ecb.x", std::iter::empty(), 8), None);
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
