//! What the agents do once a simulated day: meta nodes measure every node (outages included),
//! operators weigh the network's return, node operators, validators and delegators withdraw on
//! their day of the cycle, and delegators review their delegation (move to a cheaper validator,
//! or leave). docs/economies/stratos.md ("Simulation") states each rule.

use ergon_core::{AccountId, Amount, PerMill};

use super::behaviour::{FLOAT_STOS, normal, uniform};
use super::{Delegator, StratosModel};
use crate::error::StratosError;
use crate::nodes::{NodeIndex, NodeStatus};
use crate::params::{EPOCHS_PER_DAY, STOS};

/// Most the network's return scales the joins or the exits by, either way.
const RETURNS_SCALE_MAX: f64 = 4.0;

impl StratosModel {
    /// The day's work, in this order: measurements, the operators' view of returns,
    /// withdrawals, the delegators' reviews.
    pub(super) fn daily(&mut self) -> Result<(), StratosError> {
        let day = self.epochs / EPOCHS_PER_DAY;
        let deposits = self.measure(day)?;
        self.weigh_returns(deposits);
        self.withdraw(day)?;
        self.review_delegations(day);
        Ok(())
    }

    /// Meta nodes measure every node taking part: its usual score plus normal noise, clamped
    /// to [0, 1] — or, during an outage, a score drawn uniformly below the KPI. A node below
    /// the KPI is suspended; a suspended node back above it is reinstated. An outage starts
    /// with probability `1 − e^(−outages_per_year / 365)` a day and lasts `outage_days`.
    /// Returns the deposits of the nodes taking part, wei.
    fn measure(&mut self, day: u64) -> Result<u128, StratosError> {
        let r = &self.agents.resource_nodes;
        let (noise, outage_days) = (r.performance_noise, r.outage_days.max(1));
        let outage_chance = 1.0 - (-r.outages_per_year / 365.0).exp();
        let kpi = self.econ.params().kpi_min_ppm;
        let mut deposits = 0u128;
        for i in 0..self.operators.len() {
            let node = self.econ.resource_nodes()[i];
            if !matches!(node.status, NodeStatus::Active | NodeStatus::Suspended) {
                continue;
            }
            deposits += node.deposit.0;
            let z = normal(&mut self.rng) * noise;
            let op = &mut self.operators[i];
            if outage_chance > 0.0
                && op.outage_until <= day
                && uniform(&mut self.rng) < outage_chance
            {
                op.outage_until = day + outage_days;
            }
            let ppm = if op.outage_until > day {
                (uniform(&mut self.rng) * f64::from(kpi)) as u32
            } else {
                ((op.reliability + z).clamp(0.0, 1.0) * 1e6).round() as u32
            };
            let index = NodeIndex(i as u32);
            if self.econ.report_performance(index, PerMill::from_parts(ppm)?)? {
                self.flows.suspensions += 1;
            }
            if node.status == NodeStatus::Suspended && ppm >= kpi {
                self.econ.reinstate(index)?;
                self.flows.reinstatements += 1;
            }
        }
        Ok(deposits)
    }

    /// With a `target_apr`, the resource nodes' return of the last day, annualised against
    /// `deposits` (wei), sets how much joins and exits are scaled: joins by
    /// `min(apr / target, 4)`, exits by `min(max(target / apr, 0.25), 4)`.
    fn weigh_returns(&mut self, deposits: u128) {
        let target = self.agents.resource_nodes.target_apr;
        let earned = std::mem::take(&mut self.day_resource_rewards);
        if target <= 0.0 {
            return;
        }
        let apr =
            if deposits == 0 { f64::INFINITY } else { earned as f64 * 365.0 / deposits as f64 };
        let ratio = apr / target;
        self.join_scale = ratio.min(RETURNS_SCALE_MAX);
        self.exit_scale = (1.0 / ratio).clamp(1.0 / RETURNS_SCALE_MAX, RETURNS_SCALE_MAX);
    }

