//! Rule profiles and parameters of the Marlin economy (spec: shared/spec/marlin.md, "Tokens" and
//! "Bridge"; seed 002, "The network tokens" and "Bridge").
//!
//! `paper` is the seed's design (the default); `deployed` is the rules of Marlin's deployed
//! contracts (`Bridge.sol`, `MPond.sol`, `GovernorAlpha.sol`). Every difference between them is a
//! field here, set by [`Params::for_profile`], and validated at genesis ([`Params::validate`]).
//! Durations are in days: the economy's epoch is one day (the bridge contract's `epochLength`).

use ergon_core::{Amount, Dec};
use serde::{Deserialize, Serialize};

use crate::engine::error::MarlinError;
use crate::engine::rewards::selection::{MAX_SELECT, TokenWeight};
use crate::engine::units::fmt;

/// One POND or one MPOND in base units (both have 18 decimals).
pub const UNIT: u128 = 1_000_000_000_000_000_000;
/// POND base units per MPOND base unit through the bridge (seed: 1 MPOND = 10^6 POND).
pub const POND_PER_MPOND: u128 = 1_000_000;
/// 100% in basis points (the bridge contract's `liquidityDecimals` = 4).
pub const BP_ONE: u32 = 10_000;
/// The most open conversion requests one account may hold (a bound on every queue).
pub const REQUESTS_PER_ACCOUNT_MAX: u32 = 4_096;

/// deployed: the tokens' selection weights by default (`tokenWeights`): POND counts toward the
/// effective delegation only, MPOND toward the threshold and at 10^6 toward the delegation.
pub const TOKEN_WEIGHTS: [TokenWeight; 2] = [
    TokenWeight { for_threshold: 0, for_delegation: 1 },
    TokenWeight { for_threshold: 1, for_delegation: POND_PER_MPOND },
];

fn default_token_weights() -> [TokenWeight; 2] {
    TOKEN_WEIGHTS
}

/// Which rules apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// The seed's design in full.
    #[default]
    Paper,
    /// Marlin's deployed contracts.
    Deployed,
}

/// How the bridge holds value (the one bridge difference between the profiles).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BridgeCustody {
    /// paper (seed, "POND to MPOND"): POND sent to the bridge is burned and MPOND minted; MPOND
    /// converted back is burned and POND minted.
    BurnMint,
    /// deployed (`Bridge.getMpond`, `Bridge.convert`): the bridge holds reserves of both tokens;
    /// what it receives stays in its pool, what it pays comes from its pool.
    Reserve,
}

