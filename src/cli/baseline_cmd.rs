//! `cipherlint baseline write FILE [PATHS]`.

use std::path::Path;
use std::process::ExitCode;

use super::{scan_cmd, ScanArgs};
use crate::baseline;

pub(super) fn write(file: &Path, args: ScanArgs) -> miette::Result<ExitCode> {
    let mut p = scan_cmd::prepare(&args)?;
    let report = scan_cmd::collect(&args, &mut p)?;
    let text = baseline::render(&report.findings);
    std::fs::write(file, &text)
        .map_err(|e| miette::miette!(code = "cipherlint::output", "cannot write {}: {e}", file.display()))?;
    if !args.quiet {
        eprintln!("cipherlint: wrote {} baseline entries to {}", text.lines().count(), file.display());
    }
    Ok(ExitCode::SUCCESS)
}
