//! The vault owners and their depositors in a Phala simulation (spec: shared/spec/phala.md,
//! "Stake pools (delegation)": "Vaults pool delegations into stake pools"; the vault pallet;
//! docs/economies/phala.md, "Simulation", and docs/scenarios.md for the parameters).
//!
//! At genesis each vault's owner opens it, puts in `owner_funds`, and its depositors put in
//! their drawn deposits. Each day, for each vault in turn: anyone's `check_vault` (which serves
//! the queue and may shut the vault down); the owner's `gain_owner_shares`; each depositor
//! still in withdraws all its shares with chance `withdraw_per_day`; the owner divests what
//! the queue needs beyond the free PHA and the pool withdrawals already pending, from the
//! pools with the lowest smoothed return first; and on the first day and then on the vault's
//! review day (every `review_every_days`, each vault on its own day of the cycle) the owner
//! rebalances: it
//! divests everything from pools outside the `pools` best, then invests the free PHA above a
//! reserve of `1 − invest_share` of the vault's value (in parts per million, floor) and what
//! the queue waits for, evenly (floor) in those best pools, when each part is at least 1 PHA. The best pools are those with the highest smoothed daily return on their value
//! (the stakers' income per PHA, i.e. the share price's recent growth); before any day is
//! rated, vault `i` takes the pools `i·pools, i·pools + 1, …` (mod the pool count). A locked
//! vault (khala, after a shutdown) divests nothing. Draws come from the vaults' own stream,
//! so a run without vaults draws exactly as before. Every change goes through the economy's
//! public operations.

use ergon_core::economy::Rejection;
use ergon_core::{AccountId, Amount, Holder, Rounding, mul_div};

use super::PhalaModel;
use super::behaviour::{DAY, err, unit};
use crate::stake_pool::{DUST, Price};
use crate::tokenomic::PICO;
use crate::vaults::VaultIndex;
use crate::{PhalaError, PoolIndex};

/// A vault as the model runs it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct VaultAgent {
    pub(super) index: VaultIndex,
    pub(super) owner: AccountId,
    /// The vault's own ledger account.
    pub(super) account: AccountId,
    /// Its depositors still holding shares or waiting for a withdrawal.
    pub(super) depositors: Vec<AccountId>,
}

fn arith(e: &ergon_core::Error) -> Rejection {
    Rejection::new("E_ARITH", e.to_string())
}

impl PhalaModel {
    /// Opens the vaults at genesis: each owner's and depositors' contributions (their accounts
    /// were funded in the genesis).
    pub(super) fn open_vaults(&mut self) -> Result<(), Rejection> {
        let v = self.agents.vaults.clone();
        for i in 0..v.count {
            let owner = self.account_of(&format!("vault{i}-owner"))?;
            let index = self
                .econ
                .create_vault(&format!("vault{i}"), owner, v.commission_permill)
                .map_err(|e| err(&self.econ, &e))?;
            let account = AccountId(self.econ.vaults().rows[index.0 as usize].account);
            let mut depositors = Vec::new();
            for who in std::iter::once(owner).chain(
                (0..v.depositors)
                    .map(|j| self.account_of(&format!("vault{i}-depositor{j}")))
                    .collect::<Result<Vec<_>, _>>()?,
            ) {
                let x = self.econ.balance_of(Holder::Account(who));
                if x.0 > 0 {
                    self.econ.vault_contribute(index, who, x).map_err(|e| err(&self.econ, &e))?;
                }
                if who != owner {
                    depositors.push(who);
                }
            }
            self.vaults.push(VaultAgent { index, owner, account, depositors });
        }
        Ok(())
    }

    fn account_of(&self, name: &str) -> Result<AccountId, Rejection> {
        self.econ
            .account(name)
            .ok_or_else(|| Rejection::new("E_SCENARIO", format!("no account {name}")))
    }

    /// Every vault's day (see the module doc).
    pub(super) fn vaults_day(&mut self) -> Result<(), Rejection> {
        let day = self.blocks / DAY;
        let v = &self.agents.vaults;
        let (every, leave) = (v.review_every_days, v.withdraw_per_day);
        for i in 0..self.vaults.len() {
            let (index, owner) = (self.vaults[i].index, self.vaults[i].owner);
            let (served, shut) = self.econ.check_vault(index).map_err(|e| err(&self.econ, &e))?;
            self.flows.vault_withdrawn += served.iter().map(|s| s.amount).sum::<u128>();
            self.flows.vault_shutdowns += u64::from(!shut.is_empty());
            self.econ.gain_owner_shares(index, owner).map_err(|e| err(&self.econ, &e))?;
            let depositors = self.vaults[i].depositors.clone();
            for who in depositors {
                let held = self.econ.vault_shares(index, who);
                if held <= DUST || unit(&mut self.vault_rng) >= leave {
                    continue;
                }
                let (served, ..) =
                    self.econ.vault_withdraw(index, who, held).map_err(|e| err(&self.econ, &e))?;
                self.flows.vault_withdrawn += served.iter().map(|s| s.amount).sum::<u128>();
            }
            self.vaults[i].depositors.retain(|&who| {
                self.econ.vault_shares(index, who) > 0
                    || self.econ.vaults().queues[index.0 as usize].iter().any(|r| r.user == who.0)
            });
            self.cover_queue(i)?;
            if day == 0 || (i as u64 + day).is_multiple_of(every) {
                self.rebalance(i)?;
            }
        }
        Ok(())
    }

