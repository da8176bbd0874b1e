//! The Marlin agents' behaviour (docs/economies/marlin.md, "Simulation"): the genesis of a run
//! and each day's actions, in a fixed order — redelegations due, relayers' splits, receivers'
//! tickets, delegators' reviews, producers' messages and spam proofs, bridge requests and
//! conversions. Every change goes through the economy's public operations.

use ergon_core::dist::to_base_units;
use ergon_core::economy::Rejection;
use ergon_core::{Amount, Coded, Economy, StreamRng};

use super::config::{Agents, Config, Rule};
use super::refusals::{id, ok, unless_dry};
use super::{Delegator, Flows, Holder, MarlinModel, Relayer, genesis_value, share_of};
use crate::rewards::solver::{SplitProblem, optimal_split, small_relayer_split};
use crate::spam::Sent;
use crate::{Marlin, Token};

/// POND (and MPOND) base units in one token.
const UNIT: u128 = 1_000_000_000_000_000_000;
/// MPOND counts 10^6 POND in a cluster's stake (paper).
const POND_PER_MPOND: u128 = 1_000_000;

/// Calls an operation, then maps its error to a rejection explained by the economy.
macro_rules! op {
    ($econ:expr, $call:expr) => {{
        let r = $call;
        ok(&$econ, r)
    }};
}

fn pond(x: f64) -> u128 {
    to_base_units(x, 18)
}

