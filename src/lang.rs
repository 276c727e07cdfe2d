//! The language registry: the one table that says which files cipherlint reads,
//! which tree-sitter grammar parses them, and the few node kinds the generic
//! value-resolution layer needs to know about for each grammar.
//!
//! The walker, the prefilter, the rule loader and the resolver all read this
//! table; adding a language means adding one entry here.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// A grammar's node kind names, by kind id, and field ids, by name.
struct GrammarNames {
    kinds: Vec<String>,
    fields: HashMap<String, u16>,
}

/// A source language cipherlint can parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    Rust,
    Python,
    Go,
    Java,
    JavaScript,
    TypeScript,
    Tsx,
    C,
    Cpp,
    CSharp,
}

/// Syntax facts about one grammar, used by the resolver and the matcher.
/// Everything here is data so that the resolver itself stays language-blind.
pub struct Syntax {
    /// Nodes whose text is a string literal.
    pub strings: &'static [&'static str],
    /// Nodes that are adjacent string literals joined by the compiler.
    pub concatenated_strings: &'static [&'static str],
    /// Nodes whose text is an integer or float literal.
    pub numbers: &'static [&'static str],
    /// Nodes that are `true`/`false`.
    pub booleans: &'static [&'static str],
    /// Plain identifiers (a variable, a field or a function name).
    pub identifiers: &'static [&'static str],
    /// Member accesses such as `a.b`, `this.b`, `a->b`, `a::b`.
    pub members: &'static [&'static str],
    /// Array / list / byte-array literals.
    pub arrays: &'static [&'static str],
    /// Binary expressions (string concatenation uses `+`).
    pub binaries: &'static [&'static str],
    /// Call-like nodes: `(kind, callee field, arguments field)`.
    pub calls: &'static [(&'static str, &'static str, &'static str)],
    /// Function-like nodes: `(kind, name field, parameters field)`.
    pub functions: &'static [(&'static str, &'static str, &'static str)],
    /// Bindings: `(kind, name field, value field)`. An empty value field means
    /// "the last named child that is not the name".
    pub bindings: &'static [(&'static str, &'static str, &'static str)],
    /// Nodes that make the code under them conditional.
    pub branches: &'static [&'static str],
    /// Return statements.
    pub returns: &'static [&'static str],
    /// Comment nodes.
    pub comments: &'static [&'static str],
}

struct Entry {
    lang: Language,
    /// The name used in rule files, fixtures and output.
    name: &'static str,
    extensions: &'static [&'static str],
    /// Interpreter names recognised on a `#!` line.
    shebangs: &'static [&'static str],
    line_comment: &'static str,
    grammar: tree_sitter_language::LanguageFn,
    syntax: Syntax,
}

const C_LIKE_BRANCHES: &[&str] = &[
    "if_statement",
    "else_clause",
    "switch_statement",
    "case_statement",
    "conditional_expression",
    "try_statement",
    "catch_clause",
    "for_statement",
    "while_statement",
];

