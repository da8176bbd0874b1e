//! Paying clusters and their delegators (spec marlin.md, "Rewards" and "Staking"; seed 002,
//! "Rewards", "Staking"; deployed: `ClusterRewards`, `ClusterSelector`, `RewardDelegators`).
//!
//! - A staker's stashes delegated to one cluster hold one position in the cluster's
//!   [`ClusterPool`](crate::rewards::delegators::ClusterPool) (`RewardDelegators` keys
//!   positions by delegator and cluster):
//!   deployed, per token (POND, MPOND), each delegated token's holders sharing the delegators'
//!   part equally (`RewardDelegators`); paper, one share per POND of value (`pond + 10^6·mpond`),
//!   so the delegators' part is split by stake value — the per-share accumulator the staking side
//!   pays through. Each change of a staker's delegation to a cluster settles its position first
//!   and pays its reward (paper: from `cluster_rewards`; deployed: from `rewards`, the
//!   `RewardDelegators` balance) ([`Marlin::claim_rewards`] settles alone; splits and merges
//!   settle nothing).
//! - deployed: a cluster's accrued ticket rewards (credited by `issue_tickets`, no token moved)
//!   are claimed (all but one base unit) and distributed before any of its positions changes —
//!   commission to the operator from the `rewards` pool, the rest to the accumulators (owed from
//!   that pool), nothing delegated: left in it. A pool short of a payment refuses the operation
//!   that makes it, as the contract's transfer reverts. At each epoch's close the next epoch's
//!   clusters are drawn (`selection`).
//! - paper: at each epoch's close, the subsidy's emission (from the `rewards` pool) and, at a
//!   month's close, the released fees with what earlier months left (from the `fees` pool) are
//!   each paid over the clusters with tickets by Cobb-Douglas (`cobb`); the remainder stays in
//!   its pool; of each cluster's payment the commission goes to its operator at once and the
//!   rest is held by the cluster ([`Held`]) and given to its accumulator before any of its
//!   positions is next read or changed, so a close writes one small record a cluster.

use ergon_core::invariants::Violation;
use ergon_core::{Amount, Holder, LnCache, RngStreams, Seed, SumTree};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

use crate::engine::Marlin;
use crate::engine::error::Result;
use crate::engine::params::{POND_PER_MPOND, Profile};
use crate::engine::relay::Selection;
use crate::engine::rewards::delegators::{Distribution, Held, ScaleDivisor};
use crate::engine::rewards::selection::{
    MAX_SELECT, effective_delegation, select_clusters, selection_weight,
};
use crate::engine::rewards::tickets::claim;
use crate::engine::units::{count_json, fmt, ser};

/// Buffers reused by every epoch close (no meaning of their own: equal whatever they hold).
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    pub(crate) ids: Vec<u32>,
    pub(crate) tickets: Vec<Amount>,
    pub(crate) stakes: Vec<Amount>,
    pub(crate) out: Vec<Amount>,
    pub(crate) out2: Vec<Amount>,
    pub(crate) weights: Vec<u64>,
    /// deployed: the selector's tree, its weights those of `drawn_from`.
    pub(crate) tree: Option<SumTree>,
    /// deployed: each cluster's delegation (POND, MPOND) and registration at the last draw,
    /// whose weight the tree holds: a cluster whose three did not change keeps its weight.
    pub(crate) drawn_from: Vec<(Amount, Amount, bool)>,
    /// paper: `ln` of each cluster's stake at its last payout.
    pub(crate) ln_stakes: LnCache,
    /// paper: the operators' commissions of one payout.
    pub(crate) parts: Vec<(ergon_core::AccountId, Amount)>,
}

impl Scratch {
    /// Empties the columns of clusters to pay.
    pub(crate) fn clear_columns(&mut self) {
        self.ids.clear();
        self.tickets.clear();
        self.stakes.clear();
    }
}

impl PartialEq for Scratch {
    fn eq(&self, _: &Scratch) -> bool {
        true
    }
}

impl Eq for Scratch {}

/// One pool's payout at an epoch's close (paper).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PoolPayout {
    /// What the pool offered.
    #[serde(serialize_with = "ser")]
    pub amount: Amount,
    /// Paid to clusters (`Σ R_i'`).
    #[serde(serialize_with = "ser")]
    pub paid: Amount,
    /// `amount − paid`: stays in the pool.
    #[serde(serialize_with = "ser")]
    pub remainder: Amount,
    /// Commission to operators, out of `paid`.
    #[serde(serialize_with = "ser")]
    pub commission: Amount,
    /// Paid to clusters with nothing delegated: back to the pool.
    #[serde(serialize_with = "ser")]
    pub unallocated: Amount,
}

