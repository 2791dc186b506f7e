//! The tree a pipeline's scopes form (pipeline → stage → job → step), numbered in one
//! depth-first walk so that "is this scope inside that one" is two comparisons, and an index of
//! items by key and scope that finds the first item of any scope above or below a given one in
//! logarithmic time: a pipeline of thousands of jobs and scripts stays near linear.

use std::collections::HashMap;
use std::hash::Hash;

/// Scopes numbered in a depth-first walk: a scope's subtree is the range of numbers from its
/// own to `leave`.
pub struct ScopeTree {
    enter: Vec<usize>,
    leave: Vec<usize>,
    parent: Vec<Option<usize>>,
    /// Scopes in walk order: each after its parent.
    order: Vec<usize>,
}

impl ScopeTree {
    /// The tree of scopes with these parents (a parent that is no scope makes a root). `None`
    /// when the parents loop, which no extractor builds: callers then compare scope by scope.
    pub fn new(parents: &[Option<usize>]) -> Option<Self> {
        let n = parents.len();
        let parent: Vec<Option<usize>> = parents.iter().map(|p| p.filter(|&p| p < n)).collect();
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        for (s, p) in parent.iter().enumerate() {
            match p {
                Some(p) => children.get_mut(*p)?.push(s),
                None => roots.push(s),
            }
        }
        let (mut enter, mut leave) = (vec![usize::MAX; n], vec![0; n]);
        let mut order = Vec::with_capacity(n);
        // (scope, whether its children were pushed)
        let mut stack: Vec<(usize, bool)> = roots.into_iter().rev().map(|r| (r, false)).collect();
        while let Some((s, done)) = stack.pop() {
            if done {
                *leave.get_mut(s)? = order.len();
                continue;
            }
            *enter.get_mut(s)? = order.len();
            order.push(s);
            stack.push((s, true));
            stack.extend(children.get(s)?.iter().rev().map(|&c| (c, false)));
        }
        // A scope no root reaches sits on a loop.
        (order.len() == n).then_some(ScopeTree { enter, leave, parent, order })
    }

    /// Whether `scope` is `ancestor` or inside it.
    pub fn within(&self, scope: usize, ancestor: usize) -> bool {
        match (self.enter.get(scope), self.enter.get(ancestor), self.leave.get(ancestor)) {
            (Some(&s), Some(&a), Some(&end)) => a <= s && s < end,
            _ => scope == ancestor,
        }
    }

    /// Every scope, each after its parent.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    pub fn parent(&self, scope: usize) -> Option<usize> {
        self.parent.get(scope).copied().flatten()
    }
}

/// Items (by their index) under keys, each in a scope: the first item of a key whose scope is
/// above or below a given scope.
pub struct FirstBy<K> {
    keys: HashMap<K, Keyed>,
}

/// The items of one key, sorted by their scope's walk number, with a segment tree of the
/// smallest item index over ranges of them.
struct Keyed {
    at: Vec<usize>,
    /// Leaves (from `at.len()` on) hold item indices in `at` order; inner nodes their minimum.
    min: Vec<usize>,
}

impl Keyed {
    fn new(mut items: Vec<(usize, usize)>) -> Self {
        items.sort_unstable();
        let n = items.len();
        let mut min = vec![usize::MAX; 2 * n];
        for (i, &(_, item)) in items.iter().enumerate() {
            min[n + i] = item;
        }
        for i in (1..n).rev() {
            min[i] = min[2 * i].min(min[2 * i + 1]);
        }
        Keyed { at: items.into_iter().map(|(at, _)| at).collect(), min }
    }

    /// The smallest item index among items whose scope number is in `from..to`.
    fn first_in(&self, from: usize, to: usize) -> Option<usize> {
        let n = self.at.len();
        let (mut l, mut r) = (self.at.partition_point(|&a| a < from) + n, self.at.partition_point(|&a| a < to) + n);
        let mut best = usize::MAX;
        while l < r {
            if l & 1 == 1 {
                best = best.min(self.min[l]);
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                best = best.min(self.min[r]);
            }
            l /= 2;
            r /= 2;
        }
        (best != usize::MAX).then_some(best)
    }
}

impl<K: Hash + Eq> FirstBy<K> {
    /// Index `(key, scope, item)` triples.
    pub fn new(tree: &ScopeTree, items: impl Iterator<Item = (K, usize, usize)>) -> Self {
        let mut grouped: HashMap<K, Vec<(usize, usize)>> = HashMap::new();
        for (key, scope, item) in items {
            let at = tree.enter.get(scope).copied().unwrap_or(usize::MAX);
            grouped.entry(key).or_default().push((at, item));
        }
        FirstBy { keys: grouped.into_iter().map(|(k, v)| (k, Keyed::new(v))).collect() }
    }

    /// The smallest item index under `key` whose scope is `scope`, inside it, or above it.
    pub fn first(&self, tree: &ScopeTree, key: &K, scope: usize) -> Option<usize> {
        let keyed = self.keys.get(key)?;
        let (Some(&from), Some(&to)) = (tree.enter.get(scope), tree.leave.get(scope)) else { return None };
        let mut best = keyed.first_in(from, to);
        let mut up = tree.parent(scope);
        while let Some(a) = up {
            let at = tree.enter.get(a).copied().unwrap_or(usize::MAX);
            if let Some(i) = keyed.first_in(at, at.saturating_add(1)) {
                best = Some(best.map_or(i, |b| b.min(i)));
            }
            up = tree.parent(a);
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `scope` is `ancestor` or inside it, by walking up.
    fn walk_within(parents: &[Option<usize>], scope: usize, ancestor: usize) -> bool {
        let mut cur = Some(scope);
        while let Some(s) = cur {
            if s == ancestor {
                return true;
            }
            cur = parents.get(s).copied().flatten();
        }
        false
    }

    #[test]
    fn agrees_with_walking_up_the_parents() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for n in [1, 2, 5, 30] {
            // Parents always come first, as `Pipeline::scope` makes them.
            let parents: Vec<Option<usize>> = (0..n).map(|s| (s > 0 && next(4) > 0).then(|| next(s))).collect();
            let tree = ScopeTree::new(&parents).unwrap_or_else(|| panic!("a tree"));
            for a in 0..n {
                for b in 0..n {
                    assert_eq!(tree.within(a, b), walk_within(&parents, a, b), "{parents:?} {a} {b}");
                }
            }
            let items: Vec<(u8, usize)> = (0..3 * n).map(|_| (next(3) as u8, next(n))).collect();
            let index = FirstBy::new(&tree, items.iter().enumerate().map(|(i, &(k, s))| (k, s, i)));
            for key in 0..3u8 {
                for scope in 0..n {
                    let naive = items.iter().position(|&(k, s)| {
                        k == key && (walk_within(&parents, s, scope) || walk_within(&parents, scope, s))
                    });
                    assert_eq!(index.first(&tree, &key, scope), naive, "{parents:?} {items:?} {key} {scope}");
                }
            }
        }
    }

    #[test]
    fn parents_that_loop_are_no_tree() {
        assert!(ScopeTree::new(&[Some(1), Some(0)]).is_none());
        assert!(ScopeTree::new(&[None, Some(2), Some(1)]).is_none());
        assert!(ScopeTree::new(&[Some(7)]).is_some_and(|t| t.within(0, 0)));
    }
}
