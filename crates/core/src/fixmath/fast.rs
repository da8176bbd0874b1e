//! A fast Cobb-Douglas reward with the per-epoch constants taken once: [`CobbDouglas`]. It
//! returns exactly what [`cobb_douglas`] returns (the reference: module doc of [`super`]) on every
//! valid input, at a fraction of its cost (docs/PERFORMANCE.md, "Cobb-Douglas").
//!
//! # Two estimates
//! Each reward is first estimated coarsely ([`quick`]: within `2^−85.8` relative, the series'
//! small remainders in `f64`, four double-word products in all) and decided by the band
//! `2^−84`; only when that band holds a grid point (for values below 2^62 units, about one call
//! in 2^21) is the 120-bit estimate below computed, and only when its band holds one too, the
//! reference. Each step is exact when it decides, so the result is the same whichever decides.
//!
//! # Method (the 120-bit estimate)
//! [`CobbDouglas::new`] keeps `ln R`, `ln S` and `α` (as `A = ⌊α·2^128⌋`) of the epoch. Each
//! [`CobbDouglas::reward`] computes, in `u128` binary fixed point with 120 fraction bits (unit
//! `u = 2^−120`), an estimate `V'` of `v = total·e^−y`, `y = α·(ln R − ln r) + (1−α)·(ln S − ln s)`:
//! - `ln x` (`x ≥ 1` an integer): `x = 2^(b−1)·m`, `m ∈ [1, 2)` exact in 127 bits; then two table
//!   steps `m₁ = m·c₁`, `m₂ = m₁·c₂` with `c₁ = ⌈2^22/(64+i)⌉/2^16` (`i` = top 6 fraction bits of
//!   `m`) and `c₂ = ⌈2^36/(4096+j)⌉/2^24` (`j = ⌊(m₁−1)·2^12⌋ ≤ 64`), so `m₁ ∈ [1, 1+2^−6+2^−15)`
//!   and `m₂ ∈ [1, 1+2^−12+2^−23)`; `ln m = ln(1/c₁) + ln(1/c₂) + ln m₂`, the two logarithms from
//!   tables (computed once from the 192-bit `ln`), `ln(1+x)` by its series to `x^9/9` (Horner;
//!   its four inner steps, whose errors reach the result times `x^5 < 1.01·2^−60`, in 64-bit
//!   words).
//! - `e^−y = 2^−k·e^−r`, `r = y − k·ln 2 ∈ [0, ln 2)`; `r = (i+1)/64 − j/4096 − w` with
//!   `w ∈ [0, 2^−12)`, so `e^−r = e^−(i+1)/64 · e^(j/4096) · e^w`: two tables (from the 192-bit
//!   `exp`), whose product, floored to 120 bits, is itself a table (`exp12`, made once), and the
//!   Taylor series of `e^w` to `w^8/8!` (Horner; its three inner steps in 64-bit words, as for
//!   `ln`).
//! - `V' = total·e^−r·2^−k`, the last product exact in 256 bits.
//!
//! # Error bound: `|V' − v| ≤ 2^−114·v`
//! Each truncation to 120 fraction bits costs at most `1u`. `ln x`: `(b−1)·ln 2` ≤ 1u (ln 2 held to
//! 2^−128, times at most 127); each table entry ≤ 1u (plus 2^−180 from the 192-bit source);
//! forming `m₁`, `m₂` ≤ 1u each in the value, so ≤ 1u each in the logarithm (`m ≥ 1`); the series:
//! tail `< x^10/10 < 2^−123`, Horner ≤ 2u over its outer steps; its inner steps in 64-bit words
//! leave `h₅` (the value the outer steps start from) within `2^−62`, which reaches the result
//! times `x^5 < 1.01·2^−60` (`x < 2^−12 + 2^−23`): below `1.01·2^−122`. So `ln x` is within
//! 7u + 2^−123 + 1.01·2^−122 < 8u, and
//! `l₁ = ln R − ln r` and `l₂ = ln S − ln s` within 16u each (a negative difference, possible only
//! within 16u of zero, is taken as zero, which is closer). `y = l₂ + α·(l₁ − l₂)`, one product:
//! `α` is held as `A = ⌊α·2^128⌋`, within 2^−128, which against `|l₁ − l₂| < 89` is under
//! 2^−121, plus 1u for the product's floor (`l₂ − ⌊A·(l₂ − l₁)/2^128⌋` when `l₁ < l₂`, never
//! below `l₁`); `A·l₁ + (2^128 − A)·l₂` keeps the 16u of the two, so `y` is within
//! `16u + 1u + 2^−121 < 19u`. `k·ln 2` is within 2u, so `r` is within 21u and `e^−r` within a
//! factor `e^(±21u)`. The tables `e^−(i+1)/64 ≥ e^−45/64 > 0.49` and `e^(j/4096) ≥ 1` are within
//! 1u (relative 2.1u and 1u); the series of `e^w` within 2u + 2^−122 (tail `< 2^−126`; the
//! inner steps' `h₅` within `2^−62`, times `w^5 < 2^−60`); the two products (the first that of
//! the two tables, made once into `exp12`, the second by the series) 1u each (relative ≤ 2.1u,
//! values above 0.49). In all the relative error is below
//! `21u + 2.1u + 1u + 2.25u + 4.2u + 2^−100u < 31u < 2^−115`, and the last product is exact: the
//! bound holds with a factor 2 to spare. The tests measure the estimate against the 192-bit path.
//!
//! # Why the result equals the reference's
//! `reward` widens `V'` to `[V'(1−2^−110), V'(1+2^−110)]` (16 times the bound), which holds `v`.
//! When both ends have the same floor `q`, no integer lies in `(v − 2^−111·v, v + 2^−111·v)`
//! except possibly the lower end itself, so `q = ⌊v⌋`. The reference's internal value is within
//! 2^12 of its 2^−192 ulps and its band 2^26 ulps of a mantissa in `(1/2, 2)`: its interval lies
//! inside `v·(1 ± 2^−164)`, inside ours, so it holds no integer above its lower end either and the
//! reference returns `⌊v⌋ = q` without its exact test. Otherwise (a grid point within about
//! `2^−110·v`: for `v < 2^70` units and values spread at random, one call in 2^39 or fewer;
//! always for a value that is an integer, as with shares `r/R = s/S`) `reward` calls
//! [`cobb_douglas`].