/// Builds the run: the genesis holdings drawn in order (relayers' budgets, delegators' amounts,
/// holders' MPOND), then clusters, stashes, subscriptions and deposits through the operations.
pub(super) fn build(c: &Config, a: &Agents, mut rng: StreamRng) -> Result<MarlinModel, Rejection> {
    let bad = |e: ergon_core::FieldError| Rejection {
        code: "E_SCENARIO",
        message: format!("{}: {}", e.path, e.message),
    };
    let draw = |d: &ergon_core::dist::Dist, n: u64, rng: &mut StreamRng| -> Vec<f64> {
        let s = d.sampler(1e-6);
        (0..n).map(|_| s.sample(rng)).collect()
    };
    let budgets = draw(&a.relayers.budget, a.relayers.count, &mut rng);
    let amounts = draw(&a.delegators.amount, a.delegators.count, &mut rng);
    let mponds = draw(&a.bridge.mpond, a.bridge.count, &mut rng);
    // No one agent's draw may pass its token's supply cap (the profile's default).
    let defaults = crate::Params::for_profile(c.profile);
    let tokens = |cap: Amount| cap.0 as f64 / UNIT as f64;
    let (pond_cap, mpond_cap) = (tokens(defaults.pond_cap), tokens(defaults.mpond_cap));
    let drawn = [
        ("agents.relayers.budget", "relayer", &budgets, "POND", pond_cap),
        ("agents.delegators.amount", "delegator", &amounts, "POND", pond_cap),
        ("agents.bridge.mpond", "holder", &mponds, "MPOND", mpond_cap),
    ];
    for (path, who, values, token, cap) in drawn {
        if let Some((i, x)) = values.iter().enumerate().find(|&(_, &x)| x.is_nan() || x > cap) {
            return Err(Rejection {
                code: "E_SCENARIO",
                message: format!(
                    "{path}: {who}{i} drew {x:e} {token}, above the {token} supply cap of \
                     {cap:e}: lower the distribution's scale, median or tail"
                ),
            });
        }
    }
    let mut holdings = vec![("hardware".to_owned(), 0.0, 0.0)];
    let rm = a.relayers.mpond;
    holdings.extend(budgets.iter().enumerate().map(|(i, &b)| (format!("relayer{i}"), b, rm)));
    holdings.extend(amounts.iter().enumerate().map(|(i, &x)| (format!("delegator{i}"), x, 0.0)));
    let r = &a.receivers;
    holdings.extend((0..r.count).map(|i| (format!("receiver{i}"), r.balance, 0.0)));
    let p = &a.producers;
    holdings.extend((0..p.count).map(|i| (format!("producer{i}"), p.deposit, 0.0)));
    if p.count > 0 {
        holdings.push(("checker".to_owned(), 0.0, 0.0));
    }
    holdings.extend(mponds.iter().enumerate().map(|(i, &m)| (format!("holder{i}"), 0.0, m)));
    let genesis = genesis_value(c, &mponds, &holdings).map_err(bad)?;
    let mut econ = Marlin::from_genesis(genesis).map_err(|r| {
        // An account the genesis does not know can only come from the parameters' whitelist;
        // the other refusals of the holdings, from the agents' draws.
        let message = if r.code == "unknown_account" {
            format!(
                "{} (economy.params.whitelist names the model's accounts: relayerN, \
                 delegatorN, receiverN, producerN, holderN, checker, hardware)",
                r.message
            )
        } else if r.message.contains("of MPOND") {
            let total: f64 = holdings.iter().map(|h| h.2).sum();
            format!(
                "{} (the agents' genesis holdings: {total:e} MPOND in all, from \
                 agents.relayers.mpond and agents.bridge.mpond, against \
                 economy.params.mpond_cap)",
                r.message
            )
        } else {
            let total: f64 = holdings.iter().map(|h| h.1).sum();
            format!(
                "{} (the agents' genesis holdings: {total:e} POND in all, from \
                 agents.relayers.budget, agents.delegators.amount, agents.receivers.balance \
                 and agents.producers.deposit, and economy.subsidy_pool, against \
                 economy.params.pond_cap)",
                r.message
            )
        };
        Rejection { code: r.code, message }
    })?;
    let deployed = econ.params().profile == crate::Profile::Deployed;
    let alpha = econ.params().alpha.to_string().parse::<f64>().unwrap_or(0.5);
    let mut m = MarlinModel {
        hardware: id(&econ, "hardware")?,
        checker: if p.count > 0 { Some(id(&econ, "checker")?) } else { None },
        relayers: Vec::new(),
        delegators: Vec::new(),
        receivers: Vec::new(),
        producers: Vec::new(),
        holders: Vec::new(),
        alpha,
        node_price: pond(a.relayers.node_price).max(1),
        tickets: vec![0; budgets.len()],
        returns: vec![0.0; budgets.len()],
        ticket_part: vec![0.0; budgets.len()],
        share: vec![0; budgets.len()],
        paid_per_day: 0.0,
        issued: 0,
        flows: Flows::default(),
        epochs: 0,
        agents: a.clone(),
        rng,
        econ: econ.clone(),
    };
    for i in 0..budgets.len() {
        let op = id(&econ, &format!("relayer{i}"))?;
        let cluster = op!(econ, econ.register_cluster(op, a.relayers.commission_percent))?;
        let wallet = econ.pond_balance(op).0;
        let mpond = econ.mpond_balance(op);
        let nodes = (share_of(wallet, a.relayers.node_share) / m.node_price) as u64;
        let cost = u128::from(nodes) * m.node_price;
        op!(econ, econ.transfer(Token::Pond, op, m.hardware, Amount(cost)))?;
        let rest = wallet - cost;
        let stash = if rest > 0 || mpond.0 > 0 {
            Some(op!(econ, econ.create_stash(op, Amount(rest), mpond, Some(cluster)))?)
        } else {
            None
        };
        m.relayers.push(Relayer {
            operator: op,
            cluster,
            stash,
            self_stake: rest,
            nodes,
            budget: wallet,
            // No rule has been asked yet: the genesis split is the scenario's `node_share`.
            target_share: f64::NAN,
        });
    }
    for i in 0..amounts.len() {
        let account = id(&econ, &format!("delegator{i}"))?;
        let cluster = m.rng.below(budgets.len() as u64) as u32;
        let x = econ.pond_balance(account);
        let stash = op!(econ, econ.create_stash(account, x, Amount::ZERO, Some(cluster)))?;
        m.delegators.push(Delegator { account, stash, moving_on: None, moving_to: cluster });
    }
    for i in 0..r.count {
        let a = id(&econ, &format!("receiver{i}"))?;
        op!(econ, econ.register_receiver(a))?;
        if deployed {
            let x = econ.pond_balance(a);
            op!(econ, econ.receiver_deposit(a, x))?;
        } else {
            op!(econ, econ.subscribe(a, Amount(pond(r.fee)), r.months))?;
        }
        m.receivers.push(a);
    }
    for i in 0..p.count {
        let a = id(&econ, &format!("producer{i}"))?;
        let x = econ.pond_balance(a);
        op!(econ, econ.spam_deposit(a, a, x, Amount::ZERO))?;
        m.producers.push(a);
    }
    for i in 0..mponds.len() {
        let account = id(&econ, &format!("holder{i}"))?;
        let unrequested = econ.mpond_balance(account).0;
        m.holders.push(Holder { account, requests: Vec::new(), unrequested });
    }
    m.econ = econ;
    Ok(m)
}

