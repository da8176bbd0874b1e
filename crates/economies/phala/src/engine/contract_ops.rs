//! The contract operations of the paper profile (spec: shared/spec/phala.md, "Contracts (paper
//! profile)"; the rules are in [`crate::contracts`]): deploy (escrow the gas budget, assign a
//! worker by the weighted draw), stop by the developer, and the gas settlements that a
//! worker's heartbeat and stop make. Under `khala` (no Active state) deploying and stopping are
//! refused with `not_in_profile`.
//!
//! Each public operation checks everything first, then changes the state inside one
//! transaction ([`ergon_core::txn::atomic`]). Gas moves between the developer's account, the
//! `gas_escrow` ledger pool and the worker operator's account only.

use ergon_core::txn::atomic;
use ergon_core::{AccountId, Amount, Holder};

use crate::Phala;
use crate::contracts::{self, ContractEnd, ContractIndex, ContractRow};
use crate::error::{PhalaError, Result};
use crate::params::Profile;
use crate::workers::{Row, WorkerIndex, WorkerState};

/// A deployment's figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deployed {
    /// The new contract.
    pub contract: ContractIndex,
    /// The worker assigned (now Active).
    pub worker: WorkerIndex,
    /// Its weight `conf × P` in tenths.
    pub weight: u64,
    /// The eligible workers' total weight.
    pub total_weight: u64,
    /// The draw's point in `0..total_weight`.
    pub point: u64,
}

/// Gas a settlement paid, PHA base units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasPaid {
    /// The contract.
    pub contract: ContractIndex,
    /// Paid to the worker's operator now.
    pub paid: u128,
    /// Left in the escrow for the contract.
    pub left: u128,
    /// The contract ended with this payment (its escrow spent).
    pub ended: bool,
}

/// A contract's end, PHA base units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ended {
    /// The contract.
    pub contract: ContractIndex,
    /// Why it ended.
    pub reason: ContractEnd,
    /// Gas paid to the worker at the end (the blocks since its last payment; none while it is
    /// unresponsive).
    pub gas: u128,
    /// Returned to the developer.
    pub refund: u128,
}

impl Phala {
    /// Refuses `op` unless the profile is paper.
    pub(crate) fn paper_only(&self, op: &'static str) -> Result<()> {
        match self.params.profile {
            Profile::Paper => Ok(()),
            profile => Err(PhalaError::NotInProfile { op, profile }),
        }
    }

    /// The contract named `name`.
    #[must_use]
    pub fn contract_named(&self, name: &str) -> Option<ContractIndex> {
        self.contracts.names.id(name).map(ContractIndex)
    }

    /// Contract `c`'s name.
    #[must_use]
    pub fn contract_name(&self, c: ContractIndex) -> &str {
        self.contracts.names.name(c.0)
    }

    /// Contract `c`'s figures. Panics when `c` is not a contract's index (a bug).
    #[must_use]
    pub fn contract_row(&self, c: ContractIndex) -> ContractRow {
        self.contracts.rows.rows()[c.0 as usize]
    }

    /// The eligible workers for a contract accepting `mask` and their weights, in
    /// registration order: Idle workers of an accepted tier.
    fn eligible(&self, mask: u8) -> (Vec<WorkerIndex>, Vec<u64>) {
        let (mut ids, mut weights) = (Vec::new(), Vec::new());
        for (i, state) in self.workers.states().enumerate() {
            if state != WorkerState::Idle {
                continue;
            }
            let w = WorkerIndex(i as u32);
            let row = self.workers.row_stored(w);
            if contracts::accepts(mask, row.level) {
                ids.push(w);
                weights.push(contracts::weight(row.level, row.tok.p_bench.floor_int()));
            }
        }
        (ids, weights)
    }

    /// paper: developer `developer` deploys contract `name` accepting `tiers`, escrowing
    /// `gas_budget` and paying `gas_per_block` a block of execution. The scheduler assigns it
    /// to the eligible worker the weighted draw `draw` picks ([`contracts::pick`]); the worker
    /// becomes Active and its gas clock starts at the current block.
    pub fn deploy_contract(
        &mut self,
        name: &str,
        developer: AccountId,
        tiers: &[u8],
        gas_budget: Amount,
        gas_per_block: Amount,
        draw: u64,
    ) -> Result<Deployed> {
        self.paper_only("deploy_contract")?;
        self.fresh_sum_share();
        if developer.0 as usize >= self.accounts.len() {
            return Err(PhalaError::UnknownAccount { name: format!("#{}", developer.0) });
        }
        ergon_core::names::check_name("contract", name)?;
        if self.contract_named(name).is_some() {
            return Err(PhalaError::DuplicateContract { name: name.into() });
        }
        let mask =
            contracts::tier_mask(tiers).ok_or(PhalaError::BadTiers { tiers: tiers.to_vec() })?;
        if gas_budget.0 == 0 {
            return Err(PhalaError::ZeroGas { field: "gas_budget" });
        }
        if gas_per_block.0 == 0 {
            return Err(PhalaError::ZeroGas { field: "gas_per_block" });
        }
        let (ids, weights) = self.eligible(mask);
        let (i, point) = contracts::pick(draw, &weights)
            .ok_or(PhalaError::NoEligibleWorker { tiers: contracts::tiers_of(mask) })?;
        let w = ids[i];
        let total_weight = weights.iter().sum();
        let mut row = self.workers.row(w);
        let from = Holder::Account(developer);
        let escrow = Holder::Pool(self.pools.gas_escrow);
        atomic(self, |s| {
            s.ledger.transfer(s.pha, from, escrow, gas_budget)?;
            let id = s
                .contracts
                .names
                .push(name)
                .ok_or(PhalaError::DuplicateContract { name: name.into() })?;
            s.contracts.rows.push(ContractRow {
                developer: developer.0,
                tiers: mask,
                gas_per_block: gas_per_block.0,
                escrow: gas_budget.0,
                worker: w.0,
                last_gas_block: s.block,
                paid: 0,
                ended: None,
            });
            s.contracts.totals.get_mut().deposited += gas_budget.0;
            row.state = WorkerState::Active;
            row.contract = Some(id);
            s.workers.set(w, row);
            Ok(Deployed {
                contract: ContractIndex(id),
                worker: w,
                weight: weights[i],
                total_weight,
                point,
            })
        })
    }

