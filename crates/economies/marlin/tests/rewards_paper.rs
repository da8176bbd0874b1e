//! The paper rules of the rewards module: the Cobb-Douglas payout (exact where the exact value is
//! rational, within its bound against big-integer checks elsewhere) and the budget solver. Every
//! expected figure is worked out by hand or with Python's integers and fractions.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use std::str::FromStr;

use ergon_core::{Amount, Coded, Dec, LnCache};
use ergon_marlin::rewards::RewardsError;
use ergon_marlin::rewards::cobb::{
    cobb_douglas_payout, cobb_douglas_payouts, cobb_douglas_payouts_cached,
};
use ergon_marlin::rewards::solver::{Split, SplitProblem, optimal_split, small_relayer_split};
use num_bigint::BigUint;
use num_traits::{One, Zero};
use proptest::prelude::*;

const E18: u128 = 1_000_000_000_000_000_000;

fn dec(s: &str) -> Dec {
    Dec::from_str(s).unwrap()
}

fn amounts(v: &[u128]) -> Vec<Amount> {
    v.iter().map(|&x| Amount(x)).collect()
}

#[test]
fn half_alpha_perfect_squares_is_exact() {
    // α = 1/2, P = 1000, R = S = 100.
    // Relayer 0: r = 16, s = 25: 1000·√(16·25/10^4) = 1000·20/100 = 200 exactly.
    // Relayer 1: r = 84, s = 75: 1000·√(6300/10^4) = 10·√6300 = √630000; ⌊⌋ = 793
    // (793² = 628849 ≤ 630000 < 630436 = 794²). Remainder 1000 − 993 = 7.
    let mut out = [Amount::ZERO; 2];
    let p = cobb_douglas_payout(
        Amount(1000),
        &amounts(&[16, 84]),
        &amounts(&[25, 75]),
        dec("0.5"),
        &mut out,
    )
    .unwrap();
    assert_eq!(out, [Amount(200), Amount(793)]);
    assert_eq!((p.paid, p.remainder), (Amount(993), Amount(7)));
}

#[test]
fn quarter_alpha_rational_case_is_exact() {
    // α = 1/4, P = 81·10^18, R = S = 81.
    // Relayer 0: r = 16, s = 1: (16/81)^(1/4)·(1/81)^(3/4) = (2/3)·(1/27) = 2/81 → 2·10^18.
    // Relayer 1: r = 65, s = 80: the largest q with q^4·81·81^3 ≤ P^4·65·80^3,
    // q = 75953156884637671187 (Python integers). Remainder 3046843115362328813.
    let mut out = [Amount::ZERO; 2];
    let p = cobb_douglas_payout(
        Amount(81 * E18),
        &amounts(&[16, 65]),
        &amounts(&[1, 80]),
        dec("0.25"),
        &mut out,
    )
    .unwrap();
    assert_eq!(out, [Amount(2 * E18), Amount(75_953_156_884_637_671_187)]);
    assert_eq!(p.remainder, Amount(3_046_843_115_362_328_813));
}

#[test]
fn three_eighths_alpha_three_relayers() {
    // α = 3/8, P = 10^21 + 3, tickets 3, 5, 2 (R = 10), stakes 6, 1, 3 (S = 10): each the largest
    // q with q^8·10^3·10^5 ≤ P^8·r^3·s^5 (Python integers).
    let mut out = [Amount::ZERO; 3];
    let p = cobb_douglas_payout(
        Amount(E18 * 1000 + 3),
        &amounts(&[3, 5, 2]),
        &amounts(&[6, 1, 3]),
        dec("0.375"),
        &mut out,
    )
    .unwrap();
    assert_eq!(
        out,
        [
            Amount(462_663_247_622_382_247_085),
            Amount(182_857_909_997_957_433_726),
            Amount(257_683_750_325_897_142_211),
        ]
    );
    assert_eq!(p.paid, Amount(903_204_907_946_236_823_022));
    assert_eq!(p.remainder, Amount(96_795_092_053_763_176_981));
}

