//! Every Stratos transaction as an [`Action`] — the replay ops (docs/replay.md, docs/economies/
//! stratos.md). Each is all-or-nothing: it validates, then mutates through the ledger's journal;
//! on a rejection the state (including the task-assignment RNG) is restored.

use ergon_core::economy::Rejection;
use ergon_core::{AccountId, Amount, Error, Qty, TokenMeta};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Stratos;
use crate::epoch::task_weight;
use crate::nodes::{
    MetaStatus, NodeStatus, ResourceNode, Vote, approvals_needed, deposit_return_epoch,
};
use crate::params::{OZ, Profile};

/// Noz per database record touch: 1 Oz = 10^6 touches (seed §3.1).
pub const NOZ_PER_TOUCH: u128 = OZ / 1_000_000;

/// A Stratos transaction. Amounts of STOS and sizes in Oz are decimal strings; names refer to
/// accounts (a node's name is its account's name).
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)] // fields are documented in docs/economies/stratos.md
pub enum Action {
    /// Opens an account with no STOS.
    Open { account: String },
    /// Moves STOS between accounts.
    Transfer { from: String, to: String, amount: Qty },
    /// PREPAY: `payer` pays `amount` STOS into the volume pool; `beneficiary` (default the payer)
    /// receives the Ozone.
    Prepay {
        payer: String,
        #[serde(default)]
        beneficiary: Option<String>,
        amount: Qty,
    },
    /// Upload of `size` Oz with `replicas` copies (default 3), charged size × replicas.
    Upload {
        user: String,
        size: Qty,
        #[serde(default)]
        replicas: Option<u32>,
        #[serde(default)]
        nodes: Option<Vec<String>>,
    },
    /// Download of `size` Oz, charged the final delivery only.
    Download {
        user: String,
        size: Qty,
        #[serde(default)]
        node: Option<String>,
    },
    /// Database query: `size` Oz of delivery plus `touches` record touches.
    DbQuery {
        user: String,
        size: Qty,
        touches: u64,
        #[serde(default)]
        node: Option<String>,
    },
    /// Computation: outside the seed's scope; recorded, charges nothing.
    Compute { user: String },
    /// Activates resource node `node` (an account) with a deposit and its storage capacity.
    ActivateNode { node: String, deposit: Qty, capacity: Qty },
    /// A meta node's performance measurement of a resource node (fraction of the KPI met).
    Performance { node: String, score: Qty },
    /// Reinstates a suspended node whose score meets the KPI again.
    Reinstate { node: String },
    /// Unregisters a resource node: its deposit returns after the cooling-off and lock.
    Unregister { node: String },
    /// The node goes offline. Before unregistering and its cooling-off end, paper: its locked
    /// rewards are forfeited to their pools.
    Shutdown { node: String },
    /// A meta-node candidate registers with a deposit.
    RegisterMeta { node: String, deposit: Qty },
    /// The foundation approves a meta-node candidate.
    ApproveMeta { node: String },
    /// An active meta node votes for a candidate.
    VoteMeta { voter: String, candidate: String },
    /// An active meta node votes to kick another.
    VoteKick { voter: String, node: String },
    /// Pays a transaction gas fee (to validators and delegators only).
    PayGas { from: String, amount: Qty },
    /// Makes `operator` a validator.
    CreateValidator { operator: String, self_bond: Qty, commission: Qty },
    /// Delegates STOS to the validator run by `validator`.
    Delegate { delegator: String, validator: String, amount: Qty },
    /// Starts unbonding a delegation.
    Undelegate { delegator: String, validator: String, amount: Qty },
    /// Pays a delegator's stake rewards.
    WithdrawRewards { delegator: String, validator: String },
    /// Pays a validator's commission to its operator.
    WithdrawCommission { validator: String },
}

/// A fraction (`"0.01"`) in parts per million.
pub fn ppm(q: &Qty) -> Result<u32, Rejection> {
    Ok(q.to_ppm()?)
}

fn stos(q: &Qty) -> Result<Amount, Rejection> {
    Ok(q.to_amount(&TokenMeta::new("STOS", 18))?)
}

fn oz(q: &Qty) -> Result<Amount, Rejection> {
    Ok(q.to_amount(&TokenMeta::new("OZ", 9))?)
}

