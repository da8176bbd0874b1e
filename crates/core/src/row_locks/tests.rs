//! Unit tests of [`RowLocks`]: construction and the errors of a lock (the side-by-side property
//! test against the lock queue is `tests/row_locks_props.rs`).

use super::*;
use crate::amount::TokenMeta;

#[test]
fn refuses_repeated_sources_and_its_own_pool_and_names_the_first_bad_row() {
    let mut l = Ledger::new();
    let t = l.add_token(TokenMeta::new("T", 0), Amount(1_000)).unwrap();
    let (a, b, own) =
        (l.add_pool("a").unwrap(), l.add_pool("b").unwrap(), l.add_pool("l").unwrap());
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
