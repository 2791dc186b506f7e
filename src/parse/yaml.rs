//! YAML into span-carrying [`Node`] trees, built from `saphyr-parser` events with aliases left unexpanded.

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

use crate::tree::{Node, NodeKind, ParseError, Span};

/// Deepest collection nesting accepted; deeper documents are rejected rather than risking
/// unbounded memory or stack use in later tree walks.
pub const MAX_DEPTH: usize = 256;

/// Most nodes accepted across all documents of one file.
pub const MAX_NODES: usize = 1_000_000;

/// Parses every document of a YAML stream; documents without content are skipped.
pub fn parse(text: &str) -> Result<Vec<Node>, ParseError> {
    let offsets = CharOffsets::new(text);
    let mut builder = Builder::new(text);
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|err| scan_error(&offsets, &err))?;
        let raw = Span::new(offsets.byte(span.start.index()), offsets.byte(span.end.index()));
        if builder.event(event, raw)? == Step::Stop {
            break;
        }
    }
    Ok(builder.finish())
}

fn scan_error(offsets: &CharOffsets<'_>, err: &ScanError) -> ParseError {
    // saphyr counts flow levels in a u8 and gives up at the 256th `[`/`{` with a message that
    // reads like an internal fault; say what the document did instead.
    let offset = offsets.byte(err.marker().index());
    if err.info() == "recursion limit exceeded" {
        ParseError::limit(offset, "nesting deeper than 255 flow levels")
    } else {
        ParseError::syntax(offset, err.info())
    }
}

/// Every this many characters the byte offset is recorded, so a lookup decodes at most this
/// many characters while the table stays a small fraction of the text's size.
const CHECKPOINT_STRIDE: usize = 64;

/// Maps saphyr's character indices to byte offsets.
struct CharOffsets<'a> {
    text: &'a str,
    /// Byte offset of every `CHECKPOINT_STRIDE`-th character; `None` when the text is ASCII
    /// and character indices already are byte offsets.
    checkpoints: Option<Vec<usize>>,
}

impl<'a> CharOffsets<'a> {
    fn new(text: &'a str) -> Self {
        let checkpoints =
            (!text.is_ascii()).then(|| text.char_indices().step_by(CHECKPOINT_STRIDE).map(|(byte, _)| byte).collect());
        CharOffsets { text, checkpoints }
    }

    /// The byte offset of character `index`, clamped to the end of the text.
    fn byte(&self, index: usize) -> usize {
        let Some(checkpoints) = &self.checkpoints else {
            return index.min(self.text.len());
        };
        let Some(&base) = checkpoints.get(index / CHECKPOINT_STRIDE) else {
            return self.text.len();
        };
        self.text
            .get(base..)
            .and_then(|rest| rest.char_indices().nth(index % CHECKPOINT_STRIDE))
            .map_or(self.text.len(), |(offset, _)| base + offset)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Continue,
    Stop,
}

/// A collection whose end event has not arrived yet.
enum Frame {
    Seq { start: usize, flow: bool, items: Vec<Node> },
    Map { start: usize, flow: bool, entries: Vec<(Node, Node)>, key: Option<Node> },
}

struct Builder<'t> {
    bytes: &'t [u8],
    docs: Vec<Node>,
    stack: Vec<Frame>,
    root: Option<Node>,
    nodes: usize,
    /// End of the previous event's raw span: where to start looking for indicators (`-`, `|`,
    /// `>`) that saphyr leaves out of the next event's span.
    prev_end: usize,
}

impl<'t> Builder<'t> {
    fn new(text: &'t str) -> Self {
        Builder { bytes: text.as_bytes(), docs: Vec::new(), stack: Vec::new(), root: None, nodes: 0, prev_end: 0 }
    }

    fn finish(mut self) -> Vec<Node> {
        // The parser always ends documents, but a truncated event stream must not lose one.
        if let Some(root) = self.root.take() {
            self.docs.push(root);
        }
        self.docs
    }

    fn event(&mut self, event: Event<'_>, raw: Span) -> Result<Step, ParseError> {
        let step = self.handle(event, raw)?;
        self.prev_end = raw.end;
        Ok(step)
    }

