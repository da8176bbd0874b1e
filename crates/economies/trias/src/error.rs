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
    /// No call or program has this name (replay).
    #[error("no {kind} named {name:?}")]
    UnknownLabel {
        /// `call` or `program`.
        kind: &'static str,
        /// The name given.
        name: String,
    },
    /// A call with this name exists already (replay).
    #[error("a call named {name:?} exists already")]
    DuplicateCall {
        /// The name given.
        name: String,
    },
    /// A node with this name exists already.
    #[error("a node named {name:?} exists already")]
    DuplicateName {
        /// The name given.
        name: String,
    },
    /// A call names a program provider twice (each provider takes one equal share).
    #[error("node {node} is named twice among the call's providers")]
    DuplicateProvider {
        /// The provider.
        node: NodeId,
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
    /// A node challenges its own attestation (code `self_attestation`, as an attestation of
    /// itself).
    #[error("node {node} cannot prove fraud in its own attestation")]
    SelfChallenge {
        /// The challenger, the record's attester.
        node: NodeId,
    },
    /// The attester or attestee is quarantined (a FAIL_EVIDENCE record was upheld against it).
    #[error("node {node} is quarantined")]
    Quarantined {
        /// The quarantined node.
        node: NodeId,
    },
    /// A receipt names a node quarantined at or before the copy's step (code `quarantined`).
    #[error("node {node} was quarantined at step {since}, at or before the copy's step {step}")]
    QuarantinedAt {
        /// The quarantined node.
        node: NodeId,
        /// The step of the FAIL_EVIDENCE record that quarantined it.
        since: u64,
        /// The step the copy was received.
        step: u64,
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
    /// The record's step is after the last step it may be dated: the current step (a record)
    /// or the current epoch's last step (a slashing record, a receipt).
    #[error("record at step {step} is after step {now}, the last it may be dated")]
    FutureStep {
        /// The record's step.
        step: u64,
        /// The last step it may be dated.
        now: u64,
    },
    /// A call's deadline before the current step (code `stale_step`).
    #[error("deadline step {deadline} is before the current step {now}")]
    PastDeadline {
        /// The deadline given.
        deadline: u64,
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
    /// The record is dated in an epoch already closed: its credits were settled then.
    #[error("record at step {step} is in a closed epoch (this epoch starts at step {start})")]
    ClosedEpoch {
        /// The record's step.
        step: u64,
        /// The current epoch's first step.
        start: u64,
    },
    /// A call's deadline lies in an epoch already closed: its close settled the calls due then.
    #[error(
        "a call's deadline, step {deadline}, is in a closed epoch (this epoch starts at step {start})"
    )]
    DeadlineClosed {
        /// The deadline.
        deadline: u64,
        /// The current epoch's first step.
        start: u64,
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
    /// A fraud proof without fraud: the attester holds no standing PASS on the quarantined
    /// attestee.
    #[error("node {attester} holds no standing PASS on a quarantined node {attestee}")]
    NoFraud {
        /// The accused attester.
        attester: NodeId,
        /// The attestee.
        attestee: NodeId,
    },
    /// A fraud proof on an attestee that is not quarantined (code `no_fraud`): no PASS on it
    /// was proven false.
    #[error("node {node} is not quarantined: no fraud to prove")]
    NotQuarantined {
        /// The attestee.
        node: NodeId,
    },
    /// The clock went backwards.
    #[error("cannot move the clock from step {now} back to {to}")]
    ClockBackwards {
        /// The current step.
        now: u64,
        /// The step asked for.
        to: u64,
    },
    /// A call gives a parameter its rule does not use (code `bad_param`).
    #[error("parameter {name} is not used by rule {rule} (only by {users})")]
    UnusedParam {
        /// The parameter.
        name: &'static str,
        /// The call's rule.
        rule: &'static str,
        /// The rules that use it.
        users: &'static str,
    },
    /// A call gives a trust range without `trust_epochs`, the snapshots it applies over (code
    /// `bad_param`).
    #[error(
        "parameter {name} is not used without trust_epochs (a trust range applies over the last \
         trust_epochs snapshots)"
    )]
    RangeWithoutEpochs {
        /// The range's bound given.
        name: &'static str,
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
    /// A WEIGHTED call's weights are not one per program (one for a call without programs;
    /// code `bad_param`).
    #[error(
        "weights: {given} given, the call needs {} ({})",
        (*programs).max(1),
        if *programs == 0 { "one, as it names no programs" } else { "one per program" }
    )]
    WeightsCount {
        /// Weights given.
        given: u64,
        /// Programs the call names.
        programs: u64,
    },
    /// A node's balance short of what a bond, a premium or a call's price takes (code
    /// `insufficient_balance`): the core's refusal as replay shows it, the amounts in tokens as
    /// written (built from [`ergon_core::Error::InsufficientBalance`] when a refusal is shown).
    #[error("node {node} holds {available} {token}, needs {needed}")]
    ShortBalance {
        /// The node.
        node: NodeId,
        /// Its balance, in tokens.
        available: String,
        /// The token's symbol.
        token: String,
        /// What the operation takes, in tokens.
        needed: String,
    },
    /// Fewer than `k` nodes pass the call's filters under the per-TEE-family cap.
    #[error("fewer than {k} eligible executers")]
    TooFewExecuters {
        /// Executers asked for.
        k: u32,
    },
    /// No call has this id.
    #[error("no call {call}")]
    UnknownCall {
        /// The id.
        call: u32,
    },
    /// The node is not one of the call's executers.
    #[error("node {node} is not scheduled on call {call}")]
    NotScheduled {
        /// The call.
        call: u32,
        /// The node.
        node: NodeId,
    },
    /// The call is settled or its deadline has passed.
    #[error("call {call} takes no response at step {now} (deadline {deadline})")]
    CallClosed {
        /// The call.
        call: u32,
        /// Its deadline.
        deadline: u64,
        /// The clock.
        now: u64,
    },
    /// The executer has responded already.
    #[error("node {node} has responded to call {call} already")]
    AlreadyResponded {
        /// The call.
        call: u32,
        /// The node.
        node: NodeId,
    },
    /// The call is settled, or awaits responses before its deadline.
    #[error("call {call} cannot settle at step {now} (deadline {deadline})")]
    NotSettleable {
        /// The call.
        call: u32,
        /// Its deadline.
        deadline: u64,
        /// The clock.
        now: u64,
    },
    /// The vulnerability was reported before (only the first report counts).
    #[error("vulnerability {vulnerability} was reported already")]
    DuplicateReport {
        /// Its id.
        vulnerability: u32,
    },
    /// The node did not run the program within the exposure window of its vulnerability (or
    /// the program has no reported vulnerability).
    #[error("node {node} was not exposed to program {program}")]
    NotExposed {
        /// The claimant.
        node: NodeId,
        /// The program.
        program: u32,
    },
    /// A claim with no loss.
    #[error("node {node}'s claim for program {program} has a loss of 0: a claim needs a loss")]
    ZeroLoss {
        /// The claimant.
        node: NodeId,
        /// The program.
        program: u32,
    },
    /// A bond or a premium of nothing (code `bad_param`): it would change nothing but report
    /// an event.
    #[error("node {node}'s {what} of 0: it must be positive")]
    ZeroAmount {
        /// The node.
        node: NodeId,
        /// What was given: `bond`, `premium`.
        what: &'static str,
    },
    /// The node claimed for this program already.
    #[error("node {node} has claimed for program {program} already")]
    DuplicateClaim {
        /// The claimant.
        node: NodeId,
        /// The program.
        program: u32,
    },
    /// The claimant holds no live cover bought before the vulnerability's report.
    #[error("node {node} holds no cover bought before the vulnerability's report")]
    NoCover {
        /// The claimant.
        node: NodeId,
    },
    /// The subject was analysed already, in this epoch or an earlier one (first submission
    /// only).
    #[error("subject {subject} was analysed already: its first submission scored")]
    DuplicateSubject {
        /// The subject.
        subject: u64,
    },
    /// A test that covers no new line.
    #[error("program {program}: {covered} of {total} lines is no gain on {best}")]
    NoNewCoverage {
        /// The program.
        program: u32,
        /// Lines the test covers.
        covered: u64,
        /// The program's lines.
        total: u64,
        /// The best coverage so far.
        best: u64,
    },
    /// An assigned record whose attestee is not one of the verifier's beacon targets.
    #[error("node {attestee} is not a beacon target of node {attester} this epoch")]
    NotAssigned {
        /// The verifier.
        attester: NodeId,
        /// The attestee.
        attestee: NodeId,
    },
    /// A trust snapshot needs at least one pre-trusted seed that is not quarantined.
    #[error("no pre-trusted seed is active")]
    NoSeeds,
    /// A refusal that names a program, subject, vulnerability or call by index, with the name
    /// replay gave it (the rejection adds it to the message, as it adds the nodes' names).
    #[error("{error}")]
    Named {
        /// The refusal.
        error: Box<TriasError>,
        /// `kind index is "name"`, e.g. `program 1 is "kv-store"`.
        label: String,
    },
}

