//! Tests of [`super`]: [`CobbDouglas::reward`] equals the reference [`cobb_douglas`] on random
//! inputs over the whole domain and on crafted inputs whose value is on or next to an integer;
//! the 120-bit estimate is within its proven bound of the 192-bit path; and it decides the
//! result for ordinary amounts (so the fast path is the one taken).

use num_bigint::BigUint;
use proptest::prelude::*;

use super::super::{Fx, exp_fx, ln_fx, scale_by};
use super::*;

const E18B: u128 = 1_000_000_000_000_000_000;

fn d(text: &str) -> Dec {
    text.parse().expect("a decimal literal")
}

fn alpha(p: u128) -> Dec {
    Dec::from_raw(U256::from(p))
}

/// The fast and the reference result, which must be equal (errors included).
fn both(total: u128, r: u128, rt: u128, s: u128, st: u128, p: u128) -> (String, String) {
    let a = Amount;
    let fast =
        CobbDouglas::new(alpha(p), a(rt), a(st)).and_then(|c| c.reward(a(total), a(r), a(s)));
    let slow = cobb_douglas(a(total), a(r), a(rt), a(s), a(st), alpha(p));
    (format!("{fast:?}"), format!("{slow:?}"))
}

fn big(x: U256) -> BigUint {
    BigUint::from_bytes_le(&x.to_le_bytes::<32>())
}

/// `|V' − v|·2^114 < v`, with `v` from the 192-bit internals (within 2^−179 of the exact value).
fn estimate_within_bound(total: u128, r: u128, rt: u128, s: u128, st: u128, p: u128) -> bool {
    let c = CobbDouglas::new(alpha(p), Amount(rt), Amount(st)).expect("valid");
    let (x, shift) = c.estimate(total, r, s).expect("in the tables");
    within(x, shift, total, r, rt, s, st, p, 114)
}

/// `|V₁ − v|·2^85 < v` for the first estimate (bound 2^−85.8, `quick`).
fn quick_estimate_within_bound(total: u128, r: u128, rt: u128, s: u128, st: u128, p: u128) -> bool {
    let c = CobbDouglas::new(alpha(p), Amount(rt), Amount(st)).expect("valid");
    let (x, shift) = c.estimate_quick(total, r, s).expect("in the tables");
    within(x, shift, total, r, rt, s, st, p, 85)
}

/// `|X/2^shift − v|·2^bits < v`.
#[allow(clippy::too_many_arguments)]
fn within(
    x: U256,
    shift: usize,
    total: u128,
    r: u128,
    rt: u128,
    s: u128,
    st: u128,
    p: u128,
    bits: u32,
) -> bool {
    let l1 = scale_by(ln_fx(U256::from(r), U256::from(rt)).mag, p);
    let l2 = scale_by(ln_fx(U256::from(s), U256::from(st)).mag, E18B - p);
    let (mant, e2) = exp_fx(Fx { neg: true, mag: l1 + l2 });
    // V' = X/2^shift, v = total·mant·2^e2/2^192: compare X·2^(192−e2) with total·mant·2^shift.
    let lhs = big(x) << (192 - e2) as u32;
    let rhs = (BigUint::from(total) * big(mant)) << shift as u32;
    let diff = if lhs > rhs { &lhs - &rhs } else { &rhs - &lhs };
    (diff << bits) < rhs
}

/// A share `n ≤ d` over the whole range, near one, and small.
fn share() -> impl Strategy<Value = (u128, u128)> {
    prop_oneof![
        (1..=u128::MAX, 1..=u128::MAX),
        (0u128..1 << 20, 1u128..1 << 20),
        (1u128..1 << 64, 0u128..1 << 20).prop_map(|(d, k)| (d.saturating_sub(k), d)),
        (1u128..1 << 90, 1u128..1 << 90),
    ]
    .prop_map(|(a, b)| (a.min(b), a.max(b)))
}

fn exponent() -> impl Strategy<Value = u128> {
    prop_oneof![
        0..=E18B,
        (1u128..=16, 1u128..=16).prop_map(|(p, q)| E18B / q * p.min(q)),
        Just(E18B / 2),
        Just(1),
        Just(E18B - 1),
    ]
}

fn total() -> impl Strategy<Value = u128> {
    prop_oneof![0..=u128::MAX, 0u128..1 << 90, 0u128..1 << 20, Just(u128::MAX)]
}

/// The band test written on `U256`: what [`decide`] computes on two halves.
fn decide_u256(x: U256, shift: usize, bs: u32) -> Option<u128> {
    let band = (x >> bs as usize) + U256::ONE;
    let lo = x.checked_sub(band)? >> shift;
    let hi = x.checked_add(band)? >> shift;
    if lo == hi { u128::try_from(lo).ok() } else { None }
}

