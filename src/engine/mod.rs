//! The engine: for one source, prefilter → parse → match → constrain →
//! findings. It holds the compiled rules and automata (shared, read-only) and
//! is driven per thread with a [`Worker`] that owns the parsers.

pub mod combined;
pub mod flow;
pub mod large_files;
pub mod prefilter;
pub mod profile;
pub mod project;
pub mod props;
pub mod resolve;
pub mod rust_syn;
mod striped;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use regex::Regex;
use tree_sitter::{Node, Parser, QueryCursor, StreamingIterator, Tree};

use crate::finding::{fingerprint, redact, Finding, Pos, Related, Span};
use crate::inventory::{self, Asset};
use crate::lang::Language;
use crate::rules::{Constraint, FileCondition, LazyRegex, Matcher, Pattern, Rule, RuleSet, Target};
use crate::source::Source;
use large_files::{LargeFiles, LARGE_FILE};
pub use prefilter::{MatcherRef, Prefilter};
use profile::Charge;
pub use project::{Family, Knowledge, Mentions, Packages, Wanted};
pub use props::Properties;
use resolve::{entropy, is_placeholder, FileContext, Origin, Value, ValueKind};

/// Settings that change what the engine reports.
#[derive(Clone)]
pub struct EngineOptions {
    pub show_secrets: bool,
    pub include_tests: bool,
    /// Per-file parse budget.
    pub parse_timeout: Duration,
    /// Disables the literal prefilter (every matcher runs on every file):
    /// used to prove the prefilter never loses a finding.
    pub no_prefilter: bool,
    /// Extra globs that mark test code (besides the built-in conventions).
    pub test_globs: Vec<String>,
    /// Per-rule timings (`CIPHERLINT_PROFILE`), shared by every engine of a scan.
    pub profile: Option<std::sync::Arc<profile::Profile>>,
    /// Walk each parsed file once with a per-language combined query instead
    /// of once per hit matcher (see `combined.rs`); same findings, and worth
    /// its compile time from a few dozen files on. `None`: the scan decides
    /// by the number of files (`scan::COMBINE_FROM`). `Some(true)` also
    /// builds the literal automata as DFAs (see `Prefilter::new`).
    pub combine_queries: Option<bool>,
    /// Put off a large file that would have to wait for room (see
    /// `large_files.rs`) instead of waiting: the caller scans the files
    /// marked `deferred` again once its pass is over.
    pub defer_large_files: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            show_secrets: false,
            include_tests: false,
            parse_timeout: Duration::from_secs(10),
            no_prefilter: false,
            test_globs: Vec::new(),
            profile: None,
            combine_queries: None,
            defer_large_files: false,
        }
    }
}

pub struct Engine<'r> {
    pub rules: &'r RuleSet,
    prefilter: std::sync::Arc<Prefilter>,
    known: &'r Knowledge,
    opts: EngineOptions,
    test_path: Regex,
    extra_test: Option<globset::GlobSet>,
    bank: std::sync::Arc<combined::QueryBank>,
    /// Taken while a large file is parsed and matched (see `large_files`).
    large_files: LargeFiles,
}

/// The code view of a source (`code_view`), built only when something reads
/// it: syntax matchers read it, regex matchers the raw text. The prefilter
/// needs no more than the ranges it blanks, and most files it drops.
struct CodeView<'s> {
    src: &'s Source,
    reading: std::cell::OnceCell<Option<crate::code_view::Reading>>,
    /// The reading's literals, until `ifs` takes them: held for the whole
    /// file, a bundle's raised the scan's peak memory by 8 MB.
    literals: std::cell::Cell<Vec<std::ops::Range<usize>>>,
    view: std::cell::OnceCell<Option<Source>>,
}

impl<'s> CodeView<'s> {
    fn new(src: &'s Source) -> Self {
        CodeView { src, reading: Default::default(), literals: Default::default(), view: Default::default() }
    }

    /// The lexer's reading of the source, if it has a language.
    fn reading(&self) -> Option<&crate::code_view::Reading> {
        let read = |lang| {
            let mut reading = crate::code_view::read(lang, self.src.text.as_bytes());
            self.literals.set(std::mem::take(&mut reading.strings));
            reading
        };
        self.reading.get_or_init(|| self.src.lang.map(read)).as_ref()
    }

    /// The sorted byte ranges the code view blanks (`code_view::Reading`).
    fn blanked(&self) -> &[std::ops::Range<usize>] {
        self.reading().map_or(&[], |r| &r.blanked)
    }

    /// The `if`s of the code view, found without lexing it again; once per
    /// view, since it takes the literals.
    fn ifs(&self) -> Option<crate::if_conditions::Ifs<'_>> {
        let (lang, complete) = (self.src.lang?, self.reading()?.complete);
        let literals = self.literals.take();
        crate::if_conditions::find_in(lang, &self.source().text, &literals, complete)
    }

    fn source(&self) -> &Source {
        let view = self
            .view
            .get_or_init(|| crate::code_view::blank(&self.src.text, self.blanked()).map(|t| self.src.with_text(t)));
        view.as_ref().unwrap_or(self.src)
    }
}

/// Time a combined query walk may take before the file's hit matchers
/// run their own queries instead (see `run_queries`), on top of what
/// those walks would cost themselves (`separate_walks_cost`).
const COMBINED_BUDGET_BASE: Duration = Duration::from_millis(100);

/// What walking a file once per hit matcher is expected to cost, from what
/// parsing it cost: the tree's size, whatever the bytes. One walk of a tree
/// took between a third and a half of its parse in the corpus (1.6 MB of
/// minified JSON: 150–230 ms a walk, 300 ms to parse).
fn separate_walks_cost(parse: Duration, hits: usize) -> Duration {
    parse * hits as u32 / 2
}

/// Past this many places where its anchored matchers may match, or one
/// per `ANCHOR_SPAN_BYTES` of a larger file, a file's query walks cover it
/// whole (see `Engine::anchor_ranges`). A fixed limit sent every large
/// bundle to whole walks: over the corpus, one place per KB took 1.5–2
/// CPU-s less than 64 places (one per 512 B, 2 KB or 4 KB gained less,
/// one per 256 B the same).
const MAX_ANCHOR_SPANS: usize = 64;
const ANCHOR_SPAN_BYTES: usize = 1024;
/// Places closer than this share one walk. Each walk costs the way down
/// from the root, but a wider range also returns more matches to check (a
/// qualified matcher's pattern matches every call): over the corpus, 256
/// bytes took 1.5 CPU-s and 7 MB of peak memory less than 2 KB, and less
/// than 0, 64 or 512 bytes; 8 KB took 4 CPU-s and 15 MB more.
const ANCHOR_MERGE_GAP: usize = 256;

