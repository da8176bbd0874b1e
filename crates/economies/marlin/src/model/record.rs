//! The metrics of a Marlin simulation (the catalogue is in docs/metrics.md, "Marlin"): the
//! economy's own metrics, the flows since the previous record, and the relayers' stake against
//! their tickets and against the Cobb-Douglas optimum. Token amounts stay exact; shares, Gini
//! and correlations are floats. [`COLUMNS`] names every metric and its kind, in record order.

use ergon_core::stats::gini;
use ergon_core::{ColumnSpec, Economy, Metric, MetricKind, MetricValue};

use super::MarlinModel;
use super::behaviour::{stake_of, tokens};

const TOKEN: MetricKind = MetricKind::Amount { decimals: 18 };
const COUNT: MetricKind = MetricKind::Count;
const FLOAT: MetricKind = MetricKind::Float;

const fn c(name: &'static str, kind: MetricKind) -> ColumnSpec {
    ColumnSpec::new(name, kind)
}

/// The columns of every record, in order: the economy's metrics (`view::metrics`), the flows
/// since the previous record, then the relayers' figures.
pub(super) const COLUMNS: &[ColumnSpec] = &[
    c("pond_supply", TOKEN),
    c("mpond_supply", TOKEN),
    c("bridge_pond_in", TOKEN),
    c("bridge_pond_out", TOKEN),
    c("bridge_mpond_in", TOKEN),
    c("bridge_mpond_out", TOKEN),
    c("requests", COUNT),
    c("staked_pond", TOKEN),
    c("staked_mpond", TOKEN),
    c("eligible_clusters", COUNT),
    c("rewards_pool", TOKEN),
    c("fees_pool", TOKEN),
    c("receiver_stake", TOKEN),
    c("cluster_rewards", TOKEN),
    c("commission_paid", TOKEN),
    c("delegator_rewards_paid", TOKEN),
    c("spam_deposits_locked", TOKEN),
    c("spam_messages", COUNT),
    c("spam_dropped_messages", COUNT),
    c("spam_slashed", TOKEN),
    c("bridge_requested_mpond", TOKEN),
    c("bridge_converted_mpond", TOKEN),
    c("bridge_pending_mpond", TOKEN),
    c("tickets", COUNT),
    c("rewards_paid_pond", TOKEN),
    c("subsidy_paid_pond", TOKEN),
    c("fees_paid_pond", TOKEN),
    c("commission_pond", TOKEN),
    c("redelegations", COUNT),
    c("spam_proofs", COUNT),
    c("nodes_bought", COUNT),
    c("nodes_sold", COUNT),
    c("receiver_dips", COUNT),
    c("reward_payments_refused", COUNT),
    c("tickets_unpaid", COUNT),
    c("nodes", COUNT),
    c("stake_mean_pond", FLOAT),
    c("tickets_mean", FLOAT),
    c("stake_gini", FLOAT),
    c("tickets_gini", FLOAT),
    c("stake_tickets_corr", FLOAT),
    c("share_gap_mean", FLOAT),
    c("node_share_mean", FLOAT),
    c("optimum_node_share_mean", FLOAT),
    c("optimum_gap_mean", FLOAT),
];

fn amount(raw: u128) -> MetricValue {
    MetricValue::Amount { raw, decimals: 18 }
}

fn m(name: &'static str, value: MetricValue) -> Metric {
    Metric { name, value }
}

/// Pearson's correlation of two equally long series (NaN when either is constant).
#[must_use]
pub fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

pub(super) fn record(model: &mut MarlinModel) -> Vec<Metric> {
    let f = std::mem::take(&mut model.flows);
    let econ = &model.econ;
    let mut out = econ.metrics();
    let pending: u128 = econ.bridge().requests().map(|(_, r)| r.amount.0 - r.converted.0).sum();
    out.push(m("bridge_requested_mpond", amount(f.bridge_requested)));
    out.push(m("bridge_converted_mpond", amount(f.bridge_converted)));
    out.push(m("bridge_pending_mpond", amount(pending)));
    out.push(m("tickets", MetricValue::Count(f.tickets as u64)));
    out.push(m("rewards_paid_pond", amount(f.subsidy_paid + f.fees_paid)));
    out.push(m("subsidy_paid_pond", amount(f.subsidy_paid)));
    out.push(m("fees_paid_pond", amount(f.fees_paid)));
    out.push(m("commission_pond", amount(f.commission)));
    out.push(m("redelegations", MetricValue::Count(f.moves)));
    out.push(m("spam_proofs", MetricValue::Count(f.slashes)));
    out.push(m("nodes_bought", MetricValue::Count(f.nodes_bought)));
    out.push(m("nodes_sold", MetricValue::Count(f.nodes_sold)));
    out.push(m("receiver_dips", MetricValue::Count(f.dips)));
    out.push(m("reward_payments_refused", MetricValue::Count(f.payments_refused)));
    let unpaid = u64::try_from(f.tickets_unpaid).unwrap_or(u64::MAX);
    out.push(m("tickets_unpaid", MetricValue::Count(unpaid)));
    let rs = &model.relayers;
    let n = rs.len() as f64;
    let stakes: Vec<f64> = rs.iter().map(|r| tokens(stake_of(econ, r.cluster))).collect();
    let tickets: Vec<f64> = rs.iter().map(|r| model.tickets[r.cluster as usize] as f64).collect();
    let (st, tt) = (stakes.iter().sum::<f64>(), tickets.iter().sum::<f64>());
    let share_gap = if st > 0.0 && tt > 0.0 {
        stakes.iter().zip(&tickets).map(|(s, t)| (s / st - t / tt).abs()).sum::<f64>() / n
    } else {
        f64::NAN
    };
    let price = model.node_price as f64;
    let actual = |r: &super::Relayer| r.nodes as f64 * price / (r.budget.max(1) as f64);
    let node_share = rs.iter().map(actual).sum::<f64>() / n;
    let target = rs.iter().map(|r| r.target_share).sum::<f64>() / n;
    let gap = rs.iter().map(|r| (actual(r) - r.target_share).abs()).sum::<f64>() / n;
    let nodes: u64 = rs.iter().map(|r| r.nodes).sum();
    out.push(m("nodes", MetricValue::Count(nodes)));
    out.push(m("stake_mean_pond", MetricValue::Float(st / n)));
    out.push(m("tickets_mean", MetricValue::Float(tt / n)));
    out.push(m("stake_gini", MetricValue::Float(gini(&stakes))));
    out.push(m("tickets_gini", MetricValue::Float(gini(&tickets))));
    out.push(m("stake_tickets_corr", MetricValue::Float(correlation(&stakes, &tickets))));
    out.push(m("share_gap_mean", MetricValue::Float(share_gap)));
    out.push(m("node_share_mean", MetricValue::Float(node_share)));
    out.push(m("optimum_node_share_mean", MetricValue::Float(target)));
    out.push(m("optimum_gap_mean", MetricValue::Float(gap)));
    out
}
