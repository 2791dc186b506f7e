//! "Did you mean": the closest of a set of known names to a mistyped one.

/// The candidate closest to `given` (case-insensitive edit distance), when it is close enough to
/// be a typo: at most a third of the longer name's length, and at least one edit allowed.
pub fn closest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let given = given.to_ascii_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let d = distance(&given, &c.to_ascii_lowercase());
        let limit = (given.chars().count().max(c.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// " (did you mean `x`?)" for the closest candidate, or nothing.
pub fn hint<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(given, candidates).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default()
}

/// Levenshtein distance over characters.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(cur).min(row[j]) };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_finds_its_name_and_nonsense_finds_none() {
        let names = ["pat-in-production", "hardcoded-token", "TW101"];
        assert_eq!(closest("pat-in-prod", names), None, "six edits on 17 characters is too far");
        assert_eq!(closest("pat-in-productoin", names), Some("pat-in-production"));
        assert_eq!(closest("tw10l", names), Some("TW101"));
        assert_eq!(closest("zzzz", names), None);
        assert_eq!(hint("hardcode-token", names), " (did you mean `hardcoded-token`?)");
    }
}