/// Matches of one matcher's query in one file past which the rest are
/// not checked (a generated file with a hundred thousand `if`s); the file
/// gets a warning that says so.
const MAX_MATCHES: usize = 10_000;

/// Per-thread state: one parser per language, reused across files.
#[derive(Default)]
pub struct Worker {
    parsers: HashMap<Language, Parser>,
    cursor: Option<QueryCursor>,
}

/// What scanning one file produced.
#[derive(Default)]
pub struct FileOutcome {
    pub findings: Vec<Finding>,
    /// Symbols resolution needed and this file does not define.
    pub misses: Vec<Wanted>,
    /// Crypto assets (rules' `inventory:` maps), reported or not.
    pub assets: Vec<Asset>,
    pub warnings: Vec<String>,
    pub parsed: bool,
    /// Put off (`EngineOptions::defer_large_files`): nothing else is set.
    pub deferred: bool,
}

/// The resolver's index of a parsed file, built the first time a constraint
/// or a finding needs it: most matches fail a plain text test first.
struct LazyContext<'t> {
    lang: Language,
    /// The file's display path.
    rel: &'t str,
    root: Node<'t>,
    text: &'t str,
    known: &'t Knowledge,
    profile: Option<&'t profile::Profile>,
    cell: std::cell::OnceCell<FileContext<'t>>,
    /// How long building the index took (for the profile).
    index_time: std::cell::Cell<Duration>,
}

impl<'t> LazyContext<'t> {
    fn get(&self) -> &FileContext<'t> {
        self.cell.get_or_init(|| {
            let t = Instant::now();
            let package = self.known.packages.of(self.rel);
            let cx = FileContext::new(self.lang, self.root, self.text, self.known).in_package(package);
            if let Some(p) = self.profile {
                self.index_time.set(t.elapsed());
                p.charge_duration(Charge::Index, self.index_time.get());
                p.indexed(self.text.len());
            }
            cx
        })
    }
}

/// A match's captures: byte ranges, with the node when the pattern is a query.
#[derive(Clone, Copy)]
struct Cap<'t> {
    start: usize,
    end: usize,
    node: Option<Node<'t>>,
}

/// The parts of an engine that only depend on its rules.
#[derive(Clone)]
pub struct Compiled {
    prefilter: std::sync::Arc<Prefilter>,
    bank: std::sync::Arc<combined::QueryBank>,
}

impl<'r> Engine<'r> {
    pub fn new(rules: &'r RuleSet, known: &'r Knowledge, opts: EngineOptions) -> Self {
        let large_scan = opts.combine_queries == Some(true);
        let compiled =
            Compiled { prefilter: std::sync::Arc::new(Prefilter::new(rules, large_scan)), bank: Default::default() };
        Engine::reusing(rules, known, opts, compiled)
    }

    /// An engine that reuses what another one of the same rules compiled:
    /// a scan's second pass, with more cross-file knowledge, would
    /// otherwise build every automaton and compile every query again.
    pub fn reusing(rules: &'r RuleSet, known: &'r Knowledge, opts: EngineOptions, compiled: Compiled) -> Self {
        let extra_test = if opts.test_globs.is_empty() {
            None
        } else {
            let mut b = globset::GlobSetBuilder::new();
            for g in &opts.test_globs {
                if let Ok(glob) = globset::Glob::new(g) {
                    b.add(glob);
                }
            }
            b.build().ok()
        };
        Engine {
            rules,
            prefilter: compiled.prefilter,
            known,
            opts,
            test_path: Regex::new(
                r"(^|/)(tests?|__tests__|spec|specs|testdata|test-data|src/test)/|_test\.(go|py|c|cc|cpp|rs)$|(^|/)test_[^/]*\.py$|\.(spec|test)\.[cm]?[jt]sx?$|Tests?\.(java|cs|kt)$|(^|/)conftest\.py$",
            )
            .unwrap(),
            extra_test,
            bank: compiled.bank,
            large_files: LargeFiles::default(),
        }
    }

    fn timed(&self, what: Charge, since: Instant) {
        if let Some(p) = &self.opts.profile {
            p.charge(what, since);
        }
    }

    pub fn is_test_path(&self, rel: &str) -> bool {
        self.test_path.is_match(rel) || self.extra_test.as_ref().is_some_and(|g| g.is_match(rel))
    }

    /// Scans one source (with the profile and memory bookkeeping around it).
    pub fn scan(&self, src: &Source, worker: &mut Worker) -> FileOutcome {
        let t = Instant::now();
        let out = self.match_source(src, worker);
        if let Some(p) = &self.opts.profile {
            p.file_done(&src.rel, t);
        }
        if src.text.len() > LARGE_FILE {
            crate::memory::return_freed_memory();
        }
        out
    }

    /// Compiles now, per language, one query for just the matchers these
    /// sources need (see `QueryBank::prepared`): for scans of a few files
    /// held in memory, such as a pre-commit run.
    pub fn prepare(&mut self, sources: &[&Source]) {
        if self.opts.combine_queries == Some(false) {
            return;
        }
        // In parallel: the first files of a language build its literal
        // automaton and compile the file conditions they reach.
        let hits: Vec<Vec<MatcherRef>> =
            sources.par_iter().map(|src| self.hits(src, &CodeView::new(src), self.is_test_path(&src.rel))).collect();
        let mut needs: BTreeMap<Language, BTreeSet<MatcherRef>> = BTreeMap::new();
        for file_hits in hits {
            for m in file_hits {
                let matcher = &self.rules.rules[m.rule].matchers[m.matcher];
                if let (Pattern::Query(_), Target::Lang(lang)) = (&matcher.pattern, matcher.target) {
                    needs.entry(lang).or_default().insert(m);
                }
            }
        }
        self.bank = std::sync::Arc::new(combined::QueryBank::prepared(self.rules, &needs));
    }

