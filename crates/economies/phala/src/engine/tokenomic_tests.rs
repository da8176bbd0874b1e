//! The tokenomic arithmetic against the live code's own unit tests, to the last bit: the
//! computation pallet's `test_tokenomic` (genesis parameters) and the gatekeeper's
//! `check_tokenomic_numerics`, `should_payout_at_v_max`, `test_repair_v` and
//! `test_update_p_instant` (its `test_params`). Expected values are the tests' `fp!`
//! literals, parsed with the same round-to-nearest as the `fixed` crate.

use ergon_core::{Amount, U64F64};

use super::*;
use crate::params::{ParamSet, Params, Profile};

fn fp(s: &str) -> U64F64 {
    U64F64::from_decimal_str(s).unwrap()
}

fn pow(x: U64F64, n: u32) -> U64F64 {
    // The pallet test's square-and-multiply, truncating at each product.
    let (mut i, mut sq, mut z) = (n, x, U64F64::ONE);
    while i > 0 {
        if i & 1 == 1 {
            z = z.mul(sq).unwrap();
        }
        sq = sq.mul(sq).unwrap();
        i >>= 1;
    }
    z
}

const PHA: u128 = PICO;

fn rho_m1(p: &Params) -> U64F64 {
    p.rho.checked_sub(U64F64::ONE).unwrap()
}

/// Pallet `computation::test::test_tokenomic`.
#[test]
fn pallet_test_tokenomic() {
    let p = Params::of(Profile::Khala, ParamSet::Genesis);
    assert_eq!(p.v_max, U64F64::from_int(30000));
    assert_eq!(minimum_stake(&p, 1000).unwrap(), Amount(3_162_277_660_146_355));
    // paper: ⌈k·√P⌉ exactly, 100·√1000 = 3162.27766016837933… PHA, and 100·√50 =
    // 707.106781186547524… (decimal at 60 digits).
    let q = Params::of(Profile::Paper, ParamSet::Genesis);
    assert_eq!(minimum_stake(&q, 1000).unwrap(), Amount(3_162_277_660_168_380));
    assert_eq!(minimum_stake(&q, 50).unwrap(), Amount(707_106_781_186_548));
    assert_eq!(minimum_stake(&q, 400).unwrap(), Amount(2_000 * PHA), "an exact root");
    for level in 1..=3 {
        assert_eq!(
            ve(&p, Amount(1000 * PHA), 1000, level).unwrap(),
            fp("1690.0000000000000000282")
        );
    }
    assert_eq!(ve(&p, Amount(1000 * PHA), 1000, 4).unwrap(), fp("1612.0000000000000000247"));
    assert_eq!(ve(&p, Amount(1000 * PHA), 1000, 5).unwrap(), fp("1572.9999999999999999877"));
    assert_eq!(rig_cost(&p, 500).unwrap(), fp("150.0000000000000000054"));
    assert_eq!(rig_cost(&p, 2000).unwrap(), fp("600.0000000000000000217"));
    assert_eq!(rig_cost(&p, 2800).unwrap(), fp("840.00000000000000003036"));
    let decay = U64F64::ONE.checked_sub(p.slash_rate).unwrap();
    assert_eq!(pow(decay, 300), fp("0.9990004981683704595"));
    assert_eq!(pow(p.rho, 300), fp("1.00019999999998037056"));
    let day = p.budget_per_block.mul_int(3600).unwrap().mul_int(24).unwrap().div_int(12).unwrap();
    assert_eq!(day, U64F64::from_int(720_000));
    let op_cost = p.cost_k.mul(U64F64::from_int(2000)).unwrap().checked_add(p.cost_b).unwrap();
    let year = op_cost.div_int(12).unwrap().mul_int(3600 * 24 * 365).unwrap();
    assert_eq!(year, fp("171.71874999975847951583"));
    // Subsidy halving to 75 %, twice.
    let three_quarters = fp("0.75");
    let once = p.budget_per_block.mul(three_quarters).unwrap();
    assert_eq!(once, U64F64::from_int(75));
    assert_eq!(once.mul(three_quarters).unwrap(), fp("56.25"));
}

