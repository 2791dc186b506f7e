//! TW102: a personal access token handed to a partner integration or custom app.

use super::{Spec, mismatch};
use crate::model::{TokenType, Workflow};

pub const SPEC: Spec = Spec {
    check: |rule, input, out| mismatch::check_then(rule, input, out, mismatch::attach_service_token),
    ..mismatch::spec("TW102", "pat-in-partner-integration", TokenType::Personal, Workflow::PartnerIntegration)
};
