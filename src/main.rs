use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    cipherlint::cli::run(cipherlint::cli::Cli::parse())
}