/// Every parameter of the economy, with its profile default. The bridge's W, L and period and
/// the transfer switch are the genesis values: governance changes them later (the live values
/// are the bridge's [`crate::settings::Settings`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// Profile these defaults came from.
    pub profile: Profile,
    /// POND's supply cap, base units (seed: 10,000,000,000 POND).
    pub pond_cap: Amount,
    /// MPOND's supply cap, base units (seed: 10,000 MPOND).
    pub mpond_cap: Amount,
    /// How the bridge holds value.
    pub custody: BridgeCustody,
    /// Whether requests may be cancelled (paper: whole or part; deployed: the contract has no
    /// cancel).
    pub cancel_allowed: bool,
    /// W: days from a request to its release, frozen per request (seed: 180 days; contract:
    /// `lockTimeEpochs`). Governance may change it for later requests.
    pub wait_days: u64,
    /// L: liquidity released per period, basis points (seed: 10%; contract: `liquidityBp`).
    pub liquidity_bp: u32,
    /// Length of a liquidity period, days (seed: 180; contract: `liquidityEpochLength`).
    pub liquidity_period_days: u64,
    /// Whether MPOND transfers between accounts that are not whitelisted are open at genesis.
    pub transfers_open: bool,
    /// Days between an undelegation and the withdrawal of the stash's tokens (StakeManager's
    /// undelegation wait).
    pub undelegation_lock_days: u64,
    /// Days between a redelegation request and the move (StakeManager's redelegation lock).
    pub redelegation_lock_days: u64,
    /// Days between a cluster's commission update request and the update
    /// (`ClusterRegistry.lockWaitTime[COMMISSION_LOCK_SELECTOR]`).
    pub commission_lock_days: u64,
    /// Days between a cluster's unregistration request and the unregistration
    /// (`lockWaitTime[UNREGISTER_LOCK_SELECTOR]`).
    pub unregister_lock_days: u64,
    /// Governance: votes (MPOND base units) a proposer must exceed (GovernorAlpha's
    /// `proposalThreshold`, compared with `>`).
    pub proposal_threshold: Amount,
    /// Governance: votes in favour a proposal needs to pass (`quorumVotes`, compared with `>=`).
    pub quorum: Amount,
    /// Governance: days a proposal is open for votes, from the day after it is made.
    pub voting_period_days: u64,
    /// paper: α of the Cobb-Douglas modifier (seed "Staking"), `0 ≤ α ≤ 1`: the weight of the
    /// ticket share against the stake share.
    pub alpha: Dec,
    /// paper: the MPOND a cluster needs delegated to be paid, base units, exclusive (seed 002,
    /// "MPOND": "every cluster is cumulatively required to have at least 0.5 MPOND staked or
    /// delegated"; the spec's "> 0.5 MPOND"); 0: every cluster is eligible.
    pub eligibility_mpond: Amount,
    /// paper: days in a subscription month (the fee pool releases a month's fees at its close).
    pub month_days: u64,
    /// paper: the subsidy pool's emission per epoch, base units of POND.
    pub subsidy_per_epoch: Amount,
    /// paper: epochs the subsidy runs (emission ends after `subsidy_per_epoch × subsidy_epochs`).
    pub subsidy_epochs: u64,
    /// deployed: the rewards per epoch of all networks, `T` (`ClusterRewards.totalRewardsPerEpoch`).
    pub reward_per_epoch: Amount,
    /// deployed: this network's reward weight `w` (`rewardWeight[networkId]`).
    pub network_weight: u128,
    /// deployed: the sum of all networks' weights `W` (`totalRewardWeight`).
    pub total_weight: u128,
    /// deployed: clusters drawn per epoch (`ClusterSelector.NUMBER_OF_CLUSTERS_TO_SELECT`).
    pub clusters_to_select: usize,
    /// deployed: effective-delegation threshold for selection (`thresholdForSelection`), in
    /// threshold-weighted base units.
    pub selection_threshold: u128,
    /// deployed: the staked tokens' weights, POND then MPOND (`tokenWeights`).
    #[serde(default = "default_token_weights")]
    pub token_weights: [TokenWeight; 2],
    /// deployed: the seed of the clusters' draw (the chain draws from a block hash).
    pub selection_seed: u64,
    /// paper, spam: deposit used per byte of a message, base units of POND.
    pub stake_per_byte: Amount,
    /// paper, spam: the quota window, seconds (default 10 minutes).
    pub window_secs: u64,
    /// paper, spam: the checker's share of a slashed deposit, basis points (default 10%); the
    /// rest is burned.
    pub checker_bp: u32,
    /// paper, spam: days an attestation can be proven against after its day; a deposit is
    /// withdrawable once its producer's last attestation is that old.
    pub proof_days: u64,
}

impl Params {
    /// The defaults of `profile`.
    #[must_use]
    pub fn for_profile(profile: Profile) -> Params {
        let paper = Params {
            profile,
            pond_cap: Amount(10_000_000_000 * UNIT),
            mpond_cap: Amount(10_000 * UNIT),
            custody: BridgeCustody::BurnMint,
            cancel_allowed: true,
            wait_days: 180,
            liquidity_bp: 1_000,
            liquidity_period_days: 180,
            transfers_open: false,
            undelegation_lock_days: 5,
            redelegation_lock_days: 5,
            commission_lock_days: 5,
            unregister_lock_days: 5,
            proposal_threshold: Amount(UNIT),
            quorum: Amount(8 * UNIT),
            voting_period_days: 3,
            // 1/2 (exact in 18 decimals).
            alpha: Dec::new_with_prec(5, 1).unwrap_or(Dec::ONE),
            eligibility_mpond: Amount(UNIT / 2),
            month_days: 30,
            subsidy_per_epoch: Amount::ZERO,
            subsidy_epochs: 0,
            reward_per_epoch: Amount::ZERO,
            network_weight: 1,
            total_weight: 1,
            clusters_to_select: 5,
            selection_threshold: UNIT / 2,
            token_weights: TOKEN_WEIGHTS,
            selection_seed: 0,
            // 10^-6 POND a byte: a 1 POND deposit carries 1 MB per window.
            stake_per_byte: Amount(UNIT / 1_000_000),
            window_secs: 600,
            checker_bp: 1_000,
            proof_days: 1,
        };
        match profile {
            Profile::Paper => paper,
            // GovernorAlpha's `quorumVotes()`: 200 MPOND.
            Profile::Deployed => Params {
                custody: BridgeCustody::Reserve,
                cancel_allowed: false,
                quorum: Amount(200 * UNIT),
                ..paper
            },
        }
    }

