//! Compliance profiles. A *profile* (`rules/policies/<id>.yaml`) is a
//! standard's view of algorithms, re-expressed as data: for each family
//! (hash, cipher, mode, padding, mac, kdf, rsa, dh, dsa, ecc, pqc, rng, tls)
//! an ordered list of entries — which algorithms, under which parameter
//! conditions and for which operation — with a status (`allowed`,
//! `deprecated`, `legacy-use`, `disallowed`), optional dates on which the
//! status worsens, the clause it comes from and the replacement.
//!
//! `scan --policy` evaluates every inventory asset ([`crate::inventory`])
//! against the profiles as of a date; the first entry that matches an
//! asset's family, algorithm, parameters and operation decides. An entry
//! that tests a parameter (`key_size`, `curve`, ...) only matches when the
//! engine could resolve that parameter, so unknown parameters never produce
//! findings.

use std::collections::BTreeMap;
use std::fmt;

use miette::{NamedSource, SourceSpan};
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::finding::{fingerprint, Finding};
use crate::inventory::{Algo, Asset, Operation};
use crate::rules::{CmpOp, Confidence, LoadError, Rule, RuleError, RuleSet, Severity};

/// The built-in profiles.
pub const BUILTIN: &[(&str, &str)] = &[
    ("bsi-tr-02102-1", include_str!("../rules/policies/bsi-tr-02102-1.yaml")),
    ("cnsa-2.0", include_str!("../rules/policies/cnsa-2.0.yaml")),
    ("fips-140-3", include_str!("../rules/policies/fips-140-3.yaml")),
    ("nist-ir-8547", include_str!("../rules/policies/nist-ir-8547.yaml")),
    ("nist-sp800-131a", include_str!("../rules/policies/nist-sp800-131a.yaml")),
    ("nist-sp800-131a-r3-draft", include_str!("../rules/policies/nist-sp800-131a-r3-draft.yaml")),
    ("owasp-asvs-5", include_str!("../rules/policies/owasp-asvs-5.yaml")),
];

pub const FAMILIES: [&str; 13] =
    ["hash", "cipher", "mode", "padding", "mac", "kdf", "rsa", "dh", "dsa", "ecc", "pqc", "rng", "tls"];

/// Canonical names an entry of each family may list (besides `*`).
fn known(family: &str) -> &'static [&'static str] {
    match family {
        "hash" => &[
            "SHA-1",
            "SHA-224",
            "SHA-256",
            "SHA-384",
            "SHA-512",
            "SHA-512/224",
            "SHA-512/256",
            "SHA3-224",
            "SHA3-256",
            "SHA3-384",
            "SHA3-512",
            "SHAKE",
            "MD5",
            "MD4",
            "MD2",
            "RIPEMD-160",
            "BLAKE2b",
            "BLAKE2s",
            "BLAKE3",
            "SM3",
        ],
        "cipher" => &[
            "AES",
            "3DES",
            "DES",
            "RC4",
            "RC2",
            "Blowfish",
            "IDEA",
            "Camellia",
            "SM4",
            "ChaCha20",
            "ChaCha20-Poly1305",
            "Salsa20",
        ],
        "mode" => &["ECB", "CBC", "CTR", "GCM", "CCM", "CFB", "OFB", "XTS", "SIV", "OCB", "KW", "KWP"],
        "padding" => &["raw", "pkcs1v15", "oaep", "pss", "pkcs5", "pkcs7"],
        "mac" => &["HMAC", "CMAC", "GMAC", "KMAC", "Poly1305"],
        "kdf" => &["PBKDF2", "scrypt", "Argon2", "bcrypt", "HKDF"],
        "rsa" => &["RSA"],
        "dh" => &["DH"],
        "dsa" => &["DSA"],
        "ecc" => &["ECDSA", "ECDH", "EC", "EdDSA", "ECIES"],
        "pqc" => &["ML-KEM", "ML-DSA", "SLH-DSA", "LMS", "XMSS"],
        "rng" => &["RNG"],
        "tls" => &["TLS"],
        _ => &[],
    }
}

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub i32, pub u32, pub u32);

