//! Building the initial state from a genesis (replay `genesis` line or a scenario).
//!
//! The genesis holds exact amounts: [`Stos`] (wei), [`Oz`] (noz) and [`Ppm`] (a fraction). A
//! replay file writes them as exact decimals in token units, like every amount of a replay file
//! (`"12.5"` STOS); they become base units when the genesis is decoded, so a value the token
//! cannot hold (too many decimals, too large) fails the decoding and names itself. A simulation
//! builds its genesis from base units directly, with no decimal text in between.

use std::collections::BTreeMap;

use ergon_core::economy::Rejection;
use ergon_core::rng::purpose;
use ergon_core::txn::Keyed;
use ergon_core::{
    AccountId, Amount, Epoch, Error, Ledger, LockQueue, Names, Qty, RngStreams, RowLocks, Seed,
    Staking, StakingParams, TokenId, TokenMeta,
};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::epoch::Stats;
use crate::error::StratosError;
use crate::nodes::{MetaNode, MetaStatus, NodeRegistry, ResourceNode};
use crate::ozone::OzoneMarket;
use crate::params::{OZ, Params, Profile, STOS, in_wei};
use crate::resource::room_for;
use crate::units;
use crate::{DepositRewards, Pools, StakeLocks, Stratos};

/// STOS total supply cap: 100,000,000 STOS.
pub const STOS_CAP: u128 = 100_000_000 * STOS;
/// Lock chunks one account may hold, at least (an epoch adds up to two reward chunks per owner,
/// one per source pool, and a lock of 14 days, 2016 epochs, holds 2,017 epochs' at once: 4,034).
pub const LOCK_CHUNKS_MAX: u32 = 4_096;

/// The reward-lock chunk budget of one account: two chunks for each of the
/// `reward_lock_epochs + 1` epochs whose rewards it may hold at once, at least
/// [`LOCK_CHUNKS_MAX`].
#[must_use]
pub fn reward_chunks_max(params: &Params) -> u32 {
    let two_per_epoch = params.reward_lock_epochs.saturating_add(1).saturating_mul(2);
    u32::try_from(two_per_epoch).unwrap_or(u32::MAX).max(LOCK_CHUNKS_MAX)
}

/// A STOS amount of the genesis, in wei; written in STOS (18 decimals) as a decimal string
/// (`"12.5"`) or a non-negative integer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stos(pub Amount);

/// An Ozone amount of the genesis, in noz; written in Oz (9 decimals) as [`Stos`] is in STOS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Oz(pub Amount);

/// A fraction of the genesis, in parts per million; written as a decimal of at most six places,
/// at most 1 (`"0.05"` is 50,000).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ppm(pub u32);

/// Decodes a decimal quantity ([`Qty`]: a string or an integer) and converts it with `exact`; a
/// conversion error is a decoding error carrying its message.
fn decode_qty<'de, D, T>(d: D, exact: fn(&Qty) -> Result<T, Error>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    exact(&Qty::deserialize(d)?).map_err(serde::de::Error::custom)
}

impl<'de> Deserialize<'de> for Stos {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Stos, D::Error> {
        decode_qty(d, units::stos).map(Stos)
    }
}

impl<'de> Deserialize<'de> for Oz {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Oz, D::Error> {
        decode_qty(d, units::oz).map(Oz)
    }
}

impl<'de> Deserialize<'de> for Ppm {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Ppm, D::Error> {
        decode_qty(d, units::ppm).map(Ppm)
    }
}

/// A resource node present at genesis; its account pays its deposit.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisResourceNode {
    /// Node (and account) name.
    pub name: String,
    /// Deposit.
    pub deposit: Stos,
    /// Storage offered (default 1,000,000 Oz = 1 PB).
    #[serde(default)]
    pub capacity: Option<Oz>,
}

/// A meta node present at genesis.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisMetaNode {
    /// Node (and account) name.
    pub name: String,
    /// Deposit.
    pub deposit: Stos,
}

