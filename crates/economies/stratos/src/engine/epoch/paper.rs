//! paper's payout (seed §2, §5; spec "Epoch settlement" 3–5): the traffic reward R of the
//! constant product from the volume pool and the mining reward M of the tier from the mining
//! pool, their sum `T = R + M` split by the tier's shares — resource nodes `⌊T·b_r⌋` pro rata
//! to settled traffic, meta nodes `⌊T·b_m⌋` equally, the stake part `⌊T·b_c⌋` between
//! validators and (paper) node deposits by their totals, each of those two floored — with
//! integer floors and every remainder to the dust pool. Node rewards lock for the reward lock,
//! and so does the validators' and delegators' stake part (seed §2, [`crate::stake_locks`]).
//!
//! Each amount paid is also attributed to its two sources, so that the locks can return a
//! forfeit to the pool it came from (seed §3.3) and each pool pays exactly its own: after
//! amounts totalling `X` in the order paid (resource nodes as settled, meta nodes, the
//! validators' part, the deposits' part), the traffic reward's part of them is `⌊X·R/T⌋`
//! ([`Attribution`]). Each amount's parts are then within a unit of `x·R/T` and `x·M/T`, the
//! parts never exceed R and M, and what is left of each (the dust) is `R − ⌊X·R/T⌋` and
//! `M − ⌈X·M/T⌉`, both at least zero.

use ergon_core::arith::{ProRata, Rounding, mul_div, ppm_floor};
use ergon_core::{AccountId, Amount, Emission, Epoch, Holder};

use super::locking::{Locks, Scratch};
use super::{EpochReport, Totals, split3};
use crate::Stratos;
use crate::error::StratosError;
use crate::nodes::{MetaIndex, NodeIndex};
use crate::units::fmt_stos;

/// The three shares of `T` by the tier's basis points, each floored (spec step 4: "Split
/// R + M by the tier's percentages"; step 5: the remainder to the dust pool).
struct Shares {
    resource: Amount,
    meta: Amount,
    chain: Amount,
}

fn split(t: Amount, bps: &[u32]) -> Shares {
    let part = |b: u32| Amount(mul_div(t.0, u128::from(b), 10_000, Rounding::Down).unwrap_or(0));
    Shares { resource: part(bps[0]), meta: part(bps[1]), chain: part(bps[2]) }
}

/// The running attribution of an epoch's amounts to the traffic reward R and the mining
/// reward M (module doc): after amounts totalling `X`, R's part is `⌊X·R/T⌋`.
struct Attribution {
    /// `⌊·R/T⌋`; `None` when `T = 0` (then every amount is zero).
    to_r: Option<ProRata>,
    /// `X` and R's part of it.
    paid: u128,
    paid_r: u128,
}

impl Attribution {
    fn new(r: Amount, t: Amount) -> Result<Attribution, StratosError> {
        let to_r = if t.is_zero() { None } else { Some(ProRata::new(r.0, t.0)?) };
        Ok(Attribution { to_r, paid: 0, paid_r: 0 })
    }

    /// Amount `x`'s parts `[from R, from M]`.
    fn split(&mut self, x: Amount) -> Result<[Amount; 2], StratosError> {
        let Some(to_r) = &self.to_r else {
            return Ok([Amount::ZERO, x]);
        };
        let paid = Amount(self.paid).checked_add(x)?.0;
        let paid_r = to_r.floor(paid)?;
        let xr = paid_r - self.paid_r;
        (self.paid, self.paid_r) = (paid, paid_r);
        Ok([Amount(xr), Amount(x.0 - xr)])
    }

    /// What is left of R and of M once everything is paid: the dust of each pool.
    fn left(&self, r: Amount, m: Amount) -> Result<[Amount; 2], StratosError> {
        let paid_m = Amount(self.paid - self.paid_r);
        Ok([r.checked_sub(Amount(self.paid_r))?, m.checked_sub(paid_m)?])
    }
}

/// What the reward steps accumulate: the node rewards to lock, by (owner, source), and the
/// running totals of [`Totals`].
struct Books<'a> {
    locks: &'a mut Locks,
    attribution: Attribution,
    dust: Amount,
    community_tax: Amount,
    unissued: Amount,
    /// Mining rewards issued (M less the parts with no recipient).
    issued_m: Amount,
}

impl Books<'_> {
    /// A share with no recipient, attributed to its sources: the mining pool's part stays
    /// there, not counted as mined; the volume pool's goes to the `unclaimed_traffic` pool, so
    /// that P falls by exactly R and the constant product does not drift.
    fn unissued(&mut self, st: &mut Stratos, part: Amount) -> Result<(), StratosError> {
        let [from_r, from_m] = self.attribution.split(part)?;
        self.unissued = self.unissued.checked_add(part)?;
        self.issued_m = self.issued_m.saturating_sub(from_m);
        let (from, to) = (st.pools.volume, st.pools.unclaimed_traffic);
        st.ledger.transfer(st.stos, from.into(), to.into(), from_r)?;
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
    // The volume pool pays no more than it holds: should (S + P)·Y/(L + Y) exceed P (possible
    // once a paper exit has lowered L), R is all of P.
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
    let t = r.checked_add(m)?;
    let shares = split(t, &bps);
    let Scratch { metas, rewards, locks, stake_rows, .. } = scratch;
    locks.clear();
    let mut books = Books {
        locks,
        attribution: Attribution::new(r, t)?,
        dust: Amount::ZERO,
        community_tax: Amount::ZERO,
        unissued: Amount::ZERO,
        issued_m: m,
    };
    pay_resource(st, rep, &mut books, shares.resource, settled, y)?;
    pay_meta(st, rep, &mut books, shares.meta, metas, rewards)?;
    let delegated = pay_stake(st, rep, &mut books, shares.chain, (lock_until, stake_rows))?;
    st.reward_locks.lock_distinct_rows(&mut st.ledger, lock_until, books.locks.rows())?;
    // Every remainder — of the split, the nodes' floors, the meta nodes' equal parts, the
    // stake part's two floors — is what the attribution left of R and of M.
    let left = books.attribution.left(r, m)?;
    for (pool, rem) in [st.pools.volume, st.pools.mining].into_iter().zip(left) {
        st.ledger.transfer(st.stos, pool.into(), st.pools.dust.into(), rem)?;
        books.dust = books.dust.checked_add(rem)?;
    }
    let Books { dust, community_tax, unissued, issued_m, .. } = books;
    Ok(Totals { dust, community_tax, unissued, mined: issued_m, delegated })
}