impl Date {
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.trim().split('-');
        let y: i32 = it.next()?.parse().ok()?;
        let m: u32 = it.next()?.parse().ok()?;
        let d: u32 = it.next()?.parse().ok()?;
        (it.next().is_none() && (1..=12).contains(&m) && (1..=31).contains(&d) && (1900..=9999).contains(&y))
            .then_some(Date(y, m, d))
    }

    /// Today (UTC), from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        // Days to civil date (H. Hinnant's algorithm).
        let z = (secs / 86_400) as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = (yoe + era * 400) as i32 + i32::from(m <= 2);
        Date(y, m, d)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.0, self.1, self.2)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Allowed,
    Deprecated,
    LegacyUse,
    Disallowed,
}

impl Status {
    fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "allowed" => Status::Allowed,
            "deprecated" => Status::Deprecated,
            "legacy-use" => Status::LegacyUse,
            "disallowed" => Status::Disallowed,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Allowed => "allowed",
            Status::Deprecated => "deprecated",
            Status::LegacyUse => "legacy-use",
            Status::Disallowed => "disallowed",
        }
    }
    fn severity(self) -> Severity {
        match self {
            Status::Disallowed => Severity::High,
            Status::LegacyUse => Severity::Medium,
            _ => Severity::Low,
        }
    }
}

/// Which operations an entry covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Any,
    Apply,
    Process,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    id: Spanned<String>,
    title: String,
    summary: String,
    sources: Spanned<Vec<SourceFile>>,
    #[serde(default)]
    description: String,
    entries: Vec<Spanned<EntryFile>>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct SourceFile {
    title: String,
    url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    family: Spanned<String>,
    #[serde(default)]
    algorithms: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    key_size: Option<Spanned<String>>,
    #[serde(default)]
    security_bits: Option<Spanned<String>>,
    #[serde(default)]
    iterations: Option<Spanned<String>>,
    #[serde(default)]
    curve: Option<Vec<String>>,
    #[serde(default)]
    hash: Option<Vec<String>>,
    #[serde(default)]
    mode: Option<Vec<String>>,
    #[serde(default)]
    usage: Option<Spanned<String>>,
    #[serde(default)]
    operation: Option<Spanned<String>>,
    status: Spanned<String>,
    #[serde(default)]
    deprecated_after: Option<Spanned<String>>,
    #[serde(default)]
    disallowed_after: Option<Spanned<String>>,
    clause: String,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    replacement: Option<String>,
}

/// A compiled profile entry.
#[derive(Clone, Debug)]
pub struct Entry {
    pub family: String,
    pub algorithms: Vec<String>,
    pub key_size: Option<(CmpOp, f64)>,
    pub security_bits: Option<(CmpOp, f64)>,
    pub iterations: Option<(CmpOp, f64)>,
    pub curve: Vec<String>,
    pub hash: Vec<String>,
    pub mode: Vec<String>,
    /// `signature`: only a signature scheme's hash; `digest`: only plain hashing.
    pub usage: Option<String>,
    pub operation: Scope,
    pub status: Status,
    pub deprecated_after: Option<Date>,
    pub disallowed_after: Option<Date>,
    pub clause: String,
    pub reference: String,
    pub replacement: Option<String>,
    /// Conditions as written, for `policy explain`.
    pub conditions: String,
}

/// A compiled profile.
#[derive(Clone, Debug)]
pub struct Profile {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub sources: Vec<(String, String)>,
    pub description: String,
    pub entries: Vec<Entry>,
}