/// A validator present at genesis, with its delegations.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisValidator {
    /// Operator account name.
    pub operator: String,
    /// Self-bond.
    pub self_bond: Stos,
    /// Commission (`"0.01"` is 1%).
    pub commission: Ppm,
    /// Delegations by delegator account name.
    #[serde(default)]
    pub delegations: BTreeMap<String, Stos>,
}

/// The genesis of a Stratos economy.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// `paper` (default) or `mainnet`.
    #[serde(default)]
    pub profile: Profile,
    /// Parameter overrides on the profile's defaults (names as in [`Params`]).
    #[serde(default)]
    pub params: Map<String, Value>,
    /// The seed the task-assignment stream comes from: the economy draws its tasks from
    /// `RngStreams::new(seed).stream(&[purpose::TASKS])`, and from nothing else, so a genesis
    /// fixes every draw of a replay or a run. All 256 bits count. Written as 64 hexadecimal
    /// digits or an integer `n`, which is `Seed::from_u64(n)` (default 0).
    #[serde(default)]
    pub seed: Seed,
    /// The initial remaining Ozone limit `L`. mainnet default: S / rate.
    #[serde(default)]
    pub ozone_limit: Option<Oz>,
    /// Initial STOS balances by account name (every node and validator account must appear,
    /// holding at least what it deposits or bonds).
    #[serde(default)]
    pub accounts: BTreeMap<String, Stos>,
    /// Resource nodes active at genesis.
    #[serde(default, deserialize_with = "ergon_core::strict_json::objects")]
    pub resource_nodes: Vec<GenesisResourceNode>,
    /// Meta nodes active at genesis.
    #[serde(default, deserialize_with = "ergon_core::strict_json::objects")]
    pub meta_nodes: Vec<GenesisMetaNode>,
    /// Validators at genesis.
    #[serde(default, deserialize_with = "ergon_core::strict_json::objects")]
    pub validators: Vec<GenesisValidator>,
}

/// Merges `overrides` into the profile's defaults; an unknown name is an error naming it.
pub fn resolve_params(
    profile: Profile,
    overrides: &Map<String, Value>,
) -> Result<Params, Rejection> {
    let mut base = serde_json::to_value(Params::for_profile(profile)).expect("params serialize");
    let obj = base.as_object_mut().expect("params are an object");
    for (k, v) in overrides {
        if k == "profile" || !obj.contains_key(k) {
            let known: Vec<&str> =
                obj.keys().filter(|k| *k != "profile").map(String::as_str).collect();
            return Err(Rejection::new(
                "invalid_parameter",
                format!("unknown parameter {k:?}; known: {}", known.join(", ")),
            ));
        }
        obj.insert(k.clone(), in_wei(k, v)?);
    }
    let p: Params = serde_json::from_value(base).map_err(|e| {
        // Named by the first override that fails on its own (serde names no field).
        let named = overrides.iter().find_map(|(k, v)| {
            let mut one = serde_json::to_value(Params::for_profile(profile)).ok()?;
            one.as_object_mut()?.insert(k.clone(), in_wei(k, v).ok()?);
            let e = serde_json::from_value::<Params>(one).err()?;
            Some(format!("parameter {k} = {v}: {e}"))
        });
        Rejection::new("invalid_parameter", named.unwrap_or_else(|| e.to_string()))
    })?;
    if p.settle_threshold_bps == 0 || p.settle_threshold_bps > 10_000 {
        return Err(Error::InvalidParameter {
            name: "settle_threshold_bps".into(),
            value: p.settle_threshold_bps.to_string(),
            reason: "must be 1 to 10000".into(),
        }
        .into());
    }
    if p.reward_lock_epochs >= ergon_core::vesting::MAX_LAG {
        return Err(Error::InvalidParameter {
            name: "reward_lock_epochs".into(),
            value: p.reward_lock_epochs.to_string(),
            reason: format!("must be at most {} epochs", ergon_core::vesting::MAX_LAG - 1),
        }
        .into());
    }
    if p.default_replicas == 0 || p.default_replicas > p.max_replicas {
        return Err(Error::InvalidParameter {
            name: "default_replicas".into(),
            value: p.default_replicas.to_string(),
            reason: format!("must be 1 to max_replicas ({})", p.max_replicas),
        }
        .into());
    }
    if p.lock_stake_rewards && p.profile == Profile::Mainnet {
        return Err(Error::InvalidParameter {
            name: "lock_stake_rewards".into(),
            value: "true".into(),
            reason: "mainnet pays the stake rewards at once (x/distribution); paper only".into(),
        }
        .into());
    }
    for (name, ppm) in [("community_tax_ppm", p.community_tax_ppm), ("kpi_min_ppm", p.kpi_min_ppm)]
    {
        if ppm > 1_000_000 {
            return Err(Error::InvalidParameter {
                name: name.into(),
                value: ppm.to_string(),
                reason: "is parts per million: at most 1000000 (100 %)".into(),
            }
            .into());
        }
    }
    if p.deposit_noz_rate == 0 {
        return Err(Error::InvalidParameter {
            name: "deposit_noz_rate".into(),
            value: "0".into(),
            reason: "must be positive".into(),
        }
        .into());
    }
    p.check_mining()?;
    Ok(p)
}

