//! The deployed rules of the rewards module (Marlin's `ClusterRewards`, `ReceiverStaking`,
//! `RewardDelegators`, `ClusterSelector`): ticket payout with the 65,536 remainder, the
//! minimum-balance stake, delegator payouts with commission, cluster selection. Every expected
//! figure is worked out by hand (integer floors written out) or with Python's integers.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::{Amount, Coded, Seed, StreamRng, SumTree};
use ergon_marlin::rewards::RewardsError;
use ergon_marlin::rewards::delegators::{ClusterPool, Position};
use ergon_marlin::rewards::selection::{
    CLUSTERS_TO_SELECT, TokenWeight, effective_delegation, select_clusters, selection_weight,
};
use ergon_marlin::rewards::tickets::{
    EpochMin, RECEIVER_TICKETS_PER_EPOCH, claim, network_reward, pay_receiver,
};

const E18: u128 = 1_000_000_000_000_000_000;

#[test]
fn ticket_payout_with_the_65536_remainder() {
    // N = ⌊(10^22 + 7)·2/3⌋ = ⌊20000000000000000000014/3⌋ = 6666666666666666666671.
    let n = network_reward(Amount(10u128.pow(22) + 7), 2, 3).unwrap();
    assert_eq!(n, Amount(6_666_666_666_666_666_666_671));
    // share = ⌊N·(1234·10^18 + 5)/(10^24 + 3)⌋ = 8226666666666666666.
    let stake = Amount(1234 * E18 + 5);
    let total = Amount(10u128.pow(24) + 3);
    // Five clusters selected; the receiver names four: 10000 + 20000 + 5000 + 30000 = 65000,
    // the last gets 65536 − 65000 = 536.
    let tickets = [10_000u16, 20_000, 5_000, 30_000];
    let mut out = [Amount::ZERO; 5];
    let p = pay_receiver(n, stake, total, &tickets, &mut out).unwrap();
    assert_eq!(p.share, Amount(8_226_666_666_666_666_666));
    // ⌊share·t/65536⌋ for t = 10000, 20000, 5000, 30000, 536.
    assert_eq!(
        out,
        [
            Amount(1_255_289_713_541_666_666),
            Amount(2_510_579_427_083_333_333),
            Amount(627_644_856_770_833_333),
            Amount(3_765_869_140_624_999_999),
            Amount(67_283_528_645_833_333),
        ]
    );
    assert_eq!(p.credited, Amount(8_226_666_666_666_666_664));
    assert_eq!(p.undistributed, Amount(2));
    assert_eq!(RECEIVER_TICKETS_PER_EPOCH, 65_536);
}

#[test]
fn ticket_payout_refusals_and_edges() {
    let mut out = [Amount::ZERO; 3];
    // 40000 + 30000 = 70000 > 65536.
    let e =
        pay_receiver(Amount(100), Amount(1), Amount(1), &[40_000, 30_000], &mut out).unwrap_err();
    assert_eq!(e, RewardsError::TicketsAboveEpochTotal { sum: 70_000 });
    assert_eq!(e.code(), "tickets_above_epoch_total");
    let e = pay_receiver(Amount(100), Amount(1), Amount(1), &[1], &mut out).unwrap_err();
    assert_eq!(e, RewardsError::TooFewTickets { given: 1, clusters: 3 });
    let e = pay_receiver(Amount(100), Amount(1), Amount::ZERO, &[1, 2], &mut out).unwrap_err();
    assert_eq!(e.code(), "zero_total");
    let e = pay_receiver(Amount(100), Amount(2), Amount(1), &[1, 2], &mut out).unwrap_err();
    assert_eq!(e.code(), "stake_above_total");
    assert_eq!(
        pay_receiver(Amount(1), Amount(1), Amount(1), &[], &mut []).unwrap_err().code(),
        "no_selected_clusters"
    );
    // One cluster takes all 65536 tickets: share·65536/65536 = share; nothing left.
    let mut one = [Amount::ZERO; 1];
    let p = pay_receiver(Amount(999), Amount(1), Amount(3), &[], &mut one).unwrap();
    assert_eq!((one[0], p.share, p.undistributed), (Amount(333), Amount(333), Amount::ZERO));
    // A named count of 65536 − 0 leaves 0 to the last; extra counts are ignored.
    let p =
        pay_receiver(Amount(65_536), Amount(1), Amount(1), &[65_535, 1, 7, 7], &mut out).unwrap();
    assert_eq!(out, [Amount(65_535), Amount(1), Amount(0)]);
    assert_eq!(p.undistributed, Amount::ZERO);
}

