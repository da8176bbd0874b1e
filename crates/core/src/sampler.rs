//! Weighted random choice over integer weights, exact and without floats.
//!
//! Owns [`SumTree`], a Fenwick (binary indexed) tree for weights that change — O(log n) per
//! update and per draw, for task assignment and cluster selection among many nodes — and
//! [`AliasTable`] (in `alias`), Vose's alias method in exact integers for weights that do not
//! change — O(1) per draw — and [`FastSampler`], an alias table kept current with a sum tree's
//! changing weights, and [`ChurnSampler`], an alias table kept across items that join and leave
//! (in `churn`). All draw from a [`StreamRng`], so a choice is a pure function of its stream
//! (ARCHITECTURE, "Scalable accounting" and "Deterministic simulation").
//!
//! Weights are `u64`; totals are `u128`, which cannot overflow: fewer than 2^64 weights below
//! 2^64 each sum below 2^128.
//!
//! One word a draw, exactly. A draw maps one uniform real `U` in `[0, 1)` to an item through
//! boundaries that are multiples of `1 / D` — `D = W` for the tree (the prefix sums `S_i / W`),
//! `D = n·W` for an alias table of `n` columns — so the item is a function of the integer
//! `⌊U·D⌋` alone. `U`'s first 64 bits are one stream word `x`, which puts `U·D` in
//! `[x·D / 2^64, (x + 1)·D / 2^64)`: when no boundary lies inside that window, the item is known
//! from `x` — for all but at most `2n` of the 2^64 words. Otherwise, with `U = (x + V) / 2^64`
//! for the rest `V`, `⌊U·D⌋ = ⌊(x·D + ⌊D·V⌋) / 2^64⌋` and `⌊D·V⌋` is uniform in `[0, D)`: one
//! [`StreamRng::below_u128`]`(D)` settles the draw exactly. So item `i` is drawn with probability
//! exactly `w_i / W`, from one word but for a chance below `2n / 2^64`. The windows' checks are
//! integer comparisons against precomputed values (an alias column's cut `⌊prob·2^64 / W⌋`, the
//! tree's prefix sums), never rounded.

use ruint::aliases::U256;

use crate::error::{Error, Result};
use crate::rng::StreamRng;
use crate::txn::{Journal, Journaled};

mod alias;
mod churn;

pub use alias::AliasTable;
pub use churn::ChurnSampler;

