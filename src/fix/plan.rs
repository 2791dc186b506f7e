//! Choosing and applying fixes: the fixes at or above an applicability, per file together, an
//! overlapping fix skipped whole (the first in report order wins), and every file checked
//! before anything is written: a file changed since the scan, a read-only file or content read
//! from stdin fails the run and nothing changes.

use super::{Applicability, Edit, Fix, Target};
use crate::rules::Finding;
use crate::source::SourceFile;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What applying the chosen fixes does to one file.
#[derive(Debug)]
pub struct FileChange {
    /// The path as reports show it.
    pub display: String,
    pub disk: PathBuf,
    /// The text before (as read, without a BOM) and after.
    pub before: String,
    pub after: String,
    /// The accepted edits, sorted, as `(start, end, text)` into `before`.
    pub edits: Vec<(usize, usize, String)>,
    /// The file does not exist yet.
    pub created: bool,
    bom: bool,
    /// Hash of the bytes on disk when planned, compared again just before writing.
    hash: Option<[u8; 32]>,
}

/// The changes to make, and what was left out.
#[derive(Debug, Default)]
pub struct Plan {
    pub changes: Vec<FileChange>,
    /// Fixes applied (each counted once, whatever its files).
    pub applied: usize,
    /// Fixes left out because they overlap one taken before them.
    pub overlapping: usize,
}

fn hash(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// True when two edits touch the same bytes. Insertions at one point do not overlap (they go
/// in in order); an insertion inside a replaced range does.
fn overlaps(a: &Edit, b: &Edit) -> bool {
    if a.target != b.target {
        return false;
    }
    let inside = |p: usize, e: &Edit| e.start < p && p < e.end;
    match (a.start == a.end, b.start == b.end) {
        (true, true) => false,
        (true, false) => inside(a.start, b),
        (false, true) => inside(b.start, a),
        (false, false) => a.start < b.end && b.start < a.end,
    }
}

/// The fixes of `findings` at or above `level`, with edits, in report order; the same fix
/// offered by two findings (one `.gitignore` line) is taken once.
pub fn chosen(findings: &[Finding], level: Applicability) -> Vec<&Fix> {
    let mut out: Vec<&Fix> = Vec::new();
    for fix in findings.iter().flat_map(|f| &f.fixes) {
        if fix.applicability >= level && !fix.edits.is_empty() && !out.iter().any(|o| o.edits == fix.edits) {
            out.push(fix);
        }
    }
    out
}

/// The plan for `fixes` over the scanned `files`. Fails, naming the file, when one cannot be
/// fixed: content from stdin, a file known only by excerpts or not UTF-8, a file changed since
/// the scan, a read-only file.
///
/// Content from stdin can be shown (`write` false: `--diff`), never written.
pub fn plan(fixes: &[&Fix], files: &[SourceFile], from_stdin: bool, write: bool) -> Result<Plan, String> {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut plan = Plan::default();
    for fix in fixes {
        if fix.edits.iter().any(|e| taken.iter().any(|t| overlaps(t, e))) {
            plan.overlapping += 1;
            continue;
        }
        // An edit another fix already makes (one `.gitignore` line) is made once.
        let fresh: Vec<&Edit> = fix.edits.iter().filter(|e| !taken.contains(e)).collect();
        taken.extend(fresh);
        plan.applied += 1;
    }
    let mut by_file: BTreeMap<&Target, Vec<&Edit>> = BTreeMap::new();
    for e in taken {
        by_file.entry(&e.target).or_default().push(e);
    }
    for (target, edits) in by_file {
        plan.changes.push(change(target, edits, files, from_stdin, write)?);
    }
    plan.changes.sort_by(|a, b| a.display.cmp(&b.display));
    Ok(plan)
}

fn change(
    target: &Target,
    edits: Vec<&Edit>,
    files: &[SourceFile],
    from_stdin: bool,
    write: bool,
) -> Result<FileChange, String> {
    let (display, disk, before, bom, hash, created) = match target {
        Target::Scanned(i) => {
            let src = files.get(*i).ok_or("a fix names a file the scan did not read")?;
            let name = &src.display;
            if from_stdin && write {
                return Err(format!(
                    "cannot fix `{name}`: its content was read from stdin, there is no file to write; use --diff"
                ));
            }
            if src.is_excerpt() || src.lossy {
                return Err(format!("cannot fix `{name}`: it was not read whole as UTF-8 text"));
            }
            if from_stdin {
                return splice(name.clone(), src.path.clone(), src.text.clone(), edits, false, None, false);
            }
            let bytes = std::fs::read(&src.path).map_err(|e| format!("cannot fix `{name}`: {e}"))?;
            let bom = bytes.starts_with(BOM);
            let body = if bom { &bytes[BOM.len()..] } else { &bytes[..] };
            if body != src.text.as_bytes() {
                return Err(format!("cannot fix `{name}`: it changed since it was scanned; run again"));
            }
            writable(&src.path, name)?;
            (name.clone(), src.path.clone(), src.text.clone(), bom, Some(hash(&bytes)), false)
        }
        Target::Path(path) if from_stdin => {
            return Err(format!("cannot fix `{path}` for content read from stdin"));
        }
        Target::Path(path) => {
            let disk = PathBuf::from(path);
            match super::read_other(path)? {
                Some(bytes) => {
                    let text = String::from_utf8(bytes.clone())
                        .map_err(|_| format!("cannot fix `{path}`: it is not UTF-8 text"))?;
                    writable(&disk, path)?;
                    (path.clone(), disk, text, false, Some(hash(&bytes)), false)
                }
                None => (path.clone(), disk, String::new(), false, None, true),
            }
        }
    };
    splice(display, disk, before, edits, created, hash, bom)
}

/// The change that applying `edits` to `before` makes.
fn splice(
    display: String,
    disk: PathBuf,
    before: String,
    edits: Vec<&Edit>,
    created: bool,
    hash: Option<[u8; 32]>,
    bom: bool,
) -> Result<FileChange, String> {
    let mut sorted: Vec<(usize, usize, String)> = edits.iter().map(|e| (e.start, e.end, e.text.clone())).collect();
    // Stable: insertions at one point keep their order.
    sorted.sort_by_key(|e| (e.0, e.1));
    let mut after = String::with_capacity(before.len());
    let mut last = 0;
    for (start, end, text) in &sorted {
        let piece = before
            .get(last..*start)
            .filter(|_| *end <= before.len())
            .ok_or_else(|| format!("cannot fix `{display}`: an edit falls outside the file"))?;
        after.push_str(piece);
        after.push_str(text);
        last = *end;
    }
    after.push_str(before.get(last..).unwrap_or(""));
    Ok(FileChange { display, disk, before, after, edits: sorted, created, bom, hash })
}

fn writable(path: &std::path::Path, name: &str) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot fix `{name}`: {e}"))?;
    if meta.permissions().readonly() {
        return Err(format!("cannot fix `{name}`: the file is read-only"));
    }
    Ok(())
}

