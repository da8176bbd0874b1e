//! The typed operations on stake pools (spec: shared/spec/phala.md, "Stake pools
//! (delegation)"; the stake pool pallet v2 and its base pool under khala): create a pool, add
//! the owner's workers, contribute, start a worker with the pool's free stake, withdraw
//! (queued FIFO, served from free stake), and the check anyone may call that force-stops every
//! worker of a pool whose oldest unserved request has waited beyond the grace period.
//!
//! The pool's side of a worker's payout ([`Phala::pay_heartbeat`]) and of its reclaim
//! ([`Phala::pool_reclaimed`]) are called from the worker operations ([`crate::ops`]). The
//! share arithmetic is in [`crate::stake_pool`].

use std::collections::VecDeque;

use ergon_core::txn::atomic;
use ergon_core::{AccountId, Amount, Holder, PerMill};

use crate::Phala;
use crate::Stats;
use crate::error::{PhalaError, Result};
use crate::ops::{Reclaimed, Started};
use crate::params::Profile;
use crate::stake_pool::{
    self, DUST, PoolIndex, PoolRow, Price, Served, Split, serve_queue, shares_for_contribution,
    split_reward,
};
use crate::workers::{WorkerIndex, WorkerState};

/// A withdrawal's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdrawn {
    /// The parts served at once from free stake.
    pub served: Vec<Served>,
    /// Shares of the request still waiting in the queue.
    pub queued: u128,
}

impl Phala {
    /// The pool named `name`.
    #[must_use]
    pub fn pool_named(&self, name: &str) -> Option<PoolIndex> {
        self.stake_pools.names.id(name).map(PoolIndex)
    }

    /// Pool `p`'s name.
    #[must_use]
    pub fn pool_name(&self, p: PoolIndex) -> &str {
        self.stake_pools.names.name(p.0)
    }

    /// Pool `p`'s figures.
    #[must_use]
    pub fn pool_row(&self, p: PoolIndex) -> PoolRow {
        self.stake_pools.rows[p.0 as usize]
    }

    /// Shares `who` holds in pool `p` (not counting a queued request).
    #[must_use]
    pub fn pool_shares(&self, p: PoolIndex, who: AccountId) -> u128 {
        self.stake_pools.holdings.get(&(p.0, who.0)).copied().unwrap_or(0)
    }

    fn account_in(&self, a: AccountId) -> Result<()> {
        if (a.0 as usize) < self.accounts.len() {
            Ok(())
        } else {
            Err(PhalaError::UnknownAccount { name: format!("#{}", a.0) })
        }
    }

    fn pool_in(&self, p: PoolIndex) -> Result<PoolRow> {
        self.stake_pools
            .rows
            .get(p.0 as usize)
            .copied()
            .ok_or_else(|| PhalaError::UnknownPool { name: format!("#{}", p.0) })
    }

    /// Creates pool `name` owned by `owner` with the owner's `commission` (parts per million).
    pub fn create_pool(
        &mut self,
        name: &str,
        owner: AccountId,
        commission: u32,
    ) -> Result<PoolIndex> {
        self.account_in(owner)?;
        let commission = PerMill::from_parts(commission)?;
        ergon_core::names::check_name("pool", name)?;
        if self.pool_named(name).is_some() {
            return Err(PhalaError::DuplicatePool { name: name.into() });
        }
        atomic(self, |s| {
            let id = s
                .stake_pools
                .names
                .push(name)
                .ok_or(PhalaError::DuplicatePool { name: name.into() })?;
            s.stake_pools.rows.push(PoolRow {
                owner: owner.0,
                commission,
                total_shares: 0,
                total_value: 0,
                free: 0,
                commission_paid: 0,
            });
            s.stake_pools.queues.push(VecDeque::new());
            Ok(PoolIndex(id))
        })
    }

    /// Adds worker `w` to pool `p`: its operator must be the pool's owner and it must be in
    /// no pool and not computing.
    pub fn add_worker(&mut self, p: PoolIndex, w: WorkerIndex) -> Result<()> {
        self.fresh_sum_share();
        let row = self.pool_in(p)?;
        if (w.0 as usize) >= self.workers.len() {
            return Err(PhalaError::UnknownWorker { name: format!("#{}", w.0) });
        }
        let worker = self.workers.row(w);
        if worker.owner != row.owner {
            return Err(PhalaError::NotPoolOwner { worker: w, pool: p.0 });
        }
        // khala: a worker joins a pool only once benchmarked (the pool pallet's `add_worker`,
        // after its operator check: `initial_score.is_some()`, else `BenchmarkMissing`); paper
        // checks it at the start.
        if self.params.profile == Profile::Khala && worker.score == 0 {
            return Err(PhalaError::BenchmarkMissing { worker: w });
        }
        if let Some(pool) = self.stake_pools.pool_of(w.0) {
            return Err(PhalaError::WorkerInPool { worker: w, pool });
        }
        if worker.state != WorkerState::Ready {
            let needed = "a worker joins a pool while Ready";
            return Err(PhalaError::WrongState { worker: w, state: worker.state, needed });
        }
        atomic(self, |s| {
            s.stake_pools.assign(w.0, p);
            Ok(())
        })
    }

