//! [`Event`]: what an accepted replay operation reports, one variant per operation, serialized
//! (serde, at the replay edge only) as an object whose `event` names the variant. Amounts are
//! exact decimal strings of STOS or Oz; accounts and nodes appear by name.

use ergon_core::Amount;
use serde::Serialize;

use crate::epoch::EpochReport;
use crate::units::{ser_opt_oz, ser_opt_stos, ser_oz, ser_stos};

/// An accepted operation's report. Field meanings: docs/economies/stratos.md.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[allow(missing_docs)] // fields are documented in docs/economies/stratos.md
pub enum Event {
    Opened {
        account: String,
    },
    Transferred {
        from: String,
        to: String,
        #[serde(serialize_with = "ser_stos")]
        amount: Amount,
    },
    Prepaid {
        payer: String,
        beneficiary: String,
        #[serde(serialize_with = "ser_stos")]
        amount: Amount,
        #[serde(serialize_with = "ser_oz")]
        ozone: Amount,
        #[serde(serialize_with = "ser_opt_stos")]
        price_before: Option<Amount>,
        #[serde(serialize_with = "ser_opt_stos")]
        price_after: Option<Amount>,
    },
    Uploaded {
        user: String,
        #[serde(serialize_with = "ser_oz")]
        charged: Amount,
        nodes: Vec<String>,
    },
    Downloaded {
        user: String,
        #[serde(serialize_with = "ser_oz")]
        charged: Amount,
        node: String,
    },
    Queried {
        user: String,
        #[serde(serialize_with = "ser_oz")]
        charged: Amount,
        node: String,
    },
    /// Computation is outside the seed's scope: recorded, charged nothing.
    Computed {
        user: String,
        charged: &'static str,
        note: &'static str,
    },
    NodeActivated {
        node: String,
        #[serde(serialize_with = "ser_stos")]
        deposit: Amount,
        #[serde(serialize_with = "ser_oz")]
        ozone_limit_added: Amount,
        weight: u64,
    },
    NodeRegistered {
        node: String,
        #[serde(serialize_with = "ser_stos")]
        deposit: Amount,
    },
    EffectiveDepositUpdated {
        node: String,
        #[serde(serialize_with = "ser_stos")]
        effective: Amount,
        #[serde(serialize_with = "ser_stos")]
        previous: Amount,
        activated: bool,
        #[serde(serialize_with = "ser_oz")]
        ozone_limit_added: Amount,
        #[serde(serialize_with = "ser_oz")]
        ozone_limit_removed: Amount,
        weight: u64,
    },
    /// The epoch closed with the report: `epoch` is the epochs closed so far, as `end_epoch`
    /// reports it.
    VolumeReported {
        epoch: u64,
        report: Box<EpochReport>,
    },
    /// mainnet: the epoch closed without a volume report (nothing settled, paid or matured):
    /// `epoch` is the epochs closed so far.
    EpochEndedWithoutReport {
        epoch: u64,
        report: Box<EpochReport>,
    },
    Performance {
        node: String,
        score_ppm: u32,
        suspended: bool,
    },
    Reinstated {
        node: String,
    },
    Slashed {
        node: String,
        #[serde(serialize_with = "ser_stos")]
        amount: Amount,
        suspended: bool,
        #[serde(serialize_with = "ser_stos")]
        slashing: Amount,
    },
    Unregistered {
        node: String,
        deposit_returns_epoch: u64,
        migration: MigrationReport,
    },
    Shutdown {
        node: String,
        after_cooling_off: bool,
        #[serde(serialize_with = "ser_stos")]
        forfeited: Amount,
        migration: Option<MigrationReport>,
    },
    MetaRegistered {
        node: String,
        #[serde(serialize_with = "ser_stos")]
        deposit: Amount,
        vote_deadline_epoch: u64,
    },
    MetaApproved {
        node: String,
        activated: bool,
    },
    MetaVoted {
        voter: String,
        candidate: String,
        activated: bool,
    },
    KickVoted {
        voter: String,
        node: String,
        kicked: bool,
    },
    MetaUnbonded {
        node: String,
        #[serde(serialize_with = "ser_stos")]
        deposit: Amount,
        deposit_returns_epoch: u64,
    },
    GasPaid {
        from: String,
        #[serde(serialize_with = "ser_stos")]
        amount: Amount,
    },
    ValidatorCreated {
        operator: String,
        validator: u32,
        #[serde(serialize_with = "ser_stos")]
        self_bond: Amount,
    },
    Delegated {
        delegator: String,
        validator: String,
        #[serde(serialize_with = "ser_stos")]
        amount: Amount,
        #[serde(serialize_with = "ser_stos")]
        rewards_paid: Amount,
    },
    Undelegated {
        delegator: String,
        validator: String,
        #[serde(serialize_with = "ser_stos")]
        amount: Amount,
        #[serde(serialize_with = "ser_stos")]
        rewards_paid: Amount,
        completes_epoch: u64,
    },
    RewardsWithdrawn {
        delegator: String,
        validator: String,
        #[serde(serialize_with = "ser_stos")]
        amount: Amount,
    },
    CommissionWithdrawn {
        validator: String,
        #[serde(serialize_with = "ser_stos")]
        amount: Amount,
    },
    Unjailed {
        validator: String,
    },
    MaturedWithdrawn {
        account: String,
        #[serde(serialize_with = "ser_stos")]
        amount: Amount,
    },
}

/// A leaving node's replica migration as reported: the Ozone it needed and, when it stored
/// anything, what bought it (locked rewards first, then the deposit) and where the replicas went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MigrationReport {
    #[serde(serialize_with = "ser_oz")]
    /// Ozone needed: stored × replicas, noz.
    pub ozone: Amount,
    #[serde(serialize_with = "ser_opt_oz", skip_serializing_if = "Option::is_none")]
    /// Ozone bought, noz.
    pub bought: Option<Amount>,
    #[serde(serialize_with = "ser_stos")]
    /// STOS spent, wei.
    pub stos: Amount,
    #[serde(serialize_with = "ser_opt_stos", skip_serializing_if = "Option::is_none")]
    /// Of it, from locked rewards, wei.
    pub from_rewards: Option<Amount>,
    #[serde(serialize_with = "ser_opt_stos", skip_serializing_if = "Option::is_none")]
    /// Of it, from the deposit, wei.
    pub from_deposit: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The nodes that took the replicas.
    pub replicas_to: Option<Vec<String>>,
}
