//! # ergon-marlin — the Marlin relay-network economy
//!
//! Implements seed 002 (spec: shared/spec/marlin.md) under two rule profiles, `paper` (the
//! seed's design in full, default) and `deployed` (the rules of Marlin's deployed contracts,
//! integer arithmetic with Solidity's flooring in the contracts' operation order).
//!
//! - [`tokens`]: POND and MPOND accounts, transfers, the MPOND whitelist.
//! - [`bridge`]: POND → MPOND, MPOND → POND requests, liquidity, cancellation.
//! - [`governance`]: vote delegation with checkpoints, proposals, execution.
//! - [`stakes`]: stashes and clusters.
//! - [`relay`]: receivers, their stakes and subscriptions, tickets.
//! - [`payout`]: the day's reward payouts, commission and the delegators' accumulators.
//! - [`spam`] (paper): producer deposits, attesters, quota windows, proofs and slashing.
//! - [`rewards`]: the reward rules (pure functions the state calls).
//! - [`actions`]: every operation as an [`Action`] (the replay ops, docs/replay.md).
//! - [`view`]: the state dump, the metrics and the invariants.
//! - [`model`]: the simulation model and its agents ([`model::MarlinModel`]).
//!
//! The economy lives in the private `engine` module; what it exposes is re-exported here. Its
//! epoch is one day (the bridge contract's `epochLength`).

mod engine;
pub mod model;

pub use engine::rewards;
pub use engine::{
    Action, Bridge, BridgeBooks, BridgeCustody, Change, DayReport, Event, Genesis, GenesisBooks,
    Governance, Marlin, MarlinError, Params, Profile, Proposal, Request, Settings, Token,
};
pub use engine::{
    actions, bridge, error, events, genesis, governance, params, payout, relay, settings, spam,
    stakes, tokens, units, view,
};
