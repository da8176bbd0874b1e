//! Weighted random choice over integer weights, exact and without floats.
//!
//! Owns [`SumTree`], a Fenwick (binary indexed) tree for weights that change — O(log n) per
//! update and per draw, for task assignment and cluster selection among many nodes — and
//! [`AliasTable`], Vose's alias method in exact integers for weights that do not change — O(1)
//! per draw — and [`FastSampler`], an alias table kept current with a sum tree's changing
//! weights. All draw from a [`StreamRng`], so a choice is a pure function of its stream
//! (ARCHITECTURE, "Scalable accounting" and "Deterministic simulation").
//!
//! Weights are `u64`; totals are `u128`, which cannot overflow: fewer than 2^64 weights below
//! 2^64 each sum below 2^128.

use crate::error::{Error, Result, overflow};
use crate::rng::StreamRng;
use crate::txn::{Journal, Journaled};

/// Weights `w_0 … w_{n-1}` with prefix sums in a Fenwick tree: [`SumTree::set`] and
/// [`SumTree::sample`] are O(log n), [`SumTree::get`] and [`SumTree::total`] O(1).
/// Item `i` is drawn with probability exactly `w_i / total`. Its changes are journaled while a
/// checkpoint is open ([`crate::txn::Transactional`]).
#[derive(Clone, Debug)]
pub struct SumTree {
    /// The weights, by index.
    weights: Vec<u64>,
    /// Fenwick nodes, 1-based: `tree[k]` is the sum of the weights `k - lowbit(k) .. k`
    /// (0-based, half-open). `tree[0]` is unused.
    tree: Vec<u128>,
    /// The sum of all weights.
    total: u128,
    /// How many weights are positive.
    positive: usize,
    /// How many times the weights have changed (an undo is a change too): a [`FastSampler`]
    /// knows its table is current by it. Not part of the weights: equality ignores it.
    changes: u64,
    /// Undo records: a weight's old value, or an append.
    journal: Journal<WeightUndo>,
}

/// An undo record of a [`SumTree`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum WeightUndo {
    Set(usize, u64),
    Pushed,
}

/// Two trees are equal when they hold the same weights (open checkpoints aside).
impl PartialEq for SumTree {
    fn eq(&self, other: &Self) -> bool {
        self.weights == other.weights
    }
}
impl Eq for SumTree {}

impl Journaled for SumTree {
    type Undo = WeightUndo;
    fn journal(&mut self) -> &mut Journal<WeightUndo> {
        &mut self.journal
    }
    fn undo(&mut self, u: WeightUndo) {
        match u {
            WeightUndo::Set(i, w) => self.write(i, w),
            WeightUndo::Pushed => self.pop(),
        }
    }
}

/// The lowest set bit of `k`.
const fn lowbit(k: usize) -> usize {
    k & k.wrapping_neg()
}

impl SumTree {
    /// `n` items, all of weight zero.
    #[must_use]
    pub fn new(n: usize) -> SumTree {
        SumTree {
            weights: vec![0; n],
            tree: vec![0; n + 1],
            total: 0,
            positive: 0,
            changes: 0,
            journal: Journal::default(),
        }
    }

    /// A tree over `weights`, built in O(n).
    #[must_use]
    pub fn from_weights(weights: &[u64]) -> SumTree {
        let n = weights.len();
        let mut tree = vec![0u128; n + 1];
        for (i, &w) in weights.iter().enumerate() {
            tree[i + 1] += u128::from(w);
        }
        for k in 1..=n {
            let parent = k + lowbit(k);
            if parent <= n {
                tree[parent] += tree[k];
            }
        }
        let total = weights.iter().map(|&w| u128::from(w)).sum();
        let positive = weights.iter().filter(|&&w| w > 0).count();
        let journal = Journal::default();
        SumTree { weights: weights.to_vec(), tree, total, positive, changes: 0, journal }
    }

    /// The number of items.
    #[must_use]
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// True when there are no items.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// All weights, by index.
    #[must_use]
    pub fn weights(&self) -> &[u64] {
        &self.weights
    }

    /// The weight of item `i`.
    ///
    /// # Panics
    /// When `i >= len()`, like slice indexing: indices are the caller's own.
    #[must_use]
    pub fn get(&self, i: usize) -> u64 {
        self.weights[i]
    }

    /// How many times the weights have changed so far (never less than before: undoing a
    /// change is another change).
    #[must_use]
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// How many items have a positive weight.
    #[must_use]
    pub fn positive_count(&self) -> usize {
        self.positive
    }