    /// This engine's literal automata and compiled queries, for another
    /// engine of the same rules (`Engine::reusing`).
    pub fn compiled(&self) -> Compiled {
        Compiled { prefilter: self.prefilter.clone(), bank: self.bank.clone() }
    }

    /// The matchers that may match `src`: the literal prefilter's hits
    /// whose file conditions hold, each tested on the text it reads (the
    /// raw text, or `code`, the code view, for syntax matchers).
    /// `test_file`: whether `src` is test code by its path.
    fn hits(&self, src: &Source, code: &CodeView, test_file: bool) -> Vec<MatcherRef> {
        let t = Instant::now();
        // A rule that skips test code reports nothing in a test file, so
        // its file conditions are not even tested there.
        let skipped = test_file && !self.opts.include_tests;
        let reports = |m: &MatcherRef| !(skipped && self.rules.rules[m.rule].skip_in_tests);
        let hits = if self.opts.no_prefilter {
            let mut hits = self.prefilter.all(src.lang, &src.text, &code.source().text);
            hits.retain(reports);
            hits
        } else {
            let mut hits = self.prefilter.hits(src.lang, &src.text, || code.blanked());
            hits.retain(reports);
            // The code's `if` conditions, found once for all the matchers
            // that need them (`None`: they may be anywhere).
            let if_spans = std::cell::OnceCell::new();
            // The file conditions tested so far: (condition, text) → held.
            let mut tested: Vec<((usize, *const u8), bool)> = Vec::new();
            // Second stage: the file-level conditions implied by each hit
            // matcher's `where:` regexes (rules/necessary.rs), which a mere
            // literal cannot express (`key[:5]`, not just `key`), and where
            // the rule says, only inside an `if` condition.
            hits.retain(|m| {
                let matcher = &self.rules.rules[m.rule].matchers[m.matcher];
                let text = if matches!(matcher.pattern, Pattern::Query(_)) { &code.source().text } else { &src.text };
                let t = Instant::now();
                // Matchers of a rule repeat conditions (one per language key,
                // and `where:` entries shared through anchors), and a
                // condition that fails reads the whole text.
                let mut test = |r: &FileCondition| {
                    let key = (r.key(), text.as_ptr());
                    match tested.iter().find(|(k, _)| *k == key) {
                        Some(&(_, held)) => held,
                        None => {
                            let held = r.holds(text);
                            tested.push((key, held));
                            held
                        }
                    }
                };
                // First, as it reads the least and fails the most: in a
                // corpus scan, 845 of its 12,039 tests passed, against 2,944
                // for the whole-file conditions of the same matchers.
                let in_if = matcher.in_if_condition.is_empty() || {
                    let ifs = if_spans.get_or_init(|| code.ifs());
                    match ifs {
                        // The listed captures share one `if` condition, so one
                        // span holds them all: a file with `key` in one `if`
                        // and `override` in another needs no parse. Those of
                        // `in_if_body` lie in the same `if`'s statement.
                        Some(ifs) => ifs.conditions.iter().enumerate().any(|(k, s)| {
                            let one = std::slice::from_ref(s);
                            matcher.in_if_condition.iter().all(|c| c.holds_within(text, one))
                                && (matcher.in_if_body.is_empty() || {
                                    let statement = [ifs.statement(k)];
                                    matcher.in_if_body.iter().all(|c| c.holds_within(text, &statement))
                                })
                        }),
                        None => matcher.in_if_condition.iter().chain(&matcher.in_if_body).all(&mut test),
                    }
                };
                let holds = in_if && matcher.requires.iter().all(&mut test);
                self.timed(Charge::Cond(m.rule), t);
                holds
            });
            hits
        };
        self.timed(Charge::Prefilter, t);
        hits
    }

    /// Prefilter, parse, match and constrain one source.
    fn match_source(&self, src: &Source, worker: &mut Worker) -> FileOutcome {
        let mut out = FileOutcome::default();
        let code_view = CodeView::new(src);
        let test_file = self.is_test_path(&src.rel);
        let hits = self.hits(src, &code_view, test_file);
        if hits.is_empty() {
            return out;
        }
        let mut syntax_hits = Vec::new();
        for mref in &hits {
            let rule = &self.rules.rules[mref.rule];
            if let Some(p) = &self.opts.profile {
                p.file_hit(mref.rule);
            }
            let matcher = &rule.matchers[mref.matcher];
            match &matcher.pattern {
                Pattern::Regex(re) => self.run_regex(src, rule, matcher, re, test_file, &mut out),
                Pattern::Query(_) => syntax_hits.push(*mref),
            }
        }
        let lang = syntax_hits.iter().find_map(|m| match self.rules.rules[m.rule].matchers[m.matcher].target {
            Target::Lang(l) => Some(l),
            Target::Any => None,
        });
        if let Some(lang) = lang {
            let _one_large_file = match self.large_files.try_turn(src.text.len()) {
                Ok(turn) => turn,
                // A file too large to share the budget still waits: put
                // off, it would be scanned alone at the end, on one worker.
                Err(_) if self.opts.defer_large_files && src.text.len() <= large_files::BUDGET => {
                    return FileOutcome { deferred: true, ..FileOutcome::default() };
                }
                Err(_) => self.large_file_turn(src),
            };
            let code = code_view.source();
            // Parse once, run every query, and build the resolver's index of
            // the file only if some query matched.
            let t = Instant::now();
            let parsed = self.parse(code, lang, worker);
            let parse_time = t.elapsed();
            self.timed(Charge::Parse, t);
            match parsed {
                Some(tree) => {
                    out.parsed = true;
                    if let Some(p) = &self.opts.profile {
                        let rules: Vec<usize> = syntax_hits.iter().map(|m| m.rule).collect();
                        p.parsed(src.text.len(), &rules);
                    }
                    // Built when first needed: by a walk anchored on a qualified
                    // name's imports, or by a constraint.
                    let cx = LazyContext {
                        lang,
                        rel: &src.rel,
                        root: tree.root_node(),
                        text: &code.text,
                        known: self.known,
                        profile: self.opts.profile.as_deref(),
                        cell: std::cell::OnceCell::new(),
                        index_time: std::cell::Cell::new(Duration::ZERO),
                    };
                    // One time budget for all of the file's query walks, whichever
                    // way they run: a hostile file costs at most the timeout here.
                    let deadline = Instant::now() + self.opts.parse_timeout;
                    let matched = self.run_queries(code, &tree, lang, &syntax_hits, parse_time, deadline, &cx, worker);
                    if Instant::now() > deadline {
                        out.warnings.push(format!(
                            "query budget of {:?} exceeded; matches past that point were not checked (--parse-timeout-ms)",
                            self.opts.parse_timeout
                        ));
                    }
                    out.warnings.extend(self.capped(&matched));
                    if !matched.is_empty() {
                        for (mref, caps) in matched {
                            let rule = &self.rules.rules[mref.rule];
                            let matcher = &rule.matchers[mref.matcher];
                            let t = Instant::now();
                            let indexed = cx.cell.get().is_some();
                            let hit = self.evaluate(code, &src.text, Some(&cx), rule, matcher, &caps, test_file);
                            if let Some(p) = &self.opts.profile {
                                // The index built on the way is charged to itself, not to the rule.
                                let index = if indexed { Duration::ZERO } else { cx.index_time.get() };
                                p.charge_duration(Charge::Eval(mref.rule), t.elapsed().saturating_sub(index));
                                p.matched(mref.rule, 1);
                            }
                            if let Some(hit) = hit {
                                out.push(rule, hit);
                            }
                        }
                        if let Some(cx) = cx.cell.get() {
                            // Kept until the whole scan is over: once per symbol.
                            out.misses = cx.take_misses();
                            out.misses.sort();
                            out.misses.dedup();
                        }
                    }
                }
                None => out.warnings.push(format!(
                    "parse budget of {:?} exceeded; file skipped by syntax rules (--parse-timeout-ms)",
                    self.opts.parse_timeout
                )),
            }
        }
        dedup(&mut out.findings);
        inventory::dedup(&mut out.assets);
        out
    }

