//! Rule profiles and parameters of the Stratos economy (spec: shared/spec/stratos.md; seed 001).
//!
//! `paper` is the seed as written (the default); `mainnet` is the live chain's rules. Every
//! difference between them is a field here, set by [`Params::for_profile`], never a code fork.

use ergon_core::{Amount, EmissionSchedule};
use serde::{Deserialize, Serialize};

/// One STOS in wei (18 decimals).
pub const STOS: u128 = 1_000_000_000_000_000_000;
/// One Ozone in noz (9 decimals). 1 Oz = 1 GB of traffic, so 1 noz = 1 byte.
pub const OZ: u128 = 1_000_000_000;
/// Epochs per day: an epoch is 10 minutes.
pub const EPOCHS_PER_DAY: u64 = 144;

/// Which rules apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// The seed as written.
    #[default]
    Paper,
    /// The live chain (stratos-chain v0.12 era).
    Mainnet,
}

/// Every parameter of the economy, with its profile default. Durations are in epochs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Profile these defaults came from.
    pub profile: Profile,
    /// Fraction of pending traffic the settled prefix must reach, in basis points (seed: 80%).
    pub settle_threshold_bps: u32,
    /// Replicas of an upload when the user asks for none, and the least one may ask for (seed:
    /// 3, "Users can configure a higher initial replica number").
    pub default_replicas: u32,
    /// The most replicas one upload may ask for.
    pub max_replicas: u32,
    /// Lock of traffic and mining rewards (seed: 14 days, 2016 epochs; mainnet: 2016 epochs): a
    /// reward issued at the close of epoch e is withdrawable when epoch
    /// e + `reward_lock_epochs` + 1 begins, a whole lock after its issue; 0 means no lock.
    pub reward_lock_epochs: u64,
    /// Minimum lock of a node deposit from activation (seed: 180 days).
    pub deposit_lock_epochs: u64,
    /// Wait between unregistering and the deposit's return (seed: 14 days).
    pub exit_cooling_epochs: u64,
    /// Validator unbonding (mainnet: 21 days).
    pub unbonding_epochs: u64,
    /// Voting period of a meta-node registration or kick (seed: 7 days).
    pub meta_vote_epochs: u64,
    /// Performance score (parts per million) below which a resource node is suspended.
    pub kpi_min_ppm: u32,
    /// mainnet: the deposit-to-Ozone rate, wei of deposit per noz of Ozone limit (1e6: one
    /// STOS of deposit adds 1,000 Oz).
    pub deposit_noz_rate: u128,
    /// mainnet: community tax on the traffic part of node rewards, parts per million (1%).
    pub community_tax_ppm: u32,
    /// Whether node deposits share the blockchain (stake) rewards (paper) or validators and
    /// delegators take all of it (mainnet).
    pub deposits_share_stake_rewards: bool,
    /// paper: whether the validators' and delegators' share of the stake rewards locks for
    /// `reward_lock_epochs` as node rewards do (seed §2: "all traffic rewards and mining rewards
    /// will have a lock-up period"), or is paid at once; mainnet pays it at once
    /// (`x/distribution`) and refuses `true`.
    pub lock_stake_rewards: bool,
    /// Mined before genesis (mainnet: 1,000,000 STOS). Held in wei; a genesis override writes it
    /// in STOS, like `mining_pool`.
    pub mined_at_genesis: Amount,
    /// The mining table.
    pub mining: EmissionSchedule,
    /// The STOS mining pool funded at genesis (seed: 40% of 100M, less 1M for the testnet).
    pub mining_pool: Amount,
    /// STOS held at genesis in the `incentive_testnet` pool (seed §2: the 1,000,000 STOS of the
    /// 40M reserve that mining does not issue); none by default, and no pool then.
    #[serde(default)]
    pub incentive_testnet: Amount,
    /// The least deposit a resource node registers or activates with, wei (paper: one wei, any
    /// positive deposit; mainnet: 1 STOS, the live genesis's `resource_node_min_deposit`). A
    /// genesis override writes it in STOS, like `mining_pool`.
    pub resource_node_min_deposit: Amount,
    /// Most resource nodes.
    pub max_resource_nodes: u32,
    /// Most meta nodes.
    pub max_meta_nodes: u32,
    /// The size of the bonded set: the validators not jailed with the most tokens that have
    /// voting power (Cosmos x/staking `MaxValidators`; more may be created).
    pub max_validators: u32,
}

impl Params {
    /// The least deposit a resource node takes: `resource_node_min_deposit`, and one wei at
    /// least (no node deposits nothing).
    #[must_use]
    pub fn least_resource_deposit(&self) -> Amount {
        self.resource_node_min_deposit.max(Amount(1))
    }

    /// The fewest replicas an upload may ask for: paper, `default_replicas` (spec "User
    /// charges": "default 3, user-configurable higher"); mainnet, 1 (the chain counts none).
    #[must_use]
    pub fn least_replicas(&self) -> u32 {
        match self.profile {
            Profile::Paper => self.default_replicas,
            Profile::Mainnet => 1,
        }
    }

    /// The defaults of `profile`.
    #[must_use]
    pub fn for_profile(profile: Profile) -> Params {
        let day = EPOCHS_PER_DAY;
        let paper = Params {
            profile,
            settle_threshold_bps: 8_000,
            default_replicas: 3,
            max_replicas: 32,
            reward_lock_epochs: 14 * day,
            deposit_lock_epochs: 180 * day,
            exit_cooling_epochs: 14 * day,
            unbonding_epochs: 21 * day,
            meta_vote_epochs: 7 * day,
            kpi_min_ppm: 500_000,
            deposit_noz_rate: 1_000_000,
            community_tax_ppm: 0,
            deposits_share_stake_rewards: true,
            lock_stake_rewards: true,
            mined_at_genesis: Amount::ZERO,
            mining: crate::mining::paper_schedule(),
            mining_pool: Amount(39_000_000 * STOS),
            incentive_testnet: Amount::ZERO,
            resource_node_min_deposit: Amount(1),
            max_resource_nodes: 10_000_000,
            max_meta_nodes: 1_000,
            max_validators: 1_000,
        };
        match profile {
            Profile::Paper => paper,
            Profile::Mainnet => Params {
                reward_lock_epochs: 2016,
                community_tax_ppm: 10_000,
                deposits_share_stake_rewards: false,
                lock_stake_rewards: false,
                mined_at_genesis: Amount(1_000_000 * STOS),
                mining: crate::mining::mainnet_schedule(),
                resource_node_min_deposit: Amount(STOS),
                // The live genesis's `max_validators`.
                max_validators: 100,
                ..paper
            },
        }
    }
}

impl Default for Params {
    fn default() -> Params {
        Params::for_profile(Profile::Paper)
    }
}
