//! Where the conditions of `if` statements lie, found without a parser.
//!
//! A rule that only matches inside an `if` condition (a supplied password
//! compared with a literal) need not parse a file whose anchor words all lie
//! elsewhere: most of the files such a rule's words reach (`key` in a
//! locale table, `Override` in a constant's name) have them in declarations
//! and bodies, not in a condition. The spans here are a cheap superset of
//! every condition: each starts at an `if` keyword and runs at least to the
//! end of that `if`'s condition, so a text that occurs in no span occurs in
//! no condition.
//!
//! The scan reads the code view (comments blanked) and skips string
//! literals by the `code_view` lexer, so a bracket or an `if` in either is
//! no code. Where it is unsure where a condition ends it lets the span run
//! on (to the next place it is sure of, or to the end of the text): a
//! mistake can only make a span longer. When the lexer could not read the
//! whole file, or for JavaScript and TypeScript (whose comments after code
//! are not blanked, so a bracket in one would be counted), there are no
//! spans: the caller must assume a condition may be anywhere.
//!
//! How each language's condition ends:
//! - Java, C, C++, C#: at the `)` that closes the `(` after `if` (or after
//!   C++'s `constexpr`).
//! - Go and Rust: at the `{` that opens the block, the first at the `if`'s
//!   own bracket depth, unless something before it may open a block of its
//!   own there (a Go function or composite literal, a Rust `match`,
//!   closure or block expression): then that block is passed over and the
//!   span goes on to the next.
//! - Python: at the first `:` at the `if`'s own bracket depth that is not
//!   a walrus (`:=`), past one `:` per `lambda` before it.
//!
//! A rule may also ask for text in the branch an `if` runs when its
//! condition holds (a master password's `return true`). Each span then has
//! a statement span as well: from the span's start to at least the end of
//! the consequence of every `if` whose condition it holds. Its end:
//! - Java: the `}` that closes a `{` right after the condition; a
//!   consequence without braces (`if (x) return;`, `if (x) for (..) {..}`)
//!   runs at most to the end of the enclosing block, so the span runs
//!   there (or to the end of the text).
//! - Go and Rust: the `}` that closes the block the condition ends at.
//! - C, C++ and C#: the end of the text. The preprocessor can leave a
//!   block's braces unbalanced in each branch of an `#if`, and the C
//!   grammar reads macro calls and C++ in headers with error recovery:
//!   over the benchmark corpus, 7 consequences in C trees ran past the `}`
//!   that bracket counting pairs with their `{`.
//! - Python: the end of the text. Where an indented block ends takes a
//!   line-by-line reading of its own, and the one rule that asks for a
//!   consequence parsed 0.01 s of the corpus's Python for nothing.
//!
//! A condition span that merges a nested or unclosed `if` holds that
//! `if`'s consequence too, since the nested statement lies inside the
//! outer condition and an unclosed one's span runs to the end. All ends
//! are found in one pass over the brackets, so nesting stays linear.
//!
//! `tests/code_view.rs` checks, over real trees, that every `if`
//! condition tree-sitter finds lies inside a span, and its consequence
//! inside that span's statement span.

use std::cell::OnceCell;
use std::ops::Range;

use crate::code_view;
use crate::lang::Language;

/// The `if`s of a file's code view, found without a parser.
pub struct Ifs<'a> {
    /// Disjoint spans, in order, that hold every `if` condition (see
    /// [`spans`]).
    pub conditions: Vec<Range<usize>>,
    text: Text<'a>,
    style: Style,
    /// Whether consequences end where the brackets say (see above).
    bracketed: bool,
    /// The `if`s each span begins with or merged: (span index, where the
    /// `if`'s condition ends).
    heads: Vec<(usize, usize)>,
    /// Per span, where its statement span ends; built on first use.
    statement_ends: OnceCell<Vec<usize>>,
}

