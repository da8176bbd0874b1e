//! The paper close (spec marlin.md, "Rewards"; seed 002, "Rewards" and "Staking"): each
//! epoch's close pays the subsidy's emission over the day's tickets, and a month's close the
//! released fees (with what earlier months left) over the month's tickets, each by
//! Cobb-Douglas; only the clusters eligible at the close are paid (seed 002, "MPOND": a cluster
//! needs 0.5 MPOND staked or delegated to run a node): the tickets of the others that day are
//! unpaid and leave the month's shares.

use ergon_core::{Amount, Holder};

use crate::engine::Marlin;
use crate::engine::error::Result;
use crate::engine::payout::{ClosePayout, PoolPayout, Scratch};
use crate::engine::rewards::cobb::{CobbDouglasPayout, cobb_douglas_payouts_cached};
use crate::engine::rewards::delegators::commission_cut;
use crate::engine::rewards::pools::subsidy_emission;

impl Marlin {
    pub(crate) fn close_paper(&mut self) -> Result<ClosePayout> {
        let day = self.epoch.0;
        let rewards = Holder::Pool(self.rewards_pool);
        let mut b = *self.relay.books.get();
        let (per_epoch, epochs) = (self.params.subsidy_per_epoch, self.params.subsidy_epochs);
        let held = self.ledger.balance(self.pond, rewards)?;
        let emit = subsidy_emission(per_epoch, epochs, day, b.subsidy_emitted)?.min(held);
        b.subsidy_emitted = b.subsidy_emitted.checked_add(emit)?;
        let month_days = self.params.month_days;
        let month_close = (day + 1).is_multiple_of(month_days);
        let mut fee_amount = Amount::ZERO;
        if month_close {
            let mut pool = self.relay.fee_pool.get().clone();
            let released = pool.close_month()?;
            *self.relay.fee_pool.get_mut() = pool;
            b.fees_released = b.fees_released.checked_add(released)?;
            fee_amount = b.fee_carry.checked_add(released)?;
        }
        *self.relay.books.get_mut() = b;
        let mut sc = std::mem::take(&mut self.scratch);
        let result = self.pay_day_and_month(&mut sc, emit, fee_amount, month_close);
        self.scratch = sc;
        let out = result?;
        if !fee_amount.is_zero() {
            let mut b = *self.relay.books.get();
            b.fee_carry = out.fees.remainder.checked_add(out.fees.unallocated)?;
            *self.relay.books.get_mut() = b;
        }
        Ok(out)
    }

    /// Gathers the day's eligible clusters with their tickets (the others' are marked unpaid in
    /// the month's tally), pays the subsidy over them and, at a month's close, the fees over the
    /// month's tickets: in one pass when the two are the same (a month of one day).
    fn pay_day_and_month(
        &mut self,
        sc: &mut Scratch,
        emit: Amount,
        fee_amount: Amount,
        month_close: bool,
    ) -> Result<ClosePayout> {
        let (rewards, fees) = (Holder::Pool(self.rewards_pool), Holder::Pool(self.fees_pool));
        let one_day_months = self.params.month_days == 1;
        sc.clear_columns();
        let mut unpaid = Amount::ZERO;
        for i in 0..self.relay.ticketed.len() {
            let c = self.relay.ticketed[i];
            let t = self.relay.tickets[c as usize];
            if !self.eligible(c) {
                unpaid = unpaid.checked_add(t)?;
                self.relay.month_unpaid_add(c, t);
                continue;
            }
            self.push_column(sc, c, t)?;
        }
        let mut out = ClosePayout { tickets_unpaid: unpaid, ..ClosePayout::default() };
        if one_day_months || !month_close {
            (out.subsidy, out.fees) = self.pay_pools(sc, [(emit, rewards), (fee_amount, fees)])?;
            return Ok(out);
        }
        out.subsidy = self.pay_pools(sc, [(emit, rewards), (Amount::ZERO, fees)])?.0;
        sc.clear_columns();
        for i in 0..self.relay.month_ticketed.len() {
            let c = self.relay.month_ticketed[i];
            let t = self.relay.month_tickets(c);
            if t.is_zero() {
                continue;
            }
            if !self.eligible(c) {
                out.month_tickets_unpaid = out.month_tickets_unpaid.checked_add(t)?;
                continue;
            }
            self.push_column(sc, c, t)?;
        }
        out.fees = self.pay_pools(sc, [(Amount::ZERO, rewards), (fee_amount, fees)])?.1;
        Ok(out)
    }

    /// Lists cluster `c` with `t` tickets and its stake value in the payout's columns.
    fn push_column(&self, sc: &mut Scratch, c: u32, t: Amount) -> Result<()> {
        let row = self.stakes.clusters()[c as usize];
        sc.ids.push(c);
        sc.tickets.push(t);
        sc.stakes.push(self.acc_amounts(row.pond, row.mpond)?[0]);
        Ok(())
    }