    /// Sets the weight of item `i` to `w`, in O(log n).
    ///
    /// # Panics
    /// When `i >= len()`, like slice indexing.
    pub fn set(&mut self, i: usize, w: u64) {
        let old = self.weights[i];
        if old == w {
            return;
        }
        self.journal.record(WeightUndo::Set(i, old));
        self.write(i, w);
    }

    /// Sets weight `i` (changed) without journaling.
    fn write(&mut self, i: usize, w: u64) {
        self.changes += 1;
        let old = self.weights[i];
        self.weights[i] = w;
        match (old > 0, w > 0) {
            (false, true) => self.positive += 1,
            (true, false) => self.positive -= 1,
            _ => {}
        }
        let n = self.weights.len();
        let mut k = i + 1;
        if w > old {
            let delta = u128::from(w - old);
            self.total += delta;
            while k <= n {
                self.tree[k] += delta;
                k += lowbit(k);
            }
        } else {
            // Every node on the path includes `old`, so none goes below zero.
            let delta = u128::from(old - w);
            self.total -= delta;
            while k <= n {
                self.tree[k] -= delta;
                k += lowbit(k);
            }
        }
    }

    /// Appends item `len()` with weight `w`, in O(log n): the new Fenwick node covers the
    /// weights `k − lowbit(k) .. k`, whose sum is a difference of two prefix sums.
    pub fn push(&mut self, w: u64) {
        self.journal.record(WeightUndo::Pushed);
        let k = self.weights.len() + 1;
        let covered = self.prefix_sum(k - 1) - self.prefix_sum(k - lowbit(k));
        self.changes += 1;
        self.weights.push(w);
        self.tree.push(covered + u128::from(w));
        self.total += u128::from(w);
        self.positive += usize::from(w > 0);
    }

    /// Removes the last item (the undo of [`SumTree::push`]).
    fn pop(&mut self) {
        let n = self.weights.len();
        self.write(n - 1, 0);
        self.weights.pop();
        self.tree.pop();
    }

    /// The sum of all weights.
    #[must_use]
    pub fn total(&self) -> u128 {
        self.total
    }

    /// The sum of the weights of items `0 .. i`, in O(log n).
    ///
    /// # Panics
    /// When `i > len()`.
    #[must_use]
    pub fn prefix_sum(&self, i: usize) -> u128 {
        assert!(i <= self.len(), "prefix_sum({i}) beyond {} items", self.len());
        let mut sum = 0;
        let mut k = i;
        while k > 0 {
            sum += self.tree[k];
            k -= lowbit(k);
        }
        sum
    }

    /// The smallest `i` with `prefix_sum(i + 1) > target`: the item whose weight interval
    /// `[prefix_sum(i), prefix_sum(i + 1))` contains `target`. Items of weight zero are never
    /// returned. When `target >= total()` there is no such item and the result is `len()`.
    /// O(log n): one descent of the tree.
    #[must_use]
    pub fn find(&self, target: u128) -> usize {
        let n = self.len();
        let mut pos = 0;
        let mut rest = target;
        let mut step = if n == 0 { 0 } else { 1 << n.ilog2() };
        while step > 0 {
            let next = pos + step;
            if next <= n && self.tree[next] <= rest {
                pos = next;
                rest -= self.tree[next];
            }
            step >>= 1;
        }
        pos
    }

    /// Draws item `i` with probability `w_i / total`: a uniform target in `[0, total)` from
    /// [`StreamRng::below_u128`], then [`SumTree::find`]. O(log n).
    ///
    /// Errors: [`Error::NotEnoughWeight`] when the total weight is zero.
    pub fn sample(&self, rng: &mut StreamRng) -> Result<usize> {
        if self.total == 0 {
            return Err(Error::NotEnoughWeight { wanted: 1, available: 0 });
        }
        Ok(self.find(rng.below_u128(self.total)))
    }