use ruint::aliases::U256;

use super::{E18, cobb_douglas, exponent_parts};
use crate::amount::Amount;
use crate::arith::{Rounding, mul_div};
use crate::dec::Dec;
use crate::error::{Error, Result};
use tables::{C1, C2, Tables, tables};

/// Fraction bits of the fast fixed point.
const F: u32 = 120;
/// `⌊ln 2·2^128⌋`.
const LN2_128: u128 = 0xb172_17f7_d1cf_79ab_c9e3_b398_03f2_f6af;
/// `⌊ln 2·2^120⌋`.
const LN2_F: u128 = LN2_128 >> 8;
/// `⌊2^60/ln 2⌋`: estimates `k = ⌊y/ln 2⌋`.
const INV_LN2_60: u128 = 0x1715_4765_2b82_fe17;
/// The widening of the estimate: `2^−110` relative (module doc).
const BAND_SHIFT: u32 = 110;
/// The widening of the first estimate: `2^−84` relative ([`quick`]: its error is below `2^−85.8`).
const QUICK_BAND_SHIFT: u32 = 84;
/// `⌊2^120/n⌋`, `n = 1..=4`: the outer steps of the series of `ln(1+x)` (index 0 unused).
const INV: [u128; 5] = {
    let mut t = [0u128; 5];
    let mut n = 1;
    while n < 5 {
        t[n] = (1u128 << F) / n as u128;
        n += 1;
    }
    t
};
/// `⌊2^64/n⌋`, `n = 5..=9`: the inner steps of the series of `ln(1+x)` (indexes below 5 unused).
const INV64: [u64; 10] = {
    let mut t = [0u64; 10];
    let mut n = 5;
    while n < 10 {
        t[n] = ((1u128 << 64) / n as u128) as u64;
        n += 1;
    }
    t
};
/// `⌊2^120/n!⌋`, `n = 0..=4`: the outer steps of the series of `e^w`.
const INV_FACT: [u128; 5] = {
    let mut t = [0u128; 5];
    let (mut n, mut f) = (0, 1u128);
    while n < 5 {
        if n > 0 {
            f *= n as u128;
        }
        t[n] = (1u128 << F) / f;
        n += 1;
    }
    t
};
/// `⌊2^64/n!⌋`, `n = 5..=8`: the inner steps of the series of `e^w` (indexes below 5 unused).
const INV_FACT64: [u64; 9] = {
    let mut t = [0u64; 9];
    let (mut n, mut f) = (1, 1u128);
    while n < 9 {
        f *= n as u128;
        if n >= 5 {
            t[n] = ((1u128 << 64) / f) as u64;
        }
        n += 1;
    }
    t
};

