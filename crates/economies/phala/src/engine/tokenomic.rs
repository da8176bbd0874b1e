//! The tokenomic arithmetic (spec: shared/spec/phala.md, "Numbers" and "Worker lifecycle"):
//! confidence scores, the minimum stake, the initial value Ve, and one worker's [`Tokenomic`]
//! record with the gatekeeper's per-block updates — idle growth, slash, share, instant
//! performance and the heartbeat payout.
//!
//! Everything is [`U64F64`] with truncating operations in the live code's operation order
//! (Phala's `computation` pallet for the stake and Ve, the gatekeeper's `tokenomic` module for
//! the rest); docs/economies/phala.md lists each formula with its order and quirks.

use ergon_core::{Amount, Error as CoreError, FixedDivisor, U64F64};
use serde::{Deserialize, Serialize};

use crate::params::{Params, Profile};

/// Base units per PHA (12 decimals).
pub const PICO: u128 = 1_000_000_000_000;

type Fx = std::result::Result<U64F64, CoreError>;

/// 0.8, 0.7 and 1.2 as the `fixed` crate parses them (to nearest): the raw bits, so that no
/// hot path parses a literal (tokenomic_tests.rs checks each against the parser).
pub(crate) const POINT_8: U64F64 = U64F64::from_bits(14_757_395_258_967_641_293);
pub(crate) const POINT_7: U64F64 = U64F64::from_bits(12_912_720_851_596_686_131);
pub(crate) const ONE_POINT_2: U64F64 = U64F64::from_bits(22_136_092_888_451_461_939);

/// The gatekeeper's confidence score, used in shares: levels 1, 2, 3 and 128 → 1, 4 → 0.8,
/// 5 → 0.7, any other level → 0.
#[must_use]
pub fn conf_score_gk(level: u8) -> U64F64 {
    match level {
        1..=3 | 128 => U64F64::ONE,
        4 => POINT_8,
        5 => POINT_7,
        _ => U64F64::ZERO,
    }
}

/// The computation pallet's confidence score, used in Ve: levels 1–3 → 1, 4 → 0.8, 5 → 0.7,
/// any other level → 1 (the table's first entry).
#[must_use]
pub fn conf_score_pallet(level: u8) -> U64F64 {
    match level {
        4 => POINT_8,
        5 => POINT_7,
        _ => U64F64::ONE,
    }
}

/// The confidence score a profile uses for shares.
#[must_use]
pub fn share_score(profile: Profile, level: u8) -> U64F64 {
    match profile {
        Profile::Khala => conf_score_gk(level),
        Profile::Paper => conf_score_pallet(level),
    }
}

/// `k·√P` in PHA base units. khala: `k × sqrt(P)` with the 32-fraction-bit square root, then
/// the 48-fraction-bit balance conversion (floor), as the pallet. paper: the exact value rounded
/// up, so that a stake meets it exactly when `S ≥ k·√P` (the spec's rule): the smallest `n`
/// with `n·2^64 ≥ √X`, `X = k_bits²·P·10^24` (`k` = `k_bits`/2^64, `n` in 10^−12 PHA).
pub fn minimum_stake(params: &Params, p: u32) -> std::result::Result<Amount, CoreError> {
    if params.profile == Profile::Paper {
        use ruint::aliases::U512;
        let x = U512::from(params.k.to_bits()).pow(U512::from(2u8))
            * U512::from(p)
            * U512::from(PICO).pow(U512::from(2u8));
        let floor = x.root(2);
        let root = if floor * floor < x { floor + U512::ONE } else { floor };
        let n = (root + U512::from(u64::MAX)) >> 64;
        return u128::try_from(n)
            .map(Amount)
            .map_err(|_| CoreError::Overflow { op: "minimum_stake" });
    }
    let root = U64F64::from_int(u64::from(p)).sqrt();
    params.k.mul(root)?.to_balance(PICO).map(Amount)
}

/// The rig cost `rig_k·P + rig_b`, PHA.
pub fn rig_cost(params: &Params, p: u32) -> Fx {
    params.rig_k.mul(U64F64::from_int(u64::from(p)))?.checked_add(params.rig_b)
}

/// `Ve = ((re − 1)·conf + 1)·(S + rig_k·P + rig_b)`, with the pallet's confidence table and the
/// stake converted through 48 fraction bits.
pub fn ve(params: &Params, stake: Amount, p: u32, level: u8) -> Fx {
    let tweaked = params.re.checked_sub(U64F64::ONE)?.mul(conf_score_pallet(level))?;
    let tweaked = tweaked.checked_add(U64F64::ONE)?;
    let s = U64F64::from_balance(stake.0, PICO)?;
    tweaked.mul(s.checked_add(rig_cost(params, p)?)?)
}

