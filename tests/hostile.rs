//! Hostile inputs on temporary trees: each must produce a clear warning (or,
//! for a broken rule pack, an error), leave the rest of the scan intact and
//! keep the documented exit code (warnings never change it).

use std::path::Path;
use std::process::{Command, Output};

const WEAK: &[u8] = b"import hashlib\nhashlib.md5(b'x')\n";

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cipherlint")).args(args).current_dir(dir).output().expect("run cipherlint")
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}); stderr:\n{}", stderr(o)))
}

fn finding_paths(v: &serde_json::Value) -> Vec<String> {
    let mut p: Vec<String> =
        v["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_string()).collect();
    p.dedup();
    p
}

fn assert_valid_sarif(path: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/sarif/validate.py");
    let out = Command::new("python3").arg(&script).arg(path).output().expect("python3");
    assert!(out.status.success(), "SARIF invalid:\n{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
}

/// `x = ((((…1…))))` and friends, `n` levels deep, next to a call every
/// language's weak-hash matcher reports (so the file is really parsed).
fn deep_sources(n: usize) -> Vec<(&'static str, String)> {
    vec![
        ("deep.py", format!("import hashlib\nhashlib.md5(b'x')\nx = {}1{}\n", "(".repeat(n), ")".repeat(n))),
        (
            "deep.js",
            format!(
                "const c = require('crypto');\nc.createHash('md5');\nconst a = {}1{};\n",
                "[".repeat(n),
                "]".repeat(n)
            ),
        ),
        (
            "deep_c.c",
            format!(
                "#include <openssl/md5.h>\nvoid f(void) {{ MD5(d, n, o); int x = {}1{}; }}\n",
                "(".repeat(n),
                ")".repeat(n)
            ),
        ),
        ("application.yml", format!("crypto:\n  hash: {}MD5{}\n", "[".repeat(n), "]".repeat(n))),
    ]
}

#[test]
fn hostile_tree_is_scanned_around_its_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good.py", WEAK);
    write(d, "blob.py", b"import hashlib\x00\x01\x02hashlib.md5(x)");
    write(d, "latin1.py", b"# caf\xe9\nimport hashlib\nhashlib.md5(b'x')\n");
    write(d, "empty.py", b"");
    for (name, text) in deep_sources(10_000) {
        write(d, name, text.as_bytes());
    }
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.py", WEAK);
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::symlink;
        symlink(outside.path().join("secret.py"), d.join("out.py")).unwrap();
        symlink(d, d.join("loop")).unwrap();
        symlink(d.join("b.py"), d.join("a.py")).unwrap();
        symlink(d.join("a.py"), d.join("b.py")).unwrap();
        // A name that is not UTF-8: scanned, shown with U+FFFD.
        std::fs::write(d.join(std::ffi::OsStr::from_bytes(b"caf\xe9.py")), WEAK).unwrap();
    }

    let o = run(&["scan", ".", "-f", "json", "-j", "2"], d);
    assert_eq!(o.status.code(), Some(1), "findings → 1, whatever the warnings:\n{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("warning: blob.py: binary file"), "{err}");
    assert!(err.contains("warning: latin1.py: not valid UTF-8"), "{err}");
    let v = json(&o);
    let paths = finding_paths(&v);
    for expected in ["deep.js", "deep.py", "deep_c.c", "good.py", "latin1.py"] {
        assert!(paths.iter().any(|p| p == expected), "no finding in {expected}: {paths:?}");
    }
    assert!(!paths.iter().any(|p| p.contains("secret")), "followed a symlink out of the root: {paths:?}");
    #[cfg(unix)]
    {
        assert!(paths.iter().any(|p| p == "caf\u{fffd}.py"), "{paths:?}");
        assert!(err.contains("out.py: symlink points outside the scanned root"), "{err}");
        assert!(err.contains("a.py: broken or looping symlink"), "{err}");
        // The directory loop is walked once, not forever (`loop/good.py` never appears).
        assert!(!paths.iter().any(|p| p.starts_with("loop/")), "{paths:?}");
    }
    // Empty file: scanned, silently.
    assert!(!err.contains("empty.py"), "{err}");

    // The same tree as SARIF: valid, with the problems as notifications.
    let sarif = tempfile::tempdir().unwrap();
    let out = sarif.path().join("hostile.sarif");
    let o = run(&["scan", ".", "-f", "sarif", "-q", "-o", out.to_str().unwrap()], d);
    assert_eq!(o.status.code(), Some(1));
    assert_valid_sarif(&out);
}

/// Rust nested 10,000 deep: `syn` reads `use` trees and macro arguments by
/// recursive descent (bounded since `rust_syn::MAX_NESTING`). Ignored while
/// the engine's `in_rust_test` walks `Node::parent()` (itself O(depth) in
/// tree-sitter 0.25) for every match: this file then takes many minutes.
#[test]
fn deeply_nested_rust_neither_overflows_nor_stops_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let n = 10_000;
    write(
        dir.path(),
        "deep_use.rs",
        format!("use a::{}c{};\nfn f() {{ md5::compute(b\"x\"); }}\n", "{b::".repeat(n), "}".repeat(n)).as_bytes(),
    );
    write(
        dir.path(),
        "deep_mac.rs",
        format!("fn f() {{ let k = hex!({}\"00\"{}); md5::compute(k); }}\n", "(".repeat(n), ")".repeat(n)).as_bytes(),
    );
    let o = run(&["scan", ".", "-f", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(finding_paths(&json(&o)).contains(&"deep_use.rs".to_string()));
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.py", WEAK);
    write(dir.path(), "locked.py", WEAK);
    let locked = dir.path().join("locked.py");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // root (and CAP_DAC_OVERRIDE) reads it anyway: then there is nothing to test.
    if std::fs::read(&locked).is_ok() {
        eprintln!("skipped: this user can read a mode-000 file (root?)");
        return;
    }
    let o = run(&["scan", ".", "-f", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("locked.py: could not read"), "{}", stderr(&o));
    assert_eq!(finding_paths(&json(&o)), vec!["good.py"]);
}

#[test]
fn huge_minified_file_is_skipped_by_size_or_cut_by_the_parse_budget() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.py", WEAK);
    // 50 MB on one line, with something every matcher would look at.
    let mut js = b"var c=require('crypto');c.createHash('md5');".to_vec();
    while js.len() < 50 << 20 {
        js.extend_from_slice(b"a=[b,{c:d(e,f?g:h)}],");
    }
    write(dir.path(), "bundle.min.js", &js);

    // Default: over --max-file-size, skipped with a warning naming it.
    let o = run(&["scan", ".", "-f", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bundle.min.js: file is 52428"), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(finding_paths(&v), vec!["good.py"]);
    assert_eq!(v["summary"]["files_skipped"], 1);

    // Size limit lifted: the parse budget cuts it off instead, with a warning.
    let o = run(&["scan", ".", "-f", "json", "--max-file-size", "100000000", "--parse-timeout-ms", "300"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("bundle.min.js") && err.contains("parse budget"), "{err}");
    assert!(finding_paths(&json(&o)).contains(&"good.py".to_string()));
}

#[test]
fn a_file_with_more_matches_than_are_checked_says_so() {
    let dir = tempfile::tempdir().unwrap();
    // 10,001 calls that weak-hash's query matches, and one file under the
    // limit beside it.
    let many = format!("import hashlib\n{}", "hashlib.md5(b'x')\n".repeat(10_001));
    write(dir.path(), "many.py", many.as_bytes());
    write(dir.path(), "good.py", WEAK);
    let o = run(&["scan", ".", "-f", "json", "--rule", "weak-hash"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("many.py: more than 10000 matches of rule `weak-hash`"), "{err}");
    assert!(!err.contains("good.py:"), "{err}");
    assert_eq!(finding_paths(&json(&o)), vec!["good.py", "many.py"]);
}

#[test]
fn malformed_rule_pack_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.py", WEAK);
    write(dir.path(), "rules/mine/broken.yaml", b"id: broken\ntitle: [unclosed\n  : : :\n");
    let o = run(&["scan", ".", "--rules", "rules"], dir.path());
    assert_eq!(o.status.code(), Some(2), "a broken pack stops the scan before it starts");
    assert!(stderr(&o).contains("broken.yaml"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn empty_and_fully_failed_scans_write_valid_sarif() {
    let out = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let path = out.path().join("empty.sarif");
    let o = run(&["scan", ".", "-f", "sarif", "-o", path.to_str().unwrap()], empty.path());
    assert_eq!(o.status.code(), Some(0));
    assert_valid_sarif(&path);

    let failed = tempfile::tempdir().unwrap();
    write(failed.path(), "blob.py", b"\x00\x01");
    write(failed.path(), "big.py", &[b'#'; 4096]);
    let path = out.path().join("failed.sarif");
    let o = run(&["scan", ".", "-f", "sarif", "--max-file-size", "1000", "-o", path.to_str().unwrap()], failed.path());
    assert_eq!(o.status.code(), Some(0), "nothing scanned is not an error: {}", stderr(&o));
    assert_valid_sarif(&path);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let notes = v["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(v["runs"][0]["results"].as_array().unwrap().is_empty());
}
