//! The metrics of a Trias simulation (the catalogue is in docs/metrics.md, "Trias"): the
//! network's nodes, the latest snapshot's trust distribution and the ring's share of it under
//! both trust rules, the flows since the previous record (emission, rewards by role and by
//! kind of node, the ring's share of them under both rules, quarantines, fraud proofs, bonds
//! forfeited; the calls, their gas, slashes and fees, the analysts' submissions, Prometh
//! payouts and the claims) and the reserves, the insurance cover and the claims queue. Token amounts stay exact; shares and Gini are floats.
//! [`COLUMNS`] names every metric and its kind, in record order.

use ergon_core::{ColumnSpec, Metric, MetricKind, MetricValue};

use super::TriasModel;

const TOKEN: MetricKind = MetricKind::Amount { decimals: 18 };
const COUNT: MetricKind = MetricKind::Count;
const FLOAT: MetricKind = MetricKind::Float;

const fn c(name: &'static str, kind: MetricKind) -> ColumnSpec {
    ColumnSpec::new(name, kind)
}

/// The columns of every record, in order.
pub(super) const COLUMNS: &[ColumnSpec] = &[
    c("nodes", COUNT),
    c("active_nodes", COUNT),
    c("quarantined", COUNT),
    c("trust_gini", FLOAT),
    c("trust_top10_share", FLOAT),
    c("sybil_trust_share", FLOAT),
    c("sybil_trust_share_compat", FLOAT),
    c("honest_gate_mean", FLOAT),
    c("sybil_gate_mean", FLOAT),
    c("emitted", TOKEN),
    c("rewards_verifiers", TOKEN),
    c("rewards_routers", TOKEN),
    c("rewards_honest", TOKEN),
    c("rewards_faulty", TOKEN),
    c("rewards_sybil", TOKEN),
    c("sybil_reward_share", FLOAT),
    c("sybil_reward_share_compat", FLOAT),
    c("attestations", COUNT),
    c("receipts", COUNT),
    c("refused", COUNT),
    c("quarantines", COUNT),
    c("false_passes", COUNT),
    c("fraud_proofs", COUNT),
    c("bonds_forfeited", TOKEN),
    c("quarantine_slashes", TOKEN),
    c("bonds_held", TOKEN),
    c("insurance_bounty", TOKEN),
    c("insurance_compensation", TOKEN),
    c("pool_carry", TOKEN),
    c("prometh_pool", TOKEN),
    c("emitted_total", TOKEN),
    c("calls_opened", COUNT),
    c("calls_unfunded", COUNT),
    c("calls_succeeded", COUNT),
    c("calls_failed", COUNT),
    c("gas_executers", TOKEN),
    c("gas_verifiers", TOKEN),
    c("gas_routers", TOKEN),
    c("gas_premiums", TOKEN),
    c("call_slashes", TOKEN),
    c("call_fees", TOKEN),
    c("call_refunds", TOKEN),
    c("call_dust", TOKEN),
    c("analysis_runs", COUNT),
    c("tests", COUNT),
    c("vulnerabilities", COUNT),
    c("bounties", TOKEN),
    c("prometh_points", COUNT),
    c("prometh_paid", TOKEN),
    c("claims_filed", COUNT),
    c("claims_owed", TOKEN),
    c("claims_paid", TOKEN),
    c("claims_expired", TOKEN),
    c("insurance_cover", TOKEN),
    c("claims_queued", TOKEN),
    c("tokens_conserved", COUNT),
];

fn amount(raw: u128) -> MetricValue {
    MetricValue::Amount { raw, decimals: 18 }
}

fn m(name: &'static str, value: MetricValue) -> Metric {
    Metric { name, value }
}

/// `part / whole`, NaN when nothing was paid.
fn share(part: u128, whole: u128) -> f64 {
    if whole == 0 { f64::NAN } else { part as f64 / whole as f64 }
}

