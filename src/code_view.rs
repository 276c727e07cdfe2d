//! The code a syntax rule sees: the source with its comments blanked.
//!
//! A credential word in a licence header or a doc comment is no evidence of
//! anything, yet it made files parse (a fifth of the bytes parsed in a
//! corpus scan were parsed for words in comments alone), and a comment
//! inside a matched node could satisfy a rule's `where:` regex. Syntax
//! rules therefore run on this view: the literal prefilter, the file
//! conditions, the parser, the captures' text and the resolver all read
//! the same text, so a shortcut taken on it can never disagree with the
//! slow path. Regex rules, suppression comments and snippets read the raw
//! text.
//!
//! Every comment byte becomes a space and line breaks stay, so offsets and
//! line numbers are those of the raw text. The lexer below only blanks what
//! it is sure is a comment. Where a language has a construct it cannot tell
//! apart without a parser (a JavaScript `/` may divide or open a regex; a
//! C `'` in `#error don't`), it stops blanking for the rest of the file
//! rather than guess, so a mistake can only leave a comment in, never take
//! code out. In JavaScript and TypeScript only comments that begin a line
//! are blanked: JSX text may hold a `//` (`<a>http://x</a>`) that is not one.
//!
//! The inside of a Rust foreign block (`extern "C" { fn f(k: *const u8); }`)
//! is blanked too: it declares functions and statics defined elsewhere, with
//! no value and no call in it, so no rule can find anything there, and
//! generated bindings are made of them (aws-lc-sys: 1 MB files naming
//! `EVP_des_ecb` and the like thousands of times, parsed and walked whole).

use std::ops::Range;

use crate::lang::Language;

/// `text` with every comment the lexer is sure of blanked, or `None` when
/// there is none.
pub fn blank_comments(lang: Language, text: &str) -> Option<String> {
    blank(text, &comments(lang, text.as_bytes()))
}

/// What the code view of a text blanks, with the lexer's reading of the
/// text on the way.
pub struct Reading {
    /// The sorted, disjoint byte ranges the code view blanks: the comments
    /// the lexer is sure of and, in Rust, the inside of foreign blocks.
    pub blanked: Vec<Range<usize>>,
    /// The literals it found ([`Layout::strings`]). They are those of the
    /// code view too, plus any inside a blanked foreign block, where the
    /// view has spaces anyway.
    pub strings: Vec<Range<usize>>,
    /// Whether it read the whole text ([`Layout::complete`]): then it reads
    /// the whole code view too, whose blanked bytes are spaces between
    /// pieces of code.
    pub complete: bool,
}

