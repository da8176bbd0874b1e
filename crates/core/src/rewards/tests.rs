//! Tests of [`RewardAccumulator`]: worked splits, settle-before-change, sweeping, and a property
//! test against an exact pro-rata reference on big rationals.

use num_bigint::BigUint;
use num_integer::Integer;
use proptest::prelude::*;

use super::*;
use crate::error::Error;

type Acc = RewardAccumulator<u32>;

#[test]
fn equal_split() {
    let mut a = Acc::new();
    for k in 0..4 {
        a.add_shares(k, 25).unwrap();
    }
    assert_eq!(a.distribute(Amount(1000)).unwrap(), Amount::ZERO);
    for k in 0..4 {
        assert_eq!(a.pending(k), Amount(250));
    }
    assert_eq!(a.owed_total(), Amount(1000));
    assert_eq!(a.dust(), Amount::ZERO);
    a.check_invariants().unwrap();
}

#[test]
fn unequal_split_rounds_down_and_keeps_the_carry() {
    let mut a = Acc::new();
    a.set_shares(1, 1).unwrap();
    a.set_shares(2, 2).unwrap();
    a.distribute(Amount(10)).unwrap(); // 3.33… and 6.66…
    assert_eq!((a.pending(1), a.pending(2)), (Amount(3), Amount(6)));
    assert_eq!(a.dust(), Amount(1));
    // Exact totals 4 and 8: the carry of the first distribution makes them whole again.
    a.distribute(Amount(2)).unwrap();
    assert_eq!((a.pending(1), a.pending(2)), (Amount(4), Amount(8)));
    assert_eq!(a.dust(), Amount::ZERO);
    a.distribute(Amount(1)).unwrap(); // exact totals 4.33… and 8.66…
    assert_eq!((a.pending(1), a.pending(2)), (Amount(4), Amount(8)));
    assert_eq!(a.owed_total(), Amount(12));
    assert_eq!(a.dust(), Amount(1));
    a.check_invariants().unwrap();
}

#[test]
fn decimal_amounts_split_exactly() {
    // 99 tokens over 1000 tokens of shares (the worked example of the staking seed).
    let e18 = 10u128.pow(18);
    let mut a = Acc::new();
    a.set_shares(0, 200 * e18).unwrap();
    a.set_shares(1, 500 * e18).unwrap();
    a.set_shares(2, 300 * e18).unwrap();
    a.distribute(Amount(99 * e18)).unwrap();
    assert_eq!(a.pending(0), Amount(198 * e18 / 10));
    assert_eq!(a.pending(1), Amount(495 * e18 / 10));
    assert_eq!(a.pending(2), Amount(297 * e18 / 10));
    assert_eq!(a.dust(), Amount::ZERO);
}

#[test]
fn joining_mid_way_earns_only_later_distributions() {
    let mut a = Acc::new();
    a.add_shares(1, 100).unwrap();
    a.distribute(Amount(500)).unwrap();
    a.add_shares(2, 100).unwrap();
    assert_eq!(a.pending(2), Amount::ZERO);
    a.distribute(Amount(500)).unwrap();
    assert_eq!(a.pending(1), Amount(750));
    assert_eq!(a.pending(2), Amount(250));
    a.check_invariants().unwrap();
}

#[test]
fn settle_before_change() {
    let mut a = Acc::new();
    a.add_shares(1, 100).unwrap();
    a.add_shares(2, 100).unwrap();
    a.distribute(Amount(200)).unwrap();
    // Doubling 1's shares settles its 100 first: the new shares earn only from now on.
    assert_eq!(a.add_shares(1, 100).unwrap(), Amount(100));
    assert_eq!(a.pending(1), Amount::ZERO);
    a.distribute(Amount(300)).unwrap();
    assert_eq!(a.pending(1), Amount(200));
    assert_eq!(a.pending(2), Amount(200));
    assert_eq!(a.remove_shares(2, 100).unwrap(), Amount(200));
    assert_eq!(a.shares(2), 0);
    assert_eq!(a.holder_count(), 1);
    assert_eq!(a.settle(1).unwrap(), Amount(200));
    assert_eq!(a.settle(1).unwrap(), Amount::ZERO);
    assert_eq!(a.paid_total(), Amount(500));
    assert!(matches!(a.remove_shares(1, 201), Err(Error::Underflow { .. })));
    a.check_invariants().unwrap();
}

#[test]
fn truncation_waits_in_the_carry() {
    let mut a = Acc::new();
    a.add_shares(0, 11).unwrap();
    a.distribute(Amount(1)).unwrap();
    assert_eq!(a.pending(0), Amount::ZERO); // 11 × floor(SCALE/11) < SCALE
    a.distribute(Amount(10)).unwrap();
    assert_eq!(a.pending(0), Amount(11));
    assert_eq!(a.dust(), Amount::ZERO);
}

