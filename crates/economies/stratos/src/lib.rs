//! # ergon-stratos — the Stratos Troposphere economy
//!
//! Implements seed 001 (spec: shared/spec/stratos.md) under two rule profiles, `paper` (the seed
//! as written, default) and `mainnet` (the live chain's rules):
//!
//! - [`ozone`]: the constant product `(S + P)·L` pricing Ozone; PREPAY; traffic rewards.
//! - [`nodes`]: resource and meta nodes, deposits, status, the deposit-return rule.
//! - [`actions`]: every transaction as an [`Action`] (the replay ops).
//! - [`epoch`]: Proof-of-Traffic settlement, the mining tiers, the reward split, lock-ups.
//! - [`view`]: the state dump and the metrics.
//! - [`model`]: the simulation model (agents), which drives the economy through its public
//!   operations only (the state lives in the private `engine` module).
//!
//! Tokens: STOS (18 decimals) and Ozone (9 decimals, 1 Oz = 1 GB = 10^6 record touches). Ozone
//! is a ledger token too: minted to users by PREPAY, burned when they use it, so "sold −
//! consumed = outstanding user Ozone" is the ledger's conservation invariant.

mod engine;
pub mod model;

pub use engine::{
    Action, Activated, DepositRewards, EffectiveUpdate, EpochReport, Event, Genesis, MetaIndex,
    MetaNode, Migration, NodeIndex, NodeRegistry, OzoneMarket, Params, Pools, Prepaid, Profile,
    Refusal, ResourceNode, ShutDown, StakeLocks, Stratos, StratosError, Unregistered,
};
pub use engine::{
    actions, deposits, effective, epoch, error, events, genesis, mainnet, meta, mining, nodes, ops,
    ozone, params, requests, resource, stake_locks, units, validators, view, volume,
};
pub use model::StratosModel;
