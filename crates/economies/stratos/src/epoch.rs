//! The end of an epoch (seed §2, §3.3, §5): Proof-of-Traffic settlement, the traffic reward of
//! the constant product, the mining reward of the tier table, their split among resource nodes,
//! meta nodes and stake, the 14-day lock-up, gas fees, and the releases that fall due.
//!
//! paper: integer floors, every remainder to the dust pool. mainnet: the chain's `x/pot`
//! `DistributePotReward` in `LegacyDec` ([`crate::mainnet`]): planned in full before anything
//! changes, refused as a whole when the chain would refuse the volume report (the supply guard,
//! a pool that cannot pay), truncation remainders left in their pools (reported as unissued).
//!
//! Cost: O(nodes with pending traffic · log) for the settlement, O(active meta nodes + validators)
//! for the split, O(1) for the deposits' share ([`crate::deposits`]) — never O(all accounts).

use crate::error::StratosError;
use ergon_core::arith::{Rounding, mul_div};
use ergon_core::invariants::Violation;
use ergon_core::{AccountId, Amount, Dec, Emission, EmissionSchedule, PoolId};
use serde::Serialize;

use crate::Stratos;
use crate::mainnet::{self, NodeReward};
use crate::nodes::{MetaIndex, NodeIndex, NodeStatus};
use crate::params::Profile;
use crate::units::{fmt_oz, fmt_stos, ser_opt_stos, ser_oz, ser_stos};

/// Figures of the last epoch, kept for metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// The last epoch's report.
    pub last: Option<EpochReport>,
}

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

/// The settled prefix: indices into `pending` (sorted by traffic descending, node id ascending)
/// of the shortest prefix whose traffic reaches `threshold_bps` of the total.
#[must_use]
pub fn settled_prefix(pending: &[(u32, u128)], threshold_bps: u32) -> usize {
    let total: u128 = pending.iter().map(|p| p.1).sum();
    let goal = total.saturating_mul(u128::from(threshold_bps));
    let mut cum = 0u128;
    for (k, p) in pending.iter().enumerate() {
        cum += p.1;
        // cum / total ≥ threshold / 10_000, in integers (exact below 3.4·10^34 noz).
        if cum.saturating_mul(10_000) >= goal {
            return k + 1;
        }
    }
    pending.len()
}

/// One reward source (volume pool or mining pool) and the three shares of it.
struct Source {
    pool: PoolId,
    resource: Amount,
    meta: Amount,
    chain: Amount,
}

fn split(pool: PoolId, amount: Amount, bps: &[u32]) -> Source {
    let part =
        |b: u32| Amount(mul_div(amount.0, u128::from(b), 10_000, Rounding::Down).unwrap_or(0));
    let resource = part(bps[0]);
    let meta = part(bps[1]);
    Source { pool, resource, meta, chain: amount.saturating_sub(resource).saturating_sub(meta) }
}

/// Working memory of the epoch's reward split, kept between epochs so that merging the locks
/// costs O(entries), not O(accounts): `slot[account]` is the account's row in the merge, or
/// `u32::MAX`. Every slot is `u32::MAX` between epochs. Not part of the state: clones start
/// empty and every two are equal.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    slot: Vec<u32>,
}

impl Clone for Scratch {
    fn clone(&self) -> Scratch {
        Scratch::default()
    }
}

impl PartialEq for Scratch {
    fn eq(&self, _: &Scratch) -> bool {
        true
    }
}

impl Eq for Scratch {}

