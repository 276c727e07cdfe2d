//! The findings model: what a rule reports at one place, independent of any
//! output format. Renderers read these and nothing else.

use sha2::{Digest, Sha256};

use crate::rules::Severity;

/// A position in a file: 1-based line and character column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// A place in a scanned file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub path: String,
    pub start: Pos,
    pub end: Pos,
    /// Byte range in the file's text.
    pub bytes: (usize, usize),
}

/// Another place that explains a finding (the constant a value came from,
/// the embedded escrow key, a step of a flow).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Finding {
    /// Index of the rule in the rule set.
    pub rule: usize,
    pub rule_id: String,
    pub severity: Severity,
    pub span: Span,
    /// Rendered message, already redacted.
    pub message: String,
    /// The source line(s) of the finding, already redacted.
    pub snippet: String,
    /// Name of the enclosing function or class, if any.
    pub scope: Option<String>,
    /// Places the value came from.
    pub related: Vec<Related>,
    /// Source → steps → sink, for flow findings.
    pub flow: Vec<Related>,
    /// Stable identity (see [`fingerprint`]).
    pub fingerprint: String,
    /// Whether the finding is in test code.
    pub in_test: bool,
    /// Set when an inline `cipherlint: ignore[...]` comment silences it
    /// (see [`crate::suppress`]): still reported, never counted.
    pub suppression: Option<Suppression>,
}

/// A reasoned, in-source suppression of one finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub reason: String,
    /// `YYYY-MM-DD`: the last day the suppression holds.
    pub until: Option<String>,
    /// The line of the suppressing comment.
    pub line: usize,
}

impl Finding {
    /// Output order: by path, position, then rule.
    pub fn sort_key(&self) -> (&str, Pos, Pos, &str, &str) {
        (&self.span.path, self.span.start, self.span.end, &self.rule_id, &self.message)
    }
}

/// A fingerprint that survives unrelated edits: it hashes the rule, the
/// whitespace-normalised matched text (or a secret's hash, never the secret)
/// and the enclosing scope, but no line number. `occurrence` separates
/// identical matches in one scope.
pub fn fingerprint(rule_id: &str, path: &str, matched: &str, scope: Option<&str>, occurrence: usize) -> String {
    let normalised: String = matched.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut h = Sha256::new();
    for part in [rule_id, path, &normalised, scope.unwrap_or(""), &occurrence.to_string()] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize()[..16])
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How a secret is shown unless `--show-secrets`: its first four characters
/// (two if it is short), its length and a short hash, so the same secret can be
/// recognised across reports without being disclosed.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = if n >= 16 {
        4
    } else if n >= 8 {
        2
    } else {
        0
    };
    let head: String = secret.chars().take(keep).collect();
    let digest = Sha256::digest(secret.as_bytes());
    format!("{head}…[redacted {n} chars, sha256:{}]", hex(&digest[..4]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_whitespace_but_not_text() {
        let a = fingerprint("r", "a.py", "md5( x )", Some("f"), 0);
        let b = fingerprint("r", "a.py", "md5(\n x\t)", Some("f"), 0);
        let c = fingerprint("r", "a.py", "md5( y )", Some("f"), 0);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, fingerprint("r", "a.py", "md5( x )", Some("f"), 1));
    }

    #[test]
    fn redaction_hides_the_secret() {
        let s = "0123456789abcdef0123456789abcdef";
        let r = redact(s);
        assert!(r.starts_with("0123…"));
        assert!(!r.contains("456789abcdef"));
        assert!(r.contains("32 chars"));
        assert!(!redact("hunter2").contains("hu"));
    }
}