    /// What `src` defines for the wanted symbols (the caller reads only
    /// the files that mention one: `Mentions::in_file`).
    pub fn learn(
        &self,
        src: &Source,
        wanted: &std::collections::BTreeSet<Wanted>,
        worker: &mut Worker,
    ) -> Option<Knowledge> {
        let lang = src.lang?;
        if let Some(p) = &self.opts.profile {
            p.learn_parsed(src.text.len());
        }
        let learned = {
            let _one_large_file = self.large_file_turn(src);
            self.parse(src, lang, worker).map(|tree| {
                let cx = FileContext::new(lang, tree.root_node(), &src.text, self.known);
                let mut k = Knowledge::default();
                k.learn(src, &cx, wanted);
                k
            })
        };
        // As after a large file of the main pass (see `scan`).
        if src.text.len() > LARGE_FILE {
            crate::memory::return_freed_memory();
        }
        learned
    }

    /// Waits for room among the large files in flight if `src` is large.
    fn large_file_turn(&self, src: &Source) -> Option<large_files::Turn<'_>> {
        self.large_files.turn(src.text.len())
    }

    fn parse(&self, src: &Source, lang: Language, worker: &mut Worker) -> Option<Tree> {
        let parser = worker.parsers.entry(lang).or_insert_with(|| {
            let mut p = Parser::new();
            p.set_language(&lang.grammar()).expect("grammar loads");
            p
        });
        let deadline = Instant::now() + self.opts.parse_timeout;
        let mut progress = |_: &tree_sitter::ParseState| late(deadline);
        let opts = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
        let bytes = src.text.as_bytes();
        let tree =
            parser.parse_with_options(&mut |i, _| if i < bytes.len() { &bytes[i..] } else { &[] }, None, Some(opts));
        if tree.is_none() {
            parser.reset();
        }
        tree
    }

    /// The captures of every match of the hit matchers' queries (before
    /// constraints), grouped by matcher in `hits` order.
    #[allow(clippy::too_many_arguments)]
    fn run_queries<'t>(
        &self,
        src: &Source,
        tree: &'t Tree,
        lang: Language,
        hits: &[MatcherRef],
        parse_time: Duration,
        deadline: Instant,
        cx: &LazyContext<'t>,
        worker: &mut Worker,
    ) -> Vec<(MatcherRef, Vec<Cap<'t>>)> {
        let combined = self.bank.for_hits(self.rules, lang, hits, self.opts.combine_queries == Some(true));
        let ranges = self.anchor_ranges(src, hits, cx);
        let separately = |worker: &mut Worker| {
            let mut matched = Vec::new();
            for mref in hits {
                let matcher = &self.rules.rules[mref.rule].matchers[mref.matcher];
                let t = Instant::now();
                for caps in self.run_query(src, tree, matcher, worker, deadline, ranges.as_deref()) {
                    matched.push((*mref, caps));
                }
                self.timed(Charge::Query(mref.rule), t);
            }
            matched
        };
        let Some(combined) = combined else {
            return separately(worker);
        };
        let t = Instant::now();
        let mut per: Vec<Vec<Vec<Cap<'t>>>> = vec![Vec::new(); hits.len()];
        let cursor = worker.cursor.get_or_insert_with(QueryCursor::new);
        // Every matcher's in-progress matches share one cursor here.
        cursor.set_match_limit(4096 * 8);
        // A combined query also carries the patterns of matchers that did
        // not hit, and on a huge, deeply nested tree (a 7,000-term string
        // concatenation) one of them can hold thousands of pending states
        // and walk for seconds. A walk that overruns what the hit matchers'
        // own queries would cost gives way to them: at worst the file's
        // walks take twice as long as those alone. A budget by bytes made
        // dense files (minified bundles, 200–400 ms for the combined walk)
        // give way too early and walk a dozen times instead of once.
        let budget = COMBINED_BUDGET_BASE + separate_walks_cost(parse_time, hits.len());
        let combined_deadline = (Instant::now() + budget).min(deadline);
        let overran = std::cell::Cell::new(false);
        let mut progress = |_: &tree_sitter::QueryCursorState| {
            let answer = late(combined_deadline);
            overran.set(answer.is_break());
            answer
        };
        for_each_match(cursor, &combined.query, tree, src.text.as_bytes(), ranges.as_deref(), &mut progress, |m| {
            let owner = combined.owner[m.pattern_index];
            let Ok(slot) = hits.binary_search(&owner) else { return true };
            let matcher = &self.rules.rules[owner.rule].matchers[owner.matcher];
            if per[slot].len() > MAX_MATCHES {
                return true;
            }
            let remap = combined.remap(owner);
            if let Some(caps) = collect_caps(matcher, m.captures(), |i| remap[i]) {
                per[slot].push(caps);
            }
            true
        });
        if overran.get() {
            if let Some(p) = &self.opts.profile {
                p.charge_duration(Charge::Query(hits[0].rule), t.elapsed());
            }
            return separately(worker);
        }
        if let Some(p) = &self.opts.profile {
            // One walk serves every hit matcher: charge it to them in equal parts.
            let share = t.elapsed() / hits.len() as u32;
            for h in hits {
                p.charge_duration(Charge::Query(h.rule), share);
            }
        }
        hits.iter().zip(per).flat_map(|(h, caps)| caps.into_iter().map(move |c| (*h, c))).collect()
    }

    /// A warning for each matcher whose query walk stopped at
    /// [`MAX_MATCHES`]: the findings of the matches past it are missing.
    fn capped(&self, matched: &[(MatcherRef, Vec<Cap<'_>>)]) -> Vec<String> {
        let mut counts: BTreeMap<MatcherRef, usize> = BTreeMap::new();
        for (m, _) in matched {
            *counts.entry(*m).or_default() += 1;
        }
        let rules: BTreeSet<&str> = counts
            .into_iter()
            .filter(|&(_, n)| n > MAX_MATCHES)
            .map(|(m, _)| self.rules.rules[m.rule].id.as_str())
            .collect();
        rules
            .into_iter()
            .map(|id| format!("more than {MAX_MATCHES} matches of rule `{id}`'s pattern; the rest were not checked"))
            .collect()
    }

    /// The captures of every match of a matcher's query (before constraints).
    fn run_query<'t>(
        &self,
        src: &Source,
        tree: &'t Tree,
        matcher: &Matcher,
        worker: &mut Worker,
        deadline: Instant,
        ranges: Option<&[std::ops::Range<usize>]>,
    ) -> Vec<Vec<Cap<'t>>> {
        let Pattern::Query(lazy) = &matcher.pattern else { return Vec::new() };
        let Some((query, remap)) = lazy.get(&matcher.capture_names) else { return Vec::new() };
        let cursor = worker.cursor.get_or_insert_with(QueryCursor::new);
        cursor.set_match_limit(4096);
        let mut progress = |_: &tree_sitter::QueryCursorState| late(deadline);
        let mut found: Vec<Vec<Cap<'t>>> = Vec::new();
        for_each_match(cursor, query, tree, src.text.as_bytes(), ranges, &mut progress, |m| {
            if let Some(caps) = collect_caps(matcher, m.captures(), |i| Some(remap[i])) {
                found.push(caps);
            }
            found.len() <= MAX_MATCHES
        });
        found
    }

    /// Where in `src` the hit matchers can match, when each of them is
    /// anchored: it has a file condition derived from a capture's own
    /// regex, whose matches in the file every match of the matcher overlaps
    /// (`FileCondition::anchor_spans`). The query walks then visit only the
    /// nodes around those places instead of the whole tree. `None` (walk
    /// everything) when a matcher is not anchored, or when the places are
    /// so many that the walks would cost as much as one over the whole file.
    fn anchor_ranges(
        &self,
        src: &Source,
        hits: &[MatcherRef],
        cx: &LazyContext,
    ) -> Option<Vec<std::ops::Range<usize>>> {
        if self.opts.no_prefilter {
            return None;
        }
        let matcher = |h: &MatcherRef| &self.rules.rules[h.rule].matchers[h.matcher];
        // A body's conditions before the condition's: `master-key-bypass`'s
        // granting text (`return true`) lies in few places, its password's
        // words (`pw`, `pin`) in many, and anchoring on those made the walks
        // of minified bundles three times as long.
        let requires = |h: &MatcherRef| {
            let m = matcher(h);
            m.requires.iter().chain(&m.in_if_body).chain(&m.in_if_condition)
        };
        // Searching the file for one matcher's places is wasted when
        // another matcher has none: most files parsed are hit by both kinds.
        if !hits.iter().all(|h| requires(h).any(FileCondition::is_derived) || matcher(h).qualified.is_some()) {
            return None;
        }
        let limit = MAX_ANCHOR_SPANS.max(src.text.len() / ANCHOR_SPAN_BYTES);
        let mut spans = Vec::new();
        for h in hits {
            let places = requires(h).find_map(|c| c.anchor_spans(&src.text, limit)).or_else(|| {
                // Last, as it needs the resolver's index (which the
                // constraints of the matches found would build anyway).
                let q = matcher(h).qualified.as_ref()?;
                q.spans(&src.text, cx.get().imports(), limit)
            });
            spans.extend(places?);
        }
        spans.sort_unstable();
        let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
        for (start, end) in spans {
            match ranges.last_mut() {
                // Close places share one walk: each walk costs the path
                // from the root down to its range.
                Some(last) if start <= last.end + ANCHOR_MERGE_GAP => last.end = last.end.max(end),
                _ => ranges.push(start..end),
            }
        }
        (ranges.len() <= limit).then_some(ranges)
    }

    #[allow(clippy::too_many_arguments)]
    fn run_regex(
        &self,
        src: &Source,
        rule: &Rule,
        matcher: &Matcher,
        re: &LazyRegex,
        test_file: bool,
        out: &mut FileOutcome,
    ) {
        for spans in re.capture_spans(&src.text, 10_001) {
            let caps: Vec<Cap<'_>> = (0..matcher.capture_names.len())
                .map(|i| {
                    let (start, end) = spans.get(i).copied().flatten().unwrap_or((0, 0));
                    Cap { start, end, node: None }
                })
                .collect();
            if let Some(hit) = self.evaluate(src, &src.text, None, rule, matcher, &caps, test_file) {
                out.push(rule, hit);
            }
        }
    }

    /// Applies the `where:` constraints to one match and builds the finding.
    /// `src` is the text the match was found in; the snippet shows `raw`,
    /// the same lines with their comments.
    #[allow(clippy::too_many_arguments)]
    fn evaluate<'t>(
        &self,
        src: &Source,
        raw: &str,
        cx: Option<&LazyContext<'t>>,
        rule: &Rule,
        matcher: &Matcher,
        caps: &[Cap<'t>],
        test_file: bool,
    ) -> Option<(Finding, Option<Asset>)> {
        let focus = caps[matcher.focus];
        let skips_tests = rule.skip_in_tests && !self.opts.include_tests;
        if test_file && skips_tests {
            return None;
        }
        let mut resolved: HashMap<usize, Vec<Value>> = HashMap::new();
        let mut secrets: Vec<String> = Vec::new();
        let mut flow: Vec<flow::Step> = Vec::new();
        for k in &matcher.constraints {
            let cap = caps[k.capture];
            let values = if k.resolve {
                let v = resolved.entry(k.capture).or_insert_with(|| capture_values(src, cx, cap));
                Some(v.clone())
            } else {
                None
            };
            if !check(src, raw, cx, k, cap, values.as_deref(), &mut secrets, &mut flow) {
                return None;
            }
            if let Some(v) = values {
                // Later tests see only the values that passed this one.
                let kept: Vec<Value> = v.into_iter().filter(|val| value_passes(k, val)).collect();
                resolved.insert(k.capture, kept);
            }
        }
        // Test code inside a file (Rust `#[cfg(test)]`): asked only now, as
        // it needs the resolver's index, which most rejected matches never build.
        let in_test = test_file || matches!((cx, focus.node), (Some(cx), Some(n)) if cx.get().in_test_code(n));
        if in_test && skips_tests {
            return None;
        }
        // Render the message with capture values, secrets redacted.
        let mut message = String::new();
        let mut rest = rule.message.as_str();
        while let Some(open) = rest.find('{') {
            message.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) if matcher.capture_names.iter().any(|n| n == &after[..close]) => {
                    let idx = matcher.capture_names.iter().position(|n| n == &after[..close]).unwrap();
                    let cap = caps[idx];
                    let raw = match resolved.get(&idx).and_then(|v| v.first()) {
                        Some(v) if !matches!(v.kind, ValueKind::Array { .. }) => v.text.clone(),
                        _ => src.text.get(cap.start..cap.end).unwrap_or("").to_string(),
                    };
                    message.push_str(&self.shown(&one_line(&raw, 80), &secrets));
                    rest = &after[close + 1..];
                }
                _ => {
                    message.push('{');
                    rest = after;
                }
            }
        }
        message.push_str(rest);

        let span = span_of(src, focus.start, focus.end);
        let line_range = src.lines().line_range(&src.text, span.start.line);
        let snippet = self.shown(&one_line(&raw[line_range], 240), &secrets);
        let scope = cx.and_then(|c| focus.node.and_then(|n| c.get().enclosing_function_name(n)));
        let mut related = Vec::new();
        for (idx, values) in &resolved {
            let cap = caps[*idx];
            for v in values.iter().take(3) {
                match &v.origin {
                    Origin::Here(s, e) if (*s, *e) != (cap.start, cap.end) && !(cap.start <= *s && *e <= cap.end) => {
                        related.push(Related {
                            span: span_of(src, *s, *e),
                            message: format!(
                                "value `{}` comes from here",
                                self.shown(&one_line(&v.text, 60), &secrets)
                            ),
                        });
                    }
                    Origin::Elsewhere { path, line } if !path.is_empty() => related.push(Related {
                        span: Span {
                            path: path.clone(),
                            start: Pos { line: *line, col: 1 },
                            end: Pos { line: *line, col: 1 },
                            bytes: (0, 0),
                        },
                        message: format!("value `{}` is defined here", self.shown(&one_line(&v.text, 60), &secrets)),
                    }),
                    _ => {}
                }
            }
        }
        related.sort();
        related.dedup();
        let matched = src.text.get(focus.start..focus.end).unwrap_or("");
        let fp_text = if secrets.is_empty() { matched.to_string() } else { redact_all(matched, &secrets) };
        let fp = fingerprint(&rule.id, &src.rel, &fp_text, scope.as_deref(), 0);
        let asset = (!rule.inventory.is_empty()).then(|| {
            // Inventory facts: placeholders take the capture's (first) resolved value.
            let value = |name: &str| -> Option<String> {
                let idx = matcher.capture_names.iter().position(|n| n == name)?;
                let cap = caps[idx];
                if cap.node.is_none() && cap.start == 0 && cap.end == 0 {
                    return None;
                }
                let values = resolved.get(&idx).cloned().unwrap_or_else(|| capture_values(src, cx, cap));
                let raw = match values.iter().find(|v| !matches!(v.kind, ValueKind::Array { .. })) {
                    Some(v) => v.text.clone(),
                    None => src.text.get(cap.start..cap.end).unwrap_or("").to_string(),
                };
                Some(self.shown(&one_line(&raw, 80), &secrets))
            };
            let facts: std::collections::BTreeMap<String, String> = rule
                .inventory
                .iter()
                .filter_map(|(k, t)| inventory::fill_template(t, &value).map(|v| (k.clone(), v)))
                .collect();
            Asset {
                span: span.clone(),
                rule_id: rule.id.clone(),
                in_test,
                snippet: snippet.clone(),
                algo: inventory::Algo::from_facts(&facts),
                facts,
            }
        });
        let finding = Finding {
            rule: self.rules.rules.iter().position(|r| r.id == rule.id).unwrap_or(0),
            rule_id: rule.id.clone(),
            severity: rule.severity,
            span,
            message,
            snippet,
            scope,
            related,
            flow: flow
                .iter()
                .map(|s| Related { span: span_of(src, s.start, s.end), message: self.shown(&s.label, &secrets) })
                .collect(),
            fingerprint: fp,
            in_test,
            suppression: None,
        };
        Some((finding, asset))
    }

    /// Redacts secrets in `s` unless `--show-secrets`.
    fn shown(&self, s: &str, secrets: &[String]) -> String {
        if self.opts.show_secrets || secrets.is_empty() {
            s.to_string()
        } else {
            redact_all(s, secrets)
        }
    }
}

