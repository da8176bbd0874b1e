//! Every Stratos transaction as an [`Action`] — the replay ops (docs/replay.md,
//! docs/economies/stratos.md) — and [`apply`], the replay edge: it resolves names and decimal
//! strings, calls the one typed operation each action names ([`crate::ops`],
//! [`crate::resource`], [`crate::meta`], [`crate::validators`], [`crate::deposits`]) and
//! reports an [`Event`], through one function per group of operations (accounts, requests,
//! resource nodes, meta nodes, staking). Each operation is all-or-nothing on its own.

use std::collections::BTreeMap;

use ergon_core::{AccountId, Amount, Economy, PerMill, Qty, ValidatorId};
use serde::Deserialize;

use crate::Stratos;
use crate::error::{Result, StratosError};
use crate::events::{Event, MigrationReport};
use crate::nodes::{MetaIndex, NodeIndex};
use crate::resource::Migration;
use crate::units::{oz, ppm, stos};

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
    /// mainnet: registers resource node `node` with a deposit that is not yet effective.
    RegisterNode { node: String, deposit: Qty, capacity: Qty },
    /// mainnet: the meta nodes set a node's effective deposit (STOS).
    UpdateEffectiveDeposit { node: String, effective: Qty },
    /// mainnet: the meta nodes' volume report of the epoch — node name → traffic in noz (whole
    /// numbers) — which closes the epoch settling exactly these volumes.
    VolumeReport { volumes: BTreeMap<String, Qty> },
    /// mainnet: an epoch passes without a volume report: nothing settles, is paid or matures.
    EndEpochWithoutReport {},
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
    /// mainnet: the owner unbonds a meta-node candidate (its vote failed or not yet passed).
    UnbondMeta { node: String },
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
    /// Frees a validator jailed when its operator's self-bond fell below the minimum, once the
    /// self-bond is back at the minimum or above (the chain's `MsgUnjail`).
    Unjail { validator: String },
    /// Pays an account its matured rewards not yet withdrawn (paper: the deposits' share of the
    /// stake rewards: epoch e's withdrawable when epoch e + `reward_lock_epochs` + 1 begins, 14
    /// days after the close that issued them).
    WithdrawMatured { account: String },
}

/// Applies `action`: resolves its names, calls its operation, reports what it did.
pub fn apply(st: &mut Stratos, action: &Action) -> Result<Event> {
    use Action as A;
    match action {
        A::Open { .. } | A::Transfer { .. } | A::Prepay { .. } | A::PayGas { .. } => {
            accounts(st, action)
        }
        A::Upload { .. } | A::Download { .. } | A::DbQuery { .. } | A::Compute { .. } => {
            requests(st, action)
        }
        A::ActivateNode { .. }
        | A::RegisterNode { .. }
        | A::UpdateEffectiveDeposit { .. }
        | A::VolumeReport { .. }
        | A::EndEpochWithoutReport { .. }
        | A::Performance { .. }
        | A::Reinstate { .. }
        | A::Slash { .. }
        | A::Unregister { .. }
        | A::Shutdown { .. }
        | A::WithdrawMatured { .. } => resource_nodes(st, action),
        A::RegisterMeta { .. }
        | A::ApproveMeta { .. }
        | A::VoteMeta { .. }
        | A::VoteKick { .. }
        | A::UnbondMeta { .. } => meta_nodes(st, action),
        A::CreateValidator { .. }
        | A::Delegate { .. }
        | A::Undelegate { .. }
        | A::WithdrawRewards { .. }
        | A::WithdrawCommission { .. }
        | A::Unjail { .. } => staking(st, action),
    }
}

