//! A format-neutral document tree with byte spans, shared by the YAML and JSON parsers.

/// A byte range into the decoded source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

/// One node of a parsed YAML or JSON document.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// Where the node's text is in the source; for scalars the scalar itself
    /// (quotes included), for collections from the opening to the closing token.
    pub span: Span,
}

/// What a node holds. Aliases are kept as they are, never expanded, so a
/// document cannot make the parser do unbounded work ("billion laughs").
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// A scalar: its decoded value and whether it was quoted (quoted scalars
    /// are always strings; plain ones may be numbers, booleans, null).
    Scalar {
        value: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    /// Key/value pairs in source order (duplicates kept).
    Map(Vec<(Node, Node)>),
    /// A YAML alias (`*name`), not expanded.
    Alias,
}

/// A parse failure at a byte offset of the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    /// The parser's words, shown to users; they may change with a parser's version.
    pub message: String,
    pub kind: ParseErrorKind,
}

/// What kind of failure a parse error is, for what must not change with the parser's wording
/// (a finding's fingerprint).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The text is not valid in its language.
    Syntax,
    /// The text is valid as far as read, but goes past a limit the parser keeps (nesting, nodes).
    Limit,
}

impl ParseErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ParseErrorKind::Syntax => "syntax",
            ParseErrorKind::Limit => "limit",
        }
    }
}

impl ParseError {
    pub fn syntax(offset: usize, message: impl Into<String>) -> Self {
        ParseError { offset, message: message.into(), kind: ParseErrorKind::Syntax }
    }

    pub fn limit(offset: usize, message: impl Into<String>) -> Self {
        ParseError { offset, message: message.into(), kind: ParseErrorKind::Limit }
    }
}

impl Node {
    /// The scalar's value, if this node is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The value stored under `key`, if this node is a map with such a key (first match).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries().iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v)
    }

    /// The map's entries, or an empty slice.
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.kind {
            NodeKind::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The sequence's items, or an empty slice.
    pub fn items(&self) -> &[Node] {
        match &self.kind {
            NodeKind::Seq(items) => items,
            _ => &[],
        }
    }
}
