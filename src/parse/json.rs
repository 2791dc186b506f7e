//! JSON (and JSONC: comments allowed) with byte spans, parsed iteratively with a depth limit.

use crate::tree::{Node, NodeKind, ParseError, Span};

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 256;

/// A container being built: its start, and for objects the pending key.
enum Open {
    Array(usize, Vec<Node>),
    Object(usize, Vec<(Node, Node)>, Option<Node>),
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

fn err(offset: usize, message: impl Into<String>) -> ParseError {
    ParseError { offset, message: message.into() }
}

impl<'a> Reader<'a> {
    fn skip_ws(&mut self) -> Result<(), ParseError> {
        loop {
            match self.bytes.get(self.pos) {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'/') if self.bytes.get(self.pos + 1) == Some(&b'/') => {
                    while self.bytes.get(self.pos).is_some_and(|&b| b != b'\n') {
                        self.pos += 1;
                    }
                }
                Some(b'/') if self.bytes.get(self.pos + 1) == Some(&b'*') => {
                    let start = self.pos;
                    let end = self.text.get(self.pos + 2..).and_then(|t| t.find("*/"));
                    match end {
                        Some(e) => self.pos += 2 + e + 2,
                        None => return Err(err(start, "unterminated comment")),
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn string(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        loop {
            // Copy the run up to the next quote or escape in one go: linear on long strings.
            let run = self.bytes.get(self.pos..).unwrap_or(&[]);
            let stop = memchr::memchr3(b'"', b'\\', b'\n', run);
            let Some(n) = stop else { return Err(err(start, "unterminated string")) };
            value.push_str(self.text.get(self.pos..self.pos + n).unwrap_or(""));
            self.pos += n;
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Node {
                        kind: NodeKind::Scalar { value, quoted: true },
                        span: Span::new(start, self.pos),
                    });
                }
                Some(b'\\') => {
                    let esc = self.pos;
                    self.pos += 1;
                    let c = match self.bytes.get(self.pos) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let hi = self.hex4(esc)?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if self.text.get(self.pos..self.pos + 2) != Some("\\u") {
                                    return Err(err(esc, "unpaired surrogate in \\u escape"));
                                }
                                self.pos += 2;
                                let lo = self.hex4(esc)?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(err(esc, "invalid surrogate pair"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            value.push(char::from_u32(code).ok_or_else(|| err(esc, "invalid \\u escape"))?);
                            continue;
                        }
                        _ => return Err(err(esc, "invalid escape")),
                    };
                    value.push(c);
                    self.pos += 1;
                }
                _ => return Err(err(start, "unterminated string")),
            }
        }
    }

    fn hex4(&mut self, esc: usize) -> Result<u32, ParseError> {
        let digits = self.text.get(self.pos..self.pos + 4).ok_or_else(|| err(esc, "invalid \\u escape"))?;
        let v = u32::from_str_radix(digits, 16).map_err(|_| err(esc, "invalid \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    fn bare(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        while self.bytes.get(self.pos).is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.')) {
            self.pos += 1;
        }
        let word = self.text.get(start..self.pos).unwrap_or("");
        let number = word.starts_with(|c: char| c == '-' || c.is_ascii_digit()) && word.parse::<f64>().is_ok();
        if word.is_empty() || !(number || matches!(word, "true" | "false" | "null")) {
            let shown: String = self.text.get(start..).unwrap_or("").chars().take(12).collect();
            return Err(err(start, format!("unexpected `{shown}`")));
        }
        Ok(Node { kind: NodeKind::Scalar { value: word.to_owned(), quoted: false }, span: Span::new(start, self.pos) })
    }
}

/// Parse one JSON document.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let body_start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut r = Reader { text, bytes: text.as_bytes(), pos: body_start };
    let mut stack: Vec<Open> = Vec::new();
    loop {
        r.skip_ws()?;
        // Expecting a value (or the end of an empty/finished container).
        let at = r.pos;
        let value = match r.bytes.get(at) {
            Some(b'{') | Some(b'[') => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(at, format!("nesting deeper than {MAX_DEPTH} levels")));
                }
                r.pos += 1;
                let is_obj = r.bytes[at] == b'{';
                stack.push(if is_obj { Open::Object(at, Vec::new(), None) } else { Open::Array(at, Vec::new()) });
                r.skip_ws()?;
                let close = if is_obj { b'}' } else { b']' };
                if r.bytes.get(r.pos) == Some(&close) {
                    r.pos += 1;
                    close_top(&mut stack, r.pos)
                } else {
                    if is_obj {
                        read_key(&mut r, &mut stack)?;
                    }
                    continue;
                }
            }
            Some(b'"') => r.string()?,
            Some(_) => r.bare()?,
            None => return Err(err(at, "unexpected end of input")),
        };
        // Attach the value and read separators until another value is expected.
        let mut value = Some(value);
        while let Some(v) = value.take() {
            match stack.last_mut() {
                None => {
                    r.skip_ws()?;
                    if r.pos < r.bytes.len() {
                        return Err(err(r.pos, "trailing characters after the JSON value"));
                    }
                    return Ok(v);
                }
                Some(Open::Array(_, items)) => items.push(v),
                Some(Open::Object(_, entries, key)) => match key.take() {
                    Some(k) => entries.push((k, v)),
                    None => return Err(err(v.span.start, "expected a key")),
                },
            }
            r.skip_ws()?;
            let is_obj = matches!(stack.last(), Some(Open::Object(..)));
            let close = if is_obj { b'}' } else { b']' };
            match r.bytes.get(r.pos) {
                Some(b',') => {
                    r.pos += 1;
                    r.skip_ws()?;
                    if matches!(r.bytes.get(r.pos), Some(b'}' | b']')) {
                        return Err(err(r.pos, "trailing comma"));
                    }
                    if is_obj {
                        read_key(&mut r, &mut stack)?;
                    }
                }
                Some(&b) if b == close => {
                    r.pos += 1;
                    value = Some(close_top(&mut stack, r.pos));
                }
                Some(_) => return Err(err(r.pos, if is_obj { "expected `,` or `}`" } else { "expected `,` or `]`" })),
                None => return Err(err(r.pos, "unexpected end of input")),
            }
        }
    }
}

