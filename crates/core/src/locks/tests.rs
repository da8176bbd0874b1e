//! Unit tests of the [`LockQueue`](super::LockQueue): release order, forfeiture, deduction,
//! the forfeit and chunk limits.

use super::*;
use crate::amount::TokenMeta;
use crate::error::Error;

fn setup() -> (Ledger, LockQueue, TokenId, PoolId, AccountId, AccountId) {
    let mut l = Ledger::new();
    let t = l.add_token(TokenMeta::new("T", 0), Amount(1_000_000)).unwrap();
    let mining = l.add_pool("mining").unwrap();
    let lockp = l.add_pool("locked").unwrap();
    let a = l.open_account().unwrap();
    let b = l.open_account().unwrap();
    l.mint(t, mining.into(), Amount(10_000)).unwrap();
    (l, LockQueue::new(t, lockp, 4), t, mining, a, b)
}

#[test]
fn releases_in_order_when_due() {
    let (mut l, mut q, t, mining, a, b) = setup();
    q.lock(&mut l, mining.into(), a, Amount(100), Epoch(10), mining).unwrap();
    q.lock(&mut l, mining.into(), b, Amount(50), Epoch(5), mining).unwrap();
    q.lock(&mut l, mining.into(), a, Amount(7), Epoch(10), mining).unwrap(); // coalesces
    q.check_invariants(&l).unwrap();
    assert_eq!(q.locked_of(a), Amount(107));
    assert_eq!(q.next_release(), Some(Epoch(5)));
    assert!(q.release_due(&mut l, Epoch(4)).unwrap().is_empty());
    let r = q.release_due(&mut l, Epoch(9)).unwrap();
    assert_eq!(
        r,
        vec![Released { owner: b, source: mining, amount: Amount(50), release_at: Epoch(5) }]
    );
    let r = q.release_due(&mut l, Epoch(10)).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(l.balance(t, a.into()).unwrap(), Amount(107));
    assert_eq!(q.total(), Amount::ZERO);
    q.check_invariants(&l).unwrap();
    l.check_conservation().unwrap();
}

#[test]
fn forfeit_returns_to_source_and_skips_stale_chunks() {
    let (mut l, mut q, t, mining, a, _) = setup();
    let volume = l.add_pool("volume").unwrap();
    l.mint(t, volume.into(), Amount(500)).unwrap();
    q.lock(&mut l, mining.into(), a, Amount(100), Epoch(10), mining).unwrap();
    q.lock(&mut l, volume.into(), a, Amount(30), Epoch(11), volume).unwrap();
    let back = q.forfeit(&mut l, a).unwrap();
    assert_eq!(back, vec![(mining, Amount(100)), (volume, Amount(30))]);
    assert_eq!(l.balance(t, volume.into()).unwrap(), Amount(500));
    assert_eq!(l.balance(t, mining.into()).unwrap(), Amount(10_000));
    q.check_invariants(&l).unwrap();
    // A new lock after forfeiture is live; the stale ones are skipped.
    q.lock(&mut l, mining.into(), a, Amount(5), Epoch(11), mining).unwrap();
    let r = q.release_due(&mut l, Epoch(20)).unwrap();
    assert_eq!(r.iter().map(|x| x.amount).collect::<Vec<_>>(), vec![Amount(5)]);
    assert_eq!(l.balance(t, a.into()).unwrap(), Amount(5));
    q.check_invariants(&l).unwrap();
    l.check_conservation().unwrap();
}

#[test]
fn deduct_takes_newest_first() {
    let (mut l, mut q, t, mining, a, b) = setup();
    q.lock(&mut l, mining.into(), a, Amount(100), Epoch(10), mining).unwrap();
    q.lock(&mut l, mining.into(), a, Amount(30), Epoch(12), mining).unwrap();
    q.lock(&mut l, mining.into(), b, Amount(5), Epoch(12), mining).unwrap();
    assert_eq!(q.deduct(&mut l, a, Amount(50), b.into()).unwrap(), Amount(50));
    q.check_invariants(&l).unwrap();
    assert_eq!(q.locked_of(a), Amount(80));
    assert_eq!(l.balance(t, b.into()).unwrap(), Amount(50));
    assert_eq!(q.deduct(&mut l, a, Amount(500), b.into()).unwrap(), Amount(80));
    assert_eq!(q.locked_of(a), Amount::ZERO);
    q.check_invariants(&l).unwrap();
    let r = q.release_due(&mut l, Epoch(20)).unwrap();
    assert_eq!(r.iter().map(|x| (x.owner, x.amount)).collect::<Vec<_>>(), vec![(b, Amount(5))]);
    l.check_conservation().unwrap();
}

#[test]
fn forfeits_stop_before_the_generation_would_wrap() {
    let (mut l, mut q, _, mining, a, _) = setup();
    *q.generations.or_default(a) = u16::MAX - 1;
    q.lock(&mut l, mining.into(), a, Amount(3), Epoch(5), mining).unwrap();
    assert_eq!(q.forfeit(&mut l, a).unwrap(), vec![(mining, Amount(3))]);
    q.lock(&mut l, mining.into(), a, Amount(4), Epoch(5), mining).unwrap();
    let (ql, ll) = (q.clone(), l.clone());
    let e = q.forfeit(&mut l, a).unwrap_err();
    assert_eq!(e.to_string(), "limit reached: forfeits of account 0 (at most 65535)");
    assert_eq!((&q, &l), (&ql, &ll));
    // The dead chunk (generation u16::MAX − 1) is skipped, the live one paid.
    let r = q.release_due(&mut l, Epoch(5)).unwrap();
    assert_eq!(r.iter().map(|x| x.amount).collect::<Vec<_>>(), vec![Amount(4)]);
    q.check_invariants(&l).unwrap();
    l.check_conservation().unwrap();
}

#[test]
fn chunk_limit_and_failed_lock_change_nothing() {
    let (mut l, mut q, _, mining, a, _) = setup();
    for e in 1..=4 {
        q.lock(&mut l, mining.into(), a, Amount(1), Epoch(e), mining).unwrap();
    }
    let (ql, ll) = (q.clone(), l.clone());
    let e = q.lock(&mut l, mining.into(), a, Amount(1), Epoch(9), mining).unwrap_err();
    assert_eq!(e.to_string(), "limit reached: lock chunks of account 0 (at most 4)");
    let e = q.lock(&mut l, Holder::Account(a), a, Amount(1), Epoch(4), mining).unwrap_err();
    assert!(matches!(e, Error::InsufficientBalance { .. }));
    assert_eq!((q, l), (ql, ll));
}