/// Step 4, resource nodes: `⌊share·t/Y⌋` each, less the community tax on its traffic-reward
/// part (moved to the community pool in one transfer); locked.
fn pay_resource(
    st: &mut Stratos,
    rep: &mut EpochReport,
    books: &mut Books,
    share: Amount,
    settled: &[(u32, u128)],
    y: Amount,
) -> Result<(), StratosError> {
    if y.is_zero() {
        return books.unissued(st, share);
    }
    let each = ProRata::new(share.0, y.0)?;
    let ppm = st.params.community_tax_ppm;
    let mut tax = Amount::ZERO;
    for &(i, t) in settled {
        let mut part = books.attribution.split(Amount(each.floor(t)?))?;
        if ppm > 0 {
            let node_tax = Amount(ppm_floor(part[0].0, ppm)?);
            part[0] = part[0].checked_sub(node_tax)?;
            tax = tax.checked_add(node_tax)?;
        }
        books.locks.add_first(st.nodes.resource(NodeIndex(i)).owner, part);
        let reward = part[0].checked_add(part[1])?;
        st.nodes.add_reward(NodeIndex(i), reward)?;
        rep.resource_total = rep.resource_total.checked_add(reward)?;
        if st.report_detail {
            let name = st.node_name(NodeIndex(i)).to_owned();
            rep.resource_rewards.push((name, fmt_stos(reward)));
        }
    }
    if ppm > 0 {
        let volume = st.pools.volume;
        st.ledger.transfer(st.stos, volume.into(), st.pools.community.into(), tax)?;
        books.community_tax = books.community_tax.checked_add(tax)?;
    }
    Ok(())
}

/// Step 4, meta nodes: `⌊share/n⌋` each; locked. `metas` and `meta_rewards` are working
/// memory.
fn pay_meta(
    st: &mut Stratos,
    rep: &mut EpochReport,
    books: &mut Books,
    share: Amount,
    metas: &mut Vec<MetaIndex>,
    meta_rewards: &mut Vec<Amount>,
) -> Result<(), StratosError> {
    metas.clear();
    metas.extend(st.nodes.active_meta());
    meta_rewards.clear();
    if metas.is_empty() {
        return books.unissued(st, share);
    }
    let each = Amount(share.0 / metas.len() as u128);
    meta_rewards.resize(metas.len(), each);
    for &i in metas.iter() {
        let part = books.attribution.split(each)?;
        books.locks.add_both(st.nodes.meta(i).owner, part)?;
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

/// Step 4, stake rewards: validators and delegators, and (paper) node deposits, by their
/// totals, each part floored. The validators' part is distributed at once, or (paper,
/// [`crate::stake_locks`]) allotted by voting power and locked until `lock_until`. Returns the
/// validators' total voting power.
fn pay_stake(
    st: &mut Stratos,
    rep: &mut EpochReport,
    books: &mut Books,
    share: Amount,
    (lock_until, rows): (Epoch, &mut Vec<(AccountId, [Amount; 2])>),
) -> Result<Amount, StratosError> {
    let deposit_total = st.deposit_rewards.total_stake();
    let delegated = st.staking.total_voting_power();
    let share_deposits = st.params.deposits_share_stake_rewards && !deposit_total.is_zero();
    let locking = st.stake_locks.is_on();
    let (v_part, d_part) = if share_deposits {
        let all = delegated.0 + deposit_total.0;
        let v = Amount(mul_div(share.0, delegated.0, all, Rounding::Down)?);
        (v, Amount(mul_div(share.0, deposit_total.0, all, Rounding::Down)?))
    } else {
        (share, Amount::ZERO)
    };
    let to_validators = if delegated.is_zero() {
        books.unissued(st, v_part)?;
        [Amount::ZERO; 2]
    } else {
        books.attribution.split(v_part)?
    };
    let to_deposits = books.attribution.split(d_part)?;
    let pools = [st.pools.volume, st.pools.mining];
    if !locking && !delegated.is_zero() {
        // Both sources in one pass: the same parts and dust as a distribution a source.
        let from = |si: usize| (Holder::Pool(pools[si]), to_validators[si]);
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
        for si in 0..2 {
            let rem = to_validators[si].checked_sub(allotted[si])?;
            st.ledger.transfer(st.stos, pools[si].into(), st.pools.dust.into(), rem)?;
            books.dust = books.dust.checked_add(rem)?;
            rep.validator_rewards = rep.validator_rewards.checked_add(allotted[si])?;
        }
        st.lock_stake_rewards(lock_until, rows)?;
    }
    Ok(delegated)
}