/// What a refusal may name by index besides nodes (see [`TriasError::label`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    /// A program (MagCarta, insurance, Prometh tests).
    Program,
    /// A Prometh analysis subject.
    Subject,
    /// A reported vulnerability.
    Vulnerability,
    /// A MagCarta call.
    Call,
}

impl Label {
    /// The word a message uses for it.
    #[must_use]
    pub fn kind(self) -> &'static str {
        match self {
            Label::Program => "program",
            Label::Subject => "subject",
            Label::Vulnerability => "vulnerability",
            Label::Call => "call",
        }
    }
}

impl TriasError {
    /// The nodes the error names by index, in the message's order (the rejection adds their
    /// names to the message).
    #[must_use]
    pub fn nodes(&self) -> [Option<NodeId>; 2] {
        match *self {
            TriasError::Named { ref error, .. } => error.nodes(),
            TriasError::SelfAttestation { node }
            | TriasError::SelfChallenge { node }
            | TriasError::Quarantined { node }
            | TriasError::QuarantinedAt { node, .. }
            | TriasError::TeeMismatch { node, .. }
            | TriasError::SelfReceipt { node }
            | TriasError::NotScheduled { node, .. }
            | TriasError::AlreadyResponded { node, .. }
            | TriasError::NotExposed { node, .. }
            | TriasError::DuplicateClaim { node, .. }
            | TriasError::ZeroLoss { node, .. }
            | TriasError::ZeroAmount { node, .. }
            | TriasError::NoCover { node }
            | TriasError::NotQuarantined { node }
            | TriasError::ShortBalance { node, .. }
            | TriasError::DuplicateProvider { node } => [Some(node), None],
            TriasError::DuplicateReceipt { receiver } => [Some(receiver), None],
            TriasError::OutOfOrder { attester, attestee, .. }
            | TriasError::UnknownRecord { attester, attestee, .. }
            | TriasError::NoFraud { attester, attestee } => [Some(attester), Some(attestee)],
            TriasError::NotAssigned { attester, attestee } => [Some(attestee), Some(attester)],
            _ => [None, None],
        }
    }
}

