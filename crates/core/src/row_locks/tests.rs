//! Unit tests of [`RowLocks`]: construction and the errors of a lock (the side-by-side property
//! test against the lock queue is `tests/row_locks_props.rs`).

use super::*;
use crate::amount::TokenMeta;

/// A ledger with a token `T` (cap 1,000) and the pools `a`, `b` (sources) and `l` (the locks').
fn ledger() -> (Ledger, TokenId, [PoolId; 3]) {
    let mut l = Ledger::new();
    let t = l.add_token(TokenMeta::new("T", 0), Amount(1_000)).unwrap();
    let pools = ["a", "b", "l"].map(|name| l.add_pool(name).unwrap());
    (l, t, pools)
}

#[test]
fn refuses_repeated_sources_and_its_own_pool_and_names_the_first_bad_row() {
    let (mut l, t, [a, b, own]) = ledger();
    assert!(RowLocks::new(t, own, [a, a], 4).is_err());
    assert!(RowLocks::new(t, own, [a, own], 4).is_err());
    let mut r = RowLocks::new(t, own, [a, b], 2).unwrap();
    l.open_accounts(3).unwrap();
    l.mint(t, a.into(), Amount(100)).unwrap();
    let rows = |x: &[(u32, u128, u128)]| -> Vec<(AccountId, [Amount; 2])> {
        x.iter().map(|&(o, p, q)| (AccountId(o), [Amount(p), Amount(q)])).collect()
    };
    let e = r.lock_rows(&mut l, Epoch(5), &rows(&[(2, 1, 0), (1, 1, 0)])).unwrap_err();
    assert!(e.to_string().contains("account 1"), "{e}");
    // Pool b holds nothing: the ledger refuses and nothing is locked.
    assert!(r.lock_rows(&mut l, Epoch(5), &rows(&[(0, 1, 1)])).is_err());
    assert_eq!((r.total(), r.next_release()), (Amount::ZERO, None));
    // Two live amounts fit a budget of 2; a third does not.
    r.lock_rows(&mut l, Epoch(5), &rows(&[(0, 3, 0), (1, 4, 0)])).unwrap();
    r.lock_rows(&mut l, Epoch(6), &rows(&[(0, 2, 0)])).unwrap();
    let e = r.lock_rows(&mut l, Epoch(7), &rows(&[(0, 1, 0)])).unwrap_err();
    assert!(matches!(e, Error::LimitReached { limit: 2, .. }), "{e}");
    assert_eq!((r.total(), r.locked_of(AccountId(0))), (Amount(9), Amount(5)));
    r.check_invariants(&l).unwrap();
}

/// A bucket the ledger refuses to pay (the locks' pool short, by a transfer out of it) stays
/// whole: its rows are back on their owners' records, the total as before, nothing of it
/// listed; the buckets before it stay paid. Inside a checkpoint too, whose revert then finds
/// the journal as the refusal left it.
#[test]
fn a_refused_release_leaves_its_bucket_and_the_records_as_they_were() {
    let (mut l, t, [a, b, own]) = ledger();
    l.open_accounts(3).unwrap();
    l.mint(t, a.into(), Amount(100)).unwrap();
    l.mint(t, b.into(), Amount(100)).unwrap();
    let mut r = RowLocks::new(t, own, [a, b], 8).unwrap();
    let row = |o: u32, p: u128, q: u128| (AccountId(o), [Amount(p), Amount(q)]);
    // Bucket 5: owners 2, 0, then 0 again (a second row of the same owner); bucket 6: 1 and 0.
    r.lock_distinct_rows(&mut l, Epoch(5), &[row(2, 3, 1), row(0, 2, 0)]).unwrap();
    r.lock_distinct_rows(&mut l, Epoch(5), &[row(0, 1, 3)]).unwrap();
    r.lock_distinct_rows(&mut l, Epoch(6), &[row(1, 2, 2), row(0, 0, 1)]).unwrap();
    assert_eq!(r.total(), Amount(15));
    // The pool falls one short of bucket 6 once bucket 5 is paid.
    l.transfer(t, own.into(), a.into(), Amount(1)).unwrap();
    for journaled in [false, true] {
        let (mut r, mut l) = (r.clone(), l.clone());
        let start = r.clone();
        let cps = journaled.then(|| (r.checkpoint(), l.checkpoint()));
        let mut out = Vec::new();
        assert!(r.release_due_into(&mut l, Epoch(6), &mut out).is_err());
        let paid: Vec<_> = out.iter().map(|x| (x.owner.0, x.total().0, x.release_at)).collect();
        assert_eq!(paid, [(2, 4, Epoch(5)), (0, 2, Epoch(5)), (0, 4, Epoch(5))]);
        assert_eq!((r.total(), r.next_release()), (Amount(5), Some(Epoch(6))));
        let locked: Vec<_> = (0..3).map(|o| r.locked_of(AccountId(o)).0).collect();
        assert_eq!(locked, [1, 4, 0]);
        assert_eq!(l.balance(t, Holder::Account(AccountId(0))).unwrap(), Amount(6));
        let due = if let Some((cp, lcp)) = cps {
            // Reverted, both buckets are due again.
            r.revert(cp);
            l.revert(lcp);
            assert_eq!(r, start);
            5
        } else {
            2
        };
        // With the pool made whole, what is due pays as if nothing had happened.
        l.transfer(t, a.into(), own.into(), Amount(1)).unwrap();
        r.release_due_into(&mut l, Epoch(6), &mut out).unwrap();
        assert_eq!((r.total(), r.next_release(), out.len()), (Amount::ZERO, None, due));
        r.check_invariants(&l).unwrap();
    }
}