/// Reads `text` for its code view.
pub fn read(lang: Language, text: &[u8]) -> Reading {
    let layout = lex(lang, text);
    let blocks = if lang == Language::Rust && layout.complete { foreign_blocks(text, &layout) } else { Vec::new() };
    let Layout { comments, strings, complete } = layout;
    if blocks.is_empty() {
        return Reading { blanked: comments, strings, complete };
    }
    let mut all = comments;
    all.extend(blocks);
    all.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(all.len());
    for r in all {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    Reading { blanked: merged, strings, complete }
}

/// The insides of Rust's foreign blocks: after the `{` of `extern {` or
/// `extern "ABI" {` (read outside comments and literals) up to its matching
/// `}`. `extern "C" fn f() { .. }` has a body and `extern crate` none:
/// neither is one.
fn foreign_blocks(text: &[u8], layout: &Layout) -> Vec<Range<usize>> {
    let skipped = |ranges: &[Range<usize>], at: usize| -> Option<usize> {
        let i = ranges.partition_point(|r| r.end <= at);
        ranges.get(i).filter(|r| r.start <= at).map(|r| r.end)
    };
    let outside = |at: usize| skipped(&layout.comments, at).is_none() && skipped(&layout.strings, at).is_none();
    let blank_from = |mut j: usize| {
        while text.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        j
    };
    let mut blocks = Vec::new();
    let mut from = 0;
    // The first comment and literal that may hold a block's byte.
    let (mut comment, mut string) = (0, 0);
    for at in memchr::memmem::find_iter(text, b"extern") {
        let end = at + b"extern".len();
        if at < from || (at > 0 && is_word(text[at - 1])) || text.get(end).is_some_and(|&b| is_word(b)) || !outside(at)
        {
            continue;
        }
        let mut j = blank_from(end);
        if text.get(j) == Some(&b'"') {
            // The ABI: a literal the lexer read, starting right here.
            let i = layout.strings.partition_point(|r| r.start < j);
            match layout.strings.get(i) {
                Some(r) if r.start == j => j = blank_from(r.end),
                _ => continue,
            }
        }
        if text.get(j) != Some(&b'{') {
            continue;
        }
        // The matching `}`, stepping over comments and literals; both lists
        // are sorted and blocks come in order, so each list is read once.
        let (mut k, mut depth) = (j + 1, 0usize);
        let close = loop {
            let Some(&b) = text.get(k) else { break None };
            while layout.comments.get(comment).is_some_and(|r| r.end <= k) {
                comment += 1;
            }
            while layout.strings.get(string).is_some_and(|r| r.end <= k) {
                string += 1;
            }
            let inside = |r: Option<&Range<usize>>| r.filter(|r| r.start <= k).map(|r| r.end);
            if let Some(after) = inside(layout.comments.get(comment)).or_else(|| inside(layout.strings.get(string))) {
                k = after;
                continue;
            }
            match b {
                b'{' => depth += 1,
                b'}' if depth == 0 => break Some(k),
                b'}' => depth -= 1,
                _ => {}
            }
            k += 1;
        };
        let Some(close) = close else { break };
        if close > j + 1 {
            blocks.push(j + 1..close);
        }
        from = close;
    }
    blocks
}

/// `text` with the byte ranges `comments` (from `comments`) blanked, or
/// `None` when there is none.
pub fn blank(text: &str, comments: &[Range<usize>]) -> Option<String> {
    if comments.is_empty() {
        return None;
    }
    let mut bytes = text.as_bytes().to_vec();
    for r in comments {
        for b in &mut bytes[r.clone()] {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
    }
    // Each range starts at an ASCII `/`, `#` or after a `{`, and ends before
    // a line break, after `*/` or before a `}`, so whole characters were
    // replaced.
    String::from_utf8(bytes).ok()
}

/// The byte ranges of the comments the lexer is sure of, in order.
pub fn comments(lang: Language, text: &[u8]) -> Vec<Range<usize>> {
    // A give-up keeps what was found before it: up to that point the
    // lexer was in step with the language.
    lex(lang, text).comments
}

/// What the lexer found in a text.
pub struct Layout {
    /// The comments it is sure of, in order.
    pub comments: Vec<Range<usize>>,
    /// The string and character literals before where it stopped, in
    /// order: from the opening quote (a prefix such as `b` or `r#` is left
    /// out) to the closing one, interpolation holes included.
    pub strings: Vec<Range<usize>>,
    /// Whether it read the whole text in step with the language: only then
    /// is every literal in `strings` and every byte outside them and the
    /// comments code (except, in JavaScript, a comment after code on its
    /// line, which is never blanked).
    pub complete: bool,
}

/// Lexes `text`: its comments and string literals.
pub fn lex(lang: Language, text: &[u8]) -> Layout {
    let mut lexer = Lexer {
        b: text,
        i: 0,
        flavor: Flavor::of(lang),
        out: Vec::new(),
        strings: Vec::new(),
        unsure_line: false,
        holes: 0,
    };
    let complete = lexer.code(false).is_ok();
    Layout { comments: lexer.out, strings: lexer.strings, complete }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Python,
    Rust,
    Go,
    Java,
    CSharp,
    C,
    Js,
}

impl Flavor {
    fn of(lang: Language) -> Flavor {
        match lang {
            Language::Python => Flavor::Python,
            Language::Rust => Flavor::Rust,
            Language::Go => Flavor::Go,
            Language::Java => Flavor::Java,
            Language::CSharp => Flavor::CSharp,
            Language::C | Language::Cpp => Flavor::C,
            Language::JavaScript | Language::TypeScript | Language::Tsx => Flavor::Js,
        }
    }
}

/// The bytes on which the top-level loop of `Lexer::code` (outside a hole)
/// does nothing but step on: everything but a quote, a `/` (or Python's
/// `#`), and a line break while the line is unsure.
struct Plain([bool; 256]);

impl Plain {
    fn new(flavor: Flavor, unsure_line: bool) -> Plain {
        let mut plain = [true; 256];
        let comment = if flavor == Flavor::Python { b'#' } else { b'/' };
        for b in [b'"', b'\'', b'`', comment] {
            plain[usize::from(b)] = false;
        }
        plain[usize::from(b'\n')] = !unsure_line;
        Plain(plain)
    }
}

/// The lexer met something it cannot read without a parser.
struct GiveUp;

type Lexed = Result<(), GiveUp>;

struct Lexer<'a> {
    b: &'a [u8],
    i: usize,
    flavor: Flavor,
    out: Vec<Range<usize>>,
    /// Literals read at the top level (those inside a hole are part of theirs).
    strings: Vec<Range<usize>>,
    /// A JavaScript `/` was read as a regex or a division on this line: a
    /// comment after it is not blanked.
    unsure_line: bool,
    /// Interpolation holes open around the current position: bounded, so
    /// that hostile nesting cannot exhaust the stack.
    holes: usize,
}

/// More nested holes than any code has; beyond it the lexer gives up.
const MAX_HOLES: usize = 64;

/// An ASCII byte that may continue a name in a supported language.
pub(crate) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

impl Lexer<'_> {
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    fn starts(&self, s: &[u8]) -> bool {
        self.b[self.i..].starts_with(s)
    }

    /// Code, up to the end of the text, or up to the `}` that closes an
    /// interpolation hole when `hole`.
    fn code(&mut self, hole: bool) -> Lexed {
        let mut depth = 0usize;
        let plain = [Plain::new(self.flavor, false), Plain::new(self.flavor, true)];
        while self.i < self.b.len() {
            if !hole {
                // Most bytes are plain code: pass them in one tight loop
                // (a third of the prefilter's own time went to this lexer
                // reading one byte per turn of the loop below).
                let plain = &plain[usize::from(self.unsure_line)];
                self.i +=
                    self.b[self.i..].iter().position(|&c| !plain.0[usize::from(c)]).unwrap_or(self.b.len() - self.i);
                if self.i == self.b.len() {
                    break;
                }
            }
            let c = self.b[self.i];
            match c {
                b'\n' => {
                    self.unsure_line = false;
                    self.i += 1;
                }
                b'#' if self.flavor == Flavor::Python => {
                    if hole {
                        return Err(GiveUp);
                    }
                    self.line_comment();
                }
                b'/' if self.flavor != Flavor::Python && self.at(self.i + 1) == b'/' => {
                    if self.unsure_line {
                        // Perhaps inside a regex: nothing on the rest of this line
                        // may change the state of the next.
                        let end = self.line_end(self.i);
                        let rest = &self.b[self.i..end];
                        if rest.contains(&b'`') || rest.windows(2).any(|w| w == b"/*") {
                            return Err(GiveUp);
                        }
                        self.i = end;
                    } else {
                        self.line_comment();
                    }
                }
                b'/' if self.flavor != Flavor::Python && self.at(self.i + 1) == b'*' => {
                    if self.unsure_line {
                        return Err(GiveUp);
                    }
                    self.block_comment()?;
                }
                b'/' if self.flavor == Flavor::Js => self.slash()?,
                b'"' | b'\'' | b'`' => {
                    let start = self.i;
                    self.quote(c)?;
                    // A `'` read as a lifetime or a digit separator spans
                    // one byte and is no literal.
                    if self.holes == 0 && self.i > start + 1 {
                        self.strings.push(start..self.i);
                    }
                }
                b'{' if hole => {
                    depth += 1;
                    self.i += 1;
                }
                b'}' if hole => {
                    if depth == 0 {
                        return Ok(());
                    }
                    depth -= 1;
                    self.i += 1;
                }
                _ => self.i += 1,
            }
        }
        if hole {
            Err(GiveUp)
        } else {
            Ok(())
        }
    }

    /// Where the line holding `from` ends (its `\n`, or the end of the text).
    fn line_end(&self, from: usize) -> usize {
        self.b[from..].iter().position(|&b| b == b'\n').map_or(self.b.len(), |p| from + p)
    }

    /// Whether only spaces and tabs precede `at` on its line.
    fn begins_line(&self, at: usize) -> bool {
        self.b[..at].iter().rev().take_while(|&&b| b != b'\n').all(|&b| b == b' ' || b == b'\t')
    }

    /// Blanks a comment, except one after code in JavaScript (see the module
    /// documentation).
    fn blank(&mut self, r: Range<usize>) {
        if self.flavor != Flavor::Js || self.begins_line(r.start) {
            self.out.push(r);
        }
    }

    fn line_comment(&mut self) {
        let start = self.i;
        let mut end = self.line_end(start);
        // A C comment goes on after a line that ends with a backslash.
        while self.flavor == Flavor::C && end < self.b.len() && self.b[start..end].trim_ascii_end().ends_with(b"\\") {
            end = self.line_end(end + 1);
        }
        let end_of_text = if end > start && self.b[end - 1] == b'\r' { end - 1 } else { end };
        self.blank(start..end_of_text);
        self.i = end;
    }

    fn block_comment(&mut self) -> Lexed {
        let start = self.i;
        self.i += 2;
        let mut depth = 1;
        while self.i < self.b.len() {
            if self.starts(b"*/") {
                self.i += 2;
                depth -= 1;
                if depth == 0 {
                    self.blank(start..self.i);
                    return Ok(());
                }
            } else if self.flavor == Flavor::Rust && self.starts(b"/*") {
                // Rust block comments nest.
                self.i += 2;
                depth += 1;
            } else {
                self.i += 1;
            }
        }
        // Unterminated: not what the lexer expected.
        Err(GiveUp)
    }

    /// A JavaScript `/` that opens no comment: a regex literal or a division.
    fn slash(&mut self) -> Lexed {
        self.unsure_line = true;
        let before = self.b[..self.i].iter().rposition(|b| !b.is_ascii_whitespace());
        let regex = match before.map(|p| self.b[p]) {
            None => true,
            // After a value: a closing bracket or a string literal.
            Some(b')' | b']' | b'}' | b'"' | b'\'' | b'`') => false,
            Some(b) if is_word(b) => {
                let end = before.unwrap_or(0) + 1;
                let start = self.b[..end].iter().rposition(|&b| !is_word(b)).map_or(0, |p| p + 1);
                const BEFORE_REGEX: &[&[u8]] = &[
                    b"return",
                    b"typeof",
                    b"instanceof",
                    b"in",
                    b"of",
                    b"new",
                    b"delete",
                    b"void",
                    b"throw",
                    b"case",
                    b"do",
                    b"else",
                    b"yield",
                    b"await",
                ];
                BEFORE_REGEX.contains(&&self.b[start..end])
            }
            Some(_) => true,
        };
        self.i += 1;
        if !regex {
            return Ok(());
        }
        let mut class = false;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\\' => self.i += 1,
                b'\n' => return Err(GiveUp),
                b'[' => class = true,
                b']' => class = false,
                b'/' if !class => {
                    self.i += 1;
                    return Ok(());
                }
                _ => {}
            }
            self.i += 1;
        }
        Err(GiveUp)
    }

    /// The word right before `at` (a string prefix such as `rb` or `u8R`).
    fn word_before(&self, at: usize) -> &[u8] {
        let start = self.b[..at].iter().rposition(|&b| !is_word(b)).map_or(0, |p| p + 1);
        &self.b[start..at]
    }

    fn quote(&mut self, q: u8) -> Lexed {
        match (self.flavor, q) {
            (Flavor::Python, _) => self.python_string(q),
            (Flavor::Js, b'`') => {
                self.i += 1;
                self.interpolated(b"`", true, b"${")
            }
            (Flavor::Go, b'`') => {
                self.i += 1;
                self.until(b"`", false)
            }
            (_, b'`') => {
                self.i += 1;
                Ok(())
            }
            (Flavor::Rust, b'\'') => self.rust_char(),
            (Flavor::C, b'\'')
                if self.i > 0 && is_word(self.b[self.i - 1]) && !is_c_prefix(self.word_before(self.i)) =>
            {
                // A digit separator (`1'000'000`).
                self.i += 1;
                Ok(())
            }
            (_, b'\'') => {
                self.i += 1;
                self.single_line(b'\'')
            }
            (Flavor::Rust, _) => self.rust_string(),
            (Flavor::C, _) if matches!(self.word_before(self.i), b"R" | b"u8R" | b"LR" | b"uR" | b"UR") => {
                self.cpp_raw()
            }
            (Flavor::Java, _) if self.starts(b"\"\"\"") => {
                self.i += 3;
                self.until(b"\"\"\"", true)
            }
            (Flavor::CSharp, _) => self.csharp_string(),
            _ => {
                self.i += 1;
                self.single_line(b'"')
            }
        }
    }

    /// The rest of a string that ends at `q` on its line (a backslash escapes
    /// the next byte, a line break among them).
    fn single_line(&mut self, q: u8) -> Lexed {
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\\' => self.i += if self.b[self.i + 1..].starts_with(b"\r\n") { 3 } else { 2 },
                b'\n' => return Err(GiveUp),
                b if b == q => {
                    self.i += 1;
                    return Ok(());
                }
                _ => self.i += 1,
            }
        }
        Err(GiveUp)
    }

    /// The rest of a string that ends at `close`, over any number of lines.
    fn until(&mut self, close: &[u8], escapes: bool) -> Lexed {
        while self.i < self.b.len() {
            if escapes && self.b[self.i] == b'\\' {
                self.i += 2;
            } else if self.starts(close) {
                self.i += close.len();
                return Ok(());
            } else {
                self.i += 1;
            }
        }
        Err(GiveUp)
    }

    /// The rest of a string with interpolation holes (`${..}`, `{..}`),
    /// whose code may hold strings and comments of its own.
    fn interpolated(&mut self, close: &[u8], multiline: bool, hole: &[u8]) -> Lexed {
        while self.i < self.b.len() {
            if self.b[self.i] == b'\\' && self.flavor != Flavor::CSharp {
                self.i += 2;
            } else if self.starts(close) {
                self.i += close.len();
                return Ok(());
            } else if hole == b"{" && self.starts(b"{{") {
                self.i += 2;
            } else if self.starts(hole) {
                if self.holes == MAX_HOLES {
                    return Err(GiveUp);
                }
                self.i += hole.len();
                self.holes += 1;
                self.code(true)?;
                self.holes -= 1;
                self.i += 1;
            } else if self.b[self.i] == b'\n' && !multiline {
                return Err(GiveUp);
            } else {
                self.i += 1;
            }
        }
        Err(GiveUp)
    }

    fn python_string(&mut self, q: u8) -> Lexed {
        // `return"x"` has no prefix; only these words are one.
        let prefix = self.word_before(self.i).to_ascii_lowercase();
        let formatted = matches!(prefix.as_slice(), b"f" | b"fr" | b"rf");
        let triple = [q, q, q];
        let multiline = self.starts(&triple);
        let close: &[u8] = if multiline { &triple } else { &triple[..1] };
        self.i += close.len();
        if formatted {
            self.interpolated(close, multiline, b"{")
        } else if multiline {
            self.until(close, true)
        } else {
            self.single_line(q)
        }
    }

    /// A `'`: a character literal, or a lifetime or label.
    fn rust_char(&mut self) -> Lexed {
        self.i += 1;
        if self.at(self.i) == b'\\' {
            return self.single_line(b'\'');
        }
        // One character, then the closing quote.
        let width = match self.at(self.i) {
            b if b < 0x80 => 1,
            b if b >= 0xF0 => 4,
            b if b >= 0xE0 => 3,
            _ => 2,
        };
        if self.at(self.i + width) == b'\'' {
            self.i += width + 1;
        }
        Ok(())
    }

    /// A Rust string (which may span lines), raw (`r#"..."#`) or not.
    fn rust_string(&mut self) -> Lexed {
        let hashes = self.b[..self.i].iter().rev().take_while(|&&b| b == b'#').count();
        let raw = matches!(self.word_before(self.i - hashes), b"r" | b"br" | b"cr");
        self.i += 1;
        if raw {
            let mut close = vec![b'"'];
            close.extend(std::iter::repeat_n(b'#', hashes));
            self.until(&close, false)
        } else {
            self.until(b"\"", true)
        }
    }

    /// A C++ raw string: `R"delim( ... )delim"`.
    fn cpp_raw(&mut self) -> Lexed {
        self.i += 1;
        let open = self.b[self.i..].iter().take(17).position(|&b| b == b'(').ok_or(GiveUp)?;
        let mut close = vec![b')'];
        close.extend_from_slice(&self.b[self.i..self.i + open]);
        close.push(b'"');
        self.i += open + 1;
        self.until(&close, false)
    }

    /// A C# string: verbatim (`@"..."`), raw (`"""..."""`), interpolated
    /// (`$"..{x}.."`) or plain.
    fn csharp_string(&mut self) -> Lexed {
        let sigils: Vec<u8> = self.b[..self.i].iter().rev().take_while(|&&b| b == b'@' || b == b'$').copied().collect();
        let verbatim = sigils.contains(&b'@');
        let dollars = sigils.iter().filter(|&&b| b == b'$').count();
        let quotes = self.b[self.i..].iter().take_while(|&&b| b == b'"').count();
        if quotes >= 3 {
            // Raw: ends at as many quotes; `$$"""` holes need `{{`, which this
            // lexer does not follow.
            if dollars > 1 {
                return Err(GiveUp);
            }
            self.i += quotes;
            let close = vec![b'"'; quotes];
            return if dollars == 1 { self.interpolated(&close, true, b"{") } else { self.until(&close, false) };
        }
        self.i += 1;
        match (verbatim, dollars) {
            (false, 0) => self.single_line(b'"'),
            (false, _) => self.interpolated(b"\"", false, b"{"),
            (true, 0) => loop {
                // `""` is a quote inside a verbatim string.
                self.until(b"\"", false)?;
                if self.at(self.i) != b'"' {
                    return Ok(());
                }
                self.i += 1;
            },
            (true, _) => Err(GiveUp),
        }
    }
}