    fn handle(&mut self, event: Event<'_>, raw: Span) -> Result<Step, ParseError> {
        match event {
            Event::StreamEnd => return Ok(Step::Stop),
            Event::Nothing | Event::StreamStart => {}
            Event::DocumentStart(_) => {
                self.stack.clear();
                self.root = None;
            }
            Event::DocumentEnd => {
                if let Some(root) = self.root.take() {
                    self.docs.push(root);
                }
            }
            Event::Alias(_) => {
                self.count(raw.start)?;
                self.complete(Node { kind: NodeKind::Alias, span: raw });
            }
            Event::Scalar(value, style, anchor, tag) => {
                self.count(raw.start)?;
                let has_props = anchor != 0 || tag.is_some();
                let span = self.scalar_span(raw, style, has_props);
                // saphyr reports an empty document as an empty plain scalar; it carries
                // nothing a caller could use.
                let empty_document =
                    self.stack.is_empty() && style == ScalarStyle::Plain && value.is_empty() && !has_props;
                let quoted = style != ScalarStyle::Plain;
                let node = Node { kind: NodeKind::Scalar { value: value.into_owned(), quoted }, span };
                if !empty_document {
                    self.complete(node);
                }
            }
            Event::SequenceStart(anchor, tag) => {
                let start = self.collection_start(raw, anchor != 0 || tag.is_some(), true);
                self.open(start)?;
                let flow = self.bytes.get(start) == Some(&b'[');
                self.stack.push(Frame::Seq { start, flow, items: Vec::new() });
            }
            Event::MappingStart(anchor, tag) => {
                let start = self.collection_start(raw, anchor != 0 || tag.is_some(), false);
                self.open(start)?;
                let flow = self.bytes.get(start) == Some(&b'{');
                self.stack.push(Frame::Map { start, flow, entries: Vec::new(), key: None });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(ParseError::syntax(raw.start, "unbalanced end of collection"));
                };
                let node = close(frame, raw);
                self.complete(node);
            }
        }
        Ok(Step::Continue)
    }

    fn count(&mut self, offset: usize) -> Result<(), ParseError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(ParseError::limit(offset, format!("more than {MAX_NODES} nodes")));
        }
        Ok(())
    }

    fn open(&mut self, start: usize) -> Result<(), ParseError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(ParseError::limit(start, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        self.count(start)
    }

    /// Hands a finished node to the collection being built, or makes it the document root.
    fn complete(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }

    /// saphyr's span of a node with an anchor or tag starts at the first of those; the node
    /// itself starts after them.
    fn skip_props(&self, raw: Span) -> usize {
        seek(self.bytes, raw.start, raw.end, |b, _| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'#' | b'&' | b'!'))
            .unwrap_or(raw.end)
    }

    fn collection_start(&self, raw: Span, has_props: bool, seq: bool) -> usize {
        if has_props {
            return self.skip_props(raw);
        }
        // A sequence indented no deeper than its parent key ("indentless") gets a start span
        // after its first `- `, so look for the dash from the key on. Only a block mapping
        // can hold an indentless sequence; elsewhere block collections start at their first
        // token (a nested `- - x` must not find its parent's dash), flow ones at the bracket.
        let in_map = matches!(self.stack.last(), Some(Frame::Map { .. }));
        if seq && in_map && raw.start == raw.end {
            let from = self.prev_end.min(raw.start);
            let dash = seek(self.bytes, from, raw.start + 1, |b, next| {
                b == b'-' && next.is_none_or(|n| n.is_ascii_whitespace())
            });
            if let Some(dash) = dash {
                return dash;
            }
        }
        raw.start
    }

    fn scalar_span(&self, raw: Span, style: ScalarStyle, has_props: bool) -> Span {
        let start = if has_props { self.skip_props(raw) } else { raw.start };
        match style {
            ScalarStyle::Plain => return Span::new(start, raw.end),
            // saphyr ends a quoted scalar's span after the spaces and comment that follow it on
            // its line; end it at the closing quote instead.
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                let end = closing_quote(self.bytes, start, raw.end).unwrap_or(raw.end);
                return Span::new(start, end);
            }
            ScalarStyle::Literal | ScalarStyle::Folded => {}
        }
        // saphyr's span of a block scalar starts at its content (after the `|`/`>` header
        // line) and runs through the following indentation; cover header plus content instead.
        let from = if has_props { start } else { self.prev_end.min(raw.start) };
        let Some(indicator) = seek(self.bytes, from, raw.end, |b, _| b == b'|' || b == b'>') else {
            return Span::new(start, raw.end);
        };
        let mut header_end = indicator + 1;
        while self.bytes.get(header_end).is_some_and(|b| matches!(b, b'0'..=b'9' | b'+' | b'-')) {
            header_end += 1;
        }
        let floor = if has_props { header_end } else { raw.start.max(header_end) };
        let mut end = raw.end.min(self.bytes.len());
        while end > floor && self.bytes.get(end - 1).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
            end -= 1;
        }
        if end <= floor {
            end = header_end;
        }
        Span::new(indicator, end)
    }
}