/// Opening accounts, moving STOS, buying Ozone and paying gas.
fn accounts(st: &mut Stratos, action: &Action) -> Result<Event> {
    use Action as A;
    Ok(match action {
        A::Open { account } => {
            st.open(account)?;
            Event::Opened { account: account.clone() }
        }
        A::Transfer { from, to, amount } => {
            let (f, d, a) = (st.account_id(from)?, st.account_id(to)?, stos(amount)?);
            st.transfer_stos(f, d, a)?;
            Event::Transferred { from: from.clone(), to: to.clone(), amount: a }
        }
        A::Prepay { payer, beneficiary, amount } => {
            let x = stos(amount)?;
            let p = st.account_id(payer)?;
            let beneficiary = beneficiary.as_deref().unwrap_or(payer);
            let b = st.account_id(beneficiary)?;
            let done = st.prepay(p, b, x)?;
            Event::Prepaid {
                payer: payer.clone(),
                beneficiary: beneficiary.to_owned(),
                amount: x,
                ozone: done.bought,
                price_before: done.price_before,
                price_after: st.market().price_wei_per_oz(st.volume_pool()),
            }
        }
        A::PayGas { from, amount } => {
            let (f, a) = (st.account_id(from)?, stos(amount)?);
            st.pay_gas(f, a)?;
            Event::GasPaid { from: from.clone(), amount: a }
        }
        _ => unreachable!("apply sends each function only its own group's actions"),
    })
}

/// Users' requests: uploads, downloads, database queries and computations.
fn requests(st: &mut Stratos, action: &Action) -> Result<Event> {
    use Action as A;
    Ok(match action {
        A::Upload { user, size, replicas, nodes } => {
            let (u, size) = (st.account_id(user)?, oz(size)?);
            let replicas = replicas.unwrap_or(st.params().default_replicas);
            let ids = match nodes {
                Some(names) => {
                    Some(names.iter().map(|n| st.node_id(n)).collect::<Result<Vec<_>>>()?)
                }
                None => None,
            };
            let (charged, chosen) = st.upload(u, size, replicas, ids.as_deref())?;
            let chosen = chosen.to_vec();
            let nodes = chosen.iter().map(|&i| st.node_name(i).to_owned()).collect();
            Event::Uploaded { user: user.clone(), charged, nodes }
        }
        A::Download { user, size, node } => {
            let (u, size) = (st.account_id(user)?, oz(size)?);
            let node = node.as_deref().map(|n| st.node_id(n)).transpose()?;
            let i = st.download(u, size, node)?;
            Event::Downloaded {
                user: user.clone(),
                charged: size,
                node: st.node_name(i).to_owned(),
            }
        }
        A::DbQuery { user, size, touches, node } => {
            let (u, size) = (st.account_id(user)?, oz(size)?);
            let node = node.as_deref().map(|n| st.node_id(n)).transpose()?;
            let (charged, i) = st.db_query(u, size, *touches, node)?;
            Event::Queried { user: user.clone(), charged, node: st.node_name(i).to_owned() }
        }
        A::Compute { user } => {
            st.account_id(user)?;
            let note = "computation is outside the seed's scope";
            Event::Computed { user: user.clone(), charged: "0", note }
        }
        _ => unreachable!("apply sends each function only its own group's actions"),
    })
}