/// Applies `action` all-or-nothing.
pub fn apply(st: &mut Stratos, action: &Action) -> Result<Vec<Value>, Rejection> {
    let rng = st.rng.clone();
    let cp = st.ledger.checkpoint();
    let before = NonLedger::save(st);
    match apply_inner(st, action) {
        Ok(events) => {
            st.ledger.commit(cp);
            Ok(events)
        }
        Err(r) => {
            st.ledger.revert(cp);
            before.restore(st);
            st.rng = rng;
            Err(r)
        }
    }
}

/// The state outside the ledger, saved for a rollback (the ledger has its own journal).
/// O(nodes + stakes) per action: exact and simple; a per-field undo log is the faster
/// alternative when simulations need it.
struct NonLedger(Box<Stratos>);

impl NonLedger {
    fn save(st: &mut Stratos) -> NonLedger {
        let ledger = std::mem::take(&mut st.ledger);
        let saved = NonLedger(Box::new(st.clone()));
        st.ledger = ledger;
        saved
    }
    fn restore(self, st: &mut Stratos) {
        let ledger = std::mem::take(&mut st.ledger);
        *st = *self.0;
        st.ledger = ledger;
    }
}

fn apply_inner(st: &mut Stratos, action: &Action) -> Result<Vec<Value>, Rejection> {
    let now = st.epoch;
    let t = st.stos;
    Ok(vec![match action {
        Action::Open { account } => {
            st.open_account(account)?;
            json!({"event": "opened", "account": account})
        }
        Action::Transfer { from, to, amount } => {
            let (f, d, a) = (st.account_id(from)?, st.account_id(to)?, stos(amount)?);
            st.ledger.transfer(t, f.into(), d.into(), a)?;
            json!({"event": "transferred", "from": from, "to": to, "amount": fmt_stos(a)})
        }
        Action::Prepay { payer, beneficiary, amount } => {
            let x = stos(amount)?;
            let p = st.account_id(payer)?;
            let b = st.account_id(beneficiary.as_deref().unwrap_or(payer))?;
            let (price_before, bought) = prepay(st, p, b, x)?;
            json!({"event": "prepaid", "payer": payer, "beneficiary": beneficiary.as_deref().unwrap_or(payer),
                   "amount": fmt_stos(x), "ozone": fmt_oz(bought),
                   "price_before": price_before.map(fmt_stos), "price_after": st.market.price_wei_per_oz(st.volume_pool()).map(fmt_stos)})
        }
        Action::Upload { user, size, replicas, nodes } => {
            let (u, size) = (st.account_id(user)?, oz(size)?);
            let replicas = replicas.unwrap_or(st.params.default_replicas);
            if replicas == 0 || replicas > st.params.max_replicas {
                return Err(Error::InvalidParameter {
                    name: "replicas".into(),
                    value: replicas.to_string(),
                    reason: format!("must be 1 to {}", st.params.max_replicas),
                }
                .into());
            }
            let charge = size.checked_mul_int(u128::from(replicas))?;
            charge_ozone(st, u, charge)?;
            let chosen = match nodes {
                Some(names) => named_nodes(st, names, replicas as usize, size)?,
                None => st.pick_nodes(replicas as usize, size)?,
            };
            for &i in &chosen {
                st.credit_traffic(i, size)?;
                let n = &mut st.resource[i as usize];
                n.stored = n.stored.checked_add(size)?;
            }
            json!({"event": "uploaded", "user": user, "charged": fmt_oz(charge), "nodes": node_names(st, &chosen)})
        }
        Action::Download { user, size, node } => {
            let (u, size) = (st.account_id(user)?, oz(size)?);
            charge_ozone(st, u, size)?;
            let i = one_node(st, node.as_deref())?;
            st.credit_traffic(i, size)?;
            json!({"event": "downloaded", "user": user, "charged": fmt_oz(size), "node": st.resource[i as usize].name})
        }
        Action::DbQuery { user, size, touches, node } => {
            let (u, size) = (st.account_id(user)?, oz(size)?);
            let charge =
                size.checked_add(Amount(u128::from(*touches)).checked_mul_int(NOZ_PER_TOUCH)?)?;
            charge_ozone(st, u, charge)?;
            let i = one_node(st, node.as_deref())?;
            st.credit_traffic(i, charge)?;
            json!({"event": "queried", "user": user, "charged": fmt_oz(charge), "node": st.resource[i as usize].name})
        }
        Action::Compute { user } => {
            st.account_id(user)?;
            json!({"event": "computed", "user": user, "charged": "0", "note": "computation is outside the seed's scope"})
        }
        Action::ActivateNode { node, deposit, capacity } => {
            activate(st, node, stos(deposit)?, oz(capacity)?)?
        }
        Action::Performance { node, score } => {
            let (i, score) = (st.node_index(node)?, ppm(score)?);
            st.resource[i as usize].performance_ppm = score;
            let suspended = st.resource[i as usize].status == NodeStatus::Active
                && score < st.params.kpi_min_ppm;
            if suspended {
                st.set_suspended(i, true)?;
            }
            st.refresh_weight(i);
            json!({"event": "performance", "node": node, "score_ppm": score, "suspended": suspended})
        }
        Action::Reinstate { node } => {
            let i = st.node_index(node)?;
            let n = &st.resource[i as usize];
            if n.status != NodeStatus::Suspended || n.performance_ppm < st.params.kpi_min_ppm {
                return Err(not_allowed(format!(
                    "node {node:?} is {:?} with score {} ppm; reinstating needs a suspended node meeting the KPI ({} ppm)",
                    n.status, n.performance_ppm, st.params.kpi_min_ppm
                )));
            }
            st.set_suspended(i, false)?;
            st.refresh_weight(i);
            json!({"event": "reinstated", "node": node})
        }
        Action::Unregister { node } => {
            let i = st.node_index(node)?;
            let (returns, migration) = unregister(st, i)?;
            json!({"event": "unregistered", "node": node, "deposit_returns_epoch": returns.0, "migration": migration})
        }
        Action::Shutdown { node } => {
            let i = st.node_index(node)?;
            let n = st.resource[i as usize].clone();
            let cooled = matches!(n.status, NodeStatus::Unregistering { since, .. } if now >= since.plus(st.params.exit_cooling_epochs));
            let mut migration = Value::Null;
            if matches!(n.status, NodeStatus::Active | NodeStatus::Suspended) {
                migration = unregister(st, i)?.1;
            } else if n.status == NodeStatus::Exited {
                return Err(not_allowed(format!("node {node:?} has already exited")));
            }
            let mut forfeited = Amount::ZERO;
            if !cooled && st.params.profile == Profile::Paper {
                forfeited = Amount(
                    st.reward_locks
                        .forfeit(&mut st.ledger, n.owner)?
                        .iter()
                        .map(|(_, a)| a.0)
                        .sum(),
                );
            }
            st.resource[i as usize].status = match st.resource[i as usize].status {
                s @ NodeStatus::Unregistering { .. } => s,
                _ => NodeStatus::Exited,
            };
            json!({"event": "shutdown", "node": node, "after_cooling_off": cooled, "forfeited": fmt_stos(forfeited), "migration": migration})
        }
        Action::RegisterMeta { node, deposit } => {
            let (owner, z) = (st.account_id(node)?, stos(deposit)?);
            if st.meta_ids.contains_key(node) {
                return Err(Error::Duplicate { kind: "meta node", name: node.clone() }.into());
            }
            if st.meta.len() as u32 >= st.params.max_meta_nodes {
                return Err(Error::LimitReached {
                    what: "meta nodes".into(),
                    limit: u64::from(st.params.max_meta_nodes),
                }
                .into());
            }
            if z.is_zero() {
                return Err(Error::BelowMinimum {
                    what: "meta-node deposit",
                    amount: z,
                    minimum: Amount(1),
                }
                .into());
            }
            st.ledger.transfer(t, owner.into(), st.pools.deposits.into(), z)?;
            let deadline = now.plus(st.params.meta_vote_epochs);
            st.meta_ids.insert(node.clone(), st.meta.len() as u32);
            st.meta.push(crate::nodes::MetaNode {
                name: node.clone(),
                owner,
                deposit: z,
                limit_added: Amount::ZERO,
                activated: now,
                status: MetaStatus::Candidate {
                    foundation_approved: false,
                    vote: Vote { approvals: Default::default(), deadline },
                },
                rewards_total: Amount::ZERO,
            });
            json!({"event": "meta_registered", "node": node, "deposit": fmt_stos(z), "vote_deadline_epoch": deadline.0})
        }
        Action::ApproveMeta { node } => {
            let m = st.meta_index(node)?;
            match &mut st.meta[m as usize].status {
                MetaStatus::Candidate { foundation_approved, .. } => *foundation_approved = true,
                _ => return Err(not_allowed(format!("meta node {node:?} is not a candidate"))),
            }
            let activated = st.try_activate_meta(m)?;
            json!({"event": "meta_approved", "node": node, "activated": activated})
        }
        Action::VoteMeta { voter, candidate } => {
            let (v, m) = (st.active_meta(voter)?, st.meta_index(candidate)?);
            match &mut st.meta[m as usize].status {
                MetaStatus::Candidate { vote, .. } if now <= vote.deadline => {
                    vote.approvals.insert(v);
                }
                _ => {
                    return Err(not_allowed(format!(
                        "{candidate:?} is not a candidate in its voting period"
                    )));
                }
            }
            let activated = st.try_activate_meta(m)?;
            json!({"event": "meta_voted", "voter": voter, "candidate": candidate, "activated": activated})
        }
        Action::VoteKick { voter, node } => {
            let (v, m) = (st.active_meta(voter)?, st.active_meta(node)?);
            if v == m {
                return Err(not_allowed(format!("{voter:?} cannot vote on its own kick")));
            }
            let deadline = now.plus(st.params.meta_vote_epochs);
            if let MetaStatus::Active { kick } = &mut st.meta[m as usize].status {
                let vote =
                    kick.get_or_insert_with(|| Vote { approvals: Default::default(), deadline });
                vote.approvals.insert(v);
            }
            let kicked = st.try_kick_meta(m)?;
            json!({"event": "kick_voted", "voter": voter, "node": node, "kicked": kicked})
        }
        Action::PayGas { from, amount } => {
            let (f, a) = (st.account_id(from)?, stos(amount)?);
            st.ledger.transfer(t, f.into(), st.pools.gas.into(), a)?;
            json!({"event": "gas_paid", "from": from, "amount": fmt_stos(a)})
        }
        Action::CreateValidator { operator, self_bond, commission } => {
            let (op, a, c) = (st.account_id(operator)?, stos(self_bond)?, ppm(commission)?);
            let v = st.staking.create_validator(&mut st.ledger, op, a, c, now)?;
            json!({"event": "validator_created", "operator": operator, "validator": v.0, "self_bond": fmt_stos(a)})
        }
        Action::Delegate { delegator, validator, amount } => {
            let (d, v, a) = (st.account_id(delegator)?, st.validator_id(validator)?, stos(amount)?);
            let c = st.staking.delegate(&mut st.ledger, d, v, a, now)?;
            json!({"event": "delegated", "delegator": delegator, "validator": validator, "amount": fmt_stos(a), "rewards_paid": fmt_stos(c.rewards_paid)})
        }
        Action::Undelegate { delegator, validator, amount } => {
            let (d, v, a) = (st.account_id(delegator)?, st.validator_id(validator)?, stos(amount)?);
            let c = st.staking.undelegate(&mut st.ledger, d, v, a, now)?;
            json!({"event": "undelegated", "delegator": delegator, "validator": validator, "amount": fmt_stos(c.amount),
                   "rewards_paid": fmt_stos(c.rewards_paid), "completes_epoch": now.plus(st.params.unbonding_epochs).0})
        }
        Action::WithdrawRewards { delegator, validator } => {
            let (d, v) = (st.account_id(delegator)?, st.validator_id(validator)?);
            let paid = st.staking.withdraw_rewards(&mut st.ledger, d, v)?;
            json!({"event": "rewards_withdrawn", "delegator": delegator, "validator": validator, "amount": fmt_stos(paid)})
        }
        Action::WithdrawCommission { validator } => {
            let v = st.validator_id(validator)?;
            let paid = st.staking.withdraw_commission(&mut st.ledger, v)?;
            json!({"event": "commission_withdrawn", "validator": validator, "amount": fmt_stos(paid)})
        }
    }])
}