impl Ifs<'_> {
    /// The statement span of condition span `k`: it begins where the
    /// condition span does and runs at least to the end of the
    /// consequence of every `if` whose condition lies in it.
    pub fn statement(&self, k: usize) -> Range<usize> {
        let ends = self.statement_ends.get_or_init(|| self.find_statement_ends());
        self.conditions[k].start..ends[k]
    }

    fn find_statement_ends(&self) -> Vec<usize> {
        let len = self.text.b.len();
        if !self.bracketed {
            return vec![len; self.conditions.len()];
        }
        let mut ends: Vec<usize> = self.conditions.iter().map(|c| c.end).collect();
        // What each `if` asks of the bracket pass, in text order: the end
        // of the block a `{` at `at` opens, or of the innermost bracket
        // open at `at`.
        let asks: Vec<(usize, Ask, usize)> = self
            .heads
            .iter()
            .map(|&(k, end)| match self.style {
                Style::Parens => match self.text.skip_space(end) {
                    at if self.text.code(at) == b'{' => (at, Ask::Block, k),
                    _ => (end, Ask::Enclosing, k),
                },
                _ if self.text.code(end) == b'{' => (end, Ask::Block, k),
                _ => (len, Ask::Enclosing, k),
            })
            .collect();
        for (k, end) in self.text.bracket_ends(&asks) {
            ends[k] = ends[k].max(end);
        }
        ends
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ask {
    Block,
    Enclosing,
}

/// Disjoint spans of `code` (a file's code view), in order, that hold every
/// `if` condition, or `None` when they cannot be told without a parser.
/// Overlapping spans (an `if` in another's condition, or one whose end
/// the scan could not find) are merged, so searching them all reads each
/// byte at most once.
pub fn spans(lang: Language, code: &str) -> Option<Vec<Range<usize>>> {
    find(lang, code).map(|ifs| ifs.conditions)
}

/// The `if`s of `code` (a file's code view), or `None` when they cannot be
/// told without a parser.
pub fn find(lang: Language, code: &str) -> Option<Ifs<'_>> {
    let layout = code_view::lex(lang, code.as_bytes());
    find_in(lang, code, &layout.strings, layout.complete)
}

/// [`find`], given how the lexer read the text (`code_view::read`): its
/// literals and whether it read it all. A code view need not be lexed
/// again.
pub fn find_in<'a>(lang: Language, code: &'a str, strings: &[Range<usize>], complete: bool) -> Option<Ifs<'a>> {
    let style = match lang {
        Language::Java | Language::CSharp => Style::Parens,
        Language::C | Language::Cpp => Style::Parens,
        Language::Go => Style::Go,
        Language::Rust => Style::Rust,
        Language::Python => Style::Python,
        Language::JavaScript | Language::TypeScript | Language::Tsx => return None,
    };
    if !complete {
        return None;
    }
    let text = Text::new(code.as_bytes(), strings);
    let c_like = matches!(lang, Language::C | Language::Cpp | Language::CSharp);
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut heads = Vec::new();
    let mut i = 0;
    while let Some(at) = text.next_keyword(i, b"if") {
        i = at + 2;
        // An `if` inside a span (in another's condition, or past where an
        // unclosed one ran to) has its condition inside it too: its own
        // brackets close within the balanced ones around it. Skipping it
        // keeps nested conditions (`if (if (if (..`) linear.
        if (c_like && text.is_directive(at)) || out.last().is_some_and(|last| at < last.end) {
            continue;
        }
        let end = match style {
            Style::Parens => text.paren_condition_end(at + 2),
            Style::Go | Style::Rust => text.block_condition_end(at + 2, style),
            Style::Python => text.colon_condition_end(at + 2),
        };
        match out.last_mut() {
            Some(last) if at <= last.end => last.end = last.end.max(end),
            _ => out.push(at..end),
        }
        heads.push((out.len() - 1, end));
    }
    let bracketed = matches!(lang, Language::Java | Language::Go | Language::Rust);
    Some(Ifs { conditions: out, text, style, bracketed, heads, statement_ends: OnceCell::new() })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Parens,
    Go,
    Rust,
    Python,
}

/// A code view with its string literals marked: `code[i]` for a byte in
/// one reads as a space.
struct Text<'a> {
    b: &'a [u8],
    in_string: Vec<bool>,
}

/// A byte of a name, a Unicode one's included.
fn is_name_byte(b: u8) -> bool {
    code_view::is_word(b) || b >= 0x80
}

impl<'a> Text<'a> {
    fn new(b: &'a [u8], strings: &[Range<usize>]) -> Self {
        let mut in_string = vec![false; b.len()];
        for r in strings {
            in_string[r.clone()].iter_mut().for_each(|x| *x = true);
        }
        Text { b, in_string }
    }

