//! The serialised form of a rule file (`rules/<pack>/<id>.yaml`), exactly as
//! written by rule authors. `rules/README.md` documents every field; this
//! module only mirrors it. Compilation into matchers lives in `compile.rs`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub id: Spanned<String>,
    pub title: String,
    pub message: Spanned<String>,
    pub help: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub category: Spanned<String>,
    pub cwe: Spanned<Vec<Spanned<String>>>,
    pub references: Spanned<Vec<String>>,
    pub description: String,
    /// Set for rules whose findings are ordinary in test code (test vectors,
    /// fixtures): findings there are dropped unless `--include-tests`.
    #[serde(default)]
    pub skip_in_tests: bool,
    /// `false`: the rule reports no findings and only feeds the crypto
    /// inventory (the `inventory` pack).
    #[serde(default = "yes")]
    pub report: bool,
    /// Crypto-asset facts for the inventory (keys in `rules/README.md`,
    /// "Inventory"); values may hold `{capture}` / `{capture?}` placeholders.
    #[serde(default = "no_inventory")]
    pub inventory: Spanned<BTreeMap<String, Spanned<String>>>,
    /// Matchers, keyed by language name (`java`, `c, cpp`, `any`, ...).
    pub languages: Spanned<BTreeMap<String, Spanned<LangMatch>>>,
    /// Self-tests, keyed like `languages`.
    pub tests: Spanned<BTreeMap<String, Spanned<LangTests>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LangMatch {
    /// Literals, any of which must occur in a file before it is parsed.
    pub prefilter: Spanned<Vec<String>>,
    /// A second group: one of these must occur too (flow rules: a source AND a sink).
    #[serde(default)]
    pub prefilter_also: Vec<String>,
    /// More literals like `prefilter`'s, matched case-sensitively: API and
    /// constant names (`Seal`, `EXPORT`) whose lower-case forms are ordinary
    /// words or keywords (`seal`, `export`).
    #[serde(default)]
    pub prefilter_exact: Vec<String>,
    /// Regexes the whole file must also match before it is parsed for this
    /// matcher: conditions a literal cannot state (a name that *ends* in
    /// `token`). The author vouches that every match implies them.
    #[serde(default)]
    pub prefilter_regex: Vec<Spanned<String>>,
    /// Captures that every match has inside the condition of one and the
    /// same `if`: a file is parsed for the matcher only if all of their
    /// `where:` regexes match inside one `if` condition
    /// (`src/if_conditions.rs`), not merely somewhere. The author vouches
    /// for the claim, as for `prefilter_regex`.
    #[serde(default)]
    pub in_if_condition: Vec<Spanned<String>>,
    /// Captures that every match has in the branch the `if` of
    /// `in_if_condition` runs when its condition holds (a master
    /// password's `return true`): a file is parsed for the matcher only if
    /// their `where:` regexes also match in that branch of one such `if`.
    #[serde(default)]
    pub in_if_body: Vec<Spanned<String>>,
    /// A tree-sitter query; exclusive with `regex`.
    #[serde(default)]
    pub query: Option<Spanned<String>>,
    /// A regular expression over the raw text; named groups are captures.
    #[serde(default)]
    pub regex: Option<Spanned<String>>,
    /// The capture whose span is reported; defaults to the first capture.
    #[serde(default)]
    pub focus: Option<Spanned<String>>,
    #[serde(default, rename = "where")]
    pub constraints: Vec<Spanned<ConstraintFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstraintFile {
    pub capture: String,
    /// Skip this entry for matches where the capture is absent (a pattern of
    /// an alternation that does not bind it); otherwise absence fails it.
    #[serde(default)]
    pub optional: bool,
    /// Apply text tests to the capture's resolved value(s) instead of its text.
    #[serde(default)]
    pub resolve: bool,
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default)]
    pub not_regex: Option<String>,
    /// Regex on the import-qualified, dot-joined name of the capture.
    #[serde(default)]
    pub qualified: Option<String>,
    /// Numeric comparison of the resolved value, e.g. `< 2048`.
    #[serde(default)]
    pub compare: Option<String>,
    /// Regex on the callee of an enclosing call.
    #[serde(default)]
    pub inside: Option<String>,
    #[serde(default)]
    pub not_inside: Option<String>,
    /// Regex on the capture's line and enclosing function name.
    #[serde(default)]
    pub context: Option<String>,
    #[serde(default)]
    pub not_context: Option<String>,
    /// The capture must resolve to a hardcoded value.
    #[serde(default)]
    pub literal: bool,
    /// The capture is secret material: it must resolve to a hardcoded,
    /// non-placeholder value, and it is redacted in all output.
    #[serde(default)]
    pub secret: bool,
    /// Minimum Shannon entropy (bits per character) of the resolved value.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// Flow: the capture is derived from an expression, callee or name matching this.
    #[serde(default)]
    pub flows_from: Option<String>,
    /// Flow: paths through a call or member whose name matches this are cut.
    #[serde(default)]
    pub not_flows_through: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LangTests {
    #[serde(rename = "match", default)]
    pub matches: Vec<String>,
    #[serde(default)]
    pub no_match: Vec<String>,
    #[serde(default)]
    pub known_miss: Vec<String>,
    /// Path the snippets pretend to have (to test path-dependent behaviour).
    #[serde(default)]
    pub path: Option<String>,
    /// Inventory expectations: each entry (`algorithm=AES-256-GCM primitive=ae`)
    /// must describe an asset of one of the `match` snippets.
    #[serde(default)]
    pub assets: Vec<String>,
}

fn yes() -> bool {
    true
}

fn no_inventory() -> Spanned<BTreeMap<String, Spanned<String>>> {
    Spanned::new(BTreeMap::new(), serde_saphyr::Location::UNKNOWN, serde_saphyr::Location::UNKNOWN)
}

#[derive(Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s))
    }
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}
