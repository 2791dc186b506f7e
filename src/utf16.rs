//! UTF-16 files (what Windows PowerShell's `>` writes): told from their first bytes and read as
//! UTF-8, so their tokens and lines are found like any other file's.

use std::io::Read;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endian {
    Little,
    Big,
}

/// Code units sniffed for a file without a byte order mark.
const SNIFF_UNITS: usize = 2048;

/// Whether `bytes` (a file's start) are UTF-16: a byte order mark, or, without one, text that is
/// ASCII in every code unit sniffed (one zero byte in each pair, always the same one, never two).
/// Binary files with a few such pairs are not taken: every unit must be ASCII, none NUL.
pub fn sniff(bytes: &[u8]) -> Option<Endian> {
    match bytes {
        [0xFF, 0xFE, ..] => return Some(Endian::Little),
        [0xFE, 0xFF, ..] => return Some(Endian::Big),
        _ => {}
    }
    let sample = bytes.get(..bytes.len().min(SNIFF_UNITS * 2)).unwrap_or_default();
    if sample.len() < 8 || sample.len() % 2 != 0 && sample.len() == bytes.len() {
        return None;
    }
    let text = |b: u8| b != 0 && b.is_ascii();
    let pairs = || sample.chunks_exact(2);
    if pairs().all(|p| text(p[0]) && p[1] == 0) {
        Some(Endian::Little)
    } else if pairs().all(|p| p[0] == 0 && text(p[1])) {
        Some(Endian::Big)
    } else {
        None
    }
}

fn units(bytes: &[u8], endian: Endian) -> impl Iterator<Item = u16> + '_ {
    bytes.chunks_exact(2).map(move |p| match endian {
        Endian::Little => u16::from_le_bytes([p[0], p[1]]),
        Endian::Big => u16::from_be_bytes([p[0], p[1]]),
    })
}

/// The text of UTF-16 `bytes`, without its byte order mark; invalid units become U+FFFD.
pub fn decode(bytes: &[u8], endian: Endian) -> String {
    let text: String =
        char::decode_utf16(units(bytes, endian)).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect();
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

/// A reader of UTF-16 that yields UTF-8, for files streamed rather than read whole.
pub struct Reader<R> {
    inner: R,
    endian: Endian,
    /// Bytes read but not yet decoded: an odd byte, or a high surrogate waiting for its pair.
    carry: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    first: bool,
    eof: bool,
}

impl<R: Read> Reader<R> {
    pub fn new(inner: R, endian: Endian) -> Self {
        Reader { inner, endian, carry: Vec::new(), out: Vec::new(), pos: 0, first: true, eof: false }
    }

    fn fill(&mut self) -> std::io::Result<()> {
        let mut raw = std::mem::take(&mut self.carry);
        let at = raw.len();
        raw.resize(at + (1 << 16), 0);
        let n = loop {
            match self.inner.read(raw.get_mut(at..).unwrap_or_default()) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        raw.truncate(at + n);
        self.eof = n == 0;
        let mut whole = raw.len() / 2 * 2;
        if !self.eof && whole >= 2 {
            let last = units(raw.get(whole - 2..whole).unwrap_or_default(), self.endian).next().unwrap_or(0);
            if (0xD800..0xDC00).contains(&last) {
                whole -= 2;
            }
        }
        let text = decode_units(raw.get(..whole).unwrap_or_default(), self.endian, self.first);
        self.first = self.first && whole == 0;
        self.carry = raw.get(whole..).unwrap_or_default().to_vec();
        if self.eof && !self.carry.is_empty() {
            self.carry.clear();
            self.out = format!("{text}{}", char::REPLACEMENT_CHARACTER).into_bytes();
        } else {
            self.out = text.into_bytes();
        }
        self.pos = 0;
        Ok(())
    }
}

fn decode_units(bytes: &[u8], endian: Endian, first: bool) -> String {
    if first {
        decode(bytes, endian)
    } else {
        char::decode_utf16(units(bytes, endian)).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
    }
}

impl<R: Read> Read for Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.out.len() {
            if self.eof {
                return Ok(0);
            }
            self.fill()?;
        }
        let rest = self.out.get(self.pos..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf.get_mut(..n).unwrap_or_default().copy_from_slice(rest.get(..n).unwrap_or_default());
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le(s: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    fn be(s: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFE, 0xFF] } else { Vec::new() };
        out.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        out
    }

    #[test]
    fn every_byte_order_with_or_without_a_mark_is_read() {
        // Without a mark, only text that starts in ASCII is taken for UTF-16.
        let (text, ascii) = ("TOKEN=abc\r\nnext: é 😀\r\n", "TOKEN=abc\r\nnext: e\r\n");
        for (bytes, endian, text) in [
            (le(text, true), Endian::Little, text),
            (be(text, true), Endian::Big, text),
            (le(ascii, false), Endian::Little, ascii),
            (be(ascii, false), Endian::Big, ascii),
        ] {
            assert_eq!(sniff(&bytes), Some(endian));
            assert_eq!(decode(&bytes, endian), text);
        }
        assert_eq!(sniff(&le(text, false)), None);
    }

    #[test]
    fn utf8_and_binary_files_are_not_utf16() {
        assert_eq!(sniff(b"plain text file\n"), None);
        assert_eq!(sniff(b"\x00\x00\x00\x01binary\x00\x01"), None);
        assert_eq!(sniff(b"a\x00b\x00c\x00\x00\x00d\x00"), None);
        assert_eq!(sniff(b"a\x00"), None);
    }

    #[test]
    fn the_reader_matches_a_whole_decode_across_reads() {
        let text = format!("{}😀 end\n", "x = é\n".repeat(20_000));
        let bytes = le(&text, true);
        let mut out = String::new();
        Reader::new(bytes.as_slice(), Endian::Little).read_to_string(&mut out).unwrap();
        assert_eq!(out, text);
        // One byte at a time: odd splits and a surrogate pair across reads.
        struct Slow<'a>(&'a [u8]);
        impl Read for Slow<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(1);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let bytes = be("a😀b", false);
        let mut out = String::new();
        Reader::new(Slow(&bytes), Endian::Big).read_to_string(&mut out).unwrap();
        assert_eq!(out, "a😀b");
    }
}