/// One worker's tokenomic record: the gatekeeper's `TokenomicInfo` fields that the economics
/// read. Raw 64.64 values. The four fields an idle block reads and writes come first, in one
/// 64-byte cache line (`repr(C, align(64))`), so the block pass streams a quarter of the record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[repr(C, align(64))]
pub struct Tokenomic {
    /// V.
    pub v: U64F64,
    /// Growth since the last payout (`v_deductible`; the gatekeeper's `payable`).
    pub payable: U64F64,
    /// Cached `cost_k·p_bench + cost_b` (fixed from a worker's start to its stop).
    pub cost_idle: U64F64,
    /// Cached `p_instant / p_bench` (1 when p_bench is 0), refreshed with P.
    pub perf: U64F64,
    /// The last share the block pass computed, with the V and P term it belongs to. Not
    /// saved: a cache only (its value never changes a result), read back empty, which is
    /// valid (V = 0, P term = 0, share = 0) and refilled at the next share computed.
    #[serde(skip)]
    pub cache: ShareCache,
    /// Cached `(2·p_instant·conf)²`, refreshed with P.
    pub p_term: U64F64,
    /// Ve, the value at start.
    pub v_init: U64F64,
    /// The benchmark score at start.
    pub p_bench: U64F64,
    /// The instant performance, updated by heartbeats.
    pub p_instant: U64F64,
    /// The confidence score used in shares.
    pub conf: U64F64,
    /// The iteration counter the last heartbeat reported.
    pub iteration_last: u64,
    /// The time of the last answered challenge (or of the start), ms.
    pub challenge_time_last: u64,
    /// The block of the last payout (or of the start).
    pub v_update_block: u32,
}

/// A worker's share as last computed, keyed by the raw V and P term it was computed from:
/// valid exactly while both are unchanged, so using it gives the same bits as
/// [`Tokenomic::share`]. A cache, not state: any two compare equal.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShareCache {
    v: u128,
    p_term: u128,
    share: u128,
}

impl PartialEq for ShareCache {
    fn eq(&self, _: &ShareCache) -> bool {
        true
    }
}

impl Eq for ShareCache {}

/// The raw bits of [`U64F64::mul`] (the same operations), inlined for the block pass; `None`
/// where it overflows.
#[inline(always)]
#[must_use]
pub fn mul_bits(a: u128, b: u128) -> Option<u128> {
    const LOW: u128 = u64::MAX as u128;
    let (ah, al, bh, bl) = (a >> 64, a & LOW, b >> 64, b & LOW);
    let high = ah * bh;
    if high >> 64 != 0 {
        return None;
    }
    (high << 64).checked_add(ah * bl)?.checked_add(al * bh)?.checked_add((al * bl) >> 64)
}

/// What one heartbeat settles: the worker's payout and the treasury's part, PHA.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settle {
    /// To the worker (its operator or pool).
    pub payout: U64F64,
    /// To the treasury.
    pub treasury: U64F64,
    /// The budget the two come from (`share / Σshare × budget_per_block × blocks`): paper
    /// pays it in pico and splits it there (`Phala::heartbeat`).
    pub budget: U64F64,
}

/// `⌊a·b / 2^64⌋` for `a < 2^64`: the same bits as [`mul_bits`], in two 64-bit products;
/// never overflows (at most (2^64 − 1)² + 2^64 − 1 < 2^128).
#[inline(always)]
#[allow(clippy::cast_possible_truncation, reason = "the low 64 bits, on purpose")]
pub(crate) fn mul_u64(a: u64, b: u128) -> u128 {
    let a = u128::from(a);
    a * u128::from((b >> 64) as u64) + ((a * u128::from(b as u64)) >> 64)
}

/// `a × b` on raw bits, through [`mul_u64`] when either factor is below 1.0 (2^64 bits).
#[inline(always)]
#[allow(clippy::cast_possible_truncation, reason = "checked below 2^64")]
pub(crate) fn mul_fast(a: u128, b: u128) -> Option<u128> {
    if a >> 64 == 0 {
        Some(mul_u64(a as u64, b))
    } else if b >> 64 == 0 {
        Some(mul_u64(b as u64, a))
    } else {
        mul_bits(a, b)
    }
}

