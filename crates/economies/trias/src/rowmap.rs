//! [`RowMap`]: a map keyed by node pairs `(i, j)` kept as one row per `i`, sorted by `j` — the
//! attestation pairs and the verification credits, whose records come attester by attester.
//!
//! A lookup is the row of `i` (one index) and a binary search in it, so the records of one
//! attester touch one short row that stays in the cache, where a hash map of 700,000 pairs
//! took a cache miss a probe; a walk over every entry is in canonical `(i, j)` order without a
//! sort. Saved (serde) as the sorted list of `((i, j), value)` entries, the form the hash map
//! saved; equality is of the entries, whatever rows stand empty.

use serde::de::{Deserialize, Deserializer, Error};
use serde::ser::{Serialize, SerializeSeq, Serializer};

/// A map from `(i, j)` to `V`, one sorted row per `i` (module doc).
#[derive(Clone, Debug)]
pub struct RowMap<V> {
    rows: Vec<Row<V>>,
    len: usize,
}

/// One row: the `j`s ascending (searched apart from the values: a row of 400 keys is 1.6 KB)
/// and their values.
#[derive(Clone, Debug)]
struct Row<V> {
    keys: Vec<u32>,
    vals: Vec<V>,
}

impl<V> Default for Row<V> {
    fn default() -> Self {
        Row { keys: Vec::new(), vals: Vec::new() }
    }
}

impl<V> Default for RowMap<V> {
    fn default() -> Self {
        RowMap { rows: Vec::new(), len: 0 }
    }
}

impl<V> RowMap<V> {
    /// The value at `(i, j)`.
    #[must_use]
    #[inline]
    pub fn get(&self, i: u32, j: u32) -> Option<&V> {
        let row = self.rows.get(i as usize)?;
        row.keys.binary_search(&j).ok().map(|k| &row.vals[k])
    }

    /// The value at `(i, j)`, mutably.
    #[inline]
    pub fn get_mut(&mut self, i: u32, j: u32) -> Option<&mut V> {
        let row = self.rows.get_mut(i as usize)?;
        let k = row.keys.binary_search(&j).ok()?;
        Some(&mut row.vals[k])
    }

    /// The value at `(i, j)`, inserted as `new()` when absent; true when it was inserted.
    #[inline]
    pub fn entry_or(&mut self, i: u32, j: u32, new: impl FnOnce() -> V) -> (&mut V, bool) {
        if self.rows.len() <= i as usize {
            self.rows.resize_with(i as usize + 1, Row::default);
        }
        let row = &mut self.rows[i as usize];
        match row.keys.binary_search(&j) {
            Ok(k) => (&mut row.vals[k], false),
            Err(k) => {
                row.keys.insert(k, j);
                row.vals.insert(k, new());
                self.len += 1;
                (&mut row.vals[k], true)
            }
        }
    }

    /// Removes row `i`; its entries, by ascending `j`.
    pub fn take_row(&mut self, i: u32) -> Vec<(u32, V)> {
        let Some(row) = self.rows.get_mut(i as usize) else { return Vec::new() };
        let row = std::mem::take(row);
        self.len -= row.keys.len();
        row.keys.into_iter().zip(row.vals).collect()
    }

    /// Every entry in `(i, j)` order.
    pub fn iter(&self) -> impl Iterator<Item = ((u32, u32), &V)> + '_ {
        self.rows.iter().enumerate().flat_map(|(i, row)| {
            row.keys.iter().zip(&row.vals).map(move |(j, v)| ((i as u32, *j), v))
        })
    }

    /// Every `i` with an entry, ascending.
    pub fn firsts(&self) -> impl Iterator<Item = u32> + '_ {
        self.rows.iter().enumerate().filter(|r| !r.1.keys.is_empty()).map(|r| r.0 as u32)
    }

    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True without entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Removes every entry, keeping the rows' memory for the next epoch.
    pub fn clear(&mut self) {
        for row in &mut self.rows {
            row.keys.clear();
            row.vals.clear();
        }
        self.len = 0;
    }
}

impl<V: PartialEq> PartialEq for RowMap<V> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<V: Eq> Eq for RowMap<V> {}

impl<V: Serialize> Serialize for RowMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // The length given: a saved state's bytes never depend on the rows standing empty.
        let mut seq = s.serialize_seq(Some(self.len))?;
        for e in self.iter() {
            seq.serialize_element(&e)?;
        }
        seq.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for RowMap<V> {
    /// Reads back the sorted entries; an entry out of order or twice is refused.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let entries: Vec<((u32, u32), V)> = Vec::deserialize(d)?;
        let mut m = RowMap::default();
        let mut last = None;
        for ((i, j), v) in entries {
            if last.is_some_and(|l| l >= (i, j)) {
                return Err(D::Error::custom(format!(
                    "pair ({i}, {j}) saved out of order or twice"
                )));
            }
            last = Some((i, j));
            if m.rows.len() <= i as usize {
                m.rows.resize_with(i as usize + 1, Row::default);
            }
            m.rows[i as usize].keys.push(j);
            m.rows[i as usize].vals.push(v);
            m.len += 1;
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_walk_in_canonical_order_and_compare_by_content() {
        let mut m: RowMap<u8> = RowMap::default();
        for (k, (i, j)) in [(3, 1), (0, 9), (3, 0), (1, 1), (0, 2)].into_iter().enumerate() {
            assert!(m.entry_or(i, j, || k as u8).1);
        }
        assert!(!m.entry_or(3, 1, || 99).1, "present: not inserted again");
        let keys: Vec<(u32, u32)> = m.iter().map(|e| e.0).collect();
        assert_eq!(keys, vec![(0, 2), (0, 9), (1, 1), (3, 0), (3, 1)]);
        assert_eq!(m.firsts().collect::<Vec<u32>>(), vec![0, 1, 3]);
        assert_eq!(
            (m.get(3, 1), m.get(0, 9), m.get(2, 0), m.get(9, 9)),
            (Some(&0), Some(&1), None, None)
        );
        assert_eq!(m.take_row(0), vec![(2, 4), (9, 1)]);
        assert_eq!(m.len(), 3);
        // Equal content, different empty rows: equal.
        let mut fresh: RowMap<u8> = RowMap::default();
        for (i, j, v) in [(1, 1, 3), (3, 0, 2), (3, 1, 0)] {
            fresh.entry_or(i, j, || v);
        }
        assert_eq!(m, fresh);
        *m.get_mut(1, 1).unwrap() = 7;
        assert_ne!(m, fresh);
        m.clear();
        assert!(m.is_empty() && m.iter().next().is_none());
    }

    #[test]
    fn saves_as_sorted_entries_and_refuses_disorder() {
        let mut m: RowMap<u64> = RowMap::default();
        m.entry_or(5, 2, || 7);
        m.entry_or(1, 4, || 8);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, "[[[1,4],8],[[5,2],7]]");
        let back: RowMap<u64> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        let bad = serde_json::from_str::<RowMap<u64>>("[[[5,2],7],[[1,4],8]]").unwrap_err();
        assert!(bad.to_string().contains("pair (1, 4) saved out of order"), "{bad}");
    }
}