pub(super) fn record(model: &mut TriasModel) -> Vec<Metric> {
    let f = std::mem::take(&mut model.flows);
    let n = model.class.len() as u64;
    let q = model.quarantined.iter().filter(|&&x| x).count() as u64;
    let l = &mut model.latest;
    let total: f64 = l.trust.iter().sum();
    l.trust.sort_by(f64::total_cmp);
    // No snapshot yet (the genesis row): no trust to measure.
    let gini = if l.trust.is_empty() { f64::NAN } else { ergon_core::stats::gini_sorted(&l.trust) };
    let top: f64 = l.trust.iter().rev().take(10).sum();
    let top10 = if total > 0.0 { top / total } else { f64::NAN };
    let r = model.econ.reserves();
    let accounts: u128 = (0..n as u32).map(|j| model.econ.balance_of(j).0).sum();
    let held = accounts
        + r.pools.iter().map(|a| a.0).sum::<u128>()
        + r.escrow.0
        + r.bonds.0
        + r.bounty.0
        + r.compensation.0;
    let emitted_total = model.econ.emitted().0;
    let paid = |x: &[u128; 3]| x.iter().sum::<u128>();
    let rewards = [0, 1, 2].map(|k| f.verifiers[k] + f.routers[k]);
    let [spec, compat] = f.by_rule;
    let x = &f.x;
    let ins = model.econ.insurance_figures();
    vec![
        m("nodes", MetricValue::Count(n)),
        m("active_nodes", MetricValue::Count(n - q)),
        m("quarantined", MetricValue::Count(q)),
        m("trust_gini", MetricValue::Float(gini)),
        m("trust_top10_share", MetricValue::Float(top10)),
        m("sybil_trust_share", MetricValue::Float(l.sybil_trust[0])),
        m("sybil_trust_share_compat", MetricValue::Float(l.sybil_trust[1])),
        m("honest_gate_mean", MetricValue::Float(l.gate_mean[0])),
        m("sybil_gate_mean", MetricValue::Float(l.gate_mean[1])),
        m("emitted", amount(f.emitted)),
        m("rewards_verifiers", amount(paid(&f.verifiers))),
        m("rewards_routers", amount(paid(&f.routers))),
        m("rewards_honest", amount(rewards[0])),
        m("rewards_faulty", amount(rewards[1])),
        m("rewards_sybil", amount(rewards[2])),
        m("sybil_reward_share", MetricValue::Float(share(spec[1], spec[0]))),
        m("sybil_reward_share_compat", MetricValue::Float(share(compat[1], compat[0]))),
        m("attestations", MetricValue::Count(f.attestations)),
        m("receipts", MetricValue::Count(f.receipts)),
        m("refused", MetricValue::Count(f.refused)),
        m("quarantines", MetricValue::Count(f.quarantines)),
        m("false_passes", MetricValue::Count(f.false_passes)),
        m("fraud_proofs", MetricValue::Count(f.fraud_proofs)),
        m("bonds_forfeited", amount(f.forfeited)),
        m("quarantine_slashes", amount(f.quarantine_slashes)),
        m("bonds_held", amount(r.bonds.0)),
        m("insurance_bounty", amount(r.bounty.0)),
        m("insurance_compensation", amount(r.compensation.0)),
        m("pool_carry", amount(r.pools[0].0 + r.pools[1].0)),
        m("prometh_pool", amount(r.pools[2].0)),
        m("emitted_total", amount(emitted_total)),
        m("calls_opened", MetricValue::Count(x.calls_opened)),
        m("calls_unfunded", MetricValue::Count(x.calls_unfunded)),
        m("calls_succeeded", MetricValue::Count(x.calls_succeeded)),
        m("calls_failed", MetricValue::Count(x.calls_failed)),
        m("gas_executers", amount(x.gas_executers)),
        m("gas_verifiers", amount(x.gas_verifiers)),
        m("gas_routers", amount(x.gas_routers)),
        m("gas_premiums", amount(x.premiums)),
        m("call_slashes", amount(x.call_slashes)),
        m("call_fees", amount(x.call_fees)),
        m("call_refunds", amount(x.call_refunds)),
        m("call_dust", amount(x.call_dust)),
        m("analysis_runs", MetricValue::Count(x.analysis_runs)),
        m("tests", MetricValue::Count(x.tests)),
        m("vulnerabilities", MetricValue::Count(x.vulnerabilities)),
        m("bounties", amount(x.bounties)),
        m("prometh_points", MetricValue::Count(x.prometh_points)),
        m("prometh_paid", amount(x.prometh_paid)),
        m("claims_filed", MetricValue::Count(x.claims_filed)),
        m("claims_owed", amount(x.claims_owed)),
        m("claims_paid", amount(x.claims_paid)),
        m("claims_expired", amount(x.claims_expired)),
        m("insurance_cover", amount(ins.cover.0)),
        m("claims_queued", amount(ins.queued.0)),
        m("tokens_conserved", MetricValue::Count(u64::from(held == emitted_total))),
    ]
}
