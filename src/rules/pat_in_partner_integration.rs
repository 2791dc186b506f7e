//! TW102: a personal access token handed to a partner integration or custom app.

use super::{Spec, mismatch};
use crate::model::{TokenType, Workflow};

pub const SPEC: Spec = mismatch::spec("TW102", "pat-in-partner-integration", TokenType::Personal, Workflow::PartnerIntegration);
