//! End-to-end tests of the `cipherlint` binary on temporary trees: exit
//! codes, bad input that must not stop a scan, symlinks, output validity and
//! determinism.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cipherlint"))
}

fn run(args: &[&str], dir: &Path) -> Output {
    bin().args(args).current_dir(dir).output().expect("run cipherlint")
}

fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}

const WEAK: &[u8] = b"import hashlib\n\ndef store(pw):\n    return hashlib.md5(pw).hexdigest()\n";
const CLEAN: &[u8] = b"import hashlib\n\ndef store(pw):\n    return hashlib.sha256(pw).hexdigest()\n";

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// Runs `../shared/sarif/validate.py` on a SARIF file.
fn assert_valid_sarif(path: &Path) {
    let script = shared().join("sarif/validate.py");
    assert!(script.exists(), "missing {}", script.display());
    let out = Command::new("python3").arg(&script).arg(path).output().expect("python3");
    assert!(out.status.success(), "SARIF invalid:\n{}{}", stdout(&out), stderr(&out));
}

#[test]
fn exit_codes() {
    let weak = tree(&[("app.py", WEAK)]);
    let clean = tree(&[("app.py", CLEAN)]);
    assert_eq!(run(&["scan", "."], weak.path()).status.code(), Some(1));
    assert_eq!(run(&["scan", "."], clean.path()).status.code(), Some(0));
    assert_eq!(run(&["scan", ".", "--fail-on", "none"], weak.path()).status.code(), Some(0));
    assert_eq!(run(&["scan", ".", "--fail-on", "critical"], weak.path()).status.code(), Some(0));
    assert_eq!(run(&["scan", ".", "--fail-on", "bogus"], weak.path()).status.code(), Some(2));
    assert_eq!(run(&["scan", ".", "--rule", "no-such-rule"], weak.path()).status.code(), Some(2));
    assert_eq!(run(&["scan", "--no-such-flag"], weak.path()).status.code(), Some(2));
    assert_eq!(run(&["scan", "does/not/exist"], weak.path()).status.code(), Some(2));
    let help = stdout(&run(&["scan", "--help"], weak.path()));
    assert!(help.contains("Exit codes") && help.contains("2  usage"), "{help}");
}

#[test]
fn human_output_underlines_and_summarises() {
    let weak = tree(&[("app.py", WEAK)]);
    let o = run(&["scan", "."], weak.path());
    let out = stdout(&o);
    assert!(out.contains("hashlib.md5"), "{out}");
    assert!(out.contains("weak-hash"), "{out}");
    assert!(out.contains("app.py:4:12"), "{out}");
    assert!(out.contains("cipherlint: 1 finding (1 medium) in 1 file scanned, 0 skipped"), "{out}");
}

#[test]
fn malformed_rule_points_at_its_line() {
    let weak = tree(&[("app.py", WEAK)]);
    let rules = tree(&[(
        "mine/bad-rule.yaml",
        b"id: bad-rule\ntitle: t\nmessage: m\nhelp: h\nseverity: high\nconfidence: high\ncategory: weak-crypto\ncwe: [CWE-327]\nreferences: [https://example.invalid]\ndescription: d\nsevirity_typo: 1\nlanguages: {}\ntests: {}\n",
    )]);
    let o = run(&["scan", ".", "--rules", rules.path().to_str().unwrap()], weak.path());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("bad-rule.yaml"), "{err}");
    assert!(err.contains("sevirity_typo"), "{err}");
    assert!(err.contains("11 │"), "error should show line 11:\n{err}");

    let rules = tree(&[(
        "mine/bad-cwe.yaml",
        b"id: bad-cwe\ntitle: t\nmessage: m\nhelp: h\nseverity: high\nconfidence: high\ncategory: weak-crypto\ncwe: [CWE327]\nreferences: [https://example.invalid]\ndescription: d\nlanguages:\n  python:\n    prefilter: [md5]\n    query: '(call) @c'\ntests:\n  python:\n    match: ['md5()']\n    no_match: ['x']\n",
    )]);
    let o = run(&["rules", "list", "--rules", rules.path().to_str().unwrap()], weak.path());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("`CWE327` is not a CWE id") && err.contains("8 │"), "{err}");

    let rules = tree(&[("mine/bad-gate.yaml", &user_rule("    prefilter_regex: ['md5(']\n")[..])]);
    let o = run(&["rules", "list", "--rules", rules.path().to_str().unwrap()], weak.path());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("`prefilter_regex` does not compile") && err.contains("14 │"), "{err}");
}