pub(crate) fn fmt_stos(a: Amount) -> String {
    TokenMeta::new("STOS", 18).format(a)
}

pub(crate) fn fmt_oz(a: Amount) -> String {
    TokenMeta::new("OZ", 9).format(a)
}

fn not_allowed(reason: String) -> Rejection {
    Error::NotAllowed { reason }.into()
}

/// PREPAY of `x` wei by `payer` for `beneficiary`. Returns the price before and the Ozone bought.
pub(crate) fn prepay(
    st: &mut Stratos,
    payer: AccountId,
    beneficiary: AccountId,
    x: Amount,
) -> Result<(Option<Amount>, Amount), Rejection> {
    if x.is_zero() {
        return Err(Error::BelowMinimum { what: "prepay", amount: x, minimum: Amount(1) }.into());
    }
    let p = st.volume_pool();
    let price_before = st.market.price_wei_per_oz(p);
    let bought = st.market.prepay_quote(p, x)?;
    if bought.is_zero() || bought > st.market.l {
        return Err(Rejection::new(
            "ozone_limit",
            format!(
                "a prepay of {} STOS buys {} Oz, outside 0 < bought ≤ L = {} Oz",
                fmt_stos(x),
                fmt_oz(bought),
                fmt_oz(st.market.l)
            ),
        ));
    }
    st.ledger.transfer(st.stos, payer.into(), st.pools.volume.into(), x)?;
    st.ledger.mint(st.ozone_token, beneficiary.into(), bought)?;
    st.market.apply_prepay(bought)?;
    Ok((price_before, bought))
}