/// Builds the state: the ledger and its pools, the genesis accounts, the nodes and their
/// deposits, the Ozone market and the nodes' limits, then the validators.
pub fn build(g: Genesis) -> Result<Stratos, Rejection> {
    let mut b = Builder::new(g.profile, &g.params, g.seed)?;
    b.reserve_accounts(g.accounts.len(), 8);
    for (name, balance) in &g.accounts {
        let id = b.open(name)?;
        b.mint(id, balance.0)?;
    }
    for n in &g.resource_nodes {
        let owner = b.st.account_id(&n.name)?;
        b.resource_node(owner, n.deposit.0, n.capacity.map(|c| c.0))?;
    }
    for m in &g.meta_nodes {
        let owner = b.st.account_id(&m.name)?;
        b.meta_node(owner, m.deposit.0)?;
    }
    b.open_market(g.ozone_limit.map(|l| l.0))?;
    for v in &g.validators {
        let op = b.st.account_id(&v.operator)?;
        let delegations = (v.delegations.iter())
            .map(|(d, a)| Ok((b.st.account_id(d)?, a.0)))
            .collect::<Result<Vec<_>, StratosError>>()?;
        b.validator(op, v.self_bond.0, v.commission.0, &delegations)?;
    }
    Ok(b.finish())
}

/// A genesis built step by step, in the order [`build`] takes a [`Genesis`]: accounts with
/// their balances, resource nodes, meta nodes, the market, validators with their delegations.
/// The simulation model builds its economy this way, so that no list of every account's name
/// and balance exists beside the economy's own (docs/PERFORMANCE.md, "Memory").
///
/// Mints commute with the other steps, so they may come in any order before the market; the
/// nodes, meta nodes and validators are added in their index order.
pub struct Builder {
    st: Stratos,
    /// The deposits of the nodes and meta nodes added so far: S.
    deposits_total: Amount,
}

impl Builder {
    /// The state with the ledger, its pools and no account, under `profile` with the parameter
    /// `overrides`, its task stream from `seed`.
    pub fn new(
        profile: Profile,
        overrides: &Map<String, Value>,
        seed: Seed,
    ) -> Result<Builder, Rejection> {
        let params = resolve_params(profile, overrides)?;
        Ok(Builder { st: empty(params, seed)?, deposits_total: Amount::ZERO })
    }

