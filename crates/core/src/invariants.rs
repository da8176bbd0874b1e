//! Broken invariants. A violation is a bug in Ergon or in an economy, never an input error: tests
//! run every aggregate's `check_invariants` after every step, and runs do under `--paranoid`.

use serde::Serialize;

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