impl FileOutcome {
    /// Keeps a rule's match: its finding unless the rule is `report: false`,
    /// and its asset.
    fn push(&mut self, rule: &Rule, (finding, asset): (Finding, Option<Asset>)) {
        if rule.report {
            self.findings.push(finding);
        }
        self.assets.extend(asset);
    }
}

/// Calls `each` on every match of `query` in `tree`, or only on those
/// whose nodes reach into `ranges` (sorted and disjoint), each match once,
/// until `each` returns false or `late` says the time is up.
fn for_each_match<'t, L: FnMut(&tree_sitter::QueryCursorState) -> ControlFlow<()>>(
    cursor: &mut QueryCursor,
    query: &tree_sitter::Query,
    tree: &'t Tree,
    text: &[u8],
    ranges: Option<&[std::ops::Range<usize>]>,
    late: &mut L,
    mut each: impl FnMut(&tree_sitter::QueryMatch<'_, 't>) -> bool,
) {
    let whole = std::slice::from_ref(&WHOLE_FILE);
    let ranges = ranges.unwrap_or(whole);
    // A match whose nodes reach into two ranges is found by both walks.
    let mut seen: HashSet<(usize, Vec<(u32, usize)>)> = HashSet::new();
    'walks: for range in ranges {
        cursor.set_byte_range(range.clone());
        let qopts = tree_sitter::QueryCursorOptions::new().progress_callback(late);
        let mut matches = cursor.matches_with_options(query, tree.root_node(), text, qopts);
        while let Some(m) = matches.next() {
            if ranges.len() > 1 {
                let key = (m.pattern_index, m.captures().iter().map(|c| (c.index, c.node.id())).collect());
                if !seen.insert(key) {
                    continue;
                }
            }
            if !each(m) {
                break 'walks;
            }
        }
    }
    cursor.set_byte_range(WHOLE_FILE);
}

