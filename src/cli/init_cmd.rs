//! `cipherlint init [DIR]`: writes the commented default configuration.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::config;

pub(super) fn run(dir: &Path) -> miette::Result<ExitCode> {
    let path = dir.join(config::FILE_NAME);
    // `create_new` makes "refuse to overwrite" atomic.
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            miette::miette!(
                code = "cipherlint::init",
                help = "edit it, or delete it first",
                "{} already exists; not overwritten",
                path.display()
            )
        } else {
            miette::miette!(code = "cipherlint::init", "cannot create {}: {e}", path.display())
        }
    })?;
    file.write_all(config::TEMPLATE.as_bytes())
        .map_err(|e| miette::miette!(code = "cipherlint::init", "cannot write {}: {e}", path.display()))?;
    eprintln!("cipherlint: wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}
