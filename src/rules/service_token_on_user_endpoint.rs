//! TW104: a service token sent to an API endpoint that needs a user's personal access token.

use super::{Spec, mismatch};
use crate::model::{TokenType, Workflow};

pub const SPEC: Spec = mismatch::spec("TW104", "service-token-on-user-endpoint", TokenType::Service, Workflow::UserContextEndpoint);
