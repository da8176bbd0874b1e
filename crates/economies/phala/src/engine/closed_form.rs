//! Many blocks of one worker at once (spec: shared/spec/phala.md, "Worker lifecycle"; the
//! `paper` profile's lazy close, [`crate::lazy`]): n idle blocks of the recurrence
//! `V_{k+1} = a·V_k + b` with `a = 1 + perf·(ρ − 1)` and `b = perf·(cost_k·p_bench + cost_b)`,
//! capped at v_max, and n unresponsive blocks `V·(1 − slash_rate)^n`.
//!
//! The closed form `V_n = a^n·V_0 + b·(a^n − 1)/(a − 1)` is evaluated without a division, by a
//! doubling table: `P_j = a^(2^j)` and `G_j = Σ_{i<2^j} a^i = (a^(2^j) − 1)/(a − 1)`, with
//! `P_{j+1} = P_j²` and `G_{j+1} = G_j + P_j·G_j`; a step of 2^j blocks is
//! `V ← P_j·V + G_j·b`. The steps are taken from the largest down while V stays below v_max
//! (V only grows: a ≥ 1, b ≥ 0), which finds the last block before the cap in O(log n)
//! multiplies; the block that reaches the cap and the blocks after it use the per-block
//! operations themselves (at the cap each block adds the same ΔV to `payable`). `payable`
//! gains what V grew, as the per-block path adds each block's ΔV.
//!
//! Arithmetic: raw 64.64 bits, every product truncated (as [`crate::tokenomic::mul_bits`]).
//! The bound against the per-block path is [`idle_bound`] (docs/economies/phala.md, "Lazy
//! close"); `tests/lazy_close.rs` checks it on random workers and gaps.

use crate::tokenomic::{Tokenomic, mul_bits, mul_fast, mul_u64, square_bits};
use crate::workers::Row;

/// 1.0 in raw 64.64 bits.
const ONE: u128 = 1 << 64;
/// Levels of the doubling table: steps of up to 2^31 blocks (a u32 gap).
const LEVELS: usize = 32;

/// The most V (and `payable`) of an n-block idle advance may differ from n per-block idle
/// blocks, raw 64.64 bits: `(v_max + 8)·(n + 128)·2^-62`, with v_max's integer part.
///
/// Why: the closed form's a carries at most one unit of 2^-64 of truncation, so `a^n` is off
/// by at most `n·2^-64` relatively, and each of the at most 2·32 table and step products adds
/// one more; the per-block path truncates twice a block, at most `2.2·2^-64` (perf ≤ 1.2).
/// Either path's V stays below v_max, so each relative error costs at most `v_max·2^-64`
/// absolutely; the bound takes four times their sum.
#[must_use]
pub fn idle_bound(v_max: u128, n: u32) -> u128 {
    ((v_max >> 64) + 8) * (u128::from(n) + 128) * 4
}

/// The most V of an n-block unresponsive advance may differ from n per-block slashes, raw
/// bits: `(V + 1)·(n + 64)·2^-62` with the integer part of `v`, the V before the gap (the
/// per-block slash truncates once a block; the closed form's `(1 − slash)^n` by squaring once a
/// product, which keeps it within `(n + 64)·2^-64` of the exact power, an error the product
/// then carries times the V it multiplies).
#[must_use]
pub fn slash_bound(v: u128, n: u32) -> u128 {
    ((v >> 64) + 1) * (u128::from(n) + 64) * 4
}

/// What the lazy close advances workers with: the current block and the growth constants,
/// raw 64.64 bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Clock {
    /// The current block: a row read now has every earlier block's close.
    pub block: u32,
    /// v_max.
    pub v_max: u128,
    /// ρ − 1.
    pub rho_m1: u128,
    /// 1 − slash_rate.
    pub keep: u128,
}

/// Brings a worker's record from block `from` up to the clock's block: a computing,
/// responsive worker grows by the closed form, an unresponsive one decays; a worker not
/// computing does not change. Returns the new `upto` (the clock's block).
pub fn advance(
    t: &mut Tokenomic,
    computing: bool,
    unresponsive: bool,
    from: u32,
    c: &Clock,
) -> u32 {
    let n = c.block.saturating_sub(from);
    if n > 0 && computing {
        if unresponsive {
            if advance_slash(t, n, c.keep).is_none() {
                // Cannot overflow (a factor below 1); the per-block slashes as a fallback.
                for _ in 0..n {
                    let slash = mul_bits(t.v.to_bits(), ONE - c.keep).unwrap_or(0);
                    t.v = ergon_core::U64F64::from_bits(t.v.to_bits() - slash.min(t.v.to_bits()));
                }
            }
        } else if advance_idle(t, n, c.v_max, c.rho_m1).is_none() {
            // Only past the validated parameters' range: the per-block growth, while it can.
            for _ in 0..n {
                if t.idle_block(c.v_max, c.rho_m1).is_none() {
                    break;
                }
            }
        }
    }
    from.max(c.block)
}