impl TriasError {
    /// The program, subject, vulnerability or call the error names by index, if any (replay
    /// names it: [`TriasError::Named`]).
    #[must_use]
    pub fn label(&self) -> Option<(Label, u64)> {
        let call = |c: u32| Some((Label::Call, u64::from(c)));
        let program = |p: u32| Some((Label::Program, u64::from(p)));
        match *self {
            TriasError::UnknownCall { call: c }
            | TriasError::NotScheduled { call: c, .. }
            | TriasError::CallClosed { call: c, .. }
            | TriasError::AlreadyResponded { call: c, .. }
            | TriasError::NotSettleable { call: c, .. } => call(c),
            TriasError::NotExposed { program: p, .. }
            | TriasError::ZeroLoss { program: p, .. }
            | TriasError::DuplicateClaim { program: p, .. }
            | TriasError::NoNewCoverage { program: p, .. } => program(p),
            TriasError::DuplicateReport { vulnerability } => {
                Some((Label::Vulnerability, u64::from(vulnerability)))
            }
            TriasError::DuplicateSubject { subject } => Some((Label::Subject, subject)),
            _ => None,
        }
    }
}

impl Coded for TriasError {
    fn code(&self) -> &'static str {
        match self {
            TriasError::Core(e) => e.code(),
            TriasError::Named { error, .. } => error.code(),
            TriasError::UnknownNode { .. } | TriasError::UnknownName { .. } => "unknown_node",
            TriasError::DuplicateName { .. } | TriasError::DuplicateProvider { .. } => {
                "duplicate_node"
            }
            TriasError::UnknownLabel { kind: "call", .. } => "unknown_call",
            TriasError::UnknownLabel { .. } => "unknown_program",
            TriasError::DuplicateCall { .. } => "duplicate_call",
            TriasError::SelfAttestation { .. } | TriasError::SelfChallenge { .. } => {
                "self_attestation"
            }
            TriasError::Quarantined { .. } | TriasError::QuarantinedAt { .. } => "quarantined",
            TriasError::TeeMismatch { .. } => "tee_mismatch",
            TriasError::FutureStep { .. } => "future_step",
            TriasError::StaleStep { .. } | TriasError::PastDeadline { .. } => "stale_step",
            TriasError::ClosedEpoch { .. } | TriasError::DeadlineClosed { .. } => "closed_epoch",
            TriasError::OutOfOrder { .. } => "out_of_order",
            TriasError::ClockBackwards { .. } => "clock_backwards",
            TriasError::SelfReceipt { .. } => "self_receipt",
            TriasError::NoFraud { .. } | TriasError::NotQuarantined { .. } => "no_fraud",
            TriasError::ShortBalance { .. } => "insufficient_balance",
            TriasError::UnknownRecord { .. } => "unknown_record",
            TriasError::StaleCopy { .. } => "stale_copy",
            TriasError::DuplicateReceipt { .. } => "duplicate_receipt",
            TriasError::BadParam { .. }
            | TriasError::UnusedParam { .. }
            | TriasError::RangeWithoutEpochs { .. }
            | TriasError::WeightsCount { .. } => "bad_param",
            TriasError::NoSeeds => "no_seeds",
            TriasError::TooFewExecuters { .. } => "too_few_executers",
            TriasError::UnknownCall { .. } => "unknown_call",
            TriasError::NotScheduled { .. } => "not_scheduled",
            TriasError::CallClosed { .. } => "call_closed",
            TriasError::AlreadyResponded { .. } => "already_responded",
            TriasError::NotSettleable { .. } => "not_settleable",
            TriasError::DuplicateReport { .. } => "duplicate_report",
            TriasError::NotExposed { .. } => "not_exposed",
            TriasError::DuplicateClaim { .. } => "duplicate_claim",
            TriasError::ZeroLoss { .. } | TriasError::ZeroAmount { .. } => "bad_param",
            TriasError::NoCover { .. } => "no_cover",
            TriasError::DuplicateSubject { .. } => "duplicate_subject",
            TriasError::NoNewCoverage { .. } => "no_new_coverage",
            TriasError::NotAssigned { .. } => "not_assigned",
        }
    }
}

/// A Trias operation's result.
pub type Result<T, E = TriasError> = std::result::Result<T, E>;
