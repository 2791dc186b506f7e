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
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, bytes: Vec<u8>) -> Self {
        let (text, lossy) = decode(bytes);
        let line_starts = line_starts(&text);
        SourceFile { path, display, text, lossy, line_starts }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let col = self.text.get(start..offset).map(|s| s.chars().count()).unwrap_or(offset - start);
        (line + 1, col + 1)
    }

    /// The byte range of the 1-based line `line`, without its line ending.
    pub fn line_span(&self, line: usize) -> (usize, usize) {
        let start = self.line_starts.get(line.saturating_sub(1)).copied().unwrap_or(0);
        let end = self.line_starts.get(line).copied().unwrap_or(self.text.len());
        let slice = self.text.get(start..end).unwrap_or("");
        let trimmed = slice.trim_end_matches(['\n', '\r']);
        (start, start + trimmed.len())
    }

    /// The text of the 1-based line `line`.
    pub fn line_text(&self, line: usize) -> &str {
        let (s, e) = self.line_span(line);
        self.text.get(s..e).unwrap_or("")
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

fn decode(bytes: Vec<u8>) -> (String, bool) {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(body) {
        Ok(s) => (s.to_owned(), false),
        // Latin-1 maps each byte to one char: offsets change but lines and literals survive.
        Err(_) => (body.iter().map(|&b| b as char).collect(), true),
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(memchr_iter(text.as_bytes()).map(|i| i + 1));
    starts
}

fn memchr_iter(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter(|&(_, &b)| b == b'\n').map(|(i, _)| i)
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
    fn columns_count_characters() {
        let f = file("é = 1".as_bytes());
        assert_eq!(f.line_col(3), (1, 3));
    }
}
