//! [`ChurnSampler`]: O(1) draws by weight from items that only join (appended with a weight)
//! and leave (their weight set to zero) — a simulation's users, who arrive and quit but keep
//! their request rate while they stay.
//!
//! # Method
//! An [`AliasTable`] is built over the weights `w⁰` of the first `n₀` items. Since then, an old
//! item's weight is either `w⁰_i` or zero (it left), and the items from `n₀` on are new. With
//! `A = Σ_{i<n₀} w_i` (the old items still in play) and `T = W − A` (the new ones'), a draw is:
//! 1. when `T > 0`, one uniform integer `x < W`: for `x ≥ A` the draw is the item of `x` in the
//!    sum tree — a new item, each with probability `w_j / W`;
//! 2. otherwise (probability `A / W`) an item `i` from the table, drawn again while `w_i = 0`:
//!    conditioned on landing on an item still in play, `i` has probability `w⁰_i / A = w_i / A`.
//!
//! So item `i` is drawn with probability exactly `w_i / W`. The table is rebuilt over all the
//! items when the draws would cost more than it: when the items that left hold more than an
//! eighth of the table's weight (each draw from it then takes up to 8/7 tries on average) or the
//! new items more than an eighth of the whole (a tree draw, O(log n), that often). Users who
//! join a few times a day among thousands rebuild it every few months of simulated time
//! instead of after every change.
//!
//! With no change since the build the draws are the table's own, word for word; one item with
//! weight is drawn without a word; above [`MAX_TABLE`] items every draw comes from the tree.

use crate::error::{Error, Result};
use crate::rng::StreamRng;

use super::{AliasTable, MAX_TABLE, Sole, SumTree};

/// Weights that grow by new items and shrink by items set to zero, drawn in O(1) (module doc).
/// Draws are a pure function of the history of pushes, zeroings and the stream.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ChurnSampler {
    tree: SumTree,
    table: Option<AliasTable>,
    /// Items the table covers; their total weight when it was built.
    built_len: usize,
    built_total: u128,
    /// `Σ_{i < built_len} w_i`: the table's items still in play.
    alive: u128,
    /// The one item with weight, once found.
    #[serde(skip)]
    sole: Sole,
    /// By table item, a bit set when its weight is zero (it left): the test of a table draw
    /// without a load from the weights. Derived from them (`None` until derived again after a
    /// saved state is read back).
    #[serde(skip)]
    gone: Option<Vec<u64>>,
}

impl ChurnSampler {
    /// No items.
    #[must_use]
    pub fn new() -> ChurnSampler {
        ChurnSampler {
            tree: SumTree::new(0),
            table: None,
            built_len: 0,
            built_total: 0,
            alive: 0,
            sole: Sole::default(),
            gone: None,
        }
    }

    /// Appends an item of weight `w`.
    pub fn push(&mut self, w: u64) {
        self.tree.push(w);
    }

    /// Sets item `i`'s weight to zero (it leaves for good). Out of range: nothing.
    pub fn zero(&mut self, i: usize) {
        if i >= self.tree.len() {
            return;
        }
        if i < self.built_len {
            self.alive -= u128::from(self.tree.get(i));
            if let Some(gone) = &mut self.gone {
                gone[i / 64] |= 1 << (i % 64);
            }
        }
        self.tree.set(i, 0);
    }

    /// Item `i`'s weight (0 outside).
    #[must_use]
    pub fn get(&self, i: usize) -> u64 {
        self.tree.get(i)
    }

    /// The number of items, those with weight zero included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.tree.len()
    }

    /// Whether there are no items.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// The number of items with weight.
    #[must_use]
    pub fn positive_count(&self) -> usize {
        self.tree.positive_count()
    }

    /// The total weight.
    #[must_use]
    pub fn total(&self) -> u128 {
        self.tree.total()
    }

    /// The one item with weight, when exactly one has any: what [`ChurnSampler::sample`]
    /// returns then, without a word of the stream (so a run of draws of it can be skipped).
    #[inline]
    pub fn sole(&mut self) -> Option<usize> {
        (self.tree.positive_count() == 1).then(|| self.sole.item(&self.tree))
    }

    /// Draws item `i` with probability exactly `w_i / total` (module doc).
    ///
    /// Errors: [`Error::NotEnoughWeight`] when the total weight is zero (nothing is drawn).
    #[inline]
    pub fn sample(&mut self, rng: &mut StreamRng) -> Result<usize> {
        match self.tree.positive_count() {
            0 => return Err(Error::NotEnoughWeight { wanted: 1, available: 0 }),
            1 => return Ok(self.sole.item(&self.tree)),
            _ => {}
        }
        if self.tree.len() > MAX_TABLE {
            return self.tree.sample(rng);
        }
        let total = self.tree.total();
        let new = total - self.alive;
        let left = self.built_total - self.alive;
        if self.table.is_none() || left > self.built_total / 8 || new > total / 8 {
            return self.rebuild_and_sample(rng);
        }
        if new > 0 {
            let x = rng.below_u128(total);
            if x >= self.alive {
                return Ok(self.tree.find(x));
            }
        }
        if self.gone.is_none() {
            self.gone = Some(self.gone_bits());
        }
        let (Some(table), Some(gone)) = (&self.table, &self.gone) else {
            return self.tree.sample(rng);
        };
        // `alive > 0` here (else `x ≥ alive` above): some item of the table is still in play.
        loop {
            let i = table.sample(rng);
            if gone[i / 64] & (1 << (i % 64)) == 0 {
                return Ok(i);
            }
        }
    }

    /// Rebuilds the table over every item, then draws from it.
    #[cold]
    #[inline(never)]
    fn rebuild_and_sample(&mut self, rng: &mut StreamRng) -> Result<usize> {
        let mut table = self.table.take().unwrap_or_else(AliasTable::empty);
        table.rebuild(self.tree.weights())?; // on error no table is kept
        self.table = Some(table);
        self.built_len = self.tree.len();
        self.built_total = self.tree.total();
        self.alive = self.built_total;
        self.gone = Some(self.gone_bits());
        Ok(self.table.as_ref().map_or(0, |t| t.sample(rng)))
    }

    /// The bits of the table's items with weight zero.
    fn gone_bits(&self) -> Vec<u64> {
        let mut bits = vec![0u64; self.built_len.div_ceil(64)];
        for i in (0..self.built_len).filter(|&i| self.tree.get(i) == 0) {
            bits[i / 64] |= 1 << (i % 64);
        }
        bits
    }
}

