//! Markdown output: a short summary for a CI job summary or a pull-request
//! comment — counts by category and severity, then the most severe findings
//! with links. Suppressed findings are only counted.
//!
//! Inside GitHub Actions (`GITHUB_REPOSITORY` and `GITHUB_SHA` set) locations
//! link to the file at the scanned commit; elsewhere they are plain text.

use std::io::Write;
use std::path::Path;

use crate::finding::Finding;
use crate::rules::{RuleSet, Severity, CATEGORIES};
use crate::scan::ScanReport;

/// How many findings the table lists; the rest are counted.
const TOP: usize = 20;

pub fn write(report: &ScanReport, rules: &RuleSet, out: &mut dyn Write) -> std::io::Result<()> {
    let mut active: Vec<&Finding> = report.findings.iter().filter(|f| f.suppression.is_none()).collect();
    let suppressed = report.findings.len() - active.len();
    writeln!(out, "## cipherlint\n")?;
    let n = active.len();
    writeln!(
        out,
        "**{n} finding{}** in {} file{} scanned ({} skipped{}).\n",
        if n == 1 { "" } else { "s" },
        report.files_scanned,
        if report.files_scanned == 1 { "" } else { "s" },
        report.files_skipped,
        if suppressed > 0 { format!(", {suppressed} suppressed") } else { String::new() }
    )?;
    if active.is_empty() {
        return writeln!(out, "No findings.");
    }

    let severities: Vec<Severity> = Severity::ALL.iter().rev().copied().collect();
    write!(out, "| Category |")?;
    for s in &severities {
        write!(out, " {} |", s.as_str())?;
    }
    writeln!(out, " total |\n|---|{}---:|", "---:|".repeat(severities.len()))?;
    let category = |f: &Finding| rules.rules[f.rule].category.as_str();
    for c in CATEGORIES {
        let of_c: Vec<&&Finding> = active.iter().filter(|f| category(f) == c).collect();
        write!(out, "| {c} |")?;
        for s in &severities {
            write!(out, " {} |", of_c.iter().filter(|f| f.severity == *s).count())?;
        }
        writeln!(out, " {} |", of_c.len())?;
    }

    // Most severe first; the report's path order breaks ties.
    active.sort_by_key(|f| std::cmp::Reverse(f.severity));
    writeln!(out, "\n### Top findings\n\n| Severity | Rule | Location | Message |\n|---|---|---|---|")?;
    let link = link_base();
    for f in active.iter().take(TOP) {
        let path = repo_path(&report.base, &f.span.path);
        let place = format!("{path}:{}", f.span.start.line);
        let place = match &link {
            Some(base) => format!("[{place}]({base}/{path}#L{})", f.span.start.line),
            None => format!("`{place}`"),
        };
        writeln!(out, "| {} | `{}` | {place} | {} |", f.severity.as_str(), f.rule_id, cell(&f.message))?;
    }
    if n > TOP {
        writeln!(out, "\n…and {} more (see the SARIF or JSON report).", n - TOP)?;
    }
    Ok(())
}

/// `https://github.com/OWNER/REPO/blob/SHA` inside GitHub Actions.
fn link_base() -> Option<String> {
    let server = std::env::var("GITHUB_SERVER_URL").unwrap_or_else(|_| "https://github.com".into());
    let repo = std::env::var("GITHUB_REPOSITORY").ok().filter(|s| !s.is_empty())?;
    let sha = std::env::var("GITHUB_SHA").ok().filter(|s| !s.is_empty())?;
    Some(format!("{server}/{repo}/blob/{sha}"))
}

/// Finding paths are relative to the scanned directory; links need them
/// relative to the repository, which is the working directory in CI.
fn repo_path(base: &Path, path: &str) -> String {
    let base = base.to_string_lossy();
    let base = base.trim_start_matches("./").trim_end_matches('/');
    if base.is_empty() || base == "." || Path::new(base).is_absolute() {
        path.to_string()
    } else {
        format!("{base}/{path}")
    }
}

/// A table cell: no pipes or line breaks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_cells() {
        assert_eq!(repo_path(Path::new("."), "a.py"), "a.py");
        assert_eq!(repo_path(Path::new("./svc/"), "a.py"), "svc/a.py");
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
