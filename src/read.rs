//! Bounded reading: a file up to the size limit is read whole, to be parsed; a larger or binary
//! one is only searched for literal tokens, streamed in chunks, so memory stays bounded. UTF-16
//! files are read as UTF-8 either way.
//!
//! Time is linear in the file's size either way: the parsers make one pass (YAML aliases are
//! never expanded, nesting depth is capped), and the stream looks at each byte a fixed number
//! of times.

use crate::discover::display_path;
use crate::kind::{self, FileKind};
use crate::literal;
use crate::policy::Signals;
use crate::prefilter::{self, Gate};
use crate::source::{Piece, SourceFile};
use crate::utf16;
use std::borrow::Cow;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// Default of `--max-file-size`: larger files are not parsed, only searched for literal tokens.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// Bytes sniffed for a NUL to tell binary files.
const SNIFF: usize = 8192;

/// Bytes read at a time when streaming.
const CHUNK: usize = 1 << 20;

/// Bytes each chunk shares with the next, so that a token across a chunk boundary is seen
/// whole in one of them; raised when the policy allows longer token bodies.
const OVERLAP: usize = 128;

/// Context kept before and after a streamed token: enough for a snippet and for an inline
/// suppression comment after it on its line.
const BEFORE: usize = 96;
const AFTER: usize = 160;

/// Longest line above a streamed token kept for its suppression comment.
const LINE_ABOVE: usize = 256;

/// Most literal tokens kept from one streamed file, so its excerpt stays small even when it is
/// full of them.
pub const MAX_STREAMED_LITERALS: usize = 10_000;

/// One file read: what to scan (nothing when it cannot yield anything), the kind to read it as
/// and what to warn about; how it was read and its kind before the prefilter, for
/// `--show-files` (two words, no allocation: this is made for every file).
#[derive(Debug)]
pub struct Read {
    pub file: Option<SourceFile>,
    pub kind: FileKind,
    pub warning: Option<String>,
    pub how: How,
    /// The kind its name and first bytes say, before the prefilter decides.
    pub found: FileKind,
}

/// How a file was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum How {
    /// Read whole (as [`Read::kind`]).
    #[default]
    Whole,
    /// Larger than the limit or binary: streamed and searched for literal tokens only.
    Streamed { binary: bool, bytes: u64 },
    /// Binary without a literal token prefix: dropped.
    Binary,
    /// The prefilter found nothing it could yield: dropped.
    Dropped,
    /// Opening or reading it failed (the warning says why).
    Unreadable,
}

impl Default for Read {
    fn default() -> Self {
        Read { file: None, kind: FileKind::Other, warning: None, how: How::Whole, found: FileKind::Other }
    }
}

/// Read the file at `path`: whole when it is text of at most `limit` bytes that the prefilter
/// keeps (with the kind it decides); otherwise (larger, or binary) streamed for literal tokens
/// and kept as excerpts around them. `buf` is a buffer reused across calls.
pub fn file(path: &Path, cwd: Option<&Path>, buf: &mut Vec<u8>, limit: u64, gate: &Gate, signals: &Signals) -> Read {
    // Callers pass regular files only (the walk yields nothing else and explicit paths are
    // checked by `discover::walk`), so no stat is spent here: this runs for every file.
    let display = || display_path(path, cwd);
    let problem = |what: String| Read {
        warning: Some(format!("{}: {what}", display())),
        how: How::Unreadable,
        ..Read::default()
    };
    // A path longer than PATH_MAX is opened relative to folder descriptors.
    let mut f = match crate::longpath::open_file(path) {
        Ok(f) => f,
        Err(e) => return problem(format!("cannot read: {e}")),
    };
    buf.clear();
    // One more byte than the limit tells a file over it; never hold more than that.
    if let Err(e) = (&mut f).take(limit.saturating_add(1)).read_to_end(buf) {
        return problem(format!("cannot read: {e}"));
    }
    let read = decide(path, cwd, buf, &mut f, limit, gate, signals);
    buf.clear();
    read
}

