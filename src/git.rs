//! Git integration for diff-aware scans: the lines added since a base
//! revision (`scan --diff-base REF`) and the staged content of the index
//! (`scan --staged`). Git always runs as a subprocess with explicit
//! arguments, never through a shell, with paths relative to `dir`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::scan::MemoryFile;

/// Added or changed line ranges (1-based, inclusive) per path.
#[derive(Default, Debug)]
pub struct AddedLines {
    ranges: HashMap<String, Vec<(usize, usize)>>,
}

impl AddedLines {
    /// Whether any line of `start..=end` in `path` was added or changed.
    pub fn touches(&self, path: &str, start: usize, end: usize) -> bool {
        let path = path.strip_prefix("./").unwrap_or(path);
        self.ranges.get(path).is_some_and(|r| r.iter().any(|&(a, b)| a <= end.max(start) && start <= b))
    }
}

fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    // Paths must come out verbatim (not octal-escaped) to match scanned paths.
    c.current_dir(dir).args(["-c", "core.quotePath=false"]);
    c
}

fn check_ref(rev: &str) -> Result<(), String> {
    if rev.is_empty() || rev.starts_with('-') {
        return Err(format!("`{rev}` is not a git revision"));
    }
    Ok(())
}

/// Lines added or changed in the working tree since `base` (committed,
/// staged or not), from `git diff --unified=0`. Renames are followed, so a
/// moved file brings no new lines.
pub fn added_lines(dir: &Path, base: &str) -> Result<AddedLines, String> {
    check_ref(base)?;
    let out = git(dir)
        .args([
            "diff",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            "-M",
            "--relative",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            base,
            "--",
        ])
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!("git diff {base} failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(parse_diff(&String::from_utf8_lossy(&out.stdout)))
}

fn parse_diff(diff: &str) -> AddedLines {
    let mut added = AddedLines::default();
    let mut current: Option<String> = None;
    for line in diff.lines() {
        if let Some(p) = line.strip_prefix("+++ ") {
            let p = unquote(p);
            current = p.strip_prefix("b/").map(str::to_string);
        } else if let (Some(hunk), Some(path)) = (line.strip_prefix("@@ "), &current) {
            // `@@ -a,b +c,d @@`: d lines from c were added (d defaults to 1).
            let Some(new) = hunk.split_whitespace().find_map(|w| w.strip_prefix('+')) else { continue };
            let (start, count) = match new.split_once(',') {
                Some((s, n)) => (s.parse().unwrap_or(0), n.parse().unwrap_or(0)),
                None => (new.parse().unwrap_or(0), 1),
            };
            if count > 0 {
                added.ranges.entry(path.clone()).or_default().push((start, start + count - 1));
            }
        }
    }
    added
}

/// Git quotes paths holding `"`, `\` or control characters.
fn unquote(p: &str) -> String {
    match p.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\t", "\t").replace("\\\\", "\\"),
        None => p.to_string(),
    }
}

/// The staged (index) content of files added, copied, modified or renamed
/// in the index, limited to `pathspecs`: one `git diff --cached` for the
/// list and one `git cat-file --batch` for all the blobs.
pub fn staged_files(dir: &Path, pathspecs: &[PathBuf]) -> Result<Vec<MemoryFile>, String> {
    let out = git(dir)
        .args(["diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z", "--relative", "--"])
        .args(pathspecs)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!("git diff --cached failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    let names: Vec<String> = out
        .stdout
        .split(|&b| b == 0)
        .filter(|n| !n.is_empty())
        .map(|n| String::from_utf8_lossy(n).into_owned())
        // cat-file --batch reads one name per line.
        .filter(|n| !n.contains('\n'))
        .collect();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = git(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    // `:./path` is the index entry of a path relative to `dir`. A thread feeds
    // the names so that neither side blocks on a full pipe.
    let mut stdin = child.stdin.take().ok_or("git cat-file: no stdin")?;
    let request: String = names.iter().map(|n| format!(":./{n}\n")).collect();
    let feeder = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let mut reader = BufReader::new(child.stdout.take().ok_or("git cat-file: no stdout")?);
    let mut files = Vec::with_capacity(names.len());
    for name in names {
        let mut header = String::new();
        reader.read_line(&mut header).map_err(|e| format!("git cat-file: {e}"))?;
        let mut parts = header.split_whitespace();
        let (Some(_oid), Some(kind), Some(size)) = (parts.next(), parts.next(), parts.next()) else {
            // `<name> missing`: e.g. a path that is a submodule.
            continue;
        };
        let size: usize = size.parse().map_err(|_| format!("git cat-file: bad header `{}`", header.trim()))?;
        let mut bytes = vec![0; size + 1];
        reader.read_exact(&mut bytes).map_err(|e| format!("git cat-file: {e}"))?;
        bytes.pop(); // the newline after each object
        if kind == "blob" {
            files.push(MemoryFile { rel: name, bytes });
        }
    }
    let _ = feeder.join();
    let status = child.wait().map_err(|e| format!("git cat-file: {e}"))?;
    if !status.success() {
        return Err("git cat-file --batch failed".into());
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks() {
        let diff = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,0 +2,3 @@\n+a\n@@ -9 +12 @@\n-b\n+c\n@@ -20,2 +22,0 @@\n-d\ndiff --git a/gone b/gone\n--- a/gone\n+++ /dev/null\n@@ -1 +0,0 @@\n";
        let a = parse_diff(diff);
        assert!(a.touches("x.py", 2, 2) && a.touches("x.py", 4, 4) && a.touches("./x.py", 12, 12));
        assert!(!a.touches("x.py", 5, 11) && !a.touches("x.py", 22, 22) && !a.touches("gone", 1, 1));
        assert!(a.touches("x.py", 10, 13));
        assert!(check_ref("--output=x").is_err());
    }
}
