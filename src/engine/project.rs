//! Cross-file knowledge: what the resolver may use from other files of the
//! scan. Configuration (`.properties`/YAML) is read up front; values of
//! symbols defined elsewhere — a constant of another class or module, the
//! literal arguments other files pass to a function's parameter — are looked
//! up only for the names some file could not resolve on its own (see
//! `scan.rs`: a second, narrow pass over the files that mention them).

use std::collections::{BTreeSet, HashMap};

use super::props::Properties;
use super::resolve::{FileContext, Origin, Value};
use crate::source::Source;

/// A symbol a file could not resolve by itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Wanted {
    /// A constant, static or field of that name.
    Name(String),
    /// The argument at `arg` of calls to function `func`.
    Arg { func: String, arg: usize },
}

impl Wanted {
    /// Whether `text` may define this symbol: a file is parsed for it only then.
    pub fn mentioned_in(&self, text: &str) -> bool {
        match self {
            Wanted::Name(n) => [" =", "=", ":", " :"].iter().any(|op| text.contains(&format!("{n}{op}"))),
            Wanted::Arg { func, .. } => text.contains(&format!("{func}(")),
        }
    }
}

/// Everything the resolver knows beyond the file it is in.
#[derive(Default)]
pub struct Knowledge {
    pub props: Properties,
    names: HashMap<String, Vec<Value>>,
    args: HashMap<(String, usize), Vec<Value>>,
}

impl Knowledge {
    pub fn with_props(props: Properties) -> Self {
        Knowledge { props, ..Knowledge::default() }
    }

    pub fn name(&self, name: &str) -> Option<&[Value]> {
        self.names.get(name).map(Vec::as_slice)
    }

    pub fn arg(&self, func: &str, arg: usize) -> Option<&[Value]> {
        self.args.get(&(func.to_string(), arg)).map(Vec::as_slice)
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
        for w in wanted {
            match w {
                Wanted::Name(n) => {
                    let values = cx.file_level_values(n);
                    if !values.is_empty() {
                        self.names.entry(n.clone()).or_default().extend(values.into_iter().map(relocate));
                    }
                }
                Wanted::Arg { func, arg } => {
                    let values = cx.call_arg_values(func, *arg);
                    if !values.is_empty() {
                        self.args.entry((func.clone(), *arg)).or_default().extend(values.into_iter().map(relocate));
                    }
                }
            }
        }
    }
}
