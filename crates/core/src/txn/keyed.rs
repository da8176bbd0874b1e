//! [`Keyed`]: an ordered map whose changes are journaled while a checkpoint is open (the
//! transactions' map part; see the parent module).

use std::collections::BTreeMap;

use super::{Journal, Journaled};

/// An undo record of a [`Keyed`]: one entry's old value (`None`: it was absent), or the whole
/// map before a [`Keyed::clear`].
#[derive(Clone, Debug)]
pub(crate) enum KeyedUndo<K, V> {
    Entry(K, Option<V>),
    Map(BTreeMap<K, V>),
}

/// An ordered map whose changes are journaled while a checkpoint is open.
#[derive(Clone, Debug)]
pub struct Keyed<K, V> {
    pub(super) map: BTreeMap<K, V>,
    pub(super) journal: Journal<KeyedUndo<K, V>>,
}

impl<K, V> Default for Keyed<K, V> {
    fn default() -> Self {
        Keyed { map: BTreeMap::new(), journal: Journal::default() }
    }
}

/// Two maps are equal when they hold the same entries (open checkpoints aside).
impl<K: PartialEq, V: PartialEq> PartialEq for Keyed<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map
    }
}
impl<K: Eq, V: Eq> Eq for Keyed<K, V> {}

impl<K: Ord + Clone, V: Clone> Keyed<K, V> {
    /// An empty map.
    #[must_use]
    pub fn new() -> Keyed<K, V> {
        Keyed::default()
    }

    /// The entries in key order.
    pub fn iter(&self) -> std::collections::btree_map::Iter<'_, K, V> {
        self.map.iter()
    }

    /// The entries, in key order.
    #[must_use]
    pub fn map(&self) -> &BTreeMap<K, V> {
        &self.map
    }

    /// The value at `k`.
    pub fn get<Q: Ord + ?Sized>(&self, k: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.map.get(k)
    }

    /// Whether `k` has a value.
    pub fn contains_key<Q: Ord + ?Sized>(&self, k: &Q) -> bool
    where
        K: std::borrow::Borrow<Q>,
    {
        self.map.contains_key(k)
    }

    /// The number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the map is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Sets `k` to `v`; returns the old value.
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        if !self.journal.open() {
            return self.map.insert(k, v);
        }
        let old = self.map.insert(k.clone(), v);
        self.journal.record(KeyedUndo::Entry(k, old.clone()));
        old
    }

    /// The first entry, in key order.
    #[must_use]
    pub fn first(&self) -> Option<(&K, &V)> {
        self.map.first_key_value()
    }

    /// The entries with keys in `range`, in key order.
    pub fn range<R: std::ops::RangeBounds<K>>(
        &self,
        range: R,
    ) -> std::collections::btree_map::Range<'_, K, V> {
        self.map.range(range)
    }

    /// The values, in key order.
    pub fn values(&self) -> std::collections::btree_map::Values<'_, K, V> {
        self.map.values()
    }

    /// Removes `k`; returns its value.
    pub fn remove(&mut self, k: &K) -> Option<V> {
        let old = self.map.remove(k);
        if old.is_some() {
            self.journal.record(KeyedUndo::Entry(k.clone(), old.clone()));
        }
        old
    }

    /// Removes every entry: one undo record (the whole map, moved, not copied), whatever the
    /// number of entries.
    pub fn clear(&mut self) {
        let old = std::mem::take(&mut self.map);
        if self.journal.open() {
            self.journal.record(KeyedUndo::Map(old));
        }
    }
}

impl<K: Ord + Clone, V: Clone> Journaled for Keyed<K, V> {
    type Undo = KeyedUndo<K, V>;
    fn journal(&mut self) -> &mut Journal<KeyedUndo<K, V>> {
        &mut self.journal
    }
    fn undo(&mut self, u: KeyedUndo<K, V>) {
        match u {
            KeyedUndo::Entry(k, Some(v)) => {
                self.map.insert(k, v);
            }
            KeyedUndo::Entry(k, None) => {
                self.map.remove(&k);
            }
            KeyedUndo::Map(m) => self.map = m,
        }
    }
}

/// Serialized as its map (a saved state refuses an open transaction: [`Journal`]).
impl<K: serde::Serialize, V: serde::Serialize> serde::Serialize for Keyed<K, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.journal.open() {
            return Err(serde::ser::Error::custom("the state is saved inside an open transaction"));
        }
        self.map.serialize(s)
    }
}

/// Read back from its map, with no transaction open.
impl<'de, K: serde::Deserialize<'de> + Ord, V: serde::Deserialize<'de>> serde::Deserialize<'de>
    for Keyed<K, V>
{
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Keyed { map: BTreeMap::deserialize(d)?, journal: Journal::default() })
    }
}