/// A file a CI step runs, read whatever the prefilter would say of it: a step may hand it a
/// token under any name, so its reads matter though it names no dbt token. Read whole when it
/// is text within `limit`, as code ([`FileKind::Script`] unless its name or content says
/// another kind);
/// otherwise nothing (its literal tokens were searched when the walk met it).
pub fn run_file(path: &Path, cwd: Option<&Path>, limit: u64) -> Option<(SourceFile, FileKind)> {
    let f = crate::longpath::open_file(path).ok()?;
    let mut buf = Vec::new();
    f.take(limit.saturating_add(1)).read_to_end(&mut buf).ok()?;
    if buf.len() as u64 > limit {
        return None;
    }
    if let Some(endian) = utf16::sniff(&buf) {
        buf = utf16::decode(&buf, endian).into_bytes();
    } else if memchr::memchr(0, buf.get(..SNIFF).unwrap_or(&buf)).is_some() {
        return None;
    }
    let name = name(path, cwd).into_owned();
    // Vendored or bundled code stays data, read for its literals only.
    let kind = match kind::of_file(&name, &buf) {
        FileKind::Other => FileKind::Script,
        k => k,
    };
    Some((SourceFile::new(path.to_path_buf(), name, buf), kind))
}

/// [`file`] for content already in memory (a blob of a git tree, whole): the same prefilter,
/// limit and streaming, so that it yields what the same file on disk would.
pub fn bytes(path: &Path, cwd: Option<&Path>, mut bytes: Vec<u8>, limit: u64, gate: &Gate, signals: &Signals) -> Read {
    decide(path, cwd, &mut bytes, std::io::empty(), limit, gate, signals)
}

/// What to make of a file whose first bytes are `buf` (at most one more than `limit`, or all of
/// it) and whose rest `rest` holds.
fn decide(
    path: &Path,
    cwd: Option<&Path>,
    buf: &mut Vec<u8>,
    rest: impl std::io::Read,
    limit: u64,
    gate: &Gate,
    signals: &Signals,
) -> Read {
    let display = || display_path(path, cwd);
    let problem = |what: String| Read {
        warning: Some(format!("{}: {what}", display())),
        how: How::Unreadable,
        ..Read::default()
    };
    let within = buf.len() as u64 <= limit;
    let utf16 = utf16::sniff(buf);
    if let (Some(endian), true) = (utf16, within) {
        // Read as UTF-8 from here on: the prefilter, the parsers and the lines see its text.
        *buf = utf16::decode(buf, endian).into_bytes();
    }
    let binary = utf16.is_none() && memchr::memchr(0, buf.get(..SNIFF).unwrap_or(buf)).is_some();
    if within && binary && !gate.has_token_prefix(buf) {
        // Binary files are only searched for literal tokens.
        return Read { how: How::Binary, ..Read::default() };
    }
    if within && !binary {
        let name = name(path, cwd);
        let found = kind::of_file(&name, buf);
        let Some(kind) = gate.decide(&name, found, buf, signals) else {
            return Read { how: How::Dropped, found, ..Read::default() };
        };
        // A copy, not the buffer: it stays with the walker, sized for the next file.
        let file = SourceFile::new(path.to_path_buf(), name.into_owned(), buf.clone());
        return Read { file: Some(file), kind, warning: None, how: How::Whole, found };
    }
    let rest = std::io::Cursor::new(buf.as_slice()).chain(rest);
    let streamed = match utf16 {
        Some(endian) => stream(utf16::Reader::new(rest, endian), signals, CHUNK),
        None => stream(rest, signals, CHUNK),
    };
    match streamed {
        Ok(s) => excerpt(path.to_path_buf(), display(), s, binary, limit),
        Err(e) => problem(format!("cannot read: {e}")),
    }
}

/// The report name of `path`, borrowed when it needs no rewriting (a relative UTF-8 path
/// without characters to escape, as the walk yields them): a dropped file costs no allocation.
fn name<'a>(path: &'a Path, cwd: Option<&Path>) -> Cow<'a, str> {
    match path.to_str() {
        Some(s) if path.is_relative() && !s.contains('\\') && !s.chars().any(crate::escape::is_unsafe) => {
            let mut s = s;
            while let Some(rest) = s.strip_prefix("./") {
                s = rest;
            }
            Cow::Borrowed(s)
        }
        _ => Cow::Owned(display_path(path, cwd)),
    }
}

