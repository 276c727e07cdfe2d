//! JSON output, schema version 1 (documented in `docs/json-output.md`).
//! It is a stable contract, not a dump of internal types: fields are only
//! ever added within a version.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::finding::Related;
use crate::rules::{RuleSet, Severity};
use crate::scan::ScanReport;

#[derive(Serialize)]
struct Output<'a> {
    version: &'static str,
    tool: Tool,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
    notices: Vec<JsonNotice<'a>>,
    /// Present with `--policy` or `--pq-report`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pq_readiness: Option<&'a crate::inventory::PqSummary>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files_scanned: usize,
    files_skipped: usize,
    /// Unsuppressed findings (the `by_*` counts are of these too).
    findings: usize,
    /// Findings silenced by inline comments (listed with a `suppressed` object).
    suppressed: usize,
    by_severity: BTreeMap<&'static str, usize>,
    by_category: BTreeMap<String, usize>,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Place {
    path: String,
    start: Position,
    end: Position,
    message: String,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule_id: &'a str,
    category: &'a str,
    severity: &'static str,
    confidence: &'static str,
    cwe: &'a [String],
    message: &'a str,
    path: &'a str,
    start: Position,
    end: Position,
    snippet: &'a str,
    scope: Option<&'a str>,
    fingerprint: &'a str,
    in_test: bool,
    related: Vec<Place>,
    flow: Vec<Place>,
    suppressed: Option<JsonSuppression<'a>>,
}

#[derive(Serialize)]
struct JsonSuppression<'a> {
    reason: &'a str,
    until: Option<&'a str>,
    line: usize,
}

#[derive(Serialize)]
struct JsonNotice<'a> {
    path: &'a str,
    message: &'a str,
    skipped: bool,
}

fn place(r: &Related) -> Place {
    Place {
        path: r.span.path.clone(),
        start: Position { line: r.span.start.line, column: r.span.start.col },
        end: Position { line: r.span.end.line, column: r.span.end.col },
        message: r.message.clone(),
    }
}

pub fn write(report: &ScanReport, rules: &RuleSet, out: &mut dyn Write) -> std::io::Result<()> {
    let mut by_severity: BTreeMap<&'static str, usize> = Severity::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    let mut by_category: BTreeMap<String, usize> =
        crate::rules::CATEGORIES.iter().map(|c| (c.to_string(), 0)).collect();
    let findings: Vec<JsonFinding<'_>> = report
        .findings
        .iter()
        .map(|f| {
            let rule = &rules.rules[f.rule];
            if f.suppression.is_none() {
                *by_severity.entry(f.severity.as_str()).or_default() += 1;
                *by_category.entry(rule.category.clone()).or_default() += 1;
            }
            JsonFinding {
                rule_id: &f.rule_id,
                category: &rule.category,
                severity: f.severity.as_str(),
                confidence: rule.confidence.as_str(),
                cwe: &rule.cwe,
                message: &f.message,
                path: &f.span.path,
                start: Position { line: f.span.start.line, column: f.span.start.col },
                end: Position { line: f.span.end.line, column: f.span.end.col },
                snippet: &f.snippet,
                scope: f.scope.as_deref(),
                fingerprint: &f.fingerprint,
                in_test: f.in_test,
                related: f.related.iter().map(place).collect(),
                flow: f.flow.iter().map(place).collect(),
                suppressed: f.suppression.as_ref().map(|s| JsonSuppression {
                    reason: &s.reason,
                    until: s.until.as_deref(),
                    line: s.line,
                }),
            }
        })
        .collect();
    let doc = Output {
        version: "1",
        tool: Tool { name: "cipherlint", version: env!("CARGO_PKG_VERSION") },
        summary: Summary {
            files_scanned: report.files_scanned,
            files_skipped: report.files_skipped,
            findings: report.findings.iter().filter(|f| f.suppression.is_none()).count(),
            suppressed: report.findings.iter().filter(|f| f.suppression.is_some()).count(),
            by_severity,
            by_category,
        },
        findings,
        notices: report
            .notices
            .iter()
            .map(|n| JsonNotice { path: &n.path, message: &n.message, skipped: n.skipped })
            .collect(),
        pq_readiness: report.pq.as_ref(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