fn close(frame: Frame, end_event: Span) -> Node {
    match frame {
        Frame::Seq { start, flow, items } => {
            let end = if flow { end_event.end } else { items.last().map_or(start, |last| last.span.end) };
            Node { kind: NodeKind::Seq(items), span: Span::new(start, end.max(start)) }
        }
        Frame::Map { start, flow, mut entries, key } => {
            // The parser pairs every key with a value; should one arrive alone, keep it with
            // an empty value rather than dropping it.
            if let Some(k) = key {
                let at = k.span.end;
                entries.push((
                    k,
                    Node { kind: NodeKind::Scalar { value: String::new(), quoted: false }, span: Span::new(at, at) },
                ));
            }
            let end = if flow { end_event.end } else { entries.last().map_or(start, |(_, value)| value.span.end) };
            Node { kind: NodeKind::Map(entries), span: Span::new(start, end.max(start)) }
        }
    }
}

/// The offset just past the quote closing the quoted scalar that opens at `start`.
fn closing_quote(bytes: &[u8], start: usize, to: usize) -> Option<usize> {
    let quote = *bytes.get(start)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let to = to.min(bytes.len());
    let mut i = start + 1;
    while i < to {
        let b = *bytes.get(i)?;
        if quote == b'"' && b == b'\\' {
            i += 2;
        } else if b == quote && quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
            // `''` is an escaped quote inside a single-quoted scalar.
            i += 2;
        } else if b == quote {
            return Some(i + 1);
        } else {
            i += 1;
        }
    }
    None
}

