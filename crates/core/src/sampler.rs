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
mod tests;
