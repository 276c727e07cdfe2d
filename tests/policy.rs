//! Compliance profiles (`scan --policy --as-of`), the CBOM, the
//! post-quantum summary and the dependency audit, end to end on the trees
//! under `fixtures/repos/policies/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/repos/policies")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cipherlint")).args(args).current_dir(root()).output().expect("run cipherlint")
}

fn json(args: &[&str]) -> serde_json::Value {
    let o = run(args);
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

/// (rule id, path, line, message) of every finding whose rule starts with `prefix`.
fn findings(v: &serde_json::Value, prefix: &str) -> Vec<(String, String, u64, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"].as_str().unwrap().starts_with(prefix))
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(list: &[(String, String, u64, String)], rule: &str, path: &str, line: u64) -> bool {
    list.iter().any(|(r, p, l, _)| r == rule && p.ends_with(path) && *l == line)
}

#[test]
fn same_code_allowed_by_one_profile_and_violating_another() {
    let tree = "aes128-rsa2048";
    // SP 800-131A Rev. 2: AES-128 and RSA-2048 are acceptable.
    let v = json(&["scan", tree, "--format", "json", "--policy", "nist-sp800-131a", "--as-of", "2026-01-01"]);
    assert!(findings(&v, "policy-").is_empty(), "{:#?}", findings(&v, "policy-"));

    // CNSA 2.0: both violate.
    let v = json(&["scan", tree, "--format", "json", "--policy", "cnsa-2.0", "--as-of", "2026-01-01"]);
    let f = findings(&v, "policy-");
    assert!(has(&f, "policy-cnsa-2.0-rsa", "keys.py", 6), "{f:#?}");
    assert!(has(&f, "policy-cnsa-2.0-cipher", "keys.py", 7), "{f:#?}");
    assert!(has(&f, "policy-cnsa-2.0-rsa", "keys.go", 9), "{f:#?}");
    assert!(has(&f, "policy-cnsa-2.0-cipher", "seal.js", 4), "{f:#?}");
    assert!(has(&f, "policy-cnsa-2.0-rsa", "seal.js", 9), "{f:#?}");
    assert!(has(&f, "policy-cnsa-2.0-cipher", "seal.c", 4), "{f:#?}");
    // Java sizes its generators in a later call (`kpg.initialize(MODULUS_BITS)`).
    let java = |rule: &str, line: u64| f.iter().find(|x| x.0 == rule && x.1.ends_with("Keys.java") && x.2 == line);
    assert!(java("policy-cnsa-2.0-rsa", 10).is_some_and(|x| x.3.contains("RSA-2048")), "{f:#?}");
    assert!(java("policy-cnsa-2.0-cipher", 16).is_some_and(|x| x.3.contains("AES-128")), "{f:#?}");
    let msg = &f.iter().find(|x| x.0 == "policy-cnsa-2.0-cipher").unwrap().3;
    assert!(msg.contains("NSA CNSA 2.0") && msg.contains("disallowed") && msg.contains("AES-256"), "{msg}");
    let weak = v["findings"].as_array().unwrap().iter().find(|x| x["rule_id"] == "policy-cnsa-2.0-rsa").unwrap();
    assert_eq!(weak["category"], "weak-crypto");
    assert_eq!(weak["cwe"][0], "CWE-326");

    // IR 8547: RSA-2048 fine today, deprecated after 2030, disallowed after 2035; AES untouched.
    let v = json(&["scan", tree, "--format", "json", "--policy", "nist-ir-8547", "--as-of", "2026-01-01"]);
    assert!(findings(&v, "policy-").is_empty(), "{:#?}", findings(&v, "policy-"));
    let v = json(&["scan", tree, "--format", "json", "--policy", "nist-ir-8547", "--as-of", "2031-01-01"]);
    let f = findings(&v, "policy-");
    assert!(has(&f, "policy-nist-ir-8547-rsa", "keys.go", 9), "{f:#?}");
    assert!(f.iter().all(|x| x.3.contains("deprecated after 2030-12-31") && !x.0.ends_with("cipher")), "{f:#?}");
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["rule_id"] == "policy-nist-ir-8547-rsa")
        .all(|x| x["severity"] == "low"));
    let v = json(&["scan", tree, "--format", "json", "--policy", "nist-ir-8547", "--as-of", "2036-01-01"]);
    let f = findings(&v, "policy-");
    assert!(f.iter().any(|x| x.3.contains("disallowed after 2035-12-31")), "{f:#?}");

    // Two profiles at once; the post-quantum summary groups RSA uses.
    let v = json(&["scan", tree, "--format", "json", "--policy", "cnsa-2.0,nist-sp800-131a"]);
    let pq = &v["pq_readiness"];
    assert!(pq["quantum_vulnerable"].as_u64().unwrap() >= 3, "{pq}");
}

