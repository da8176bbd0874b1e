//! Trias as a simulation [`Model`] (issue: the Trias model; spec trias.md, "Attestations and
//! direct trust" to "Routing as mining"): the economy plus its agents — honest verifiers (the
//! seeds among them) attesting their beacon-assigned targets and their fixed peers, faulty
//! verifiers posting PASS without checking, routers relaying fresh records to their receivers,
//! executers being attested, honest nodes compromised at a rate (quarantined by the first
//! honest FAIL_EVIDENCE, false PASSes on them proven at a rate) and a Sybil ring joined by `g`
//! bought attestation edges. One step is one epoch (an hour). docs/economies/trias.md
//! ("Simulation") describes each behaviour.
//!
//! With `compare`, a second economy under the other profile receives the same operations (all
//! but bonds, which depend on balances and move no reward), so each record carries what the
//! compatibility PageRank would have paid beside what the gate paid.
//!
//! Developers (honest verifiers spending their rewards) open MagCarta calls that the executers
//! answer, a few wrongly or not at all; analysts earn Prometh points and report
//! vulnerabilities, after which the executers that ran the program claim on their cover
//! (`exec.rs`). These act on the token-moving economy only: calls depend on balances and on
//! the profile's gates, so the comparison economy sees mining only.
//!
//! Agents call only the economy's typed operations. Cost an epoch: O(verifiers · (assigned +
//! neighbours) + routers · receivers · receipts) operations plus the economy's snapshot;
//! buffers are reused, so the agents allocate nothing per epoch.

mod behaviour;
pub mod config;
mod exec;
mod memory;
mod record;

use ergon_core::economy::Rejection;
use ergon_core::invariants::Violation;
use ergon_core::rng::purpose;
use ergon_core::{
    ColumnSpec, Economy, FieldError, Metric, Model, NodeReward, RngStreams, StreamRng,
};

use crate::Trias;
use crate::attest::{NodeId, Tee};
pub use config::{Agents, Config};

/// What a node is in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Class {
    /// An honest, pre-trusted verifier.
    Seed,
    /// An honest verifier.
    Verifier,
    /// A verifier that posts PASS without checking.
    Faulty,
    /// A router.
    Router,
    /// An executer.
    Executer,
    /// A member of the Sybil ring.
    Sybil,
    /// A Prometh analyst.
    Analyst,
}

impl Class {
    /// The class's name in `nodes.csv`.
    fn name(self) -> &'static str {
        match self {
            Class::Seed => "seed",
            Class::Verifier => "verifier",
            Class::Faulty => "faulty",
            Class::Router => "router",
            Class::Executer => "executer",
            Class::Sybil => "sybil",
            Class::Analyst => "analyst",
        }
    }

    /// The reward tally a class adds to: honest, faulty, Sybil.
    fn tally(self) -> usize {
        match self {
            Class::Faulty => 1,
            Class::Sybil => 2,
            _ => 0,
        }
    }
}

/// Flows since the last record (reset by each record).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct Flows {
    emitted: u128,
    /// Verifiers' rewards paid: honest, faulty, Sybil (the economy that moves tokens).
    verifiers: [u128; 3],
    /// Routers' rewards paid: honest, faulty, Sybil.
    routers: [u128; 3],
    /// Rewards (both roles) under each trust rule: `[spec, compat]` × (all, Sybil).
    by_rule: [[u128; 2]; 2],
    forfeited: u128,
    /// Quarantined nodes' bonds slashed into insurance.
    #[serde(default)]
    quarantine_slashes: u128,
    attestations: u64,
    refused: u64,
    receipts: u64,
    quarantines: u64,
    false_passes: u64,
    fraud_proofs: u64,
    /// The calls, Prometh and claims.
    x: exec::ExecFlows,
}

/// The latest snapshot's figures (kept between records); before the first snapshot, none (NaN,
/// as metrics.md gives a figure that does not exist).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Latest {
    /// EigenTrust of the active nodes (refilled each epoch, read by the next record: saved).
    trust: Vec<f64>,
    /// The ring's EigenTrust mass, and its compatibility-PageRank mass.
    sybil_trust: [f64; 2],
    /// Mean gate (of 10^6) of the honest verifiers and of the ring.
    gate_mean: [f64; 2],
}

impl Default for Latest {
    fn default() -> Latest {
        Latest { trust: Vec::new(), sybil_trust: [f64::NAN; 2], gate_mean: [f64::NAN; 2] }
    }
}

