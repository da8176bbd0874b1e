//! nodes.csv against the metrics: for each economy, every run's per-node rewards add up, to the
//! base unit, to the total its reward flows (metrics.csv, summed over the rows) paid out; and
//! the report's distribution charts the nodes of the first run (docs/metrics.md, "nodes.csv").

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn ergon(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_ergon")).args(args).output().unwrap();
    assert!(out.status.success(), "ergon {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// An exact decimal of metrics.csv ("388.2809", "0", "12") in base units of `decimals`.
fn base_units(text: &str, decimals: usize) -> u128 {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    assert!(frac.len() <= decimals, "{text}");
    let digits = format!("{whole}{frac:0<decimals$}");
    digits.parse().unwrap()
}

/// A CSV file as its header and rows (no quoted fields in these files).
fn csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines().map(|l| l.split(',').map(str::to_owned).collect::<Vec<_>>());
    (lines.next().unwrap(), lines.collect())
}

/// Per run: the sum over its rows of `columns` of metrics.csv, in base units.
fn flow_totals(dir: &Path, columns: &[&str], decimals: usize) -> BTreeMap<u64, u128> {
    let (header, rows) = csv(&dir.join("metrics.csv"));
    let at = |n: &str| header.iter().position(|h| h == n).unwrap();
    let run = at("run");
    let mut out = BTreeMap::new();
    for r in &rows {
        let x: u128 = columns.iter().map(|c| base_units(&r[at(c)], decimals)).sum();
        *out.entry(r[run].parse().unwrap()).or_default() += x;
    }
    out
}

/// Per run: the sum of nodes.csv's exact rewards of the nodes of `kinds` (all when empty), and
/// the count of such nodes.
fn node_totals(dir: &Path, kinds: &[&str]) -> (BTreeMap<u64, u128>, BTreeMap<u64, usize>) {
    let (header, rows) = csv(&dir.join("nodes.csv"));
    assert_eq!(header, ["point", "run", "node", "kind", "reward_base_units", "reward"]);
    let (mut sum, mut count) = (BTreeMap::new(), BTreeMap::new());
    for r in rows.iter().filter(|r| kinds.is_empty() || kinds.contains(&r[3].as_str())) {
        let run = r[1].parse().unwrap();
        let raw: u128 = r[4].parse().unwrap();
        *sum.entry(run).or_default() += raw;
        *count.entry(run).or_default() += 1;
    }
    (sum, count)
}

/// Runs `scenario` (2 runs) into a temporary directory with `--report`.
fn run(tmp: &Path, scenario: &str, args: &[&str]) -> std::path::PathBuf {
    let out = tmp.join(scenario);
    let path = format!("{}/../../scenarios/{scenario}.toml", env!("CARGO_MANIFEST_DIR"));
    let mut all = vec!["run", "-q", &path, "--runs", "2", "--out", out.to_str().unwrap()];
    all.extend_from_slice(args);
    all.push("--report");
    ergon(&all);
    out
}

/// Checks that the report's distribution is over the first run's `nodes` nodes.
fn report_charts_nodes(dir: &Path, nodes: usize) {
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<h2>Distribution of rewards across nodes</h2>"), "no node section");
    // A count of a thousand or more with its separator, as the page writes numbers.
    let count = if nodes >= 1000 {
        format!("{},{:03}", nodes / 1000, nodes % 1000)
    } else {
        nodes.to_string()
    };
    assert!(html.contains(&format!("<figcaption>{count} nodes, first run</figcaption>")));
    assert!(html.contains("id=\"chart-lorenz\" data-series=\"2\""));
}

#[test]
fn stratos_node_rewards_add_up_to_the_paid_rewards() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), "stratos-paper", &["--epochs", "3d"]);
    let (resource, count) = node_totals(&dir, &["resource"]);
    assert_eq!(resource, flow_totals(&dir, &["rewards_resource_stos"], 18));
    assert_eq!(node_totals(&dir, &["meta"]).0, flow_totals(&dir, &["rewards_meta_stos"], 18));
    assert!(resource.values().all(|x| *x > 0), "{resource:?}");
    report_charts_nodes(&dir, count[&0]);
}

#[test]
fn marlin_cluster_rewards_add_up_to_the_paid_rewards() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), "marlin-paper", &["--epochs", "30d"]);
    let (clusters, count) = node_totals(&dir, &["cluster"]);
    assert_eq!(clusters, flow_totals(&dir, &["rewards_paid_pond"], 18));
    assert!(clusters.values().all(|x| *x > 0), "{clusters:?}");
    report_charts_nodes(&dir, count[&0]);
}

#[test]
fn phala_worker_payouts_add_up_to_the_paid_payouts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), "phala-khala", &["--epochs", "2d"]);
    let (workers, count) = node_totals(&dir, &["worker"]);
    assert_eq!(workers, flow_totals(&dir, &["workers_paid_pha"], 12));
    assert!(workers.values().all(|x| *x > 0), "{workers:?}");
    // phala-khala: 1,000 workers.
    assert_eq!(count[&0], 1000);
    report_charts_nodes(&dir, 1000);
}

#[test]
fn trias_node_rewards_add_up_to_the_paid_rewards() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), "trias-paper", &["--epochs", "2d"]);
    let (nodes, count) = node_totals(&dir, &[]);
    assert_eq!(nodes, flow_totals(&dir, &["rewards_verifiers", "rewards_routers"], 18));
    assert!(nodes.values().all(|x| *x > 0), "{nodes:?}");
    report_charts_nodes(&dir, count[&0]);
}
