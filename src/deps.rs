//! The dependency audit. A *dependency* is one library a manifest of the
//! scanned tree declares (`Cargo.toml`, `package.json`, `requirements.txt`,
//! `go.mod`, `pom.xml`, `build.gradle`, `*.csproj`, and their lock files),
//! with the line that declares it. Manifests are read line by line — no
//! resolver, no network — so every finding points at a real line.
//! `rules/dependencies.yaml` says which crypto libraries exist and which of
//! them are unmaintained or weak; flagged ones become findings and every
//! crypto library found becomes a CBOM `library` component.

use std::path::Path;

use miette::{NamedSource, SourceSpan};
use regex::Regex;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::finding::{fingerprint, Finding, Pos, Span};
use crate::rules::{Confidence, Rule, RuleError, RuleSet, Severity};
use crate::walk::Target;

/// The regex at this place in the code, compiled on its first use. A
/// vendored tree holds hundreds of manifests, and compiling the patterns
/// once per manifest (and one of them once per line) cost a corpus scan
/// 0.7 s of its 20.
macro_rules! rx {
    ($pattern:expr $(,)?) => {{
        static RE: std::sync::LazyLock<Regex> =
            std::sync::LazyLock::new(|| Regex::new($pattern).expect("static regex"));
        &*RE
    }};
}

/// The audit's data file, built into the binary.
pub const DATABASE: &str = include_str!("../rules/dependencies.yaml");
/// Rule id of dependency findings.
pub const RULE_ID: &str = "weak-crypto-dependency";

/// One declared dependency.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dependency {
    /// cargo, npm, pypi, golang, maven, nuget.
    pub ecosystem: String,
    /// Package name; Maven uses `group:artifact`.
    pub name: String,
    pub version: Option<String>,
    pub path: String,
    pub line: usize,
    /// Declared in a lock file rather than a manifest.
    pub locked: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseFile {
    libraries: Vec<Spanned<LibraryFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LibraryFile {
    name: String,
    ecosystem: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    versions: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    replacement: Option<String>,
    #[serde(default)]
    reference: Option<String>,
}

/// A known crypto library; `flag` is set for the ones to report.
#[derive(Clone, Debug)]
pub struct Library {
    pub name: String,
    pub ecosystem: String,
    pub flag: Option<Flag>,
}

#[derive(Clone, Debug)]
pub struct Flag {
    /// `unmaintained`, `weak`, `discontinued`, `vulnerable`.
    pub status: String,
    /// Only versions below this one are flagged (`< 1.3.0`), when set.
    pub below: Option<String>,
    pub reason: String,
    pub replacement: String,
    pub reference: String,
}

const ECOSYSTEMS: [&str; 6] = ["cargo", "npm", "pypi", "golang", "maven", "nuget"];
const STATUSES: [&str; 5] = ["ok", "unmaintained", "weak", "discontinued", "vulnerable"];

/// Parses and validates a dependency database; errors point at the line.
pub fn load(origin: &str, text: &str) -> Result<Vec<Library>, Vec<RuleError>> {
    let err = |offset: usize, message: String, help: Option<&str>| RuleError {
        message,
        src: NamedSource::new(origin, text.to_string()),
        span: SourceSpan::new(offset.min(text.len()).into(), 1),
        label: "here".into(),
        help: help.map(str::to_string),
    };
    let file: DatabaseFile = serde_saphyr::from_str(text).map_err(|e| {
        let off = e.location().and_then(|l| l.span().byte_offset()).unwrap_or(0) as usize;
        vec![err(
            off,
            format!("{origin}: {}", e.to_string().lines().next().unwrap_or("invalid")),
            Some("fields: name, ecosystem, status, versions, reason, replacement, reference"),
        )]
    })?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for l in file.libraries {
        let off = l.referenced.span().byte_offset().unwrap_or(0) as usize;
        let v = l.value;
        if !ECOSYSTEMS.contains(&v.ecosystem.as_str()) {
            errors.push(err(
                off,
                format!("unknown ecosystem `{}`", v.ecosystem),
                Some("use cargo, npm, pypi, golang, maven or nuget"),
            ));
        }
        let status = v.status.clone().unwrap_or_else(|| "ok".into());
        if !STATUSES.contains(&status.as_str()) {
            errors.push(err(
                off,
                format!("unknown status `{status}`"),
                Some("use ok, unmaintained, weak, discontinued or vulnerable"),
            ));
        }
        let below = match &v.versions {
            None => None,
            Some(s) => match s.trim().strip_prefix('<') {
                Some(ver) if !ver.trim().is_empty() => Some(ver.trim().to_string()),
                _ => {
                    errors.push(err(off, format!("`versions: {s}` is not `< VERSION`"), None));
                    None
                }
            },
        };
        let flag = if status == "ok" {
            None
        } else {
            match (v.reason, v.replacement, v.reference) {
                (Some(reason), Some(replacement), Some(reference)) => {
                    Some(Flag { status, below, reason, replacement, reference })
                }
                _ => {
                    errors.push(err(
                        off,
                        format!("`{}` is flagged, so it needs `reason`, `replacement` and `reference`", v.name),
                        None,
                    ));
                    None
                }
            }
        };
        out.push(Library { name: v.name, ecosystem: v.ecosystem, flag });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The built-in database.
pub fn builtin() -> Vec<Library> {
    load("rules/dependencies.yaml", DATABASE).unwrap_or_default()
}

fn manifest_kind(rel: &str) -> Option<&'static str> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    Some(match name {
        "Cargo.toml" => "cargo",
        "Cargo.lock" => "cargo-lock",
        "package.json" => "npm",
        "package-lock.json" => "npm-lock",
        "pyproject.toml" => "pyproject",
        "Pipfile.lock" => "pipfile-lock",
        "go.mod" => "golang",
        "pom.xml" => "maven",
        "build.gradle" | "build.gradle.kts" => "gradle",
        n if n.starts_with("requirements") && n.ends_with(".txt") => "requirements",
        n if n.ends_with(".csproj") => "nuget",
        _ => return None,
    })
}

