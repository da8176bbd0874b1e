//! The Phala agents' behaviour (docs/economies/phala.md, "Simulation"): the genesis of a run,
//! each block's actions — workers coming back and going offline, answers to challenges
//! (heartbeats with their payouts), new challenges — and each day's: pools' APRs, owners
//! reclaiming, stopping for withdrawals and starting workers, delegators moving, the vaults'
//! day ([`super::vaults`]), the day's outages. Every change goes through the economy's public operations.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use ergon_core::dist::to_base_units;
use ergon_core::economy::Rejection;
use ergon_core::rng::purpose;
use ergon_core::{AccountId, Amount, Coded, Economy, Holder, Qty, RngStreams, StreamRng};

use super::config::{Agents, Config};
use super::{Delegator, Flows, PhalaModel, Pool, Worker};
use crate::ops::Beat;
use crate::params::{MAX_P, MIN_P, Profile};
use crate::stake_pool::DUST;
use crate::tokenomic::{self, PICO};
use crate::{Genesis, Phala, PhalaError, WorkerState};

/// Blocks in a day.
pub(super) const DAY: u64 = 7_200;
/// Blocks in an hour: the window of the two-challenges-an-hour rule.
const HOUR: u64 = 300;
/// The vaults' own random stream (a sub-stream of the agents'): their deposits and
/// withdrawals, so a run without vaults draws exactly as before.
const VAULTS_STREAM: [u64; 2] = [purpose::AGENTS, 1];

pub(super) fn err(econ: &Phala, e: &PhalaError) -> Rejection {
    Rejection { code: e.code(), message: econ.explain(e) }
}