#[test]
fn java_generator_sized_by_a_later_call_is_judged_by_its_size() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Legacy.java"),
        "class Legacy {\n  KeyPair k() throws Exception {\n    KeyPairGenerator g = KeyPairGenerator.getInstance(\"RSA\");\n    g.initialize(1024);\n    return g.generateKeyPair();\n  }\n}\n",
    )
    .unwrap();
    let dir = dir.path().to_str().unwrap();
    let v = json(&["scan", dir, "--format", "json", "--policy", "nist-sp800-131a", "--as-of", "2026-01-01"]);
    let f = findings(&v, "policy-");
    assert!(f.iter().any(|x| x.0 == "policy-nist-sp800-131a-rsa" && x.2 == 3 && x.3.contains("RSA-1024")), "{f:#?}");
    let v = json(&["scan", dir, "--format", "cbom"]);
    let sizes: Vec<String> = v["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| {
            c["cryptoProperties"]["algorithmProperties"]["parameterSetIdentifier"].as_str().map(String::from)
        })
        .collect();
    assert!(sizes.iter().any(|s| s == "1024"), "{v:#}");
}

#[test]
fn cnsa_compliant_tree_passes_and_default_scan_stays_quiet() {
    let v = json(&["scan", "cnsa-compliant", "--format", "json", "--policy", "cnsa-2.0"]);
    assert!(findings(&v, "policy-").is_empty(), "{:#?}", findings(&v, "policy-"));
    // Without --policy: no policy findings and no post-quantum section.
    let v = json(&["scan", "aes128-rsa2048", "--format", "json"]);
    assert!(findings(&v, "policy-").is_empty());
    assert!(v.get("pq_readiness").is_none());
}

