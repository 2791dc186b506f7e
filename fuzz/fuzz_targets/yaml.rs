//! Fuzz target: the YAML parser never panics and every span lies within the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenwise::tree::Node;

fn check(text: &str, node: &Node) {
    assert!(node.span.start <= node.span.end && text.get(node.span.start..node.span.end).is_some(), "{:?}", node.span);
    for (k, v) in node.entries() {
        check(text, k);
        check(text, v);
    }
    for item in node.items() {
        check(text, item);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match tokenwise::parse::yaml::parse(text) {
        Ok(docs) => docs.iter().for_each(|d| check(text, d)),
        Err(e) => assert!(e.offset <= text.len()),
    }
});
