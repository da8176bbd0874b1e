//! Property test of [`LockQueue::lock_rows`] against [`LockQueue::lock_batch`] of the same
//! entries, row after row: on random queues (earlier locks, a forfeit, locks already in the
//! target bucket, an open checkpoint or none) and random rows (unsorted or repeated owners,
//! unknown accounts, zero, large and overflowing amounts, a repeated, unknown or the queue's own
//! pool as a source, pools too poor to pay), both give the same result, the same error and the
//! same queue and ledger; and under a checkpoint, a revert restores both.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::{AccountId, Amount, Epoch, Holder, Ledger, LockQueue, PoolId, TokenMeta};
use proptest::prelude::*;

/// Accounts `0..ACCOUNTS` exist; owners are drawn from `0..ACCOUNTS + 2`.
const ACCOUNTS: u32 = 6;
/// Pools 0 to 2 hold tokens (pool 2 little), pool 3 is the queue's own; 9 is unknown.
const SOURCES: [u16; 5] = [0, 1, 2, 3, 9];
const RELEASE_AT: Epoch = Epoch(10);

/// The ledger and the queue, with `prior` locks made first (`(owner, source, amount, at)`) and
/// `forfeit` forfeited after them.
fn world(
    prior: &[(u32, u16, u128, u64)],
    forfeit: Option<u32>,
    max_chunks: u32,
) -> (Ledger, LockQueue) {
    let mut l = Ledger::new();
    let t = l.add_token(TokenMeta::new("T", 0), Amount(u128::MAX)).unwrap();
    let pools: Vec<PoolId> = ["a", "b", "c"].iter().map(|n| l.add_pool(n).unwrap()).collect();
    let locked = l.add_pool("locked").unwrap();
    l.open_accounts(ACCOUNTS).unwrap();
    for (p, x) in pools.iter().zip([u128::MAX / 4, u128::MAX / 4, 1_000]) {
        l.mint(t, (*p).into(), Amount(x)).unwrap();
    }
    let mut q = LockQueue::new(t, locked, max_chunks);
    for &(owner, source, amount, at) in prior {
        let _ = q.lock(
            &mut l,
            Holder::Pool(PoolId(source)),
            AccountId(owner),
            Amount(amount),
            Epoch(at),
            PoolId(source),
        );
    }
    if let Some(owner) = forfeit {
        q.forfeit(&mut l, AccountId(owner)).unwrap();
    }
    (l, q)
}

fn amount() -> impl Strategy<Value = u128> {
    prop_oneof![
        4 => Just(0u128),
        16 => 1u128..1_000,
        1 => Just(1u128 << 100),
        1 => (0u128..3).prop_map(|d| u128::MAX - d),
    ]
}

/// Mostly two distinct pools that hold tokens; sometimes a repeated, poor, unknown or the
/// queue's own pool.
fn sources() -> impl Strategy<Value = [PoolId; 2]> {
    let pair = |a: usize, b: usize| [PoolId(SOURCES[a]), PoolId(SOURCES[b])];
    prop_oneof![
        6 => Just(pair(0, 1)),
        2 => Just(pair(1, 0)),
        2 => (0..SOURCES.len(), 0..SOURCES.len()).prop_map(move |(a, b)| pair(a, b)),
    ]
}

/// Mostly an account; sometimes one the ledger does not know.
fn owner() -> impl Strategy<Value = u32> {
    prop_oneof![12 => 0..ACCOUNTS, 1 => ACCOUNTS..ACCOUNTS + 2]
}

