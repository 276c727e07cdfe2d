use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cipherlint::memory::use_for_parsers();
    cipherlint::cli::run(cipherlint::cli::Cli::parse())
}
