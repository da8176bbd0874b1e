//! [`EpochReport`]: what an epoch's close did — the settlement, the rewards by kind, the
//! releases — with amounts as exact decimal strings of STOS and Oz when serialized (replay's
//! output). The per-node lists are filled only when the economy's report detail is on.

use ergon_core::Amount;
use serde::Serialize;

use crate::units::{ser_opt_stos, ser_oz, ser_stos};

/// What an epoch did. Amounts serialize as exact decimal strings (STOS, Oz). The per-node lists
/// are filled only when the economy's report detail is on (the default; simulations turn it
/// off, since they read the totals).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EpochReport {
    /// The epoch that ended.
    pub epoch: u64,
    /// Traffic pending before settlement, Oz.
    #[serde(serialize_with = "ser_oz")]
    pub pending: Amount,
    /// Traffic settled (Y), Oz.
    #[serde(serialize_with = "ser_oz")]
    pub settled: Amount,
    /// paper: traffic of nodes that shut down, dropped before the settlement (never settled),
    /// Oz. Absent when zero.
    #[serde(serialize_with = "ser_oz", skip_serializing_if = "is_zero")]
    pub dropped: Amount,
    /// Traffic carried to the next epoch, Oz.
    #[serde(serialize_with = "ser_oz")]
    pub carried: Amount,
    /// Nodes settled, in settlement order (detail).
    pub settled_nodes: Vec<String>,
    /// Traffic reward R, STOS.
    #[serde(serialize_with = "ser_stos")]
    pub traffic_reward: Amount,
    /// Mining reward M, STOS.
    #[serde(serialize_with = "ser_stos")]
    pub mining_reward: Amount,
    /// Mining tier (0-based), or null after the end of issuance.
    pub tier: Option<usize>,
    /// Rewards of resource nodes, by node, STOS (detail).
    pub resource_rewards: Vec<(String, String)>,
    /// Rewards of each active meta node, STOS (detail).
    pub meta_rewards: Vec<(String, String)>,
    /// Stake rewards to validators and delegators, STOS.
    #[serde(serialize_with = "ser_stos")]
    pub validator_rewards: Amount,
    /// mainnet: the stake parts and the gas fees when no validator is bonded, to the community
    /// pool (the chain sends them to the fee collector, which the distribution module empties
    /// into the community pool while the total voting power is zero), STOS. Absent when zero.
    #[serde(serialize_with = "ser_stos", skip_serializing_if = "is_zero")]
    pub to_community_pool: Amount,
    /// Stake rewards to node deposits (paper), STOS.
    #[serde(serialize_with = "ser_stos")]
    pub deposit_rewards: Amount,
    /// Gas fees distributed, STOS.
    #[serde(serialize_with = "ser_stos")]
    pub gas_fees: Amount,
    /// Community tax (mainnet), STOS.
    #[serde(serialize_with = "ser_stos")]
    pub community_tax: Amount,
    /// Rounding remainders moved to the dust pool, STOS.
    #[serde(serialize_with = "ser_stos")]
    pub dust: Amount,
    /// Rewards not issued for want of recipients (left in their pools), STOS.
    #[serde(serialize_with = "ser_stos")]
    pub unissued: Amount,
    /// Locked rewards released to their owners, STOS.
    #[serde(serialize_with = "ser_stos")]
    pub rewards_released: Amount,
    /// paper: locked stake rewards released to validators (commission) and delegators, STOS.
    /// Absent when zero.
    #[serde(serialize_with = "ser_stos", skip_serializing_if = "is_zero")]
    pub stake_rewards_released: Amount,
    /// paper: of them, the part no delegation could take (its validator had no shares left),
    /// moved to the dust pool, STOS. Absent when zero.
    #[serde(serialize_with = "ser_stos", skip_serializing_if = "is_zero")]
    pub stake_rewards_dust: Amount,
    /// Deposits returned, STOS.
    #[serde(serialize_with = "ser_stos")]
    pub deposits_returned: Amount,
    /// mainnet: slashing deducted from the rewards released and the deposits returned, to the
    /// community pool, STOS. Absent when zero.
    #[serde(serialize_with = "ser_stos", skip_serializing_if = "is_zero")]
    pub slashing_deducted: Amount,
    /// Price after the epoch, STOS per Oz.
    #[serde(serialize_with = "ser_opt_stos")]
    pub price: Option<Amount>,
    /// mainnet: why the chain would refuse this epoch's volume report as a whole (nothing
    /// settled, no traffic or mining reward paid; the traffic carries over). Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// Rewards of all resource nodes together (after tax), STOS.
    #[serde(skip)]
    pub resource_total: Amount,
    /// Rewards of all meta nodes together, STOS.
    #[serde(skip)]
    pub meta_total: Amount,
    /// Nodes settled.
    #[serde(skip)]
    pub settled_count: usize,
}

fn is_zero(a: &Amount) -> bool {
    a.is_zero()
}
