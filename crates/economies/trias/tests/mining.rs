//! Emission, the pool split, credits and the gated split (spec trias.md, "Emission and pools",
//! "Verification as mining"), with figures worked by hand.

#![allow(clippy::unwrap_used)] // a test: unwrap is the assertion

use ergon_core::Amount;
use ergon_trias::mining::{EmissionParams, emission, gated_split, pair_credit, pool_split};

#[test]
fn emission_halves_and_stops_at_the_cap() {
    let p = EmissionParams {
        initial: Amount(1000),
        halving_epochs: 10,
        cap: Amount(100_000),
        bootstrap_epochs: 5,
    };
    // Periods 0, 1, 2, 3, 4: 1000, 500, 250, 125, ⌊125/2⌋ = 62.
    let by_epoch = [(0, 1000), (9, 1000), (10, 500), (25, 250), (35, 125), (45, 62)];
    for (e, amount) in by_epoch {
        assert_eq!(emission(&p, e, Amount(0)), Amount(amount), "epoch {e}");
    }
    // 100 below the cap: clamped to 100; at the cap: nothing.
    assert_eq!(emission(&p, 0, Amount(99_900)), Amount(100));
    assert_eq!(emission(&p, 0, Amount(100_000)), Amount(0));
}

#[test]
fn pools_split_by_phase() {
    // Bootstrap 50/30/20 of 1001: 500.5, 300.3, 200.2 → 500, 300, 200, dust 1.
    let b = pool_split(Amount(1001), 4, 5);
    assert_eq!(
        (b.verifiers, b.routers, b.prometh, b.dust),
        (Amount(500), Amount(300), Amount(200), Amount(1))
    );
    // After: 62.5/37.5/0 of 1001: 625.625, 375.375 → 625, 375, 0, dust 1.
    let m = pool_split(Amount(1001), 5, 5);
    assert_eq!(
        (m.verifiers, m.routers, m.prometh, m.dust),
        (Amount(625), Amount(375), Amount(0), Amount(1))
    );
}

#[test]
fn credits_cap_at_four_per_pair() {
    assert_eq!(pair_credit(1, 1), 3);
    assert_eq!(pair_credit(2, 1), 4);
    assert_eq!(pair_credit(0, 3), 3);
    assert_eq!(pair_credit(3, 0), 4);
    assert_eq!(pair_credit(0, 0), 0);
}

/// Credit 4 each for H1, Y1, Y2 of the Sybil example, weighted by their gates 10^6, 333 333,
/// 222 776: Σw = 4·1 556 109 = 6 224 436. Of 1000: H1 10^9/1 556 109 = 642.6…, Y1
/// 1 001 000/4 673 = 214.2…, Y2 222 776 000/1 556 109 = 143.1… → 642, 214, 143, carry 1.
#[test]
fn gated_split_by_hand() {
    let w = [4 * 1_000_000u128, 4 * 333_333, 4 * 222_776];
    let (paid, carry) = gated_split(Amount(1000), &w).unwrap();
    assert_eq!(paid, vec![Amount(642), Amount(214), Amount(143)]);
    assert_eq!(carry, Amount(1));
    // Without weight everything carries.
    let (paid, carry) = gated_split(Amount(7), &[0, 0]).unwrap();
    assert_eq!((paid, carry), (vec![Amount(0), Amount(0)], Amount(7)));
    // Huge totals use the 256-bit intermediate: 2^120 split 1 : 3.
    let t = 1u128 << 120;
    let (paid, carry) =
        gated_split(Amount(t), &[u128::from(u64::MAX), 3 * u128::from(u64::MAX)]).unwrap();
    assert_eq!(paid, vec![Amount(t / 4), Amount(3 * (t / 4))]);
    assert_eq!(carry, Amount(0));
}
