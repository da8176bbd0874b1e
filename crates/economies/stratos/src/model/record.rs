//! The metrics of a Stratos simulation (the catalogue is in docs/metrics.md): the economy's
//! state, the flows since the previous record, and the distribution of resource-node rewards.
//! Token amounts stay exact; shares, Gini and APR are floats. [`COLUMNS`] names every metric
//! and its kind, in record order, without a model.

use ergon_core::stats::{gini_sorted, median_sorted};
use ergon_core::{ColumnSpec, Economy, Metric, MetricKind, MetricValue};

use super::{Flows, StratosModel};
use crate::nodes::NodeStatus;
use crate::params::{EPOCHS_PER_DAY, STOS};

const STOS_KIND: MetricKind = MetricKind::Amount { decimals: 18 };
const OZ_KIND: MetricKind = MetricKind::Amount { decimals: 9 };
const COUNT: MetricKind = MetricKind::Count;
const FLOAT: MetricKind = MetricKind::Float;

const fn c(name: &'static str, kind: MetricKind) -> ColumnSpec {
    ColumnSpec::new(name, kind)
}

/// The columns of every record, in order: the economy's metrics, the flows since the previous
/// record, then the agents' and the reward distribution's figures.
pub(super) const COLUMNS: &[ColumnSpec] = &[
    c("ozone_price_stos_per_oz", STOS_KIND),
    c("s_stos", STOS_KIND),
    c("p_stos", STOS_KIND),
    c("l_oz", OZ_KIND),
    c("total_mined_stos", STOS_KIND),
    c("mining_tier", COUNT),
    c("active_resource_nodes", COUNT),
    c("suspended_resource_nodes", COUNT),
    c("active_meta_nodes", COUNT),
    c("bonded_stos", STOS_KIND),
    c("rewards_resource_stos", STOS_KIND),
    c("rewards_meta_stos", STOS_KIND),
    c("rewards_validators_stos", STOS_KIND),
    c("rewards_deposits_stos", STOS_KIND),
    c("traffic_reward_stos", STOS_KIND),
    c("mining_reward_stos", STOS_KIND),
    c("unissued_stos", STOS_KIND),
    c("to_community_pool_stos", STOS_KIND),
    c("gas_fees_stos", STOS_KIND),
    c("community_tax_stos", STOS_KIND),
    c("traffic_settled_oz", OZ_KIND),
    c("traffic_carried_oz", OZ_KIND),
    c("ozone_bought_oz", OZ_KIND),
    c("ozone_used_oz", OZ_KIND),
    c("prepays", COUNT),
    c("requests", COUNT),
    c("requests_refused", COUNT),
    c("refused_no_ozone", COUNT),
    c("refused_no_capacity", COUNT),
    c("refused_no_funds", COUNT),
    c("refused_other", COUNT),
    c("nodes_joined", COUNT),
    c("nodes_left", COUNT),
    c("users_joined", COUNT),
    c("users_left", COUNT),
    c("users_topped_up", COUNT),
    c("suspensions", COUNT),
    c("reinstatements", COUNT),
    c("delegations_moved", COUNT),
    c("delegators_left", COUNT),
    c("users", COUNT),
    c("users_active", COUNT),
    c("resource_reward_mean_stos", FLOAT),
    c("resource_reward_median_stos", FLOAT),
    c("resource_reward_gini", FLOAT),
    c("resource_node_apr_median", FLOAT),
    c("deposit_apr", FLOAT),
    c("stake_apr", FLOAT),
];

fn stos(raw: u128) -> MetricValue {
    MetricValue::Amount { raw, decimals: 18 }
}

fn oz(raw: u128) -> MetricValue {
    MetricValue::Amount { raw, decimals: 9 }
}

fn m(name: &'static str, value: MetricValue) -> Metric {
    Metric { name, value }
}

