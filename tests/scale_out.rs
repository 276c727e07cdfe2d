//! Scale-out: `scan --shard K/N` partitions the files, and `merge` puts the
//! shards' SARIF back together into what one unsharded scan reports.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cipherlint")).args(args).current_dir(root()).output().expect("run cipherlint")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn load(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// (rule, uri, line, column, fingerprint) of every result.
fn result_set(log: &serde_json::Value) -> BTreeSet<(String, String, u64, u64, String)> {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_string(),
                loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                loc["region"]["startLine"].as_u64().unwrap(),
                loc["region"]["startColumn"].as_u64().unwrap_or(0),
                r["partialFingerprints"].to_string(),
            )
        })
        .collect()
}

#[test]
fn three_shards_merge_into_the_unsharded_result() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole.sarif");
    let o =
        run(&["scan", "fixtures", "examples", "-f", "sarif", "--fail-on", "none", "-q", "-o", whole.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));

    let mut shards = Vec::new();
    let mut per_shard = 0;
    for k in 1..=3 {
        let p = tmp.path().join(format!("shard{k}.sarif"));
        let o = run(&[
            "scan",
            "fixtures",
            "examples",
            "-f",
            "sarif",
            "--fail-on",
            "none",
            "-q",
            "--shard",
            &format!("{k}/3"),
            "-o",
            p.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        per_shard += load(&p)["runs"][0]["results"].as_array().unwrap().len();
        shards.push(p);
    }
    let merged = tmp.path().join("all.sarif");
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(|p| p.to_str().unwrap()));
    args.extend(["-o", merged.to_str().unwrap()]);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));

    let whole = load(&whole);
    let m = load(&merged);
    let expected = result_set(&whole);
    assert!(expected.len() > 3, "the example should have several findings");
    assert_eq!(per_shard, expected.len(), "shards overlap or lose files");
    assert_eq!(result_set(&m), expected);
    // One run, each rule once, every ruleIndex pointing at its rule.
    assert_eq!(m["runs"].as_array().unwrap().len(), 1);
    let rules = m["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: BTreeSet<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), rules.len());
    assert_eq!(rules.len(), whole["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().len());
    for r in m["runs"][0]["results"].as_array().unwrap() {
        assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"], r["ruleId"]);
    }
    let script = root().join("../shared/sarif/validate.py");
    let v = Command::new("python3").arg(script).arg(&merged).output().unwrap();
    assert!(v.status.success(), "{}{}", String::from_utf8_lossy(&v.stdout), String::from_utf8_lossy(&v.stderr));
}

#[test]
fn shard_argument_is_checked() {
    for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
        let o = run(&["scan", ".", "--shard", bad]);
        assert_eq!(o.status.code(), Some(2), "--shard {bad}");
    }
    let o = run(&["merge", "/no/such.sarif"]);
    assert_eq!(o.status.code(), Some(2));
}
