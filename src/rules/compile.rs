//! Compilation of a [`RuleFile`] into a [`Rule`]: queries and regexes are
//! compiled once, captures are bound to indices, and every inconsistency is
//! reported against the line of the rule file it comes from.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use miette::{NamedSource, SourceSpan};
use regex::Regex;
use serde_saphyr::{Location, Spanned};

use super::file::{ConstraintFile, LangMatch, RuleFile};
use super::necessary::{FileCondition, QualifiedAnchor};
use super::{Rule, RuleError, RuleSource, CATEGORIES};
use crate::lang::Language;

/// What a matcher applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Lang(Language),
    /// Every text file, whatever its language (regex matchers only).
    Any,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Lang(l) => f.write_str(l.name()),
            Target::Any => f.write_str("any"),
        }
    }
}

pub enum Pattern {
    Query(LazyQuery),
    Regex(LazyRegex),
}

/// A tree-sitter query compiled on first use. Compiling every query of every
/// language costs seconds at start-up, while a pre-commit run touches one or
/// two languages; built-in packs (tested in CI) are therefore compiled lazily,
/// and packs from `--rules` eagerly so their errors point at the line.
pub struct LazyQuery {
    lang: Language,
    source: String,
    compiled: OnceLock<Option<(tree_sitter::Query, Vec<usize>)>>,
}

impl LazyQuery {
    /// The query's text (the engine also compiles it into a per-language
    /// combined query).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The query and, for each of its capture indices, the matcher's index
    /// for that capture name.
    pub fn get(&self, names: &[String]) -> Option<(&tree_sitter::Query, &[usize])> {
        let compiled = self.compiled.get_or_init(|| {
            let query = tree_sitter::Query::new(&self.lang.grammar(), &self.source).ok()?;
            let remap = query.capture_names().iter().map(|n| names.iter().position(|m| m == n).unwrap_or(0)).collect();
            Some((query, remap))
        });
        compiled.as_ref().map(|(q, r)| (q, r.as_slice()))
    }
}

/// A constraint's regex, compiled on first use: hundreds of them exist and
/// compiling them all (Unicode classes) took most of a small scan's time.
///
/// Each is also compiled without Unicode for ASCII text (nearly all source
/// files), where both forms match exactly the same: Unicode classes, case
/// folding and word boundaries differ only on non-ASCII characters. The
/// ASCII form keeps the lazy DFA small; the Unicode form's DFA over big
/// classes kept overflowing its cache and falling back to the slow PikeVM.
#[derive(Clone)]
pub struct LazyRegex(Arc<RegexForms>);

/// A regex's compiled forms, shared by every `LazyRegex` of the same source.
struct RegexForms {
    source: String,
    full: OnceLock<Option<Regex>>,
    /// The same regex without Unicode, for ASCII text (where both match
    /// alike): smaller automata that build faster and rarely overflow the
    /// lazy DFA's cache. Built separately, so that a pre-commit run over
    /// ASCII files never pays for the Unicode form.
    ascii: OnceLock<Option<regex::bytes::Regex>>,
}

/// One entry per distinct source in a process-wide table: a compiled regex
/// depends on its source alone, and the packs repeat many (each language's
/// matcher of a rule carries the same `where:` entries, and the file
/// conditions derived from them). Compiling each copy separately was a
/// third of a pre-commit run.
pub(crate) fn interned<T: Send + Sync + 'static>(
    table: &'static InternTable<T>,
    key: &str,
    make: impl FnOnce() -> T,
) -> Arc<T> {
    let mut table = table.lock().unwrap_or_else(|e| e.into_inner());
    table.entry(key.to_string()).or_insert_with(|| Arc::new(make())).clone()
}

/// Values by source text, for [`interned`].
pub(crate) type InternTable<T> = LazyLock<Mutex<HashMap<String, Arc<T>>>>;

static REGEXES: InternTable<RegexForms> = LazyLock::new(Default::default);

impl LazyRegex {
    pub fn new(source: &str) -> Self {
        LazyRegex(interned(&REGEXES, source, || RegexForms {
            source: source.to_string(),
            full: OnceLock::new(),
            ascii: OnceLock::new(),
        }))
    }