fn charge_ozone(st: &mut Stratos, user: AccountId, charge: Amount) -> Result<(), Rejection> {
    let have = st.ledger.balance(st.ozone_token, user.into())?;
    if have < charge {
        return Err(Rejection::new(
            "insufficient_ozone",
            format!(
                "{} has {} Oz, the request needs {} Oz: no Ozone, no service",
                st.name(user),
                fmt_oz(have),
                fmt_oz(charge)
            ),
        ));
    }
    st.ledger.burn(st.ozone_token, user.into(), charge)?;
    Ok(())
}

fn named_nodes(
    st: &Stratos,
    names: &[String],
    replicas: usize,
    size: Amount,
) -> Result<Vec<u32>, Rejection> {
    if names.len() != replicas {
        return Err(Error::InvalidParameter {
            name: "nodes".into(),
            value: names.len().to_string(),
            reason: format!("one node per replica ({replicas})"),
        }
        .into());
    }
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let i = st.node_index(n)?;
        let node = &st.resource[i as usize];
        if !node.takes_tasks() || node.free() < size || out.contains(&i) {
            return Err(not_allowed(format!(
                "node {n:?} cannot take this task (status {:?}, free {} Oz, needs {} Oz, each replica on a different node)",
                node.status,
                fmt_oz(node.free()),
                fmt_oz(size)
            )));
        }
        out.push(i);
    }
    Ok(out)
}