/// The pallet's table gives 1 to unknown levels; the gatekeeper's gives 0 (128 is 1 in both).
#[test]
fn the_two_confidence_tables() {
    for level in [0u8, 6, 127, 129, 255] {
        assert_eq!(conf_score_pallet(level), U64F64::ONE, "{level}");
        assert_eq!(conf_score_gk(level), U64F64::ZERO, "{level}");
    }
    assert_eq!((conf_score_gk(128), conf_score_pallet(128)), (U64F64::ONE, U64F64::ONE));
    for level in 1..=5 {
        assert_eq!(conf_score_gk(level), conf_score_pallet(level));
    }
    // 0.8 × 2^64 = 14757395258967641292.8, rounded up; 0.7 × 2^64 = …131.2, rounded down.
    assert_eq!(conf_score_gk(4).to_bits(), 14_757_395_258_967_641_293);
    assert_eq!(conf_score_gk(5).to_bits(), 12_912_720_851_596_686_131);
}

/// Gatekeeper `test_update_p_instant`.
#[test]
fn gk_test_update_p_instant() {
    let mut t = Tokenomic { p_bench: U64F64::from_int(100), ..Tokenomic::default() };
    t.update_p_instant(100_000, 1000).unwrap();
    t.challenge_time_last = 90_000;
    t.iteration_last = 1000;
    assert_eq!(t.p_instant, U64F64::from_int(60));
    t.update_p_instant(200_000, 999).unwrap();
    assert_eq!(t.p_instant, U64F64::ZERO);
}

fn gk_start(v: u64, p: u32) -> (Params, Tokenomic) {
    let params = Params::of(Profile::Khala, ParamSet::GkTest);
    // Registered with confidence level 2; started at block 2 (now = 2 × 12 000 ms).
    let t = Tokenomic::start(&params, U64F64::from_int(v), p, conf_score_gk(2), 2, 24_000);
    (params, t.unwrap())
}

/// Gatekeeper `check_tokenomic_numerics`: one idle block, a day of them, a payout whose share
/// uses the heartbeat's new P against the block-start Σshare, then an hour unresponsive.
#[test]
fn gk_check_tokenomic_numerics() {
    let (params, mut t) = gk_start(3000, 100);
    t.update_v_idle(&params, rho_m1(&params)).unwrap(); // block 2
    assert_eq!(t.v, fp("3000.00203509369147797934"));
    for _ in 0..7200 {
        t.update_v_idle(&params, rho_m1(&params)).unwrap(); // blocks 3..=7202
    }
    assert_eq!(t.v, fp("3014.6899337932040476463"));
    t.update_v_idle(&params, rho_m1(&params)).unwrap(); // block 7203: challenged, idle
    assert_eq!(t.challenge_time_last, 24_000);
    // Block 7204: Σshare is taken before the heartbeat updates P.
    let sum_share = t.share().unwrap();
    t.update_p_instant(7204 * 12_000, 110 * 7200 * 12 / 6).unwrap();
    t.challenge_time_last = 7203 * 12_000;
    t.iteration_last = 110 * 7200 * 12 / 6;
    let settle = t.update_v_heartbeat(&params, sum_share, 7204).unwrap();
    assert_eq!(t.v, U64F64::from_int(3000));
    assert_eq!(t.p_instant, fp("109.96945292974173840575"));
    assert_eq!(settle.payout, fp("14.69197867920878555043"));
    assert_eq!(settle.treasury, fp("3.6729946698021946595"));
    // Challenged at 7205, unanswered: idle while block − 7205 ≤ 10, slashed from 7216.
    for block in 7205..=7515u32 {
        if block - 7205 > params.heartbeat_window {
            t.update_v_slash(&params).unwrap();
        } else {
            t.update_v_idle(&params, rho_m1(&params)).unwrap();
        }
    }
    assert_eq!(t.v, fp("2997.0260877851113935014"));
}

/// Gatekeeper `test_repair_v`: the one-off `RepairV` message sets a worker's V (100 in the
/// test) back to its initial 200; the same block's idle growth at P = 3000 then gives
/// 200 + (ρ − 1)·200 + cost_k·3000 + cost_b = 200.00021447729505831407 (bits
/// 3689352771149681885410, checked with Python fractions). Ergon has no repair message; the
/// test's figure is the idle block from the repaired V.
#[test]
fn gk_test_repair_v() {
    let (params, mut t) = gk_start(30000, 3000);
    t.v = U64F64::from_int(200);
    t.update_v_idle(&params, rho_m1(&params)).unwrap();
    assert_eq!(t.v, fp("200.00021447729505831407"));
    assert_eq!(t.v.to_bits(), 3_689_352_771_149_681_885_410);
}