/// A cluster's stake in POND base units (paper: an MPOND counts 10^6 POND).
pub(super) fn stake_of(econ: &Marlin, c: u32) -> u128 {
    let row = econ.stakes().clusters()[c as usize];
    row.pond.0.saturating_add(row.mpond.0.saturating_mul(POND_PER_MPOND))
}

impl MarlinModel {
    /// The agents' actions of one day.
    pub(super) fn act(&mut self) -> Result<(), Rejection> {
        let day = self.econ.day();
        for d in &mut self.delegators {
            if d.moving_on.is_some_and(|on| on <= day) {
                let r = self.econ.redelegate(d.account, d.stash);
                // Refused while the reward contract is dry: tried again the next day.
                if unless_dry(&self.econ, &mut self.flows.payments_refused, r)?.is_some() {
                    d.moving_on = None;
                    self.flows.moves += 1;
                }
            }
        }
        self.relayers_decide()?;
        if self.econ.params().profile == crate::Profile::Deployed {
            self.receivers_issue(day)?;
        } else {
            self.receivers_relay(day)?;
        }
        self.delegators_review(day)?;
        self.producers_send()?;
        self.holders_convert(day)
    }

    /// Each relayer claims its own stash's rewards, takes the split its rule asks for its
    /// resources, moves its node count `adjust` of the way there (buying or selling at
    /// `node_price`) and stakes what its wallet holds up to the split's stake.
    fn relayers_decide(&mut self) -> Result<(), Rejection> {
        let total_tickets: u128 = self.tickets.iter().sum();
        let total_nodes: u128 = self.relayers.iter().map(|r| u128::from(r.nodes)).sum();
        let total_stake: u128 =
            (0..self.relayers.len() as u32).map(|c| stake_of(&self.econ, c)).sum();
        let cfg = &self.agents.relayers;
        let alpha = self.econ.params().alpha;
        // Budget units a ticket costs: a node's price over the tickets a node earned yesterday.
        let ticket_price = self
            .node_price
            .saturating_mul(total_nodes)
            .checked_div(total_tickets)
            .map_or(self.node_price, |p| p.max(1));
        for i in 0..self.relayers.len() {
            let r = self.relayers[i].clone();
            if let Some(s) = r.stash {
                let claimed = self.econ.claim_rewards(r.operator, s);
                unless_dry(&self.econ, &mut self.flows.payments_refused, claimed)?;
            }
            let wallet = self.econ.pond_balance(r.operator).0;
            let in_nodes = u128::from(r.nodes) * self.node_price;
            let budget = wallet + in_nodes + r.self_stake;
            let mine = self.tickets[r.cluster as usize];
            let problem = SplitProblem {
                budget,
                alpha,
                other_tickets: total_tickets - mine,
                other_stake: total_stake.saturating_sub(r.self_stake),
                ticket_price,
                stake_price: 1,
            };
            let nodes_spend = match cfg.rule {
                Rule::Fixed => share_of(budget, cfg.node_share),
                Rule::Small => {
                    ok(&self.econ, small_relayer_split(budget, alpha).map_err(Into::into))?.nodes
                }
                Rule::Solver => match optimal_split(&problem) {
                    Ok(s) => s.nodes,
                    Err(_) => {
                        ok(&self.econ, small_relayer_split(budget, alpha).map_err(Into::into))?
                            .nodes
                    }
                },
            };
            let target = (nodes_spend / self.node_price) as u64;
            let gap = target.abs_diff(r.nodes);
            let step = ((gap as f64 * cfg.adjust).ceil() as u64).min(gap);
            let mut nodes = r.nodes;
            if target > r.nodes {
                let buy = step.min((wallet / self.node_price) as u64);
                let cost = Amount(u128::from(buy) * self.node_price);
                if buy > 0 {
                    let t = self.econ.transfer(Token::Pond, r.operator, self.hardware, cost);
                    ok(&self.econ, t)?;
                }
                nodes += buy;
                self.flows.nodes_bought += buy;
            } else if step > 0 {
                let back = Amount(u128::from(step) * self.node_price);
                op!(self.econ, self.econ.transfer(Token::Pond, self.hardware, r.operator, back))?;
                nodes -= step;
                self.flows.nodes_sold += step;
            }
            let stake_target = budget - nodes_spend.min(budget);
            let free = self.econ.pond_balance(r.operator).0;
            let add = free.min(stake_target.saturating_sub(r.self_stake));
            let mut stash = r.stash;
            let mut added = 0;
            if add > 0 {
                let s =
                    self.econ.create_stash(r.operator, Amount(add), Amount::ZERO, Some(r.cluster));
                if let Some(new) = unless_dry(&self.econ, &mut self.flows.payments_refused, s)? {
                    added = add;
                    if let Some(into) = stash {
                        op!(self.econ, self.econ.merge_stashes(r.operator, into, new))?;
                    } else {
                        stash = Some(new);
                    }
                }
            }
            let me = &mut self.relayers[i];
            me.nodes = nodes;
            me.stash = stash;
            me.self_stake += added;
            me.budget = budget;
            me.target_share = nodes_spend as f64 / budget.max(1) as f64;
        }
        Ok(())
    }