/// [`advance`] on a whole row.
pub fn advance_row(row: &mut Row, c: &Clock) {
    row.upto = advance(&mut row.tok, row.computing, row.unresponsive, row.upto, c);
}

/// `n` idle blocks at once: V and `payable` as n calls of
/// [`Tokenomic::update_v_idle`] would leave them, within [`idle_bound`]. `rho_m1` and `v_max`
/// are raw bits. `None` (nothing changed) where a product overflows.
///
/// Every product is the exact floor of `x·y / 2^64`, so the result does not depend on how a
/// product is split: gaps below 2^16 blocks with every `P_j < 2` (always, at the validated
/// growth rates: `a^(2^16) < 1.1`) take [`advance_idle_near_one`], the same bits in fewer
/// multiplies; the rest the plain doubling table.
pub fn advance_idle(t: &mut Tokenomic, n: u32, v_max: u128, rho_m1: u128) -> Option<()> {
    if n == 0 {
        return Some(());
    }
    let (perf, cost) = (t.perf.to_bits(), t.cost_idle.to_bits());
    let a = ONE.checked_add(mul_bits(perf, rho_m1)?)?;
    let b = mul_bits(perf, cost)?;
    let v0 = t.v.to_bits();
    let (v, left) = if v0 >= v_max {
        // At the cap already: no table, every block at the cap.
        (v0, n)
    } else if n < 1 << NEAR_LEVELS
        && let (Ok(eps), Ok(b64)) = (u64::try_from(a - ONE), u64::try_from(b))
        && let Some(done) = advance_idle_near_one(v0, n, v_max, eps, b64)
    {
        done
    } else {
        advance_idle_table(v0, n, v_max, a, b)?
    };
    finish_idle(t, v, left, v_max, rho_m1)
}

/// Levels of [`advance_idle_near_one`]'s table: gaps below 2^16 blocks.
const NEAR_LEVELS: usize = 16;

/// The doubling table and the descent of [`advance_idle`] for `a = 1 + eps`, `eps < 1`, while
/// every `P_j = 1 + d_j` keeps `d_j < 1`: with `P_j = 2^64 + d_j` in raw bits,
/// `⌊P_j²/2^64⌋ = 2^64 + 2·d_j + ⌊d_j²/2^64⌋`, `⌊P_j·x/2^64⌋ = x + ⌊d_j·x/2^64⌋` — the same
/// bits as the plain table's products, each a 64-bit factor times a wider one. Returns V and
/// the blocks left before the cap (`v0 < v_max`), or `None` when a `d_j` reaches 1 (the plain
/// table then).
#[inline]
fn advance_idle_near_one(v0: u128, n: u32, v_max: u128, eps: u64, b: u64) -> Option<(u128, u32)> {
    let (mut d, mut g) = ([0u64; NEAR_LEVELS], [0u128; NEAR_LEVELS]);
    (d[0], g[0]) = (eps, ONE);
    let mut top = 0;
    while top + 1 < NEAR_LEVELS && (1u32 << (top + 1)) <= n {
        let (dj, gj) = (d[top], g[top]);
        let square = 2 * u128::from(dj) + ((u128::from(dj) * u128::from(dj)) >> 64);
        top += 1;
        d[top] = u64::try_from(square).ok()?;
        // G_{j+1} = G_j + P_j·G_j = 2·G_j + ⌊d_j·G_j/2^64⌋ (G_j < 2^(j+1) · 2^64: no overflow).
        g[top] = 2 * gj + mul_u64(dj, gj);
    }
    // V < v_max < 2^94 and G·b < 2^81: no step overflows.
    let step = |j: usize, v: u128| v + mul_u64(d[j], v) + mul_u64(b, g[j]);
    // n < 2^(top+1): below the cap, level j takes one step exactly when bit j of n is set.
    // Taken without a branch on the bits; a step refused by the cap sends the whole descent
    // to the plain loop, which may then take two steps at a lower level.
    let (mut v, mut capped) = (v0, false);
    for j in (0..=top).rev() {
        let next = step(j, v);
        let (take, below) = ((n >> j) & 1 == 1, next < v_max);
        capped |= take && !below;
        v = if take && below { next } else { v };
    }
    if !capped {
        return Some((v, 0));
    }
    let (mut v, mut left) = (v0, n);
    for j in (0..=top).rev() {
        while left >= 1 << j {
            let next = step(j, v);
            if next >= v_max {
                break;
            }
            v = next;
            left -= 1 << j;
        }
    }
    Some((v, left))
}