/// What an epoch's close paid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ClosePayout {
    /// paper: the subsidy pool's payout.
    pub subsidy: PoolPayout,
    /// paper: the fee pool's payout (at a month's close).
    pub fees: PoolPayout,
    /// deployed: clusters selected for the next epoch.
    pub selected: usize,
    /// paper: the day's tickets of clusters not eligible at the close (not paid).
    #[serde(skip_serializing_if = "no_tickets", serialize_with = "count")]
    pub tickets_unpaid: Amount,
    /// paper, a month's close: the month's tickets of clusters not eligible at it (no fees).
    #[serde(skip_serializing_if = "no_tickets", serialize_with = "count")]
    pub month_tickets_unpaid: Amount,
}

/// A count of tickets kept as an `Amount`, written as a plain number.
fn count<S: serde::Serializer>(a: &Amount, s: S) -> std::result::Result<S::Ok, S::Error> {
    crate::engine::units::ser_count(&a.0, s)
}

fn no_tickets(a: &Amount) -> bool {
    a.is_zero()
}

impl ClosePayout {
    /// Nothing offered, paid or selected.
    #[must_use]
    pub fn is_nothing(&self) -> bool {
        *self == ClosePayout::default()
    }
}

impl Marlin {
    /// Whether cluster `c` can be rewarded: paper, more MPOND delegated than `eligibility_mpond`
    /// (0.5 MPOND, the seed's; 0: every cluster);
    /// deployed, what the selector draws from — its MPOND toward the threshold at least
    /// `selection_threshold` and an effective delegation above zero (`_getEffectiveDelegation`).
    /// An unregistered cluster is not eligible (deployed: unless a delegator's settlement put
    /// it back in the selector's tree).
    #[must_use]
    pub fn eligible(&self, i: u32) -> bool {
        let Some(c) = self.stakes.clusters().get(i as usize) else { return false };
        if !self.stakes.in_selector(i) {
            return false;
        }
        match self.params.profile {
            Profile::Paper => {
                let need = self.params.eligibility_mpond;
                need.is_zero() || c.mpond > need
            }
            Profile::Deployed => {
                let threshold = self.params.selection_threshold;
                effective_delegation(&[c.pond, c.mpond], &self.params.token_weights, threshold)
                    .is_ok_and(|e| e > 0)
            }
        }
    }

    /// The accumulator amounts of a stash's `pond` and `mpond` (module doc).
    pub(crate) fn acc_amounts(&self, pond: Amount, mpond: Amount) -> Result<[Amount; 2]> {
        Ok(match self.params.profile {
            Profile::Deployed => [pond, mpond],
            Profile::Paper => {
                [pond.checked_add(mpond.checked_mul_int(POND_PER_MPOND)?)?, Amount::ZERO]
            }
        })
    }

    /// deployed: pays a distribution's commission to cluster `c`'s operator from the `rewards`
    /// pool (`RewardDelegators.transferRewards`: a pool short of it refuses the operation that
    /// claimed); the delegators' part stays there, owed through the accumulators, and so does
    /// an unallocated part (nothing delegated).
    fn pay_distribution(&mut self, c: u32, d: Distribution) -> Result<()> {
        let operator = self.stakes.clusters()[c as usize].operator;
        let from = Holder::Pool(self.rewards_pool);
        self.ledger.transfer(self.pond, from, operator.into(), d.commission)?;
        let mut b = *self.relay.books.get();
        b.commission = b.commission.checked_add(d.commission)?;
        *self.relay.books.get_mut() = b;
        Ok(())
    }

