//! [`StratosError`]: why Stratos refused an operation — one variant per reason, each with a
//! stable code ([`Coded::code`]) and the numbers that explain it.
//!
//! Variants carry ids and amounts, never text built at the refusal: a refused request on the
//! simulation's hot path formats nothing and allocates nothing. Names appear only when a refusal
//! is shown to a person: [`Stratos::explain`] renders a variant with the accounts' and nodes'
//! names (replay's output); `Display` alone shows their indexes.

use ergon_core::{AccountId, Amount, Coded};

use crate::Stratos;
use crate::nodes::{MetaIndex, NodeIndex, NodeStatus};
use crate::units::{fmt_oz, fmt_stos};

/// A refused Stratos operation. See the module doc.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StratosError {
    /// A core rule refused it (balances, amounts, limits, staking); the core's code.
    #[error(transparent)]
    Core(#[from] ergon_core::Error),
    /// No account has this name.
    #[error("no account named {name:?}")]
    UnknownAccount {
        /// The name given.
        name: String,
    },
    /// No resource node has this name.
    #[error("no resource node named {name:?}")]
    UnknownNode {
        /// The name given.
        name: String,
    },
    /// No resource node has this index.
    #[error("no resource node with index {}", node.0)]
    NoSuchNode {
        /// The index given.
        node: NodeIndex,
    },
    /// No meta node has this name.
    #[error("no meta node named {name:?}")]
    UnknownMeta {
        /// The name given.
        name: String,
    },
    /// The account runs no validator.
    #[error("account {operator:?} runs no validator")]
    UnknownValidator {
        /// The operator's name.
        operator: String,
    },
    /// No Ozone, no service: the user holds less Ozone than the request costs.
    #[error("account:{} has {} Oz, the request needs {} Oz: no Ozone, no service", user.0, fmt_oz(*have), fmt_oz(*needed))]
    InsufficientOzone {
        /// The user.
        user: AccountId,
        /// Its Ozone, noz.
        have: Amount,
        /// The request's charge, noz.
        needed: Amount,
    },
    /// Fewer nodes than the task's replicas can take it.
    #[error("only {found} active node(s) can take a task of {} Oz; {needed} needed", fmt_oz(*size))]
    NoCapacity {
        /// Nodes that can take it.
        found: usize,
        /// Nodes needed (replicas).
        needed: usize,
        /// The task's size, noz.
        size: Amount,
    },
    /// A PREPAY buys more than the remaining limit, or (paper) nothing.
    #[error("a prepay of {} STOS buys {} Oz, outside 0 < bought ≤ L = {} Oz", fmt_stos(*paid), fmt_oz(*bought), fmt_oz(*limit))]
    PrepayOutOfRange {
        /// STOS paid, wei.
        paid: Amount,
        /// Ozone it would buy, noz.
        bought: Amount,
        /// L, noz.
        limit: Amount,
    },
    /// paper: an unregister would take more Ozone limit than is left.
    #[error("unregistering node #{} would take {} Oz from L = {} Oz", node.0, fmt_oz(*delta), fmt_oz(*limit))]
    LimitBelowUnregister {
        /// The node.
        node: NodeIndex,
        /// The limit its deposit added, noz.
        delta: Amount,
        /// L, noz.
        limit: Amount,
    },
    /// mainnet: a meta node whose deposit would take L below zero cannot leave (the chain's
    /// `IsUnbondable`).
    #[error("meta node #{} cannot leave: its deposit of {} STOS is {} Oz of limit, L is {} Oz (the chain's IsUnbondable)", meta.0, fmt_stos(*deposit), fmt_oz(*deposit_limit), fmt_oz(*limit))]
    MetaNotUnbondable {
        /// The meta node.
        meta: MetaIndex,
        /// Its deposit, wei.
        deposit: Amount,
        /// The deposit in Ozone limit, noz.
        deposit_limit: Amount,
        /// L, noz.
        limit: Amount,
    },
    /// A leaving node's replica migration needs more Ozone than the limit holds.
    #[error("the migration of node #{} needs {} Oz, L is {} Oz", node.0, fmt_oz(*needed), fmt_oz(*limit))]
    LimitBelowMigration {
        /// The node.
        node: NodeIndex,
        /// Ozone needed, noz.
        needed: Amount,
        /// L, noz.
        limit: Amount,
    },
    /// A leaving node's locked rewards and deposit cannot pay its migration.
    #[error("node #{} owes {} STOS of migration, has {} locked and {} deposited", node.0, fmt_stos(*cost), fmt_stos(*locked), fmt_stos(*deposit))]
    InsufficientDeposit {
        /// The node.
        node: NodeIndex,
        /// The migration's cost, wei.
        cost: Amount,
        /// Locked rewards it has, wei.
        locked: Amount,
        /// Its deposit, wei.
        deposit: Amount,
    },
    /// mainnet: an effective deposit above the node's deposit.
    #[error("node #{} has {} STOS deposited: its effective deposit cannot be {} STOS", node.0, fmt_stos(*deposit), fmt_stos(*effective))]
    EffectiveAboveDeposit {
        /// The node.
        node: NodeIndex,
        /// The effective deposit asked, wei.
        effective: Amount,
        /// Its deposit, wei.
        deposit: Amount,
    },
    /// The rules do not allow this now.
    #[error("not allowed: {0}")]
    NotAllowed(Refusal),
}

