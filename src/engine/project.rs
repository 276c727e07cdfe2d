//! Cross-file knowledge: what the resolver may use from other files of the
//! scan. Configuration (`.properties`/YAML) is read up front; values of
//! symbols defined elsewhere — a constant of another class or module, the
//! literal arguments other files pass to a function's parameter — are looked
//! up only for the names some file could not resolve on its own (see
//! `scan.rs`: a second, narrow pass over the files that mention them).

use std::collections::{BTreeSet, HashMap};
use std::ops::ControlFlow;

use super::props::Properties;
use super::resolve::{FileContext, Origin, Value};
use super::striped::StripedSearch;
use crate::lang::Language;
use crate::source::Source;

/// A symbol a file could not resolve by itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Wanted {
    /// A constant, static or field of that name, in a file of the family.
    Name { family: Family, name: String },
    /// The argument at `arg` of calls to function `func`, in a file of the family.
    Arg { family: Family, func: String, arg: usize },
    /// A field of the reading code's own object, type or crate (`self.iv`,
    /// `this.key`, `Self::KEY`, `crate::KEY`), in a file of the family
    /// inside `package` (see [`Packages`]). Only that package's code can
    /// set it: looking `self.iv` up by name in every crate of a vendored
    /// tree parsed thirteen 1 MB binding files of another crate's
    /// `iv: *const u8` parameters.
    Field { family: Family, name: String, package: String },
}

/// Languages whose files can define symbols for each other: a Python call
/// never feeds a C parameter, but TypeScript may call into JavaScript.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Family(Language);

impl Family {
    pub fn of(lang: Language) -> Family {
        Family(match lang {
            Language::TypeScript | Language::Tsx => Language::JavaScript,
            Language::Cpp => Language::C,
            other => other,
        })
    }
}

impl Wanted {
    /// The family whose files may define the symbol.
    pub fn family(&self) -> Family {
        match self {
            Wanted::Name { family, .. } | Wanted::Arg { family, .. } | Wanted::Field { family, .. } => *family,
        }
    }

    /// Whether the name says enough to be joined across files. A
    /// one-letter name (`C`, `V`, `e`) is almost always a minifier's: a
    /// bundle's `new C(..)` has nothing to do with another bundle's class
    /// `C`, and looking it up parsed most of `node_modules`. Two letters
    /// may be a real constant (`IV`).
    pub fn is_specific(&self) -> bool {
        let name = match self {
            Wanted::Name { name, .. } | Wanted::Field { name, .. } => name,
            Wanted::Arg { func, .. } => func,
        };
        name.chars().count() >= 2
    }

    /// Texts of which a file that defines the symbol contains one, right
    /// after a character that cannot be part of a name.
    fn spellings(&self) -> Vec<String> {
        match self {
            Wanted::Name { name, .. } | Wanted::Field { name, .. } => {
                [" =", "=", ":", " :"].iter().map(|op| format!("{name}{op}")).collect()
            }
            Wanted::Arg { func, .. } => vec![format!("{func}(")],
        }
    }

    /// The keywords that, written right before a spelling, make it a
    /// definition rather than a call: `def verify(` passes no argument, nor
    /// does `class Box(Base):` (a Python constructor's callers are found by
    /// its class's name). Only the exact form (one space) is recognised; any
    /// other still counts as a mention, which merely costs a parse.
    fn definition_keywords(&self) -> &'static [&'static [u8]] {
        let Wanted::Arg { family, .. } = self else { return &[] };
        match family.0 {
            Language::Python => &[b"def ", b"class "],
            Language::Rust => &[b"fn "],
            Language::Go => &[b"func "],
            Language::JavaScript => &[b"function "],
            _ => &[],
        }
    }
}

/// Which files may define some wanted symbol, found in one pass over each
/// file for all symbols together. The cross-file pass reads every file of
/// the wanted languages; a whole-corpus scan wants a few hundred symbols, and
/// searching their spellings one by one, with `KEY =` also found inside
/// `MASTER_KEY =`, made it a quarter of the scan.
pub struct Mentions {
    automaton: Option<StripedSearch>,
    /// The family each pattern of the automaton belongs to.
    families: Vec<Family>,
    /// The definition keywords of each pattern, if it names a function.
    definitions: Vec<&'static [&'static [u8]]>,
    /// The argument index a call spelling must reach (0 for a name).
    args: Vec<usize>,
    /// The package a field's spelling must lie in.
    packages: Vec<Option<String>>,
}