    /// Brings cluster `c`'s accumulators up to date before one of its positions is read or
    /// changed. Call inside a transaction. deployed: claims its accrued ticket rewards and
    /// distributes them, returning what it claimed and how (None when nothing). paper: takes in
    /// what it held since the last time ([`Held`]), returning None.
    pub(crate) fn sync_cluster(&mut self, c: u32) -> Result<Option<(Amount, Distribution)>> {
        match self.params.profile {
            Profile::Deployed => {
                let (paid, left) = claim(self.relay.accrued(c));
                if paid.is_zero() {
                    return Ok(None);
                }
                let mut pool = self.relay.pool(c);
                let d =
                    pool.distribute(paid, self.stakes.clusters()[c as usize].commission_percent)?;
                self.pay_distribution(c, d)?;
                self.relay.accrued.insert(c, left);
                self.relay.set_pool(c, pool);
                return Ok(Some((paid, d)));
            }
            Profile::Paper => {
                let held = self.relay.held(c);
                if held.is_empty() {
                    return Ok(None);
                }
                let mut pool = self.relay.pool(c);
                pool.credit(held, &mut [ScaleDivisor::default(); 2])?;
                self.relay.set_pool(c, pool);
                self.relay.update_held(c, |h| *h = Held::default());
            }
        }
        Ok(None)
    }

    /// Settles the position of stash `id`'s staker in cluster `c` (all its stashes there) with
    /// `pond` and `mpond` delegated (`delegate`) or taken out; pays its reward to the staker.
    /// Call inside a transaction.
    pub(crate) fn settle(
        &mut self,
        id: u64,
        c: u32,
        pond: Amount,
        mpond: Amount,
        delegate: bool,
    ) -> Result<Amount> {
        let staker = self.stakes.stashes()[id as usize].staker;
        self.settle_staker(staker, c, pond, mpond, delegate)
    }

    /// [`Marlin::settle`] of `staker`'s position in cluster `c`. Inside a transaction.
    pub(crate) fn settle_staker(
        &mut self,
        staker: ergon_core::AccountId,
        c: u32,
        pond: Amount,
        mpond: Amount,
        delegate: bool,
    ) -> Result<Amount> {
        self.settle_tokens(staker, c, [pond, mpond], delegate, [true; 2])
    }

    /// [`Marlin::settle_staker`] of the tokens `tokens` marks (POND, MPOND) alone, as
    /// `RewardDelegators` settles the tokens of its call (deployed: `addToStash`'s; paper's one
    /// accumulator counts a stash's value, so any token marked settles it). Inside a
    /// transaction.
    pub(crate) fn settle_tokens(
        &mut self,
        staker: ergon_core::AccountId,
        c: u32,
        [pond, mpond]: [Amount; 2],
        delegate: bool,
        tokens: [bool; 2],
    ) -> Result<Amount> {
        if self.params.profile == Profile::Deployed {
            self.stakes.settled_in(c);
        }
        self.sync_cluster(c)?;
        let key = position_key(staker, c);
        let mut pool = self.relay.pool(c);
        let mut pos = self.relay.positions.get(&key).copied().unwrap_or_default();
        let amounts = self.acc_amounts(pond, mpond)?;
        let tokens = match self.params.profile {
            Profile::Deployed => tokens,
            Profile::Paper => [tokens[0] || tokens[1], false],
        };
        // deployed: from `RewardDelegators`' balance, the `rewards` pool; paper: from what the
        // closes moved to `cluster_rewards`, no more than the cluster's delegators were given.
        let (r, from) = match self.params.profile {
            Profile::Deployed => {
                (pool.apply_tokens(&mut pos, &amounts, delegate, tokens)?, self.rewards_pool)
            }
            Profile::Paper => {
                let r = pool.apply_tokens_bounded(&mut pos, &amounts, delegate, tokens)?;
                (r, self.cluster_pool)
            }
        };
        self.ledger.transfer(self.pond, Holder::Pool(from), staker.into(), r)?;
        self.pool_received(staker, r)?;
        let mut b = *self.relay.books.get();
        b.to_delegators = b.to_delegators.checked_add(r)?;
        *self.relay.books.get_mut() = b;
        self.relay.set_pool(c, pool);
        self.relay.positions.insert(key, pos);
        Ok(r)
    }

    /// Pays the rewards so far of the staker's position in stash `id`'s cluster (every stash
    /// of the staker there) to the staker: a settlement with no change.
    pub fn claim_rewards(&mut self, staker: ergon_core::AccountId, id: u64) -> Result<Amount> {
        let s = self.stash(staker, id)?;
        let Some(c) = s.cluster else {
            return Err(crate::engine::error::MarlinError::StashState {
                stash: id,
                state: "not delegated",
            });
        };
        ergon_core::txn::atomic(self, |st| st.settle(id, c, Amount::ZERO, Amount::ZERO, true))
    }

