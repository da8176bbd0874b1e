//! The stakes' kept history ([`super::Relay::stake_for`], [`super::Relay::keep_past`]).

use super::*;

/// A receiver (account 7) deposits 100 on day 0, withdraws 10 on day 1, deposits 5 on
/// day 3 and withdraws 1 on day 5,000: its older epochs are read from the kept changes,
/// and on day 5,000 the changes before the kept selections (day 904 on) go but the latest
/// of them, whose end balance was held after it.
#[test]
fn old_stakes_come_from_the_kept_changes_which_are_pruned() {
    let mut relay = Relay::default();
    let mut m = EpochMin::default();
    let change = |relay: &mut Relay, m: &mut EpochMin, day: u64, x: i128| {
        let closing = [(7, m.closing(day), 0), (TOTAL, None, 0)];
        if x >= 0 {
            m.deposit(day, Amount(x as u128)).unwrap();
        } else {
            m.withdraw(day, Amount((-x) as u128)).unwrap();
        }
        relay.keep_past(closing, day);
    };
    change(&mut relay, &mut m, 0, 100);
    change(&mut relay, &mut m, 1, -10);
    change(&mut relay, &mut m, 3, 5);
    let stake = |relay: &Relay, m: &EpochMin, e| relay.stake_for(7, m, e);
    // Epoch 0: deposited during it, its minimum 0; epoch 1: 90; epoch 2 held 90 (the
    // EpochMin's previous epoch); epoch 3: 90 (the deposit does not raise it).
    let got: Vec<Amount> = (0..4).map(|e| stake(&relay, &m, e).unwrap()).collect();
    assert_eq!(got, [Amount(0), Amount(90), Amount(90), Amount(90)]);
    assert_eq!(relay.stake_past.len(), 2);
    change(&mut relay, &mut m, 5000, -1);
    assert_eq!(relay.stake_past.len(), 1, "{:?}", relay.stake_past.map());
    // Epoch 1,000 held day 3's end balance, 95; epoch 4,999 too (the EpochMin's).
    assert_eq!(stake(&relay, &m, 1000).unwrap(), Amount(95));
    assert_eq!(stake(&relay, &m, 4999).unwrap(), Amount(95));
    assert_eq!(stake(&relay, &m, 5000).unwrap(), Amount(94));
    for e in [1, 2] {
        let gone = stake(&relay, &m, e).unwrap_err().to_string();
        assert!(gone.contains(&format!("stake of epoch {e} no longer kept")), "{gone}");
    }
}

/// A receiver issues in epoch order: once it issued for epoch 5, its changes up to 5 are
/// dropped but the latest of them (the model, issuing each day for the day before, keeps
/// one or two entries a receiver, not one a changing day for 4,096 days).
#[test]
fn changes_before_the_last_issued_epoch_go() {
    let mut relay = Relay::default();
    let mut m = EpochMin::default();
    for day in 0..8 {
        let first = if day >= 6 { 6 } else { 0 };
        relay.keep_past([(7, m.closing(day), first), (TOTAL, None, 0)], day);
        m.deposit(day, Amount(10)).unwrap();
    }
    // Changes closed on days 1…7 record epochs 0…6; on day 6 (issued up to 5) those before
    // 6 go but epoch 5's, on day 7 too: epochs 5 and 6 stay.
    let kept: Vec<u64> = relay.stake_past.map().keys().map(|k| k.1).collect();
    assert_eq!(kept, [5, 6]);
    assert_eq!(relay.stake_for(7, &m, 5).unwrap(), Amount(50));
}
