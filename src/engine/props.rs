//! Configuration values of the scanned tree: `.properties` files and simple
//! YAML (Spring `application.yml` and the like), flattened to dotted keys.
//! Algorithm choices often live there, so the resolver looks keys up here
//! before believing an in-code default.

use std::collections::BTreeMap;
use std::path::Path;

use super::resolve::{Origin, Value, ValueKind};

/// Largest configuration file read.
const MAX_CONFIG_SIZE: u64 = 1 << 20;

#[derive(Default)]
pub struct Properties {
    /// key → (value, file, line); the first file in path order wins.
    entries: BTreeMap<String, (String, String, usize)>,
}

impl Properties {
    /// Whether `path` is a configuration file this module reads.
    pub fn is_config(path: &Path) -> bool {
        matches!(path.extension().and_then(|e| e.to_str()), Some("properties" | "yml" | "yaml"))
    }

    /// Adds one file's entries (`rel` is its display path). Unparsable files
    /// are ignored: they are configuration, not code, and a scan never stops for them.
    pub fn add_file(&mut self, path: &Path, rel: &str) {
        if std::fs::metadata(path).map(|m| m.len() > MAX_CONFIG_SIZE).unwrap_or(true) {
            return;
        }
        let Ok(text) = std::fs::read_to_string(path) else { return };
        if path.extension().and_then(|e| e.to_str()) == Some("properties") {
            self.add_properties(&text, rel);
        } else {
            self.add_yaml(&text, rel);
        }
    }

    pub fn add_properties(&mut self, text: &str, rel: &str) {
        for (i, line) in text.lines().enumerate() {
            let l = line.trim();
            if l.is_empty() || l.starts_with('#') || l.starts_with('!') {
                continue;
            }
            let Some(sep) = l.find(['=', ':']) else { continue };
            let key = l[..sep].trim().to_string();
            let value = l[sep + 1..].trim().to_string();
            self.entries.entry(key).or_insert((value, rel.to_string(), i + 1));
        }
    }

    /// Flattens nested mappings; the line of each key is found by a text search
    /// for `key:` (good enough for the simple files this is meant for).
    pub fn add_yaml(&mut self, text: &str, rel: &str) {
        let Ok(doc) = serde_saphyr::from_str::<serde_json::Value>(text) else { return };
        let mut flat = Vec::new();
        flatten("", &doc, &mut flat);
        for (key, value) in flat {
            let leaf = key.rsplit('.').next().unwrap_or(&key);
            let line = text.lines().position(|l| l.trim_start().starts_with(&format!("{leaf}:"))).map_or(1, |i| i + 1);
            self.entries.entry(key).or_insert((value, rel.to_string(), line));
        }
    }

    pub fn lookup(&self, key: &str) -> Option<Value> {
        let (v, path, line) = self.entries.get(key)?;
        let num = super::resolve::parse_number(v).filter(|_| v.chars().all(|c| c.is_ascii_digit()));
        Some(Value {
            kind: if num.is_some() { ValueKind::Num } else { ValueKind::Str },
            text: v.clone(),
            num,
            origin: Origin::Elsewhere { path: path.clone(), line: *line },
        })
    }

    /// Resolves a whole-string `${key}` / `${key:default}` placeholder.
    pub fn placeholder(&self, s: &str) -> Option<Value> {
        let inner = s.strip_prefix("${")?.strip_suffix('}')?;
        let (key, default) = match inner.split_once(':') {
            Some((k, d)) => (k, Some(d)),
            None => (inner, None),
        };
        self.lookup(key).or_else(|| {
            default.map(|d| Value {
                kind: ValueKind::Str,
                text: d.to_string(),
                num: None,
                origin: Origin::Elsewhere { path: String::new(), line: 0 },
            })
        })
    }
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    let key = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                flatten(&key(k), v, out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        serde_json::Value::Number(n) => out.push((prefix.to_string(), n.to_string())),
        serde_json::Value::Bool(b) => out.push((prefix.to_string(), b.to_string())),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_and_yaml() {
        let mut p = Properties::default();
        p.add_properties("# c\ncrypto.alg = DES\nkey.size: 1024\n", "app.properties");
        p.add_yaml("crypto:\n  hash: MD5\n  rounds: 1000\n", "application.yml");
        assert_eq!(p.lookup("crypto.alg").unwrap().text, "DES");
        assert_eq!(p.lookup("key.size").unwrap().num, Some(1024.0));
        assert_eq!(p.lookup("crypto.hash").unwrap().text, "MD5");
        assert_eq!(p.placeholder("${crypto.hash:SHA-256}").unwrap().text, "MD5");
        assert_eq!(p.placeholder("${missing:SHA-256}").unwrap().text, "SHA-256");
        assert!(p.placeholder("plain").is_none());
        match p.lookup("crypto.hash").unwrap().origin {
            Origin::Elsewhere { path, line } => assert_eq!((path.as_str(), line), ("application.yml", 2)),
            o => panic!("{o:?}"),
        }
    }
}
