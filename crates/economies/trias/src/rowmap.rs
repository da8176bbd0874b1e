//! [`RowMap`]: a map keyed by node pairs `(i, j)` kept as one row per `i`, sorted by `j` — the
//! attestation pairs and the verification credits, whose records come attester by attester.
//!
//! The rows live in one arena: each row is a slot (start, capacity, length) in a vector of
//! keys and one of values, and a full row moves to the arena's end with twice the room (its old
//! room left as a hole until the holes reach half the rows' room, when the arena is rebuilt in
//! row order without them; it is rebuilt tight when read back). A lookup reads the row's
//! slot (12 bytes a node: 1.2 MB at 10^5 nodes), then binary-searches its keys and reads one
//! value, so the records of one attester touch one short row that stays in the cache, where a
//! hash map of 700,000 pairs took a cache miss a probe, and a row's growth allocates nothing
//! once the arena has room. A walk over every entry is in canonical `(i, j)` order without a
//! sort. Saved (serde) as the sorted list of `((i, j), value)` entries, the form the hash map
//! saved; equality is of the entries, whatever room the rows hold.

use serde::de::{Deserialize, Deserializer, Error};
use serde::ser::{Serialize, SerializeSeq, Serializer};

/// A map from `(i, j)` to `V`, one sorted row per `i` (module doc).
#[derive(Clone, Debug)]
pub struct RowMap<V> {
    /// Each row's place in the arena, by `i`.
    slots: Vec<Slot>,
    /// The rows' keys (`j` ascending within a row) and values, aligned.
    keys: Vec<u32>,
    vals: Vec<V>,
    len: usize,
    /// Room left behind by rows that moved: the arena less every slot's room.
    holes: usize,
}

/// A row's room in the arena: `start .. start + cap`, the first `len` used.
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    start: u32,
    cap: u32,
    len: u32,
}