#[test]
fn cobb_douglas_edges() {
    let mut out = [Amount(9); 2];
    // α = 1: by tickets alone, ⌊1000·1/3⌋ = 333, ⌊1000·2/3⌋ = 666, even with no stake.
    let p =
        cobb_douglas_payout(Amount(1000), &amounts(&[1, 2]), &amounts(&[0, 0]), Dec::ONE, &mut out)
            .unwrap();
    assert_eq!((out, p.remainder), ([Amount(333), Amount(666)], Amount(1)));
    // α = 0: by stake alone, ⌊1000·3/4⌋ = 750, 250.
    cobb_douglas_payout(Amount(1000), &amounts(&[1, 0]), &amounts(&[3, 1]), Dec::ZERO, &mut out)
        .unwrap();
    assert_eq!(out, [Amount(750), Amount(250)]);
    // No tickets: nobody is paid, the whole pool remains.
    let p = cobb_douglas_payout(
        Amount(1000),
        &amounts(&[0, 0]),
        &amounts(&[1, 1]),
        dec("0.5"),
        &mut out,
    )
    .unwrap();
    assert_eq!((out, p.remainder), ([Amount::ZERO; 2], Amount(1000)));
    // A relayer with tickets but no stake gets 0 under 0 < α < 1: 1000·√(1·0) = 0 and
    // 1000·√(0·1)… here r = (1, 1), s = (0, 1): relayer 0 gets 0, relayer 1 1000·√(1/2) = 707.
    cobb_douglas_payout(Amount(1000), &amounts(&[1, 1]), &amounts(&[0, 1]), dec("0.5"), &mut out)
        .unwrap();
    assert_eq!(out, [Amount::ZERO, Amount(707)]);
    let e = cobb_douglas_payout(Amount(1), &amounts(&[1]), &amounts(&[1, 1]), dec("0.5"), &mut out)
        .unwrap_err();
    assert_eq!(e, RewardsError::Length { what: "tickets", expected: 2, got: 1 });
    let e =
        cobb_douglas_payout(Amount(1), &amounts(&[1, 1]), &amounts(&[1, 1]), dec("1.5"), &mut out)
            .unwrap_err();
    assert_eq!(e.code(), "invalid_parameter");
}

/// `base^exp` as a big integer.
fn pow(base: u128, exp: u32) -> BigUint {
    let mut acc = BigUint::one();
    for _ in 0..exp {
        acc *= BigUint::from(base);
    }
    acc
}

/// For `α = n/d`: `q ≤ v < q + ulps`, with `v = P·(r/R)^(n/d)·(s/S)^((d−n)/d)`, decided as
/// `q^d·R^n·S^(d−n) ≤ P^d·r^n·s^(d−n) < (q + ulps)^d·R^n·S^(d−n)`.
fn within(
    q: u128,
    ulps: u128,
    p: u128,
    (r, rt): (u128, u128),
    (s, st): (u128, u128),
    (n, d): (u32, u32),
) -> bool {
    let exact = pow(p, d) * pow(r, n) * pow(s, d - n);
    let scale = pow(rt, n) * pow(st, d - n);
    let lo = pow(q, d) * &scale;
    let hi = pow(q + ulps, d) * &scale;
    lo <= exact && exact < hi
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// α = 3/10 (exponent denominator 10 ≤ 16: the core decides near-grid results exactly, so the
    /// result is ⌊v⌋: within one unit) and α = 7/100 (denominator above 16: within two units);
    /// the sum never exceeds the pool.
    #[test]
    fn payout_within_its_bound(
        pool in 1u128..10u128.pow(24),
        r in prop::collection::vec(0u128..10u128.pow(20), 3),
        s in prop::collection::vec(0u128..10u128.pow(24), 3),
        which in 0usize..2,
    ) {
        let (alpha, n, d, ulps) = [("0.3", 3u32, 10u32, 1u128), ("0.07", 7, 100, 2)][which];
        let (rt, st): (u128, u128) = (r.iter().sum(), s.iter().sum());
        let mut out = [Amount::ZERO; 3];
        let p = cobb_douglas_payout(Amount(pool), &amounts(&r), &amounts(&s), dec(alpha), &mut out).unwrap();
        prop_assert!(p.paid.0 + p.remainder.0 == pool);
        for i in 0..3 {
            if rt == 0 || st == 0 {
                prop_assert!(out[i].is_zero());
            } else if r[i] == 0 || s[i] == 0 {
                prop_assert!(out[i].is_zero());
            } else {
                prop_assert!(within(out[i].0, ulps, pool, (r[i], rt), (s[i], st), (n, d)));
            }
        }
    }
}