/// A uniform draw in [0, 1).
#[allow(clippy::cast_precision_loss, reason = "53 random bits, exact in f64")]
pub(super) fn unit(rng: &mut StreamRng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// `x` PHA as a decimal quantity (rounded down to a millionth).
fn qty(x: f64) -> Result<Qty, Rejection> {
    let micro = to_base_units(x, 6);
    Qty::parse(&format!("{}.{:06}", micro / 1_000_000, micro % 1_000_000))
        .map_err(|e| Rejection::new("E_SCENARIO", e.to_string()))
}

/// The most PHA one agent's draw may give it: ten times the token's whole supply
/// (10^9 PHA); a draw above comes from a tail too heavy to be meant.
const DRAW_MAX_PHA: f64 = 1e10;

/// [`qty`] of a value drawn from the distribution at `path` for agent `who`: a draw above
/// [`DRAW_MAX_PHA`] is refused naming both.
fn drawn_qty(x: f64, path: &str, who: &str) -> Result<Qty, Rejection> {
    if x.is_nan() || x > DRAW_MAX_PHA {
        let message = format!(
            "{path}: {who} drew {x:e} PHA, above {DRAW_MAX_PHA:e} (ten times PHA's supply): \
             lower the distribution's median, scale or tail"
        );
        return Err(Rejection::new("E_SCENARIO", message));
    }
    qty(x)
}

fn account(econ: &Phala, name: &str) -> Result<AccountId, Rejection> {
    econ.account(name).ok_or_else(|| Rejection::new("E_SCENARIO", format!("no account {name}")))
}

/// Builds the run: genesis accounts (pool owners, delegators with drawn amounts), then pools,
/// workers (tier, score, performance drawn in group order), contributions and starts.
pub(super) fn build(c: &Config, a: &Agents, streams: &RngStreams) -> Result<PhalaModel, Rejection> {
    let mut rng = streams.stream(&[purpose::AGENTS]);
    let mut accounts = BTreeMap::new();
    for (g, group) in a.groups.iter().enumerate() {
        for j in 0..group.pools {
            accounts.insert(format!("g{g}-owner{j}"), qty(group.owner_stake)?);
        }
    }
    let amount = a.delegators.amount.sampler(1e-6);
    for i in 0..a.delegators.count {
        let who = format!("delegator{i}");
        let x = drawn_qty(amount.sample(&mut rng), "agents.delegators.amount", &who)?;
        accounts.insert(who, x);
    }
    for i in 0..a.developers.count {
        accounts.insert(format!("developer{i}"), qty(a.developers.funds)?);
    }
    let mut vault_rng = streams.stream(&VAULTS_STREAM);
    let deposit = a.vaults.deposit.sampler(1e-6);
    for i in 0..a.vaults.count {
        accounts.insert(format!("vault{i}-owner"), qty(a.vaults.owner_funds)?);
        for j in 0..a.vaults.depositors {
            let who = format!("vault{i}-depositor{j}");
            let x = drawn_qty(deposit.sample(&mut vault_rng), "agents.vaults.deposit", &who)?;
            accounts.insert(who, x);
        }
    }
    let genesis = Genesis {
        profile: c.profile,
        params: c.param_set,
        overrides: c.params.clone(),
        block: None,
        subsidy_pool: Some(
            c.subsidy_pool.qty().map_err(|e| Rejection::new("E_SCENARIO", e.to_string()))?,
        ),
        accounts,
    };
    let mut econ = Phala::from_genesis(genesis).map_err(|r| {
        if r.code != "cap_exceeded" {
            return r;
        }
        // Over the supply: what the genesis mints, by the fields it comes from.
        let message = format!(
            "{} (the genesis mints economy.subsidy_pool and the agents' holdings: \
             agents.groups[*].owner_stake for each pool, agents.delegators.amount, \
             agents.developers.funds, agents.vaults.owner_funds and agents.vaults.deposit)",
            r.message
        );
        Rejection { code: r.code, message }
    })?;
    econ.set_report_detail(false);
    if c.lazy_refresh_blocks.is_some() {
        econ.set_lazy(c.lazy_refresh_blocks).map_err(|e| err(&econ, &e))?;
    }
    let mut m = PhalaModel {
        econ,
        agents: a.clone(),
        net: streams.stream(&[purpose::NETWORK]),
        faults: streams.stream(&[purpose::FAULTS]),
        tasks: streams.stream(&[purpose::TASKS]),
        rng,
        developers: Vec::new(),
        vault_rng,
        vaults: Vec::new(),
        deploys: Vec::new(),
        next_deploy: 0,
        workers: Vec::new(),
        pools: Vec::new(),
        delegators: Vec::new(),
        targets: Vec::new(),
        answers: VecDeque::new(),
        deferred: Vec::new(),
        outages: Vec::new(),
        next_outage: 0,
        returns: BinaryHeap::new(),
        subsidy_at_record: 0,
        groups: a.groups.len(),
        flows: Flows::default(),
        blocks: 0,
    };
    for (g, group) in a.groups.iter().enumerate() {
        let first = m.pools.len();
        for j in 0..group.pools {
            let owner = account(&m.econ, &format!("g{g}-owner{j}"))?;
            let name = format!("g{g}-pool{j}");
            let r = m.econ.create_pool(&name, owner, group.commission_permill);
            let index = r.map_err(|e| err(&m.econ, &e))?;
            m.pools.push(Pool {
                index,
                owner,
                workers: Vec::new(),
                income_today: 0,
                daily_rate: 0.0,
                rated: false,
            });
        }
        let (score, perf) = (group.score.sampler(f64::from(MIN_P)), group.performance.sampler(0.0));
        let total: f64 = group.tiers.iter().sum();
        for k in 0..group.workers {
            let p = first + (k % group.pools) as usize;
            let mut x = unit(&mut m.rng) * total;
            let mut level = 5u8;
            for (t, &w) in group.tiers.iter().enumerate() {
                if x < w {
                    level = t as u8 + 1;
                    break;
                }
                x -= w;
            }
            let s = (score.sample(&mut m.rng) as u32).clamp(MIN_P, MAX_P);
            let p_true = (f64::from(s) * perf.sample(&mut m.rng)) as u64;
            let n = m.workers.len();
            let (owner, pool) = (m.pools[p].owner, m.pools[p].index);
            let e = &mut m.econ;
            let w = e.register(&format!("w{n}"), owner, level).map_err(|x| err(e, &x))?;
            e.set_benchmark(w, s).map_err(|x| err(e, &x))?;
            e.add_worker(pool, w).map_err(|x| err(e, &x))?;
            m.pools[p].workers.push(n as u32);
            m.workers.push(Worker {
                index: w,
                pool: p as u32,
                group: g as u8,
                p_true,
                online: true,
                iters_base: 0,
                since: 0,
                backlog: 0,
                recent: [u64::MAX; 2],
                earned: 0,
            });
        }
        for p in first..m.pools.len() {
            let (index, owner) = (m.pools[p].index, m.pools[p].owner);
            let x = m.econ.balance_of(Holder::Account(owner));
            if x.0 > 0 {
                m.econ.contribute(index, owner, x).map_err(|e| err(&m.econ, &e))?;
            }
        }
    }
    for i in 0..a.developers.count {
        let dev = account(&m.econ, &format!("developer{i}"))?;
        m.developers.push(dev);
    }
    let pools = m.pools.len() as u64;
    for i in 0..a.delegators.count {
        let acct = account(&m.econ, &format!("delegator{i}"))?;
        let p = m.rng.below(pools) as u32;
        let x = m.econ.balance_of(Holder::Account(acct));
        let index = m.pools[p as usize].index;
        m.econ.contribute(index, acct, x).map_err(|e| err(&m.econ, &e))?;
        m.delegators.push(Delegator { account: acct, pool: p, moving_to: None });
    }
    m.open_vaults()?;
    for p in 0..m.pools.len() {
        m.start_ready(p)?;
    }
    m.subsidy_at_record = m.econ.balance_of(Holder::Pool(m.econ.pools().subsidy)).0;
    Ok(m)
}

impl PhalaModel {
    /// One block's actions (before the economy closes it).
    pub(super) fn act(&mut self) -> Result<(), Rejection> {
        let b = self.blocks;
        if b.is_multiple_of(DAY) {
            self.start_day()?;
        }
        while let Some(&Reverse((due, w))) = self.returns.peek() {
            if due > b {
                break;
            }
            self.returns.pop();
            let wk = &mut self.workers[w as usize];
            wk.online = true;
            wk.since = b;
            if std::mem::take(&mut wk.backlog) > 0 {
                // Its answers that fell due while it was away, oldest first, each with the
                // counter of the block it was handled in (or, challenged while away, now's).
                let mut k = 0;
                while let Some(&(owner, handled)) = self.deferred.get(k) {
                    if owner == w {
                        self.deferred.remove(k);
                        self.answer(w, handled)?;
                    } else {
                        k += 1;
                    }
                }
            }
        }
        while let Some(&(due, w, blocks)) = self.outages.get(self.next_outage) {
            if due > b {
                break;
            }
            self.next_outage += 1;
            let wk = &mut self.workers[w as usize];
            if wk.online {
                wk.online = false;
                wk.iters_base = wk.iterations(b);
                wk.since = b;
                self.returns.push(Reverse((b + blocks, w)));
                self.flows.outages += 1;
            }
        }
        while let Some(&(due, w, handled)) = self.answers.front() {
            if due > b {
                break;
            }
            self.answers.pop_front();
            self.answer(w, handled)?;
        }
        self.deploy_due()?;
        let n = self.workers.len() as u64;
        let delay = self.agents.heartbeats.answer_delay_blocks;
        let mut targets = std::mem::take(&mut self.targets);
        targets.clear();
        targets.extend(
            (0..self.agents.heartbeats.challenges_per_block).map(|_| self.net.below(n) as u32),
        );
        // Every target's records fetched side by side before the first is read for real.
        let warm = targets.iter().fold(0, |x, &w| {
            let wk = &self.workers[w as usize];
            let pool = self.econ.stake_pools().pool_of(wk.index.0).unwrap_or_default();
            x ^ wk.recent[0] ^ self.econ.workers().warm(wk.index) ^ u64::from(pool)
        });
        std::hint::black_box(warm);
        let outcome = self.challenge_targets(&targets, delay);
        self.targets = targets;
        outcome
    }

    /// Challenges each of `targets` (drawn this block) that may be: computing (khala: and not
    /// paused as unresponsive), not challenged twice in the last hour, with fewer than four
    /// challenges waiting.
    fn challenge_targets(&mut self, targets: &[u32], delay: u64) -> Result<(), Rejection> {
        let b = self.blocks;
        let khala = self.econ.params().profile == Profile::Khala;
        for &w in targets {
            let wk = &self.workers[w as usize];
            let busy = wk.recent.iter().all(|&r| r != u64::MAX && b - r < HOUR);
            let state = self.econ.workers().state(wk.index);
            let paused = khala && state == WorkerState::Unresponsive;
            if busy || paused || !state.is_computing() {
                continue;
            }
            match self.econ.challenge(wk.index) {
                Ok(_) => {}
                Err(PhalaError::TooManyChallenges { .. }) => continue,
                Err(e) => return Err(err(&self.econ, &e)),
            }
            let wk = &mut self.workers[w as usize];
            wk.recent = [wk.recent[1], b];
            // khala: an online worker's runtime handles the challenge in its block, so the
            // heartbeat carries the benchmark's counter read then (phactory's
            // `handle_heartbeat_challenge`) and lands `delay` blocks later; an offline one
            // handles it when it comes back. paper measures P at heartbeats: the counter of
            // the answer's block.
            let iterations = (khala && wk.online).then(|| wk.iterations(b));
            self.answers.push_back((b + delay, w, iterations));
            self.flows.challenges += 1;
        }
        Ok(())
    }

    /// Worker `w` answers its oldest challenge now with the counter read when it handled the
    /// challenge (`handled`; none when it was offline then, and the counter is read now), or,
    /// offline, when it comes back, with the same `handled`.
    fn answer(&mut self, w: u32, handled: Option<u64>) -> Result<(), Rejection> {
        let b = self.blocks;
        let wk = &mut self.workers[w as usize];
        if !wk.online {
            wk.backlog += 1;
            self.deferred.push((w, handled));
            return Ok(());
        }
        let iterations = handled.unwrap_or_else(|| wk.iterations(b));
        let (index, group, pool) = (wk.index, wk.group as usize, wk.pool as usize);
        let beat = match self.econ.heartbeat(index, iterations) {
            Ok(beat) => beat,
            Err(PhalaError::NoPendingChallenge { .. }) => return Ok(()),
            Err(e) => return Err(err(&self.econ, &e)),
        };
        if let Beat::Answered { paid, to_treasury, pool: split, gas, .. } = beat {
            // A pool's dust (a payout too small to split) goes to the treasury: counted there,
            // not as the worker's too.
            let dust = split.map_or(0, |s| s.dust);
            let reached = paid.0 - dust;
            self.workers[w as usize].earned += reached;
            let f = &mut self.flows;
            if let Some(g) = gas {
                f.gas += g.paid;
                f.contracts_spent += u64::from(g.ended);
            }
            f.heartbeats += 1;
            f.paid += reached;
            f.group_paid[group] += reached;
            f.treasury += to_treasury.0 + dust;
            if let Some(s) = split {
                f.commission += s.to_owner;
                self.pools[pool].income_today += s.to_stakers;
            }
        }
        Ok(())
    }

    /// A day's start: yesterday's pool returns, owners' and delegators' moves, today's
    /// outages.
    fn start_day(&mut self) -> Result<(), Rejection> {
        if self.blocks > 0 {
            for p in &mut self.pools {
                let value = self.econ.pool_row(p.index).total_value;
                let rate = if value == 0 { 0.0 } else { p.income_today as f64 / value as f64 };
                p.daily_rate =
                    if p.rated { p.daily_rate + (rate - p.daily_rate) / 7.0 } else { rate };
                p.rated = true;
                p.income_today = 0;
            }
        }
        for p in 0..self.pools.len() {
            self.maintain(p)?;
        }
        self.delegators_act()?;
        self.vaults_day()?;
        for p in 0..self.pools.len() {
            self.start_ready(p)?;
        }
        self.developers_day()?;
        self.plan_outages();
        Ok(())
    }

    /// A pool owner's day: reclaim workers whose cool-down ended; when the withdrawal queue
    /// asks more than the free stake and the stake already releasing, stop the workers with
    /// the largest stakes until it is covered; anyone's force-stop check.
    fn maintain(&mut self, p: usize) -> Result<(), Rejection> {
        // A worker stopped here ends its contract, paying the gas due: counted as the day's
        // gas and stopped contracts (metrics `gas_flow_pha`, `contracts_stopped`).
        let (paid, running) =
            (self.econ.contracts().totals.get().paid, self.econ.contracts().running());
        let out = self.maintain_stopping(p);
        let c = self.econ.contracts();
        self.flows.gas += c.totals.get().paid - paid;
        self.flows.contracts_stopped += (running - c.running()) as u64;
        out
    }

    /// [`Self::maintain`]'s work.
    fn maintain_stopping(&mut self, p: usize) -> Result<(), Rejection> {
        let index = self.pools[p].index;
        let cool = u64::from(self.econ.params().cool_down_blocks);
        let block = u64::from(self.econ.block());
        let mut releasing = 0u128;
        let mut computing = Vec::new();
        for &w in &self.pools[p].workers {
            let wi = self.workers[w as usize].index;
            let row = self.econ.workers().row_stored(wi);
            if row.state == WorkerState::CoolingDown {
                if u64::from(row.cool_down_start) + cool <= block {
                    self.econ.reclaim(wi).map_err(|e| err(&self.econ, &e))?;
                } else {
                    releasing += row.stake;
                }
            } else if row.state.is_computing() {
                computing.push((Reverse(row.stake), wi));
            }
        }
        let row = self.econ.pool_row(index);
        let queued: u128 =
            self.econ.stake_pools().queues[index.0 as usize].iter().map(|r| r.shares).sum();
        if queued > 0 && row.total_shares > 0 {
            let value = ergon_core::mul_div(
                queued,
                row.total_value,
                row.total_shares,
                ergon_core::Rounding::Up,
            )
            .map_err(|e| Rejection::new("E_ARITH", e.to_string()))?;
            let mut have = row.free + releasing;
            computing.sort();
            for (Reverse(stake), wi) in computing {
                if have >= value {
                    break;
                }
                self.econ.stop(wi).map_err(|e| err(&self.econ, &e))?;
                have += stake;
                self.flows.stops += 1;
            }
        }
        let (_, stopped) =
            self.econ.check_force_withdraw(index).map_err(|e| err(&self.econ, &e))?;
        self.flows.stops += stopped.len() as u64;
        Ok(())
    }

    /// A pool owner starts its Ready workers while no withdrawal waits: each with an even part
    /// of the free stake, at most the group's `max_worker_stake` and the stake that keeps
    /// Ve ≤ v_max; a worker whose part is below its minimum stake k·√P stays Ready.
    fn start_ready(&mut self, p: usize) -> Result<(), Rejection> {
        let index = self.pools[p].index;
        if !self.econ.stake_pools().queues[index.0 as usize].is_empty() {
            return Ok(());
        }
        let ready: Vec<u32> = self.pools[p]
            .workers
            .iter()
            .copied()
            .filter(|&w| {
                self.econ.workers().state(self.workers[w as usize].index) == WorkerState::Ready
            })
            .collect();
        let mut free = self.econ.pool_row(index).free;
        let params = *self.econ.params();
        for (i, &w) in ready.iter().enumerate() {
            let wi = self.workers[w as usize].index;
            let row = self.econ.workers().row_stored(wi);
            let group = &self.agents.groups[self.workers[w as usize].group as usize];
            let min = tokenomic::minimum_stake(&params, row.score)
                .map_err(|e| Rejection::new("E_ARITH", e.to_string()))?;
            let cap = ve_cap(&params, row.score, row.level)
                .min(to_base_units(group.max_worker_stake, 12));
            let stake = (free / (ready.len() - i) as u128).min(cap);
            if stake < min.0 {
                continue;
            }
            match self.econ.pool_start(index, wi, Amount(stake)) {
                Ok(_) => {}
                Err(PhalaError::TooMuchStake { .. } | PhalaError::InsufficientStake { .. }) => {
                    continue;
                }
                Err(e) => return Err(err(&self.econ, &e)),
            }
            free -= stake;
            let b = self.blocks;
            let wk = &mut self.workers[w as usize];
            (wk.iters_base, wk.since) = (0, b);
            self.flows.starts += 1;
        }
        Ok(())
    }

    /// Delegators: a moving one contributes what its withdrawal returned to its new pool; a
    /// reviewing one (every `review_every_days`, each on its own day of the cycle) moves when
    /// the best pool's APR exceeds its pool's × (1 + min_gain), with chance `switch_share`.
    fn delegators_act(&mut self) -> Result<(), Rejection> {
        let d = &self.agents.delegators;
        let (every, gain, share) = (d.review_every_days, d.min_gain, d.switch_share);
        let day = self.blocks / DAY;
        let best = (0..self.pools.len()).max_by(|&a, &b| {
            self.pools[a].daily_rate.total_cmp(&self.pools[b].daily_rate).then(b.cmp(&a))
        });
        for i in 0..self.delegators.len() {
            let dl = self.delegators[i].clone();
            if let Some(to) = dl.moving_to {
                let x = self.econ.balance_of(Holder::Account(dl.account));
                let index = self.pools[to as usize].index;
                if x.0 > 0 {
                    self.econ.contribute(index, dl.account, x).map_err(|e| err(&self.econ, &e))?;
                }
                let from = self.pools[dl.pool as usize].index;
                let waiting = self.econ.stake_pools().queues[from.0 as usize]
                    .iter()
                    .any(|r| r.user == dl.account.0);
                if !waiting {
                    self.delegators[i] = Delegator { pool: to, moving_to: None, ..dl };
                }
                continue;
            }
            let Some(best) = best else { break };
            if !(i as u64 + day).is_multiple_of(every) || best == dl.pool as usize {
                continue;
            }
            let (own, top) = (self.pools[dl.pool as usize].daily_rate, self.pools[best].daily_rate);
            if top <= 0.0 || top <= own * (1.0 + gain) || unit(&mut self.rng) >= share {
                continue;
            }
            let from = self.pools[dl.pool as usize].index;
            let shares = self.econ.pool_shares(from, dl.account);
            if shares <= DUST {
                continue;
            }
            self.econ.withdraw(from, dl.account, shares).map_err(|e| err(&self.econ, &e))?;
            self.delegators[i].moving_to = Some(best as u32);
            self.flows.redelegations += 1;
        }
        Ok(())
    }

    /// Draws today's outages: each worker with chance `per_day`, at a uniform block of the
    /// day, for `hours` (at least one block).
    fn plan_outages(&mut self) {
        let o = &self.agents.outages;
        self.outages.clear();
        self.next_outage = 0;
        if o.per_day <= 0.0 {
            return;
        }
        let hours = o.hours.sampler(0.0);
        for w in 0..self.workers.len() as u32 {
            if unit(&mut self.faults) < o.per_day {
                let at = self.blocks + self.faults.below(DAY);
                let blocks = ((hours.sample(&mut self.faults) * HOUR as f64) as u64).max(1);
                self.outages.push((at, w, blocks));
            }
        }
        self.outages.sort_unstable();
    }
}

/// The largest stake, base units, that keeps Ve ≤ v_max for score `p` and `level`, a little
/// under the exact bound (1 PHA), so that the engine's exact check passes.
fn ve_cap(params: &crate::Params, p: u32, level: u8) -> u128 {
    let f = |x: ergon_core::U64F64| x.to_bits() as f64 / 18_446_744_073_709_551_616.0;
    let tweak = (f(params.re) - 1.0) * f(tokenomic::conf_score_pallet(level)) + 1.0;
    let s = f(params.v_max) / tweak - f(params.rig_k) * f64::from(p) - f(params.rig_b) - 1.0;
    if s <= 0.0 { 0 } else { (s * PICO as f64) as u128 }
}