#[test]
fn nobody_holding_means_nothing_distributed() {
    let mut a = Acc::new();
    assert_eq!(a.distribute(Amount(77)).unwrap(), Amount(77));
    assert_eq!(a.distributed_total(), Amount::ZERO);
    a.add_shares(5, 3).unwrap();
    assert_eq!(a.pending(5), Amount::ZERO);
    a.check_invariants().unwrap();
}

#[test]
fn only_settled_fractions_are_swept_once() {
    let mut a = Acc::new();
    for k in 0..3 {
        a.add_shares(k, 1).unwrap();
    }
    a.distribute(Amount(2)).unwrap(); // each 0.66…
    assert_eq!(a.sweepable_dust(), Amount::ZERO);
    assert_eq!(a.dust(), Amount(2)); // claimable later: not sweepable
    for k in 0..3 {
        assert_eq!(a.settle(k).unwrap(), Amount::ZERO); // 3 × 0.66… = 2 lost for good
    }
    assert_eq!(a.sweepable_dust(), Amount(1)); // 1.99…: floor
    assert_eq!(a.sweep_dust(), Amount(1));
    assert_eq!(a.sweep_dust(), Amount::ZERO);
    assert_eq!(a.reserve(), Amount(1));
    a.check_invariants().unwrap();
}

#[test]
fn serializes_wide_values_as_decimal_strings() {
    let mut a = Acc::new();
    a.add_shares(1, 3).unwrap();
    a.distribute(Amount(1)).unwrap();
    let json = serde_json::to_string(&a).unwrap();
    assert!(json.contains("\"acc\":\"33333333333333333333333333333333333333\""), "{json}");
    assert!(json.contains("\"positions\":{\"1\":{\"shares\":3"), "{json}");
}

// ---- property test against an exact reference ---------------------------------------------

/// A non-negative rational `num / den`, kept reduced.
#[derive(Clone, Debug)]
struct Frac {
    num: BigUint,
    den: BigUint,
}

impl Frac {
    fn zero() -> Frac {
        Frac { num: BigUint::ZERO, den: BigUint::from(1u8) }
    }
    fn add(&mut self, num: BigUint, den: BigUint) {
        let n = &self.num * &den + num * &self.den;
        let d = &self.den * den;
        let g = n.gcd(&d);
        self.num = n / &g;
        self.den = d / g;
    }
}

#[derive(Clone, Debug)]
enum Op {
    Distribute(u128),
    Add(u32, u128),
    Remove(u32, u8),
    Settle(u32),
    Sweep,
}

fn op(max_amount: u128, max_shares: u128) -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..=max_amount).prop_map(Op::Distribute),
        3 => (0u32..6, 1..=max_shares).prop_map(|(k, n)| Op::Add(k, n)),
        2 => (0u32..6, 0u8..=100).prop_map(|(k, pct)| Op::Remove(k, pct)),
        2 => (0u32..6).prop_map(Op::Settle),
        1 => Just(Op::Sweep),
    ]
}

/// Runs `ops` on an accumulator and on an exact pro-rata reference, checking after each step.
fn check_against_reference(ops: &[Op]) -> std::result::Result<(), TestCaseError> {
    let mut a = Acc::new();
    let mut exact: BTreeMap<u32, Frac> = BTreeMap::new();
    let mut received: BTreeMap<u32, u128> = BTreeMap::new();
    let mut settlements: BTreeMap<u32, u128> = BTreeMap::new();
    let mut swept = 0u128;
    for op in ops {
        let settled = |k: u32, s: &mut BTreeMap<u32, u128>, a: &Acc| {
            if a.shares(k) > 0 {
                *s.entry(k).or_default() += 1;
            }
        };
        match *op {
            Op::Distribute(amount) => {
                let total = a.total_shares();
                let back = a.distribute(Amount(amount)).unwrap();
                prop_assert_eq!(back, if total == 0 { Amount(amount) } else { Amount::ZERO });
                if total > 0 {
                    for (k, s) in a.holders() {
                        let e = exact.entry(k).or_insert_with(Frac::zero);
                        e.add(BigUint::from(amount) * BigUint::from(s), BigUint::from(total));
                    }
                }
            }
            Op::Add(k, n) => {
                settled(k, &mut settlements, &a);
                *received.entry(k).or_default() += a.add_shares(k, n).unwrap().0;
            }
            Op::Remove(k, pct) => {
                settled(k, &mut settlements, &a);
                let n = a.shares(k) * u128::from(pct) / 100;
                *received.entry(k).or_default() += a.remove_shares(k, n).unwrap().0;
            }
            Op::Settle(k) => {
                settled(k, &mut settlements, &a);
                *received.entry(k).or_default() += a.settle(k).unwrap().0;
            }
            Op::Sweep => swept += a.sweep_dust().0,
        }
        check_step(&a, &exact, &received, &settlements, swept)?;
    }
    Ok(())
}