#[test]
fn claim_leaves_one_unit() {
    assert_eq!(claim(Amount(10)), (Amount(9), Amount(1)));
    assert_eq!(claim(Amount(1)), (Amount::ZERO, Amount(1)));
    assert_eq!(claim(Amount::ZERO), (Amount::ZERO, Amount::ZERO));
}

#[test]
fn stake_is_the_minimum_balance_held_in_the_epoch() {
    let (mut a, mut b, mut total) = (EpochMin::default(), EpochMin::default(), EpochMin::default());
    // Epoch 1: a deposits 100, b 40.
    a.deposit(1, Amount(100)).unwrap();
    total.deposit(1, Amount(100)).unwrap();
    b.deposit(1, Amount(40)).unwrap();
    total.deposit(1, Amount(40)).unwrap();
    // Epoch 2 starts with a = 100, b = 40. a deposits 50 (150; min stays 100), withdraws 120
    // (30; min 30, a drop of 70), deposits 70 (100; min stays 30).
    a.deposit(2, Amount(50)).unwrap();
    total.deposit(2, Amount(50)).unwrap();
    let drop = a.withdraw(2, Amount(120)).unwrap();
    assert_eq!(drop, Amount(70));
    total.lower_total(2, Amount(120), drop).unwrap();
    a.deposit(2, Amount(70)).unwrap();
    total.deposit(2, Amount(70)).unwrap();
    // b withdraws 10 (30; min 30, drop 10).
    let drop = b.withdraw(2, Amount(10)).unwrap();
    assert_eq!(drop, Amount(10));
    total.lower_total(2, Amount(10), drop).unwrap();
    assert_eq!(a.stake_at(2).unwrap(), Amount(30));
    assert_eq!(b.stake_at(2).unwrap(), Amount(30));
    // The total of minima: 140 at the epoch's start − 70 − 10 = 60 = 30 + 30.
    assert_eq!(total.stake_at(2).unwrap(), Amount(60));
    // Epoch 1 (the one before): a held 100 from its deposit on (the deposit's epoch counts the
    // balance before it, 0: deposits never raise the epoch's minimum).
    assert_eq!(a.stake_at(1).unwrap(), Amount::ZERO);
    // Epoch 3 with no change: the balances, a = 100, b = 30; total 130.
    assert_eq!(a.stake_at(3).unwrap(), Amount(100));
    assert_eq!(total.stake_at(3).unwrap(), Amount(130));
    // A change in epoch 5: epoch 4 held the balance throughout; epoch 3 is gone.
    let drop = a.withdraw(5, Amount(100)).unwrap();
    assert_eq!(drop, Amount(100));
    assert_eq!(a.stake_at(4).unwrap(), Amount(100));
    assert_eq!(a.stake_at(5).unwrap(), Amount::ZERO);
    assert_eq!(
        a.stake_at(3).unwrap_err(),
        RewardsError::StakeHistoryGone { epoch: 3, recorded: 5 }
    );
    assert_eq!(a.deposit(4, Amount(1)).unwrap_err().code(), "epoch_backwards");
    assert_eq!(b.withdraw(5, Amount(31)).unwrap_err().code(), "insufficient_balance");
}