    /// The tickets each receiver hands out today: its demand `tickets_per_day`, cut (floored)
    /// to its equal part of what the nodes can deliver, `node_capacity` a node (0: no limit).
    /// Receivers pay a flat monthly fee, so more nodes buy them more delivered messages until
    /// their demand is met; past that point a node adds no tickets, only a share of them.
    fn delivered_per_receiver(&self, total_nodes: u64) -> u64 {
        let r = &self.agents.receivers;
        let receivers = self.receivers.len() as u128;
        if r.node_capacity == 0 || receivers == 0 {
            return r.tickets_per_day;
        }
        let capacity = u128::from(total_nodes) * u128::from(r.node_capacity);
        (capacity / receivers).min(u128::from(r.tickets_per_day)) as u64
    }

    /// deployed: each receiver issues its 65,536 tickets for yesterday over the clusters
    /// selected for it, in proportion to their nodes (equally when none runs a node; the last
    /// selected takes the remainder, as the contract does); the credits accrue to the clusters
    /// (paid from the `rewards` pool when claimed). Then, with chance `dip_share`, a receiver withdraws half its stake and deposits it
    /// back: today's stake is its minimum, half.
    fn receivers_issue(&mut self, day: u64) -> Result<(), Rejection> {
        const PER_EPOCH: u64 = 65_536;
        self.tickets.iter_mut().for_each(|t| *t = 0);
        let sel = day.checked_sub(1).and_then(|e| self.econ.relay().selected(e).copied());
        if let Some(sel) = sel.filter(|s| s.n > 0) {
            let epoch = day - 1;
            let ids = sel.ids();
            let nodes: Vec<u64> = ids.iter().map(|&c| self.cluster_nodes(c)).collect();
            let total: u64 = nodes.iter().sum();
            let mut named = [0u16; crate::rewards::selection::MAX_SELECT];
            let mut given = 0u64;
            for k in 0..ids.len() - 1 {
                let t = (PER_EPOCH * nodes[k])
                    .checked_div(total)
                    .unwrap_or(PER_EPOCH / ids.len() as u64);
                let t = t.min(u64::from(u16::MAX));
                named[k] = t as u16;
                given += t;
            }
            for &a in &self.receivers {
                // With no receiver stake in the epoch (receivers of zero balance) the contract's
                // payout divides by zero and the issue reverts: nothing is issued (the day's
                // tickets are 0).
                let issued = match self.econ.issue_tickets(a, epoch, &named[..ids.len() - 1]) {
                    Err(e) if e.code() == "zero_total" => continue,
                    r => ok(&self.econ, r)?,
                };
                for &x in &issued.credits[..issued.n] {
                    self.issued += x.0;
                }
                for (k, &c) in ids.iter().enumerate() {
                    let t =
                        if k + 1 == ids.len() { PER_EPOCH - given } else { u64::from(named[k]) };
                    self.tickets[c as usize] += u128::from(t);
                }
            }
            self.flows.tickets += self.tickets.iter().sum::<u128>();
        }
        let dip = (self.agents.receivers.dip_share * 1e6).round() as u64;
        for &a in &self.receivers {
            if dip > 0 && self.rng.bernoulli(dip, 1_000_000) {
                let half = self.econ.relay().receiver(a).map_or(0, |r| r.stake.balance().0 / 2);
                if half > 0 {
                    op!(self.econ, self.econ.receiver_withdraw(a, Amount(half)))?;
                    op!(self.econ, self.econ.receiver_deposit(a, Amount(half)))?;
                    self.flows.dips += 1;
                }
            }
        }
        Ok(())
    }

    /// The nodes run by cluster `c`'s relayer.
    fn cluster_nodes(&self, c: u32) -> u64 {
        self.relayers.iter().find(|r| r.cluster == c).map_or(0, |r| r.nodes)
    }

