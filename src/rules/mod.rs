//! Rules: the declarative rule packs, loaded, validated and compiled.
//!
//! A *rule* is one YAML file under `rules/<pack>/<id>.yaml` (format in
//! `rules/README.md`). Loading turns the serialised [`file::RuleFile`] into a
//! compiled [`Rule`] with one [`Matcher`] per language; every problem is a
//! `miette` diagnostic that points at the offending line of the rule file.

pub mod check;
mod compile;
pub mod coverage;
pub mod file;
mod necessary;
pub use necessary::{FileCondition, QualifiedAnchor};
mod predicates;

use std::path::{Path, PathBuf};

use miette::{Diagnostic, NamedSource, SourceSpan};

use crate::lang::Language;
pub use compile::{
    compile_rule, location_offset, parse_compare, CmpOp, Constraint, LazyRegex, Matcher, Pattern, Target,
};
pub use file::{Confidence, LangTests, Severity};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// The three finding categories of the output contract.
pub const CATEGORIES: [&str; 3] = ["weak-crypto", "hardcoded-key", "key-escrow"];

/// A compiled rule.
pub struct Rule {
    pub id: String,
    pub pack: String,
    pub title: String,
    pub message: String,
    pub help: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub category: String,
    pub cwe: Vec<String>,
    pub references: Vec<String>,
    pub description: String,
    pub skip_in_tests: bool,
    /// `false` for inventory-only rules: matches become assets, never findings.
    pub report: bool,
    pub inventory: Vec<(String, String)>,
    pub matchers: Vec<Matcher>,
    pub tests: Vec<(Vec<Target>, LangTests)>,
    /// Where the rule came from (`embedded:weak-crypto/ecb-mode.yaml` or a path).
    pub origin: String,
}

impl Rule {
    pub fn languages(&self) -> Vec<String> {
        let mut v: Vec<String> = self.matchers.iter().map(|m| m.target.to_string()).collect();
        v.dedup();
        v
    }
}

/// A rule-file problem, pointing at its line.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(cipherlint::rules::invalid), url("https://example.invalid/cipherlint/rules/README.md"))]
pub struct RuleError {
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{label}")]
    pub span: SourceSpan,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

/// All problems found while loading rule packs.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{} problem(s) in rule packs", errors.len())]
#[diagnostic(code(cipherlint::rules::load), help("see rules/README.md for the rule file format"))]
pub struct LoadError {
    #[related]
    pub errors: Vec<RuleError>,
}

/// Every loaded rule, sorted by id.
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

/// One rule file's text and where it came from.
pub struct RuleSource {
    pub pack: String,
    pub stem: String,
    pub origin: String,
    pub text: String,
    /// Built into the binary (its queries are compiled lazily: see `LazyQuery`).
    pub trusted: bool,
}

impl RuleSet {
    /// The packs built into the binary.
    pub fn embedded_sources() -> Vec<RuleSource> {
        embedded::EMBEDDED
            .iter()
            .map(|(rel, text)| {
                let (pack, file) = rel.split_once('/').unwrap_or(("", rel));
                RuleSource {
                    pack: pack.to_string(),
                    stem: file.rsplit_once('.').map_or(file, |(s, _)| s).to_string(),
                    origin: format!("rules/{rel}"),
                    text: (*text).to_string(),
                    trusted: true,
                }
            })
            .collect()
    }

    /// Rule files under `dir`: either a folder of packs or a single pack folder.
    pub fn dir_sources(dir: &Path) -> Result<Vec<RuleSource>, std::io::Error> {
        let mut out = Vec::new();
        let mut packs: Vec<PathBuf> = Vec::new();
        let has_yaml =
            |d: &Path| std::fs::read_dir(d).map(|rd| rd.flatten().any(|e| is_rule_file(&e.path()))).unwrap_or(false);
        if has_yaml(dir) {
            packs.push(dir.to_path_buf());
        }
        for entry in std::fs::read_dir(dir)?.flatten() {
            let p = entry.path();
            if p.is_dir() && p.file_name().is_some_and(|n| n != "policies") && has_yaml(&p) {
                packs.push(p);
            }
        }
        packs.sort();
        for pack_dir in packs {
            let pack = pack_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let mut files: Vec<PathBuf> =
                std::fs::read_dir(&pack_dir)?.flatten().map(|e| e.path()).filter(|p| is_rule_file(p)).collect();
            files.sort();
            for path in files {
                let text = std::fs::read_to_string(&path)?;
                out.push(RuleSource {
                    pack: pack.clone(),
                    stem: path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
                    origin: path.display().to_string(),
                    text,
                    trusted: false,
                });
            }
        }
        Ok(out)
    }

