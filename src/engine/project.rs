//! Cross-file knowledge: what the resolver may use from other files of the
//! scan. Configuration (`.properties`/YAML) is read up front; values of
//! symbols defined elsewhere — a constant of another class or module, the
//! literal arguments other files pass to a function's parameter — are looked
//! up only for the names some file could not resolve on its own (see
//! `scan.rs`: a second, narrow pass over the files that mention them).

use std::collections::{BTreeSet, HashMap};

use super::props::Properties;
use super::resolve::{FileContext, Origin, Value};
use crate::lang::Language;
use crate::source::Source;

/// A symbol a file could not resolve by itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Wanted {
    /// A constant, static or field of that name, in a file of the family.
    Name { family: Family, name: String },
    /// The argument at `arg` of calls to function `func`, in a file of the family.
    Arg { family: Family, func: String, arg: usize },
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
            Wanted::Name { family, .. } | Wanted::Arg { family, .. } => *family,
        }
    }

    /// Whether a file of `lang` with this text may define the symbol: a
    /// file is parsed for it only then.
    pub fn mentioned_in(&self, lang: Language, text: &str) -> bool {
        match self {
            Wanted::Name { family, name } => {
                *family == Family::of(lang)
                    && [" =", "=", ":", " :"].iter().any(|op| text.contains(&format!("{name}{op}")))
            }
            Wanted::Arg { family, func, .. } => *family == Family::of(lang) && text.contains(&format!("{func}(")),
        }
    }
}

/// Everything the resolver knows beyond the file it is in.
#[derive(Default)]
pub struct Knowledge {
    pub props: Properties,
    names: HashMap<(Family, String), Vec<Value>>,
    args: HashMap<(Family, String, usize), Vec<Value>>,
}

impl Knowledge {
    pub fn with_props(props: Properties) -> Self {
        Knowledge { props, ..Knowledge::default() }
    }

    /// What other files define for a symbol.
    pub fn get(&self, wanted: &Wanted) -> Option<&[Value]> {
        match wanted {
            Wanted::Name { family, name } => self.names.get(&(*family, name.clone())),
            Wanted::Arg { family, func, arg } => self.args.get(&(*family, func.clone(), *arg)),
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
    }

    /// Adds what one parsed file defines for the wanted symbols.
    pub fn learn(&mut self, src: &Source, cx: &FileContext<'_>, wanted: &BTreeSet<Wanted>) {
        let relocate = |mut v: Value| {
            if let Origin::Here(s, _) = v.origin {
                v.origin = Origin::Elsewhere { path: src.rel.clone(), line: src.lines.line(s) };
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
