//! SARIF 2.1.0 output, the only module that touches `serde-sarif`.
//!
//! Shaped for GitHub code scanning: repo-relative URIs under `%SRCROOT%`,
//! rules with `security-severity` as a string and `CWE-nnn` tags, results with
//! content-based `partialFingerprints`, and files that could not be scanned as
//! `toolExecutionNotifications`.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::json;
use serde_sarif::sarif;

use crate::finding::{Finding, Related};
use crate::rules::{Rule, RuleSet, Severity};
use crate::scan::ScanReport;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low | Severity::Info => sarif::ResultLevel::Note,
    }
}

/// GitHub's `security-severity` scale (critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn precision(r: &Rule) -> &'static str {
    match r.confidence {
        crate::rules::Confidence::High => "high",
        crate::rules::Confidence::Medium => "medium",
        crate::rules::Confidence::Low => "low",
    }
}

/// `ecb-mode` → `EcbMode` (SARIF recommends PascalCase rule names).
fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

fn bag(tags: Option<Vec<String>>, props: BTreeMap<String, serde_json::Value>) -> sarif::PropertyBag {
    match tags {
        Some(t) => sarif::PropertyBag::builder().tags(t).additional_properties(props).build(),
        None => sarif::PropertyBag::builder().additional_properties(props).build(),
    }
}

fn rule_descriptor(r: &Rule) -> sarif::ReportingDescriptor {
    let mut tags = vec!["security".to_string(), r.category.clone()];
    tags.extend(r.cwe.iter().cloned());
    let mut props = BTreeMap::new();
    props.insert("category".into(), json!(r.category));
    props.insert("security-severity".into(), json!(security_severity(r.severity)));
    props.insert("precision".into(), json!(precision(r)));
    props.insert("pack".into(), json!(r.pack));
    let full = first_paragraph(&r.description).unwrap_or_else(|| r.title.clone());
    let markdown = format!(
        "{}\n\n## Fix\n\n{}\n\n## References\n\n{}",
        r.description.trim(),
        r.help,
        r.references.iter().map(|u| format!("- <{u}>")).collect::<Vec<_>>().join("\n")
    );
    let mut b = sarif::ReportingDescriptor::builder()
        .id(r.id.clone())
        .name(pascal(&r.id))
        .short_description(sarif::MultiformatMessageString::builder().text(truncate(&r.title, 1000)).build())
        .full_description(sarif::MultiformatMessageString::builder().text(truncate(&full, 1000)).build())
        .help(sarif::MultiformatMessageString::builder().text(r.help.clone()).markdown(markdown).build())
        .default_configuration(sarif::ReportingConfiguration::builder().level(json!(level_str(r.severity))).build())
        .properties(bag(Some(tags), props))
        .build();
    if let Some(u) = r.references.first() {
        b.help_uri = Some(u.clone());
    }
    b
}

fn level_str(s: Severity) -> &'static str {
    match level(s) {
        sarif::ResultLevel::Error => "error",
        sarif::ResultLevel::Warning => "warning",
        _ => "note",
    }
}

