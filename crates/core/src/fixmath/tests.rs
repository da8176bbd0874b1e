//! Tests of [`super`]: hand-worked values, exact rational powers, and property tests against a
//! 512-bit oracle (plain Taylor series for `exp`, Newton's method on that `exp` for `ln` — a
//! different algorithm from the one under test, with no argument reduction).

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{One, ToPrimitive, Zero};
use proptest::prelude::*;

use super::*;

/// Fraction bits of the oracle.
const P: u32 = 512;

fn d(text: &str) -> Dec {
    text.parse().expect("a decimal literal")
}

fn o_one() -> BigInt {
    BigInt::one() << P
}

/// e^y, `y` and the result at scale 2^P: Taylor series to a zero term; 1/e^|y| below zero.
fn exp_o(y: &BigInt) -> BigInt {
    if y.sign() == Sign::Minus {
        return (o_one() << P) / exp_o(&-y);
    }
    let (mut term, mut sum) = (o_one(), o_one());
    for n in 1u32.. {
        term = ((&term * y) >> P) / n;
        if term.is_zero() {
            break;
        }
        sum += &term;
    }
    sum
}

/// ln(n/d) at scale 2^P: Newton's method `L ← L + x·e^−L − 1` from a float guess.
fn ln_o(n: &BigUint, d: &BigUint) -> BigInt {
    let guess = (n.to_f64().expect("f64") / d.to_f64().expect("f64")).ln();
    let mut l = BigInt::from((guess * 2f64.powi(52)) as i64) << (P - 52);
    let (n, d) = (BigInt::from(n.clone()), BigInt::from(d.clone()));
    for _ in 0..8 {
        let t = (&n << (2 * P)) / (&d * exp_o(&l));
        l = l + t - o_one();
    }
    l
}

fn big(x: u128) -> BigUint {
    BigUint::from(x)
}

/// `got` against the exact value `v` given at scale 2^P (already times the output unit): the
/// floor; or one below when `v` is within 2^−150 (relative, or absolute below one) above the
/// grid point; or one above when the oracle is within 2^−400 below a grid point (an exact case
/// that the oracle's own rounding misses).
fn check_floor(got: &BigInt, v: &BigInt) -> std::result::Result<(), String> {
    let fl = v >> P;
    let frac = v - (&fl << P);
    let band = std::cmp::max(v >> 150u32, BigInt::one() << (P - 150));
    let ok = *got == fl
        || (got + 1u32 == fl && frac < band)
        || (*got == &fl + 1u32 && (o_one() - &frac) < (BigInt::one() << (P - 400)));
    if ok { Ok(()) } else { Err(format!("got {got}, exact floor {fl}, fraction {frac}")) }
}

/// An internal value (scale 2^192) at the oracle's scale.
fn widen(x: U256) -> BigInt {
    BigInt::from(BigUint::from_bytes_le(&x.to_le_bytes::<32>())) << (P - 192)
}

fn signed(f: Fx) -> BigInt {
    if f.neg { -widen(f.mag) } else { widen(f.mag) }
}

/// |a − b| in internal ulps (2^−192), rounded down.
fn ulps(a: &BigInt, b: &BigInt) -> BigUint {
    (a - b).magnitude() >> (P - 192)
}

fn u256_big(x: U256) -> BigUint {
    BigUint::from_bytes_le(&x.to_le_bytes::<32>())
}

fn raw_big(x: Dec) -> BigInt {
    BigInt::from(u256_big(x.raw()))
}

const E18B: u128 = 1_000_000_000_000_000_000;

// ---- hand-worked values ---------------------------------------------------------------------

#[test]
fn constants_match_the_oracle() {
    let ln2 = ln_o(&big(2), &big(1));
    assert!(ulps(&widen(LN2), &ln2) < BigUint::one(), "ln 2");
    assert_eq!(u256_big(SQRT2), (BigUint::from(2u8) << 384u32).sqrt());
}

