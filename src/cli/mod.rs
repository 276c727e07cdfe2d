//! Command-line interface: argument definitions and dispatch.

mod baseline_cmd;
mod init_cmd;
mod merge_cmd;
mod policy_cmd;
mod progress;
mod rules_cmd;
mod scan_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::render::Format;
use crate::rules::{RuleSet, Severity};

const EXIT_CODES: &str = "\
Exit codes:
  0  no finding at or above --fail-on (and no error)
  1  findings at or above --fail-on
  2  usage, configuration or rule-pack error (nothing was scanned)

Files that cannot be scanned (binary, too large, unreadable) are reported as
warnings and never change the exit code.";

/// cipherlint audits source code for weak cryptography, hardcoded keys and
/// backdoor-like key escrow.
#[derive(Parser)]
#[command(name = "cipherlint", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Scan files and directories.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// List, explain and test rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// List and explain compliance profiles (`scan --policy`).
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Record the current findings as accepted (see `scan --baseline`).
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Write a commented default `.cipherlint.yaml` (never overwrites one).
    Init {
        /// Directory to write it in.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Merge SARIF logs of sharded scans into one run.
    Merge(MergeArgs),
}

#[derive(Args)]
pub struct MergeArgs {
    /// SARIF files to merge (e.g. one per `scan --shard K/N`).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Write the merged log to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// List the built-in compliance profiles.
    List,
    /// Show a profile's entries: status, dates, clauses and replacements.
    Explain {
        /// Profile name or path of a profile file.
        name: String,
        /// Show statuses as of this date (YYYY-MM-DD; default today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum BaselineCommand {
    /// Scan PATHS and write every unsuppressed finding's fingerprint to FILE.
    Write {
        /// The baseline file (JSON Lines, sorted; commit it).
        file: PathBuf,
        #[command(flatten)]
        scan: ScanArgs,
    },
}

#[derive(Args, Clone)]
pub struct RuleSelection {
    /// Extra rule-pack directory (repeatable); a folder of packs or one pack folder.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Do not load the built-in packs.
    #[arg(long)]
    pub no_default_rules: bool,
    /// Only run rules of these packs (repeatable or comma-separated).
    #[arg(long = "pack", value_name = "PACK", value_delimiter = ',')]
    pub packs: Vec<String>,
    /// Only run these rules (repeatable or comma-separated).
    #[arg(long = "rule", value_name = "ID", value_delimiter = ',')]
    pub rule_ids: Vec<String>,
}

#[derive(Args)]
pub struct ScanArgs {
    /// Files or directories to scan (default: `.`).
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub selection: RuleSelection,
    /// Report only findings at or above this severity [default: info].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub min_severity: Option<Severity>,
    /// Exit with 1 when an unsuppressed finding is at or above this severity (`none`: never) [default: info].
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Configuration file (default: `.cipherlint.yaml` in the scan root, if any).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore `.cipherlint.yaml`.
    #[arg(long)]
    pub no_config: bool,
    /// Also show findings silenced by `cipherlint: ignore[...]` comments (human format).
    #[arg(long)]
    pub show_suppressed: bool,
    /// Drop the findings listed in this baseline file (`cipherlint baseline write`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// List baseline entries that no longer match a finding.
    #[arg(long, requires = "baseline")]
    pub report_stale: bool,
    /// Report only findings on lines added or changed since this git revision.
    #[arg(long, value_name = "REF", conflicts_with = "staged")]
    pub diff_base: Option<String>,
    /// Scan the staged (index) content of files staged for commit.
    #[arg(long, conflicts_with = "pre_commit")]
    pub staged: bool,
    /// pre-commit mode: scan exactly the files given, and say so when there are none.
    #[arg(long)]
    pub pre_commit: bool,
    /// Worker threads (default: one per CPU).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// Skip paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not honour .gitignore/.ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Follow symlinks, including those that leave the scanned root.
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Skip files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_file_size: u64,
    /// Per-file time budget in milliseconds, once for parsing and once for
    /// all of the file's query walks together.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub parse_timeout_ms: u64,
    /// Print detected secrets in full (they are redacted by default).
    #[arg(long)]
    pub show_secrets: bool,
    /// Also report test vectors and keys in test code (tests/, *_test.go, ...).
    #[arg(long)]
    pub include_tests: bool,
    /// Check the crypto inventory against compliance profiles (built-in
    /// name or profile file; repeatable or comma-separated; `cipherlint policy list`).
    #[arg(long = "policy", value_name = "NAME", value_delimiter = ',')]
    pub policies: Vec<String>,
    /// Evaluate profiles as of this date (YYYY-MM-DD; default today).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Add the post-quantum readiness summary (implied by --policy).
    #[arg(long)]
    pub pq_report: bool,
    /// Skip the audit of dependency manifests.
    #[arg(long)]
    pub no_dependency_audit: bool,
    /// Run every matcher on every file (for debugging the prefilter).
    #[arg(long, hide = true)]
    pub no_prefilter: bool,
    /// No summary, warnings or progress line on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Scan only shard K of N (1-based: 1/3, 2/3, 3/3), chosen by a stable
    /// hash of each file's path; merge the shards' SARIF with `cipherlint merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
}

#[derive(Subcommand)]
pub enum RulesCommand {
    /// List the loaded rules.
    List {
        #[command(flatten)]
        selection: RuleSelection,
    },
    /// Show a rule's documentation.
    Explain {
        id: String,
        #[command(flatten)]
        selection: RuleSelection,
    },
    /// Run the rules' own match / no_match examples.
    Test {
        /// A rules directory to test instead of the built-in packs.
        dir: Option<PathBuf>,
    },
}

/// `K/N` with 1 ≤ K ≤ N → the 0-based shard index and the count.
fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("`{s}` is not K/N with 1 <= K <= N (e.g. 2/4)");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k - 1, n))
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s).ok_or_else(|| format!("`{s}` is not one of info, low, medium, high, critical"))
}

/// Loads the selected rule packs.
pub(crate) fn load_rules(sel: &RuleSelection) -> Result<RuleSet, miette::Report> {
    let mut sources = if sel.no_default_rules { Vec::new() } else { RuleSet::embedded_sources() };
    for dir in &sel.rules {
        let more = RuleSet::dir_sources(dir).map_err(|e| {
            miette::miette!(code = "cipherlint::rules::read", "cannot read rule directory {}: {e}", dir.display())
        })?;
        sources.extend(more);
    }
    let mut set = RuleSet::compile(sources).map_err(miette::Report::new)?;
    for id in &sel.rule_ids {
        if set.get(id).is_none() {
            return Err(miette::miette!(
                code = "cipherlint::rules::unknown",
                help = "`cipherlint rules list` shows every id",
                "unknown rule `{id}`"
            ));
        }
    }
    set.select(&sel.packs, &sel.rule_ids);
    Ok(set)
}

/// Runs the CLI with parsed arguments.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Scan(args) => scan_cmd::run(args),
        Command::Rules(cmd) => rules_cmd::run(cmd),
        Command::Policy(cmd) => policy_cmd::run(cmd),
        Command::Baseline(BaselineCommand::Write { file, scan }) => baseline_cmd::write(&file, scan),
        Command::Init { dir } => init_cmd::run(&dir),
        Command::Merge(args) => merge_cmd::run(args),
    };
    match result {
        Ok(code) => code,
        Err(report) => {
            if report.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) {
                return ExitCode::SUCCESS;
            }
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}