static TABLE: &[Entry] = &[
    Entry {
        lang: Language::Rust,
        name: "rust",
        extensions: &["rs"],
        shebangs: &[],
        line_comment: "//",
        grammar: tree_sitter_rust::LANGUAGE,
        syntax: Syntax {
            strings: &["string_literal", "raw_string_literal"],
            concatenated_strings: &[],
            numbers: &["integer_literal", "float_literal"],
            booleans: &["boolean_literal"],
            identifiers: &["identifier", "field_identifier"],
            members: &["field_expression", "scoped_identifier"],
            arrays: &["array_expression"],
            binaries: &["binary_expression"],
            calls: &[("call_expression", "function", "arguments")],
            functions: &[("function_item", "name", "parameters")],
            bindings: &[
                ("let_declaration", "pattern", "value"),
                ("const_item", "name", "value"),
                ("static_item", "name", "value"),
                ("field_initializer", "field", "value"),
                ("assignment_expression", "left", "right"),
            ],
            branches: &["if_expression", "match_arm", "else_clause"],
            returns: &["return_expression"],
            comments: &["line_comment", "block_comment"],
        },
    },
    Entry {
        lang: Language::Python,
        name: "python",
        extensions: &["py", "pyw", "pyi"],
        shebangs: &["python", "python2", "python3"],
        line_comment: "#",
        grammar: tree_sitter_python::LANGUAGE,
        syntax: Syntax {
            strings: &["string"],
            concatenated_strings: &["concatenated_string"],
            numbers: &["integer", "float"],
            booleans: &["true", "false"],
            identifiers: &["identifier"],
            members: &["attribute"],
            arrays: &["list", "tuple"],
            binaries: &["binary_operator"],
            calls: &[("call", "function", "arguments")],
            functions: &[("function_definition", "name", "parameters")],
            bindings: &[
                ("assignment", "left", "right"),
                ("default_parameter", "name", "value"),
                ("typed_default_parameter", "name", "value"),
            ],
            branches: &[
                "if_statement",
                "elif_clause",
                "else_clause",
                "try_statement",
                "except_clause",
                "conditional_expression",
                "for_statement",
                "while_statement",
                "match_statement",
            ],
            returns: &["return_statement"],
            comments: &["comment"],
        },
    },
    Entry {
        lang: Language::Go,
        name: "go",
        extensions: &["go"],
        shebangs: &[],
        line_comment: "//",
        grammar: tree_sitter_go::LANGUAGE,
        syntax: Syntax {
            strings: &["interpreted_string_literal", "raw_string_literal"],
            concatenated_strings: &[],
            numbers: &["int_literal", "float_literal"],
            booleans: &["true", "false"],
            identifiers: &["identifier", "field_identifier"],
            members: &["selector_expression"],
            arrays: &["composite_literal"],
            binaries: &["binary_expression"],
            calls: &[("call_expression", "function", "arguments")],
            functions: &[("function_declaration", "name", "parameters"), ("method_declaration", "name", "parameters")],
            bindings: &[
                ("short_var_declaration", "left", "right"),
                ("var_spec", "name", "value"),
                ("const_spec", "name", "value"),
                ("assignment_statement", "left", "right"),
                ("keyed_element", "key", "value"),
            ],
            branches: &[
                "if_statement",
                "expression_case",
                "default_case",
                "type_case",
                "for_statement",
                "select_statement",
            ],
            returns: &["return_statement"],
            comments: &["comment"],
        },
    },
    Entry {
        lang: Language::Java,
        name: "java",
        extensions: &["java"],
        shebangs: &[],
        line_comment: "//",
        grammar: tree_sitter_java::LANGUAGE,
        syntax: Syntax {
            strings: &["string_literal"],
            concatenated_strings: &[],
            numbers: &[
                "decimal_integer_literal",
                "hex_integer_literal",
                "octal_integer_literal",
                "binary_integer_literal",
                "decimal_floating_point_literal",
            ],
            booleans: &["true", "false"],
            identifiers: &["identifier"],
            members: &["field_access"],
            arrays: &["array_initializer", "array_creation_expression"],
            binaries: &["binary_expression"],
            calls: &[("method_invocation", "name", "arguments"), ("object_creation_expression", "type", "arguments")],
            functions: &[
                ("method_declaration", "name", "parameters"),
                ("constructor_declaration", "name", "parameters"),
            ],
            bindings: &[
                ("variable_declarator", "name", "value"),
                ("assignment_expression", "left", "right"),
                ("element_value_pair", "key", "value"),
            ],
            branches: C_LIKE_BRANCHES,
            returns: &["return_statement"],
            comments: &["line_comment", "block_comment"],
        },
    },
    Entry {
        lang: Language::JavaScript,
        name: "javascript",
        extensions: &["js", "mjs", "cjs", "jsx"],
        shebangs: &["node", "nodejs", "deno", "bun"],
        line_comment: "//",
        grammar: tree_sitter_javascript::LANGUAGE,
        syntax: JS_SYNTAX,
    },
    Entry {
        lang: Language::TypeScript,
        name: "typescript",
        extensions: &["ts", "mts", "cts"],
        shebangs: &["ts-node", "tsx"],
        line_comment: "//",
        grammar: tree_sitter_typescript::LANGUAGE_TYPESCRIPT,
        syntax: JS_SYNTAX,
    },
    Entry {
        lang: Language::Tsx,
        name: "tsx",
        extensions: &["tsx"],
        shebangs: &[],
        line_comment: "//",
        grammar: tree_sitter_typescript::LANGUAGE_TSX,
        syntax: JS_SYNTAX,
    },
    Entry {
        lang: Language::C,
        name: "c",
        extensions: &["c", "h"],
        shebangs: &[],
        line_comment: "//",
        grammar: tree_sitter_c::LANGUAGE,
        syntax: C_SYNTAX,
    },
    Entry {
        lang: Language::Cpp,
        name: "cpp",
        extensions: &["cc", "cpp", "cxx", "c++", "hh", "hpp", "hxx", "h++", "ipp"],
        shebangs: &[],
        line_comment: "//",
        grammar: tree_sitter_cpp::LANGUAGE,
        syntax: C_SYNTAX,
    },
    Entry {
        lang: Language::CSharp,
        name: "csharp",
        extensions: &["cs"],
        shebangs: &[],
        line_comment: "//",
        grammar: tree_sitter_c_sharp::LANGUAGE,
        syntax: Syntax {
            strings: &["string_literal", "verbatim_string_literal", "raw_string_literal"],
            concatenated_strings: &[],
            numbers: &["integer_literal", "real_literal"],
            booleans: &["boolean_literal"],
            identifiers: &["identifier"],
            members: &["member_access_expression", "qualified_name"],
            arrays: &[
                "initializer_expression",
                "array_creation_expression",
                "implicit_array_creation_expression",
                "collection_expression",
            ],
            binaries: &["binary_expression"],
            calls: &[
                ("invocation_expression", "function", "arguments"),
                ("object_creation_expression", "type", "arguments"),
            ],
            functions: &[
                ("method_declaration", "name", "parameters"),
                ("constructor_declaration", "name", "parameters"),
                ("local_function_statement", "name", "parameters"),
            ],
            bindings: &[
                ("variable_declarator", "name", ""),
                ("assignment_expression", "left", "right"),
                ("property_declaration", "name", "value"),
            ],
            branches: &[
                "if_statement",
                "switch_section",
                "conditional_expression",
                "try_statement",
                "catch_clause",
                "for_statement",
                "while_statement",
            ],
            returns: &["return_statement"],
            comments: &["comment"],
        },
    },
];

