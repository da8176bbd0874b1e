//! Every Stratos transaction as an [`Action`] — the replay ops (docs/replay.md, docs/economies/
//! stratos.md). Each is all-or-nothing: one transaction over the whole state.

use ergon_core::economy::Rejection;
use ergon_core::{Amount, Error, Qty, TokenMeta};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Stratos;
use crate::membership::{activate, unregister};
use crate::nodes::{MetaStatus, NodeStatus, Vote};
use crate::params::Profile;

pub use crate::ops::NOZ_PER_TOUCH;

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
    /// mainnet: meta nodes report `traffic` Oz of a resource node's bad service; the node's
    /// account owes that traffic's reward at the constant product, deducted later from its
    /// maturing rewards and returned deposits; `suspend` also suspends an active node.
    Slash {
        node: String,
        traffic: Qty,
        #[serde(default)]
        suspend: bool,
    },
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
    /// Pays an account its matured rewards not yet withdrawn (paper: the deposits' share of the
    /// stake rewards, withdrawable 14 days after the epoch that earned them).
    WithdrawMatured { account: String },
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

/// Applies `action` all-or-nothing: one transaction over the whole state
/// ([`ergon_core::txn::atomic`]), so a rejection leaves it (the task RNG included) unchanged.
pub fn apply(st: &mut Stratos, action: &Action) -> Result<Vec<Value>, Rejection> {
    ergon_core::txn::atomic(st, |st| apply_inner(st, action))
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
            st.transfer_stos(f, d, a)?;
            json!({"event": "transferred", "from": from, "to": to, "amount": fmt_stos(a)})
        }
        Action::Prepay { payer, beneficiary, amount } => {
            let x = stos(amount)?;
            let p = st.account_id(payer)?;
            let b = st.account_id(beneficiary.as_deref().unwrap_or(payer))?;
            let done = st.prepay(p, b, x)?;
            json!({"event": "prepaid", "payer": payer, "beneficiary": beneficiary.as_deref().unwrap_or(payer),
                   "amount": fmt_stos(x), "ozone": fmt_oz(done.bought),
                   "price_before": done.price_before.map(fmt_stos), "price_after": st.market.price_wei_per_oz(st.volume_pool()).map(fmt_stos)})
        }
        Action::Upload { user, size, replicas, nodes } => {
            let (u, size) = (st.account_id(user)?, oz(size)?);
            let replicas = replicas.unwrap_or(st.params.default_replicas);
            let ids = match nodes {
                Some(names) => {
                    Some(names.iter().map(|n| st.node_index(n)).collect::<Result<Vec<_>, _>>()?)
                }
                None => None,
            };
            let (charge, chosen) = st.upload(u, size, replicas, ids.as_deref())?;
            json!({"event": "uploaded", "user": user, "charged": fmt_oz(charge), "nodes": node_names(st, &chosen)})
        }
        Action::Download { user, size, node } => {
            let (u, size) = (st.account_id(user)?, oz(size)?);
            let node = node.as_deref().map(|n| st.node_index(n)).transpose()?;
            let i = st.download(u, size, node)?;
            json!({"event": "downloaded", "user": user, "charged": fmt_oz(size), "node": st.node_name(i)})
        }
        Action::DbQuery { user, size, touches, node } => {
            let (u, size) = (st.account_id(user)?, oz(size)?);
            let node = node.as_deref().map(|n| st.node_index(n)).transpose()?;
            let (charge, i) = st.db_query(u, size, *touches, node)?;
            json!({"event": "queried", "user": user, "charged": fmt_oz(charge), "node": st.node_name(i)})
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
            let suspended = st.report_performance(i, score)?;
            json!({"event": "performance", "node": node, "score_ppm": score, "suspended": suspended})
        }
        Action::Reinstate { node } => {
            let i = st.node_index(node)?;
            st.reinstate(i)?;
            json!({"event": "reinstated", "node": node})
        }
        Action::Slash { node, traffic, suspend } => {
            let i = st.node_index(node)?;
            let (amount, suspended) = st.slash(i, oz(traffic)?, *suspend)?;
            let owed = st.slashing_of(st.resource[i as usize].owner);
            json!({"event": "slashed", "node": node, "amount": fmt_stos(amount), "suspended": suspended, "slashing": fmt_stos(owed)})
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
                forfeited = forfeited.checked_add(st.forfeit_deposit_rewards(n.owner)?)?;
            }
            st.resource.get_mut(i as usize).status = match st.resource[i as usize].status {
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
            match &mut st.meta.get_mut(m as usize).status {
                MetaStatus::Candidate { foundation_approved, .. } => *foundation_approved = true,
                _ => return Err(not_allowed(format!("meta node {node:?} is not a candidate"))),
            }
            let activated = st.try_activate_meta(m)?;
            json!({"event": "meta_approved", "node": node, "activated": activated})
        }
        Action::VoteMeta { voter, candidate } => {
            let (v, m) = (st.active_meta(voter)?, st.meta_index(candidate)?);
            match &mut st.meta.get_mut(m as usize).status {
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
            if let MetaStatus::Active { kick } = &mut st.meta.get_mut(m as usize).status {
                let vote =
                    kick.get_or_insert_with(|| Vote { approvals: Default::default(), deadline });
                vote.approvals.insert(v);
            }
            let kicked = st.try_kick_meta(m)?;
            json!({"event": "kick_voted", "voter": voter, "node": node, "kicked": kicked})
        }
        Action::PayGas { from, amount } => {
            let (f, a) = (st.account_id(from)?, stos(amount)?);
            st.pay_gas(f, a)?;
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
        Action::WithdrawMatured { account } => {
            let a = st.account_id(account)?;
            let paid = st.withdraw_deposit_rewards(a)?;
            json!({"event": "matured_withdrawn", "account": account, "amount": fmt_stos(paid)})
        }
        Action::WithdrawCommission { validator } => {
            let v = st.validator_id(validator)?;
            let paid = st.staking.withdraw_commission(&mut st.ledger, v)?;
            json!({"event": "commission_withdrawn", "validator": validator, "amount": fmt_stos(paid)})
        }
    }])
}

fn node_names(st: &Stratos, ids: &[u32]) -> Vec<String> {
    ids.iter().map(|&i| st.node_name(i).to_owned()).collect()
}

/// STOS wei as an exact decimal string.
pub fn fmt_stos(a: Amount) -> String {
    TokenMeta::new("STOS", 18).format(a)
}

/// Ozone noz as an exact decimal string.
pub fn fmt_oz(a: Amount) -> String {
    TokenMeta::new("OZ", 9).format(a)
}

pub(crate) fn not_allowed(reason: String) -> Rejection {
    Error::NotAllowed { reason }.into()
}
