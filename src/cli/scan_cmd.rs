//! `cipherlint scan`.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use miette::IntoDiagnostic;

use super::{load_rules, ScanArgs};
use crate::engine::EngineOptions;
use crate::render::{self, human::summary_line, Format};
use crate::rules::Severity;
use crate::scan::{self, ScanOptions};
use crate::walk::WalkOptions;

pub(super) fn run(args: ScanArgs) -> miette::Result<ExitCode> {
    let fail_on = match args.fail_on.as_str() {
        "none" | "never" => None,
        s => Some(Severity::parse(s).ok_or_else(|| {
            miette::miette!(code = "cipherlint::usage", "--fail-on `{s}` is not one of info, low, medium, high, critical, none")
        })?),
    };
    let mut rules = load_rules(&args.selection)?;
    let profiles = crate::policy::load(&args.policies)?;
    let as_of = super::policy_cmd::as_of(args.as_of.as_deref())?;
    let pq = args.pq_report || !profiles.is_empty();
    if profiles.is_empty() && !pq && args.format != Format::Cbom {
        // Nobody reads the inventory: skip the rules that only feed it.
        rules.rules.retain(|r| r.report);
    }
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
        shard: None,
    };
    let mut report = scan::scan(&rules, &opts).map_err(|e| miette::miette!(code = "cipherlint::scan", "{e}"))?;
    crate::policy::apply(&mut report, &mut rules, &profiles, as_of, args.include_tests);
    let audit = !args.no_dependency_audit
        && !args.selection.no_default_rules
        && (args.selection.packs.is_empty() || args.selection.packs.iter().any(|p| p == "dependencies"))
        && (args.selection.rule_ids.is_empty() || args.selection.rule_ids.iter().any(|r| r == crate::deps::RULE_ID));
    if audit {
        crate::deps::audit(&mut report, &mut rules, &crate::deps::builtin());
    }
    if pq {
        report.pq = Some(crate::inventory::pq_summary(&report.assets));
    }
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
    if let (Some(s), Format::Human, None) = (&report.pq, args.format, &args.output) {
        println!("{}", s.human());
    }
    // The human format ends with the summary on stdout; others print it on stderr.
    if !args.quiet && (args.format != Format::Human || args.output.is_some()) {
        eprintln!("{}", summary_line(&report));
    }
    let failing = fail_on.is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    Ok(if failing { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