/// The encoding prefixes a C or C++ character literal may have.
fn is_c_prefix(word: &[u8]) -> bool {
    matches!(word, b"L" | b"u" | b"U" | b"u8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(lang: Language, text: &str) -> String {
        blank_comments(lang, text).unwrap_or_else(|| text.to_string())
    }

    /// What the code view shows: comments and foreign blocks blanked.
    fn code(lang: Language, text: &str) -> String {
        blank(text, &read(lang, text.as_bytes()).blanked).unwrap_or_else(|| text.to_string())
    }

    #[test]
    fn the_inside_of_a_rust_foreign_block_is_blanked() {
        let text = "extern \"C\" {\n    pub fn EVP_des_ecb() -> *const C; // }\n    #[link_name = \"k}\"]\n    pub static KEY: [u8; 16];\n    m! { x }\n}\nconst K: &[u8] = b\"{k\"; // key\n";
        let v = code(Language::Rust, text);
        assert_eq!(v.len(), text.len());
        assert_eq!(v.lines().count(), text.lines().count());
        let (open, close) = ("extern \"C\" {".len(), text.find("\n}\n").unwrap() + 1);
        assert!(v[..open] == text[..open] && v[open..close].trim().is_empty(), "{v}");
        // What follows the block is code, and its comment is blanked.
        assert_eq!(&v[close..], "}\nconst K: &[u8] = b\"{k\";       \n");
    }

    /// A bindings file holds thousands of blocks, each with a literal; the
    /// `}` inside each block's literal and comment must not close it.
    #[test]
    fn every_one_of_many_foreign_blocks_is_blanked() {
        let text: String = (0..300)
            .map(|i| {
                format!("extern \"C\" {{ #[link_name = \"a}}{i}\"] fn f{i}(); // }}\n}}\nfn g{i}() {{ md5(k{i}) }}\n")
            })
            .collect();
        let v = code(Language::Rust, &text);
        for i in 0..300 {
            assert!(v.contains(&format!("fn g{i}() {{ md5(k{i}) }}")) && !v.contains(&format!("f{i}()")), "{i}");
        }
    }

    #[test]
    fn rust_functions_with_an_abi_and_extern_crate_are_code() {
        for text in [
            "extern \"C\" fn f(k: &[u8]) { md5(k) }\n",
            "extern crate md5;\nfn f() { md5(k) }\n",
            "let s = \"extern {\"; md5(k);\n",
            "// extern {\nfn f() { md5(k) }\n",
            // Never closed: nothing is blanked.
            "extern \"C\" { fn md5(k: u8);\n",
        ] {
            assert!(code(Language::Rust, text).contains("md5(k"), "{text}");
        }
        let text = "unsafe extern \"C\" { fn md5(k: u8); }\nextern { static IV: u8; }\n";
        let blank = " ".repeat(" fn md5(k: u8); ".len());
        assert_eq!(code(Language::Rust, text), format!("unsafe extern \"C\" {{{blank}}}\nextern {{{blank}}}\n"));
        // Other languages keep theirs (C++'s `extern "C" {` wraps code).
        let text = "extern \"C\" { int f(void) { return md5(k); } }\n";
        assert_eq!(code(Language::Cpp, text), text);
    }

    #[test]
    fn comments_become_spaces_and_offsets_stay() {
        let text = "key = 1 # master password\nx = 2\n";
        let v = view(Language::Python, text);
        assert_eq!(v, "key = 1                  \nx = 2\n");
        assert_eq!(v.len(), text.len());
        let c = "int k; /* the\nmaster key */ int j; // pass\n";
        assert_eq!(view(Language::C, c), "int k;       \n              int j;        \n");
        // Non-ASCII comment text stays valid UTF-8, byte for byte.
        let u = "let a = 1; // clé maître\n";
        assert_eq!(view(Language::Rust, u).len(), u.len());
    }

    #[test]
    fn comment_markers_inside_strings_are_code() {
        let cases: &[(Language, &str)] = &[
            (Language::Python, "url = 'http://x#pass'\nh = \"#\"\n"),
            (Language::Python, "doc = '''\n# not a comment\n'''\n"),
            (Language::Python, "s = f\"{x['#']}\"\n"),
            (Language::Go, "u := `line\n// still the string\n`\n"),
            (Language::Java, "String s = \"\"\"\n  // text block\n  \"\"\";\n"),
            (Language::Rust, "let s = \"a\n// inside\";\n"),
            (Language::Rust, "let s = r#\"a \" // b\"#;\n"),
            (Language::Rust, "fn f<'a>(x: &'a str) -> char { '\"' }\n"),
            (Language::Cpp, "auto s = R\"x(\n// raw\n)x\";\n"),
            (Language::Cpp, "int n = 1'000; char q = '\"'; // c\n"),
            (Language::CSharp, "var s = @\"a \"\" // b\";\n"),
            (Language::CSharp, "var s = $\"{x}// not\";\n"),
            (Language::JavaScript, "const t = `a ${b ? '/*' : \"\"}\n// in template\n`;\n"),
            (Language::JavaScript, "const u = 'http://x'; const r = /\\/\\//g;\n"),
        ];
        for (lang, text) in cases {
            let v = view(*lang, text);
            for marker in ["// not", "// still", "// text block", "// inside", "// b", "// raw", "// in template"] {
                if text.contains(marker) {
                    assert!(v.contains(marker), "{lang:?}: {marker:?} blanked in {text:?}: {v:?}");
                }
            }
            assert!(!v.contains("//") || text.contains("//"));
            // Everything but the comment itself survives.
            for (a, b) in text.bytes().zip(v.bytes()) {
                assert!(a == b || b == b' ', "{lang:?}: {text:?} became {v:?}");
            }
        }
        assert!(view(Language::Python, "url = 'http://x#pass'\n").contains("#pass"));
        assert!(view(Language::Cpp, "int n = 1'000; char q = '\"'; // c\n").ends_with(";     \n"));
    }

    #[test]
    fn doubt_stops_blanking_for_the_rest_of_the_file() {
        // `#warning 'x` leaves a quote open: nothing after it is blanked.
        let text = "// a\n#warning 'x\n// b\n";
        assert_eq!(view(Language::C, text), "    \n#warning 'x\n// b\n");
        // A JavaScript comment after a `/` on the same line stays.
        let js = "x = a / b; // c\n// d\n";
        assert_eq!(view(Language::JavaScript, js), "x = a / b; // c\n    \n");
        // JavaScript comments after code stay (JSX text may hold `//`).
        let jsx = "const a = <a>see http://x</a>;\n";
        assert_eq!(view(Language::Tsx, jsx), jsx);
        // Rust block comments nest.
        assert_eq!(view(Language::Rust, "/* a /* b */ c */x"), "                 x");
    }

    #[test]
    fn hostile_text_neither_panics_nor_overflows() {
        let deep = format!("// a\nx = {}1{};\n// b\n", "`${".repeat(100_000), "}`".repeat(100_000));
        // Too deep to follow: blanking stops there, and nothing breaks.
        assert_eq!(view(Language::JavaScript, &deep), format!("    \n{}", &deep[5..]));
        for lang in Language::ALL {
            for text in ["\\", "'", "\"", "/*", "r#\"", "R\"(", "@\"", "$\"{", "f'{", "`${", "/[", "'\\"] {
                let _ = comments(lang, text.as_bytes());
                let _ = comments(lang, format!("x {text}").as_bytes());
            }
        }
    }
}
