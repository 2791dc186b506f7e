//! `--diff`: the planned changes as a unified diff that `git apply` takes, built from the edits
//! themselves (each hunk is the lines an edit touches, with three lines of context), so the
//! diff shows exactly what `--fix` would write.

use super::plan::FileChange;

const CONTEXT: usize = 3;

/// The diff of every change, in path order; tokens masked (a context line holding one would
/// then not apply: `masked` counts the files where that happened).
pub fn render(changes: &[FileChange]) -> (String, usize) {
    let mut out = String::new();
    let mut masked = 0;
    for c in changes {
        let text = file(c);
        let shown = crate::literal::mask(&text);
        masked += usize::from(shown != text);
        out.push_str(&shown);
    }
    (out, masked)
}

/// The lines of `text`, each with its line break.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// An edit as planned: `(start, end, text)`.
type Splice = (usize, usize, String);

/// One changed stretch: old lines `old.0..old.1` become `new`.
struct Group {
    old: (usize, usize),
    new: Vec<String>,
}

fn file(c: &FileChange) -> String {
    let old = lines(&c.before);
    let starts: Vec<usize> = old
        .iter()
        .scan(0, |at, l| {
            let s = *at;
            *at += l.len();
            Some(s)
        })
        .collect();
    let line_of = |offset: usize| starts.partition_point(|&s| s <= offset).saturating_sub(1);
    // Edits on the same or touching lines form one group.
    let mut groups: Vec<((usize, usize), Vec<&Splice>)> = Vec::new();
    for e in &c.edits {
        let (a, b) = if e.0 >= c.before.len() && (c.before.is_empty() || c.before.ends_with('\n')) {
            (old.len(), old.len())
        } else {
            let a = line_of(e.0);
            (a, (line_of(e.1.saturating_sub(1).max(e.0)) + 1).max(a + 1))
        };
        match groups.last_mut() {
            Some((range, edits)) if a <= range.1 && a >= range.0 => {
                range.1 = range.1.max(b);
                edits.push(e);
            }
            _ => groups.push(((a, b), vec![e])),
        }
    }
    let groups: Vec<Group> = groups
        .into_iter()
        .map(|((a, b), edits)| {
            let from = starts.get(a).copied().unwrap_or(c.before.len());
            let to = starts.get(b).copied().unwrap_or(c.before.len());
            let mut text = String::new();
            let mut last = from;
            for (s, e, t) in edits {
                text.push_str(c.before.get(last..*s).unwrap_or(""));
                text.push_str(t);
                last = *e;
            }
            text.push_str(c.before.get(last..to).unwrap_or(""));
            let new: Vec<String> = lines(&text).into_iter().map(str::to_owned).collect();
            trim(&old, (a, b), new)
        })
        .filter(|g| g.old.0 != g.old.1 || !g.new.is_empty())
        .collect();
    if groups.is_empty() {
        return String::new();
    }
    let path = &c.display;
    let mut out = format!("diff --git a/{path} b/{path}\n");
    if c.created {
        out.push_str(&format!("new file mode 100644\n--- /dev/null\n+++ b/{path}\n"));
    } else {
        out.push_str(&format!("--- a/{path}\n+++ b/{path}\n"));
    }
    // Hunks: groups whose contexts meet share one.
    let mut delta: isize = 0;
    let mut i = 0;
    while i < groups.len() {
        let mut j = i;
        while j + 1 < groups.len() && groups[j + 1].old.0 <= groups[j].old.1 + 2 * CONTEXT {
            j += 1;
        }
        let start = groups[i].old.0.saturating_sub(CONTEXT);
        let end = (groups[j].old.1 + CONTEXT).min(old.len());
        let mut body = String::new();
        let (mut n_old, mut n_new) = (0, 0);
        let mut at = start;
        for g in &groups[i..=j] {
            for l in &old[at..g.old.0] {
                push(&mut body, ' ', l);
                n_old += 1;
                n_new += 1;
            }
            for l in &old[g.old.0..g.old.1] {
                push(&mut body, '-', l);
                n_old += 1;
            }
            for l in &g.new {
                push(&mut body, '+', l);
                n_new += 1;
            }
            at = g.old.1;
        }
        for l in &old[at..end] {
            push(&mut body, ' ', l);
            n_old += 1;
            n_new += 1;
        }
        let old_start = if n_old == 0 { start } else { start + 1 };
        let new_first = start as isize + delta;
        let new_start = if n_new == 0 { new_first } else { new_first + 1 };
        out.push_str(&format!("@@ -{old_start},{n_old} +{new_start},{n_new} @@\n{body}"));
        delta += n_new as isize - n_old as isize;
        i = j + 1;
    }
    out
}

/// A group without the lines its old and new text share at either end.
fn trim(old: &[&str], (mut a, mut b): (usize, usize), mut new: Vec<String>) -> Group {
    while a < b && !new.is_empty() && old.get(a).is_some_and(|l| *l == new[0]) {
        a += 1;
        new.remove(0);
    }
    while a < b && new.last().is_some_and(|n| old.get(b - 1).is_some_and(|l| l == n)) {
        b -= 1;
        new.pop();
    }
    Group { old: (a, b), new }
}

fn push(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Edit, Fix, plan};
    use super::*;
    use crate::source::SourceFile;

    fn show(before: &str, edits: Vec<Edit>) -> String {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("f.txt");
        std::fs::write(&path, before).unwrap_or_else(|e| panic!("{e}"));
        let files = [SourceFile::new(path, "f.txt".into(), before.as_bytes().to_vec())];
        let fix = Fix::safe("t", edits);
        let p = plan::plan(&[&fix], &files, false, false).unwrap_or_else(|e| panic!("{e}"));
        render(&p.changes).0
    }

    #[test]
    fn far_apart_edits_get_their_own_hunks_with_three_lines_of_context() {
        let before: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let at = |n: usize| before.find(&format!("line {n}\n")).unwrap_or(0);
        let edits = vec![
            Edit::insert(0, at(2), "new A\n"),
            Edit::replace(crate::model::Loc { file: 0, span: crate::tree::Span::new(at(15), at(15) + 7) }, "line XV"),
        ];
        let d = show(&before, edits);
        assert_eq!(
            d,
            "diff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n@@ -1,4 +1,5 @@\n line 1\n+new A\n line 2\n line 3\n line 4\n@@ -12,7 +13,7 @@\n line 12\n line 13\n line 14\n-line 15\n+line XV\n line 16\n line 17\n line 18\n"
        );
    }

    #[test]
    fn a_last_line_without_a_break_is_marked() {
        let d = show("a\nb", vec![Edit::insert(0, 3, "\nc\n")]);
        assert!(d.ends_with("@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n"), "{d}");
    }
}
