//! Renderers: one module per output format, each reading the same
//! [`ScanReport`] and rule set.

pub mod html;
pub mod human;
pub mod json;
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
}

pub fn render(format: Format, report: &ScanReport, rules: &RuleSet, out: &mut dyn Write, color: bool) -> std::io::Result<()> {
    match format {
        Format::Human => human::write(report, rules, out, color),
        Format::Json => json::write(report, rules, out),
        Format::Sarif => sarif::write(report, rules, out),
        Format::Html => html::write(report, rules, out),
    }
}