/// Looks through the gap between two tokens (whitespace, comments, anchors, tags and the
/// `:`, `?`, `-`, `,` indicators) for the first byte `want` accepts; gives up at anything else.
fn seek(bytes: &[u8], from: usize, to: usize, want: impl Fn(u8, Option<u8>) -> bool) -> Option<usize> {
    let to = to.min(bytes.len());
    let mut i = from;
    while i < to {
        let &b = bytes.get(i)?;
        if want(b, bytes.get(i + 1).copied()) {
            return Some(i);
        }
        match b {
            b' ' | b'\t' | b'\r' | b'\n' | b':' | b'?' | b'-' | b',' => i += 1,
            b'#' => {
                while i < to && bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'&' | b'!' => {
                while i < to && bytes.get(i).is_some_and(|c| !c.is_ascii_whitespace()) {
                    i += 1;
                }
            }
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_one(text: &str) -> Node {
        match parse(text) {
            Ok(mut docs) if docs.len() == 1 => docs.remove(0),
            other => panic!("expected one document, got {other:?}"),
        }
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn scalar_spans_are_byte_offsets() {
        let text = "name: \"é—ü\" # ünïcödé\nkey: 'v' # it's\nplain: some value  # c\n";
        let doc = parse_one(text);
        let name = doc.get("name").unwrap();
        assert_eq!(slice(text, name.span), "\"é—ü\"");
        assert_eq!(name.as_str(), Some("é—ü"));
        let key = doc.get("key").unwrap();
        assert_eq!(slice(text, key.span), "'v'");
        assert!(matches!(key.kind, NodeKind::Scalar { quoted: true, .. }));
        let plain = doc.get("plain").unwrap();
        assert_eq!(slice(text, plain.span), "some value");
        assert!(matches!(plain.kind, NodeKind::Scalar { quoted: false, .. }));
        let (k, _) = &doc.entries()[2];
        assert_eq!(slice(text, k.span), "plain");
    }

    #[test]
    fn map_and_seq_spans() {
        let text = "# ∂ comment\nouter:\n  inner: [1, {a: b}]\n  list:\n    - x\n    - y\nlast: z\n";
        let doc = parse_one(text);
        assert_eq!(doc.span.start, text.find("outer").unwrap());
        assert_eq!(doc.span.end, text.find("z\n").unwrap() + 1);
        let outer = doc.get("outer").unwrap();
        assert_eq!(slice(text, outer.span), "inner: [1, {a: b}]\n  list:\n    - x\n    - y");
        let inner = outer.get("inner").unwrap();
        assert_eq!(slice(text, inner.span), "[1, {a: b}]");
        assert_eq!(slice(text, inner.items()[1].span), "{a: b}");
        let list = outer.get("list").unwrap();
        assert_eq!(slice(text, list.span), "- x\n    - y");
    }

    #[test]
    fn indentless_sequence_starts_at_dash() {
        let text = "l:\n- - 1\n  - 2\n- 3\nm: &a\n- q\n";
        let doc = parse_one(text);
        let l = doc.get("l").unwrap();
        assert_eq!(slice(text, l.span), "- - 1\n  - 2\n- 3");
        assert_eq!(slice(text, l.items()[0].span), "- 1\n  - 2");
        let m = doc.get("m").unwrap();
        assert_eq!(slice(text, m.span), "- q");
    }

    #[test]
    fn anchors_and_tags_are_outside_spans() {
        let text = "a: &x foo\nb: !!str bar\nc: &y \"q\"\nd: &m\n  k: v\ne: !t &s [1]\n";
        let doc = parse_one(text);
        assert_eq!(slice(text, doc.get("a").unwrap().span), "foo");
        assert_eq!(slice(text, doc.get("b").unwrap().span), "bar");
        assert_eq!(slice(text, doc.get("c").unwrap().span), "\"q\"");
        assert_eq!(slice(text, doc.get("d").unwrap().span), "k: v");
        assert_eq!(slice(text, doc.get("e").unwrap().span), "[1]");
    }

    #[test]
    fn block_scalars_cover_header_and_content() {
        let text = "a: |\n  line one\n  line two\n\nb: >- # folded\n  x\nc: |\nd: &k |+\n  kept\n\n";
        let doc = parse_one(text);
        let a = doc.get("a").unwrap();
        assert_eq!(slice(text, a.span), "|\n  line one\n  line two");
        assert_eq!(a.as_str(), Some("line one\nline two\n"));
        assert!(matches!(a.kind, NodeKind::Scalar { quoted: true, .. }));
        assert_eq!(slice(text, doc.get("b").unwrap().span), ">- # folded\n  x");
        assert_eq!(slice(text, doc.get("c").unwrap().span), "|");
        assert_eq!(slice(text, doc.get("d").unwrap().span), "|+\n  kept");
        let seq = parse_one("- |\n  in seq\n- >\n  two\n");
        assert_eq!(seq.items().len(), 2);
        assert_eq!(seq.items()[0].span, Span::new(2, 12));
    }

    #[test]
    fn multiple_documents_and_empty_ones_skipped() {
        let text = "---\na: 1\n---\n---\n# only a comment\n...\n--- [x]\n--- ''\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].get("a").and_then(Node::as_str), Some("1"));
        assert_eq!(slice(text, docs[1].span), "[x]");
        assert_eq!(docs[2].as_str(), Some(""));
        assert!(parse("").unwrap().is_empty());
        assert!(parse("# nothing\n").unwrap().is_empty());
    }

    #[test]
    fn alias_not_expanded() {
        let text = "base: &b {k: v}\nuse: *b\n";
        let doc = parse_one(text);
        let used = doc.get("use").unwrap();
        assert_eq!(used.kind, NodeKind::Alias);
        assert_eq!(slice(text, used.span), "*b");
    }

    #[test]
    fn billion_laughs_is_cheap() {
        let mut text =
            String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        let names: Vec<char> = ('b'..='z').collect();
        let mut prev = 'a';
        for &name in &names {
            let refs = vec![format!("*{prev}"); 9].join(",");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
            prev = name;
        }
        let doc = parse_one(&text);
        // The work done is the nodes built: one per value written, never one per expansion.
        fn nodes(n: &Node) -> usize {
            1 + n.items().iter().map(nodes).sum::<usize>()
                + n.entries().iter().map(|(k, v)| nodes(k) + nodes(v)).sum::<usize>()
        }
        assert!(nodes(&doc) < text.len() / 2, "{} nodes", nodes(&doc));
        let z = doc.get("z").unwrap();
        assert_eq!(z.items().len(), 9);
        assert!(z.items().iter().all(|n| n.kind == NodeKind::Alias));
    }

    #[test]
    fn deep_flow_nesting_is_rejected() {
        let text = "[".repeat(20_000);
        let err = parse(&text).unwrap_err();
        assert_eq!(err.message, "nesting deeper than 255 flow levels");
        assert_eq!(err.offset, 255);
        // Block and flow levels together count towards MAX_DEPTH.
        let text = format!("{}{}", "- ".repeat(250), "[".repeat(10));
        let err = parse(&text).unwrap_err();
        assert_eq!(err.message, "nesting deeper than 256 levels");
        assert_eq!(err.offset, 500 + MAX_DEPTH - 250);
    }

    #[test]
    fn deep_block_nesting_is_rejected() {
        let text = format!("{}x\n", "- ".repeat(20_000));
        let err = parse(&text).unwrap_err();
        assert_eq!(err.message, "nesting deeper than 256 levels");
        assert_eq!(err.offset, 2 * MAX_DEPTH);
        let ok = format!("{}x\n", "- ".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn deep_block_mapping_is_rejected() {
        let mut text = String::new();
        for depth in 0..300 {
            text.push_str(&" ".repeat(depth));
            text.push_str("k:\n");
        }
        let err = parse(&text).unwrap_err();
        assert_eq!(err.message, "nesting deeper than 256 levels");
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        let text = "ok: 1\nname: \"ünterminated\n";
        let err = parse(text).unwrap_err();
        assert!(err.offset >= text.find('"').unwrap(), "{err:?}");
        assert!(err.offset <= text.len());
        assert!(!err.message.is_empty());
    }

    #[test]
    fn tab_indentation_is_an_error() {
        let text = "é: 1\na:\n\tb: 1\n";
        let err = parse(text).unwrap_err();
        // saphyr reports the character after the tab.
        assert_eq!(err.offset, text.find('\t').unwrap() + 1);
        assert!(err.message.contains("tab"), "{err:?}");
    }

    #[test]
    fn crlf_line_endings() {
        let text = "a: 1\r\nb:\r\n  - x\r\n  - \"y\"\r\nc: |\r\n  lit\r\n";
        let doc = parse_one(text);
        assert_eq!(slice(text, doc.get("a").unwrap().span), "1");
        let b = doc.get("b").unwrap();
        assert_eq!(slice(text, b.span), "- x\r\n  - \"y\"");
        let c = doc.get("c").unwrap();
        assert_eq!(slice(text, c.span), "|\r\n  lit");
        assert_eq!(c.as_str(), Some("lit\n"));
    }

    #[test]
    fn leading_bom_does_not_panic() {
        let text = "\u{feff}a: b\n";
        let doc = parse_one(text);
        assert_eq!(slice(text, doc.get("a").unwrap().span), "b");
    }

    #[test]
    fn char_offsets_across_checkpoints() {
        let text: String = "é".repeat(200) + "x";
        let offsets = CharOffsets::new(&text);
        assert_eq!(offsets.byte(0), 0);
        assert_eq!(offsets.byte(64), 128);
        assert_eq!(offsets.byte(199), 398);
        assert_eq!(offsets.byte(200), 400);
        assert_eq!(offsets.byte(201), 401);
        assert_eq!(offsets.byte(5000), 401);
    }
}
