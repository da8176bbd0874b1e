//! Hash maps keyed by node indices for the per-epoch book (attestation pairs, verification
//! credits, receipts): rustc-hash's Fx hasher, fast on small integer keys and without
//! per-process random state, and no iteration order relied on — every walk over these maps that
//! can affect a result sorts its keys first (the canonical `(i, j)` order the ordered maps gave),
//! by a radix sort (`radsort`: O(n), a few passes over the bytes in which the keys differ).
//!
//! A saved state (a binary serde format) holds these maps' entries sorted by key ([`sorted_map`],
//! [`sorted_set`]): a map read back is built anew and walks in another order than the original,
//! so only the sorted form makes equal maps save to equal bytes.

use std::collections::{HashMap, HashSet};

use rustc_hash::FxBuildHasher;
use serde::de::{Deserialize, Deserializer, Error};
use serde::ser::{Serialize, Serializer};

/// A hash map with rustc-hash's Fx hasher (no per-process random state).
pub type NodeMap<K, V> = HashMap<K, V, FxBuildHasher>;

/// A hash set with rustc-hash's Fx hasher.
pub type NodeSet<K> = HashSet<K, FxBuildHasher>;

/// The keys of `m` (node-index pairs), sorted: the order an ordered map would have walked them in (keys are
/// distinct, so any correct sort gives this one order).
#[must_use]
pub fn sorted_keys<V>(m: &NodeMap<(u32, u32), V>) -> Vec<(u32, u32)> {
    let mut keys: Vec<(u32, u32)> = m.keys().copied().collect();
    radsort::sort_by_key(&mut keys, |&k| k);
    keys
}

/// `#[serde(with = "sorted_map")]` for a [`NodeMap`]: in a binary format (a saved state) its
/// entries as a sequence sorted by key; in a human-readable one the map as it walks (unchanged).
pub mod sorted_map {
    use super::*;

    /// Writes the entries sorted by key (binary formats).
    pub fn serialize<K, V, S>(m: &NodeMap<K, V>, s: S) -> Result<S::Ok, S::Error>
    where
        K: Serialize + Ord,
        V: Serialize,
        S: Serializer,
    {
        if s.is_human_readable() {
            return m.serialize(s);
        }
        let mut entries: Vec<(&K, &V)> = m.iter().collect();
        // Keys are distinct: one order whatever the sort.
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        entries.serialize(s)
    }

    /// Reads back the entries of a saved state (a key twice is refused).
    pub fn deserialize<'de, K, V, D>(d: D) -> Result<NodeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + std::hash::Hash + Eq,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        if d.is_human_readable() {
            return Err(D::Error::custom("a node map reads back from a saved state only"));
        }
        let entries: Vec<(K, V)> = Vec::deserialize(d)?;
        let n = entries.len();
        let mut m = NodeMap::with_capacity_and_hasher(n, FxBuildHasher);
        m.extend(entries);
        if m.len() != n {
            return Err(D::Error::custom("a node map saved with a key twice"));
        }
        Ok(m)
    }
}

/// `#[serde(with = "sorted_set")]` for a [`NodeSet`], as [`sorted_map`].
pub mod sorted_set {
    use super::*;

    /// Writes the members sorted (binary formats).
    pub fn serialize<K, S>(m: &NodeSet<K>, s: S) -> Result<S::Ok, S::Error>
    where
        K: Serialize + Ord,
        S: Serializer,
    {
        if s.is_human_readable() {
            return m.serialize(s);
        }
        let mut keys: Vec<&K> = m.iter().collect();
        keys.sort_unstable();
        keys.serialize(s)
    }

    /// Reads back the members of a saved state (a member twice is refused).
    pub fn deserialize<'de, K, D>(d: D) -> Result<NodeSet<K>, D::Error>
    where
        K: Deserialize<'de> + std::hash::Hash + Eq,
        D: Deserializer<'de>,
    {
        if d.is_human_readable() {
            return Err(D::Error::custom("a node set reads back from a saved state only"));
        }
        let keys: Vec<K> = Vec::deserialize(d)?;
        let n = keys.len();
        let mut m = NodeSet::with_capacity_and_hasher(n, FxBuildHasher);
        m.extend(keys);
        if m.len() != n {
            return Err(D::Error::custom("a node set saved with a member twice"));
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_keys_are_in_canonical_order_whatever_the_insertion_order() {
        let mut m: NodeMap<(u32, u32), u8> = NodeMap::default();
        for k in [(3, 1), (0, 9), (3, 0), (1, 1), (0, 2)] {
            m.insert(k, 0);
        }
        assert_eq!(sorted_keys(&m), vec![(0, 2), (0, 9), (1, 1), (3, 0), (3, 1)]);
    }
}
