//! The pre-commit hook, built and run the way users get it: `pre-commit
//! try-repo` on this checkout (a release `cargo install`, minutes), against a
//! throwaway repository with one known finding.
//!
//! Slow and needs pip + the crates registry, so it is ignored by default;
//! CI runs it with `cargo test --test precommit -- --ignored`.

use std::path::Path;
use std::process::Command;

#[test]
#[ignore = "slow: pre-commit builds the hook with a release cargo install; run with --ignored"]
fn hook_reports_a_finding_in_a_staged_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = tempfile::tempdir().expect("tempdir");
    let git = |args: &[&str]| {
        assert!(
            Command::new("git").args(args).current_dir(target.path()).status().expect("git").success(),
            "git {args:?}"
        );
    };
    git(&["init", "-q"]);
    std::fs::write(target.path().join("weak.py"), "import hashlib\nh = hashlib.md5(password)\n").unwrap();
    std::fs::write(target.path().join("fine.py"), "print('hello')\n").unwrap();
    git(&["add", "-A"]);

    let out = Command::new(root.join("../shared/precommit/try-hook.sh"))
        .arg(root)
        .arg("cipherlint")
        .arg(target.path())
        .output()
        .expect("try-hook.sh");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("Failed") && text.contains("weak-hash") && text.contains("weak.py:2"), "{text}");
    assert!(!text.contains("fine.py"), "{text}");
}