/// Compiles one profile file; every problem points at its line.
pub fn compile(origin: &str, stem: &str, text: &str) -> Result<Profile, Vec<RuleError>> {
    let mut errors = Vec::new();
    let at = |errors: &mut Vec<RuleError>, loc: serde_saphyr::Location, message: String, help: Option<&str>| {
        let off = crate::rules::location_offset(text, loc);
        let len = text[off..].find('\n').unwrap_or(text.len() - off).max(1);
        errors.push(RuleError {
            message,
            src: NamedSource::new(origin, text.to_string()),
            span: SourceSpan::new(off.into(), len),
            label: "here".into(),
            help: help.map(str::to_string),
        });
    };
    let file: ProfileFile = match serde_saphyr::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            let loc = e.location().unwrap_or(serde_saphyr::Location::UNKNOWN);
            let msg = format!("{origin}: {}", e.to_string().lines().next().unwrap_or("invalid profile"));
            at(&mut errors, loc, msg, Some("see rules/README.md, section \"Compliance profiles\""));
            return Err(errors);
        }
    };
    if *file.id.value != *stem {
        at(
            &mut errors,
            file.id.referenced,
            format!("profile id `{}` does not match its file name `{stem}`", file.id.value),
            Some("name the file `<id>.yaml`"),
        );
    }
    if file.sources.value.is_empty() {
        at(&mut errors, file.sources.referenced, "a profile cites at least one source".into(), None);
    }
    let mut entries = Vec::new();
    for e in file.entries {
        let loc = e.referenced;
        let e = e.value;
        let family = e.family.value.clone();
        if !FAMILIES.contains(&family.as_str()) {
            at(
                &mut errors,
                e.family.referenced,
                format!("unknown family `{family}`"),
                Some("use hash, cipher, mode, padding, mac, kdf, rsa, dh, dsa, ecc, pqc, rng or tls"),
            );
            continue;
        }
        let algorithms = match &e.algorithms {
            None => vec!["*".to_string()],
            Some(a) => {
                for name in &a.value {
                    if name != "*" && !known(&family).iter().any(|k| k.eq_ignore_ascii_case(name)) {
                        at(
                            &mut errors,
                            a.referenced,
                            format!("unknown {family} algorithm `{name}`"),
                            Some(&format!("known names: {}", known(&family).join(", "))),
                        );
                    }
                }
                a.value.clone()
            }
        };
        let mut conditions = Vec::new();
        let mut num = |errors: &mut Vec<RuleError>, name: &str, v: &Option<Spanned<String>>| -> Option<(CmpOp, f64)> {
            let v = v.as_ref()?;
            conditions.push(format!("{name} {}", v.value.trim()));
            let c = crate::rules::parse_compare(&v.value);
            if c.is_none() {
                at(
                    errors,
                    v.referenced,
                    format!("`{name}: {}` is not `<op> <number>`", v.value),
                    Some("write e.g. `>= 2048`"),
                );
            }
            c
        };
        let key_size = num(&mut errors, "key_size", &e.key_size);
        let security_bits = num(&mut errors, "security_bits", &e.security_bits);
        let iterations = num(&mut errors, "iterations", &e.iterations);
        for (name, list) in [("curve", &e.curve), ("hash", &e.hash), ("mode", &e.mode)] {
            if let Some(l) = list {
                conditions.push(format!("{name} in [{}]", l.join(", ")));
            }
        }
        let usage = e.usage.as_ref().map(|u| {
            if !matches!(u.value.as_str(), "signature" | "digest") {
                at(&mut errors, u.referenced, format!("unknown usage `{}`", u.value), Some("use signature or digest"));
            }
            conditions.push(format!("usage {}", u.value));
            u.value.clone()
        });
        let operation = match e.operation.as_ref().map(|o| (o.value.as_str(), o.referenced)) {
            None | Some(("any", _)) => Scope::Any,
            Some(("apply", _)) => Scope::Apply,
            Some(("process", _)) => Scope::Process,
            Some((other, l)) => {
                at(
                    &mut errors,
                    l,
                    format!("unknown operation `{other}`"),
                    Some("use apply (encrypt, sign, generate), process (decrypt, verify) or any"),
                );
                Scope::Any
            }
        };
        let Some(status) = Status::parse(&e.status.value) else {
            at(
                &mut errors,
                e.status.referenced,
                format!("unknown status `{}`", e.status.value),
                Some("use allowed, deprecated, legacy-use or disallowed"),
            );
            continue;
        };
        let date = |errors: &mut Vec<RuleError>, d: &Option<Spanned<String>>| -> Option<Date> {
            let d = d.as_ref()?;
            let v = Date::parse(&d.value);
            if v.is_none() {
                at(errors, d.referenced, format!("`{}` is not a date", d.value), Some("write dates as YYYY-MM-DD"));
            }
            v
        };
        let deprecated_after = date(&mut errors, &e.deprecated_after);
        let disallowed_after = date(&mut errors, &e.disallowed_after);
        if let (Some(a), Some(b)) = (deprecated_after, disallowed_after) {
            if a > b {
                at(&mut errors, loc, "`deprecated_after` is later than `disallowed_after`".into(), None);
            }
        }
        if e.clause.trim().is_empty() {
            at(&mut errors, loc, "every entry cites its clause".into(), None);
        }
        let reference =
            e.reference.clone().or_else(|| file.sources.value.first().map(|s| s.url.clone())).unwrap_or_default();
        entries.push(Entry {
            family,
            algorithms,
            key_size,
            security_bits,
            iterations,
            curve: e.curve.clone().unwrap_or_default(),
            hash: e.hash.clone().unwrap_or_default(),
            mode: e.mode.clone().unwrap_or_default(),
            usage,
            operation,
            status,
            deprecated_after,
            disallowed_after,
            clause: e.clause.trim().to_string(),
            reference,
            replacement: e.replacement.clone(),
            conditions: conditions.join(", "),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Profile {
        id: file.id.value,
        title: file.title,
        summary: file.summary,
        sources: file.sources.value.into_iter().map(|s| (s.title, s.url)).collect(),
        description: file.description,
        entries,
    })
}

/// Loads profiles by name (built-in) or path (a `.yaml` file).
pub fn load(names: &[String]) -> Result<Vec<Profile>, miette::Report> {
    let mut out = Vec::new();
    for name in names {
        let (origin, stem, text) = if name.ends_with(".yaml") || name.ends_with(".yml") || name.contains('/') {
            let p = std::path::Path::new(name);
            let text = std::fs::read_to_string(p)
                .map_err(|e| miette::miette!(code = "cipherlint::policy::read", "cannot read profile {name}: {e}"))?;
            (name.clone(), p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(), text)
        } else {
            match BUILTIN.iter().find(|(id, _)| id == name) {
                Some((id, text)) => (format!("rules/policies/{id}.yaml"), id.to_string(), text.to_string()),
                None => {
                    return Err(miette::miette!(
                        code = "cipherlint::policy::unknown",
                        help = format!(
                            "built-in profiles: {}; or give the path of a profile file",
                            BUILTIN.iter().map(|(i, _)| *i).collect::<Vec<_>>().join(", ")
                        ),
                        "unknown compliance profile `{name}`"
                    ))
                }
            }
        };
        out.push(compile(&origin, &stem, &text).map_err(|errors| miette::Report::new(LoadError { errors }))?);
    }
    Ok(out)
}

/// What an asset is, seen from one family: (family, name, usage).
fn subjects(a: &Algo) -> Vec<(&'static str, String, &'static str)> {
    let mut v = Vec::new();
    let Some(fam) = a.family.as_deref() else { return v };
    let prim = a.primitive.as_deref().unwrap_or("");
    let family = match fam {
        "RSA" => Some("rsa"),
        "DH" => Some("dh"),
        "DSA" => Some("dsa"),
        "ECDSA" | "ECDH" | "EC" | "EdDSA" | "ECIES" => Some("ecc"),
        "ML-KEM" | "ML-DSA" | "SLH-DSA" | "LMS" | "XMSS" => Some("pqc"),
        "HMAC" | "CMAC" | "GMAC" | "KMAC" | "Poly1305" => Some("mac"),
        "PBKDF2" | "scrypt" | "Argon2" | "bcrypt" | "HKDF" => Some("kdf"),
        "RNG" => Some("rng"),
        _ if matches!(prim, "hash" | "xof") => Some("hash"),
        _ if matches!(prim, "block-cipher" | "stream-cipher" | "ae") => Some("cipher"),
        _ => None,
    };
    if let Some(f) = family {
        let name = if f == "hash" && fam == "SHAKE" { "SHAKE".to_string() } else { fam.to_string() };
        v.push((f, name, if f == "hash" { "digest" } else { "" }));
    }
    if let Some(m) = &a.mode {
        v.push(("mode", m.to_ascii_uppercase(), ""));
    }
    if let Some(p) = &a.padding {
        v.push(("padding", p.clone(), ""));
    }
    if prim == "signature" {
        if let Some(h) = &a.hash {
            v.push(("hash", h.clone(), "signature"));
        }
    }
    v
}

fn list_has(list: &[String], value: Option<&str>) -> bool {
    list.is_empty() || value.is_some_and(|v| list.iter().any(|x| x.eq_ignore_ascii_case(v)))
}

fn num_ok(c: Option<(CmpOp, f64)>, v: Option<f64>) -> bool {
    match c {
        None => true,
        Some((op, n)) => v.is_some_and(|x| op.holds(x, n)),
    }
}

impl Entry {
    fn matches(&self, a: &Algo, family: &str, name: &str, usage: &str) -> bool {
        if self.family != family {
            return false;
        }
        if !self.algorithms.iter().any(|x| x == "*" || x.eq_ignore_ascii_case(name)) {
            return false;
        }
        if let Some(u) = &self.usage {
            if u != usage {
                return false;
            }
        }
        let op_ok = matches!(
            (self.operation, a.operation()),
            (Scope::Any, _) | (Scope::Apply, Operation::Apply) | (Scope::Process, Operation::Process)
        );
        op_ok
            && num_ok(self.key_size, a.key_size.map(f64::from))
            && num_ok(self.security_bits, a.security_bits().map(f64::from))
            && num_ok(self.iterations, a.iterations.map(|n| n as f64))
            && list_has(&self.curve, a.curve.as_deref())
            && list_has(&self.hash, a.hash.as_deref())
            && list_has(&self.mode, a.mode.as_deref())
    }

    /// The status on `as_of`, and the date that made it so (if any).
    pub fn status_on(&self, as_of: Date) -> (Status, Option<Date>) {
        let mut s = (self.status, None);
        if let Some(d) = self.deprecated_after {
            if as_of > d && s.0 < Status::Deprecated {
                s = (Status::Deprecated, Some(d));
            }
        }
        if let Some(d) = self.disallowed_after {
            if as_of > d {
                s = (Status::Disallowed, Some(d));
            }
        }
        s
    }
}

/// A violation: an asset, the profile and entry it breaks, and how.
pub struct Violation<'p> {
    pub profile: &'p Profile,
    pub entry: &'p Entry,
    pub family: &'static str,
    pub subject: String,
    pub status: Status,
    pub since: Option<Date>,
}

