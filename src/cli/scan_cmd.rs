//! `cipherlint scan`: settings (flags over `.cipherlint.yaml`) → scan or
//! staged scan → configuration adjustments → diff filter → baseline →
//! render → exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use miette::IntoDiagnostic;

use super::progress::Reporter;
use super::{load_rules, ScanArgs};
use crate::config::{self, Loaded};
use crate::engine::EngineOptions;
use crate::render::{self, human::summary_line, Format};
use crate::rules::{RuleSet, Severity};
use crate::scan::{self, Notice, Progress, ScanOptions, ScanReport};
use crate::walk::{self, WalkOptions};
use crate::{baseline, git};

/// A scan's resolved settings: the configuration file under the flags.
pub(super) struct Prepared {
    pub(super) rules: RuleSet,
    profiles: Vec<crate::policy::Profile>,
    as_of: crate::policy::Date,
    pq: bool,
    config: Option<Loaded>,
    fail_on: Option<Severity>,
    min_severity: Severity,
    opts: ScanOptions,
}

fn parse_fail_on(s: &str) -> miette::Result<Option<Severity>> {
    match s {
        "none" | "never" => Ok(None),
        s => Severity::parse(s).map(Some).ok_or_else(|| {
            miette::miette!(
                code = "cipherlint::usage",
                "--fail-on `{s}` is not one of info, low, medium, high, critical, none"
            )
        }),
    }
}

pub(super) fn prepare(args: &ScanArgs) -> miette::Result<Prepared> {
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let config = if args.no_config { None } else { config::load(args.config.as_deref(), &walk::base_for(&paths))? };
    let cfg = config.as_ref().map(|l| &l.config);
    let mut selection = args.selection.clone();
    if let Some(c) = cfg {
        if selection.packs.is_empty() {
            selection.packs = c.packs.clone();
        }
        if selection.rule_ids.is_empty() {
            selection.rule_ids = c.rules.clone();
        }
    }
    let mut rules = load_rules(&selection)?;
    // `--policy` wins over the configuration's `policy:`.
    let names: Vec<String> = if args.policies.is_empty() {
        cfg.and_then(|c| c.policy.clone())
            .map(|p| p.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty() && s != "default").collect())
            .unwrap_or_default()
    } else {
        args.policies.clone()
    };
    let profiles = crate::policy::load(&names)?;
    let as_of = super::policy_cmd::as_of(args.as_of.as_deref())?;
    let pq = args.pq_report || !profiles.is_empty();
    if profiles.is_empty() && !pq && args.format != Format::Cbom {
        // Nobody reads the inventory: skip the rules that only feed it.
        rules.rules.retain(|r| r.report);
    }
    if let Some(l) = &config {
        l.check_rules(&rules).map_err(|e| miette::Report::new(*e))?;
    }
    let fail_on = parse_fail_on(args.fail_on.as_deref().or(cfg.and_then(|c| c.fail_on.as_deref())).unwrap_or("info"))?;
    let min_severity = args.min_severity.or(cfg.and_then(|c| c.min_severity)).unwrap_or(Severity::Info);
    let mut excludes = config.as_ref().map(Loaded::excludes).unwrap_or_default();
    excludes.extend(args.exclude.iter().cloned());
    let opts = ScanOptions {
        paths,
        walk: WalkOptions {
            no_ignore: args.no_ignore,
            excludes,
            follow_symlinks: args.follow_symlinks,
            threads: args.jobs,
        },
        max_file_size: args.max_file_size,
        engine: EngineOptions {
            show_secrets: args.show_secrets,
            include_tests: args.include_tests,
            parse_timeout: Duration::from_millis(args.parse_timeout_ms),
            no_prefilter: args.no_prefilter,
            test_globs: cfg.map(|c| c.test_globs.clone()).unwrap_or_default(),
            profile: crate::engine::profile::Profile::from_env(&rules).map(Arc::new),
            combine_queries: None,
            defer_large_files: false,
        },
        jobs: args.jobs,
        shard: args.shard,
    };
    Ok(Prepared { rules, profiles, as_of, pq, config, fail_on, min_severity, opts })
}