#[test]
fn bound_check_is_not_vacuous() {
    // The checker itself: ⌊1000·√(6300/10^4)⌋ = 793 is within one unit, 792 and 794 are not.
    assert!(within(793, 1, 1000, (84, 100), (75, 100), (1, 2)));
    assert!(!within(792, 1, 1000, (84, 100), (75, 100), (1, 2)));
    assert!(!within(794, 1, 1000, (84, 100), (75, 100), (1, 2)));
    assert!(BigUint::zero() < pow(2, 1));
}

#[test]
fn small_relayer_spends_alpha_on_nodes() {
    // ⌊0.3·700·10^18⌋ = 210·10^18.
    assert_eq!(
        small_relayer_split(700 * E18, dec("0.3")).unwrap(),
        Split { nodes: 210 * E18, stake: 490 * E18 }
    );
    assert_eq!(small_relayer_split(7, dec("0.5")).unwrap(), Split { nodes: 3, stake: 4 });
}

#[test]
fn optimal_split_worked_case() {
    // α = 1/2; others hold 100 tickets and 400 POND of stake; a ticket costs 1 POND, a stake unit
    // 1; budget 100 POND. With U = 10^18, H(x) = ½·[100U·(100U − x)·(500U − x) − 400U·x·(100U + x)]
    // ∝ 50000U² − 1000U·x − 3x²: x* = U·(200√10 − 500)/3 ≈ 44.1518 POND, below αB = 50.
    // ⌊x*⌋ = 44151844011225288799 (Python: bisection on H, and ⌊(√(1.6·10^6·U²) − 1000U)/6⌋).
    let p = SplitProblem {
        budget: 100 * E18,
        alpha: dec("0.5"),
        other_tickets: 100,
        other_stake: 400 * E18,
        ticket_price: E18,
        stake_price: 1,
    };
    let s = optimal_split(&p).unwrap();
    assert_eq!(
        s,
        Split { nodes: 44_151_844_011_225_288_799, stake: 100 * E18 - 44_151_844_011_225_288_799 }
    );
    // α = 3/10, 1000 tickets at 2 POND, 5000 POND staked, budget 700 POND: 209146449428522441363
    // (Python bisection on H), a little below αB = 210 POND.
    let q = SplitProblem {
        budget: 700 * E18,
        alpha: dec("0.3"),
        other_tickets: 1000,
        other_stake: 5000 * E18,
        ticket_price: 2 * E18,
        stake_price: 1,
    };
    assert_eq!(optimal_split(&q).unwrap().nodes, 209_146_449_428_522_441_363);
    // A relayer small against the network (10^9 tickets, 10^9 POND staked): 210000056594975041615,
    // αB to seven digits.
    let big = SplitProblem { other_tickets: 1_000_000_000, other_stake: 10u128.pow(27), ..q };
    assert_eq!(optimal_split(&big).unwrap().nodes, 210_000_056_594_975_041_615);
}

