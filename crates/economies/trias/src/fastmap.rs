//! Hash maps keyed by node indices for the per-epoch book (attestation pairs, verification
//! credits, receipts): rustc-hash's Fx hasher, fast on small integer keys and without
//! per-process random state, and no iteration order relied on — every walk over these maps that
//! can affect a result sorts its keys first (the canonical `(i, j)` order the ordered maps gave),
//! by a radix sort (`radsort`: O(n), a few passes over the bytes in which the keys differ).

use std::collections::{HashMap, HashSet};

use rustc_hash::FxBuildHasher;

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
