//! What identifies an item of a list, so that a listing can drop the repeats it reads when a
//! page is read again (after a slow page is halved onto an uneven offset, or after items
//! left the list).

use std::collections::HashSet;

/// The identity of one item of a Harbor list: its id, or for the few lists without one, the
/// name or uuid Harbor keys it by.
///
/// ```
/// use harbor_client::models::{Artifact, ScannerRegistration};
/// use harbor_client::pagination::{ItemId, ListItem};
///
/// let artifact = Artifact { id: Some(7), ..Default::default() };
/// assert_eq!(artifact.identity(), Some(ItemId::Number(7)));
/// let scanner = ScannerRegistration { uuid: Some("a-b".into()), ..Default::default() };
/// assert_eq!(scanner.identity(), Some(ItemId::Text("a-b".into())));
/// assert_eq!(Artifact::default().identity(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ItemId {
    /// A numeric id (`id`, `project_id`, `user_id`).
    Number(i64),
    /// A textual key (a scanner's `uuid`).
    Text(String),
}

/// An item of a Harbor list: implemented (by the generator) for the item model of every list
/// operation.
///
/// `identity` is `None` for an item that came without its identifying field, and for every
/// item of a list whose model has none (`VulnerabilityItem`: one CVE of one package of one
/// artifact, with no key of its own). The streams tell repeats of such items apart by
/// position only; see the [module docs](crate::pagination) for what that gives up.
pub trait ListItem {
    /// What identifies this item within its list.
    fn identity(&self) -> Option<ItemId>;
}

/// The identities delivered so far by one listing.
#[derive(Debug, Default)]
pub(crate) struct Delivered {
    seen: HashSet<ItemId>,
}

impl Delivered {
    /// Whether an item at `position` should be delivered: one with an identity when it was
    /// not delivered before, one without when it is at or beyond the `frontier` the page was
    /// asked from (below it, it was delivered by an earlier page).
    pub(crate) fn admit(&mut self, identity: Option<ItemId>, position: u64, frontier: u64) -> bool {
        match identity {
            Some(id) => self.seen.insert(id),
            None => position >= frontier,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identified_items_are_admitted_once_wherever_they_are() {
        let mut d = Delivered::default();
        assert!(d.admit(Some(ItemId::Number(1)), 0, 5));
        assert!(!d.admit(Some(ItemId::Number(1)), 9, 5));
        assert!(d.admit(Some(ItemId::Text("1".into())), 9, 5));
    }

    #[test]
    fn items_without_identity_are_admitted_by_position() {
        let mut d = Delivered::default();
        assert!(!d.admit(None, 4, 5));
        assert!(d.admit(None, 5, 5));
        assert!(d.admit(None, 5, 5), "no memory: position alone decides");
    }
}
