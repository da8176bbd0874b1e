//! The chunked kernels against the 512-bit reference (Cosmos's definitions written on `U512`,
//! with one division each), over edge values, constructed half-way ties, the overflow bound, and
//! random operands of every size.

use num_bigint::BigUint;
use proptest::prelude::*;
use ruint::aliases::{U256, U512};

use super::kernels::{self, QuoRounding};
use super::{Dec, E18};
use crate::arith::Rounding;

// ---- reference: the 512-bit definitions ------------------------------------------------

const E18_512: U512 = U512::from_limbs([E18, 0, 0, 0, 0, 0, 0, 0]);

fn narrow(x: U512) -> Option<U256> {
    U256::checked_from_limbs_slice(x.as_limbs())
}

fn div_round(n: U512, d: U512, rounding: Rounding) -> U512 {
    let (q, r) = n.div_rem(d);
    let up = rounding.rounds_up(q.bit(0), r.is_zero(), r.cmp(&(d - r)));
    if up { q + U512::ONE } else { q }
}

fn ref_mul(a: U256, b: U256, rounding: Rounding) -> Option<U256> {
    narrow(div_round(U512::from(a) * U512::from(b), E18_512, rounding))
}

fn ref_quo(a: U256, b: U256, rounding: QuoRounding) -> Option<U256> {
    let (a, b) = (U512::from(a), U512::from(b));
    match rounding {
        QuoRounding::Chop => {
            let q = div_round(a * E18_512 * E18_512, b, Rounding::Down);
            narrow(div_round(q, E18_512, Rounding::NearestHalfEven))
        }
        QuoRounding::Down => narrow(div_round(a * E18_512, b, Rounding::Down)),
        QuoRounding::Up => narrow(div_round(a * E18_512, b, Rounding::Up)),
    }
}

fn ref_to_int(x: U256, rounding: Rounding) -> Option<u128> {
    let q = div_round(U512::from(x), E18_512, rounding);
    u128::try_from(q).ok()
}

const ROUNDINGS: [Rounding; 5] = [
    Rounding::Down,
    Rounding::Up,
    Rounding::NearestHalfDown,
    Rounding::NearestHalfUp,
    Rounding::NearestHalfEven,
];
const QUOS: [QuoRounding; 3] = [QuoRounding::Chop, QuoRounding::Down, QuoRounding::Up];

/// Every kernel on `(a, b)` (and on `(b, a)`) against the reference.
fn check(a: U256, b: U256) {
    for (x, y) in [(a, b), (b, a)] {
        for r in ROUNDINGS {
            assert_eq!(kernels::mul(x, y, r), ref_mul(x, y, r), "mul {x} {y} {r:?}");
        }
        if !y.is_zero() {
            for r in QUOS {
                assert_eq!(kernels::quo(x, y, r), ref_quo(x, y, r), "quo {x} {y} {r:?}");
            }
        }
    }
    for x in [a, b] {
        for r in ROUNDINGS {
            assert_eq!(kernels::to_int(x, r), ref_to_int(x, r), "to_int {x} {r:?}");
        }
    }
}

fn u(x: u128) -> U256 {
    U256::from(x)
}

fn big(x: U256) -> BigUint {
    BigUint::from_bytes_le(&x.to_le_bytes::<32>())
}

fn from_big(x: &BigUint) -> Option<U256> {
    let bytes = x.to_bytes_le();
    (bytes.len() <= 32).then(|| U256::from_le_slice(&bytes))
}

/// Edge values: 0, one unit, around 1, the 0.5 of half-even ties, whole numbers, limb and
/// chunk boundaries, and the top of the 256-bit range and of the whole-divisor fast path.
fn edges() -> Vec<U256> {
    let e18 = u(E18.into());
    let mut v = vec![
        U256::ZERO,
        U256::ONE,
        u(2),
        u(3),
        u(u128::from(E18 / 2)),
        u(u128::from(E18 / 2 + 1)),
        e18 - U256::ONE,
        e18,
        e18 + U256::ONE,
        u(3 * u128::from(E18) / 2),
        u(5 * u128::from(E18) / 2),
        u(7 * u128::from(E18)),
        u(10_000 * u128::from(E18)),
        e18 * e18,
        e18 * e18 - U256::ONE,
        U256::MAX,
        U256::MAX - U256::ONE,
        U256::MAX / e18,
        U256::MAX / e18 * e18,
        u(u128::MAX) * e18,
        (u(u128::MAX) + U256::ONE) * e18,
        u(u128::MAX) * e18 + U256::ONE,
        u(u128::MAX - 1) * e18,
    ];
    // Multiples of 2^18 that are not whole, next to whole ones.
    for k in [1u128, 3, 1 << 64, u128::MAX / u128::from(E18)] {
        let w = u(k) * e18;
        v.extend([w + (U256::ONE << 18), w - (U256::ONE << 18), w + (U256::ONE << 100)]);
    }
    for bits in [18, 59, 60, 63, 64, 65, 127, 128, 129, 157, 158, 191, 192, 193, 255] {
        let p = U256::ONE << bits;
        v.extend([p - U256::ONE, p, p + U256::ONE]);
    }
    // Around the overflow bound of Mul by 0.5, 1, 2 and 1e18 + 1 units: ⌊(2^256 − ½)·10^18/b⌋.
    for b in [u(E18.into()) / u(2), e18, e18 * u(2), e18 + U256::ONE] {
        let bound = ((BigUint::from(1u8) << 256u32) * BigUint::from(E18)) / big(b);
        for x in [&bound - 1u8, bound.clone(), &bound + 1u8] {
            v.extend(from_big(&x));
        }
    }
    v
}