    /// Compiles sources into a rule set, collecting every error.
    pub fn compile(sources: Vec<RuleSource>) -> Result<RuleSet, LoadError> {
        let mut rules: Vec<Rule> = Vec::new();
        let mut errors = Vec::new();
        // Reading the YAML is most of a pre-commit run's start-up: the
        // files in parallel, their errors still in input order.
        let compiled: Vec<_> = {
            use rayon::prelude::*;
            sources.par_iter().map(compile_rule).collect()
        };
        for (src, compiled) in sources.iter().zip(compiled) {
            match compiled {
                Ok(rule) => {
                    if let Some(prev) = rules.iter().find(|r| r.id == rule.id) {
                        errors.push(RuleError {
                            message: format!("duplicate rule id `{}` (also in {})", rule.id, prev.origin),
                            span: (0, 0).into(),
                            src: NamedSource::new(&src.origin, src.text.clone()),
                            label: "this rule".into(),
                            help: Some("rule ids are unique across all packs; rename one".into()),
                        });
                    } else {
                        rules.push(rule);
                    }
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        if !errors.is_empty() {
            return Err(LoadError { errors });
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(RuleSet { rules })
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Keeps the rules selected by pack and id (empty lists select all).
    /// Inventory-only rules report nothing, so selection never drops them.
    pub fn select(&mut self, packs: &[String], ids: &[String]) {
        self.rules.retain(|r| {
            !r.report
                || (packs.is_empty() || packs.iter().any(|p| p == &r.pack))
                    && (ids.is_empty() || ids.iter().any(|i| i == &r.id))
        });
    }

    /// Every language some rule targets.
    pub fn languages(&self) -> Vec<Language> {
        let mut v: Vec<Language> = self
            .rules
            .iter()
            .flat_map(|r| r.matchers.iter())
            .filter_map(|m| match m.target {
                Target::Lang(l) => Some(l),
                Target::Any => None,
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// `rules/dependencies.yaml` is the dependency audit's data, not a rule.
fn is_rule_file(p: &Path) -> bool {
    p.is_file()
        && p.file_name().is_none_or(|n| n != "dependencies.yaml")
        && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_packs_list_every_rule_file() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let on_disk = RuleSet::dir_sources(&dir).unwrap();
        let embedded = RuleSet::embedded_sources();
        let names = |v: &[RuleSource]| {
            let mut n: Vec<String> = v.iter().map(|s| format!("{}/{}", s.pack, s.stem)).collect();
            n.sort();
            n
        };
        assert_eq!(names(&on_disk), names(&embedded));
        assert!(!embedded.is_empty());
    }

    #[test]
    fn embedded_packs_compile() {
        let set = match RuleSet::compile(RuleSet::embedded_sources()) {
            Ok(s) => s,
            Err(e) => panic!("{:?}", miette::Report::new(e)),
        };
        for cat in CATEGORIES {
            assert!(set.rules.iter().any(|r| r.category == cat), "no rule of category {cat}");
        }
        // Built-in queries are compiled lazily at scan time: prove here that
        // every one compiles and binds exactly the captures read from its text.
        for r in &set.rules {
            for m in &r.matchers {
                if let Pattern::Query(q) = &m.pattern {
                    let (query, _) = q
                        .get(&m.capture_names)
                        .unwrap_or_else(|| panic!("{}: {} query does not compile", r.id, m.target));
                    let mut got: Vec<&str> = query.capture_names().to_vec();
                    let mut want: Vec<&str> = m.capture_names.iter().map(String::as_str).collect();
                    got.sort_unstable();
                    want.sort_unstable();
                    assert_eq!(got, want, "{}: {} capture names", r.id, m.target);
                }
            }
        }
        for r in &set.rules {
            for k in r.matchers.iter().flat_map(|m| &m.constraints) {
                let all = [
                    &k.regex,
                    &k.not_regex,
                    &k.qualified,
                    &k.inside,
                    &k.not_inside,
                    &k.context,
                    &k.not_context,
                    &k.flows_from,
                    &k.not_flows_through,
                ];
                for re in all.into_iter().flatten() {
                    assert!(re.check().is_ok(), "{}: a constraint regex does not compile", r.id);
                }
            }
        }
        for r in set.rules.iter().filter(|r| r.report) {
            assert!(CATEGORIES.contains(&r.category.as_str()), "{}", r.id);
            assert_eq!(r.pack, r.category, "{}: a pack holds one category", r.id);
        }
    }
}