/// An `X` of the band test for band `2^−bs`: any; with `X − band` or `X + band` a few units
/// from a multiple of `2^shift` (the edges where the test turns); near `2^256`; or small.
fn band_input(bs: u32) -> impl Strategy<Value = (U256, usize)> {
    let word = || any::<[u64; 4]>().prop_map(U256::from_limbs);
    let band = move |x: U256| (x >> bs as usize) + U256::ONE;
    let edge = (word(), 0usize..256, any::<bool>(), 0u8..5).prop_map(move |(x, s, up, e)| {
        let grid = (x >> s) << s;
        // X with X ∓ band(X) = grid: a fixed point, reached in a few steps (band' ≈ 2^−110).
        let mut v = grid;
        for _ in 0..4 {
            v = if up { grid.wrapping_sub(band(v)) } else { grid.wrapping_add(band(v)) };
        }
        (v.wrapping_add(U256::from(e)).wrapping_sub(U256::from(2u8)), s)
    });
    prop_oneof![
        (word(), 0usize..260),
        edge,
        (any::<u128>(), 0usize..260).prop_map(|(x, s)| (U256::MAX - U256::from(x), s)),
        (any::<u128>(), 0usize..140).prop_map(|(x, s)| (U256::from(x), s)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn two_word_band_test_equals_the_wide_one((x, shift) in band_input(BAND_SHIFT)) {
        let h = u128::try_from(x >> 128).unwrap();
        let l = u128::try_from(x & U256::from(u128::MAX)).unwrap();
        let want = decide_u256(x, shift, BAND_SHIFT);
        prop_assert_eq!(decide::<BAND_SHIFT>((h, l), shift), want, "x {:#x} shift {}", x, shift);
    }

    #[test]
    fn two_word_quick_band_test_equals_the_wide_one((x, shift) in band_input(QUICK_BAND_SHIFT)) {
        let h = u128::try_from(x >> 128).unwrap();
        let l = u128::try_from(x & U256::from(u128::MAX)).unwrap();
        let want = decide_u256(x, shift, QUICK_BAND_SHIFT);
        let got = decide::<QUICK_BAND_SHIFT>((h, l), shift);
        prop_assert_eq!(got, want, "x {:#x} shift {}", x, shift);
    }

    #[test]
    fn quick_estimate_is_within_2_pow_minus_85(
        (r, rt) in share(), (s, st) in share(), t in 1..=u128::MAX, p in 1..E18B,
    ) {
        prop_assume!(r > 0 && s > 0);
        let ok = quick_estimate_within_bound(t, r, rt, s, st, p);
        prop_assert!(ok, "r {r}/{rt} s {s}/{st} α {p}");
    }

    #[test]
    fn equals_the_reference((r, rt) in share(), (s, st) in share(), t in total(), p in exponent()) {
        let (fast, slow) = both(t, r, rt, s, st, p);
        prop_assert_eq!(fast, slow, "total {} r {}/{} s {}/{} α {}", t, r, rt, s, st, p);
    }

    #[test]
    fn estimate_is_within_2_pow_minus_114(
        (r, rt) in share(), (s, st) in share(), t in 1..=u128::MAX, p in 1..E18B,
    ) {
        prop_assume!(r > 0 && s > 0);
        prop_assert!(estimate_within_bound(t, r, rt, s, st, p), "r {r}/{rt} s {s}/{st} α {p}");
    }

    /// Several totals over one relayer's shares (one factor, each total's own band test and
    /// fallback) give the reference's result for each total; the second total is often the
    /// first's double or `t·R/r`-like multiple, so values on the grid are common.
    #[test]
    fn rewards_of_several_totals_equal_the_reference(
        (r, rt) in share(), (s, st) in share(), t in total(), u in total(), p in exponent(),
    ) {
        let a = Amount;
        let totals = [a(t), a(u), a(t / 2 * 2), a(0), a(t.saturating_mul(2))];
        let got = CobbDouglas::new(alpha(p), a(rt), a(st)).and_then(|c| c.rewards(totals, a(r), a(s)));
        let want: Result<Vec<Amount>> = totals
            .iter()
            .map(|&x| cobb_douglas(x, a(r), a(rt), a(s), a(st), alpha(p)))
            .collect();
        prop_assert_eq!(format!("{:?}", got.map(|v| v.to_vec())), format!("{want:?}"));
    }

    /// Two relayers side by side give each one's rewards, errors included and the first's
    /// first: tickets above the total (an error), zero tickets or stakes, stakes that repeat by
    /// slot, α at its edges (a plain share) and inside; both lanes on the estimates' path in
    /// about one pair in nine.
    #[test]
    fn pairs_give_each_ones_rewards(
        cases in proptest::collection::vec(((0u128..1 << 101), 0u128..3, 0usize..4), 2..24),
        p in prop_oneof![exponent(), Just(0u128), Just(E18B)], t in total(),
    ) {
        let a = Amount;
        let (rt, st) = (1u128 << 100, 1u128 << 110);
        let c = CobbDouglas::new(alpha(p), a(rt), a(st)).unwrap();
        let (mut cache, mut read) = (LnCache::default(), LnCache::default());
        let stake = |k: u128, slot: usize| a([0, (slot as u128 + 1) << 90, (slot as u128 + 7) << 60][k as usize]);
        for w in cases.windows(2) {
            let (r, s) = ([a(w[0].0), a(w[1].0)], [stake(w[0].1, w[0].2), stake(w[1].1, w[1].2)]);
            let slots = [w[0].2, w[1].2];
            let totals = [a(t), a(t / 3)];
            let want = c.rewards(totals, r[0], s[0]).and_then(|x| Ok([x, c.rewards(totals, r[1], s[1])?]));
            let got = c.rewards_cached_pair(totals, r, s, &mut cache, slots);
            prop_assert_eq!(format!("{got:?}"), format!("{want:?}"));
            let shared = c.rewards_read_cached_pair(totals, r, s, &read, slots);
            prop_assert_eq!(format!("{shared:?}"), format!("{want:?}"));
            read.fill(slots[0], s[0].0);
        }
    }

    /// A cache of `ln s` by slot gives the uncached results: over a run of relayers in a few
    /// slots whose stakes often repeat (hits) and often change (misses), and after a slot last
    /// held another stake.
    #[test]
    fn cached_ln_gives_the_same_rewards(
        cases in proptest::collection::vec(((1u128..1 << 100), 0usize..4, 0u128..3), 1..24),
        rt in 1u128 << 100..u128::MAX, p in exponent(), t in total(),
    ) {
        let a = Amount;
        let st = 1u128 << 110;
        let c = CobbDouglas::new(alpha(p), a(rt), a(st)).unwrap();
        let mut cache = LnCache::default();
        for (r, slot, pick) in cases {
            // Three stakes per slot, one of them zero: a slot sees the same stake again often.
            let s = [0, (slot as u128 + 1) << 90, (slot as u128 + 7) << 60][pick as usize];
            let totals = [a(t), a(t / 3)];
            let want = c.rewards(totals, a(r), a(s));
            let got = c.rewards_cached(totals, a(r), a(s), &mut cache, slot);
            prop_assert_eq!(&got, &want, "r {} s {} slot {}", r, s, slot);
            // Read only: a slot holding another stake computes it; filled, it holds it.
            let shared = c.rewards_read_cached(totals, a(r), a(s), &cache, (slot + 1) % 4);
            prop_assert_eq!(&shared, &want);
            cache.fill(slot, s + 1);
            prop_assert_eq!(&c.rewards_read_cached(totals, a(r), a(s), &cache, slot), &want);
            cache.fill(slot, s);
            prop_assert_eq!(&c.rewards_read_cached(totals, a(r), a(s), &cache, slot), &want);
        }
    }

    /// Proportional shares: the value `t·r/R` is often an integer, the reference's exact case.
    #[test]
    fn equals_the_reference_on_proportional_shares(
        r in 1u128..1 << 40, k in 1u128..1 << 20, m in 1u128..1 << 20, c in 1u128..1 << 40,
        t in prop_oneof![1u128..1 << 80, Just(1_000_000_000_000_000_000_000u128)],
        p in exponent(),
    ) {
        let rt = r * k + c % k;
        let (fast, slow) = both(t, r, rt, r * m, rt * m, p);
        prop_assert_eq!(fast, slow);
    }
}

#[test]
fn equals_the_reference_on_crafted_near_grid_inputs() {
    let big = 1_000_000_000_000 * E18B;
    let cases: &[(u128, u128, u128, u128, u128, u128)] = &[
        // √(1/4·1)·1000 = 500, √(0.1·0.9)·1000 = 300, 10^30/64, 1000·(1/4): exactly integers.
        (1000, 1, 4, 7, 7, E18B / 2),
        (1000, 100, 1000, 900, 1000, E18B / 2),
        (big, 1, 64, 1, 64, E18B / 2),
        (1000, 250, 1000, 250, 1000, E18B / 2),
        // One relayer: v = total exactly, for exponents with and without the exact test.
        (1000, 5, 5, 9, 9, 123_456_789_000_000_000),
        (u128::MAX, 5, 5, 9, 9, E18B / 4),
        (u128::MAX, u128::MAX, u128::MAX, 1, 1, 3),
        // (1/1024)^0.1 = 1/2 and (1/32)^0.2 = 1/2 with s the whole stake: total/2.
        (1 << 100, 1, 1024, 3, 3, E18B / 10 * 9 / 9),
        (1 << 100, 1, 32, 3, 3, E18B / 5),
        // α = 1/3 − 10^−18/3 on (1/8): 0.5 + 3.5·10^−19 relative, just above the grid point.
        (2, 1, 8, 1, 1, 333_333_333_333_333_333),
        (2 * E18B, 1, 8, 1, 1, 333_333_333_333_333_333),
        (2 * E18B, 1, 8, 1, 1, 333_333_333_333_333_334),
        // Shares one unit below the whole.
        (u128::MAX, u128::MAX - 1, u128::MAX, u128::MAX - 1, u128::MAX, E18B / 2),
        (1 << 90, (1 << 64) - 1, 1 << 64, 1, u128::MAX, 1),
        (1 << 90, 1, u128::MAX, (1 << 64) - 1, 1 << 64, E18B - 1),
        // The smallest shares: y near 88.7, a value far below one unit.
        (u128::MAX, 1, u128::MAX, 1, u128::MAX, E18B / 2),
    ];
    for &(t, r, rt, s, st, p) in cases {
        let (fast, slow) = both(t, r, rt, s, st, p);
        assert_eq!(fast, slow, "total {t} r {r}/{rt} s {s}/{st} α {p}");
        // The same values as the second of two totals sharing one factor (`rewards`).
        let a = Amount;
        let two = CobbDouglas::new(alpha(p), a(rt), a(st))
            .and_then(|c| c.rewards([a(t / 3), a(t)], a(r), a(s)))
            .map(|[_, v]| v);
        assert_eq!(format!("{two:?}"), slow, "rewards: total {t} r {r}/{rt} s {s}/{st} α {p}");
    }
    // Hand values: 1000·√(1/4) = 500; 1000·2^−6.5 = 11.048… → 11.
    let c = CobbDouglas::new(d("0.5"), Amount(4), Amount(7)).unwrap();
    assert_eq!(c.reward(Amount(1000), Amount(1), Amount(7)).unwrap(), Amount(500));
    let c = CobbDouglas::new(d("0.3"), Amount(1024), Amount(32)).unwrap();
    assert_eq!(c.reward(Amount(1000), Amount(1), Amount(1)).unwrap(), Amount(11));
}

#[test]
fn errors_match_the_reference_kinds() {
    let a = Amount;
    assert!(matches!(CobbDouglas::new(d("0.5"), a(0), a(1)), Err(Error::DivisionByZero { .. })));
    assert!(matches!(CobbDouglas::new(d("0.5"), a(1), a(0)), Err(Error::DivisionByZero { .. })));
    assert!(matches!(CobbDouglas::new(d("1.1"), a(1), a(1)), Err(Error::InvalidParameter { .. })));
    let c = CobbDouglas::new(d("0.5"), a(3), a(3)).unwrap();
    assert_eq!(
        format!("{:?}", c.reward(a(10), a(4), a(1))),
        format!("{:?}", cobb_douglas(a(10), a(4), a(3), a(1), a(3), d("0.5")))
    );
    assert!(matches!(c.reward(a(10), a(1), a(4)), Err(Error::InvalidParameter { .. })));
}

/// Over a fixed sweep of 2,000 random shares (seeded by `seed`) with totals of `128 − 40 −
/// total_shift` bits, how many calls `decide` leaves undecided.
fn undecided_in_sweep(
    seed: u128,
    total_shift: u32,
    decide: impl Fn(&CobbDouglas, u128, u128, u128) -> Option<u128>,
) -> usize {
    let mut x = seed;
    let mut next = || {
        x = x.wrapping_mul(0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645).wrapping_add(1);
        x >> 40
    };
    let mut undecided = 0;
    for _ in 0..2000 {
        let (rt, st, t) = (next().max(1), next().max(1), next() >> total_shift);
        let (r, s) = (next() % rt + 1, next() % st + 1);
        let p = next() % (E18B - 1) + 1;
        let c = CobbDouglas::new(alpha(p), Amount(rt), Amount(st)).unwrap();
        if decide(&c, t, r.min(rt), s.min(st)).is_none() {
            undecided += 1;
        }
    }
    undecided
}

/// With totals below 2^80 units the 120-bit estimate decides every call of the sweep (a
/// fall-back needs a grid point within 2^−30 units).
#[test]
fn the_fast_path_decides_ordinary_calls() {
    let seed = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834u128;
    assert_eq!(undecided_in_sweep(seed, 8, |c, t, r, s| c.decide(t, r, s)), 0);
}

/// The first estimate decides ordinary calls: totals below 2^60 units (a fall-back needs a grid
/// point within about 2^−24 units), over the sweep.
#[test]
fn the_first_estimate_decides_ordinary_calls() {
    let seed = 0x243f_6a88_85a3_08d3_1319_8a2e_0370_7344u128;
    assert_eq!(undecided_in_sweep(seed, 28, |c, t, r, s| c.decide_quick(t, r, s)), 0);
}
