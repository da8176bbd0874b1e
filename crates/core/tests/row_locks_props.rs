//! Property test of [`RowLocks`] against [`LockQueue`] fed the same rows by
//! [`LockQueue::lock_rows`]: on random sequences of an epoch's locks (unsorted or repeated
//! owners, unknown accounts, zero, large and overflowing amounts, owners over their chunk
//! budget), releases as time moves on, forfeits and deductions, some of them reverted under a
//! checkpoint, both accept and refuse the same operations and leave the same ledger, the same
//! amounts locked by owner, the same releases (owner, source, amount, epoch, in order) and the
//! same returns; both pass their invariant checks after every step.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::row_locks::RowLocks;
use ergon_core::{
    AccountId, Amount, Epoch, Holder, Ledger, LockQueue, PoolId, Released, ReleasedRow, TokenMeta,
};
use proptest::prelude::*;

const ACCOUNTS: u32 = 5;
const LOCK: u64 = 3;

#[derive(Clone, Debug)]
enum Op {
    /// The epoch's rows, locked until now + LOCK, as an epoch's close does; then time moves
    /// on (each epoch locks into its own release epoch).
    Lock(Vec<(u32, u128, u128)>),
    /// Time moves on one epoch; what is due is released.
    Advance,
    Forfeit(u32),
    Deduct(u32, u128),
    /// The operations under one checkpoint, reverted after: a lock, the deductions and
    /// forfeits of its rows and their release all undone at once.
    Reverted(Vec<Op>),
}

fn amount() -> impl Strategy<Value = u128> {
    prop_oneof![
        4 => Just(0u128),
        16 => 1u128..1_000,
        1 => Just(1u128 << 120),
        1 => (0u128..3).prop_map(|d| u128::MAX - d),
        // Around 2^64, where a row's amounts stop fitting one word each.
        2 => (0u128..3).prop_map(|d| (1u128 << 64) - 1 + d),
    ]
}

