//! `cipherlint merge A.sarif B.sarif ... [-o all.sarif]`.

use std::process::ExitCode;

use super::MergeArgs;

pub(super) fn run(args: MergeArgs) -> miette::Result<ExitCode> {
    let mut logs = Vec::new();
    for path in &args.inputs {
        let name = path.display().to_string();
        let text = std::fs::read(path)
            .map_err(|e| miette::miette!(code = "cipherlint::merge::read", "cannot read {name}: {e}"))?;
        let log = serde_json::from_slice(&text)
            .map_err(|e| miette::miette!(code = "cipherlint::merge::parse", "{name} is not JSON: {e}"))?;
        logs.push((name, log));
    }
    let merged = crate::merge::merge(&logs).map_err(|e| {
        miette::miette!(
            code = "cipherlint::merge",
            help = "merge only SARIF logs written by `cipherlint scan --format sarif`",
            "{e}"
        )
    })?;
    let mut text = serde_json::to_string_pretty(&merged).map_err(|e| miette::miette!("{e}"))?;
    text.push('\n');
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| miette::miette!(code = "cipherlint::output", "cannot write {}: {e}", path.display()))?,
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            miette::IntoDiagnostic::into_diagnostic(out.write_all(text.as_bytes()).and_then(|()| out.flush()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