/// The same for content given as `bytes` followed by what `rest` holds (`--stdin-filename`:
/// the first bytes read, then the rest of stdin): parsed whole when it is text within the
/// limit, otherwise only searched for literal tokens, streamed from `rest` in bounded memory.
pub fn content(
    path: PathBuf,
    display: String,
    mut bytes: Vec<u8>,
    mut rest: impl std::io::Read,
    limit: u64,
    signals: &Signals,
) -> Read {
    // Hold at most one byte more than the limit, as for a file.
    let want = limit.saturating_add(1).saturating_sub(bytes.len() as u64);
    if want > 0
        && let Err(e) = (&mut rest).take(want).read_to_end(&mut bytes)
    {
        return Read { warning: Some(format!("{display}: cannot read: {e}")), how: How::Unreadable, ..Read::default() };
    }
    let utf16 = utf16::sniff(&bytes);
    let binary = utf16.is_none() && memchr::memchr(0, bytes.get(..SNIFF).unwrap_or(&bytes)).is_some();
    if !binary && bytes.len() as u64 <= limit {
        let bytes = match utf16 {
            Some(endian) => utf16::decode(&bytes, endian).into_bytes(),
            None => bytes,
        };
        let found = kind::of_file(&display, &bytes);
        let kind = match found {
            FileKind::Data => FileKind::Other,
            k => k,
        };
        return Read { file: Some(SourceFile::new(path, display, bytes)), kind, warning: None, how: How::Whole, found };
    }
    let rest = bytes.as_slice().chain(rest);
    let streamed = match utf16 {
        Some(endian) => stream(utf16::Reader::new(rest, endian), signals, CHUNK),
        None => stream(rest, signals, CHUNK),
    };
    match streamed {
        Ok(s) => excerpt(path, display, s, binary, limit),
        Err(e) => {
            Read { warning: Some(format!("{display}: cannot read: {e}")), how: How::Unreadable, ..Read::default() }
        }
    }
}

/// The file to scan for what a stream found, and the warnings it calls for.
fn excerpt(path: PathBuf, name: String, streamed: Streamed, binary: bool, limit: u64) -> Read {
    let mut warnings = Vec::new();
    // A file that would not be parsed anyway (prose, data, binary) loses nothing to the limit.
    if !binary
        && streamed.mentions_dbt
        && !matches!(kind::of_path(&name), FileKind::Other | FileKind::Data | FileKind::Sql)
    {
        warnings.push(format!(
            "file larger than the limit: only literal tokens were searched ({} bytes, --max-file-size {limit})",
            streamed.bytes
        ));
    }
    if streamed.dropped > 0 {
        warnings.push(format!(
            "{} literal tokens: only the first {MAX_STREAMED_LITERALS} are reported",
            streamed.dropped + MAX_STREAMED_LITERALS
        ));
    }
    let warning = (!warnings.is_empty()).then(|| format!("{name}: {}", warnings.join("; ")));
    let (how, found) = (How::Streamed { binary, bytes: streamed.bytes }, kind::of_path(&name));
    // Excerpts are never parsed.
    let file = (!streamed.pieces.is_empty()).then(|| SourceFile::excerpt(path, name, streamed.pieces));
    Read { file, kind: FileKind::Other, warning, how, found }
}

/// What a streamed search found.
#[derive(Debug, Default)]
pub struct Streamed {
    /// The pieces of lines around each literal token (and the line above it), in file order.
    pub pieces: Vec<Piece>,
    /// The size of the stream.
    pub bytes: u64,
    /// Whether the stream mentions dbt anywhere (the prefilter's test).
    pub mentions_dbt: bool,
    /// Literal tokens found past [`MAX_STREAMED_LITERALS`], not kept.
    pub dropped: usize,
}

/// Where the stream has been read up to: the line and the characters before `pos` on it.
struct Cursor {
    pos: u64,
    line: usize,
    line_start: u64,
    col: usize,
}

impl Cursor {
    /// Move past `bytes`, the stream's bytes from `pos` on.
    fn advance(&mut self, bytes: &[u8]) {
        match memchr::memrchr(b'\n', bytes) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', bytes).count();
                self.line_start = self.pos + last as u64 + 1;
                self.col = chars(bytes.get(last + 1..).unwrap_or_default());
            }
            None => self.col += chars(bytes),
        }
        self.pos += bytes.len() as u64;
    }
}

