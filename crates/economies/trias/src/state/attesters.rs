//! Every node that ever recorded on each node: the candidates of verification as gas
//! (spec trias.md, "Verification as gas").
//!
//! A pair's first record notes it in a list of pending pairs; the pending pairs are sorted
//! and merged into the per-attestee lists before any list is read (a call's settlement) and at
//! each epoch's close. Noting a pair costs a push, where inserting it into its attestee's list
//! at once took two cache misses a record at random attestees. Equality and the saved form are
//! of the merged lists, so when the merge happens changes nothing observable.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::attest::NodeId;

/// The attesters of each node (module doc).
#[derive(Clone, Debug, Default)]
pub(super) struct Attesters {
    /// By attestee: every attester merged so far, ascending.
    lists: Vec<Vec<NodeId>>,
    /// `(attestee, attester)` pairs noted since the last merge.
    pending: Vec<(NodeId, NodeId)>,
}

impl Attesters {
    /// Makes room for `n` nodes.
    pub(super) fn grow(&mut self, n: usize) {
        self.lists.resize_with(n.max(self.lists.len()), Vec::new);
    }

    /// Notes that `i` recorded on `j` (a pair's first record).
    pub(super) fn note(&mut self, i: NodeId, j: NodeId) {
        self.pending.push((j, i));
    }

    /// Merges the pending pairs into the lists: a counting sort by attestee, each attestee's
    /// new attesters sorted, then appended to an empty list or inserted one by one.
    pub(super) fn merge(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let n = self.lists.len();
        let mut start = vec![0u32; n + 1];
        for &(j, _) in &self.pending {
            start[j as usize + 1] += 1;
        }
        for j in 0..n {
            start[j + 1] += start[j];
        }
        let mut at = start.clone();
        let mut by_j = vec![0; self.pending.len()];
        for &(j, i) in &self.pending {
            by_j[at[j as usize] as usize] = i;
            at[j as usize] += 1;
        }
        for (j, list) in self.lists.iter_mut().enumerate() {
            let new = &mut by_j[start[j] as usize..start[j + 1] as usize];
            if new.is_empty() {
                continue;
            }
            new.sort_unstable();
            if list.is_empty() {
                list.extend_from_slice(new);
                list.dedup();
            } else {
                for &i in new.iter() {
                    if let Err(k) = list.binary_search(&i) {
                        list.insert(k, i);
                    }
                }
            }
        }
        self.pending.clear();
    }

    /// `j`'s attesters, ascending (merged: see [`Attesters::merge`]).
    pub(super) fn of(&self, j: NodeId) -> &[NodeId] {
        debug_assert!(self.pending.is_empty(), "attesters read before the merge");
        &self.lists[j as usize]
    }

    /// The lists with every pending pair merged.
    fn merged(&self) -> std::borrow::Cow<'_, [Vec<NodeId>]> {
        if self.pending.is_empty() {
            return std::borrow::Cow::Borrowed(&self.lists);
        }
        let mut m = self.clone();
        m.merge();
        std::borrow::Cow::Owned(m.lists)
    }
}

impl PartialEq for Attesters {
    fn eq(&self, other: &Self) -> bool {
        self.merged() == other.merged()
    }
}

impl Serialize for Attesters {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.merged().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Attesters {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Attesters { lists: Vec::deserialize(d)?, pending: Vec::new() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_pairs_merge_into_sorted_lists_and_compare_merged() {
        let mut a = Attesters::default();
        a.grow(4);
        for (i, j) in [(3, 1), (0, 1), (2, 0), (3, 1), (1, 3)] {
            a.note(i, j);
        }
        let mut b = a.clone();
        b.merge();
        assert_eq!(a, b, "equal before and after the merge");
        assert_eq!(
            (b.of(0), b.of(1), b.of(2), b.of(3)),
            (&[2][..], &[0, 3][..], &[][..], &[1][..])
        );
        b.note(2, 1);
        b.merge();
        assert_eq!(b.of(1), &[0, 2, 3]);
        assert_ne!(a, b);
        let saved = serde_json::to_string(&a).unwrap();
        assert_eq!(saved, "[[2],[0,3],[],[1]]");
    }
}