/// A progress callback's answer: stop once `deadline` has passed.
fn late(deadline: Instant) -> ControlFlow<()> {
    if Instant::now() > deadline {
        ControlFlow::Break(())
    } else {
        ControlFlow::Continue(())
    }
}

/// The byte range of a query cursor that has none.
const WHOLE_FILE: std::ops::Range<usize> = 0..usize::MAX;

/// A match's captures in the matcher's slots (the first node per name);
/// `None` when the focus capture is missing.
fn collect_caps<'t>(
    matcher: &Matcher,
    captures: &[tree_sitter::QueryCapture<'t>],
    slot_of: impl Fn(usize) -> Option<usize>,
) -> Option<Vec<Cap<'t>>> {
    let mut caps = vec![None; matcher.capture_names.len()];
    for c in captures {
        let Some(slot) = slot_of(c.index as usize).and_then(|s| caps.get_mut(s)) else { continue };
        if slot.is_none() {
            *slot = Some(Cap { start: c.node.start_byte(), end: c.node.end_byte(), node: Some(c.node) });
        }
    }
    caps[matcher.focus]?;
    Some(caps.into_iter().map(|c| c.unwrap_or(Cap { start: 0, end: 0, node: None })).collect())
}

fn redact_all(s: &str, secrets: &[String]) -> String {
    let mut out = s.to_string();
    let mut sorted: Vec<&String> = secrets.iter().filter(|x| x.len() >= 4).collect();
    sorted.sort_by_key(|x| std::cmp::Reverse(x.len()));
    for sec in sorted {
        if out.contains(sec.as_str()) {
            out = out.replace(sec.as_str(), &redact(sec));
        }
        // A long secret cut off by the one-line truncation still leaves its head visible.
        let head: String = sec.chars().take(12).collect();
        if head.len() >= 12 && out.contains(&head) {
            out = out.replace(&head, &redact(sec));
        }
    }
    out
}

