//! Integer arithmetic with explicit rounding: [`Rounding`] and [`mul_div`], the `a × b / c` every
//! pro-rata share in Ergon goes through, exact with a 256-bit intermediate; [`ProRata`], many
//! shares of one amount without a division each; [`ppm_floor`]. Submodules: `wide` (the exact
//! 256-by-128-bit division both rest on), `pro_rata`.

mod pro_rata;
mod wide;

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

pub use pro_rata::ProRata;
pub(crate) use wide::{Divisor, mul_wide};

use crate::error::{Error, Result, overflow};

/// How a lossy operation rounds its exact result to an integer. Every lossy operation in Ergon
/// takes one: there is no implicit rounding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Toward zero (floor, for the non-negative values here). The protocol-favouring default.
    Down,
    /// Away from zero (ceiling).
    Up,
    /// To the nearest integer; exact halves go down (Substrate `NearestPrefDown`).
    NearestHalfDown,
    /// To the nearest integer; exact halves go up.
    NearestHalfUp,
    /// To the nearest integer; exact halves go to the even neighbour (banker's rounding, Cosmos).
    NearestHalfEven,
}

impl Rounding {
    /// Whether a truncated quotient `q` must be raised by one, given how the remainder compares
    /// with half the divisor (`rem_vs_half`) and whether the remainder is zero.
    #[must_use]
    pub fn rounds_up(self, q_is_odd: bool, rem_is_zero: bool, rem_vs_half: Ordering) -> bool {
        if rem_is_zero {
            return false;
        }
        match self {
            Rounding::Down => false,
            Rounding::Up => true,
            Rounding::NearestHalfDown => rem_vs_half == Ordering::Greater,
            Rounding::NearestHalfUp => rem_vs_half != Ordering::Less,
            Rounding::NearestHalfEven => match rem_vs_half {
                Ordering::Greater => true,
                Ordering::Less => false,
                Ordering::Equal => q_is_odd,
            },
        }
    }
}

/// `n / d` rounded as asked. Errors on `d == 0`.
pub fn div_round(n: u128, d: u128, rounding: Rounding) -> Result<u128> {
    if d == 0 {
        return Err(Error::DivisionByZero { op: "div_round" });
    }
    let (q, r) = (n / d, n % d);
    // rem vs d/2 without overflow: compare r with d - r.
    let up = rounding.rounds_up(q & 1 == 1, r == 0, r.cmp(&(d - r)));
    Ok(q + u128::from(up))
}

/// `a × b / c`, exact with a 256-bit intermediate, rounded as asked.
///
/// Errors: [`Error::DivisionByZero`] when `c == 0`; [`Error::Overflow`] when the rounded result
/// does not fit a u128.
pub fn mul_div(a: u128, b: u128, c: u128, rounding: Rounding) -> Result<u128> {
    if c == 0 {
        return Err(Error::DivisionByZero { op: "mul_div" });
    }
    if let Some(p) = a.checked_mul(b) {
        return div_round(p, c, rounding);
    }
    let (hi, lo) = mul_wide(a, b);
    let div = Divisor::new(c).ok_or(Error::DivisionByZero { op: "mul_div" })?;
    // hi ≥ c: the quotient is 2^128 or more, whatever the rounding.
    let (q, r) = div.div_rem_wide(hi, lo).ok_or_else(|| overflow("mul_div"))?;
    let up = rounding.rounds_up(q & 1 == 1, r == 0, r.cmp(&(c - r)));
    q.checked_add(u128::from(up)).ok_or_else(|| overflow("mul_div"))
}

/// `⌊a·ppm/10^6⌋`, exactly as `mul_div(a, ppm, 1_000_000, Rounding::Down)` ([`fraction_floor`]).
pub fn ppm_floor(a: u128, ppm: u32) -> Result<u128> {
    fraction_floor::<1_000_000>(a, ppm)
}

/// `⌊a·percent/100⌋`, exactly as `mul_div(a, percent, 100, Rounding::Down)` ([`fraction_floor`]):
/// a commission.
pub fn percent_floor(a: u128, percent: u8) -> Result<u128> {
    fraction_floor::<100>(a, u32::from(percent))
}

/// `⌊a·n/D⌋` for a constant `D < 2^32`, exactly as `mul_div(a, n, D, Rounding::Down)`, without a
/// 128-bit division: `a = D·q + r` gives `q·n + ⌊r·n/D⌋` (`r·n < 2^64`), by [`div_rem_const`].
/// Only when `q·n` overflows (a result near or above 2^128) does it take `mul_div`.
///
/// Errors: as `mul_div` (an overflow).
fn fraction_floor<const D: u64>(a: u128, n: u32) -> Result<u128> {
    if let Ok(a) = u64::try_from(a) {
        // One word: one division by the constant, and no overflow (`q·n < 2^96`).
        let (q, r) = (a / D, a % D);
        return Ok(u128::from(q) * u128::from(n) + u128::from(r * u64::from(n) / D));
    }
    let (q, r) = div_rem_const::<D>(a);
    let part = u128::from(r * u64::from(n) / D);
    match q.checked_mul(u128::from(n)).and_then(|qn| qn.checked_add(part)) {
        Some(v) => Ok(v),
        None => mul_div(a, u128::from(n), u128::from(D), Rounding::Down),
    }
}

/// `(⌊x/D⌋, x mod D)` for a constant `0 < D < 2^32`, by 32-bit limbs from the top: each step
/// divides a value below `D·2^32 < 2^64` by the constant, which compiles to a multiply and a
/// shift, where `x / D` on `u128` is a call to the 128-bit division routine.
#[inline]
#[must_use]
pub const fn div_rem_const<const D: u64>(x: u128) -> (u128, u64) {
    const { assert!(D > 0 && D < 1 << 32, "div_rem_const: D must be in 1..2^32") };
    const MASK: u64 = 0xffff_ffff;
    let (hi, lo) = ((x >> 64) as u64, x as u64);
    // The high word at once (a 64-bit value), then the low word's two halves.
    let (q_hi, r) = (hi / D, hi % D);
    let cur = (r << 32) | (lo >> 32);
    let (q1, r) = (cur / D, cur % D);
    let cur = (r << 32) | (lo & MASK);
    let (q0, r) = (cur / D, cur % D);
    (((q_hi as u128) << 64) | ((q1 as u128) << 32) | q0 as u128, r)
}

#[cfg(test)]
mod tests;
