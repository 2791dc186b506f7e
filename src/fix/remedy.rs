//! The fixes of findings whose rule says what would change ([`Remedy`]): a retiring host
//! replaced by the account's own, `host_url` added to a provider that relies on its default,
//! `sensitive = true` on an output that exposes a token, a misspelt permission set renamed,
//! an entry that suppresses nothing taken out of its ignore comment.
//! Each is safe: it changes one value or adds one line, and only when the repository leaves a
//! single candidate (the account-specific URL it shows, the one close permission set name).

use super::{Edit, Fix, add_line_in_block, replace_value};
use crate::model::Loc;
use crate::source::SourceFile;

/// The places and values a fix needs, as structure (never a secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Remedy {
    /// Replace a retiring host (`cloud.getdbt.com`) with the account-specific one the repository
    /// shows, when it shows exactly one (TW501).
    ReplaceHost { host: Loc, with: Option<String> },
    /// Add `host_url` to a provider block that relies on its retiring default: the block's label
    /// and the URL to set, when the repository shows the account's (TW501).
    SetProviderHost { provider: Loc, with: Option<String> },
    /// Mark an output block sensitive (`sensitive = true`): the whole block (TW204).
    MarkSensitive { block: Loc },
    /// Replace a permission set's value with the closest valid name, if one is close (TW303).
    RenamePermissionSet { value: Loc, with: Option<String> },
    /// Take an entry that suppresses nothing out of its ignore comment: the entry, the bytes to
    /// cut (it and a separator, or the whole comment when nothing of it stays: `whole`) (TW002).
    DropSuppression { entry: Loc, cut: Loc, whole: bool },
}

/// The fix a remedy gives, if it has what it needs.
pub fn fix(remedy: &Remedy, files: &[SourceFile]) -> Option<Fix> {
    match remedy {
        Remedy::ReplaceHost { host, with: Some(new) } => {
            let src = files.get(host.file)?;
            let old = src.text.get(host.span.start..host.span.end)?;
            Some(Fix::safe(
                format!("replace `{old}` with this account's access URL host `{new}`"),
                vec![Edit::replace(*host, new.clone())],
            ))
        }
        Remedy::SetProviderHost { provider, with: Some(url) } => {
            let src = files.get(provider.file)?;
            let open = provider.span.end + src.text.get(provider.span.end..)?.find('{')?;
            let edit = add_line_in_block(src, provider.file, open, &format!("host_url = \"{url}\""))?;
            Some(Fix::safe(format!("set `host_url = \"{url}\"` on the provider"), vec![edit]))
        }
        Remedy::MarkSensitive { block } => {
            let src = files.get(block.file)?;
            let open = block.span.start + src.text.get(block.span.start..block.span.end)?.find('{')?;
            let edit = add_line_in_block(src, block.file, open, "sensitive = true")?;
            Some(Fix::safe("mark the output `sensitive = true`", vec![edit]))
        }
        Remedy::RenamePermissionSet { value, with: Some(name) } => {
            let src = files.get(value.file)?;
            Some(Fix::safe(format!("rename the permission set to `{name}`"), vec![replace_value(src, *value, name)]))
        }
        Remedy::DropSuppression { entry, cut, whole } => {
            let src = files.get(entry.file)?;
            // Masked: an entry is whatever was typed between the brackets.
            let old = crate::literal::mask(src.text.get(entry.span.start..entry.span.end)?).into_owned();
            let title = if *whole {
                format!("remove the ignore comment (`{old}` suppresses nothing)")
            } else {
                format!("remove `{old}` from the ignore comment")
            };
            Some(Fix::safe(title, vec![Edit::replace(*cut, "")]))
        }
        _ => None,
    }
}
