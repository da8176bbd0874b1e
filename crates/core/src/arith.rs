//! Integer arithmetic with explicit rounding: [`Rounding`] and [`mul_div`], the `a × b / c` every
//! pro-rata share in Ergon goes through, exact with a 256-bit intermediate; [`ProRata`], many
//! shares of one amount without a division each; [`ppm_floor`].

use std::cmp::Ordering;

use ruint::aliases::U256;
use serde::{Deserialize, Serialize};

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
    let p = U256::from(a) * U256::from(b);
    let cw = U256::from(c);
    let (q, r) = estimated_quotient(a, b, c, p, cw).unwrap_or_else(|| p.div_rem(cw));
    let up = rounding.rounds_up(q.bit(0), r.is_zero(), r.cmp(&(cw - r)));
    let q = if up { q + U256::from(1u8) } else { q };
    u128::try_from(q).map_err(|_| overflow("mul_div"))
}

/// `p / cw` with its remainder, where `p = a·b`, without a 256-bit division in the usual case (a
/// pro-rata share of a large pool): a floating-point estimate `e` of the quotient, then the exact
/// correction from the 256-bit difference `p − e·c`, which is small enough for u128 division.
/// The result is exact whatever the estimate's error. `None` when the quotient does not fit a
/// u128 or the difference does not (products above about 2^179); the caller then divides in
/// 256 bits.
fn estimated_quotient(a: u128, b: u128, c: u128, p: U256, cw: U256) -> Option<(U256, U256)> {
    const LIMIT: f64 = 1.7e38; // below u128::MAX ≈ 3.4e38, with room for the estimate's error
    let estimate = (a as f64) * (b as f64) / (c as f64);
    // NaN cannot arise (the operands are finite and c > 0), but it would fail this test too.
    if estimate.partial_cmp(&LIMIT) != Some(Ordering::Less) {
        return None;
    }
    let e = estimate as u128;
    let ec = U256::from(e) * cw;
    if ec <= p {
        // q = e + ⌊(p − e·c) / c⌋.
        let d = u128::try_from(p - ec).ok()?;
        let (k, rem) = small_div(d, c);
        Some((U256::from(e.checked_add(k)?), U256::from(rem)))
    } else {
        // q = e − ⌈(e·c − p) / c⌉; the remainder is what that ceiling overshoots.
        let d = u128::try_from(ec - p).ok()?;
        let (mut k, r) = small_div(d, c);
        let rem = if r == 0 {
            0
        } else {
            k += 1;
            c - r
        };
        Some((U256::from(e - k), U256::from(rem)))
    }
}

/// `(d / c, d % c)`, by subtraction when the quotient is a few units (the usual correction of an
/// estimate), since a u128 division by a divisor wider than 64 bits is a slow library call.
fn small_div(mut d: u128, c: u128) -> (u128, u128) {
    for k in 0..8 {
        if d < c {
            return (k, d);
        }
        d -= c;
    }
    (8 + d / c, d % c)
}

/// `⌊a·b/c⌋` for one `a` and `c` and many `b` (the shares of one amount pro rata to many
/// weights), exact, without a u128 or 256-bit division per share: `a = q·c + r` once, then
/// `⌊a·b/c⌋ = q·b + ⌊r·b/c⌋`, where `⌊r·b/c⌋` is estimated in floating point and corrected
/// with exact products. Falls back to [`mul_div`] where the estimate cannot be corrected cheaply.
#[derive(Clone, Copy, Debug)]
pub struct ProRata {
    a: u128,
    c: u128,
    q: u128,
    r: u128,
    /// `r` and `1/c` as floats, for the estimate.
    r_f: f64,
    inv_c: f64,
    /// Whether `q` and `c` (so `r`) are below 2^63: shares of a weight below 2^63 then take
    /// 64-bit products and single-instruction conversions.
    narrow: bool,
}

impl ProRata {
    /// The shares of `a` by weights out of `c`. Errors on `c == 0`.
    pub fn new(a: u128, c: u128) -> Result<ProRata> {
        if c == 0 {
            return Err(Error::DivisionByZero { op: "pro_rata" });
        }
        let (q, r) = (a / c, a % c);
        let narrow = q < 1 << 63 && c < 1 << 63;
        Ok(ProRata { a, c, q, r, r_f: to_f64(r), inv_c: 1.0 / to_f64(c), narrow })
    }

