//! Parsers with spans: YAML and JSON into [`crate::tree::Node`]; HCL is read by `hcl-edit` in
//! the Terraform extractor.

pub mod json;
pub mod yaml;