/// Whether `rel` makes its folder the root of a package (a crate, an npm
/// or Python package, a Go or Maven module): a build manifest, not a lock
/// file or a requirements list. The cross-file pass looks up a class's own
/// fields only inside the package of the file that reads them.
pub fn marks_package_root(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name == "setup.py" || manifest_kind(rel).is_some_and(|k| !k.ends_with("-lock") && k != "requirements")
}

/// Reads every manifest among the walked files.
pub fn read_manifests(targets: &[Target]) -> Vec<Dependency> {
    let mut out = Vec::new();
    for t in targets {
        let Some(kind) = manifest_kind(&t.rel) else { continue };
        let Ok(meta) = std::fs::metadata(&t.path) else { continue };
        if meta.len() > 16 << 20 {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&t.path) else { continue };
        out.extend(parse_manifest(kind, &t.rel, &text));
    }
    // A lock file adds only what no manifest of the same folder declares.
    let dir = |p: &str| p.rsplit_once('/').map_or("", |(d, _)| d).to_string();
    let declared: std::collections::HashSet<(String, String, String)> =
        out.iter().filter(|d| !d.locked).map(|d| (dir(&d.path), d.ecosystem.clone(), d.name.clone())).collect();
    out.retain(|d| !d.locked || !declared.contains(&(dir(&d.path), d.ecosystem.clone(), d.name.clone())));
    out.sort();
    out
}