#[test]
fn delegator_payout_with_commission() {
    // Tokens: 0 = POND, 1 = MPOND. A delegates 300 POND, B 700 POND, C 1 MPOND.
    let mut pool = ClusterPool::<2>::default();
    let (mut a, mut b, mut c) = (Position::default(), Position::default(), Position::default());
    assert_eq!(pool.apply(&mut a, &[Amount(300 * E18), Amount::ZERO], true).unwrap(), Amount::ZERO);
    assert_eq!(pool.apply(&mut b, &[Amount(700 * E18), Amount::ZERO], true).unwrap(), Amount::ZERO);
    assert_eq!(pool.apply(&mut c, &[Amount::ZERO, Amount(E18)], true).unwrap(), Amount::ZERO);
    // The cluster accrued 123456789012345678902; the claim pays all but one unit.
    let (reward, left) = claim(Amount(123_456_789_012_345_678_902));
    assert_eq!((reward, left), (Amount(123_456_789_012_345_678_901), Amount(1)));
    // Commission 10%: ⌊123456789012345678901·10/100⌋ = 12345678901234567890;
    // D = 111111110111111111011, over k = 2 delegated tokens.
    let d = pool.distribute(reward, 10).unwrap();
    assert_eq!(d.commission, Amount(12_345_678_901_234_567_890));
    assert_eq!(d.delegators, Amount(111_111_110_111_111_111_011));
    assert_eq!(d.unallocated, Amount::ZERO);
    // acc_POND = ⌊D·10^30/2/10^21⌋ = D·5·10^8 = 55555555055555555505500000000;
    // acc_MPOND = ⌊D·10^30/2/10^18⌋ = D·5·10^11.
    assert_eq!(pool.acc(0).to_u128().unwrap(), 55_555_555_055_555_555_505_500_000_000);
    assert_eq!(pool.acc(1).to_u128().unwrap(), 55_555_555_055_555_555_505_500_000_000_000);
    // A: ⌊acc_POND·3·10^20/10^30⌋ = 16666666516666666651 (withdrawal: amounts 0).
    let zero = [Amount::ZERO; 2];
    assert_eq!(pool.apply(&mut a, &zero, true).unwrap(), Amount(16_666_666_516_666_666_651));
    // C undelegates half its MPOND: paid ⌊acc_MPOND·10^18/10^30⌋ = 55555555055555555505,
    // debt ⌊acc_MPOND·5·10^17/10^30⌋ = 27777777527777777752.
    let half = [Amount::ZERO, Amount(E18 / 2)];
    assert_eq!(pool.apply(&mut c, &half, false).unwrap(), Amount(55_555_555_055_555_555_505));
    assert_eq!(pool.total(1), Amount(E18 / 2));
    // Second reward 1000 POND, 10%: commission 100 POND, D = 900 POND, 450 POND per token.
    let d = pool.distribute(Amount(1000 * E18), 10).unwrap();
    assert_eq!(d.commission, Amount(100 * E18));
    // acc_POND += 9·10^20·10^30/2/10^21 = 4.5·10^29; acc_MPOND += 9·10^20·10^30/2/(5·10^17) = 9·10^32.
    assert_eq!(pool.acc(0).to_u128().unwrap(), 505_555_555_055_555_555_505_500_000_000);
    assert_eq!(pool.acc(1).to_u128().unwrap(), 955_555_555_055_555_555_505_500_000_000_000);
    // A: 135 POND exactly (3/10 of 450); C: 450 POND exactly (all of MPOND's half, on 0.5 MPOND);
    // B: both rounds, ⌊acc_POND·7·10^20/10^30⌋ = 353888888538888888853.
    assert_eq!(pool.pending(&a).unwrap(), Amount(135 * E18));
    assert_eq!(pool.apply(&mut c, &zero, true).unwrap(), Amount(450 * E18));
    assert_eq!(pool.apply(&mut b, &zero, true).unwrap(), Amount(353_888_888_538_888_888_853));
    assert_eq!(pool.apply(&mut a, &zero, true).unwrap(), Amount(135 * E18));
    // Allocated D + D' = 111111110111111111011 + 9·10^20; paid the five payouts above; the
    // pool keeps the 2 units the first round's floors left.
    assert_eq!(pool.allocated(), Amount(1_011_111_110_111_111_111_011));
    assert_eq!(pool.paid(), Amount(1_011_111_110_111_111_111_009));
}

