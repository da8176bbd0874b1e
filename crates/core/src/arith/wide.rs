//! Exact division of a 256-bit numerator by a u128 divisor, for the pro-rata shares and the
//! reward-per-share increments: [`mul_wide`] (the 256-bit product of two u128) and [`Divisor`]
//! (a divisor prepared once, then `⌊n/d⌋` with its remainder for each numerator whose quotient
//! fits a u128). Integers only, no float and no fallback: every quotient is exact.
//!
//! # Algorithms
//! Numbers are handled as 64-bit limbs. The divisor is normalized (shifted left until its top
//! bit is set, the numerator by as much) and its reciprocal computed once; each quotient limb
//! then comes from a division by that reciprocal (Möller and Granlund, "Improved division by
//! invariant integers", IEEE Trans. Computers, 2011): for a one-limb divisor, a 2-by-1 division
//! (algorithm 4: one 64×64 multiplication and at most two corrections); for a two-limb divisor,
//! a 3-by-2 division (algorithm 5, with the reciprocal of algorithm 6: two multiplications and
//! at most two corrections). No division instruction but the one that makes a reciprocal.
//! [`Divisor::new`] is a `const fn`, so a divisor known in advance (such as `Dec`'s 10^18) is
//! prepared at compile time.

/// The low 64 bits of a u128.
const LOW: u128 = u64::MAX as u128;

/// The exact 256-bit product `a·b` as (high, low) halves.
#[must_use]
pub(crate) fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    let (a1, a0) = (a >> 64, a & LOW);
    let (b1, b0) = (b >> 64, b & LOW);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    // Each term below 2^64, so the middle column is below 3·2^64.
    let mid = (p00 >> 64) + (p01 & LOW) + (p10 & LOW);
    let lo = (p00 & LOW) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

/// A divisor `d > 0` prepared for exact divisions: normalized, with its reciprocal.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Divisor {
    d: u128,
    /// The left shift (below 64) that sets the top bit of the divisor's top limb.
    shift: u32,
    /// The normalized top limb, and the next one (zero for a one-limb divisor).
    v1: u64,
    v0: u64,
    /// The reciprocal: `⌊(2^128 − 1)/v1⌋ − 2^64` for a one-limb divisor, `⌊(2^192 − 1)/(v1, v0)⌋
    /// − 2^64` for a two-limb one.
    inv: u64,
}

impl Divisor {
    /// Prepares `d`. `None` when `d == 0`.
    #[inline]
    #[must_use]
    pub(crate) const fn new(d: u128) -> Option<Divisor> {
        if d == 0 {
            return None;
        }
        let (shift, v1, v0) = if d >> 64 == 0 {
            let s = (d as u64).leading_zeros();
            (s, (d as u64) << s, 0)
        } else {
            let s = d.leading_zeros();
            let n = d << s;
            (s, (n >> 64) as u64, n as u64)
        };
        let inv = if d >> 64 == 0 { reciprocal_2by1(v1) } else { reciprocal_3by2(v1, v0) };
        Some(Divisor { d, shift, v1, v0, inv })
    }

    /// Whether the divisor fits one limb (below 2^64).
    #[inline]
    #[must_use]
    pub(crate) fn is_narrow(&self) -> bool {
        self.d >> 64 == 0
    }

    /// The left shift that normalizes the divisor: a numerator shifted by as much goes to
    /// [`Divisor::narrow_quotient`].
    #[inline]
    #[must_use]
    pub(crate) fn shift(&self) -> u32 {
        self.shift
    }

    /// `⌊n/d⌋` for a one-limb divisor, given `n·2^shift` (which the caller forms without a
    /// shift, as `(r·2^shift)·b`) below `d·2^(64 + shift)`, so that the quotient fits 64 bits.
    #[inline]
    #[must_use]
    pub(crate) fn narrow_quotient(&self, shifted: u128) -> u64 {
        debug_assert!(self.is_narrow() && ((shifted >> 64) as u64) < self.v1);
        div_2by1((shifted >> 64) as u64, shifted as u64, self.v1, self.inv).0
    }

    /// `(⌊(hi·2^128 + lo) / d⌋, remainder)`, exact; `None` when the quotient does not fit a
    /// u128 (`hi ≥ d`).
    #[inline]
    #[must_use]
    pub(crate) fn div_rem_wide(&self, hi: u128, lo: u128) -> Option<(u128, u128)> {
        if hi >= self.d {
            return None;
        }
        // The numerator shifted by s: four limbs, the carry out of the top one zero since
        // n < d·2^128.
        let s = self.shift;
        let (n3, n2, n1, n0) = ((hi >> 64) as u64, hi as u64, (lo >> 64) as u64, lo as u64);
        let (u3, u2, u1, u0) = (shl(n3, n2, s), shl(n2, n1, s), shl(n1, n0, s), n0 << s);
        let (q1, q0, r) = if self.is_narrow() {
            // n3 = 0 and n2 < d: the top limb u2 stays below v1.
            let (q1, r) = div_2by1(u2, u1, self.v1, self.inv);
            let (q0, r) = div_2by1(r, u0, self.v1, self.inv);
            (q1, q0, u128::from(r))
        } else {
            // (u3, u2) stays below (v1, v0).
            let (q1, r) = self.div_3by2(u3, u2, u1);
            let (q0, r) = self.div_3by2((r >> 64) as u64, r as u64, u0);
            (q1, q0, r)
        };
        Some(((u128::from(q1) << 64) | u128::from(q0), r >> s))
    }