/// The reward of one epoch's relayers, with the epoch's constants taken once (module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CobbDouglas {
    alpha: Dec,
    /// `α·10^18`.
    p: u128,
    r_total: u128,
    s_total: u128,
    /// `⌊α·2^128⌋` (only for `0 < α < 1`).
    a: u128,
    /// `α` is 0 or 1: each reward is a plain share (of the stake or of the tickets).
    edge: bool,
    /// `ln R`, `ln S` at scale 2^120.
    ln_r_total: u128,
    ln_s_total: u128,
}

impl CobbDouglas {
    /// The epoch's constants. Errors as [`cobb_douglas`]: [`Error::DivisionByZero`] for a zero
    /// total, [`Error::InvalidParameter`] for `α > 1`.
    pub fn new(alpha: Dec, r_total: Amount, s_total: Amount) -> Result<CobbDouglas> {
        if r_total.is_zero() || s_total.is_zero() {
            return Err(Error::DivisionByZero { op: "cobb_douglas" });
        }
        let p = exponent_parts(alpha, "alpha")?;
        let a = if p == 0 || p == E18 {
            0
        } else {
            // p < 10^18 < 2^60: p·2^128 fits 256 bits and the quotient is below 2^128.
            let q = (U256::from(p) << 128) / U256::from(E18);
            u128::try_from(q).unwrap_or(u128::MAX)
        };
        Ok(CobbDouglas {
            alpha,
            p,
            r_total: r_total.0,
            s_total: s_total.0,
            a,
            edge: p == 0 || p == E18,
            ln_r_total: ln_int(r_total.0, tables()),
            ln_s_total: ln_int(s_total.0, tables()),
        })
    }

    /// `cobb_douglas(total, r, r_total, s, s_total, alpha)`, exactly. Errors:
    /// [`Error::InvalidParameter`] for `r > r_total` or `s > s_total`.
    pub fn reward(&self, total: Amount, r: Amount, s: Amount) -> Result<Amount> {
        let (rt, st) = (Amount(self.r_total), Amount(self.s_total));
        if r.0 > self.r_total || s.0 > self.s_total {
            // The reference reports the shares.
            return cobb_douglas(total, r, rt, s, st, self.alpha);
        }
        if self.edge {
            let (n, d) = if self.p == E18 { (r.0, rt.0) } else { (s.0, st.0) };
            return Ok(Amount(mul_div(total.0, n, d, Rounding::Down)?));
        }
        if r.is_zero() || s.is_zero() || total.is_zero() {
            return Ok(Amount::ZERO);
        }
        let [v] = self.rewards_ln([total], r, s, |s| ln_int(s, tables()))?;
        Ok(v)
    }

    /// The rewards of `totals` (several pools paid over the same tickets and stakes, e.g. an
    /// epoch's subsidy and its fees) to one relayer: `[reward(totals[k], r, s); N]`, exactly,
    /// with the relayer's two `ln` and its `exp` computed once for all the totals (the estimate
    /// `V'` of the module doc is `total·e^−r·2^−k`, the factor `e^−r·2^−k` the same for every
    /// total; each total's band test and fallback are its own).
    pub fn rewards<const N: usize>(
        &self,
        totals: [Amount; N],
        r: Amount,
        s: Amount,
    ) -> Result<[Amount; N]> {
        self.rewards_ln(totals, r, s, |s| ln_int(s, tables()))
    }

    /// [`CobbDouglas::rewards`] with `ln s` from `cache`'s slot `slot` (the relayer's): the same
    /// results, the logarithm computed only when the slot last saw another stake.
    pub fn rewards_cached<const N: usize>(
        &self,
        totals: [Amount; N],
        r: Amount,
        s: Amount,
        cache: &mut LnCache,
        slot: usize,
    ) -> Result<[Amount; N]> {
        self.rewards_ln(totals, r, s, |s| cache.ln(slot, s))
    }

