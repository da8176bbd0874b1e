//! [`TriasError`]: why Trias refused an attestation or a trust computation — one variant per
//! reason, each with a stable code ([`Coded::code`]) and the numbers that explain it (spec
//! trias.md, "Attestations and direct trust" and "Web of trust").
//!
//! Variants carry node indexes and steps, never text built at the refusal, so a refused record
//! on a hot path formats nothing and allocates nothing.

use ergon_core::Coded;

use crate::attest::{NodeId, Tee};

/// A refused Trias operation. See the module doc.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TriasError {
    /// A core rule refused it (graph bounds, arithmetic); the core's code.
    #[error(transparent)]
    Core(#[from] ergon_core::Error),
    /// No node has this name.
    #[error("no node named {name:?}")]
    UnknownName {
        /// The name given.
        name: String,
    },
    /// A node with this name exists already.
    #[error("a node named {name:?} exists already")]
    DuplicateName {
        /// The name given.
        name: String,
    },
    /// No node has this index.
    #[error("no node with index {node}")]
    UnknownNode {
        /// The index given.
        node: NodeId,
    },
    /// A node attests to itself.
    #[error("node {node} cannot attest to itself")]
    SelfAttestation {
        /// The node.
        node: NodeId,
    },
    /// The attester or attestee is quarantined (a FAIL_EVIDENCE record was upheld against it).
    #[error("node {node} is quarantined")]
    Quarantined {
        /// The quarantined node.
        node: NodeId,
    },
    /// The record's TEE type is not the attestee's registered TEE family.
    #[error("record names TEE {given:?} but node {node} runs {registered:?}")]
    TeeMismatch {
        /// The attestee.
        node: NodeId,
        /// The TEE type on the record.
        given: Tee,
        /// The attestee's registered family.
        registered: Tee,
    },
    /// The record's step is after the current step.
    #[error("record at step {step} is after the current step {now}")]
    FutureStep {
        /// The record's step.
        step: u64,
        /// The current step.
        now: u64,
    },
    /// The record is older than the recency window (`step ≤ now − K`): it could carry no weight.
    #[error("record at step {step} is outside the window of {window} steps ending at {now}")]
    StaleStep {
        /// The record's step.
        step: u64,
        /// The current step.
        now: u64,
        /// K.
        window: u32,
    },
    /// The pair already has a record at this step or a later one (records of a pair are
    /// strictly increasing in step).
    #[error("pair {attester} -> {attestee} already has a record at step {last} ≥ {step}")]
    OutOfOrder {
        /// The attester.
        attester: NodeId,
        /// The attestee.
        attestee: NodeId,
        /// The record's step.
        step: u64,
        /// The pair's last recorded step.
        last: u64,
    },
    /// A router and a receiver are the same node.
    #[error("node {node} cannot receipt its own copy")]
    SelfReceipt {
        /// The node.
        node: NodeId,
    },
    /// The receipted record is not the pair's latest record.
    #[error("no latest record of {attester} -> {attestee} at step {step}")]
    UnknownRecord {
        /// The attester.
        attester: NodeId,
        /// The attestee.
        attestee: NodeId,
        /// The record's step.
        step: u64,
    },
    /// The copy was not fresh: received before its record or more than 6 steps after it.
    #[error("a copy of a record of step {record_step} received at step {step} is not fresh")]
    StaleCopy {
        /// The record's step.
        record_step: u64,
        /// The step it was received.
        step: u64,
    },
    /// The receiver already receipted this record (only the first copy counts).
    #[error("node {receiver} already receipted this record")]
    DuplicateReceipt {
        /// The receiver.
        receiver: NodeId,
    },
    /// A fraud proof without fraud: the attestee is not quarantined, or the attester holds no
    /// standing PASS on it.
    #[error("node {attester} holds no standing PASS on a quarantined node {attestee}")]
    NoFraud {
        /// The accused attester.
        attester: NodeId,
        /// The attestee.
        attestee: NodeId,
    },
    /// The clock went backwards.
    #[error("cannot move the clock from step {now} back to {to}")]
    ClockBackwards {
        /// The current step.
        now: u64,
        /// The step asked for.
        to: u64,
    },
    /// A parameter is outside its range.
    #[error("parameter {name} = {value} is outside {min}..={max}")]
    BadParam {
        /// The parameter.
        name: &'static str,
        /// Its value.
        value: u64,
        /// The smallest allowed.
        min: u64,
        /// The largest allowed.
        max: u64,
    },
    /// A trust snapshot needs at least one pre-trusted seed that is not quarantined.
    #[error("no pre-trusted seed is active")]
    NoSeeds,
}

impl Coded for TriasError {
    fn code(&self) -> &'static str {
        match self {
            TriasError::Core(e) => e.code(),
            TriasError::UnknownNode { .. } | TriasError::UnknownName { .. } => "unknown_node",
            TriasError::DuplicateName { .. } => "duplicate_node",
            TriasError::SelfAttestation { .. } => "self_attestation",
            TriasError::Quarantined { .. } => "quarantined",
            TriasError::TeeMismatch { .. } => "tee_mismatch",
            TriasError::FutureStep { .. } => "future_step",
            TriasError::StaleStep { .. } => "stale_step",
            TriasError::OutOfOrder { .. } => "out_of_order",
            TriasError::ClockBackwards { .. } => "clock_backwards",
            TriasError::SelfReceipt { .. } => "self_receipt",
            TriasError::NoFraud { .. } => "no_fraud",
            TriasError::UnknownRecord { .. } => "unknown_record",
            TriasError::StaleCopy { .. } => "stale_copy",
            TriasError::DuplicateReceipt { .. } => "duplicate_receipt",
            TriasError::BadParam { .. } => "bad_param",
            TriasError::NoSeeds => "no_seeds",
        }
    }
}

/// A Trias operation's result.
pub type Result<T, E = TriasError> = std::result::Result<T, E>;
