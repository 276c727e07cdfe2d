//! The walker: turns the paths given on the command line into a sorted list
//! of files to scan, honouring `.gitignore`/`.ignore`, skipping hidden and VCS
//! folders, and never following a symlink out of the scanned root.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use ignore::overrides::OverrideBuilder;
use ignore::{DirEntry, WalkBuilder, WalkState};

use crate::source::relative;

pub struct WalkOptions {
    pub no_ignore: bool,
    pub excludes: Vec<String>,
    /// Follow symlinks that point outside the root (off by default).
    pub follow_symlinks: bool,
    /// Threads that read folders (0: one per CPU). The order they find
    /// files in does not matter: the list is sorted.
    pub threads: usize,
}

/// A file to scan.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    /// Display path, relative to the base.
    pub rel: String,
    pub path: PathBuf,
}

/// Something the walker could not or would not enter.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalkIssue {
    pub rel: String,
    pub message: String,
}

/// The base that output paths are relative to: the root when one directory
/// is scanned, the current directory otherwise.
pub fn base_for(paths: &[PathBuf]) -> PathBuf {
    if let [only] = paths {
        if only.is_dir() {
            return only.clone();
        }
    }
    PathBuf::from(".")
}

pub fn walk(paths: &[PathBuf], opts: &WalkOptions) -> Result<(PathBuf, Vec<Target>, Vec<WalkIssue>), String> {
    let base = base_for(paths);
    let mut targets = Vec::new();
    let mut issues = Vec::new();
    for root in paths {
        let meta = std::fs::symlink_metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
        if meta.is_file() || (meta.file_type().is_symlink() && root.is_file()) {
            // An explicitly named file is scanned even if ignore files exclude it.
            targets.push(Target { rel: display(&base, root), path: root.clone() });
            continue;
        }
        let canonical_root = root.canonicalize().map_err(|e| format!("{}: {e}", root.display()))?;
        let mut builder = WalkBuilder::new(root);
        builder
            .hidden(true)
            .parents(!opts.no_ignore)
            .ignore(!opts.no_ignore)
            .git_ignore(!opts.no_ignore)
            .git_global(!opts.no_ignore)
            .git_exclude(!opts.no_ignore)
            .require_git(false)
            .follow_links(opts.follow_symlinks)
            .filter_entry(|e| e.file_name() != ".git" && e.file_name() != ".hg" && e.file_name() != ".svn");
        if !opts.excludes.is_empty() {
            let mut ob = OverrideBuilder::new(root);
            for g in &opts.excludes {
                ob.add(&format!("!{g}")).map_err(|e| format!("--exclude {g}: {e}"))?;
            }
            builder.overrides(ob.build().map_err(|e| e.to_string())?);
        }
        let found = Mutex::new((&mut targets, &mut issues));
        builder.threads(opts.threads).build_parallel().run(|| {
            Box::new(|entry| {
                match visit(entry, &base, &canonical_root, opts.follow_symlinks) {
                    Some(Ok(target)) => found.lock().unwrap_or_else(PoisonError::into_inner).0.push(target),
                    Some(Err(issue)) => found.lock().unwrap_or_else(PoisonError::into_inner).1.push(issue),
                    None => {}
                }
                WalkState::Continue
            })
        });
    }
    targets.sort();
    targets.dedup_by(|a, b| a.rel == b.rel);
    issues.sort();
    issues.dedup();
    Ok((base, targets, issues))
}

/// What one entry of the walk is: a file to scan, something to warn about,
/// or neither (a folder, a link to a place inside the root).
fn visit(
    entry: Result<DirEntry, ignore::Error>,
    base: &Path,
    canonical_root: &Path,
    follow_symlinks: bool,
) -> Option<Result<Target, WalkIssue>> {
    let entry = match entry {
        Ok(e) => e,
        Err(e) => {
            let text = e.to_string();
            let rel = text.split(':').next().unwrap_or("").to_string();
            return Some(Err(WalkIssue { rel, message: format!("could not walk: {text}") }));
        }
    };
    let path = entry.path();
    if entry.path_is_symlink() && !follow_symlinks {
        return match path.canonicalize() {
            // Inside the root: the target itself is walked (once), unless ignored.
            Ok(real) if real.starts_with(canonical_root) => None,
            Ok(_) => Some(Err(WalkIssue {
                rel: display(base, path),
                message: "symlink points outside the scanned root; not followed (use --follow-symlinks to allow)"
                    .into(),
            })),
            Err(e) => {
                Some(Err(WalkIssue { rel: display(base, path), message: format!("broken or looping symlink: {e}") }))
            }
        };
    }
    let file = entry.file_type().is_some_and(|t| t.is_file());
    file.then(|| Ok(Target { rel: display(base, path), path: path.to_path_buf() }))
}

fn display(base: &Path, path: &Path) -> String {
    let p = path.strip_prefix("./").unwrap_or(path);
    if base == Path::new(".") {
        return relative(Path::new("."), p);
    }
    relative(base, path)
}
