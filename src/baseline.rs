//! Baselines: a committed file of findings a team has accepted for now, so
//! that only new findings are reported.
//!
//! The file is JSON Lines, one finding per line, sorted by path, rule and
//! fingerprint, so that two branches adding entries merge like source code.
//! An entry holds the finding's content-based fingerprint (rule, normalised
//! matched text with secrets already redacted to a hash, enclosing scope — no
//! line number), so edits that only move code keep matching, while a
//! different secret on the same line is a new finding. The path and rule are
//! there for people reading the file and for stale-entry reports.
//!
//! Baselined findings are dropped from the report (not marked): GitHub code
//! scanning ignores SARIF `baselineState`, and dropping keeps the exit code,
//! the counts and every output format consistent.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub path: String,
    pub rule: String,
    pub fingerprint: String,
}

/// The baseline's text for these findings (suppressed ones need no entry).
pub fn render(findings: &[Finding]) -> String {
    let mut entries: Vec<Entry> = findings
        .iter()
        .filter(|f| f.suppression.is_none())
        .map(|f| Entry { path: f.span.path.clone(), rule: f.rule_id.clone(), fingerprint: f.fingerprint.clone() })
        .collect();
    entries.sort();
    let mut out = String::new();
    for e in &entries {
        // Serialising three strings cannot fail.
        out.push_str(&serde_json::to_string(e).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Reads a baseline file; errors name the line.
pub fn read(path: &Path) -> Result<Vec<Entry>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
    parse(&text).map_err(|(line, e)| format!("{}:{line}: not a baseline entry: {e}", path.display()))
}

fn parse(text: &str) -> Result<Vec<Entry>, (usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| (i + 1, e.to_string())))
        .collect()
}

/// What applying a baseline did.
pub struct Applied {
    /// Findings dropped because the baseline lists them.
    pub matched: usize,
    /// Entries that matched no finding of this scan.
    pub stale: Vec<Entry>,
}

/// Drops the findings the baseline lists. Entries are counted, so two
/// identical findings need two entries.
pub fn apply(findings: &mut Vec<Finding>, entries: &[Entry]) -> Applied {
    let mut left: HashMap<&str, usize> = HashMap::new();
    for e in entries {
        *left.entry(e.fingerprint.as_str()).or_default() += 1;
    }
    let before = findings.len();
    findings.retain(|f| {
        if f.suppression.is_some() {
            return true;
        }
        match left.get_mut(f.fingerprint.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        }
    });
    let mut stale = Vec::new();
    for e in entries {
        if let Some(n) = left.get_mut(e.fingerprint.as_str()) {
            if *n > 0 {
                *n -= 1;
                stale.push(e.clone());
            }
        }
    }
    Applied { matched: before - findings.len(), stale }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_line_is_named() {
        let ok = "{\"path\":\"a\",\"rule\":\"r\",\"fingerprint\":\"f\"}\n";
        assert_eq!(parse(ok).unwrap().len(), 1);
        assert_eq!(parse(&format!("{ok}\n{{\"path\":1}}\n")).unwrap_err().0, 3);
    }
}