    /// Whether vault `i` is locked (khala: shut down, queue not yet clear).
    fn vault_locked(&self, i: usize) -> bool {
        self.econ.vaults().rows[self.vaults[i].index.0 as usize].locked
    }

    /// The PHA vault `i`'s queue waits for beyond its free PHA and pending pool withdrawals.
    fn queue_shortfall(&self, i: usize) -> Result<u128, Rejection> {
        let index = self.vaults[i].index;
        let (row, releasing) = self.econ.vault_pool_row(index).map_err(|e| err(&self.econ, &e))?;
        let queued: u128 =
            self.econ.vaults().queues[index.0 as usize].iter().map(|r| r.shares).sum();
        if queued == 0 || row.total_shares == 0 {
            return Ok(0);
        }
        let wanted = mul_div(queued, row.total_value, row.total_shares, Rounding::Up)
            .map_err(|e| arith(&e))?;
        Ok(wanted.saturating_sub(row.free + releasing))
    }

    /// Pools by smoothed return, best first (ties: lower index first).
    fn pools_by_return(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.pools.len()).collect();
        order.sort_by(|&a, &b| {
            self.pools[b].daily_rate.total_cmp(&self.pools[a].daily_rate).then(a.cmp(&b))
        });
        order
    }

    /// Divests pool shares worth the queue's shortfall, lowest-return pools first.
    fn cover_queue(&mut self, i: usize) -> Result<(), Rejection> {
        let mut need = self.queue_shortfall(i)?;
        if need == 0 || self.vault_locked(i) {
            return Ok(());
        }
        let (index, owner, account) =
            (self.vaults[i].index, self.vaults[i].owner, self.vaults[i].account);
        for p in self.pools_by_return().into_iter().rev() {
            if need == 0 {
                break;
            }
            let pool = self.pools[p].index;
            let held = self.econ.pool_shares(pool, account);
            let row = self.econ.pool_row(pool);
            let price =
                Price::of(self.econ.params().profile, &row).map_err(|e| err(&self.econ, &e))?;
            let Some(price) = price.filter(|p| !p.is_zero()) else { continue };
            let worth = price.value_of(held).map_err(|e| err(&self.econ, &e))?;
            let shares = if worth <= need {
                held
            } else {
                mul_div(need, row.total_shares, row.total_value.max(1), Rounding::Up)
                    .map_err(|e| arith(&e))?
                    .min(held)
            };
            if shares <= DUST {
                continue;
            }
            self.divest(index, owner, pool, shares)?;
            need = need.saturating_sub(worth.min(need));
        }
        Ok(())
    }

    fn divest(
        &mut self,
        v: VaultIndex,
        owner: AccountId,
        pool: PoolIndex,
        shares: u128,
    ) -> Result<(), Rejection> {
        match self.econ.vault_divest(v, owner, pool, shares) {
            Ok((.., served)) => {
                // paper: the PHA back from the pool serves the waiting depositors at once.
                self.flows.vault_withdrawn += served.iter().map(|s| s.amount).sum::<u128>();
                self.flows.vault_divests += 1;
                Ok(())
            }
            Err(PhalaError::DustWithdrawal { .. }) => Ok(()),
            Err(e) => Err(err(&self.econ, &e)),
        }
    }

    /// The owner's review: out of pools outside the best `pools`, the free PHA above the
    /// reserve into the best, evenly.
    fn rebalance(&mut self, i: usize) -> Result<(), Rejection> {
        let v = &self.agents.vaults;
        let n = (v.pools as usize).min(self.pools.len());
        if n == 0 {
            return Ok(());
        }
        let invest_share = v.invest_share;
        let (index, owner, account) =
            (self.vaults[i].index, self.vaults[i].owner, self.vaults[i].account);
        let best: Vec<usize> = if self.pools.iter().any(|p| p.rated) {
            self.pools_by_return().into_iter().take(n).collect()
        } else {
            (0..n).map(|k| (i * n + k) % self.pools.len()).collect()
        };
        if !self.vault_locked(i) {
            for p in 0..self.pools.len() {
                if best.contains(&p) {
                    continue;
                }
                let pool = self.pools[p].index;
                let held = self.econ.pool_shares(pool, account);
                if held > DUST {
                    self.divest(index, owner, pool, held)?;
                }
            }
        }
        let (row, _) = self.econ.vault_pool_row(index).map_err(|e| err(&self.econ, &e))?;
        // The reserve in parts per million of the value, exact: 0.9 invested keeps 100 000.
        let keep = ((1.0 - invest_share) * 1e6).round() as u128;
        let reserve =
            mul_div(row.total_value, keep, 1_000_000, Rounding::Down).map_err(|e| arith(&e))?;
        let queued: u128 =
            self.econ.vaults().queues[index.0 as usize].iter().map(|r| r.shares).sum();
        let waiting = if row.total_shares == 0 {
            0
        } else {
            mul_div(queued, row.total_value, row.total_shares, Rounding::Up)
                .map_err(|e| arith(&e))?
        };
        let spare = row.free.saturating_sub(reserve + waiting);
        let each = spare / n as u128;
        if each < PICO {
            return Ok(());
        }
        for p in best {
            let pool = self.pools[p].index;
            match self.econ.vault_invest(index, owner, pool, Amount(each)) {
                Ok(_) => self.flows.vault_invested += each,
                Err(PhalaError::PoolBankrupt { .. }) => {}
                Err(e) => return Err(err(&self.econ, &e)),
            }
        }
        Ok(())
    }
}