    /// The epoch's close of the rewards (module doc), before the day moves on.
    pub(crate) fn close_rewards(&mut self) -> Result<ClosePayout> {
        ergon_core::txn::atomic(self, |st| match st.params.profile {
            Profile::Paper => st.close_paper(),
            Profile::Deployed => st.close_deployed(),
        })
    }

    fn close_deployed(&mut self) -> Result<ClosePayout> {
        let next = self.epoch.0 + 1;
        let mut sc = std::mem::take(&mut self.scratch);
        let drawn = self.draw(&mut sc, next);
        self.scratch = sc;
        let sel = drawn?;
        // Kept: the last `SELECTIONS_KEPT` epochs' selections and the latest one before them
        // (which the epochs after it without a draw reuse).
        if sel.n > 0 {
            self.relay.selected.insert(next, sel);
        }
        let horizon = next.checked_sub(crate::engine::relay::SELECTIONS_KEPT);
        let keep = horizon.and_then(|e| self.relay.selected.range(..=e).next_back());
        if let Some(&keep) = keep.map(|(e, _)| e) {
            while let Some(&first) = self.relay.selected.first().map(|(e, _)| e)
                && first < keep
            {
                self.relay.selected.remove(&first);
            }
        }
        Ok(ClosePayout { selected: sel.n, ..ClosePayout::default() })
    }

    /// Draws the clusters of epoch `epoch` by ⌊√ effective delegation⌋, kept in the order drawn
    /// (the selector's order: a receiver's last cluster, which takes the tickets' remainder, is
    /// the last drawn).
    fn draw(&self, sc: &mut Scratch, epoch: u64) -> Result<Selection> {
        // A cluster's weight is a function of its delegation and registration alone.
        let inputs = |i: usize, row: &crate::engine::stakes::Cluster| {
            (row.pond, row.mpond, self.stakes.in_selector(i as u32))
        };
        let weight = |(pond, mpond, in_tree): (Amount, Amount, bool)| -> Result<u64> {
            // An unregistered cluster is out of the selector's tree until a delegator's
            // settlement puts it back.
            if !in_tree {
                return Ok(0);
            }
            let (weights, threshold) =
                (&self.params.token_weights, self.params.selection_threshold);
            Ok(selection_weight(effective_delegation(&[pond, mpond], weights, threshold)?))
        };
        let clusters = self.stakes.clusters();
        let tree = match &mut sc.tree {
            // Only the clusters whose delegation or registration changed since the last draw
            // are weighed again: the others' weights are the tree's.
            Some(t) if t.len() == clusters.len() && sc.drawn_from.len() == clusters.len() => {
                for (i, (row, seen)) in clusters.iter().zip(&mut sc.drawn_from).enumerate() {
                    let now = inputs(i, row);
                    if now != *seen {
                        t.set(i, weight(now)?);
                        *seen = now;
                    }
                }
                t
            }
            slot => {
                sc.weights.clear();
                sc.drawn_from.clear();
                for (i, row) in clusters.iter().enumerate() {
                    let now = inputs(i, row);
                    sc.weights.push(weight(now)?);
                    sc.drawn_from.push(now);
                }
                slot.insert(SumTree::from_weights(&sc.weights))
            }
        };
        let mut rng = RngStreams::new(Seed::from_u64(self.params.selection_seed)).stream(&[epoch]);
        let mut out = [0usize; MAX_SELECT];
        let k = self.params.clusters_to_select;
        let n = select_clusters(tree, &mut rng, &mut out[..k])?;
        let mut sel = Selection { n, clusters: [0; MAX_SELECT] };
        for (slot, &i) in sel.clusters.iter_mut().zip(&out[..n]) {
            *slot = i as u32;
        }
        Ok(sel)
    }
}

/// The key of `staker`'s position in cluster `c`'s accumulators: every stash of a staker
/// delegated to one cluster shares one position, as `RewardDelegators` keys them by delegator
/// and cluster (its floors are taken over their sum).
pub(crate) fn position_key(staker: ergon_core::AccountId, c: u32) -> u64 {
    (u64::from(staker.0) << 32) | u64::from(c)
}

