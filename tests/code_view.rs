//! The lexer's readings against the parsers': every range the comment
//! blanker blanks must be a comment in the tree-sitter tree of the same
//! file, and every `if` condition of the tree must lie in a span that
//! `if_conditions` gives, its consequence in that span's statement span.
//! Runs over the fixtures and the sources;
//! `CIPHERLINT_VIEW_CORPUS=<dir>` points it at a larger tree (the
//! benchmark corpus) as well.

use std::path::{Path, PathBuf};

use cipherlint::lang::Language;
use cipherlint::walk::{self, WalkOptions};
use cipherlint::{code_view, if_conditions};

/// The blanked ranges of `text` that no comment node of its tree covers.
fn stray_blanks(lang: Language, text: &str) -> Vec<std::ops::Range<usize>> {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&lang.grammar()).unwrap();
    let Some(tree) = parser.parse(text, None) else { return Vec::new() };
    let kinds = lang.syntax().comments;
    let mut comments = Vec::new();
    let mut cursor = tree.walk();
    let mut stack = vec![tree.root_node()];
    while let Some(n) = stack.pop() {
        // A C macro's text keeps its comments in the tree, but the
        // preprocessor drops them before it reads the directive; and a part
        // the parser could not read (an ERROR node) has no say.
        if kinds.contains(&n.kind()) || n.kind() == "preproc_arg" || n.is_error() {
            comments.push(n.byte_range());
            continue;
        }
        stack.extend(n.children(&mut cursor));
    }
    code_view::comments(lang, text.as_bytes())
        .into_iter()
        .filter(|r| !comments.iter().any(|c| c.start <= r.start && r.end <= c.end))
        .collect()
}

/// Every source file of the roots, with its language and text.
fn sources() -> Vec<(PathBuf, Language, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut roots: Vec<PathBuf> = vec![root.join("fixtures"), root.join("src")];
    roots.extend(std::env::var_os("CIPHERLINT_VIEW_CORPUS").map(PathBuf::from));
    let opts = WalkOptions { no_ignore: true, excludes: Vec::new(), follow_symlinks: false, threads: 0 };
    let files: Vec<_> = roots
        .iter()
        .flat_map(|r| walk::walk(std::slice::from_ref(r), &opts).unwrap().1)
        .filter_map(|target| {
            let text = std::fs::read_to_string(&target.path).ok()?;
            let lang = Language::detect(&target.path, text.as_bytes())?;
            Some((target.path, lang, text))
        })
        .collect();
    assert!(files.len() > 50, "only {} source files found", files.len());
    files
}

#[test]
fn every_blanked_range_is_a_comment_of_the_parse_tree() {
    let mut wrong = Vec::new();
    for (p, lang, text) in sources() {
        for r in stray_blanks(lang, &text) {
            let end = r.end.min(r.start + 60);
            wrong.push(format!("{}:{}: {:?}", p.display(), r.start, &text[r.start..end]));
        }
    }
    assert!(wrong.is_empty(), "{} blanked ranges are not comments:\n{}", wrong.len(), wrong.join("\n"));
}

/// The conditions of `text`'s `if`s (as the engine parses it: its code
/// view, foreign blocks blanked too) that lie in no span of `if_conditions`, and the consequences that
/// lie outside the statement span of the span that holds their condition.
fn ifs_outside_spans(lang: Language, text: &str) -> Vec<std::ops::Range<usize>> {
    // As the engine reads it: the code view, with the literals the lexer
    // found in the raw text.
    let reading = code_view::read(lang, text.as_bytes());
    let code = code_view::blank(text, &reading.blanked).unwrap_or_else(|| text.to_string());
    let Some(ifs) = if_conditions::find_in(lang, &code, &reading.strings, reading.complete) else {
        return Vec::new();
    };
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&lang.grammar()).unwrap();
    let Some(tree) = parser.parse(&code, None) else { return Vec::new() };
    let mut outside = Vec::new();
    let mut cursor = tree.walk();
    let mut stack = vec![tree.root_node()];
    let within = |outer: &std::ops::Range<usize>, inner: &std::ops::Range<usize>| {
        outer.start <= inner.start && inner.end <= outer.end
    };
    while let Some(n) = stack.pop() {
        if matches!(n.kind(), "if_statement" | "if_expression") {
            if let Some(c) = n.child_by_field_name("condition") {
                let r = c.byte_range();
                match ifs.conditions.iter().position(|s| within(s, &r)) {
                    None => outside.push(r),
                    Some(k) => {
                        let body = n.child_by_field_name("consequence").map(|b| b.byte_range());
                        outside.extend(body.filter(|b| !within(&ifs.statement(k), b)));
                    }
                }
            }
        }
        stack.extend(n.children(&mut cursor));
    }
    outside
}

#[test]
fn every_if_condition_and_consequence_lies_in_its_spans() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (p, lang, text) in sources() {
        checked += usize::from(if_conditions::spans(lang, &text).is_some());
        for r in ifs_outside_spans(lang, &text) {
            let end = r.end.min(r.start + 80);
            wrong.push(format!("{}:{}: {:?}", p.display(), r.start, &text[r.start..end]));
        }
    }
    assert!(checked > 50, "only {checked} files had spans");
    assert!(
        wrong.is_empty(),
        "{} if conditions or consequences lie outside their spans:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
