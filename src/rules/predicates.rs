//! What a tree-sitter query's own text says about every match: its
//! positive text predicates (`#match?`, `#eq?`, `#any-of?`) on captures that
//! every match of their pattern has. Such a predicate tests a capture's own
//! text, exactly like a `where:` regex, so it yields a file condition and an
//! anchor the same way (see `necessary.rs`).
//!
//! The query is read as text, without compiling it: built-in queries
//! compile lazily, and a pre-commit run must not pay for all of them.
//! When in doubt (a capture inside an alternation, under `?` or `*`, or
//! text this reader does not follow), a predicate yields nothing.

/// One regex per top-level pattern that every match of that pattern
/// satisfies on some capture's text, joined into one alternation; `None`
/// when some pattern has none (a match of it may be anywhere).
pub(super) fn match_condition(query: &str) -> Option<String> {
    let tokens = tokenize(query);
    let mut at = 0;
    let mut per_pattern = Vec::new();
    while at < tokens.len() {
        let item = parse_item(&tokens, &mut at)?;
        per_pattern.push(item.condition()?);
    }
    if per_pattern.is_empty() {
        return None;
    }
    if per_pattern.len() == 1 {
        return per_pattern.pop();
    }
    Some(per_pattern.iter().map(|c| format!("(?:{c})")).collect::<Vec<_>>().join("|"))
}

/// Capture names in order of first appearance.
pub(super) fn capture_names(query: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for token in tokenize(query) {
        if let Token::Capture(name) = token {
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    OpenAlt,
    CloseAlt,
    Str(String),
    Capture(String),
    Predicate(String),
    /// `?`, `*` or `+` after an item.
    Quantifier(char),
    /// A node kind, `_`, a field name (`name:`), `!field` or the `.` anchor.
    Word,
}

/// The query's tokens, up to an unterminated string if there is one.
fn tokenize(query: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = query.chars().peekable();
    // Predicate names end in `?` or `!`; capture names never do.
    let name = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, predicate: bool| {
        let mut s = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') || (predicate && matches!(c, '?' | '!')) {
                s.push(c);
                chars.next();
            } else {
                break;
            }
        }
        s
    };
    while let Some(c) = chars.next() {
        match c {
            ';' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '(' => out.push(Token::Open),
            ')' => out.push(Token::Close),
            '[' => out.push(Token::OpenAlt),
            ']' => out.push(Token::CloseAlt),
            '"' => {
                let mut s = String::new();
                loop {
                    let Some(c) = chars.next() else { return out };
                    match c {
                        '\\' => s.push(match chars.next().unwrap_or('\\') {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            '0' => '\0',
                            other => other,
                        }),
                        '"' => break,
                        other => s.push(other),
                    }
                }
                out.push(Token::Str(s));
            }
            '@' => out.push(Token::Capture(name(&mut chars, false))),
            '#' => out.push(Token::Predicate(name(&mut chars, true))),
            '?' | '*' | '+' => out.push(Token::Quantifier(c)),
            c if c.is_whitespace() || c == ':' => {}
            _ => {
                // A word: a node kind, a field name, `_`, `!field`, `.`.
                while let Some(&n) = chars.peek() {
                    if n.is_alphanumeric() || matches!(n, '_' | '-' | '.' | '!') {
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Token::Word);
            }
        }
    }
    out
}

/// What one item of a pattern guarantees.
#[derive(Default)]
struct Item {
    /// Captures every match of the item has.
    sure: Vec<String>,
    /// Text predicates anywhere inside: (name, arguments).
    predicates: Vec<(String, Vec<Token>)>,
}

impl Item {
    /// The regexes this item's predicates impose on its sure captures.
    fn conditions(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, args) in &self.predicates {
            let [Token::Capture(cap), rest @ ..] = args.as_slice() else { continue };
            if !self.sure.contains(cap) {
                continue;
            }
            let strings: Option<Vec<&str>> =
                rest.iter().map(|t| if let Token::Str(s) = t { Some(s.as_str()) } else { None }).collect();
            let Some(strings) = strings else { continue };
            match (name.as_str(), strings.as_slice()) {
                ("match?", [re]) => out.push((*re).to_string()),
                ("eq?", [text]) => out.push(format!("^{}$", regex_syntax::escape(text))),
                ("any-of?", texts) if !texts.is_empty() => {
                    let alts: Vec<String> = texts.iter().map(|t| regex_syntax::escape(t)).collect();
                    out.push(format!("^(?:{})$", alts.join("|")));
                }
                _ => {}
            }
        }
        out
    }

    /// All of the item's conditions as one regex that every match passes
    /// somewhere: the first is enough, and the most selective is unknown.
    fn condition(&self) -> Option<String> {
        self.conditions().into_iter().next()
    }
}