    /// Reserves room for `n` more accounts of names of about `name_bytes` bytes.
    pub fn reserve_accounts(&mut self, n: usize, name_bytes: usize) {
        self.st.names.reserve(n, name_bytes);
    }

    /// Opens account `name`, with nothing in it.
    pub fn open(&mut self, name: &str) -> Result<AccountId, StratosError> {
        self.st.open(name)
    }

    /// Mints `balance` wei of STOS to `account`.
    pub fn mint(&mut self, account: AccountId, balance: Amount) -> Result<(), Rejection> {
        Ok(self.st.ledger.mint(self.st.stos, account.into(), balance)?)
    }

    /// Adds the next resource node, its `deposit` paid by `owner`, offering `capacity` (default
    /// 1,000,000 Oz = 1 PB).
    pub fn resource_node(
        &mut self,
        owner: AccountId,
        deposit: Amount,
        capacity: Option<Amount>,
    ) -> Result<(), Rejection> {
        let st = &mut self.st;
        let capacity = capacity.unwrap_or(Amount(1_000_000 * OZ));
        if st.nodes.node_of(owner).is_some() {
            let name = st.account_name(owner).to_owned();
            return Err(Error::Duplicate { kind: "resource node", name }.into());
        }
        room_for("resource nodes", st.nodes.resource_nodes().len(), st.params.max_resource_nodes)?;
        st.ledger.transfer(st.stos, owner.into(), st.pools.deposits.into(), deposit)?;
        self.deposits_total = self.deposits_total.checked_add(deposit)?;
        st.nodes.add_resource(ResourceNode::new(owner, deposit, Amount::ZERO, capacity, Epoch(0)));
        Ok(())
    }

    /// Adds the next meta node, active, its `deposit` paid by `owner`.
    pub fn meta_node(&mut self, owner: AccountId, deposit: Amount) -> Result<(), Rejection> {
        let st = &mut self.st;
        if st.nodes.meta_of(owner).is_some() {
            let name = st.account_name(owner).to_owned();
            return Err(Error::Duplicate { kind: "meta node", name }.into());
        }
        room_for("meta nodes", st.nodes.meta_nodes().len(), st.params.max_meta_nodes)?;
        st.ledger.transfer(st.stos, owner.into(), st.pools.deposits.into(), deposit)?;
        self.deposits_total = self.deposits_total.checked_add(deposit)?;
        st.nodes.add_meta(MetaNode {
            owner,
            deposit,
            limit_added: Amount::ZERO,
            activated: Epoch(0),
            status: MetaStatus::Active { kick: None, registration: None },
            rewards_total: Amount::ZERO,
        });
        Ok(())
    }

    /// Opens the Ozone market over the nodes added: S, L (`ozone_limit`, in noz; mainnet's
    /// default S / rate), each node's share of L and the owners' stakes.
    pub fn open_market(&mut self, ozone_limit: Option<Amount>) -> Result<(), Rejection> {
        open_market(&mut self.st, ozone_limit, self.deposits_total)
    }

    /// Creates a validator run by `operator`, bonding `self_bond` at `commission` parts per
    /// million, then its `delegations` (delegator, amount) in order.
    pub fn validator(
        &mut self,
        operator: AccountId,
        self_bond: Amount,
        commission: u32,
        delegations: &[(AccountId, Amount)],
    ) -> Result<(), Rejection> {
        let st = &mut self.st;
        let c = ergon_core::PerMill::from_parts(commission)?;
        let vid = st.staking.create_validator(&mut st.ledger, operator, self_bond, c, Epoch(0))?;
        for &(d, a) in delegations {
            st.staking.delegate(&mut st.ledger, d, vid, a, Epoch(0))?;
        }
        Ok(())
    }

    /// The economy built.
    #[must_use]
    pub fn finish(self) -> Stratos {
        self.st
    }
}

