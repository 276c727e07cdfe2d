//! The comment blanker against the parsers: every range it blanks must be
//! a comment in the tree-sitter tree of the same file. Runs over the
//! fixtures and the sources; `CIPHERLINT_VIEW_CORPUS=<dir>`
//! points it at a larger tree (the benchmark corpus) as well.

use std::path::{Path, PathBuf};

use cipherlint::code_view;
use cipherlint::lang::Language;
use cipherlint::walk::{self, WalkOptions};

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

#[test]
fn every_blanked_range_is_a_comment_of_the_parse_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut roots: Vec<PathBuf> = vec![root.join("fixtures"), root.join("src")];
    roots.extend(std::env::var_os("CIPHERLINT_VIEW_CORPUS").map(PathBuf::from));
    let opts = WalkOptions { no_ignore: true, excludes: Vec::new(), follow_symlinks: false };
    let mut checked = 0;
    let mut wrong = Vec::new();
    for target in roots.iter().flat_map(|r| walk::walk(std::slice::from_ref(r), &opts).unwrap().1) {
        let p = &target.path;
        let Ok(text) = std::fs::read_to_string(p) else { continue };
        let Some(lang) = Language::detect(p, text.as_bytes()) else { continue };
        checked += 1;
        for r in stray_blanks(lang, &text) {
            let end = r.end.min(r.start + 60);
            wrong.push(format!("{}:{}: {:?}", p.display(), r.start, &text[r.start..end]));
        }
    }
    assert!(checked > 50, "only {checked} source files found");
    assert!(wrong.is_empty(), "{} blanked ranges are not comments:\n{}", wrong.len(), wrong.join("\n"));
}