#[test]
fn optimal_split_edges() {
    let p = SplitProblem {
        budget: 1000,
        alpha: dec("0.5"),
        other_tickets: 10,
        other_stake: 10,
        ticket_price: 1,
        stake_price: 1,
    };
    // Symmetric: R_o = S_o, equal prices: H ∝ (N + B)(B − 2x), x* = B/2 exactly.
    assert_eq!(optimal_split(&p).unwrap(), Split { nodes: 500, stake: 500 });
    assert_eq!(
        optimal_split(&SplitProblem { alpha: Dec::ONE, ..p }).unwrap(),
        Split { nodes: 1000, stake: 0 }
    );
    assert_eq!(
        optimal_split(&SplitProblem { alpha: Dec::ZERO, ..p }).unwrap(),
        Split { nodes: 0, stake: 1000 }
    );
    assert_eq!(
        optimal_split(&SplitProblem { budget: 0, ..p }).unwrap(),
        Split { nodes: 0, stake: 0 }
    );
    let e = optimal_split(&SplitProblem { other_tickets: 0, ..p }).unwrap_err();
    assert_eq!(e, RewardsError::NoInteriorOptimum { other_tickets: 0, other_stake: 10 });
    assert_eq!(e.code(), "no_interior_optimum");
    assert_eq!(
        optimal_split(&SplitProblem { ticket_price: 0, ..p }).unwrap_err().code(),
        "zero_total"
    );
    assert_eq!(
        optimal_split(&SplitProblem { alpha: dec("1.01"), ..p }).unwrap_err().code(),
        "invalid_parameter"
    );
    let huge = SplitProblem { other_stake: u128::MAX, ..p };
    assert_eq!(optimal_split(&huge).unwrap_err().code(), "overflow");
}

