//! `cipherlint rules list | explain | test`.

use std::process::ExitCode;

use super::{load_rules, RuleSelection, RulesCommand};
use crate::rules::check::{self, Outcome};
use crate::rules::coverage;
use crate::rules::RuleSet;

pub(super) fn run(cmd: RulesCommand) -> miette::Result<ExitCode> {
    match cmd {
        RulesCommand::List { selection } => {
            let rules = load_rules(&selection)?;
            for r in &rules.rules {
                println!(
                    "{:<40} {:<14} {:<9} {:<14} {}",
                    r.id,
                    r.category,
                    r.severity.as_str(),
                    r.cwe.join(","),
                    r.languages().join(",")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Explain { id, selection } => {
            let rules = load_rules(&selection)?;
            let Some(r) = rules.get(&id) else {
                return Err(miette::miette!(
                    code = "cipherlint::rules::unknown",
                    help = "`cipherlint rules list` shows every id",
                    "unknown rule `{id}`"
                ));
            };
            println!("# {} — {}\n", r.id, r.title);
            println!(
                "pack: {}   category: {}   severity: {}   confidence: {}   {}",
                r.pack,
                r.category,
                r.severity.as_str(),
                r.confidence.as_str(),
                r.cwe.join(", ")
            );
            println!("languages: {}\n", r.languages().join(", "));
            println!("{}\n", r.description.trim());
            println!("## Fix\n\n{}\n", r.help);
            println!("## References\n");
            for u in &r.references {
                println!("- {u}");
            }
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Test { dir } => {
            let sel = RuleSelection {
                rules: dir.clone().into_iter().collect(),
                no_default_rules: dir.is_some(),
                packs: Vec::new(),
                rule_ids: Vec::new(),
            };
            let rules: RuleSet = load_rules(&sel)?;
            let results = check::run(&rules);
            let count = |o: Outcome| results.iter().filter(|r| r.outcome == o).count();
            for r in results.iter().filter(|r| r.outcome != Outcome::Validated && r.outcome != Outcome::KnownMiss) {
                let what = match r.outcome {
                    Outcome::Missing => "missing (a `match` example was not reported)",
                    Outcome::Noisy => "noisy (a `no_match` example was reported)",
                    Outcome::Fixed => "fixed (a `known_miss` example is now reported: promote it to `match`)",
                    _ => "",
                };
                println!("{} [{}]: {what}\n    {}", r.rule, r.target, r.snippet.trim().replace('\n', "\n    "));
            }
            let gaps = coverage::gaps(&rules);
            for g in &gaps {
                println!(
                    "{} [{}]: prefilter gap (`flows_from` names a source ending in `{}`, which none of the \
                     matcher's `prefilter` literals covers: a file with only that source is never parsed)",
                    g.rule, g.target, g.source
                );
            }
            println!(
                "{} rules: {} validated, {} missing, {} noisy, {} known misses, {} fixed, {} prefilter gaps",
                rules.rules.len(),
                count(Outcome::Validated),
                count(Outcome::Missing),
                count(Outcome::Noisy),
                count(Outcome::KnownMiss),
                count(Outcome::Fixed),
                gaps.len()
            );
            let failed = results.iter().any(|r| r.failed()) || !gaps.is_empty();
            Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
    }
}
