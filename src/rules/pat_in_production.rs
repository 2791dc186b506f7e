//! TW101: a personal access token used in a production workflow.

use super::{Spec, mismatch};
use crate::model::{TokenType, Workflow};

pub const SPEC: Spec = mismatch::spec("TW101", "pat-in-production", TokenType::Personal, Workflow::Production);