/// Every entry of `profile` the asset violates on `as_of` (one per family).
pub fn evaluate<'p>(profile: &'p Profile, a: &Algo, as_of: Date) -> Vec<Violation<'p>> {
    let mut out = Vec::new();
    for (family, name, usage) in subjects(a) {
        let Some(entry) = profile.entries.iter().find(|e| e.matches(a, family, &name, usage)) else { continue };
        let (status, since) = entry.status_on(as_of);
        if status != Status::Allowed {
            out.push(Violation { profile, entry, family, subject: name, status, since });
        }
    }
    out
}

fn rule_id(profile: &str, family: &str) -> String {
    format!("policy-{profile}-{family}")
}

/// The synthesised rule descriptor of one profile family.
pub fn rule_for(profile: &Profile, family: &str) -> Rule {
    let key_size_family = matches!(family, "rsa" | "dh" | "dsa" | "ecc");
    let mut description = format!(
        "## What it flags\nCryptography that the **{}** profile does not allow for the `{family}` family, as of the scan's `--as-of` date.\n\n{}\n\n## Entries\n\n| algorithms | conditions | operation | status | deprecated after | disallowed after | replacement | clause |\n|---|---|---|---|---|---|---|---|\n",
        profile.title,
        profile.summary.trim()
    );
    for e in profile.entries.iter().filter(|e| e.family == family) {
        description.push_str(&format!(
            "| {} | {} | {:?} | {} | {} | {} | {} | {} |\n",
            e.algorithms.join(", "),
            e.conditions,
            e.operation,
            e.status.as_str(),
            e.deprecated_after.map(|d| d.to_string()).unwrap_or_default(),
            e.disallowed_after.map(|d| d.to_string()).unwrap_or_default(),
            e.replacement.clone().unwrap_or_default(),
            e.clause
        ));
    }
    let mut references: Vec<String> = profile.sources.iter().map(|(_, u)| u.clone()).collect();
    references.push(
        if key_size_family {
            "https://cwe.mitre.org/data/definitions/326.html"
        } else {
            "https://cwe.mitre.org/data/definitions/327.html"
        }
        .into(),
    );
    Rule {
        id: rule_id(&profile.id, family),
        pack: "policy".into(),
        title: format!("{}: {family} requirements", profile.title),
        message: String::new(),
        help: format!("Use what the profile allows (the message names the replacement); `cipherlint policy explain {}` lists every entry.", profile.id),
        severity: Severity::High,
        confidence: Confidence::Medium,
        category: "weak-crypto".into(),
        cwe: vec![if key_size_family { "CWE-326" } else { "CWE-327" }.into()],
        references,
        description,
        skip_in_tests: false,
        report: true,
        inventory: Vec::new(),
        matchers: Vec::new(),
        tests: Vec::new(),
        origin: format!("rules/policies/{}.yaml", profile.id),
    }
}

