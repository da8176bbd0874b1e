//! paper's payout (seed §2, §5): the traffic reward R of the constant product from the volume
//! pool and the mining reward M of the tier from the mining pool, each split by the tier's
//! shares — resource nodes pro rata to settled traffic, meta nodes equally, the stake part
//! between validators and (paper) node deposits by their totals — with integer floors and
//! every remainder to the dust pool. Node rewards lock for the reward lock, and so does the
//! validators' and delegators' stake part (seed §2, [`crate::stake_locks`]).

use ergon_core::arith::{ProRata, Rounding, mul_div, ppm_floor};
use ergon_core::{AccountId, Amount, Emission, Epoch, Holder, PoolId};

use super::locking::{Locks, Scratch};
use super::{EpochReport, Totals, split3};
use crate::Stratos;
use crate::error::StratosError;
use crate::nodes::{MetaIndex, NodeIndex};
use crate::units::fmt_stos;

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

/// What the reward steps accumulate: the node rewards to lock, by (owner, source), and the
/// running totals of [`Totals`].
struct Books<'a> {
    locks: &'a mut Locks,
    dust: Amount,
    community_tax: Amount,
    unissued: Amount,
    /// Mining rewards issued (M less the parts with no recipient).
    issued_m: Amount,
}

impl Books<'_> {
    /// A part of source `si` with no recipient: the mining pool's stays there, not counted as
    /// mined; the volume pool's goes to the `unclaimed_traffic` pool, so that P falls by exactly
    /// R and the constant product does not drift.
    fn unissued(&mut self, st: &mut Stratos, si: usize, part: Amount) -> Result<(), StratosError> {
        self.unissued = self.unissued.checked_add(part)?;
        if si == 1 {
            self.issued_m = self.issued_m.saturating_sub(part);
        } else {
            let (from, to) = (st.pools.volume, st.pools.unclaimed_traffic);
            st.ledger.transfer(st.stos, from.into(), to.into(), part)?;
        }
        Ok(())
    }

    /// A rounding remainder `rem` of `pool` goes to the dust pool.
    fn dust(&mut self, st: &mut Stratos, pool: PoolId, rem: Amount) -> Result<(), StratosError> {
        st.ledger.transfer(st.stos, pool.into(), st.pools.dust.into(), rem)?;
        self.dust = self.dust.checked_add(rem)?;
        Ok(())
    }
}

/// Steps 2 to 5 of a paper epoch that settled `settled` (node, traffic; their total in
/// `rep.settled`).
pub(super) fn pay(
    st: &mut Stratos,
    rep: &mut EpochReport,
    settled: &[(u32, u128)],
    lock_until: Epoch,
    scratch: &mut Scratch,
) -> Result<Totals, StratosError> {
    // Step 1 put their total in the report.
    let y = rep.settled;
    debug_assert_eq!(y.0, settled.iter().map(|p| p.1).sum::<u128>());
    // 2. Traffic reward R (from the volume pool) and mining reward M (from the mining pool).
    let p = st.volume_pool();
    let r = st.market.traffic_reward(p, y)?.min(p);
    st.market.apply_settlement(y)?;
    let (m, tier, bps) = match st.params.mining.emission(st.epoch.0, st.total_mined) {
        Emission::Reward { amount, tier, split } => {
            let pool = st.ledger.balance(st.stos, st.pools.mining.into())?;
            (amount.min(pool), Some(tier), split3(split))
        }
        Emission::Ended => (Amount::ZERO, None, st.last_split()),
    };
    rep.traffic_reward = r;
    rep.mining_reward = m;
    rep.tier = tier;
    let sources = [split(st.pools.volume, r, &bps), split(st.pools.mining, m, &bps)];
    let Scratch { metas, rewards, locks, stake_rows, .. } = scratch;
    locks.clear();
    let mut books = Books {
        locks,
        dust: Amount::ZERO,
        community_tax: Amount::ZERO,
        unissued: Amount::ZERO,
        issued_m: m,
    };
    pay_resource(st, rep, &mut books, &sources, settled, y)?;
    pay_meta(st, rep, &mut books, &sources, metas, rewards)?;
    let delegated = pay_stake(st, rep, &mut books, &sources, (lock_until, stake_rows))?;
    st.reward_locks.lock_distinct_rows(&mut st.ledger, lock_until, books.locks.rows())?;
    let Books { dust, community_tax, unissued, issued_m, .. } = books;
    Ok(Totals { dust, community_tax, unissued, mined: issued_m, delegated })
}

