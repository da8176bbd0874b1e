//! The first estimate of [`CobbDouglas`](super::CobbDouglas): `V₁` within `2^−85.8·v`, decided
//! with the band `V₁·(1 ± 2^−84)`; only when that band holds a grid point is the 120-bit
//! estimate of [`super`] computed (for a value below 2^62 units, about one call in 2^21).
//!
//! # Method
//! As the 120-bit estimate, with one more table step each way, so that the last argument is
//! below `2^−18` and the series' part beyond its first term is below `2^−37`: that part alone is
//! computed in `f64` (IEEE-754 double precision: every operation correctly rounded, so the same
//! bits on every platform), all else in `u128` at scale 2^120 (`u = 2^−120`).
//! - `ln x`: `m₃ = m₂·c₃`, `c₃ = ⌈2^54/(2^18+l)⌉/2^36`, `l = ⌊(m₂−1)·2^18⌋ ≤ 64`, so
//!   `m₃ ∈ [1, 1 + 2^−18 + 2^−35.9)`; `ln m₃ = x − T(x)`, `x = m₃ − 1`, `T(x) = x − ln(1+x)
//!   = x²/2 − x³/3 + x⁴/4 − x⁵/5 + …`, the terms to `x⁵/5` in `f64` from `x` truncated to
//!   `2^−70`.
//! - `e^−r`: `w = j/4096 + l/2^18 + w''`, `w'' < 2^−18`: `e^−r = e^−(i+1)/64 · e^(j/4096) ·
//!   e^(l/2^18) · (1 + w'' + E(w''))`, `E(w) = e^w − 1 − w = w²/2 + w³/6 + w⁴/24 + …`, the terms
//!   to `w⁴/24` in `f64` from `w''` truncated to `2^−70`.
//!
//! # Error bound: `|V₁ − v| < 2^−85.8·v`
//! `T` in `f64`: the truncation of `x` moves `T` by at most `x·2^−70 < 2^−88` (`T' < x`); the
//! terms left out are below `x⁶/6 < 2^−110`. `T` is evaluated as `x²·((1/2 − x/3) + x²·(1/4 −
//! x/5))` (Estrin's form: the two halves side by side, so a shorter chain of dependent
//! operations): the roundings of `x²`, of `1/2 − x/3`, of the sum and of the last product are
//! `2^−53` relative each; those of `x/3`, `x/5`, `1/4 − x/5`, `x²·(…)` and of the constants
//! `1/3`, `1/5` reach `T` through terms below `2^−17` of the sums they enter: in all below
//! `4.01·2^−53` relative of `T < x²/2 < 2^−37`, under `2^−87.99`. So
//! `T` is within `2^−86.9` before its conversion, which floors to a multiple of `2^−99`. The
//! table steps and products are as in [`super`] (three tables, three truncations of `m`,
//! `(b−1)·ln 2`: `7u`); so `ln x` is within `2^−86.9 + 2^−99 + 8u < 2^−86.89`. `y` then gains
//! at most `α` times that plus the 120-bit terms (`ln R`, `ln S`, `ln s`, the products: `19u`):
//! `< 2^−86.88`; `k·ln 2` adds 2u. `E(w'')` likewise: truncation `w''·2^−70 < 2^−88`, terms
//! left out `< 1.01·w⁵/120 < 2^−96.8`, rounding (`w²·((1/2 + w/6) + w²/24)`, as `T`) below
//! `4.01·2^−53` of `E < 2^−37`, under `2^−87.99`: within `2^−86.9`, plus `2^−99` for its floor;
//! the three tables within `2.1u, 1u, 1u` relative and the three products `2.1u` each (the
//! first, of the first two tables, made once into the table `exp12`: the same value). In all,
//! relative: `2^−86.88 + 2^−86.9 + 2^−99 + 40u < 2^−85.88`. The band `2^−84`
//! holds `v` (a factor 3.6 to spare), and when its ends have one floor `q`, `q = ⌊v⌋` and the
//! reference returns `q` too, by the argument of [`super`] (the reference's own interval lies
//! inside this band). The tests measure `V₁` against the 192-bit path.

use super::tables::C3;
use super::{F, Tables, mul_f, mul_small, reduce_ln};

/// `2^−70` and `2^99` as `f64` (exact powers of two).
const TWO_M70: f64 = f64::from_bits((1023 - 70) << 52);
const TWO_99: f64 = f64::from_bits((1023 + 99) << 52);

/// A series' remainder `v ∈ [0, 2^−36.9)` at scale 2^120, floored to a multiple of `2^−99`
/// (through `i64`: `v·2^99 < 2^62.1`, a one-instruction conversion where `u128`'s is a call).
#[inline(always)]
fn to_fixed(v: f64) -> u128 {
    u128::from((v * TWO_99) as i64 as u64) << (F - 99)
}

/// `x` (scale 2^120, below `2^−18 + 2^−35.9`) truncated to `2^−70`, as `f64` (exact: below
/// 2^53 units of `2^−70`).
#[inline(always)]
fn small_f64(x: u128) -> f64 {
    ((x >> 50) as u64 as f64) * TWO_M70
}

/// `ln x` at scale 2^120 for `x ≥ 1`, within `2^−86.89` (module doc; 0 for `x = 0`, never used).
#[inline(always)]
pub(super) fn ln_int(x: u128, t: &Tables) -> u128 {
    if x == 0 {
        return 0;
    }
    let (base, m2) = reduce_ln(x, t);
    let l = ((m2 - (1u128 << F)) >> (F - 18)).min(64) as usize;
    let (hi, lo) = mul_small(m2, C3[l]);
    let m3 = (hi << 92) | (lo >> 36);
    let x3 = m3 - (1u128 << F);
    // T(x) = x²·((1/2 − x/3) + x²·(1/4 − x/5)): Estrin's form, a shorter chain than Horner's.
    let xf = small_f64(x3);
    let x2 = xf * xf;
    let tail = x2 * ((0.5 - xf * (1.0 / 3.0)) + x2 * (0.25 - xf * 0.2));
    let tail = to_fixed(tail);
    base + t.ln3[l] + x3 - tail
}

/// `e^−r` at scale 2^120 for `r ∈ [0, ln 2)` (module doc), or `None` outside the tables (never).
#[inline(always)]
pub(super) fn exp_neg(r: u128, t: &Tables) -> Option<u128> {
    let i = (r >> (F - 6)) as usize;
    let w = ((i as u128 + 1) << (F - 6)) - r;
    let j = (w >> (F - 12)) as usize;
    let w = w & ((1u128 << (F - 12)) - 1);
    let l = (w >> (F - 18)) as usize;
    let w = w & ((1u128 << (F - 18)) - 1);
    // E(w) = w²·((1/2 + w/6) + w²/24), Estrin's form.
    let wf = small_f64(w);
    let w2 = wf * wf;
    let e = w2 * ((0.5 + wf * (1.0 / 6.0)) + w2 * (1.0 / 24.0));
    let p = (1u128 << F) + w + to_fixed(e);
    let e12 = *t.exp12.get(i)?.get(j)?;
    Some(mul_f(mul_f(e12, *t.exp3.get(l)?), p))
}