/// Reads one item at `tokens[*at]`: a node or group `( … )`, an
/// alternation `[ … ]`, a string or a word, with its quantifier and
/// captures. `None` on text this reader does not follow.
fn parse_item(tokens: &[Token], at: &mut usize) -> Option<Item> {
    let mut item = match tokens.get(*at)? {
        Token::Open => {
            *at += 1;
            if let Some(Token::Predicate(name)) = tokens.get(*at) {
                let name = name.clone();
                *at += 1;
                let mut args = Vec::new();
                loop {
                    match tokens.get(*at)? {
                        Token::Close => break,
                        t => args.push(t.clone()),
                    }
                    *at += 1;
                }
                *at += 1;
                return Some(Item { sure: Vec::new(), predicates: vec![(name, args)] });
            }
            let mut item = Item::default();
            loop {
                match tokens.get(*at)? {
                    Token::Close => break,
                    Token::Word => *at += 1,
                    _ => {
                        let child = parse_item(tokens, at)?;
                        item.sure.extend(child.sure);
                        item.predicates.extend(child.predicates);
                    }
                }
            }
            *at += 1;
            item
        }
        Token::OpenAlt => {
            *at += 1;
            // A capture inside one branch is absent when another matches:
            // none is sure, but predicates still apply to the whole pattern.
            let mut item = Item::default();
            loop {
                match tokens.get(*at)? {
                    Token::CloseAlt => break,
                    Token::Word => *at += 1,
                    _ => item.predicates.extend(parse_item(tokens, at)?.predicates),
                }
            }
            *at += 1;
            item
        }
        Token::Str(_) | Token::Word => {
            *at += 1;
            Item::default()
        }
        _ => return None,
    };
    // `?` and `*` allow no node at all; `+` at least one.
    let mut sure = true;
    if let Some(Token::Quantifier(q)) = tokens.get(*at) {
        sure = *q == '+';
        *at += 1;
    }
    if !sure {
        item.sure.clear();
    }
    while let Some(Token::Capture(name)) = tokens.get(*at) {
        if sure {
            item.sure.push(name.clone());
        }
        *at += 1;
    }
    Some(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sure_capture_yields_its_predicate() {
        let q = r#"(call_expression function: (identifier) @fn (#match? @fn "^(DES_set_key|RC4_set_key)$"))"#;
        assert_eq!(match_condition(q).as_deref(), Some("^(DES_set_key|RC4_set_key)$"));
        let q = r#"(call function: (attribute attr: (identifier) @m) (#eq? @m "new"))"#;
        assert_eq!(match_condition(q).as_deref(), Some("^new$"));
        let q = r#"((identifier) @id (#any-of? @id "MD5" "SHA1"))"#;
        assert_eq!(match_condition(q).as_deref(), Some("^(?:MD5|SHA1)$"));
        // Escapes of the query language are undone: the regex sees `\.`.
        let q = r#"((identifier) @f (#match? @f "Cipher\\.getInstance"))"#;
        assert_eq!(match_condition(q).as_deref(), Some(r"Cipher\.getInstance"));
    }

    #[test]
    fn an_optional_or_alternative_capture_yields_nothing() {
        assert_eq!(match_condition(r#"((call (identifier)? @f) (#match? @f "x"))"#), None);
        assert_eq!(match_condition(r#"((call (identifier)* @f) (#match? @f "x"))"#), None);
        assert_eq!(match_condition(r#"((call [(identifier) @f (string)]) (#match? @f "x"))"#), None);
        assert_eq!(match_condition(r#"((call (identifier) @f) (#not-match? @f "x"))"#), None);
        // `+` still means at least one node, all of which must match.
        assert_eq!(match_condition(r#"((call (identifier)+ @f) (#match? @f "x"))"#).as_deref(), Some("x"));
    }

    #[test]
    fn every_pattern_needs_a_condition() {
        let two = r#"((identifier) @a (#eq? @a "A")) ((identifier) @b (#eq? @b "B"))"#;
        assert_eq!(match_condition(two).as_deref(), Some("(?:^A$)|(?:^B$)"));
        let one_open = r#"((identifier) @a (#eq? @a "A")) (string) @s"#;
        assert_eq!(match_condition(one_open), None);
        // Comments and strings that look like syntax are skipped.
        let q = "; (#eq? @x \"no\")\n((identifier) @a \"(\" (#eq? @a \"A\"))";
        assert_eq!(match_condition(q).as_deref(), Some("^A$"));
    }
}