impl Mentions {
    pub fn new(wanted: &BTreeSet<Wanted>) -> Mentions {
        let mut patterns = Vec::new();
        let mut families = Vec::new();
        let mut definitions = Vec::new();
        let mut args = Vec::new();
        let mut packages = Vec::new();
        for w in wanted {
            for s in w.spellings() {
                packages.push(match w {
                    Wanted::Field { package, .. } => Some(package.clone()),
                    _ => None,
                });
                patterns.push(s);
                families.push(w.family());
                definitions.push(w.definition_keywords());
                args.push(match w {
                    Wanted::Arg { arg, .. } => *arg,
                    Wanted::Name { .. } | Wanted::Field { .. } => 0,
                });
            }
        }
        let automaton = StripedSearch::new(&patterns, false, true).ok();
        Mentions { automaton, families, definitions, args, packages }
    }

    /// Whether the file `rel` of `lang` with this text may define a wanted
    /// symbol: a file is parsed for them only then.
    pub fn in_file(&self, lang: Language, rel: &str, text: impl AsRef<[u8]>) -> bool {
        let here = Family::of(lang);
        let Some(ac) = &self.automaton else { return false };
        let bytes = text.as_ref();
        // Overlapping: a hit inside a longer name, or for another family,
        // must not hide the one that counts.
        let mut defines = false;
        ac.each_match(bytes, |pattern, m| {
            let i = pattern.as_usize();
            let whole_name = m.start == 0 || !is_name_byte(bytes[m.start - 1]);
            // `Name::` is a path through the name (`Cipher::new`,
            // `Version::V1`), in every language that has it: no definition.
            let path = bytes[m.end - 1] == b':' && bytes.get(m.end) == Some(&b':');
            defines = whole_name
                && !path
                && self.families[i] == here
                && may_bind(here, &bytes[m.end - 1..])
                && self.packages[i].as_deref().is_none_or(|p| Packages::contains(p, rel))
                && !self.definitions[i].iter().any(|kw| after_keyword(&bytes[..m.start], kw))
                && may_pass_arg(&bytes[m.end..], self.args[i]);
            if defines {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        defines
    }
}

/// Whether a call whose argument list starts `after` its `(` may pass an
/// argument at index `arg`: false only when its `)` is found with fewer
/// than `arg` commas at its own depth before it (`rng.generate()` for the
/// second argument of some `generate`). The text is read without a lexer,
/// so a quote, a comment or a regex literal (a `)` or `,` inside one would
/// be miscounted) makes the answer true, as does running out of text.
/// Commas inside generics (`f::<A, B>()`) are counted: that errs towards
/// a parse too.
fn may_pass_arg(after: &[u8], arg: usize) -> bool {
    if arg == 0 {
        return true;
    }
    let (mut depth, mut commas) = (0usize, 0usize);
    for &b in after {
        match b {
            b'"' | b'\'' | b'`' | b'/' | b'#' => return true,
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth > 0 => depth -= 1,
            b')' => return commas >= arg,
            b']' | b'}' => return true,
            b',' if depth == 0 => {
                commas += 1;
                if commas >= arg {
                    return true;
                }
            }
            _ => {}
        }
    }
    true
}

/// Whether a name spelling whose last byte starts `rest` may bind the name
/// in a file of `family`: `==` and `===` compare; `=>` is a Rust match
/// arm or a JavaScript arrow's parameter (only C# binds with it, in an
/// expression-bodied property); and no Java or C binding is written
/// `name:` (a label, a `case`, a ternary's branch or a bit-field is).
/// Comparisons in openpgp's bundles, Rust match arms and Java ternaries
/// made the cross-file pass parse 8 MB of the corpus for nothing.
fn may_bind(family: Family, rest: &[u8]) -> bool {
    match rest {
        [b'=', b'=', ..] => false,
        [b'=', b'>', ..] => family == Family::of(Language::CSharp),
        [b':', ..] => !matches!(family.0, Language::Java | Language::C),
        _ => true,
    }
}

/// Whether `before` ends with the keyword `kw` as a whole word.
fn after_keyword(before: &[u8], kw: &[u8]) -> bool {
    before.strip_suffix(kw).is_some_and(|rest| rest.last().is_none_or(|&b| !is_name_byte(b)))
}

/// An ASCII byte that may continue an identifier in a supported language.
/// Non-ASCII bytes do not count, so that a name after a Unicode space (which
/// JavaScript allows) is still seen; a Unicode name merely costs a parse.
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// The packages of the scanned tree: the folders that hold a build
/// manifest (`deps::marks_package_root`), as display paths.
#[derive(Default)]
pub struct Packages {
    roots: BTreeSet<String>,
}

impl Packages {
    /// The packages whose manifests are among `rels`, the walked files.
    pub fn from_files<'a>(rels: impl IntoIterator<Item = &'a str>) -> Packages {
        let roots = rels
            .into_iter()
            .filter(|rel| crate::deps::marks_package_root(rel))
            .map(|rel| rel.rsplit_once('/').map_or("", |(dir, _)| dir).to_string())
            .collect();
        Packages { roots }
    }

    /// The package of the file `rel`: its nearest folder with a manifest,
    /// or the scan's root (`""`) when none has one.
    pub fn of(&self, rel: &str) -> String {
        let mut dir = rel;
        while let Some((parent, _)) = dir.rsplit_once('/') {
            if self.roots.contains(parent) {
                return parent.to_string();
            }
            dir = parent;
        }
        String::new()
    }

    /// Whether the file `rel` lies in `package` (a nested package's files
    /// count too: a field is looked up wherever the package's path reaches).
    pub fn contains(package: &str, rel: &str) -> bool {
        package.is_empty() || rel.strip_prefix(package).is_some_and(|rest| rest.starts_with('/'))
    }
}

/// Everything the resolver knows beyond the file it is in.
#[derive(Default)]
pub struct Knowledge {
    pub props: Properties,
    pub packages: Packages,
    names: HashMap<(Family, String), Vec<Value>>,
    args: HashMap<(Family, String, usize), Vec<Value>>,
    fields: HashMap<(Family, String, String), Vec<Value>>,
}

impl Knowledge {
    pub fn new(props: Properties, packages: Packages) -> Self {
        Knowledge { props, packages, ..Knowledge::default() }
    }

    /// What other files define for a symbol.
    pub fn get(&self, wanted: &Wanted) -> Option<&[Value]> {
        match wanted {
            Wanted::Name { family, name } => self.names.get(&(*family, name.clone())),
            Wanted::Arg { family, func, arg } => self.args.get(&(*family, func.clone(), *arg)),
            Wanted::Field { family, name, package } => self.fields.get(&(*family, name.clone(), package.clone())),
        }
        .map(Vec::as_slice)
    }

    /// Adds another file's knowledge (call in a fixed file order: output
    /// must not depend on thread scheduling).
    pub fn absorb(&mut self, other: Knowledge) {
        for (k, v) in other.names {
            self.names.entry(k).or_default().extend(v);
        }
        for (k, v) in other.args {
            self.args.entry(k).or_default().extend(v);
        }
        for (k, v) in other.fields {
            self.fields.entry(k).or_default().extend(v);
        }
    }

    /// Adds what one parsed file defines for the wanted symbols.
    pub fn learn(&mut self, src: &Source, cx: &FileContext<'_>, wanted: &BTreeSet<Wanted>) {
        let relocate = |mut v: Value| {
            if let Origin::Here(s, _) = v.origin {
                v.origin = Origin::Elsewhere { path: src.rel.clone(), line: src.lines().line(s) };
            }
            v
        };
        let here = Family::of(cx.lang);
        for w in wanted {
            match w {
                Wanted::Name { family, name } if *family == here => {
                    let values = cx.file_level_values(name);
                    if !values.is_empty() {
                        self.names.entry((here, name.clone())).or_default().extend(values.into_iter().map(relocate));
                    }
                }
                Wanted::Field { family, name, package } if *family == here && Packages::contains(package, &src.rel) => {
                    let values = cx.file_level_values(name);
                    if !values.is_empty() {
                        let key = (here, name.clone(), package.clone());
                        self.fields.entry(key).or_default().extend(values.into_iter().map(relocate));
                    }
                }
                Wanted::Arg { family, func, arg } if *family == here => {
                    let values = cx.call_arg_values(func, *arg);
                    if !values.is_empty() {
                        self.args
                            .entry((here, func.clone(), *arg))
                            .or_default()
                            .extend(values.into_iter().map(relocate));
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_whole_names_of_the_right_family() {
        let wanted: BTreeSet<Wanted> = [
            Wanted::Name { family: Family::of(Language::Java), name: "MASTER_KEY".into() },
            Wanted::Name { family: Family::of(Language::Python), name: "KEY".into() },
            Wanted::Arg { family: Family::of(Language::JavaScript), func: "wrapKey".into(), arg: 1 },
        ]
        .into_iter()
        .collect();
        let m = Mentions::new(&wanted);
        assert!(m.in_file(Language::Python, "src/f", "KEY = b'x'"));
        assert!(m.in_file(Language::Python, "src/f", "self.KEY: bytes = b'x'"));
        // A path through the name defines nothing; a definition after one does.
        let rust = Family::of(Language::Rust);
        let wanted: BTreeSet<Wanted> = [Wanted::Name { family: rust, name: "V1".into() }].into();
        let r = Mentions::new(&wanted);
        assert!(!r.in_file(Language::Rust, "src/f", "let v = Version::V1;\nmatch v { V1::A => 1 }"));
        assert!(r.in_file(Language::Rust, "src/f", "let v = Version::V1;\nconst V1: &[u8] = b\"k\";"));
        assert!(r.in_file(Language::Rust, "src/f", "S { V1 : 1 }"));
        // `KEY =` inside `MASTER_KEY =` is another name.
        assert!(!m.in_file(Language::Python, "src/f", "MASTER_KEY = b'x'"));
        assert!(m.in_file(Language::Java, "src/f", "static final byte[] MASTER_KEY = {1};"));
        assert!(!m.in_file(Language::Go, "src/f", "MASTER_KEY = 1"));
        // TypeScript files belong to JavaScript's family.
        assert!(m.in_file(Language::TypeScript, "src/f", "crypto.wrapKey(kek, dek)"));
        assert!(!m.in_file(Language::JavaScript, "src/f", "unwrapKey(kek, dek)"));
        assert!(!Mentions::new(&BTreeSet::new()).in_file(Language::Java, "src/f", "KEY = 1"));
    }

    #[test]
    fn comparisons_arms_and_labels_bind_nothing() {
        let name = |lang, name: &str| Wanted::Name { family: Family::of(lang), name: name.into() };
        let wanted: BTreeSet<Wanted> = [
            name(Language::JavaScript, "AAD"),
            name(Language::Rust, "V1"),
            name(Language::Java, "MAX_VALUE"),
            name(Language::CSharp, "Secret"),
            name(Language::Go, "nonce"),
        ]
        .into();
        let m = Mentions::new(&wanted);
        assert!(!m.in_file(Language::JavaScript, "f", "var n = AAD == null ? 0 : AAD.length;"));
        assert!(!m.in_file(Language::JavaScript, "f", "if (AAD === undefined) {} xs.map(AAD => AAD.length);"));
        assert!(m.in_file(Language::JavaScript, "f", "const AAD = 'x';"));
        assert!(m.in_file(Language::TypeScript, "f", "const o = { AAD: 'x' };"));
        assert!(!m.in_file(Language::Rust, "f", "match v { V1 => 1, _ if x == V1 => 2 }"));
        assert!(!m.in_file(Language::Java, "f", "int n = big ? MAX_VALUE : avail; case MAX_VALUE: break;"));
        assert!(m.in_file(Language::Java, "f", "static final int MAX_VALUE = 7;"));
        assert!(m.in_file(Language::CSharp, "f", "static string Secret => \"k\";"));
        assert!(m.in_file(Language::Go, "f", "nonce := []byte{1}"));
    }

    #[test]
    fn a_field_is_looked_up_in_its_own_package() {
        let packages =
            Packages::from_files(["rustls/Cargo.toml", "rustls/src/lib.rs", "aws-lc-sys/Cargo.toml", "top.rs"]);
        assert_eq!(packages.of("rustls/src/crypto/quic.rs"), "rustls");
        assert_eq!(packages.of("aws-lc-sys/src/bindings.rs"), "aws-lc-sys");
        assert_eq!(packages.of("top.rs"), "");
        // A folder whose name merely starts like the package's is another.
        assert_eq!(packages.of("rustls-pki/src/lib.rs"), "");
        let rust = Family::of(Language::Rust);
        let wanted: BTreeSet<Wanted> =
            [Wanted::Field { family: rust, name: "iv".into(), package: "rustls".into() }].into();
        let m = Mentions::new(&wanted);
        assert!(m.in_file(Language::Rust, "rustls/src/quic.rs", "Self { iv: Iv::new(k) }"));
        assert!(!m.in_file(Language::Rust, "aws-lc-sys/src/bindings.rs", "fn f(iv: *const u8);"));
        assert!(!m.in_file(Language::Rust, "rustls-pki/src/lib.rs", "Self { iv: Iv::new(k) }"));
        // The scan's root holds every file.
        let wanted: BTreeSet<Wanted> =
            [Wanted::Field { family: rust, name: "iv".into(), package: String::new() }].into();
        assert!(Mentions::new(&wanted).in_file(Language::Rust, "aws-lc-sys/src/bindings.rs", "fn f(iv: *const u8);"));
    }

    #[test]
    fn one_letter_names_are_not_joined_across_files() {
        let js = Family::of(Language::JavaScript);
        assert!(!Wanted::Arg { family: js, func: "C".into(), arg: 0 }.is_specific());
        assert!(!Wanted::Name { family: js, name: "V".into() }.is_specific());
        assert!(Wanted::Name { family: Family::of(Language::Java), name: "IV".into() }.is_specific());
        assert!(Wanted::Name { family: js, name: "KEY".into() }.is_specific());
        assert!(Wanted::Arg { family: js, func: "Box".into(), arg: 1 }.is_specific());
    }

    #[test]
    fn a_call_site_must_reach_the_wanted_argument() {
        let rust = Family::of(Language::Rust);
        let wanted: BTreeSet<Wanted> = [Wanted::Arg { family: rust, func: "generate".into(), arg: 1 }].into();
        let m = Mentions::new(&wanted);
        assert!(!m.in_file(Language::Rust, "src/f", "let k = rng.generate();"));
        assert!(!m.in_file(Language::Rust, "src/f", "let k = generate(f(a, b));"));
        assert!(!m.in_file(Language::Rust, "src/f", "let k = generate([c, d]); let j = generate(x);"));
        assert!(m.in_file(Language::Rust, "src/f", "let k = generate(x); let j = generate(f(a, b), [c, d]);"));
        assert!(m.in_file(Language::Rust, "src/f", "let k = generate(f(a, b), KEY);"));
        assert!(m.in_file(Language::Rust, "src/f", "let k = generate(\n    a,\n    b,\n);"));
        // Unsure: a quote or a comment may hide a `)` or a `,`.
        assert!(m.in_file(Language::Rust, "src/f", "let k = generate(\")\", b);"));
        assert!(m.in_file(Language::Rust, "src/f", "let k = generate(x /* ) */, b);"));
        assert!(m.in_file(Language::Rust, "src/f", "let k = generate(x"));
        // The first argument needs no comma.
        let wanted: BTreeSet<Wanted> = [Wanted::Arg { family: rust, func: "generate".into(), arg: 0 }].into();
        assert!(Mentions::new(&wanted).in_file(Language::Rust, "src/f", "let k = generate();"));
    }

    #[test]
    fn a_definition_is_not_a_call_site() {
        let py = Family::of(Language::Python);
        let wanted: BTreeSet<Wanted> = [Wanted::Arg { family: py, func: "encrypt".into(), arg: 1 }].into();
        let m = Mentions::new(&wanted);
        assert!(!m.in_file(Language::Python, "src/f", "class C:\n    def encrypt(self, key):\n        pass\n"));
        assert!(!m.in_file(Language::Python, "src/f", "async def encrypt(key): pass"));
        assert!(m.in_file(Language::Python, "src/f", "def encrypt(key): pass\nencrypt(b'k')"));
        assert!(m.in_file(Language::Python, "src/f", "c.encrypt(b'k')"));
        // `undef ` is not the keyword, and two spaces are not recognised:
        // both still count, which only costs a parse.
        assert!(m.in_file(Language::Python, "src/f", "undef encrypt(b'k')"));
        assert!(m.in_file(Language::Python, "src/f", "def  encrypt(self, key): pass"));
        // Java has no keyword before a method's name: its definitions count.
        let java = Family::of(Language::Java);
        let wanted: BTreeSet<Wanted> = [Wanted::Arg { family: java, func: "encrypt".into(), arg: 1 }].into();
        assert!(Mentions::new(&wanted).in_file(Language::Java, "src/f", "byte[] encrypt(byte[] data, byte[] key) {}"));
        // A Python constructor is wanted by its class's name: the class
        // statement is not a call of it.
        let wanted: BTreeSet<Wanted> = [Wanted::Arg { family: py, func: "Vault".into(), arg: 0 }].into();
        let m = Mentions::new(&wanted);
        assert!(!m.in_file(Language::Python, "src/f", "class Vault(Base):\n    pass\n"));
        assert!(m.in_file(Language::Python, "src/f", "v = Vault(b'k')"));
    }
}