#[test]
fn ln_hand_values() {
    assert_eq!(ln(Dec::ONE).unwrap(), SDec::ZERO);
    // ln 2 = 0.693147180559945309417…, ln 10 = 2.302585092994045684017…: truncated.
    assert_eq!(ln(d("2")).unwrap().to_string(), "0.693147180559945309");
    assert_eq!(ln(d("0.5")).unwrap().to_string(), "-0.693147180559945309");
    assert_eq!(ln(d("10")).unwrap().to_string(), "2.302585092994045684");
    assert_eq!(ln(d("0.1")).unwrap().to_string(), "-2.302585092994045684");
    // e to 18 decimals is 2.718281828459045235 < e, so ln of it is just below 1.
    assert_eq!(ln(d("2.718281828459045235")).unwrap().to_string(), "0.999999999999999999");
    assert_eq!(ln(d("2.718281828459045236")).unwrap().to_string(), "1.000000000000000000");
    // The smallest Dec: ln 10^−18 = −41.446531673892822312…
    assert_eq!(ln(Dec::from_raw(U256::ONE)).unwrap().to_string(), "-41.446531673892822312");
    assert_eq!(ln_ratio(1, 4).unwrap().to_string(), "-1.386294361119890618");
    assert_eq!(ln_ratio(7, 7).unwrap(), SDec::ZERO);
    // ln(1 − 2^−100) ≈ −7.9·10^−31: below one ulp in magnitude, so zero (toward zero).
    assert_eq!(ln_ratio((1 << 100) - 1, 1 << 100).unwrap(), SDec::ZERO);
    assert!(matches!(ln(Dec::ZERO), Err(Error::InvalidParameter { .. })));
    assert!(matches!(ln_ratio(0, 1), Err(Error::InvalidParameter { .. })));
    assert!(matches!(ln_ratio(1, 0), Err(Error::InvalidParameter { .. })));
}

#[test]
fn exp_hand_values() {
    let s = |raw: i128| SDec::from_raw(raw);
    assert_eq!(exp(SDec::ZERO).unwrap(), Dec::ONE);
    // e = 2.718281828459045235360…, 1/e = 0.367879441171442321595…
    assert_eq!(exp(SDec::ONE).unwrap().to_string(), "2.718281828459045235");
    assert_eq!(exp(s(-(E18B as i128))).unwrap().to_string(), "0.367879441171442321");
    // 0.693147180559945309 is 4.2·10^−19 below ln 2: e^it = 2 − 8.3·10^−19, floored; one ulp
    // up is 5.8·10^−19 above ln 2: 2 + 1.17·10^−18.
    assert_eq!(exp(s(693_147_180_559_945_309)).unwrap().to_string(), "1.999999999999999999");
    assert_eq!(exp(s(693_147_180_559_945_310)).unwrap().to_string(), "2.000000000000000001");
    // e^−41.45 ≈ 9.99·10^−19 floors to 0; e^−41.44 ≈ 1.0065·10^−18 to one ulp.
    assert_eq!(exp(s(-41_450_000_000_000_000_000)).unwrap(), Dec::ZERO);
    assert_eq!(exp(s(-41_440_000_000_000_000_000)).unwrap().raw(), U256::ONE);
    assert_eq!(exp(s(-1_000 * E18B as i128)).unwrap(), Dec::ZERO);
    assert_eq!(exp(s(i128::MIN)).unwrap(), Dec::ZERO);
    // e^64 = 6235149080811616882909238708.928…
    assert_eq!(
        exp(EXP_MAX).unwrap().truncate_int().unwrap(),
        6_235_149_080_811_616_882_909_238_708
    );
    assert!(matches!(exp(s(EXP_MAX.raw() + 1)), Err(Error::Overflow { .. })));
}