    /// Refuses parameters the rules cannot run with, naming the field and its value.
    pub fn validate(&self) -> Result<(), MarlinError> {
        let bad =
            |name: &'static str, value: String| Err(MarlinError::InvalidParameter { name, value });
        if self.pond_cap.is_zero() {
            return bad("pond_cap", "0".into());
        }
        if self.mpond_cap.is_zero() {
            return bad("mpond_cap", "0".into());
        }
        if self.liquidity_period_days == 0 {
            return bad("liquidity_period_days", "0".into());
        }
        if self.wait_days > 36_500 {
            return bad("wait_days", self.wait_days.to_string());
        }
        if self.undelegation_lock_days > 36_500 {
            return bad("undelegation_lock_days", self.undelegation_lock_days.to_string());
        }
        if self.redelegation_lock_days > 36_500 {
            return bad("redelegation_lock_days", self.redelegation_lock_days.to_string());
        }
        if self.commission_lock_days > 36_500 {
            return bad("commission_lock_days", self.commission_lock_days.to_string());
        }
        if self.unregister_lock_days > 36_500 {
            return bad("unregister_lock_days", self.unregister_lock_days.to_string());
        }
        if self.voting_period_days == 0 || self.voting_period_days > 3_650 {
            return bad("voting_period_days", self.voting_period_days.to_string());
        }
        if self.alpha > Dec::ONE {
            return bad("alpha", self.alpha.to_string());
        }
        // Each weight times its token's cap, and their sums, fit 128 bits: a cluster's
        // effective delegation never overflows.
        let caps = [self.pond_cap.0, self.mpond_cap.0];
        let weighted = |f: fn(&TokenWeight) -> u128| {
            self.token_weights.iter().zip(caps).try_fold(0u128, |sum, (w, cap)| {
                f(w).checked_mul(cap).and_then(|x| sum.checked_add(x))
            })
        };
        let beyond = |name: &str, value: String, reason: &str| {
            let (name, reason) = (name.to_owned(), reason.to_owned());
            Err(MarlinError::Core(ergon_core::Error::InvalidParameter { name, value, reason }))
        };
        if weighted(|w| w.for_threshold).is_none() || weighted(|w| w.for_delegation).is_none() {
            let [p, m] = &self.token_weights;
            let value = format!(
                "pond {{threshold {}, delegation {}}}, mpond {{threshold {}, delegation {}}}",
                p.for_threshold, p.for_delegation, m.for_threshold, m.for_delegation
            );
            let why = "each weight times its token's cap (pond_cap, mpond_cap), summed over the \
                       tokens, must fit 128 bits: lower a weight or a cap";
            return beyond("token_weights", value, why);
        }
        if self.subsidy_per_epoch > self.pond_cap {
            let why = "at most pond_cap";
            return beyond("subsidy_per_epoch", fmt(self.subsidy_per_epoch), why);
        }
        if self.subsidy_per_epoch.checked_mul_int(u128::from(self.subsidy_epochs)).is_err() {
            return bad("subsidy_epochs", self.subsidy_epochs.to_string());
        }
        if self.reward_per_epoch > self.pond_cap {
            return beyond("reward_per_epoch", fmt(self.reward_per_epoch), "at most pond_cap");
        }
        if self.eligibility_mpond > self.mpond_cap {
            return beyond("eligibility_mpond", fmt(self.eligibility_mpond), "at most mpond_cap");
        }
        if self.month_days == 0 || self.month_days > 366 {
            return bad("month_days", self.month_days.to_string());
        }
        if self.total_weight == 0 {
            return bad("total_weight", "0".into());
        }
        // The network's share w/W of the rewards is at most the whole.
        if self.network_weight > self.total_weight {
            let why = format!("at most total_weight ({})", self.total_weight);
            return beyond("network_weight", self.network_weight.to_string(), &why);
        }
        // A message must use some of its producer's deposit: at 0 every range is empty, so a
        // producer with no deposit sends without limit and no double use can be proven.
        if self.stake_per_byte.is_zero() {
            return bad("stake_per_byte", "0".into());
        }
        if self.window_secs == 0 || self.window_secs > 86_400 {
            return bad("window_secs", self.window_secs.to_string());
        }
        if self.checker_bp > BP_ONE {
            return bad("checker_bp", self.checker_bp.to_string());
        }
        if self.proof_days > 3_650 {
            return bad("proof_days", self.proof_days.to_string());
        }
        if self.clusters_to_select == 0 || self.clusters_to_select > MAX_SELECT {
            return bad("clusters_to_select", self.clusters_to_select.to_string());
        }
        Ok(())
    }
}

impl Default for Params {
    fn default() -> Params {
        Params::for_profile(Profile::Paper)
    }
}
