//! Necessary conditions on a whole file, derived from a matcher's `where:`
//! regexes, so that a file whose text cannot satisfy them is never parsed.
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

use regex_syntax::hir::{Hir, HirKind, Repetition};

/// The file-level form of a capture regex, or `None` when it would hold in
/// almost every file (it can match the empty string) or does not parse.
pub(super) fn file_condition(pattern: &str) -> Option<String> {
    let hir = regex_syntax::parse(pattern).ok()?;
    let relaxed = strip_assertions(hir);
    if relaxed.properties().minimum_len().is_none_or(|n| n == 0) {
        return None;
    }
    Some(relaxed.to_string())
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
    use super::file_condition;

    fn holds(pattern: &str, file: &str) -> bool {
        let cond = file_condition(pattern).expect("a condition");
        regex::Regex::new(&cond).expect("the condition compiles").is_match(file)
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
    fn conditions_that_hold_everywhere_are_not_kept() {
        assert_eq!(file_condition(r"\W*$"), None);
        assert_eq!(file_condition(r"^(a|)$"), None);
        assert_eq!(file_condition(r"(unclosed"), None);
    }
}
