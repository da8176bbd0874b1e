//! [`Genesis`]: the replay genesis line of Marlin (docs/economies/marlin.md, "Genesis") and
//! [`build`], which validates it into the initial state: the profile's parameters with any
//! overrides, both tokens with their caps (spec marlin.md, "Tokens"), the accounts' holdings
//! minted, the deployed bridge's reserves minted into its pool, the rewards pool, and the MPOND
//! whitelist.

use std::collections::BTreeMap;

use ergon_core::txn::{Keyed, Snapshot};
use ergon_core::{Dec, Epoch, Holder, Ledger, Names, Qty};
use serde::Deserialize;

use crate::engine::error::{MarlinError, Result};
use crate::engine::params::{BridgeCustody, Params, Profile};
use crate::engine::rewards::selection::TokenWeight;
use crate::engine::settings::Settings;
use crate::engine::stakes::Stakes;
use crate::engine::tokens::Token;
use crate::engine::units::{given, mpond_meta, pond_meta};
use crate::engine::{Bridge, GenesisBooks, Governance, Marlin};

/// An account's (or the bridge's) holdings at genesis, in token units.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holdings {
    /// POND.
    #[serde(default)]
    pub pond: Option<Qty>,
    /// MPOND.
    #[serde(default)]
    pub mpond: Option<Qty>,
}

/// Marlin's genesis line. Every parameter left out takes the profile's default.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each override is the `Params` field of the same name
pub struct Genesis {
    /// `paper` (default) or `deployed`.
    #[serde(default)]
    pub profile: Profile,
    /// Accounts and what is minted to them.
    #[serde(default, deserialize_with = "ergon_core::strict_json::object_map")]
    pub accounts: BTreeMap<String, Holdings>,
    /// deployed: the bridge's reserves, minted into its pool.
    #[serde(default, deserialize_with = "ergon_core::strict_json::object_opt")]
    pub bridge: Option<Holdings>,
    /// Accounts MPOND may move to or from before transfers open.
    #[serde(default)]
    pub whitelist: Vec<String>,
    /// POND minted into the `rewards` pool (paper: the subsidy pool; deployed: the reward
    /// contract's balance).
    #[serde(default)]
    pub rewards_pool: Option<Qty>,
    #[serde(default)]
    pub pond_cap: Option<Qty>,
    #[serde(default)]
    pub mpond_cap: Option<Qty>,
    #[serde(default)]
    pub wait_days: Option<u64>,
    #[serde(default)]
    pub liquidity_bp: Option<u32>,
    #[serde(default)]
    pub liquidity_period_days: Option<u64>,
    #[serde(default)]
    pub transfers_open: Option<bool>,
    #[serde(default)]
    pub undelegation_lock_days: Option<u64>,
    #[serde(default)]
    pub redelegation_lock_days: Option<u64>,
    #[serde(default)]
    pub commission_lock_days: Option<u64>,
    #[serde(default)]
    pub unregister_lock_days: Option<u64>,
    #[serde(default)]
    pub proposal_threshold: Option<Qty>,
    #[serde(default)]
    pub quorum: Option<Qty>,
    #[serde(default)]
    pub voting_period_days: Option<u64>,
    /// α as a decimal string, e.g. "0.25".
    #[serde(default)]
    pub alpha: Option<Dec>,
    #[serde(default)]
    pub eligibility_mpond: Option<Qty>,
    #[serde(default)]
    pub month_days: Option<u64>,
    #[serde(default)]
    pub subsidy_per_epoch: Option<Qty>,
    #[serde(default)]
    pub subsidy_epochs: Option<u64>,
    #[serde(default)]
    pub reward_per_epoch: Option<Qty>,
    #[serde(default, deserialize_with = "ergon_core::emission::wide_int::deserialize_some")]
    pub network_weight: Option<u128>,
    #[serde(default, deserialize_with = "ergon_core::emission::wide_int::deserialize_some")]
    pub total_weight: Option<u128>,
    #[serde(default)]
    pub clusters_to_select: Option<usize>,
    #[serde(default)]
    pub selection_seed: Option<u64>,
    /// deployed: `thresholdForSelection`, in threshold-weighted base units.
    #[serde(default, deserialize_with = "ergon_core::emission::wide_int::deserialize_some")]
    pub selection_threshold: Option<u128>,
    /// deployed: the tokens' weights (`tokenWeights`), each token's given whole.
    #[serde(default, deserialize_with = "ergon_core::strict_json::object_opt")]
    pub token_weights: Option<TokenWeights>,
    #[serde(default)]
    pub stake_per_byte: Option<Qty>,
    #[serde(default)]
    pub window_secs: Option<u64>,
    #[serde(default)]
    pub checker_bp: Option<u32>,
    #[serde(default)]
    pub proof_days: Option<u64>,
}