    /// Each receiver hands out its day's tickets over the clusters in proportion to their
    /// nodes (largest node count takes the rounding remainder), renewing its subscription when
    /// it has run out.
    fn receivers_relay(&mut self, day: u64) -> Result<(), Rejection> {
        let total_nodes: u64 = self.relayers.iter().map(|r| r.nodes).sum();
        let per = self.delivered_per_receiver(total_nodes);
        self.tickets.iter_mut().for_each(|t| *t = 0);
        if self.receivers.is_empty() || per == 0 || total_nodes == 0 {
            return Ok(());
        }
        self.share.clear();
        self.share.resize(self.tickets.len(), 0);
        let mut given = 0u64;
        let mut top = 0usize;
        for (i, r) in self.relayers.iter().enumerate() {
            let s = (u128::from(per) * u128::from(r.nodes) / u128::from(total_nodes)) as u64;
            self.share[r.cluster as usize] = s;
            given += s;
            if r.nodes > self.relayers[top].nodes {
                top = i;
            }
        }
        self.share[self.relayers[top].cluster as usize] += per - given;
        let month_start = day.is_multiple_of(self.econ.params().month_days);
        let (fee, months) = (Amount(pond(self.agents.receivers.fee)), self.agents.receivers.months);
        for &a in &self.receivers {
            if month_start {
                let month = self.econ.month();
                let lapsed = self
                    .econ
                    .relay()
                    .receiver(a)
                    .and_then(|r| r.sub)
                    .is_none_or(|s| s.end <= month);
                if lapsed && self.econ.pond_balance(a).0 >= fee.0.saturating_mul(u128::from(months))
                {
                    op!(self.econ, self.econ.subscribe(a, fee, months).map(|_| ()))?;
                }
            }
            let month = self.econ.month();
            let live = self
                .econ
                .relay()
                .receiver(a)
                .and_then(|r| r.sub)
                .is_some_and(|s| s.start <= month && month < s.end);
            if !live {
                continue;
            }
            for c in 0..self.share.len() {
                let n = self.share[c];
                if n > 0 {
                    op!(self.econ, self.econ.relay_tickets(a, c as u32, Amount(u128::from(n))))?;
                    self.tickets[c] += u128::from(n);
                }
            }
        }
        self.flows.tickets += self.tickets.iter().sum::<u128>();
        Ok(())
    }

    /// Delegators on their review day claim their rewards and, with chance `switch_share`,
    /// ask to move to the cluster with the best estimated APR when it beats their own by more
    /// than `min_apr_gap` (a band of inaction: the hysteresis that lets the loop settle). A
    /// cluster's APR per POND staked is `365 · P · (1 − commission) · (t/T)^α · (s/S)^(1−α) / s`,
    /// with `P` the rewards paid a day (smoothed), `t/T` its share of yesterday's tickets and `s`
    /// its stake with the moves already asked for counted where they go (the mover's own stake
    /// added to a candidate's), so a day's reviewers do not all pile onto one cluster.
    fn delegators_review(&mut self, day: u64) -> Result<(), Rejection> {
        let cfg = self.agents.delegators.clone();
        let total_t: f64 = self.tickets.iter().sum::<u128>() as f64;
        if total_t <= 0.0 {
            return Ok(());
        }
        let n = self.relayers.len();
        let mut total_s = 0.0;
        let alpha = self.alpha;
        self.returns.resize(n, 0.0);
        self.ticket_part.resize(n, 0.0);
        for c in 0..n {
            self.returns[c] = stake_of(&self.econ, c as u32) as f64;
            total_s += self.returns[c];
            let t = self.tickets[c] as f64 / total_t;
            self.ticket_part[c] = t.powf(alpha);
        }
        for d in &self.delegators {
            if d.moving_on.is_some() {
                let x = self.econ.stash(d.account, d.stash).map_or(0.0, |s| s.pond.0 as f64);
                if let Ok(Some(from)) = self.econ.stash(d.account, d.stash).map(|s| s.cluster) {
                    self.returns[from as usize] -= x;
                    self.returns[d.moving_to as usize] += x;
                }
            }
        }
        let switch = (cfg.switch_share * 1e6).round() as u64;
        let year_paid = 365.0 * self.paid_per_day;
        for j in 0..self.delegators.len() {
            let d = self.delegators[j].clone();
            if !(day + j as u64).is_multiple_of(cfg.review_every_days) || d.moving_on.is_some() {
                continue;
            }
            let claimed = self.econ.claim_rewards(d.account, d.stash);
            unless_dry(&self.econ, &mut self.flows.payments_refused, claimed)?;
            let stash = op!(self.econ, self.econ.stash(d.account, d.stash))?;
            let (Some(cur), a) = (stash.cluster, stash.pond.0 as f64) else { continue };
            let apr = |c: usize, s: f64| {
                let comm = f64::from(self.econ.stakes().clusters()[c].commission_percent) / 100.0;
                let part = self.ticket_part[c] * (s / total_s).powf(1.0 - alpha);
                year_paid * (1.0 - comm) * part / s.max(1.0)
            };
            let mine = apr(cur as usize, self.returns[cur as usize]);
            let mut best = (cur as usize, mine);
            let draws = if cfg.candidates == 0 { n } else { cfg.candidates as usize };
            for k in 0..draws {
                let c = if cfg.candidates == 0 { k } else { self.rng.below(n as u64) as usize };
                if c != cur as usize {
                    let r = apr(c, self.returns[c] + a);
                    if r > best.1 {
                        best = (c, r);
                    }
                }
            }
            if best.0 != cur as usize
                && best.1 - mine > cfg.min_apr_gap
                && self.rng.bernoulli(switch, 1_000_000)
            {
                let r = self.econ.request_redelegation(d.account, d.stash, best.0 as u32);
                let on = ok(&self.econ, r)?;
                self.returns[cur as usize] -= a;
                self.returns[best.0] += a;
                let me = &mut self.delegators[j];
                me.moving_on = Some(on);
                me.moving_to = best.0 as u32;
            }
        }
        Ok(())
    }