    /// Draws `k` distinct items, in draw order: each draw is weighted by the weights still in
    /// play, and the drawn item's weight is set to zero for the following draws. All weights are
    /// restored before returning, so the tree is unchanged. O(k log n).
    ///
    /// Errors: [`Error::NotEnoughWeight`] when `k` exceeds the number of items with positive
    /// weight (nothing is drawn then).
    pub fn sample_without_replacement(
        &mut self,
        k: usize,
        rng: &mut StreamRng,
    ) -> Result<Vec<usize>> {
        if k > self.positive {
            return Err(Error::NotEnoughWeight {
                wanted: u64::try_from(k).unwrap_or(u64::MAX),
                available: u64::try_from(self.positive).unwrap_or(u64::MAX),
            });
        }
        let mut drawn: Vec<(usize, u64)> = Vec::with_capacity(k);
        let mut outcome = Ok(());
        for _ in 0..k {
            match self.sample(rng) {
                Ok(i) => {
                    drawn.push((i, self.weights[i]));
                    self.set(i, 0);
                }
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        for &(i, w) in drawn.iter().rev() {
            self.set(i, w);
        }
        outcome.map(|()| drawn.into_iter().map(|(i, _)| i).collect())
    }
}

/// Static weights prepared for O(1) draws by Vose's alias method, in exact integers.
///
/// With `n` items and total weight `W`, each column `j` holds a threshold `prob[j]` in `[0, W]`
/// and an alias. A draw picks a column `j = below(n)` and `u = below_u128(W)`, and returns `j`
/// when `u < prob[j]`, else `alias[j]`. The table is built on the scaled weights `n·w_i` against
/// the threshold `W`, so item `i` is drawn with probability exactly
/// `(prob[i] + Σ_{alias[j] = i} (W − prob[j])) / (n·W) = w_i / W` — no rounding anywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AliasTable {
    /// Per column: draw the column itself when `u < prob[j]` (`u` uniform in `[0, total)`).
    prob: Vec<u128>,
    /// Per column: the item drawn otherwise.
    alias: Vec<u32>,
    /// The sum of the weights, `W`.
    total: u128,
}

impl AliasTable {
    /// Builds the table for `weights` in O(n).
    ///
    /// Errors: [`Error::NotEnoughWeight`] when there are no weights or they are all zero;
    /// [`Error::Overflow`] if a scaled weight `n·w_i` does not fit a u128 (it always does for
    /// fewer than 2^64 items).
    pub fn new(weights: &[u64]) -> Result<AliasTable> {
        let mut table = AliasTable { prob: Vec::new(), alias: Vec::new(), total: 0 };
        table.rebuild(weights)?;
        Ok(table)
    }

    /// Rebuilds the table for `weights` in O(n), in its own memory: 20 bytes an item, and 4
    /// more while it builds. On error (as [`AliasTable::new`], or more than 2^32 items) the
    /// table is left empty.
    pub fn rebuild(&mut self, weights: &[u64]) -> Result<()> {
        let n = weights.len();
        let (prob, alias) = (&mut self.prob, &mut self.alias);
        prob.clear();
        alias.clear();
        self.total = 0;
        let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
        if total == 0 {
            return Err(Error::NotEnoughWeight { wanted: 1, available: 0 });
        }
        let n_wide = u128::try_from(n).map_err(|_| overflow("alias table size"))?;
        let n32 = u32::try_from(n).map_err(|_| overflow("alias table size"))?;
        // `prob` holds the scaled weights n·w_i while the table builds: an item's entry is
        // final once it leaves the small stack.
        for &w in weights {
            prob.push(
                u128::from(w).checked_mul(n_wide).ok_or_else(|| overflow("alias table scale"))?,
            );
        }
        alias.extend(0..n32);
        // The small items stack up from the front of `work`, the large from the back.
        let mut work = vec![0u32; n];
        let (mut small, mut large) = (0, n);
        for (i, &p) in (0..n32).zip(prob.iter()) {
            if p < total {
                work[small] = i;
                small += 1;
            } else {
                large -= 1;
                work[large] = i;
            }
        }
        // Invariant: the scaled weights still in play sum to (items in play)·W exactly.
        while small > 0 && large < n {
            small -= 1;
            let (s, l) = (work[small] as usize, work[large] as usize);
            alias[s] = work[large];
            // prob[l] ≥ W > W − prob[s], so this stays non-negative.
            prob[l] -= total - prob[s];
            if prob[l] < total {
                large += 1;
                work[small] = l as u32;
                small += 1;
            }
        }
        // What remains has scaled weight exactly W (by the invariant), so it keeps prob = W and
        // aliases itself. Small items can only remain if the invariant were broken.
        debug_assert!(small == 0, "alias table: exact invariant broken");
        debug_assert!(work[large..].iter().all(|&l| prob[l as usize] == total));
        self.total = total;
        Ok(())
    }

    /// The number of items.
    #[must_use]
    pub fn len(&self) -> usize {
        self.prob.len()
    }

    /// Always false: a table has at least one item of positive weight.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.prob.is_empty()
    }

