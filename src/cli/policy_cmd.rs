//! `cipherlint policy list | explain`.

use std::process::ExitCode;

use super::PolicyCommand;
use crate::policy::{self, Date};

/// `--as-of`, or today.
pub(super) fn as_of(s: Option<&str>) -> miette::Result<Date> {
    match s {
        None => Ok(Date::today()),
        Some(s) => Date::parse(s).ok_or_else(|| {
            miette::miette!(
                code = "cipherlint::usage",
                help = "write the date as YYYY-MM-DD",
                "--as-of `{s}` is not a date"
            )
        }),
    }
}

pub(super) fn run(cmd: PolicyCommand) -> miette::Result<ExitCode> {
    match cmd {
        PolicyCommand::List => {
            let names: Vec<String> = policy::BUILTIN.iter().map(|(id, _)| id.to_string()).collect();
            for p in policy::load(&names)? {
                println!("{:<28} {}", p.id, p.title);
            }
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Explain { name, as_of: date } => {
            let date = as_of(date.as_deref())?;
            for p in policy::load(&[name])? {
                print!("{}", policy::explain(&p, date));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
