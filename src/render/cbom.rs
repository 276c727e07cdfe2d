//! CycloneDX 1.6 CBOM (cryptography bill of materials) output.
//!
//! One `cryptographic-asset` component per distinct algorithm (same name,
//! primitive and parameters), with every place it occurs as
//! `evidence.occurrences`; one `library` component per crypto library seen
//! in imports (`library` inventory facts) or declared in a manifest; and a
//! `dependencies` graph: the scanned application depends on the libraries,
//! and each library `provides` the algorithms used through it.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{json, Value};

use crate::deps;
use crate::inventory::{Algo, Asset};
use crate::rules::RuleSet;
use crate::scan::ScanReport;

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The `bom-ref` of an asset's component (SARIF results cite it).
pub fn asset_ref(a: &Algo) -> String {
    format!("crypto/algorithm/{}/{}", slug(&a.name()), a.primitive.as_deref().unwrap_or("unknown"))
}

fn lib_ref(eco: &str, name: &str) -> String {
    format!("library/{}/{}", slug(eco), slug(name))
}

const MODES: [&str; 7] = ["cbc", "ecb", "ccm", "gcm", "cfb", "ofb", "ctr"];
const PADDINGS: [&str; 5] = ["pkcs5", "pkcs7", "pkcs1v15", "oaep", "raw"];
const PRIMITIVES: [&str; 13] = [
    "drbg",
    "mac",
    "block-cipher",
    "stream-cipher",
    "signature",
    "hash",
    "pke",
    "xof",
    "kdf",
    "key-agree",
    "kem",
    "ae",
    "other",
];
const FUNCTIONS: [&str; 11] = [
    "generate",
    "keygen",
    "encrypt",
    "decrypt",
    "digest",
    "tag",
    "keyderive",
    "sign",
    "verify",
    "encapsulate",
    "decapsulate",
];

fn algorithm_properties(a: &Algo) -> Value {
    let mut p = serde_json::Map::new();
    let prim = a.primitive.as_deref().filter(|p| PRIMITIVES.contains(p)).unwrap_or("unknown");
    p.insert("primitive".into(), json!(prim));
    let param = match a.family.as_deref() {
        Some("RSA" | "DH" | "DSA" | "AES" | "Camellia" | "ML-KEM" | "ML-DSA") => a.key_size.map(|k| k.to_string()),
        Some(f) if f.starts_with("SHA") => f.rsplit(['-', '/']).next().map(str::to_string),
        _ => None,
    };
    if let Some(ps) = param {
        p.insert("parameterSetIdentifier".into(), json!(ps));
    }
    if let Some(c) = &a.curve {
        p.insert("curve".into(), json!(c));
    }
    if let Some(m) = &a.mode {
        p.insert("mode".into(), json!(if MODES.contains(&m.as_str()) { m.as_str() } else { "other" }));
    }
    if let Some(pd) = &a.padding {
        p.insert("padding".into(), json!(if PADDINGS.contains(&pd.as_str()) { pd.as_str() } else { "other" }));
    }
    let f = a.function.as_deref().filter(|f| FUNCTIONS.contains(f));
    let functions: Vec<&str> = match (f, prim) {
        (Some(f), _) => vec![f],
        (None, "hash" | "xof") => vec!["digest"],
        (None, "mac") => vec!["tag"],
        (None, "kdf") => vec!["keyderive"],
        _ => vec![],
    };
    if !functions.is_empty() {
        p.insert("cryptoFunctions".into(), json!(functions));
    }
    p.insert("executionEnvironment".into(), json!("software-plain-ram"));
    p.insert("certificationLevel".into(), json!(["none"]));
    if let Some(bits) = a.security_bits() {
        p.insert("classicalSecurityLevel".into(), json!(bits));
    }
    let nist_q = match a.family.as_deref() {
        _ if a.quantum_vulnerable() => Some(0),
        Some("ML-KEM") => a.key_size.map(|k| match k {
            512 => 1,
            768 => 3,
            _ => 5,
        }),
        Some("ML-DSA") => a.key_size.map(|k| match k {
            44 => 2,
            65 => 3,
            _ => 5,
        }),
        Some("AES") => a.key_size.map(|k| match k {
            128 => 1,
            192 => 3,
            _ => 5,
        }),
        _ => None,
    };
    if let Some(q) = nist_q {
        p.insert("nistQuantumSecurityLevel".into(), json!(q));
    }
    Value::Object(p)
}