    /// The sum of the weights.
    #[must_use]
    pub fn total(&self) -> u128 {
        self.total
    }

    /// Draws item `i` with probability exactly `w_i / total`, in O(1): one `below(n)` for the
    /// column, one `below_u128(total)` for the coin.
    pub fn sample(&self, rng: &mut StreamRng) -> usize {
        let n = u64::try_from(self.prob.len()).expect("slice lengths fit in u64");
        let j = rng.below(n) as usize; // j < n, so it fits
        let u = rng.below_u128(self.total);
        if u < self.prob[j] { j } else { self.alias[j] as usize }
    }
}

/// Most items a [`FastSampler`] keeps a table for (20 bytes each): above, every draw comes from
/// the tree, O(log n), as for ten million users drawn a few hundred times an epoch.
pub const MAX_TABLE: usize = 1 << 21;

/// O(1) draws from the weights of a [`SumTree`]: an [`AliasTable`] of them, rebuilt after they
/// change. While the table is stale, draws come from the tree itself (O(log n)); once the tree
/// has had `len / 16` such draws since its last change, the table is rebuilt (O(n)), so a
/// rebuild costs at most a few draws' worth of work each, however often the weights change.
///
/// Every draw is exact (item `i` with probability `w_i / total`) and a pure function of the
/// tree's history and the stream, so runs stay deterministic; which of the two methods made a
/// draw (and so which stream values it used) depends on that history, not on the machine.
/// A clone keeps its table: a cloned state draws as the original would.
#[derive(Clone, Debug, Default)]
pub struct FastSampler {
    table: Option<AliasTable>,
    /// The tree's [`SumTree::changes`] when the table was built.
    built_at: u64,
    /// Draws from the tree since the table went stale.
    stale_draws: usize,
}

impl FastSampler {
    /// No table yet: the first draws come from the tree.
    #[must_use]
    pub fn new() -> FastSampler {
        FastSampler::default()
    }