    /// The quotient limb and the remainder of `(u2, u1, u0)` by the normalized two-limb divisor
    /// `(v1, v0)`, given `(u2, u1) < (v1, v0)`: Möller and Granlund's algorithm 5.
    #[inline]
    fn div_3by2(&self, u2: u64, u1: u64, u0: u64) -> (u64, u128) {
        let d = (u128::from(self.v1) << 64) | u128::from(self.v0);
        let q = u128::from(self.inv) * u128::from(u2) + ((u128::from(u2) << 64) | u128::from(u1));
        let (mut q1, q0) = ((q >> 64) as u64, q as u64);
        let r1 = u1.wrapping_sub(q1.wrapping_mul(self.v1));
        let t = u128::from(self.v0) * u128::from(q1);
        let mut r = ((u128::from(r1) << 64) | u128::from(u0)).wrapping_sub(t).wrapping_sub(d);
        q1 = q1.wrapping_add(1);
        if (r >> 64) as u64 >= q0 {
            q1 = q1.wrapping_sub(1);
            r = r.wrapping_add(d);
        }
        if r >= d {
            q1 += 1;
            r -= d;
        }
        (q1, r)
    }
}

/// `(a·2^64 + b) << s >> 64`: the top limb of a two-limb number shifted left by `s < 64`.
#[inline]
fn shl(a: u64, b: u64, s: u32) -> u64 {
    // b >> (64 − s), written so that s = 0 gives 0 rather than an out-of-range shift.
    (a << s) | ((b >> 1) >> (63 - s))
}

/// `⌊(2^128 − 1)/d⌋ − 2^64` for a normalized `d` (top bit set): in [0, 2^64).
const fn reciprocal_2by1(d: u64) -> u64 {
    (u128::MAX / d as u128 - (1 << 64)) as u64
}

/// `⌊(2^192 − 1)/(d1, d0)⌋ − 2^64` for a normalized `d1`, from the reciprocal of `d1`:
/// Möller and Granlund's algorithm 6.
const fn reciprocal_3by2(d1: u64, d0: u64) -> u64 {
    let mut v = reciprocal_2by1(d1);
    let mut p = d1.wrapping_mul(v).wrapping_add(d0);
    if p < d0 {
        v = v.wrapping_sub(1);
        if p >= d1 {
            v = v.wrapping_sub(1);
            p = p.wrapping_sub(d1);
        }
        p = p.wrapping_sub(d1);
    }
    let t = v as u128 * d0 as u128;
    let (t1, t0) = ((t >> 64) as u64, t as u64);
    p = p.wrapping_add(t1);
    if p < t1 {
        v = v.wrapping_sub(1);
        if (((p as u128) << 64) | t0 as u128) >= (((d1 as u128) << 64) | d0 as u128) {
            v = v.wrapping_sub(1);
        }
    }
    v
}

/// `((u1·2^64 + u0) / d, remainder)` for a normalized `d` (top bit set) with reciprocal `inv`
/// and `u1 < d`: Möller and Granlund's algorithm 4.
#[inline]
fn div_2by1(u1: u64, u0: u64, d: u64, inv: u64) -> (u64, u64) {
    let p = u128::from(inv) * u128::from(u1) + ((u128::from(u1) << 64) | u128::from(u0));
    let mut q1 = ((p >> 64) as u64).wrapping_add(1);
    let q0 = p as u64;
    let mut r = u0.wrapping_sub(q1.wrapping_mul(d));
    if r > q0 {
        q1 = q1.wrapping_sub(1);
        r = r.wrapping_add(d);
    }
    if r >= d {
        q1 += 1;
        r -= d;
    }
    (q1, r)
}

#[cfg(test)]
mod tests {
    //! The reciprocals against their definitions on big integers.
    use num_bigint::BigUint;
    use proptest::prelude::*;

    use super::*;

    fn want(numerator_bits: u32, d: BigUint) -> u64 {
        let n = (BigUint::from(1u8) << numerator_bits) - 1u8;
        u64::try_from((n / d) - (BigUint::from(1u8) << 64u32)).expect("below 2^64")
    }

    #[test]
    fn reciprocals_at_the_edges() {
        assert_eq!(reciprocal_2by1(1 << 63), u64::MAX);
        assert_eq!(reciprocal_2by1(u64::MAX), 1);
        assert_eq!(reciprocal_3by2(1 << 63, 0), u64::MAX);
        assert_eq!(reciprocal_3by2(u64::MAX, u64::MAX), 0);
        for (d1, d0) in [(1 << 63, 1), (1 << 63, u64::MAX), (u64::MAX, 0), (u64::MAX - 1, u64::MAX)]
        {
            let d = (BigUint::from(d1) << 64u32) + BigUint::from(d0);
            assert_eq!(reciprocal_3by2(d1, d0), want(192, d));
        }
    }

    proptest! {
        #[test]
        fn reciprocals_match_definition(d1 in any::<u64>(), d0 in any::<u64>()) {
            let d1 = d1 | 1 << 63;
            prop_assert_eq!(reciprocal_2by1(d1), want(128, BigUint::from(d1)));
            let d = (BigUint::from(d1) << 64u32) + BigUint::from(d0);
            prop_assert_eq!(reciprocal_3by2(d1, d0), want(192, d));
        }
    }
}