/// Gatekeeper `should_payout_at_v_max`: V stays at the cap while `payable` keeps growing.
#[test]
fn gk_should_payout_at_v_max() {
    let (params, mut t) = gk_start(30000, 3000);
    for _ in 2..=7203 {
        t.update_v_idle(&params, rho_m1(&params)).unwrap();
    }
    assert_eq!(t.v, U64F64::from_int(30000));
    let sum_share = t.share().unwrap();
    t.update_p_instant(7204 * 12_000, 1_000_000).unwrap();
    let settle = t.update_v_heartbeat(&params, sum_share, 7204).unwrap();
    assert_eq!(t.v, fp("29855.38985958385856094607"));
    assert_eq!(t.payable, U64F64::ZERO);
    assert_eq!(settle.payout, fp("144.61014041614143905393"));
}

/// No payout without Σshare, without growth, or twice in a block.
#[test]
fn heartbeat_guards() {
    let (params, mut t) = gk_start(3000, 100);
    assert_eq!(t.update_v_heartbeat(&params, U64F64::ONE, 3).unwrap(), Settle::default());
    t.update_v_idle(&params, rho_m1(&params)).unwrap();
    let before = t;
    assert_eq!(t.update_v_heartbeat(&params, U64F64::ZERO, 3).unwrap(), Settle::default());
    assert_eq!(t.update_v_heartbeat(&params, U64F64::ONE, 2).unwrap(), Settle::default());
    assert_eq!(t, before);
}

mod isqrt_props {
    use proptest::prelude::*;

    use crate::tokenomic::{isqrt, mul_bits, mul_fast, square_bits};

    proptest! {
        /// The block pass's multiplies are the plain 64.64 multiply's bits, overflow included.
        #[test]
        fn fast_multiplies_are_exact(a in any::<u128>(), b in any::<u128>(), small in 0u128..1 << 64, v in 0u128..1 << 95) {
            prop_assert_eq!(mul_fast(a, b), mul_bits(a, b));
            prop_assert_eq!(mul_fast(small, b), mul_bits(small, b));
            prop_assert_eq!(mul_fast(b, small), mul_bits(b, small));
            prop_assert_eq!(square_bits(v), mul_bits(v, v));
            prop_assert_eq!(square_bits(a), mul_bits(a, a));
            let plain = ergon_core::U64F64::from_bits(a).mul(ergon_core::U64F64::from_bits(b));
            prop_assert_eq!(mul_bits(a, b), plain.ok().map(ergon_core::U64F64::to_bits));
        }

        /// The fast square root is `u128::isqrt` everywhere: any value, and the squares and
        /// their neighbours where a float estimate is most likely to land on the wrong side.
        #[test]
        fn isqrt_is_exact(n in any::<u128>(), r in 0u128..1 << 64, small in 0u128..1 << 104) {
            prop_assert_eq!(isqrt(n), n.isqrt());
            prop_assert_eq!(isqrt(small), small.isqrt());
            let sq = r * r;
            prop_assert_eq!(isqrt(sq), r);
            if sq > 0 {
                prop_assert_eq!(isqrt(sq - 1), r - 1);
            }
            if let Some(x) = sq.checked_add(2 * r) {
                prop_assert_eq!(isqrt(x), r);
            }
        }
    }

    #[test]
    fn isqrt_edges() {
        for n in [0u128, 1, 2, 3, 4, (1 << 104) - 1, 1 << 104, u128::MAX] {
            assert_eq!(isqrt(n), n.isqrt(), "{n}");
        }
        let r = (1u128 << 52) - 1;
        assert_eq!(isqrt(r * r + 2 * r), r);
    }
}

/// The literals' raw bits are the parser's (round to nearest): 0.8·2^64 ends in .8, 0.7·2^64
/// and 1.2·2^64 in .2.
#[test]
fn literal_constants_are_the_parsed_decimals() {
    assert_eq!(POINT_8, fp("0.8"));
    assert_eq!(POINT_7, fp("0.7"));
    assert_eq!(ONE_POINT_2, fp("1.2"));
}