    /// `who` contributes `amount` to pool `p` for shares at the share price (one share per base
    /// unit into an empty pool); the new free stake then serves the withdrawal queue. Returns
    /// the shares minted and the withdrawals served.
    pub fn contribute(
        &mut self,
        p: PoolIndex,
        who: AccountId,
        amount: Amount,
    ) -> Result<(u128, Vec<Served>)> {
        self.account_in(who)?;
        let mut row = self.pool_in(p)?;
        if amount.0 == 0 {
            return Err(PhalaError::ZeroContribution);
        }
        if row.total_shares != 0 && row.total_value == 0 {
            return Err(PhalaError::PoolBankrupt { pool: p.0 });
        }
        let shares = shares_for_contribution(self.params.profile, &row, amount.0)?;
        row.total_shares += shares;
        row.total_value += amount.0;
        row.free += amount.0;
        let held = self.pool_shares(p, who);
        atomic(self, |s| {
            let to = Holder::Pool(s.pools.pool_free);
            s.ledger.transfer(s.pha, Holder::Account(who), to, amount)?;
            s.stake_pools.holdings.insert((p.0, who.0), held + shares);
            s.stake_pools.rows.update(p.0 as usize, |r| *r = row);
            let served = s.serve(p)?;
            Ok((shares, served))
        })
    }

    /// Starts pool `p`'s worker `w` with `stake` PHA base units of the pool's free stake, in the
    /// pallet's order of checks (`do_start_computing`): the free stake covers it, the worker is
    /// the pool's, then the same checks as [`Phala::start`].
    pub fn pool_start(&mut self, p: PoolIndex, w: WorkerIndex, stake: Amount) -> Result<Started> {
        self.fresh_sum_share();
        let mut pool = self.pool_in(p)?;
        if pool.free < stake.0 {
            let (free, needed) = (Amount(pool.free), stake);
            return Err(PhalaError::InsufficientFreeStake { pool: p.0, free, needed });
        }
        if self.stake_pools.pool_of(w.0) != Some(p.0) {
            self.workers_in(w)?;
            return Err(PhalaError::NotInPool { worker: w, pool: p.0 });
        }
        let (row, started) = self.prepare_start(w, stake)?;
        pool.free -= stake.0;
        let from = Holder::Pool(self.pools.pool_free);
        atomic(self, |s| {
            s.commit_start(w, row, from, stake)?;
            s.stake_pools.rows.update(p.0 as usize, |r| *r = pool);
            Ok(started)
        })
    }

    /// Restarts pool `p`'s computing worker `w` with a larger `stake` (the pallet's
    /// `restart_computing`): refused while withdrawals wait; the worker stops and is reclaimed
    /// at once (its stake back to the free stake: all of it under khala, `min(V/Ve, 1)·S` under
    /// paper), the new stake must exceed what was released, and the worker starts again from
    /// the free stake — a new session with V = Ve of the new stake. All or nothing.
    pub fn pool_restart(
        &mut self,
        p: PoolIndex,
        w: WorkerIndex,
        stake: Amount,
    ) -> Result<(Reclaimed, Started)> {
        self.fresh_sum_share();
        self.pool_in(p)?;
        if self.stake_pools.pool_of(w.0) != Some(p.0) {
            self.workers_in(w)?;
            return Err(PhalaError::NotInPool { worker: w, pool: p.0 });
        }
        if !self.stake_pools.queues[p.0 as usize].is_empty() {
            return Err(PhalaError::WithdrawQueueNotEmpty { pool: p.0 });
        }
        atomic(self, |s| {
            s.stop(w)?;
            let reclaimed = s.reclaim_after(w, false)?;
            if stake <= reclaimed.returned {
                let released = reclaimed.returned;
                return Err(PhalaError::CannotRestartWithLessStake { worker: w, stake, released });
            }
            let started = s.pool_start(p, w, stake)?;
            Ok((reclaimed, started))
        })
    }