/// Why an operation is not allowed in the node's or vote's present state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The resource node has exited.
    #[error("node #{} has already exited", .0.0)]
    AlreadyExited(NodeIndex),
    /// paper: a shutdown of a node that has already shut down (it is offline).
    #[error("node #{} has already shut down", .0.0)]
    AlreadyShutDown(NodeIndex),
    /// An `unjail` of a validator that is not jailed.
    #[error("validator {} is not jailed", .0.0)]
    NotJailed(ergon_core::ValidatorId),
    /// A slash of a node that has exited.
    #[error("node #{} has exited", .0.0)]
    SlashExited(NodeIndex),
    /// Only an active, suspended or registered node can unregister.
    #[error("node #{} is {:?}: only an active, suspended or registered node can unregister", .0.0, .1)]
    CannotUnregister(NodeIndex, NodeStatus),
    /// The named node cannot take the task.
    #[error("node #{} cannot take this task (status {:?}, free {} Oz, needs {} Oz, each replica on a different node)", node.0, status, fmt_oz(*free), fmt_oz(*size))]
    CannotTakeTask {
        /// The node.
        node: NodeIndex,
        /// Its status.
        status: NodeStatus,
        /// Its free storage, noz.
        free: Amount,
        /// The task's size, noz.
        size: Amount,
    },
    /// Reinstating needs a suspended node that meets the KPI.
    #[error("node #{} is {:?} with score {} ppm; reinstating needs a suspended node meeting the KPI ({} ppm)", node.0, status, score_ppm, kpi_ppm)]
    CannotReinstate {
        /// The node.
        node: NodeIndex,
        /// Its status.
        status: NodeStatus,
        /// Its score, ppm.
        score_ppm: u32,
        /// The KPI, ppm.
        kpi_ppm: u32,
    },
    /// paper has no slashing.
    #[error("slashing is a mainnet rule: the seed gives no slashing amounts")]
    SlashingIsMainnet,
    /// An operation of the chain that the seed does not have.
    #[error("{0} is a mainnet rule (the chain's); the seed has no such operation")]
    MainnetOnly(&'static str),
    /// A volume report must name a node.
    #[error("a volume report names at least one node (the chain refuses an empty one)")]
    EmptyVolumeReport,
    /// A volume report names a node that has left.
    #[error("node #{} has exited: a volume report cannot pay it", .0.0)]
    ReportExited(NodeIndex),
    /// Only a registered, active or suspended node has an effective deposit to set.
    #[error("node #{} is {:?}: only a registered, active or suspended node has an effective deposit", .0.0, .1)]
    CannotSetEffective(NodeIndex, NodeStatus),
    /// The meta node is not active.
    #[error("meta node #{} is not active", .0.0)]
    MetaNotActive(MetaIndex),
    /// The meta node is not a candidate.
    #[error("meta node #{} is not a candidate", .0.0)]
    NotCandidate(MetaIndex),
    /// The meta node has left (kicked, unbonded or refused).
    #[error("meta node #{} has left: nothing to unbond", .0.0)]
    MetaGone(MetaIndex),
    /// The candidate's voting period is over (or it is no candidate).
    #[error("meta node #{} is not a candidate in its voting period", .0.0)]
    NotInVotingPeriod(MetaIndex),
    /// mainnet: the voter has voted on this node already.
    #[error("meta node #{} has voted on meta node #{} already", .0.0, .1.0)]
    DuplicateVote(MetaIndex, MetaIndex),
}

impl Coded for StratosError {
    fn code(&self) -> &'static str {
        match self {
            StratosError::Core(e) => e.code(),
            StratosError::UnknownAccount { .. } => "unknown_account",
            StratosError::UnknownNode { .. }
            | StratosError::NoSuchNode { .. }
            | StratosError::UnknownMeta { .. } => "unknown_node",
            StratosError::UnknownValidator { .. } => "unknown_validator",
            StratosError::InsufficientOzone { .. } => "insufficient_ozone",
            StratosError::NoCapacity { .. } => "no_capacity",
            StratosError::PrepayOutOfRange { .. }
            | StratosError::LimitBelowUnregister { .. }
            | StratosError::MetaNotUnbondable { .. }
            | StratosError::LimitBelowMigration { .. } => "ozone_limit",
            StratosError::InsufficientDeposit { .. }
            | StratosError::EffectiveAboveDeposit { .. } => "insufficient_deposit",
            StratosError::NotAllowed(_) => "not_allowed",
        }
    }
}