/// Resource nodes: activation (mainnet: registration, effective deposits), volume reports
/// (mainnet), measurement, reinstatement, slashing, leaving, and their owners' matured rewards.
fn resource_nodes(st: &mut Stratos, action: &Action) -> Result<Event> {
    use Action as A;
    Ok(match action {
        A::ActivateNode { node, deposit, capacity } => {
            let (owner, z, capacity) = (st.account_id(node)?, stos(deposit)?, oz(capacity)?);
            let done = st.activate_node(owner, z, capacity)?;
            Event::NodeActivated {
                node: node.clone(),
                deposit: z,
                ozone_limit_added: done.limit_added,
                weight: done.weight,
            }
        }
        A::RegisterNode { node, deposit, capacity } => {
            let (owner, z, capacity) = (st.account_id(node)?, stos(deposit)?, oz(capacity)?);
            st.register_node(owner, z, capacity)?;
            Event::NodeRegistered { node: node.clone(), deposit: z }
        }
        A::UpdateEffectiveDeposit { node, effective } => {
            let (i, e) = (st.node_id(node)?, stos(effective)?);
            let done = st.update_effective_deposit(i, e)?;
            Event::EffectiveDepositUpdated {
                node: node.clone(),
                effective: e,
                previous: done.previous,
                activated: done.activated,
                ozone_limit_added: done.limit_added,
                ozone_limit_removed: done.limit_removed,
                weight: done.weight,
            }
        }
        A::VolumeReport { volumes } => {
            let volumes = volumes
                .iter()
                .map(|(name, v)| Ok((st.node_id(name)?, Amount(v.to_integer()?))))
                .collect::<Result<Vec<_>>>()?;
            let report = st.volume_report(&volumes)?;
            Event::VolumeReported { epoch: st.epoch().0, report: Box::new(report) }
        }
        A::EndEpochWithoutReport {} => {
            let report = st.end_epoch_without_report()?;
            Event::EpochEndedWithoutReport { epoch: st.epoch().0, report: Box::new(report) }
        }
        A::Performance { node, score } => {
            let (i, score) = (st.node_id(node)?, ppm(score)?);
            let suspended = st.report_performance(i, PerMill::from_parts(score)?)?;
            Event::Performance { node: node.clone(), score_ppm: score, suspended }
        }
        A::Reinstate { node } => {
            st.reinstate(st.node_id(node)?)?;
            Event::Reinstated { node: node.clone() }
        }
        A::Slash { node, traffic, suspend } => {
            let i = st.node_id(node)?;
            let (amount, suspended) = st.slash(i, oz(traffic)?, *suspend)?;
            let slashing = st.slashing_of(st.resource_nodes()[i.idx()].owner);
            Event::Slashed { node: node.clone(), amount, suspended, slashing }
        }
        A::Unregister { node } => {
            let done = st.unregister_node(st.node_id(node)?)?;
            Event::Unregistered {
                node: node.clone(),
                deposit_returns_epoch: done.deposit_returns.0,
                migration: migration_report(st, &done.migration),
            }
        }
        A::Shutdown { node } => {
            let done = st.shutdown_node(st.node_id(node)?)?;
            Event::Shutdown {
                node: node.clone(),
                after_cooling_off: done.after_cooling_off,
                forfeited: done.forfeited,
                migration: done.migration.as_ref().map(|m| migration_report(st, m)),
            }
        }
        A::WithdrawMatured { account } => {
            let amount = st.withdraw_deposit_rewards(st.account_id(account)?)?;
            Event::MaturedWithdrawn { account: account.clone(), amount }
        }
        _ => unreachable!("apply sends each function only its own group's actions"),
    })
}

/// Meta nodes: registration, approval, votes and (mainnet) a candidate's unbonding.
fn meta_nodes(st: &mut Stratos, action: &Action) -> Result<Event> {
    use Action as A;
    Ok(match action {
        A::RegisterMeta { node, deposit } => {
            let (owner, z) = (st.account_id(node)?, stos(deposit)?);
            let deadline = st.register_meta(owner, z)?;
            Event::MetaRegistered {
                node: node.clone(),
                deposit: z,
                vote_deadline_epoch: deadline.0,
            }
        }
        A::ApproveMeta { node } => {
            let activated = st.approve_meta(st.meta_id(node)?)?;
            Event::MetaApproved { node: node.clone(), activated }
        }
        A::VoteMeta { voter, candidate } => {
            let (v, m) = (st.meta_id(voter)?, st.meta_id(candidate)?);
            let activated = st.vote_meta(v, m)?;
            Event::MetaVoted { voter: voter.clone(), candidate: candidate.clone(), activated }
        }
        A::VoteKick { voter, node } => {
            let (v, m) = (st.meta_id(voter)?, st.meta_id(node)?);
            let kicked = st.vote_kick(v, m)?;
            Event::KickVoted { voter: voter.clone(), node: node.clone(), kicked }
        }
        A::UnbondMeta { node } => {
            let m = st.meta_id(node)?;
            let deposit = st.meta_nodes()[m.idx()].deposit;
            let returns = st.unbond_meta(m)?;
            Event::MetaUnbonded { node: node.clone(), deposit, deposit_returns_epoch: returns.0 }
        }
        _ => unreachable!("apply sends each function only its own group's actions"),
    })
}