    /// Pays the subsidy and the fees (`(amount, source)` each) over the clusters in `sc` by
    /// Cobb-Douglas, both computed in one pass (`cobb_douglas_payouts`: each cluster's
    /// logarithms once), then distributes each cluster's part, the subsidy's first.
    fn pay_pools(
        &mut self,
        sc: &mut Scratch,
        pools: [(Amount, Holder); 2],
    ) -> Result<(PoolPayout, PoolPayout)> {
        let n = sc.ids.len();
        for out in [&mut sc.out, &mut sc.out2] {
            // Every entry is written by the payout (or the error discards them): only the length
            // matters, so the last close's values are not zeroed first.
            out.resize(n, Amount::ZERO);
        }
        let [(a0, _), (a1, _)] = pools;
        if a0.is_zero() && a1.is_zero() {
            return Ok((PoolPayout::default(), PoolPayout::default()));
        }
        let outs = [&mut sc.out[..], &mut sc.out2[..]];
        let (alpha, ids) = (self.params.alpha, &sc.ids);
        // S: the stake delegated to every cluster, with tickets today or not (seed: "S = total
        // stake").
        let [pond, mpond] = self.stakes.delegated();
        let s_total = self.acc_amounts(pond, mpond)?[0];
        let cd = cobb_douglas_payouts_cached(
            [a0, a1],
            &sc.tickets,
            &sc.stakes,
            Some(s_total),
            ids,
            &mut sc.ln_stakes,
            alpha,
            outs,
        )?;
        let [subsidy, fees] = self.pay_both(sc, pools, cd)?;
        Ok((subsidy, fees))
    }

    /// Pays the two computed Cobb-Douglas payouts (`sc.out` of `pools[0]`, `sc.out2` of
    /// `pools[1]`, each `(amount, source)`) to the clusters in `sc`, in one pass over them: each
    /// pool's payment moves to the `cluster_rewards` pool in one transfer; each cluster's
    /// commission is cut from each pool's part (`⌊x·c/100⌋` per pool) and the operators are paid
    /// in one move; each cluster's delegators' parts are held for its accumulator ([`Held`]);
    /// what clusters with nothing delegated could not allocate goes back to its pool in one
    /// transfer each (the same balances as cluster by cluster and pool by pool, with a fraction
    /// of the ledger writes).
    fn pay_both(
        &mut self,
        sc: &mut Scratch,
        pools: [(Amount, Holder); 2],
        cd: [CobbDouglasPayout; 2],
    ) -> Result<[PoolPayout; 2]> {
        // A pool of nothing paid nothing (its column is all zero).
        let mut p = [0, 1].map(|k| PoolPayout {
            amount: pools[k].0,
            paid: cd[k].paid,
            remainder: cd[k].remainder,
            ..PoolPayout::default()
        });
        let (pond, to) = (self.pond, Holder::Pool(self.cluster_pool));
        for k in 0..2 {
            self.ledger.transfer(pond, pools[k].1, to, p[k].paid)?;
        }
        sc.parts.clear();
        match (pools[0].0.is_zero(), pools[1].0.is_zero()) {
            (false, true) => self.hold_parts(sc, &mut p, [0])?,
            (true, false) => self.hold_parts(sc, &mut p, [1])?,
            _ => self.hold_parts(sc, &mut p, [0, 1])?,
        }
        self.ledger.pay_from_pool(pond, self.cluster_pool, sc.parts.iter().copied())?;
        let mut b = *self.relay.books.get();
        for k in 0..2 {
            self.ledger.transfer(pond, to, pools[k].1, p[k].unallocated)?;
            b.commission = b.commission.checked_add(p[k].commission)?;
        }
        *self.relay.books.get_mut() = b;
        Ok(p)
    }

    /// [`Marlin::pay_both`]'s pass over the clusters for the pools `ks` (those offering
    /// anything): each cluster's commission cut per pool, its operator's part listed in
    /// `sc.parts`, its delegators' parts held.
    fn hold_parts<const N: usize>(
        &mut self,
        sc: &mut Scratch,
        p: &mut [PoolPayout; 2],
        ks: [usize; N],
    ) -> Result<()> {
        let cols = [&sc.out, &sc.out2];
        for (i, (&c, &stake)) in sc.ids.iter().zip(&sc.stakes).enumerate() {
            let xs = ks.map(|k| cols[k][i]);
            if xs.iter().all(|x| x.is_zero()) {
                continue;
            }
            let row = self.stakes.clusters()[c as usize];
            let (mut received, mut delegators, mut commission) =
                (Amount::ZERO, Amount::ZERO, Amount::ZERO);
            for (&k, x) in ks.iter().zip(xs) {
                let (cut, d) = commission_cut(x, row.commission_percent)?;
                p[k].commission = p[k].commission.checked_add(cut)?;
                // The stake is the cluster's delegation (its accumulator's total): with none,
                // the delegators' part has no one to go to.
                if stake.is_zero() {
                    p[k].unallocated = p[k].unallocated.checked_add(d)?;
                } else {
                    delegators = delegators.checked_add(d)?;
                }
                received = received.checked_add(x)?;
                commission = commission.checked_add(cut)?;
            }
            self.relay.update_held(c, |h| h.add(received, delegators).map(|v| *h = v))?;
            sc.parts.push((row.operator, commission));
        }
        Ok(())
    }
}
