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
//! validators' part, the deposits' part), the traffic reward's part of them is
//! `⌊X·ρ/2^64⌋`, `ρ = ⌊R·2^64/T⌋` ([`Attribution`]: two 64-bit products an amount, where
//! `⌊X·R/T⌋` would take a 256-bit division, T being above 2^64). Each amount's parts are then
//! within a unit of `x·R/T` and `x·M/T` (and `x/2^64`), R's never exceed R; M's may exceed M by
//! a few units (at most `X/2^64 + 1`, `X ≤ T`): the volume pool then hands the mining pool that
//! excess before either pays out, from what it keeps of R (R's dust is at least M's excess,
//! their sum being the whole dust), so each pool still pays exactly its own; M's parts of
//! shares with no recipient stay in the mining pool, counted not mined up to M
//! ([`Attribution::left`]). A node's two parts depend, by a unit, on the order paid.

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
/// reward M (module doc): after amounts totalling `X`, R's part is `⌊X·ρ/2^64⌋`.
struct Attribution {
    /// `ρ = ⌊R·2^64/T⌋`, or `None` when every amount is R's (`M = 0`).
    rho: Option<u64>,
    /// `X` and R's part of it.
    paid: u128,
    paid_r: u128,
}

impl Attribution {
    fn new(r: Amount, t: Amount) -> Result<Attribution, StratosError> {
        let rho = if r == t {
            None
        } else {
            // R < T: ρ < 2^64.
            Some(mul_div(r.0, 1 << 64, t.0, Rounding::Down)? as u64)
        };
        Ok(Attribution { rho, paid: 0, paid_r: 0 })
    }

    /// R's part of `X`: `⌊X·ρ/2^64⌋`, exactly (the high word's product and the low word's).
    #[inline]
    fn r_part(&self, x: u128) -> u128 {
        match self.rho {
            None => x,
            Some(rho) => {
                let rho = u128::from(rho);
                (x >> 64) * rho + (((x as u64 as u128) * rho) >> 64)
            }
        }
    }

    /// Amount `x`'s parts `[from R, from M]`.
    #[inline]
    fn split(&mut self, x: Amount) -> Result<[Amount; 2], StratosError> {
        let paid = Amount(self.paid).checked_add(x)?.0;
        let paid_r = self.r_part(paid);
        let xr = paid_r - self.paid_r;
        (self.paid, self.paid_r) = (paid, paid_r);
        Ok([Amount(xr), Amount(x.0 - xr)])
    }