/// The ledger with its two tokens and the economy's pools, in the order they are created.
fn ledger_and_pools() -> Result<(Ledger, TokenId, TokenId, Pools), Rejection> {
    let stos_meta = TokenMeta::new("STOS", 18);
    let oz_meta = TokenMeta::new("OZ", 9);
    let mut ledger = Ledger::new();
    let stos = ledger.add_token(stos_meta, Amount(STOS_CAP))?;
    let ozone_token = ledger.add_token(oz_meta, Amount::MAX)?;
    let pools = Pools {
        mining: ledger.add_pool("mining_pool")?,
        volume: ledger.add_pool("volume_pool")?,
        deposits: ledger.add_pool("deposits")?,
        dust: ledger.add_pool("dust")?,
        gas: ledger.add_pool("gas_fees")?,
        community: ledger.add_pool("community_pool")?,
        deposit_rewards: ledger.add_pool("deposit_rewards")?,
        unclaimed_traffic: ledger.add_pool("unclaimed_traffic")?,
    };
    Ok((ledger, stos, ozone_token, pools))
}

/// The state before any account: the ledger and pools, the lock queues, staking and the
/// mining pool's STOS; no market yet; the task stream from `seed`.
fn empty(params: Params, seed: Seed) -> Result<Stratos, Rejection> {
    let (mut ledger, stos, ozone_token, pools) = ledger_and_pools()?;
    // The deposits' rewards of epoch e vest when epoch e + lock + 1 begins, as node rewards do.
    let deposit_rewards =
        DepositRewards::new(params.reward_lock_epochs.saturating_add(1), Epoch(0))?;
    let locked = ledger.add_pool("locked_rewards")?;
    let sources = [pools.volume, pools.mining];
    let reward_locks = RowLocks::new(stos, locked, sources, reward_chunks_max(&params))?;
    let deposit_returns =
        LockQueue::new(stos, ledger.add_pool("returning_deposits")?, LOCK_CHUNKS_MAX);
    let staking_params = StakingParams {
        unbonding_epochs: params.unbonding_epochs,
        max_unbonding_entries: 7,
        min_self_bond: Amount(1),
        max_validators: params.max_validators,
    };
    let staking = Staking::new(&mut ledger, stos, "staking", staking_params)?;
    let stake_locks =
        StakeLocks::new(&mut ledger, stos, params.lock_stake_rewards, reward_chunks_max(&params))?;
    ledger.mint(stos, pools.mining.into(), params.mining_pool)?;
    if !params.incentive_testnet.is_zero() {
        let testnet = ledger.add_pool("incentive_testnet")?;
        ledger.mint(stos, testnet.into(), params.incentive_testnet)?;
    }
    let profile = params.profile;
    Ok(Stratos {
        total_mined: params.mined_at_genesis,
        params,
        ledger,
        stos,
        ozone_token,
        pools,
        market: OzoneMarket::default(),
        epoch: Epoch(0),
        names: Names::new(),
        nodes: NodeRegistry::new(profile),
        reward_locks,
        deposit_rewards,
        deposit_returns,
        stake_locks,
        slashing: Keyed::new(),
        limit_debts: Keyed::new(),
        kept_by_node: Keyed::new(),
        empty_returns: Keyed::new(),
        staking,
        rng: RngStreams::new(seed).stream(&[purpose::TASKS]),
        stats: Stats::default(),
        report_detail: true,
        scratch: crate::epoch::Scratch::default(),
    })
}

