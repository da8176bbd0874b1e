//! The exact kernels behind [`Dec`](super::Dec)'s `Mul`, `Quo` and integer rounding: the same
//! results as Cosmos's big-integer definitions, to the last unit and with the same overflow
//! (a result of 2^256 or more), on 64-bit limbs instead of 512-bit integers.
//!
//! - **Division by 10^18** (`Mul`, `TruncateInt`): one 2-by-1 reciprocal division per limb
//!   ([`Divisor`], with 10^18 prepared at compile time), none for the leading limbs below 10^18.
//! - **Mul**: the product of the raw values, then that division. Operands below 2^128 with a
//!   product below 10^18·2^128 (every reward of the mainnet formulas) take a straight path: one
//!   or two multiplications, two limb divisions. A product of 2^320 or more always overflows.
//! - **Quo**: Cosmos computes `⌊a·10^36/b⌋` and rounds it half to even at 18 decimals. Its
//!   integer part is `q = ⌊a·10^18/b⌋`, and its 18 dropped digits `f = ⌊10^18·r/b⌋` (with
//!   `r = a·10^18 − q·b`) are compared with half a unit without computing them: `f ≥ 5·10^17`
//!   exactly when `2r ≥ b`, and `f > 5·10^17` exactly when `5·10^17·(2r − b) ≥ b`. So one
//!   division of `a·10^18` by `b` decides every variant. When `b` is a whole number `k·10^18`
//!   (every divisor of the mainnet formulas: amounts, counts, 10,000, the deposit rate), that
//!   division is `a / k`, and both comparisons hold with `k` and `a mod k` in place of `b` and
//!   `r` (each side scales by 10^18). The divisor (`b` or `k`) below 2^128 goes to a u128
//!   division or to [`Divisor`]'s 256-by-128-bit one; a wider divisor, to 512-bit integers.

use ruint::aliases::{U256, U512};

use crate::arith::{Divisor, Rounding, mul_wide};

/// 10^18, the raw value of 1, as a limb and as a u128.
const E18_64: u64 = super::E18;
const E18: u128 = E18_64 as u128;
/// Half a unit of the 36-decimal quotient, in units of its 18 dropped digits.
const HALF_E18: u128 = E18 / 2;
/// 10^18 prepared for reciprocal division.
const E18_DIVISOR: Divisor = match Divisor::new(E18) {
    Some(d) => d,
    None => panic!("10^18 is not zero"),
};
/// The low 18 bits: a multiple of 10^18 has them all zero.
const LOW_18_BITS: u64 = (1 << 18) - 1;
/// 5^18: 10^18 = 2^18·5^18.
const FIVE_18: u128 = 3_814_697_265_625;
/// The inverse of 5^18 modulo 2^128.
const FIVE_18_INVERSE: u128 = inverse_mod_2_128(FIVE_18);

/// How a quotient rounds, after Cosmos's three `Quo` variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum QuoRounding {
    /// `Quo`: truncated at 36 decimals, then rounded half to even at 18.
    Chop,
    /// `QuoTruncate`: truncated at 18 decimals.
    Down,
    /// `QuoRoundUp`: rounded up at 18 decimals.
    Up,
}

/// A 384-bit number as three 128-bit chunks, most significant first.
type Chunks = (u128, u128, u128);

/// `a × b / 10^18` rounded as asked: Cosmos `Mul` (half to even), `MulTruncate` (down) and
/// `MulRoundUp` (up). `None` when the result exceeds 256 bits. Inlined, so that each caller's
/// rounding is a constant.
#[inline(always)]
pub(super) fn mul(a: U256, b: U256, rounding: Rounding) -> Option<U256> {
    // Both below 2^128 and the product below 10^18·2^128 (the mainnet rewards): two limb steps.
    if let (Some(a), Some(b)) = (below_2_128(a), below_2_128(b)) {
        let (h, l) = match (u64::try_from(a), u64::try_from(b)) {
            (_, Ok(b)) => mul_by_limb(a, b),
            (Ok(a), _) => mul_by_limb(b, a),
            _ => mul_wide(a, b),
        };
        if h < E18 {
            let (q, r) = div_e18_wide(h as u64, l);
            return add_up(0, q, rounds_up(q, r, rounding));
        }
    }
    let ([q0, q1, q2, q3, q4], r) = div_e18(&product(a.as_limbs(), b.as_limbs())?);
    if q4 != 0 {
        return None;
    }
    add_up(join(q3, q2), join(q1, q0), rounds_up(join(q1, q0), r, rounding))
}

