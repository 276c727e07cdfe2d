//! Renderers: one module per output format, each reading the same
//! [`ScanReport`] and rule set.

pub mod cbom;
pub mod html;
pub mod human;
pub mod json;
pub mod markdown;
pub mod sarif;

use std::io::Write;

use crate::rules::RuleSet;
use crate::scan::ScanReport;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    /// A self-contained HTML page (charts, filterable table, evidence).
    Html,
    /// A Markdown summary (for a CI job summary or a PR comment).
    Markdown,
    /// CycloneDX 1.6 cryptography bill of materials.
    Cbom,
}

/// Writes the report. Suppressed findings are always in JSON and SARIF (as
/// suppressed); the human format shows them only with `show_suppressed`.
pub fn render(
    format: Format,
    report: &ScanReport,
    rules: &RuleSet,
    out: &mut dyn Write,
    color: bool,
    show_suppressed: bool,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::write(report, rules, out, color, show_suppressed),
        Format::Markdown => markdown::write(report, rules, out),
        Format::Json => json::write(report, rules, out),
        Format::Sarif => sarif::write(report, rules, out),
        Format::Html => html::write(report, rules, out),
        Format::Cbom => cbom::write(report, rules, out),
    }
}
