//! The state dump, the metrics and the invariants of the Stratos economy.

use std::collections::BTreeMap;

use ergon_core::economy::{Metric, MetricValue};
use ergon_core::invariants::Violation;
use ergon_core::{AccountId, Amount, Holder, TokenId};
use serde_json::{Value, json};

use crate::Stratos;
use crate::nodes::{NodeIndex, NodeStatus};
use crate::params::Profile;
use crate::units::{fmt_oz, fmt_stos};

/// The whole state as JSON: S, P, L, the price, total mined, the tier, every account's
/// balances, locked and matured (withdrawable) rewards and returning deposits, the nodes, the
/// validators and the pools.
pub fn snapshot(st: &Stratos) -> Value {
    let p = st.volume_pool();
    let tier = match st.params.mining.emission(st.epoch.0, st.total_mined) {
        ergon_core::Emission::Reward { tier, .. } => Value::from(tier),
        ergon_core::Emission::Ended => Value::Null,
    };
    let mut state = json!({
        "profile": st.params.profile,
        "epoch": st.epoch.0,
        "S": fmt_stos(st.market.s()),
        "P": fmt_stos(p),
        "L": fmt_oz(st.market.l()),
        "ozone_price": st.market.price_wei_per_oz(p).map(fmt_stos),
        "ozone_sold": fmt_oz(st.market.sold()),
        "ozone_settled": fmt_oz(st.market.settled()),
        "total_mined": fmt_stos(st.total_mined),
        "tier": tier,
        "stos_supply": fmt_stos(st.ledger.supply(st.stos).unwrap_or_default()),
        "deposit_reward_dust": fmt_stos(st.deposit_rewards.dust()),
        "accounts": accounts_json(st),
        "resource_nodes": resource_nodes_json(st),
        "meta_nodes": meta_nodes_json(st),
        "validators": validators_json(st),
        "pools": pools_json(st),
    });
    match st.params.profile {
        Profile::Mainnet => {
            state["ozone_reported"] = fmt_oz(st.market.reported()).into();
            state["S_kept"] = fmt_stos(st.market.s_kept()).into();
        }
        Profile::Paper => state["ozone_dropped"] = fmt_oz(st.market.dropped()).into(),
    }
    state
}

/// `holder`'s balance of `token`; zero for a token or holder the ledger does not know.
fn balance(st: &Stratos, token: TokenId, holder: Holder) -> Amount {
    st.ledger.balance(token, holder).unwrap_or_default()
}

impl Stratos {
    /// Pool `pool`'s STOS.
    fn balance_of(&self, pool: ergon_core::PoolId) -> Amount {
        balance(self, self.stos, pool.into())
    }
}

/// Every account by name: its STOS and Ozone, locked and matured rewards, returning deposit
/// and slashing owed.
fn accounts_json(st: &Stratos) -> BTreeMap<&str, Value> {
    st.names
        .iter()
        .map(|(id, name)| {
            let id = AccountId(id);
            (
                name,
                json!({
                    "stos": fmt_stos(balance(st, st.stos, id.into())),
                    "ozone": fmt_oz(balance(st, st.ozone_token, id.into())),
                    "locked_rewards": fmt_stos(st.reward_locks.locked_of(id).saturating_add(st.deposit_rewards.locked(id))),
                    "matured_rewards": fmt_stos(st.deposit_rewards.vested(id)),
                    "returning_deposit": fmt_stos(st.deposit_returns.locked_of(id)),
                    "slashing": fmt_stos(st.slashing_of(id)),
                }),
            )
        })
        .collect()
}

/// Every resource node by name.
fn resource_nodes_json(st: &Stratos) -> BTreeMap<&str, Value> {
    st.nodes.resource_nodes()
        .iter()
        .zip(st.nodes.pending_traffics())
        .enumerate()
        .map(|(k, (n, &pending))| {
            let mut node = json!({
                "status": n.status, "deposit": fmt_stos(n.deposit), "ozone_limit_added": fmt_oz(n.limit_added),
                "performance_ppm": n.performance_ppm, "pending_traffic": fmt_oz(pending),
                "stored": fmt_oz(n.stored), "capacity": fmt_oz(n.capacity), "settled_total": fmt_oz(n.settled_total),
                "rewards_total": fmt_stos(n.rewards_total), "activated_epoch": n.activated.0,
            });
            // paper: shut down and still cooling off (an exited node is offline whichever way
            // it left).
            if n.offline && matches!(n.status, crate::nodes::NodeStatus::Unregistering { .. }) {
                node["offline"] = true.into();
            }
            if st.params.profile == Profile::Mainnet {
                node["effective_deposit"] = fmt_stos(n.effective).into();
                // What its suspension did not take from L (listed only when some is owed).
                if let Some(&debt) = st.limit_debts.get(&NodeIndex(k as u32)) {
                    node["limit_debt"] = fmt_oz(debt).into();
                }
            }
            (st.name(n.owner), node)
        })
        .collect()
}