    /// [`CobbDouglas::rewards_cached`] reading `cache` only (so that relayers can be paid from
    /// several threads): the same results, `ln s` computed here when slot `slot` holds another
    /// stake ([`LnCache::fill`] it first).
    pub fn rewards_read_cached<const N: usize>(
        &self,
        totals: [Amount; N],
        r: Amount,
        s: Amount,
        cache: &LnCache,
        slot: usize,
    ) -> Result<[Amount; N]> {
        self.rewards_ln(totals, r, s, |s| cache.read(slot, s))
    }

    #[inline(always)]
    fn rewards_ln<const N: usize>(
        &self,
        totals: [Amount; N],
        r: Amount,
        s: Amount,
        ln_s: impl FnOnce(u128) -> u128,
    ) -> Result<[Amount; N]> {
        let mut out = [Amount::ZERO; N];
        if !self.plain(r, s) {
            for (o, &total) in out.iter_mut().zip(&totals) {
                *o = self.reward(total, r, s)?;
            }
            return Ok(out);
        }
        let ln_s = ln_s(s.0);
        self.decide_all(totals, r, s, ln_s, self.factor_quick(r.0, ln_s))
    }

    /// Whether the reward of `r` tickets and stake `s` takes the estimates' path: `0 < α < 1`,
    /// both positive and within the epoch's totals (else [`CobbDouglas::reward`]'s other cases).
    #[inline(always)]
    fn plain(&self, r: Amount, s: Amount) -> bool {
        !(self.edge || r.0 > self.r_total || s.0 > self.s_total || r.is_zero() || s.is_zero())
    }

    /// Each of `totals`' reward from the first estimate's factor `quick` when its band
    /// decides, else from the 120-bit estimate (made once for all the totals), else the
    /// reference.
    #[inline(always)]
    fn decide_all<const N: usize>(
        &self,
        totals: [Amount; N],
        r: Amount,
        s: Amount,
        ln_s: u128,
        quick: Option<(u128, usize)>,
    ) -> Result<[Amount; N]> {
        let mut out = [Amount::ZERO; N];
        let mut fine = None;
        for (o, &total) in out.iter_mut().zip(&totals) {
            if total.is_zero() {
                *o = Amount::ZERO;
                continue;
            }
            let decided =
                quick.and_then(|(m, sh)| decide::<QUICK_BAND_SHIFT>(mul_full(total.0, m), sh));
            *o = match decided {
                Some(q) => Amount(q),
                None => {
                    let f = *fine.get_or_insert_with(|| self.factor_ln(r.0, ln_s));
                    self.finish(total, r, s, f)?
                }
            };
        }
        Ok(out)
    }

    /// `⌊v⌋` from the factor `f` when the band test decides it, else the reference (`r`, `s`,
    /// `total` positive and within the totals).
    #[inline(always)]
    fn finish(
        &self,
        total: Amount,
        r: Amount,
        s: Amount,
        f: Option<(u128, usize)>,
    ) -> Result<Amount> {
        match f.and_then(|(m, shift)| decide::<BAND_SHIFT>(mul_full(total.0, m), shift)) {
            Some(q) => Ok(Amount(q)),
            None => self.reference(total, r, s),
        }
    }

    /// The reference's result (the rare undecided call, module doc).
    #[cold]
    #[inline(never)]
    fn reference(&self, total: Amount, r: Amount, s: Amount) -> Result<Amount> {
        let (rt, st) = (Amount(self.r_total), Amount(self.s_total));
        cobb_douglas(total, r, rt, s, st, self.alpha)
    }

    /// `V'·2^shift` as an integer `X` (module doc), or `None` outside the tables (never, by the
    /// bounds of the module doc: a guard).
    #[cfg(test)]
    pub(crate) fn estimate(&self, total: u128, r: u128, s: u128) -> Option<(U256, usize)> {
        let (m, shift) = self.factor(r, s)?;
        Some((U256::from(total) * U256::from(m), shift))
    }