/// The rewards' invariants: each reward pool's POND against its books.
///
/// - `fees` = the fee pool's prepaid + the carried fees (and the fee pool's own books);
/// - `receiver_stakes` = Σ receivers' stakes = the total's balance;
/// - paper: `cluster_rewards` = Σ held + Σ (allocated − paid) over the clusters'
///   accumulators; deployed: `cluster_rewards` holds nothing (the accrued rewards and the
///   accumulators' unpaid part are owed from the `rewards` pool, as by `RewardDelegators`,
///   whose balance may fall short of them);
/// - each cluster's accumulator totals = its delegated stashes' amounts.
pub fn check_rewards(m: &Marlin) -> std::result::Result<(), Violation> {
    let bad = |what: &'static str, detail: String| Err(Violation::new(what, detail));
    let held = |p| m.ledger.balance(m.pond, Holder::Pool(p)).unwrap_or_default().0;
    let r = &m.relay;
    if let Err((what, want, got)) = r.fee_pool().check() {
        return bad("fee pool books", format!("{what}: {want} != {got}"));
    }
    let fees = r.fee_pool().prepaid().0.checked_add(r.books().fee_carry.0);
    if fees != Some(held(m.fees_pool)) {
        return bad("fees pool", format!("{fees:?} vs {}", held(m.fees_pool)));
    }
    let staked: u128 = r.receivers.values().map(|x| x.stake.balance().0).sum();
    if staked != held(m.receiver_pool) || staked != r.total_stake.get().balance().0 {
        return bad("receiver stakes", format!("{staked} vs {}", held(m.receiver_pool)));
    }
    // deployed: the pool holds nothing (every term zero).
    let (held_parts, allocated, paid) = match m.params.profile {
        Profile::Paper => {
            let held_parts: u128 = r.held.iter().map(|h| h.delegators.0).sum();
            let (a, p) = r
                .pools
                .iter()
                .fold((0u128, 0u128), |(a, p), c| (a + c.allocated().0, p + c.paid().0));
            (held_parts, a, p)
        }
        Profile::Deployed => (0, 0, 0),
    };
    if held_parts + allocated != held(m.cluster_pool) + paid {
        return bad(
            "cluster rewards",
            format!(
                "held {held_parts} + allocated {allocated} − paid {paid} vs {}",
                held(m.cluster_pool)
            ),
        );
    }
    let mut totals = vec![[0u128; 2]; m.stakes.clusters().len()];
    for s in m.stakes.stashes() {
        if let Some(c) = s.cluster {
            let a = m
                .acc_amounts(s.pond, s.mpond)
                .map_err(|e| Violation::new("stash value", e.to_string()))?;
            totals[c as usize][0] += a[0].0;
            totals[c as usize][1] += a[1].0;
        }
    }
    for (c, t) in totals.iter().enumerate() {
        let p = r.pool(c as u32);
        if [p.total(0).0, p.total(1).0] != *t {
            return bad("accumulator totals", format!("cluster {c}: {t:?}"));
        }
    }
    // A delegators' part is held only by a cluster with a delegation (its sync can take it in),
    // and only under the paper rules.
    for (c, h) in r.held.iter().enumerate() {
        let delegated = r.pool(c as u32).delegated_tokens() > 0;
        if (!h.delegators.is_zero() && !delegated)
            || (!h.is_empty() && m.params.profile != Profile::Paper)
        {
            return bad("held rewards", format!("cluster {c}: {h:?}"));
        }
    }
    listed_once("tickets", &r.tickets, &r.ticketed)?;
    listed_once("month tickets", &r.month_tickets, &r.month_ticketed)?;
    // The month's unpaid tickets are some of those given.
    for (c, u) in r.month_unpaid.iter().enumerate() {
        if *u > r.month_tickets.get(c).copied().unwrap_or_default() {
            return bad("month tickets", format!("cluster {c}: {} unpaid of fewer given", u.0));
        }
    }
    Ok(())
}

/// The clusters with tickets in `counts` are listed in `listed` once each, and only they.
fn listed_once(
    what: &'static str,
    counts: &ergon_core::txn::Table<Amount>,
    listed: &ergon_core::txn::Table<u32>,
) -> std::result::Result<(), Violation> {
    let with_tickets = counts.iter().filter(|t| !t.is_zero()).count();
    let mut seen = vec![false; counts.len()];
    for &c in listed.rows() {
        let once = seen.get(c as usize).is_some_and(|s| !s);
        if !once || counts[c as usize].is_zero() {
            return Err(Violation::new(
                what,
                format!("cluster {c} listed twice or without tickets"),
            ));
        }
        seen[c as usize] = true;
    }
    if listed.len() != with_tickets {
        let n = listed.len();
        return Err(Violation::new(what, format!("{n} listed, {with_tickets} with tickets")));
    }
    Ok(())
}

