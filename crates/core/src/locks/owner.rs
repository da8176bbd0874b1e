//! [`OwnerLocks`]: what one owner has locked, by the pool it came from. An owner has few
//! sources (Stratos: the volume pool and the mining pool), so the first two live inline and
//! only a third or later source takes a heap vector: the record is 64 bytes, copies without
//! allocating (the journal saves it before every change) and holds its total as the sum of its
//! sources.

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::ledger::PoolId;

/// How many sources a record holds without a heap vector.
const INLINE: usize = 2;

/// What an owner has locked: its live chunks, and its amounts by source pool in the order each
/// source first appeared, never a zero amount (a source whose amount falls to zero leaves, the
/// others keep their order). Compares and serializes as `{total, chunks, by_source}`, the
/// sources as a list of `(pool, amount)`.
#[derive(Clone, Debug)]
pub(super) struct OwnerLocks {
    /// Live chunks.
    pub(super) chunks: u32,
    /// The first sources; a zero amount marks a free place, and the used places come first.
    pools: [PoolId; INLINE],
    amounts: [Amount; INLINE],
    /// The later sources; empty unless every inline place is used.
    more: Vec<(PoolId, Amount)>,
}

const _: () = assert!(std::mem::size_of::<Option<OwnerLocks>>() == 64);

impl Default for OwnerLocks {
    fn default() -> OwnerLocks {
        OwnerLocks {
            chunks: 0,
            pools: [PoolId(0); INLINE],
            amounts: [Amount::ZERO; INLINE],
            more: Vec::new(),
        }
    }
}

impl OwnerLocks {
    /// How many inline places are used.
    fn inline_len(&self) -> usize {
        self.amounts.iter().take_while(|a| !a.is_zero()).count()
    }

    /// The sources and their amounts, in order.
    pub(super) fn sources(&self) -> impl Iterator<Item = (PoolId, Amount)> + '_ {
        let n = self.inline_len();
        self.pools[..n]
            .iter()
            .copied()
            .zip(self.amounts[..n].iter().copied())
            .chain(self.more.iter().copied())
    }

    /// Everything the owner has locked (the queue total bounds it, so the sum fits).
    pub(super) fn total(&self) -> Amount {
        Amount(self.amounts.iter().chain(self.more.iter().map(|m| &m.1)).map(|a| a.0).sum())
    }

    /// Whether the owner has nothing locked.
    pub(super) fn is_empty(&self) -> bool {
        self.amounts[0].is_zero()
    }

    /// Adds `amount` (not zero) locked from `source`; a new source goes last. The caller has
    /// checked that the sum fits.
    pub(super) fn add(&mut self, source: PoolId, amount: Amount) {
        for k in 0..INLINE {
            if self.amounts[k].is_zero() {
                (self.pools[k], self.amounts[k]) = (source, amount);
                return;
            }
            if self.pools[k] == source {
                self.amounts[k].0 += amount.0;
                return;
            }
        }
        match self.more.iter_mut().find(|(p, _)| *p == source) {
            Some((_, a)) => a.0 += amount.0,
            None => self.more.push((source, amount)),
        }
    }

    /// [`OwnerLocks::add`], looking first at place `hint`, where `source` most often is.
    #[inline]
    pub(super) fn add_at(&mut self, hint: usize, source: PoolId, amount: Amount) {
        match (self.pools.get(hint), self.amounts.get_mut(hint)) {
            (Some(p), Some(a)) if *p == source && !a.is_zero() => a.0 += amount.0,
            _ => self.add(source, amount),
        }
    }

    /// Takes up to `amount` from `source`; a source left with nothing leaves the list.
    #[inline]
    pub(super) fn take(&mut self, source: PoolId, amount: Amount) {
        let n = self.inline_len();
        if let Some(k) = self.pools[..n].iter().position(|p| *p == source) {
            self.amounts[k] = self.amounts[k].saturating_sub(amount);
            if self.amounts[k].is_zero() {
                self.remove_inline(k, n);
            }
        } else if let Some(k) = self.more.iter().position(|(p, _)| *p == source) {
            let a = &mut self.more[k].1;
            *a = a.saturating_sub(amount);
            if a.is_zero() {
                self.more.remove(k);
            }
        }
    }

    /// Removes inline place `k` of the `n` used, keeping the order: the later ones move up,
    /// and the first of `more` (if any) takes the last place.
    #[inline(never)]
    fn remove_inline(&mut self, k: usize, n: usize) {
        self.pools.copy_within(k + 1..n, k);
        self.amounts.copy_within(k + 1..n, k);
        (self.pools[n - 1], self.amounts[n - 1]) =
            if self.more.is_empty() { (PoolId(0), Amount::ZERO) } else { self.more.remove(0) };
    }

    /// The sources as a list, in order.
    pub(super) fn to_vec(&self) -> Vec<(PoolId, Amount)> {
        self.sources().collect()
    }
}