/// `a ÷ b` as Cosmos's `Quo` variants, for `b > 0`: the quotient of `a·10^18` by `b`, rounded as
/// `rounding` says. `None` when the result exceeds 256 bits. Inlined, so that each caller's
/// rounding is a constant.
#[inline(always)]
pub(super) fn quo(a: U256, b: U256, rounding: QuoRounding) -> Option<U256> {
    let ((a1, a0), (b1, b0)) = (halves(a), halves(b));
    let (n, d) = if let Some(k) = whole_below_2_128(b) {
        ((0, a1, a0), k)
    } else if b1 == 0 {
        (times_e18(a1, a0), b0)
    } else {
        return quo_512(a, b, rounding);
    };
    let (q1, q0, r) = if n.0 == 0 && n.1 == 0 {
        let q = n.2 / d;
        (0, q, n.2 - q * d)
    } else {
        div_chunks(&Divisor::new(d).expect("b > 0, so d > 0"), d, n)?
    };
    let up = match rounding {
        QuoRounding::Down => false,
        QuoRounding::Up => r != 0,
        // 2r ≥ d, written without overflow; then t = 2r − d and half a unit is passed when
        // t·5·10^17 ≥ d (always, if that product exceeds 128 bits).
        QuoRounding::Chop => {
            r >= d - r && {
                let t = r - (d - r);
                q0 & 1 == 1 || t.checked_mul(HALF_E18).is_none_or(|x| x >= d)
            }
        }
    };
    add_up(q1, q0, up)
}

/// `x / 10^18` rounded to an integer as asked: Cosmos `TruncateInt`, `RoundInt` and `Ceil`.
/// `None` when the result exceeds a u128. Inlined, so that each caller's rounding is a constant.
#[inline(always)]
pub(super) fn to_int(x: U256, rounding: Rounding) -> Option<u128> {
    let (q, r) = match below_2_128(x) {
        Some(x) => div_e18_wide(0, x),
        None => {
            let ([q0, q1, q2, q3], r) = div_e18(x.as_limbs());
            if q3 != 0 || q2 != 0 {
                return None;
            }
            (join(q1, q0), r)
        }
    };
    q.checked_add(u128::from(rounds_up(q, r, rounding)))
}

/// Whether the quotient `q` by 10^18 with remainder `r` rounds up.
fn rounds_up(q: u128, r: u64, rounding: Rounding) -> bool {
    rounding.rounds_up(q & 1 == 1, r == 0, r.cmp(&(E18_64 - r)))
}

/// The quotient variants on 512-bit integers, for a divisor of 129 bits or more that is not a
/// whole number below 2^128: `a·10^18 = q·b + r`, then the rounding of [`quo`].
fn quo_512(a: U256, b: U256, rounding: QuoRounding) -> Option<U256> {
    let e18 = U512::from(E18);
    let d = U512::from(b);
    let (q, r) = (U512::from(a) * e18).div_rem(d);
    let up = match rounding {
        QuoRounding::Down => false,
        QuoRounding::Up => !r.is_zero(),
        QuoRounding::Chop => r >= d - r && (q.bit(0) || (r - (d - r)) * U512::from(HALF_E18) >= d),
    };
    let q = if up { q + U512::ONE } else { q };
    U256::checked_from_limbs_slice(q.as_limbs())
}

/// `(high, low)` 128-bit halves of a 256-bit value.
fn halves(x: U256) -> (u128, u128) {
    let l = x.as_limbs();
    (join(l[3], l[2]), join(l[1], l[0]))
}

/// The u128 with 64-bit halves `(high, low)`.
fn join(high: u64, low: u64) -> u128 {
    (u128::from(high) << 64) | u128::from(low)
}