    /// `⌊v⌋` when the widened estimate decides it, else `None` (module doc).
    #[cfg(test)]
    pub(crate) fn decide(&self, total: u128, r: u128, s: u128) -> Option<u128> {
        let (m, shift) = self.factor(r, s)?;
        decide::<BAND_SHIFT>(mul_full(total, m), shift)
    }

    /// The first estimate ([`quick`]) as `(X, shift)`, `V₁ = X/2^shift`.
    #[cfg(test)]
    pub(crate) fn estimate_quick(&self, total: u128, r: u128, s: u128) -> Option<(U256, usize)> {
        let (m, shift) = self.factor_quick(r, ln_int(s, tables()))?;
        Some((U256::from(total) * U256::from(m), shift))
    }

    /// `⌊v⌋` when the first estimate's band decides it, else `None`.
    #[cfg(test)]
    pub(crate) fn decide_quick(&self, total: u128, r: u128, s: u128) -> Option<u128> {
        let (m, shift) = self.factor_quick(r, ln_int(s, tables()))?;
        decide::<QUICK_BAND_SHIFT>(mul_full(total, m), shift)
    }

    /// The factor `e^−r` (scale 2^120, below 2^120) and the shift `120 + k` of the module doc:
    /// `X = total·m`, `V' = X/2^shift`. `None` outside the tables (never: a guard).
    #[cfg(test)]
    fn factor(&self, r: u128, s: u128) -> Option<(u128, usize)> {
        self.factor_ln(r, ln_int(s, tables()))
    }

    /// [`CobbDouglas::factor`] with `ln s` (scale 2^120) given: taken only when the first
    /// estimate's band does not decide.
    #[cold]
    #[inline(never)]
    fn factor_ln(&self, r: u128, ln_s: u128) -> Option<(u128, usize)> {
        let t = tables();
        let (k, r_) = split_ln2(self.exponent(ln_int(r, t), ln_s))?;
        let i = (r_ >> (F - 6)) as usize;
        let w = ((i as u128 + 1) << (F - 6)) - r_;
        let j = (w >> (F - 12)) as usize;
        let w = w & ((1u128 << (F - 12)) - 1);
        // h_n = 1/n! + w·h_{n+1}: the steps n = 7, 6, 5 in 64-bit words (module doc).
        let w64 = (w >> (F - 64)) as u64;
        let mut h64 = INV_FACT64[8];
        for n in (5..8).rev() {
            h64 = INV_FACT64[n] + mul64(w64, h64);
        }
        let mut h = u128::from(h64) << (F - 64);
        for n in (0..5).rev() {
            h = INV_FACT[n] + mul_f(w, h);
        }
        let m = mul_f(*t.exp12.get(i)?.get(j)?, h);
        Some((m, F as usize + usize::try_from(k).ok()?))
    }

    /// The first estimate's factor and shift, as [`CobbDouglas::factor_ln`]'s ([`quick`]).
    #[inline(always)]
    fn factor_quick(&self, r: u128, ln_s: u128) -> Option<(u128, usize)> {
        let t = tables();
        let (k, r_) = split_ln2(self.exponent(quick::ln_int(r, t), ln_s))?;
        let m = quick::exp_neg(r_, t)?;
        Some((m, F as usize + usize::try_from(k).ok()?))
    }

    /// `y = α·(ln R − ln r) + (1−α)·(ln S − ln s)` from `ln r` and `ln s` (scale 2^120; a
    /// negative difference, possible only within the logarithms' errors of zero, taken as zero),
    /// as `l₂ + α·(l₁ − l₂)` with one product (module doc): never below `min(l₁, l₂) ≥ 0`.
    #[inline(always)]
    fn exponent(&self, ln_r: u128, ln_s: u128) -> u128 {
        let l1 = self.ln_r_total.saturating_sub(ln_r);
        let l2 = self.ln_s_total.saturating_sub(ln_s);
        // Without a branch on the sign of l₁ − l₂ (a coin toss a relayer): negated by the mask.
        let mask = 0u128.wrapping_sub(u128::from(l1 < l2));
        let d = (l1.wrapping_sub(l2) ^ mask).wrapping_sub(mask);
        let m = mul_hi(d, self.a);
        l2.wrapping_add((m ^ mask).wrapping_sub(mask))
    }
}

