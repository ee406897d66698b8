//! Ascending id lists that a list answer pages through without walking its collection: one
//! list (all, public or private projects, straight from the projects index), or the union
//! of a long list with a short one (the public projects and those a user is a member of).

use std::borrow::Cow;

/// An ascending, duplicate-free sequence of ids: `long ∪ short`, both ascending.
#[derive(Debug, Clone)]
pub struct OrderedIds<'a> {
    long: Cow<'a, [i64]>,
    short: Vec<i64>,
}

impl<'a> OrderedIds<'a> {
    /// The ids of one ascending list.
    pub fn of(ids: impl Into<Cow<'a, [i64]>>) -> Self {
        Self {
            long: ids.into(),
            short: Vec::new(),
        }
    }

    /// The union of two ascending lists; `short` should be the shorter, as [`Self::len`]
    /// looks each of its ids up in `long`.
    pub fn union(long: &'a [i64], short: Vec<i64>) -> Self {
        Self {
            long: Cow::Borrowed(long),
            short,
        }
    }

    /// How many ids there are: the lengths less the ids in both lists.
    pub fn len(&self) -> usize {
        let both = self
            .short
            .iter()
            .filter(|id| self.long.binary_search(id).is_ok())
            .count();
        self.long.len() + self.short.len() - both
    }

    /// Whether there is no id.
    pub fn is_empty(&self) -> bool {
        self.long.is_empty() && self.short.is_empty()
    }

    /// The ids in ascending order.
    pub fn iter(&self) -> Merge<'_> {
        Merge {
            a: &self.long,
            b: &self.short,
        }
    }

    /// The ids from index `first`, at most `size` of them: a slice of one list, a walk of
    /// `first + size` steps through a union.
    pub fn window(&self, first: usize, size: usize) -> Vec<i64> {
        if self.short.is_empty() {
            let start = first.min(self.long.len());
            let end = start.saturating_add(size).min(self.long.len());
            return self.long[start..end].to_vec();
        }
        self.iter().skip(first).take(size).collect()
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
            let long: Vec<i64> = a.into_iter().collect();
            let ids = OrderedIds::union(&long, b.into_iter().collect());
            prop_assert_eq!(ids.len(), expected.len());
            prop_assert_eq!(ids.is_empty(), expected.is_empty());
            prop_assert_eq!(ids.iter().collect::<Vec<_>>(), expected.clone());
            let window: Vec<i64> = expected.iter().copied().skip(first).take(size).collect();
            prop_assert_eq!(ids.window(first, size), window.clone());
            let one = OrderedIds::of(expected.clone());
            prop_assert_eq!(one.window(first, size), window);
            prop_assert_eq!(one.len(), expected.len());
        }
    }
}
