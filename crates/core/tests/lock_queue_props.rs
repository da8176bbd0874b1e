//! Property tests of the [`LockQueue`](ergon_core::LockQueue)'s rejections, on the world of
//! `ledger_props.rs` (see `common/`): random steps where lock owners may be unknown accounts, or
//! lock sources an unknown pool or the queue's own pool. Every such lock is rejected and changes
//! nothing; every other step still matches the model.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

mod common;

use common::steps::ops;
use common::world::World;
use common::{Tally, run_property};

/// Locks whose owner is an account the ledger does not know (yet): rejected, changing nothing.
#[test]
fn locks_for_unknown_owners() {
    let tally = Tally::default();
    run_property(ops(), |ops| World::new(true, false).run(&ops, &tally));
}

/// Locks whose source is an unknown pool or the queue's own pool: rejected, changing nothing.
#[test]
fn locks_from_odd_sources() {
    let tally = Tally::default();
    run_property(ops(), |ops| World::new(false, true).run(&ops, &tally));
}