fn one_line(s: &str, max: usize) -> String {
    let first = s.lines().next().unwrap_or("");
    let t: String = first.chars().take(max).collect();
    if t.len() < first.len() || s.lines().nth(1).is_some() {
        format!("{t}…")
    } else {
        t
    }
}

fn span_of(src: &Source, start: usize, end: usize) -> Span {
    let (sl, sc) = src.lines().position(&src.text, start);
    let (el, ec) = src.lines().position(&src.text, end);
    Span {
        path: src.rel.clone(),
        start: Pos { line: sl, col: sc },
        end: Pos { line: el, col: ec },
        bytes: (start, end),
    }
}

fn capture_values<'t>(src: &Source, cx: Option<&LazyContext<'t>>, cap: Cap<'t>) -> Vec<Value> {
    match (cx, cap.node) {
        (Some(cx), Some(node)) => cx.get().eval(node),
        // A regex capture is its own literal value.
        _ => vec![Value {
            kind: ValueKind::Str,
            text: src.text.get(cap.start..cap.end).unwrap_or("").to_string(),
            num: None,
            origin: Origin::Here(cap.start, cap.end),
        }],
    }
}

/// Whether one resolved value satisfies a constraint's value tests.
fn value_passes(k: &Constraint, v: &Value) -> bool {
    if let Some(re) = &k.regex {
        if !re.is_match(&v.text) {
            return false;
        }
    }
    if let Some(re) = &k.not_regex {
        if re.is_match(&v.text) {
            return false;
        }
    }
    if let Some((op, n)) = k.compare {
        match v.num {
            Some(x) if op.holds(x, n) => {}
            _ => return false,
        }
    }
    if k.secret {
        let is_array = matches!(v.kind, ValueKind::Array { .. });
        if !is_array && (v.kind != ValueKind::Str || is_placeholder(&v.text)) {
            return false;
        }
    }
    if let Some(min) = k.entropy {
        if entropy(&v.text) < min {
            return false;
        }
    }
    true
}