#[test]
fn pow_exact_rational_cases() {
    assert_eq!(pow(d("0.25"), d("0.5")).unwrap(), d("0.5"));
    assert_eq!(pow(d("0.36"), d("0.5")).unwrap(), d("0.6"));
    assert_eq!(pow_ratio(1, 1024, d("0.1")).unwrap(), d("0.5"));
    assert_eq!(pow_ratio(1, 32, d("0.2")).unwrap(), d("0.5"));
    assert_eq!(pow_ratio(81, 625, d("0.25")).unwrap(), d("0.6"));
    // (1/8)^(3/4) = 2^−2.25 = 0.210224103813428635…: irrational, its floor.
    assert_eq!(pow_ratio(1, 8, d("0.75")).unwrap(), d("0.210224103813428635"));
    // (16/81)^(1/4) = 2/3, not on the grid: its floor.
    assert_eq!(pow_ratio(16, 81, d("0.25")).unwrap(), d("0.666666666666666666"));
    // 1/3 is not a Dec: a = 0.333333333333333333 = 1/3 − 10^−18/3, so (1/8)^a = 0.5·8^(10^−18/3)
    // = 0.5 + 3.5·10^−19, whose floor is 0.5; likewise (27/64)^0.666666666666666666 =
    // 0.5625·(64/27)^(2·10^−18/3) = 0.5625 + 3.2·10^−19.
    assert_eq!(pow_ratio(1, 8, d("0.333333333333333333")).unwrap(), d("0.5"));
    assert_eq!(pow_ratio(27, 64, d("0.666666666666666666")).unwrap(), d("0.5625"));
    // …and with the next Dec up, the values fall just below the grid point.
    assert_eq!(pow_ratio(1, 8, d("0.333333333333333334")).unwrap(), d("0.499999999999999999"));
    assert_eq!(pow_ratio(27, 64, d("0.666666666666666667")).unwrap(), d("0.562499999999999999"));
}