/// Step 3, resource nodes: pro rata to settled traffic, less the community tax on the traffic
/// reward (moved to the community pool in one transfer); locked. One pass over the nodes pays
/// both sources.
fn pay_resource(
    st: &mut Stratos,
    rep: &mut EpochReport,
    books: &mut Books,
    sources: &[Source; 2],
    settled: &[(u32, u128)],
    y: Amount,
) -> Result<(), StratosError> {
    if y.is_zero() {
        for (si, src) in sources.iter().enumerate() {
            books.unissued(st, si, src.resource)?;
        }
        return Ok(());
    }
    let shares =
        [ProRata::new(sources[0].resource.0, y.0)?, ProRata::new(sources[1].resource.0, y.0)?];
    let ppm = st.params.community_tax_ppm;
    let (mut paid, mut tax) = ([Amount::ZERO; 2], Amount::ZERO);
    for &(i, t) in settled {
        let mut share = [Amount(shares[0].floor(t)?), Amount(shares[1].floor(t)?)];
        paid = [paid[0].checked_add(share[0])?, paid[1].checked_add(share[1])?];
        if ppm > 0 {
            let node_tax = Amount(ppm_floor(share[0].0, ppm)?);
            share[0] = share[0].checked_sub(node_tax)?;
            tax = tax.checked_add(node_tax)?;
        }
        books.locks.add_first(st.nodes.resource(NodeIndex(i)).owner, share);
        let reward = share[0].checked_add(share[1])?;
        st.nodes.add_reward(NodeIndex(i), reward)?;
        rep.resource_total = rep.resource_total.checked_add(reward)?;
        if st.report_detail {
            let name = st.node_name(NodeIndex(i)).to_owned();
            rep.resource_rewards.push((name, fmt_stos(reward)));
        }
    }
    if ppm > 0 {
        let volume = sources[0].pool;
        st.ledger.transfer(st.stos, volume.into(), st.pools.community.into(), tax)?;
        books.community_tax = books.community_tax.checked_add(tax)?;
    }
    for (si, src) in sources.iter().enumerate() {
        books.dust(st, src.pool, src.resource.checked_sub(paid[si])?)?;
    }
    Ok(())
}

/// Step 4, meta nodes: equal shares; locked. `metas` and `meta_rewards` are working memory.
fn pay_meta(
    st: &mut Stratos,
    rep: &mut EpochReport,
    books: &mut Books,
    sources: &[Source; 2],
    metas: &mut Vec<MetaIndex>,
    meta_rewards: &mut Vec<Amount>,
) -> Result<(), StratosError> {
    metas.clear();
    metas.extend(st.nodes.active_meta());
    meta_rewards.clear();
    meta_rewards.resize(metas.len(), Amount::ZERO);
    for (si, src) in sources.iter().enumerate() {
        if metas.is_empty() {
            books.unissued(st, si, src.meta)?;
            continue;
        }
        let each = Amount(src.meta.0 / metas.len() as u128);
        for (j, &i) in metas.iter().enumerate() {
            books.locks.add(si, st.nodes.meta(i).owner, each)?;
            meta_rewards[j] = meta_rewards[j].checked_add(each)?;
        }
        books.dust(st, src.pool, Amount(src.meta.0 % metas.len() as u128))?;
    }
    for (j, &i) in metas.iter().enumerate() {
        st.nodes.add_meta_reward(i, meta_rewards[j])?;
        rep.meta_total = rep.meta_total.checked_add(meta_rewards[j])?;
        if st.report_detail {
            let name = st.meta_name(i).to_owned();
            rep.meta_rewards.push((name, fmt_stos(meta_rewards[j])));
        }
    }
    Ok(())
}

/// Step 5, stake rewards: validators and delegators, and (paper) node deposits, split by
/// their totals. The validators' part is distributed at once, or (paper, [`crate::stake_locks`])
/// allotted by voting power and locked until `lock_until`. Returns the validators' total
/// voting power.
fn pay_stake(
    st: &mut Stratos,
    rep: &mut EpochReport,
    books: &mut Books,
    sources: &[Source; 2],
    (lock_until, rows): (Epoch, &mut Vec<(AccountId, [Amount; 2])>),
) -> Result<Amount, StratosError> {
    let deposit_total = st.deposit_rewards.total_stake();
    let delegated = st.staking.total_voting_power();
    let share_deposits = st.params.deposits_share_stake_rewards && !deposit_total.is_zero();
    let locking = st.stake_locks.is_on();
    let mut to_validators = [Amount::ZERO; 2];
    let mut to_deposits = [Amount::ZERO; 2];
    for (si, src) in sources.iter().enumerate() {
        let (v_part, d_part) = if share_deposits {
            let all = delegated.0 + deposit_total.0;
            let v = Amount(mul_div(src.chain.0, delegated.0, all, Rounding::Down)?);
            (v, src.chain.checked_sub(v)?)
        } else {
            (src.chain, Amount::ZERO)
        };
        if delegated.is_zero() {
            books.unissued(st, si, v_part)?;
        } else {
            to_validators[si] = v_part;
        }
        to_deposits[si] = d_part;
    }
    if !locking && !delegated.is_zero() {
        // Both sources in one pass: the same parts and dust as a distribution a source.
        let from = |si: usize| (Holder::Pool(sources[si].pool), to_validators[si]);
        let dust = st.pools.dust.into();
        let got =
            st.staking.distribute_sources_by_power(&mut st.ledger, [from(0), from(1)], dust)?;
        for (si, got) in got.into_iter().enumerate() {
            rep.validator_rewards = rep.validator_rewards.checked_add(got)?;
            books.dust = books.dust.checked_add(Amount(to_validators[si].0 - got.0))?;
        }
    }
    for (si, d_part) in to_deposits.into_iter().enumerate() {
        // The deposits' part accrues by index, O(1) ([`crate::deposits`]).
        let paid = st.distribute_to_deposits(si, d_part)?;
        rep.deposit_rewards = rep.deposit_rewards.checked_add(paid)?;
    }
    if locking && !delegated.is_zero() {
        // paper: allotted by voting power now, locked, paid to the validators when due.
        let allotted = st.allot_stake_rewards(to_validators, rows)?;
        for (si, src) in sources.iter().enumerate() {
            books.dust(st, src.pool, to_validators[si].checked_sub(allotted[si])?)?;
            rep.validator_rewards = rep.validator_rewards.checked_add(allotted[si])?;
        }
        st.lock_stake_rewards(lock_until, rows)?;
    }
    Ok(delegated)
}