const JS_SYNTAX: Syntax = Syntax {
    strings: &["string", "template_string"],
    concatenated_strings: &[],
    numbers: &["number"],
    booleans: &["true", "false"],
    identifiers: &["identifier", "property_identifier", "shorthand_property_identifier"],
    members: &["member_expression"],
    arrays: &["array"],
    binaries: &["binary_expression"],
    calls: &[("call_expression", "function", "arguments"), ("new_expression", "constructor", "arguments")],
    functions: &[
        ("function_declaration", "name", "parameters"),
        ("method_definition", "name", "parameters"),
        ("function_expression", "name", "parameters"),
    ],
    bindings: &[
        ("variable_declarator", "name", "value"),
        ("assignment_expression", "left", "right"),
        ("field_definition", "property", "value"),
        ("public_field_definition", "name", "value"),
        ("pair", "key", "value"),
    ],
    branches: &[
        "if_statement",
        "else_clause",
        "switch_case",
        "ternary_expression",
        "try_statement",
        "catch_clause",
        "for_statement",
        "while_statement",
    ],
    returns: &["return_statement"],
    comments: &["comment"],
};

const C_SYNTAX: Syntax = Syntax {
    strings: &["string_literal", "raw_string_literal", "char_literal"],
    concatenated_strings: &["concatenated_string"],
    numbers: &["number_literal"],
    booleans: &["true", "false"],
    identifiers: &["identifier", "field_identifier"],
    members: &["field_expression", "qualified_identifier"],
    arrays: &["initializer_list"],
    binaries: &["binary_expression"],
    calls: &[("call_expression", "function", "arguments")],
    functions: &[("function_definition", "declarator", "declarator")],
    bindings: &[
        ("init_declarator", "declarator", "value"),
        ("preproc_def", "name", "value"),
        ("assignment_expression", "left", "right"),
    ],
    branches: C_LIKE_BRANCHES,
    returns: &["return_statement"],
    comments: &["comment"],
};

