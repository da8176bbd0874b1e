//! Tests of [`Vesting`]: worked lags, stake changes, forfeits and newest-first deductions, and a
//! property test against an exact reference that keeps every epoch's reward as its own lot.

use proptest::prelude::*;

use super::*;

type V = Vesting<u32>;

fn v(lag: u64) -> V {
    Vesting::new(lag, Epoch(0)).unwrap()
}

/// (vested, locked) of `k`.
fn of(v: &V, k: u32) -> (u128, u128) {
    (v.vested(k).0, v.locked(k).0)
}

#[test]
fn rewards_vest_lag_epochs_after_the_epoch_that_earned_them() {
    let mut v = v(2);
    v.set_stake(1, 1).unwrap();
    v.set_stake(2, 3).unwrap();
    assert_eq!(v.distribute(Amount(100)).unwrap(), Amount::ZERO);
    assert_eq!((of(&v, 1), of(&v, 2)), ((0, 25), (0, 75)));
    v.close_epoch(); // epoch 1
    v.distribute(Amount(40)).unwrap();
    assert_eq!((of(&v, 1), of(&v, 2)), ((0, 35), (0, 105)));
    v.close_epoch(); // epoch 2: epoch 0's rewards vest
    assert_eq!((of(&v, 1), of(&v, 2)), ((25, 10), (75, 30)));
    assert_eq!(v.withdraw(1), Amount(25));
    assert_eq!(of(&v, 1), (0, 10));
    v.close_epoch(); // epoch 3: epoch 1's vest
    assert_eq!((of(&v, 1), of(&v, 2)), ((10, 0), (105, 0)));
    assert_eq!(v.reserve(), Amount(115));
    assert_eq!(v.dust(), Amount::ZERO);
    v.check_invariants().unwrap();
}

#[test]
fn the_exact_bound_is_tight_and_catches_a_made_up_claim() {
    // Stakes 1 and 2 share 3 units: the index rises by exactly SCALE, no carry, no floor lost:
    // the exact claims are 3·SCALE = SCALE·reserve, the bound holds with equality.
    let mut v = v(1);
    v.set_stake(1, 1).unwrap();
    v.set_stake(2, 2).unwrap();
    v.distribute(Amount(3)).unwrap();
    v.close_epoch();
    v.set_stake(2, 5).unwrap(); // closes a segment: the claims stay 3·SCALE
    v.check_invariants().unwrap();
    assert_eq!(v.withdraw(2), Amount(2));
    v.check_bound().unwrap();
    // A reserve one unit short of the claims (as if a distribution were not booked) breaks it.
    let mut short = v.clone();
    short.distributed = [Amount(2)];
    assert!(short.check_bound().is_err());
    // 10 units over stakes 1, 5 and 1 (7) leave a carry and floors; the bound holds. Holder 3
    // (stake 1, owed 10/7 before the floor) made to hold 2 units more in the books (and the
    // running sum): the claims pass the reserve.
    v.set_stake(3, 1).unwrap();
    v.distribute(Amount(10)).unwrap();
    v.check_invariants().unwrap();
    let mut e = v.take(3).unwrap();
    e.vested = [Amount(2)];
    v.put(3, e);
    assert!(v.check_bound().is_err(), "2 units made up");
}

#[test]
fn a_lag_of_zero_vests_at_once_and_too_long_a_lag_is_refused() {
    let mut v = v(0);
    v.set_stake(7, 2).unwrap();
    v.distribute(Amount(9)).unwrap();
    assert_eq!(of(&v, 7), (9, 0));
    assert!(matches!(
        Vesting::<u32, 1>::new(MAX_LAG + 1, Epoch(0)),
        Err(Error::LimitReached { limit, .. }) if limit == MAX_LAG
    ));
}

#[test]
fn nobody_staking_leaves_the_reward_undistributed() {
    let mut v = v(3);
    assert_eq!(v.distribute(Amount(50)).unwrap(), Amount(50));
    assert_eq!(v.reserve(), Amount::ZERO);
}