/// The Ozone market from S (`deposits_total`) and L, the genesis nodes' shares of L, and the
/// nodes' owners' stake.
fn open_market(
    st: &mut Stratos,
    ozone_limit: Option<Amount>,
    deposits_total: Amount,
) -> Result<(), Rejection> {
    // S: the genesis deposit (paper, constant) or the effective total deposit (mainnet).
    let l = match ozone_limit {
        Some(l) => l,
        None if st.params.profile == Profile::Mainnet => {
            Amount(deposits_total.0 / st.params.deposit_noz_rate)
        }
        None => {
            return Err(Rejection::new(
                "invalid_parameter",
                "paper genesis needs \"ozone_limit\": the initial Ozone limit L, in Oz",
            ));
        }
    };
    st.market = OzoneMarket::new(deposits_total, l);
    if st.params.profile == Profile::Paper && (deposits_total.is_zero() || st.market.l().is_zero())
    {
        return Err(Rejection::new(
            "invalid_parameter",
            "paper genesis needs nodes with a deposit (S > 0) and a positive ozone_limit",
        ));
    }
    // Genesis nodes' weights: their share of L, as if each deposit added L·Z/S.
    st.nodes.genesis_limits(st.market.l(), deposits_total)?;
    let (resource, meta) = (st.nodes.resource_nodes(), st.nodes.meta_nodes());
    let owners: Vec<_> =
        resource.iter().map(|n| n.owner).chain(meta.iter().map(|m| m.owner)).collect();
    for owner in owners {
        st.sync_stake(owner)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn amounts_decode_from_decimals_in_token_units() {
        let n: GenesisResourceNode =
            serde_json::from_value(json!({"name": "r", "deposit": "12.5", "capacity": 3})).unwrap();
        assert_eq!(n.deposit, Stos(Amount(12_500_000_000_000_000_000)));
        assert_eq!(n.capacity, Some(Oz(Amount(3_000_000_000))));
        let v: GenesisValidator = serde_json::from_value(json!({
            "operator": "v", "self_bond": "1", "commission": "0.05",
            "delegations": {"d": "0.000000000000000001"},
        }))
        .unwrap();
        assert_eq!(v.self_bond, Stos(Amount(STOS)));
        assert_eq!(v.commission, Ppm(50_000));
        assert_eq!(v.delegations["d"], Stos(Amount(1)));
        let g: Genesis = serde_json::from_value(json!({"ozone_limit": "0.000000001"})).unwrap();
        assert_eq!(g.ozone_limit, Some(Oz(Amount(1))));
    }

    #[test]
    fn the_seed_is_a_whole_seed_and_an_integer_is_from_u64() {
        let tasks = |g: Value| {
            let g: Genesis = serde_json::from_value(g).unwrap();
            let seed = g.seed;
            (seed, build(g).unwrap().rng)
        };
        let expect = |seed: Seed| (seed, RngStreams::new(seed).stream(&[purpose::TASKS]));
        let mainnet = json!({"profile": "mainnet"});
        assert_eq!(tasks(mainnet.clone()), expect(Seed::from_u64(0)));
        let mut g = mainnet.clone();
        g["seed"] = json!(42);
        assert_eq!(tasks(g), expect(Seed::from_u64(42)));
        let wide = RngStreams::new(Seed::from_u64(7)).derive(&[purpose::TASKS]);
        let mut g = mainnet;
        g["seed"] = json!(wide.to_string());
        assert_eq!(tasks(g), expect(wide));
    }

    #[test]
    fn an_amount_the_token_cannot_hold_fails_decoding() {
        let cases = [
            (json!({"deposit": "0.0000000000000000001"}), "19 decimals, but STOS has only 18"),
            (json!({"deposit": "1", "capacity": "0.0000000001"}), "10 decimals, but OZ has only 9"),
            (json!({"deposit": "-1"}), "negative amounts are not allowed"),
            (json!({"deposit": 1.5}), "write the decimal as a string (\"1.5\")"),
        ];
        for (mut node, needle) in cases {
            node["name"] = json!("r");
            let e = serde_json::from_value::<GenesisResourceNode>(node).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
        let v = json!({"operator": "v", "self_bond": "1", "commission": "1.5"});
        let e = serde_json::from_value::<GenesisValidator>(v).unwrap_err().to_string();
        assert!(e.contains("ratio 1.5 is above 1 (100 %)"), "{e}");
    }
}
