//! A *source* is one file's text, read exactly once, with the facts the rest
//! of the pipeline needs about it: its language, whether it had to be decoded
//! lossily, and a line index for turning byte offsets into positions.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::lang::Language;

/// How many leading bytes are inspected for a NUL to call a file binary
/// (the same heuristic git and ripgrep use).
const BINARY_SNIFF: usize = 8 * 1024;

/// A file that was read and is ready to scan.
pub struct Source {
    /// Path relative to the scan root, with `/` separators; used in all output.
    pub rel: String,
    pub lang: Option<Language>,
    pub text: String,
    /// Built on first use: most files read yield no finding and need no
    /// line numbers (indexing every file was 1 % of a corpus scan).
    lines: std::sync::OnceLock<LineIndex>,
}

impl Source {
    /// The same file with another text of the same shape: the code view,
    /// whose offsets and lines are the raw text's (`code_view`).
    pub fn with_text(&self, text: String) -> Source {
        Source { rel: self.rel.clone(), lang: self.lang, text, lines: std::sync::OnceLock::new() }
    }

    /// Where each line of the text starts.
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }
}

/// Why a file was not scanned, or was scanned with a caveat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadIssue {
    Binary,
    TooLarge {
        size: u64,
        limit: u64,
    },
    Unreadable(String),
    /// Scanned, but invalid UTF-8 sequences were replaced.
    Lossy,
}

impl ReadIssue {
    /// A short, stable description used in warnings and notifications.
    pub fn describe(&self) -> String {
        match self {
            ReadIssue::Binary => "binary file (NUL byte in the first 8 KiB), skipped".into(),
            ReadIssue::TooLarge { size, limit } => {
                format!("file is {size} bytes, over the {limit}-byte limit (--max-file-size), skipped")
            }
            ReadIssue::Unreadable(e) => format!("could not read: {e}"),
            ReadIssue::Lossy => "not valid UTF-8; scanned with invalid bytes replaced".into(),
        }
    }

    /// Whether the file was left out of the scan.
    pub fn skipped(&self) -> bool {
        !matches!(self, ReadIssue::Lossy)
    }
}

/// Reads a file and makes a source of it only if `wanted` accepts its
/// language and raw bytes (the cross-file pass reads every file and keeps
/// a few). Issues are not reported: the full pass already did.
pub fn read_if(
    path: &Path,
    rel: String,
    max_size: u64,
    wanted: impl FnOnce(Option<Language>, &[u8]) -> bool,
) -> Option<Source> {
    let bytes = read_bytes(path, max_size).ok()?;
    if !wanted(Language::detect(path, &bytes[..bytes.len().min(256)]), &bytes) {
        return None;
    }
    from_bytes(path, rel, bytes, max_size).0
}

/// Reads a file once. Returns the source (if it can be scanned) and any issue.
pub fn read(path: &Path, rel: String, max_size: u64) -> (Option<Source>, Option<ReadIssue>) {
    match read_bytes(path, max_size) {
        Ok(bytes) => from_bytes(path, rel, bytes, max_size),
        Err(issue) => (None, Some(issue)),
    }
}

/// A file's bytes, unless it is over `max_size` (checked before reading)
/// or cannot be read.
fn read_bytes(path: &Path, max_size: u64) -> Result<Vec<u8>, ReadIssue> {
    let unreadable = |e: std::io::Error| ReadIssue::Unreadable(e.to_string());
    // The size from the open file: a second lookup of the path per file
    // (a scan reads each file twice, in the cross-file pass too) showed in
    // the system time.
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if size > max_size {
        return Err(ReadIssue::TooLarge { size, limit: max_size });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // A file that grew since stops a byte past the limit (`from_bytes` says so).
    file.take(max_size + 1).read_to_end(&mut bytes).map_err(unreadable)?;
    Ok(bytes)
}

/// Builds a source from bytes already in memory (the staged index, a test).
pub fn from_bytes(path: &Path, rel: String, bytes: Vec<u8>, max_size: u64) -> (Option<Source>, Option<ReadIssue>) {
    if bytes.len() as u64 > max_size {
        return (None, Some(ReadIssue::TooLarge { size: bytes.len() as u64, limit: max_size }));
    }
    if bytes[..bytes.len().min(BINARY_SNIFF)].contains(&0) {
        return (None, Some(ReadIssue::Binary));
    }
    let lang = Language::detect(path, &bytes[..bytes.len().min(256)]);
    let (text, issue) = match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(ReadIssue::Lossy)),
    };
    (Some(Source { rel, lang, text, lines: std::sync::OnceLock::new() }), issue)
}

/// Relative display path of `path` under `root`, with forward slashes.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel: PathBuf = path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf());
    let s = rel.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    } else {
        s
    }
}

/// Byte offset → (line, column) conversion, both 1-based; columns count
/// characters (UTF-16 code units would also be allowed by SARIF, but
/// `columnKind` is set to match this choice).
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// 1-based (line, column) of a byte offset; the column counts characters.
    pub fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.line(offset);
        let start = self.starts[line - 1];
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let col = text[start.min(offset)..offset].chars().count() + 1;
        (line, col)
    }

    /// The byte range of a 1-based line, without its line terminator.
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start = self.starts.get(line.saturating_sub(1)).copied().unwrap_or(text.len());
        let end = self.starts.get(line).map(|e| e - 1).unwrap_or(text.len());
        let end = if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') { end - 1 } else { end };
        start..end.max(start)
    }

    pub fn count(&self) -> usize {
        self.starts.len()
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i)
}

pub fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let t = "ab\ncé d\n\nx";
        let li = LineIndex::new(t);
        assert_eq!(li.position(t, 0), (1, 1));
        assert_eq!(li.position(t, 3), (2, 1));
        assert_eq!(li.position(t, 6), (2, 3)); // after the two-byte é
        assert_eq!(li.position(t, 10), (4, 1));
        assert_eq!(&t[li.line_range(t, 2)], "cé d");
        assert_eq!(&t[li.line_range(t, 3)], "");
        assert_eq!(li.count(), 4);
    }

    #[test]
    fn binary_and_lossy() {
        let p = Path::new("a.py");
        let (s, i) = from_bytes(p, "a.py".into(), b"x = 1\0".to_vec(), 100);
        assert!(s.is_none());
        assert_eq!(i, Some(ReadIssue::Binary));
        let (s, i) = from_bytes(p, "a.py".into(), b"x = '\xff'".to_vec(), 100);
        assert_eq!(i, Some(ReadIssue::Lossy));
        assert!(s.unwrap().text.contains('\u{fffd}'));
        let (s, i) = from_bytes(p, "a.py".into(), vec![b'a'; 101], 100);
        assert!(s.is_none() && matches!(i, Some(ReadIssue::TooLarge { .. })));
    }
}
