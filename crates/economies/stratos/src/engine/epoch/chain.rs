//! mainnet's payout: the chain's `x/pot` `Keeper.DistributePotReward` in `LegacyDec`
//! ([`crate::mainnet`]), planned in full before anything changes and refused as a whole when
//! the chain would refuse the volume report (the supply guard, a pool that cannot pay);
//! truncation remainders stay in their pools (reported as unissued).

use ergon_core::{Amount, Dec, Emission, EmissionSchedule};

use super::locking::Scratch;
use super::{EpochReport, Totals, split3};
use crate::Stratos;
use crate::error::StratosError;
use crate::mainnet::{self, NodeReward};
use crate::nodes::{MetaIndex, NodeIndex};
use crate::units::{fmt_oz, fmt_stos};

/// A mainnet epoch's distribution, computed before anything changes: the chain's
/// `x/pot` `Keeper.DistributePotReward` in its order (see [`crate::mainnet`]).
pub(super) struct MainnetPlan {
    /// Settled traffic Y, noz.
    y: Amount,
    /// Traffic reward R, unrounded.
    r: Dec,
    /// Mining reward M of the tier (the tier's whole reward, whatever the mining pool holds).
    m: Amount,
    /// Mining tier, or None after the end of issuance.
    tier: Option<usize>,
    /// Tier parts of R (each truncated).
    traffic: mainnet::Parts,
    /// Tier parts of M (each truncated).
    mining: mainnet::Parts,
    /// Active meta nodes (listed in [`Scratch::metas`]; each settled resource node's reward
    /// in [`Scratch::plan_nodes`]) and the reward of each.
    meta_count: usize,
    meta: NodeReward,
    /// Community tax paid: `TruncateInt(Σ tax)` over every node.
    tax: Amount,
    /// Whether validators are bonded (the stake parts go to them; else to the community pool).
    validators: bool,
    /// What leaves the volume pool and the mining pool.
    paid_p: Amount,
    paid_m: Amount,
}

/// mainnet: the mining reward of the tier by the total mined, the tier and its split. The chain
/// splits the tier's reward whole (`x/pot` `GetMiningRewardParamByMinedToken`: no clamp to the
/// table's end, nor to what the mining pool holds: `transferTokensForDistribution` takes only
/// what is paid, and a report whose payments exceed the pool fails, [`pools_guard`]). After
/// the end: nothing, with the last
/// tier's split (`GetMiningRewardParamByMinedToken` returns the last tier with
/// `ErrOutOfIssuance`, which `CalcTrafficRewardInTotal` uses for the traffic reward's parts and
/// on which `CalcMiningRewardInTotal` adds no mining part).
pub(super) fn mainnet_mining(
    st: &Stratos,
) -> Result<(Amount, Option<usize>, [u32; 3]), StratosError> {
    match st.params.mining.emission(st.epoch.0, st.total_mined) {
        Emission::Reward { amount, tier, split } => {
            let whole = match &st.params.mining {
                EmissionSchedule::Table { tiers, .. } => {
                    tiers.get(tier).map_or(amount, |t| t.reward)
                }
                EmissionSchedule::Geometric { .. } => amount,
            };
            Ok((whole, Some(tier), split3(split)))
        }
        Emission::Ended => Ok((Amount::ZERO, None, st.last_split())),
    }
}

/// Plans a mainnet epoch that settles `settled` (node, traffic): Ok(Err(reason)) when the chain
/// would refuse the volume report — the supply guard, or a pool that cannot pay.
pub(super) fn plan_mainnet(
    st: &Stratos,
    settled: &[(u32, u128)],
    scratch: &mut Scratch,
) -> Result<Result<MainnetPlan, String>, StratosError> {
    let y = Amount(settled.iter().map(|p| p.1).sum());
    // The chain refuses a volume report without traffic: an empty one in `ValidateBasic`
    // (`ErrEmptyWalletVolumes`), an all-zero one by its division 0/0 in
    // `CalcRewardForResourceNode`.
    if y.is_zero() {
        return Ok(Err("a volume report without traffic".to_owned()));
    }
    if let Some(reason) = supply_guard(st, y)? {
        return Ok(Err(reason));
    }
    // Past the end of issuance the chain's distribution goes on (`x/pot`
    // `DistributePotReward` lets `ErrOutOfIssuance` through): the traffic reward is split by
    // the last tier, and nothing is mined ([`mainnet_mining`]).
    let p = st.volume_pool();
    let r = mainnet::traffic_reward(st.market.s(), p, st.market.l(), y)?;
    let (m, tier, bps) = mainnet_mining(st)?;
    let traffic = mainnet::split(r, &bps)?;
    let mining = mainnet::split(Dec::from_amount(m), &bps)?;
    let tax_rate = mainnet::ppm(st.params.community_tax_ppm);
    let mut paid = Paid { tax: Dec::ZERO, p: Amount::ZERO, m: Amount::ZERO };
    let nodes = &mut scratch.plan_nodes;
    resource_rewards(settled, y, &traffic, &mining, tax_rate, &mut paid, nodes)?;
    let meta = meta_rewards(st, &traffic, &mining, tax_rate, &mut paid, &mut scratch.metas)?;
    let meta_count = scratch.metas.len();
    let tax = Amount(paid.tax.truncate_int()?);
    // The stake parts always leave their pools (`transferTokensForDistribution`: to the fee
    // collector), to the validators or, with none bonded, to the community pool.
    let paid_p = paid.p.checked_add(tax)?.checked_add(traffic.stake)?;
    let paid_m = paid.m.checked_add(mining.stake)?;
    let validators = !st.staking.total_voting_power().is_zero();
    if let Some(reason) = pools_guard(st, p, paid_p, paid_m)? {
        return Ok(Err(reason));
    }
    Ok(Ok(MainnetPlan {
        y,
        r,
        m,
        tier,
        traffic,
        mining,
        meta_count,
        meta,
        tax,
        validators,
        paid_p,
        paid_m,
    }))
}