impl PartialEq for OwnerLocks {
    fn eq(&self, other: &OwnerLocks) -> bool {
        self.chunks == other.chunks && self.sources().eq(other.sources())
    }
}

impl Eq for OwnerLocks {}

/// A list of an owner's sources, for [`OwnerLocks`]'s serialization.
struct BySource<'a>(&'a OwnerLocks);

impl Serialize for BySource<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.sources())
    }
}

/// `{total, chunks, by_source}`; in a binary format (a saved state) the record's fields.
impl Serialize for OwnerLocks {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if !s.is_human_readable() {
            return (self.chunks, self.pools, self.amounts, &self.more).serialize(s);
        }
        let mut st = s.serialize_struct("OwnerLocks", 3)?;
        st.serialize_field("total", &self.total())?;
        st.serialize_field("chunks", &self.chunks)?;
        st.serialize_field("by_source", &BySource(self))?;
        st.end()
    }
}

/// Reads back a saved state only (the other form is a view).
impl<'de> Deserialize<'de> for OwnerLocks {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        if d.is_human_readable() {
            return Err(serde::de::Error::custom(
                "an owner's locks read back from a saved state only",
            ));
        }
        let (chunks, pools, amounts, more) = Deserialize::deserialize(d)?;
        Ok(OwnerLocks { chunks, pools, amounts, more })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(o: &OwnerLocks) -> Vec<(u16, u128)> {
        o.sources().map(|(p, a)| (p.0, a.0)).collect()
    }

    #[test]
    fn keeps_first_appearance_order_across_the_inline_places() {
        let mut o = OwnerLocks::default();
        for (p, a) in [(7, 10), (3, 20), (9, 30), (3, 5), (1, 40)] {
            o.add(PoolId(p), Amount(a));
        }
        o.add_at(1, PoolId(3), Amount(1)); // found at its place
        o.add_at(0, PoolId(1), Amount(2)); // not at place 0: searched
        assert_eq!(list(&o), vec![(7, 10), (3, 26), (9, 30), (1, 42)]);
        assert_eq!(o.total(), Amount(108));
        // Pool 7 empties: 3 moves up, 9 comes inline, 1 stays last.
        o.take(PoolId(7), Amount(10));
        assert_eq!(list(&o), vec![(3, 26), (9, 30), (1, 42)]);
        o.take(PoolId(9), Amount(12));
        assert_eq!(list(&o), vec![(3, 26), (9, 18), (1, 42)]);
        o.take(PoolId(1), Amount(99));
        assert_eq!(list(&o), vec![(3, 26), (9, 18)]);
        o.take(PoolId(3), Amount(26));
        o.take(PoolId(5), Amount(1)); // not a source: nothing happens
        assert_eq!(list(&o), vec![(9, 18)]);
        assert!(!o.is_empty());
        o.take(PoolId(9), Amount(18));
        assert_eq!(list(&o), vec![]);
        assert!(o.is_empty());
        assert_eq!(o, OwnerLocks::default());
        o.add_at(1, PoolId(4), Amount(2)); // a free place is no match: 4 goes first
        assert_eq!(list(&o), vec![(4, 2)]);
    }

    #[test]
    fn compares_and_serializes_as_total_chunks_and_a_list() {
        let (mut a, mut b) = (OwnerLocks::default(), OwnerLocks::default());
        a.add(PoolId(1), Amount(5));
        a.add(PoolId(2), Amount(6));
        a.take(PoolId(1), Amount(5));
        b.add(PoolId(2), Amount(6));
        assert_eq!(a, b);
        b.chunks = 1;
        assert_ne!(a, b);
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(json, r#"{"total":"6","chunks":1,"by_source":[[2,"6"]]}"#);
    }
}