fn first_paragraph(md: &str) -> Option<String> {
    md.split("\n\n")
        .map(|p| p.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join(" "))
        .map(|p| p.trim().to_string())
        .find(|p| !p.is_empty())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

fn uri(path: &str) -> String {
    // RFC 3986: encode what is not an unreserved character or a separator.
    let mut out = String::with_capacity(path.len());
    for b in path.trim_start_matches("./").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn physical(path: &str, start: (usize, usize), end: (usize, usize), snippet: Option<&str>) -> sarif::PhysicalLocation {
    let (sl, sc) = start;
    let (mut el, mut ec) = end;
    if el < sl || (el == sl && ec < sc) {
        el = sl;
        ec = sc;
    }
    let mut region = sarif::Region::builder()
        .start_line(sl as i64)
        .start_column(sc as i64)
        .end_line(el as i64)
        .end_column(ec as i64)
        .build();
    if let Some(s) = snippet {
        region.snippet = Some(sarif::ArtifactContent::builder().text(s.to_string()).build());
    }
    sarif::PhysicalLocation::builder()
        .artifact_location(sarif::ArtifactLocation::builder().uri(uri(path)).uri_base_id("%SRCROOT%").build())
        .region(region)
        .build()
}

fn related_location(id: usize, r: &Related) -> sarif::Location {
    let mut l = sarif::Location::builder()
        .physical_location(physical(
            &r.span.path,
            (r.span.start.line, r.span.start.col),
            (r.span.end.line, r.span.end.col),
            None,
        ))
        .message(sarif::Message::builder().text(r.message.clone()).build())
        .build();
    l.id = Some(id as i64);
    l
}

fn result(f: &Finding, rules: &RuleSet, report: &ScanReport) -> sarif::Result {
    let rule = &rules.rules[f.rule];
    let loc = sarif::Location::builder()
        .physical_location(physical(
            &f.span.path,
            (f.span.start.line, f.span.start.col),
            (f.span.end.line, f.span.end.col),
            Some(&f.snippet),
        ))
        .build();
    let mut fps = BTreeMap::new();
    fps.insert("cipherlint/v1".to_string(), f.fingerprint.clone());
    fps.insert("primaryLocationLineHash".to_string(), format!("{}:1", &f.fingerprint[..16.min(f.fingerprint.len())]));
    let mut props = BTreeMap::new();
    props.insert("category".into(), json!(rule.category));
    props.insert("severity".into(), json!(f.severity.as_str()));
    props.insert("confidence".into(), json!(rule.confidence.as_str()));
    if f.in_test {
        props.insert("inTestCode".into(), json!(true));
    }
    // The CBOM component (`--format cbom`) of the crypto asset this is about.
    if let Some(a) =
        crate::inventory::at(&report.assets, &f.span.path, f.span.start.line).filter(|a| a.algo.family.is_some())
    {
        props.insert("cbomRef".into(), json!(super::cbom::asset_ref(&a.algo)));
    }
    let mut tags = vec![rule.category.clone()];
    tags.extend(rule.cwe.iter().cloned());
    let mut res = sarif::Result::builder()
        .rule_id(f.rule_id.clone())
        .rule_index(f.rule as i64)
        .level(level(f.severity))
        .message(sarif::Message::builder().text(f.message.clone()).build())
        .locations(vec![loc])
        .partial_fingerprints(fps)
        .properties(bag(Some(tags), props))
        .build();
    if let Some(s) = &f.suppression {
        let mut props = BTreeMap::new();
        props.insert("line".to_string(), json!(s.line));
        if let Some(u) = &s.until {
            props.insert("until".to_string(), json!(u));
        }
        res.suppressions = Some(vec![sarif::Suppression::builder()
            .kind(json!("inSource"))
            .justification(s.reason.clone())
            .properties(bag(None, props))
            .build()]);
    }
    if !f.related.is_empty() {
        res.related_locations = Some(f.related.iter().enumerate().map(|(i, r)| related_location(i + 1, r)).collect());
    }
    if !f.flow.is_empty() {
        let steps: Vec<sarif::ThreadFlowLocation> = f
            .flow
            .iter()
            .map(|r| {
                sarif::ThreadFlowLocation::builder()
                    .location(
                        sarif::Location::builder()
                            .physical_location(physical(
                                &r.span.path,
                                (r.span.start.line, r.span.start.col),
                                (r.span.end.line, r.span.end.col),
                                None,
                            ))
                            .message(sarif::Message::builder().text(r.message.clone()).build())
                            .build(),
                    )
                    .build()
            })
            .collect();
        res.code_flows = Some(vec![sarif::CodeFlow::builder()
            .thread_flows(vec![sarif::ThreadFlow::builder().locations(steps).build()])
            .build()]);
    }
    res
}

fn notification(n: &crate::scan::Notice) -> sarif::Notification {
    let loc = sarif::Location::builder()
        .physical_location(
            sarif::PhysicalLocation::builder()
                .artifact_location(
                    sarif::ArtifactLocation::builder().uri(uri(&n.path)).uri_base_id("%SRCROOT%").build(),
                )
                .build(),
        )
        .build();
    sarif::Notification::builder()
        .message(sarif::Message::builder().text(format!("{}: {}", n.path, n.message)).build())
        .level(json!(if n.skipped { "warning" } else { "note" }))
        .locations(vec![loc])
        .build()
}

/// Builds the SARIF log of a scan.
pub fn build(report: &ScanReport, rules: &RuleSet) -> sarif::Sarif {
    let driver = sarif::ToolComponent::builder()
        .name("cipherlint")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(rules.rules.iter().map(rule_descriptor).collect::<Vec<_>>())
        .build();
    let invocation = sarif::Invocation::builder()
        .execution_successful(true)
        .tool_execution_notifications(report.notices.iter().map(notification).collect::<Vec<_>>())
        .build();
    let mut run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(report.findings.iter().map(|f| result(f, rules, report)).collect::<Vec<_>>())
        .invocations(vec![invocation])
        .automation_details(sarif::RunAutomationDetails::builder().id("cipherlint/scan/").build())
        .build();
    run.column_kind = Some(json!("unicodeCodePoints"));
    let base = std::fs::canonicalize(&report.base).ok().map(|p| {
        let s = p.to_string_lossy().replace('\\', "/");
        let s = if s.ends_with('/') { s } else { format!("{s}/") };
        format!("file://{}", if s.starts_with('/') { s } else { format!("/{s}") })
    });
    if let Some(b) = base {
        let mut m = BTreeMap::new();
        m.insert("%SRCROOT%".to_string(), sarif::ArtifactLocation::builder().uri(b).build());
        run.original_uri_base_ids = Some(m);
    }
    sarif::Sarif::builder().schema(SCHEMA).version(json!("2.1.0")).runs(vec![run]).build()
}

pub fn write(report: &ScanReport, rules: &RuleSet, out: &mut dyn Write) -> std::io::Result<()> {
    let log = build(report, rules);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_encoded_and_relative() {
        assert_eq!(uri("./src/a b.py"), "src/a%20b.py");
        assert_eq!(uri("src/ü.rs"), "src/%C3%BC.rs");
    }

    #[test]
    fn names() {
        assert_eq!(pascal("ecb-mode"), "EcbMode");
    }
}
