//! TW103: a service token configuring the dbt Cloud CLI.

use super::{Spec, mismatch};
use crate::model::{TokenType, Workflow};

pub const SPEC: Spec = mismatch::spec("TW103", "service-token-in-cloud-cli", TokenType::Service, Workflow::CloudCli);