/// `raw` is `src`'s text with its comments: a `context` test reads the
/// lines around a match as written, since a comment there may say what
/// the code is for (`# sampling for a report`).
#[allow(clippy::too_many_arguments)]
fn check<'t>(
    src: &Source,
    raw: &str,
    cx: Option<&LazyContext<'t>>,
    k: &Constraint,
    cap: Cap<'t>,
    values: Option<&[Value]>,
    secrets: &mut Vec<String>,
    flow: &mut Vec<flow::Step>,
) -> bool {
    if cap.end == 0 && cap.start == 0 && cap.node.is_none() {
        // A capture that did not take part in the match: `optional` entries
        // are skipped; otherwise only a purely negative test can hold.
        return k.optional
            || k.not_regex.is_some()
                && k.regex.is_none()
                && k.compare.is_none()
                && !k.literal
                && !k.secret
                && k.flows_from.is_none();
    }
    let text = src.text.get(cap.start..cap.end).unwrap_or("");
    match values {
        Some(values) => {
            let passing: Vec<&Value> = values.iter().filter(|v| value_passes(k, v)).collect();
            if passing.is_empty() {
                return false;
            }
            // `not_regex` on resolved values: no reaching value may match.
            if let Some(re) = &k.not_regex {
                if values.iter().any(|v| re.is_match(&v.text)) {
                    return false;
                }
            }
            if k.secret {
                for v in passing {
                    secrets.push(v.text.clone());
                    if let Origin::Here(s, e) = v.origin {
                        if let Some(raw) = src.text.get(s..e) {
                            secrets.push(raw.to_string());
                        }
                    }
                }
                secrets.push(text.to_string());
            }
        }
        None => {
            if let Some(re) = &k.regex {
                if !re.is_match(text) {
                    return false;
                }
            }
            if let Some(re) = &k.not_regex {
                if re.is_match(text) {
                    return false;
                }
            }
            if let Some(min) = k.entropy {
                if entropy(text) < min {
                    return false;
                }
            }
        }
    }
    let node = cap.node;
    if let Some(re) = &k.qualified {
        let q = match (cx, node) {
            (Some(cx), Some(n)) => cx.get().qualified(n),
            _ => text.to_string(),
        };
        if !re.is_match(&q) {
            return false;
        }
    }
    if k.inside.is_some() || k.not_inside.is_some() {
        let callees: Vec<String> = match (cx, node) {
            (Some(cx), Some(n)) => {
                let cx = cx.get();
                cx.enclosing_callees(n).into_iter().map(|c| cx.callee_text(c)).collect()
            }
            _ => Vec::new(),
        };
        if let Some(re) = &k.inside {
            if !callees.iter().any(|c| re.is_match(c)) {
                return false;
            }
        }
        if let Some(re) = &k.not_inside {
            if callees.iter().any(|c| re.is_match(c)) {
                return false;
            }
        }
    }
    if let Some(source) = &k.flows_from {
        let chain = match (cx, node) {
            (Some(cx), Some(n)) => match source.get() {
                Some(source) => cx.get().provenance(n, source, k.not_flows_through.as_ref().and_then(|c| c.get())),
                None => None,
            },
            _ => None,
        };
        match chain {
            Some(steps) => *flow = steps,
            None => return false,
        }
    }
    if k.context.is_some() || k.not_context.is_some() {
        let (sl, _) = src.lines().position(&src.text, cap.start);
        let (el, _) = src.lines().position(&src.text, cap.end);
        let mut ctx = String::new();
        for l in sl..=el.min(sl + 5) {
            ctx.push_str(&raw[src.lines().line_range(&src.text, l)]);
            ctx.push('\n');
        }
        if let (Some(cx), Some(n)) = (cx, node) {
            if let Some(f) = cx.get().enclosing_function_name(n) {
                ctx.push_str(&f);
            }
        }
        if let Some(re) = &k.context {
            if !re.is_match(&ctx) {
                return false;
            }
        }
        if let Some(re) = &k.not_context {
            if re.is_match(&ctx) {
                return false;
            }
        }
    }
    true
}

/// One finding per rule and place; identical fingerprints in one scope get
/// distinct occurrence numbers.
fn dedup(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut seen = HashSet::new();
    findings.retain(|f| seen.insert((f.rule_id.clone(), f.span.bytes)));
    let mut counts: HashMap<String, usize> = HashMap::new();
    for f in findings.iter_mut() {
        let n = counts.entry(f.fingerprint.clone()).or_default();
        if *n > 0 {
            f.fingerprint = fingerprint(&f.rule_id, &f.span.path, &f.fingerprint, f.scope.as_deref(), *n);
        }
        *n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_file_without_room_is_put_off_only_when_allowed() {
        let rules = RuleSet::compile(RuleSet::embedded_sources()).expect("embedded rules");
        let known = Knowledge::default();
        // A Python file over `LARGE_FILE` with one weak hash in it.
        let mut text = "import hashlib\nd = hashlib.md5(data).hexdigest()\n".to_string();
        text.push_str(&"x = 1\n".repeat(LARGE_FILE / 6 + 1));
        let path = std::path::Path::new("big.py");
        let src = crate::source::from_bytes(path, "big.py".into(), text.into_bytes(), 8 << 20).0.expect("read");
        let weak_hash = |out: &FileOutcome| out.findings.iter().filter(|f| f.rule_id == "weak-hash").count();

        let opts = EngineOptions { defer_large_files: true, ..EngineOptions::default() };
        let engine = Engine::new(&rules, &known, opts);
        let mut worker = Worker::default();
        let mut held = engine.large_files.try_turn(large_files::BUDGET + 1).unwrap();
        let (out, waited) = std::thread::scope(|s| {
            let scanned = s.spawn(|| engine.scan(&src, &mut Worker::default()));
            let since = Instant::now();
            while !scanned.is_finished() && since.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(5));
            }
            let waited = !scanned.is_finished();
            if waited {
                // Let it finish, so that the test fails rather than hangs.
                held = None;
            }
            (scanned.join().unwrap(), waited)
        });
        assert!(!waited, "waited for room instead of putting the file off");
        assert!(out.deferred && out.findings.is_empty() && !out.parsed);
        drop(held);
        let out = engine.scan(&src, &mut worker);
        assert!(!out.deferred);
        assert_eq!(weak_hash(&out), 1);

        // Not allowed to put it off: it waits for its turn.
        let engine = Engine::new(&rules, &known, EngineOptions::default());
        let held = engine.large_files.try_turn(large_files::BUDGET + 1).unwrap();
        std::thread::scope(|s| {
            let scanned = s.spawn(|| engine.scan(&src, &mut Worker::default()));
            std::thread::sleep(Duration::from_millis(50));
            assert!(!scanned.is_finished(), "scanned beside a file that needs to be alone");
            drop(held);
            let out = scanned.join().unwrap();
            assert!(!out.deferred);
            assert_eq!(weak_hash(&out), 1);
        });
    }
}