/// `(k, r)` with `y = k·ln 2 + r`, `r ∈ [0, ln 2)` (scale 2^120; `k·ln 2` within 2u), or `None`
/// out of range (never: a guard).
#[inline(always)]
fn split_ln2(y: u128) -> Option<(u128, u128)> {
    // k_est ∈ {⌊y/ln 2⌋ − 1, ⌊y/ln 2⌋}; then at most one step either way.
    // y < 89·2^120 (the logarithms of u128 values), so k < 129.
    let mut k = (((y >> 60) * INV_LN2_60) >> F) as u64;
    let mut r = y.checked_sub(ln2_times(k));
    if r.is_some_and(|v| v >= LN2_F) {
        k += 1;
        r = y.checked_sub(ln2_times(k));
    }
    let r = match r {
        Some(v) => v,
        None => {
            k = k.checked_sub(1)?;
            y.checked_sub(ln2_times(k))?
        }
    };
    Some((u128::from(k), r))
}

/// The `ln` of values kept by slot (a relayer's stake, which stays the same from epoch to epoch
/// unless it acts), recomputed only when a slot is asked for another value: what
/// [`CobbDouglas::rewards_cached`] reads. A cache, not state: whatever it holds, the results
/// are the same (each entry is a pure function of its value).
#[derive(Clone, Debug, Default)]
pub struct LnCache {
    /// `(x, ln x)` by slot (`(0, 0)` is `ln 0`'s entry: what a new slot holds).
    slots: Vec<(u128, u128)>,
}

impl LnCache {
    /// `ln x` (scale 2^120) for slot `slot`.
    #[inline]
    fn ln(&mut self, slot: usize, x: u128) -> u128 {
        if slot >= self.slots.len() {
            self.slots.resize(slot + 1, (0, 0));
        }
        let e = &mut self.slots[slot];
        if e.0 != x {
            *e = (x, ln_int(x, tables()));
        }
        e.1
    }

    /// Makes slot `slot` hold `ln x` (computed only when it held another value).
    pub fn fill(&mut self, slot: usize, x: u128) {
        self.ln(slot, x);
    }

    /// `ln x` for slot `slot`, from the slot when it holds `x`, else computed (and not kept).
    #[inline]
    fn read(&self, slot: usize, x: u128) -> u128 {
        match self.slots.get(slot) {
            Some(&(held, ln)) if held == x => ln,
            _ => ln_int(x, tables()),
        }
    }
}

/// `⌊X/2^shift⌋` when the band `X·(1 ± 2^−BS)` around the estimate holds no other floor, else
/// `None` (module doc); `X` given as its `(high, low)` 128-bit halves.
#[inline(always)]
fn decide<const BS: u32>((h, l): (u128, u128), shift: usize) -> Option<u128> {
    const { assert!(BS > 0 && BS < 128) };
    // band = ⌊X/2^BS⌋ + 1, as halves (the sum cannot carry out: X/2^BS < 2^(256−BS)).
    let (bl, c) = ((h << (128 - BS)) | (l >> BS)).overflowing_add(1);
    let bh = (h >> BS) + u128::from(c);
    // X − band and X + band, each `None` outside 0..2^256.
    let (ll, borrow) = l.overflowing_sub(bl);
    let lh = h.checked_sub(bh)?.checked_sub(u128::from(borrow))?;
    let (hl, carry) = l.overflowing_add(bl);
    let hh = h.checked_add(bh)?.checked_add(u128::from(carry))?;
    let lo = shr_pair(lh, ll, shift);
    if lo == shr_pair(hh, hl, shift) { Some(lo.1) } else { None }
}

/// `(h·2^128 + l) >> s` as halves, for `s < 256`.
#[inline(always)]
fn shr_pair(h: u128, l: u128, s: usize) -> (u128, u128) {
    match s {
        0 => (h, l),
        1..=127 => (h >> s, (h << (128 - s)) | (l >> s)),
        128..=255 => (0, h >> (s - 128)),
        _ => (0, 0),
    }
}