    /// paper: the developer stops contract `c`: its worker is paid the gas due now (none while
    /// unresponsive), the rest of the escrow returns to the developer, the worker is Idle again.
    pub fn stop_contract(&mut self, c: ContractIndex, developer: AccountId) -> Result<Ended> {
        self.paper_only("stop_contract")?;
        self.fresh_sum_share();
        let row = self
            .contracts
            .rows
            .get(c.0 as usize)
            .copied()
            .ok_or_else(|| PhalaError::UnknownContract { name: format!("#{}", c.0) })?;
        if row.ended.is_some() {
            return Err(PhalaError::ContractEnded { contract: c.0 });
        }
        if row.developer != developer.0 {
            return Err(PhalaError::NotContractDeveloper { contract: c.0, account: developer.0 });
        }
        let w = WorkerIndex(row.worker);
        let mut wrow = self.workers.row(w);
        atomic(self, |s| {
            let ended = s.end_contract(c, &mut wrow, ContractEnd::Stopped)?;
            s.workers.set(w, wrow);
            Ok(ended)
        })
    }

    /// Pays contract `c`'s gas due now to worker row `wrow`'s operator (`gas_escrow` → the
    /// account) and restarts its gas clock; an unresponsive worker is paid nothing (the
    /// blocks since the last payment are lost). Inside the caller's transaction.
    fn pay_gas(&mut self, c: ContractIndex, wrow: &Row) -> Result<ContractRow> {
        let mut row = self.contract_row(c);
        let gas = if wrow.unresponsive { 0 } else { row.gas_due(self.block) };
        let (escrow, owner) =
            (Holder::Pool(self.pools.gas_escrow), Holder::Account(AccountId(wrow.owner)));
        self.ledger.transfer(self.pha, escrow, owner, Amount(gas))?;
        row.escrow -= gas;
        row.paid += gas;
        row.last_gas_block = self.block;
        self.contracts.totals.get_mut().paid += gas;
        self.contracts.rows.update(c.0 as usize, |r| *r = row);
        Ok(row)
    }

    /// A heartbeat's gas: paid as [`Phala::pay_gas`] does; a contract whose escrow is then
    /// spent ends and its worker is Idle again. Inside the caller's transaction; the caller
    /// saves `wrow`.
    pub(crate) fn heartbeat_gas(&mut self, c: ContractIndex, wrow: &mut Row) -> Result<GasPaid> {
        let before = self.contract_row(c).paid;
        let row = self.pay_gas(c, wrow)?;
        let ended = row.escrow == 0;
        if ended {
            self.end_contract(c, wrow, ContractEnd::Spent)?;
        }
        Ok(GasPaid { contract: c, paid: row.paid - before, left: row.escrow, ended })
    }

    /// Ends contract `c` run by worker row `wrow`: the gas due (see [`Phala::pay_gas`]), the
    /// escrow's rest back to the developer, the worker released (Active → Idle). Inside the
    /// caller's transaction; the caller saves `wrow`.
    pub(crate) fn end_contract(
        &mut self,
        c: ContractIndex,
        wrow: &mut Row,
        reason: ContractEnd,
    ) -> Result<Ended> {
        let before = self.contract_row(c).paid;
        let mut row = self.pay_gas(c, wrow)?;
        let refund = row.escrow;
        let (escrow, developer) =
            (Holder::Pool(self.pools.gas_escrow), Holder::Account(AccountId(row.developer)));
        self.ledger.transfer(self.pha, escrow, developer, Amount(refund))?;
        row.escrow = 0;
        row.ended = Some(reason);
        self.contracts.totals.get_mut().refunded += refund;
        self.contracts.rows.update(c.0 as usize, |r| *r = row);
        wrow.contract = None;
        if wrow.state == WorkerState::Active {
            wrow.state = WorkerState::Idle;
        }
        Ok(Ended { contract: c, reason, gas: row.paid - before, refund })
    }
}
