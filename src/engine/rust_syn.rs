//! Rust where tree-sitter is blind: `syn` reads macro arguments (tree-sitter
//! sees only token trees inside `hex!(..)` or `println!(..)`) and `use`
//! declarations (exact paths and `as` aliases).

use syn::{punctuated::Punctuated, Expr, Lit, Token, UseTree};

/// `syn` parses (and its visitor walks) by recursion, one call per nesting
/// level, so hostile code (`use a::{b::{c::{...}}}` ten thousand deep) would
/// overflow a worker's stack. Text nested deeper than this is not handed to
/// it; real `use` trees and macro arguments are nowhere near.
const MAX_NESTING: usize = 64;

fn too_deep(text: &str) -> bool {
    let mut depth = 0usize;
    for b in text.bytes() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return true;
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// `(alias, path)` pairs introduced by a `use` declaration, paths joined with `::`.
pub fn use_aliases(text: &str) -> Vec<(String, String)> {
    if too_deep(text) {
        return Vec::new();
    }
    let Ok(item) = syn::parse_str::<syn::ItemUse>(text) else { return Vec::new() };
    let mut out = Vec::new();
    walk(&item.tree, String::new(), &mut out);
    out
}

fn walk(tree: &UseTree, prefix: String, out: &mut Vec<(String, String)>) {
    let join = |p: &str, s: &str| if p.is_empty() { s.to_string() } else { format!("{p}::{s}") };
    match tree {
        UseTree::Path(p) => walk(&p.tree, join(&prefix, &p.ident.to_string()), out),
        UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                if let Some(last) = prefix.rsplit("::").next() {
                    out.push((last.to_string(), prefix.clone()));
                }
            } else {
                out.push((name.clone(), join(&prefix, &name)));
            }
        }
        UseTree::Rename(r) => {
            let target = if r.ident == "self" { prefix.clone() } else { join(&prefix, &r.ident.to_string()) };
            out.push((r.rename.to_string(), target));
        }
        UseTree::Group(g) => {
            for t in &g.items {
                walk(t, prefix.clone(), out);
            }
        }
        UseTree::Glob(_) => {}
    }
}

/// The literal a decoding macro stands for: `hex!("00ff")`, `hex_literal::hex!(..)`,
/// `include_str!` is deliberately not followed (it reads another file).
pub fn macro_literal(text: &str) -> Option<String> {
    if too_deep(text) {
        return None;
    }
    let mac = syn::parse_str::<syn::Macro>(text).ok()?;
    let name = mac.path.segments.last()?.ident.to_string();
    if !matches!(name.as_str(), "hex" | "base64" | "b64" | "decode_hex" | "concat" | "stringify") {
        return None;
    }
    let args = mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated).ok()?;
    let mut s = String::new();
    for a in &args {
        match a {
            Expr::Lit(l) => match &l.lit {
                Lit::Str(v) => s.push_str(&v.value()),
                Lit::ByteStr(v) => s.push_str(&String::from_utf8_lossy(&v.value())),
                _ => return None,
            },
            _ => return None,
        }
    }
    Some(s)
}

/// Identifiers a formatting macro reads: its arguments and the names inlined
/// in its format string (`println!("{key}")`, `log::info!("{:?}", key)`).
pub fn format_macro_idents(text: &str) -> Vec<String> {
    if too_deep(text) {
        return Vec::new();
    }
    let Ok(mac) = syn::parse_str::<syn::Macro>(text) else { return Vec::new() };
    let Ok(args) = mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated) else { return Vec::new() };
    let mut out = Vec::new();
    for (i, a) in args.iter().enumerate() {
        match a {
            Expr::Lit(l) if i == 0 => {
                if let Lit::Str(s) = &l.lit {
                    let v = s.value();
                    let mut rest = v.as_str();
                    while let Some(open) = rest.find('{') {
                        rest = &rest[open + 1..];
                        if rest.starts_with('{') {
                            rest = &rest[1..];
                            continue;
                        }
                        let end = rest.find(['}', ':']).unwrap_or(rest.len());
                        let name = &rest[..end];
                        if !name.is_empty()
                            && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                            && !name.chars().all(|c| c.is_ascii_digit())
                        {
                            out.push(name.to_string());
                        }
                    }
                }
            }
            other => collect_idents(other, &mut out),
        }
    }
    out
}

fn collect_idents(e: &Expr, out: &mut Vec<String>) {
    use syn::visit::Visit;
    struct V<'a>(&'a mut Vec<String>);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if let Some(s) = p.path.segments.last().filter(|s| s.ident != "self") {
                self.0.push(s.ident.to_string());
            }
        }
        fn visit_member(&mut self, m: &'ast syn::Member) {
            if let syn::Member::Named(n) = m {
                self.0.push(n.to_string());
            }
        }
    }
    V(out).visit_expr(e);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_paths() {
        let mut v = use_aliases("use md5::Md5 as H;");
        v.extend(use_aliases("use sha1::{Sha1, Digest};"));
        v.extend(use_aliases("use aes::{self as a};"));
        assert!(v.contains(&("H".into(), "md5::Md5".into())));
        assert!(v.contains(&("Sha1".into(), "sha1::Sha1".into())));
        assert!(v.contains(&("a".into(), "aes".into())));
    }

    #[test]
    fn deep_nesting_is_refused_not_recursed() {
        let n = 20_000;
        let deep_use = format!("use a::{}c{};", "{b::".repeat(n), "}".repeat(n));
        assert!(use_aliases(&deep_use).is_empty());
        let deep_mac = format!("hex!({}\"00\"{})", "(".repeat(n), ")".repeat(n));
        assert_eq!(macro_literal(&deep_mac), None);
        let deep_fmt = format!("println!(\"{{}}\", {}k{})", "[".repeat(n), "]".repeat(n));
        assert!(format_macro_idents(&deep_fmt).is_empty());
        // Ordinary nesting still parses.
        assert_eq!(use_aliases("use a::{b::{c::{D as E}}};"), vec![("E".to_string(), "a::b::c::D".to_string())]);
    }

    #[test]
    fn macros() {
        assert_eq!(macro_literal("hex!(\"00ff\")").as_deref(), Some("00ff"));
        assert_eq!(macro_literal("hex_literal::hex!(\"00\" \"ff\")"), None);
        assert_eq!(macro_literal("println!(\"x\")"), None);
        let ids = format_macro_idents("println!(\"{key} {:?} {{x}}\", self.session_key)");
        assert_eq!(ids, vec!["key".to_string(), "session_key".to_string()]);
    }
}