/// The 256-bit value with 128-bit halves `(high, low)`, plus one when `up`; `None` at 2^256.
fn add_up(high: u128, low: u128, up: bool) -> Option<U256> {
    let (low, carry) = low.overflowing_add(u128::from(up));
    let high = high.checked_add(u128::from(carry))?;
    let limbs = [low as u64, (low >> 64) as u64, high as u64, (high >> 64) as u64];
    Some(U256::from_limbs(limbs))
}

/// `k` when `b = k·10^18` exactly with `k < 2^128` (a whole-number divisor); otherwise `None`.
/// Below 2^128, an exact-division test instead of a division: `b` must be a multiple of 2^18,
/// and `m = b/2^18` one of 5^18, which holds exactly when `m·(5^18)^-1 mod 2^128` (which is then
/// `m/5^18`) is at most `(2^128 − 1)/5^18` (multiplying by the inverse maps the multiples of 5^18
/// one to one onto that range).
fn whole_below_2_128(b: U256) -> Option<u128> {
    if b.as_limbs()[0] & LOW_18_BITS != 0 {
        return None; // not even a multiple of 2^18
    }
    if let Some(b) = below_2_128(b) {
        let k = (b >> 18).wrapping_mul(FIVE_18_INVERSE);
        return (k <= u128::MAX / FIVE_18).then_some(k);
    }
    let ([k0, k1, k2, k3], r) = div_e18(b.as_limbs());
    (r == 0 && k3 == 0 && k2 == 0).then_some(join(k1, k0))
}

/// The inverse of an odd `d` modulo 2^128, by Newton's iteration `x ← x·(2 − d·x)`: `x = d` is
/// right to 3 bits (`d² ≡ 1 mod 8` for odd `d`) and each step doubles that (3·2^6 ≥ 128).
const fn inverse_mod_2_128(d: u128) -> u128 {
    let mut x = d;
    let mut i = 0;
    while i < 6 {
        x = x.wrapping_mul(2u128.wrapping_sub(d.wrapping_mul(x)));
        i += 1;
    }
    x
}

/// The exact product `x·y` of a u128 and a limb as 128-bit halves `(high, low)`: two
/// multiplications instead of [`mul_wide`]'s four.
fn mul_by_limb(x: u128, y: u64) -> (u128, u128) {
    let (p1, p0) = ((x >> 64) * u128::from(y), u128::from(x as u64) * u128::from(y));
    let (low, carry) = p0.overflowing_add(p1 << 64);
    ((p1 >> 64) + u128::from(carry), low)
}

/// `x` as a u128 when it is below 2^128.
fn below_2_128(x: U256) -> Option<u128> {
    let l = x.as_limbs();
    (l[2] | l[3] == 0).then(|| join(l[1], l[0]))
}

/// `a·b` in 64-bit limbs, least significant first; `None` from 2^320 on, where every quotient
/// by 10^18 exceeds 256 bits. Schoolbook on the significant limbs only.
fn product(a: &[u64; 4], b: &[u64; 4]) -> Option<[u64; 5]> {
    let (na, nb) = (significant(a), significant(b));
    if na + nb > 6 {
        return None; // a·b ≥ 2^(64·(na − 1) + 64·(nb − 1)) ≥ 2^320
    }
    let mut p = [0u64; 6];
    for (i, &ai) in a.iter().enumerate().take(na) {
        let mut carry = 0u64;
        for (j, &bj) in b.iter().enumerate().take(nb) {
            let t = u128::from(ai) * u128::from(bj) + u128::from(p[i + j]) + u128::from(carry);
            p[i + j] = t as u64;
            carry = (t >> 64) as u64;
        }
        p[i + nb] = carry;
    }
    let [p0, p1, p2, p3, p4, p5] = p;
    (p5 == 0).then_some([p0, p1, p2, p3, p4])
}

/// The number of limbs up to the most significant non-zero one (0 for zero).
fn significant(x: &[u64; 4]) -> usize {
    x.iter().rposition(|&l| l != 0).map_or(0, |i| i + 1)
}

