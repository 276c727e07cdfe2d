//! `cipherlint scan`.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use miette::IntoDiagnostic;

use super::{load_rules, ScanArgs};
use crate::engine::EngineOptions;
use crate::render::{self, human::summary_line, Format};
use crate::rules::Severity;
use super::progress::Reporter;
use crate::scan::{self, Progress, ScanOptions};
use crate::walk::WalkOptions;

pub(super) fn run(args: ScanArgs) -> miette::Result<ExitCode> {
    let fail_on = match args.fail_on.as_str() {
        "none" | "never" => None,
        s => Some(Severity::parse(s).ok_or_else(|| {
            miette::miette!(code = "cipherlint::usage", "--fail-on `{s}` is not one of info, low, medium, high, critical, none")
        })?),
    };
    let rules = load_rules(&args.selection)?;
    let opts = ScanOptions {
        paths: args.paths.clone(),
        walk: WalkOptions { no_ignore: args.no_ignore, excludes: args.exclude.clone(), follow_symlinks: args.follow_symlinks },
        max_file_size: args.max_file_size,
        engine: EngineOptions {
            show_secrets: args.show_secrets,
            include_tests: args.include_tests,
            parse_timeout: Duration::from_millis(args.parse_timeout_ms),
            no_prefilter: args.no_prefilter,
            test_globs: Vec::new(),
        },
        jobs: args.jobs,
        shard: args.shard,
    };
    let progress = Arc::new(Progress::default());
    let reporter = Reporter::start(progress.clone(), !args.quiet && std::io::stderr().is_terminal());
    let scanned = scan::scan_with_progress(&rules, &opts, &progress);
    reporter.finish();
    let mut report = scanned.map_err(|e| miette::miette!(code = "cipherlint::scan", "{e}"))?;
    report.findings.retain(|f| f.severity >= args.min_severity);

    if !args.quiet {
        for n in &report.notices {
            eprintln!("warning: {}: {}", n.path, n.message);
        }
    }
    match &args.output {
        Some(path) => {
            let mut buf = Vec::new();
            render::render(args.format, &report, &rules, &mut buf, false).into_diagnostic()?;
            std::fs::write(path, buf).map_err(|e| miette::miette!(code = "cipherlint::output", "cannot write {}: {e}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let mut lock = stdout.lock();
            let written = render::render(args.format, &report, &rules, &mut lock, color).and_then(|()| lock.flush());
            match written {
                // A closed pipe (`| head`) is the reader's choice, not an error (as ripgrep does).
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                other => other.into_diagnostic()?,
            }
        }
    }
    // The human format ends with the summary on stdout; others print it on stderr.
    if !args.quiet && (args.format != Format::Human || args.output.is_some()) {
        eprintln!("{}", summary_line(&report));
    }
    let failing = fail_on.is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    Ok(if failing { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