pub(super) fn record(model: &mut StratosModel) -> Vec<Metric> {
    let f = std::mem::take(&mut model.flows);
    let econ = &model.econ;
    let mut out = econ.metrics();
    // Each node's rewards since the last record, among the nodes taking part now.
    let mut rewards = Vec::new();
    let mut aprs = Vec::new();
    let years = f.epochs as f64 / (365 * EPOCHS_PER_DAY) as f64;
    let mut deposits = 0u128;
    for (i, n) in econ.resource_nodes().iter().enumerate() {
        let earned = n.rewards_total.0 - model.rewards_seen[i];
        model.rewards_seen[i] = n.rewards_total.0;
        if matches!(n.status, NodeStatus::Active | NodeStatus::Suspended) {
            let x = earned as f64 / STOS as f64;
            rewards.push(x);
            deposits += n.deposit.0;
            if !n.deposit.is_zero() && years > 0.0 {
                aprs.push(x / (n.deposit.0 as f64 / STOS as f64) / years);
            }
        }
    }
    let meta_deposits: u128 =
        econ.meta_nodes().iter().filter(|m| m.is_active()).map(|m| m.deposit.0).sum();
    // One sort each: equal values under `total_cmp` are the same bits, so an unstable sort
    // gives the same slice as a stable one.
    rewards.sort_unstable_by(f64::total_cmp);
    aprs.sort_unstable_by(f64::total_cmp);
    let g = gini_sorted(&rewards);
    let mean = if rewards.is_empty() {
        f64::NAN
    } else {
        rewards.iter().sum::<f64>() / rewards.len() as f64
    };
    let annual = |earned: u128, base: u128| {
        if base == 0 || years <= 0.0 { f64::NAN } else { earned as f64 / base as f64 / years }
    };
    let deposit_earned = f.rewards_resource + f.rewards_meta + f.rewards_deposits;
    let bonded = econ.staking().total_voting_power().0;
    out.extend(flows(&f));
    out.extend([
        m("users", MetricValue::Count(model.users.len() as u64)),
        m("users_active", MetricValue::Count(model.rates.positive_count() as u64)),
        m("resource_reward_mean_stos", MetricValue::Float(mean)),
        m("resource_reward_median_stos", MetricValue::Float(median_sorted(&rewards))),
        m("resource_reward_gini", MetricValue::Float(g)),
        m("resource_node_apr_median", MetricValue::Float(median_sorted(&aprs))),
        m("deposit_apr", MetricValue::Float(annual(deposit_earned, deposits + meta_deposits))),
        m("stake_apr", MetricValue::Float(annual(f.rewards_validators, bonded))),
    ]);
    out
}

fn flows(f: &Flows) -> [Metric; 30] {
    let count = MetricValue::Count;
    let refused = f.refused_no_ozone + f.refused_no_capacity + f.refused_no_funds + f.refused_other;
    [
        m("rewards_resource_stos", stos(f.rewards_resource)),
        m("rewards_meta_stos", stos(f.rewards_meta)),
        m("rewards_validators_stos", stos(f.rewards_validators)),
        m("rewards_deposits_stos", stos(f.rewards_deposits)),
        m("traffic_reward_stos", stos(f.traffic_reward)),
        m("mining_reward_stos", stos(f.mining_reward)),
        m("unissued_stos", stos(f.unissued)),
        m("to_community_pool_stos", stos(f.to_community_pool)),
        m("gas_fees_stos", stos(f.gas)),
        m("community_tax_stos", stos(f.community_tax)),
        m("traffic_settled_oz", oz(f.settled)),
        m("traffic_carried_oz", oz(f.carried)),
        m("ozone_bought_oz", oz(f.ozone_bought)),
        m("ozone_used_oz", oz(f.ozone_used)),
        m("prepays", count(f.prepays)),
        m("requests", count(f.requests)),
        m("requests_refused", count(refused)),
        m("refused_no_ozone", count(f.refused_no_ozone)),
        m("refused_no_capacity", count(f.refused_no_capacity)),
        m("refused_no_funds", count(f.refused_no_funds)),
        m("refused_other", count(f.refused_other)),
        m("nodes_joined", count(f.nodes_joined)),
        m("nodes_left", count(f.nodes_left)),
        m("users_joined", count(f.users_joined)),
        m("users_left", count(f.users_left)),
        m("users_topped_up", count(f.user_top_ups)),
        m("suspensions", count(f.suspensions)),
        m("reinstatements", count(f.reinstatements)),
        m("delegations_moved", count(f.delegations_moved)),
        m("delegators_left", count(f.delegators_left)),
    ]
}

#[cfg(test)]
mod tests {
    use ergon_core::{Model, RngStreams, Seed};

    use super::super::{Agents, Config};
    use super::*;

    fn small() -> Agents {
        let mut a = Agents::default();
        a.resource_nodes.count = 8;
        a.meta_nodes.count = 2;
        a.validators.count = 2;
        a.delegators.count = 4;
        a.users.count = 30;
        a
    }

    #[test]
    fn columns_are_the_names_and_kinds_of_a_record() {
        for profile in ["paper", "mainnet"] {
            let config: Config = serde_json::from_value(serde_json::json!({"profile": profile}))
                .expect("a profile-only config");
            let agents = small();
            let columns = StratosModel::columns(&config, &agents);
            let streams = RngStreams::new(Seed::from_u64(7));
            let mut model = StratosModel::build(&config, &agents, &streams).expect("genesis");
            assert_eq!(ColumnSpec::of_record(&model.record()), columns, "{profile}: at genesis");
            for _ in 0..3 {
                model.step().expect("an epoch");
            }
            assert_eq!(ColumnSpec::of_record(&model.record()), columns, "{profile}: later");
        }
    }
}