fn read_key(r: &mut Reader, stack: &mut [Open]) -> Result<(), ParseError> {
    r.skip_ws()?;
    if r.bytes.get(r.pos) != Some(&b'"') {
        return Err(err(r.pos, "expected a string key"));
    }
    let k = r.string()?;
    r.skip_ws()?;
    if r.bytes.get(r.pos) != Some(&b':') {
        return Err(err(r.pos, "expected `:`"));
    }
    r.pos += 1;
    if let Some(Open::Object(_, _, key)) = stack.last_mut() {
        *key = Some(k);
    }
    Ok(())
}

fn close_top(stack: &mut Vec<Open>, end: usize) -> Node {
    match stack.pop() {
        Some(Open::Array(s, items)) => Node { kind: NodeKind::Seq(items), span: Span::new(s, end) },
        Some(Open::Object(s, entries, _)) => Node { kind: NodeKind::Map(entries), span: Span::new(s, end) },
        None => Node { kind: NodeKind::Alias, span: Span::new(end, end) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_spans() {
        let text = r#"{"a": [1, true, null, "x\"y"], "é": {"b": "\u00e9\ud83d\ude00"}}"#;
        let doc = parse(text).unwrap();
        let a = doc.get("a").unwrap();
        assert_eq!(a.items().len(), 4);
        assert_eq!(a.items()[3].as_str(), Some("x\"y"));
        assert_eq!(&text[a.items()[3].span.start..a.items()[3].span.end], r#""x\"y""#);
        assert_eq!(doc.get("é").and_then(|n| n.get("b")).and_then(Node::as_str), Some("é😀"));
    }

    #[test]
    fn malformed_inputs_are_errors_with_offsets() {
        assert_eq!(parse("[1, 2,]").unwrap_err().message, "trailing comma");
        assert_eq!(parse("{\"a\": \"x").unwrap_err().message, "unterminated string");
        assert_eq!(parse(r#"["\q"]"#).unwrap_err().offset, 2);
        assert!(parse("{\"a\" 1}").unwrap_err().message.contains(':'));
        assert!(parse("[1] x").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(20_000) + &"]".repeat(20_000);
        assert!(parse(&text).unwrap_err().message.contains("nesting"));
    }

    #[test]
    fn comments_bom_and_crlf() {
        let text = "\u{feff}// settings\r\n{\r\n  /* token */ \"a\": 1\r\n}\r\n";
        assert_eq!(parse(text).unwrap().get("a").and_then(Node::as_str), Some("1"));
    }

    #[test]
    fn empty_containers() {
        assert_eq!(parse("{}").unwrap().entries().len(), 0);
        assert_eq!(parse("[[]]").unwrap().items().len(), 1);
    }
}
