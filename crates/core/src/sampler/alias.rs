//! Vose's alias method in exact integers: [`AliasTable`], O(1) draws from weights that do not
//! change, each from one stream word but for a chance below `2n / 2^64`.

use ruint::aliases::U256;

use crate::error::{Error, Result, overflow};
use crate::rng::StreamRng;

use super::floor_scaled;

/// Static weights prepared for O(1) draws by Vose's alias method, in exact integers.
///
/// With `n` items and total weight `W`, each column `j` holds a threshold `prob[j]` in `[0, W]`
/// and an alias. The table is built on the scaled weights `n·w_i` against the threshold `W`, so
/// item `i` holds the mass `(prob[i] + Σ_{alias[j] = i} (W − prob[j])) / (n·W) = w_i / W`
/// exactly — no rounding anywhere.
///
/// A draw reads a uniform real `U` in `[0, 1)`: the column is `j = ⌊U·n⌋`, and the draw is `j`
/// when `frac(U·n) < prob[j] / W`, else `alias[j]`. `U`'s first 64 bits are one stream word `x`:
/// with `m = x·n`, the column is `⌊m / 2^64⌋` unless `U·n` may still cross into the next one,
/// and `frac(U·n)·2^64` lies in `[f, f + n)`, `f = m mod 2^64`. Against the column's cut
/// `⌊prob[j]·2^64 / W⌋`, the word decides the draw when the column is sure (`f + n ≤ 2^64`) and
/// `f + n ≤ cut` (the column) or `f > cut` (its alias). Otherwise — a chance below `2n / 2^64`
/// a draw — the rest of `U` is drawn exactly: `⌊U·n·W⌋` from one more uniform integer below
/// `n·W` (see the module `sampler`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AliasTable {
    /// Per column: `⌊prob·2^64 / W⌋` (`2^64 − 1` when `prob = W`), what one word is held to.
    pub(super) cut: Vec<u64>,
    /// Per column: the item drawn when the column's own part is missed.
    pub(super) alias: Vec<u32>,
    /// Per column: draw the column itself when `frac(U·n) < prob / W` — exact, for the draws
    /// that one word leaves open.
    pub(super) prob: Vec<u128>,
    /// The sum of the weights, `W`.
    pub(super) total: u128,
    /// The stacks of a build, kept so that a rebuild allocates nothing once the table has held
    /// as many items (not part of the table).
    #[serde(skip)]
    work: crate::Transient<Vec<u32>>,
}

impl AliasTable {
    /// Builds the table for `weights` in O(n).
    ///
    /// Errors: [`Error::NotEnoughWeight`] when there are no weights or they are all zero;
    /// [`Error::Overflow`] if a scaled weight `n·w_i` does not fit a u128 (it always does for
    /// fewer than 2^64 items).
    pub fn new(weights: &[u64]) -> Result<AliasTable> {
        let mut table = AliasTable::empty();
        table.rebuild(weights)?;
        Ok(table)
    }

    /// A table of no items, to be rebuilt.
    pub(super) fn empty() -> AliasTable {
        AliasTable {
            cut: Vec::new(),
            alias: Vec::new(),
            prob: Vec::new(),
            total: 0,
            work: crate::Transient::default(),
        }
    }

    /// Rebuilds the table for `weights` in O(n), in its own memory: 28 bytes an item, and 4
    /// more while it builds. On error (as [`AliasTable::new`], or more than 2^32 items) the
    /// table is left empty.
    pub fn rebuild(&mut self, weights: &[u64]) -> Result<()> {
        let n = weights.len();
        let (prob, alias, cut) = (&mut self.prob, &mut self.alias, &mut self.cut);
        prob.clear();
        alias.clear();
        cut.clear();
        self.total = 0;
        let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
        if total == 0 {
            return Err(Error::NotEnoughWeight { wanted: 1, available: 0 });
        }
        let n_wide = u128::try_from(n).map_err(|_| overflow("alias table size"))?;
        let n32 = u32::try_from(n).map_err(|_| overflow("alias table size"))?;
        if total.checked_mul(n_wide).is_some_and(|x| x >> 64 == 0) {
            // n·W < 2^64 (so every n·w_i and W itself): the same build in 64-bit words.
            self.rebuild_narrow(weights, total as u64);
            return Ok(());
        }
        self.rebuild_wide(weights, total, n32);
        Ok(())
    }

    /// [`AliasTable::rebuild`] in u128, for any weights (`total` their sum, `n32` their count).
    /// `prob` holds the scaled weights `n·w_i` while the table builds (below 2^96: w < 2^64,
    /// n ≤ 2^32), each final once its item has left the small stack.
    pub(super) fn rebuild_wide(&mut self, weights: &[u64], total: u128, n32: u32) {
        let n_wide = u128::from(n32);
        self.prob.extend(weights.iter().map(|&w| u128::from(w) * n_wide));
        self.alias.extend(0..n32);
        pair(&mut self.prob, total, &mut self.alias, &mut self.work.0);
        // Each column's cut: one exact division by the same W.
        let divisor = Divisor::new(total);
        self.cut
            .extend(self.prob.iter().map(|&p| if p < total { divisor.digit(p) } else { u64::MAX }));
        self.total = total;
    }