impl Slot {
    fn used(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

/// The room a row gets on its first entry.
const FIRST_ROOM: u32 = 4;

/// The holes an arena may hold before they are closed, whatever its size.
const HOLES_SLACK: usize = 64;

impl<V> Default for RowMap<V> {
    fn default() -> Self {
        RowMap { slots: Vec::new(), keys: Vec::new(), vals: Vec::new(), len: 0, holes: 0 }
    }
}

impl<V: Copy + Default> RowMap<V> {
    /// The value at `(i, j)`.
    #[must_use]
    #[inline]
    pub fn get(&self, i: u32, j: u32) -> Option<&V> {
        let slot = *self.slots.get(i as usize)?;
        let k = self.keys[slot.used()].binary_search(&j).ok()?;
        Some(&self.vals[slot.start as usize + k])
    }

    /// The value at `(i, j)`, mutably.
    #[inline]
    pub fn get_mut(&mut self, i: u32, j: u32) -> Option<&mut V> {
        let slot = *self.slots.get(i as usize)?;
        let k = self.keys[slot.used()].binary_search(&j).ok()?;
        Some(&mut self.vals[slot.start as usize + k])
    }

    /// The value at `(i, j)`, inserted as `new()` when absent; true when it was inserted.
    #[inline]
    pub fn entry_or(&mut self, i: u32, j: u32, new: impl FnOnce() -> V) -> (&mut V, bool) {
        if self.slots.len() <= i as usize {
            self.slots.resize(i as usize + 1, Slot::default());
        }
        let slot = self.slots[i as usize];
        match self.keys[slot.used()].binary_search(&j) {
            Ok(k) => (&mut self.vals[slot.start as usize + k], false),
            Err(k) => {
                let slot = if slot.len == slot.cap { self.grow(i) } else { slot };
                let (at, end) = (slot.start as usize + k, (slot.start + slot.len) as usize);
                self.keys.copy_within(at..end, at + 1);
                self.vals.copy_within(at..end, at + 1);
                self.keys[at] = j;
                self.vals[at] = new();
                self.slots[i as usize].len += 1;
                self.len += 1;
                (&mut self.vals[at], true)
            }
        }
    }

    /// Moves row `i` to the arena's end with twice its room (at least [`FIRST_ROOM`]), after
    /// closing the holes moved rows left once they reach half the rows' room.
    #[cold]
    fn grow(&mut self, i: u32) -> Slot {
        if self.holes > HOLES_SLACK && 2 * self.holes > self.keys.len() - self.holes {
            self.close_holes();
        }
        let old = self.slots[i as usize];
        let cap = (2 * old.cap).max(FIRST_ROOM);
        let start = self.keys.len();
        let end = u32::try_from(start + cap as usize).expect("a row map of 2^32 entries");
        self.keys.resize(end as usize, 0);
        self.vals.resize(end as usize, V::default());
        self.keys.copy_within(old.used(), start);
        self.vals.copy_within(old.used(), start);
        let slot = Slot { start: start as u32, cap, len: old.len };
        self.holes += old.cap as usize;
        self.slots[i as usize] = slot;
        slot
    }

    /// Rebuilds the arena in row order, each row keeping its room: the holes are gone.
    fn close_holes(&mut self) {
        let room = self.keys.len() - self.holes;
        let (mut keys, mut vals) = (Vec::with_capacity(room), Vec::with_capacity(room));
        for slot in &mut self.slots {
            let at = slot.start as usize..(slot.start + slot.cap) as usize;
            let start = keys.len() as u32;
            keys.extend_from_slice(&self.keys[at.clone()]);
            vals.extend_from_slice(&self.vals[at]);
            slot.start = start;
        }
        (self.keys, self.vals, self.holes) = (keys, vals, 0);
    }

    /// Removes row `i`; its entries, by ascending `j`.
    pub fn take_row(&mut self, i: u32) -> Vec<(u32, V)> {
        let Some(slot) = self.slots.get_mut(i as usize) else { return Vec::new() };
        let used = slot.used();
        slot.len = 0;
        self.len -= used.len();
        self.keys[used.clone()].iter().copied().zip(self.vals[used].iter().copied()).collect()
    }
}

impl<V> RowMap<V> {
    /// Every entry in `(i, j)` order.
    pub fn iter(&self) -> impl Iterator<Item = ((u32, u32), &V)> + '_ {
        self.slots.iter().enumerate().flat_map(move |(i, slot)| {
            let used = slot.used();
            self.keys[used.clone()]
                .iter()
                .zip(&self.vals[used])
                .map(move |(j, v)| ((i as u32, *j), v))
        })
    }

    /// Every non-empty row: `(i, keys, values)`, `i` ascending, keys ascending.
    pub fn rows(&self) -> impl Iterator<Item = (u32, &[u32], &[V])> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|r| r.1.len > 0)
            .map(move |(i, slot)| (i as u32, &self.keys[slot.used()], &self.vals[slot.used()]))
    }

    /// Every `i` with an entry, ascending.
    pub fn firsts(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots.iter().enumerate().filter(|r| r.1.len > 0).map(|r| r.0 as u32)
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

    /// Removes every entry, keeping each row's room for the next epoch.
    pub fn clear(&mut self) {
        for slot in &mut self.slots {
            slot.len = 0;
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

impl<'de, V: Deserialize<'de> + Copy + Default> Deserialize<'de> for RowMap<V> {
    /// Reads back the sorted entries, rows tight; an entry out of order or twice is refused.
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
            if m.slots.len() <= i as usize {
                m.slots.resize(i as usize + 1, Slot::default());
                m.slots[i as usize].start = m.keys.len() as u32;
            }
            let slot = &mut m.slots[i as usize];
            slot.len += 1;
            slot.cap += 1;
            m.keys.push(j);
            m.vals.push(v);
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
        let rows: Vec<(u32, Vec<u32>, Vec<u8>)> =
            m.rows().map(|(i, k, v)| (i, k.to_vec(), v.to_vec())).collect();
        assert_eq!(
            rows,
            vec![(0, vec![2, 9], vec![4, 1]), (1, vec![1], vec![3]), (3, vec![0, 1], vec![2, 0])]
        );
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
    fn agrees_with_an_ordered_map_as_rows_grow_and_move() {
        use std::collections::BTreeMap;
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let (mut m, mut want) = (RowMap::<u64>::default(), BTreeMap::<(u32, u32), u64>::new());
        for step in 0..20_000u64 {
            let (i, j) = (next(40) as u32, next(300) as u32);
            match next(100) {
                0 => {
                    let got = m.take_row(i);
                    let gone: Vec<(u32, u64)> =
                        want.range((i, 0)..=(i, u32::MAX)).map(|(k, v)| (k.1, *v)).collect();
                    want.retain(|k, _| k.0 != i);
                    assert_eq!(got, gone, "step {step}: row {i}");
                }
                1 if step % 7 == 0 => {
                    m.clear();
                    want.clear();
                }
                _ => {
                    let (v, fresh) = m.entry_or(i, j, || step);
                    *v += 1;
                    assert_eq!(fresh, !want.contains_key(&(i, j)), "step {step}");
                    *want.entry((i, j)).or_insert(step) += 1;
                }
            }
            assert_eq!(m.get(i, j), want.get(&(i, j)), "step {step}");
        }
        assert_eq!(m.len(), want.len());
        let room: usize = m.slots.iter().map(|s| s.cap as usize).sum();
        assert_eq!(m.keys.len(), room + m.holes, "the holes counted");
        assert!(m.holes <= HOLES_SLACK.max(room / 2 + 64), "holes closed: {} of {room}", m.holes);
        let got: Vec<((u32, u32), u64)> = m.iter().map(|(k, v)| (k, *v)).collect();
        assert_eq!(got, want.into_iter().collect::<Vec<_>>());
        // Read back tight, equal to the original.
        let back: RowMap<u64> = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        assert!(back.keys.len() == back.len() && m.keys.len() > m.len(), "the copy is tight");
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