#[test]
fn kernels_match_reference_on_edges() {
    let v = edges();
    for &a in &v {
        for &b in &v {
            check(a, b);
        }
    }
}

#[test]
fn worked_examples() {
    let d = |s: &str| s.parse::<Dec>().expect("dec").raw();
    // 1.5 × 1.5 = 2.25; 2.5e-18 × 1 rounds to 2e-18 (tie, even); 3.5e-18 → 4e-18.
    assert_eq!(kernels::mul(d("1.5"), d("1.5"), Rounding::NearestHalfEven), Some(d("2.25")));
    let half_units = |n: u128| kernels::mul(u(n), d("0.5"), Rounding::NearestHalfEven);
    assert_eq!(half_units(5), Some(u(2)));
    assert_eq!(half_units(7), Some(u(4)));
    // 7 / 2 by a whole divisor and 7e-18 / 2 (the 36-decimal digits 5e17 exactly: tie to 4e-18).
    assert_eq!(kernels::quo(d("7"), d("2"), QuoRounding::Chop), Some(d("3.5")));
    assert_eq!(kernels::quo(u(7), d("2"), QuoRounding::Chop), Some(u(4)));
    assert_eq!(kernels::quo(u(5), d("2"), QuoRounding::Chop), Some(u(2)));
    assert_eq!(kernels::quo(u(5), d("2"), QuoRounding::Up), Some(u(3)));
    // 2 / 3 by a non-whole divisor of the same value (2.000…0 / 3.000…0 shifted by a unit).
    assert_eq!(
        kernels::quo(d("2"), d("3.000000000000000001"), QuoRounding::Down),
        Some(d("0.666666666666666666"))
    );
    // The largest Dec divided by 1 and by 0.999999999999999999 (overflow).
    assert_eq!(kernels::quo(U256::MAX, d("1"), QuoRounding::Chop), Some(U256::MAX));
    assert_eq!(kernels::quo(U256::MAX, d("0.999999999999999999"), QuoRounding::Down), None);
    // A divisor of 2^200 units that is not whole goes through 512 bits: 2^200 / 2^200 = 1.
    let p = U256::ONE << 200;
    assert_eq!(kernels::quo(p, p, QuoRounding::Chop), Some(d("1")));
    assert_eq!(kernels::to_int(d("2.5"), Rounding::NearestHalfEven), Some(2));
    assert_eq!(kernels::to_int(U256::MAX, Rounding::Down), None);
}

// ---- random operands ----------------------------------------------------------------

/// A value of `bits` random bits (top bit set when `bits > 0`): every size from 0 to 256.
fn sized() -> impl Strategy<Value = U256> {
    (0usize..=256, any::<[u64; 4]>()).prop_map(|(bits, l)| {
        let x = U256::from_limbs(l);
        if bits == 0 { U256::ZERO } else { (x >> (256 - bits)) | (U256::ONE << (bits - 1)) }
    })
}

/// A whole number `k·10^18`, `k` of every size up to the 256-bit bound (past 2^128 too).
fn whole() -> impl Strategy<Value = U256> {
    sized().prop_map(|k| k.checked_mul(u(E18.into())).unwrap_or(k / u(E18.into()) * u(E18.into())))
}

/// A multiple of 2^18 (of 10^18 only by chance): the whole-divisor test's other half.
fn even_18() -> impl Strategy<Value = U256> {
    sized().prop_map(|x| x >> 18u32 << 18u32)
}

fn any_raw() -> impl Strategy<Value = U256> {
    prop_oneof![sized(), whole(), even_18(), any::<u64>().prop_map(|x| u(x.into()))]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn kernels_match_reference(a in any_raw(), b in any_raw()) {
        check(a, b);
    }

    /// Mul ties: an odd raw value times an odd multiple of 0.5 ends in exactly half a unit.
    #[test]
    fn mul_ties_match_reference(x in sized(), y in sized()) {
        let a = x | U256::ONE;
        let b = (y >> 70u32 | U256::ONE) * u((E18 / 2).into());
        check(a, b);
    }

    /// Quo ties: `a` chosen so that the 36-decimal quotient ends in exactly 5·10^17, for a
    /// divisor of value 10^-18 … 10^21 (whole or not) and an integer part of every size.
    #[test]
    fn quo_ties_match_reference(b in sized(), m in sized()) {
        let b = big(b) >> 100u32 | BigUint::from(1u8) << 120u32 | BigUint::from(1u8);
        let e18 = BigUint::from(E18);
        let target = (big(m) >> 80u32) * &e18 + &e18 / 2u8;
        let e36 = &e18 * &e18;
        let a = (&b * &target + &e36 - 1u8) / &e36;
        prop_assert_eq!(&a * &e36 / &b, target);
        if let (Some(a), Some(b)) = (from_big(&a), from_big(&b)) {
            check(a, b);
        }
    }

    /// Quo ties by a whole divisor `2j`: `j·(2m + 1) / 2j` is `m + 0.5` units exactly.
    #[test]
    fn whole_quo_ties_match_reference(j in sized(), m in sized()) {
        let j = (j >> 130u32) | U256::ONE;
        let a = j * ((m >> 130u32) * u(2) + U256::ONE);
        check(a, j * u(2) * u(E18.into()));
    }
}