#[test]
fn paper_delegator_payout_with_commission() {
    use ergon_core::RewardAccumulator;
    use ergon_marlin::rewards::delegators::commission_cut;
    // Reward 1000 POND + 1 unit, commission 7 %: ⌊(1000·10^18 + 1)·7/100⌋ = 70·10^18 (the 0.07
    // unit floors away), the rest 930·10^18 + 1.
    let (commission, rest) = commission_cut(Amount(1000 * E18 + 1), 7).unwrap();
    assert_eq!((commission, rest), (Amount(70 * E18), Amount(930 * E18 + 1)));
    // The rest over effective stakes 1 : 2 through the core's accumulator: 310 and 620 POND, the
    // odd unit (1/3 and 2/3 of it) not yet whole.
    let mut acc = RewardAccumulator::<u8>::new();
    acc.set_shares(0, 1_000_000 * E18).unwrap();
    acc.set_shares(1, 2_000_000 * E18).unwrap();
    assert_eq!(acc.distribute(rest).unwrap(), Amount::ZERO);
    assert_eq!(acc.settle(0).unwrap(), Amount(310 * E18));
    assert_eq!(acc.settle(1).unwrap(), Amount(620 * E18));
    assert_eq!(commission_cut(Amount(5), 101).unwrap_err().code(), "commission_above_100");
    assert_eq!(commission_cut(Amount(5), 100).unwrap(), (Amount(5), Amount::ZERO));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Two pools paid in one pass (each relayer's logarithms once) give each pool's own payout,
    /// relayer by relayer; the shares are often equal (`r/R = s/S`, an integer value) and one
    /// pool is often the other's double.
    #[test]
    fn two_pools_in_one_pass_equal_two_payouts(
        rs in proptest::collection::vec((1u128..1 << 40, 0u128..1 << 50, any::<bool>()), 1..40),
        p0 in 0u128..1 << 80, p1 in prop_oneof![0u128..1 << 80, Just(0)], double in any::<bool>(),
        a in prop_oneof![Just("0.3"), Just("0.5"), Just("0.25"), Just("1"), Just("0")],
    ) {
        // Equal shares where asked: s = r·2^10, so s/S = r/R when every relayer is so.
        let tickets: Vec<Amount> = rs.iter().map(|&(r, _, _)| Amount(r)).collect();
        let stakes: Vec<Amount> =
            rs.iter().map(|&(r, s, eq)| Amount(if eq { r << 10 } else { s })).collect();
        let p1 = if double { p0 * 2 } else { p1 };
        let (pools, n) = ([Amount(p0), Amount(p1)], rs.len());
        let (mut o0, mut o1) = (vec![Amount::ZERO; n], vec![Amount::ZERO; n]);
        let both = cobb_douglas_payouts(pools, &tickets, &stakes, dec(a), [&mut o0, &mut o1]);
        let mut want = [vec![Amount::ZERO; n], vec![Amount::ZERO; n]];
        let [w0, w1] = &mut want;
        let one = |p, out: &mut [Amount]| cobb_douglas_payout(p, &tickets, &stakes, dec(a), out);
        let (x0, x1) = (one(pools[0], w0), one(pools[1], w1));
        prop_assert_eq!(both, x0.and_then(|x| Ok([x, x1?])));
        prop_assert_eq!([o0, o1], want);
    }

    /// Epochs paid with one cache of `ln s` by cluster id give the uncached payouts: clusters
    /// paid in some epochs and not others, their stakes often the same as at their last payout
    /// (the cache's hits) and often not.
    #[test]
    fn cached_stake_logarithms_give_the_same_payouts(
        epochs in proptest::collection::vec(
            proptest::collection::vec((0u32..12, 1u128..1 << 40, 0u128..3), 1..12), 1..8),
        p0 in 1u128..1 << 80, a in prop_oneof![Just("0.3"), Just("0.5"), Just("1"), Just("0")],
    ) {
        let mut cache = LnCache::default();
        for relayers in epochs {
            let mut relayers = relayers;
            relayers.sort_by_key(|x| x.0);
            relayers.dedup_by_key(|x| x.0);
            let ids: Vec<u32> = relayers.iter().map(|x| x.0).collect();
            let tickets: Vec<Amount> = relayers.iter().map(|x| Amount(x.1)).collect();
            // Each cluster's stake is one of three, so it is often what it was.
            let stakes: Vec<Amount> = relayers
                .iter()
                .map(|&(c, _, k)| Amount(u128::from(c + 1) << (30 + 5 * k)))
                .collect();
            let pools = [Amount(p0), Amount(p0 / 3)];
            let n = ids.len();
            let (mut o0, mut o1) = (vec![Amount::ZERO; n], vec![Amount::ZERO; n]);
            let (mut w0, mut w1) = (vec![Amount::ZERO; n], vec![Amount::ZERO; n]);
            let got = cobb_douglas_payouts_cached(
                pools, &tickets, &stakes, None, &ids, &mut cache, dec(a), [&mut o0, &mut o1],
            );
            let want = cobb_douglas_payouts(pools, &tickets, &stakes, dec(a), [&mut w0, &mut w1]);
            prop_assert_eq!(got, want);
            prop_assert_eq!((o0, o1), (w0, w1));
        }
    }
}

#[test]
fn cached_payouts_refuse_ids_of_another_length() {
    let t = [Amount(1), Amount(2)];
    let (mut o, mut cache) = ([Amount::ZERO; 2], LnCache::default());
    let e = cobb_douglas_payouts_cached(
        [Amount(100)],
        &t,
        &t,
        None,
        &[0],
        &mut cache,
        dec("0.5"),
        [&mut o],
    )
    .unwrap_err();
    assert_eq!(e, RewardsError::Length { what: "ids", expected: 2, got: 1 });
}

/// The solver's definition (module doc of `solver`): the largest `x` in `[0, B)` with
/// `α_n·R_o·p_r·(B−x)·(S_o·p_s + B−x) ≥ β·S_o·p_s·x·(R_o·p_r + x)`, by plain bisection over the
/// whole budget in big integers.
fn split_by_definition(p: &SplitProblem, an: u128, ad: u128) -> u128 {
    let big = |x: u128| BigUint::from(x);
    let (kr, ks) = (big(p.other_tickets * p.ticket_price), big(p.other_stake * p.stake_price));
    let (b, beta) = (p.budget, ad - an);
    let h = |x: u128| {
        big(an) * &kr * big(b - x) * (&ks + big(b - x)) >= big(beta) * &ks * big(x) * (&kr + big(x))
    };
    let (mut lo, mut hi) = (0u128, b);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if h(mid) { lo = mid } else { hi = mid }
    }
    lo
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// The solver (exact 512-bit comparisons from a bracket its float estimate proposes) ends on
    /// the definition's `x`, for budgets, totals and prices over many magnitudes, including
    /// small budgets (where the bracket is the whole range) and near-balanced ones.
    #[test]
    fn optimal_split_equals_the_definition(
        budget in prop_oneof![1u128..100, 1u128..1 << 40, 1u128..1 << 90],
        other_tickets in prop_oneof![1u128..1000, 1u128..1 << 40],
        other_stake in prop_oneof![1u128..1000, 1u128..1 << 90],
        ticket_price in prop_oneof![Just(1u128), 1u128..1 << 40],
        a in prop_oneof![Just(("0.3", 3u128, 10u128)), Just(("0.5", 1, 2)),
            Just(("0.123456789", 123_456_789, 1_000_000_000)), Just(("0.999", 999, 1000))],
    ) {
        let p = SplitProblem {
            budget, alpha: dec(a.0), other_tickets, other_stake, ticket_price, stake_price: 1,
        };
        let want = split_by_definition(&p, a.1, a.2);
        prop_assert_eq!(optimal_split(&p).unwrap(), Split { nodes: want, stake: budget - want });
    }
}