    /// The byte at `i` as code: a space inside a literal or past the end.
    fn code(&self, i: usize) -> u8 {
        match self.b.get(i) {
            Some(&c) if !self.in_string[i] => c,
            _ => b' ',
        }
    }

    /// Whether the word `w` starts at `i`, with no ASCII name byte either
    /// side. A non-ASCII byte counts as a boundary: C# takes a no-break
    /// space for a space, and a keyword found inside a Unicode name only
    /// adds a span.
    fn word_at(&self, i: usize, w: &[u8]) -> bool {
        self.b[i..].starts_with(w)
            && !self.in_string[i]
            && (i == 0 || !code_view::is_word(self.b[i - 1]))
            && self.b.get(i + w.len()).is_none_or(|&c| !code_view::is_word(c))
    }

    /// The next occurrence of keyword `kw` outside literals, from `from`.
    fn next_keyword(&self, from: usize, kw: &[u8]) -> Option<usize> {
        memchr::memmem::find_iter(self.b.get(from..)?, kw).map(|p| from + p).find(|&at| self.word_at(at, kw))
    }

    /// Whether the `if` at `at` is a preprocessor directive's (`#if`,
    /// `# if`): a `#` before it, with only spaces or tabs around it back to
    /// the start of the line. Reads back over those alone, so that a long
    /// line of `if`s is not read again for each.
    fn is_directive(&self, at: usize) -> bool {
        let blank = |c: &u8| *c == b' ' || *c == b'\t';
        let before = self.b[..at].iter().rev().skip_while(|c| blank(c));
        let mut rest = before.clone().skip(1).skip_while(|c| blank(c));
        before.clone().next() == Some(&b'#') && matches!(rest.next(), None | Some(b'\n' | b'\r'))
    }

    fn skip_space(&self, mut i: usize) -> usize {
        while i < self.b.len() && self.code(i).is_ascii_whitespace() {
            i += 1;
        }
        i
    }

    /// After `if (` … `)`: the end of the `)` that closes the first `(`.
    fn paren_condition_end(&self, from: usize) -> usize {
        let mut i = self.skip_space(from);
        for word in [&b"constexpr"[..], b"consteval", b"!consteval"] {
            if self.b[i..].starts_with(word) && self.b.get(i + word.len()).is_none_or(|&c| !is_name_byte(c)) {
                i = self.skip_space(i + word.len());
            }
        }
        if self.code(i) != b'(' {
            // No condition in parentheses (`if consteval {`), or text the
            // scan cannot read: let the span run to the end.
            return if self.code(i) == b'{' { i } else { self.b.len() };
        }
        self.close_of(i).unwrap_or(self.b.len())
    }