impl Language {
    /// Every language, in a fixed order.
    pub const ALL: [Language; 10] = [
        Language::Rust,
        Language::Python,
        Language::Go,
        Language::Java,
        Language::JavaScript,
        Language::TypeScript,
        Language::Tsx,
        Language::C,
        Language::Cpp,
        Language::CSharp,
    ];

    fn entry(self) -> &'static Entry {
        // The table is in enum order; a test checks that.
        &TABLE[self as usize]
    }

    /// The name used in rule files and output (`rust`, `python`, ...).
    pub fn name(self) -> &'static str {
        self.entry().name
    }

    pub fn line_comment(self) -> &'static str {
        self.entry().line_comment
    }

    pub fn syntax(self) -> &'static Syntax {
        &self.entry().syntax
    }

    pub fn grammar(self) -> tree_sitter::Language {
        self.entry().grammar.into()
    }

    /// A node's kind, as `Node::kind` gives it, read from a table: that
    /// call measures and validates the name's C string each time, and the
    /// resolver asks it of nearly every node of a parsed file.
    pub fn kind_of<'t>(self, node: tree_sitter::Node<'t>) -> &'t str {
        match self.names().kinds.get(usize::from(node.kind_id())) {
            Some(kind) => kind,
            // The error kinds have ids past the grammar's symbols.
            None => node.kind(),
        }
    }

    /// A node's child in field `name`, as `Node::child_by_field_name`
    /// gives it, with the field's id read from a table: that call compares
    /// the name with each of the grammar's field names in turn.
    pub fn field_of<'t>(self, node: tree_sitter::Node<'t>, name: &str) -> Option<tree_sitter::Node<'t>> {
        node.child_by_field_id(*self.names().fields.get(name)?)
    }

    fn names(self) -> &'static GrammarNames {
        static NAMES: [OnceLock<GrammarNames>; Language::ALL.len()] = [const { OnceLock::new() }; Language::ALL.len()];
        NAMES[self as usize].get_or_init(|| {
            let grammar = self.grammar();
            let name_of = |id| grammar.node_kind_for_id(id).unwrap_or_default().to_string();
            GrammarNames {
                kinds: (0..grammar.node_kind_count() as u16).map(name_of).collect(),
                fields: (1..=grammar.field_count() as u16)
                    .filter_map(|id| Some((grammar.field_name_for_id(id)?.to_string(), id)))
                    .collect(),
            }
        })
    }

    pub fn extensions(self) -> &'static [&'static str] {
        self.entry().extensions
    }

    /// Looks a rule-file language key up. Besides each language's own name,
    /// `typescript` also covers TSX, so rule authors write one query for both.
    pub fn from_rule_key(key: &str) -> Option<Vec<Language>> {
        if key == "typescript" {
            return Some(vec![Language::TypeScript, Language::Tsx]);
        }
        TABLE.iter().find(|e| e.name == key).map(|e| vec![e.lang])
    }

    pub fn from_name(name: &str) -> Option<Language> {
        TABLE.iter().find(|e| e.name == name).map(|e| e.lang)
    }

    /// The language of a file, from its extension or, for scripts without
    /// one, from the interpreter on its `#!` line.
    pub fn detect(path: &Path, head: &[u8]) -> Option<Language> {
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            let ext = ext.to_ascii_lowercase();
            if let Some(e) = TABLE.iter().find(|e| e.extensions.contains(&ext.as_str())) {
                return Some(e.lang);
            }
            return None;
        }
        let first = head.split(|&b| b == b'\n').next()?;
        let line = std::str::from_utf8(first.strip_prefix(b"#!")?).ok()?;
        let mut words = line.split_whitespace();
        let mut prog = words.next()?.rsplit('/').next()?;
        if prog == "env" {
            prog = words.find(|w| !w.starts_with('-'))?;
        }
        TABLE
            .iter()
            .find(|e| {
                e.shebangs.iter().any(|s| {
                    prog == *s
                        || (prog.starts_with(s) && prog[s.len()..].chars().all(|c| c.is_ascii_digit() || c == '.'))
                })
            })
            .map(|e| e.lang)
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_enum_order() {
        for lang in Language::ALL {
            assert_eq!(lang.entry().lang, lang);
        }
    }

    /// The tables give what tree-sitter's own lookups give, for every node
    /// of a text that no grammar reads without errors and every field name.
    #[test]
    fn kinds_and_fields_from_the_tables_are_tree_sitters() {
        let text = "use a::b; fn f(k: &[u8]) -> u8 { let x = [1, 2]; if k == b\"\\x01\" { return x[0] } }\n\
                    class A { void m(int k) { k = k + 1; } }\ndef g(x, *y):\n  return {'a': x}\n)))\n\
                    func h() { m := map[string]int{\"a\": 1}; go h() }\nconst z = `t${x}` / 2;\n";
        for lang in Language::ALL {
            let grammar = lang.grammar();
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&grammar).unwrap();
            let tree = parser.parse(text, None).unwrap();
            let fields: Vec<&str> =
                (1..=grammar.field_count() as u16).filter_map(|id| grammar.field_name_for_id(id)).collect();
            let (mut nodes, mut errors, mut found) = (0, 0, 0);
            let mut stack = vec![tree.root_node()];
            while let Some(node) = stack.pop() {
                nodes += 1;
                errors += usize::from(node.is_error());
                assert_eq!(lang.kind_of(node), node.kind(), "{lang:?}");
                for field in fields.iter().copied().chain(["no such field"]) {
                    let child = lang.field_of(node, field);
                    assert_eq!(child, node.child_by_field_name(field), "{lang:?} {} {field}", node.kind());
                    found += usize::from(child.is_some());
                }
                stack.extend((0..node.child_count()).filter_map(|i| node.child(i)));
            }
            assert!(nodes > 20 && errors > 0 && found > 5, "{lang:?}: {nodes} nodes, {errors} errors, {found} fields");
        }
    }

    #[test]
    fn grammars_load() {
        for lang in Language::ALL {
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&lang.grammar()).unwrap();
        }
    }

    #[test]
    fn detects_by_extension_and_shebang() {
        assert_eq!(Language::detect(Path::new("a/b.PY"), b""), Some(Language::Python));
        assert_eq!(Language::detect(Path::new("x.tsx"), b""), Some(Language::Tsx));
        assert_eq!(Language::detect(Path::new("x.txt"), b"#!/usr/bin/python3"), None);
        assert_eq!(Language::detect(Path::new("tool"), b"#!/usr/bin/env python3.11\nprint(1)"), Some(Language::Python));
        assert_eq!(Language::detect(Path::new("tool"), b"#!/bin/sh\n"), None);
        assert_eq!(Language::detect(Path::new("run"), b"#!/usr/bin/env -S node --x"), Some(Language::JavaScript));
    }

    #[test]
    fn node_kinds_exist_in_their_grammar() {
        for lang in Language::ALL {
            let g = lang.grammar();
            let s = lang.syntax();
            let kinds = s
                .strings
                .iter()
                .chain(s.numbers)
                .chain(s.identifiers)
                .chain(s.members)
                .chain(s.calls.iter().map(|c| &c.0))
                .chain(s.functions.iter().map(|c| &c.0))
                .chain(s.bindings.iter().map(|c| &c.0));
            // JavaScript, TypeScript and TSX share one table (as do C and C++):
            // a kind must exist in at least one grammar of the family.
            let family: &[Language] = match lang {
                Language::JavaScript | Language::TypeScript | Language::Tsx => {
                    &[Language::JavaScript, Language::TypeScript, Language::Tsx]
                }
                Language::C | Language::Cpp => &[Language::C, Language::Cpp],
                _ => &[],
            };
            for kind in kinds {
                let known = g.id_for_node_kind(kind, true) != 0
                    || family.iter().any(|l| l.grammar().id_for_node_kind(kind, true) != 0);
                assert!(known, "{lang}: unknown node kind {kind}");
            }
        }
    }
}
