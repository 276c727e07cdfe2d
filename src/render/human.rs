//! Human output: each finding as a `miette` diagnostic with its span
//! underlined, then one summary line.
//!
//! Files are not read again for rendering: the finding carries its (redacted)
//! source line, and [`LineSource`] presents it to miette at its real line number.

use std::io::Write;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteSpanContents, SourceCode, SourceSpan,
    SpanContents,
};

use crate::finding::Finding;
use crate::rules::{RuleSet, Severity};
use crate::scan::ScanReport;

/// One source line, shown as line `line` of `path`.
#[derive(Debug)]
struct LineSource {
    path: String,
    text: String,
    line: usize,
}

impl SourceCode for LineSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, miette::MietteError> {
        // miette reads the context with surrounding lines (the whole line),
        // and the primary label alone for the `path:line:col` header.
        if before == 0 && after == 0 {
            let start = span.offset().min(self.text.len());
            let end = (start + span.len()).min(self.text.len());
            let col = self.text[..start].chars().count();
            return Ok(Box::new(MietteSpanContents::new_named(
                self.path.clone(),
                &self.text.as_bytes()[start..end],
                *span,
                self.line - 1,
                col,
                1,
            )));
        }
        Ok(Box::new(MietteSpanContents::new_named(
            self.path.clone(),
            self.text.as_bytes(),
            (0, self.text.len()).into(),
            self.line - 1,
            0,
            1,
        )))
    }
}

#[derive(Debug)]
struct FindingDiag {
    message: String,
    code: String,
    help: String,
    src: LineSource,
    span: SourceSpan,
    label: String,
    severity: miette::Severity,
    url: Option<String>,
}

impl std::fmt::Display for FindingDiag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiag {}

impl Diagnostic for FindingDiag {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.url.as_ref().map(|u| Box::new(u) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(Some(self.label.clone()), self.span))))
    }
}

fn diag(f: &Finding, rules: &RuleSet) -> FindingDiag {
    let rule = &rules.rules[f.rule];
    let text = f.snippet.clone();
    // Underline the matched columns when the line was not altered by redaction.
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |col: usize| chars.get(col.saturating_sub(1)).map_or(text.len(), |(b, _)| *b);
    let (start, end) = if f.span.start.line == f.span.end.line && !text.contains("[redacted") {
        (byte_at(f.span.start.col), byte_at(f.span.end.col))
    } else {
        (byte_at(f.span.start.col).min(text.len()), text.trim_end_matches('…').len())
    };
    let end = end.max(start);
    let mut related = String::new();
    for r in f.related.iter().chain(&f.flow) {
        related
            .push_str(&format!("\n  note: {}:{}:{}: {}", r.span.path, r.span.start.line, r.span.start.col, r.message));
    }
    FindingDiag {
        message: format!("{}{related}", f.message),
        code: format!("{} [{}; {}]", f.rule_id, rule.category, rule.cwe.join(", ")),
        help: rule.help.clone(),
        src: LineSource { path: f.span.path.clone(), text, line: f.span.start.line },
        span: (start, end - start).into(),
        label: rule.title.clone(),
        severity: match f.severity {
            Severity::Critical | Severity::High => miette::Severity::Error,
            Severity::Medium => miette::Severity::Warning,
            _ => miette::Severity::Advice,
        },
        url: rule.references.first().cloned(),
    }
}

pub fn write(
    report: &ScanReport,
    rules: &RuleSet,
    out: &mut dyn Write,
    color: bool,
    show_suppressed: bool,
) -> std::io::Result<()> {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1).with_links(color);
    for f in report.findings.iter().filter(|f| show_suppressed || f.suppression.is_none()) {
        let mut s = String::new();
        let mut d = diag(f, rules);
        if let Some(sup) = &f.suppression {
            d.message = format!("(suppressed on line {}: {}) {}", sup.line, sup.reason, d.message);
            d.severity = miette::Severity::Advice;
        }
        if handler.render_report(&mut s, &d).is_err() {
            s = format!("{}:{}:{}: {} [{}]\n", f.span.path, f.span.start.line, f.span.start.col, f.message, f.rule_id);
        }
        writeln!(out, "{s}")?;
    }
    writeln!(out, "{}", summary_line(report))
}

/// `cipherlint: 3 findings (1 high, 2 medium) in 12 files scanned, 1 skipped`,
/// plus `, 2 suppressed` when inline comments silenced some.
pub fn summary_line(report: &ScanReport) -> String {
    let active: Vec<&Finding> = report.findings.iter().filter(|f| f.suppression.is_none()).collect();
    let suppressed = report.findings.len() - active.len();
    let mut parts = Vec::new();
    for s in Severity::ALL.iter().rev() {
        let n = active.iter().filter(|f| f.severity == *s).count();
        if n > 0 {
            parts.push(format!("{n} {}", s.as_str()));
        }
    }
    let n = active.len();
    let counts = if parts.is_empty() { String::new() } else { format!(" ({})", parts.join(", ")) };
    let suppressed = if suppressed > 0 { format!(", {suppressed} suppressed") } else { String::new() };
    format!(
        "cipherlint: {n} finding{}{counts} in {} file{} scanned, {} skipped{suppressed}",
        if n == 1 { "" } else { "s" },
        report.files_scanned,
        if report.files_scanned == 1 { "" } else { "s" },
        report.files_skipped
    )
}