#[test]
fn a_stake_change_keeps_the_earlier_rewards_on_their_dates() {
    let mut v = v(2);
    v.set_stake(1, 1).unwrap();
    v.set_stake(2, 1).unwrap();
    v.distribute(Amount(10)).unwrap(); // epoch 0: 5 each
    v.close_epoch();
    v.set_stake(1, 3).unwrap(); // epoch 1: 3/4 and 1/4
    v.distribute(Amount(20)).unwrap();
    assert_eq!((of(&v, 1), of(&v, 2)), ((0, 20), (0, 10)));
    v.close_epoch(); // epoch 2
    assert_eq!((of(&v, 1), of(&v, 2)), ((5, 15), (5, 5)));
    v.set_stake(1, 0).unwrap(); // leaves: what it earned still vests
    v.distribute(Amount(8)).unwrap(); // all to 2
    assert_eq!((of(&v, 1), of(&v, 2)), ((5, 15), (5, 13)));
    v.close_epoch();
    assert_eq!((of(&v, 1), of(&v, 2)), ((20, 0), (10, 8)));
    assert_eq!(v.total_stake(), 1);
    v.check_invariants().unwrap();
    assert_eq!(v.withdraw(1), Amount(20));
    assert_eq!(v.holder_count(), 1, "a holder with nothing left is dropped");
}

#[test]
fn a_forfeit_takes_the_locked_part_and_leaves_the_vested() {
    let mut v = v(2);
    v.set_stake(1, 1).unwrap();
    for a in [10, 20, 30] {
        v.distribute(Amount(a)).unwrap();
        v.close_epoch();
    }
    // Epoch 3: epochs 0 (10) has vested... and epoch 1 (20); epoch 2 (30) is locked.
    assert_eq!(of(&v, 1), (30, 30));
    assert_eq!(v.forfeit(1).unwrap(), Amount(30));
    assert_eq!(of(&v, 1), (30, 0));
    // It keeps its stake and earns again.
    v.distribute(Amount(4)).unwrap();
    assert_eq!(of(&v, 1), (30, 4));
    assert_eq!(v.reserve(), Amount(34));
    v.check_invariants().unwrap();
}

#[test]
fn a_deduction_takes_what_would_vest_last() {
    let mut v = v(3);
    v.set_stake(1, 1).unwrap();
    v.distribute(Amount(100)).unwrap(); // epoch 0, vests at 3
    v.close_epoch();
    v.distribute(Amount(100)).unwrap(); // epoch 1, vests at 4
    v.close_epoch();
    assert_eq!(v.deduct(1, Amount(150)).unwrap(), Amount(150));
    assert_eq!(of(&v, 1), (0, 50));
    v.distribute(Amount(7)).unwrap(); // epoch 2, vests at 5
    v.close_epoch(); // 3: epoch 0's 100, less the 50 of it taken
    assert_eq!(of(&v, 1), (50, 7));
    v.close_epoch(); // 4: epoch 1's 100 was all taken
    assert_eq!(of(&v, 1), (50, 7));
    v.close_epoch(); // 5
    assert_eq!(of(&v, 1), (57, 0));
    // More than is locked: takes what there is.
    v.distribute(Amount(5)).unwrap();
    assert_eq!(v.deduct(1, Amount(9)).unwrap(), Amount(5));
    assert_eq!(v.reserve(), Amount(57));
    v.check_invariants().unwrap();
}

#[test]
fn floors_are_taken_once_per_segment_not_once_per_epoch() {
    // Three equal stakes, 1 unit an epoch for 30 epochs: per-epoch floors would pay nothing;
    // the index pays each holder its 10.
    let mut v = v(1);
    for k in 0..3 {
        v.set_stake(k, 1).unwrap();
    }
    for _ in 0..30 {
        v.distribute(Amount(1)).unwrap();
        v.close_epoch();
    }
    for k in 0..3 {
        assert_eq!(of(&v, k), (10, 0));
    }
    assert_eq!(v.dust(), Amount::ZERO);
}

// ---- property test against an exact reference --------------------------------------------

/// lcm(1..=18): every share of a reward over stakes of 0..=6 among three holders is a whole
/// number of 1/D.
const D: u128 = 12_252_240;

#[derive(Clone, Debug)]
enum Op {
    Stake(u32, u128),
    Distribute(u128),
    Close,
    Withdraw(u32),
    Forfeit(u32),
    Deduct(u32, u128),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..3u32, 0..=6u128).prop_map(|(k, z)| Op::Stake(k, z)),
        4 => (0..=1_000_000u128).prop_map(Op::Distribute),
        4 => Just(Op::Close),
        2 => (0..3u32).prop_map(Op::Withdraw),
        1 => (0..3u32).prop_map(Op::Forfeit),
        1 => (0..3u32, 0..=2_000_000u128).prop_map(|(k, a)| Op::Deduct(k, a)),
    ]
}