/// Validators and delegations: creation, delegation, unbonding and withdrawals.
fn staking(st: &mut Stratos, action: &Action) -> Result<Event> {
    use Action as A;
    Ok(match action {
        A::CreateValidator { operator, self_bond, commission } => {
            let (op, a, c) = (st.account_id(operator)?, stos(self_bond)?, ppm(commission)?);
            let v = st.create_validator(op, a, PerMill::from_parts(c)?)?;
            Event::ValidatorCreated { operator: operator.clone(), validator: v.0, self_bond: a }
        }
        A::Delegate { delegator, validator, amount } => {
            let (d, v, a) = (st.account_id(delegator)?, st.validator_id(validator)?, stos(amount)?);
            let c = st.delegate(d, v, a)?;
            Event::Delegated {
                delegator: delegator.clone(),
                validator: validator.clone(),
                amount: a,
                rewards_paid: c.rewards_paid,
            }
        }
        A::Undelegate { delegator, validator, amount } => {
            let (d, v, a) = (st.account_id(delegator)?, st.validator_id(validator)?, stos(amount)?);
            let (c, completes) = st.undelegate(d, v, a)?;
            Event::Undelegated {
                delegator: delegator.clone(),
                validator: validator.clone(),
                amount: c.amount,
                rewards_paid: c.rewards_paid,
                completes_epoch: completes.0,
            }
        }
        A::WithdrawRewards { delegator, validator } => {
            let (d, v) = (st.account_id(delegator)?, st.validator_id(validator)?);
            let amount = st.withdraw_rewards(d, v)?;
            Event::RewardsWithdrawn {
                delegator: delegator.clone(),
                validator: validator.clone(),
                amount,
            }
        }
        A::WithdrawCommission { validator } => {
            let amount = st.withdraw_commission(st.validator_id(validator)?)?;
            Event::CommissionWithdrawn { validator: validator.clone(), amount }
        }
        A::Unjail { validator } => {
            st.unjail(st.validator_id(validator)?)?;
            Event::Unjailed { validator: validator.clone() }
        }
        _ => unreachable!("apply sends each function only its own group's actions"),
    })
}

/// A migration as reported: the amounts, and the replicas' nodes by name; only the Ozone and
/// the STOS when nothing was stored.
fn migration_report(st: &Stratos, m: &Migration) -> MigrationReport {
    let moved = !m.ozone.is_zero();
    MigrationReport {
        ozone: m.ozone,
        bought: moved.then_some(m.bought),
        stos: m.stos,
        from_rewards: moved.then_some(m.from_rewards),
        from_deposit: moved.then_some(m.from_deposit),
        replicas_to: moved
            .then(|| m.replicas_to.iter().map(|&i| st.node_name(i).to_owned()).collect()),
    }
}

impl Stratos {
    /// The account named `name`, or [`StratosError::UnknownAccount`].
    pub fn account_id(&self, name: &str) -> Result<AccountId> {
        self.account(name).ok_or_else(|| StratosError::UnknownAccount { name: name.to_owned() })
    }

    /// The resource node named `name`, or [`StratosError::UnknownNode`].
    pub fn node_id(&self, name: &str) -> Result<NodeIndex> {
        self.account(name)
            .and_then(|a| self.node_of(a))
            .ok_or_else(|| StratosError::UnknownNode { name: name.to_owned() })
    }

    /// The meta node named `name`, or [`StratosError::UnknownMeta`].
    pub fn meta_id(&self, name: &str) -> Result<MetaIndex> {
        self.account(name)
            .and_then(|a| self.meta_of(a))
            .ok_or_else(|| StratosError::UnknownMeta { name: name.to_owned() })
    }

    /// The validator run by the account named `operator`.
    pub fn validator_id(&self, operator: &str) -> Result<ValidatorId> {
        let op = self.account_id(operator)?;
        self.validator_of(op)
            .ok_or_else(|| StratosError::UnknownValidator { operator: operator.to_owned() })
    }
}