#[test]
fn delegator_edges() {
    let mut pool = ClusterPool::<2>::default();
    // Nobody delegated: commission cut, the rest unallocated (returned to the pool).
    let d = pool.distribute(Amount(1001), 33).unwrap();
    // ⌊1001·33/100⌋ = 330; 1001 − 330 = 671.
    assert_eq!(
        (d.commission, d.delegators, d.unallocated),
        (Amount(330), Amount::ZERO, Amount(671))
    );
    assert_eq!(pool.distribute(Amount(1), 101).unwrap_err().code(), "commission_above_100");
    // Only POND delegated: k = 1, the whole D to POND. 100% commission leaves nothing.
    let mut p = Position::default();
    pool.apply(&mut p, &[Amount(7), Amount::ZERO], true).unwrap();
    let d = pool.distribute(Amount(70), 0).unwrap();
    assert_eq!(d.delegators, Amount(70));
    assert_eq!(pool.pending(&p).unwrap(), Amount(70));
    assert_eq!(pool.distribute(Amount(70), 100).unwrap().delegators, Amount::ZERO);
    // Undelegating more than held is refused, and changes nothing.
    let before = (pool, p);
    let e = pool.apply(&mut p, &[Amount(8), Amount::ZERO], false).unwrap_err();
    assert_eq!(e.code(), "insufficient_balance");
    assert_eq!((pool, p), before);
    assert_eq!(pool.apply(&mut p, &[Amount(1)], true).unwrap_err().code(), "buffer_length");
}

#[test]
fn one_unit_of_mpond_takes_half_of_every_reward() {
    // The equal per-token split, whatever the value: A delegates 1000 POND, B one base unit of
    // MPOND. A reward of 10^24 (1,000,000 POND) at 0 %: k = 2, each token 5·10^23.
    // acc_MPOND = 10^24·10^30/(2·1) = 5·10^53 (above u128; whole part 5·10^23, fraction 0).
    let mut pool = ClusterPool::<2>::default();
    let (mut a, mut b) = (Position::default(), Position::default());
    pool.apply(&mut a, &[Amount(1000 * E18), Amount::ZERO], true).unwrap();
    pool.apply(&mut b, &[Amount::ZERO, Amount(1)], true).unwrap();
    pool.distribute(Amount(10u128.pow(24)), 0).unwrap();
    assert_eq!((pool.acc(1).whole, pool.acc(1).frac), (5 * 10u128.pow(23), 0));
    assert_eq!(pool.acc(1).to_u128(), None);
    // acc_POND = 10^54/(2·10^21) = 5·10^32: whole 500, fraction 0.
    assert_eq!(pool.acc(0).to_u128(), Some(5 * 10u128.pow(32)));
    assert_eq!(pool.pending(&b).unwrap(), Amount(5 * 10u128.pow(23)));
    assert_eq!(pool.pending(&a).unwrap(), Amount(5 * 10u128.pow(23)));
    // A second reward of 7 units: MPOND's 3 (⌊7·10^30/2⌋ = 3.5·10^30: whole 3, fraction 5·10^29)
    // pays B 3 more; POND's ⌊7·10^30/(2·10^21)⌋ = 3.5·10^9 pays A ⌊3.5·10^9·10^21/10^30⌋ = 3.
    pool.distribute(Amount(7), 0).unwrap();
    assert_eq!(pool.acc(1).frac, 5 * 10u128.pow(29));
    assert_eq!(
        pool.apply(&mut b, &[Amount::ZERO; 2], true).unwrap(),
        Amount(5 * 10u128.pow(23) + 3)
    );
    assert_eq!(
        pool.apply(&mut a, &[Amount::ZERO; 2], true).unwrap(),
        Amount(5 * 10u128.pow(23) + 3)
    );
}