fn one_node(st: &mut Stratos, name: Option<&str>) -> Result<u32, Rejection> {
    match name {
        Some(n) => Ok(named_nodes(st, &[n.to_owned()], 1, Amount::ZERO)?[0]),
        None => Ok(st.pick_nodes(1, Amount::ZERO)?[0]),
    }
}

fn node_names(st: &Stratos, ids: &[u32]) -> Vec<String> {
    ids.iter().map(|&i| st.resource[i as usize].name.clone()).collect()
}

fn activate(st: &mut Stratos, node: &str, z: Amount, capacity: Amount) -> Result<Value, Rejection> {
    let owner = st.account_id(node)?;
    if st.resource_ids.contains_key(node) {
        return Err(Error::Duplicate { kind: "resource node", name: node.to_owned() }.into());
    }
    if st.resource.len() as u32 >= st.params.max_resource_nodes {
        return Err(Error::LimitReached {
            what: "resource nodes".into(),
            limit: u64::from(st.params.max_resource_nodes),
        }
        .into());
    }
    if z.is_zero() {
        return Err(Error::BelowMinimum {
            what: "resource-node deposit",
            amount: z,
            minimum: Amount(1),
        }
        .into());
    }
    let delta = st.market.deposit_limit_delta(st.params.profile, z, st.params.deposit_noz_rate)?;
    st.ledger.transfer(st.stos, owner.into(), st.pools.deposits.into(), z)?;
    st.market.raise_limit(delta)?;
    if st.params.profile == Profile::Mainnet {
        st.market.s = st.market.s.checked_add(z)?;
    }
    let node_rec = ResourceNode::new(node, owner, z, delta, capacity, st.epoch);
    let w = task_weight(st.params.profile, &node_rec);
    st.resource_ids.insert(node.to_owned(), st.resource.len() as u32);
    st.resource.push(node_rec);
    st.weights.push(w);
    Ok(
        json!({"event": "node_activated", "node": node, "deposit": fmt_stos(z), "ozone_limit_added": fmt_oz(delta), "weight": w}),
    )
}