/// `v × v` on raw bits: the same bits as [`mul_bits`]`(v, v)`, in three 64-bit products when
/// V < 2^31 (always: V ≤ v_max ≤ 10^9), so `(h²)·2^64 + 2·h·l + ⌊l²/2^64⌋ < 2^127`.
#[inline(always)]
#[allow(clippy::cast_possible_truncation, reason = "the halves, on purpose")]
pub(crate) fn square_bits(v: u128) -> Option<u128> {
    let (h, l) = (v >> 64, u128::from(v as u64));
    if h >> 31 != 0 {
        return mul_bits(v, v);
    }
    Some(((h * h) << 64) + 2 * (h * l) + ((l * l) >> 64))
}

/// `√(V² + p_term)` on raw bits, the same bits as [`Tokenomic::share`].
#[inline(always)]
fn share_bits(v: u128, p_term: u128) -> Option<u128> {
    let square = square_bits(v)?.checked_add(p_term)?;
    // isqrt(bits) < 2^64, so the shift cannot overflow.
    Some(isqrt(square) << 32)
}

impl Tokenomic {
    /// A record at start: V = Ve, P's both equal to the benchmark score.
    ///
    /// The cached terms (`cost_idle`, `perf`, `p_term`) are the very operations the
    /// gatekeeper repeats each block, done once when their inputs change: bit-identical.
    pub fn start(
        params: &Params,
        ve: U64F64,
        p: u32,
        conf: U64F64,
        block: u32,
        now_ms: u64,
    ) -> std::result::Result<Tokenomic, CoreError> {
        let p = U64F64::from_int(u64::from(p));
        let mut t = Tokenomic {
            v: ve,
            v_init: ve,
            payable: U64F64::ZERO,
            p_bench: p,
            p_instant: p,
            v_update_block: block,
            iteration_last: 0,
            challenge_time_last: now_ms,
            conf,
            cost_idle: params.cost_k.mul(p)?.checked_add(params.cost_b)?,
            perf: U64F64::ONE,
            p_term: U64F64::ZERO,
            cache: ShareCache::default(),
        };
        t.refresh_p()?;
        Ok(t)
    }

    /// Recomputes the terms that depend on `p_instant`.
    fn refresh_p(&mut self) -> std::result::Result<(), CoreError> {
        self.perf =
            if self.p_bench.is_zero() { U64F64::ONE } else { self.p_instant.div(self.p_bench)? };
        let term = U64F64::from_int(2).mul(self.p_instant)?.mul(self.conf)?;
        self.p_term = term.mul(term)?;
        Ok(())
    }

    /// One idle block: `ΔV = (p_instant/p_bench)·((ρ − 1)·V + cost_k·p_bench + cost_b)`,
    /// `V = min(V + ΔV, v_max)`, `payable += ΔV` (all of ΔV, even when the cap cuts V).
    /// `rho_m1` is `ρ − 1`, computed once per block by the caller; the cost and performance
    /// terms are the cached `cost_idle` and `perf`.
    pub fn update_v_idle(
        &mut self,
        params: &Params,
        rho_m1: U64F64,
    ) -> std::result::Result<(), CoreError> {
        let growth = rho_m1.mul(self.v)?.checked_add(self.cost_idle)?;
        let delta = self.perf.mul(growth)?;
        self.v = self.v.checked_add(delta)?.min(params.v_max);
        self.payable = self.payable.checked_add(delta)?;
        Ok(())
    }

    /// One unresponsive block: `V −= V·slash_rate`; khala `payable = 0` (the gatekeeper's
    /// `update_v_slash`), paper keeps it (the spec's `v_deductible` resets only at a payout,
    /// so the growth before an outage is still taken off V at the next one). Returns the
    /// slash.
    pub fn update_v_slash(&mut self, params: &Params) -> Fx {
        let slash = self.v.mul(params.slash_rate)?;
        self.v = self.v.checked_sub(slash)?;
        if params.profile == Profile::Khala {
            self.payable = U64F64::ZERO;
        }
        Ok(slash)
    }