#[test]
fn selection_weights_are_exact() {
    // POND counts 1 toward delegation, MPOND 10^6 (1 MPOND = 10^6 POND) and 1 toward the
    // threshold of 0.5 MPOND.
    let w = [
        TokenWeight { for_threshold: 0, for_delegation: 1 },
        TokenWeight { for_threshold: 1, for_delegation: 1_000_000 },
    ];
    let th = E18 / 2;
    // 2·10^24 POND + 0.6 MPOND: E = 2·10^24 + 6·10^17·10^6 = 2.6·10^24; ⌊√E⌋ = 1612451549659
    // (1612451549659² ≤ 2.6·10^24 < 1612451549660²).
    let e = effective_delegation(&[Amount(2_000_000 * E18), Amount(6 * E18 / 10)], &w, th).unwrap();
    assert_eq!(e, 2_600_000 * E18);
    assert_eq!(selection_weight(e), 1_612_451_549_659);
    // 0.4 MPOND is below the threshold: no weight, whatever the POND.
    let e = effective_delegation(&[Amount(1_000_000 * E18), Amount(4 * E18 / 10)], &w, th).unwrap();
    assert_eq!(e, 0);
    // Exactly 0.5 MPOND is eligible: E = 5·10^23, ⌊√E⌋ = 707106781186.
    let e = effective_delegation(&[Amount::ZERO, Amount(E18 / 2)], &w, th).unwrap();
    assert_eq!(selection_weight(e), 707_106_781_186);
    assert_eq!(selection_weight(u128::MAX), u64::MAX);
    assert_eq!(selection_weight(99), 9);
    assert_eq!(effective_delegation(&[Amount(1)], &w, th).unwrap_err().code(), "buffer_length");
}

/// Chi-square statistic of counts against expected probabilities `num_i / den` over `n` trials.
fn chi_square(counts: &[u64], num: &[u128], den: u128, n: u64) -> f64 {
    counts
        .iter()
        .zip(num)
        .map(|(&c, &p)| {
            let e = n as f64 * p as f64 / den as f64;
            (c as f64 - e).powi(2) / e
        })
        .sum()
}

#[test]
fn selection_draws_without_replacement_in_proportion() {
    // Weights ⌊√E⌋ of E = 100, 400, …, 3600: 10, 20, 30, 40, 50, 60 (W = 210).
    let weights: Vec<u64> =
        [100u128, 400, 900, 1600, 2500, 3600].iter().map(|&e| selection_weight(e)).collect();
    assert_eq!(weights, [10, 20, 30, 40, 50, 60]);
    let mut tree = SumTree::from_weights(&weights);
    let mut rng = StreamRng::new(Seed::from_u64(13));
    // Ordered pairs of a two-cluster draw: P(i, j) = w_i/210 · w_j/(210 − w_i). On the common
    // denominator 210·Π(210 − w) the numerators are integers; 30 cells, 29 degrees of freedom,
    // the 0.1% critical value is 58.30.
    let den_i: Vec<u128> = weights.iter().map(|&w| 210 - u128::from(w)).collect();
    let common: u128 = 210 * den_i.iter().product::<u128>();
    let (mut counts, mut probs) = (Vec::new(), Vec::new());
    for i in 0..6 {
        for j in 0..6 {
            if i != j {
                counts.push(0u64);
                probs.push(
                    u128::from(weights[i]) * u128::from(weights[j]) * common / 210 / den_i[i],
                );
            }
        }
    }
    assert_eq!(probs.iter().sum::<u128>(), common);
    let trials = 30_000u64;
    let mut out = [0usize; 2];
    for _ in 0..trials {
        assert_eq!(select_clusters(&mut tree, &mut rng, &mut out).unwrap(), 2);
        assert_ne!(out[0], out[1]);
        let (i, j) = (out[0], out[1]);
        let cell = i * 5 + if j > i { j - 1 } else { j };
        counts[cell] += 1;
    }
    let chi = chi_square(&counts, &probs, common, trials);
    assert!(chi < 58.30, "chi-square {chi}");
    // The tree is unchanged by the draws.
    assert_eq!(tree.weights(), &weights[..]);
}

