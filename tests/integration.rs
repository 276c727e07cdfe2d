//! End-to-end tests of suppressions, configuration, baselines and git-aware
//! scans: each builds a throwaway git repository and runs the real binary.
//! Every SARIF file written here is checked with `../shared/sarif/validate.py`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_cipherlint");

/// A hardcoded-key rule for these tests (the shipped packs may change under
/// them): a string literal assigned to a name containing KEY, kept secret.
const SECRET_RULE: &str = r#"id: test-secret
title: Hardcoded test key
message: "hardcoded key {key}"
help: Load it from a secret store.
severity: high
confidence: high
category: hardcoded-key
cwe: [CWE-321]
references: [https://cwe.mitre.org/data/definitions/321.html]
description: Test rule.
languages:
  python:
    prefilter: [KEY]
    query: |
      (assignment left: (identifier) @name right: (string) @key)
    focus: key
    where:
      - capture: name
        regex: 'KEY'
      - capture: key
        secret: true
tests:
  python:
    match: ["API_KEY = 'Zx81kQ02mnbvP3lT'"]
    no_match: ["API_KEY = 'changeme'"]
"#;

struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo { dir: tempfile::tempdir().expect("tempdir") };
        repo.git(&["init", "-q"]);
        std::fs::create_dir_all(repo.path().join(".rules/test")).unwrap();
        repo.write(".rules/test/test-secret.yaml", SECRET_RULE);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path().join(rel), text).expect("write");
    }

    fn git(&self, args: &[&str]) {
        let ok = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(self.path())
            .status()
            .expect("git")
            .success();
        assert!(ok, "git {args:?}");
    }

    fn commit(&self) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", "c"]);
    }

    /// Runs `cipherlint ARGS` in the repository with the test rule loaded.
    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(BIN);
        cmd.args(args).current_dir(self.path()).env("NO_COLOR", "1").env("CIPHERLINT_TODAY", "2025-06-01");
        if args.first() == Some(&"scan") || args.first() == Some(&"baseline") {
            cmd.args(["--rules", ".rules"]);
        }
        cmd.output().expect("run cipherlint")
    }

    /// `scan --format json` → (exit code, document).
    fn json(&self, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["scan", "--format", "json", "-q"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        let doc = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code().unwrap_or(-1), doc)
    }
}

/// (rule, line) of every unsuppressed finding.
fn active(doc: &Value) -> Vec<(String, u64)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"].is_null())
        .map(|f| (f["rule_id"].as_str().unwrap().to_string(), f["start"]["line"].as_u64().unwrap()))
        .collect()
}