/// 10,000 relayers paid from outside the rayon pools (on several threads when the machine has
/// two cores or more), then from inside a pool of two threads (on one), give the one-thread
/// uncached payouts exactly, both pools.
#[test]
fn payouts_on_threads_equal_one_thread() {
    let n = 10_000;
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        u128::from(x >> 20)
    };
    let ids: Vec<u32> = (0..n as u32).collect();
    let tickets: Vec<Amount> = (0..n).map(|_| Amount(1 + next() % (1 << 20))).collect();
    let stakes: Vec<Amount> =
        (0..n).map(|_| Amount((1 + next() % 8_000) * 10u128.pow(18))).collect();
    let pools = [Amount(50_000 * 10u128.pow(18)), Amount(123_456_789_000_000_000_007)];
    let (mut w0, mut w1) = (vec![Amount::ZERO; n], vec![Amount::ZERO; n]);
    let want = cobb_douglas_payouts(pools, &tickets, &stakes, dec("0.3"), [&mut w0, &mut w1]);
    let mut cache = LnCache::default();
    let (mut o0, mut o1) = (vec![Amount::ZERO; n], vec![Amount::ZERO; n]);
    let got = cobb_douglas_payouts_cached(
        pools,
        &tickets,
        &stakes,
        None,
        &ids,
        &mut cache,
        dec("0.3"),
        [&mut o0, &mut o1],
    );
    assert_eq!(got, want);
    assert_eq!((&o0, &o1), (&w0, &w1));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let (mut p0, mut p1) = (vec![Amount::ZERO; n], vec![Amount::ZERO; n]);
    let inside = pool.install(|| {
        cobb_douglas_payouts_cached(
            pools,
            &tickets,
            &stakes,
            None,
            &ids,
            &mut LnCache::default(),
            dec("0.3"),
            [&mut p0, &mut p1],
        )
    });
    assert_eq!(inside, want);
    assert_eq!((&p0, &p1), (&w0, &w1));
    // A relayer's tickets above the total cannot happen in a payout (the total is their sum);
    // lengths that differ are refused before any thread starts.
    let e = cobb_douglas_payouts_cached(
        pools,
        &tickets,
        &stakes[1..],
        None,
        &ids,
        &mut cache,
        dec("0.3"),
        [&mut o0, &mut o1],
    )
    .unwrap_err();
    assert!(matches!(e, RewardsError::Length { what: "stakes", .. }), "{e:?}");
}