    fn workers_in(&self, w: WorkerIndex) -> Result<()> {
        if (w.0 as usize) < self.workers.len() {
            Ok(())
        } else {
            Err(PhalaError::UnknownWorker { name: format!("#{}", w.0) })
        }
    }

    /// `who` asks to withdraw `shares` from pool `p`. A request of theirs already waiting is
    /// merged back first (one request per delegator); the request joins the back of the queue,
    /// which is then served from free stake.
    pub fn withdraw(&mut self, p: PoolIndex, who: AccountId, shares: u128) -> Result<Withdrawn> {
        self.account_in(who)?;
        let row = self.pool_in(p)?;
        if shares <= DUST {
            return Err(PhalaError::DustWithdrawal {
                from: format!("stake pool #{}", p.0),
                shares,
            });
        }
        let waiting = stake_pool::queued_shares(&self.stake_pools.queues[p.0 as usize], who.0);
        let held = self.pool_shares(p, who) + waiting;
        if shares > held {
            return Err(PhalaError::InvalidShares { pool: p.0, shares, held });
        }
        let price = Price::of(self.params.profile, &row)?;
        let block = self.block;
        atomic(self, |s| {
            let mut queue = s.stake_pools.queues[p.0 as usize].clone();
            queue.retain(|r| r.user != who.0);
            s.stake_pools.holdings.insert((p.0, who.0), held - shares);
            if price.is_none() {
                // No share in the pool: the shares just leave (the base pool's rule).
                return Ok(Withdrawn { served: Vec::new(), queued: 0 });
            }
            queue.push_back(stake_pool::Request { user: who.0, shares, block });
            s.stake_pools.queues.update(p.0 as usize, |q| *q = queue);
            let served = s.serve(p)?;
            let queued = stake_pool::queued_shares(&s.stake_pools.queues[p.0 as usize], who.0);
            Ok(Withdrawn { served, queued })
        })
    }

    /// Anyone's check on pool `p`: the queue is served from the free stake first (the pallet's
    /// `check_and_maybe_force_withdraw` begins with `try_process_withdraw_queue`); then, when
    /// its oldest request the free stake and the stake of its cooling-down workers cannot
    /// cover has waited more than the grace period, every computing worker of the pool stops.
    /// Returns the withdrawals served and the workers stopped (none when not expired).
    pub fn check_force_withdraw(
        &mut self,
        p: PoolIndex,
    ) -> Result<(Vec<Served>, Vec<WorkerIndex>)> {
        self.fresh_sum_share();
        self.pool_in(p)?;
        let served = atomic(self, |s| s.serve(p))?;
        let row = self.pool_in(p)?;
        // Requests wait in the order they were made, so if the first one the free stake alone
        // cannot cover has not waited past the grace period, none that a larger budget leaves
        // uncovered has: the walk over every assigned worker is needed only otherwise.
        let (profile, grace) = (self.params.profile, self.params.grace_period_blocks);
        let queue = &self.stake_pools.queues[p.0 as usize];
        if !stake_pool::has_expired_withdrawal(profile, &row, queue, 0, self.block, grace)? {
            return Ok((served, Vec::new()));
        }
        let members: Vec<WorkerIndex> = self.stake_pools.members(p).collect();
        let releasing: u128 = members
            .iter()
            .map(|&w| self.workers.row_stored(w))
            .filter(|r| r.state == WorkerState::CoolingDown)
            .map(|r| r.stake)
            .sum();
        let queue = &self.stake_pools.queues[p.0 as usize];
        let grace = self.params.grace_period_blocks;
        if !stake_pool::has_expired_withdrawal(
            self.params.profile,
            &row,
            queue,
            releasing,
            self.block,
            grace,
        )? {
            return Ok((served, Vec::new()));
        }
        let stopped = atomic(self, |s| -> Result<Vec<WorkerIndex>> {
            let mut stopped = Vec::new();
            for w in members {
                if s.workers.row_stored(w).state.is_computing() {
                    s.stop(w)?;
                    stopped.push(w);
                }
            }
            Ok(stopped)
        })?;
        Ok((served, stopped))
    }