    /// One idle block and the new share, on raw bits: the same bits as
    /// [`Tokenomic::update_v_idle`] then [`Tokenomic::share`], inlined, with the share taken
    /// from the cache when V and the P term are unchanged. `None` (and nothing changed) where
    /// the plain path would report an overflow. `v_max` and `rho_m1` are raw bits.
    #[inline(always)]
    pub fn idle_block_share(&mut self, v_max: u128, rho_m1: u128) -> Option<u128> {
        let (v, payable) = self.grown(v_max, rho_m1)?;
        let p_term = self.p_term.to_bits();
        let share = if self.cache.v == v && self.cache.p_term == p_term {
            self.cache.share
        } else {
            let share = share_bits(v, p_term)?;
            // A V that grew will differ next block: only one held at the cap is worth keeping.
            if v == v_max {
                self.cache = ShareCache { v, p_term, share };
            }
            share
        };
        self.v = U64F64::from_bits(v);
        self.payable = U64F64::from_bits(payable);
        Some(share)
    }

    /// One idle block on raw bits, without the share: the same bits as
    /// [`Tokenomic::update_v_idle`]. `None` (and nothing changed) where it would overflow.
    #[inline(always)]
    pub fn idle_block(&mut self, v_max: u128, rho_m1: u128) -> Option<()> {
        let (v, payable) = self.grown(v_max, rho_m1)?;
        self.v = U64F64::from_bits(v);
        self.payable = U64F64::from_bits(payable);
        Some(())
    }

    /// V and payable after one idle block, raw bits.
    #[inline(always)]
    fn grown(&self, v_max: u128, rho_m1: u128) -> Option<(u128, u128)> {
        let v = self.v.to_bits();
        let growth = mul_fast(rho_m1, v)?.checked_add(self.cost_idle.to_bits())?;
        let delta = mul_fast(self.perf.to_bits(), growth)?;
        let payable = self.payable.to_bits().checked_add(delta)?;
        Some((v.checked_add(delta)?.min(v_max), payable))
    }

    /// The share's raw bits, from the cache when V and the P term are unchanged (then no
    /// square root); the same bits as [`Tokenomic::share`]. `None` where it would overflow.
    #[inline(always)]
    pub fn cached_share(&mut self) -> Option<u128> {
        self.share_of(self.v.to_bits())
    }

    #[inline(always)]
    fn share_of(&mut self, v: u128) -> Option<u128> {
        let p_term = self.p_term.to_bits();
        if self.cache.v == v && self.cache.p_term == p_term {
            return Some(self.cache.share);
        }
        let share = share_bits(v, p_term)?;
        self.cache = ShareCache { v, p_term, share };
        Some(share)
    }

    /// `√(V² + (2·p_instant·conf)²)` with the 32-fraction-bit square root
    /// ([`U64F64::sqrt`], computed by [`isqrt`]: the same bits, faster).
    pub fn share(&self) -> Fx {
        let square = self.v.mul(self.v)?.checked_add(self.p_term)?;
        // isqrt(bits) < 2^64, so the shift cannot overflow.
        Ok(U64F64::from_bits(isqrt(square.to_bits()) << 32))
    }

    /// The instant performance from a heartbeat at `now_ms` reporting `iterations`: iterations
    /// per 6 s since the last answered challenge, at most 1.2 × the benchmark. A counter that
    /// went backwards restarts from it (p = 0). Leaves P unchanged when `now_ms` is not after
    /// the last challenge.
    pub fn update_p_instant(
        &mut self,
        now_ms: u64,
        iterations: u64,
    ) -> std::result::Result<(), CoreError> {
        if now_ms <= self.challenge_time_last {
            return Ok(());
        }
        if iterations < self.iteration_last {
            self.iteration_last = iterations;
        }
        // Whole seconds (challenges come at 12-second blocks): ⌊ms·2^64/1000⌋ = (ms/1000)·2^64.
        let ms = now_ms - self.challenge_time_last;
        let dt = if ms.is_multiple_of(1000) {
            U64F64::from_int(ms / 1000)
        } else {
            U64F64::from_int(ms).div_int(1000)?
        };
        let p = U64F64::from_int(iterations - self.iteration_last).div(dt)?.mul_int(6)?;
        self.p_instant = p.min(self.p_bench.mul(ONE_POINT_2)?);
        self.refresh_p()
    }