/// The two table steps of `ln x` for `x ≥ 1` (module doc): `(ln(x/m₂), m₂)`, `m₂` at scale
/// 2^120 in `[1, 1 + 2^−12 + 2^−23)` and `ln(x/m₂) = (b−1)·ln 2 + ln(1/c₁) + ln(1/c₂)`.
#[inline(always)]
fn reduce_ln(x: u128, t: &Tables) -> (u128, u128) {
    let b = 128 - x.leading_zeros();
    // m = mm/2^127 ∈ [1, 2).
    let mm = x << (128 - b);
    let i = ((mm >> 121) & 63) as usize;
    let (hi, lo) = mul_small(mm, C1[i]);
    // m₁ = m·c₁ at 2^120: mm·C₁ / 2^(127 + 16 − 120).
    let m1 = (hi << 105) | (lo >> 23);
    let j = ((m1 - (1u128 << F)) >> (F - 12)).min(64) as usize;
    let (hi, lo) = mul_small(m1, C2[j]);
    let m2 = (hi << 104) | (lo >> 24);
    (ln2_times(u64::from(b - 1)) + t.ln1[i] + t.ln2[j], m2)
}

/// `ln x` at scale 2^120 for `x ≥ 1` (module doc; 0 for `x = 0`, never used).
fn ln_int(x: u128, t: &Tables) -> u128 {
    if x == 0 {
        return 0;
    }
    let (base, m2) = reduce_ln(x, t);
    let x2 = m2 - (1u128 << F);
    // ln(1+x) = x·(1 − x·(1/2 − x·(1/3 − …(1/8 − x/9))))
    // h_n = 1/n − x·h_{n+1}: the steps n = 8, 7, 6, 5 in 64-bit words (module doc).
    let x64 = (x2 >> (F - 64)) as u64;
    let mut h64 = INV64[9];
    for n in (5..9).rev() {
        h64 = INV64[n] - mul64(x64, h64);
    }
    let mut h = u128::from(h64) << (F - 64);
    for n in (1..5).rev() {
        h = INV[n] - mul_f(x2, h);
    }
    base + mul_f(x2, h)
}

/// `⌊k·ln 2·2^120⌋` from the 128-bit constant (`k < 2^8`; a 64-bit `k`, so that each product
/// is two multiplies, not three).
#[inline(always)]
fn ln2_times(k: u64) -> u128 {
    let k = u128::from(k);
    k * LN2_F + ((k * (LN2_128 & 0xff)) >> 8)
}

/// `a·b` as `(high, low)` 128-bit halves.
#[inline(always)]
fn mul_full(a: u128, b: u128) -> (u128, u128) {
    // The halves as `u64`, so that each partial product is one 64×64→128 multiply.
    let (a1, a0) = ((a >> 64) as u64, a as u64);
    let (b1, b0) = ((b >> 64) as u64, b as u64);
    let wide = |x: u64, y: u64| u128::from(x) * u128::from(y);
    let (p00, p01, p10, p11) = (wide(a0, b0), wide(a0, b1), wide(a1, b0), wide(a1, b1));
    let mask = u128::from(u64::MAX);
    let mid = (p00 >> 64) + (p01 & mask) + (p10 & mask);
    ((p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64)), (p00 & mask) | (mid << 64))
}

/// `a·c` as `(high, low)` 128-bit halves, for `c < 2^64` (the reduction constants): two
/// partial products instead of four.
#[inline(always)]
fn mul_small(a: u128, c: u64) -> (u128, u128) {
    let wide = |x: u64| u128::from(x) * u128::from(c);
    let (p0, p1) = (wide(a as u64), wide((a >> 64) as u64));
    // p1 + ⌊p0/2^64⌋ ≤ (2^64 − 1)^2 + 2^64 − 1 < 2^128.
    let mid = p1 + (p0 >> 64);
    (mid >> 64, (p0 & u128::from(u64::MAX)) | (mid << 64))
}

/// `⌊a·b/2^120⌋` (the result below 2^128 by the callers' bounds).
#[inline(always)]
fn mul_f(a: u128, b: u128) -> u128 {
    let (hi, lo) = mul_full(a, b);
    (hi << (128 - F)) | (lo >> F)
}

/// `⌊a·b/2^64⌋` (64-bit fixed point).
#[inline(always)]
fn mul64(a: u64, b: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) >> 64) as u64
}

/// `⌊a·b/2^128⌋`.
#[inline(always)]
fn mul_hi(a: u128, b: u128) -> u128 {
    mul_full(a, b).0
}

mod pair;
mod quick;
mod tables;
#[cfg(test)]
mod tests;
