//! The developers of a paper-profile simulation (seed 003, the AMA: "the developer can choose
//! what kind of the miner to deploy the dapps"; spec: shared/spec/phala.md, "Contracts (paper
//! profile)"; docs/economies/phala.md, "Simulation"): each day's deployments at uniform blocks
//! of the day, each by a uniform developer, accepting the tiers 1–3 (with chance
//! `strict_share`) or 1–5, with a drawn gas budget and fee; the engine's weighted draw takes its
//! 64 random bits from the run's task stream. Each day a running contract's developer stops it
//! with chance `stop_per_day`. Every change goes through the economy's public operations.

use ergon_core::dist::to_base_units;
use ergon_core::economy::Rejection;
use ergon_core::{Amount, Holder};

use super::PhalaModel;
use super::behaviour::{DAY, err, unit};
use crate::PhalaError;
use crate::contracts::ContractIndex;

/// Accepted tiers of a strict contract and of any other.
const STRICT: [u8; 3] = [1, 2, 3];
const ANY: [u8; 5] = [1, 2, 3, 4, 5];

impl PhalaModel {
    /// Draws today's deployments (at uniform blocks of the day) and stops contracts whose
    /// developer leaves today.
    pub(super) fn developers_day(&mut self) -> Result<(), Rejection> {
        self.deploys.clear();
        self.next_deploy = 0;
        if self.developers.is_empty() {
            return Ok(());
        }
        let d = &self.agents.developers;
        let stop = d.stop_per_day;
        let running: Vec<u32> = (0..self.econ.contracts().rows.len() as u32)
            .filter(|&c| self.econ.contracts().rows.rows()[c as usize].ended.is_none())
            .collect();
        for c in running {
            if unit(&mut self.tasks) < stop {
                let c = ContractIndex(c);
                let dev = ergon_core::AccountId(self.econ.contract_row(c).developer);
                let ended = self.econ.stop_contract(c, dev).map_err(|e| err(&self.econ, &e))?;
                self.flows.gas += ended.gas;
                self.flows.contracts_stopped += 1;
            }
        }
        let per_day = self.agents.developers.contracts_per_day;
        let whole = per_day.floor();
        let n = whole as u64 + u64::from(unit(&mut self.tasks) < per_day - whole);
        for _ in 0..n {
            let at = self.blocks + self.tasks.below(DAY);
            self.deploys.push(at);
        }
        self.deploys.sort_unstable();
        Ok(())
    }

    /// The deployments due by this block.
    pub(super) fn deploy_due(&mut self) -> Result<(), Rejection> {
        while let Some(&due) = self.deploys.get(self.next_deploy) {
            if due > self.blocks {
                break;
            }
            self.next_deploy += 1;
            self.deploy()?;
        }
        Ok(())
    }

    /// One deployment: a uniform developer, its tiers, budget and fee drawn; skipped when the
    /// developer cannot pay the budget or no eligible worker is Idle.
    fn deploy(&mut self) -> Result<(), Rejection> {
        let d = &self.agents.developers;
        let dev = self.developers[self.tasks.below(self.developers.len() as u64) as usize];
        let tiers: &[u8] = if unit(&mut self.tasks) < d.strict_share { &STRICT } else { &ANY };
        let budget = to_base_units(d.gas_budget.sampler(1e-6).sample(&mut self.tasks), 12);
        let rate = to_base_units(d.gas_per_block.sampler(1e-6).sample(&mut self.tasks), 12);
        let draw = self.tasks.next_u64();
        if self.econ.balance_of(Holder::Account(dev)).0 < budget || budget == 0 || rate == 0 {
            self.flows.contracts_unassigned += 1;
            return Ok(());
        }
        let name = format!("c{}", self.econ.contracts().rows.len());
        match self.econ.deploy_contract(&name, dev, tiers, Amount(budget), Amount(rate), draw) {
            Ok(_) => self.flows.contracts_deployed += 1,
            Err(PhalaError::NoEligibleWorker { .. }) => self.flows.contracts_unassigned += 1,
            Err(e) => return Err(err(&self.econ, &e)),
        }
        Ok(())
    }
}
