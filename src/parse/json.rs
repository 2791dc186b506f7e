//! JSON (with JSONC comments) into span-carrying [`Node`] trees, by a hand-written iterative parser.

use crate::tree::{Node, NodeKind, ParseError, Span};

/// Deepest array/object nesting accepted.
pub const MAX_DEPTH: usize = 256;

/// Parses one JSON value; a leading BOM, surrounding whitespace and `//` / `/* */` comments
/// are allowed, anything else after the value is an error.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let start = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    JsonParser { text, bytes: text.as_bytes(), pos: start }.document()
}

/// An array or object whose closing bracket has not been reached yet.
enum Frame {
    Array { start: usize, items: Vec<Node> },
    Object { start: usize, entries: Vec<(Node, Node)>, key: Option<Node> },
}

struct JsonParser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
}

fn error(offset: usize, message: &str) -> ParseError {
    ParseError::syntax(offset, message)
}

impl JsonParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn document(mut self) -> Result<Node, ParseError> {
        let root = self.value_tree()?;
        self.skip_ws()?;
        if self.pos < self.bytes.len() {
            return Err(error(self.pos, "unexpected characters after the JSON value"));
        }
        Ok(root)
    }

    /// Parses one value with all it contains, keeping open containers on an explicit stack so
    /// that nesting depth costs heap, not call stack.
    fn value_tree(&mut self) -> Result<Node, ParseError> {
        let mut stack: Vec<Frame> = Vec::new();
        'value: loop {
            self.skip_ws()?;
            let mut node = match self.peek() {
                Some(open @ (b'[' | b'{')) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(ParseError::limit(self.pos, format!("nesting deeper than {MAX_DEPTH} levels")));
                    }
                    let start = self.pos;
                    self.pos += 1;
                    self.skip_ws()?;
                    if open == b'[' {
                        if self.peek() == Some(b']') {
                            self.pos += 1;
                            Node { kind: NodeKind::Seq(Vec::new()), span: Span::new(start, self.pos) }
                        } else {
                            stack.push(Frame::Array { start, items: Vec::new() });
                            continue 'value;
                        }
                    } else if self.peek() == Some(b'}') {
                        self.pos += 1;
                        Node { kind: NodeKind::Map(Vec::new()), span: Span::new(start, self.pos) }
                    } else {
                        let key = self.key()?;
                        stack.push(Frame::Object { start, entries: Vec::new(), key: Some(key) });
                        continue 'value;
                    }
                }
                Some(b'"') => self.string()?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.literal("true")?,
                Some(b'f') => self.literal("false")?,
                Some(b'n') => self.literal("null")?,
                Some(_) => return Err(error(self.pos, "expected a JSON value")),
                None => return Err(error(self.pos, "unexpected end of input, expected a value")),
            };
            // Attach the finished node to its container; every container this closes becomes
            // the next finished node, until one still wants more values.
            loop {
                let Some(frame) = stack.last_mut() else {
                    return Ok(node);
                };
                self.skip_ws()?;
                match frame {
                    Frame::Array { start, items } => {
                        items.push(node);
                        if self.peek() == Some(b',') && !self.comma(b']')? {
                            continue 'value;
                        }
                        match self.peek() {
                            Some(b']') => {
                                self.pos += 1;
                                let span = Span::new(*start, self.pos);
                                node = Node { kind: NodeKind::Seq(std::mem::take(items)), span };
                                stack.pop();
                            }
                            Some(_) => return Err(error(self.pos, "expected ',' or ']'")),
                            None => return Err(error(self.pos, "unterminated array")),
                        }
                    }
                    Frame::Object { start, entries, key } => {
                        if let Some(k) = key.take() {
                            entries.push((k, node));
                        }
                        if self.peek() == Some(b',') && !self.comma(b'}')? {
                            *key = Some(self.key()?);
                            continue 'value;
                        }
                        match self.peek() {
                            Some(b'}') => {
                                self.pos += 1;
                                let span = Span::new(*start, self.pos);
                                node = Node { kind: NodeKind::Map(std::mem::take(entries)), span };
                                stack.pop();
                            }
                            Some(_) => return Err(error(self.pos, "expected ',' or '}'")),
                            None => return Err(error(self.pos, "unterminated object")),
                        }
                    }
                }
            }
        }
    }

    /// Consumes a `,` and the space after it; true when the container closes right after it:
    /// a trailing comma, which JSON-with-comments files (`devcontainer.json`,
    /// `.vscode/settings.json`, `tsconfig.json`) allow and which costs nothing to accept.
    fn comma(&mut self, close: u8) -> Result<bool, ParseError> {
        self.pos += 1;
        self.skip_ws()?;
        Ok(self.peek() == Some(close))
    }

    /// An object key and the `:` after it.
    fn key(&mut self) -> Result<Node, ParseError> {
        match self.peek() {
            Some(b'"') => {}
            Some(_) => return Err(error(self.pos, "expected a string key")),
            None => return Err(error(self.pos, "unterminated object")),
        }
        let key = self.string()?;
        self.skip_ws()?;
        if self.peek() != Some(b':') {
            return Err(error(self.pos, "expected ':'"));
        }
        self.pos += 1;
        Ok(key)
    }

    /// Skips whitespace and JSONC comments.
    fn skip_ws(&mut self) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'/') => match self.bytes.get(self.pos + 1) {
                    Some(b'/') => {
                        self.pos = self.bytes[self.pos..]
                            .iter()
                            .position(|&b| b == b'\n')
                            .map_or(self.bytes.len(), |i| self.pos + i);
                    }
                    Some(b'*') => {
                        let open = self.pos;
                        let body = self.pos + 2;
                        match self.bytes[body..].windows(2).position(|w| w == b"*/") {
                            Some(i) => self.pos = body + i + 2,
                            None => return Err(error(open, "unterminated comment")),
                        }
                    }
                    _ => return Ok(()),
                },
                _ => return Ok(()),
            }
        }
    }

    fn literal(&mut self, word: &str) -> Result<Node, ParseError> {
        let start = self.pos;
        if !self.bytes[start..].starts_with(word.as_bytes()) {
            return Err(error(start, "expected a JSON value"));
        }
        self.pos += word.len();
        if self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(error(start, "expected a JSON value"));
        }
        Ok(self.plain(start))
    }

    fn number(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(error(start, "invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(error(start, "invalid number"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(error(start, "invalid number"));
            }
            self.digits();
        }
        if self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.') {
            return Err(error(start, "invalid number"));
        }
        Ok(self.plain(start))
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    /// An unquoted scalar whose value is its source text, from `start` to the current position.
    fn plain(&self, start: usize) -> Node {
        Node {
            kind: NodeKind::Scalar { value: self.text[start..self.pos].to_string(), quoted: false },
            span: Span::new(start, self.pos),
        }
    }

    /// A string starting at the current `"`; the span includes both quotes.
    fn string(&mut self) -> Result<Node, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut value = String::new();
        let mut run = self.pos;
        loop {
            match self.peek() {
                None | Some(b'\n' | b'\r') => return Err(error(open, "unterminated string")),
                Some(b'"') => {
                    value.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    value.push_str(&self.text[run..self.pos]);
                    self.escape(&mut value)?;
                    run = self.pos;
                }
                // Other control characters are invalid JSON, but tolerated: rejecting them
                // would hide the whole file from the linter over a stray tab.
                Some(_) => self.pos += 1,
            }
        }
        Ok(Node { kind: NodeKind::Scalar { value, quoted: true }, span: Span::new(open, self.pos) })
    }

    /// Decodes the escape at the current `\` into `out`.
    fn escape(&mut self, out: &mut String) -> Result<(), ParseError> {
        let backslash = self.pos;
        let decoded = match self.bytes.get(backslash + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let high = self.hex4(backslash)?;
                self.pos = backslash + 6;
                let code = match high {
                    0xD800..=0xDBFF => {
                        if self.bytes.get(self.pos) != Some(&b'\\') || self.bytes.get(self.pos + 1) != Some(&b'u') {
                            return Err(error(backslash, "unpaired surrogate in \\u escape"));
                        }
                        let low = self.hex4(self.pos)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(error(backslash, "unpaired surrogate in \\u escape"));
                        }
                        self.pos += 6;
                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => {
                        return Err(error(backslash, "unpaired surrogate in \\u escape"));
                    }
                    _ => high,
                };
                let Some(c) = char::from_u32(code) else {
                    return Err(error(backslash, "invalid \\u escape"));
                };
                out.push(c);
                return Ok(());
            }
            None => return Err(error(backslash, "unterminated string")),
            Some(_) => return Err(error(backslash, "invalid escape")),
        };
        out.push(decoded);
        self.pos = backslash + 2;
        Ok(())
    }

    /// The four hex digits of the `\u` escape at `backslash`.
    fn hex4(&self, backslash: usize) -> Result<u32, ParseError> {
        let digits =
            self.bytes.get(backslash + 2..backslash + 6).ok_or_else(|| error(backslash, "invalid \\u escape"))?;
        digits.iter().try_fold(0u32, |acc, &b| {
            let digit = char::from(b).to_digit(16).ok_or_else(|| error(backslash, "invalid \\u escape"))?;
            Ok(acc * 16 + digit)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn spans_and_values() {
        let text =
            "{\n  \"näme\": \"vålue\",\n  \"n\": -1.5e3, \"t\": true, \"z\": null,\n  \"list\": [1, {\"k\": \"v\"}]\n}";
        let doc = parse(text).unwrap();
        assert_eq!(doc.span, Span::new(0, text.len()));
        let (key, value) = &doc.entries()[0];
        assert_eq!(slice(text, key.span), "\"näme\"");
        assert_eq!(key.as_str(), Some("näme"));
        assert!(matches!(key.kind, NodeKind::Scalar { quoted: true, .. }));
        assert_eq!(slice(text, value.span), "\"vålue\"");
        let n = doc.get("n").unwrap();
        assert_eq!(n.as_str(), Some("-1.5e3"));
        assert!(matches!(n.kind, NodeKind::Scalar { quoted: false, .. }));
        assert_eq!(doc.get("t").and_then(Node::as_str), Some("true"));
        assert_eq!(doc.get("z").and_then(Node::as_str), Some("null"));
        let list = doc.get("list").unwrap();
        assert_eq!(slice(text, list.span), "[1, {\"k\": \"v\"}]");
        assert_eq!(slice(text, list.items()[1].span), "{\"k\": \"v\"}");
        assert_eq!(list.items()[1].get("k").and_then(Node::as_str), Some("v"));
    }

    #[test]
    fn escapes_are_decoded() {
        let text = r#"["a\"b\\c\/d\b\f\n\r\t", "\u00e9\u20AC", "\ud83d\ude00", "é€"]"#;
        let doc = parse(text).unwrap();
        let values: Vec<_> = doc.items().iter().filter_map(Node::as_str).collect();
        assert_eq!(values, ["a\"b\\c/d\u{8}\u{c}\n\r\t", "é€", "😀", "é€"]);
    }

    #[test]
    fn bad_escapes_are_errors() {
        for (text, at) in [
            (r#"["ok", "a\qb"]"#, 9),
            (r#"["\u12"]"#, 2),
            (r#"["\u12G4"]"#, 2),
            (r#"["\ud83d"]"#, 2),
            (r#"["\ud83d\u0041"]"#, 2),
            (r#"["\ude00"]"#, 2),
        ] {
            let err = parse(text).unwrap_err();
            assert_eq!(err.offset, at, "{text}: {err:?}");
            assert!(err.message.contains("escape"), "{text}: {err:?}");
        }
    }

    #[test]
    fn a_trailing_comma_is_accepted_as_jsonc_consumers_do() {
        let Ok(Node { kind: NodeKind::Seq(items), .. }) = parse("[1, 2, ]") else { panic!("parses") };
        assert_eq!(items.len(), 2);
        let Ok(doc) = parse("{\"a\": {\"b\": 1,},\n // x\n}") else { panic!("parses") };
        assert_eq!(doc.get("a").and_then(|a| a.get("b")).map(|b| b.span), Some(Span::new(12, 13)));
        // Only one comma, and only before a closing bracket.
        assert!(parse("[1,,]").is_err());
        assert!(parse("[,]").is_err());
        assert!(parse("{\"a\": 1,,}").is_err());
    }

    #[test]
    fn unterminated_string_is_an_error() {
        let err = parse("{\"a\": \"open").unwrap_err();
        assert_eq!((err.offset, err.message.as_str()), (6, "unterminated string"));
        let err = parse("{\"a\": \"open\n}").unwrap_err();
        assert_eq!((err.offset, err.message.as_str()), (6, "unterminated string"));
    }

    #[test]
    fn structural_errors() {
        let err = parse("{\"a\" 1}").unwrap_err();
        assert_eq!((err.offset, err.message.as_str()), (5, "expected ':'"));
        assert_eq!(parse("[1 2]").unwrap_err().offset, 3);
        assert_eq!(parse("{\"a\": 1} x").unwrap_err().offset, 9);
        assert_eq!(parse("[1,").unwrap_err().offset, 3);
        assert_eq!(parse("").unwrap_err().offset, 0);
        assert_eq!(parse("[01]").unwrap_err().offset, 1);
        assert_eq!(parse("[1.]").unwrap_err().offset, 1);
        assert_eq!(parse("[tru]").unwrap_err().offset, 1);
        assert_eq!(parse("[truex]").unwrap_err().offset, 1);
        assert_eq!(parse("{1: 2}").unwrap_err().offset, 1);
        assert_eq!(parse("/* open").unwrap_err().offset, 0);
    }

    #[test]
    fn jsonc_comments_bom_and_whitespace() {
        let text = "\u{feff} // header\n{\n  /* block\n  comment */ \"a\": 1, // trailing\n  \"b\" /*x*/ : /*y*/ [2]\n}\n// end";
        let doc = parse(text).unwrap();
        assert_eq!(doc.get("a").and_then(Node::as_str), Some("1"));
        assert_eq!(slice(text, doc.get("b").unwrap().span), "[2]");
        assert_eq!(slice(text, doc.span).chars().next(), Some('{'));
    }

    #[test]
    fn crlf_line_endings() {
        let text = "{\r\n  \"a\": \"x\",\r\n  \"b\": [1,\r\n 2]\r\n}\r\n";
        let doc = parse(text).unwrap();
        assert_eq!(slice(text, doc.get("a").unwrap().span), "\"x\"");
        assert_eq!(slice(text, doc.get("b").unwrap().span), "[1,\r\n 2]");
    }

    #[test]
    fn deep_nesting_is_rejected_without_overflow() {
        let text = "[".repeat(20_000);
        let err = parse(&text).unwrap_err();
        assert_eq!(err.message, "nesting deeper than 256 levels");
        assert_eq!(err.offset, MAX_DEPTH);
        let text = "{\"a\":".repeat(20_000);
        assert!(parse(&text).is_err());
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn large_input_is_linear() {
        let item = r#"{"name": "tok\u00e9n", "v": [1, 2.5, true, null], "s": "plain text here"},"#;
        let text = |len: usize| {
            let mut text = String::from("[");
            while text.len() < len {
                text.push_str(item);
            }
            text.push_str("0]");
            text
        };
        let (small, large) = (text(750_000), text(3_000_000));
        assert!(parse(&large).unwrap().items().len() > 25_000);
        // 4× the input costs about 4× (quadratic: 16×), measured against each other.
        let costs = crate::cost::costs([small.as_str(), large.as_str()], |t| {
            let _ = parse(t);
        });
        assert!(crate::cost::ratio(costs) <= 8.0, "{costs:?}");
    }
}
