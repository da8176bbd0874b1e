//! The metrics of a Phala simulation (docs/metrics.md, "Phala"): the economy's own metrics,
//! PHA supply, V and shares over the computing workers, pool APRs, the flows since the
//! previous record, each worker group's stake, shares, pay and return, and (paper) the
//! contracts: Active workers, contracts running, the gas escrow and the gas paid; with vaults,
//! their assets, investments, free PHA, owner shares and flows. Token amounts stay exact; V,
//! shares and APRs are floats. [`columns`] names every metric and its kind.

use ergon_core::{ColumnSpec, Economy, Holder, Metric, MetricKind, MetricValue, U64F64};

use super::PhalaModel;
use super::config::GROUPS_MAX;
use crate::events::PHA_DECIMALS;

const PHA: MetricKind = MetricKind::Amount { decimals: PHA_DECIMALS };
const COUNT: MetricKind = MetricKind::Count;
const FLOAT: MetricKind = MetricKind::Float;

const fn c(name: &'static str, kind: MetricKind) -> ColumnSpec {
    ColumnSpec::new(name, kind)
}

/// The columns every record has, before the groups'.
const COMMON: &[ColumnSpec] = &[
    c("block", COUNT),
    c("workers_idle", COUNT),
    c("workers_unresponsive", COUNT),
    c("workers_cooling_down", COUNT),
    c("workers_ready", COUNT),
    c("budget_per_block_pha", FLOAT),
    c("sum_share", FLOAT),
    c("subsidy_pool_pha", PHA),
    c("treasury_pha", PHA),
    c("staked_pha", PHA),
    c("paid_pha", PHA),
    c("stake_pools", COUNT),
    c("pool_free_pha", PHA),
    c("pha_supply", PHA),
    c("v_mean", FLOAT),
    c("v_total", FLOAT),
    c("share_mean", FLOAT),
    c("share_total", FLOAT),
    c("pool_apr_min", FLOAT),
    c("pool_apr_median", FLOAT),
    c("pool_apr_max", FLOAT),
    c("subsidy_paid_pha", PHA),
    c("workers_paid_pha", PHA),
    c("treasury_paid_pha", PHA),
    c("commission_pha", PHA),
    c("challenges", COUNT),
    c("heartbeats", COUNT),
    c("outages", COUNT),
    c("redelegations", COUNT),
    c("stops", COUNT),
    c("starts", COUNT),
];

/// Each group's columns: stake, Σshare, pay since the last record, annualized return.
const GROUP: [[&str; 4]; GROUPS_MAX] = [
    ["g0_stake_pha", "g0_share_total", "g0_paid_pha", "g0_apr"],
    ["g1_stake_pha", "g1_share_total", "g1_paid_pha", "g1_apr"],
    ["g2_stake_pha", "g2_share_total", "g2_paid_pha", "g2_apr"],
    ["g3_stake_pha", "g3_share_total", "g3_paid_pha", "g3_apr"],
];

/// paper's columns, after the groups': the economy's contract metrics, then the flows.
const PAPER: &[ColumnSpec] = &[
    c("workers_active", COUNT),
    c("contracts_running", COUNT),
    c("contracts_total", COUNT),
    c("gas_escrow_pha", PHA),
    c("gas_paid_pha", PHA),
    c("gas_flow_pha", PHA),
    c("contracts_deployed", COUNT),
    c("contracts_unassigned", COUNT),
    c("contracts_spent", COUNT),
    c("contracts_stopped", COUNT),
];

/// The vaults' columns, last, when the scenario has vaults.
const VAULTS: &[ColumnSpec] = &[
    c("vaults", COUNT),
    c("vault_assets_pha", PHA),
    c("vault_invested_pha", PHA),
    c("vault_free_pha", PHA),
    c("vault_owner_shares", PHA),
    c("vault_invested_flow_pha", PHA),
    c("vault_withdrawn_pha", PHA),
    c("vault_divests", COUNT),
    c("vault_shutdowns", COUNT),
];

/// How many of the economy's metrics are paper's contract metrics (the last ones).
const PAPER_ECONOMY: usize = 5;

/// The columns of a run with `groups` worker groups, in record order; paper adds its own, and
/// a run with vaults theirs.
pub(super) fn columns(groups: usize, paper: bool, vaults: bool) -> Vec<ColumnSpec> {
    let mut out = COMMON.to_vec();
    for names in GROUP.iter().take(groups) {
        let kinds = [PHA, FLOAT, PHA, FLOAT];
        out.extend(names.iter().zip(kinds).map(|(&n, k)| c(n, k)));
    }
    if paper {
        out.extend_from_slice(PAPER);
    }
    if vaults {
        out.extend_from_slice(VAULTS);
    }
    out
}

#[allow(clippy::cast_precision_loss, reason = "a metric, not a ledger value")]
fn f(v: U64F64) -> f64 {
    v.to_bits() as f64 / 18_446_744_073_709_551_616.0
}

fn amount(raw: u128) -> MetricValue {
    MetricValue::Amount { raw, decimals: PHA_DECIMALS }
}

fn m(name: &'static str, value: MetricValue) -> Metric {
    Metric { name, value }
}