prop_compose! {
    fn case()(
        prior in proptest::collection::vec((0..ACCOUNTS, 0u16..2, 1u128..500, 0u64..14), 0..8),
        forfeit in proptest::option::weighted(0.2, 0..ACCOUNTS),
        max_chunks in 1u32..8,
        sources in sources(),
        rows in proptest::collection::vec((owner(), amount(), amount()), 0..7),
        sorted in proptest::bool::weighted(0.8),
        checkpoint in proptest::bool::weighted(0.3),
    ) -> (Vec<(u32, u16, u128, u64)>, Option<u32>, u32, [PoolId; 2], Vec<(AccountId, [Amount; 2])>, bool) {
        let mut rows: Vec<(AccountId, [Amount; 2])> =
            rows.into_iter().map(|(o, a, b)| (AccountId(o), [Amount(a), Amount(b)])).collect();
        if sorted {
            rows.sort_by_key(|r| r.0);
            rows.dedup_by_key(|r| r.0);
        }
        (prior, forfeit, max_chunks, sources, rows, checkpoint)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn rows_lock_as_their_entries_do((prior, forfeit, max_chunks, sources, rows, checkpoint) in case()) {
        let (l0, q0) = world(&prior, forfeit, max_chunks);
        let entries: Vec<(AccountId, PoolId, Amount)> = rows
            .iter()
            .flat_map(|(o, a)| sources.iter().zip(a).map(move |(s, x)| (*o, *s, *x)))
            .collect();
        let (mut la, mut qa) = (l0.clone(), q0.clone());
        let (mut lb, mut qb) = (l0.clone(), q0.clone());
        let cps = checkpoint.then(|| ((la.checkpoint(), qa.checkpoint()), (lb.checkpoint(), qb.checkpoint())));
        let ra = qa.lock_rows(&mut la, RELEASE_AT, &sources, &rows);
        let rb = qb.lock_batch(&mut lb, RELEASE_AT, &entries);
        prop_assert_eq!(&ra, &rb);
        prop_assert!(qa == qb && la == lb, "rows {:?}: the queues or the ledgers differ", rows);
        if ra.is_ok() {
            qa.check_invariants(&la).unwrap();
            la.check_conservation().unwrap();
        } else if !checkpoint {
            prop_assert!(qa == q0 && la == l0, "a refused batch changed something");
        }
        if let Some(((cla, cqa), (clb, cqb))) = cps {
            qa.revert(cqa);
            la.revert(cla);
            qb.revert(cqb);
            lb.revert(clb);
            prop_assert!(qa == q0 && la == l0 && qb == q0 && lb == l0, "a revert left changes");
        }
        // The released chunks follow the entries' order.
        let (ra, rb) = (qa.release_due(&mut la, RELEASE_AT), qb.release_due(&mut lb, RELEASE_AT));
        prop_assert_eq!(ra, rb);
        prop_assert!(qa == qb && la == lb);
    }
}

/// Rows of one source and of three lock as their entries do; with no source, nothing happens.
#[test]
fn rows_of_other_widths() {
    let (l0, q0) = world(&[(1, 0, 7, 10)], None, 4);
    let (p, r) = (PoolId(0), PoolId(1));
    let three = [(AccountId(1), [Amount(5), Amount(0), Amount(6)]), (AccountId(3), [Amount(1); 3])];
    let (mut la, mut qa) = (l0.clone(), q0.clone());
    qa.lock_rows(&mut la, Epoch(10), &[p, r, PoolId(2)], &three).unwrap();
    let (mut lb, mut qb) = (l0.clone(), q0.clone());
    let entries = [
        (AccountId(1), p, Amount(5)),
        (AccountId(1), PoolId(2), Amount(6)),
        (AccountId(3), p, Amount(1)),
        (AccountId(3), r, Amount(1)),
        (AccountId(3), PoolId(2), Amount(1)),
    ];
    qb.lock_batch(&mut lb, Epoch(10), &entries).unwrap();
    assert!(qa == qb && la == lb);
    // 7 before, 5 + 6 + 3 now: 21 locked; account 1 holds 7 + 5 + 6 = 18 in 2 chunks (its 5
    // from pool 0 joins the chunk of 7, the last in the bucket).
    assert_eq!(qa.total(), Amount(21));
    assert_eq!(qa.locked_of(AccountId(1)), Amount(18));
    let (mut lc, mut qc) = (l0.clone(), q0.clone());
    qc.lock_rows(&mut lc, Epoch(11), &[p], &[(AccountId(2), [Amount(4)])]).unwrap();
    assert_eq!(qc.locked_of(AccountId(2)), Amount(4));
    qc.lock_rows::<0>(&mut lc, Epoch(11), &[], &[(AccountId(9), []), (AccountId(0), [])]).unwrap();
    assert_eq!(
        lc.balance(ergon_core::TokenId(0), PoolId(0).into()).unwrap(),
        Amount(u128::MAX / 4 - 11)
    );
}
