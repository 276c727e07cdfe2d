//! The flow layer: does an expression (a sink argument) carry key material?
//!
//! Starting at the captured expression, it walks backwards through what the
//! expression is built from — local variables (their reaching assignments),
//! parameters (same-file call-site arguments), fields, the arguments and
//! receiver of wrapping calls, names inlined in Rust format strings (via
//! `syn`), and calls that fill a variable as an out-parameter
//! (`rand.Read(key)`, `RAND_bytes(key, n)`, `OsRng.fill_bytes(&mut key)`) —
//! until some expression, callee or name matches the rule's source pattern.
//! A call or member whose name matches the rule's cut pattern (encryption,
//! hashing, key ids) ends that path: what comes out of it is not the key.
//!
//! The search is breadth-first and bounded, so the chain found is a shortest
//! one; it becomes the finding's SARIF `codeFlows`.

use std::collections::HashSet;

use regex::Regex;
use tree_sitter::Node;

use super::resolve::FileContext;
use super::rust_syn;

const MAX_NODES: usize = 256;

/// One step of an evidence chain, source first.
pub struct Step {
    pub start: usize,
    pub end: usize,
    pub label: String,
}

fn short(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 60 {
        one.chars().take(59).collect::<String>() + "…"
    } else {
        one
    }
}

impl<'t> FileContext<'t> {
    /// The chain from a source to `sink`, if there is one.
    pub fn provenance(&self, sink: Node<'t>, source: &Regex, cut: Option<&Regex>) -> Option<Vec<Step>> {
        let syntax = self.lang.syntax();
        let cut_hit = |s: &str| cut.is_some_and(|c| c.is_match(s));
        // (node, parent index in `seen`)
        let mut queue: std::collections::VecDeque<(Node<'t>, Option<usize>)> = Default::default();
        let mut seen: Vec<(Node<'t>, Option<usize>)> = Vec::new();
        let mut visited: HashSet<(usize, usize, u16)> = HashSet::new();
        queue.push_back((sink, None));
        while let Some((node, parent)) = queue.pop_front() {
            if seen.len() >= MAX_NODES {
                break;
            }
            if !visited.insert((node.start_byte(), node.end_byte(), node.kind_id())) {
                continue;
            }
            seen.push((node, parent));
            let me = Some(seen.len() - 1);
            let kind = self.lang.kind_of(node);
            let text = self.text_of(node);
            let push = |n: Node<'t>, q: &mut std::collections::VecDeque<_>| q.push_back((n, me));

            if syntax.comments.contains(&kind) || syntax.strings.contains(&kind) || syntax.numbers.contains(&kind) {
                continue;
            }
            if let Some(&(_, callee_f, args_f)) = syntax.calls.iter().find(|c| c.0 == kind) {
                let callee = if self.lang.field_of(node, "object").is_some() {
                    self.callee_text(node)
                } else {
                    self.lang.field_of(node, callee_f).map(|c| self.qualified(c)).unwrap_or_default()
                };
                let name = callee.rsplit('.').next().unwrap_or(&callee);
                if cut_hit(name) {
                    continue;
                }
                if source.is_match(&callee) {
                    return Some(self.chain(&seen, seen.len() - 1));
                }
                if let Some(args) = self.lang.field_of(node, args_f) {
                    let mut c = args.walk();
                    for a in args.named_children(&mut c) {
                        push(a, &mut queue);
                    }
                }
                for f in ["object", "function"] {
                    if let Some(recv) = self.lang.field_of(node, f) {
                        // The receiver of a method call: `key.hex()`, `sessionKey.getEncoded()`.
                        for r in ["object", "operand", "value", "expression"]
                            .iter()
                            .filter_map(|g| self.lang.field_of(recv, g))
                        {
                            push(r, &mut queue);
                        }
                        if f == "object" {
                            push(recv, &mut queue);
                        }
                    }
                }
                continue;
            }
            if kind == "macro_invocation" || kind == "token_tree" {
                let mac = if kind == "token_tree" { node.parent().unwrap_or(node) } else { node };
                let mut names = rust_syn::format_macro_idents(self.text_of(mac));
                let mut stack = vec![node];
                let mut c = node.walk();
                while let Some(n) = stack.pop() {
                    if self.lang.kind_of(n) == "identifier" {
                        names.push(self.text_of(n).to_string());
                    } else {
                        stack.extend(n.named_children(&mut c));
                    }
                }
                names.sort();
                names.dedup();
                for name in names {
                    if cut_hit(&name) {
                        continue;
                    }
                    if source.is_match(&name) {
                        return Some(self.chain(&seen, seen.len() - 1));
                    }
                    for v in self.reaching(mac, &name, false) {
                        push(v, &mut queue);
                    }
                    for call in self.calls_filling(mac, &name) {
                        push(call, &mut queue);
                    }
                }
                continue;
            }
            if syntax.identifiers.contains(&kind) {
                if cut_hit(text) {
                    continue;
                }
                if source.is_match(text) {
                    return Some(self.chain(&seen, seen.len() - 1));
                }
                for v in self.reaching(node, text, false) {
                    push(v, &mut queue);
                }
                // Out-parameters: `rand.Read(key)` fills `key`.
                for call in self.calls_filling(node, text) {
                    push(call, &mut queue);
                }
                continue;
            }
            if syntax.members.contains(&kind) {
                let last = text.rsplit(['.', ':', '>']).next().unwrap_or(text).trim();
                if cut_hit(last) {
                    continue;
                }
                if source.is_match(text) {
                    return Some(self.chain(&seen, seen.len() - 1));
                }
                for v in self.reaching(node, last, true) {
                    push(v, &mut queue);
                }
                for f in ["object", "operand", "value", "expression", "path"] {
                    if let Some(o) = self.lang.field_of(node, f) {
                        push(o, &mut queue);
                    }
                }
                continue;
            }
            // Anything else (concatenation, formatting, collections, casts): its parts.
            let mut c = node.walk();
            for child in node.named_children(&mut c) {
                push(child, &mut queue);
            }
        }
        None
    }

    fn chain(&self, seen: &[(Node<'t>, Option<usize>)], found: usize) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut cur = Some(found);
        let mut first = true;
        while let Some(i) = cur {
            let (node, parent) = seen[i];
            let label = if first {
                format!("key material: `{}`", short(self.text_of(node)))
            } else if parent.is_none() {
                format!("reaches the sink as `{}`", short(self.text_of(node)))
            } else {
                format!("flows through `{}`", short(self.text_of(node)))
            };
            first = false;
            // Keep the chain readable: skip steps nested inside the previous one.
            if steps
                .last()
                .is_none_or(|s: &Step| !(s.start <= node.start_byte() && node.end_byte() <= s.end) || parent.is_none())
            {
                steps.push(Step { start: node.start_byte(), end: node.end_byte(), label });
            }
            cur = parent;
        }
        steps
    }
}