    /// The end of the bracket that closes the one opening at `open` (any
    /// kind: a mismatched closer also closes it, which in valid code never
    /// happens and in broken code the parser reads some other way too).
    fn close_of(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for i in open..self.b.len() {
            match self.code(i) {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Go and Rust: the `{` that opens the `if`'s block.
    fn block_condition_end(&self, from: usize, style: Style) -> usize {
        // Once something that may open a block of its own has been seen,
        // every `{` is passed over: the span can only grow.
        let mut opener = false;
        // Inside a Rust `let` pattern (`if let Point { x, .. } = p {`), up
        // to its `=`.
        let mut pattern = false;
        let mut i = from;
        while i < self.b.len() {
            let c = self.code(i);
            match c {
                b'(' | b'[' => match self.close_of(i) {
                    Some(end) => {
                        i = end;
                        continue;
                    }
                    None => return self.b.len(),
                },
                b')' | b']' | b'}' => return i,
                b'=' if pattern && !matches!(self.code(i + 1), b'=' | b'>') && !b"=!<>".contains(&self.code(i - 1)) => {
                    pattern = false;
                }
                b'{' => {
                    if !opener && !pattern && self.ends_operand(i, style) {
                        return i;
                    }
                    match self.close_of(i) {
                        Some(end) => {
                            i = end;
                            continue;
                        }
                        None => return self.b.len(),
                    }
                }
                _ if is_name_byte(c) && (i == 0 || !is_name_byte(self.code(i - 1))) => {
                    let openers: &[&[u8]] = match style {
                        Style::Go => &[b"func", b"struct", b"interface"],
                        _ => &[b"match", b"unsafe", b"loop", b"async", b"move", b"const", b"while", b"for", b"if"],
                    };
                    if openers.iter().any(|w| self.word_at(i, w)) {
                        opener = true;
                    }
                    if style == Style::Rust && self.word_at(i, b"let") {
                        pattern = true;
                    }
                    while i < self.b.len() && is_name_byte(self.code(i)) {
                        i += 1;
                    }
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        self.b.len()
    }

    /// The last byte of code before `at` that is not a space, if any.
    fn code_before(&self, at: usize) -> Option<usize> {
        (0..at).rev().find(|&p| self.in_string[p] || !self.b[p].is_ascii_whitespace())
    }

    /// Whether the `{` at `at` follows the end of an operand (a name, a
    /// literal, a closing bracket, `?`), as the block after a condition
    /// does; after an operator or a keyword it opens an expression block,
    /// and in Go after a type (`[]byte{`, `map[K]V{`) a composite literal.
    fn ends_operand(&self, at: usize, style: Style) -> bool {
        let Some(p) = self.code_before(at) else { return false };
        if self.in_string[p] || matches!(self.b[p], b')' | b']' | b'?') {
            return true;
        }
        if !is_name_byte(self.b[p]) {
            return false;
        }
        let start = (0..=p).rev().take_while(|&q| is_name_byte(self.code(q))).last().unwrap_or(p);
        let keywords: &[&[u8]] = match style {
            Style::Go => &[b"if", b"else", b"func", b"struct", b"interface", b"return", b"range", b"go", b"defer"],
            _ => &[
                b"if", b"else", b"match", b"unsafe", b"loop", b"async", b"move", b"const", b"return", b"in", b"as",
                b"let", b"mut", b"ref", b"break", b"static", b"dyn", b"impl", b"where",
            ],
        };
        if keywords.contains(&&self.b[start..=p]) {
            return false;
        }
        if style == Style::Go {
            // A type name right after `]` (qualified or a pointer's):
            // `[]pkg.T{`, `map[string]*T{`.
            let mut q = start;
            loop {
                match self.code_before(q) {
                    Some(d) if matches!(self.b[d], b'.' | b'*') && !self.in_string[d] => {
                        let Some(e) = self.code_before(d) else { return true };
                        if self.b[d] == b'*' {
                            q = d;
                            continue;
                        }
                        if !is_name_byte(self.b[e]) {
                            return true;
                        }
                        q = (0..=e).rev().take_while(|&x| is_name_byte(self.code(x))).last().unwrap_or(e);
                    }
                    Some(d) => return self.in_string[d] || self.b[d] != b']',
                    None => return true,
                }
            }
        }
        true
    }

    /// For each ask (a position, what it asks there, its key): the end of
    /// the bracket that closes the `{` at that position (`Block`), or the
    /// innermost bracket open there (`Enclosing`), as `(key, end)`; the end
    /// of the text where there is none. Closers pair as in `close_of`.
    fn bracket_ends(&self, asks: &[(usize, Ask, usize)]) -> Vec<(usize, usize)> {
        let len = self.b.len();
        let mut asks = asks.to_vec();
        asks.sort_by_key(|a| a.0);
        let mut out = Vec::with_capacity(asks.len());
        // The open brackets, innermost last, each with the keys waiting
        // for its close.
        let mut open: Vec<Vec<usize>> = Vec::new();
        let mut next = 0;
        for i in 0..len {
            let mut block = Vec::new();
            while let Some(&(_, ask, k)) = asks.get(next).filter(|a| a.0 == i) {
                next += 1;
                match (ask, open.last_mut()) {
                    (Ask::Block, _) => block.push(k),
                    (Ask::Enclosing, Some(waiting)) => waiting.push(k),
                    (Ask::Enclosing, None) => out.push((k, len)),
                }
            }
            match self.code(i) {
                b'(' | b'[' | b'{' => open.push(block),
                b')' | b']' | b'}' => {
                    out.extend(block.into_iter().map(|k| (k, len)));
                    if let Some(waiting) = open.pop() {
                        out.extend(waiting.into_iter().map(|k| (k, i + 1)));
                    }
                }
                _ => out.extend(block.into_iter().map(|k| (k, len))),
            }
        }
        out.extend(asks[next..].iter().map(|&(_, _, k)| (k, len)));
        out.extend(open.into_iter().flatten().map(|k| (k, len)));
        out
    }

    /// Python: the `:` that ends the `if`'s header.
    fn colon_condition_end(&self, from: usize) -> usize {
        let mut depth = 0usize;
        let mut lambdas = 0usize;
        let mut i = from;
        while i < self.b.len() {
            match self.code(i) {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    if depth == 0 {
                        // An `if` inside brackets: a comprehension's or a
                        // conditional expression's, never a statement's.
                        return i;
                    }
                    depth -= 1;
                }
                b':' if depth == 0 && self.code(i + 1) != b'=' => {
                    if lambdas == 0 {
                        return i + 1;
                    }
                    lambdas -= 1;
                }
                b'l' if depth == 0 && self.word_at(i, b"lambda") => {
                    lambdas += 1;
                    i += 6;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        self.b.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of each span.
    fn texts(lang: Language, code: &str) -> Vec<String> {
        spans(lang, code).unwrap().into_iter().map(|r| code[r].to_string()).collect()
    }

    /// The text of each span's statement span.
    fn statements(lang: Language, code: &str) -> Vec<String> {
        let ifs = find(lang, code).unwrap();
        (0..ifs.conditions.len()).map(|k| code[ifs.statement(k)].to_string()).collect()
    }

    #[test]
    fn statements_run_to_the_end_of_the_consequence() {
        // Java: to the `}` of the block after the condition; a consequence
        // without braces, to the end of the enclosing block.
        let code = "class A { boolean f(String p) { if (p.equals(\"}\")) { return true; } if (p.isEmpty()) return false; g(); } int x; }";
        assert_eq!(
            statements(Language::Java, code),
            ["if (p.equals(\"}\")) { return true; }", "if (p.isEmpty()) return false; g(); }"]
        );
        // Go and Rust: to the `}` of the block the condition ends at; an
        // `if` in the consequence has a span of its own.
        let code = "func f(p string) bool {\n\tif p == \"}\" {\n\t\treturn true\n\t}\n\treturn false\n}\n";
        assert_eq!(statements(Language::Go, code), ["if p == \"}\" {\n\t\treturn true\n\t}"]);
        let code = "fn f(p: &str) -> bool { if p == M { if q { a() } true } else { false } }";
        assert_eq!(statements(Language::Rust, code), ["if p == M { if q { a() } true }", "if q { a() }"]);
        // A condition that holds another `if` runs on past every block, and
        // its statement with it (to the end of the text).
        let code = "fn f() { if if a { b } else { c } { d() } e() }";
        assert_eq!(statements(Language::Rust, code), ["if if a { b } else { c } { d() } e() }"]);
        // Unclosed: to the end of the text.
        let code = "class A { void f() { if (a) { b(); ";
        assert_eq!(statements(Language::Java, code), ["if (a) { b(); "]);
        // C and Python: to the end of the text.
        let code = "int f(char *p) { if (!strcmp(p, \"x\")) { return 1; } return 0; }";
        assert_eq!(statements(Language::C, code), [&code[17..]]);
        let code = "def f(p):\n    if p == 'x':\n        return True\n    return False\n";
        assert_eq!(statements(Language::Python, code), [&code[14..]]);
    }

    #[test]
    fn statement_ends_are_found_in_one_pass() {
        // Nested blocks, each an `if`'s consequence: scanning each to its
        // end would read the text once per `if`.
        let n = 200_000;
        let code = format!("class A {{ void f() {{ {}x(); {} }} }}", "if (a) { ".repeat(n), "} ".repeat(n));
        let ifs = find(Language::Java, &code).unwrap();
        assert_eq!(ifs.conditions.len(), n);
        let outer = format!("{}x(); {}}}", "if (a) { ".repeat(n), "} ".repeat(n - 1));
        assert_eq!(ifs.statement(0).len(), outer.len());
        assert_eq!(ifs.statement(n - 1).len(), "if (a) { x(); }".len());
    }

    #[test]
    fn parenthesised_conditions_end_at_their_closing_parenthesis() {
        let code =
            "class A { boolean f(String p) { if (p.equals(\")\") && check(p)) { return true; } return false; } }";
        assert_eq!(texts(Language::Java, code), ["if (p.equals(\")\") && check(p))"]);
        let code = "#if DEBUG\nint f(int x) { if constexpr (X) return 1; if (x == ')') return 2; }\n#endif\n";
        assert_eq!(texts(Language::Cpp, code), ["if constexpr (X)", "if (x == ')')"]);
    }

    #[test]
    fn block_languages_end_at_the_block_that_follows_the_condition() {
        let code = "func f(p string) bool {\n\tif p == \"{\" || ok(p) {\n\t\treturn true\n\t}\n\treturn false\n}\n";
        assert_eq!(texts(Language::Go, code), ["if p == \"{\" || ok(p) "]);
        // A function literal before the condition: its body is passed over.
        let code = "func g() { if f := func() bool { return true }; f() { x() } }";
        assert_eq!(texts(Language::Go, code), ["if f := func() bool { return true }; f() { x() } "]);
        let code = "fn f(p: &str) -> bool { if p == MASTER { return true; } false }";
        assert_eq!(texts(Language::Rust, code), ["if p == MASTER "]);
        // A `match` as the condition: its arms' block is no consequence.
        let code = "fn f(x: u8) { if match x { 1 => true, _ => false } { g() } h() }";
        let spans = texts(Language::Rust, code);
        assert!(spans[0].starts_with("if match x { 1 => true, _ => false } "), "{spans:?}");
        // A block as the condition.
        let code = "fn f() { if { let a = 1; a == 1 } { g() } }";
        assert!(texts(Language::Rust, code)[0].starts_with("if { let a = 1; a == 1 } "));
    }

    #[test]
    fn python_conditions_end_at_their_colon() {
        let code = "def f(pw):\n    if pw[1:] == 'x:' and (y := g(lambda: 1)):\n        return True\n";
        assert_eq!(texts(Language::Python, code), ["if pw[1:] == 'x:' and (y := g(lambda: 1)):"]);
        let code = "xs = [x for x in y if x]\nif lambda: 0:\n    pass\n";
        assert_eq!(texts(Language::Python, code), ["if x", "if lambda: 0:"]);
    }

    #[test]
    fn an_if_after_a_unicode_space_is_found() {
        let code = "class A { void F(string p) {\u{a0}if (p == \"x\") { } } }";
        assert_eq!(texts(Language::CSharp, code), ["if (p == \"x\")"]);
    }

    #[test]
    fn keywords_in_strings_comments_and_names_are_not_ifs() {
        let code = "class A { String s = \"if (x)\"; int iffy; void f() { elif(); } }";
        assert!(texts(Language::Java, code).is_empty());
    }

    #[test]
    fn unreadable_text_has_no_spans() {
        assert!(spans(Language::Java, "class A { String s = \"open\n; }").is_none());
        assert!(spans(Language::JavaScript, "if (a) {}").is_none());
    }

    #[test]
    fn let_patterns_and_composite_literals_are_no_blocks() {
        let code = "fn f(p: P) { if let Point { x, .. } = p { g(x) } }";
        assert_eq!(texts(Language::Rust, code), ["if let Point { x, .. } = p "]);
        let code = "func f(m map[string]bool, k string) { if x := []byte{1}; m[k] { g() } }";
        assert_eq!(texts(Language::Go, code), ["if x := []byte{1}; m[k] "]);
    }

    #[test]
    fn nested_and_unclosed_spans_merge() {
        let code = "void f() { if (a && (b ";
        assert_eq!(texts(Language::C, code), ["if (a && (b "]);
        let code = "fn f() { if if a { b } else { c } { d() } }";
        assert_eq!(texts(Language::Rust, code).len(), 1);
    }

    #[test]
    fn deeply_nested_and_unclosed_conditions_are_read_once() {
        // Read once each: rescanning every nested condition to its end
        // would take minutes here.
        let nested = format!("void f() {{ {}x{} }}", "if (".repeat(200_000), ")".repeat(200_000));
        assert_eq!(spans(Language::C, &nested).unwrap().len(), 1);
        let unclosed = "if (a && (b ".repeat(100_000);
        assert_eq!(spans(Language::Java, &unclosed).unwrap(), vec![0..unclosed.len()]);
        let python = "if a if b else c ".repeat(100_000);
        assert_eq!(spans(Language::Python, &python).unwrap(), vec![0..python.len()]);
    }
}