    /// `⌊a·b/c⌋`, exactly as `mul_div(a, b, c, Rounding::Down)`.
    pub fn floor(&self, b: u128) -> Result<u128> {
        // r·b < 2^175 and c < 2^124 keep |r·b − e·c| well below 2^127 for the estimate e below,
        // so that difference is exact in wrapping u128 arithmetic read as i128.
        const PRODUCT_MAX: f64 = 4.7e52; // < 2^175
        const C_MAX: u128 = 1 << 124;
        if self.narrow && b < 1 << 63 {
            return self.narrow_floor(b as u64);
        }
        let Some(qb) = self.q.checked_mul(b) else { return self.slow(b) };
        if self.r == 0 {
            return Ok(qb);
        }
        let x = self.r_f * to_f64(b);
        if x >= PRODUCT_MAX || self.c >= C_MAX {
            return self.slow(b);
        }
        let c = self.c as i128;
        let est = x * self.inv_c; // ≤ b, since r < c
        let mut e = if est < 1.8e19 { est as u64 as u128 } else { est as u128 };
        let mut d = self.r.wrapping_mul(b).wrapping_sub(e.wrapping_mul(self.c)) as i128;
        // The estimate's error is at most about x·2^-50/c + 1 units: one more float step, then
        // a few unit steps.
        if d >= c || d < 0 {
            let k = (d as f64 * self.inv_c) as i128;
            e = e.wrapping_add(k as u128);
            d = d.wrapping_sub(k.wrapping_mul(c));
        }
        for _ in 0..4 {
            if d < 0 {
                e = e.wrapping_sub(1);
                d += c;
            } else if d >= c {
                e += 1;
                d -= c;
            } else {
                return qb.checked_add(e).ok_or_else(|| overflow("pro_rata"));
            }
        }
        self.slow(b)
    }

    /// [`ProRata::floor`] when `q`, `c` and `b` are below 2^63: the products fit 126 bits and
    /// the estimate's error is below 2^13 units, so `r·b − e·c` is exact as an i128.
    fn narrow_floor(&self, b: u64) -> Result<u128> {
        let (q, r, c) = (self.q as u64, self.r as u64, self.c as u64);
        let qb = u128::from(q) * u128::from(b);
        let rb = u128::from(r) * u128::from(b);
        let est = self.r_f * (b as i64 as f64) * self.inv_c; // < b < 2^63
        let mut e = est as i64 as u64;
        let ci = i128::from(c);
        let mut d = rb.wrapping_sub(u128::from(e) * u128::from(c)) as i128;
        if d >= ci || d < 0 {
            let k = (d as f64 * self.inv_c) as i64;
            e = e.wrapping_add(k as u64);
            d -= i128::from(k) * ci;
        }
        for _ in 0..4 {
            if d < 0 {
                e = e.wrapping_sub(1);
                d += ci;
            } else if d >= ci {
                e = e.wrapping_add(1);
                d -= ci;
            } else {
                return Ok(qb + u128::from(e));
            }
        }
        self.slow(u128::from(b))
    }

    fn slow(&self, b: u128) -> Result<u128> {
        mul_div(self.a, b, self.c, Rounding::Down)
    }
}

/// `v` as the nearest float, by the cheap 64-bit conversion when `v` fits it.
fn to_f64(v: u128) -> f64 {
    match u64::try_from(v) {
        Ok(v) => v as f64,
        Err(_) => v as f64,
    }
}

