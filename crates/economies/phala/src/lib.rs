//! # ergon-phala — the Phala computing economy
//!
//! Implements seed 003 (spec: shared/spec/phala.md) under two rule profiles, `paper` (the
//! economic paper as the seed's AMA describes it, default) and `khala` (the deployed
//! gatekeeper and computation pallet, bit-exact in their 64.64 fixed point):
//!
//! - [`tokenomic`]: confidence scores, minimum stake, Ve, and a worker's per-block V, share and
//!   payout arithmetic;
//! - [`workers`]: the workers in compact columns;
//! - [`ops`]: register, benchmark, start, challenge, heartbeat, stop, reclaim;
//! - [`stake_pool`]: the stake pools' state and share arithmetic;
//! - [`contracts`], [`contract_ops`]: the paper profile's contracts, the Active state, the
//!   weighted assignment and the gas escrow;
//! - [`pool_ops`]: create a pool, add workers, contribute, pooled start, withdraw, force stop;
//! - [`block`]: a block's close — growth, unresponsiveness and slash, halving, Σshare;
//! - [`lazy`], [`closed_form`]: paper's lazy close — only the workers that changed are
//!   closed each block, the others brought up to date by the closed form of their growth;
//! - [`actions`]: every operation as an [`Action`] (the replay ops);
//! - [`view`]: the state dump, metrics and invariants.
//!
//! - [`model`]: the simulation model — workers, outages, pools, delegators and (paper)
//!   developers.
//!
//! - [`vaults`]: vaults pooling delegations into stake pools, the owner's commission by
//!   minted shares, the shutdown.
//!
//! One epoch is one 12-second block.

mod engine;
pub mod model;

pub use engine::{
    Action, BlockReport, ContractIndex, Contracts, Event, Genesis, ParamSet, Params, Phala,
    PhalaError, PoolIndex, Pools, Profile, StakePools, Stats, Tokenomic, WorkerIndex, WorkerState,
    Workers,
};
pub use engine::{
    actions, block, closed_form, contract_ops, contracts, error, events, genesis, lazy, ops,
    params, pool_ops, stake_pool, tokenomic, vaults, view, workers,
};
pub use model::PhalaModel;