    /// Producers send their messages spread over the day; with chance `cheat_share` one sends
    /// a second message over the range of its last one, which the checker proves.
    fn producers_send(&mut self) -> Result<(), Rejection> {
        let p = &self.agents.producers;
        let (count, size) = (p.messages_per_day, p.message_size);
        let cheat = (p.cheat_share * 1e6).round() as u64;
        for &a in &self.producers {
            let mut last = None;
            for k in 0..count {
                let second = k * 86_400 / count;
                if let Sent::Attested(id, att) =
                    op!(self.econ, self.econ.send_message(a, second, size, None))?
                {
                    last = Some((id, att, second));
                }
            }
            // A cheat signs its last range again: the two overlap (a range is never empty, the
            // economy refusing a price of 0 a byte).
            if let (Some((id, att, second)), Some(checker)) = (last, self.checker)
                && self.rng.bernoulli(cheat, 1_000_000)
            {
                let again = self.econ.send_message(a, second, size, Some(att.start));
                if let Sent::Attested(id2, _) = ok(&self.econ, again)? {
                    op!(self.econ, self.econ.prove_spam(checker, id, id2))?;
                    self.flows.slashes += 1;
                }
            }
        }
        Ok(())
    }

    /// Holders request `share` of their unrequested MPOND on their schedule and convert all
    /// that each request allows every day.
    fn holders_convert(&mut self, day: u64) -> Result<(), Rejection> {
        let b = &self.agents.bridge;
        let due = day >= b.start_day && (day - b.start_day).is_multiple_of(b.every_days);
        let share = (b.share * 1e6).round() as u128; // to millionths: 0.0157 is 15,700
        for h in &mut self.holders {
            if due && h.unrequested > 0 {
                let x = (h.unrequested * share / 1_000_000).clamp(1, h.unrequested);
                op!(self.econ, self.econ.request_conversion(h.account, Amount(x)))?;
                h.requests.push(day);
                h.unrequested -= x;
                self.flows.bridge_requested += x;
            }
            let mut k = 0;
            while k < h.requests.len() {
                let r = op!(self.econ, self.econ.request(h.account, h.requests[k]))?;
                let (_, _, free) = self.econ.convertible(&r);
                if free.0 > 0 {
                    op!(self.econ, self.econ.convert(h.account, h.requests[k], free))?;
                    self.flows.bridge_converted += free.0;
                }
                if r.converted.0 + free.0 >= r.amount.0 {
                    h.requests.swap_remove(k);
                } else {
                    k += 1;
                }
            }
        }
        Ok(())
    }
}

/// Whole tokens of `raw` base units, as a float (for the metrics).
pub(super) fn tokens(raw: u128) -> f64 {
    raw as f64 / UNIT as f64
}