    pub fn source(&self) -> &str {
        &self.0.source
    }

    /// Compiles now; the error text if it does not compile.
    pub fn check(&self) -> Result<(), String> {
        Regex::new(&self.0.source).map(|_| ()).map_err(|e| e.to_string())
    }

    /// The compiled regex; one that does not compile (only possible in a
    /// built-in pack, which the tests rule out) matches nothing.
    pub fn get(&self) -> Option<&Regex> {
        self.0.full.get_or_init(|| Regex::new(&self.0.source).ok()).as_ref()
    }

    fn ascii_for(&self, text: &str) -> Option<&regex::bytes::Regex> {
        if !text.is_ascii() {
            return None;
        }
        let forms = &self.0;
        forms.ascii.get_or_init(|| regex::bytes::RegexBuilder::new(&forms.source).unicode(false).build().ok()).as_ref()
    }

    /// Whether the regex matches `text`; `None` if it does not compile.
    pub fn test(&self, text: &str) -> Option<bool> {
        match self.ascii_for(text) {
            Some(ascii) => Some(ascii.is_match(text.as_bytes())),
            None => self.get().map(|full| full.is_match(text)),
        }
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.test(text).unwrap_or(false)
    }

    /// The spans of up to `limit` matches in `text`; `None` if the regex
    /// does not compile.
    pub fn find_spans(&self, text: &str, limit: usize) -> Option<Vec<(usize, usize)>> {
        if let Some(ascii) = self.ascii_for(text) {
            return Some(ascii.find_iter(text.as_bytes()).take(limit).map(|m| (m.start(), m.end())).collect());
        }
        Some(self.get()?.find_iter(text).take(limit).map(|m| (m.start(), m.end())).collect())
    }

    /// The byte spans of each group (the whole match first) of up to
    /// `limit` matches in `text`.
    pub fn capture_spans(&self, text: &str, limit: usize) -> Vec<Vec<Option<(usize, usize)>>> {
        if let Some(ascii) = self.ascii_for(text) {
            let spans = |c: regex::bytes::Captures<'_>| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect();
            return ascii.captures_iter(text.as_bytes()).take(limit).map(spans).collect();
        }
        let Some(full) = self.get() else { return Vec::new() };
        let spans = |c: regex::Captures<'_>| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect();
        full.captures_iter(text).take(limit).map(spans).collect()
    }
}