/// The epoch's rewards to lock, summed by (owner, source) and sorted by owner then source index,
/// as [`ergon_core::LockQueue::lock_batch`] takes them. O(entries + owners·log owners).
fn merge_locks(
    to_lock: &[(usize, AccountId, Amount)],
    pools: &[PoolId; 2],
    scratch: &mut Scratch,
) -> Result<Vec<(AccountId, PoolId, Amount)>, StratosError> {
    let mut sums: Vec<(AccountId, [Amount; 2])> = Vec::new();
    let mut result = Ok(());
    for &(si, owner, a) in to_lock {
        let i = owner.0 as usize;
        if scratch.slot.len() <= i {
            scratch.slot.resize(i + 1, u32::MAX);
        }
        let s = &mut scratch.slot[i];
        if *s == u32::MAX {
            *s = sums.len() as u32;
            sums.push((owner, [Amount::ZERO; 2]));
        }
        let sum = &mut sums[*s as usize].1[si];
        match sum.checked_add(a) {
            Ok(v) => *sum = v,
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    for (owner, _) in &sums {
        scratch.slot[owner.0 as usize] = u32::MAX;
    }
    result?;
    sums.sort_unstable_by_key(|e| e.0);
    let mut out = Vec::with_capacity(2 * sums.len());
    for (owner, by_source) in sums {
        for (si, a) in by_source.into_iter().enumerate() {
            if !a.is_zero() {
                out.push((owner, pools[si], a));
            }
        }
    }
    Ok(out)
}

/// Closes the epoch.
pub fn end_epoch(st: &mut Stratos) -> Result<EpochReport, Violation> {
    let cp = st.ledger.checkpoint();
    match close(st) {
        Ok(r) => {
            st.ledger.commit(cp);
            st.stats.last = Some(r.clone());
            Ok(r)
        }
        Err(e) => {
            st.ledger.revert(cp);
            Err(Violation::new("stratos epoch", e.to_string()))
        }
    }
}

fn close(st: &mut Stratos) -> Result<EpochReport, StratosError> {
    let mut rep = EpochReport { epoch: st.epoch.0, ..EpochReport::default() };
    let stos = st.stos;
    let lock_until = st.epoch.plus(st.params.reward_lock_epochs);
    let mut dust = Amount::ZERO;
    let mut community_tax = Amount::ZERO;
    let mut unissued = Amount::ZERO;

    // 1. Settlement: the shortest prefix reaching the threshold, by traffic then node id.
    let mut pending: Vec<(u32, u128)> =
        st.with_traffic.iter().map(|&i| (i, st.resource[i as usize].pending_traffic.0)).collect();
    pending.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let total: u128 = pending.iter().map(|p| p.1).sum();
    let k = if total == 0 { 0 } else { settled_prefix(&pending, st.params.settle_threshold_bps) };
    // mainnet: the whole distribution is planned before anything changes, since the chain
    // refuses a volume report as a whole (nothing settled, nothing paid); the report says why.
    let plan = match st.params.profile {
        Profile::Mainnet => Some(plan_mainnet(st, &pending[..k])?),
        Profile::Paper => None,
    };
    let k = match &plan {
        Some(Err(reason)) => {
            rep.refused = Some(reason.clone());
            0
        }
        _ => k,
    };
    let settled = &pending[..k];
    let y = Amount(settled.iter().map(|p| p.1).sum());
    rep.pending = Amount(total);
    rep.settled = y;
    rep.carried = Amount(total - y.0);
    rep.settled_count = k;
    for &(i, t) in settled {
        let n = &mut st.resource.rows_mut()[i as usize];
        n.pending_traffic = Amount::ZERO;
        n.settled_total = n.settled_total.checked_add(Amount(t))?;
        if st.report_detail {
            rep.settled_nodes.push(st.node_name(NodeIndex(i)).to_owned());
        }
    }
    let mut carried: Vec<u32> = pending[k..].iter().map(|p| p.0).collect();
    carried.sort_unstable();
    st.with_traffic.replace(carried);
    if let Some(plan) = plan {
        let totals = match plan {
            Ok(plan) => pay_mainnet(st, &mut rep, plan, lock_until)?,
            Err(_) => {
                rep.tier = mainnet_mining(st)?.1;
                Totals { delegated: st.staking.total_voting_power(), ..Totals::default() }
            }
        };
        return finish(st, rep, totals);
    }

    // 2. Traffic reward R (from the volume pool) and mining reward M (from the mining pool).
    let p = st.volume_pool();
    let r = st.market.traffic_reward(p, y)?.min(p);
    st.market.apply_settlement(y)?;
    let (m, tier, bps) = match st.params.mining.emission(st.epoch.0, st.total_mined) {
        Emission::Reward { amount, tier, split } => {
            let pool = st.ledger.balance(stos, st.pools.mining.into())?;
            (amount.min(pool), Some(tier), split.to_vec())
        }
        Emission::Ended => (Amount::ZERO, None, st.last_split()),
    };
    rep.traffic_reward = r;
    rep.mining_reward = m;
    rep.tier = tier;
    let sources = [split(st.pools.volume, r, &bps), split(st.pools.mining, m, &bps)];
    // Node rewards to lock, by (source, owner), locked once all shares are known.
    let mut to_lock: Vec<(usize, AccountId, Amount)> = Vec::new();
    let mut issued_m = m;

    // 3. Resource nodes: pro rata to settled traffic; locked.
    let mut node_rewards: Vec<Amount> = vec![Amount::ZERO; settled.len()];
    for (si, src) in sources.iter().enumerate() {
        if y.is_zero() {
            unissued = unissued.checked_add(src.resource)?;
            if si == 1 {
                issued_m = issued_m.saturating_sub(src.resource);
            }
            continue;
        }
        let mut paid = Amount::ZERO;
        for (j, &(i, t)) in settled.iter().enumerate() {
            let mut share = Amount(mul_div(src.resource.0, t, y.0, Rounding::Down)?);
            paid = paid.checked_add(share)?;
            if si == 0 && st.params.community_tax_ppm > 0 {
                let tax = Amount(mul_div(
                    share.0,
                    u128::from(st.params.community_tax_ppm),
                    1_000_000,
                    Rounding::Down,
                )?);
                st.ledger.transfer(stos, src.pool.into(), st.pools.community.into(), tax)?;
                share = share.checked_sub(tax)?;
                community_tax = community_tax.checked_add(tax)?;
            }
            let owner = st.resource[i as usize].owner;
            to_lock.push((si, owner, share));
            node_rewards[j] = node_rewards[j].checked_add(share)?;
        }
        let rem = src.resource.checked_sub(paid)?;
        st.ledger.transfer(stos, src.pool.into(), st.pools.dust.into(), rem)?;
        dust = dust.checked_add(rem)?;
    }
    for (j, &(i, _)) in settled.iter().enumerate() {
        let n = &mut st.resource.rows_mut()[i as usize];
        n.rewards_total = n.rewards_total.checked_add(node_rewards[j])?;
        rep.resource_total = rep.resource_total.checked_add(node_rewards[j])?;
        if st.report_detail {
            rep.resource_rewards
                .push((st.node_name(NodeIndex(i)).to_owned(), fmt_stos(node_rewards[j])));
        }
    }

    // 4. Meta nodes: equal shares; locked.
    let metas: Vec<u32> =
        (0..st.meta.len() as u32).filter(|&i| st.meta[i as usize].is_active()).collect();
    let mut meta_rewards = vec![Amount::ZERO; metas.len()];
    for (si, src) in sources.iter().enumerate() {
        if metas.is_empty() {
            unissued = unissued.checked_add(src.meta)?;
            if si == 1 {
                issued_m = issued_m.saturating_sub(src.meta);
            }
            continue;
        }
        let each = Amount(src.meta.0 / metas.len() as u128);
        for (j, &i) in metas.iter().enumerate() {
            let owner = st.meta[i as usize].owner;
            to_lock.push((si, owner, each));
            meta_rewards[j] = meta_rewards[j].checked_add(each)?;
        }
        let rem = Amount(src.meta.0 % metas.len() as u128);
        st.ledger.transfer(stos, src.pool.into(), st.pools.dust.into(), rem)?;
        dust = dust.checked_add(rem)?;
    }
    for (j, &i) in metas.iter().enumerate() {
        let m = &mut st.meta.rows_mut()[i as usize];
        m.rewards_total = m.rewards_total.checked_add(meta_rewards[j])?;
        rep.meta_total = rep.meta_total.checked_add(meta_rewards[j])?;
        if st.report_detail {
            rep.meta_rewards
                .push((st.meta_name(MetaIndex(i)).to_owned(), fmt_stos(meta_rewards[j])));
        }
    }

    // 5. Stake rewards: validators and delegators, and (paper) node deposits.
    let mut to_validators = Amount::ZERO;
    let mut to_deposits = Amount::ZERO;
    let deposit_total = st.staked_deposits();
    let delegated = st.staking.total_voting_power();
    for (si, src) in sources.iter().enumerate() {
        let share_deposits = st.params.deposits_share_stake_rewards && !deposit_total.is_zero();
        let (v_part, d_part) = if !share_deposits {
            (src.chain, Amount::ZERO)
        } else {
            let v = Amount(mul_div(
                src.chain.0,
                delegated.0,
                delegated.0 + deposit_total.0,
                Rounding::Down,
            )?);
            (v, src.chain.checked_sub(v)?)
        };
        if delegated.is_zero() {
            unissued = unissued.checked_add(v_part)?;
            if si == 1 {
                issued_m = issued_m.saturating_sub(v_part);
            }
        } else {
            let parts = st.staking.distribute_by_power(
                &mut st.ledger,
                src.pool.into(),
                v_part,
                st.pools.dust.into(),
            )?;
            let got: u128 = parts.iter().map(|p| p.1.0).sum();
            to_validators = to_validators.checked_add(Amount(got))?;
            dust = dust.checked_add(Amount(v_part.0 - got))?;
        }
        // The deposits' part accrues by index, O(1) ([`crate::deposits`]).
        to_deposits = to_deposits.checked_add(st.distribute_to_deposits(si, d_part)?)?;
    }
    rep.validator_rewards = to_validators;
    rep.deposit_rewards = to_deposits;
    // The epoch's node rewards lock as one chunk per owner and source: an owner that is paid
    // as a resource node and a meta node in the same epoch still adds at most two chunks
    // (volume pool, mining pool), so 14 days of rewards fit its chunk budget.
    let pools = [sources[0].pool, sources[1].pool];
    let locks = merge_locks(&to_lock, &pools, &mut st.scratch)?;
    st.reward_locks.lock_batch(&mut st.ledger, lock_until, &locks)?;

    finish(st, rep, Totals { dust, community_tax, unissued, mined: issued_m, delegated })
}

/// What the reward steps of an epoch leave for [`finish`].
#[derive(Default)]
struct Totals {
    /// Rounding remainders moved to the dust pool so far.
    dust: Amount,
    /// Community tax paid.
    community_tax: Amount,
    /// Rewards left in their pools.
    unissued: Amount,
    /// Mining rewards issued (counted as mined).
    mined: Amount,
    /// Total voting power of the validators.
    delegated: Amount,
}

/// Steps 6 and 7 of both profiles: gas fees, the totals of the report, then time moves on.
fn finish(st: &mut Stratos, mut rep: EpochReport, t: Totals) -> Result<EpochReport, StratosError> {
    let stos = st.stos;
    let Totals { mut dust, community_tax, unissued, mined: issued_m, delegated } = t;
    // 6. Gas fees: validators and delegators only.
    let gas = st.ledger.balance(stos, st.pools.gas.into())?;
    if !gas.is_zero() && !delegated.is_zero() {
        let parts = st.staking.distribute_by_power(
            &mut st.ledger,
            st.pools.gas.into(),
            gas,
            st.pools.dust.into(),
        )?;
        let got: u128 = parts.iter().map(|p| p.1.0).sum();
        dust = dust.checked_add(Amount(gas.0 - got))?;
        rep.gas_fees = Amount(got);
    }
    st.total_mined = st.total_mined.checked_add(issued_m)?;
    rep.community_tax = community_tax;
    rep.dust = dust;
    rep.unissued = unissued;

    // 7. Time moves on: meta votes expire, locks and deposits fall due, unbonding completes.
    for v in &mut st.deposit_rewards {
        v.close_epoch();
    }
    st.epoch = st.epoch.plus(1);
    st.expire_votes()?;
    let released = st.reward_locks.release_due(&mut st.ledger, st.epoch)?;
    rep.rewards_released = Amount(released.iter().map(|r| r.amount.0).sum());
    let returned = st.deposit_returns.release_due(&mut st.ledger, st.epoch)?;
    rep.deposits_returned = Amount(returned.iter().map(|r| r.amount.0).sum());
    // mainnet: slashing is taken from rewards as they mature, then from returned deposits.
    let slashed = st.deduct_slashing(&released)?;
    rep.slashing_deducted = slashed.checked_add(st.deduct_slashing(&returned)?)?;
    // The resource node whose deposit this is: its owner's, due now (the same account may also
    // have been a meta node, whose deposit returns on its own date).
    let now = st.epoch;
    let due = |s: NodeStatus| match s {
        NodeStatus::Unregistering { deposit_returns, .. } => deposit_returns <= now,
        _ => false,
    };
    for r in &returned {
        if let Some(n) =
            st.resource.rows_mut().iter_mut().find(|n| n.owner == r.owner && due(n.status))
        {
            n.status = NodeStatus::Exited;
        }
    }
    st.staking.complete_unbonding(&mut st.ledger, st.epoch)?;
    rep.price = st.market.price_wei_per_oz(st.volume_pool());
    Ok(rep)
}

/// A mainnet epoch's distribution, computed before anything changes: the chain's
/// `x/pot` `Keeper.DistributePotReward` in its order (see [`crate::mainnet`]).
struct MainnetPlan {
    /// Settled traffic Y, noz.
    y: Amount,
    /// Traffic reward R, unrounded.
    r: Dec,
    /// Mining reward M of the tier (the tier's whole reward; at most the mining pool).
    m: Amount,
    /// Mining tier, or None after the end of issuance.
    tier: Option<usize>,
    /// Tier parts of R (each truncated).
    traffic: mainnet::Parts,
    /// Tier parts of M (each truncated).
    mining: mainnet::Parts,
    /// Each settled resource node's reward.
    nodes: Vec<(u32, NodeReward)>,
    /// The active meta nodes and the reward of each.
    metas: Vec<u32>,
    meta: NodeReward,
    /// Community tax paid: `TruncateInt(Σ tax)` over every node.
    tax: Amount,
    /// Whether validators are bonded (the stake parts are paid).
    validators: bool,
    /// What leaves the volume pool and the mining pool.
    paid_p: Amount,
    paid_m: Amount,
}

/// mainnet: the mining reward of the tier by the total mined, the tier and its split. The chain
/// pays the tier's reward whole (`x/pot` `GetMiningRewardParamByMinedToken`: no clamp to the
/// table's end); here at most what the mining pool holds. After the end: nothing, with the last
/// tier's split for the traffic reward (the chain's `ErrOutOfIssuance` case).
fn mainnet_mining(st: &Stratos) -> Result<(Amount, Option<usize>, Vec<u32>), StratosError> {
    match st.params.mining.emission(st.epoch.0, st.total_mined) {
        Emission::Reward { amount, tier, split } => {
            let whole = match &st.params.mining {
                EmissionSchedule::Table { tiers, .. } => {
                    tiers.get(tier).map_or(amount, |t| t.reward)
                }
                EmissionSchedule::Geometric { .. } => amount,
            };
            let pool = st.ledger.balance(st.stos, st.pools.mining.into())?;
            Ok((whole.min(pool), Some(tier), split.to_vec()))
        }
        Emission::Ended => Ok((Amount::ZERO, None, st.last_split())),
    }
}

/// Plans a mainnet epoch that settles `settled` (node, traffic): Ok(Err(reason)) when the chain
/// would refuse the volume report — the supply guard, or a pool that cannot pay.
fn plan_mainnet(
    st: &Stratos,
    settled: &[(u32, u128)],
) -> Result<Result<MainnetPlan, String>, StratosError> {
    let rate = mainnet::deposit_rate(st.params.deposit_noz_rate);
    let y = Amount(settled.iter().map(|p| p.1).sum());
    let (s, l) = (st.market.s(), st.market.l());
    if mainnet::exceeds_noz_supply(s, l, y, rate)? {
        return Ok(Err(format!(
            "remaining + consumed Ozone exceeds the total: L {} + Y {} > ⌊S / rate⌋ = {} Oz",
            fmt_oz(l),
            fmt_oz(y),
            fmt_oz(mainnet::noz_supply(s, rate)?)
        )));
    }
    let p = st.volume_pool();
    let r = mainnet::traffic_reward(s, p, l, y)?;
    let (m, tier, bps) = mainnet_mining(st)?;
    let traffic = mainnet::split(r, &bps)?;
    let mining = mainnet::split(Dec::from_amount(m), &bps)?;
    let tax_rate = mainnet::ppm(st.params.community_tax_ppm);
    let (mut tax, mut paid_p, mut paid_m) = (Dec::ZERO, Amount::ZERO, Amount::ZERO);
    let mut nodes = Vec::with_capacity(settled.len());
    if !y.is_zero() {
        for &(i, vol) in settled {
            let n = mainnet::resource_node_reward(
                mining.resource,
                traffic.resource,
                Amount(vol),
                y,
                tax_rate,
            )?;
            tax = tax.checked_add(n.tax)?;
            paid_p = paid_p.checked_add(n.traffic)?;
            paid_m = paid_m.checked_add(n.mining)?;
            nodes.push((i, n));
        }
    }
    let metas: Vec<u32> =
        (0..st.meta.len() as u32).filter(|&i| st.meta[i as usize].is_active()).collect();
    let mut meta = NodeReward::default();
    if !metas.is_empty() {
        meta = mainnet::meta_node_reward(mining.meta, traffic.meta, metas.len() as u128, tax_rate)?;
        for _ in &metas {
            tax = tax.checked_add(meta.tax)?;
            paid_p = paid_p.checked_add(meta.traffic)?;
            paid_m = paid_m.checked_add(meta.mining)?;
        }
    }
    let tax = Amount(tax.truncate_int()?);
    paid_p = paid_p.checked_add(tax)?;
    let validators = !st.staking.total_voting_power().is_zero();
    if validators {
        paid_p = paid_p.checked_add(traffic.stake)?;
        paid_m = paid_m.checked_add(mining.stake)?;
    }
    let pool = st.ledger.balance(st.stos, st.pools.mining.into())?;
    for (what, paid, holds) in [("volume pool P", paid_p, p), ("mining pool", paid_m, pool)] {
        if paid > holds {
            return Ok(Err(format!(
                "the {what} holds {} STOS and would pay {} STOS",
                fmt_stos(holds),
                fmt_stos(paid)
            )));
        }
    }
    Ok(Ok(MainnetPlan {
        y,
        r,
        m,
        tier,
        traffic,
        mining,
        nodes,
        metas,
        meta,
        tax,
        validators,
        paid_p,
        paid_m,
    }))
}

/// Pays a planned mainnet epoch (steps 2 to 5): L += Y; node rewards locked by source; the
/// community tax; the stake parts to validators and delegators. The truncation remainders stay
/// in their pools (reported as unissued, not as dust), like the parts without a recipient.
fn pay_mainnet(
    st: &mut Stratos,
    rep: &mut EpochReport,
    plan: MainnetPlan,
    lock_until: ergon_core::Epoch,
) -> Result<Totals, StratosError> {
    let (volume, mining_pool) = (st.pools.volume, st.pools.mining);
    st.market.apply_settlement(plan.y)?;
    rep.tier = plan.tier;
    let mut to_lock: Vec<(usize, AccountId, Amount)> = Vec::new();
    for &(i, n) in &plan.nodes {
        let node = &mut st.resource.rows_mut()[i as usize];
        to_lock.push((0, node.owner, n.traffic));
        to_lock.push((1, node.owner, n.mining));
        let got = n.traffic.checked_add(n.mining)?;
        node.rewards_total = node.rewards_total.checked_add(got)?;
        rep.resource_total = rep.resource_total.checked_add(got)?;
        if st.report_detail {
            rep.resource_rewards.push((st.node_name(NodeIndex(i)).to_owned(), fmt_stos(got)));
        }
    }
    for &i in &plan.metas {
        let m = &mut st.meta.rows_mut()[i as usize];
        to_lock.push((0, m.owner, plan.meta.traffic));
        to_lock.push((1, m.owner, plan.meta.mining));
        let got = plan.meta.traffic.checked_add(plan.meta.mining)?;
        m.rewards_total = m.rewards_total.checked_add(got)?;
        rep.meta_total = rep.meta_total.checked_add(got)?;
        if st.report_detail {
            rep.meta_rewards.push((st.meta_name(MetaIndex(i)).to_owned(), fmt_stos(got)));
        }
    }
    st.ledger.transfer(st.stos, volume.into(), st.pools.community.into(), plan.tax)?;
    let mut dust = Amount::ZERO;
    if plan.validators {
        for (pool, amount) in [(volume, plan.traffic.stake), (mining_pool, plan.mining.stake)] {
            let parts = st.staking.distribute_by_power(
                &mut st.ledger,
                pool.into(),
                amount,
                st.pools.dust.into(),
            )?;
            let got = Amount(parts.iter().map(|p| p.1.0).sum());
            rep.validator_rewards = rep.validator_rewards.checked_add(got)?;
            dust = dust.checked_add(amount.checked_sub(got)?)?;
        }
    }
    let locks = merge_locks(&to_lock, &[volume, mining_pool], &mut st.scratch)?;
    st.reward_locks.lock_batch(&mut st.ledger, lock_until, &locks)?;
    // The parts with no recipient stay in their pools, and so does every truncation remainder.
    // R and M are reported as ⌊R⌋ and M, or as what was paid when the rounded shares paid more.
    let unpaid = |parts: mainnet::Parts| -> Result<Amount, StratosError> {
        let mut a = Amount::ZERO;
        if plan.y.is_zero() {
            a = a.checked_add(parts.resource)?;
        }
        if plan.metas.is_empty() {
            a = a.checked_add(parts.meta)?;
        }
        if !plan.validators {
            a = a.checked_add(parts.stake)?;
        }
        Ok(a)
    };
    let r = Amount(plan.r.truncate_int()?).max(plan.paid_p.checked_add(unpaid(plan.traffic)?)?);
    let m = plan.m.max(plan.paid_m.checked_add(unpaid(plan.mining)?)?);
    rep.traffic_reward = r;
    rep.mining_reward = m;
    let unissued = r.checked_sub(plan.paid_p)?.checked_add(m.checked_sub(plan.paid_m)?)?;
    Ok(Totals {
        dust,
        community_tax: plan.tax,
        unissued,
        mined: plan.paid_m,
        delegated: st.staking.total_voting_power(),
    })
}

impl Stratos {
    fn last_split(&self) -> Vec<u32> {
        match &self.params.mining {
            ergon_core::EmissionSchedule::Table { tiers, .. } => {
                tiers.last().map(|t| t.split.clone()).unwrap_or_else(|| vec![6000, 2000, 2000])
            }
            ergon_core::EmissionSchedule::Geometric { split, .. } => split.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_settlement_prefix() {
        // Seed §3.3: 500, 300, 200, 80, 20 GB → 80% of 1100 = 880 → the first three settle.
        let p = [(0, 500), (1, 300), (2, 200), (3, 80), (4, 20)];
        assert_eq!(settled_prefix(&p, 8_000), 3);
        assert_eq!(settled_prefix(&p, 10_000), 5);
        assert_eq!(settled_prefix(&p, 4_545), 1); // 500 ≥ 45.45% of 1100 = 499.95
        assert_eq!(settled_prefix(&p, 4_546), 2);
    }
}
