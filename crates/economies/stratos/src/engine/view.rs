//! The state dump, the metrics and the invariants of the Stratos economy.

use std::collections::BTreeMap;

use ergon_core::economy::{Metric, MetricValue};
use ergon_core::invariants::Violation;
use ergon_core::{AccountId, Amount, Holder, TokenId};
use serde_json::{Value, json};

use crate::Stratos;
use crate::nodes::NodeStatus;
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
    json!({
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
    })
}

/// `holder`'s balance of `token`; zero for a token or holder the ledger does not know.
fn balance(st: &Stratos, token: TokenId, holder: Holder) -> Amount {
    st.ledger.balance(token, holder).unwrap_or_default()
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
        .map(|(n, &pending)| {
            (st.name(n.owner), json!({
                "status": n.status, "deposit": fmt_stos(n.deposit), "ozone_limit_added": fmt_oz(n.limit_added),
                "performance_ppm": n.performance_ppm, "pending_traffic": fmt_oz(pending),
                "stored": fmt_oz(n.stored), "capacity": fmt_oz(n.capacity), "settled_total": fmt_oz(n.settled_total),
                "rewards_total": fmt_stos(n.rewards_total), "activated_epoch": n.activated.0,
            }))
        })
        .collect()
}

/// Every meta node by name.
fn meta_nodes_json(st: &Stratos) -> BTreeMap<&str, Value> {
    st.nodes.meta_nodes()
        .iter()
        .map(|m| (st.name(m.owner), json!({"status": m.status, "deposit": fmt_stos(m.deposit), "rewards_total": fmt_stos(m.rewards_total)})))
        .collect()
}

/// Every validator, in the staking module's order, with its delegations by delegator name.
fn validators_json(st: &Stratos) -> Vec<Value> {
    st.staking
        .validators()
        .map(|(_, v)| {
            let delegations: BTreeMap<&str, String> =
                v.delegations().holders().map(|(d, _)| (st.name(d), fmt_stos(v.delegation_value(d)))).collect();
            json!({"operator": st.name(v.operator()), "tokens": fmt_stos(v.tokens()), "commission_ppm": v.commission_ppm(),
                   "jailed": v.is_jailed(), "commission_balance": fmt_stos(v.commission_balance()), "delegations": delegations})
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
/// index.
pub fn check_invariants(st: &Stratos) -> Result<(), Violation> {
    st.ledger.check_conservation()?;
    st.reward_locks.check_invariants(&st.ledger)?;
    st.deposit_returns.check_invariants(&st.ledger)?;
    st.staking.check_invariants(&st.ledger)?;
    let bal = |h: Holder| st.ledger.balance(st.stos, h).unwrap_or_default();
    st.check_deposit_rewards(bal(st.pools.deposit_rewards.into()))?;
    let deposits: u128 = st.nodes.resource_nodes().iter().map(|n| n.deposit.0).sum::<u128>()
        + st.nodes.meta_nodes().iter().map(|m| m.deposit.0).sum::<u128>();
    if bal(st.pools.deposits.into()).0 != deposits {
        return Err(violation(
            "stratos deposits",
            format!("pool {} ≠ Σ node deposits {deposits}", bal(st.pools.deposits.into())),
        ));
    }
    let minted = st.ledger.minted(st.ozone_token).unwrap_or_default();
    let burned = st.ledger.burned(st.ozone_token).unwrap_or_default();
    let pending: u128 = st.nodes.pending_traffics().iter().map(|p| p.0).sum();
    if minted != st.market.sold() || burned.0 != pending + st.market.settled().0 {
        return Err(violation(
            "stratos ozone",
            format!(
                "sold {} vs minted {minted}; consumed {burned} vs pending {pending} + settled {}",
                st.market.sold(),
                st.market.settled()
            ),
        ));
    }
    if st.params.profile == Profile::Mainnet {
        let effective: u128 = st
            .nodes
            .resource_nodes()
            .iter()
            .filter(|n| n.status == NodeStatus::Active)
            .map(|n| n.deposit.0)
            .sum::<u128>()
            + st.nodes
                .meta_nodes()
                .iter()
                .filter(|m| m.is_active())
                .map(|m| m.deposit.0)
                .sum::<u128>();
        if effective != st.market.s().0 {
            return Err(violation(
                "stratos S",
                format!("S {} ≠ effective deposits {effective}", st.market.s()),
            ));
        }
    }
    st.nodes.check_invariants()?;
    Ok(())
}