/// The parameters a genesis may override: every field of [`Genesis`] but the profile, the
/// accounts, the bridge's reserves and the rewards pool (a scenario sets those by its other
/// fields). A scenario's `economy.params` names only these.
pub const PARAMS: [&str; 30] = [
    "whitelist",
    "pond_cap",
    "mpond_cap",
    "wait_days",
    "liquidity_bp",
    "liquidity_period_days",
    "transfers_open",
    "undelegation_lock_days",
    "redelegation_lock_days",
    "commission_lock_days",
    "unregister_lock_days",
    "proposal_threshold",
    "quorum",
    "voting_period_days",
    "alpha",
    "eligibility_mpond",
    "month_days",
    "subsidy_per_epoch",
    "subsidy_epochs",
    "reward_per_epoch",
    "network_weight",
    "total_weight",
    "clusters_to_select",
    "selection_seed",
    "selection_threshold",
    "token_weights",
    "stake_per_byte",
    "window_secs",
    "checker_bp",
    "proof_days",
];

/// The staked tokens' weights of a genesis: `{"pond": {"threshold": 0, "delegation": 1}, ...}`;
/// a token left out keeps its default weights.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenWeights {
    /// POND's weights.
    #[serde(default, deserialize_with = "ergon_core::strict_json::object_opt")]
    pub pond: Option<TokenWeight>,
    /// MPOND's weights.
    #[serde(default, deserialize_with = "ergon_core::strict_json::object_opt")]
    pub mpond: Option<TokenWeight>,
}

/// The parameters of the paper rules only.
const PAPER_ONLY: [&str; 9] = [
    "alpha",
    "month_days",
    "eligibility_mpond",
    "subsidy_per_epoch",
    "subsidy_epochs",
    "stake_per_byte",
    "window_secs",
    "checker_bp",
    "proof_days",
];

/// The parameters of the deployed rules only.
const DEPLOYED_ONLY: [&str; 7] = [
    "reward_per_epoch",
    "network_weight",
    "total_weight",
    "clusters_to_select",
    "selection_seed",
    "selection_threshold",
    "token_weights",
];

/// The parameters the other profile's rules have and `profile`'s have not.
#[must_use]
pub fn other_profile_params(profile: Profile) -> &'static [&'static str] {
    match profile {
        Profile::Paper => &DEPLOYED_ONLY,
        Profile::Deployed => &PAPER_ONLY,
    }
}