/// A Trias network with its agents.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct TriasModel {
    econ: Trias,
    /// The same network under the other profile (with `compare`).
    shadow: Option<Trias>,
    agents: Agents,
    rng: StreamRng,
    /// `fail_rate` as a threshold on a uniform `u64`.
    fail_threshold: u64,
    /// `proof_rate` likewise.
    proof_threshold: u64,
    class: Vec<Class>,
    tee: Vec<Tee>,
    failing: Vec<bool>,
    quarantined: Vec<bool>,
    /// Who quarantined each node (`NONE` if nobody).
    challenger: Vec<NodeId>,
    /// Every attesting node (honest, faulty, Sybil), ascending.
    verifiers: Vec<NodeId>,
    /// Fixed peers: `peers[peer_start[v]..peer_start[v + 1]]` for the `v`-th verifier.
    peer_start: Vec<u32>,
    peers: Vec<NodeId>,
    /// (bought honest verifier, ring member) attack edges.
    bought: Vec<(NodeId, NodeId)>,
    /// Every router, ascending, with its receivers likewise laid out.
    routers: Vec<NodeId>,
    receiver_start: Vec<u32>,
    receivers: Vec<NodeId>,
    // Scratch, reused every epoch: each is cleared before use (per verifier, or at the start
    // of the agents' actions), so a saved state leaves them out.
    #[serde(skip)]
    targets: Vec<NodeId>,
    /// The economy's beacon targets of the verifier at hand.
    #[serde(skip)]
    beacon: Vec<NodeId>,
    #[serde(skip)]
    records: Vec<(NodeId, NodeId)>,
    #[serde(skip)]
    ring_records: Vec<(NodeId, NodeId)>,
    /// The step's receipts as drawn: (attester, attestee, router, receiver).
    #[serde(skip)]
    deliveries: Vec<(NodeId, NodeId, NodeId, NodeId)>,
    #[serde(skip)]
    fails: Vec<(NodeId, NodeId, bool)>,
    #[serde(skip)]
    false_passes: Vec<(NodeId, NodeId)>,
    latest: Latest,
    flows: Flows,
    /// Each node's verifier and router rewards since genesis, base units (by node id).
    earned: Vec<u128>,
    /// Developers, analysts and claims.
    exec: exec::Exec,
    epochs: u64,
}

/// No node.
const NONE: NodeId = NodeId::MAX;

impl TriasModel {
    /// The economy that moves the tokens.
    #[must_use]
    pub fn economy(&self) -> &Trias {
        &self.econ
    }

    /// The economy under the other profile, when `compare` is on.
    #[must_use]
    pub fn shadow(&self) -> Option<&Trias> {
        self.shadow.as_ref()
    }
}

impl Model for TriasModel {
    const NAME: &'static str = "trias";
    const STEP_SECONDS: u64 = 3_600;
    const STEP_NAME: &'static str = "epoch";
    const REWARD_TOKEN: (&'static str, u8) = ("TRY", 18);
    const KEY_METRICS: &'static [&'static str] = &[
        "active_nodes",
        "quarantined",
        "trust_gini",
        "trust_top10_share",
        "sybil_trust_share",
        "sybil_trust_share_compat",
        "sybil_reward_share",
        "sybil_reward_share_compat",
        "rewards_verifiers",
        "rewards_routers",
        "fraud_proofs",
        "bonds_forfeited",
    ];
    const KEY_FLOWS: &'static [&'static str] = &[
        "sybil_reward_share",
        "sybil_reward_share_compat",
        "rewards_verifiers",
        "rewards_routers",
        "fraud_proofs",
        "bonds_forfeited",
    ];
    type Config = Config;
    type Agents = Agents;

    fn validate(config: &Config, agents: &Agents) -> Result<(), Vec<FieldError>> {
        let errs = config::validate(config, agents);
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }

    fn whole_ranges(_config: &Config, agents: &Agents) -> Vec<(String, u64, u64)> {
        let ranges = config::whole_ranges(agents).into_iter();
        ranges.map(|(path, _, least, most)| (path.to_owned(), least, most)).collect()
    }

    fn build(config: &Config, agents: &Agents, streams: &RngStreams) -> Result<Self, Rejection> {
        behaviour::build(config, agents, streams.stream(&[purpose::AGENTS]))
    }

    fn columns(_config: &Config, _agents: &Agents) -> Vec<ColumnSpec> {
        record::COLUMNS.to_vec()
    }

    fn parameters(config: &Config) -> Vec<(String, String)> {
        ergon_core::parameter_pairs(config)
    }

    /// Every node that attests or routes (seeds, verifiers, faulty verifiers, routers, the
    /// Sybil ring), by id, with its class: its verifier and router rewards since genesis.
    /// Executers and analysts, whom the mining pool does not pay, are left out.
    fn node_rewards(&self) -> Vec<NodeReward> {
        let nodes = self.class.iter().zip(&self.earned).enumerate();
        nodes
            .filter(|(_, (c, _))| !matches!(c, Class::Executer | Class::Analyst))
            .map(|(i, (c, &reward))| NodeReward { node: i as u64, kind: c.name(), reward })
            .collect()
    }

    fn step(&mut self) -> Result<(), Violation> {
        self.epoch()
    }

    fn epochs_done(&self) -> u64 {
        self.epochs
    }

    fn record(&mut self) -> Vec<Metric> {
        record::record(self)
    }

    fn check_invariants(&self) -> Result<(), Violation> {
        self.econ.check_invariants()?;
        if let Some(s) = &self.shadow {
            s.check_invariants()?;
        }
        Ok(())
    }

    fn memory_estimate(config: &Config, agents: &Agents, steps: u64) -> Option<u64> {
        Some(memory::memory_estimate(config, agents, steps))
    }
}