    /// A heartbeat's payout of `paid` base units and the treasury's `to_treasury`, both from
    /// the subsidy pool, in one ledger move, and the running [`Stats`] (with the settlement's
    /// `shortfall`): a worker outside any stake pool is paid to its operator's account `owner`;
    /// in pool `p`, the commission goes to the pool owner's account, the stakers' part into the
    /// pool's free stake and value, dust to the treasury (with its own part), and a pool
    /// without shares is not paid (`dismissed`, left in the subsidy pool). Returns the pool's
    /// split, if any, and what the worker's side was paid.
    ///
    /// All-or-nothing without a transaction of its own: everything is computed and checked
    /// first, then the one ledger move (itself all-or-nothing) and the writes that cannot fail.
    pub(crate) fn pay_heartbeat(
        &mut self,
        pool: Option<PoolIndex>,
        owner: AccountId,
        paid: u128,
        to_treasury: u128,
        shortfall: u128,
    ) -> Result<(Option<Split>, Amount)> {
        let (subsidy, treasury) =
            (Holder::Pool(self.pools.subsidy), Holder::Pool(self.pools.treasury));
        let pooled = match pool {
            Some(p) => {
                let mut row = self.stake_pools.rows[p.0 as usize];
                let split = split_reward(&mut row, paid);
                Some((p, row, split))
            }
            None => None,
        };
        let net = Amount(paid - pooled.map_or(0, |(_, _, x)| x.dismissed));
        let st = self.stats.get();
        let stats = Stats {
            paid: st.paid.checked_add(net)?,
            treasury: st.treasury.checked_add(Amount(to_treasury))?,
            shortfall: st.shortfall.checked_add(Amount(shortfall))?,
        };
        match pooled {
            None => {
                let parts =
                    [(Holder::Account(owner), Amount(paid)), (treasury, Amount(to_treasury))];
                self.ledger.split_from(self.pha, subsidy, &parts)?;
            }
            Some((_, row, split)) => {
                let dust = split
                    .dust
                    .checked_add(to_treasury)
                    .ok_or(ergon_core::Error::Overflow { op: "heartbeat treasury part" })?;
                let parts = [
                    (Holder::Account(AccountId(row.owner)), Amount(split.to_owner)),
                    (Holder::Pool(self.pools.pool_free), Amount(split.to_stakers)),
                    (treasury, Amount(dust)),
                ];
                self.ledger.split_from(self.pha, subsidy, &parts)?;
            }
        }
        if let Some((p, row, _)) = pooled {
            self.stake_pools.rows.update(p.0 as usize, |r| *r = row);
        }
        *self.stats.get_mut() = stats;
        Ok((pooled.map(|(_, _, x)| x), net))
    }

    /// Pool `p` gets back `returned` of a reclaimed worker's stake (already moved to the
    /// `pool_free` pool) and loses `slashed` of its value; the queue is then served. Inside the
    /// caller's transaction.
    pub(crate) fn pool_reclaimed(
        &mut self,
        p: PoolIndex,
        returned: u128,
        slashed: u128,
    ) -> Result<Vec<Served>> {
        self.stake_pools.rows.update(p.0 as usize, |r| {
            r.free += returned;
            r.total_value -= slashed;
        });
        self.serve(p)
    }

    /// Serves pool `p`'s queue from its free stake, paying each part from the `pool_free` pool.
    fn serve(&mut self, p: PoolIndex) -> Result<Vec<Served>> {
        let i = p.0 as usize;
        let (mut row, mut queue) = (self.stake_pools.rows[i], self.stake_pools.queues[i].clone());
        let mut served = Vec::new();
        serve_queue(self.params.profile, &mut row, &mut queue, |x| {
            served.push(x);
            Ok(())
        })?;
        if served.is_empty() {
            return Ok(served);
        }
        let free = Holder::Pool(self.pools.pool_free);
        // khala: a withdrawal that leaves the pool's value at dust or below sets it to zero
        // (the base pool's `remove_stake_from_nft`), so that with shares left `contribute`
        // refuses the pool as bankrupt until a reward adds value. The dust of free stake it
        // held goes to the treasury, as a dust distribution does (value = free + locked).
        if self.params.profile == Profile::Khala
            && row.total_value != 0
            && row.total_value <= DUST
            && row.free >= row.total_value
        {
            let dust = row.total_value;
            (row.free, row.total_value) = (row.free - dust, 0);
            let treasury = Holder::Pool(self.pools.treasury);
            self.ledger.transfer(self.pha, free, treasury, Amount(dust))?;
        }
        for x in &served {
            self.ledger.transfer(
                self.pha,
                free,
                Holder::Account(AccountId(x.user)),
                Amount(x.amount),
            )?;
        }
        self.stake_pools.rows.update(i, |r| *r = row);
        self.stake_pools.queues.update(i, |q| *q = queue);
        Ok(served)
    }
}