/// A regex's capture names as `Regex::capture_names` lists them (the whole
/// match first, unnamed groups by number), read from its syntax tree alone:
/// building the automaton is what costs, and it waits for first use.
fn regex_group_names(source: &str) -> Result<Vec<String>, String> {
    use regex_syntax::ast::{Ast, GroupKind};
    fn walk(ast: &Ast, out: &mut Vec<String>) {
        match ast {
            Ast::Group(g) => {
                match &g.kind {
                    GroupKind::CaptureIndex(i) => out.push(i.to_string()),
                    GroupKind::CaptureName { name, .. } => out.push(name.name.clone()),
                    GroupKind::NonCapturing(_) => {}
                }
                walk(&g.ast, out);
            }
            Ast::Repetition(r) => walk(&r.ast, out),
            Ast::Alternation(a) => a.asts.iter().for_each(|x| walk(x, out)),
            Ast::Concat(c) => c.asts.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let ast = regex_syntax::ast::parse::Parser::new().parse(source).map_err(|e| e.to_string())?;
    let mut names = vec!["0".to_string()];
    walk(&ast, &mut names);
    Ok(names)
}

/// Capture names of a query in order of first appearance, read from its text
/// (comments and string literals skipped).
fn query_capture_names(source: &str) -> Vec<String> {
    super::predicates::capture_names(source)
}

/// One language's way of finding a rule's pattern.
pub struct Matcher {
    pub target: Target,
    pub prefilter: Vec<String>,
    pub prefilter_also: Vec<String>,
    /// Case-sensitive alternatives to `prefilter`.
    pub prefilter_exact: Vec<String>,
    pub pattern: Pattern,
    pub capture_names: Vec<String>,
    pub focus: usize,
    pub constraints: Vec<Constraint>,
    /// Regexes the whole file must match for this matcher to be worth
    /// parsing for: its `prefilter_regex` and those derived from
    /// `constraints` (see `necessary.rs`), less those in `in_if_condition`.
    pub requires: Vec<FileCondition>,
    /// Conditions that must all hold inside one `if` condition, not just
    /// anywhere: those of the captures that the rule puts there
    /// (`in_if_condition`). They are not tested on the whole file as well:
    /// the `if` conditions are a small part of it, and a condition holds in
    /// the file wherever it holds in one of them.
    pub in_if_condition: Vec<FileCondition>,
    /// Conditions that must all hold in the branch of that same `if` that
    /// runs when its condition holds (`in_if_body`); likewise not tested
    /// on the whole file.
    pub in_if_body: Vec<FileCondition>,
    /// Where its captures may lie, from a `qualified:` entry that every
    /// match must pass: what anchors its walks when `requires` cannot.
    pub qualified: Option<QualifiedAnchor>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl CmpOp {
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
        }
    }
}

/// A compiled `where:` entry.
pub struct Constraint {
    pub capture: usize,
    /// Holds vacuously when the capture is absent from a match (alternations).
    pub optional: bool,
    pub resolve: bool,
    pub regex: Option<LazyRegex>,
    pub not_regex: Option<LazyRegex>,
    pub qualified: Option<LazyRegex>,
    pub compare: Option<(CmpOp, f64)>,
    pub inside: Option<LazyRegex>,
    pub not_inside: Option<LazyRegex>,
    pub context: Option<LazyRegex>,
    pub not_context: Option<LazyRegex>,
    pub literal: bool,
    pub secret: bool,
    pub entropy: Option<f64>,
    pub flows_from: Option<LazyRegex>,
    pub not_flows_through: Option<LazyRegex>,
}

impl Constraint {
    /// A rank of how much checking this constraint costs.
    fn cost(&self) -> u8 {
        if self.flows_from.is_some() {
            5
        } else if self.resolve || self.literal || self.secret || self.compare.is_some() {
            4
        } else if self.inside.is_some() || self.not_inside.is_some() {
            3
        } else if self.context.is_some() || self.not_context.is_some() {
            2
        } else if self.qualified.is_some() {
            1
        } else {
            0
        }
    }
}

/// Collects errors for one rule file.
struct Ctx<'a> {
    src: &'a RuleSource,
    errors: Vec<RuleError>,
}

impl Ctx<'_> {
    fn at(&mut self, loc: Location, message: impl Into<String>, help: Option<&str>) {
        let offset = location_offset(&self.src.text, loc);
        let len = token_len(&self.src.text, offset);
        self.errors.push(RuleError {
            message: message.into(),
            src: NamedSource::new(&self.src.origin, self.src.text.clone()),
            span: SourceSpan::new(offset.into(), len),
            label: "here".into(),
            help: help.map(str::to_string),
        });
    }
}

/// Byte offset of a YAML location (line/column are 1-based, in characters);
/// shared by every loader that points miette at a line of a YAML file.
pub fn location_offset(text: &str, loc: Location) -> usize {
    if let Some(b) = loc.span().byte_offset() {
        return (b as usize).min(text.len());
    }
    let line = loc.line().max(1) as usize;
    let start: usize = text.split_inclusive('\n').take(line - 1).map(str::len).sum();
    let col = loc.column().max(1) as usize - 1;
    let line_text = &text[start.min(text.len())..];
    start + line_text.char_indices().nth(col).map_or(0, |(i, _)| i)
}

fn token_len(text: &str, offset: usize) -> usize {
    text[offset.min(text.len())..].find(['\n', '\r']).unwrap_or(text.len() - offset.min(text.len())).max(1)
}