/// Runs the scan the flags ask for and applies the configuration and the
/// diff filter; suppressions are already marked by the scan itself.
pub(super) fn collect(args: &ScanArgs, p: &mut Prepared) -> miette::Result<ScanReport> {
    let scan_err = |e: String| miette::miette!(code = "cipherlint::scan", "{e}");
    let mut report = if args.staged {
        let pathspecs: Vec<PathBuf> = args.paths.clone();
        let mut files = git::staged_files(std::path::Path::new("."), &pathspecs).map_err(scan_err)?;
        let excluded = exclude_set(&p.opts.walk.excludes)?;
        files.retain(|f| !excluded.is_match(&f.rel));
        scan::scan_memory(&p.rules, files, &p.opts)
    } else {
        // Progress on a terminal's stderr; the scan only bumps counters.
        let progress = Arc::new(Progress::default());
        let reporter = Reporter::start(progress.clone(), !args.quiet && std::io::stderr().is_terminal());
        let scanned = scan::scan_with_progress(&p.rules, &p.opts, &progress);
        reporter.finish();
        scanned.map_err(scan_err)?
    };
    if let Some(profile) = &p.opts.engine.profile {
        eprint!("{}", profile.render(&p.rules));
    }
    crate::policy::apply(&mut report, &mut p.rules, &p.profiles, p.as_of, args.include_tests);
    let sel = &args.selection;
    let audit = !args.no_dependency_audit
        && !sel.no_default_rules
        && (sel.packs.is_empty() || sel.packs.iter().any(|p| p == "dependencies"))
        && (sel.rule_ids.is_empty() || sel.rule_ids.iter().any(|r| r == crate::deps::RULE_ID));
    if audit {
        crate::deps::audit(&mut report, &mut p.rules, &crate::deps::builtin());
    }
    if p.pq {
        report.pq = Some(crate::inventory::pq_summary(&report.assets));
    }
    match &p.config {
        Some(l) => l.adjust(&mut report.findings, p.min_severity),
        None => report.findings.retain(|f| f.severity >= p.min_severity),
    }
    if let Some(base) = &args.diff_base {
        let added = git::added_lines(&report.base, base).map_err(scan_err)?;
        report.findings.retain(|f| added.touches(&f.span.path, f.span.start.line, f.span.end.line));
    }
    Ok(report)
}

/// `scan --staged` has no walker: excludes are matched on the paths directly.
fn exclude_set(globs: &[String]) -> miette::Result<globset::GlobSet> {
    let mut b = globset::GlobSetBuilder::new();
    for g in globs {
        b.add(globset::Glob::new(g).map_err(|e| miette::miette!(code = "cipherlint::usage", "--exclude {g}: {e}"))?);
    }
    b.build().into_diagnostic()
}

pub(super) fn run(args: ScanArgs) -> miette::Result<ExitCode> {
    if args.pre_commit && args.paths.is_empty() {
        // An empty list would otherwise mean `.`; say plainly that nothing was checked.
        eprintln!("cipherlint: no files were passed (pre-commit mode); nothing scanned");
        return Ok(ExitCode::SUCCESS);
    }
    let mut p = prepare(&args)?;
    let mut report = collect(&args, &mut p)?;
    if args.staged && report.files_scanned + report.files_skipped == 0 && !args.quiet {
        eprintln!("cipherlint: no staged files to scan");
    }
    if let Some(file) = &args.baseline {
        let entries = baseline::read(file).map_err(|e| miette::miette!(code = "cipherlint::baseline", "{e}"))?;
        let applied = baseline::apply(&mut report.findings, &entries);
        if !args.quiet && applied.matched > 0 {
            eprintln!(
                "cipherlint: {} finding(s) matched the baseline {} and are not reported",
                applied.matched,
                file.display()
            );
        }
        if args.report_stale {
            for e in &applied.stale {
                report.notices.push(Notice {
                    path: e.path.clone(),
                    message: format!("stale baseline entry: {} {} no longer matches a finding", e.rule, e.fingerprint),
                    skipped: false,
                });
            }
            report.notices.sort();
        }
    }

    if !args.quiet {
        for n in &report.notices {
            eprintln!("warning: {}: {}", n.path, n.message);
        }
    }
    let show = args.show_suppressed;
    match &args.output {
        Some(path) => {
            let mut buf = Vec::new();
            render::render(args.format, &report, &p.rules, &mut buf, false, show).into_diagnostic()?;
            std::fs::write(path, buf)
                .map_err(|e| miette::miette!(code = "cipherlint::output", "cannot write {}: {e}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let mut lock = stdout.lock();
            let written =
                render::render(args.format, &report, &p.rules, &mut lock, color, show).and_then(|()| lock.flush());
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
    let failing = p.fail_on.is_some_and(|t| report.findings.iter().any(|f| f.suppression.is_none() && f.severity >= t));
    Ok(if failing { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
