//! The paper reward pools: the monthly prepaid subscription fee pool (refunds of future months on
//! cancellation) and the subsidy pool's schedule. Figures worked out by hand in the comments.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::{Amount, Coded, Emission};
use ergon_marlin::rewards::pools::{FeePool, Subscription, subsidy_emission, subsidy_schedule};

#[test]
fn fee_pool_prepays_releases_and_refunds() {
    let mut pool = FeePool::new(0);
    // Month 0: X pays 30 a month for 3 months (90), Y 10 for 1 month (10).
    let (x, cost) = pool.subscribe(Amount(30), 3).unwrap();
    assert_eq!((x, cost), (Subscription { fee: Amount(30), start: 0, end: 3 }, Amount(90)));
    let (y, cost) = pool.subscribe(Amount(10), 1).unwrap();
    assert_eq!((y.end, cost), (1, Amount(10)));
    assert_eq!((pool.prepaid(), pool.rate()), (Amount(100), Amount(40)));
    pool.check().unwrap();
    // Close month 0: 30 + 10 released; Y's last month, the rate falls to 30.
    assert_eq!(pool.close_month().unwrap(), Amount(40));
    assert_eq!((pool.prepaid(), pool.rate(), pool.month()), (Amount(60), Amount(30), 1));
    // Y's subscription is over: cancelling it is refused.
    assert_eq!(pool.unsubscribe(y).unwrap_err().code(), "not_subscribed");
    // Month 1: Z pays 5 for months 1 and 2 (10).
    let (z, _) = pool.subscribe(Amount(5), 2).unwrap();
    assert_eq!((z.start, z.end), (1, 3));
    assert_eq!((pool.prepaid(), pool.rate()), (Amount(70), Amount(35)));
    // X cancels in month 1: month 2 refunded (30 = 30·(3 − 1 − 1)); month 1 still released.
    let (refund, x) = pool.unsubscribe(x).unwrap();
    assert_eq!((refund, x.end), (Amount(30), 2));
    assert_eq!((pool.prepaid(), pool.rate()), (Amount(40), Amount(35)));
    pool.check().unwrap();
    // Cancelling again in its last month refunds nothing.
    assert_eq!(pool.unsubscribe(x).unwrap(), (Amount::ZERO, x));
    // Close month 1: X 30 + Z 5; X stops. Close month 2: Z 5; the pool is empty.
    assert_eq!(pool.close_month().unwrap(), Amount(35));
    assert_eq!((pool.prepaid(), pool.rate()), (Amount(5), Amount(5)));
    assert_eq!(pool.close_month().unwrap(), Amount(5));
    assert_eq!((pool.prepaid(), pool.rate()), (Amount::ZERO, Amount::ZERO));
    pool.check().unwrap();
    // In 100 + 10; out: released 40 + 35 + 5 = 80, refunded 30 → 110.
    assert_eq!(pool.subscribe(Amount(1), 0).unwrap_err().code(), "zero_total");
    assert_eq!(pool.subscribe(Amount::ZERO, 1).unwrap_err().code(), "zero_total");
    assert_eq!(pool.subscribe(Amount(u128::MAX), 2).unwrap_err().code(), "overflow");
}

#[test]
fn subsidy_pays_a_fixed_amount_until_the_end_epoch() {
    // 1000 a epoch for 3 epochs: end = 3000.
    let s = subsidy_schedule(Amount(1000), 3).unwrap();
    s.validate().unwrap();
    assert_eq!(s.emission(0, Amount::ZERO).amount(), Amount(1000));
    assert_eq!(s.emission(2, Amount(2000)).amount(), Amount(1000));
    // Clamped to the end: 3000 − 2500 = 500.
    assert_eq!(s.emission(2, Amount(2500)).amount(), Amount(500));
    assert!(matches!(s.emission(3, Amount(3000)), Emission::Ended));
    // The close's emission without the schedule built: the same amounts, emitted or not.
    for emitted in [0, 1, 999, 1000, 2000, 2001, 2999, 3000, 3001, 10_000] {
        let want = s.emission(0, Amount(emitted)).amount();
        let got = subsidy_emission(Amount(1000), 3, 0, Amount(emitted)).unwrap();
        assert_eq!(got, want, "{emitted}");
    }
    assert_eq!(subsidy_emission(Amount(7), 0, 0, Amount::ZERO).unwrap(), Amount::ZERO);
    assert!(subsidy_emission(Amount(u128::MAX / 2), 3, 0, Amount::ZERO).is_err());
    // The schedule ends on its last epoch even when a short pool emitted less before: epochs
    // 0, 1, 2 only.
    assert_eq!(subsidy_emission(Amount(1000), 3, 2, Amount(1500)).unwrap(), Amount(1000));
    assert_eq!(subsidy_emission(Amount(1000), 3, 3, Amount(1500)).unwrap(), Amount::ZERO);
}
