//! Value resolution: what a captured expression can evaluate to, and the
//! import-qualified name of a callee, computed from one file's syntax tree.
//!
//! The layer is language-blind: it reads node kinds from the language
//! registry ([`crate::lang::Syntax`]) and follows
//! - literals (strings, numbers, booleans, byte arrays, `new byte[16]`),
//! - local variables (the reaching assignments before the use: the last one,
//!   plus earlier ones when the last sits in a branch the use is not in),
//! - same-file constants, statics, final and constructor-assigned fields,
//! - parameters, through the literal arguments of same-file call sites,
//! - small same-file helpers that `return` a literal,
//! - `+` concatenation and simple integer arithmetic,
//! - decoders and conversions (`hex::decode`, `bytes.fromhex`, `getBytes`, ...),
//! - configuration lookups (`getProperty("k", "default")`, `${k:default}`)
//!   against the `.properties`/YAML files of the scanned tree,
//! - import aliases (`import hashlib as h`, `use md5::Md5 as H`, Go aliases,
//!   Java imports, `require`/`import` in JS/TS).
//!
//! Every recursion is bounded by depth and by the number of values kept.

use std::collections::HashMap;

use tree_sitter::Node;

use std::cell::RefCell;

use super::project::{Family, Knowledge, Wanted};
use super::rust_syn;
use crate::lang::{Language, Syntax};

const MAX_DEPTH: usize = 12;
const MAX_VALUES: usize = 16;
const MAX_STEPS: usize = 2_000;

#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    Str,
    Num,
    Bool,
    /// An array literal; `zero` when every element is zero (or it is `new T[n]`).
    Array {
        zero: bool,
        len: usize,
    },
}

/// Where a value was written.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// Byte range in the current file.
    Here(usize, usize),
    /// A line of another file (a properties file).
    Elsewhere { path: String, line: usize },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub text: String,
    pub num: Option<f64>,
    pub origin: Origin,
}

struct Binding<'t> {
    name: String,
    value: Node<'t>,
    /// Start of the binding statement.
    at: usize,
    node: Node<'t>,
    func: Option<usize>,
    /// Written through a member (`this.k = ..`, `self.k = ..`): visible file-wide.
    member: bool,
}

struct Function<'t> {
    name: String,
    /// The name its call sites use: `name`, except for a constructor
    /// (Python `__init__`, JavaScript `constructor`), which is called by its
    /// class's name (`Box(..)`, `new Box(..)`); empty for an anonymous class.
    callee: String,
    /// A constructor whose first parameter is the instance (`self`), which
    /// no call site passes.
    implicit_self: bool,
    node: Node<'t>,
    params: Vec<String>,
    /// `node`'s byte range, kept as numbers: asking tree-sitter for them is
    /// a call into C, and enclosing-function lookups compare many.
    start: usize,
    end: usize,
}

/// Everything the resolver knows about one parsed file.
pub struct FileContext<'t> {
    pub lang: Language,
    root: Node<'t>,
    /// Byte ranges of Rust `#[cfg(test)]` modules and `#[test]` functions.
    test_ranges: Vec<(usize, usize)>,
    syntax: &'static Syntax,
    text: &'t str,
    bindings: Vec<Binding<'t>>,
    functions: Vec<Function<'t>>,
    calls: Vec<Node<'t>>,
    /// Calls by the last segment of their callee (`f` for `a.b.f(..)`).
    calls_by_name: HashMap<String, Vec<Node<'t>>>,
    /// Bindings by name: resolution looks names up thousands of times in a
    /// large file.
    bindings_by_name: HashMap<String, Named>,
    /// Calls (indices into `calls`) by the plain name of each argument
    /// (`key`, `&mut key`, `key[:]`): out-parameter lookups. Built on first use.
    calls_by_arg: std::cell::OnceCell<HashMap<String, Vec<usize>>>,
    /// `call_site_args` by (function, parameter): every use of a parameter
    /// asks again. Without it, a corpus scan's 69,649 lookups visited
    /// 456,911 call sites, about 40,000 of them for the first time; its
    /// constraints took 2.09 CPU-s, and 1.83 with it.
    call_site_args: RefCell<HashMap<(usize, usize), Vec<Node<'t>>>>,
    imports: HashMap<String, String>,
    known: &'t Knowledge,
    /// The file's package (`Packages::of`), where its own fields are set.
    package: String,
    /// Symbols this file could not resolve by itself (for the cross-file pass).
    misses: RefCell<Vec<Wanted>>,
    /// Work done by the current evaluation.
    steps: std::cell::Cell<usize>,
}

/// One name's bindings (indices into `FileContext::bindings`).
#[derive(Default)]
struct Named {
    /// All of them, by enclosing function and then position, so that one
    /// function's own are a run found by binary search: a minified bundle
    /// binds `e` or `t` thousands of times, and a lookup that filtered them
    /// all took a millisecond.
    by_function: Vec<usize>,
    /// Those visible file-wide (file level, members, constructors), in
    /// document order.
    wide: Vec<usize>,
}

fn in_list(kind: &str, list: &[&str]) -> bool {
    list.contains(&kind)
}

/// How a name is reached: alone, as a member of something, or as a member
/// of the code's own object, type or crate (`self.iv`, `crate::KEY`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reference {
    Plain,
    Member,
    OwnMember,
}

/// The receivers that name the code's own object, class, type or crate.
const OWN_OBJECT: &[&str] = &["this", "self", "Self", "cls", "super", "base", "crate"];

/// The first segment of a member access's object (`self` in `self.a.b`,
/// `crate` in `crate::x::KEY`), `None` for a plain name.
fn member_head(text: &str) -> Option<String> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let t = t.replace("::", ".").replace("->", ".");
    let (object, _) = t.rsplit_once('.')?;
    Some(object.split('.').next().unwrap_or(object).to_string())
}

/// The last identifier-like segment of `a.b->c::d`.
fn last_segment(s: &str) -> &str {
    let s = s.trim();
    let s = s.strip_suffix("()").unwrap_or(s);
    s.rsplit(['.', ':', '>', ' ']).find(|p| !p.is_empty()).unwrap_or(s)
}

fn first_identifier<'t>(node: Node<'t>, lang: Language, syntax: &Syntax) -> Option<Node<'t>> {
    let is_identifier = |n: Node<'_>| {
        let kind = lang.kind_of(n);
        in_list(kind, syntax.identifiers) || kind.ends_with("identifier")
    };
    if is_identifier(node) {
        return Some(node);
    }
    let mut cursor = node.walk();
    // Iterative, bounded descent: first identifier in document order.
    let mut budget = 256;
    loop {
        budget -= 1;
        if budget == 0 {
            return None;
        }
        if cursor.goto_first_child() || cursor.goto_next_sibling() {
        } else {
            loop {
                if !cursor.goto_parent() || cursor.node() == node {
                    return None;
                }
                if cursor.goto_next_sibling() {
                    break;
                }
            }
        }
        let n = cursor.node();
        if n.is_named() && is_identifier(n) {
            return Some(n);
        }
    }
}

impl<'t> FileContext<'t> {
    pub fn new(lang: Language, root: Node<'t>, text: &'t str, known: &'t Knowledge) -> Self {
        let syntax = lang.syntax();
        let mut cx = FileContext {
            lang,
            root,
            test_ranges: Vec::new(),
            syntax,
            text,
            bindings: Vec::new(),
            functions: Vec::new(),
            calls: Vec::new(),
            calls_by_name: HashMap::new(),
            bindings_by_name: HashMap::new(),
            calls_by_arg: std::cell::OnceCell::new(),
            call_site_args: RefCell::default(),
            imports: HashMap::new(),
            known,
            package: String::new(),
            misses: RefCell::new(Vec::new()),
            steps: std::cell::Cell::new(0),
        };
        cx.index(root);
        let mut by_name: HashMap<String, Named> = HashMap::new();
        for (i, b) in cx.bindings.iter().enumerate() {
            let named = by_name.entry(b.name.clone()).or_default();
            named.by_function.push(i);
            if b.func.is_none() || b.member || cx.is_constructor(b.func) {
                named.wide.push(i);
            }
        }
        for named in by_name.values_mut() {
            // Stable: bindings at the same place keep their order.
            named.by_function.sort_by_key(|&i| (cx.bindings[i].func, cx.bindings[i].at));
        }
        cx.bindings_by_name = by_name;
        cx
    }

    /// The context of a file of `package`, whose own fields other files
    /// of that package alone may set (`Wanted::Field`).
    pub fn in_package(mut self, package: String) -> Self {
        self.package = package;
        self
    }

