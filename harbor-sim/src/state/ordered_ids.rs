//! Ascending id lists that a list answer pages through without walking its collection: one
//! list (all, public or private projects, straight from the projects index), or the union
//! of two (the public projects and those a user is a member of, both kept by the indexes);
//! and the newest-first pages of one list (a project's repositories, a repository's
//! artifacts) or of several (the repositories of the projects a caller sees).

use std::borrow::Cow;
use std::collections::BinaryHeap;

/// An ascending, duplicate-free sequence of ids: `a ∪ b`, both ascending.
#[derive(Debug, Clone)]
pub struct OrderedIds<'a> {
    a: Cow<'a, [i64]>,
    b: Cow<'a, [i64]>,
}

impl<'a> OrderedIds<'a> {
    /// The ids of one ascending list.
    pub fn of(ids: impl Into<Cow<'a, [i64]>>) -> Self {
        Self::union(ids, &[][..])
    }

    /// The union of two ascending lists.
    pub fn union(a: impl Into<Cow<'a, [i64]>>, b: impl Into<Cow<'a, [i64]>>) -> Self {
        Self {
            a: a.into(),
            b: b.into(),
        }
    }

    /// How many ids there are: the lengths less the ids in both lists, found by looking
    /// each id of the shorter list up in the longer (nothing to look up when one is empty).
    pub fn len(&self) -> usize {
        let (short, long) = if self.a.len() <= self.b.len() {
            (&self.a, &self.b)
        } else {
            (&self.b, &self.a)
        };
        let both = short
            .iter()
            .filter(|id| long.binary_search(id).is_ok())
            .count();
        self.a.len() + self.b.len() - both
    }

    /// Whether there is no id.
    pub fn is_empty(&self) -> bool {
        self.a.is_empty() && self.b.is_empty()
    }

    /// The ids in ascending order.
    pub fn iter(&self) -> Merge<'_> {
        Merge {
            a: &self.a,
            b: &self.b,
        }
    }

    /// The ids from index `first`, at most `size` of them: a slice of one list, a walk of
    /// `first + size` steps through a union.
    pub fn window(&self, first: usize, size: usize) -> Vec<i64> {
        let one = match (self.a.is_empty(), self.b.is_empty()) {
            (_, true) => &self.a,
            (true, false) => &self.b,
            (false, false) => return self.iter().skip(first).take(size).collect(),
        };
        let start = first.min(one.len());
        let end = start.saturating_add(size).min(one.len());
        one[start..end].to_vec()
    }
}

/// The ids of the ascending `ids` taken newest (highest) first, from index `first` of that
/// order, at most `size` of them: a page of a list that answers newest first, cut from the
/// end of the slice without walking it.
pub fn newest_first(ids: &[i64], first: usize, size: usize) -> impl Iterator<Item = &i64> {
    let end = ids.len().saturating_sub(first);
    let start = end.saturating_sub(size);
    ids[start..end].iter().rev()
}

/// The ids of several disjoint ascending lists taken together newest (highest) first, from
/// index `first` of that order, at most `size` of them: a merge from the lists' ends that
/// steps `first + size` times, whatever the lists hold.
pub fn newest_first_of_many(lists: &[&[i64]], first: usize, size: usize) -> Vec<i64> {
    // The next id of each list (its last not yet taken), and how many of it are left.
    let mut left: Vec<usize> = lists.iter().map(|l| l.len()).collect();
    let mut next: BinaryHeap<(i64, usize)> = lists
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.last().map(|id| (*id, i)))
        .collect();
    let mut page = Vec::new();
    let mut skipped = 0;
    while page.len() < size
        && let Some((id, i)) = next.pop()
    {
        if skipped < first {
            skipped += 1;
        } else {
            page.push(id);
        }
        left[i] -= 1;
        if let Some(k) = left[i].checked_sub(1) {
            next.push((lists[i][k], i));
        }
    }
    page
}

/// Puts `id` into the ascending `ids` (once).
pub(crate) fn insert_sorted(ids: &mut Vec<i64>, id: i64) {
    if let Err(at) = ids.binary_search(&id) {
        ids.insert(at, id);
    }
}

/// Takes `id` out of the ascending `ids`.
pub(crate) fn remove_sorted(ids: &mut Vec<i64>, id: i64) {
    if let Ok(at) = ids.binary_search(&id) {
        ids.remove(at);
    }
}

/// The ascending merge of two ascending lists, an id in both given once.
#[derive(Debug, Clone)]
pub struct Merge<'s> {
    a: &'s [i64],
    b: &'s [i64],
}

impl Iterator for Merge<'_> {
    type Item = i64;

    fn next(&mut self) -> Option<i64> {
        let next = match (self.a.first(), self.b.first()) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => return None,
        };
        if self.a.first() == Some(&next) {
            self.a = &self.a[1..];
        }
        if self.b.first() == Some(&next) {
            self.b = &self.b[1..];
        }
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    proptest! {
        #[test]
        fn the_union_is_the_sets_union(
            a in proptest::collection::btree_set(0i64..60, 0..40),
            b in proptest::collection::btree_set(0i64..60, 0..40),
            first in 0usize..70,
            size in 0usize..20,
        ) {
            let expected: Vec<i64> = a.union(&b).copied().collect::<BTreeSet<_>>().into_iter().collect();
            let a: Vec<i64> = a.into_iter().collect();
            let b: Vec<i64> = b.into_iter().collect();
            let ids = OrderedIds::union(&a[..], &b[..]);
            prop_assert_eq!(OrderedIds::union(&b[..], &a[..]).len(), expected.len());
            prop_assert_eq!(ids.len(), expected.len());
            prop_assert_eq!(ids.is_empty(), expected.is_empty());
            prop_assert_eq!(ids.iter().collect::<Vec<_>>(), expected.clone());
            let window: Vec<i64> = expected.iter().copied().skip(first).take(size).collect();
            prop_assert_eq!(ids.window(first, size), window.clone());
            let one = OrderedIds::of(expected.clone());
            prop_assert_eq!(one.window(first, size), window);
            prop_assert_eq!(one.len(), expected.len());
            let newest: Vec<i64> = expected.iter().rev().copied().skip(first).take(size).collect();
            prop_assert_eq!(newest_first(&expected, first, size).copied().collect::<Vec<_>>(), newest);
        }

        #[test]
        fn the_merge_of_many_is_the_sorted_union(
            owned in proptest::collection::btree_map(0i64..200, 0usize..5, 0..60),
            first in 0usize..70,
            size in 0usize..20,
        ) {
            let mut lists: Vec<Vec<i64>> = vec![Vec::new(); 5];
            for (id, owner) in &owned {
                lists[*owner].push(*id);
            }
            let slices: Vec<&[i64]> = lists.iter().map(Vec::as_slice).collect();
            let newest: Vec<i64> = owned.keys().rev().copied().skip(first).take(size).collect();
            prop_assert_eq!(newest_first_of_many(&slices, first, size), newest);
            let all: Vec<i64> = owned.keys().rev().copied().collect();
            prop_assert_eq!(newest_first_of_many(&slices, 0, usize::MAX), all);
        }
    }
}