/// The plain doubling table and descent of [`advance_idle`]: V and the blocks left before the
/// cap, `None` where the first level overflows.
fn advance_idle_table(v0: u128, n: u32, v_max: u128, a: u128, b: u128) -> Option<(u128, u32)> {
    let (mut p, mut g) = ([0u128; LEVELS], [0u128; LEVELS]);
    (p[0], g[0]) = (a, ONE);
    let mut top = 0;
    // A level past an overflow is not needed: its step would pass any cap.
    while top + 1 < LEVELS && (1u64 << (top + 1)) <= u64::from(n) {
        // `square_bits` and `mul_fast`: the same bits as `mul_bits`, in fewer products.
        let Some(square) = square_bits(p[top]) else { break };
        let Some(sum) = mul_fast(p[top], g[top]).and_then(|x| x.checked_add(g[top])) else {
            break;
        };
        top += 1;
        (p[top], g[top]) = (square, sum);
    }
    let (mut v, mut left) = (v0, n);
    if v < v_max {
        for j in (0..=top).rev() {
            let step = 1u32 << j;
            while left >= step {
                let next =
                    mul_fast(p[j], v).zip(mul_fast(g[j], b)).and_then(|(x, y)| x.checked_add(y));
                match next {
                    Some(x) if x < v_max => {
                        v = x;
                        left -= step;
                    }
                    _ => break,
                }
            }
        }
    }
    Some((v, left))
}

/// The end of [`advance_idle`]: `payable` gains what V grew; the block that reaches the cap
/// (one or two, as rounding falls) by the per-block operations; at the cap each block's ΔV
/// (the same one) goes to `payable`.
fn finish_idle(t: &mut Tokenomic, v: u128, left: u32, v_max: u128, rho_m1: u128) -> Option<()> {
    let (perf, cost) = (t.perf.to_bits(), t.cost_idle.to_bits());
    let mut v = v;
    let mut left = left;
    let mut payable = t.payable.to_bits().checked_add(v.checked_sub(t.v.to_bits())?)?;
    while left > 0 && v < v_max {
        let delta = mul_bits(perf, mul_bits(rho_m1, v)?.checked_add(cost)?)?;
        payable = payable.checked_add(delta)?;
        v = v.checked_add(delta)?.min(v_max);
        left -= 1;
    }
    if left > 0 {
        let delta = mul_bits(perf, mul_bits(rho_m1, v_max)?.checked_add(cost)?)?;
        payable = payable.checked_add(delta.checked_mul(u128::from(left))?)?;
    }
    t.v = ergon_core::U64F64::from_bits(v);
    t.payable = ergon_core::U64F64::from_bits(payable);
    Some(())
}