/// What a plan pays so far: the community tax (unrounded) and what leaves the volume pool and
/// the mining pool.
struct Paid {
    tax: Dec,
    p: Amount,
    m: Amount,
}

impl Paid {
    /// Adds a node's reward: its tax, its traffic part (from P) and its mining part.
    fn add(&mut self, n: &NodeReward) -> Result<(), StratosError> {
        self.tax = self.tax.checked_add(n.tax)?;
        self.p = self.p.checked_add(n.traffic)?;
        self.m = self.m.checked_add(n.mining)?;
        Ok(())
    }
}

/// Each settled resource node's reward, into `nodes`: its share of the tier parts of R and M by
/// its traffic of the `y` settled, taxed; none when nothing was settled.
fn resource_rewards(
    settled: &[(u32, u128)],
    y: Amount,
    traffic: &mainnet::Parts,
    mining: &mainnet::Parts,
    tax_rate: Dec,
    paid: &mut Paid,
    nodes: &mut Vec<(u32, NodeReward)>,
) -> Result<(), StratosError> {
    nodes.clear();
    if !y.is_zero() {
        for &(i, vol) in settled {
            let n = mainnet::resource_node_reward(
                mining.resource,
                traffic.resource,
                Amount(vol),
                y,
                tax_rate,
            )?;
            paid.add(&n)?;
            nodes.push((i, n));
        }
    }
    Ok(())
}

/// The active meta nodes, into `metas`, and the reward of each: equal shares of the tier parts,
/// taxed.
fn meta_rewards(
    st: &Stratos,
    traffic: &mainnet::Parts,
    mining: &mainnet::Parts,
    tax_rate: Dec,
    paid: &mut Paid,
    metas: &mut Vec<MetaIndex>,
) -> Result<NodeReward, StratosError> {
    metas.clear();
    metas.extend(st.nodes.active_meta());
    let mut meta = NodeReward::default();
    if !metas.is_empty() {
        meta = mainnet::meta_node_reward(mining.meta, traffic.meta, metas.len() as u128, tax_rate)?;
        for _ in metas.iter() {
            paid.add(&meta)?;
        }
    }
    Ok(meta)
}

/// The supply guard: why the chain refuses to settle `y` noz, when L + Y exceeds ⌊S / rate⌋.
fn supply_guard(st: &Stratos, y: Amount) -> Result<Option<String>, StratosError> {
    let rate = mainnet::deposit_rate(st.params.deposit_noz_rate);
    let (s, l) = (st.market.s(), st.market.l());
    if !mainnet::exceeds_noz_supply(s, l, y, rate)? {
        return Ok(None);
    }
    Ok(Some(format!(
        "remaining + consumed Ozone exceeds the total: L {} + Y {} > ⌊S / rate⌋ = {} Oz",
        fmt_oz(l),
        fmt_oz(y),
        fmt_oz(mainnet::noz_supply(s, rate)?)
    )))
}

/// Why the chain refuses a plan paying `paid_p` out of the volume pool (holding `p`) and
/// `paid_m` out of the mining pool, when either holds less.
fn pools_guard(
    st: &Stratos,
    p: Amount,
    paid_p: Amount,
    paid_m: Amount,
) -> Result<Option<String>, StratosError> {
    let pool = st.ledger.balance(st.stos, st.pools.mining.into())?;
    for (what, paid, holds) in [("volume pool P", paid_p, p), ("mining pool", paid_m, pool)] {
        if paid > holds {
            return Ok(Some(format!(
                "the {what} holds {} STOS and would pay {} STOS",
                fmt_stos(holds),
                fmt_stos(paid)
            )));
        }
    }
    Ok(None)
}