/// The rewards' part of the state dump.
#[must_use]
pub fn relay_view(m: &Marlin) -> Value {
    let r = &m.relay;
    let held = |p| fmt(m.ledger.balance(m.pond, Holder::Pool(p)).unwrap_or_default());
    let receivers: BTreeMap<&str, Value> = r
        .receivers
        .iter()
        .map(|(a, x)| {
            (m.name(*a), json!({"stake": fmt(x.stake.balance()),
                "subscription": x.sub.map(|s| json!({"fee": fmt(s.fee), "start": s.start, "end": s.end})),
                "last_issued": x.last_issued}))
        })
        .collect();
    let clusters: BTreeMap<&str, Value> = m
        .stakes
        .clusters()
        .iter()
        .enumerate()
        .map(|(c, row)| {
            let p = r.pool(c as u32);
            (
                m.name(row.operator),
                json!({"accrued": fmt(r.accrued(c as u32)),
                "held": fmt(r.held(c as u32).delegators),
                "tickets": count_json(r.tickets(c as u32).0),
                "month_tickets": count_json(r.month_tickets(c as u32).0),
                "allocated": fmt(p.allocated()), "paid": fmt(p.paid())}),
            )
        })
        .collect();
    let fp = r.fee_pool();
    json!({
        "pools": {"rewards": held(m.rewards_pool), "fees": held(m.fees_pool),
                  "receiver_stakes": held(m.receiver_pool), "cluster_rewards": held(m.cluster_pool)},
        "fee_pool": {"month": fp.month(), "prepaid": fmt(fp.prepaid()), "rate": fmt(fp.rate())},
        "books": r.books(),
        "receivers": receivers,
        "clusters": clusters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ergon_core::Economy;

    /// The draw weighs again only the clusters whose delegation or registration changed, and
    /// draws what a draw from a tree built anew draws: 40 clusters, 30 epochs of stashes
    /// created and undelegated and of clusters unregistered, each epoch's selection against a
    /// fresh scratch's. It fails when a changed cluster keeps its old weight.
    #[test]
    fn a_kept_tree_draws_as_a_new_one() {
        let n = 40u32;
        let mut accounts = serde_json::Map::new();
        for i in 0..n {
            accounts.insert(format!("c{i}"), serde_json::json!({}));
        }
        accounts.insert("s".into(), serde_json::json!({"pond": "1000000", "mpond": "100"}));
        let g = serde_json::json!({"profile": "deployed", "unregister_lock_days": 0,
                                   "selection_threshold": 0, "accounts": accounts});
        let mut m = Marlin::from_genesis(serde_json::from_value(g).unwrap()).unwrap();
        let s = m.account("s").unwrap();
        for i in 0..n {
            let op = m.account(&format!("c{i}")).unwrap();
            m.register_cluster(op, 0).unwrap();
        }
        let mut kept = Scratch::default();
        let mut rng = RngStreams::new(Seed::from_u64(9)).stream(&[1]);
        let mut stashes = Vec::new();
        for epoch in 0..30u64 {
            for _ in 0..3 {
                let c = rng.below(u64::from(n)) as u32;
                let pond = Amount(u128::from(1 + rng.below(1_000)) * 10u128.pow(18));
                let mpond = Amount(u128::from(rng.below(3)) * 10u128.pow(17));
                if m.stakes.is_registered(c) {
                    stashes.push(m.create_stash(s, pond, mpond, Some(c)).unwrap());
                }
            }
            if epoch % 4 == 3 && !stashes.is_empty() {
                let id = stashes.swap_remove(rng.below(stashes.len() as u64) as usize);
                m.undelegate_stash(s, id).unwrap();
            }
            if epoch % 7 == 6 {
                let op = m.stakes.clusters()[(epoch as usize * 5) % n as usize].operator;
                if m.request_unregister(op).is_ok() {
                    m.end_epoch().unwrap();
                    m.unregister(op).unwrap();
                }
            }
            let a = m.draw(&mut kept, epoch).unwrap();
            let b = m.draw(&mut Scratch::default(), epoch).unwrap();
            assert_eq!(a.ids(), b.ids(), "epoch {epoch}");
            assert!(a.n > 0);
            m.end_epoch().unwrap();
        }
    }
}