/// Compiles one rule file; returns every problem found.
pub fn compile_rule(src: &RuleSource) -> Result<Rule, Vec<RuleError>> {
    let mut cx = Ctx { src, errors: Vec::new() };
    let file: RuleFile = match serde_saphyr::from_str(&src.text) {
        Ok(f) => f,
        Err(e) => {
            let loc = e.location().unwrap_or(Location::UNKNOWN);
            let msg = e.to_string();
            let first = msg.lines().next().unwrap_or("invalid rule file").to_string();
            cx.at(
                loc,
                format!("{}: {first}", src.origin),
                Some("check the field names and types against rules/README.md"),
            );
            return Err(cx.errors);
        }
    };

    if *file.id.value != *src.stem {
        cx.at(
            file.id.referenced,
            format!("rule id `{}` does not match its file name `{}`", file.id.value, src.stem),
            Some("name the file `<id>.yaml`"),
        );
    }
    let kebab = file
        .id
        .value
        .split('-')
        .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    if !kebab {
        cx.at(file.id.referenced, format!("rule id `{}` is not kebab-case", file.id.value), None);
    }
    let inventory_only = !file.report;
    let inventory_category = inventory_only && file.category.value == "inventory";
    if !(CATEGORIES.contains(&file.category.value.as_str()) || inventory_category) {
        cx.at(
            file.category.referenced,
            format!("unknown category `{}`", file.category.value),
            Some("use one of weak-crypto, hardcoded-key, key-escrow (or inventory with `report: false`)"),
        );
    }
    if inventory_only && file.inventory.value.is_empty() {
        cx.at(
            file.id.referenced,
            "a `report: false` rule reports nothing, so it needs an `inventory:` map",
            Some("add e.g. `inventory: { algorithm: \"{alg}\" }`"),
        );
    }
    let cwe_ok = |c: &str| {
        c.strip_prefix("CWE-")
            .is_some_and(|n| !n.starts_with('0') && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    if file.cwe.value.is_empty() && !inventory_only {
        cx.at(file.cwe.referenced, "at least one CWE is required", None);
    }
    for c in &file.cwe.value {
        if !cwe_ok(&c.value) {
            cx.at(c.referenced, format!("`{}` is not a CWE id", c.value), Some("write CWE ids as `CWE-327`"));
        }
    }
    if file.references.value.is_empty() {
        cx.at(file.references.referenced, "at least one reference is required", None);
    }
    let placeholders: Vec<String> = placeholder_names(&file.message.value);
    // Inventory facts: known keys, and placeholders that are captures
    // (`{name?}` may be absent from some matchers; `{name}` must be in all).
    let mut required = Vec::new();
    let mut optional = Vec::new();
    for (key, v) in &file.inventory.value {
        if !crate::inventory::KEYS.contains(&key.as_str()) && !crate::inventory::NOTE_KEYS.contains(&key.as_str()) {
            cx.at(v.referenced, format!("unknown inventory key `{key}`"), Some("use primitive, algorithm, api, mode, padding, key_size, curve, hash, iterations, function, library or purpose"));
        }
        for (name, opt) in crate::inventory::template_placeholders(&v.value) {
            if opt {
                optional.push((name, v.referenced))
            } else {
                required.push(name)
            }
        }
    }

    let mut matchers = Vec::new();
    let mut covered: Vec<Target> = Vec::new();
    for (key, lm) in &file.languages.value {
        let Some(targets) = parse_targets(key) else {
            cx.at(
                lm.referenced,
                format!("unknown language `{key}`"),
                Some(
                    "use rust, python, go, java, javascript, typescript, tsx, c, cpp, csharp or any (comma-separated)",
                ),
            );
            continue;
        };
        for target in targets {
            let mut needed = placeholders.clone();
            needed.extend(required.iter().cloned());
            if let Some(m) = compile_matcher(&mut cx, target, &lm.value, lm.referenced, &needed) {
                covered.push(target);
                matchers.push(m);
            }
        }
    }

    for (name, at) in &optional {
        if !matchers.iter().any(|m| m.capture_names.iter().any(|c| c == name)) {
            cx.at(
                *at,
                format!("inventory placeholder `{{{name}?}}` is not a capture of any matcher"),
                Some("capture it in a query (`@name`) or regex (`(?P<name>..)`)"),
            );
        }
    }
    let mut tests = Vec::new();
    let mut tested: Vec<Target> = Vec::new();
    for (key, t) in file.tests.value {
        let Some(targets) = parse_targets(&key) else {
            cx.at(t.referenced, format!("unknown language `{key}` in tests"), None);
            continue;
        };
        for tg in &targets {
            if !covered.contains(tg) {
                cx.at(t.referenced, format!("tests for `{tg}`, which has no matcher"), None);
            }
        }
        if !t.value.assets.is_empty() && file.inventory.value.is_empty() {
            cx.at(t.referenced, "`assets` expectations need an `inventory:` map", None);
        }
        if t.value.matches.is_empty() || t.value.no_match.is_empty() {
            cx.at(
                t.referenced,
                format!("tests for `{key}` need at least one `match` and one `no_match` example"),
                None,
            );
        }
        tested.extend(targets.iter().copied());
        tests.push((targets, t.value));
    }
    for target in &covered {
        if !tested.contains(target) {
            cx.at(
                file.tests.referenced,
                format!("language `{target}` has a matcher but no tests"),
                Some("add `match` and `no_match` examples for it under `tests:`"),
            );
        }
    }

    if !cx.errors.is_empty() {
        return Err(cx.errors);
    }
    Ok(Rule {
        id: file.id.value,
        pack: src.pack.clone(),
        title: file.title,
        message: file.message.value,
        help: file.help,
        severity: file.severity,
        confidence: file.confidence,
        category: file.category.value,
        cwe: file.cwe.value.into_iter().map(|c| c.value).collect(),
        references: file.references.value,
        description: file.description,
        skip_in_tests: file.skip_in_tests,
        report: file.report,
        inventory: file.inventory.value.into_iter().map(|(k, v)| (k, v.value)).collect(),
        matchers,
        tests,
        origin: src.origin.clone(),
    })
}

fn parse_targets(key: &str) -> Option<Vec<Target>> {
    let mut out = Vec::new();
    for part in key.split(',').map(str::trim) {
        if part == "any" {
            out.push(Target::Any);
        } else {
            out.extend(Language::from_rule_key(part)?.into_iter().map(Target::Lang));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `{name}` placeholders in a message (`{{` escapes a brace).
pub(crate) fn placeholder_names(message: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let name = &rest[..end];
        if rest[end..].starts_with('}') && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') {
            names.push(name.to_string());
        }
    }
    names
}

const MAX_QUERY_NESTING: usize = 256;

/// Deepest `(`/`[` nesting of a query (brackets inside strings count too,
/// which only errs on the safe side).
fn query_nesting(query: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in query.bytes() {
        match b {
            b'(' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn compile_matcher(
    cx: &mut Ctx<'_>,
    target: Target,
    lm: &LangMatch,
    at: Location,
    placeholders: &[String],
) -> Option<Matcher> {
    let errors_before = cx.errors.len();
    let literals = || lm.prefilter.value.iter().chain(&lm.prefilter_exact);
    if literals().next().is_none() || literals().any(|l| l.trim().len() < 2) {
        cx.at(
            lm.prefilter.referenced,
            "`prefilter` needs at least one literal of two or more characters",
            Some("list literals a matching file must contain, e.g. [MODE_ECB]"),
        );
    }
    // tree-sitter's query parser recurses once per `(`/`[` level: a rule pack
    // nesting thousands deep would overflow the stack (found by fuzzing).
    if let Some(q) = lm.query.as_ref().filter(|q| query_nesting(&q.value) > MAX_QUERY_NESTING) {
        cx.at(
            q.referenced,
            format!("query nests deeper than {MAX_QUERY_NESTING} levels"),
            Some("real queries need a few levels; flatten this pattern"),
        );
        return None;
    }
    let (pattern, capture_names) = match (&lm.query, &lm.regex, target) {
        (Some(q), None, Target::Lang(lang)) => match eager_check(cx.src.trusted, lang, &q.value) {
            Ok(()) => {
                let names = query_capture_names(&q.value);
                (Pattern::Query(LazyQuery { lang, source: q.value.clone(), compiled: OnceLock::new() }), names)
            }
            Err(e) => {
                let offset = query_error_offset(&cx.src.text, q, e.row);
                let loc_text = format!(
                    "query does not compile for {lang}: {:?} error: {}",
                    e.kind,
                    e.message.lines().next().unwrap_or("")
                );
                let len = token_len(&cx.src.text, offset);
                cx.errors.push(RuleError {
                    message: loc_text,
                    src: NamedSource::new(&cx.src.origin, cx.src.text.clone()),
                    span: SourceSpan::new(offset.into(), len),
                    label: "in this line of the query".into(),
                    help: Some(
                        "node and field names must exist in the grammar of every language this key lists".into(),
                    ),
                });
                return None;
            }
        },
        (None, Some(r), _) => {
            // Built-in packs compile their regexes on first use, like their
            // queries: a pre-commit run needs few of them.
            let lazy = LazyRegex::new(&r.value);
            let checked = if cx.src.trusted { Ok(()) } else { lazy.check() };
            match checked.and_then(|()| regex_group_names(&r.value)) {
                Ok(names) => (Pattern::Regex(lazy), names),
                Err(e) => {
                    cx.at(r.referenced, format!("regex does not compile: {}", e.lines().last().unwrap_or("")), None);
                    return None;
                }
            }
        }
        (Some(_), None, Target::Any) => {
            cx.at(at, "`any` matchers need a `regex`, not a `query`", None);
            return None;
        }
        _ => {
            cx.at(at, "give exactly one of `query` or `regex`", None);
            return None;
        }
    };
    let index_of = |name: &str| capture_names.iter().position(|n| n == name);
    for p in placeholders {
        if index_of(p).is_none() {
            cx.at(
                at,
                format!("message placeholder `{{{p}}}` is not a capture of the {target} matcher"),
                Some("capture it in the query (`@name`) or the regex (`(?P<name>..)`)"),
            );
        }
    }
    let focus = match &lm.focus {
        Some(f) => index_of(&f.value).unwrap_or_else(|| {
            cx.at(f.referenced, format!("focus capture `{}` does not exist", f.value), None);
            0
        }),
        // Captures named `_x` are helpers; the first other one is reported.
        None => capture_names.iter().position(|n| !n.starts_with('_')).unwrap_or(0),
    };
    let mut constraints = Vec::new();
    for c in &lm.constraints {
        if let Some(k) = compile_constraint(cx, &c.value, c.referenced, &index_of) {
            constraints.push(k);
        }
    }
    if cx.errors.len() > errors_before {
        return None;
    }
    // All constraints must hold, so the cheap ones go first and most matches
    // are rejected before any value resolution or flow search. Only the
    // value-resolving ones depend on each other's order (each sees the values
    // the previous one kept); the stable sort keeps that order.
    constraints.sort_by_key(Constraint::cost);
    let mut requires = Vec::new();
    for r in &lm.prefilter_regex {
        if !cx.src.trusted {
            if let Err(e) = LazyRegex::new(&r.value).check() {
                let msg = format!("`prefilter_regex` does not compile: {}", e.lines().last().unwrap_or(""));
                cx.at(r.referenced, msg, None);
                return None;
            }
        }
        requires.push(FileCondition::declared(&r.value));
    }
    match &pattern {
        Pattern::Query(q) => {
            file_conditions(&constraints, &mut requires);
            // The query's own text predicates test a capture's text like a
            // `where:` regex does.
            if let Some(re) = super::predicates::match_condition(q.source()) {
                if !requires.iter().any(|c| c.source == re) {
                    requires.push(FileCondition::derived_from_capture(&re));
                }
            }
        }
        // A regex matcher scans the text itself, but on non-ASCII text a
        // Unicode `\b` keeps its regex off the lazy DFA: the PikeVM ran over
        // whole files (3 % of a corpus scan) where the relaxed form, without
        // assertions, rules most of them out at DFA speed.
        Pattern::Regex(re) => requires.push(FileCondition::derived_from(re.source())),
    }
    let mut own_conditions = |key: &str, names: &[Spanned<String>]| -> Option<Vec<FileCondition>> {
        let mut out = Vec::new();
        for name in names {
            let Some(idx) = index_of(&name.value) else {
                cx.at(name.referenced, format!("`{key}` names no capture `{}`", name.value), None);
                return None;
            };
            let before = out.len();
            if matches!(pattern, Pattern::Query(_)) {
                let own = constraints.iter().filter(|k| k.capture == idx && !k.optional && !k.resolve);
                out.extend(
                    own.filter_map(|k| k.regex.as_ref()).map(|re| FileCondition::derived_from_capture(re.source())),
                );
            }
            if out.len() == before {
                cx.at(
                    name.referenced,
                    format!("`{key}` capture `{}` has no `where:` regex on its own text to look for", name.value),
                    Some("list captures of a query that a non-optional `regex` entry tests"),
                );
                return None;
            }
        }
        Some(out)
    };
    let in_if_condition = own_conditions("in_if_condition", &lm.in_if_condition)?;
    let in_if_body = own_conditions("in_if_body", &lm.in_if_body)?;
    if let (Some(first), true) = (lm.in_if_body.first(), in_if_condition.is_empty()) {
        cx.at(
            first.referenced,
            "`in_if_body` needs `in_if_condition`: the body is that of the `if` whose condition holds those captures"
                .to_string(),
            None,
        );
        return None;
    }
    let placed = |r: &FileCondition| in_if_condition.iter().chain(&in_if_body).any(|c| c.source == r.source);
    requires.retain(|r| !(r.is_derived() && placed(r)));
    let qualified = match &pattern {
        Pattern::Query(_) => constraints
            .iter()
            .filter(|k| !k.optional)
            .find_map(|k| k.qualified.as_ref())
            .map(|re| QualifiedAnchor::new(re.source())),
        Pattern::Regex(_) => None,
    };
    Some(Matcher {
        target,
        prefilter: lm.prefilter.value.clone(),
        prefilter_also: lm.prefilter_also.clone(),
        prefilter_exact: lm.prefilter_exact.clone(),
        pattern,
        capture_names,
        focus,
        constraints,
        requires,
        in_if_condition,
        in_if_body,
        qualified,
    })
}

/// The file-level conditions implied by entries that every match must pass
/// on its capture's own text: not `optional` (an absent capture skips those)
/// and not on resolved values (which may come from elsewhere).
fn file_conditions(constraints: &[Constraint], out: &mut Vec<FileCondition>) {
    for k in constraints.iter().filter(|k| !k.optional && !k.resolve) {
        let Some(re) = &k.regex else { continue };
        if !out.iter().any(|c| c.source == re.source()) {
            out.push(FileCondition::derived_from_capture(re.source()));
        }
    }
    // A qualified name's parts may come from an import far from the
    // match, so this condition says what the file holds, not where a match
    // is: it never anchors a query walk.
    for k in constraints.iter().filter(|k| !k.optional) {
        let Some(source) = k.qualified.as_ref().and_then(|re| super::necessary::qualified_condition(re.source()))
        else {
            continue;
        };
        if !out.iter().any(|c| c.source == source) {
            out.push(FileCondition::declared(&source));
        }
    }
}

/// Compiles a query now unless its pack is built in (see [`LazyQuery`]).
fn eager_check(trusted: bool, lang: Language, source: &str) -> Result<(), tree_sitter::QueryError> {
    if trusted {
        return Ok(());
    }
    tree_sitter::Query::new(&lang.grammar(), source).map(|_| ())
}

fn query_error_offset(text: &str, q: &Spanned<String>, row: usize) -> usize {
    let start = location_offset(text, q.referenced);
    let wanted = q.value.lines().nth(row).unwrap_or("").trim();
    if !wanted.is_empty() {
        if let Some(i) = text[start..].find(wanted) {
            return start + i;
        }
    }
    start
}

fn compile_constraint(
    cx: &mut Ctx<'_>,
    c: &ConstraintFile,
    at: Location,
    index_of: &dyn Fn(&str) -> Option<usize>,
) -> Option<Constraint> {
    let Some(capture) = index_of(&c.capture) else {
        cx.at(at, format!("`where` names capture `{}`, which the pattern does not define", c.capture), None);
        return None;
    };
    let trusted = cx.src.trusted;
    let mut re = |field: &str, v: &Option<String>| -> Option<LazyRegex> {
        let lazy = LazyRegex::new(v.as_ref()?);
        if !trusted {
            if let Err(e) = lazy.check() {
                cx.at(at, format!("`{field}` regex does not compile: {}", e.lines().last().unwrap_or("")), None);
                return None;
            }
        }
        Some(lazy)
    };
    let regex = re("regex", &c.regex);
    let not_regex = re("not_regex", &c.not_regex);
    let qualified = re("qualified", &c.qualified);
    let inside = re("inside", &c.inside);
    let not_inside = re("not_inside", &c.not_inside);
    let context = re("context", &c.context);
    let not_context = re("not_context", &c.not_context);
    let flows_from = re("flows_from", &c.flows_from);
    let not_flows_through = re("not_flows_through", &c.not_flows_through);
    let compare = match &c.compare {
        None => None,
        Some(s) => match parse_compare(s) {
            Some(v) => Some(v),
            None => {
                cx.at(at, format!("`compare: {s}` is not `<op> <number>`"), Some("write e.g. `< 2048` or `>= 10`"));
                return None;
            }
        },
    };
    Some(Constraint {
        capture,
        optional: c.optional,
        resolve: c.resolve || c.secret || c.literal || compare.is_some(),
        regex,
        not_regex,
        qualified,
        compare,
        inside,
        not_inside,
        context,
        not_context,
        literal: c.literal,
        secret: c.secret,
        entropy: c.entropy,
        flows_from,
        not_flows_through,
    })
}

/// Parses `< 2048`, `>= 10`, ... (rules' `compare:` and profiles' conditions).
pub fn parse_compare(s: &str) -> Option<(CmpOp, f64)> {
    let s = s.trim();
    let ops = [
        ("<=", CmpOp::Le),
        (">=", CmpOp::Ge),
        ("==", CmpOp::Eq),
        ("!=", CmpOp::Ne),
        ("<", CmpOp::Lt),
        (">", CmpOp::Gt),
    ];
    let (op, rest) = ops.iter().find_map(|(t, op)| s.strip_prefix(t).map(|r| (*op, r)))?;
    Some((op, rest.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_group_names_match_what_the_compiled_regex_reports() {
        for src in [r"(?P<key>[0-9a-f]{32})", r"(a)(?:b)(?<n>c(d))|(e)", r"-----BEGIN (?P<kind>[A-Z ]+) KEY-----", r"x"]
        {
            let compiled: Vec<String> = regex::Regex::new(src)
                .unwrap()
                .capture_names()
                .enumerate()
                .map(|(i, n)| n.map_or_else(|| i.to_string(), str::to_string))
                .collect();
            assert_eq!(super::regex_group_names(src).unwrap(), compiled, "{src}");
        }
    }

    #[test]
    fn compare_parses() {
        assert_eq!(parse_compare("< 2048"), Some((CmpOp::Lt, 2048.0)));
        assert_eq!(parse_compare(">=10"), Some((CmpOp::Ge, 10.0)));
        assert_eq!(parse_compare("about 3"), None);
    }

    #[test]
    fn capture_names_in_order_of_appearance() {
        let q = "; a comment with @fake\n(call function: (_) @fn (#eq? @fn \"x@y\") arguments: (_) @args) @call";
        assert_eq!(query_capture_names(q), vec!["fn", "args", "call"]);
        let query = tree_sitter::Query::new(&Language::Python.grammar(), q).unwrap();
        assert_eq!(query.capture_names().to_vec(), vec!["fn", "args", "call"]);
    }

    #[test]
    fn placeholders() {
        assert_eq!(placeholder_names("`{alg}` in {mode}"), vec!["alg", "mode"]);
    }
}