    /// The file's import aliases and what each names (`qualified`'s table).
    pub fn imports(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.imports.iter().map(|(alias, target)| (alias.as_str(), target.as_str()))
    }

    /// The bindings of `name` visible file-wide: file-level constants and
    /// statics, members and what constructors assign.
    fn wide_bindings<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Binding<'t>> + 'a {
        self.bindings_by_name.get(name).into_iter().flat_map(|n| &n.wide).map(|&i| &self.bindings[i])
    }

    /// The bindings of `name` whose enclosing function is `func`, by position.
    fn bindings_in<'a>(&'a self, name: &str, func: usize) -> impl Iterator<Item = &'a Binding<'t>> + 'a {
        let all = self.bindings_by_name.get(name).map_or(&[][..], |n| n.by_function.as_slice());
        let func = Some(func);
        let from = all.partition_point(|&i| self.bindings[i].func < func);
        let to = from + all[from..].partition_point(|&i| self.bindings[i].func == func);
        all[from..to].iter().map(|&i| &self.bindings[i])
    }

    pub fn text_of(&self, node: Node<'_>) -> &'t str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    /// One iterative pass over the tree that records functions, bindings,
    /// calls and imports.
    fn index(&mut self, root: Node<'t>) {
        let mut cursor = root.walk();
        let mut fn_stack: Vec<(usize, usize)> = Vec::new(); // (function index, end byte)
        let mut visited_children = false;
        loop {
            if !visited_children {
                let node = cursor.node();
                while fn_stack.last().is_some_and(|&(_, end)| node.start_byte() >= end) {
                    fn_stack.pop();
                }
                // Calls, bindings, functions and imports are all named
                // nodes; punctuation and keywords, a good part of any
                // tree, need no string comparison of their kind.
                if node.is_named() {
                    self.visit(node, fn_stack.last().map(|f| f.0));
                    if let Some(f) = self.function_of(node) {
                        self.functions.push(f);
                        fn_stack.push((self.functions.len() - 1, node.end_byte()));
                    }
                }
                if cursor.goto_first_child() {
                    continue;
                }
            }
            if cursor.goto_next_sibling() {
                visited_children = false;
            } else if cursor.goto_parent() {
                visited_children = true;
            } else {
                break;
            }
        }
    }

    fn function_of(&self, node: Node<'t>) -> Option<Function<'t>> {
        let (_, name_field, params_field) = self.syntax.functions.iter().find(|f| f.0 == self.lang.kind_of(node))?;
        let mut name_node = self.lang.field_of(node, name_field)?;
        let mut params_node = self.lang.field_of(node, params_field);
        // C/C++: the name and parameters sit inside a (possibly pointer-wrapped) function_declarator.
        for _ in 0..4 {
            if self.lang.kind_of(name_node) == "function_declarator" {
                params_node = self.lang.field_of(name_node, "parameters");
                name_node = self.lang.field_of(name_node, "declarator")?;
                break;
            }
            match self.lang.field_of(name_node, "declarator") {
                Some(inner) => name_node = inner,
                None => break,
            }
        }
        let name = last_segment(self.text_of(name_node)).to_string();
        let mut params = Vec::new();
        if let Some(p) = params_node {
            let mut c = p.walk();
            for child in p.named_children(&mut c) {
                if self.syntax.comments.contains(&self.lang.kind_of(child)) {
                    continue;
                }
                let target = self
                    .lang
                    .field_of(child, "name")
                    .or_else(|| self.lang.field_of(child, "pattern"))
                    .or_else(|| self.lang.field_of(child, "declarator"))
                    .unwrap_or(child);
                if let Some(id) = first_identifier(target, self.lang, self.syntax) {
                    params.push(self.text_of(id).to_string());
                } else if self.lang.kind_of(child) == "self_parameter" {
                    params.push("self".into());
                }
            }
        }
        let (start, end) = (node.start_byte(), node.end_byte());
        let constructor = match self.lang {
            Language::Python => name == "__init__",
            Language::JavaScript | Language::TypeScript | Language::Tsx => name == "constructor",
            _ => false,
        };
        let callee = if constructor { self.class_name_of(node).unwrap_or_default() } else { name.clone() };
        let implicit_self = constructor && self.lang == Language::Python;
        Some(Function { name, callee, implicit_self, node, params, start, end })
    }

    /// The name of the class whose body holds the method `node` (through a
    /// Python decorator), if the class has one.
    fn class_name_of(&self, node: Node<'t>) -> Option<String> {
        let mut n = node.parent()?;
        if self.lang.kind_of(n) == "decorated_definition" {
            n = n.parent()?;
        }
        if !matches!(self.lang.kind_of(n), "block" | "class_body") {
            return None;
        }
        let class = n.parent()?;
        if !self.lang.kind_of(class).contains("class") {
            return None;
        }
        let name = self.lang.field_of(class, "name")?;
        Some(self.text_of(name).to_string())
    }

    fn visit(&mut self, node: Node<'t>, func: Option<usize>) {
        let kind = self.lang.kind_of(node);
        if let Some(&(_, callee_f, _)) = self.syntax.calls.iter().find(|c| c.0 == kind) {
            if let Some(callee) = self.lang.field_of(node, callee_f) {
                let name = last_segment(self.text_of(callee)).to_string();
                self.calls_by_name.entry(name).or_default().push(node);
            }
            self.calls.push(node);
        } else if kind == "macro_invocation" {
            self.calls.push(node);
        }
        if let Some(&(_, name_f, value_f)) = self.syntax.bindings.iter().find(|b| b.0 == kind) {
            self.add_binding(node, name_f, value_f, func);
        }
        match (self.lang, kind) {
            (Language::Rust, "mod_item" | "function_item") => {
                let mut prev = node.prev_sibling();
                while let Some(p) = prev.filter(|p| self.lang.kind_of(*p) == "attribute_item") {
                    let t: String = self.text_of(p).chars().filter(|c| !c.is_whitespace()).collect();
                    if t.contains("cfg(test)") || t == "#[test]" || t.ends_with("::test]") {
                        self.test_ranges.push((node.start_byte(), node.end_byte()));
                        break;
                    }
                    prev = p.prev_sibling();
                }
            }
            (Language::Java, "field_declaration") => self.java_value_annotation(node, func),
            (
                _,
                "import_statement"
                | "import_from_statement"
                | "import_declaration"
                | "import_spec"
                | "using_directive"
                | "use_declaration",
            ) => self.import(node),
            (Language::JavaScript | Language::TypeScript | Language::Tsx, "variable_declarator") => {
                self.js_require(node)
            }
            _ => {}
        }
    }

    fn add_binding(&mut self, node: Node<'t>, name_f: &str, value_f: &str, func: Option<usize>) {
        let Some(name_node) = self.lang.field_of(node, name_f) else { return };
        let value = if value_f.is_empty() {
            // C#: `variable_declarator` has the initializer as an unnamed-field child.
            let mut c = node.walk();
            let v = node.named_children(&mut c).filter(|n| *n != name_node).last();
            v
        } else {
            self.lang.field_of(node, value_f)
        };
        let Some(value) = value else { return };
        // `a, b = 1, 2` / `a, b := f(), g()`: pair up list elements.
        let list = |n: Node<'t>| {
            self.lang.kind_of(n).ends_with("_list")
                || self.lang.kind_of(n) == "pattern_list"
                || self.lang.kind_of(n) == "tuple"
        };
        if list(name_node) && list(value) {
            let mut c1 = name_node.walk();
            let mut c2 = value.walk();
            let names: Vec<Node<'t>> = name_node.named_children(&mut c1).collect();
            let values: Vec<Node<'t>> = value.named_children(&mut c2).collect();
            if names.len() == values.len() {
                for (n, v) in names.into_iter().zip(values) {
                    self.push_binding(node, n, v, func);
                }
                return;
            }
            // `key, err := hex.DecodeString("…")`: the first name holds the call's value.
            if values.len() == 1 && names.len() > 1 {
                self.push_binding(node, names[0], values[0], func);
                return;
            }
        }
        let name_node = if list(name_node) && name_node.named_child_count() == 1 {
            name_node.named_child(0).unwrap_or(name_node)
        } else {
            name_node
        };
        let value =
            if list(value) && value.named_child_count() == 1 { value.named_child(0).unwrap_or(value) } else { value };
        self.push_binding(node, name_node, value, func);
    }

    fn push_binding(&mut self, node: Node<'t>, name_node: Node<'t>, value: Node<'t>, func: Option<usize>) {
        let kind = self.lang.kind_of(name_node);
        let (name, member) = if kind.contains("declarator") || kind.ends_with("pattern") && !kind.contains("list") {
            match first_identifier(name_node, self.lang, self.syntax) {
                Some(id) => (self.text_of(id).to_string(), false),
                None => return,
            }
        } else if in_list(kind, self.syntax.members) || kind == "element_access_expression" {
            (last_segment(self.text_of(name_node)).to_string(), true)
        } else {
            let t = self.text_of(name_node).trim();
            (t.trim_matches(|c| c == '"' || c == '\'').to_string(), false)
        };
        if name.is_empty() || name.len() > 128 {
            return;
        }
        // Keys of object literals and keyed elements name fields, not variables.
        let member = member
            || matches!(self.lang.kind_of(node), "pair" | "keyed_element" | "field_initializer" | "element_value_pair");
        self.bindings.push(Binding { name, value, at: node.start_byte(), node, func, member });
    }

    /// Spring: `@Value("${k:default}") String alg;` binds `alg` to the placeholder.
    fn java_value_annotation(&mut self, node: Node<'t>, func: Option<usize>) {
        let mut c = node.walk();
        let mut placeholder = None;
        let mut declarators = Vec::new();
        for child in node.named_children(&mut c) {
            if self.lang.kind_of(child) == "modifiers" {
                let mut c2 = child.walk();
                for m in child.named_children(&mut c2) {
                    if self.lang.kind_of(m) == "annotation"
                        && self.lang.field_of(m, "name").is_some_and(|n| self.text_of(n) == "Value")
                    {
                        if let Some(args) = self.lang.field_of(m, "arguments") {
                            placeholder = args.named_child(0);
                        }
                    }
                }
            } else if self.lang.kind_of(child) == "variable_declarator" {
                declarators.push(child);
            }
        }
        if let Some(p) = placeholder {
            for d in declarators {
                if let Some(n) = self.lang.field_of(d, "name") {
                    let name = self.text_of(n).to_string();
                    self.bindings.push(Binding { name, value: p, at: node.start_byte(), node, func, member: true });
                }
            }
        }
    }

    fn import(&mut self, node: Node<'t>) {
        let text = |n: Node<'_>| self.text.get(n.byte_range()).unwrap_or("").to_string();
        let unquote = |s: String| s.trim_matches(|c| c == '"' || c == '\'' || c == '`').to_string();
        let mut add = |alias: String, target: String| {
            if !alias.is_empty() && !target.is_empty() {
                self.imports.insert(alias, target);
            }
        };
        match (self.lang, self.lang.kind_of(node)) {
            (Language::Python, "import_statement") => {
                let mut c = node.walk();
                for n in node.children_by_field_name("name", &mut c) {
                    if self.lang.kind_of(n) == "aliased_import" {
                        let (Some(name), Some(alias)) = (self.lang.field_of(n, "name"), self.lang.field_of(n, "alias"))
                        else {
                            continue;
                        };
                        add(text(alias), text(name));
                    } else {
                        let t = text(n);
                        let head = t.split('.').next().unwrap_or("").to_string();
                        add(head.clone(), head);
                    }
                }
            }
            (Language::Python, "import_from_statement") => {
                let Some(module) = self.lang.field_of(node, "module_name") else { return };
                let module = text(module);
                let mut c = node.walk();
                for n in node.children_by_field_name("name", &mut c) {
                    if self.lang.kind_of(n) == "aliased_import" {
                        let (Some(name), Some(alias)) = (self.lang.field_of(n, "name"), self.lang.field_of(n, "alias"))
                        else {
                            continue;
                        };
                        add(text(alias), format!("{module}.{}", text(name)));
                    } else {
                        let t = text(n);
                        add(last_segment(&t).to_string(), format!("{module}.{t}"));
                    }
                }
            }
            (Language::Java, "import_declaration") => {
                let t = text(node);
                let path = t
                    .trim_start_matches("import")
                    .trim()
                    .trim_start_matches("static")
                    .trim()
                    .trim_end_matches(';')
                    .trim();
                if !path.ends_with('*') {
                    add(last_segment(path).to_string(), path.to_string());
                }
            }
            (Language::Go, "import_spec") => {
                let Some(path) = self.lang.field_of(node, "path") else { return };
                let path = unquote(text(path));
                let alias = self
                    .lang
                    .field_of(node, "name")
                    .map(text)
                    .unwrap_or_else(|| path.rsplit('/').next().unwrap_or(&path).to_string());
                // A versioned module path (`.../v2`) is imported under its parent's name.
                let alias =
                    if alias.starts_with('v') && alias[1..].chars().all(|c| c.is_ascii_digit()) && alias.len() > 1 {
                        path.rsplit('/').nth(1).unwrap_or(&alias).to_string()
                    } else {
                        alias
                    };
                add(alias, path);
            }
            (Language::JavaScript | Language::TypeScript | Language::Tsx, "import_statement") => {
                let Some(source) = self.lang.field_of(node, "source") else { return };
                let source = unquote(text(source));
                let mut c = node.walk();
                for clause in node.named_children(&mut c).filter(|n| self.lang.kind_of(*n) == "import_clause") {
                    let mut c2 = clause.walk();
                    for part in clause.named_children(&mut c2) {
                        match self.lang.kind_of(part) {
                            "identifier" => add(text(part), source.clone()),
                            "namespace_import" => {
                                if let Some(id) = part.named_child(0) {
                                    add(text(id), source.clone());
                                }
                            }
                            "named_imports" => {
                                let mut c3 = part.walk();
                                for spec in
                                    part.named_children(&mut c3).filter(|n| self.lang.kind_of(*n) == "import_specifier")
                                {
                                    let Some(name) = self.lang.field_of(spec, "name") else { continue };
                                    let alias = self.lang.field_of(spec, "alias").unwrap_or(name);
                                    add(text(alias), format!("{source}.{}", unquote(text(name))));
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            (Language::CSharp, "using_directive") => {
                if let Some(alias) = self.lang.field_of(node, "name") {
                    let mut c = node.walk();
                    if let Some(target) = node.named_children(&mut c).filter(|n| *n != alias).last() {
                        add(text(alias), text(target));
                    }
                }
            }
            (Language::Rust, "use_declaration") => {
                let text = self.text.get(node.byte_range()).unwrap_or("");
                for (alias, path) in rust_syn::use_aliases(text) {
                    add(alias, path);
                }
            }
            _ => {}
        }
    }

    /// `const c = require('crypto')`, `const { createHash: h } = require('crypto')`.
    fn js_require(&mut self, node: Node<'t>) {
        let (Some(name), Some(value)) = (self.lang.field_of(node, "name"), self.lang.field_of(node, "value")) else {
            return;
        };
        if self.lang.kind_of(value) != "call_expression" {
            return;
        }
        let Some(f) = self.lang.field_of(value, "function") else { return };
        if self.text_of(f) != "require" {
            return;
        }
        let Some(arg) = self.lang.field_of(value, "arguments").and_then(|a| a.named_child(0)) else { return };
        let source = self.text_of(arg).trim_matches(|c| c == '"' || c == '\'' || c == '`').to_string();
        match self.lang.kind_of(name) {
            "identifier" => {
                self.imports.insert(self.text_of(name).to_string(), source);
            }
            "object_pattern" => {
                let mut c = name.walk();
                for p in name.named_children(&mut c) {
                    match self.lang.kind_of(p) {
                        "shorthand_property_identifier_pattern" => {
                            let t = self.text_of(p).to_string();
                            self.imports.insert(t.clone(), format!("{source}.{t}"));
                        }
                        "pair_pattern" => {
                            let (Some(k), Some(v)) = (self.lang.field_of(p, "key"), self.lang.field_of(p, "value"))
                            else {
                                continue;
                            };
                            self.imports.insert(self.text_of(v).to_string(), format!("{source}.{}", self.text_of(k)));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// The import-qualified, dot-joined name of an expression such as a callee:
    /// `h.md5` with `import hashlib as h` → `hashlib.md5`; generic arguments
    /// and whitespace are dropped, and `::`/`->` become `.`.
    pub fn qualified(&self, node: Node<'_>) -> String {
        let raw = self.text_of(node);
        let mut s = String::with_capacity(raw.len());
        let mut depth = 0usize;
        for ch in raw.chars() {
            match ch {
                '<' => depth += 1,
                '>' if depth > 0 => depth -= 1,
                c if depth == 0 && !c.is_whitespace() => s.push(c),
                _ => {}
            }
        }
        let s = s.replace("::", ".").replace("->", ".").replace("?.", ".");
        let s = s.trim_start_matches('&').trim_start_matches('*').to_string();
        let (head, rest) = match s.find('.') {
            Some(i) => (&s[..i], &s[i..]),
            None => (s.as_str(), ""),
        };
        match self.imports.get(head) {
            Some(target) => format!("{}{rest}", target.replace("::", ".")),
            None => s.clone(),
        }
    }

    /// Names of the functions/methods enclosing `node`, innermost first.
    fn enclosing_function(&self, node: Node<'_>) -> Option<&Function<'t>> {
        self.functions
            .iter()
            .filter(|f| f.node.start_byte() <= node.start_byte() && node.end_byte() <= f.node.end_byte())
            .min_by_key(|f| f.node.end_byte() - f.node.start_byte())
    }

    pub fn enclosing_function_name(&self, node: Node<'_>) -> Option<String> {
        self.enclosing_function(node).map(|f| f.name.clone())
    }

    /// The innermost function containing `node`. Functions are recorded in
    /// document order, so it is the last one starting at or before `node`
    /// that also ends after it (the outer one of two with the same range).
    fn function_index(&self, node: Node<'_>) -> Option<usize> {
        let (start, end) = (node.start_byte(), node.end_byte());
        let upto = self.functions.partition_point(|f| f.start <= start);
        let i = (0..upto).rev().find(|&i| end <= self.functions[i].end)?;
        let f = &self.functions[i];
        let same =
            (0..i).rev().take_while(|&j| self.functions[j].start == f.start && self.functions[j].end == f.end).last();
        Some(same.unwrap_or(i))
    }

    /// Callee nodes of the calls enclosing `node` (innermost first).
    /// The ancestors of `node`, innermost first, at most `limit` of them.
    /// Found by one descent from the root: `Node::parent` itself descends
    /// from the root on every call, which is quadratic on deep trees.
    pub fn ancestors(&self, node: Node<'t>, limit: usize) -> Vec<Node<'t>> {
        let mut chain = Vec::new();
        let mut cur = self.root;
        while cur != node {
            chain.push(cur);
            match cur.child_with_descendant(node) {
                Some(next) if next != cur => cur = next,
                _ => break,
            }
        }
        chain.reverse();
        chain.truncate(limit);
        chain
    }

    /// Whether `node` sits in a Rust `#[cfg(test)]` module or `#[test]` function.
    pub fn in_test_code(&self, node: Node<'_>) -> bool {
        self.test_ranges.iter().any(|&(s, e)| s <= node.start_byte() && node.end_byte() <= e)
    }

    pub fn enclosing_callees(&self, node: Node<'t>) -> Vec<Node<'t>> {
        let mut out = Vec::new();
        for n in self.ancestors(node, 64) {
            if let Some(&(_, callee_f, _)) = self.syntax.calls.iter().find(|c| c.0 == self.lang.kind_of(n)) {
                if let Some(c) = self.lang.field_of(n, callee_f) {
                    // Java: include the receiver, `Cipher.getInstance` rather than `getInstance`.
                    let c = match self.lang.field_of(n, "object") {
                        Some(_) => n,
                        None => c,
                    };
                    out.push(c);
                }
            } else if self.lang.kind_of(n) == "macro_invocation" {
                if let Some(m) = self.lang.field_of(n, "macro") {
                    out.push(m);
                }
            }
        }
        out
    }

    /// The text of a call's callee for `inside` tests: for Java method calls the
    /// receiver and name, elsewhere the callee expression.
    pub fn callee_text(&self, callee: Node<'_>) -> String {
        if self.lang.kind_of(callee) == "method_invocation" {
            let obj = self.lang.field_of(callee, "object").map(|o| self.qualified(o));
            let name = self.lang.field_of(callee, "name").map(|n| self.text_of(n)).unwrap_or("");
            return match obj {
                Some(o) => format!("{o}.{name}"),
                None => name.to_string(),
            };
        }
        self.qualified(callee)
    }

    /// Every value `node` may evaluate to (empty if none is known).
    pub fn eval(&self, node: Node<'t>) -> Vec<Value> {
        self.steps.set(0);
        self.eval_at(node, 0)
    }

    fn eval_at(&self, node: Node<'t>, depth: usize) -> Vec<Value> {
        let mut out = Vec::new();
        self.eval_into(node, depth, &mut out);
        out.dedup();
        out
    }

    fn eval_into(&self, node: Node<'t>, depth: usize, out: &mut Vec<Value>) {
        // Depth bounds the stack; the step budget bounds the total work of one
        // evaluation (values can fan out through every reaching assignment).
        self.steps.set(self.steps.get() + 1);
        if depth > MAX_DEPTH || out.len() >= MAX_VALUES || self.steps.get() > MAX_STEPS {
            return;
        }
        let kind = self.lang.kind_of(node);
        let s = self.syntax;
        let here = Origin::Here(node.start_byte(), node.end_byte());
        if in_list(kind, s.strings) {
            if let Some(text) = unquote(self.text_of(node)) {
                self.push_string(text, here, out);
            } else {
                // f-strings and template literals: literal parts plus the values
                // of their interpolations.
                for text in self.interpolate(node, depth) {
                    out.push(Value { kind: ValueKind::Str, text, num: None, origin: here.clone() });
                }
            }
        } else if in_list(kind, s.concatenated_strings) {
            let mut acc = vec![String::new()];
            let mut c = node.walk();
            for part in node.named_children(&mut c) {
                let vals = self.eval_at(part, depth + 1);
                if vals.is_empty() {
                    return;
                }
                acc = acc
                    .iter()
                    .flat_map(|a| vals.iter().map(move |v| format!("{a}{}", v.text)))
                    .take(MAX_VALUES)
                    .collect();
            }
            for text in acc {
                self.push_string(text, here.clone(), out);
            }
        } else if in_list(kind, s.numbers) {
            let t = self.text_of(node);
            if let Some(n) = parse_number(t) {
                out.push(Value { kind: ValueKind::Num, text: t.to_string(), num: Some(n), origin: here });
            }
        } else if in_list(kind, s.booleans) {
            let t = self.text_of(node);
            out.push(Value { kind: ValueKind::Bool, text: t.to_string(), num: None, origin: here });
        } else if in_list(kind, s.identifiers) {
            let name = self.text_of(node);
            self.resolve_name(node, name, Reference::Plain, depth, out);
        } else if in_list(kind, s.members) {
            let t = self.text_of(node);
            if self.lang == Language::Rust && kind == "scoped_identifier" || !t.contains('(') {
                if let Some(reference) = self.member_reference(t) {
                    self.resolve_name(node, last_segment(t), reference, depth, out);
                }
            }
        } else if in_list(kind, s.arrays) || kind == "array_creation_expression" {
            if let Some(v) = self.array_value(node, depth) {
                out.push(v);
            }
        } else if in_list(kind, s.binaries) {
            self.eval_binary(node, depth, out);
        } else if matches!(
            kind,
            "parenthesized_expression"
                | "expression_statement"
                | "argument"
                | "equals_value_clause"
                | "literal_element"
                | "cast_expression"
                | "type_cast_expression"
                | "as_expression"
                | "non_null_expression"
                | "reference_expression"
                | "try_expression"
                | "await_expression"
                | "unary_expression"
                | "element_value_array_initializer"
        ) {
            if let Some(inner) = last_named_child(node) {
                let op = self.text_of(node).trim_start().chars().next().unwrap_or(' ');
                let unary = matches!(kind, "unary_expression") || self.lang.kind_of(node) == "not_operator";
                if unary && op == '-' {
                    let mut tmp = Vec::new();
                    self.eval_into(inner, depth + 1, &mut tmp);
                    out.extend(tmp.into_iter().filter_map(|mut v| {
                        v.num = Some(-v.num?);
                        v.text = format!("-{}", v.text);
                        Some(v)
                    }));
                } else if unary && matches!(op, '!' | '~' | 'n') {
                    // `!flag`: the opposite of a boolean; any other value is unknown.
                    let mut tmp = Vec::new();
                    self.eval_into(inner, depth + 1, &mut tmp);
                    out.extend(tmp.into_iter().filter(|v| v.kind == ValueKind::Bool).map(|mut v| {
                        v.text = if v.text.eq_ignore_ascii_case("true") { "false".into() } else { "true".into() };
                        v
                    }));
                } else {
                    self.eval_into(inner, depth + 1, out);
                }
            }
        } else if kind == "macro_invocation" {
            if let Some(v) = rust_syn::macro_literal(self.text_of(node)) {
                self.push_string(v, here, out);
            }
        } else if kind == "preproc_arg" {
            // `#define KEY "..."`: the macro body is raw text; read it as a literal.
            let t = self.text_of(node).trim();
            if let Some(n) = parse_number(t) {
                out.push(Value { kind: ValueKind::Num, text: t.to_string(), num: Some(n), origin: here });
            } else if t.starts_with('"') {
                if let Some(text) = unquote(t) {
                    out.push(Value { kind: ValueKind::Str, text, num: None, origin: here });
                }
            }
        } else if kind == "type_conversion_expression" || kind == "conversion_expression" {
            if let Some(op) = self.lang.field_of(node, "operand") {
                self.eval_into(op, depth + 1, out);
            }
        } else if s.calls.iter().any(|c| c.0 == kind) {
            self.eval_call(node, depth, out);
        } else if kind == "composite_literal" {
            if let Some(v) = self.array_value(node, depth) {
                out.push(v);
            }
        }
    }

    /// The texts of an interpolating string literal (Python f-string, JS/TS
    /// template literal, C# `$"..."`) whose substitutions all resolve.
    fn interpolate(&self, node: Node<'t>, depth: usize) -> Vec<String> {
        let mut acc = vec![String::new()];
        let mut c = node.walk();
        let raw = self.text_of(node);
        let children: Vec<Node<'t>> = node.named_children(&mut c).collect();
        if children.is_empty() {
            return Vec::new();
        }
        for part in children {
            let k = self.lang.kind_of(part);
            let piece: Vec<String> = if k.contains("interpolation") || k == "template_substitution" {
                let Some(expr) = self.lang.field_of(part, "expression").or_else(|| part.named_child(0)) else {
                    return Vec::new();
                };
                let vals = self.eval_at(expr, depth + 1);
                if vals.is_empty() {
                    return Vec::new();
                }
                vals.into_iter().map(|v| v.text).collect()
            } else if k.contains("content") || k == "string_fragment" || k == "escape_sequence" {
                vec![unescape(self.text_of(part))]
            } else {
                continue;
            };
            acc = acc.iter().flat_map(|a| piece.iter().map(move |p| format!("{a}{p}"))).take(MAX_VALUES).collect();
        }
        if raw.is_empty() {
            Vec::new()
        } else {
            acc
        }
    }

    fn push_string(&self, text: String, origin: Origin, out: &mut Vec<Value>) {
        // `${key:default}` placeholders (Spring, many config systems).
        if let Some(resolved) = self.known.props.placeholder(&text) {
            out.push(resolved);
            return;
        }
        out.push(Value { kind: ValueKind::Str, text, num: None, origin });
    }

    fn array_value(&self, node: Node<'t>, depth: usize) -> Option<Value> {
        let here = Origin::Here(node.start_byte(), node.end_byte());
        let text = self.text_of(node);
        // `new byte[16]` / `new byte[n]` without an initializer: all zeros.
        if matches!(self.lang.kind_of(node), "array_creation_expression") && !text.contains('{') {
            let len = text.rsplit('[').next().and_then(|t| t.trim_end_matches(']').trim().parse().ok()).unwrap_or(0);
            return Some(Value {
                kind: ValueKind::Array { zero: true, len },
                text: text.to_string(),
                num: None,
                origin: here,
            });
        }
        let mut elems = 0usize;
        let mut zero = true;
        let mut cursor = node.walk();
        let mut stack = vec![node];
        let mut budget = 4096;
        while let Some(n) = stack.pop() {
            budget -= 1;
            if budget == 0 {
                return None;
            }
            let k = self.lang.kind_of(n);
            if in_list(k, self.syntax.numbers) {
                elems += 1;
                zero &= parse_number(self.text_of(n)) == Some(0.0);
            } else if in_list(k, self.syntax.strings) {
                elems += 1;
                zero = false;
            } else if in_list(k, self.syntax.identifiers)
                && n.parent().is_some_and(|p| self.lang.kind_of(p) != "type_identifier")
            {
                // A named element (`KEY_BYTE`) is not literal unless it resolves.
                let vals = self.eval_at(n, depth + 1);
                if vals.is_empty() {
                    return None;
                }
                elems += 1;
                zero &= vals.iter().all(|v| v.num == Some(0.0));
            } else if s_is_call(self.syntax, k) {
                return None;
            } else {
                for child in n.named_children(&mut cursor) {
                    if !k.contains("type")
                        || self.lang.kind_of(child).contains("literal")
                        || self.lang.kind_of(child).contains("initializer")
                    {
                        stack.push(child);
                    }
                }
            }
        }
        (elems > 0).then(|| Value {
            kind: ValueKind::Array { zero, len: elems },
            text: text.to_string(),
            num: None,
            origin: here,
        })
    }

    fn eval_binary(&self, node: Node<'t>, depth: usize, out: &mut Vec<Value>) {
        let (Some(l), Some(r)) = (self.lang.field_of(node, "left"), self.lang.field_of(node, "right")) else { return };
        let op = self.lang.field_of(node, "operator").map(|o| self.text_of(o)).unwrap_or_else(|| {
            let t = self.text_of(node);
            let start = l.end_byte() - node.start_byte();
            let end = r.start_byte() - node.start_byte();
            t.get(start..end).unwrap_or("").trim()
        });
        let mut lv = Vec::new();
        let mut rv = Vec::new();
        self.eval_into(l, depth + 1, &mut lv);
        self.eval_into(r, depth + 1, &mut rv);
        let here = Origin::Here(node.start_byte(), node.end_byte());
        for a in &lv {
            for b in &rv {
                if out.len() >= MAX_VALUES {
                    return;
                }
                match (op, a.num, b.num) {
                    ("+", Some(x), Some(y)) => out.push(num_value(x + y, here.clone())),
                    ("-", Some(x), Some(y)) => out.push(num_value(x - y, here.clone())),
                    ("*", Some(x), Some(y)) => out.push(num_value(x * y, here.clone())),
                    ("/", Some(x), Some(y)) if y != 0.0 => out.push(num_value((x / y).trunc(), here.clone())),
                    ("<<", Some(x), Some(y)) if y < 64.0 => out.push(num_value(x * 2f64.powi(y as i32), here.clone())),
                    // `b"\x00" * 16`: a repeated literal (bounded).
                    ("*", None, Some(n)) if a.kind == ValueKind::Str && (0.0..=4096.0).contains(&n) => {
                        out.push(Value {
                            kind: ValueKind::Str,
                            text: a.text.repeat(n as usize),
                            num: None,
                            origin: here.clone(),
                        })
                    }
                    ("%", _, _) if a.kind == ValueKind::Str && (b.kind == ValueKind::Str || b.num.is_some()) => {
                        if let Some(text) = apply_format(&a.text, &[vec![b.clone()]]) {
                            out.push(Value { kind: ValueKind::Str, text, num: None, origin: here.clone() });
                        }
                    }
                    ("+", _, _) if a.kind == ValueKind::Str || b.kind == ValueKind::Str => out.push(Value {
                        kind: ValueKind::Str,
                        text: format!("{}{}", a.text, b.text),
                        num: None,
                        origin: here.clone(),
                    }),
                    _ => {}
                }
            }
        }
    }

    fn eval_call(&self, node: Node<'t>, depth: usize, out: &mut Vec<Value>) {
        let Some(&(_, callee_f, args_f)) = self.syntax.calls.iter().find(|c| c.0 == self.lang.kind_of(node)) else {
            return;
        };
        let Some(callee) = self.lang.field_of(node, callee_f) else { return };
        let args: Vec<Node<'t>> = self
            .lang
            .field_of(node, args_f)
            .map(|a| {
                let mut c = a.walk();
                a.named_children(&mut c).filter(|n| !self.syntax.comments.contains(&self.lang.kind_of(*n))).collect()
            })
            .unwrap_or_default();
        let receiver = self.lang.field_of(node, "object").or_else(|| {
            ["operand", "object", "value", "expression"].iter().find_map(|f| self.lang.field_of(callee, f))
        });
        let name = self.text_of(callee);
        let method = last_segment(name);
        let qualified = self.qualified(callee);

        // `"%s/%s".format(a, b)`, `String.format("%s", a)`: formatting with known values.
        if method == "format" {
            let (fmt, rest): (Option<Node<'t>>, &[Node<'t>]) = match receiver {
                Some(r) if self.syntax.strings.contains(&self.lang.kind_of(r)) => (Some(r), &args[..]),
                _ => (args.first().copied(), args.get(1..).unwrap_or(&[])),
            };
            if let Some(fmt) = fmt {
                let templates = self.eval_at(fmt, depth + 1);
                let values: Vec<Vec<Value>> = rest.iter().map(|a| self.eval_at(*a, depth + 1)).collect();
                for t in templates.iter().filter(|t| t.kind == ValueKind::Str) {
                    if let Some(text) = apply_format(&t.text, &values) {
                        out.push(Value {
                            kind: ValueKind::Str,
                            text,
                            num: None,
                            origin: Origin::Here(node.start_byte(), node.end_byte()),
                        });
                    }
                }
                if !out.is_empty() {
                    return;
                }
            }
        }

        // Configuration lookups resolve against the scanned tree's properties files.
        if matches!(method, "getProperty" | "getRequiredProperty" | "getString" | "getenv_or_default") {
            let key = args.first().map(|a| self.eval_at(*a, depth + 1)).unwrap_or_default();
            let default = args.get(1).map(|a| self.eval_at(*a, depth + 1)).unwrap_or_default();
            if let Some(k) = key.first() {
                if let Some(v) = self.known.props.lookup(&k.text) {
                    out.push(v);
                    return;
                }
            }
            out.extend(default);
            return;
        }
        // Conversions and decoders whose result is derived from their argument.
        if is_arg_transparent(method, &qualified) {
            if let Some(a) = args.first() {
                let mut tmp = Vec::new();
                self.eval_into(*a, depth + 1, &mut tmp);
                for v in tmp {
                    match v.kind {
                        // A size, not content: `bytes(16)` and `new Uint8Array(12)`
                        // are zero buffers; `GetBytes(16)` from an RNG is nothing known.
                        ValueKind::Num if ZERO_BUFFER_CTORS.contains(&method) => out.push(Value {
                            kind: ValueKind::Array { zero: true, len: v.num.unwrap_or(0.0) as usize },
                            text: self.text_of(node).to_string(),
                            num: None,
                            origin: Origin::Here(node.start_byte(), node.end_byte()),
                        }),
                        ValueKind::Num => {}
                        _ => out.push(v),
                    }
                }
                return;
            }
        }
        // Methods whose result is derived from their receiver: `"k".getBytes()`, `b"k".to_vec()`.
        if is_receiver_transparent(method) {
            if let Some(r) = receiver {
                self.eval_into(r, depth + 1, out);
                return;
            }
        }
        // Go `[]byte("k")` is a call whose callee is a type.
        if self.lang.kind_of(callee).contains("type") && args.len() == 1 {
            self.eval_into(args[0], depth + 1, out);
            return;
        }
        // A same-file helper that returns literals.
        if args.is_empty() || self.lang != Language::Java {
            for f in self.functions.iter().filter(|f| f.name == method) {
                if f.node.start_byte() <= node.start_byte() && node.end_byte() <= f.node.end_byte() {
                    continue; // recursion
                }
                self.returns_of(f.node, depth, out);
            }
        }
    }

    fn returns_of(&self, func: Node<'t>, depth: usize, out: &mut Vec<Value>) {
        let mut stack = vec![func];
        let mut cursor = func.walk();
        let mut budget = 20_000;
        while let Some(n) = stack.pop() {
            budget -= 1;
            if budget == 0 {
                return;
            }
            if in_list(self.lang.kind_of(n), self.syntax.returns) {
                if let Some(v) = n.named_child(0) {
                    self.eval_into(v, depth + 1, out);
                }
                continue;
            }
            if n != func && self.syntax.functions.iter().any(|f| f.0 == self.lang.kind_of(n)) {
                continue;
            }
            stack.extend(n.named_children(&mut cursor));
        }
        // Expression-bodied functions (Rust blocks ending in an expression, arrow bodies).
        if let Some(body) = self.lang.field_of(func, "body") {
            if let Some(last) = last_named_child(body) {
                let is_expression = !self.lang.kind_of(last).ends_with("statement")
                    && !in_list(self.lang.kind_of(last), self.syntax.returns)
                    && self.lang.kind_of(last) != "let_declaration";
                let tail_valued = self.lang.kind_of(body) == "block" && self.lang == Language::Rust
                    || self.lang.kind_of(body) == "arrow_expression_clause";
                if is_expression && tail_valued {
                    self.eval_into(last, depth + 1, out);
                }
            }
        }
    }

    fn resolve_name(&self, use_node: Node<'t>, name: &str, reference: Reference, depth: usize, out: &mut Vec<Value>) {
        let member = reference != Reference::Plain;
        let reaching = self.reaching(use_node, name, member);
        if !reaching.is_empty() {
            for value in reaching {
                self.eval_into(value, depth + 1, out);
            }
            return;
        }
        // Not defined in this file: a parameter fed by other files' calls, or
        // a constant of another class or module.
        let wanted = match self.function_index(use_node).map(|i| &self.functions[i]) {
            Some(f) if !member && f.params.iter().any(|p| p == name) => {
                if f.callee.is_empty() {
                    return;
                }
                let pos = f.params.iter().position(|p| p == name).unwrap_or(0);
                let arg = if f.implicit_self || matches!(f.params.first().map(String::as_str), Some("self" | "cls")) {
                    pos.saturating_sub(1)
                } else {
                    pos
                };
                Wanted::Arg { family: Family::of(self.lang), func: f.callee.clone(), arg }
            }
            // Only names that look defined elsewhere: constants, members of
            // another class or module, imported names. Plain lower-case
            // locals would send the cross-file pass after every `data`.
            // A tuple field (`self.0`) is never bound by name anywhere.
            _ if name.starts_with(|c: char| c.is_ascii_digit()) => return,
            _ if reference == Reference::OwnMember => {
                Wanted::Field { family: Family::of(self.lang), name: name.to_string(), package: self.package.clone() }
            }
            _ if member || !name.chars().any(char::is_lowercase) || self.imports.contains_key(name) => {
                Wanted::Name { family: Family::of(self.lang), name: name.to_string() }
            }
            _ => return,
        };
        if !wanted.is_specific() {
            return;
        }
        match self.known.get(&wanted) {
            Some(values) => out.extend(values.iter().take(MAX_VALUES).cloned()),
            None => self.misses.borrow_mut().push(wanted),
        }
    }

    /// How a member access such as `this.key`, `Config.KEY` or
    /// `settings.KEY` (an imported module) names a field or constant this
    /// resolver can look up by its last segment: as the code's own
    /// (`self`, `this`, `crate`, ...) or another's. `None` for
    /// `process.env.KEY` or `request.headers.key`, which read runtime data
    /// and must not resolve to a same-named constant.
    fn member_reference(&self, text: &str) -> Option<Reference> {
        let Some(head) = member_head(text) else { return Some(Reference::Member) };
        if OWN_OBJECT.contains(&head.as_str()) {
            return Some(Reference::OwnMember);
        }
        (head.chars().next().is_some_and(char::is_uppercase) || self.imports.contains_key(&head))
            .then_some(Reference::Member)
    }

    /// Symbols that resolution looked for and did not find in this file.
    pub fn take_misses(&self) -> Vec<Wanted> {
        std::mem::take(&mut *self.misses.borrow_mut())
    }

    /// Values of a file-level constant, static or field named `name`.
    pub fn file_level_values(&self, name: &str) -> Vec<Value> {
        let mut out = Vec::new();
        for b in self.wide_bindings(name) {
            self.eval_into(b.value, 1, &mut out);
        }
        out
    }

    /// Values passed as argument `arg` by this file's calls to `func`.
    pub fn call_arg_values(&self, func: &str, arg: usize) -> Vec<Value> {
        let mut out = Vec::new();
        for call in self.calls_by_name.get(func).map(Vec::as_slice).unwrap_or(&[]) {
            let Some(&(_, callee_f, args_f)) = self.syntax.calls.iter().find(|c| c.0 == self.lang.kind_of(*call))
            else {
                continue;
            };
            let Some(callee) = self.lang.field_of(*call, callee_f) else { continue };
            if last_segment(self.text_of(callee)) != func {
                continue;
            }
            let Some(args) = self.lang.field_of(*call, args_f) else { continue };
            let mut c = args.walk();
            let args: Vec<Node<'t>> = args
                .named_children(&mut c)
                .filter(|n| !self.syntax.comments.contains(&self.lang.kind_of(*n)))
                .collect();
            if let Some(a) = args.get(arg).filter(|a| self.lang.kind_of(**a) != "keyword_argument") {
                self.eval_into(*a, 1, &mut out);
            }
        }
        out
    }

    /// The expressions whose value `name` may hold at `use_node`: the reaching
    /// local assignments, else the arguments of same-file call sites when it
    /// is a parameter, else file-level constants, fields and member assignments.
    pub fn reaching(&self, use_node: Node<'t>, name: &str, member: bool) -> Vec<Node<'t>> {
        if name.is_empty() {
            return Vec::new();
        }
        let func = self.function_index(use_node);
        let at = use_node.start_byte();
        // A binding whose own value contains the use (`k = k + x`) is not a reaching definition of it.
        let usable = |b: &Binding<'t>| b.name == name && !(b.value.start_byte() <= at && at < b.value.end_byte());
        if let (false, Some(fi)) = (member, func) {
            // Already by position.
            let local: Vec<&Binding<'t>> =
                self.bindings_in(name, fi).filter(|b| usable(b) && b.at < at && !b.member).collect();
            // The last assignment before the use reaches it; earlier ones do too
            // when the later ones sit in branches that do not contain the use.
            let mut reaching = Vec::new();
            for b in local.iter().rev() {
                reaching.push(b.value);
                if !self.in_branch_without(b.node, use_node) {
                    break;
                }
            }
            if !reaching.is_empty() {
                reaching.reverse();
                // A buffer passed to a call after its assignment may have been
                // filled there (`nextBytes(iv)`, `RAND_bytes(iv, n)`, `read(f, buf)`):
                // its initializer no longer says what it holds.
                let last_def = local.last().map_or(0, |b| b.at);
                let filled = self
                    .calls_passing(name)
                    .any(|c| c.start_byte() > last_def && c.start_byte() < at && c.end_byte() <= at);
                if filled {
                    reaching.retain(|v| !self.is_buffer_literal(*v));
                }
                return reaching;
            }
            // A parameter: the arguments of same-file call sites (a default
            // value, `def f(n=1024)`, was recorded as a binding and comes next).
            let f = &self.functions[fi];
            if let Some(pos) = f.params.iter().position(|p| p == name) {
                let args = self.call_site_args(fi, pos);
                if !args.is_empty() {
                    return args;
                }
            }
        }
        // File-level constants, statics, fields and member assignments.
        self.wide_bindings(name).filter(|b| usable(b)).map(|b| b.value).collect()
    }

    /// The calls that pass `name` (or `&name`, `&mut name`, `name[:]`) as an argument.
    fn calls_passing<'a>(&'a self, name: &str) -> impl Iterator<Item = Node<'t>> + 'a {
        let index = self.calls_by_arg.get_or_init(|| {
            let mut index: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, call) in self.calls.iter().enumerate() {
                let Some(&(_, _, args_f)) = self.syntax.calls.iter().find(|c| c.0 == self.lang.kind_of(*call)) else {
                    continue;
                };
                let Some(args) = self.lang.field_of(*call, args_f) else { continue };
                let mut c = args.walk();
                for a in args.named_children(&mut c) {
                    let t = self.text_of(a).trim();
                    let t = t.trim_start_matches('&').trim_start_matches("mut ").trim();
                    let t = t.strip_suffix("[:]").unwrap_or(t);
                    let ids = index.entry(t.to_string()).or_default();
                    if ids.last() != Some(&i) {
                        ids.push(i);
                    }
                }
            }
            index
        });
        index.get(name).into_iter().flatten().map(|&i| self.calls[i])
    }

    /// An array literal or zero-buffer constructor (contents a later call may overwrite).
    fn is_buffer_literal(&self, node: Node<'t>) -> bool {
        in_list(self.lang.kind_of(node), self.syntax.arrays)
            || matches!(
                self.lang.kind_of(node),
                "array_creation_expression" | "composite_literal" | "array_expression" | "initializer_list"
            )
            || (s_is_call(self.syntax, self.lang.kind_of(node))
                && self
                    .lang
                    .field_of(
                        node,
                        self.syntax.calls.iter().find(|c| c.0 == self.lang.kind_of(node)).map_or("function", |c| c.1),
                    )
                    .is_some_and(|f| ZERO_BUFFER_CTORS.contains(&last_segment(self.text_of(f)))))
    }

    /// Calls that start in `from..to` (the index is in document order, so
    /// this is two binary searches, not a scan of every call of the file).
    /// Calls in the same function as `use_node` that end before it and pass
    /// `name` as an argument (out-parameters: `rand.Read(key)` fills `key`).
    pub fn calls_filling(&self, use_node: Node<'t>, name: &str) -> Vec<Node<'t>> {
        let Some(f) = self.function_index(use_node).map(|i| self.functions[i].node) else { return Vec::new() };
        let at = use_node.start_byte();
        self.calls_passing(name)
            .filter(|c| c.start_byte() >= f.start_byte() && c.start_byte() < at && c.end_byte() <= at)
            .collect()
    }

    fn is_constructor(&self, func: Option<usize>) -> bool {
        func.is_some_and(|i| matches!(self.functions[i].name.as_str(), "__init__" | "constructor" | "new" | "init"))
            || func.is_some_and(|i| self.lang.kind_of(self.functions[i].node) == "constructor_declaration")
    }

    /// Whether `def` sits in a conditional branch that does not also contain `use_node`.
    fn in_branch_without(&self, def: Node<'t>, use_node: Node<'t>) -> bool {
        let chain = self.ancestors(def, 64);
        for (i, n) in chain.iter().enumerate() {
            if self.syntax.functions.iter().any(|f| f.0 == self.lang.kind_of(*n)) {
                return false;
            }
            let parent_branches =
                chain.get(i + 1).is_some_and(|p| in_list(self.lang.kind_of(*p), self.syntax.branches));
            if in_list(self.lang.kind_of(*n), self.syntax.branches)
                || self.lang.kind_of(*n) == "block" && parent_branches
            {
                let contains = n.start_byte() <= use_node.start_byte() && use_node.end_byte() <= n.end_byte();
                if !contains {
                    return true;
                }
            }
        }
        false
    }

    /// The arguments the same-file call sites of function `fi` pass to its
    /// parameter at `pos`.
    fn call_site_args(&self, fi: usize, pos: usize) -> Vec<Node<'t>> {
        if let Some(args) = self.call_site_args.borrow().get(&(fi, pos)) {
            return args.clone();
        }
        let args = self.find_call_site_args(&self.functions[fi], pos);
        self.call_site_args.borrow_mut().insert((fi, pos), args.clone());
        args
    }

    fn find_call_site_args(&self, f: &Function<'t>, pos: usize) -> Vec<Node<'t>> {
        let mut out = Vec::new();
        let skip_self = matches!(f.params.first().map(String::as_str), Some("self" | "cls"));
        for call in self.calls_by_name.get(&f.callee).map(Vec::as_slice).unwrap_or(&[]) {
            let Some(&(_, callee_f, args_f)) = self.syntax.calls.iter().find(|c| c.0 == self.lang.kind_of(*call))
            else {
                continue;
            };
            let Some(callee) = self.lang.field_of(*call, callee_f) else { continue };
            if last_segment(self.text_of(callee)) != f.callee {
                continue;
            }
            let Some(args) = self.lang.field_of(*call, args_f) else { continue };
            let mut c = args.walk();
            let args: Vec<Node<'t>> = args
                .named_children(&mut c)
                .filter(|n| !self.syntax.comments.contains(&self.lang.kind_of(*n)))
                .collect();
            // Keyword argument by name first (Python `f(bits=512)`).
            let pname = &f.params[pos];
            if let Some(kw) = args.iter().find(|a| {
                self.lang.kind_of(**a) == "keyword_argument"
                    && self.lang.field_of(**a, "name").is_some_and(|n| self.text_of(n) == pname)
            }) {
                out.extend(self.lang.field_of(*kw, "value"));
                continue;
            }
            let idx = if f.implicit_self || skip_self && self.text_of(callee).contains('.') {
                pos.checked_sub(1)
            } else {
                Some(pos)
            };
            if let Some(a) = idx.and_then(|i| args.get(i)) {
                if self.lang.kind_of(*a) != "keyword_argument" {
                    out.push(*a);
                }
            }
        }
        out
    }
}

fn s_is_call(syntax: &Syntax, kind: &str) -> bool {
    syntax.calls.iter().any(|c| c.0 == kind)
}

fn last_named_child(node: Node<'_>) -> Option<Node<'_>> {
    let n = node.named_child_count();
    (n > 0).then(|| node.named_child((n - 1) as u32)).flatten()
}

fn num_value(n: f64, origin: Origin) -> Value {
    Value { kind: ValueKind::Num, text: format!("{n}"), num: Some(n), origin }
}

/// Fills `%s`/`%d`-style or `{}`/`{0}`/`{name}` placeholders in order with
/// the first known value of each argument; `None` if an argument is unknown.
fn apply_format(template: &str, args: &[Vec<Value>]) -> Option<String> {
    let mut out = String::new();
    let mut next = 0usize;
    let mut chars = template.chars().peekable();
    let take = |next: &mut usize| -> Option<String> {
        let v = args.get(*next)?.first()?.text.clone();
        *next += 1;
        Some(v)
    };
    while let Some(c) = chars.next() {
        match c {
            '%' if chars.peek() == Some(&'%') => {
                chars.next();
                out.push('%');
            }
            '%' => {
                // Skip flags, width and precision, then the conversion letter.
                while chars.peek().is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | ' ' | '#')) {
                    chars.next();
                }
                chars.next()?;
                out.push_str(&take(&mut next)?);
            }
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '{' => {
                let mut spec = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    spec.push(c);
                }
                let index = spec.split(':').next().and_then(|i| i.parse::<usize>().ok());
                match index {
                    Some(i) => out.push_str(&args.get(i)?.first()?.text),
                    None => out.push_str(&take(&mut next)?),
                }
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// Constructors whose numeric argument is a length of zeroed memory.
const ZERO_BUFFER_CTORS: &[&str] = &["bytes", "bytearray", "Uint8Array", "alloc", "Vec"];

fn is_arg_transparent(method: &str, qualified: &str) -> bool {
    const METHODS: &[&str] = &[
        "fromhex",
        "unhexlify",
        "a2b_hex",
        "b64decode",
        "b32decode",
        "urlsafe_b64decode",
        "standard_b64decode",
        "decodestring",
        "DecodeString",
        "FromBase64String",
        "FromHexString",
        "parseHexBinary",
        "decodeHex",
        "decodeBase64",
        "hexStringToByteArray",
        "parseBase64Binary",
        "decodeFromString",
        "from",
        "bytes",
        "bytearray",
        "decode",
        "GetBytes",
        "from_slice",
        "new_from_slice",
        "clone_from_slice",
        "copy_from_slice",
        "from_hex",
        "Vec",
        "String",
        "valueOf",
        "copyOf",
        "toCharArray",
        "str",
        "encode",
        "u8",
        "Uint8Array",
        "TextEncoder",
        "parse",
        "from_utf8",
        "to_vec",
        "from_base64",
        "b64",
        "unquote",
        "hex",
        "alloc",
    ];
    METHODS.contains(&method)
        || qualified.ends_with("Base64.getDecoder().decode")
        || qualified.ends_with("Encoding.UTF8.GetBytes")
        || qualified.ends_with("Encoding.ASCII.GetBytes")
}

fn is_receiver_transparent(method: &str) -> bool {
    const METHODS: &[&str] = &[
        "getBytes",
        "encode",
        "as_bytes",
        "to_vec",
        "into",
        "to_string",
        "to_owned",
        "as_ref",
        "clone",
        "toByteArray",
        "ToArray",
        "unwrap",
        "expect",
        "as_slice",
        "toCharArray",
        "into_bytes",
        "bytes",
        "strip",
        "trim",
        "ToCharArray",
        "as_str",
    ];
    METHODS.contains(&method)
}

/// The content of a string literal, or `None` if it interpolates values.
pub fn unquote(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let quote_at = raw.find(['"', '\'', '`'])?;
    let prefix = &raw[..quote_at];
    if !prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '@' || c == '$' || c == '#') || prefix.len() > 3 {
        return None;
    }
    let interpolating = prefix.contains(['f', 'F', '$']);
    let body = &raw[quote_at..];
    let verbatim = prefix.contains('@') || prefix.contains('r') || prefix.contains('R');
    let inner = if body.starts_with("\"\"\"") || body.starts_with("'''") {
        body.get(3..body.len().saturating_sub(3))?
    } else if prefix.contains('R') && body.starts_with('"') {
        // C++ raw string R"delim( ... )delim"
        let open = body.find('(')?;
        let close = body.rfind(')')?;
        body.get(open + 1..close)?
    } else {
        let body = body.trim_end_matches('#');
        body.get(1..body.len().saturating_sub(1))?
    };
    if interpolating && inner.contains('{') {
        return None;
    }
    if body.starts_with('`') && inner.contains("${") {
        return None;
    }
    if verbatim {
        return Some(inner.replace("\"\"", "\""));
    }
    Some(unescape(inner))
}

fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('x') => {
                let h: String = chars.by_ref().take(2).collect();
                match u8::from_str_radix(&h, 16) {
                    Ok(b) => out.push(b as char),
                    Err(_) => {
                        out.push_str("\\x");
                        out.push_str(&h);
                    }
                }
            }
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

/// Parses an integer or float literal in any of the nine languages' spellings.
pub fn parse_number(raw: &str) -> Option<f64> {
    let t: String = raw.trim().chars().filter(|&c| c != '_' && c != '\'').collect();
    let lower = t.to_ascii_lowercase();
    let (digits, radix) = if let Some(h) = lower.strip_prefix("0x") {
        (h.to_string(), 16)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (b.to_string(), 2)
    } else if let Some(o) = lower.strip_prefix("0o") {
        (o.to_string(), 8)
    } else {
        (lower.clone(), 10)
    };
    let valid: String =
        digits.chars().take_while(|c| c.is_digit(radix) || (radix == 10 && (*c == '.' || *c == 'e'))).collect();
    if valid.is_empty() {
        return None;
    }
    if radix == 10 {
        valid.parse().ok()
    } else {
        u128::from_str_radix(&valid, radix).ok().map(|v| v as f64)
    }
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts: HashMap<char, usize> = HashMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// A value that is obviously not a real secret: empty, a template, an
/// instruction to the reader, or one character repeated.
pub fn is_placeholder(v: &str) -> bool {
    let t = v.trim();
    if t.len() < 4 {
        return true;
    }
    let lower = t.to_ascii_lowercase();
    let first = lower.chars().next().unwrap_or(' ');
    if lower.chars().all(|c| c == first) {
        return true;
    }
    const WORDS: &[&str] = &[
        "changeme",
        "change_me",
        "change-me",
        "changeit",
        "placeholder",
        "example",
        "dummy",
        "todo",
        "fixme",
        "replace_me",
        "replaceme",
        "insert_key_here",
        "none",
        "null",
        "undefined",
    ];
    if WORDS.contains(&lower.as_str()) {
        return true;
    }
    (t.starts_with('<') && t.ends_with('>'))
        || t.starts_with("${")
        || t.starts_with("{{")
        || t.starts_with("%(")
        || t.starts_with("$(")
        || t.starts_with('%') && t.ends_with('%')
        || lower.starts_with("your")
        || lower.starts_with("xxxx")
        || lower.contains("<your")
        || lower.starts_with("example")
        || lower.starts_with("changeme")
        || lower.contains("replace-with")
        || lower.contains("replace_with")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquotes_every_spelling() {
        assert_eq!(unquote("\"abc\"").as_deref(), Some("abc"));
        assert_eq!(unquote("b'k\\x01'").as_deref(), Some("k\u{1}"));
        assert_eq!(unquote("r#\"a\"b\"#").as_deref(), Some("a\"b"));
        assert_eq!(unquote("@\"a\"\"b\"").as_deref(), Some("a\"b"));
        assert_eq!(unquote("`raw`").as_deref(), Some("raw"));
        assert_eq!(unquote("'''x'''").as_deref(), Some("x"));
        assert_eq!(unquote("f\"{x}\""), None);
        assert_eq!(unquote("`a${x}`"), None);
        assert_eq!(unquote("R\"(a\"b)\"").as_deref(), Some("a\"b"));
    }

    #[test]
    fn formatting() {
        let v = |t: &str| vec![Value { kind: ValueKind::Str, text: t.into(), num: None, origin: Origin::Here(0, 0) }];
        assert_eq!(apply_format("%s/CBC/%s", &[v("DES"), v("PKCS5Padding")]).as_deref(), Some("DES/CBC/PKCS5Padding"));
        assert_eq!(apply_format("{}-{}-cbc", &[v("des"), v("ede3")]).as_deref(), Some("des-ede3-cbc"));
        assert_eq!(apply_format("{1}{0}", &[v("a"), v("b")]).as_deref(), Some("ba"));
        assert_eq!(apply_format("100%% {}", &[v("x")]).as_deref(), Some("100% x"));
        assert_eq!(apply_format("%s", &[vec![]]), None);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("2_048"), Some(2048.0));
        assert_eq!(parse_number("0x10"), Some(16.0));
        assert_eq!(parse_number("1024L"), Some(1024.0));
        assert_eq!(parse_number("512u32"), Some(512.0));
        assert_eq!(parse_number("abc"), None);
    }

    #[test]
    fn placeholders_and_entropy() {
        assert!(is_placeholder("changeme"));
        assert!(is_placeholder("<your-key>"));
        assert!(is_placeholder("${API_KEY}"));
        assert!(is_placeholder("xxxxxxxx"));
        assert!(is_placeholder(""));
        assert!(!is_placeholder("s3cr3t-k3y-2019"));
        assert!(entropy("aaaa") < 0.1);
        assert!(entropy("q8Zr2LmX0vT5bN7w") > 3.5);
    }
}