/// `a·10^18` in chunks (below 2^316, so it always fits).
fn times_e18(a1: u128, a0: u128) -> Chunks {
    let (h0, c0) = mul_wide(a0, E18);
    if a1 == 0 {
        return (0, h0, c0);
    }
    let (h1, l1) = mul_wide(a1, E18);
    let (c1, carry) = h0.overflowing_add(l1);
    (h1 + u128::from(carry), c1, c0)
}

/// `(⌊n/10^18⌋, n mod 10^18)` for `n` in 64-bit limbs, least significant first: one 2-by-1
/// reciprocal division per limb, except the leading zero limbs and, after them, a limb below
/// 10^18 (which is the first remainder).
fn div_e18<const N: usize>(n: &[u64; N]) -> ([u64; N], u64) {
    let mut q = [0; N];
    let mut i = N;
    while i > 0 && n[i - 1] == 0 {
        i -= 1;
    }
    let mut r = 0u64;
    if i > 0 && n[i - 1] < E18_64 {
        i -= 1;
        r = n[i];
    }
    while i > 0 {
        i -= 1;
        (q[i], r) = div_e18_step(r, n[i]);
    }
    (q, r)
}

/// `(⌊(h·2^128 + l)/10^18⌋, remainder)` for `h < 10^18` (so that the quotient fits 128 bits):
/// two limb steps, or one when the value is below 10^18·2^64.
fn div_e18_wide(h: u64, l: u128) -> (u128, u64) {
    let (l1, l0) = ((l >> 64) as u64, l as u64);
    let (q1, r) = if h == 0 && l1 < E18_64 { (0, l1) } else { div_e18_step(h, l1) };
    let (q0, r) = div_e18_step(r, l0);
    (join(q1, q0), r)
}

/// `((r·2^64 + x)/10^18, remainder)` for `r < 10^18`: one 2-by-1 reciprocal division. The value
/// shifted to normalize the divisor stays below 2^128 (`r < 2^60`) with a top limb below the
/// normalized divisor, so the quotient fits 64 bits.
#[inline]
fn div_e18_step(r: u64, x: u64) -> (u64, u64) {
    let q = E18_DIVISOR.narrow_quotient(join(r, x) << E18_DIVISOR.shift());
    (q, x.wrapping_sub(q.wrapping_mul(E18_64)))
}

/// `(⌊n/d⌋` as 128-bit halves, `n mod d)` for the divisor `div` of `d`; `None` when the
/// quotient reaches 2^256 (the top chunk is `d` or more).
fn div_chunks(div: &Divisor, d: u128, (c2, c1, c0): Chunks) -> Option<(u128, u128, u128)> {
    let (q1, r) = if c2 == 0 && c1 < d { (0, c1) } else { div.div_rem_wide(c2, c1)? };
    let (q0, r) = div.div_rem_wide(r, c0)?;
    Some((q1, q0, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_of_five_18() {
        assert_eq!(FIVE_18, 5u128.pow(18));
        assert_eq!(FIVE_18 << 18, E18);
        assert_eq!(FIVE_18.wrapping_mul(FIVE_18_INVERSE), 1);
        assert_eq!(inverse_mod_2_128(3).wrapping_mul(3), 1);
        assert_eq!(inverse_mod_2_128(u128::MAX), u128::MAX);
    }

    #[test]
    fn whole_divisors() {
        let whole = |x: u128| whole_below_2_128(U256::from(x));
        assert_eq!(whole(E18), Some(1));
        assert_eq!(whole(7 * E18), Some(7));
        assert_eq!(whole(0), Some(0));
        assert_eq!(whole(E18 + (1 << 18)), None); // a multiple of 2^18, not of 10^18
        assert_eq!(whole(E18 / 2), None);
        assert_eq!(whole(u128::MAX / E18 * E18), Some(u128::MAX / E18));
        assert_eq!(whole(3 << 18), None);
        let above = U256::from(u128::MAX) * U256::from(E18);
        assert_eq!(whole_below_2_128(above), Some(u128::MAX));
        assert_eq!(whole_below_2_128(above + U256::from(E18)), None); // k = 2^128
        assert_eq!(whole_below_2_128(above - U256::from(1u64 << 18)), None);
    }
}
