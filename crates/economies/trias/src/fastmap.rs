//! Hash maps keyed by node indices for the per-epoch book (attestation pairs, verification
//! credits, receipts): a fixed multiply-rotate hasher, so no per-process random state, and no
//! iteration order relied on — every walk over these maps that can affect a result sorts its
//! keys first (the canonical `(i, j)` order the ordered maps gave).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// The multiplier of [`NodeHasher`] (odd, with well-spread bits).
const K: u64 = 0xf135_7aea_2e62_a9c5;

/// A hasher for small tuples of integers: each word is added, then the state multiplied by
/// [`K`]; the finish rotates the high, well-mixed bits down to where the table looks.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeHasher(u64);

impl NodeHasher {
    #[inline]
    fn add(&mut self, x: u64) {
        self.0 = self.0.wrapping_add(x).wrapping_mul(K);
    }
}

impl Hasher for NodeHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

/// A hash map with [`NodeHasher`].
pub type NodeMap<K, V> = HashMap<K, V, BuildHasherDefault<NodeHasher>>;

/// A hash set with [`NodeHasher`].
pub type NodeSet<K> = HashSet<K, BuildHasherDefault<NodeHasher>>;

/// The keys of `m`, sorted: the order an ordered map would have walked them in.
#[must_use]
pub fn sorted_keys<K: Ord + Copy, V>(m: &NodeMap<K, V>) -> Vec<K> {
    let mut keys: Vec<K> = m.keys().copied().collect();
    keys.sort_unstable();
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

    #[test]
    fn the_hash_is_fixed() {
        use std::hash::BuildHasher;
        let b = BuildHasherDefault::<NodeHasher>::default();
        // (0 + 1)·K, then (K + 2)·K, rotated left by 26: the same on every run and machine.
        let step2 = K.wrapping_add(2).wrapping_mul(K);
        assert_eq!(b.hash_one((1u32, 2u32)), step2.rotate_left(26));
    }
}
