//! The project configuration: `.cipherlint.yaml` at the scan root (YAML only).
//!
//! It holds what a team wants on every run — rule selection, excludes,
//! thresholds, severity overrides — plus per-path sections for monorepos.
//! Command-line flags override it. Unknown keys are errors, and every error
//! is a diagnostic that points at the offending line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;

use crate::finding::Finding;
use crate::rules::{RuleSet, Severity};

/// The file looked for at the scan root.
pub const FILE_NAME: &str = ".cipherlint.yaml";

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Only run rules of these packs.
    pub packs: Vec<String>,
    /// Only run these rules.
    pub rules: Vec<String>,
    /// Globs (relative to the scan root) that are never scanned.
    pub exclude: Vec<String>,
    /// `info` .. `critical`, or `none`.
    pub fail_on: Option<String>,
    pub min_severity: Option<Severity>,
    /// Severity overrides by rule id.
    pub severity: BTreeMap<String, Severity>,
    /// Extra globs that mark test code.
    pub test_globs: Vec<String>,
    /// Compliance profiles to evaluate (comma-separated names, as `--policy`).
    pub policy: Option<String>,
    /// Sections for parts of the tree, keyed by a glob such as `services/pay/**`.
    pub paths: BTreeMap<String, PathSection>,
}

/// Settings for the files under one glob. Where several sections match a
/// file, the one with the longer (more specific) key is applied last.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields, default)]
pub struct PathSection {
    /// Globs relative to the section's directory (the key up to its first wildcard).
    pub exclude: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
    pub min_severity: Option<Severity>,
    /// Rule ids whose findings are dropped here.
    pub disable: Vec<String>,
}

/// A configuration problem, pointing at its line.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(cipherlint::config), help("{help}"))]
pub struct ConfigError {
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("here")]
    pub span: SourceSpan,
    pub help: String,
}

/// A loaded configuration and the text it came from (for later diagnostics).
pub struct Loaded {
    pub config: Config,
    pub origin: String,
    pub text: String,
}

impl Loaded {
    fn error(&self, offset: usize, message: String, help: &str) -> Box<ConfigError> {
        error_at(&self.origin, &self.text, offset, message, help)
    }

    /// Offset of the first line mentioning `needle`, for pointing at a value
    /// the YAML parser has already turned into plain data.
    fn find(&self, needle: &str) -> usize {
        self.text.find(needle).unwrap_or(0)
    }

    /// Checks what needs the rule set: every rule id the file names exists.
    pub fn check_rules(&self, rules: &RuleSet) -> Result<(), Box<ConfigError>> {
        let c = &self.config;
        let named = c
            .rules
            .iter()
            .chain(c.severity.keys())
            .chain(c.paths.values().flat_map(|s| s.severity.keys().chain(&s.disable)));
        for id in named {
            if rules.get(id).is_none() {
                return Err(self.error(
                    self.find(id),
                    format!("unknown rule `{id}`"),
                    "`cipherlint rules list` shows every id",
                ));
            }
        }
        Ok(())
    }

    /// Walk excludes: the top-level globs, and each section's globs joined to
    /// the section's directory.
    pub fn excludes(&self) -> Vec<String> {
        let mut out = self.config.exclude.clone();
        for (key, section) in &self.config.paths {
            let dir = literal_dir(key);
            out.extend(section.exclude.iter().map(|g| format!("{dir}{}", g.trim_start_matches('/'))));
        }
        out
    }

    /// Applies severity overrides, per-path sections and `disable`, then
    /// drops findings below the effective minimum severity.
    pub fn adjust(&self, findings: &mut Vec<Finding>, min_severity: Severity) {
        let mut sections: Vec<(&String, &PathSection, globset::GlobMatcher)> = self
            .config
            .paths
            .iter()
            .filter_map(|(k, s)| globset::Glob::new(k).ok().map(|g| (k, s, g.compile_matcher())))
            .collect();
        sections.sort_by_key(|(k, _, _)| k.len());
        findings.retain_mut(|f| {
            if let Some(s) = self.config.severity.get(&f.rule_id) {
                f.severity = *s;
            }
            let mut min = min_severity;
            for (_, section, _) in sections.iter().filter(|(_, _, g)| g.is_match(&f.span.path)) {
                if section.disable.contains(&f.rule_id) {
                    return false;
                }
                if let Some(s) = section.severity.get(&f.rule_id) {
                    f.severity = *s;
                }
                if let Some(m) = section.min_severity {
                    min = m;
                }
            }
            f.severity >= min
        });
    }
}

/// `services/pay/**` → `services/pay/`; `**/*.py` → ``.
fn literal_dir(key: &str) -> &str {
    let wild = key.find(['*', '?', '[', '{']).unwrap_or(key.len());
    key[..wild].rfind('/').map_or("", |i| &key[..=i])
}