impl From<Refusal> for StratosError {
    fn from(r: Refusal) -> StratosError {
        StratosError::NotAllowed(r)
    }
}

/// A Stratos operation's result.
pub type Result<T, E = StratosError> = std::result::Result<T, E>;

impl Stratos {
    /// `e` as a person reads it: the variant's message with accounts and nodes by name.
    #[must_use]
    pub fn explain(&self, e: &StratosError) -> String {
        let node = |n: NodeIndex| self.node_name(n);
        let meta = |m: MetaIndex| self.meta_name(m);
        match e {
            StratosError::InsufficientOzone { user, have, needed } => format!(
                "{} has {} Oz, the request needs {} Oz: no Ozone, no service",
                self.account_name(*user),
                fmt_oz(*have),
                fmt_oz(*needed)
            ),
            StratosError::LimitBelowUnregister { node: n, delta, limit } => format!(
                "unregistering {:?} would take {} Oz from L = {} Oz",
                node(*n),
                fmt_oz(*delta),
                fmt_oz(*limit)
            ),
            StratosError::MetaNotUnbondable { meta: m, deposit, deposit_limit, limit } => format!(
                "meta node {:?} cannot leave: its deposit of {} STOS is {} Oz of limit, L is {} Oz (the chain's IsUnbondable)",
                meta(*m),
                fmt_stos(*deposit),
                fmt_oz(*deposit_limit),
                fmt_oz(*limit)
            ),
            StratosError::LimitBelowMigration { node: n, needed, limit } => format!(
                "the migration of node {:?} needs {} Oz, L is {} Oz",
                node(*n),
                fmt_oz(*needed),
                fmt_oz(*limit)
            ),
            StratosError::InsufficientDeposit { node: n, cost, locked, deposit } => format!(
                "node {:?} owes {} STOS of migration, has {} locked and {} deposited",
                node(*n),
                fmt_stos(*cost),
                fmt_stos(*locked),
                fmt_stos(*deposit)
            ),
            StratosError::EffectiveAboveDeposit { node: n, effective, deposit } => format!(
                "node {:?} has {} STOS deposited: its effective deposit cannot be {} STOS",
                node(*n),
                fmt_stos(*deposit),
                fmt_stos(*effective)
            ),
            StratosError::NotAllowed(r) => format!("not allowed: {}", self.explain_refusal(r)),
            other => other.to_string(),
        }
    }

    fn explain_refusal(&self, r: &Refusal) -> String {
        let node = |n: NodeIndex| self.node_name(n);
        let meta = |m: MetaIndex| self.meta_name(m);
        match *r {
            Refusal::AlreadyExited(n) => format!("node {:?} has already exited", node(n)),
            Refusal::AlreadyShutDown(n) => format!("node {:?} has already shut down", node(n)),
            Refusal::NotJailed(v) => {
                let operator = self.staking.validator(v).map(|x| x.operator());
                let name = operator.map_or("?", |o| self.account_name(o));
                format!("validator {name:?} is not jailed")
            }
            Refusal::SlashExited(n) => format!("node {:?} has exited", node(n)),
            Refusal::CannotUnregister(n, status) => format!(
                "node {:?} is {status:?}: only an active, suspended or registered node can unregister",
                node(n)
            ),
            Refusal::CannotTakeTask { node: n, status, free, size } => format!(
                "node {:?} cannot take this task (status {status:?}, free {} Oz, needs {} Oz, each replica on a different node)",
                node(n),
                fmt_oz(free),
                fmt_oz(size)
            ),
            Refusal::CannotReinstate { node: n, status, score_ppm, kpi_ppm } => format!(
                "node {:?} is {status:?} with score {score_ppm} ppm; reinstating needs a suspended node meeting the KPI ({kpi_ppm} ppm)",
                node(n)
            ),
            Refusal::MetaNotActive(m) => format!("meta node {:?} is not active", meta(m)),
            Refusal::NotCandidate(m) => format!("meta node {:?} is not a candidate", meta(m)),
            Refusal::MetaGone(m) => format!("meta node {:?} has left: nothing to unbond", meta(m)),
            Refusal::NotInVotingPeriod(m) => {
                format!("{:?} is not a candidate in its voting period", meta(m))
            }
            Refusal::DuplicateVote(v, m) => {
                format!("meta node {:?} has voted on {:?} already", meta(v), meta(m))
            }
            Refusal::ReportExited(n) => {
                format!("node {:?} has exited: a volume report cannot pay it", node(n))
            }
            Refusal::CannotSetEffective(n, status) => format!(
                "node {:?} is {status:?}: only a registered, active or suspended node has an effective deposit",
                node(n)
            ),
            Refusal::SlashingIsMainnet | Refusal::MainnetOnly(_) | Refusal::EmptyVolumeReport => {
                r.to_string()
            }
        }
    }
}