#[test]
fn policy_usage_errors_and_explain() {
    assert_eq!(run(&["scan", ".", "--policy", "no-such-profile"]).status.code(), Some(2));
    assert_eq!(run(&["scan", ".", "--policy", "cnsa-2.0", "--as-of", "2031-13-40"]).status.code(), Some(2));
    let o = run(&["policy", "explain", "cnsa-2.0", "--as-of", "2034-01-01"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("ML-KEM-1024") && out.contains("disallowed after 2033-12-31"), "{out}");
    let o = run(&["policy", "list"]);
    let out = String::from_utf8_lossy(&o.stdout);
    for id in ["nist-sp800-131a", "nist-ir-8547", "fips-140-3", "cnsa-2.0", "bsi-tr-02102-1", "owasp-asvs-5"] {
        assert!(out.contains(id), "{out}");
    }
    // A broken profile file points at its line.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mine.yaml");
    std::fs::write(&p, "id: mine\ntitle: t\nsummary: s\nsources: [{title: a, url: 'https://example.invalid'}]\nentries:\n  - family: cipher\n    status: forbidden\n    clause: c\n").unwrap();
    let o = run(&["scan", "cnsa-compliant", "--policy", p.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("unknown status `forbidden`") && err.contains("7"), "{err}");
}

#[test]
fn human_output_has_the_pq_summary() {
    let o = run(&["scan", "aes128-rsa2048", "--policy", "cnsa-2.0"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("post-quantum readiness") && out.contains("ML-"), "{out}");
    assert!(out.contains("policy-cnsa-2.0-rsa"), "{out}");
}

#[test]
fn sarif_with_policy_findings_is_valid_and_cites_the_cbom() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.sarif");
    let o = run(&[
        "scan",
        "multi-lang",
        "--format",
        "sarif",
        "--policy",
        "cnsa-2.0,owasp-asvs-5",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/sarif/validate.py");
    let v = Command::new("python3").arg(&script).arg(&out).output().expect("python3");
    assert!(v.status.success(), "{}{}", String::from_utf8_lossy(&v.stdout), String::from_utf8_lossy(&v.stderr));
    let sarif: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "policy-cnsa-2.0-rsa"));
    let policy: Vec<&serde_json::Value> =
        results.iter().filter(|r| r["ruleId"].as_str().unwrap().starts_with("policy-")).collect();
    assert!(!policy.is_empty());
    assert!(
        policy.iter().all(|r| r["properties"]["cbomRef"].as_str().is_some_and(|s| s.starts_with("crypto/algorithm/"))),
        "{policy:#?}"
    );
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
    }
}

#[test]
fn cbom_is_valid_cyclonedx_1_6() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bom.json");
    let o = run(&["scan", "multi-lang", "--format", "cbom", "-o", out.to_str().unwrap()]);
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&o.stderr));
    let bom: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(bom["specVersion"], "1.6");
    let comps = bom["components"].as_array().unwrap();
    let crypto: Vec<&serde_json::Value> = comps.iter().filter(|c| c["type"] == "cryptographic-asset").collect();
    let names: Vec<&str> = crypto.iter().map(|c| c["name"].as_str().unwrap()).collect();
    for want in [
        "AES-128-GCM",
        "RSA-2048",
        "AES-ECB",
        "SHA-1",
        "SHA-256withRSA",
        "AES-256-GCM",
        "RSA-3072",
        "HMAC-SHA-256",
        "MD5",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    let gcm = crypto.iter().find(|c| c["name"] == "AES-128-GCM").unwrap();
    let props = &gcm["cryptoProperties"]["algorithmProperties"];
    assert_eq!(props["primitive"], "ae");
    assert_eq!(props["mode"], "gcm");
    assert_eq!(props["parameterSetIdentifier"], "128");
    assert!(gcm["evidence"]["occurrences"].as_array().unwrap().len() >= 3);
    assert!(comps.iter().any(|c| c["type"] == "library" && c["name"] == "rust-crypto"), "{comps:#?}");
    assert!(comps.iter().any(|c| c["type"] == "library" && c["name"] == "JCA"));
    let deps = bom["dependencies"].as_array().unwrap();
    assert!(deps.iter().any(|d| d["provides"].as_array().is_some_and(|p| !p.is_empty())));

    // Schema validation with cyclonedx-python-lib's strict validator.
    let check = "import sys\ntry:\n    from cyclonedx.validation.json import JsonStrictValidator\n    from cyclonedx.schema import SchemaVersion\nexcept ImportError as e:\n    print('SKIP', e); sys.exit(3)\nerr = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())\nif err:\n    print(err); sys.exit(1)\n";
    let v = Command::new("python3").arg("-c").arg(check).arg(&out).output().expect("python3");
    let text = format!("{}{}", String::from_utf8_lossy(&v.stdout), String::from_utf8_lossy(&v.stderr));
    if v.status.code() == Some(3) {
        eprintln!("SKIPPED CycloneDX schema check: cyclonedx-python-lib is not installed ({text}); CI: pip install 'cyclonedx-python-lib[json-validation]'");
        return;
    }
    assert!(v.status.success(), "CBOM does not validate against CycloneDX 1.6:\n{text}");
}

#[test]
fn dependency_audit_points_at_manifest_lines() {
    let v = json(&["scan", "deps", "--format", "json"]);
    let f = findings(&v, "weak-crypto-dependency");
    for (path, line) in [
        ("package.json", 5),
        ("package.json", 6),
        ("requirements.txt", 2),
        ("pom.xml", 5),
        ("go.mod", 6),
        ("App.csproj", 3),
        ("Cargo.toml", 6),
    ] {
        assert!(has(&f, "weak-crypto-dependency", path, line), "{path}:{line} not in {f:#?}");
    }
    assert!(!f.iter().any(|x| x.3.starts_with("`ring`") || x.3.starts_with("`cryptography`")), "{f:#?}");
    let one = v["findings"].as_array().unwrap().iter().find(|x| x["rule_id"] == "weak-crypto-dependency").unwrap();
    assert_eq!(one["category"], "weak-crypto");
    assert_eq!(one["cwe"], serde_json::json!(["CWE-1104", "CWE-327"]));
    let v = json(&["scan", "deps", "--format", "json", "--no-dependency-audit"]);
    assert!(findings(&v, "weak-crypto-dependency").is_empty());
}