    /// Draws item `i` of `tree` with probability exactly `w_i / total`.
    ///
    /// Errors: [`Error::NotEnoughWeight`] when the total weight is zero (nothing is drawn).
    /// When a single item has weight, it is drawn without taking anything from the stream.
    pub fn sample(&mut self, tree: &SumTree, rng: &mut StreamRng) -> Result<usize> {
        match tree.positive_count() {
            0 => return Err(Error::NotEnoughWeight { wanted: 1, available: 0 }),
            1 => return Ok(tree.find(0)),
            _ => {}
        }
        if self.built_at != tree.changes() || self.table.is_none() {
            if self.stale_draws * 16 < tree.len() || tree.len() > MAX_TABLE {
                self.stale_draws += 1;
                return tree.sample(rng);
            }
            let table = self.table.get_or_insert_with(|| AliasTable {
                prob: Vec::new(),
                alias: Vec::new(),
                total: 0,
            });
            table.rebuild(tree.weights())?;
            (self.built_at, self.stale_draws) = (tree.changes(), 0);
        }
        match &self.table {
            Some(t) => Ok(t.sample(rng)),
            None => tree.sample(rng),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{RngStreams, Seed};
    use proptest::prelude::*;

    fn rng(path: &[u64]) -> StreamRng {
        RngStreams::new(Seed::from_u64(7)).stream(path)
    }

    /// The reference: a linear scan over the weights.
    fn find_linear(weights: &[u64], target: u128) -> usize {
        let mut sum = 0u128;
        for (i, &w) in weights.iter().enumerate() {
            sum += u128::from(w);
            if sum > target {
                return i;
            }
        }
        weights.len()
    }

    fn check_frequencies(draws: &[usize], weights: &[u64]) {
        let total: u64 = weights.iter().sum();
        let n = draws.len() as u64;
        for (i, &w) in weights.iter().enumerate() {
            let got = draws.iter().filter(|&&d| d == i).count() as u64;
            let expected = n * w / total;
            // within ±3% of the expected count
            assert!(
                got * 100 >= expected * 97 && got * 100 <= expected * 103,
                "{i}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn fast_draws_follow_the_weights_through_changes() {
        let weights = [5, 0, 20, 10, 65];
        let mut tree = SumTree::from_weights(&weights);
        let mut fast = FastSampler::new();
        let mut r = rng(&[11]);
        let draws: Vec<usize> = (0..100_000).map(|_| fast.sample(&tree, &mut r).unwrap()).collect();
        check_frequencies(&draws, &weights);
        // A change makes the table stale: the next draws come from the tree, then it is
        // rebuilt for the new weights, and the draws follow those.
        tree.set(1, 40);
        tree.set(4, 25);
        let changed = [5, 40, 20, 10, 25];
        let draws: Vec<usize> = (0..100_000).map(|_| fast.sample(&tree, &mut r).unwrap()).collect();
        check_frequencies(&draws, &changed);
        assert_eq!(fast.built_at, tree.changes());
    }

    #[test]
    fn fast_draws_wait_for_len_over_16_tree_draws_before_a_rebuild() {
        let mut tree = SumTree::from_weights(&[1; 64]);
        let mut fast = FastSampler::new();
        let mut r = rng(&[12]);
        for k in 0..4 {
            fast.sample(&tree, &mut r).unwrap();
            assert!(fast.table.is_none(), "draw {k} came from the tree");
        }
        fast.sample(&tree, &mut r).unwrap();
        assert!(fast.table.is_some());
        tree.set(3, 2);
        fast.sample(&tree, &mut r).unwrap();
        assert_ne!(fast.built_at, tree.changes(), "stale after a change");
        // An undo is a change too.
        let before = tree.changes();
        let cp = crate::txn::Transactional::checkpoint(&mut tree);
        tree.set(3, 9);
        crate::txn::Transactional::revert(&mut tree, cp);
        assert!(tree.changes() > before + 1);
    }

    #[test]
    fn fast_draws_of_one_item_take_nothing_from_the_stream() {
        let tree = SumTree::from_weights(&[0, 0, 7, 0]);
        let mut fast = FastSampler::new();
        let (mut r, mut untouched) = (rng(&[13]), rng(&[13]));
        assert_eq!(fast.sample(&tree, &mut r).unwrap(), 2);
        assert_eq!(r.next_u64(), untouched.next_u64());
        let empty = SumTree::from_weights(&[0, 0]);
        assert!(matches!(
            fast.sample(&empty, &mut r),
            Err(Error::NotEnoughWeight { wanted: 1, available: 0 })
        ));
    }

    #[test]
    fn a_rebuilt_alias_table_equals_a_new_one() {
        let mut table = AliasTable::new(&[3, 1, 4, 1, 5]).unwrap();
        table.rebuild(&[9, 2, 6]).unwrap();
        assert_eq!(table, AliasTable::new(&[9, 2, 6]).unwrap());
        assert!(table.rebuild(&[0, 0]).is_err());
        assert_eq!(table.len(), 0);
    }

    #[test]
    fn set_get_total_are_consistent() {
        let mut t = SumTree::new(5);
        assert_eq!((t.len(), t.total(), t.positive_count()), (5, 0, 0));
        t.set(2, 10);
        t.set(4, u64::MAX);
        t.set(0, 3);
        assert_eq!(t.get(2), 10);
        assert_eq!(t.total(), 13 + u128::from(u64::MAX));
        assert_eq!(t.positive_count(), 3);
        t.set(4, 1);
        t.set(0, 0);
        assert_eq!(t.total(), 11);
        assert_eq!(t.positive_count(), 2);
        assert_eq!(t, SumTree::from_weights(&[0, 0, 10, 0, 1]));
        assert_eq!(t.prefix_sum(3), 10);
        assert_eq!(t.find(9), 2);
        assert_eq!(t.find(10), 4);
        assert_eq!(t.find(11), 5);
        assert_eq!(SumTree::new(0).find(0), 0);
    }

    #[test]
    fn push_matches_a_tree_built_at_once() {
        let weights: Vec<u64> = (0..37).map(|i| (i * 7919 % 13) as u64).collect();
        let mut grown = SumTree::new(0);
        for &w in &weights {
            grown.push(w);
        }
        assert_eq!(grown, SumTree::from_weights(&weights));
    }

    #[test]
    fn zero_total_is_an_error() {
        let mut r = rng(&[1]);
        let e = SumTree::new(3).sample(&mut r).unwrap_err();
        assert_eq!(e, Error::NotEnoughWeight { wanted: 1, available: 0 });
        assert!(SumTree::new(0).sample(&mut r).is_err());
        assert!(AliasTable::new(&[0, 0]).is_err());
        assert!(AliasTable::new(&[]).is_err());
    }

    #[test]
    fn sum_tree_frequencies_match_weights() {
        let t = SumTree::from_weights(&[1, 2, 3, 4]);
        let mut r = rng(&[2]);
        let draws: Vec<usize> = (0..100_000).map(|_| t.sample(&mut r).unwrap()).collect();
        check_frequencies(&draws, &[1, 2, 3, 4]);
    }

    #[test]
    fn alias_frequencies_match_weights() {
        let a = AliasTable::new(&[1, 2, 3, 4]).unwrap();
        let mut r = rng(&[3]);
        let draws: Vec<usize> = (0..100_000).map(|_| a.sample(&mut r)).collect();
        check_frequencies(&draws, &[1, 2, 3, 4]);
        // Zero weights are never drawn.
        let a = AliasTable::new(&[0, 5, 0, 1]).unwrap();
        assert!((0..1000).map(|_| a.sample(&mut r)).all(|i| i == 1 || i == 3));
    }

    #[test]
    fn without_replacement_draws_distinct_positive_items() {
        let weights = [5, 0, 1, 9, 0, 2, 7];
        let mut t = SumTree::from_weights(&weights);
        let before = t.clone();
        let mut r = rng(&[4]);
        for k in 0..=5 {
            for _ in 0..50 {
                let got = t.sample_without_replacement(k, &mut r).unwrap();
                assert_eq!(got.len(), k);
                let mut set = got.clone();
                set.sort_unstable();
                set.dedup();
                assert_eq!(set.len(), k, "{got:?}");
                assert!(got.iter().all(|&i| weights[i] > 0));
                assert_eq!(t, before);
            }
        }
        let e = t.sample_without_replacement(6, &mut r).unwrap_err();
        assert_eq!(e, Error::NotEnoughWeight { wanted: 6, available: 5 });
        assert_eq!(t, before);
    }

    /// Checks the exact probability of every item from the table's entries.
    fn assert_exact(weights: &[u64]) {
        let a = AliasTable::new(weights).unwrap();
        let n = weights.len() as u128;
        let mut mass = vec![0u128; weights.len()]; // in units of 1 / (n·W)
        for j in 0..weights.len() {
            assert!(a.prob[j] <= a.total);
            mass[j] += a.prob[j];
            mass[a.alias[j] as usize] += a.total - a.prob[j];
        }
        for (i, &w) in weights.iter().enumerate() {
            // mass[i] / (n·W) == w / W  ⇔  mass[i] == n·w
            assert_eq!(mass[i], n * u128::from(w), "item {i} of {weights:?}");
        }
    }

    #[test]
    fn alias_probabilities_are_exact_for_known_vectors() {
        assert_exact(&[1]);
        assert_exact(&[1, 2, 3, 4]);
        assert_exact(&[0, 0, 7]);
        assert_exact(&[u64::MAX, 1, u64::MAX, 0, 3]);
        assert_exact(&[1; 17]);
    }

    proptest! {
        #[test]
        fn find_matches_linear_scan(
            weights in prop::collection::vec(prop_oneof![Just(0u64), 0u64..100, any::<u64>()], 0..70),
            targets in prop::collection::vec(any::<u128>(), 1..20),
        ) {
            let t = SumTree::from_weights(&weights);
            let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
            prop_assert_eq!(t.total(), total);
            for target in targets {
                let target = if total == 0 { target % 3 } else { target % (total + 2) };
                prop_assert_eq!(t.find(target), find_linear(&weights, target));
            }
            for i in 0..=weights.len() {
                let sum: u128 = weights[..i].iter().map(|&w| u128::from(w)).sum();
                prop_assert_eq!(t.prefix_sum(i), sum);
            }
        }

        #[test]
        fn updates_match_a_fresh_build(
            weights in prop::collection::vec(0u64..1000, 1..40),
            updates in prop::collection::vec((any::<prop::sample::Index>(), prop_oneof![Just(0u64), any::<u64>()]), 0..40),
        ) {
            let mut t = SumTree::from_weights(&weights);
            let mut reference = weights.clone();
            for (idx, w) in updates {
                let i = idx.index(reference.len());
                t.set(i, w);
                reference[i] = w;
                prop_assert_eq!(t.get(i), w);
            }
            prop_assert_eq!(&t, &SumTree::from_weights(&reference));
            prop_assert_eq!(t.positive_count(), reference.iter().filter(|&&w| w > 0).count());
        }

        #[test]
        fn alias_probabilities_are_exact(
            weights in prop::collection::vec(prop_oneof![Just(0u64), 0u64..50, any::<u64>()], 1..60)
                .prop_filter("some positive weight", |w| w.iter().any(|&x| x > 0)),
        ) {
            assert_exact(&weights);
        }
    }
}
