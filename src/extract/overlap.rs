//! Which of many spans overlap or contain a range, answered in logarithmic time, so matching
//! each of n references against n uses stays near linear.

/// Spans given once, each known by its position in the list given.
pub struct Overlaps {
    /// (start, end, position given), sorted by start.
    spans: Vec<(usize, usize, usize)>,
    /// A segment tree over `spans`: the largest end in each node's range of spans.
    reach: Vec<usize>,
    /// The number of leaves of `reach` (a power of two).
    leaves: usize,
}

impl Overlaps {
    pub fn new(spans: impl Iterator<Item = (usize, usize)>) -> Self {
        let mut spans: Vec<(usize, usize, usize)> = spans.enumerate().map(|(i, (s, e))| (s, e, i)).collect();
        spans.sort_unstable();
        let leaves = spans.len().next_power_of_two();
        let mut reach = vec![0; 2 * leaves];
        for (i, &(_, end, _)) in spans.iter().enumerate() {
            if let Some(r) = reach.get_mut(leaves + i) {
                *r = end;
            }
        }
        for i in (1..leaves).rev() {
            reach[i] = reach[2 * i].max(reach[2 * i + 1]);
        }
        Overlaps { spans, reach, leaves }
    }

    /// The first span given (lowest position) that overlaps `start..end`.
    pub fn first(&self, start: usize, end: usize) -> Option<usize> {
        // Spans starting before `end` are a prefix of the sorted list; of those, the ones
        // reaching past `start` overlap.
        let prefix = self.spans.partition_point(|&(s, _, _)| s < end);
        let mut best = None;
        self.visit(1, 0, self.leaves, prefix, start, &mut best);
        best
    }

    /// Visit node `node` covering leaves `lo..hi`: every span below it in `..prefix` that
    /// ends after `start` updates `best`.
    fn visit(&self, node: usize, lo: usize, hi: usize, prefix: usize, start: usize, best: &mut Option<usize>) {
        if lo >= prefix || self.reach.get(node).is_none_or(|&r| r <= start) {
            return;
        }
        if hi - lo == 1 {
            if let Some(&(_, e, i)) = self.spans.get(lo)
                && e > start
            {
                *best = Some(best.map_or(i, |b: usize| b.min(i)));
            }
            return;
        }
        let mid = (lo + hi) / 2;
        self.visit(2 * node, lo, mid, prefix, start, best);
        self.visit(2 * node + 1, mid, hi, prefix, start, best);
    }
}

/// Spans, for asking whether one of them contains a given range, in a binary search.
pub struct Cover {
    /// Span starts, sorted, each with the largest end of the spans starting there or before.
    starts: Vec<(usize, usize)>,
}

impl Cover {
    pub fn new(spans: impl Iterator<Item = (usize, usize)>) -> Self {
        let mut starts: Vec<(usize, usize)> = spans.collect();
        starts.sort_unstable();
        let mut reach = 0;
        for (_, end) in &mut starts {
            reach = reach.max(*end);
            *end = reach;
        }
        Cover { starts }
    }

    /// Whether a span starts at or before `start` and ends at or after `end`.
    pub fn contains(&self, start: usize, end: usize) -> bool {
        let i = self.starts.partition_point(|&(s, _)| s <= start);
        i > 0 && self.starts.get(i - 1).is_some_and(|&(_, reach)| reach >= end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answer by a pass over every span.
    fn naive(spans: &[(usize, usize)], start: usize, end: usize) -> Option<usize> {
        spans.iter().position(|&(s, e)| s < end && start < e)
    }

    #[test]
    fn cover_finds_a_span_holding_a_range() {
        let c = Cover::new([(10, 20), (0, 5), (12, 30)].into_iter());
        assert!(c.contains(0, 5) && c.contains(1, 4) && c.contains(12, 30) && c.contains(15, 25));
        assert!(c.contains(10, 20) && c.contains(11, 19));
        assert!(!c.contains(3, 8) && !c.contains(5, 6) && !c.contains(25, 31) && !c.contains(40, 41));
        assert!(!Cover::new(std::iter::empty()).contains(0, 0));
    }

    #[test]
    fn agrees_with_a_pass_over_every_span() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n) as usize
        };
        for len in [0, 1, 2, 3, 7, 8, 9, 40] {
            let spans: Vec<(usize, usize)> = (0..len)
                .map(|_| {
                    let s = next(100);
                    (s, s + next(30))
                })
                .collect();
            let o = Overlaps::new(spans.iter().copied());
            for _ in 0..500 {
                let s = next(120);
                let e = s + next(20);
                assert_eq!(o.first(s, e), naive(&spans, s, e), "{spans:?} {s}..{e}");
            }
        }
    }
}