/// Parses one manifest (`kind` from its file name).
pub fn parse_manifest(kind: &str, rel: &str, text: &str) -> Vec<Dependency> {
    let mut out = Vec::new();
    let mut push = |eco: &str, name: &str, version: Option<&str>, line: usize, locked: bool| {
        let version = version.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        out.push(Dependency {
            ecosystem: eco.into(),
            name: name.trim().into(),
            version,
            path: rel.into(),
            line,
            locked,
        });
    };
    let lines: Vec<&str> = text.lines().collect();
    match kind {
        "cargo" | "pyproject" => {
            let kv = rx!(r#"^\s*([A-Za-z0-9_.\-]+)\s*=\s*(?:"([^"]*)"|\{.*?version\s*=\s*"([^"]*)".*\}|\{)"#);
            let pep = rx!(r#"^\s*"([A-Za-z0-9_.\-\[\]]+)\s*(?:[=<>!~]=?\s*([0-9][^",;\s]*))?[^"]*"\s*,?\s*$"#);
            let mut section = String::new();
            let mut in_array = false;
            for (i, l) in lines.iter().enumerate() {
                let t = l.trim();
                if t.starts_with('[') && !in_array {
                    section = t.trim_matches(['[', ']']).to_string();
                    // `[dependencies.openssl]`
                    if let Some(name) = section
                        .strip_suffix("")
                        .and_then(|s| s.rsplit_once("dependencies."))
                        .map(|(_, n)| n.to_string())
                    {
                        push(if kind == "cargo" { "cargo" } else { "pypi" }, &name, None, i + 1, false);
                    }
                    continue;
                }
                if kind == "pyproject"
                    && (t.starts_with("dependencies") || t.contains("-dependencies"))
                    && t.contains('[')
                    && !t.contains(']')
                {
                    in_array = true;
                    continue;
                }
                if in_array {
                    if t.starts_with(']') {
                        in_array = false;
                        continue;
                    }
                    if let Some(c) = pep.captures(t) {
                        let name = c[1].split('[').next().unwrap_or("");
                        push("pypi", name, c.get(2).map(|m| m.as_str()), i + 1, false);
                    }
                    continue;
                }
                let dep_section = section.ends_with("dependencies") || section.ends_with("dev-dependencies");
                if dep_section {
                    if let Some(c) = kv.captures(l) {
                        let v = c.get(2).or(c.get(3)).map(|m| m.as_str());
                        if kind == "cargo" || &c[1] != "python" {
                            push(if kind == "cargo" { "cargo" } else { "pypi" }, &c[1], v, i + 1, false);
                        }
                    }
                }
            }
        }
        "cargo-lock" => {
            for (i, l) in lines.iter().enumerate() {
                if let Some(name) = l.strip_prefix("name = \"").and_then(|r| r.strip_suffix('"')) {
                    let v =
                        lines.get(i + 1).and_then(|n| n.strip_prefix("version = \"")).and_then(|r| r.strip_suffix('"'));
                    push("cargo", name, v, i + 1, true);
                }
            }
        }
        "npm" => {
            let kv = rx!(r#"^\s*"([^"]+)"\s*:\s*"([^"]*)""#);
            let mut depth_in: Option<usize> = None;
            for (i, l) in lines.iter().enumerate() {
                let t = l.trim();
                if depth_in.is_none() {
                    if rx!(r#"^"(dependencies|devDependencies|peerDependencies|optionalDependencies)"\s*:\s*\{"#)
                        .is_match(t)
                    {
                        depth_in = Some(i);
                    }
                    continue;
                }
                if t.starts_with('}') {
                    depth_in = None;
                    continue;
                }
                if let Some(c) = kv.captures(l) {
                    push("npm", &c[1], Some(&c[2]), i + 1, false);
                }
            }
        }
        "npm-lock" => {
            let pkg = rx!(r#"^\s*"(?:.*/)?node_modules/((?:@[^/"]+/)?[^/"]+)"\s*:\s*\{"#);
            let ver = rx!(r#"^\s*"version"\s*:\s*"([^"]*)""#);
            for (i, l) in lines.iter().enumerate() {
                if let Some(c) = pkg.captures(l) {
                    let v = lines.iter().skip(i + 1).take(4).find_map(|n| ver.captures(n).map(|m| m[1].to_string()));
                    push("npm", &c[1], v.as_deref(), i + 1, true);
                }
            }
        }
        "pipfile-lock" => {
            let pkg = rx!(r#"^\s{8}"([A-Za-z0-9_.\-]+)"\s*:\s*\{"#);
            let ver = rx!(r#"^\s*"version"\s*:\s*"==([^"]*)""#);
            for (i, l) in lines.iter().enumerate() {
                if let Some(c) = pkg.captures(l) {
                    let v = lines.iter().skip(i + 1).take(12).find_map(|n| ver.captures(n).map(|m| m[1].to_string()));
                    push("pypi", &c[1], v.as_deref(), i + 1, true);
                }
            }
        }
        "requirements" => {
            let req = rx!(
                r"^\s*([A-Za-z0-9][A-Za-z0-9_.\-]*)(?:\[[^\]]*\])?\s*(?:(?:==|>=|~=|<=|>|<|!=)\s*([0-9][^\s,;#]*))?",
            );
            for (i, l) in lines.iter().enumerate() {
                let t = l.trim();
                if t.is_empty() || t.starts_with('#') || t.starts_with('-') {
                    continue;
                }
                if let Some(c) = req.captures(t) {
                    push("pypi", &c[1], c.get(2).map(|m| m.as_str()), i + 1, false);
                }
            }
        }
        "golang" => {
            let one = rx!(r"^\s*(?:require\s+)?([a-z0-9][A-Za-z0-9_.\-~/]*\.[A-Za-z0-9_.\-~/]+)\s+(v[0-9][^\s/]*)");
            let mut in_block = false;
            for (i, l) in lines.iter().enumerate() {
                let t = l.trim();
                if t.starts_with("require (") {
                    in_block = true;
                    continue;
                }
                if in_block && t.starts_with(')') {
                    in_block = false;
                    continue;
                }
                if in_block || t.starts_with("require ") {
                    if let Some(c) = one.captures(t) {
                        push("golang", &c[1], Some(&c[2]), i + 1, false);
                    }
                }
            }
        }
        "maven" => {
            let tag = |l: &str, name: &str| -> Option<String> {
                let open = format!("<{name}>");
                let close = format!("</{name}>");
                let s = l.find(&open)? + open.len();
                let e = l[s..].find(&close)? + s;
                Some(l[s..e].trim().to_string())
            };
            let mut i = 0;
            while i < lines.len() {
                if lines[i].contains("<dependency>") {
                    let (mut g, mut a, mut v, mut at) = (None, None, None, i + 1);
                    let mut j = i;
                    while j < lines.len() && !lines[j].contains("</dependency>") {
                        g = g.or_else(|| tag(lines[j], "groupId"));
                        if let Some(x) = tag(lines[j], "artifactId") {
                            a = Some(x);
                            at = j + 1;
                        }
                        v = v.or_else(|| tag(lines[j], "version"));
                        j += 1;
                    }
                    if let (Some(g), Some(a)) = (g, a) {
                        push("maven", &format!("{g}:{a}"), v.as_deref(), at, false);
                    }
                    i = j;
                }
                i += 1;
            }
        }
        "gradle" => {
            let coord = rx!(r#"["']([A-Za-z0-9_.\-]+):([A-Za-z0-9_.\-]+)(?::([A-Za-z0-9_.\-+]+))?["']"#);
            for (i, l) in lines.iter().enumerate() {
                if l.trim_start().starts_with("//") {
                    continue;
                }
                if let Some(c) = coord.captures(l) {
                    push("maven", &format!("{}:{}", &c[1], &c[2]), c.get(3).map(|m| m.as_str()), i + 1, false);
                }
            }
        }
        "nuget" => {
            let pr = rx!(r#"<PackageReference\s+Include="([^"]+)"(?:\s+Version="([^"]*)")?"#);
            for (i, l) in lines.iter().enumerate() {
                if let Some(c) = pr.captures(l) {
                    push("nuget", &c[1], c.get(2).map(|m| m.as_str()), i + 1, false);
                }
            }
        }
        _ => {}
    }
    out
}

/// Normalised package name for comparison (PyPI treats `-`, `_`, `.` alike).
fn norm(eco: &str, name: &str) -> String {
    let n = name.to_ascii_lowercase();
    if eco == "pypi" {
        n.replace(['_', '.'], "-")
    } else {
        n
    }
}

/// The database entry of a dependency, if it is a known crypto library.
pub fn lookup<'a>(db: &'a [Library], d: &Dependency) -> Option<&'a Library> {
    db.iter().find(|l| l.ecosystem == d.ecosystem && norm(&l.ecosystem, &l.name) == norm(&d.ecosystem, &d.name))
}

/// Numeric version comparison (`1.2.10` > `1.2.9`); prefixes like `^`, `~`,
/// `=`, `v` are ignored.
pub fn version_below(version: &str, bound: &str) -> bool {
    let parse = |s: &str| -> Vec<u64> {
        s.trim_start_matches(['^', '~', '=', 'v', ' ', '>', '<'])
            .split(['.', '-', '+'])
            .map_while(|p| p.parse::<u64>().ok())
            .collect()
    };
    let (a, b) = (parse(version), parse(bound));
    if a.is_empty() {
        return false;
    }
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i).copied().unwrap_or(0), b.get(i).copied().unwrap_or(0));
        if x != y {
            return x < y;
        }
    }
    false
}

/// The synthesised rule that dependency findings belong to.
pub fn rule() -> Rule {
    Rule {
        id: RULE_ID.into(),
        pack: "dependencies".into(),
        title: "Unmaintained or weak cryptography library".into(),
        message: String::new(),
        help: "Replace the library with the maintained alternative named in the finding.".into(),
        severity: Severity::Medium,
        confidence: Confidence::High,
        category: "weak-crypto".into(),
        cwe: vec!["CWE-1104".into(), "CWE-327".into()],
        references: vec!["https://cwe.mitre.org/data/definitions/1104.html".into()],
        description:
            "## What it flags\nA dependency, declared in a manifest or lock file, on a cryptography library that is \
unmaintained, discontinued, or known to implement only weak algorithms (the list is `rules/dependencies.yaml`).\n\n\
## Why it matters\nUnmaintained crypto code does not receive fixes for side channels, parsing bugs or broken defaults; \
weak-only libraries make weak algorithms the easy path.\n"
                .into(),
        skip_in_tests: false,
        report: true,
        inventory: Vec::new(),
        matchers: Vec::new(),
        tests: Vec::new(),
        origin: "rules/dependencies.yaml".into(),
    }
}

/// Adds a finding for every flagged dependency (and the rule they cite).
pub fn audit(report: &mut crate::scan::ScanReport, rules: &mut RuleSet, db: &[Library]) {
    let mut found = Vec::new();
    for d in &report.dependencies {
        let Some(lib) = lookup(db, d) else { continue };
        let Some(flag) = &lib.flag else { continue };
        if let Some(below) = &flag.below {
            match &d.version {
                Some(v) if version_below(v, below) => {}
                _ => continue,
            }
        }
        let version = d.version.as_deref().map(|v| format!(" {v}")).unwrap_or_default();
        let limit = flag.below.as_deref().map(|b| format!(" (versions below {b})")).unwrap_or_default();
        found.push((
            d.clone(),
            format!(
                "`{}`{version} is {}{limit}: {}; use {} ({})",
                d.name, flag.status, flag.reason, flag.replacement, flag.reference
            ),
        ));
    }
    if found.is_empty() {
        return;
    }
    let idx = match rules.rules.iter().position(|r| r.id == RULE_ID) {
        Some(i) => i,
        None => {
            rules.rules.push(rule());
            rules.rules.len() - 1
        }
    };
    for (d, message) in found {
        let pos = Pos { line: d.line, col: 1 };
        let snippet = manifest_line(&report.base, &d);
        report.findings.push(Finding {
            rule: idx,
            rule_id: RULE_ID.into(),
            severity: Severity::Medium,
            span: Span {
                path: d.path.clone(),
                start: pos,
                end: Pos { line: d.line, col: 1 + snippet.chars().count() },
                bytes: (0, 0),
            },
            message,
            fingerprint: fingerprint(RULE_ID, &d.path, &format!("{}:{}", d.ecosystem, d.name), None, 0),
            snippet,
            scope: None,
            related: Vec::new(),
            flow: Vec::new(),
            in_test: false,
            suppression: None,
        });
    }
    report.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// The manifest's line, for the finding's snippet (read again: manifests are small).
fn manifest_line(base: &Path, d: &Dependency) -> String {
    let path = base.join(&d.path);
    let text = std::fs::read_to_string(&path).or_else(|_| std::fs::read_to_string(&d.path)).unwrap_or_default();
    text.lines().nth(d.line.saturating_sub(1)).unwrap_or("").trim_end().chars().take(240).collect()
}

/// CycloneDX purl of a dependency.
pub fn purl(eco: &str, name: &str, version: Option<&str>) -> String {
    let (ty, path) = match eco {
        "maven" => ("maven", name.replacen(':', "/", 1)),
        "golang" => ("golang", name.to_string()),
        "npm" => ("npm", name.replace('@', "%40")),
        other => (other, name.to_string()),
    };
    match version {
        Some(v) => format!("pkg:{ty}/{path}@{}", v.trim_start_matches(['^', '~', '=', '>', '<', ' '])),
        None => format!("pkg:{ty}/{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_database_loads() {
        match load("rules/dependencies.yaml", DATABASE) {
            Ok(db) => assert!(db.iter().any(|l| l.flag.is_some())),
            Err(e) => panic!("{:?}", miette::Report::new(crate::rules::LoadError { errors: e })),
        }
    }

    #[test]
    fn versions_compare() {
        assert!(version_below("^1.2.10", "1.3.0"));
        assert!(!version_below("1.3.0", "1.3.0"));
        assert!(!version_below("1.10", "1.9"));
        assert!(!version_below("latest", "1.0"));
    }

    #[test]
    fn manifests_parse_with_lines() {
        let cargo = parse_manifest(
            "cargo",
            "Cargo.toml",
            "[package]\nname = \"x\"\n\n[dependencies]\nrust-crypto = \"0.2\"\nring = { version = \"0.17\" }\n",
        );
        assert_eq!(
            cargo.iter().map(|d| (d.name.as_str(), d.line)).collect::<Vec<_>>(),
            vec![("rust-crypto", 5), ("ring", 6)]
        );
        let npm = parse_manifest(
            "npm",
            "package.json",
            "{\n  \"name\": \"a\",\n  \"dependencies\": {\n    \"crypto-js\": \"^4.1.1\"\n  }\n}\n",
        );
        assert_eq!(npm[0].name, "crypto-js");
        assert_eq!(npm[0].line, 4);
        let req = parse_manifest("requirements", "requirements.txt", "# c\npycrypto==2.6.1\ncryptography>=42\n");
        assert_eq!(req[0].version.as_deref(), Some("2.6.1"));
        let pom = parse_manifest("maven", "pom.xml", "<dependency>\n<groupId>org.bouncycastle</groupId>\n<artifactId>bcprov-jdk15</artifactId>\n<version>1.46</version>\n</dependency>\n");
        assert_eq!(pom[0].name, "org.bouncycastle:bcprov-jdk15");
        assert_eq!(pom[0].line, 3);
        let go = parse_manifest(
            "golang",
            "go.mod",
            "module m\n\nrequire (\n\tgithub.com/dgrijalva/jwt-go v3.2.0+incompatible\n)\n",
        );
        assert_eq!(go[0].name, "github.com/dgrijalva/jwt-go");
        let cs = parse_manifest(
            "nuget",
            "a.csproj",
            "<ItemGroup>\n  <PackageReference Include=\"BouncyCastle\" Version=\"1.8.9\" />\n",
        );
        assert_eq!(cs[0].line, 2);
    }
}