fn error_at(origin: &str, text: &str, offset: usize, message: String, help: &str) -> Box<ConfigError> {
    let offset = offset.min(text.len());
    let len = text[offset..].find('\n').unwrap_or(text.len() - offset).max(1).min(text.len() - offset);
    Box::new(ConfigError {
        message,
        src: NamedSource::new(origin, text.to_string()),
        span: SourceSpan::new(offset.into(), len),
        help: help.into(),
    })
}

/// Parses configuration text; `origin` names it in diagnostics.
pub fn parse(text: String, origin: &str) -> Result<Loaded, Box<ConfigError>> {
    let config: Config = match serde_saphyr::from_str(&text) {
        Ok(c) => c,
        // An empty file (or one holding only comments) is the default configuration.
        Err(_) if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) => Config::default(),
        Err(e) => {
            let offset = e.location().map_or(0, |l| crate::rules::location_offset(&text, l));
            let first = e.to_string().lines().next().unwrap_or("invalid configuration").to_string();
            return Err(error_at(
                origin,
                &text,
                offset,
                format!("{origin}: {first}"),
                "`cipherlint init` writes a commented example",
            ));
        }
    };
    let loaded = Loaded { config, origin: origin.to_string(), text };
    validate(&loaded)?;
    Ok(loaded)
}

fn validate(l: &Loaded) -> Result<(), Box<ConfigError>> {
    let c = &l.config;
    if let Some(f) = &c.fail_on {
        if f != "none" && Severity::parse(f).is_none() {
            return Err(l.error(
                l.find("fail_on"),
                format!("fail_on `{f}` is not one of info, low, medium, high, critical, none"),
                "use a severity or `none`",
            ));
        }
    }
    let globs =
        c.exclude.iter().chain(&c.test_globs).chain(c.paths.keys()).chain(c.paths.values().flat_map(|s| &s.exclude));
    for g in globs {
        if let Err(e) = globset::Glob::new(g) {
            return Err(l.error(
                l.find(g),
                format!("invalid glob `{g}`: {}", e.kind()),
                "globs use `*`, `**`, `?`, `[..]` and `{a,b}`",
            ));
        }
    }
    Ok(())
}

/// Finds and loads the configuration: `explicit` if given, else
/// `.cipherlint.yaml` in `root`. `Ok(None)` when there is none.
pub fn load(explicit: Option<&Path>, root: &Path) -> Result<Option<Loaded>, miette::Report> {
    let path: PathBuf = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = root.join(FILE_NAME);
            if !p.is_file() {
                return Ok(None);
            }
            p
        }
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| miette::miette!(code = "cipherlint::config", "cannot read {}: {e}", path.display()))?;
    parse(text, &path.display().to_string()).map(Some).map_err(|e| miette::Report::new(*e))
}

/// The file `cipherlint init` writes: every key, commented, with defaults.
pub const TEMPLATE: &str = r#"# cipherlint configuration (https://example.invalid/cipherlint).
# Command-line flags override these settings. Unknown keys are errors.

# Only run rules of these packs (empty: all): weak-crypto, hardcoded-key, key-escrow.
packs: []
# Only run these rule ids (empty: all).
rules: []
# Globs, relative to this file's directory, that are never scanned.
exclude:
  - "target/**"
  - "node_modules/**"
# Exit with 1 when a finding is at or above this severity (info|low|medium|high|critical|none).
fail_on: info
# Report only findings at or above this severity.
min_severity: info
# Severity overrides by rule id, e.g.  weak-hash: high
severity: {}
# Extra globs that mark test code (findings of test-only rules are dropped there).
test_globs: []
# Compliance profiles to check, as with --policy (see `cipherlint policy list`).
# policy: default
# Per-path sections for monorepos; the most specific key wins.
paths: {}
#  "services/pay/**":
#    exclude: ["generated/**"]     # relative to services/pay/
#    min_severity: medium
#    severity: { weak-hash: critical }
#    disable: []
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parses() {
        let l = parse(TEMPLATE.to_string(), "t").expect("template");
        assert_eq!(l.config.fail_on.as_deref(), Some("info"));
        assert_eq!(l.config.exclude.len(), 2);
    }

    #[test]
    fn unknown_key_points_at_its_line() {
        let text = "packs: []\nfail_on: high\nexclud: [x]\n".to_string();
        let e = parse(text.clone(), "c.yaml").err().expect("error");
        let at = e.span.offset();
        assert_eq!(&text[at..at + 6], "exclud");
        assert!(e.message.contains("exclud"), "{}", e.message);
    }

    #[test]
    fn sections() {
        let l =
            parse("paths:\n  \"services/pay/**\":\n    exclude: [\"gen/**\"]\n    min_severity: high\n".into(), "c")
                .unwrap();
        assert_eq!(l.excludes(), ["services/pay/gen/**"]);
        assert_eq!(literal_dir("**/*.py"), "");
        assert_eq!(literal_dir("a/b"), "a/");
        let bad = parse("fail_on: sometimes\n".into(), "c").err().unwrap();
        assert!(bad.message.contains("sometimes"));
    }
}