impl Default for ChurnSampler {
    fn default() -> ChurnSampler {
        ChurnSampler::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{RngStreams, Seed};

    fn rng(path: &[u64]) -> StreamRng {
        RngStreams::new(Seed::from_u64(9)).stream(path)
    }

    fn sampler(weights: &[u64]) -> ChurnSampler {
        let mut s = ChurnSampler::new();
        weights.iter().for_each(|&w| s.push(w));
        s
    }

    /// Without a change since the build, the draws are the alias table's, word for word.
    #[test]
    fn without_changes_it_draws_as_its_table() {
        let weights = [5, 0, 17, 1, 9, 30];
        let mut s = sampler(&weights);
        let mut table = AliasTable::empty();
        table.rebuild(&weights).unwrap();
        let (mut a, mut b) = (rng(&[1]), rng(&[1]));
        for _ in 0..2_000 {
            assert_eq!(s.sample(&mut a).unwrap(), table.sample(&mut b));
        }
    }

    /// Counts of `draws` draws against `w_i / W`: each within five standard deviations, and
    /// items of weight zero never drawn.
    fn assert_frequencies(s: &mut ChurnSampler, draws: u32, stream: u64) {
        let n = s.len();
        let total = s.total() as f64;
        let mut counts = vec![0u32; n];
        let mut r = rng(&[stream]);
        for _ in 0..draws {
            counts[s.sample(&mut r).unwrap()] += 1;
        }
        for (i, &c) in counts.iter().enumerate() {
            let p = s.get(i) as f64 / total;
            if p == 0.0 {
                assert_eq!(c, 0, "item {i} has no weight but was drawn");
                continue;
            }
            let (mean, sd) = (f64::from(draws) * p, (f64::from(draws) * p * (1.0 - p)).sqrt());
            assert!((f64::from(c) - mean).abs() < 5.0 * sd, "item {i}: {c} draws, expected {mean}");
        }
    }

    /// Items that left are never drawn and new ones are drawn by weight, before the table is
    /// rebuilt (a draw each way: from the tree for new items, from the table with rejection).
    #[test]
    fn joins_and_leaves_keep_the_probabilities_exact() {
        let mut s = sampler(&[40, 10, 25, 25, 0, 60, 5, 35]);
        let mut r = rng(&[2]);
        s.sample(&mut r).unwrap(); // builds the table over the eight
        assert_eq!((s.built_len, s.alive), (8, 200));
        s.zero(1); // 10 of 200 left: under an eighth
        s.push(12); // 12 of 202 new: under an eighth
        s.zero(6);
        assert_eq!((s.built_len, s.alive, s.total()), (8, 185, 197));
        assert_frequencies(&mut s, 200_000, 3);
        // No rebuild happened: the draws took both ways.
        assert_eq!(s.built_len, 8);
    }

    /// Past an eighth of the weight gone or new, the table is rebuilt over every item.
    #[test]
    fn rebuilds_when_an_eighth_has_left_or_joined() {
        let mut s = sampler(&[10; 16]);
        let mut r = rng(&[4]);
        s.sample(&mut r).unwrap();
        s.zero(0);
        s.zero(1); // 20 of 160 left: exactly an eighth, no rebuild
        s.sample(&mut r).unwrap();
        assert_eq!(s.built_len, 16);
        s.zero(2); // 30 of 160: rebuilt
        s.sample(&mut r).unwrap();
        assert_eq!((s.built_len, s.built_total, s.alive), (16, 130, 130));
        for _ in 0..3 {
            s.push(6); // 18 of 148 new: under an eighth
        }
        s.sample(&mut r).unwrap();
        assert_eq!(s.built_len, 16);
        s.push(6); // 24 of 154: rebuilt
        s.sample(&mut r).unwrap();
        assert_eq!((s.built_len, s.alive), (20, 154));
        assert_frequencies(&mut s, 50_000, 5);
    }

    /// One item with weight is drawn without a word; none with weight is an error; a saved
    /// sampler draws on as the original.
    #[test]
    fn edge_cases_and_saved_state() {
        let mut s = sampler(&[0, 0]);
        let mut r = rng(&[6]);
        assert!(matches!(s.sample(&mut r), Err(Error::NotEnoughWeight { .. })));
        s.push(3);
        let before = r.clone();
        assert_eq!(s.sample(&mut r).unwrap(), 2);
        assert_eq!(r.next_u64(), before.clone().next_u64(), "a sole item takes no word");
        for w in [4, 8, 1] {
            s.push(w);
        }
        s.sample(&mut r).unwrap();
        s.zero(3);
        s.push(2);
        let mut copy: ChurnSampler =
            serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        let mut r2 = r.clone();
        for _ in 0..500 {
            assert_eq!(s.sample(&mut r).unwrap(), copy.sample(&mut r2).unwrap());
        }
        s.zero(99); // out of range: nothing
        assert_eq!(s.len(), 7);
    }
}