#[test]
fn selection_takes_all_when_few_and_is_deterministic() {
    // Three clusters, one of weight 0: five asked, the two positive ones drawn.
    let mut tree = SumTree::from_weights(&[5, 0, 9]);
    let mut out = [usize::MAX; CLUSTERS_TO_SELECT];
    let k = select_clusters(&mut tree, &mut StreamRng::new(Seed::from_u64(1)), &mut out).unwrap();
    assert_eq!(k, 2);
    let mut got = [out[0], out[1]];
    got.sort_unstable();
    assert_eq!(got, [0, 2]);
    // The same stream draws the same clusters.
    let mut big = SumTree::from_weights(&[3, 1, 4, 1, 5, 9, 2, 6, 5, 3]);
    let (mut x, mut y) = ([0usize; 5], [0usize; 5]);
    select_clusters(&mut big, &mut StreamRng::new(Seed::from_u64(7)), &mut x).unwrap();
    select_clusters(&mut big, &mut StreamRng::new(Seed::from_u64(7)), &mut y).unwrap();
    assert_eq!(x, y);
    let mut too_many = [0usize; 65];
    assert_eq!(
        select_clusters(&mut big, &mut StreamRng::new(Seed::from_u64(7)), &mut too_many)
            .unwrap_err()
            .code(),
        "too_many_to_select"
    );
}