fn validate_sarif(path: &Path) {
    let validator = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/sarif/validate.py");
    let out = Command::new("python3").arg(&validator).arg(path).output().expect("python3");
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

const WEAK: &str = "import hashlib\n";

#[test]
fn suppressions_need_a_reason_and_expire() {
    let repo = Repo::new();
    repo.write(
        "a.py",
        &format!(
            "{WEAK}a = hashlib.md5(x)  # cipherlint: ignore[weak-hash] legacy protocol, tracked in #12\n\
             # cipherlint: ignore[weak-hash,test-secret] vendor fixture until=2030-01-01\n\
             b = hashlib.md5(y)\n\
             c = hashlib.md5(z)  # cipherlint: ignore[weak-hash]\n\
             d = hashlib.md5(w)  # cipherlint: ignore[weak-hash] old exception until=2024-12-31\n\
             e = hashlib.md5(v)  # cipherlint: ignore[test-secret] another rule\n"
        ),
    );
    let (code, doc) = repo.json(&[]);
    assert_eq!(active(&doc), [("weak-hash".into(), 5), ("weak-hash".into(), 6), ("weak-hash".into(), 7)]);
    assert_eq!(code, 1);
    let suppressed: Vec<&Value> =
        doc["findings"].as_array().unwrap().iter().filter(|f| !f["suppressed"].is_null()).collect();
    assert_eq!(suppressed.len(), 2);
    assert_eq!(suppressed[0]["suppressed"]["reason"], "legacy protocol, tracked in #12");
    assert_eq!(suppressed[1]["suppressed"]["until"], "2030-01-01");
    assert_eq!(suppressed[1]["suppressed"]["line"], 3);
    assert_eq!(doc["summary"]["suppressed"], 2);
    let notices = doc["notices"].to_string();
    assert!(notices.contains("line 5") && notices.contains("no reason"), "{notices}");
    assert!(notices.contains("line 6") && notices.contains("expired"), "{notices}");

    // Only suppressed findings left: exit 0, and SARIF carries them as suppressed.
    repo.write("a.py", &format!("{WEAK}a = hashlib.md5(x)  # cipherlint: ignore[weak-hash] legacy protocol\n"));
    let out = repo.run(&["scan", "--format", "sarif", "-o", "out.sarif"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(repo.path().join("out.sarif")).unwrap()).unwrap();
    let sup = &sarif["runs"][0]["results"][0]["suppressions"][0];
    assert_eq!(sup["kind"], "inSource");
    assert_eq!(sup["justification"], "legacy protocol");
    validate_sarif(&repo.path().join("out.sarif"));
    // Human output hides it unless asked.
    let human = String::from_utf8_lossy(&repo.run(&["scan"]).stdout).to_string();
    assert!(!human.contains("a.py:2") && human.contains("1 suppressed"), "{human}");
    let shown = String::from_utf8_lossy(&repo.run(&["scan", "--show-suppressed"]).stdout).to_string();
    assert!(shown.contains("suppressed on line 2: legacy protocol"), "{shown}");

    // A bare ignore is visible in SARIF as a notification.
    repo.write("a.py", &format!("{WEAK}a = hashlib.md5(x)  # cipherlint: ignore[weak-hash]\n"));
    let out = repo.run(&["scan", "--format", "sarif", "-o", "bare.sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let sarif = std::fs::read_to_string(repo.path().join("bare.sarif")).unwrap();
    assert!(sarif.contains("toolExecutionNotifications") && sarif.contains("has no reason"));
    validate_sarif(&repo.path().join("bare.sarif"));
}

#[test]
fn config_applies_and_errors_point_at_the_line() {
    let repo = Repo::new();
    repo.write("a.py", &format!("{WEAK}a = hashlib.md5(x)\n"));
    std::fs::create_dir_all(repo.path().join("svc/gen")).unwrap();
    repo.write("svc/b.py", &format!("{WEAK}b = hashlib.md5(x)\n"));
    repo.write("svc/gen/c.py", &format!("{WEAK}c = hashlib.md5(x)\n"));
    repo.write(
        ".cipherlint.yaml",
        "severity:\n  weak-hash: low\nfail_on: high\npaths:\n  \"svc/**\":\n    exclude: [\"gen/**\"]\n    severity: { weak-hash: critical }\n",
    );
    let (code, doc) = repo.json(&[]);
    let sev: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["severity"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(sev, [("a.py".to_string(), "low".to_string()), ("svc/b.py".to_string(), "critical".to_string())]);
    assert_eq!(code, 1);
    // Flags override the file.
    assert_eq!(repo.json(&["--fail-on", "none"]).0, 0);

    repo.write(".cipherlint.yaml", "packs: []\nfail_on: high\nexclud: [x]\n");
    let out = repo.run(&["scan"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown field `exclud`") && err.contains(".cipherlint.yaml:3:1"), "{err}");

    repo.write(".cipherlint.yaml", "severity:\n  no-such-rule: high\n");
    let err = String::from_utf8_lossy(&repo.run(&["scan"]).stderr).to_string();
    assert!(err.contains("unknown rule `no-such-rule`") && err.contains(".cipherlint.yaml:2:"), "{err}");

    // init writes a configuration that loads, and refuses to overwrite.
    std::fs::remove_file(repo.path().join(".cipherlint.yaml")).unwrap();
    assert!(repo.run(&["init"]).status.success());
    assert_eq!(repo.run(&["init"]).status.code(), Some(2));
    assert_eq!(repo.json(&[]).0, 1);
}

#[test]
fn baseline_survives_moves_and_catches_new_secrets() {
    let repo = Repo::new();
    let code = "import os\nAPI_KEY = 'Zx81kQ02mnbvP3lT9a'\n\ndef f():\n    h = hashlib.md5(x)\n";
    repo.write("k.py", &format!("import hashlib\n{code}"));
    repo.commit();
    let out = repo.run(&["baseline", "write", "base.jsonl"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let base = std::fs::read_to_string(repo.path().join("base.jsonl")).unwrap();
    assert_eq!(base.lines().count(), 2, "{base}");
    assert!(!base.contains("Zx81kQ02mnbvP3lT9a"), "secret in clear: {base}");
    let mut sorted: Vec<&str> = base.lines().collect();
    sorted.sort();
    assert_eq!(sorted, base.lines().collect::<Vec<_>>());

    // An unrelated edit shifts every line: nothing new.
    repo.write("k.py", &format!("\"\"\"Module doc.\"\"\"\n\nimport hashlib\n{code}"));
    let (code_, doc) = repo.json(&["--baseline", "base.jsonl"]);
    assert_eq!(active(&doc), []);
    assert_eq!(code_, 0);

    // A different secret on the baselined line is new; the old entry is stale.
    repo.write("k.py", &format!("import hashlib\n{}", code.replace("Zx81kQ02mnbvP3lT9a", "Qq93lLm20vbNc8yT1e")));
    let (_, doc) = repo.json(&["--baseline", "base.jsonl", "--report-stale"]);
    assert_eq!(active(&doc), [("test-secret".into(), 3)]);
    assert!(doc["notices"].to_string().contains("stale baseline entry: test-secret"));
    let out = repo.run(&["scan", "--baseline", "base.jsonl", "--report-stale", "--format", "sarif", "-o", "b.sarif"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("stale baseline entry"));
    validate_sarif(&repo.path().join("b.sarif"));
}

#[test]
fn diff_base_reports_only_new_lines() {
    let repo = Repo::new();
    repo.write("a.py", &format!("{WEAK}a = hashlib.md5(x)\n"));
    repo.commit();
    repo.write("a.py", &format!("{WEAK}# a comment shifts the old line\na = hashlib.md5(x)\nb = hashlib.sha1(y)\n"));
    repo.write("b.py", &format!("{WEAK}c = hashlib.md5(z)\n"));
    repo.git(&["add", "b.py"]);
    let (_, doc) = repo.json(&["--diff-base", "HEAD"]);
    let got: Vec<(String, u64)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().into(), f["start"]["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(got, [("a.py".to_string(), 4), ("b.py".to_string(), 2)]);
    assert_eq!(repo.run(&["scan", "--diff-base", "--bogus"]).status.code(), Some(2));
}

#[test]
fn staged_scans_the_index_not_the_working_tree() {
    let repo = Repo::new();
    repo.write("clean.py", "print(1)\n");
    repo.commit();
    for i in 0..10 {
        repo.write(&format!("f{i}.py"), &format!("{WEAK}v = hashlib.md5(x{i})\n"));
    }
    repo.git(&["add", "-A"]);
    // After staging, the working tree is fixed in f0 and broken in clean.py.
    repo.write("f0.py", "print(0)\n");
    repo.write("clean.py", &format!("{WEAK}v = hashlib.md5(x)\n"));
    let (code, doc) = repo.json(&["--staged"]);
    let mut paths: Vec<String> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_string()).collect();
    paths.sort();
    assert_eq!(paths, (0..10).map(|i| format!("f{i}.py")).collect::<Vec<_>>());
    assert_eq!(code, 1);

    // Reading ten staged blobs takes two git processes, far under 100 ms.
    let t = std::time::Instant::now();
    let files = cipherlint::git::staged_files(repo.path(), &[]).unwrap();
    let took = t.elapsed();
    assert_eq!(files.len(), 10);
    assert!(files.iter().any(|f| f.rel == "f0.py" && String::from_utf8_lossy(&f.bytes).contains("md5")));
    assert!(took.as_millis() < 100, "staged read took {took:?}");
}

#[test]
fn pre_commit_mode_says_when_nothing_was_scanned() {
    let repo = Repo::new();
    repo.write("a.py", &format!("{WEAK}a = hashlib.md5(x)\n"));
    let out = repo.run(&["scan", "--pre-commit"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing scanned"));
    let out = repo.run(&["scan", "--pre-commit", "a.py"]);
    assert_eq!(out.status.code(), Some(1));
}
