//! A scanned file's text: decoding (BOM, invalid UTF-8) and byte-offset to line/column mapping.

use std::path::PathBuf;

/// A file read for scanning, with its text decoded once.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as given on disk (for reading the file again is never needed).
    pub path: PathBuf,
    /// The path shown in reports: relative to the working directory, `/` separators.
    pub display: String,
    /// The decoded text: UTF-8 as is (BOM removed); anything else read as Latin-1 so every
    /// byte keeps its place and ASCII token literals are still found.
    pub text: String,
    /// True when the bytes were not valid UTF-8.
    pub lossy: bool,
    line_starts: Vec<usize>,
    /// Characters before every `CHECKPOINT`-th byte of `text`, so a column costs a binary
    /// search and at most `CHECKPOINT` bytes, however long the line. Empty for ASCII text,
    /// where characters are bytes.
    checkpoints: Vec<usize>,
    /// Set for a file known only by excerpts (too large to hold, or binary): for each line of
    /// `text`, its 1-based line in the file and the characters before it on that line.
    origin: Option<Vec<(usize, usize)>>,
}

/// A piece of one line of a file: `column` characters from the line's start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// 1-based line in the file.
    pub line: usize,
    pub column: usize,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, bytes: Vec<u8>) -> Self {
        let (text, lossy) = decode(bytes);
        let (line_starts, checkpoints) = index(&text);
        SourceFile { path, display, text, lossy, line_starts, checkpoints, origin: None }
    }

    /// A file known only by `pieces` (in file order, without line breaks), such as the lines
    /// around the literal tokens of a file too large to parse. Offsets into `text` still map to
    /// the file's own lines and columns.
    pub fn excerpt(path: PathBuf, display: String, pieces: Vec<Piece>) -> Self {
        let text = pieces.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join("\n");
        let origin = pieces.iter().map(|p| (p.line, p.column)).collect();
        let (line_starts, checkpoints) = index(&text);
        SourceFile { path, display, text, lossy: false, line_starts, checkpoints, origin: Some(origin) }
    }

    /// True when `text` holds excerpts of the file, not all of it.
    pub fn is_excerpt(&self) -> bool {
        self.origin.is_some()
    }

    /// The index into `line_starts` of the 1-based file line `line`, if `text` holds it (for
    /// an excerpt, its last piece of that line: trailing comments live there).
    fn line_index(&self, line: usize) -> Option<usize> {
        match &self.origin {
            None => Some(line.saturating_sub(1)),
            Some(origin) => {
                let i = origin.partition_point(|&(l, _)| l <= line);
                (i > 0 && origin.get(i - 1).is_some_and(|&(l, _)| l == line)).then(|| i - 1)
            }
        }
    }

    /// The source to show in snippets, given `text` with its tokens masked (same lines).
    pub fn snippet_source(&self, masked: String) -> Snippet {
        Snippet { text: masked, origin: self.origin.clone() }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let col = if self.text.is_char_boundary(offset) {
            self.chars_before(offset) - self.chars_before(start)
        } else {
            offset - start
        };
        match self.origin.as_ref().and_then(|o| o.get(line)) {
            Some(&(file_line, before)) => (file_line, before + col + 1),
            None => (line + 1, col + 1),
        }
    }

    /// Characters in `text[..offset]`: the checkpoint below `offset`, plus the bytes after it
    /// that start a character.
    fn chars_before(&self, offset: usize) -> usize {
        if self.checkpoints.is_empty() {
            return offset;
        }
        let block = offset / CHECKPOINT;
        let from = block * CHECKPOINT;
        let rest = self.text.as_bytes().get(from..offset).unwrap_or_default();
        self.checkpoints.get(block).copied().unwrap_or(0) + rest.iter().filter(|&&b| !is_continuation(b)).count()
    }

    /// The byte range of the 1-based line `line`, without its line ending.
    pub fn line_span(&self, line: usize) -> (usize, usize) {
        let Some(index) = self.line_index(line) else { return (self.text.len(), self.text.len()) };
        let start = self.line_starts.get(index).copied().unwrap_or(0);
        let end = self.line_starts.get(index + 1).copied().unwrap_or(self.text.len());
        let slice = self.text.get(start..end).unwrap_or("");
        let trimmed = slice.trim_end_matches(['\n', '\r']);
        (start, start + trimmed.len())
    }

    /// The text of the 1-based line `line`.
    pub fn line_text(&self, line: usize) -> &str {
        let (s, e) = self.line_span(line);
        self.text.get(s..e).unwrap_or("")
    }

    /// Whether `text` holds the 1-based file line `line` (an excerpt holds only some lines).
    pub fn holds_line(&self, line: usize) -> bool {
        line >= 1 && self.line_index(line).is_some_and(|i| i < self.line_starts.len())
    }

    /// The number of lines of the file (for an excerpt, up to its last piece).
    pub fn line_count(&self) -> usize {
        match self.origin.as_ref().and_then(|o| o.last()) {
            Some(&(line, _)) => line,
            None => self.line_starts.len(),
        }
    }
}

/// What the `pretty` renderer shows snippets from. An excerpt's pieces are not contiguous
/// lines, so a snippet shows only the pieces a span covers, numbered as in the file.
#[derive(Debug)]
pub struct Snippet {
    text: String,
    origin: Option<Vec<(usize, usize)>>,
}