#[test]
fn an_epoch_from_tickets_to_a_delegator_conserves_pond() {
    // One receiver holds the whole receiver stake (100 of 100); network reward 65,536,000.
    // Two clusters selected; the receiver names 16384 tickets for the first, the second gets
    // 65536 − 16384 = 49152: credits 16,384,000 and 49,152,000, nothing undistributed.
    let mut credits = [Amount::ZERO; 2];
    let p = pay_receiver(Amount(65_536_000), Amount(100), Amount(100), &[16_384], &mut credits)
        .unwrap();
    assert_eq!(credits, [Amount(16_384_000), Amount(49_152_000)]);
    assert_eq!(p.undistributed, Amount::ZERO);
    // Cluster 0 is claimed: 16,383,999 paid, 1 left. Commission 5 %: ⌊16383999·5/100⌋ = 819199;
    // D = 15,564,800 to its one delegator of 7 POND units: acc = ⌊15564800·10^30/7⌋ =
    // 2223542857142857142857142857142857142, owed ⌊acc·7/10^30⌋ = 15,564,799 (1 stays).
    let mut pool = ClusterPool::<2>::default();
    let mut d = Position::default();
    pool.apply(&mut d, &[Amount(7), Amount::ZERO], true).unwrap();
    let (reward, left) = claim(credits[0]);
    assert_eq!((reward, left), (Amount(16_383_999), Amount(1)));
    let dist = pool.distribute(reward, 5).unwrap();
    assert_eq!((dist.commission, dist.delegators), (Amount(819_199), Amount(15_564_800)));
    assert_eq!(pool.acc(0).to_u128().unwrap(), 2_223_542_857_142_857_142_857_142_857_142_857_142);
    let paid = pool.apply(&mut d, &[Amount::ZERO; 2], true).unwrap();
    assert_eq!(paid, Amount(15_564_799));
    let kept = pool.allocated().0 - pool.paid().0;
    assert_eq!(kept, 1);
    // 65,536,000 = 1 (cluster 0's slot) + 819,199 + 15,564,799 + 1 (pool) + 49,152,000.
    let total = left.0 + dist.commission.0 + paid.0 + kept + credits[1].0;
    assert_eq!(total, 65_536_000);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// One step: a delegator (0..4) delegates or undelegates of a token (0..2), or the cluster
    /// distributes a reward with a commission.
    #[derive(Clone, Debug)]
    enum Step {
        Delegate(usize, usize, u128),
        Undelegate(usize, usize, u128),
        Distribute(u128, u8),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0usize..4, 0usize..2, 1u128..10u128.pow(24))
                .prop_map(|(d, t, a)| Step::Delegate(d, t, a)),
            (0usize..4, 0usize..2, 1u128..10u128.pow(24))
                .prop_map(|(d, t, a)| Step::Undelegate(d, t, a)),
            (0u128..10u128.pow(23), 0u8..=100).prop_map(|(a, c)| Step::Distribute(a, c)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Every distribution splits exactly into commission + delegators + unallocated; the
        /// pool's totals are the positions' sums; paid + still owed stays within the floors'
        /// bounds of what was allocated: never more than one unit per settlement above it, never
        /// more than one unit per distribution and token, per settlement and per position and
        /// token below.
        #[test]
        fn delegator_books_balance(steps in prop::collection::vec(step(), 1..40)) {
            let mut pool = ClusterPool::<2>::default();
            let mut pos = [Position::<2>::default(); 4];
            let (mut settlements, mut distributions) = (0u128, 0u128);
            for s in steps {
                match s {
                    Step::Delegate(d, t, a) | Step::Undelegate(d, t, a) => {
                        let delegate = matches!(s, Step::Delegate(..));
                        let mut amounts = [Amount::ZERO; 2];
                        amounts[t] = Amount(a);
                        if pool.apply(&mut pos[d], &amounts, delegate).is_ok() {
                            settlements += 2;
                        }
                    }
                    Step::Distribute(a, c) => {
                        let before = pool.allocated();
                        let d = pool.distribute(Amount(a), c).unwrap();
                        prop_assert_eq!(d.commission.0 + d.delegators.0 + d.unallocated.0, a);
                        prop_assert_eq!(pool.allocated().0 - before.0, d.delegators.0);
                        distributions += 1;
                    }
                }
                for t in 0..2 {
                    let sum: u128 = pos.iter().map(|p| p.balance(t).0).sum();
                    prop_assert_eq!(pool.total(t).0, sum);
                }
            }
            let owed: u128 = pos.iter().map(|p| pool.pending(p).unwrap().0).sum();
            let out = pool.paid().0 + owed;
            let allocated = pool.allocated().0;
            prop_assert!(out <= allocated + settlements, "{out} > {allocated} + {settlements}");
            prop_assert!(out + 2 * distributions + settlements + 8 >= allocated, "{out} too far below {allocated}");
        }

        /// A receiver's credits never exceed its share and leave less than one unit per cluster.
        #[test]
        fn ticket_credits_within_share(
            n in 1usize..8,
            tickets in prop::collection::vec(0u16..20_000, 7),
            reward in 0u128..10u128.pow(28),
            stake in 0u128..10u128.pow(26),
            extra in 0u128..10u128.pow(26),
        ) {
            let named: u32 = tickets[..n - 1].iter().map(|&t| u32::from(t)).sum();
            prop_assume!(named <= RECEIVER_TICKETS_PER_EPOCH);
            let mut out = [Amount::ZERO; 8];
            let total = Amount(stake + extra + 1);
            let p = pay_receiver(Amount(reward), Amount(stake), total, &tickets, &mut out[..n]).unwrap();
            let sum: u128 = out[..n].iter().map(|a| a.0).sum();
            prop_assert_eq!(sum, p.credited.0);
            prop_assert_eq!(p.credited.0 + p.undistributed.0, p.share.0);
            prop_assert!(p.undistributed.0 < n as u128);
        }
    }
}