/// Every meta node by name.
fn meta_nodes_json(st: &Stratos) -> BTreeMap<&str, Value> {
    st.nodes.meta_nodes()
        .iter()
        .map(|m| (st.name(m.owner), json!({"status": meta_status_json(st, &m.status), "deposit": fmt_stos(m.deposit), "rewards_total": fmt_stos(m.rewards_total)})))
        .collect()
}

/// A meta node's status, each vote's approvals by the voters' names (the state keeps indexes).
fn meta_status_json(st: &Stratos, status: &crate::nodes::MetaStatus) -> Value {
    let mut v = json!(status);
    for key in ["vote", "kick", "registration"] {
        if let Some(Value::Array(approvals)) = v.get_mut(key).and_then(|x| x.get_mut("approvals")) {
            for a in approvals.iter_mut() {
                if let Some(i) = a.as_u64().and_then(|i| u32::try_from(i).ok()) {
                    *a = st.name(st.nodes.meta(crate::nodes::MetaIndex(i)).owner).into();
                }
            }
        }
    }
    v
}

/// Every validator, in the staking module's order, with its delegations by delegator name.
fn validators_json(st: &Stratos) -> Vec<Value> {
    st.staking
        .powers()
        .map(|(_, v, power)| {
            let delegations: BTreeMap<&str, String> =
                v.delegations().holders().map(|(d, _)| (st.name(d), fmt_stos(v.delegation_value(d)))).collect();
            let mut val = json!({"operator": st.name(v.operator()), "tokens": fmt_stos(v.tokens()), "voting_power": fmt_stos(power),
                   "commission_ppm": v.commission_ppm(), "jailed": v.is_jailed(), "commission_balance": fmt_stos(v.commission_balance()), "delegations": delegations});
            if st.stake_locks.is_on() {
                val["locked_rewards"] = fmt_stos(st.stake_locks.locked_of(v.operator())).into();
            }
            val
        })
        .collect()
}

/// Every pool's STOS by pool name.
fn pools_json(st: &Stratos) -> BTreeMap<&str, String> {
    st.ledger
        .pool_ids()
        .map(|id| {
            (st.ledger.pool_name(id).unwrap_or("?"), fmt_stos(balance(st, st.stos, id.into())))
        })
        .collect()
}

/// The metrics now.
pub fn metrics(st: &Stratos) -> Vec<Metric> {
    let amount = |a: Amount, decimals| MetricValue::Amount { raw: a.0, decimals };
    let count = |n: usize| MetricValue::Count(n as u64);
    let p = st.volume_pool();
    let active =
        st.nodes.resource_nodes().iter().filter(|n| n.status == NodeStatus::Active).count();
    let suspended =
        st.nodes.resource_nodes().iter().filter(|n| n.status == NodeStatus::Suspended).count();
    let tier = match st.params.mining.emission(st.epoch.0, st.total_mined) {
        ergon_core::Emission::Reward { tier, .. } => tier as u64 + 1,
        ergon_core::Emission::Ended => 0,
    };
    vec![
        Metric {
            name: "ozone_price_stos_per_oz",
            value: amount(st.market.price_wei_per_oz(p).unwrap_or_default(), 18),
        },
        Metric { name: "s_stos", value: amount(st.market.s(), 18) },
        Metric { name: "p_stos", value: amount(p, 18) },
        Metric { name: "l_oz", value: amount(st.market.l(), 9) },
        Metric { name: "total_mined_stos", value: amount(st.total_mined, 18) },
        Metric { name: "mining_tier", value: MetricValue::Count(tier) },
        Metric { name: "active_resource_nodes", value: count(active) },
        Metric { name: "suspended_resource_nodes", value: count(suspended) },
        Metric { name: "active_meta_nodes", value: count(st.active_meta_count() as usize) },
        Metric { name: "bonded_stos", value: amount(st.staking.total_voting_power(), 18) },
    ]
}

fn violation(what: &'static str, detail: String) -> Violation {
    Violation::new(what, detail)
}

/// Every invariant of the state: token conservation (STOS and Ozone), lock queues and staking,
/// the deposit rewards, deposits, the Ozone books, S on mainnet, task weights and the traffic
/// index, and the registry's running totals against the nodes. O(accounts + nodes + chunks).
pub fn check_invariants(st: &Stratos) -> Result<(), Violation> {
    st.ledger.check_conservation()?;
    st.reward_locks.check_invariants(&st.ledger)?;
    st.deposit_returns.check_invariants(&st.ledger)?;
    st.stake_locks.check_invariants(&st.ledger)?;
    st.staking.check_invariants(&st.ledger)?;
    st.check_deposit_rewards(st.balance_of(st.pools.deposit_rewards))?;
    st.nodes.check_invariants()?;
    check_books(st)
}

