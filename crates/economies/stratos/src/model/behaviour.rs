//! What the agents do: the genesis they start from, and each epoch's joins, exits, daily
//! performance reports and withdrawals, users' arrivals and requests (buying Ozone when they
//! run short).

use std::fmt::Write as _;

use ergon_core::dist::to_base_units;
use ergon_core::economy::Rejection;
use ergon_core::rng::purpose;
use ergon_core::{AccountId, Amount, ChurnSampler, RngStreams, StreamRng};
use rand_distr::{Distribution, Poisson};

use super::config::Users;
use super::config::{Agents, Config, Delegators, MetaNodes, Validators};
use super::{Delegator, Downloads, Flows, Operator, Samplers, StratosModel, User, agent_rng};
use crate::error::StratosError;
use crate::genesis::Builder;
use crate::nodes::{NodeIndex, NodeStatus};
use crate::params::EPOCHS_PER_DAY;

/// STOS each node and validator account holds beside its deposit or bond, for gas.
pub(super) const FLOAT_STOS: f64 = 10.0;
/// Epochs in a simulated year.
const EPOCHS_PER_YEAR: f64 = (365 * EPOCHS_PER_DAY) as f64;

pub(super) fn uniform(rng: &mut StreamRng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn poisson(rng: &mut StreamRng, lambda: f64) -> u64 {
    match Poisson::new(lambda) {
        Ok(p) if lambda > 0.0 => p.sample(rng) as u64,
        _ => 0,
    }
}

pub(super) fn stos(x: f64) -> Amount {
    Amount(to_base_units(x, 18))
}

/// `x` Oz in noz, rounded down.
fn oz(x: f64) -> Amount {
    Amount(to_base_units(x, 9))
}

/// A fraction in parts per million, rounded down (above 1 it is more than 1,000,000, which the
/// economy refuses).
fn ppm(x: f64) -> u32 {
    u32::try_from(to_base_units(x, 6)).unwrap_or(u32::MAX)
}

fn rate_weight(per_day: f64) -> u64 {
    (per_day * 1e6).round().clamp(0.0, 1e15) as u64
}

/// The genesis of a run and its agents: the samplers, the genesis accounts opened, the genesis
/// drawn population by population (resource nodes, meta nodes, validators, delegators, users)
/// into the economy as it is built, then the market, the validators and the model over it.
///
/// Determinism: everything comes from the job's `streams`. The agents draw from
/// `streams.stream(&[purpose::AGENTS])`; the genesis seed is `streams.derive(&[purpose::TASKS])`,
/// whole, and the economy derives its task stream from it at `[purpose::TASKS]` (as for a
/// replay genesis), so tasks are drawn from `streams.stream(&[purpose::TASKS, purpose::TASKS])`.
/// The populations are drawn in that order, each agent's draws in a fixed order.
pub(super) fn build(
    config: &Config,
    agents: &Agents,
    streams: &RngStreams,
) -> Result<StratosModel, Rejection> {
    let mut rng = agent_rng(streams);
    let samplers = samplers(agents);
    let mut draft = Draft::new(config, agents, streams)?;
    draft.resource_nodes(agents.resource_nodes.count, &samplers, &mut rng)?;
    draft.meta_nodes(&agents.meta_nodes, &mut rng)?;
    draft.validators(&agents.validators, &mut rng)?;
    draft.delegators(&agents.delegators, agents.validators.count, &mut rng)?;
    draft.users(agents.users.count, &samplers, &mut rng)?;
    draft.open_market(config)?;
    model(draft, agents, rng, samplers)
}

/// The samplers of the draws the model makes again after genesis (joining nodes and users,
/// requests, PREPAYs).
fn samplers(agents: &Agents) -> Samplers {
    let (r, u) = (&agents.resource_nodes, &agents.users);
    Samplers {
        deposit: r.deposit.sampler(1e-18),
        capacity: r.capacity.sampler(1e-9),
        performance: r.performance.sampler(0.0),
        balance: u.balance.sampler(0.0),
        rate: u.requests_per_day.sampler(0.0),
        upload: u.upload_size.sampler(1e-9),
        download: u.download_size.sampler(1e-9),
        query: u.query_size.sampler(1e-9),
        touches: u.query_touches.sampler(0.0),
        prepay: u.prepay.sampler(0.0),
        mix_total: mix_total(u.mix.upload, u.mix.download, u.mix.query),
    }
}

/// The request mix's total weight, none when one kind has it all (a request's kind is then
/// known without a draw).
fn mix_total(upload: f64, download: f64, query: f64) -> Option<f64> {
    let kinds = [upload, download, query].iter().filter(|&&w| w > 0.0).count();
    (kinds != 1).then_some(upload + download + query)
}

/// A run's genesis while its agents are drawn: the economy being built, the genesis agents'
/// accounts, and what the model keeps of them.
struct Draft {
    genesis: Builder,
    ids: Ids,
    /// The deposits drawn so far, STOS, summed in draw order.
    deposits: f64,
    /// The genesis resource nodes' operators, in node order.
    operators: Vec<Operator>,
    /// Each validator's self-bond and commission (parts per million), in order.
    validators: Vec<(Amount, u32)>,
    /// Each delegator that delegates: its account, its validator's position and the amount.
    delegations: Vec<(AccountId, usize, Amount)>,
    /// The genesis users' request-rate weights, in order.
    rates: ChurnSampler,
}

/// The genesis agents' accounts, each population in index order. The economy opens them in
/// the order of their names, as the name-ordered accounts of a [`crate::Genesis`] are opened:
/// `d…`, `exchange`, `m…`, `r…`, `u…`, `v…`, and within a population `r0`, `r1`, `r10`, …
/// ([`decimal_order`]), so each agent has the account it would have from such a genesis.
struct Ids {
    delegators: Vec<AccountId>,
    exchange: AccountId,
    metas: Vec<AccountId>,
    nodes: Vec<AccountId>,
    users: Vec<AccountId>,
    validators: Vec<AccountId>,
}

impl Ids {
    /// Opens every genesis agent's account, in name order.
    fn open(g: &mut Builder, agents: &Agents) -> Result<Ids, Rejection> {
        let total = [
            agents.delegators.count,
            agents.meta_nodes.count,
            agents.resource_nodes.count,
            agents.users.count,
            agents.validators.count,
        ];
        let total = total.iter().sum::<u64>().saturating_add(1);
        g.reserve_accounts(usize::try_from(total).unwrap_or(usize::MAX), 8);
        Ok(Ids {
            delegators: open_population(g, 'd', agents.delegators.count)?,
            exchange: g.open("exchange")?,
            metas: open_population(g, 'm', agents.meta_nodes.count)?,
            nodes: open_population(g, 'r', agents.resource_nodes.count)?,
            users: open_population(g, 'u', agents.users.count)?,
            validators: open_population(g, 'v', agents.validators.count)?,
        })
    }
}

/// Opens the accounts `{prefix}0` … `{prefix}{n-1}` in the order of their names; returns them
/// by index.
fn open_population(g: &mut Builder, prefix: char, n: u64) -> Result<Vec<AccountId>, Rejection> {
    let mut ids = vec![AccountId(0); usize::try_from(n).unwrap_or(usize::MAX)];
    let mut name = String::new();
    for i in decimal_order(n) {
        name.clear();
        write!(name, "{prefix}{i}").expect("writing to a string cannot fail");
        ids[i as usize] = g.open(&name)?;
    }
    Ok(ids)
}

/// `0 … n-1` in the order of their decimal names: 0, 1, 10, 100, …, 11, …, 2, 20, …
fn decimal_order(n: u64) -> impl Iterator<Item = u64> {
    std::iter::successors((n > 0).then_some(0), move |&cur| decimal_next(cur, n))
}

/// The number after `cur` in [`decimal_order`]`(n)`.
fn decimal_next(cur: u64, n: u64) -> Option<u64> {
    if cur == 0 {
        return (n > 1).then_some(1);
    }
    if cur.checked_mul(10).is_some_and(|c| c < n) {
        return Some(cur * 10);
    }
    // Up to the nearest prefix with a next sibling below n, then that sibling.
    let mut c = cur;
    while c % 10 == 9 || c + 1 >= n {
        c /= 10;
        if c == 0 {
            return None;
        }
    }
    Some(c + 1)
}

impl Draft {
    /// The economy's ledger and pools under the scenario's profile and parameters, with the
    /// task seed, and every genesis agent's account, empty but the exchange's.
    fn new(config: &Config, agents: &Agents, streams: &RngStreams) -> Result<Draft, Rejection> {
        let seed = streams.derive(&[purpose::TASKS]);
        let mut genesis = Builder::new(config.profile, &config.params, seed)?;
        let ids = Ids::open(&mut genesis, agents)?;
        genesis.mint(ids.exchange, stos(agents.exchange))?;
        Ok(Draft {
            genesis,
            ids,
            deposits: 0.0,
            operators: Vec::new(),
            validators: Vec::new(),
            delegations: Vec::new(),
            rates: ChurnSampler::new(),
        })
    }

    /// `count` resource nodes `r0`, `r1`, …: each draws its deposit, its capacity and its
    /// operator's usual performance; its account holds the deposit and a float for gas.
    fn resource_nodes(
        &mut self,
        count: u64,
        samplers: &Samplers,
        rng: &mut StreamRng,
    ) -> Result<(), Rejection> {
        self.operators.reserve_exact(self.ids.nodes.len());
        for i in 0..count as usize {
            let (id, d) = (self.ids.nodes[i], samplers.deposit.sample(rng));
            let capacity = samplers.capacity.sample(rng);
            self.deposits += d;
            let at = |r| blame(r, "agents.resource_nodes.deposit", 'r', i);
            self.genesis.mint(id, stos(d + FLOAT_STOS)).map_err(at)?;
            self.genesis.resource_node(id, stos(d), Some(oz(capacity))).map_err(at)?;
            self.operators
                .push(Operator { reliability: samplers.performance.sample(rng), outage_until: 0 });
        }
        Ok(())
    }

    /// The meta nodes `m0`, `m1`, …: each draws its deposit, which its account holds.
    fn meta_nodes(&mut self, metas: &MetaNodes, rng: &mut StreamRng) -> Result<(), Rejection> {
        let meta_deposit = metas.deposit.sampler(1e-18);
        for i in 0..metas.count as usize {
            let (id, d) = (self.ids.metas[i], meta_deposit.sample(rng));
            self.deposits += d;
            let at = |r| blame(r, "agents.meta_nodes.deposit", 'm', i);
            self.genesis.mint(id, stos(d)).map_err(at)?;
            self.genesis.meta_node(id, stos(d)).map_err(at)?;
        }
        Ok(())
    }

    /// The validators `v0`, `v1`, …: each draws its self-bond and its commission (at most 1);
    /// its account holds the bond and a float for gas.
    fn validators(
        &mut self,
        validators: &Validators,
        rng: &mut StreamRng,
    ) -> Result<(), Rejection> {
        let (bond, commission) =
            (validators.self_bond.sampler(1e-18), validators.commission.sampler(0.0));
        for i in 0..validators.count as usize {
            let b = bond.sample(rng);
            let c = commission.sample(rng).min(1.0);
            let at = |r| blame(r, "agents.validators.self_bond", 'v', i);
            self.genesis.mint(self.ids.validators[i], stos(b + FLOAT_STOS)).map_err(at)?;
            self.validators.push((stos(b), ppm(c)));
        }
        Ok(())
    }

    /// The delegators `d0`, `d1`, …: each draws its amount and one of the `validators`
    /// uniformly; its account holds the amount and a float for gas, and it delegates the
    /// amount unless that is zero.
    fn delegators(
        &mut self,
        delegators: &Delegators,
        validators: u64,
        rng: &mut StreamRng,
    ) -> Result<(), Rejection> {
        let amount = delegators.amount.sampler(0.0);
        for i in 0..delegators.count as usize {
            let (id, a) = (self.ids.delegators[i], amount.sample(rng));
            let v = rng.below(validators) as usize;
            let at = |r| blame(r, "agents.delegators.amount", 'd', i);
            self.genesis.mint(id, stos(a + FLOAT_STOS)).map_err(at)?;
            let amount = stos(a);
            if !amount.is_zero() {
                self.delegations.push((id, v, amount));
            }
        }
        Ok(())
    }

    /// `count` users `u0`, `u1`, …: each draws its balance, then its request rate.
    fn users(
        &mut self,
        count: u64,
        samplers: &Samplers,
        rng: &mut StreamRng,
    ) -> Result<(), Rejection> {
        for i in 0..count as usize {
            let balance = stos(samplers.balance.sample(rng));
            let at = |r| blame(r, "agents.users.balance", 'u', i);
            self.genesis.mint(self.ids.users[i], balance).map_err(at)?;
            self.rates.push(rate_weight(samplers.rate.sample(rng)));
        }
        Ok(())
    }

    /// The market with the initial Ozone limit: the scenario's, or 1,000 Oz per STOS of genesis
    /// deposit; on mainnet without one, the economy's default (S / rate).
    fn open_market(&mut self, config: &Config) -> Result<(), Rejection> {
        let given = config.ozone_limit_noz().map_err(|e| e.at("economy.ozone_limit"))?;
        let limit = match given {
            Some(l) => Some(l),
            None if config.profile == crate::Profile::Mainnet => None,
            None => Some(oz(self.deposits * 1_000.0)),
        };
        self.genesis.open_market(limit)
    }
}

/// The economy built from the draft, its validators created with their delegations (each
/// validator's in the order of the delegators' names, as a [`crate::Genesis`] lists them), and
/// the model over it.
fn model(
    draft: Draft,
    agents: &Agents,
    rng: StreamRng,
    samplers: Samplers,
) -> Result<StratosModel, Rejection> {
    let Draft { mut genesis, ids, operators, validators: bonds, delegations, rates, .. } = draft;
    let mut by_validator: Vec<Vec<(AccountId, Amount)>> = vec![Vec::new(); bonds.len()];
    for &(d, v, a) in &delegations {
        by_validator[v].push((d, a));
    }
    for (k, &(bond, commission)) in bonds.iter().enumerate() {
        by_validator[k].sort_unstable_by_key(|&(d, _)| d);
        genesis.validator(ids.validators[k], bond, commission, &by_validator[k])?;
    }
    let mut econ = genesis.finish();
    econ.set_report_detail(false);
    let delegators = delegations
        .iter()
        .map(|&(account, v, _)| Delegator {
            account,
            validator: ids.validators[v],
            moving_to: None,
            gone: false,
        })
        .collect();
    let rewards_seen = vec![0; operators.len()];
    let mean_charge_oz = mean_charge_oz(&agents.users);
    Ok(StratosModel {
        exchange: ids.exchange,
        econ,
        agents: agents.clone(),
        rng,
        samplers,
        users: ids.users.into_iter().map(|account| User { account }).collect(),
        rates,
        batch: Downloads::default(),
        operators,
        delegators,
        validators: ids.validators,
        flows: Flows::default(),
        rewards_seen,
        day_resource_rewards: 0,
        join_scale: 1.0,
        exit_scale: 1.0,
        mean_charge_oz,
        epochs: 0,
        one_by_one: false,
    })
}

impl StratosModel {
    /// The agents' actions of one epoch. An error is a rejection the model did not expect.
    pub(super) fn act(&mut self) -> Result<(), StratosError> {
        if self.epochs > 0 && self.epochs.is_multiple_of(EPOCHS_PER_DAY) {
            self.daily()?;
        }
        if self.epochs.is_multiple_of(EPOCHS_PER_DAY) {
            self.events(self.epochs / EPOCHS_PER_DAY)?;
        }
        let (joins_per_day, exits_per_year) =
            (self.agents.resource_nodes.joins_per_day, self.agents.resource_nodes.exits_per_year);
        let joins = poisson(&mut self.rng, joins_per_day * self.join_scale / EPOCHS_PER_DAY as f64);
        for _ in 0..joins {
            self.join_node()?;
        }
        let active = self.econ.nodes_taking_tasks() as f64;
        let exits =
            poisson(&mut self.rng, active * exits_per_year * self.exit_scale / EPOCHS_PER_YEAR);
        for _ in 0..exits {
            self.leave_node()?;
        }
        let u = &self.agents.users;
        let lambda = u.count as f64 * u.growth_per_year / EPOCHS_PER_YEAR;
        let arrivals = poisson(&mut self.rng, lambda);
        for _ in 0..arrivals {
            self.join_user()?;
        }
        let standing = self.agents.users.prepay_per_epoch;
        if standing > 0.0
            && let Ok(i) = self.rates.sample(&mut self.rng)
        {
            let user = self.users[i].account;
            self.prepay_up_to(user, stos(standing), false);
        }
        let requests = match self.agents.users.requests_per_epoch {
            Some(n) => n,
            None => {
                let per_day = self.rates.total() as f64 / 1e6;
                poisson(&mut self.rng, per_day / EPOCHS_PER_DAY as f64)
            }
        };
        let mut left = requests;
        while left > 0 {
            if !self.one_by_one
                && let Some(i) = self.rates.sole()
                && self.downloads_only()
            {
                left -= self.sole_downloads(i, left);
                continue;
            }
            let Ok(i) = self.rates.sample(&mut self.rng) else { break };
            self.request(i);
            left -= 1;
        }
        self.send_downloads();
        Ok(())
    }

    pub(super) fn gas(&mut self, from: AccountId) {
        let gas = stos(self.agents.gas_per_tx);
        if !gas.is_zero() && self.econ.stos_balance(from) >= gas {
            let _ = self.econ.pay_gas(from, gas);
        }
    }

    /// A new operator buys its deposit from the exchange and activates a node (none while the
    /// network holds `max_resource_nodes`, the exchange cannot sell the deposit, or the draw is
    /// below `resource_node_min_deposit`).
    fn join_node(&mut self) -> Result<(), StratosError> {
        let d = self.samplers.deposit.sample(&mut self.rng);
        let capacity = self.samplers.capacity.sample(&mut self.rng);
        let reliability = self.samplers.performance.sample(&mut self.rng);
        let (deposit, float) = (stos(d), stos(FLOAT_STOS));
        let need = Amount(deposit.0 + float.0);
        let full = self.econ.resource_nodes().len() as u64
            >= u64::from(self.econ.params().max_resource_nodes);
        let least = self.econ.params().least_resource_deposit();
        if full || self.econ.stos_balance(self.exchange) < need || deposit < least {
            return Ok(());
        }
        let name = format!("r{}", self.operators.len());
        let owner = self.econ.open(&name)?;
        self.econ.transfer_stos(self.exchange, owner, need)?;
        self.econ.activate_node(owner, deposit, oz(capacity))?;
        self.gas(owner);
        self.operators.push(Operator { reliability, outage_until: 0 });
        self.rewards_seen.push(0);
        self.flows.nodes_joined += 1;
        Ok(())
    }

    /// A node chosen uniformly among those taking part leaves: it unregisters, or (with the
    /// scenario's shutdown share) just goes offline.
    fn leave_node(&mut self) -> Result<(), StratosError> {
        // Drawn over every node ever registered until one taking part (active or suspended)
        // comes up: uniform among those taking part. A node taking tasks is active, so with one
        // the draws end.
        let n = self.operators.len() as u64;
        if n == 0 || self.econ.nodes_taking_tasks() == 0 {
            return Ok(());
        }
        loop {
            let i = self.rng.below(n) as usize;
            let status = self.econ.resource_nodes()[i].status;
            if matches!(status, NodeStatus::Active | NodeStatus::Suspended) {
                return self.leave(i);
            }
        }
    }

    /// Node `i`, if it takes part, leaves: it unregisters, or (with the scenario's shutdown
    /// share) just goes offline.
    fn leave(&mut self, i: usize) -> Result<(), StratosError> {
        let status = self.econ.resource_nodes()[i].status;
        if !matches!(status, NodeStatus::Active | NodeStatus::Suspended) {
            return Ok(());
        }
        let shutdown = uniform(&mut self.rng) < self.agents.resource_nodes.shutdown_share;
        let node = NodeIndex(i as u32);
        // paper: a migration the node cannot pay is refused by the economy: the node stays.
        let left = if shutdown {
            self.econ.shutdown_node(node).is_ok()
        } else {
            self.econ.unregister_node(node).is_ok()
        };
        if left {
            self.flows.nodes_left += 1;
        }
        Ok(())
    }

    /// The scenario's one-off events due on `day`: a whale's PREPAY, an exodus of nodes.
    fn events(&mut self, day: u64) -> Result<(), StratosError> {
        if let Some(w) = self.agents.whale
            && w.day == day
        {
            let amount = stos(w.stos);
            if !amount.is_zero() && self.econ.stos_balance(self.exchange) >= amount {
                let whale = self.econ.open("whale")?;
                self.econ.transfer_stos(self.exchange, whale, amount)?;
                self.prepay_up_to(whale, amount, false);
            }
        }
        if let Some(x) = self.agents.exodus
            && x.day == day
        {
            for i in 0..self.operators.len() {
                if uniform(&mut self.rng) < x.share {
                    self.leave(i)?;
                }
            }
        }
        Ok(())
    }

    /// A new user buys STOS from the exchange.
    fn join_user(&mut self) -> Result<(), StratosError> {
        let balance = stos(self.samplers.balance.sample(&mut self.rng));
        let rate = rate_weight(self.samplers.rate.sample(&mut self.rng));
        if self.econ.stos_balance(self.exchange) < balance {
            return Ok(());
        }
        let account = self.econ.open(&format!("u{}", self.users.len()))?;
        self.econ.transfer_stos(self.exchange, account, balance)?;
        self.users.push(User { account });
        self.rates.push(rate);
        self.flows.users_joined += 1;
        Ok(())
    }
}

/// A request's expected charge, Oz: the mix-weighted mean of an upload (size × replicas), a
/// download (size) and a query (size plus its touches at 10^6 a Oz).
fn mean_charge_oz(u: &Users) -> f64 {
    let m = u.mix;
    let upload = u.upload_size.mean() * f64::from(u.replicas);
    let query = u.query_size.mean() + u.query_touches.mean() / 1e6;
    let total = m.upload + m.download + m.query;
    (m.upload * upload + m.download * u.download_size.mean() + m.query * query) / total
}

/// A standard normal draw (Box–Muller on two uniform draws).
pub(super) fn normal(rng: &mut StreamRng) -> f64 {
    let u1 = 1.0 - uniform(rng);
    let u2 = uniform(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A genesis refusal put on the scenario field whose draw for agent `prefix``i` caused it.
fn blame(r: Rejection, field: &str, prefix: char, i: usize) -> Rejection {
    Rejection::new(r.code, format!("{field}: the draw for {prefix}{i}: {}", r.message))
}

#[cfg(test)]
mod tests {
    use super::decimal_order;

    #[test]
    fn decimal_order_is_the_order_of_the_names() {
        for n in [0, 1, 2, 9, 10, 11, 12, 99, 100, 101, 1_000, 1_234, 10_001] {
            let mut names: Vec<String> = (0..n).map(|i| i.to_string()).collect();
            names.sort();
            let order: Vec<String> = decimal_order(n).map(|i| i.to_string()).collect();
            assert_eq!(order, names, "n = {n}");
        }
    }
}
