//! Inline suppressions: a *directive* is a comment
//! `cipherlint: ignore[rule-id, other-id] reason [until=YYYY-MM-DD]` that
//! silences those rules' findings on its own line or, when the comment stands
//! alone on its line, on the next line.
//!
//! Suppressed findings are kept (marked with [`Suppression`]) so that SARIF
//! and JSON can show them as suppressed; they never count for the exit code.
//! A directive without a reason, or with a malformed or past `until`, silences
//! nothing and is reported as a notice, so a bare `ignore` can never hide a
//! finding quietly.

use std::sync::OnceLock;

use crate::finding::{Finding, Suppression};
use crate::lang::Language;
use crate::source::Source;

const MARKER: &str = "cipherlint:";

/// One parsed directive.
#[derive(Debug, PartialEq, Eq)]
struct Directive {
    line: usize,
    /// Nothing but whitespace precedes the comment: it also covers the next line.
    own_line: bool,
    rules: Vec<String>,
    reason: String,
    until: Option<String>,
}

/// A directive problem, reported as a notice: (line, message).
type Problem = (usize, String);

/// Today as `YYYY-MM-DD`: `CIPHERLINT_TODAY` when set (tests pin the date
/// through it), otherwise the system clock in UTC. Read once per process.
pub fn today() -> &'static str {
    static TODAY: OnceLock<String> = OnceLock::new();
    TODAY.get_or_init(|| match std::env::var("CIPHERLINT_TODAY") {
        Ok(d) if valid_date(&d) => d,
        _ => {
            let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
            civil_date(secs / 86_400)
        }
    })
}

/// Marks the findings of one file that a directive silences, and returns the
/// notices about directives that silence nothing (line, message).
pub fn apply(src: &Source, findings: &mut [Finding], today: &str) -> Vec<(usize, String)> {
    // Cheap exit: most files carry no directive at all. `memmem` searches
    // with SIMD; `str::contains` took 2 % of a scan that parses little.
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(MARKER));
    if FINDER.find(src.text.as_bytes()).is_none() {
        return Vec::new();
    }
    let (directives, problems) = parse_all(&src.text, src.lang, today);
    for f in findings.iter_mut() {
        let line = f.span.start.line;
        let hit = directives
            .iter()
            .find(|d| (d.line == line || (d.own_line && d.line + 1 == line)) && d.rules.contains(&f.rule_id));
        if let Some(d) = hit {
            f.suppression = Some(Suppression { reason: d.reason.clone(), until: d.until.clone(), line: d.line });
        }
    }
    problems
}

/// Comment openers after which a directive counts, per language; files
/// without a known language accept the common `#` and `//`.
fn openers(lang: Option<Language>) -> Vec<&'static str> {
    match lang.map(Language::line_comment) {
        Some("//") => vec!["//", "/*"],
        Some(other) => vec![other],
        None => vec!["#", "//", "/*"],
    }
}

fn parse_all(text: &str, lang: Option<Language>, today: &str) -> (Vec<Directive>, Vec<Problem>) {
    let openers = openers(lang);
    let mut directives = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(at) = line.find(MARKER) else { continue };
        // The marker must sit inside a comment that opens earlier on the line.
        let before = &line[..at];
        let Some(open) = openers.iter().filter_map(|o| before.rfind(o)).min() else { continue };
        let rest = line[at + MARKER.len()..].trim_start();
        let Some(rest) = rest.strip_prefix("ignore") else { continue };
        let n = i + 1;
        match parse_one(rest) {
            Ok((rules, reason, until)) => {
                if let Some(u) = &until {
                    if u.as_str() < today {
                        problems.push((
                            n,
                            format!(
                                "suppression of {} expired on {u}; the finding is reported again",
                                rules.join(", ")
                            ),
                        ));
                        continue;
                    }
                }
                directives.push(Directive { line: n, own_line: line[..open].trim().is_empty(), rules, reason, until });
            }
            Err(why) => problems.push((n, format!("`cipherlint: ignore` {why}; it suppresses nothing"))),
        }
    }
    (directives, problems)
}

