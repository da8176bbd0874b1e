//! # ergon-testkit — test support
//!
//! Not a part of the `ergon` program: crates take it as a dev-dependency only.
//!
//! - [`toy`]: [`Toy`], a minimal economy built from the core's parts, which exercises the
//!   replay format and every core part (ledger, journal, locks, staking, rewards, emission).
//!   Its tour, `tests/vectors/toy/tour.jsonl`, is replayed by this crate's tests through
//!   [`REPLAY`], a registry of the toy alone.
//! - [`props`]: the random-action-sequence property harness every economy plugs into:
//!   invariants after every step, a rejection changes nothing (`==` and a byte-identical
//!   snapshot), and every operation kind reached across the run.
//! - [`metrics`]: a model's recorded metrics read by name (`value`, `count`, `raw`).

pub mod metrics;
pub mod props;
pub mod toy;

use ergon_core::economy::{Registry, constructor};

pub use props::{Checks, Harness, Move, Reach, Step, Tally};
pub use toy::Toy;

/// A replay registry holding only the toy economy.
pub static REPLAY: &Registry = &[("toy", constructor::<Toy>)];