#[allow(clippy::cast_precision_loss, reason = "metrics, not ledger values")]
pub(super) fn record(model: &mut PhalaModel) -> Vec<Metric> {
    let fl = std::mem::take(&mut model.flows);
    // Under the lazy close the columns read below are brought up to this block first.
    model.econ.catch_up();
    let econ = &model.econ;
    let mut out = econ.metrics();
    let paper = econ.params().profile == crate::Profile::Paper;
    let contract_metrics =
        if paper { out.split_off(out.len() - PAPER_ECONOMY) } else { Vec::new() };
    let supply = econ.ledger().supply(econ.pha_token()).map(|a| a.0).unwrap_or_default();
    out.push(m("pha_supply", amount(supply)));
    let mut group_stake = [0u128; GROUPS_MAX];
    let mut group_share = [0f64; GROUPS_MAX];
    let (mut n, mut v, mut share) = (0u64, 0f64, 0f64);
    for wk in &model.workers {
        let row = econ.workers().row_stored(wk.index);
        group_stake[wk.group as usize] += row.stake;
        if row.state.is_computing() {
            let s = row.tok.share().map(f).unwrap_or(f64::NAN);
            n += 1;
            v += f(row.tok.v);
            share += s;
            group_share[wk.group as usize] += s;
        }
    }
    let per = |x: f64| if n == 0 { 0.0 } else { x / n as f64 };
    out.push(m("v_mean", MetricValue::Float(per(v))));
    out.push(m("v_total", MetricValue::Float(v)));
    out.push(m("share_mean", MetricValue::Float(per(share))));
    out.push(m("share_total", MetricValue::Float(share)));
    let mut aprs: Vec<f64> = model
        .pools
        .iter()
        .filter(|p| p.rated && econ.pool_row(p.index).total_value > 0)
        .map(|p| p.daily_rate * 365.0)
        .collect();
    aprs.sort_by(f64::total_cmp);
    // No pool rated yet (the rows before the first day's rates): no APR, NaN.
    let (lo, mid, hi) = match (aprs.first(), aprs.last()) {
        (Some(&lo), Some(&hi)) => (lo, ergon_core::stats::median_sorted(&aprs), hi),
        _ => (f64::NAN, f64::NAN, f64::NAN),
    };
    out.push(m("pool_apr_min", MetricValue::Float(lo)));
    out.push(m("pool_apr_median", MetricValue::Float(mid)));
    out.push(m("pool_apr_max", MetricValue::Float(hi)));
    let subsidy = econ.balance_of(Holder::Pool(econ.pools().subsidy)).0;
    let paid_out = model.subsidy_at_record.saturating_sub(subsidy);
    model.subsidy_at_record = subsidy;
    out.push(m("subsidy_paid_pha", amount(paid_out)));
    out.push(m("workers_paid_pha", amount(fl.paid)));
    out.push(m("treasury_paid_pha", amount(fl.treasury)));
    out.push(m("commission_pha", amount(fl.commission)));
    for (name, x) in [
        ("challenges", fl.challenges),
        ("heartbeats", fl.heartbeats),
        ("outages", fl.outages),
        ("redelegations", fl.redelegations),
        ("stops", fl.stops),
        ("starts", fl.starts),
    ] {
        out.push(m(name, MetricValue::Count(x)));
    }
    let year = 365.0 * 7_200.0 / fl.blocks.max(1) as f64;
    for g in 0..model.groups {
        let [s, sh, p, apr] = GROUP[g];
        out.push(m(s, amount(group_stake[g])));
        out.push(m(sh, MetricValue::Float(group_share[g])));
        out.push(m(p, amount(fl.group_paid[g])));
        // No interval (the genesis row) or no stake: no return to annualise.
        let r = if group_stake[g] == 0 || fl.blocks == 0 {
            f64::NAN
        } else {
            fl.group_paid[g] as f64 / group_stake[g] as f64 * year
        };
        out.push(m(apr, MetricValue::Float(r)));
    }
    if paper {
        out.extend(contract_metrics);
        out.push(m("gas_flow_pha", amount(fl.gas)));
        for (name, x) in [
            ("contracts_deployed", fl.contracts_deployed),
            ("contracts_unassigned", fl.contracts_unassigned),
            ("contracts_spent", fl.contracts_spent),
            ("contracts_stopped", fl.contracts_stopped),
        ] {
            out.push(m(name, MetricValue::Count(x)));
        }
    }
    if !model.vaults.is_empty() {
        let (mut assets, mut free, mut owner_shares) = (0u128, 0u128, 0u128);
        for v in &model.vaults {
            if let Ok((row, _)) = econ.vault_pool_row(v.index) {
                assets += row.total_value;
                free += row.free;
            }
            owner_shares += econ.vaults().rows[v.index.0 as usize].owner_shares;
        }
        out.push(m("vaults", MetricValue::Count(model.vaults.len() as u64)));
        out.push(m("vault_assets_pha", amount(assets)));
        out.push(m("vault_invested_pha", amount(assets - free)));
        out.push(m("vault_free_pha", amount(free)));
        out.push(m("vault_owner_shares", amount(owner_shares)));
        out.push(m("vault_invested_flow_pha", amount(fl.vault_invested)));
        out.push(m("vault_withdrawn_pha", amount(fl.vault_withdrawn)));
        out.push(m("vault_divests", MetricValue::Count(fl.vault_divests)));
        out.push(m("vault_shutdowns", MetricValue::Count(fl.vault_shutdowns)));
    }
    out
}