/// A user rule flagging `md5(...)` calls in Python, with `extra` lines
/// inserted after its `prefilter` (line 13).
fn user_rule(extra: &str) -> Vec<u8> {
    format!(
        "id: md5-call\ntitle: t\nmessage: m\nhelp: h\nseverity: high\nconfidence: high\ncategory: weak-crypto\ncwe: [CWE-327]\nreferences: [https://example.invalid]\ndescription: d\nlanguages:\n  python:\n    prefilter: [md5]\n{extra}    query: '(call function: (attribute attribute: (identifier) @f) (#eq? @f \"md5\")) @c'\ntests:\n  python:\n    match: ['hashlib.md5(x)']\n    no_match: ['x']\n"
    )
    .into_bytes()
}

/// The sorted paths with findings when `user_rule(extra)` alone scans `code`.
fn paths_found_by_user_rule(code: &std::path::Path, extra: &str) -> Vec<String> {
    let rules = tree(&[("mine/md5-call.yaml", &user_rule(extra)[..])]);
    let o = run(&["scan", ".", "--no-default-rules", "--rules", rules.path().to_str().unwrap(), "-f", "json"], code);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut paths: Vec<String> =
        v["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_string()).collect();
    paths.sort();
    paths
}

#[test]
fn prefilter_regex_decides_which_files_are_parsed() {
    let code = tree(&[("a.py", b"import hashlib\nhashlib.md5(x)\n"), ("b.py", b"import hashlib as h\nh.md5(x)\n")]);
    let scan = |extra: &str| paths_found_by_user_rule(code.path(), extra);
    assert_eq!(scan(""), vec!["a.py", "b.py"]);
    // Only files that spell out `hashlib.md5` are parsed for the rule.
    assert_eq!(scan("    prefilter_regex: ['hashlib\\.md5']\n"), vec!["a.py"]);
}

/// The sorted paths with findings when the rules under `rules` alone scan
/// `code` (with `extra` arguments), and how many files the scan parsed (its
/// profile's count).
fn paths_and_parsed(rules: &std::path::Path, code: &std::path::Path, extra: &[&str]) -> (Vec<String>, String) {
    let mut args = vec!["scan", ".", "--no-default-rules", "--rules", rules.to_str().unwrap(), "-f", "json"];
    args.extend(extra);
    let o = bin().args(&args).env("CIPHERLINT_PROFILE", "1").current_dir(code).output().unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut paths: Vec<String> =
        v["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_string()).collect();
    paths.sort();
    let parsed = stderr(&o).split("parsed ").nth(1).and_then(|r| r.split(' ').next()).unwrap_or("").to_string();
    (paths, parsed)
}

#[test]
fn a_qualified_name_that_the_file_cannot_spell_spares_the_parse() {
    let rule = "id: ecb-call\ntitle: t\nmessage: m\nhelp: h\nseverity: high\nconfidence: high\ncategory: weak-crypto\ncwe: [CWE-327]\nreferences: [https://example.invalid]\ndescription: d\nlanguages:\n  javascript:\n    prefilter: [ecb]\n    query: '(call_expression function: (_) @fn arguments: (arguments . (string) @mode))'\n    focus: mode\n    where:\n      - capture: fn\n        qualified: '(^|\\.)createCipheriv$'\n      - capture: mode\n        regex: 'ecb'\ntests:\n  javascript:\n    match: ['crypto.createCipheriv(\"aes-128-ecb\", k)']\n    no_match: ['crypto.createCipheriv(\"aes-128-gcm\", k)']\n";
    let rules = tree(&[("mine/ecb-call.yaml", rule.as_bytes())]);
    let code = tree(&[
        ("a.js", b"crypto.createCipheriv('aes-128-ecb', k);\n"),
        // The name is only in the import: its alias still resolves to it.
        ("b.js", b"const { createCipheriv: cc } = require('crypto');\ncc('aes-128-ecb', k);\n"),
        // No `createCipheriv` anywhere: no call here can be qualified so.
        ("c.js", b"const cc = makeCipher();\ncc('aes-128-ecb', k);\n"),
    ]);
    let scan = |extra: &[&str]| paths_and_parsed(rules.path(), code.path(), extra);
    assert_eq!(scan(&["--no-prefilter"]), (vec!["a.js".to_string(), "b.js".to_string()], "3".to_string()));
    assert_eq!(scan(&[]), (vec!["a.js".to_string(), "b.js".to_string()], "2".to_string()));
}

#[test]
fn a_word_split_by_the_syntax_still_reaches_the_parser() {
    // The file condition derived from `#eq? @s "put"` asks for `put` as a
    // whole word, since a node's edges are token edges, but a piece of a
    // string after an escape starts inside a word of the file.
    let rule = "id: put-string\ntitle: t\nmessage: m\nhelp: h\nseverity: high\nconfidence: high\ncategory: weak-crypto\ncwe: [CWE-327]\nreferences: [https://example.invalid]\ndescription: d\nlanguages:\n  javascript:\n    prefilter: [put]\n    query: '(string (string_fragment) @s (#eq? @s \"put\"))'\ntests:\n  javascript:\n    match: ['x = \"put\"']\n    no_match: ['x = \"input\"']\n";
    let rules = tree(&[("mine/put-string.yaml", rule.as_bytes())]);
    let code = tree(&[("a.js", b"x = '\\nput';\n"), ("b.js", b"x = 'input';\n"), ("c.js", b"x = 'put';\n")]);
    for extra in [None, Some("--no-prefilter")] {
        let mut args = vec!["scan", ".", "--no-default-rules", "--rules", rules.path().to_str().unwrap(), "-f", "json"];
        args.extend(extra);
        let v: serde_json::Value = serde_json::from_str(&stdout(&run(&args, code.path()))).unwrap();
        let mut paths: Vec<&str> =
            v["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
        paths.sort();
        assert_eq!(paths, vec!["a.js", "c.js"], "{extra:?}");
    }
}

#[test]
fn in_if_condition_decides_which_files_are_parsed() {
    let code = tree(&[
        ("a.py", b"import hashlib\nif hashlib.md5(x):\n    pass\n"),
        ("b.py", b"import hashlib\nhashlib.md5(x)  # if\nif x:\n    pass\n"),
    ]);
    let scan = |extra: &str| paths_found_by_user_rule(code.path(), extra);
    let test_c = "    where:\n      - capture: c\n        regex: 'md5'\n";
    assert_eq!(scan(test_c), vec!["a.py", "b.py"]);
    // The rule claims its call lies in an `if` condition (only true in
    // a.py): b.py, whose `md5` is outside every condition, is not parsed.
    assert_eq!(scan(&format!("{test_c}    in_if_condition: [c]\n")), vec!["a.py"]);

    // Listed together, captures share one `if` condition: c.py has `md5`
    // and `hashlib` each in a condition of its own, but in no one
    // condition together, so it is not parsed, unlike when the claim is
    // made of each capture alone.
    let code = tree(&[
        ("a.py", b"import hashlib\nif hashlib.md5(x):\n    pass\n"),
        ("c.py", b"import hashlib\ny = hashlib.md5(x)\nif hashlib:\n    pass\nif md5:\n    pass\n"),
    ]);
    let scan = |extra: &str| paths_found_by_user_rule(code.path(), extra);
    let test_both =
        "    where:\n      - capture: c\n        regex: 'hashlib'\n      - capture: f\n        regex: 'md5'\n";
    assert_eq!(scan(test_both), vec!["a.py", "c.py"]);
    assert_eq!(scan(&format!("{test_both}    in_if_condition: [c]\n")), vec!["a.py", "c.py"]);
    assert_eq!(scan(&format!("{test_both}    in_if_condition: [f]\n")), vec!["a.py", "c.py"]);
    assert_eq!(scan(&format!("{test_both}    in_if_condition: [c, f]\n")), vec!["a.py"]);

    // Naming a capture that does not exist, or one without a regex to
    // look for, is an error at its line.
    for (extra, says) in [
        ("    in_if_condition: [nope]\n", "`in_if_condition` names no capture `nope`"),
        ("    in_if_condition: [f]\n", "capture `f` has no `where:` regex"),
    ] {
        let rules = tree(&[("mine/md5-call.yaml", &user_rule(extra)[..])]);
        let o = run(&["rules", "list", "--rules", rules.path().to_str().unwrap()], code.path());
        assert_eq!(o.status.code(), Some(2));
        let err = stderr(&o);
        assert!(err.contains(says) && err.contains("14 │"), "{err}");
    }
}

#[test]
fn in_if_body_decides_which_files_are_parsed() {
    // `s` is the whole `if`, its `else` branch included: claiming that it
    // lies in the branch taken when the condition holds is false for c.go,
    // which is then not parsed.
    let rule = |extra: &str| {
        format!("id: md5-if\ntitle: t\nmessage: m\nhelp: h\nseverity: high\nconfidence: high\ncategory: weak-crypto\ncwe: [CWE-327]\nreferences: [https://example.invalid]\ndescription: d\nlanguages:\n  go:\n    prefilter: [md5]\n    query: '(if_statement condition: (_) @c) @s'\n    where:\n      - capture: c\n        regex: 'md5'\n      - capture: s\n        regex: 'ok'\n    in_if_condition: [c]\n{extra}tests:\n  go:\n    match: ['if md5(x) {{ ok() }}']\n    no_match: ['if md5(x) {{ no() }}']\n")
    };
    let code = tree(&[
        ("a.go", b"package p\nfunc f() {\n\tif md5(x) {\n\t\tok()\n\t}\n}\n"),
        // `ok` after the `if`, outside it: no match either way.
        ("b.go", b"package p\nfunc f() {\n\tif md5(x) {\n\t\tno()\n\t}\n\tok()\n}\n"),
        ("c.go", b"package p\nfunc f() {\n\tif md5(x) {\n\t\tno()\n\t} else {\n\t\tok()\n\t}\n}\n"),
    ]);
    let scan = |extra: &str| {
        let rules = tree(&[("mine/md5-if.yaml", rule(extra).as_bytes())]);
        paths_and_parsed(rules.path(), code.path(), &[])
    };
    let (a, c) = ("a.go".to_string(), "c.go".to_string());
    assert_eq!(scan(""), (vec![a.clone(), c], "3".to_string()));
    // b.go says `ok` after its `if`, a.go inside it: only a.go is parsed.
    assert_eq!(scan("    in_if_body: [s]\n"), (vec![a], "1".to_string()));

    // A body needs the `if` of `in_if_condition`.
    let rules = tree(&[(
        "mine/md5-if.yaml",
        rule("    in_if_body: [s]\n").replace("    in_if_condition: [c]\n", "").as_bytes(),
    )]);
    let o = run(&["rules", "list", "--rules", rules.path().to_str().unwrap()], code.path());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("`in_if_body` needs `in_if_condition`") && err.contains("20 │     in_if_body"), "{err}");
}

#[test]
fn bad_files_are_skipped_with_warnings_and_the_scan_goes_on() {
    let mut big = b"# big\n".to_vec();
    big.resize(300, b'x');
    let dir = tree(&[
        ("app.py", WEAK),
        ("blob.py", b"import hashlib\x00hashlib.md5(x)"),
        ("latin1.py", b"# caf\xe9\nimport hashlib\nhashlib.md5(pw)\n"),
        ("big.py", &big),
        ("empty.py", b""),
    ]);
    let o = run(&["scan", ".", "--max-file-size", "200", "-f", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("blob.py: binary file"), "{err}");
    assert!(err.contains("big.py: file is 300 bytes"), "{err}");
    assert!(err.contains("latin1.py: not valid UTF-8"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let paths: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, vec!["app.py", "latin1.py"]);
    assert_eq!(v["summary"]["files_skipped"], 2);
    assert_eq!(v["summary"]["files_scanned"], 3);
    assert_eq!(v["notices"].as_array().unwrap().len(), 3);
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_not_followed() {
    let outside = tree(&[("secret.py", WEAK)]);
    let dir = tree(&[("app.py", CLEAN)]);
    std::os::unix::fs::symlink(outside.path().join("secret.py"), dir.path().join("link.py")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linkdir")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    let o = run(&["scan", "."], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("link.py: symlink points outside the scanned root"), "{}", stderr(&o));
    // Asked explicitly, it follows them.
    let o = run(&["scan", ".", "--follow-symlinks"], dir.path());
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn gitignore_and_hidden_folders_are_honoured() {
    let dir = tree(&[
        ("app.py", CLEAN),
        ("build/gen.py", WEAK),
        (".hidden/x.py", WEAK),
        (".gitignore", b"build/\n"),
        ("vendor/lib.py", WEAK),
    ]);
    let o = run(&["scan", ".", "--exclude", "vendor/**", "-f", "json"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = run(&["scan", ".", "--no-ignore", "-f", "json"], dir.path());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let paths: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, vec!["build/gen.py", "vendor/lib.py"]);
}

#[test]
fn sarif_is_valid_for_findings_and_for_an_empty_scan() {
    let weak = tree(&[("src/app.py", WEAK), ("bin.dat", b"\x00\x01")]);
    let out = weak.path().join("out.sarif");
    let o = run(&["scan", ".", "-f", "sarif", "-o", out.to_str().unwrap()], weak.path());
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let run0 = &v["runs"][0];
    let res = &run0["results"][0];
    assert_eq!(res["ruleId"], "weak-hash");
    let idx = res["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run0["tool"]["driver"]["rules"][idx]["id"], "weak-hash");
    assert_eq!(run0["tool"]["driver"]["rules"][idx]["properties"]["category"], "weak-crypto");
    let tags = run0["tool"]["driver"]["rules"][idx]["properties"]["tags"].as_array().unwrap();
    assert!(tags.iter().any(|t| t == "CWE-328") && tags.iter().any(|t| t == "security"));
    assert_eq!(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "src/app.py");
    assert_eq!(res["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
    let notes = run0["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert!(notes.iter().any(|n| n["message"]["text"].as_str().unwrap().contains("bin.dat")));
    assert_valid_sarif(&out);

    let empty = tempfile::tempdir().unwrap();
    let out = empty.path().join("empty.sarif");
    let o = run(&["scan", ".", "-f", "sarif", "-o", out.to_str().unwrap()], empty.path());
    assert_eq!(o.status.code(), Some(0));
    assert_valid_sarif(&out);
}

#[test]
fn fingerprints_survive_unrelated_line_shifts() {
    let a = tree(&[("app.py", WEAK)]);
    let mut shifted = b"\n\n# a comment\nimport os\n".to_vec();
    shifted.extend_from_slice(WEAK);
    let b = tree(&[("app.py", &shifted)]);
    let fp = |d: &Path| {
        let v: serde_json::Value = serde_json::from_str(&stdout(&run(&["scan", ".", "-f", "json"], d))).unwrap();
        (
            v["findings"][0]["fingerprint"].as_str().unwrap().to_string(),
            v["findings"][0]["start"]["line"].as_u64().unwrap(),
        )
    };
    let (fa, la) = fp(a.path());
    let (fb, lb) = fp(b.path());
    assert_ne!(la, lb);
    assert_eq!(fa, fb);
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for format in ["json", "sarif"] {
        let one = run(&["scan", root.to_str().unwrap(), "-j", "1", "-f", format, "--fail-on", "none"], &root);
        let many = run(&["scan", root.to_str().unwrap(), "-j", "8", "-f", format, "--fail-on", "none"], &root);
        assert_eq!(one.status.code(), Some(0));
        assert!(!one.stdout.is_empty());
        assert!(one.stdout == many.stdout, "{format} output differs between -j1 and -j8");
    }
}

#[test]
fn rules_commands() {
    let d = tempfile::tempdir().unwrap();
    let list = stdout(&run(&["rules", "list"], d.path()));
    assert!(list.contains("weak-hash") && list.contains("CWE-328"), "{list}");
    let explain = run(&["rules", "explain", "weak-hash"], d.path());
    assert_eq!(explain.status.code(), Some(0));
    assert!(stdout(&explain).contains("## Fix"));
    assert_eq!(run(&["rules", "explain", "nope"], d.path()).status.code(), Some(2));
    let test = run(&["rules", "test"], d.path());
    assert_eq!(test.status.code(), Some(0), "{}", stdout(&test));
    assert!(stdout(&test).contains("0 missing, 0 noisy"));
    assert!(stdout(&test).contains(" 0 prefilter gaps"));

    // A `flows_from` source that the literal list forgets fails the test:
    // `key-logged` without its `urandom` literal.
    let rule = include_str!("../rules/key-escrow/key-logged.yaml").replace(" urandom,", "");
    let rules = tree(&[("mine/key-logged.yaml", rule.as_bytes())]);
    let test = run(&["rules", "test", rules.path().to_str().unwrap()], d.path());
    assert_eq!(test.status.code(), Some(1), "{}", stdout(&test));
    assert!(
        stdout(&test).contains("key-logged [python]: prefilter gap (`flows_from` names a source ending in `urandom`")
    );
}

/// A JSON scan's findings as (rule, path, line, path of the first related
/// location): where a value resolved across files came from.
fn located(o: &Output) -> Vec<(String, String, u64, String)> {
    let v: serde_json::Value = serde_json::from_str(&stdout(o)).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["related"][0]["path"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn row(rule: &str, path: &str, line: u64, from: &str) -> (String, String, u64, String) {
    (rule.into(), path.into(), line, from.into())
}

/// A constructor's parameters are fed by instantiations of its class
/// (`new Box(..)`, `Vault(..)`), in the same file or another one; a call of
/// an unrelated function named like the class's method is not one.
#[test]
fn constructor_parameters_resolve_from_instantiations() {
    let dir = tree(&[
        (
            "js/box.js",
            b"const crypto = require('crypto');\nclass Box {\n  constructor(algorithm, key) {\n    this.c = crypto.createCipheriv(algorithm, key, iv);\n  }\n}\nmodule.exports = Box;\n",
        ),
        ("js/app.js", b"const Box = require('./box');\nconst b = new Box('des-ede3-cbc', k);\nconstructor('rc4', k);\n"),
        // Minified bundles: a one-letter class is not joined across files.
        (
            "js/dist/a.min.js",
            b"const crypto=require('crypto');class C{constructor(a,k){this.c=crypto.createCipheriv(a,k,iv)}}\n",
        ),
        ("js/dist/b.min.js", b"const x=new C('rc4',k);\n"),
        (
            "py/vault.py",
            b"from Crypto.Cipher import AES\nclass Vault:\n    def __init__(self, key, mode=AES.MODE_GCM):\n        self.c = AES.new(key, mode)\n",
        ),
        ("py/use.py", b"from vault import Vault\nv = Vault(b\"fedcba9876543210\")\n__init__(b\"a1b2c3d4e5f6a7b8\")\n"),
        (
            "py/same.py",
            b"from Crypto.Cipher import AES\nclass Same:\n    def __init__(self, key):\n        self.c = AES.new(key, AES.MODE_GCM)\ns = Same(key=b\"9f8e7d6c5b4a3928\")\n",
        ),
    ]);
    let o = run(&["scan", ".", "-f", "json", "--rule", "weak-cipher", "--rule", "hardcoded-symmetric-key"], dir.path());
    let got = located(&o);
    assert_eq!(
        got,
        vec![
            row("weak-cipher", "js/box.js", 4, "js/app.js"),
            row("hardcoded-symmetric-key", "py/same.py", 4, "py/same.py"),
            row("hardcoded-symmetric-key", "py/vault.py", 4, "py/use.py"),
        ]
    );
}

/// A field of the code's own object (`self.iv`) is set by its own
/// package's code: it is looked up in the files of that package (the
/// nearest folder with a build manifest), not in every package's.
#[test]
fn own_fields_resolve_within_their_package() {
    let reader = b"from Crypto.Cipher import AES\n\n\nclass Box:\n    def seal(self, key, data):\n        return AES.new(key, AES.MODE_CBC, self.iv).encrypt(data)\n";
    let dir = tree(&[
        ("a/setup.py", b"from setuptools import setup\nsetup(name='a')\n"),
        ("a/a/box.py", reader),
        ("a/a/base.py", b"class Base:\n    iv = b'0123456789abcdef'\n"),
        ("b/pyproject.toml", b"[project]\nname = 'b'\n"),
        ("b/b/box.py", reader),
    ]);
    let o = run(&["scan", ".", "-f", "json", "--rule", "static-iv"], dir.path());
    assert_eq!(located(&o), vec![row("static-iv", "a/a/box.py", 6, "a/a/base.py")]);
}

/// A two-letter constant of another class is still looked up across files.
#[test]
fn two_letter_constants_resolve_across_files() {
    let dir = tree(&[
        (
            "src/demo/CryptoConfig.java",
            b"package demo;\npublic final class CryptoConfig {\n    public static final byte[] IV = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};\n}\n",
        ),
        (
            "src/demo/Box.java",
            b"package demo;\nimport javax.crypto.Cipher;\nimport javax.crypto.spec.IvParameterSpec;\npublic class Box {\n    void seal(Cipher c, java.security.Key k) throws Exception {\n        c.init(Cipher.ENCRYPT_MODE, k, new IvParameterSpec(CryptoConfig.IV));\n    }\n}\n",
        ),
    ]);
    let o = run(&["scan", ".", "-f", "json", "--rule", "static-iv"], dir.path());
    let got = located(&o);
    assert_eq!(got, vec![row("static-iv", "src/demo/Box.java", 6, "src/demo/CryptoConfig.java")]);
}

#[test]
fn values_resolve_across_files() {
    let dir = tree(&[
        ("src/demo/CryptoConfig.java", b"package demo;\npublic final class CryptoConfig {\n    public static final String CIPHER = \"DES/CBC/PKCS5Padding\";\n}\n"),
        (
            "src/demo/Box.java",
            b"package demo;\nimport javax.crypto.Cipher;\npublic class Box {\n    Cipher make(String transformation) throws Exception {\n        return Cipher.getInstance(transformation);\n    }\n    Cipher legacy() throws Exception {\n        return Cipher.getInstance(CryptoConfig.CIPHER);\n    }\n}\n",
        ),
        ("src/demo/App.java", b"package demo;\npublic class App {\n    void run(Box b) throws Exception { b.make(\"RC4\"); }\n}\n"),
        ("src/demo/Safe.java", b"package demo;\nimport javax.crypto.Cipher;\npublic class Safe {\n    Cipher c(String t) throws Exception { return Cipher.getInstance(t); }\n    void go() throws Exception { c(\"AES/GCM/NoPadding\"); }\n}\n"),
    ]);
    let o = run(&["scan", ".", "-f", "json", "--rule", "weak-cipher"], dir.path());
    let got = located(&o);
    assert_eq!(
        got,
        vec![
            row("weak-cipher", "src/demo/Box.java", 5, "src/demo/App.java"),
            row("weak-cipher", "src/demo/Box.java", 8, "src/demo/CryptoConfig.java"),
        ]
    );
}