/// Write every change, after checking again that no file changed since it was planned (so a
/// failure changes nothing).
pub fn write(plan: &Plan) -> Result<(), String> {
    for c in &plan.changes {
        let now = match std::fs::read(&c.disk) {
            Ok(b) => Some(hash(&b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("cannot fix `{}`: {e}", c.display)),
        };
        if now != c.hash {
            return Err(format!("cannot fix `{}`: it changed since it was scanned; run again", c.display));
        }
    }
    for c in &plan.changes {
        let mut bytes = Vec::with_capacity(c.after.len() + 3);
        if c.bom {
            bytes.extend_from_slice(BOM);
        }
        bytes.extend_from_slice(c.after.as_bytes());
        std::fs::write(&c.disk, bytes).map_err(|e| format!("cannot write `{}`: {e}", c.display))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Loc;
    use crate::tree::Span;

    fn file(dir: &std::path::Path, text: &str) -> SourceFile {
        let path = dir.join("f.txt");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        SourceFile::new(path, "f.txt".into(), text.as_bytes().to_vec())
    }

    fn at(start: usize, end: usize) -> Loc {
        Loc { file: 0, span: Span::new(start, end) }
    }

    #[test]
    fn an_overlapping_fix_is_skipped_whole_and_counted() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let files = [file(dir.path(), "abcdef\n")];
        let first = Fix::safe("1", vec![Edit::replace(at(1, 3), "X")]);
        let second = Fix::safe("2", vec![Edit::replace(at(5, 6), "Y"), Edit::replace(at(2, 4), "Z")]);
        let third = Fix::safe("3", vec![Edit::insert(0, 3, "+")]);
        let p = plan(&[&first, &second, &third], &files, false, true).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((p.applied, p.overlapping), (2, 1));
        assert_eq!(p.changes[0].after, "aX+def\n");
    }

    #[test]
    fn a_file_changed_since_the_scan_is_not_fixed() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let files = [file(dir.path(), "abc\n")];
        std::fs::write(dir.path().join("f.txt"), "abcd\n").unwrap_or_else(|e| panic!("{e}"));
        let fix = Fix::safe("1", vec![Edit::replace(at(0, 1), "X")]);
        let e = plan(&[&fix], &files, false, true).err().unwrap_or_default();
        assert_eq!(e, "cannot fix `f.txt`: it changed since it was scanned; run again");
        assert_eq!(std::fs::read_to_string(dir.path().join("f.txt")).unwrap_or_default(), "abcd\n");
    }

    #[test]
    fn a_change_between_plan_and_write_fails_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let files = [file(dir.path(), "abc\n")];
        let fix = Fix::safe("1", vec![Edit::replace(at(0, 1), "X")]);
        let p = plan(&[&fix], &files, false, true).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("f.txt"), "zzz\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(write(&p).is_err());
        assert_eq!(std::fs::read_to_string(dir.path().join("f.txt")).unwrap_or_default(), "zzz\n");
    }

    #[test]
    fn a_byte_order_mark_is_kept() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("f.txt");
        std::fs::write(&path, b"\xEF\xBB\xBFabc\n").unwrap_or_else(|e| panic!("{e}"));
        let files = [SourceFile::new(path.clone(), "f.txt".into(), b"\xEF\xBB\xBFabc\n".to_vec())];
        let fix = Fix::safe("1", vec![Edit::replace(at(0, 1), "X")]);
        let p = plan(&[&fix], &files, false, true).unwrap_or_else(|e| panic!("{e}"));
        write(&p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(&path).unwrap_or_default(), b"\xEF\xBB\xBFXbc\n");
    }
}