fn rows() -> impl Strategy<Value = Vec<(u32, u128, u128)>> {
    let row = || (0..ACCOUNTS + 1, amount(), amount());
    prop_oneof![
        // Mostly sorted and distinct, as an epoch's close gives them.
        6 => proptest::collection::vec(row(), 0..6).prop_map(|mut r| {
            r.sort_by_key(|x| x.0);
            r.dedup_by_key(|x| x.0);
            r
        }),
        1 => proptest::collection::vec(row(), 0..6),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let leaf = prop_oneof![
        6 => rows().prop_map(Op::Lock),
        5 => Just(Op::Advance),
        1 => (0..ACCOUNTS).prop_map(Op::Forfeit),
        2 => (0..ACCOUNTS, 0u128..3_000).prop_map(|(o, a)| Op::Deduct(o, a)),
    ];
    leaf.prop_recursive(1, 8, 6, |inner| {
        proptest::collection::vec(inner, 1..6).prop_map(Op::Reverted)
    })
}

struct Both {
    l1: Ledger,
    q: LockQueue,
    l2: Ledger,
    r: RowLocks<2>,
    sources: [PoolId; 2],
    now: Epoch,
}

/// The rows paid, as the chunk queue lists them: one entry a non-zero amount, by source.
fn chunks(rows: &[ReleasedRow<2>], sources: &[PoolId; 2]) -> Vec<Released> {
    let chunk = |r: &ReleasedRow<2>, k: usize| Released {
        owner: r.owner,
        source: sources[k],
        amount: r.amounts[k],
        release_at: r.release_at,
    };
    rows.iter()
        .flat_map(|r| (0..2).map(move |k| chunk(r, k)))
        .filter(|c| !c.amount.is_zero())
        .collect()
}

fn world(max_chunks: u32) -> Both {
    let mut l = Ledger::new();
    let t = l.add_token(TokenMeta::new("T", 0), Amount(u128::MAX)).unwrap();
    let a = l.add_pool("volume").unwrap();
    let b = l.add_pool("mining").unwrap();
    let locked = l.add_pool("locked").unwrap();
    l.open_accounts(ACCOUNTS).unwrap();
    l.mint(t, a.into(), Amount(u128::MAX / 2)).unwrap();
    l.mint(t, b.into(), Amount(10_000)).unwrap();
    let q = LockQueue::new(t, locked, max_chunks);
    let r = RowLocks::new(t, locked, [a, b], max_chunks).unwrap();
    Both { l1: l.clone(), q, l2: l, r, sources: [a, b], now: Epoch(0) }
}

impl Both {
    /// Applies `op` to both; panics (fails the case) where they disagree.
    fn apply(&mut self, op: &Op) {
        match op {
            Op::Lock(rows) => {
                let rows: Vec<(AccountId, [Amount; 2])> =
                    rows.iter().map(|&(o, a, b)| (AccountId(o), [Amount(a), Amount(b)])).collect();
                let at = self.now.plus(LOCK);
                let x = self.q.lock_rows(&mut self.l1, at, &self.sources, &rows);
                let y = self.r.lock_rows(&mut self.l2, at, &rows);
                assert_eq!(x.is_ok(), y.is_ok(), "lock {rows:?}: {x:?} / {y:?}");
                self.apply(&Op::Advance);
            }
            Op::Advance => {
                self.now = self.now.plus(1);
                let (mut o1, mut o2) = (Vec::new(), Vec::new());
                self.q.release_due_into(&mut self.l1, self.now, &mut o1).unwrap();
                self.r.release_due_into(&mut self.l2, self.now, &mut o2).unwrap();
                assert_eq!(o1, chunks(&o2, &self.sources));
            }
            Op::Forfeit(o) => {
                let x = self.q.forfeit(&mut self.l1, AccountId(*o)).unwrap();
                let y = self.r.forfeit(&mut self.l2, AccountId(*o)).unwrap();
                let sorted = |mut v: Vec<(PoolId, Amount)>| {
                    v.sort();
                    v
                };
                assert_eq!(sorted(x), sorted(y));
            }
            Op::Deduct(o, a) => {
                let to = Holder::Account(AccountId(0));
                let x = self.q.deduct(&mut self.l1, AccountId(*o), Amount(*a), to).unwrap();
                let y = self.r.deduct(&mut self.l2, AccountId(*o), Amount(*a), to).unwrap();
                assert_eq!(x, y);
            }
            Op::Reverted(inner) => {
                let (c1, c2) = (self.l1.checkpoint(), self.l2.checkpoint());
                let (k1, k2) = (self.q.checkpoint(), self.r.checkpoint());
                let (before, now) = (self.r.clone(), self.now);
                for op in inner {
                    self.apply(op);
                }
                self.q.revert(k1);
                self.r.revert(k2);
                self.l1.revert(c1);
                self.l2.revert(c2);
                self.now = now;
                assert!(self.r == before, "a revert restores the row locks");
            }
        }
        self.same();
    }

    fn same(&self) {
        // Balances, not the ledgers: an open checkpoint's journal may list the same transfers
        // in another order.
        let books = |l: &Ledger| -> Vec<Amount> {
            let t = ergon_core::TokenId(0);
            let pools = (0..3).map(|p| l.balance(t, Holder::Pool(PoolId(p))).unwrap());
            let accounts =
                (0..ACCOUNTS).map(|a| l.balance(t, Holder::Account(AccountId(a))).unwrap());
            pools.chain(accounts).collect()
        };
        assert_eq!(books(&self.l1), books(&self.l2));
        assert_eq!(self.q.total(), self.r.total());
        for o in 0..ACCOUNTS + 1 {
            assert_eq!(self.q.locked_of(AccountId(o)), self.r.locked_of(AccountId(o)));
        }
        self.q.check_invariants(&self.l1).unwrap();
        self.r.check_invariants(&self.l2).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn row_locks_match_the_lock_queue(max_chunks in 1u32..10, ops in proptest::collection::vec(op(), 1..40)) {
        let mut both = world(max_chunks);
        for op in &ops {
            both.apply(op);
        }
        // Everything still locked falls due in the end, the same on both sides.
        for _ in 0..=LOCK {
            both.apply(&Op::Advance);
        }
        prop_assert_eq!(both.r.total(), Amount::ZERO);
    }
}

#[test]
fn a_hand_worked_epoch_sequence() {
    // Two epochs' rows, until epochs 3 and 4; owner 1 forfeits after both; owner 2 deducts 5
    // (newest row first, mining before volume: 4 from its epoch-1 mining 4, then 1 of its
    // epoch-1 volume 6). Epoch 3 pays owner 2's epoch-0 row (10 + 0); epoch 4 pays its
    // epoch-1 row less the deduction (5 + 0); owner 1 is paid nothing.
    let mut w = world(8);
    let b = w.sources[1];
    w.apply(&Op::Lock(vec![(1, 7, 1), (2, 10, 0)])); // epoch 0, then time moves to 1
    w.apply(&Op::Lock(vec![(1, 3, 3), (2, 6, 4)])); // epoch 1, then 2
    assert_eq!(w.r.locked_of(AccountId(1)), Amount(14));
    assert_eq!(w.r.locked_of(AccountId(2)), Amount(20));
    w.apply(&Op::Forfeit(1));
    w.apply(&Op::Deduct(2, 5));
    assert_eq!(w.r.locked_of(AccountId(2)), Amount(15));
    let mut out = Vec::new();
    w.now = w.now.plus(1); // epoch 3
    w.r.release_due_into(&mut w.l2, w.now, &mut out).unwrap();
    let got: Vec<_> = out.iter().map(|r| (r.owner.0, r.amounts, r.release_at.0)).collect();
    assert_eq!(got, vec![(2, [Amount(10), Amount::ZERO], 3)]);
    w.now = w.now.plus(1); // epoch 4
    w.r.release_due_into(&mut w.l2, w.now, &mut out).unwrap();
    let got: Vec<_> = out.iter().map(|r| (r.owner.0, r.amounts, r.release_at.0)).collect();
    assert_eq!(got, vec![(2, [Amount(5), Amount::ZERO], 4)]);
    assert_eq!(w.r.total(), Amount::ZERO);
    // Forfeited: 10 back to volume, 4 to mining; the deduction went to account 0.
    let bal = |h: Holder| w.l2.balance(ergon_core::TokenId(0), h).unwrap().0;
    assert_eq!(bal(AccountId(2).into()), 15);
    assert_eq!(bal(AccountId(0).into()), 5);
    assert_eq!(bal(b.into()), 10_000 - 1 - 3 - 4 + 4);
    w.r.check_invariants(&w.l2).unwrap();
}

/// Every account's balance and locked amount, and the locks' total.
fn books_of(l: &Ledger, r: &RowLocks<2>) -> Vec<Amount> {
    let t = ergon_core::TokenId(0);
    let pools = (0..3).map(|p| l.balance(t, Holder::Pool(PoolId(p))).unwrap());
    let accounts = (0..ACCOUNTS).map(|a| l.balance(t, Holder::Account(AccountId(a))).unwrap());
    let locked = (0..ACCOUNTS).map(|a| r.locked_of(AccountId(a)));
    pools.chain(accounts).chain(locked).chain([r.total()]).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `lock_distinct_rows` of an epoch's rows in any order locks what `lock_rows` locks of the
    /// same rows sorted: the same balances, amounts by owner, totals and releases (by owner; a
    /// bucket's rows keep the order given); a batch naming an owner twice is refused and
    /// changes nothing.
    #[test]
    fn distinct_rows_in_any_order_lock_as_sorted_rows(
        epochs in proptest::collection::vec((proptest::collection::vec((0..ACCOUNTS, 0u128..1_000, 0u128..100), 0..8), any::<u64>(), any::<bool>()), 1..12),
    ) {
        let w = world(64);
        let (mut l1, mut l2, mut r1, mut r2) = (w.l2.clone(), w.l2, w.r.clone(), w.r);
        for (k, (rows, shuffle, repeat)) in epochs.iter().enumerate() {
            let mut rows: Vec<(AccountId, [Amount; 2])> =
                rows.iter().map(|&(o, a, b)| (AccountId(o), [Amount(a), Amount(b)])).collect();
            rows.sort_by_key(|r| r.0);
            rows.dedup_by_key(|r| r.0);
            let mut any_order = rows.clone();
            // A deterministic shuffle from the drawn word.
            let mut x = *shuffle;
            for i in (1..any_order.len()).rev() {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                any_order.swap(i, (x >> 33) as usize % (i + 1));
            }
            let at = Epoch(k as u64 + LOCK);
            if *repeat && !any_order.is_empty() {
                let before = (books_of(&l2, &r2), r2.clone());
                let saved = serde_json::to_string(&r2).unwrap();
                let twice = [any_order.clone(), vec![any_order[0]]].concat();
                prop_assert!(r2.lock_distinct_rows(&mut l2, at, &twice).is_err());
                prop_assert!((books_of(&l2, &r2), r2.clone()) == before);
                // Nothing of the refused batch is kept, not even a longer table of owners.
                prop_assert_eq!(serde_json::to_string(&r2).unwrap(), saved);
            }
            r1.lock_rows(&mut l1, at, &rows).unwrap();
            r2.lock_distinct_rows(&mut l2, at, &any_order).unwrap();
            prop_assert_eq!(books_of(&l1, &r1), books_of(&l2, &r2));
            let (mut o1, mut o2) = (Vec::new(), Vec::new());
            r1.release_due_into(&mut l1, Epoch(k as u64 + 1), &mut o1).unwrap();
            r2.release_due_into(&mut l2, Epoch(k as u64 + 1), &mut o2).unwrap();
            o2.sort_by_key(|r| (r.release_at, r.owner));
            prop_assert_eq!(o1, o2);
            r2.check_invariants(&l2).unwrap();
        }
    }
}