/// The invariants after one step (a replay line), in O(what it changed + validators +
/// unbonding entries), never O(nodes or accounts): conservation against the ledger's running
/// sums, the lock queues' totals against their pools, staking's pools against its validators'
/// totals, the deposit rewards' reserves and bound and the books of the accounts changed, the
/// nodes changed, and the books against the registry's running totals. The first call checks
/// everything ([`check_invariants`]) and starts recording the nodes and accounts each step
/// changes. What only the full check walks: each lock chunk against its owner's record, each
/// delegation's accumulator, the stakes of accounts no step touched.
pub fn check_step(st: &mut Stratos) -> Result<(), Violation> {
    if !st.nodes.tracking() {
        check_invariants(st)?;
        st.nodes.start_tracking();
        st.deposit_rewards.start_tracking();
        return Ok(());
    }
    st.ledger.check_supply()?;
    st.reward_locks.check_pool(&st.ledger)?;
    st.deposit_returns.check_pool(&st.ledger)?;
    st.stake_locks.check_pool(&st.ledger)?;
    st.staking.check_totals(&st.ledger)?;
    let owners = st.nodes.check_touched()?;
    st.check_deposit_rewards_step(st.balance_of(st.pools.deposit_rewards), owners)?;
    check_books(st)
}

/// The books against the registry's totals: the deposits pool holds every node's deposit; the
/// Ozone minted is what was sold, the Ozone burned plus what volume reports settled is the
/// traffic pending plus settled plus dropped (paper: nodes that shut down); mainnet: S is the
/// effective deposits of active nodes plus what the chain keeps in S after they stopped being
/// effective.
fn check_books(st: &Stratos) -> Result<(), Violation> {
    let totals = st.nodes.totals();
    let deposits = st.balance_of(st.pools.deposits);
    if deposits.0 != totals.deposits {
        return Err(violation(
            "stratos deposits",
            format!("pool {deposits} ≠ Σ node deposits {}", totals.deposits),
        ));
    }
    let minted = st.ledger.minted(st.ozone_token).unwrap_or_default();
    let burned = st.ledger.burned(st.ozone_token).unwrap_or_default();
    let (m, pending) = (&st.market, totals.pending);
    let consumed = burned.0.checked_add(m.reported().0);
    let accounted = pending.checked_add(m.settled().0).and_then(|a| a.checked_add(m.dropped().0));
    if minted != m.sold() || consumed != accounted {
        return Err(violation(
            "stratos ozone",
            format!(
                "sold {} vs minted {minted}; consumed {burned} + reported {} vs pending {pending} \
                 + settled {} + dropped {}",
                m.sold(),
                m.reported(),
                m.settled(),
                m.dropped()
            ),
        ));
    }
    if st.params.profile == Profile::Mainnet
        && totals.active.checked_add(m.s_kept().0) != Some(m.s().0)
    {
        return Err(violation(
            "stratos S",
            format!("S {} ≠ effective deposits {} + kept {}", m.s(), totals.active, m.s_kept()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ergon_core::Economy;
    use serde_json::json;

    use super::*;
    use crate::Genesis;

    fn mainnet() -> Stratos {
        let g: Genesis = serde_json::from_value(json!({
            "profile": "mainnet", "accounts": {"a": "10", "b": "10", "u": "5"},
            "resource_nodes": [{"name": "a", "deposit": "10"}, {"name": "b", "deposit": "10"}],
        }))
        .unwrap();
        Stratos::from_genesis(g).unwrap()
    }

    #[test]
    fn the_step_check_sees_books_that_drift_from_the_running_totals() {
        let mut st = mainnet();
        st.check_step().unwrap(); // the first: in full, then recording
        let u = st.account_id("u").unwrap();
        st.prepay(u, u, Amount(10u128.pow(18))).unwrap();
        st.check_step().unwrap();
        // One wei leaves the deposits pool behind the nodes' backs.
        let deposits = st.pools.deposits.into();
        st.ledger.transfer(st.stos, deposits, u.into(), Amount(1)).unwrap();
        let e = st.check_step().unwrap_err();
        assert!(e.to_string().contains("stratos deposits"), "{e}");
        assert!(st.check_invariants().is_err());
    }

    #[test]
    fn the_step_check_sees_s_drift_from_the_active_deposits() {
        let mut st = mainnet();
        st.check_step().unwrap();
        st.market.add_deposit_term(Amount(1)).unwrap();
        let e = st.check_step().unwrap_err();
        assert!(e.to_string().contains("stratos S"), "{e}");
    }
}