/// Pays a planned mainnet epoch (steps 2 to 5): L += Y; node rewards locked by source; the
/// community tax; the stake parts to validators and delegators. The truncation remainders stay
/// in their pools (reported as unissued, not as dust), like the parts without a recipient.
pub(super) fn pay_mainnet(
    st: &mut Stratos,
    rep: &mut EpochReport,
    plan: MainnetPlan,
    lock_until: ergon_core::Epoch,
    scratch: &mut Scratch,
) -> Result<Totals, StratosError> {
    let volume = st.pools.volume;
    st.market.apply_settlement(plan.y)?;
    rep.tier = plan.tier;
    scratch.locks.clear();
    node_rewards(st, rep, &plan, scratch)?;
    let locks = &mut scratch.locks;
    st.ledger.transfer(st.stos, volume.into(), st.pools.community.into(), plan.tax)?;
    let dust = pay_stake(st, rep, &plan)?;
    st.reward_locks.lock_distinct_rows(&mut st.ledger, lock_until, locks.rows())?;
    let (r, m) = reported_rewards(&plan)?;
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

/// Credits the planned rewards of the settled resource nodes and the active meta nodes, and
/// reports them; adds the amounts to lock to the scratch's locks (by source: 0 traffic, 1
/// mining).
fn node_rewards(
    st: &mut Stratos,
    rep: &mut EpochReport,
    plan: &MainnetPlan,
    scratch: &mut Scratch,
) -> Result<(), StratosError> {
    let Scratch { plan_nodes, metas, locks, .. } = scratch;
    for &(i, n) in plan_nodes.iter() {
        let owner = st.nodes.resource(NodeIndex(i)).owner;
        locks.add(0, owner, n.traffic)?;
        locks.add(1, owner, n.mining)?;
        let got = n.traffic.checked_add(n.mining)?;
        st.nodes.add_reward(NodeIndex(i), got)?;
        rep.resource_total = rep.resource_total.checked_add(got)?;
        if st.report_detail {
            rep.resource_rewards.push((st.node_name(NodeIndex(i)).to_owned(), fmt_stos(got)));
        }
    }
    for &m in metas.iter() {
        let owner = st.nodes.meta(m).owner;
        locks.add(0, owner, plan.meta.traffic)?;
        locks.add(1, owner, plan.meta.mining)?;
        let got = plan.meta.traffic.checked_add(plan.meta.mining)?;
        st.nodes.add_meta_reward(m, got)?;
        rep.meta_total = rep.meta_total.checked_add(got)?;
        if st.report_detail {
            rep.meta_rewards.push((st.meta_name(m).to_owned(), fmt_stos(got)));
        }
    }
    Ok(())
}

/// Pays the stake parts of the traffic and mining rewards to validators and delegators by
/// voting power, or, with no validator bonded, to the community pool; returns what the
/// truncation left as dust.
fn pay_stake(
    st: &mut Stratos,
    rep: &mut EpochReport,
    plan: &MainnetPlan,
) -> Result<Amount, StratosError> {
    let (volume, mining_pool) = (st.pools.volume, st.pools.mining);
    let mut dust = Amount::ZERO;
    for (pool, amount) in [(volume, plan.traffic.stake), (mining_pool, plan.mining.stake)] {
        if !plan.validators {
            st.ledger.transfer(st.stos, pool.into(), st.pools.community.into(), amount)?;
            rep.to_community_pool = rep.to_community_pool.checked_add(amount)?;
            continue;
        }
        let got = st.staking.distribute_by_power_total(
            &mut st.ledger,
            pool.into(),
            amount,
            st.pools.dust.into(),
        )?;
        rep.validator_rewards = rep.validator_rewards.checked_add(got)?;
        dust = dust.checked_add(amount.checked_sub(got)?)?;
    }
    Ok(dust)
}

/// R and M as reported: ⌊R⌋ and M, or what was paid when the rounded shares paid more. The
/// parts with no recipient stay in their pools, and so does every truncation remainder.
fn reported_rewards(plan: &MainnetPlan) -> Result<(Amount, Amount), StratosError> {
    let unpaid = |parts: mainnet::Parts| -> Result<Amount, StratosError> {
        let mut a = Amount::ZERO;
        if plan.y.is_zero() {
            a = a.checked_add(parts.resource)?;
        }
        if plan.meta_count == 0 {
            a = a.checked_add(parts.meta)?;
        }
        Ok(a)
    };
    let r = Amount(plan.r.truncate_int()?).max(plan.paid_p.checked_add(unpaid(plan.traffic)?)?);
    let m = plan.m.max(plan.paid_m.checked_add(unpaid(plan.mining)?)?);
    Ok((r, m))
}
