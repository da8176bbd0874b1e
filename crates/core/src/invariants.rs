//! Broken invariants. A violation is a bug in Ergon or in an economy, never an input error: tests
//! run every aggregate's `check_invariants` after every step, and runs do under `--paranoid`.

use serde::Serialize;

use crate::amount::Amount;
use crate::ledger::{Holder, Ledger, PoolId, TokenId};

/// A broken invariant: which one, and the figures that break it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("invariant {invariant} violated: {detail}")]
pub struct Violation {
    /// The invariant's name, e.g. `ledger conservation`.
    pub invariant: &'static str,
    /// The numbers that break it.
    pub detail: String,
}

impl Violation {
    /// A violation of `invariant`, explained by `detail`.
    #[must_use]
    pub fn new(invariant: &'static str, detail: String) -> Violation {
        Violation { invariant, detail }
    }
}

/// Checks that ledger pool `pool` holds exactly `total` of `token`, O(1): the part of a lock
/// set's invariants a step's check runs. Both failures (the pool unreadable, or another
/// balance) are violations of `invariant`.
pub(crate) fn pool_holds(
    ledger: &Ledger,
    (token, pool): (TokenId, PoolId),
    total: Amount,
    invariant: &'static str,
) -> Result<(), Violation> {
    let held = ledger
        .balance(token, Holder::Pool(pool))
        .map_err(|e| Violation::new(invariant, e.to_string()))?;
    if held != total {
        return Err(Violation::new(invariant, format!("total {total}, pool {held}")));
    }
    Ok(())
}
