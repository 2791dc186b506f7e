//! Cross-file resolution: follows token values from one file into another (CI → Terraform
//! variable → provider → resources) and turns Terraform declarations into token uses.

pub mod airflow;
pub mod ci_runs;
pub mod terraform;

use crate::extract::FileFacts;
use crate::model::{Flow, TokenUse};
use crate::policy::Policy;
use crate::source::SourceFile;

/// Every token use of the scan, with cross-file flows followed.
pub fn resolve(files: &[SourceFile], facts: &mut [FileFacts], policy: &Policy) -> Vec<TokenUse> {
    let mut uses: Vec<TokenUse> = facts.iter_mut().flat_map(|f| std::mem::take(&mut f.uses)).collect();
    let mut tf = terraform::Index::build(files, facts, policy);
    for u in &mut uses {
        tf.type_ci_secret(u);
        if let Some(Flow::TerraformVariable { name, run }) = u.flow.clone() {
            tf.follow_ci_variable(u, &name, &run);
        }
    }
    let terragrunt = tf.terragrunt_uses();
    uses.extend(terragrunt);
    uses.extend(tf.uses());
    airflow::follow(&mut uses, files, &policy.signals);
    ci_runs::follow(&mut uses, files, &policy.signals);
    uses.retain(|u| !u.latent);
    uses
}