/// Unregisters resource node `i`: the Ozone limit falls, the replica migration is paid, the
/// deposit is scheduled to return. Returns the return epoch and the migration report.
fn unregister(st: &mut Stratos, i: u32) -> Result<(ergon_core::Epoch, Value), Rejection> {
    let now = st.epoch;
    let n = st.resource[i as usize].clone();
    if !matches!(n.status, NodeStatus::Active | NodeStatus::Suspended) {
        return Err(not_allowed(format!(
            "node {:?} is {:?}: only an active or suspended node can unregister",
            n.name, n.status
        )));
    }
    match st.params.profile {
        Profile::Paper => {
            // L −= L·Z/S with Z the initial deposit (seed §4.4).
            let delta = st.market.deposit_limit_delta(
                Profile::Paper,
                n.initial_deposit,
                st.params.deposit_noz_rate,
            )?;
            st.market.l = st.market.l.checked_sub(delta).map_err(|_| {
                Rejection::new(
                    "ozone_limit",
                    format!(
                        "unregistering {:?} would take {} Oz from L = {} Oz",
                        n.name,
                        fmt_oz(delta),
                        fmt_oz(st.market.l)
                    ),
                )
            })?;
        }
        Profile::Mainnet => {
            if n.status == NodeStatus::Active {
                st.mainnet_remove_deposit(n.deposit)?;
            }
        }
    }
    st.resource[i as usize].status = NodeStatus::Suspended; // no tasks during the migration
    st.refresh_weight(i);
    let migration = st.pay_migration(i)?;
    let returns = deposit_return_epoch(
        n.activated,
        now,
        st.params.deposit_lock_epochs,
        st.params.exit_cooling_epochs,
    );
    let deposit = st.resource[i as usize].deposit;
    st.deposit_returns.lock(
        &mut st.ledger,
        st.pools.deposits.into(),
        n.owner,
        deposit,
        returns,
        st.pools.deposits,
    )?;
    st.resource[i as usize].deposit = Amount::ZERO;
    st.resource[i as usize].status =
        NodeStatus::Unregistering { since: now, deposit_returns: returns };
    Ok((returns, migration))
}

impl Stratos {
    pub(crate) fn node_index(&self, name: &str) -> Result<u32, Rejection> {
        self.resource_ids.get(name).copied().ok_or_else(|| {
            Rejection::new("unknown_node", format!("no resource node named {name:?}"))
        })
    }

    pub(crate) fn meta_index(&self, name: &str) -> Result<u32, Rejection> {
        self.meta_ids
            .get(name)
            .copied()
            .ok_or_else(|| Rejection::new("unknown_node", format!("no meta node named {name:?}")))
    }

    fn active_meta(&self, name: &str) -> Result<u32, Rejection> {
        let m = self.meta_index(name)?;
        if !self.meta[m as usize].is_active() {
            return Err(not_allowed(format!("meta node {name:?} is not active")));
        }
        Ok(m)
    }

    fn validator_id(&self, operator: &str) -> Result<ergon_core::ValidatorId, Rejection> {
        let op = self.account_id(operator)?;
        self.staking.validator_of(op).ok_or_else(|| {
            Rejection::new("unknown_validator", format!("account {operator:?} runs no validator"))
        })
    }

    pub(crate) fn active_meta_count(&self) -> u32 {
        self.meta.iter().filter(|m| m.is_active()).count() as u32
    }

