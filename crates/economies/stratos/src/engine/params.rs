//! Rule profiles and parameters of the Stratos economy (spec: shared/spec/stratos.md; seed 001).
//!
//! `paper` is the seed as written (the default); `mainnet` is the live chain's rules. Every
//! difference between them is a field here, set by [`Params::for_profile`], never a code fork.

use ergon_core::economy::Rejection;
use ergon_core::{Amount, EmissionSchedule, Qty};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
    /// The mining table. Held in wei; an override writes its amounts in STOS ([`STOS_PARAMS`]).
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

/// The parameters that are STOS amounts, or hold them. An override writes them in STOS, exact
/// decimals, like every amount of a replay file (`"mined_at_genesis": "16819120"` is 16,819,120
/// STOS); [`Params`] keeps them in wei. The `mining` table's amounts are its thresholds, rewards
/// and end (`table`), or its initial reward, floor and cap (`geometric`): [`stos_amounts`].
pub const STOS_PARAMS: [&str; 5] =
    ["mined_at_genesis", "mining", "mining_pool", "incentive_testnet", "resource_node_min_deposit"];

/// The STOS amounts in parameter `name`'s value `v`, each with its path (`mining_pool`,
/// `mining.tiers[0].reward`): `v` itself for an amount parameter, the mining table's amounts
/// for `mining` (by its `kind`; none of a kind it does not have, which its reading refuses),
/// none for any other parameter. An absent `cap` (`null`) is no amount.
fn stos_amounts<'v>(name: &str, v: &'v mut Value) -> Vec<(String, &'v mut Value)> {
    if name != "mining" {
        return if STOS_PARAMS.contains(&name) { vec![(name.to_owned(), v)] } else { Vec::new() };
    }
    let Value::Object(table) = v else { return Vec::new() };
    let keys: &[&str] = match table.get("kind").and_then(Value::as_str) {
        Some("table") => &["end", "tiers"],
        Some("geometric") => &["initial", "floor", "cap"],
        _ => &[],
    };
    let mut out = Vec::new();
    for (key, x) in table.iter_mut().filter(|(k, x)| keys.contains(&k.as_str()) && !x.is_null()) {
        match (key.as_str(), x) {
            ("tiers", Value::Array(tiers)) => {
                for (i, tier) in tiers.iter_mut().enumerate() {
                    let Value::Object(tier) = tier else { continue };
                    for (k, x) in tier.iter_mut().filter(|(k, _)| *k == "from" || *k == "reward") {
                        out.push((format!("mining.tiers[{i}].{k}"), x));
                    }
                }
            }
            ("tiers", _) => {}
            (key, x) => out.push((format!("mining.{key}"), x)),
        }
    }
    out
}

/// An override of parameter `name` as [`Params`] reads it: its STOS amounts, written in STOS
/// (a decimal string or a whole number, at most 18 decimals), in wei; a refusal names the
/// amount's path (`mining.tiers[0].reward: …`).
pub fn in_wei(name: &str, v: &Value) -> Result<Value, Rejection> {
    let mut v = v.clone();
    for (path, x) in stos_amounts(name, &mut v) {
        let q: Qty = serde_json::from_value(x.clone())
            .map_err(|e| Rejection::new("invalid_parameter", format!("{path}: {e}")))?;
        let wei = crate::units::stos(&q).map_err(|e| e.at(path))?;
        *x = serde_json::to_value(wei).expect("an amount serializes");
    }
    Ok(v)
}

impl Params {
    /// Checks the mining table ([`EmissionSchedule::validate`]): a fault is named by its path
    /// among the parameters (`mining.end`), its amounts in STOS as the table is written. Each
    /// split has the three shares of resource nodes, meta nodes and stake (seed §2): fewer
    /// would leave a share unpaid as 0, more would mint shares no one is paid.
    pub fn check_mining(&self) -> Result<(), ergon_core::Error> {
        let splits: Vec<(String, &[u32])> = match &self.mining {
            EmissionSchedule::Table { tiers, .. } => tiers
                .iter()
                .enumerate()
                .map(|(i, t)| (format!("mining.tiers[{i}].split"), t.split.as_slice()))
                .collect(),
            EmissionSchedule::Geometric { split, .. } => {
                vec![("mining.split".to_owned(), split.as_slice())]
            }
        };
        if let Some((name, split)) = splits.into_iter().find(|(_, s)| s.len() != 3) {
            return Err(ergon_core::Error::InvalidParameter {
                name,
                value: format!("{split:?}"),
                reason: format!(
                    "has {} shares: a split has three (resource nodes, meta nodes, stake)",
                    split.len()
                ),
            });
        }
        let stos = |a: Amount| crate::units::fmt_stos(a);
        self.mining.validate_showing(&stos).map_err(|e| match e {
            ergon_core::Error::InvalidParameter { name, value, reason } => {
                let name = format!("mining.{name}");
                ergon_core::Error::InvalidParameter { name, value, reason }
            }
            e => e,
        })
    }

    /// Every parameter as an override writes it ([`in_wei`] reads it back): the STOS amounts,
    /// the mining table's among them, in STOS; the others as [`Params`] serializes them.
    #[must_use]
    pub fn as_written(&self) -> Map<String, Value> {
        let mut all = serde_json::to_value(self).expect("params serialize");
        let mut fields = std::mem::take(all.as_object_mut().expect("params are an object"));
        for (name, v) in &mut fields {
            for (_, x) in stos_amounts(name, v) {
                if let Some(wei) = x.as_str().and_then(|t| t.parse::<u128>().ok()) {
                    *x = Value::String(crate::units::fmt_stos(Amount(wei)));
                }
            }
        }
        fields
    }
}

impl Default for Params {
    fn default() -> Params {
        Params::for_profile(Profile::Paper)
    }
}