/// The parameters `g` asks for: its profile's defaults with its overrides, validated. A
/// parameter of the other profile's rules only is refused: it would change nothing.
pub fn params(g: &Genesis) -> Result<Params> {
    // Whether each is given, in the order of PAPER_ONLY and DEPLOYED_ONLY.
    let paper_given = [
        g.alpha.is_some(),
        g.month_days.is_some(),
        g.eligibility_mpond.is_some(),
        g.subsidy_per_epoch.is_some(),
        g.subsidy_epochs.is_some(),
        g.stake_per_byte.is_some(),
        g.window_secs.is_some(),
        g.checker_bp.is_some(),
        g.proof_days.is_some(),
    ];
    let deployed_given = [
        g.reward_per_epoch.is_some(),
        g.network_weight.is_some(),
        g.total_weight.is_some(),
        g.clusters_to_select.is_some(),
        g.selection_seed.is_some(),
        g.selection_threshold.is_some(),
        g.token_weights.is_some(),
    ];
    let (others_given, theirs, ours): (&[bool], _, _) = match g.profile {
        Profile::Paper => (&deployed_given, "deployed", "paper"),
        Profile::Deployed => (&paper_given, "paper", "deployed"),
    };
    let other = other_profile_params(g.profile);
    if let Some((&name, _)) = other.iter().zip(others_given).find(|(_, given)| **given) {
        return Err(MarlinError::OtherProfileParameter { name, theirs, ours });
    }
    let mut p = Params::for_profile(g.profile);
    p.pond_cap = given(Token::Pond, "pond_cap", g.pond_cap.as_ref())?.unwrap_or(p.pond_cap);
    p.mpond_cap = given(Token::Mpond, "mpond_cap", g.mpond_cap.as_ref())?.unwrap_or(p.mpond_cap);
    p.wait_days = g.wait_days.unwrap_or(p.wait_days);
    p.liquidity_bp = g.liquidity_bp.unwrap_or(p.liquidity_bp);
    p.liquidity_period_days = g.liquidity_period_days.unwrap_or(p.liquidity_period_days);
    p.transfers_open = g.transfers_open.unwrap_or(p.transfers_open);
    p.undelegation_lock_days = g.undelegation_lock_days.unwrap_or(p.undelegation_lock_days);
    p.redelegation_lock_days = g.redelegation_lock_days.unwrap_or(p.redelegation_lock_days);
    p.commission_lock_days = g.commission_lock_days.unwrap_or(p.commission_lock_days);
    p.unregister_lock_days = g.unregister_lock_days.unwrap_or(p.unregister_lock_days);
    p.proposal_threshold =
        given(Token::Mpond, "proposal_threshold", g.proposal_threshold.as_ref())?
            .unwrap_or(p.proposal_threshold);
    p.quorum = given(Token::Mpond, "quorum", g.quorum.as_ref())?.unwrap_or(p.quorum);
    p.voting_period_days = g.voting_period_days.unwrap_or(p.voting_period_days);
    p.alpha = g.alpha.unwrap_or(p.alpha);
    p.eligibility_mpond = given(Token::Mpond, "eligibility_mpond", g.eligibility_mpond.as_ref())?
        .unwrap_or(p.eligibility_mpond);
    p.month_days = g.month_days.unwrap_or(p.month_days);
    p.subsidy_per_epoch = given(Token::Pond, "subsidy_per_epoch", g.subsidy_per_epoch.as_ref())?
        .unwrap_or(p.subsidy_per_epoch);
    p.subsidy_epochs = g.subsidy_epochs.unwrap_or(p.subsidy_epochs);
    p.reward_per_epoch = given(Token::Pond, "reward_per_epoch", g.reward_per_epoch.as_ref())?
        .unwrap_or(p.reward_per_epoch);
    p.network_weight = g.network_weight.unwrap_or(p.network_weight);
    p.total_weight = g.total_weight.unwrap_or(p.total_weight);
    p.clusters_to_select = g.clusters_to_select.unwrap_or(p.clusters_to_select);
    p.selection_seed = g.selection_seed.unwrap_or(p.selection_seed);
    p.selection_threshold = g.selection_threshold.unwrap_or(p.selection_threshold);
    if let Some(w) = &g.token_weights {
        for (mine, given) in p.token_weights.iter_mut().zip([w.pond, w.mpond]) {
            *mine = given.unwrap_or(*mine);
        }
    }
    p.stake_per_byte = given(Token::Pond, "stake_per_byte", g.stake_per_byte.as_ref())?
        .unwrap_or(p.stake_per_byte);
    p.window_secs = g.window_secs.unwrap_or(p.window_secs);
    p.checker_bp = g.checker_bp.unwrap_or(p.checker_bp);
    p.proof_days = g.proof_days.unwrap_or(p.proof_days);
    p.validate()?;
    Ok(p)
}