/// Parses what follows `ignore`: `[ids] reason [until=DATE]`.
fn parse_one(rest: &str) -> Result<(Vec<String>, String, Option<String>), String> {
    let Some(inner) = rest.strip_prefix('[') else {
        return Err("needs rule ids in brackets: `ignore[rule-id] reason`".into());
    };
    let Some(close) = inner.find(']') else { return Err("has no closing `]`".into()) };
    let rules: Vec<String> =
        inner[..close].split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    if rules.is_empty() {
        return Err("names no rule id".into());
    }
    // A block comment's closer is not part of the reason.
    let tail = inner[close + 1..].trim();
    let tail = tail.strip_suffix("*/").unwrap_or(tail);
    let mut until = None;
    let mut words = Vec::new();
    for w in tail.split_whitespace() {
        match w.strip_prefix("until=") {
            Some(d) if valid_date(d) => until = Some(d.to_string()),
            Some(d) => return Err(format!("has `until={d}`, which is not a YYYY-MM-DD date")),
            None => words.push(w),
        }
    }
    let reason = words.join(" ");
    let reason = reason.trim_start_matches([':', '-', '—', ' ']).trim().to_string();
    if !reason.chars().any(char::is_alphanumeric) {
        return Err("has no reason (write why after the brackets)".into());
    }
    Ok((rules, reason, until))
}

fn valid_date(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&d[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&d[8..10].parse::<u32>().unwrap_or(0))
}

/// Days since 1970-01-01 → `YYYY-MM-DD` (proleptic Gregorian calendar; the
/// era-based method, so no date crate is needed for one comparison).
fn civil_date(days: u64) -> String {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, lang: Option<Language>) -> (Vec<Directive>, Vec<Problem>) {
        parse_all(text, lang, "2025-06-01")
    }

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(19_723), "2024-01-01");
        assert_eq!(civil_date(19_782), "2024-02-29");
        assert!(valid_date("2025-12-31"));
        assert!(!valid_date("2025-13-01"));
        assert!(!valid_date("25-12-31"));
    }

    #[test]
    fn python_and_c_syntax() {
        let (d, p) = parse("x = md5(a)  # cipherlint: ignore[weak-hash] legacy protocol\n", Some(Language::Python));
        assert!(p.is_empty());
        assert_eq!(d[0].rules, ["weak-hash"]);
        assert_eq!(d[0].reason, "legacy protocol");
        assert!(!d[0].own_line);
        let (d, _) = parse("  /* cipherlint: ignore[a, b] -- interop until=2030-01-01 */\n", Some(Language::C));
        assert_eq!(d[0].rules, ["a", "b"]);
        assert_eq!(d[0].reason, "interop");
        assert_eq!(d[0].until.as_deref(), Some("2030-01-01"));
        assert!(d[0].own_line);
        // `#` is not a comment in C.
        assert!(parse("# cipherlint: ignore[a] why\n", Some(Language::C)).0.is_empty());
        // Unknown languages accept both.
        assert_eq!(parse("// cipherlint: ignore[a] why\n# cipherlint: ignore[b] why\n", None).0.len(), 2);
    }

    #[test]
    fn bare_expired_and_malformed_directives_suppress_nothing() {
        let (d, p) = parse("# cipherlint: ignore[weak-hash]\n# cipherlint: ignore[x] old until=2020-01-01\n# cipherlint: ignore nothing\n# cipherlint: ignore[x] y until=soon\n", Some(Language::Python));
        assert!(d.is_empty());
        assert_eq!(p.len(), 4);
        assert!(p[0].1.contains("no reason"));
        assert!(p[1].1.contains("expired"));
        // Expiry is inclusive of the `until` day itself.
        assert_eq!(parse("# cipherlint: ignore[x] y until=2025-06-01\n", None).0.len(), 1);
    }
}
