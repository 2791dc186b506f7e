//! TW105: a service token used for developmental work.

use super::{Spec, mismatch};
use crate::model::{TokenType, Workflow};

pub const SPEC: Spec = mismatch::spec("TW105", "service-token-in-dev-workflow", TokenType::Service, Workflow::DevScript);