    /// Activates candidate `m` when the foundation approved it and the vote passed.
    fn try_activate_meta(&mut self, m: u32) -> Result<bool, Rejection> {
        let needed = approvals_needed(self.active_meta_count());
        let MetaStatus::Candidate { foundation_approved: true, vote } =
            &self.meta[m as usize].status
        else {
            return Ok(false);
        };
        if (vote.approvals.len() as u32) < needed {
            return Ok(false);
        }
        let z = self.meta[m as usize].deposit;
        let delta = self.market.deposit_limit_delta(
            self.params.profile,
            z,
            self.params.deposit_noz_rate,
        )?;
        self.market.raise_limit(delta)?;
        if self.params.profile == Profile::Mainnet {
            self.market.s = self.market.s.checked_add(z)?;
        }
        let meta = &mut self.meta[m as usize];
        meta.limit_added = delta;
        meta.activated = self.epoch;
        meta.status = MetaStatus::Active { kick: None };
        Ok(true)
    }

    /// Kicks active meta node `m` when its kick vote passed.
    fn try_kick_meta(&mut self, m: u32) -> Result<bool, Rejection> {
        let voters = self.active_meta_count().saturating_sub(1);
        let MetaStatus::Active { kick: Some(vote) } = &self.meta[m as usize].status else {
            return Ok(false);
        };
        if (vote.approvals.len() as u32) < approvals_needed(voters) {
            return Ok(false);
        }
        let meta = self.meta[m as usize].clone();
        match self.params.profile {
            Profile::Paper => {
                let delta = self.market.deposit_limit_delta(
                    Profile::Paper,
                    meta.deposit,
                    self.params.deposit_noz_rate,
                )?;
                self.market.l = self.market.l.checked_sub(delta)?;
            }
            Profile::Mainnet => self.mainnet_remove_deposit(meta.deposit)?,
        }
        let returns = deposit_return_epoch(
            meta.activated,
            self.epoch,
            self.params.deposit_lock_epochs,
            self.params.exit_cooling_epochs,
        );
        self.deposit_returns.lock(
            &mut self.ledger,
            self.pools.deposits.into(),
            meta.owner,
            meta.deposit,
            returns,
            self.pools.deposits,
        )?;
        self.meta[m as usize].deposit = Amount::ZERO;
        self.meta[m as usize].status = MetaStatus::Gone { deposit_returns: returns };
        Ok(true)
    }

    /// mainnet: S and L fall by a deposit leaving the effective total, only if L stays ≥ Z/rate.
    pub(crate) fn mainnet_remove_deposit(&mut self, z: Amount) -> Result<(), Rejection> {
        let dl = Amount(z.0 / self.params.deposit_noz_rate);
        self.market.s = self.market.s.checked_sub(z)?;
        if self.market.l >= dl.checked_add(dl)? {
            self.market.l = self.market.l.checked_sub(dl)?;
        }
        Ok(())
    }

    /// Suspends (`true`) or reinstates (`false`) node `i`; mainnet moves its deposit out of or
    /// back into the effective total.
    fn set_suspended(&mut self, i: u32, suspend: bool) -> Result<(), Rejection> {
        let z = self.resource[i as usize].deposit;
        if self.params.profile == Profile::Mainnet {
            if suspend {
                self.mainnet_remove_deposit(z)?;
            } else {
                let dl = self.market.deposit_limit_delta(
                    Profile::Mainnet,
                    z,
                    self.params.deposit_noz_rate,
                )?;
                self.market.raise_limit(dl)?;
                self.market.s = self.market.s.checked_add(z)?;
            }
        }
        self.resource[i as usize].status =
            if suspend { NodeStatus::Suspended } else { NodeStatus::Active };
        Ok(())
    }

    pub(crate) fn refresh_weight(&mut self, i: u32) {
        let n = &self.resource[i as usize];
        let w = if n.takes_tasks() { task_weight(self.params.profile, n) } else { 0 };
        self.weights.set(i as usize, w);
    }

    pub(crate) fn credit_traffic(&mut self, i: u32, noz: Amount) -> Result<(), Rejection> {
        let n = &mut self.resource[i as usize];
        if n.pending_traffic.is_zero() && !noz.is_zero() {
            self.with_traffic.push(i);
        }
        n.pending_traffic = n.pending_traffic.checked_add(noz)?;
        Ok(())
    }

