//! [`Genesis`]: the initial state of a Phala economy — profile, parameter set and overrides,
//! the first block, the subsidy pool and the accounts — and [`build`], which validates it.
//!
//! PHA is minted once, here, into the accounts and the subsidy pool (cap: 10^9 PHA, PHA's total
//! supply); nothing mints afterwards, so every later movement conserves it.

use std::collections::BTreeMap;

use ergon_core::txn::Snapshot;
use ergon_core::{AccountId, Amount, Holder, Ledger, Names, Qty, U64F64};
use serde::Deserialize;

use crate::error::{PhalaError, Result};
use crate::events::pha_meta;
use crate::params::{ParamSet, Params, Profile};
use crate::{Phala, Pools, Stats, block};

/// PHA's total supply, whole tokens.
pub const PHA_SUPPLY: u128 = 1_000_000_000;

/// The genesis line's fields (docs/replay.md, "Phala").
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// The rules (default `paper`).
    #[serde(default)]
    pub profile: Profile,
    /// The parameter values (default: `khala` under khala, `genesis` under paper).
    #[serde(default)]
    pub params: Option<ParamSet>,
    /// Parameter overrides: name → decimal (or `bits:N`); block counts as integers.
    #[serde(default, deserialize_with = "crate::params::de_overrides")]
    pub overrides: BTreeMap<String, String>,
    /// The first block (default 1).
    #[serde(default)]
    pub block: Option<u32>,
    /// PHA in the subsidy pool.
    #[serde(default)]
    pub subsidy_pool: Option<Qty>,
    /// Accounts and their PHA.
    #[serde(default)]
    pub accounts: BTreeMap<String, Qty>,
}

/// Builds the economy `g` describes, or says which field is wrong.
pub fn build(g: Genesis) -> Result<Phala> {
    let set = g.params.unwrap_or(match g.profile {
        Profile::Khala => ParamSet::Khala,
        Profile::Paper => ParamSet::Genesis,
    });
    let params = Params::of(g.profile, set).with_overrides(&g.overrides)?;
    let meta = pha_meta();
    let mut ledger = Ledger::new();
    let pha = ledger.add_token(meta.clone(), meta.units(PHA_SUPPLY)?)?;
    let pools = Pools {
        subsidy: ledger.add_pool("subsidy")?,
        treasury: ledger.add_pool("treasury")?,
        stakes: ledger.add_pool("stakes")?,
        slashed: ledger.add_pool("slashed")?,
        pool_free: ledger.add_pool("pool_free")?,
        gas_escrow: ledger.add_pool("gas_escrow")?,
    };
    let mut accounts = Names::new();
    for (name, qty) in &g.accounts {
        ergon_core::names::check_name("account", name)?;
        let a = ledger.open_account()?;
        let id = accounts.push(name).ok_or(PhalaError::DuplicateAccount { name: name.clone() })?;
        debug_assert_eq!(id, a.0);
        let held = qty.to_amount(&meta).map_err(|e| e.at(format!("accounts.{name}")))?;
        ledger.mint(pha, Holder::Account(AccountId(a.0)), held)?;
    }
    let subsidy = match &g.subsidy_pool {
        Some(q) => q.to_amount(&meta).map_err(|e| e.at("subsidy_pool"))?,
        None => Amount::ZERO,
    };
    ledger.mint(pha, Holder::Pool(pools.subsidy), subsidy)?;
    let first = g.block.unwrap_or(1);
    // A block must follow the first (the chain's BlockNumber is a u32).
    if first == u32::MAX {
        return Err(PhalaError::BadParam { field: "block".into(), value: first.to_string() });
    }
    let genesis_supply = ledger.minted(pha)?;
    let mut s = Phala {
        params,
        ledger,
        pha,
        pools,
        accounts,
        workers: Default::default(),
        stake_pools: Default::default(),
        contracts: Default::default(),
        vaults: Default::default(),
        block: first,
        start_block: first,
        sum_share: U64F64::ZERO,
        sum_share_stale: false,
        stats: Snapshot::new(Stats::default()),
        halvings: 0,
        genesis_supply,
        report_detail: true,
        scratch: block::Scratch::default(),
        lazy: None,
    };
    s.sum_share = block::sum_share(&s)
        .map_err(|v| PhalaError::BadParam { field: "genesis".into(), value: v.to_string() })?;
    Ok(s)
}
