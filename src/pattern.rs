//! Regexes compiled from patterns written in the source.

use regex::Regex;

/// Compile a constant pattern. Each one is exercised by the tests of the module that owns it,
/// so a failure here is a defect of the build, never a property of the input being scanned.
#[allow(clippy::expect_used)]
pub fn constant(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a constant regex pattern compiles")
}