    /// [`AliasTable::rebuild_wide`] when `n·W < 2^64` (`w` = W): the same steps in the same
    /// order on 64-bit words, so the same table. The scaled weights live in `cut` while the
    /// table builds; each cut is one division of two words by the prepared one-word divisor W.
    fn rebuild_narrow(&mut self, weights: &[u64], w: u64) {
        let n64 = weights.len() as u64; // n·W < 2^64: every n·w_i fits
        let cut = &mut self.cut;
        cut.extend(weights.iter().map(|&x| x * n64));
        self.alias.extend(0..weights.len() as u32);
        pair(cut, w, &mut self.alias, &mut self.work.0);
        self.prob.extend(cut.iter().map(|&p| u128::from(p)));
        let divisor = crate::arith::Divisor::new(u128::from(w)).unwrap_or_else(|| unreachable!());
        let shift = divisor.shift();
        for c in cut.iter_mut() {
            // ⌊p·2^64 / W⌋ for p < W: the numerator shifted as the divisor is, p·2^shift < W·2^shift.
            *c = if *c < w {
                divisor.narrow_quotient(u128::from(*c << shift) << 64)
            } else {
                u64::MAX
            };
        }
        self.total = u128::from(w);
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

    /// Draws item `i` with probability exactly `w_i / total`, in O(1): one stream word, and
    /// when that word leaves the draw open (a chance below `2n / 2^64`), one more uniform integer
    /// below `n·W` ([`StreamRng::below_u128`]).
    #[inline]
    pub fn sample(&self, rng: &mut StreamRng) -> usize {
        let x = rng.next_u64();
        match self.sure(x) {
            Some(i) => i,
            None => self.settle_from(x, rng),
        }
    }

    /// The draw of [`AliasTable::sample`] whose first stream word is `x`, and whether `x`
    /// decides it alone (when not, a chance below `2n / 2^64`, the item is not the draw: the
    /// draw needs more of the stream). The same test as the one `sample` makes, with the item
    /// chosen by a select the compiler keeps without a branch in a run of draws; written out
    /// apart from it because a helper shared by the two cost the single draws' callers about
    /// 2 % more instructions (the default-year benchmark). A test pins the two together.
    #[inline(always)]
    #[must_use]
    pub fn decide(&self, x: u64) -> (usize, bool) {
        let n = self.cut.len() as u64;
        let m = u128::from(x) * u128::from(n);
        let (j, f) = ((m >> 64) as usize, m as u64);
        let (cut, alias) = (self.cut[j], self.alias[j] as usize);
        let above = f > cut;
        let sure = (f <= n.wrapping_neg()) & (above | (cut.wrapping_sub(f) >= n));
        (std::hint::select_unpredictable(above, alias, j), sure)
    }

    /// [`AliasTable::settle`] with the rest of `U` drawn from `rng`: the rare draw that one
    /// word leaves open, kept out of the way of the common one.
    #[cold]
    #[inline(never)]
    fn settle_from(&self, x: u64, rng: &mut StreamRng) -> usize {
        self.settle(x, rng.below_u128(self.span()))
    }

    /// `n·W`: the draw is a function of `⌊U·n·W⌋`, its boundaries `j·W` and `j·W + prob[j]`
    /// being integers. Below 2^128, since `W < n·2^64` and `n ≤ 2^32`.
    fn span(&self) -> u128 {
        self.len() as u128 * self.total
    }

    /// The draw when `U`'s first word `x` decides it alone, none when the window
    /// `[x / 2^64, (x + 1) / 2^64)` may hold a boundary of the draw.
    #[inline]
    pub(super) fn sure(&self, x: u64) -> Option<usize> {
        let n = self.cut.len() as u64; // at most 2^32 items
        let m = u128::from(x) * u128::from(n);
        let (j, f) = ((m >> 64) as usize, m as u64); // j < n; f is the low word, on purpose
        let (cut, alias) = (self.cut[j], self.alias[j] as usize);
        // Without branches on the word, whose outcome is a coin toss a draw: the item is the
        // alias when f > cut, else the column; the word decides when f ≤ 2^64 − n (U·n stays
        // below j + 1; for n = 1 that is every f) and either f > cut (frac(U·n)·2^64 ≥ f ≥
        // cut + 1 > prob·2^64 / W) or cut − f ≥ n (frac(U·n)·2^64 < f + n ≤ cut ≤ prob·2^64 / W).
        let above = f > cut;
        let item = if above { alias } else { j };
        let sure = (f <= n.wrapping_neg()) & (above | (cut.wrapping_sub(f) >= n));
        sure.then_some(item)
    }

    /// The draw for `U = (x + V) / 2^64` given `y = ⌊n·W·V⌋`, uniform in `[0, n·W)` when `V` is
    /// uniform in `[0, 1)`: `⌊U·n·W⌋ = ⌊(x·n·W + y) / 2^64⌋` exactly, and that integer `k` is
    /// in column `⌊k / W⌋`, its own part when `k mod W < prob`. Exact for every word `x`.
    pub(super) fn settle(&self, x: u64, y: u128) -> usize {
        let k = floor_scaled(x, self.span(), y);
        let j = (k / self.total) as usize; // k < n·W, so j < n
        if k % self.total < self.prob[j] { j } else { self.alias[j] as usize }
    }
}

/// Vose's pairing of the scaled weights `scaled` (`n·w_i`) against `total` (W), exactly: each
/// small item (below W) takes its alias from a large one, whose excess pays for the small
/// item's shortfall; a large item that falls below W joins the small ones. The small items
/// stack up from the front of `work`, the large from the back, each side chosen without a
/// branch (an item's side is a coin toss). Leaves each item's final threshold in `scaled`.
/// Invariant: the scaled weights still in play sum to (items in play)·W exactly, so what
/// remains has weight exactly W and aliases itself.
fn pair<T>(scaled: &mut [T], total: T, alias: &mut [u32], work: &mut Vec<u32>)
where
    T: Copy + Ord + std::ops::Sub<Output = T> + std::ops::SubAssign,
{
    let n = scaled.len();
    work.clear();
    work.resize(n, 0);
    let (mut small, mut large) = (0, n);
    for (i, &p) in scaled.iter().enumerate() {
        let is_small = p < total;
        let at = if is_small { small } else { large - 1 };
        work[at] = i as u32; // n ≤ 2^32
        small += usize::from(is_small);
        large -= usize::from(!is_small);
    }
    while small > 0 && large < n {
        small -= 1;
        let (s, l) = (work[small] as usize, work[large] as usize);
        alias[s] = work[large];
        // scaled[l] ≥ W > W − scaled[s]: stays non-negative.
        scaled[l] -= total - scaled[s];
        if scaled[l] < total {
            large += 1;
            work[small] = l as u32;
            small += 1;
        }
    }
    debug_assert!(small == 0, "alias table: exact invariant broken");
    debug_assert!(work[large..].iter().all(|&l| scaled[l as usize] == total));
}

/// A divisor `d` ready for many divisions `⌊r·2^64 / d⌋` (`r < d`): the first base-2^64 digit
/// of the fraction `r / d`, exact, with no division instruction — Möller and Granlund's division
/// of three words by two with a precomputed reciprocal ("Improved division by invariant
/// integers", 2011, algorithm 5). An alias table divides every column's threshold by the same
/// total, so the reciprocal is worked out once a build.
#[derive(Clone, Copy, Debug)]
pub(super) struct Divisor {
    /// `d` shifted until its top bit is set.
    d: u128,
    /// The shift.
    shift: u32,
    /// `⌊(2^192 − 1) / d⌋ − 2^64` for the shifted `d` (below 2^64 since `d ≥ 2^127`).
    v: u64,
}

impl Divisor {
    /// The divisor `d > 0`.
    pub(super) fn new(d: u128) -> Divisor {
        debug_assert!(d > 0, "Divisor::new(0)");
        let shift = d.leading_zeros();
        let d = d << shift;
        let all: U256 = U256::MAX >> 64; // 2^192 − 1
        let v: U256 = all / U256::from(d) - (U256::from(1u8) << 64);
        Divisor { d, shift, v: v.to::<u64>() }
    }

    /// `⌊r·2^64 / d⌋` for `r < d` (so it fits a u64).
    pub(super) fn digit(&self, r: u128) -> u64 {
        let r = r << self.shift; // r < d, so this does not overflow
        let (u2, u1) = ((r >> 64) as u64, r as u64);
        let (d1, d0) = ((self.d >> 64) as u64, self.d as u64);
        // The estimate (q1, q0) = v·u2 + (u2, u1), then the remainder (u2, u1, 0) − q1·d in two
        // words, each modulo its width; q1 + 1 is at most one too large, or one too small.
        let estimate = (u128::from(self.v) * u128::from(u2)).wrapping_add(r);
        let (mut q1, q0) = ((estimate >> 64) as u64, estimate as u64);
        let r1 = u1.wrapping_sub(d1.wrapping_mul(q1));
        let mut rem = (u128::from(r1) << 64)
            .wrapping_sub(self.d)
            .wrapping_sub(u128::from(d0) * u128::from(q1));
        q1 = q1.wrapping_add(1);
        if (rem >> 64) as u64 >= q0 {
            q1 = q1.wrapping_sub(1);
            rem = rem.wrapping_add(self.d);
        }
        if rem >= self.d {
            q1 += 1;
        }
        q1
    }
}