impl miette::SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let Some(origin) = &self.origin else { return self.text.read_span(span, before, after) };
        let bytes = self.text.as_bytes();
        let start = span.offset().min(bytes.len());
        let end = (start + span.len()).min(bytes.len());
        let from = bytes.get(..start).and_then(|b| memchr::memrchr(b'\n', b)).map_or(0, |i| i + 1);
        let to = bytes.get(end..).and_then(|b| memchr::memchr(b'\n', b)).map_or(bytes.len(), |i| end + i);
        let index = bytes.get(..from).map_or(0, |b| memchr::memchr_iter(b'\n', b).count());
        let (line, before_piece) = origin.get(index).copied().unwrap_or((index + 1, 0));
        let column =
            before_piece + bytes.get(from..start).map_or(0, |b| b.iter().filter(|&&c| !is_continuation(c)).count());
        let data = bytes.get(from..to).unwrap_or_default();
        let lines = memchr::memchr_iter(b'\n', data).count() + 1;
        Ok(Box::new(miette::MietteSpanContents::new(
            data,
            (from, to - from).into(),
            line.saturating_sub(1),
            column,
            lines,
        )))
    }
}

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

fn decode(bytes: Vec<u8>) -> (String, bool) {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(body) {
        Ok(s) => (s.to_owned(), false),
        // Latin-1 maps each byte to one char: offsets change but lines and literals survive.
        Err(_) => (body.iter().map(|&b| b as char).collect(), true),
    }
}

/// Bytes between two character-count checkpoints.
const CHECKPOINT: usize = 256;

/// The offsets where lines start, and the character checkpoints (none for ASCII text).
fn index(text: &str) -> (Vec<usize>, Vec<usize>) {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
    if text.is_ascii() {
        return (starts, Vec::new());
    }
    let mut checkpoints = Vec::with_capacity(bytes.len() / CHECKPOINT + 1);
    let mut chars = 0;
    for block in bytes.chunks(CHECKPOINT) {
        checkpoints.push(chars);
        chars += block.iter().filter(|&&b| !is_continuation(b)).count();
    }
    // The end of a text a whole number of blocks long is a checkpoint too.
    checkpoints.push(chars);
    (starts, checkpoints)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(bytes: &[u8]) -> SourceFile {
        SourceFile::new(PathBuf::from("x"), "x".into(), bytes.to_vec())
    }

    #[test]
    fn line_and_column_are_one_based() {
        let f = file(b"ab\ncd\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(4), (2, 2));
    }

    #[test]
    fn bom_is_dropped_and_crlf_keeps_lines() {
        let f = file(b"\xEF\xBB\xBFa: 1\r\nb: 2\r\n");
        assert!(f.text.starts_with("a: 1"));
        let b = f.text.find('b').unwrap_or(0);
        assert_eq!(f.line_col(b), (2, 1));
        assert_eq!(f.line_text(1), "a: 1");
    }

    #[test]
    fn latin1_is_decoded_byte_for_byte() {
        let f = file(b"# caf\xE9\ntoken = \"x\"\n");
        assert!(f.lossy);
        assert_eq!(f.line_text(2), "token = \"x\"");
    }

    #[test]
    fn an_excerpt_maps_back_to_the_file_lines_and_columns() {
        let pieces = vec![
            Piece { line: 7, column: 0, text: "# tokenwise: ignore[TW201]".into() },
            Piece { line: 8, column: 100, text: "é = tok # c".into() },
            Piece { line: 8, column: 900, text: "later".into() },
        ];
        let f = SourceFile::excerpt(PathBuf::from("x"), "x".into(), pieces);
        let tok = f.text.find("tok #").unwrap_or(0);
        assert_eq!(f.line_col(tok), (8, 105));
        assert_eq!(f.line_text(7), "# tokenwise: ignore[TW201]");
        assert_eq!(f.line_text(8), "later");
        assert_eq!(f.line_text(1), "");
        assert_eq!(f.line_count(), 8);
        let snippet = f.snippet_source(f.text.clone());
        let span = miette::SourceSpan::from((tok, 3));
        let contents = miette::SourceCode::read_span(&snippet, &span, 1, 1).unwrap();
        assert_eq!((contents.line(), contents.column()), (7, 104));
        assert_eq!(contents.data(), "é = tok # c".as_bytes());
    }

    #[test]
    fn columns_count_characters() {
        let f = file("é = 1".as_bytes());
        assert_eq!(f.line_col(3), (1, 3));
    }

    #[test]
    fn columns_across_checkpoints_match_a_count_from_the_line_start() {
        // Lines of mixed widths (1 to 4 bytes a character) crossing many checkpoints, and
        // texts whose length is and is not a whole number of checkpoints.
        for len in [CHECKPOINT - 1, CHECKPOINT, 3 * CHECKPOINT, 3 * CHECKPOINT + 7] {
            let mut text = String::new();
            let units = ["a", "é", "€", "😀", "\n", "bc"];
            let mut i = 0;
            while text.len() < len {
                text.push_str(units[i * 7 % units.len()]);
                i += 1;
            }
            while text.len() > len {
                text.pop();
            }
            while text.len() < len {
                text.push('a');
            }
            let f = file(text.as_bytes());
            for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
                let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
                let line = text[..offset].matches('\n').count() + 1;
                assert_eq!(f.line_col(offset), (line, text[start..offset].chars().count() + 1), "{len} {offset}");
            }
        }
    }
}