/// Search `reader` for literal tokens, `chunk` bytes at a time, keeping only the pieces of
/// lines around them: memory is bounded by the chunk size and [`MAX_STREAMED_LITERALS`].
/// Lines and columns count like [`SourceFile`] does (a leading BOM is not a character).
pub fn stream(mut reader: impl std::io::Read, signals: &Signals, chunk: usize) -> std::io::Result<Streamed> {
    let overlap = OVERLAP.max(signals.body_max + 8);
    let chunk = chunk.max(overlap);
    let mut out = Streamed::default();
    let mut buf: Vec<u8> = Vec::new();
    // The stream offset of `buf[0]`, and the first index where a token may start this round
    // (the one before it belongs to the previous round, and shows what precedes the token).
    let mut base: u64 = 0;
    let mut from = 0;
    let mut cur = Cursor { pos: 0, line: 1, line_start: 0, col: 0 };
    // The end of the last piece kept: pieces never overlap.
    let mut kept_to: u64 = 0;
    let mut text_start: u64 = 0;
    let mut found = 0usize;
    let mut eof = false;
    loop {
        let want = buf.len() + chunk;
        while buf.len() < want && !eof {
            let at = buf.len();
            buf.resize(want, 0);
            let n = loop {
                match reader.read(buf.get_mut(at..).unwrap_or_default()) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    other => break other,
                }
            };
            let n = n.inspect_err(|_| buf.truncate(at))?;
            buf.truncate(at + n);
            eof = n == 0;
        }
        if base == 0 && from == 0 && buf.starts_with(b"\xEF\xBB\xBF") {
            (from, text_start, kept_to) = (3, 3, 3);
            cur = Cursor { pos: 3, line: 1, line_start: 3, col: 0 };
        }
        // A token starting at or after `end` is left to the next round, which sees it whole.
        let end = if eof { buf.len() } else { buf.len() + 1 - overlap };
        out.mentions_dbt = out.mentions_dbt || prefilter::mentions_dbt(&buf);
        if memchr::memmem::find(&buf, b"dbt").is_some() {
            for lit in literal::find(&ascii(&buf), signals) {
                if lit.start < from || lit.start >= end {
                    continue;
                }
                found += 1;
                if found > MAX_STREAMED_LITERALS {
                    out.dropped += 1;
                    continue;
                }
                if base + lit.start as u64 >= kept_to {
                    cur.advance(buf.get(index(cur.pos, base)..lit.start).unwrap_or_default());
                    let window = Window { buf: &buf, base, eof, text_start, kept_to: kept_to.max(base) };
                    for piece in window.pieces(&cur, lit.start, lit.end) {
                        kept_to = base + piece.1 as u64;
                        out.pieces.push(piece.0);
                    }
                }
            }
        }
        cur.advance(buf.get(index(cur.pos, base)..end).unwrap_or_default());
        if eof {
            out.bytes = base + buf.len() as u64;
            return Ok(out);
        }
        buf.drain(..end - 1);
        base += (end - 1) as u64;
        from = 1;
    }
}

/// The index into a round's buffer of stream offset `pos`.
fn index(pos: u64, base: u64) -> usize {
    usize::try_from(pos.saturating_sub(base)).unwrap_or(usize::MAX)
}

/// One round's buffer, seen from a token in it.
struct Window<'b> {
    buf: &'b [u8],
    base: u64,
    eof: bool,
    /// Where the text starts (after a BOM).
    text_start: u64,
    /// Where the last piece kept ends (at least `base`).
    kept_to: u64,
}

impl Window<'_> {
    fn byte(&self, i: usize) -> Option<u8> {
        self.buf.get(i).copied()
    }

    /// Whether a piece boundary at `i` would cut a run of token characters in two (and so
    /// could show part of a token as a token of its own).
    fn cuts(&self, i: usize) -> bool {
        let before = i.checked_sub(1).and_then(|j| self.byte(j));
        let at = self.byte(i);
        match (before, at) {
            (Some(b), Some(a)) => is_body(b) && is_body(a),
            (None, Some(a)) => self.base > self.text_start && is_body(a),
            (Some(b), None) => !self.eof && is_body(b),
            (None, None) => false,
        }
    }

    /// The pieces for the token at `start..end` with `cur` at `start`: the line above it when
    /// whole in the buffer (for a suppression comment), then the token with some context.
    /// Each comes with the buffer index where it ends.
    fn pieces(&self, cur: &Cursor, start: usize, end: usize) -> Vec<(Piece, usize)> {
        let floor = index(self.kept_to, self.base);
        let line_start = index(cur.line_start.max(self.base), self.base);
        let mut from = start.saturating_sub(BEFORE).max(floor).max(line_start);
        while from < start && (self.byte(from).is_some_and(is_continuation) || self.cuts(from)) {
            from += 1;
        }
        let column = cur.col.saturating_sub(chars(self.buf.get(from..start).unwrap_or_default()));
        let max = (end + AFTER).min(self.buf.len());
        let mut to = memchr::memchr(b'\n', self.buf.get(end..max).unwrap_or_default()).map_or(max, |i| end + i);
        if self.cuts(to) {
            while to > end && self.byte(to - 1).is_some_and(is_body) {
                to -= 1;
            }
        }
        while to > end && self.byte(to).is_some_and(is_continuation) {
            to -= 1;
        }
        if to > end && self.byte(to - 1) == Some(b'\r') {
            to -= 1;
        }
        let mut out = Vec::new();
        if from == line_start && cur.line_start >= self.base && cur.line > 1 {
            out.extend(self.line_above(from, floor, cur.line - 1));
        }
        let text = piece_text(self.buf.get(from..to).unwrap_or_default());
        out.push((Piece { line: cur.line, column, text }, to));
        out
    }

    /// The whole line `line`, ending at the newline just before `line_start`, if it lies in
    /// the buffer after `floor` and is short enough to be a comment.
    fn line_above(&self, line_start: usize, floor: usize, line: usize) -> Option<(Piece, usize)> {
        let newline = line_start.checked_sub(1)?;
        let lo = newline.saturating_sub(LINE_ABOVE).max(floor);
        let start = match memchr::memrchr(b'\n', self.buf.get(lo..newline)?) {
            Some(i) => lo + i + 1,
            None if self.base + lo as u64 == self.text_start => lo,
            None => return None,
        };
        let mut end = newline;
        if end > start && self.byte(end - 1) == Some(b'\r') {
            end -= 1;
        }
        Some((Piece { line, column: 0, text: piece_text(self.buf.get(start..end)?) }, newline))
    }
}