/// Checks `a` after a step: its invariants; each holder's rewards (received and pending)
/// against its exact entitlement in `exact`, short by at most one unit per settlement; and the
/// totals against what holders received and what was swept.
fn check_step(
    a: &Acc,
    exact: &BTreeMap<u32, Frac>,
    received: &BTreeMap<u32, u128>,
    settlements: &BTreeMap<u32, u128>,
    swept: u128,
) -> std::result::Result<(), TestCaseError> {
    a.check_invariants().map_err(|v| TestCaseError::fail(v.to_string()))?;
    for (k, e) in exact {
        let got = BigUint::from(received.get(k).copied().unwrap_or(0) + a.pending(*k).0);
        let n = settlements.get(k).copied().unwrap_or(0);
        prop_assert!(&got * &e.den <= e.num, "holder {} got {} > exact {:?}", k, got, e);
        prop_assert!(
            (&got + BigUint::from(n + 1)) * &e.den >= e.num,
            "holder {} got {} < exact {:?} − {}",
            k,
            got,
            e,
            n + 1
        );
    }
    let (paid, owed) = (a.paid_total().0, a.owed_total().0);
    prop_assert_eq!(paid, received.values().sum::<u128>());
    prop_assert!(paid + owed <= a.distributed_total().0);
    prop_assert_eq!(paid + owed + a.dust().0, a.distributed_total().0);
    prop_assert_eq!(a.swept_total().0, swept);
    prop_assert!(owed <= a.reserve().0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn small_values_match_exact_pro_rata(ops in proptest::collection::vec(op(1_000, 50), 1..60)) {
        check_against_reference(&ops)?;
    }

    #[test]
    fn token_sized_values_match_exact_pro_rata(
        ops in proptest::collection::vec(op(10u128.pow(27), 10u128.pow(27)), 1..60)
    ) {
        check_against_reference(&ops)?;
    }
}

/// `accrue` on big integers: `(acc + ⌊(amount·SCALE + carry) / total⌋, remainder)`.
fn accrue_oracle(acc: u128, carry: u128, amount: u128, total: u128) -> (BigUint, BigUint) {
    let n = BigUint::from(amount) * BigUint::from(SCALE) + BigUint::from(carry);
    let (q, r) = n.div_rem(&BigUint::from(total));
    (q + BigUint::from(acc), r)
}

fn big(v: U256) -> BigUint {
    BigUint::from_bytes_le(&v.to_le_bytes::<32>())
}

#[test]
fn accrue_known_values() {
    // 99 units over 1000 shares: 0.099 a share, exactly 99·10^35 scaled, no remainder.
    let (acc, carry) = accrue(U256::ZERO, U256::ZERO, Amount(99), 1000).unwrap();
    assert_eq!(acc, U256::from(99u128 * 10u128.pow(35)));
    assert_eq!(carry, U256::ZERO);
    // 1 unit over 3 shares with a carry of 2: (10^38 + 2) / 3 = 33…334 (38 digits), remainder 0,
    // on an index of 5.
    let (acc, carry) = accrue(U256::from(5u8), U256::from(2u8), Amount(1), 3).unwrap();
    assert_eq!(acc, U256::from(33_333_333_333_333_333_333_333_333_333_333_333_339u128));
    assert_eq!(carry, U256::ZERO);
    // An increment of 2^128 or more takes the 256-bit division: u128::MAX units over one share.
    let (acc, carry) = accrue(U256::ZERO, U256::ZERO, Amount(u128::MAX), 1).unwrap();
    assert_eq!(acc, U256::from(u128::MAX) * U256::from(SCALE));
    assert_eq!(carry, U256::ZERO);
}

proptest! {
    /// Every magnitude of amount, carry and total: the u128 limbs and the 256-bit fallback
    /// give the exact increment and remainder.
    #[test]
    fn accrue_matches_big_integer_oracle(amount in any::<u128>(), ab in 0u32..=128, total in any::<u128>(), tb in 1u32..=128, carry in any::<u128>(), acc in any::<u128>()) {
        let amount = if ab == 0 { 0 } else { amount >> (128 - ab) };
        let total = (total >> (128 - tb)).max(1);
        let carry = carry % total;
        let (got_acc, got_carry) = accrue(U256::from(acc), U256::from(carry), Amount(amount), total).unwrap();
        let (want_acc, want_carry) = accrue_oracle(acc, carry, amount, total);
        prop_assert_eq!(big(got_acc), want_acc);
        prop_assert_eq!(big(got_carry), want_carry);
    }
}
