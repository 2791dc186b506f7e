//! YAML with byte spans, built from `saphyr-parser` events; aliases are never expanded.

use crate::tree::{Node, NodeKind, ParseError, Span};
use saphyr_parser::{Event, Parser, ScalarStyle};

/// Deepest nesting accepted; deeper input is reported, not recursed into.
pub const MAX_DEPTH: usize = 256;
/// Most nodes one file may produce.
pub const MAX_NODES: usize = 1_000_000;

/// Maps saphyr's character indices to byte offsets.
struct Offsets {
    table: Option<Vec<usize>>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Self {
        let table = (!text.is_ascii()).then(|| {
            let mut t: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
            t.push(text.len());
            t
        });
        Offsets { table, len: text.len() }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.table {
            None => char_index.min(self.len),
            Some(t) => t.get(char_index).copied().unwrap_or(self.len),
        }
    }
}

/// A collection being built.
enum Open {
    Seq(Vec<Node>, usize),
    Map(Vec<(Node, Node)>, Option<Node>, usize),
}

/// Parse every document of a YAML stream. Empty documents are skipped.
pub fn parse(text: &str) -> Result<Vec<Node>, ParseError> {
    let offsets = Offsets::new(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut nodes = 0usize;
    for item in Parser::new_from_str(text) {
        let (event, span) =
            item.map_err(|e| ParseError { offset: offsets.byte(e.marker().index()), message: e.info().to_owned() })?;
        let start = offsets.byte(span.start.index());
        let end = offsets.byte(span.end.index());
        let done = match event {
            Event::Scalar(value, style, _, _) => {
                let quoted = !matches!(style, ScalarStyle::Plain);
                Some(Node { kind: NodeKind::Scalar { value: value.into_owned(), quoted }, span: Span::new(start, end) })
            }
            Event::Alias(_) => Some(Node { kind: NodeKind::Alias, span: Span::new(start, end) }),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ParseError {
                        offset: start,
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                    });
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Open::Seq(Vec::new(), start)
                } else {
                    Open::Map(Vec::new(), None, start)
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Open::Seq(items, s)) => {
                    let e = items.last().map(|n| n.span.end).unwrap_or(end).max(end.min(text.len())).max(s);
                    Some(Node { kind: NodeKind::Seq(items), span: Span::new(s, e) })
                }
                Some(Open::Map(entries, _, s)) => {
                    let e = entries.last().map(|(_, v)| v.span.end).unwrap_or(end).max(end.min(text.len())).max(s);
                    Some(Node { kind: NodeKind::Map(entries), span: Span::new(s, e) })
                }
                None => None,
            },
            _ => None,
        };
        let Some(node) = done else { continue };
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(ParseError { offset: start, message: format!("more than {MAX_NODES} nodes") });
        }
        match stack.last_mut() {
            Some(Open::Seq(items, _)) => items.push(node),
            Some(Open::Map(entries, key, _)) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => *key = Some(node),
            },
            None => {
                let empty = matches!(&node.kind, NodeKind::Scalar { value, quoted: false } if value.is_empty() || value == "~" || value == "null");
                if !empty {
                    docs.push(node);
                }
            }
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_byte_offsets() {
        let text = "é: 1\nkey: value\n";
        let docs = parse(text).unwrap();
        let v = docs[0].get("key").unwrap();
        assert_eq!(&text[v.span.start..v.span.end], "value");
    }

    #[test]
    fn quoted_scalars_keep_their_quotes_in_the_span() {
        let text = "a: \"x y\"\n";
        let docs = parse(text).unwrap();
        let v = docs[0].get("a").unwrap();
        assert!(text[v.span.start..v.span.end].contains("x y"));
        assert!(matches!(v.kind, NodeKind::Scalar { quoted: true, .. }));
    }

    #[test]
    fn several_documents() {
        assert_eq!(parse("a: 1\n---\nb: 2\n").unwrap().len(), 2);
    }

    #[test]
    fn aliases_are_not_expanded() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='j' {
            text.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        let docs = parse(&text).unwrap();
        let j = docs[0].get("j").unwrap();
        assert!(j.items().iter().all(|n| n.kind == NodeKind::Alias));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let flow = "[".repeat(20_000);
        let e = parse(&flow).unwrap_err();
        assert!(e.message.contains("nest") || e.message.contains("recursion"), "{e:?}");
        let mut block = String::new();
        for i in 0..300 {
            block.push_str(&" ".repeat(i));
            block.push_str("a:\n");
        }
        assert!(parse(&block).unwrap_err().message.contains("nesting"));
    }

    #[test]
    fn malformed_input_reports_an_offset() {
        let e = parse("a: \"unterminated\nb: 1\n").unwrap_err();
        assert!(e.offset > 0);
        assert!(parse("a:\n\t- b\n").is_err());
    }

    #[test]
    fn crlf_line_endings() {
        let text = "a: 1\r\nb: two\r\n";
        let docs = parse(text).unwrap();
        let v = docs[0].get("b").unwrap();
        assert_eq!(&text[v.span.start..v.span.end], "two");
    }
}