/// Builds the initial state from `g`.
pub fn build(g: Genesis) -> Result<Marlin> {
    let params = params(&g)?;
    if g.bridge.is_some() && params.custody == BridgeCustody::BurnMint {
        return Err(MarlinError::InvalidParameter {
            name: "bridge",
            value: "a reserve (paper burns and mints; only deployed holds reserves)".into(),
        });
    }
    let mut ledger = Ledger::new();
    let pond = ledger.add_token(pond_meta(), params.pond_cap)?;
    let mpond = ledger.add_token(mpond_meta(), params.mpond_cap)?;
    let bridge_pool = ledger.add_pool("bridge")?;
    let stakes_pool = ledger.add_pool("stakes")?;
    let rewards_pool = ledger.add_pool("rewards")?;
    let fees_pool = ledger.add_pool("fees")?;
    let receiver_pool = ledger.add_pool("receiver_stakes")?;
    let cluster_pool = ledger.add_pool("cluster_rewards")?;
    let deposits_pool = ledger.add_pool("spam_deposits")?;
    let settings = Settings {
        wait_days: params.wait_days,
        liquidity_bp: params.liquidity_bp,
        liquidity_period_days: params.liquidity_period_days,
        transfers_open: params.transfers_open,
    };
    let mut m = Marlin {
        params,
        ledger,
        pond,
        mpond,
        bridge_pool,
        stakes_pool,
        rewards_pool,
        fees_pool,
        receiver_pool,
        cluster_pool,
        deposits_pool,
        names: Names::new(),
        whitelist: Keyed::new(),
        settings: Snapshot::new(settings),
        bridge: Bridge::default(),
        gov: Governance::default(),
        stakes: Stakes::default(),
        relay: crate::engine::relay::Relay::default(),
        pools: crate::engine::pools::Pools::default(),
        registry: crate::engine::registry::Registry::default(),
        spam: crate::engine::spam::Spam::default(),
        scratch: crate::engine::payout::Scratch::default(),
        genesis_books: GenesisBooks::default(),
        epoch: Epoch(0),
    };
    let mut books = GenesisBooks::default();
    for (name, h) in &g.accounts {
        let a = m.open_account(name)?;
        let (p, x) = (
            given(Token::Pond, &format!("accounts.{name}.pond"), h.pond.as_ref())?
                .unwrap_or_default(),
            given(Token::Mpond, &format!("accounts.{name}.mpond"), h.mpond.as_ref())?
                .unwrap_or_default(),
        );
        m.ledger.mint(pond, a.into(), p)?;
        m.ledger.mint(mpond, a.into(), x)?;
        books.pond_accounts = books.pond_accounts.checked_add(p)?;
        books.mpond_accounts = books.mpond_accounts.checked_add(x)?;
    }
    if let Some(h) = &g.bridge {
        let pool = Holder::Pool(bridge_pool);
        books.pond_bridge = given(Token::Pond, "bridge.pond", h.pond.as_ref())?.unwrap_or_default();
        books.mpond_bridge =
            given(Token::Mpond, "bridge.mpond", h.mpond.as_ref())?.unwrap_or_default();
        m.ledger.mint(pond, pool, books.pond_bridge)?;
        m.ledger.mint(mpond, pool, books.mpond_bridge)?;
    }
    books.pond_rewards =
        given(Token::Pond, "rewards_pool", g.rewards_pool.as_ref())?.unwrap_or_default();
    m.ledger.mint(pond, Holder::Pool(rewards_pool), books.pond_rewards)?;
    for name in &g.whitelist {
        let a = m.account(name)?;
        m.whitelist(a);
    }
    m.genesis_books = books;
    Ok(m)
}
