//! # ergon-trias — the Trias (Leviatom) economy
//!
//! Implements seed 000 (spec: shared/spec/trias.md and trias-example-sybil.json). So far the
//! trust machinery, the heart of Trias:
//!
//! - [`attest`]: attestation records, the recency bitmap `D_ij`, validity, quarantine.
//! - [`trust`]: the snapshot graph (core [`ergon_core::Csr`]), EigenTrust with pre-trusted
//!   seeds and the compatibility PageRank, deterministic at any thread count.
//! - [`cb`]: the conspiracy-breaching cost `CB` and `CB_het` by unit-capacity max-flow.
//! - [`gate`]: the epoch snapshot and the integer reward gate.
//! - [`mining`]: emission with halving, the pool split, verification credits and the gated
//!   split.
//! - [`routing`]: routing as mining (receipts, query answers, caps, weights by both gates).
//! - [`model`]: the simulation model ([`TriasModel`]): agents, scenarios' sections, metrics.
//! - [`state`]: the [`Trias`] economy (genesis, replay actions, the epoch, invariants).
//! - [`error`]: [`TriasError`] with stable codes.
//! - [`magcarta`], [`gas`], [`insurance`], [`prometh`]: consensus calls and their scheduling
//!   and rules, execution and verification as gas, cover and claims, Prometh points.

pub mod attest;
pub mod cb;
pub mod error;
pub mod fastmap;
pub mod gate;
pub mod mining;
pub mod model;
pub mod routing;
pub mod rowmap;
pub mod state;
pub mod trust;

pub use attest::{Attestation, AttestationBook, NodeId, NodeTrust, Outcome, Recorded, Tee};
pub use cb::FlowNet;
pub use error::{Label, TriasError};
pub use gate::{Snapshot, TrustParams, snapshot};
pub use model::TriasModel;
pub use state::{
    Action, EpochOutcome, Event, FraudOutcome, Genesis, Paid, Profile, Reserves, Trias,
};
pub use trust::{Stop, TrustGraph, TrustVector, eigentrust, pagerank};

// The executers' side: MagCarta calls, gas, insurance, Prometh (the pure parts; their state in
// `state/calls.rs` and `state/cover.rs`).
pub mod gas;
pub mod insurance;
pub mod magcarta;
pub mod prometh;

pub use insurance::Severity;
pub use magcarta::{Filter, Rule, Strategy};
pub use state::calls::{Call, CallSpec, ExecPay, Settlement};
pub use state::cover::InsuranceFigures;
pub use state::extra::{ExtraAction, ExtraEvent};
