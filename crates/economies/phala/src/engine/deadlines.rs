//! The lazy close's deadline queue ([`crate::lazy`]): (block, worker) entries, taken block by
//! block. Held in a ring of buckets by block — every entry falls due within the heartbeat
//! window of the block it was added in, so a few buckets hold them all — so that adding one
//! and taking a block's are O(1) rather than a B-tree's O(log n). Saved, compared and taken
//! as the sorted set of entries it stands for.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// See the module doc.
#[derive(Clone, Debug)]
pub struct Deadlines {
    /// Bucket `due mod len` holds the workers due at block `due` (repeats allowed); the length
    /// is a power of two, doubled when two blocks would share a bucket.
    buckets: Vec<(u32, Vec<u32>)>,
}

impl Default for Deadlines {
    fn default() -> Deadlines {
        Deadlines { buckets: vec![(0, Vec::new()); 16] }
    }
}

impl Deadlines {
    /// Adds worker `w`, due at block `due`.
    pub fn insert(&mut self, due: u32, w: u32) {
        loop {
            let k = due as usize & (self.buckets.len() - 1);
            let (at, list) = &mut self.buckets[k];
            if list.is_empty() || *at == due {
                *at = due;
                list.push(w);
                return;
            }
            self.grow();
        }
    }

    /// Moves every entry due by `block` into `out`, in (block, worker) order, each once.
    pub fn take_due(&mut self, block: u32, out: &mut Vec<(u32, u32)>) {
        let start = out.len();
        for (at, list) in &mut self.buckets {
            if *at <= block {
                out.extend(list.drain(..).map(|w| (*at, w)));
            }
        }
        out[start..].sort_unstable();
        let mut kept = start;
        for i in start..out.len() {
            if kept == start || out[i] != out[kept - 1] {
                out[kept] = out[i];
                kept += 1;
            }
        }
        out.truncate(kept);
    }

    /// Every entry, sorted, each once.
    fn entries(&self) -> Vec<(u32, u32)> {
        let mut all: Vec<(u32, u32)> =
            self.buckets.iter().flat_map(|(at, l)| l.iter().map(move |&w| (*at, w))).collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    fn grow(&mut self) {
        let old = std::mem::take(&mut self.buckets);
        self.buckets = vec![(0, Vec::new()); old.len() * 2];
        for (at, list) in old {
            for w in list {
                self.insert(at, w);
            }
        }
    }
}

impl PartialEq for Deadlines {
    fn eq(&self, other: &Deadlines) -> bool {
        self.entries() == other.entries()
    }
}

impl Eq for Deadlines {}

impl Serialize for Deadlines {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.entries().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Deadlines {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Deadlines, D::Error> {
        let mut out = Deadlines::default();
        for (due, w) in Vec::<(u32, u32)>::deserialize(d)? {
            out.insert(due, w);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Against a B-tree set over random blocks: each block adds entries due within the next
    /// 40 blocks (repeats included) and takes those due; both give the same entries in the
    /// same order, and the same saved form.
    #[test]
    fn takes_what_a_sorted_set_takes() {
        let (mut ring, mut set) = (Deadlines::default(), BTreeSet::new());
        let mut x = 12_345u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut taken = Vec::new();
        for block in 0..5_000u32 {
            for _ in 0..next() % 6 {
                let (due, w) = (block + (next() % 40) as u32, (next() % 50) as u32);
                ring.insert(due, w);
                set.insert((due, w));
            }
            taken.clear();
            ring.take_due(block, &mut taken);
            let want: Vec<(u32, u32)> = set.iter().copied().filter(|&(d, _)| d <= block).collect();
            set.retain(|&(d, _)| d > block);
            assert_eq!(taken, want, "block {block}");
            let saved = serde_json::to_string(&ring).unwrap();
            assert_eq!(saved, serde_json::to_string(&set).unwrap());
        }
        assert!(ring.buckets.len() >= 64, "grew past 40 blocks: {}", ring.buckets.len());
    }
}
