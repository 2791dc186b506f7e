//! Baselines: the fingerprints of known findings, so a project can adopt tokenwise and fail only
//! on new findings. The file holds rule codes, paths and content hashes, never a token.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Version of the baseline file format.
pub const VERSION: u32 = 1;

/// Largest baseline read: some 400,000 findings, and a bound on what `--baseline /dev/zero`
/// or a file growing under the scan can cost.
pub const MAX_FILE: u64 = 64 * crate::bounded::MIB;

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub code: String,
    pub path: String,
    pub fingerprint: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    fingerprints: Vec<Entry>,
}

/// The recorded findings, counted: two identical findings need two entries, so a second copy
/// of a known problem is still new.
#[derive(Debug, Default)]
pub struct Baseline {
    counts: BTreeMap<Entry, usize>,
}

impl Baseline {
    /// Read the baseline at `path`: a regular file (a FIFO or device is refused, not waited
    /// on) of at most [`MAX_FILE`] bytes, UTF-8 with or without a byte-order mark, or UTF-16
    /// with one.
    pub fn read(path: &Path) -> Result<Baseline, String> {
        use crate::bounded::{self, Refusal};
        let shown = path.display();
        let bytes = bounded::read(path, MAX_FILE, true).map_err(|r| match r {
            Refusal::Missing => {
                format!("baseline `{shown}` does not exist; create it with `--write-baseline {shown}`")
            }
            Refusal::TooLarge(cap) => {
                format!("baseline `{shown}` is larger than {}, the limit for a baseline", bounded::size(cap))
            }
            Refusal::Io(e) => format!("cannot read baseline `{shown}`: {e}"),
            r => format!("baseline `{shown}` {r}"),
        })?;
        let bytes = bounded::utf8(bytes).map_err(|m| format!("baseline `{shown}` {m}"))?;
        let file: File = serde_json::from_slice(&bytes)
            .map_err(|e| format!("baseline `{shown}` is not a tokenwise baseline: {e}"))?;
        if file.version != VERSION {
            return Err(format!(
                "baseline `{shown}` has version {}; this tokenwise reads version {VERSION}",
                file.version
            ));
        }
        let mut counts = BTreeMap::new();
        for e in file.fingerprints {
            *counts.entry(e).or_insert(0) += 1;
        }
        Ok(Baseline { counts })
    }

    /// Whether `e` is recorded; each recorded entry covers one finding.
    pub fn take(&mut self, e: &Entry) -> bool {
        match self.counts.get_mut(&masked(e.clone())) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

/// An entry as recorded: a token in a file name is masked like everywhere else (the
/// fingerprint, a hash of the real path, still tells such files apart).
fn masked(mut e: Entry) -> Entry {
    if let std::borrow::Cow::Owned(path) = crate::literal::mask(&e.path) {
        e.path = path;
    }
    e
}

/// The baseline file for `entries`, sorted by path so it diffs cleanly.
pub fn render(entries: Vec<Entry>) -> String {
    let mut entries: Vec<Entry> = entries.into_iter().map(masked).collect();
    entries.sort_by(|a, b| (&a.path, &a.code, &a.fingerprint).cmp(&(&b.path, &b.code, &b.fingerprint)));
    let file = File { version: VERSION, fingerprints: entries };
    let text = serde_json::to_string_pretty(&file).unwrap_or_default();
    format!("{text}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str, fp: &str) -> Entry {
        Entry { code: code.into(), path: "ci.yml".into(), fingerprint: fp.into() }
    }

    #[test]
    fn round_trips_sorted_and_counts_duplicates() {
        let text = render(vec![entry("TW201", "b"), entry("TW101", "a"), entry("TW101", "a")]);
        assert!(text.find("TW101").unwrap_or(usize::MAX) < text.find("TW201").unwrap_or(0));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("b.json");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let mut b = Baseline::read(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(b.take(&entry("TW101", "a")));
        assert!(b.take(&entry("TW101", "a")));
        assert!(!b.take(&entry("TW101", "a")), "a third copy is new");
        assert!(!b.take(&entry("TW201", "c")));
    }

    #[test]
    fn rejects_other_files_clearly() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("b.json");
        std::fs::write(&path, "{\"version\": 2, \"fingerprints\": []}").unwrap_or_else(|e| panic!("{e}"));
        assert!(Baseline::read(&path).err().unwrap_or_default().contains("version 2"));
        std::fs::write(&path, "[]").unwrap_or_else(|e| panic!("{e}"));
        assert!(Baseline::read(&path).err().unwrap_or_default().contains("is not a tokenwise baseline"));
        let missing = Baseline::read(&dir.path().join("nope.json")).err().unwrap_or_default();
        assert!(missing.contains("--write-baseline"), "{missing}");
        let folder = Baseline::read(dir.path()).err().unwrap_or_default();
        assert!(folder.ends_with("is not a regular file"), "{folder}");
    }

    #[test]
    fn a_bom_or_utf16_is_read() {
        let text = render(vec![entry("TW101", "a")]);
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("b.json");
        std::fs::write(&path, [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()).unwrap_or_else(|e| panic!("{e}"));
        assert!(Baseline::read(&path).unwrap_or_else(|e| panic!("{e}")).take(&entry("TW101", "a")));
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        std::fs::write(&path, utf16).unwrap_or_else(|e| panic!("{e}"));
        assert!(Baseline::read(&path).unwrap_or_else(|e| panic!("{e}")).take(&entry("TW101", "a")));
    }
}