    /// A heartbeat's settlement at `block` with the block-start Σshare `sum_share`.
    ///
    /// Nothing is paid (and nothing changes) when Σshare or the share is zero, when (khala,
    /// the gatekeeper's rule) `payable` is, or when the worker was already settled in this
    /// block. (paper pays the budget's share of the blocks since the last payout whatever V
    /// grew: spec "a worker is paid on its heartbeat: budget × share/Σshare × blocks since its
    /// last payout".) Otherwise the budget is
    /// `share / Σshare × budget_per_block × blocks` (left to right, each step truncating),
    /// `to_payout = budget × payout_ratio`, `to_treasury = budget × treasury_ratio`, and:
    /// - khala without `phala_launched` (the gatekeeper's legacy rule): the payout is
    ///   `min(payable, to_payout)` and the treasury `(payout / to_payout) × to_treasury`;
    ///   `V −= payout`;
    /// - paper, and khala with `phala_launched`: the payout is `to_payout`, the treasury
    ///   `to_treasury`; `V −= min(payable, payout)`.
    ///
    /// Then `payable = 0` and the last payout block is `block`.
    pub fn update_v_heartbeat(
        &mut self,
        params: &Params,
        sum_share: U64F64,
        block: u32,
    ) -> std::result::Result<Settle, CoreError> {
        let sum = if sum_share.is_zero() { None } else { Some(FixedDivisor::new(sum_share)?) };
        self.update_v_heartbeat_by(params, sum.as_ref(), block)
    }

    /// [`Tokenomic::update_v_heartbeat`] with Σshare prepared as a divisor (`None`: zero), the
    /// same bits.
    pub fn update_v_heartbeat_by(
        &mut self,
        params: &Params,
        sum_share: Option<&FixedDivisor>,
        block: u32,
    ) -> std::result::Result<Settle, CoreError> {
        let Some(sum_share) = sum_share else { return Ok(Settle::default()) };
        let no_growth = self.payable.is_zero() && params.profile == Profile::Khala;
        if no_growth || block <= self.v_update_block {
            return Ok(Settle::default());
        }
        let share = self.share()?;
        if share.is_zero() {
            return Ok(Settle::default());
        }
        let blocks = U64F64::from_int(u64::from(block - self.v_update_block));
        let budget = share.div_by(sum_share)?.mul(params.budget_per_block)?.mul(blocks)?;
        let to_payout = budget.mul(params.payout_ratio)?;
        let to_treasury = budget.mul(params.treasury_ratio)?;
        let settle = match params.profile {
            Profile::Khala if !params.phala_launched => {
                let payout = self.payable.min(to_payout);
                // The gatekeeper divides by `to_payout` unguarded; it is zero only when the
                // budget is, and then nothing is paid.
                let treasury = if to_payout.is_zero() {
                    U64F64::ZERO
                } else {
                    payout.div(to_payout)?.mul(to_treasury)?
                };
                self.v = self.v.checked_sub(payout)?;
                Settle { payout, treasury, budget }
            }
            Profile::Khala => {
                self.v = self.v.checked_sub(self.payable.min(to_payout))?;
                Settle { payout: to_payout, treasury: to_treasury, budget }
            }
            // paper keeps `payable` through slashes, so a slashed V may hold less than the
            // growth to take off: V stops at zero.
            Profile::Paper => {
                self.v = self.v.checked_sub(self.payable.min(to_payout).min(self.v))?;
                Settle { payout: to_payout, treasury: to_treasury, budget }
            }
        };
        self.payable = U64F64::ZERO;
        self.v_update_block = block;
        Ok(settle)
    }
}

#[cfg(test)]
#[path = "tokenomic_tests.rs"]
mod tests;

/// The integer square root `⌊√n⌋`, exactly `u128::isqrt`: below 2^104 (in raw 64.64 bits,
/// V² + p_term for V up to about 2^19, so every share under the Khala v_max of 30 000) a
/// double-precision estimate, whose error is then under 2, corrected by exact integer
/// comparisons; from 2^104 on, `u128::isqrt`.
#[must_use]
#[inline(always)]
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    reason = "an estimate only: the result is corrected exactly below"
)]
pub fn isqrt(n: u128) -> u128 {
    if n >> 104 != 0 {
        return n.isqrt();
    }
    // n < 2^104: the high half is below 2^40 and half the low one below 2^63, so both convert
    // as signed integers (one instruction each); dropping the lowest bit moves the estimate
    // by far less than its rounding. √n < 2^52, so r converts back exactly and r + 1 squared
    // fits a u128 (a 64 × 64-bit product).
    let (hi, lo) = ((n >> 64) as i64, ((n as u64) >> 1) as i64);
    let estimate = hi as f64 * 18_446_744_073_709_551_616.0 + lo as f64 * 2.0;
    let mut r = estimate.sqrt() as i64 as u64;
    let square = |r: u64| u128::from(r) * u128::from(r);
    while square(r) > n {
        r -= 1;
    }
    while square(r + 1) <= n {
        r += 1;
    }
    u128::from(r)
}