    /// What is left of R and of M once everything is attributed, `kept_m` of M's parts being
    /// shares with no recipient (they stay in the mining pool): `[R's dust, M's dust, R to M]`.
    /// M's parts may exceed M by the few units of the module doc: then the mining pool pays
    /// out exactly what M leaves after the kept parts (counted unissued up to M), and the
    /// volume pool hands it the rest of what it pays, from what R keeps.
    fn left(&self, r: Amount, m: Amount, kept_m: Amount) -> Result<[Amount; 3], StratosError> {
        let left_r = r.checked_sub(Amount(self.paid_r))?;
        let paid_m = self.paid - self.paid_r;
        if paid_m <= m.0 {
            return Ok([left_r, Amount(m.0 - paid_m), Amount::ZERO]);
        }
        // Sent out of the mining pool: paid_m − kept_m; it may send M − min(kept_m, M).
        let sent = paid_m - kept_m.0;
        let r_to_m = Amount(sent - (m.0 - kept_m.0.min(m.0)));
        Ok([left_r.checked_sub(r_to_m)?, Amount::ZERO, r_to_m])
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
    /// M's parts of the shares with no recipient (M less these, at least zero, is mined).
    kept_m: Amount,
}

impl Books<'_> {
    /// A share with no recipient, attributed to its sources: the mining pool's part stays
    /// there, not counted as mined; the volume pool's goes to the `unclaimed_traffic` pool, so
    /// that P falls by exactly R and the constant product does not drift.
    fn unissued(&mut self, st: &mut Stratos, part: Amount) -> Result<(), StratosError> {
        let [from_r, from_m] = self.attribution.split(part)?;
        self.unissued = self.unissued.checked_add(part)?;
        self.kept_m = self.kept_m.checked_add(from_m)?;
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
        kept_m: Amount::ZERO,
    };
    pay_resource(st, rep, &mut books, shares.resource, settled, y)?;
    pay_meta(st, rep, &mut books, shares.meta, metas, rewards)?;
    let (delegated, [dust_r, dust_m]) =
        pay_stake(st, rep, &mut books, shares.chain, (r, m), (lock_until, stake_rows))?;
    st.reward_locks.lock_distinct_rows(&mut st.ledger, lock_until, books.locks.rows())?;
    // Every remainder — of the split, the nodes' floors, the meta nodes' equal parts, the
    // stake part's two floors — is what the attribution left of R and of M.
    for (pool, rem) in [st.pools.volume, st.pools.mining].into_iter().zip([dust_r, dust_m]) {
        st.ledger.transfer(st.stos, pool.into(), st.pools.dust.into(), rem)?;
        books.dust = books.dust.checked_add(rem)?;
    }
    let Books { dust, community_tax, unissued, kept_m, .. } = books;
    // At most M counts as not mined (M's parts may exceed M by a few units: module doc).
    let mined = m.saturating_sub(kept_m);
    Ok(Totals { dust, community_tax, unissued, mined, delegated })
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
/// [`crate::stake_locks`]) allotted by voting power and locked until `lock_until`. Every
/// amount attributed, M's excess (module doc) goes from the volume pool to the mining pool
/// before either pays. Returns the validators' total voting power and the dust of R and of M.
fn pay_stake(
    st: &mut Stratos,
    rep: &mut EpochReport,
    books: &mut Books,
    share: Amount,
    (r, m): (Amount, Amount),
    (lock_until, rows): (Epoch, &mut Vec<(AccountId, [Amount; 2])>),
) -> Result<(Amount, [Amount; 2]), StratosError> {
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
    let [dust_r, dust_m, r_to_m] = books.attribution.left(r, m, books.kept_m)?;
    st.ledger.transfer(st.stos, pools[0].into(), pools[1].into(), r_to_m)?;
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
    Ok((delegated, [dust_r, dust_m]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Amounts of any size totalling at most T: R's parts never exceed R and are within
        /// `x/2^64 + 1` of `x·R/T` each; M's exceed M by at most `X/2^64 + 1`, never by more
        /// than what R keeps; the dust and the hand-over account for every unit.
        #[test]
        fn attribution_keeps_each_pool_to_its_own(
            r in 0u128..(1 << 100), m in 0u128..(1 << 100),
            cuts in proptest::collection::vec(0u64..10_000, 1..40),
        ) {
            let t = r + m;
            let mut at = Attribution::new(Amount(r), Amount(t)).unwrap();
            let sum: u128 = cuts.iter().map(|&c| u128::from(c)).sum::<u128>().max(1);
            let (mut paid_r, mut paid_m, mut paid) = (0u128, 0u128, 0u128);
            for &c in &cuts {
                // A share of T by the cut, floored: the amounts total at most T.
                let x = mul_div(t, u128::from(c), sum, Rounding::Down).unwrap();
                let [xr, xm] = at.split(Amount(x)).unwrap();
                prop_assert_eq!(xr.0 + xm.0, x);
                if t > 0 {
                    let exact = ergon_core::arith::mul_div(x, r, t, Rounding::Down).unwrap();
                    prop_assert!(xr.0 <= exact + 1 && xr.0 + (x >> 64) + 1 >= exact);
                }
                (paid_r, paid_m, paid) = (paid_r + xr.0, paid_m + xm.0, paid + x);
            }
            prop_assert!(paid_r <= r);
            prop_assert!(paid_m <= m + (paid >> 64) + 1);
            // Shares kept in the mining pool: none, or the M parts so far (as if all were shares
            // with no recipient), which may hold more than M.
            for kept_m in [0, paid_m] {
                let [dust_r, dust_m, r_to_m] =
                    at.left(Amount(r), Amount(m), Amount(kept_m)).unwrap();
                // The mining pool sends out exactly M less what it keeps (counted unissued up
                // to M), net of the hand-over; the volume pool exactly R.
                prop_assert_eq!(paid_m - kept_m + dust_m.0, m - kept_m.min(m) + r_to_m.0);
                prop_assert_eq!(paid_r + dust_r.0 + r_to_m.0, r);
                if kept_m == 0 {
                    prop_assert!(r_to_m.0 <= (paid >> 64) + 1);
                }
            }
        }
    }
}