/// `n` unresponsive blocks at once: `V·(1 − slash_rate)^n` (the power by squaring, each
/// product truncated), `payable` kept (paper: the spec's `v_deductible` resets only at a
/// payout); within [`slash_bound`] of n calls of [`Tokenomic::update_v_slash`]. `keep` is
/// `1 − slash_rate`, raw bits.
pub fn advance_slash(t: &mut Tokenomic, n: u32, keep: u128) -> Option<()> {
    if n == 0 {
        return Some(());
    }
    let (mut factor, mut base, mut k) = (ONE, keep, n);
    while k > 0 {
        if k & 1 == 1 {
            factor = mul_bits(factor, base)?;
        }
        k >>= 1;
        if k > 0 {
            base = mul_bits(base, base)?;
        }
    }
    t.v = ergon_core::U64F64::from_bits(mul_bits(t.v.to_bits(), factor)?);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ergon_core::U64F64;

    fn tok(v: u128, perf: u128, cost: u128) -> Tokenomic {
        Tokenomic {
            v: U64F64::from_bits(v),
            perf: U64F64::from_bits(perf),
            cost_idle: U64F64::from_bits(cost),
            ..Tokenomic::default()
        }
    }

    /// By hand, with fractions: ρ − 1 = 1/2, perf = 1, cost = 1/4, so a = 3/2 and b = 1/4.
    /// From V_0 = 1: V_3 = (3/2)^3·1 + (1/4)·((3/2)^3 − 1)/(1/2) = 27/8 + 19/16 = 73/16, and
    /// `payable` gains 73/16 − 1 = 57/16. Every value is a multiple of 2^-4, so no product
    /// truncates and both paths give exactly 73/16. With v_max = 4 the per-block values are
    /// 1 → 7/4 → 23/8 → 4 (the third block's ΔV is 23/16 + 1/4 = 27/16, so `payable` gains
    /// 3/4 + 9/8 + 27/16 = 57/16 as well, V held at 4); two more blocks at the cap add
    /// (1/2·4 + 1/4) = 9/4 each: `payable` 57/16 + 9/2 = 129/16.
    #[test]
    fn hand_worked_three_blocks() {
        let sixteenth = ONE / 16;
        let (rho_m1, perf, cost) = (ONE / 2, ONE, ONE / 4);
        let mut t = tok(ONE, perf, cost);
        advance_idle(&mut t, 3, 100 * ONE, rho_m1).expect("no overflow");
        assert_eq!(t.v.to_bits(), 73 * sixteenth);
        assert_eq!(t.payable.to_bits(), 57 * sixteenth);
        let mut t = tok(ONE, perf, cost);
        advance_idle(&mut t, 5, 4 * ONE, rho_m1).expect("no overflow");
        assert_eq!(t.v.to_bits(), 4 * ONE);
        assert_eq!(t.payable.to_bits(), 129 * sixteenth);
    }

    /// (1 − 1/4)^3 = 27/64: V = 64 → 27, `payable` kept (1).
    #[test]
    fn hand_worked_slash() {
        let mut t = tok(64 * ONE, ONE, 0);
        t.payable = U64F64::ONE;
        advance_slash(&mut t, 3, ONE - ONE / 4).expect("no overflow");
        assert_eq!(t.v.to_bits(), 27 * ONE);
        assert_eq!(t.payable, U64F64::ONE);
    }

    proptest::proptest! {
        /// The near-one table against the plain one: the same V and `payable` to the bit, on
        /// random V, performance (0–1.2), growth rates from the genesis ρ to 1.001 a block, and
        /// gaps up to 2^16, caps included, so that both the near-one path and its fallback run.
        #[test]
        fn near_one_table_equals_the_plain_table(
            v in 1u128..(30_000u128 << 64), perf in 0u128..=(6u128 << 64) / 5,
            rho_bits in 1u128..(1u128 << 54), shift in 0u32..20, cost in 0u128..(1u128 << 40),
            payable in 0u128..(1u128 << 74), n in 0u32..(1 << 16), v_max in 1u128..=30_000,
        ) {
            // ρ − 1 from 2^-10 down to about 2^-30 (the genesis ρ: 2^-20.5).
            let (v_max, rho_m1) = (v_max << 64, (rho_bits >> shift).max(1));
            let mut fast = tok(v.min(v_max), perf, cost);
            fast.payable = U64F64::from_bits(payable);
            let mut plain = fast;
            let done = advance_idle(&mut fast, n, v_max, rho_m1);
            let a = ONE + mul_bits(perf, rho_m1).unwrap_or(0);
            let b = mul_bits(perf, cost).unwrap_or(0);
            let table = advance_idle_table(plain.v.to_bits(), n, v_max, a, b)
                .and_then(|(v, left)| finish_idle(&mut plain, v, left, v_max, rho_m1));
            proptest::prop_assert_eq!(done.is_some(), n == 0 || table.is_some());
            proptest::prop_assert_eq!(fast, plain);
            proptest::prop_assert_eq!(fast.payable, plain.payable);
        }
    }

    /// perf = 0 (a worker that reported no iterations): nothing grows, a = 1 over 2^31 blocks.
    #[test]
    fn no_performance_no_growth() {
        let mut t = tok(5 * ONE, 0, ONE / 8);
        advance_idle(&mut t, u32::MAX, 30_000 * ONE, ONE / 1_000_000).expect("no overflow");
        assert_eq!((t.v.to_bits(), t.payable.to_bits()), (5 * ONE, 0));
    }
}