/// A holder in the reference: each epoch's reward as its own exact lot, in 1/D units.
#[derive(Clone, Debug, Default)]
struct Holder {
    stake: u128,
    /// (epoch earned, amount·D), oldest first.
    lots: Vec<(u64, u128)>,
    withdrawn: u128,
    /// Segments the implementation may have floored: each can lose a unit.
    floors: u128,
}

impl Holder {
    /// Takes `units` from the newest lots still unvested at `epoch`, as a deduction does.
    fn deduct(&mut self, units: u128, lag: u64, epoch: u64) {
        let mut left = units * D;
        for l in self.lots.iter_mut().rev().filter(|l| l.0 + lag > epoch) {
            let t = l.1.min(left);
            l.1 -= t;
            left -= t;
        }
        self.floors += 2;
    }
}

/// Checks every holder of `v` against its reference in `hs` at `epoch`.
fn check_holders(
    v: &V,
    hs: &[Holder],
    lag: u64,
    epoch: u64,
) -> std::result::Result<(), TestCaseError> {
    for (k, h) in hs.iter().enumerate() {
        let k = k as u32;
        let vested: u128 = h.lots.iter().filter(|l| l.0 + lag <= epoch).map(|l| l.1).sum();
        let all: u128 = h.lots.iter().map(|l| l.1).sum();
        let got_vested = (h.withdrawn + v.vested(k).0) * D;
        let got_all = got_vested + v.locked(k).0 * D;
        let slack = (h.floors + 1) * D;
        // Never more than the exact entitlement, less by at most a unit per floor; a
        // deduction moves at most a unit per segment between vested and locked.
        prop_assert!(got_all <= all, "holder {}: {} > exact {}", k, got_all / D, all);
        prop_assert!(got_all + slack >= all, "holder {}: {} ≪ exact {}", k, got_all, all);
        prop_assert!(
            got_vested <= vested + slack,
            "holder {}: vested {} > {}",
            k,
            got_vested,
            vested
        );
        prop_assert!(
            got_vested + slack >= vested,
            "holder {}: vested {} ≪ {}",
            k,
            got_vested,
            vested
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn agrees_with_exact_lots(lag in 0..5u64, ops in prop::collection::vec(op(), 1..80)) {
        let mut v = v(lag);
        let mut hs = vec![Holder::default(); 3];
        let mut epoch = 0u64;
        for o in &ops {
            match *o {
                Op::Stake(k, z) => {
                    v.set_stake(k, z).unwrap();
                    let h = &mut hs[k as usize];
                    if h.stake != z {
                        h.floors += 1;
                    }
                    h.stake = z;
                }
                Op::Distribute(a) => {
                    let total: u128 = hs.iter().map(|h| h.stake).sum();
                    let left = v.distribute(Amount(a)).unwrap();
                    prop_assert_eq!(left.0, if total == 0 { a } else { 0 });
                    for h in hs.iter_mut().filter(|h| h.stake > 0) {
                        h.lots.push((epoch, a * h.stake * (D / total)));
                    }
                }
                Op::Close => {
                    v.close_epoch();
                    epoch += 1;
                }
                Op::Withdraw(k) => {
                    let expect = v.vested(k);
                    let got = v.withdraw(k);
                    prop_assert_eq!(got, expect);
                    prop_assert_eq!(v.vested(k), Amount::ZERO);
                    hs[k as usize].withdrawn += got.0;
                }
                Op::Forfeit(k) => {
                    let locked = v.locked(k);
                    prop_assert_eq!(v.forfeit(k).unwrap(), locked);
                    prop_assert_eq!(v.locked(k), Amount::ZERO);
                    let h = &mut hs[k as usize];
                    h.lots.retain(|l| l.0 + lag <= epoch);
                    h.floors += 1;
                }
                Op::Deduct(k, a) => {
                    let locked = v.locked(k);
                    let taken = v.deduct(k, Amount(a)).unwrap();
                    prop_assert_eq!(taken, Amount(a).min(locked));
                    prop_assert_eq!(v.locked(k), locked.saturating_sub(Amount(a)));
                    hs[k as usize].deduct(taken.0, lag, epoch);
                }
            }
            v.check_invariants().map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(v.epoch(), Epoch(epoch));
            check_holders(&v, &hs, lag, epoch)?;
        }
    }
}

// ---- two sources in one index -------------------------------------------------------------

#[test]
fn two_sources_keep_their_own_floors_and_a_deduction_takes_the_last_source_first() {
    // Stakes 1 and 3; epoch 0 pays 100 from source 0 and 41 from source 1. Source 0: 25 and
    // 75. Source 1: 41/4 = 10.25 → 10 and 123/4 = 30.75 → 30, one unit of dust.
    let mut v: Vesting<u32, 2> = Vesting::new(2, Epoch(0)).unwrap();
    v.set_stake(1, 1).unwrap();
    v.set_stake(2, 3).unwrap();
    v.distribute_source(0, Amount(100)).unwrap();
    v.distribute_source(1, Amount(41)).unwrap();
    assert_eq!(v.locked_by_source(1), [Amount(25), Amount(10)]);
    assert_eq!(v.locked_by_source(2), [Amount(75), Amount(30)]);
    assert_eq!(
        (v.locked(2), v.reserves(), v.dust()),
        (Amount(105), [Amount(100), Amount(41)], Amount(1))
    );
    // 40 from holder 2: all 30 of source 1, then 10 of source 0.
    assert_eq!(v.deduct(2, Amount(40)).unwrap(), Amount(40));
    assert_eq!(v.locked_by_source(2), [Amount(65), Amount::ZERO]);
    // Holder 1 forfeits: each source's part back to its pool.
    assert_eq!(v.forfeit_by_source(1).unwrap(), [Amount(25), Amount(10)]);
    v.close_epoch();
    v.close_epoch(); // epoch 2: epoch 0's rewards vest
    assert_eq!(v.vested_by_source(2), [Amount(65), Amount::ZERO]);
    assert_eq!(v.withdraw(2), Amount(65));
    // Source 0: 100 − 10 − 25 − 65 = 0; source 1: 41 − 30 − 10 = 1, the dust.
    assert_eq!((v.reserves(), v.dust()), ([Amount::ZERO, Amount(1)], Amount(1)));
    v.check_invariants().unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// One index of two sources gives every figure of two single-source indexes over the same
    /// stakes (a deduction taking from the second, then the first).
    #[test]
    fn two_sources_match_two_indexes(lag in 0..5u64, ops in prop::collection::vec(op(), 1..80)) {
        let mut two: Vesting<u32, 2> = Vesting::new(lag, Epoch(0)).unwrap();
        let mut each = [v(lag), v(lag)];
        for (i, o) in ops.iter().enumerate() {
            match *o {
                Op::Stake(k, z) => {
                    two.set_stake(k, z).unwrap();
                    each.iter_mut().for_each(|e| e.set_stake(k, z).unwrap());
                }
                Op::Distribute(a) => {
                    // Source 1 gets a different amount: a third, plus the step's number.
                    let parts = [a, a / 3 + i as u128];
                    for (s, (e, p)) in each.iter_mut().zip(parts).enumerate() {
                        let left = two.distribute_source(s, Amount(p)).unwrap();
                        prop_assert_eq!(left, e.distribute(Amount(p)).unwrap());
                    }
                }
                Op::Close => {
                    two.close_epoch();
                    each.iter_mut().for_each(V::close_epoch);
                }
                Op::Withdraw(k) => {
                    let want = each[0].withdraw(k).saturating_add(each[1].withdraw(k));
                    prop_assert_eq!(two.withdraw(k), want);
                }
                Op::Forfeit(k) => {
                    let want = [each[0].forfeit(k).unwrap(), each[1].forfeit(k).unwrap()];
                    prop_assert_eq!(two.forfeit_by_source(k).unwrap(), want);
                }
                Op::Deduct(k, a) => {
                    let t1 = each[1].deduct(k, Amount(a)).unwrap();
                    let t0 = each[0].deduct(k, Amount(a - t1.0)).unwrap();
                    prop_assert_eq!(two.deduct(k, Amount(a)).unwrap(), t0.saturating_add(t1));
                }
            }
            two.check_invariants().map_err(|e| TestCaseError::fail(e.to_string()))?;
            for k in 0..3 {
                prop_assert_eq!(two.locked_by_source(k), [each[0].locked(k), each[1].locked(k)]);
                prop_assert_eq!(two.vested_by_source(k), [each[0].vested(k), each[1].vested(k)]);
            }
            prop_assert_eq!(two.reserves(), [each[0].reserve(), each[1].reserve()]);
            prop_assert_eq!(two.dust(), each[0].dust().saturating_add(each[1].dust()));
        }
    }
}
