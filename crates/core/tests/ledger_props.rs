//! Property test of the [`Ledger`] and one [`LockQueue`] on it, against a slow, obviously-correct
//! reference model.
//!
//! Random sequences of transfers (account↔account, account↔pool, pool↔pool), mints (some over
//! the cap), burns (some of more than is held), account openings, nested checkpoints with commits
//! and reverts, and lock-queue operations (locks from accounts or pools with random release epochs
//! and sources, releases at an advancing `now`, forfeits, deductions newest-first, a small chunk
//! limit) over two tokens with different caps and decimals. After every step:
//!
//! - the ledger conserves every token and the queue's records agree with its pool;
//! - a rejected step left the ledger and the queue identical (`==` and their JSON);
//! - the ledger's balances, minted and burned equal the model's (a `BTreeMap` updated only on
//!   accepted steps), and the queue's locked amounts equal the model's list of live locks;
//! - the model predicts which ledger steps are accepted, and what a release, forfeit or deduction
//!   pays.
//!
//! A revert restores the ledger to exactly its clone taken before the checkpoint (the caller
//! restores the queue, which is not journaled, from its own clone).
//!
//! This file holds the main property and the revert property; `lock_queue_props.rs` the lock
//! queue's rejections. The world, the model and the steps are in `common/`.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

mod common;

use common::steps::{Op, ops};
use common::world::World;
use common::{LOCK_POOL, LOCK_TOKEN, Tally, run_property};
use ergon_core::{Amount, TokenId};
use proptest::prelude::*;

/// The main property: every step conserves, rejections change nothing, the ledger and the queue
/// match the model; at the end every open checkpoint is closed and the queue drains fully.
#[test]
fn ledger_and_lock_queue_match_the_model() {
    let tally = Tally::default();
    run_property((ops(), any::<bool>()), |(ops, close_by_revert)| {
        let mut w = World::new(false, false);
        w.run(&ops, &tally)?;
        let done = Op::Commit;
        while let Some(saved) = w.stack.pop() {
            if close_by_revert {
                w.revert(saved)?;
            } else {
                w.ledger.commit(saved.0);
                w.queue.commit(saved.1);
            }
            w.check(&done)?;
        }
        // Everything locked is eventually released to its owner.
        let drain = Op::Release { advance: 1_000 };
        prop_assert_eq!(w.apply(&drain)?, Ok(()));
        w.check(&drain)?;
        prop_assert_eq!(w.queue.total(), Amount::ZERO);
        prop_assert_eq!(w.queue.next_release(), None);
        let pool = w.ledger.balance(TokenId(LOCK_TOKEN), LOCK_POOL.into()).unwrap();
        prop_assert_eq!(pool, Amount::ZERO);
        Ok(())
    });
    // Both paths of every fallible step were exercised.
    let t = &tally;
    for kind in ["transfer", "mint", "burn", "lock", "lock_batch"] {
        let [ok, rejected] = t.get(kind);
        assert!(ok > 0 && rejected > 0, "{kind}: {ok} accepted, {rejected} rejected");
    }
    let [ok, rejected] = t.get("deduct");
    assert!(ok > 0 && rejected > 0, "deduct: {ok} accepted, {rejected} rejected");
    for kind in ["open_account", "checkpoint", "commit", "revert", "release_due", "forfeit"] {
        assert!(t.get(kind)[0] > 0, "{kind} never ran");
    }
}

/// A checkpoint taken before random steps (with nested checkpoints, commits and reverts inside)
/// and reverted after them restores the ledger exactly: `==` and JSON equal to its earlier clone.
#[test]
fn revert_undoes_everything() {
    let tally = Tally::default();
    run_property((ops(), ops()), |(prefix, body)| {
        let mut w = World::new(false, false);
        w.run(&prefix, &tally)?;
        // Close what the prefix left open so the outer checkpoint sees a settled ledger.
        while let Some((cp, qcp, ..)) = w.stack.pop() {
            w.ledger.commit(cp);
            w.queue.commit(qcp);
        }
        let (ledger, queue, model) = (w.ledger.clone(), w.queue.clone(), w.model.clone());
        let json = serde_json::to_string(&w.ledger).unwrap();
        let queue_json = serde_json::to_string(&w.queue).unwrap();
        let cp = w.ledger.checkpoint();
        let qcp = w.queue.checkpoint();
        w.run(&body, &tally)?;
        while let Some((cp, qcp, ..)) = w.stack.pop() {
            // Inner commits are undone by the outer revert too.
            w.ledger.commit(cp);
            w.queue.commit(qcp);
        }
        w.ledger.revert(cp);
        w.queue.revert(qcp);
        prop_assert_eq!(&w.ledger, &ledger);
        prop_assert_eq!(serde_json::to_string(&w.ledger).unwrap(), json);
        prop_assert_eq!(&w.queue, &queue);
        prop_assert_eq!(serde_json::to_string(&w.queue).unwrap(), queue_json);
        w.model = model;
        w.check(&Op::Revert)
    });
    assert!(tally.get("transfer")[0] > 0 && tally.get("lock")[0] > 0);
    assert!(tally.get("lock_batch")[0] > 0 && tally.get("deduct")[0] > 0);
}