/// Builds the CBOM document.
pub fn build(report: &ScanReport, _rules: &RuleSet) -> Value {
    let db = deps::builtin();
    // Algorithms, grouped.
    let mut groups: BTreeMap<String, (&Algo, Vec<&Asset>)> = BTreeMap::new();
    for a in report.assets.iter().filter(|a| a.algo.family.is_some()) {
        groups.entry(asset_ref(&a.algo)).or_insert_with(|| (&a.algo, Vec::new())).1.push(a);
    }
    // Libraries: manifests first (they have versions), then import facts.
    let mut libs: BTreeMap<String, Value> = BTreeMap::new();
    let mut provides: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in &report.dependencies {
        if deps::lookup(&db, d).is_none() {
            continue;
        }
        let r = lib_ref(&d.ecosystem, &d.name);
        libs.entry(r.clone()).or_insert_with(|| {
            let (group, name) = match d.name.split_once(':') {
                Some((g, n)) if d.ecosystem == "maven" => (Some(g), n),
                _ => (None, d.name.as_str()),
            };
            let mut c = json!({
                "type": "library",
                "bom-ref": r,
                "name": name,
                "purl": deps::purl(&d.ecosystem, &d.name, d.version.as_deref()),
                "evidence": { "occurrences": [ { "location": d.path, "line": d.line } ] },
            });
            if let Some(g) = group {
                c["group"] = json!(g);
            }
            if let Some(v) = &d.version {
                c["version"] = json!(v);
            }
            c
        });
    }
    for (r, (_, assets)) in &groups {
        for a in assets {
            if let Some(lib) = &a.algo.library {
                let lr = lib_ref("source", lib);
                libs.entry(lr.clone()).or_insert_with(|| json!({ "type": "library", "bom-ref": lr, "name": lib }));
                let v = provides.entry(lr).or_default();
                if !v.contains(r) {
                    v.push(r.clone());
                }
            }
        }
    }
    let mut components: Vec<Value> = libs.values().cloned().collect();
    for (r, (algo, assets)) in &groups {
        let occurrences: Vec<Value> = assets
            .iter()
            .map(|a| {
                json!({
                    "location": a.span.path,
                    "line": a.span.start.line,
                    "offset": a.span.start.col.saturating_sub(1),
                    "symbol": a.facts.get("api").or_else(|| a.facts.get("algorithm")).cloned().unwrap_or_default(),
                    "additionalContext": a.snippet.trim(),
                })
            })
            .collect();
        let mut c = json!({
            "type": "cryptographic-asset",
            "bom-ref": r,
            "name": algo.name(),
            "cryptoProperties": { "assetType": "algorithm", "algorithmProperties": algorithm_properties(algo) },
            "evidence": { "occurrences": occurrences },
        });
        let mut props = vec![json!({ "name": "cipherlint:family", "value": algo.family.clone().unwrap_or_default() })];
        if algo.quantum_vulnerable() {
            props.push(json!({ "name": "cipherlint:pq-migration", "value": algo.pq_replacement() }));
        }
        if let Some(h) = &algo.hash {
            props.push(json!({ "name": "cipherlint:hash", "value": h }));
        }
        if let Some(i) = algo.iterations {
            props.push(json!({ "name": "cipherlint:iterations", "value": i.to_string() }));
        }
        c["properties"] = json!(props);
        components.push(c);
    }
    let app = "application/scanned-tree";
    let mut dependencies = vec![json!({ "ref": app, "dependsOn": libs.keys().collect::<Vec<_>>() })];
    for r in libs.keys() {
        let mut d = json!({ "ref": r });
        if let Some(p) = provides.get(r) {
            d["provides"] = json!(p);
        }
        dependencies.push(d);
    }
    let root = std::fs::canonicalize(&report.base)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "scanned-tree".into());
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "tools": { "components": [ { "type": "application", "name": "cipherlint", "version": env!("CARGO_PKG_VERSION") } ] },
            "component": { "type": "application", "bom-ref": app, "name": root },
        },
        "components": components,
        "dependencies": dependencies,
    })
}

pub fn write(report: &ScanReport, rules: &RuleSet, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &build(report, rules))?;
    writeln!(out)
}