/// The bytes with everything non-ASCII replaced, so that token offsets stay byte offsets
/// (tokens are ASCII; a non-ASCII byte is never part of one nor a letter before one).
fn ascii(bytes: &[u8]) -> String {
    let mapped = bytes.iter().map(|&b| if b.is_ascii() { b } else { 0x1a }).collect();
    String::from_utf8(mapped).unwrap_or_default()
}

/// A piece's text: UTF-8, or Latin-1 when it is not, with control characters (binary files,
/// terminal escapes) shown as spaces so every byte keeps its column.
fn piece_text(bytes: &[u8]) -> String {
    let clean: Vec<u8> = bytes.iter().map(|&b| if (b < 0x20 && b != b'\t') || b == 0x7f { b' ' } else { b }).collect();
    match String::from_utf8(clean) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&b| if (0x80..0xa0).contains(&b) { ' ' } else { char::from(b) }).collect(),
    }
}

fn is_body(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn is_continuation(b: u8) -> bool {
    b & 0xc0 == 0x80
}

/// Characters in UTF-8 bytes (every byte that does not continue a character).
fn chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| !is_continuation(b)).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::builtin;
    use std::path::PathBuf;

    // tokenwise: ignore[TW201] -- a fake token: the test checks it is masked
    const PAT: &str = "dbtu_Zx8Qm3TtA1fK9wVb2LpR7sYc4NdE6gHj0uWoIk5yBvXa_Q-3f9a";
    // tokenwise: ignore[TW201] -- a fake token: the test checks it is masked
    const SVC: &str = "dbtc_Lq4Rz8Wx1Vb7Nc3Ty6Hg0Kd5Fs9Jm2Pa8Ue4Io1QwErT_y-7Zk";

    /// (line, column, end line, end column, token) of a literal.
    type Located = (usize, usize, usize, usize, String);

    /// Every literal, as a whole-file scan sees them.
    fn whole(bytes: &[u8]) -> Vec<Located> {
        let src = SourceFile::new(PathBuf::from("x"), "x".into(), bytes.to_vec());
        located(&src)
    }

    fn located(src: &SourceFile) -> Vec<Located> {
        literal::find(&src.text, &builtin().signals)
            .into_iter()
            .map(|l| {
                let (a, b) = src.line_col(l.start);
                let (c, d) = src.line_col(l.end);
                (a, b, c, d, src.text[l.start..l.end].to_owned())
            })
            .collect()
    }

    fn streamed(bytes: &[u8], chunk: usize) -> (Streamed, Vec<Located>) {
        let s = stream(bytes, &builtin().signals, chunk).unwrap();
        let src = SourceFile::excerpt(PathBuf::from("x"), "x".into(), s.pieces.clone());
        let found = located(&src);
        (s, found)
    }

    #[test]
    fn a_token_across_every_chunk_boundary_is_found_once_in_its_place() {
        for at in 0..400 {
            let mut text = String::new();
            for i in 0..at {
                text.push(if i % 37 == 36 { '\n' } else { 'é' });
            }
            // tokenwise: ignore[TW002] -- test input
            text.push_str(&format!("x = \"{PAT}\" # tokenwise: ignore[TW201]\ny = {SVC}\n"));
            let bytes = text.as_bytes();
            let (s, found) = streamed(bytes, 160);
            assert_eq!(found, whole(bytes), "token at {at}");
            assert_eq!(found.len(), 2);
            assert_eq!(s.bytes, bytes.len() as u64);
        }
    }

    #[test]
    fn mixed_text_matches_a_whole_file_scan() {
        let lines = [
            format!("a: {PAT}"),
            format!("{PAT},{SVC}"),
            format!("xdbtu_{}", &PAT[5..]),
            format!("  - \"{SVC}\"\r"),
            "dbtu_your_token_here".to_owned(),
            format!("{}{PAT}", "ü".repeat(300)),
            format!("{PAT} {}", "z".repeat(500)),
            format!("k_{SVC}-more"),
        ];
        let text = lines.join("\n").repeat(3);
        for chunk in [128, 200, 333, 4096] {
            let (_, found) = streamed(text.as_bytes(), chunk);
            assert_eq!(found, whole(text.as_bytes()), "chunk {chunk}");
        }
    }

    #[test]
    fn bom_crlf_and_latin1_keep_lines_and_columns() {
        let text = format!("\u{feff}# c\r\nkey: {PAT}\r\n");
        let (_, found) = streamed(text.as_bytes(), 128);
        assert_eq!(found, whole(text.as_bytes()));
        assert_eq!((found[0].0, found[0].1), (2, 6));
        let latin1 = [b"# caf\xe9\ntoken = \"".as_slice(), PAT.as_bytes(), b"\"\n"].concat();
        let (_, found) = streamed(&latin1, 128);
        assert_eq!((found[0].0, found[0].1), (2, 10));
    }

    #[test]
    fn the_line_above_and_the_rest_of_the_line_are_kept_for_suppressions() {
        let text = format!("{}\n# tokenwise: ignore[TW201]\nt = {PAT} # tokenwise: ignore[TW101]\n", "x".repeat(1000));
        let s = stream(text.as_bytes(), &builtin().signals, 128).unwrap();
        let src = SourceFile::excerpt(PathBuf::from("x"), "x".into(), s.pieces);
        assert_eq!(src.line_text(2), "# tokenwise: ignore[TW201]");
        assert!(src.line_text(3).ends_with("# tokenwise: ignore[TW101]"));
        assert_eq!(src.line_text(1), "");
    }

    #[test]
    fn control_characters_are_blanked() {
        let bytes = [b"\x00\x1b[31m ".as_slice(), PAT.as_bytes(), b" \x9b2J"].concat();
        let s = stream(bytes.as_slice(), &builtin().signals, 128).unwrap();
        assert_eq!(s.pieces.len(), 1);
        assert!(!s.pieces[0].text.chars().any(|c| c.is_control()), "{:?}", s.pieces[0].text);
    }

    /// A stream of `len` bytes of one long line, then a token, made as it is read.
    struct Filler {
        left: u64,
        tail: Vec<u8>,
    }

    impl std::io::Read for Filler {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.left > 0 {
                let n = (out.len() as u64).min(self.left) as usize;
                out[..n].fill(b'a');
                if let Some(first) = out.first_mut() {
                    *first = b' ';
                }
                self.left -= n as u64;
                return Ok(n);
            }
            let n = out.len().min(self.tail.len());
            out[..n].copy_from_slice(&self.tail[..n]);
            self.tail.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn a_long_stream_keeps_only_the_pieces() {
        let len = 48 << 20;
        let filler = Filler { left: len, tail: format!(" {PAT}\n").into_bytes() };
        let s = stream(filler, &builtin().signals, CHUNK).unwrap();
        assert_eq!(s.pieces.len(), 1);
        assert!(s.pieces[0].text.len() <= BEFORE + PAT.len() + 1, "{}", s.pieces[0].text.len());
        assert_eq!(s.pieces[0].line, 1);
        assert_eq!(s.pieces[0].column + s.pieces[0].text.find("dbtu_").unwrap_or(0), len as usize + 1);
    }

    #[test]
    fn too_many_tokens_are_counted_not_kept() {
        let text = format!("{PAT}\n").repeat(MAX_STREAMED_LITERALS + 5);
        let s = stream(text.as_bytes(), &builtin().signals, CHUNK).unwrap();
        assert_eq!(s.dropped, 5);
        assert_eq!(s.pieces.len(), MAX_STREAMED_LITERALS);
    }
}
