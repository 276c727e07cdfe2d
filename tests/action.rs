//! The composite GitHub Action, run locally by `../shared/actions/run-composite.py`
//! (which skips `uses:` steps) with the freshly built binary first on PATH, so
//! the install steps are skipped too. Checks the outputs, the job summary, the
//! SARIF file and that the job fails per `fail-on`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[test]
fn action_scans_summarises_and_fails_the_job() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared");
    let ws = tempfile::tempdir().expect("tempdir");
    let git =
        |args: &[&str]| assert!(Command::new("git").args(args).current_dir(ws.path()).status().unwrap().success());
    git(&["init", "-q"]);
    std::fs::create_dir_all(ws.path().join("app")).unwrap();
    std::fs::write(ws.path().join("app/weak.py"), "import hashlib\nh = hashlib.md5(password)\n").unwrap();
    git(&["add", "-A"]);

    let sarif = ws.path().join("out.sarif");
    let outputs = ws.path().join("outputs.txt");
    let out = run_action(
        ws.path(),
        &["--input", "path=app", "--input", "fail-on=medium", "--input", "upload-sarif=true"],
        &[
            "--input".into(),
            format!("sarif-file={}", sarif.display()),
            "--outputs-file".into(),
            outputs.display().to_string(),
        ],
    );
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));

    // The final step fails the job, after the (skipped) upload step.
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("skipping `uses: github/codeql-action/upload-sarif@"), "{log}");
    assert!(log.find("upload-sarif@").unwrap() < log.find("Fail on findings").unwrap(), "{log}");
    assert!(log.contains("Install cipherlint") && log.contains("skipped"), "{log}");

    let outputs = std::fs::read_to_string(&outputs).unwrap();
    assert!(outputs.contains("findings=1"), "{outputs}");
    assert!(outputs.contains(&format!("sarif-file={}", sarif.display())), "{outputs}");

    // The job summary: counts and a linked top finding.
    assert!(log.contains("**1 finding**"), "{log}");
    assert!(log.contains("| weak-crypto | 0 | 0 | 1 | 0 | 0 | 1 |"), "{log}");
    assert!(log.contains("[app/weak.py:2](https://github.com/acme/app/blob/0123abc/app/weak.py#L2)"), "{log}");

    let validator = PathBuf::from(&shared).join("sarif/validate.py");
    let v = Command::new("python3").arg(validator).arg(&sarif).output().unwrap();
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));

    // Below the threshold the job passes.
    let out = run_action(ws.path(), &["--input", "path=app", "--input", "fail-on=high"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

/// Runs action.yml in `ws` with this build's binary first on PATH.
fn run_action(ws: &Path, args: &[&str], more: &[String]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cipherlint")).parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    Command::new("python3")
        .arg(root.join("../shared/actions/run-composite.py"))
        .arg(root.join("action.yml"))
        .args(args)
        .args(more)
        .args(["--github", "repository=acme/app", "--github", "sha=0123abc", "--workspace"])
        .arg(ws)
        .env("PATH", path)
        .output()
        .expect("run-composite.py")
}