/// Evaluates every asset of a report against the profiles and adds a
/// finding per violation (and the rules they cite).
pub fn apply(
    report: &mut crate::scan::ScanReport,
    rules: &mut RuleSet,
    profiles: &[Profile],
    as_of: Date,
    include_tests: bool,
) {
    let mut new = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for a in report.assets.iter().filter(|a| include_tests || !a.in_test) {
        for p in profiles {
            for v in evaluate(p, &a.algo, as_of) {
                let id = rule_id(&p.id, v.family);
                let idx = match rules.rules.iter().position(|r| r.id == id) {
                    Some(i) => i,
                    None => {
                        rules.rules.push(rule_for(p, v.family));
                        rules.rules.len() - 1
                    }
                };
                let message = message(a, &v, as_of);
                let key = fingerprint(
                    &id,
                    &a.span.path,
                    &format!("{}|{}|{}", a.algo.name(), v.subject, a.snippet.trim()),
                    None,
                    0,
                );
                let n = counts.entry(key.clone()).or_default();
                let fp = if *n == 0 { key.clone() } else { fingerprint(&id, &a.span.path, &key, None, *n) };
                *n += 1;
                new.push(Finding {
                    rule: idx,
                    rule_id: id,
                    severity: v.status.severity(),
                    span: a.span.clone(),
                    message,
                    snippet: a.snippet.clone(),
                    scope: None,
                    related: Vec::new(),
                    flow: Vec::new(),
                    fingerprint: fp,
                    in_test: a.in_test,
                    suppression: None,
                });
            }
        }
    }
    report.findings.extend(new);
    report.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

fn message(a: &Asset, v: &Violation<'_>, as_of: Date) -> String {
    let what = match v.family {
        "mode" => format!("{} mode ({})", v.subject, a.algo.name()),
        "padding" => format!("{} padding ({})", v.subject, a.algo.name()),
        "hash" if v.subject != a.algo.family.clone().unwrap_or_default() => {
            format!("{} in {}", v.subject, a.algo.name())
        }
        _ => a.algo.name(),
    };
    let when = match v.since {
        Some(d) => format!(" after {d} (as of {as_of})"),
        None => {
            let next = [(v.entry.deprecated_after, "deprecated"), (v.entry.disallowed_after, "disallowed")]
                .into_iter()
                .find_map(|(d, s)| d.filter(|d| *d >= as_of).map(|d| format!(", and {s} after {d}")));
            next.unwrap_or_default()
        }
    };
    let op = match v.entry.operation {
        Scope::Apply => " for applying protection",
        Scope::Process => " for processing protected data",
        Scope::Any => "",
    };
    let repl = v.entry.replacement.as_deref().map(|r| format!("; use {r}")).unwrap_or_default();
    format!("{} ({}): {what} is {}{op}{when}{repl}", v.profile.title, v.entry.clause, v.status.as_str())
}

/// `policy explain`: the profile as a readable table.
pub fn explain(p: &Profile, as_of: Date) -> String {
    let mut s = format!("# {} — {}\n\n{}\n\n", p.id, p.title, p.summary.trim());
    if !p.description.trim().is_empty() {
        s.push_str(p.description.trim());
        s.push_str("\n\n");
    }
    s.push_str(&format!("Status as of {as_of}; the first matching entry of a family decides.\n\n"));
    for fam in FAMILIES {
        let entries: Vec<&Entry> = p.entries.iter().filter(|e| e.family == fam).collect();
        if entries.is_empty() {
            continue;
        }
        s.push_str(&format!("## {fam}\n\n"));
        for e in entries {
            let (now, _) = e.status_on(as_of);
            let mut dates = String::new();
            if let Some(d) = e.deprecated_after {
                dates.push_str(&format!(", deprecated after {d}"));
            }
            if let Some(d) = e.disallowed_after {
                dates.push_str(&format!(", disallowed after {d}"));
            }
            let cond = if e.conditions.is_empty() { String::new() } else { format!(" [{}]", e.conditions) };
            let op = match e.operation {
                Scope::Any => "",
                Scope::Apply => " (apply protection)",
                Scope::Process => " (process protected data)",
            };
            s.push_str(&format!(
                "- {}{cond}{op}: {} (listed as {}{dates}){} — {}\n",
                e.algorithms.join(", "),
                now.as_str(),
                e.status.as_str(),
                e.replacement.as_deref().map(|r| format!("; replacement: {r}")).unwrap_or_default(),
                e.clause
            ));
        }
        s.push('\n');
    }
    s.push_str("## Sources\n\n");
    for (t, u) in &p.sources {
        s.push_str(&format!("- {t}: {u}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_compile() {
        for (id, text) in BUILTIN {
            if let Err(errors) = compile(&format!("rules/policies/{id}.yaml"), id, text) {
                panic!("{:?}", miette::Report::new(LoadError { errors }));
            }
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/policies");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter_map(|e| e.path().file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect();
        on_disk.sort();
        let listed: Vec<String> = BUILTIN.iter().map(|(i, _)| i.to_string()).collect();
        assert_eq!(on_disk, listed, "BUILTIN must list every file of rules/policies/");
    }

    #[test]
    fn dates() {
        assert_eq!(Date::parse("2030-12-31"), Some(Date(2030, 12, 31)));
        assert_eq!(Date::parse("2030-13-01"), None);
        assert!(Date::today() > Date(2024, 1, 1));
    }

    #[test]
    fn bad_profile_points_at_line() {
        let text = "id: x\ntitle: t\nsummary: s\nsources: [{title: a, url: b}]\nentries:\n  - family: cipher\n    algorithms: [AES256]\n    status: allowed\n    clause: c\n";
        let errs = compile("x.yaml", "x", text).unwrap_err();
        assert!(errs[0].message.contains("AES256"), "{}", errs[0].message);
        assert_eq!(&text[errs[0].span.offset()..errs[0].span.offset() + 5], "[AES2");
    }
}