#[test]
fn pow_edges() {
    for x in ["0", "0.000000000000000001", "0.3", "0.999999999999999999", "1"] {
        assert_eq!(pow(d(x), Dec::ZERO).unwrap(), Dec::ONE, "{x}^0");
        assert_eq!(pow(d(x), Dec::ONE).unwrap(), d(x), "{x}^1");
    }
    assert_eq!(pow(Dec::ZERO, d("0.5")).unwrap(), Dec::ZERO);
    assert_eq!(pow(Dec::ONE, d("0.37")).unwrap(), Dec::ONE);
    assert_eq!(pow_ratio(2, 3, Dec::ONE).unwrap(), d("0.666666666666666666"));
    assert!(matches!(
        pow(d("1.000000000000000001"), d("0.5")),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        pow(d("0.5"), d("1.000000000000000001")),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(pow_ratio(3, 2, d("0.5")), Err(Error::InvalidParameter { .. })));
    assert!(matches!(pow_ratio(0, 0, d("0.5")), Err(Error::InvalidParameter { .. })));
}

#[test]
fn cobb_douglas_hand_values() {
    let a = Amount;
    let half = d("0.5");
    // Proportional tickets and stake: exactly the common share, 1000·(1/4) = 250.
    assert_eq!(cobb_douglas(a(1000), a(250), a(1000), a(250), a(1000), half).unwrap(), a(250));
    // √(0.1·0.9) = 0.3: 300 exactly; √(1/4·1) = 1/2.
    assert_eq!(cobb_douglas(a(1000), a(100), a(1000), a(900), a(1000), half).unwrap(), a(300));
    assert_eq!(cobb_douglas(a(1000), a(1), a(4), a(7), a(7), half).unwrap(), a(500));
    // α = 0.3, shares 1/1024 and 1/32: 2^−3 · 2^−3.5 = 2^−6.5 = 0.011048543…: 11 of 1000.
    let cd = cobb_douglas(a(1000), a(1), a(1024), a(1), a(32), d("0.3")).unwrap();
    assert_eq!(cd, a(11));
    // Exact with a large total: 10^30·√(1/64·1/64) = 10^30/64.
    let big = 1_000_000_000_000 * E18B;
    assert_eq!(cobb_douglas(a(big), a(1), a(64), a(1), a(64), half).unwrap(), a(big / 64));
    // α = 1 and α = 0 are the pure shares; a zero share gets nothing.
    assert_eq!(cobb_douglas(a(1000), a(1), a(3), a(1), a(2), Dec::ONE).unwrap(), a(333));
    assert_eq!(cobb_douglas(a(1000), a(1), a(3), a(1), a(2), Dec::ZERO).unwrap(), a(500));
    assert_eq!(cobb_douglas(a(1000), a(0), a(3), a(1), a(2), half).unwrap(), a(0));
    assert_eq!(cobb_douglas(a(1000), a(1), a(3), a(0), a(2), half).unwrap(), a(0));
    assert!(matches!(
        cobb_douglas(a(1), a(1), a(0), a(1), a(1), half),
        Err(Error::DivisionByZero { .. })
    ));
    assert!(matches!(
        cobb_douglas(a(1), a(2), a(1), a(1), a(1), half),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        cobb_douglas(a(1), a(1), a(1), a(1), a(1), d("1.1")),
        Err(Error::InvalidParameter { .. })
    ));
}

// ---- against the oracle -------------------------------------------------------------------

/// Ratios over the whole u128 range, near one, and small.
fn ratio() -> impl Strategy<Value = (u128, u128)> {
    prop_oneof![
        (1..=u128::MAX, 1..=u128::MAX),
        (1u128..1 << 20, 1u128..1 << 20),
        (1u128..1 << 64, 0u128..1 << 20).prop_map(|(d, k)| (d.saturating_sub(k).max(1), d)),
    ]
}

/// A ratio n ≤ d (a share).
fn share() -> impl Strategy<Value = (u128, u128)> {
    ratio().prop_map(|(a, b)| (a.min(b), a.max(b)))
}

fn exponent() -> impl Strategy<Value = u128> {
    prop_oneof![
        0..=E18B,
        (1u128..=16, 1u128..=16).prop_map(|(p, q)| E18B / q * p.min(q)),
        Just(E18B / 2),
    ]
}

/// The internal argument of `exp` for an 18-decimal raw value, as `exp` computes it.
fn fx_of(raw: i128) -> Fx {
    let mag = (U512::from(raw.unsigned_abs()) << FRAC_BITS) / U512::from(E18B);
    Fx { neg: raw < 0, mag: narrow(mag) }
}

/// y = raw/10^18 at the oracle's scale.
fn o_of(raw: i128) -> BigInt {
    (BigInt::from(raw) << P) / BigInt::from(E18B)
}

/// The largest internal error of `ln_fx` and `exp_fx` over a fixed sweep, in internal ulps.
fn sweep_max_errors() -> (BigUint, BigUint) {
    let (mut ln_max, mut exp_max) = (BigUint::zero(), BigUint::zero());
    let mut x = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834u128;
    for _ in 0..200 {
        x = x.wrapping_mul(0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645).wrapping_add(1);
        let (n, dd) = ((x >> 64).max(1), (x & u128::from(u64::MAX)).max(1) << (x % 60));
        let got = signed(ln_fx(U256::from(n), U256::from(dd)));
        ln_max = ln_max.max(ulps(&got, &ln_o(&big(n), &big(dd))));
        let raw = (x % (164 * E18B)) as i128 - 100 * E18B as i128;
        let (mant, e2) = exp_fx(fx_of(raw));
        let want = exp_o(&signed(fx_of(raw)));
        let want = if e2 >= 0 { want >> e2 as u32 } else { want << e2.unsigned_abs() };
        exp_max = exp_max.max(ulps(&widen(mant), &want));
    }
    (ln_max, exp_max)
}

#[test]
fn internal_errors_are_within_2_pow_12_ulps() {
    let (ln_max, exp_max) = sweep_max_errors();
    eprintln!("max internal error over the sweep: ln {ln_max} ulps, exp {exp_max} ulps (2^-192)");
    assert!(ln_max < BigUint::from(1u32 << 12) && exp_max < BigUint::from(1u32 << 12));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn ln_fx_is_within_2_pow_12_ulps((n, dd) in ratio()) {
        let got = signed(ln_fx(U256::from(n), U256::from(dd)));
        let err = ulps(&got, &ln_o(&big(n), &big(dd)));
        prop_assert!(err < BigUint::from(1u32 << 12), "{n}/{dd}: {err} ulps");
    }

    #[test]
    fn exp_fx_is_within_2_pow_12_ulps(raw in -100 * E18B as i128..=64 * E18B as i128) {
        let (mant, e2) = exp_fx(fx_of(raw));
        let want = exp_o(&signed(fx_of(raw)));
        let want = if e2 >= 0 { want >> e2 as u32 } else { want << e2.unsigned_abs() };
        let err = ulps(&widen(mant), &want);
        prop_assert!(err < BigUint::from(1u32 << 12), "{raw}: {err} ulps");
    }

    #[test]
    fn ln_is_the_floor_toward_zero((n, dd) in ratio()) {
        let got = ln_ratio(n, dd).unwrap().raw();
        let want = ln_o(&big(n), &big(dd)) * BigInt::from(E18B);
        prop_assert!(got == 0 || (got < 0) == (n < dd));
        let r = check_floor(&BigInt::from(got.unsigned_abs()), &BigInt::from(want.magnitude().clone()));
        prop_assert!(r.is_ok(), "ln({n}/{dd}): {:?}", r);
    }

    #[test]
    fn exp_is_the_floor(raw in -45 * E18B as i128..=64 * E18B as i128) {
        let got = raw_big(exp(SDec::from_raw(raw)).unwrap());
        let want = exp_o(&o_of(raw)) * BigInt::from(E18B);
        let r = check_floor(&got, &want);
        prop_assert!(r.is_ok(), "exp({raw}): {:?}", r);
    }

    #[test]
    fn pow_is_the_floor((n, dd) in share(), p in exponent()) {
        let got = raw_big(pow_ratio(n, dd, Dec::from_raw(U256::from(p))).unwrap());
        let want = if p == 0 {
            o_one()
        } else {
            exp_o(&(ln_o(&big(n), &big(dd)) * BigInt::from(p) / BigInt::from(E18B)))
        };
        let r = check_floor(&got, &(want * BigInt::from(E18B)));
        prop_assert!(r.is_ok(), "({n}/{dd})^{p}: {:?}", r);
    }

    /// Σ rewards ≤ total (AM-GM, rounding toward zero), and each is the floor of the exact value.
    #[test]
    fn cobb_douglas_is_the_floor_and_sums_within_total(
        relayers in proptest::collection::vec((0u128..1 << 64, 0u128..1 << 64), 1..8),
        slack in (0u128..1 << 64, 0u128..1 << 64),
        total in prop_oneof![0u128..1 << 100, Just(u128::MAX)],
        p in exponent(),
    ) {
        let rt = relayers.iter().map(|x| x.0).sum::<u128>() + slack.0;
        let st = relayers.iter().map(|x| x.1).sum::<u128>() + slack.1;
        prop_assume!(rt > 0 && st > 0);
        let alpha = Dec::from_raw(U256::from(p));
        let mut sum = 0u128;
        for &(r, s) in &relayers {
            let a = Amount;
            let got = cobb_douglas(a(total), a(r), a(rt), a(s), a(st), alpha).unwrap().0;
            sum += got;
            let t = BigInt::from(total);
            let want = if p == 0 || p == E18B {
                let (n, dd) = if p == 0 { (s, st) } else { (r, rt) };
                ((t * BigInt::from(n)) << P) / BigInt::from(dd)
            } else if r == 0 || s == 0 {
                BigInt::zero()
            } else {
                let l1 = ln_o(&big(r), &big(rt)) * BigInt::from(p);
                let l2 = ln_o(&big(s), &big(st)) * BigInt::from(E18B - p);
                t * exp_o(&((l1 + l2) / BigInt::from(E18B)))
            };
            let check = check_floor(&BigInt::from(got), &want);
            prop_assert!(check.is_ok(), "r {r}/{rt}, s {s}/{st}, α {p}: {:?}", check);
        }
        prop_assert!(sum <= total, "Σ {sum} > total {total}");
    }
}

#[test]
fn cobb_douglas_proportional_shares_pay_the_pro_rata_floor() {
    // r_i/R = s_i/S ⇒ each reward is exactly total·r_i/R: the AM-GM bound is reached.
    let shares = [1u128, 2, 3, 10, 84];
    let (t, a) = (1_000_000_007u128, Amount);
    for p in ["0.5", "0.25", "0.3", "0.123456789"] {
        let got: Vec<u128> = shares
            .iter()
            .map(|&x| cobb_douglas(a(t), a(x), a(100), a(7 * x), a(700), d(p)).unwrap().0)
            .collect();
        let want: Vec<u128> = shares.iter().map(|&x| t * x / 100).collect();
        // Whatever α (0.123456789: a denominator beyond the exact products' check).
        assert_eq!(got, want, "{p}");
    }
    // A lone relayer holding every ticket and all the stake is paid the whole total, and two
    // equal relayers half each, at α = 0.37 (denominator 100).
    let whole = cobb_douglas(a(10u128.pow(21)), a(3), a(3), a(100), a(100), d("0.37")).unwrap();
    assert_eq!(whole.0, 10u128.pow(21));
    let half = cobb_douglas(a(10u128.pow(21)), a(3), a(6), a(100), a(200), d("0.37")).unwrap();
    assert_eq!(half.0, 5 * 10u128.pow(20));
}