    /// Node operators (paper), validators and delegators withdraw on their day of the cycle.
    fn withdraw(&mut self, day: u64) -> Result<(), StratosError> {
        if self.econ.params().deposits_share_stake_rewards {
            let every = self.agents.resource_nodes.withdraw_every_days;
            let owners: Vec<AccountId> = (self.econ.resource_nodes().iter().map(|n| n.owner))
                .chain(self.econ.meta_nodes().iter().map(|m| m.owner))
                .enumerate()
                .filter(|&(k, _)| (k as u64 + day).is_multiple_of(every))
                .map(|(_, a)| a)
                .collect();
            for a in owners {
                self.econ.withdraw_deposit_rewards(a)?;
            }
        }
        let every = self.agents.delegators.withdraw_every_days;
        for k in 0..self.delegators.len() {
            let d = self.delegators[k];
            if (k as u64 + day).is_multiple_of(every)
                && d.staked()
                && let Some(v) = self.econ.validator_of(d.validator)
            {
                self.econ.withdraw_rewards(d.account, v)?;
            }
        }
        let every = self.agents.validators.withdraw_every_days;
        for k in 0..self.validators.len() {
            if (k as u64 + day).is_multiple_of(every)
                && let Some(v) = self.econ.validator_of(self.validators[k])
            {
                self.econ.withdraw_commission(v)?;
            }
        }
        Ok(())
    }

    /// Each delegator on its review day: one moving delegates what it holds (less its gas
    /// float) to its new validator once nothing of it is unbonding; one staying leaves with
    /// probability `1 − e^(−unbond_per_year · review_days / 365)` (undelegating everything);
    /// else, with probability `switch_share`, it compares commissions and moves when the
    /// cheapest validator charges at least `switch_margin` less than its own.
    fn review_delegations(&mut self, day: u64) {
        let d = &self.agents.delegators;
        let every = d.review_every_days;
        let leave_chance = 1.0 - (-d.unbond_per_year * every as f64 / 365.0).exp();
        let (switch_share, margin_ppm) = (d.switch_share, (d.switch_margin * 1e6).round() as u32);
        let cheapest = self.cheapest_validator();
        for k in 0..self.delegators.len() {
            let del = self.delegators[k];
            if !(k as u64 + day).is_multiple_of(every) || del.gone {
                continue;
            }
            if let Some(to) = del.moving_to {
                self.complete_move(k, to);
                continue;
            }
            let Some(v) = self.econ.validator_of(del.validator) else { continue };
            if leave_chance > 0.0 && uniform(&mut self.rng) < leave_chance {
                if self.undelegate_all(del.account, del.validator) {
                    self.delegators[k].gone = true;
                    self.flows.delegators_left += 1;
                }
                continue;
            }
            if switch_share <= 0.0 || uniform(&mut self.rng) >= switch_share {
                continue;
            }
            let own = self.econ.staking().validator(v).map_or(0, |x| x.commission_ppm());
            if let Some((best, best_ppm)) = cheapest
                && best != del.validator
                && own >= best_ppm.saturating_add(margin_ppm)
                && self.undelegate_all(del.account, del.validator)
            {
                self.delegators[k].moving_to = Some(best);
                self.flows.delegations_moved += 1;
            }
        }
    }

    /// The operator and commission of the validator with the lowest commission that is not
    /// jailed (the first in order on a tie).
    fn cheapest_validator(&self) -> Option<(AccountId, u32)> {
        let staking = self.econ.staking();
        let mut best: Option<(AccountId, u32)> = None;
        for (_, v) in staking.validators() {
            if !v.is_jailed() && best.is_none_or(|(_, ppm)| v.commission_ppm() < ppm) {
                best = Some((v.operator(), v.commission_ppm()));
            }
        }
        best
    }

    /// Undelegates all of `account`'s stake with the validator run by `operator`. Whether
    /// anything was undelegated.
    fn undelegate_all(&mut self, account: AccountId, operator: AccountId) -> bool {
        let Some(v) = self.econ.validator_of(operator) else { return false };
        let value =
            self.econ.staking().validator(v).map_or(Amount::ZERO, |x| x.delegation_value(account));
        !value.is_zero() && self.econ.undelegate(account, v, value).is_ok()
    }

    /// Delegator `k`, moving to the validator run by `to`, delegates its balance less its gas
    /// float once none of its stake is still unbonding.
    fn complete_move(&mut self, k: usize, to: AccountId) {
        let account = self.delegators[k].account;
        if self.econ.staking().unbonding_count(account) > 0 {
            return;
        }
        let float = FLOAT_STOS as u128 * STOS;
        let amount = Amount(self.econ.stos_balance(account).0.saturating_sub(float));
        let Some(v) = self.econ.validator_of(to) else { return };
        if !amount.is_zero() && self.econ.delegate(account, v, amount).is_ok() {
            self.delegators[k] = Delegator { validator: to, moving_to: None, ..self.delegators[k] };
        }
    }
}

impl Delegator {
    /// Whether it has stake bonded now (not gone, not between two validators).
    fn staked(&self) -> bool {
        !self.gone && self.moving_to.is_none()
    }
}