/// Weights `w_0 … w_{n-1}` with prefix sums in a Fenwick tree: [`SumTree::set`] and
/// [`SumTree::sample`] are O(log n), [`SumTree::get`] and [`SumTree::total`] O(1).
/// Item `i` is drawn with probability exactly `w_i / total`. Its changes are journaled while a
/// checkpoint is open ([`crate::txn::Transactional`]).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
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
        self.descend(target).0
    }

    /// [`SumTree::find`], and how far `target` lies past the found item's start,
    /// `target − prefix_sum(i)`.
    fn descend(&self, target: u128) -> (usize, u128) {
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
        (pos, rest)
    }

    /// Draws item `i` with probability exactly `w_i / total`, in O(log n): the item of
    /// `⌊U·total⌋` ([`SumTree::find`]) for a uniform real `U`, from one stream word, and when
    /// that word leaves the draw open (a chance below `n / 2^64`), one more uniform integer below
    /// the total ([`StreamRng::below_u128`]).
    ///
    /// Errors: [`Error::NotEnoughWeight`] when the total weight is zero.
    pub fn sample(&self, rng: &mut StreamRng) -> Result<usize> {
        if self.total == 0 {
            return Err(Error::NotEnoughWeight { wanted: 1, available: 0 });
        }
        let x = rng.next_u64();
        Ok(match self.sure(x) {
            Some(i) => i,
            None => self.settle_from(x, rng),
        })
    }

    /// [`SumTree::settle`] with the rest of `U` drawn from `rng`: the rare draw that one word
    /// leaves open, kept out of the way of the common one.
    #[cold]
    #[inline(never)]
    fn settle_from(&self, x: u64, rng: &mut StreamRng) -> usize {
        self.settle(x, rng.below_u128(self.total))
    }

    /// The draw when `U`'s first word `x` decides it alone: `U·W` lies in
    /// `[x·W / 2^64, (x + 1)·W / 2^64)`, whose floor `t` is in item `i = find(t)`, and the draw is
    /// `i` when the window ends by `prefix_sum(i + 1)`. None otherwise. The total is positive.
    fn sure(&self, x: u64) -> Option<usize> {
        let (high, low) = ((self.total >> 64) as u64, self.total as u64); // the two words of W
        let low_product = u128::from(x) * u128::from(low);
        // x·W = t·2^64 + rho; t < W.
        let t = u128::from(x) * u128::from(high) + (low_product >> 64);
        let rho = low_product as u64; // the low word, on purpose
        let (i, rest) = self.descend(t);
        let gap = u128::from(self.weights[i]) - rest; // prefix_sum(i + 1) − t ≥ 1
        // (x + 1)·W ≤ prefix_sum(i + 1)·2^64  ⇔  rho + W ≤ gap·2^64
        //                                     ⇔  gap ≥ high + ⌈(rho + low) / 2^64⌉.
        let carry = (u128::from(rho) + u128::from(low) + u128::from(u64::MAX)) >> 64;
        (gap >= u128::from(high) + carry).then_some(i)
    }

    /// The draw for `U = (x + V) / 2^64` given `y = ⌊W·V⌋`, uniform in `[0, W)` when `V` is
    /// uniform in `[0, 1)`: the item of `⌊U·W⌋ = ⌊(x·W + y) / 2^64⌋`, exact for every word `x`.
    fn settle(&self, x: u64, y: u128) -> usize {
        self.find(floor_scaled(x, self.total, y))
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

/// Most items a [`FastSampler`] keeps a table for (28 bytes each): above, every draw comes from
/// the tree, O(log n), as for ten million users drawn a few hundred times an epoch.
pub const MAX_TABLE: usize = 1 << 21;

/// O(1) draws from the weights of a [`SumTree`]: an [`AliasTable`] of them, rebuilt after they
/// change. While the table is stale, draws come from the tree itself (O(log n)); once the tree
/// has had `len / 16` such draws since its last change, the table is rebuilt (O(n)), so a
/// rebuild costs at most a few draws' worth of work each, however often the weights change.
///
/// Every draw is exact (item `i` with probability `w_i / total`), takes one stream word but for
/// a chance below `2n / 2^64`, and is a pure function of the tree's history and the stream, so
/// runs stay deterministic; which of the two methods made a
/// draw (and so which stream values it used) depends on that history, not on the machine.
/// A clone keeps its table: a cloned state draws as the original would.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FastSampler {
    table: Option<AliasTable>,
    /// The tree's [`SumTree::changes`] when the table was built.
    built_at: u64,
    /// Draws from the tree since the table went stale.
    stale_draws: usize,
    /// The one item with weight, and the tree's [`SumTree::changes`] when it was found.
    sole: Sole,
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
    #[inline(always)]
    pub fn sample(&mut self, tree: &SumTree, rng: &mut StreamRng) -> Result<usize> {
        if let Some(t) = self.current(tree) {
            return Ok(t.sample(rng));
        }
        match tree.positive_count() {
            1 => Ok(self.sole.item(tree)),
            _ => self.sample_otherwise(tree, rng),
        }
    }

    /// The alias table that [`FastSampler::sample`] draws from now, if it draws from one: the
    /// table is current and at least two items have weight. While the weights stay, a run of
    /// draws may take them from it directly (the same draws, one check for the run).
    #[inline(always)]
    #[must_use]
    pub fn current(&self, tree: &SumTree) -> Option<&AliasTable> {
        match &self.table {
            Some(t) if self.built_at == tree.changes() && tree.positive_count() >= 2 => Some(t),
            _ => None,
        }
    }

    /// [`FastSampler::sample`] without a current table, or without weight.
    #[inline(never)]
    fn sample_otherwise(&mut self, tree: &SumTree, rng: &mut StreamRng) -> Result<usize> {
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
            let table = self.table.get_or_insert_with(AliasTable::empty);
            table.rebuild(tree.weights())?;
            (self.built_at, self.stale_draws) = (tree.changes(), 0);
        }
        match &self.table {
            Some(t) => Ok(t.sample(rng)),
            None => tree.sample(rng),
        }
    }
}

/// The one item with weight of a tree, found in O(log n) once after each change of its weights
/// and kept with the tree's [`SumTree::changes`] then (saved as that pair, or nothing).
#[derive(Clone, Copy, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub(crate) struct Sole(Option<(u64, usize)>);

impl Sole {
    /// The one item with weight of `tree` (which has exactly one).
    #[inline(always)]
    pub(crate) fn item(&mut self, tree: &SumTree) -> usize {
        match self.0 {
            Some((at, i)) if at == tree.changes() => i,
            _ => {
                let i = tree.find(0);
                self.0 = Some((tree.changes(), i));
                i
            }
        }
    }
}

/// `⌊(x·d + y) / 2^64⌋` for `y < d`, exact: `⌊U·d⌋` for `U = (x + V) / 2^64` and
/// `y = ⌊d·V⌋`. Below `d`, since `x·d + y < (x + 1)·d ≤ 2^64·d`.
fn floor_scaled(x: u64, d: u128, y: u128) -> u128 {
    debug_assert!(y < d, "floor_scaled: {y} ≥ {d}");
    let scaled: U256 = (U256::from(x) * U256::from(d) + U256::from(y)) >> 64;
    scaled.to::<u128>()
}

#[cfg(test)]
mod tests;
