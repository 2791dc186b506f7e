//! tokenwise: a policy linter for dbt Cloud API tokens.
//!
//! The pipeline, one module per stage: [`discover`] → [`read`] → [`prefilter`] → [`source`]
//! (decode) → [`parse`] → [`extract`] (one extractor per ecosystem) → [`resolve`] (across files) →
//! [`classify`] → [`rules`] → [`report`]
//! (what a run reports) → [`render`] (one renderer per format). [`scan`] runs it;
//! [`cli`] is the command line.

pub mod advise;
pub mod baseline;
pub mod bounded;
pub mod classify;
pub mod cli;
pub mod cli_options;
pub mod config;
pub mod config_cmd;
#[cfg(test)]
mod cost;
pub mod discover;
pub mod encoded;
pub mod escape;
pub mod extract;
pub mod fix;
pub mod git;
pub mod globs;
pub mod ignore_comment;
pub mod ignore_rules;
pub mod inventory;
pub mod kind;
pub mod known;
pub mod literal;
pub mod longpath;
pub mod model;
pub mod parse;
pub mod path_name;
pub mod pattern;
pub mod policy;
pub mod prefilter;
pub mod project_root;
pub mod read;
pub mod render;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod scan;
pub mod show_files;
pub mod source;
pub mod suggest;
pub mod suppress;
pub mod tree;
pub mod unescape;
pub mod utf16;
pub mod words;