    /// Chooses `k` distinct active nodes with at least `size` free, each by weight.
    pub(crate) fn pick_nodes(&mut self, k: usize, size: Amount) -> Result<Vec<u32>, Rejection> {
        let mut chosen = Vec::with_capacity(k);
        let mut zeroed: Vec<(usize, u64)> = Vec::new();
        let mut result = Ok(());
        while chosen.len() < k {
            let i = match self.weights.sample(&mut self.rng) {
                Ok(i) => i,
                Err(_) => {
                    result = Err(Rejection::new(
                        "no_capacity",
                        format!(
                            "only {} active node(s) can take a task of {} Oz; {k} needed",
                            chosen.len(),
                            fmt_oz(size)
                        ),
                    ));
                    break;
                }
            };
            zeroed.push((i, self.weights.get(i)));
            self.weights.set(i, 0);
            if self.resource[i].free() >= size {
                chosen.push(i as u32);
            }
        }
        for (i, w) in zeroed.into_iter().rev() {
            self.weights.set(i, w);
        }
        result.map(|()| chosen)
    }

    /// A leaving node pays the replica migration of its stored data (stored × replicas,
    /// charged as uploads): the STOS that buys that Ozone comes from its locked rewards first,
    /// then its deposit; the Ozone is then spent uploading the replicas to other nodes.
    fn pay_migration(&mut self, i: u32) -> Result<Value, Rejection> {
        let n = self.resource[i as usize].clone();
        let replicas = self.params.default_replicas;
        let needed = n.stored.checked_mul_int(u128::from(replicas))?;
        if needed.is_zero() {
            return Ok(json!({"ozone": "0", "stos": "0"}));
        }
        // The STOS that buys `needed` Ozone at the constant product: ⌈needed·(S+P)/(L−needed)⌉.
        let p = self.volume_pool();
        let room =
            self.market.l.checked_sub(needed).ok().filter(|r| !r.is_zero()).ok_or_else(|| {
                Rejection::new(
                    "ozone_limit",
                    format!(
                        "the migration of node {:?} needs {} Oz, L is {} Oz",
                        n.name,
                        fmt_oz(needed),
                        fmt_oz(self.market.l)
                    ),
                )
            })?;
        let cost = Amount(ergon_core::mul_div(
            needed.0,
            self.market.s.checked_add(p)?.0,
            room.0,
            ergon_core::Rounding::Up,
        )?);
        let from_rewards =
            self.reward_locks.deduct(&mut self.ledger, n.owner, cost, n.owner.into())?;
        let from_deposit = cost.checked_sub(from_rewards)?;
        let deposit = self.resource[i as usize].deposit;
        if from_deposit > deposit {
            return Err(Rejection::new(
                "insufficient_deposit",
                format!(
                    "node {:?} owes {} STOS of migration, has {} locked and {} deposited",
                    n.name,
                    fmt_stos(cost),
                    fmt_stos(from_rewards),
                    fmt_stos(deposit)
                ),
            ));
        }
        self.ledger.transfer(
            self.stos,
            self.pools.deposits.into(),
            n.owner.into(),
            from_deposit,
        )?;
        self.resource[i as usize].deposit = deposit.checked_sub(from_deposit)?;
        let (_, bought) = prepay(self, n.owner, n.owner, cost)?;
        let mut placed = Vec::new();
        let per_replica = n.stored;
        for _ in 0..replicas {
            let Ok(targets) = self.pick_nodes(1, per_replica) else { break };
            charge_ozone(self, n.owner, per_replica)?;
            self.credit_traffic(targets[0], per_replica)?;
            let t = &mut self.resource[targets[0] as usize];
            t.stored = t.stored.checked_add(per_replica)?;
            placed.push(t.name.clone());
        }
        self.resource[i as usize].stored = Amount::ZERO;
        Ok(
            json!({"ozone": fmt_oz(needed), "bought": fmt_oz(bought), "stos": fmt_stos(cost), "from_rewards": fmt_stos(from_rewards),
                  "from_deposit": fmt_stos(from_deposit), "replicas_to": placed}),
        )
    }
}
