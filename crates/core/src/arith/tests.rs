//! The arithmetic against a slow, obviously-correct oracle on arbitrary-precision integers:
//! [`mul_div`] with every rounding, [`ProRata`], [`ppm_floor`], and the 256-by-128-bit division
//! they rest on, over edge values and random operands of every magnitude.

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
    /// to 2^100, exactly, with every rounding.
    #[test]
    fn mul_div_large_pool_shares_match_oracle(x in 0u128..1u128 << 80, y in 0u128..1u128 << 60, qb in 16u32..100, e in 0u128..1u128 << 20, r in any_rounding()) {
        let (a, b) = ((1u128 << 80) + x, (1u128 << 60) + y);
        let c = (a >> (qb / 2)) * (b >> (qb - qb / 2)) + e;
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
    fn division_by_a_constant_by_limbs_matches_u128(x in any::<u128>(), small in any::<u64>()) {
        for x in [x, u128::from(small), u128::MAX, 0] {
            prop_assert_eq!(div_rem_const::<100>(x), (x / 100, (x % 100) as u64));
            prop_assert_eq!(div_rem_const::<1>(x), (x, 0));
            prop_assert_eq!(div_rem_const::<7>(x), (x / 7, (x % 7) as u64));
            let m = u128::from(u32::MAX);
            prop_assert_eq!(div_rem_const::<{ u32::MAX as u64 }>(x), (x / m, (x % m) as u64));
        }
    }

    #[test]
    fn percent_floor_matches_mul_div(a in any::<u128>(), small in any::<u64>(), percent in any::<u8>()) {
        for a in [a, u128::from(small), u128::MAX] {
            prop_assert_eq!(percent_floor(a, percent).ok(), mul_div(a, u128::from(percent), 100, Rounding::Down).ok());
        }
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

/// Values at the limbs' edges: 0, 1, around 2^63, 2^64 and 2^127, and the largest.
const EDGES: [u128; 16] = [
    0,
    1,
    2,
    3,
    (1 << 63) - 1,
    1 << 63,
    (1 << 64) - 1,
    1 << 64,
    (1 << 64) + 1,
    1_000_000_000_000_000_000,
    (1 << 127) - 1,
    1 << 127,
    (1 << 127) + 1,
    u128::MAX - 1,
    u128::MAX,
    0xFFFF_FFFF_FFFF_FFFF_0000_0000_0000_0001,
];

/// `(hi·2^128 + lo) / d` and its remainder on big integers; `None` when the quotient does not
/// fit a u128.
fn wide_oracle(hi: u128, lo: u128, d: u128) -> Option<(u128, u128)> {
    let n = (BigUint::from(hi) << 128u32) + BigUint::from(lo);
    let (q, r) = n.div_rem(&BigUint::from(d));
    Some((u128::try_from(q).ok()?, u128::try_from(r).expect("below d")))
}

#[test]
fn mul_wide_known_values() {
    assert_eq!(mul_wide(0, u128::MAX), (0, 0));
    assert_eq!(mul_wide(1 << 64, 1 << 64), (1, 0));
    // (2^128 − 1)² = 2^256 − 2^129 + 1.
    assert_eq!(mul_wide(u128::MAX, u128::MAX), (u128::MAX - 1, 1));
    // (2^64 + 3)(2^64 + 5) = 2^128 + 8·2^64 + 15.
    assert_eq!(mul_wide((1 << 64) + 3, (1 << 64) + 5), (1, (8 << 64) + 15));
}

#[test]
fn wide_division_known_values() {
    let d = Divisor::new(3).expect("non-zero");
    // 2^128 / 3 = 113427455640312821154458202477256070485 remainder 1.
    assert_eq!(
        d.div_rem_wide(1, 0),
        Some((113_427_455_640_312_821_154_458_202_477_256_070_485, 1))
    );
    assert_eq!(d.div_rem_wide(3, 0), None);
    let d = Divisor::new(u128::MAX).expect("non-zero");
    // (2^128 − 2)·2^128 + (2^128 − 1) = (2^128 − 1)·(2^128 − 1) + (2^128 − 2).
    assert_eq!(d.div_rem_wide(u128::MAX - 1, u128::MAX), Some((u128::MAX, u128::MAX - 1)));
    // 10^38·(10^20 + 7) + 5 over 10^20 + 7: 10^38 remainder 5 (a reward-per-share increment).
    let d = Divisor::new(100_000_000_000_000_000_007).expect("non-zero");
    let (hi, lo) =
        mul_wide(100_000_000_000_000_000_000_000_000_000_000_000_000, 100_000_000_000_000_000_007);
    let lo5 = lo.wrapping_add(5);
    let hi5 = hi + u128::from(lo5 < lo);
    assert_eq!(
        d.div_rem_wide(hi5, lo5),
        Some((100_000_000_000_000_000_000_000_000_000_000_000_000, 5))
    );
    assert!(Divisor::new(0).is_none());
}

#[test]
fn wide_division_edges_match_oracle() {
    for &d in EDGES.iter().filter(|&&d| d > 0) {
        let div = Divisor::new(d).expect("non-zero");
        for &hi in &EDGES {
            for &lo in &EDGES {
                assert_eq!(div.div_rem_wide(hi, lo), wide_oracle(hi, lo, d), "{hi} {lo} / {d}");
            }
            // The largest numerator whose quotient fits: (d − 1)·2^128 + (2^128 − 1).
            assert_eq!(div.div_rem_wide(d - 1, u128::MAX), wide_oracle(d - 1, u128::MAX, d));
        }
    }
}

#[test]
fn pro_rata_edges_match_mul_div() {
    for &a in &EDGES {
        for &c in EDGES.iter().filter(|&&c| c > 0) {
            let p = ProRata::new(a, c).expect("non-zero");
            for &b in &EDGES {
                let want = mul_div(a, b, c, Rounding::Down).ok();
                assert_eq!(want, oracle(a, b, c, Rounding::Down), "{a}·{b}/{c}");
                assert_eq!(p.floor(b).ok(), want, "{a}·{b}/{c}");
            }
        }
    }
    assert!(matches!(ProRata::new(1, 0), Err(Error::DivisionByZero { .. })));
}

proptest! {
    #[test]
    fn mul_wide_matches_oracle(a in any::<u128>(), b in any::<u128>()) {
        let (hi, lo) = mul_wide(a, b);
        let want = BigUint::from(a) * BigUint::from(b);
        prop_assert_eq!((BigUint::from(hi) << 128u32) + BigUint::from(lo), want);
    }

    /// Every magnitude of divisor (one limb or two, any shift) and numerator.
    #[test]
    fn wide_division_matches_oracle(db in 1u32..=128, d in any::<u128>(), hb in 0u32..=128, hi in any::<u128>(), lo in any::<u128>()) {
        let d = (d >> (128 - db)).max(1);
        let hi = if hb == 0 { 0 } else { hi >> (128 - hb) };
        let div = Divisor::new(d).expect("non-zero");
        prop_assert_eq!(div.div_rem_wide(hi, lo), wide_oracle(hi, lo, d));
        // With hi below d, the quotient always fits.
        let hi = hi % d;
        prop_assert_eq!(div.div_rem_wide(hi, lo), wide_oracle(hi, lo, d));
    }

    /// A one-limb divisor and a numerator below d·2^64: the 2-by-1 path alone.
    #[test]
    fn narrow_quotient_matches_division(d in 1u64..=u64::MAX, q in any::<u64>(), r in any::<u64>()) {
        let div = Divisor::new(u128::from(d)).expect("non-zero");
        let n = u128::from(q % d) << 64 | u128::from(r);
        prop_assert_eq!(u128::from(div.narrow_quotient(n << div.shift())), n / u128::from(d));
    }

    /// The shares of settled traffic and of voting power: the narrow path (everything below
    /// 2^64) and the wide one, against the plain formula.
    #[test]
    fn pro_rata_narrow_and_wide_match_mul_div(a in any::<u128>(), b in any::<u64>(), c in 1u64..=u64::MAX, wide in any::<u128>()) {
        for (a, b, c) in [(a >> 64, u128::from(b), u128::from(c)), (a, u128::from(b), u128::from(c)), (a, wide, u128::from(c)), (a, u128::from(b), wide.max(1))] {
            let p = ProRata::new(a, c).expect("non-zero");
            prop_assert_eq!(p.floor(b).ok(), mul_div(a, b, c, Rounding::Down).ok());
        }
    }
}

proptest! {
    /// Numerators built from a chosen quotient and remainder, with divisors whose top limb is
    /// just normalized and whose next limb is large: where the quotient limb's estimate is
    /// furthest above it.
    #[test]
    fn wide_division_recovers_quotient(q in any::<u128>(), top in 0u64..16, next in any::<u64>(), s in 0u32..64, rem in any::<u128>()) {
        let d = (((1u128 << 63) + u128::from(top)) << 64 | u128::from(next | 1 << 63)) >> s;
        let rem = rem % d;
        let n = BigUint::from(q) * BigUint::from(d) + BigUint::from(rem);
        let lo = u128::try_from(&n & BigUint::from(u128::MAX)).expect("masked");
        let hi = u128::try_from(n >> 128u32).expect("below 2^256");
        let div = Divisor::new(d).expect("non-zero");
        prop_assert_eq!(div.div_rem_wide(hi, lo), Some((q, rem)));
    }
}