/// `⌊a·ppm/10^6⌋`, exactly as `mul_div(a, ppm, 1_000_000, Rounding::Down)`, with divisions by
/// the constant only (cheap) when `a` fits 64 bits.
pub fn ppm_floor(a: u128, ppm: u32) -> Result<u128> {
    const M: u64 = 1_000_000;
    match u64::try_from(a) {
        Ok(a) => {
            let (hi, lo) = (a / M, a % M);
            Ok(u128::from(hi) * u128::from(ppm) + u128::from(lo * u64::from(ppm) / M))
        }
        Err(_) => mul_div(a, u128::from(ppm), u128::from(M), Rounding::Down),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;
    use num_integer::Integer;
    use proptest::prelude::*;

    /// Slow, obviously-correct oracle on arbitrary-precision integers.
    fn oracle(a: u128, b: u128, c: u128, r: Rounding) -> Option<u128> {
        let p = BigUint::from(a) * BigUint::from(b);
        let c = BigUint::from(c);
        let (q, rem) = p.div_rem(&c);
        let twice = &rem * 2u32;
        let up = match r {
            _ if rem == BigUint::ZERO => false,
            Rounding::Down => false,
            Rounding::Up => true,
            Rounding::NearestHalfDown => twice > c,
            Rounding::NearestHalfUp => twice >= c,
            Rounding::NearestHalfEven => twice > c || (twice == c && q.bit(0)),
        };
        let q = if up { q + 1u32 } else { q };
        u128::try_from(q).ok()
    }

    fn any_rounding() -> impl Strategy<Value = Rounding> {
        prop_oneof![
            Just(Rounding::Down),
            Just(Rounding::Up),
            Just(Rounding::NearestHalfDown),
            Just(Rounding::NearestHalfUp),
            Just(Rounding::NearestHalfEven),
        ]
    }

    #[test]
    fn known_values() {
        assert_eq!(mul_div(7, 1, 2, Rounding::Down).unwrap(), 3);
        assert_eq!(mul_div(7, 1, 2, Rounding::Up).unwrap(), 4);
        assert_eq!(mul_div(5, 1, 2, Rounding::NearestHalfEven).unwrap(), 2);
        assert_eq!(mul_div(7, 1, 2, Rounding::NearestHalfEven).unwrap(), 4);
        assert_eq!(mul_div(5, 1, 2, Rounding::NearestHalfDown).unwrap(), 2);
        assert_eq!(mul_div(5, 1, 2, Rounding::NearestHalfUp).unwrap(), 3);
        // 256-bit intermediate: (2^127)·(2^127)/2^127 = 2^127.
        let big = 1u128 << 127;
        assert_eq!(mul_div(big, big, big, Rounding::Down).unwrap(), big);
        assert_eq!(mul_div(u128::MAX, u128::MAX, u128::MAX, Rounding::Up).unwrap(), u128::MAX);
        assert!(matches!(mul_div(u128::MAX, 2, 1, Rounding::Down), Err(Error::Overflow { .. })));
        assert!(matches!(mul_div(1, 1, 0, Rounding::Down), Err(Error::DivisionByZero { .. })));
    }

    proptest! {
        #[test]
        fn mul_div_matches_big_integer_oracle(a in any::<u128>(), b in any::<u128>(), c in 1..=u128::MAX, r in any_rounding()) {
            prop_assert_eq!(mul_div(a, b, c, r).ok(), oracle(a, b, c, r));
        }

        #[test]
        fn mul_div_small_values_match_oracle(a in 0u128..1000, b in 0u128..1000, c in 1u128..50, r in any_rounding()) {
            prop_assert_eq!(mul_div(a, b, c, r).ok(), oracle(a, b, c, r));
        }

        /// Shares of a large pool: the product overflows u128 and the quotient ranges from 2^16
        /// to 2^100: the estimated path must take these cases, exactly, with every rounding.
        #[test]
        fn mul_div_large_pool_shares_match_oracle(x in 0u128..1u128 << 80, y in 0u128..1u128 << 60, qb in 16u32..100, e in 0u128..1u128 << 20, r in any_rounding()) {
            let (a, b) = ((1u128 << 80) + x, (1u128 << 60) + y);
            let c = (a >> (qb / 2)) * (b >> (qb - qb / 2)) + e;
            let p = U256::from(a) * U256::from(b);
            let got = estimated_quotient(a, b, c, p, U256::from(c)).expect("the estimated path");
            prop_assert_eq!(got, p.div_rem(U256::from(c)));
            prop_assert_eq!(mul_div(a, b, c, r).ok(), oracle(a, b, c, r));
        }

        #[test]
        fn pro_rata_matches_mul_div(a in any::<u128>(), b in any::<u128>(), c in 1..=u128::MAX) {
            let p = ProRata::new(a, c).unwrap();
            prop_assert_eq!(p.floor(b).ok(), mul_div(a, b, c, Rounding::Down).ok());
        }

        /// Shares of a pool by traffic or voting power: the fast path with every magnitude.
        #[test]
        fn pro_rata_shares_match_mul_div(ab in 0u32..100, bb in 0u32..90, cb in 1u32..124, a in any::<u128>(), b in any::<u128>(), c in any::<u128>()) {
            let (a, b) = (a >> (128 - ab.max(1)), b >> (128 - bb.max(1)));
            let c = (c >> (128 - cb)).max(1);
            let p = ProRata::new(a, c).unwrap();
            prop_assert_eq!(p.floor(b).ok(), mul_div(a, b, c, Rounding::Down).ok());
            let b = b.min(c);
            prop_assert_eq!(p.floor(b).ok(), mul_div(a, b, c, Rounding::Down).ok());
        }

        #[test]
        fn ppm_floor_matches_mul_div(a in any::<u128>(), small in any::<u64>(), ppm in 0u32..=2_000_000) {
            for a in [a, u128::from(small)] {
                prop_assert_eq!(ppm_floor(a, ppm).ok(), mul_div(a, u128::from(ppm), 1_000_000, Rounding::Down).ok());
            }
        }

        #[test]
        fn mul_div_wide_values_match_oracle(a in any::<u64>(), b in any::<u128>(), c in any::<u64>(), r in any_rounding()) {
            let c = u128::from(c).max(1);
            prop_assert_eq!(mul_div(u128::from(a), b, c, r).ok(), oracle(u128::from(a), b, c, r));
        }
    }
}
