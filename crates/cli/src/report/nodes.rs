//! The report's distribution of rewards across nodes: nodes.csv read back (each node's rewards
//! since genesis where its run ended), and the histogram and Lorenz curve, with the Gini
//! coefficient, of the first run's nodes (docs/report.md, "Distribution").

use std::fmt::Write as _;
use std::path::Path;

use super::Run;
use super::catalog;
use super::charts;
use super::data::lorenz;
use super::html::{esc, figure_html};

/// The file the run wrote (docs/metrics.md, "nodes.csv").
pub(crate) const NODES_FILE: &str = "nodes.csv";

/// Most points of a Lorenz curve drawn (a curve of more nodes is thinned evenly).
const LORENZ_POINTS_MAX: usize = 500;

/// One row of nodes.csv.
pub(crate) struct NodeRow {
    /// The sweep point.
    pub point: u64,
    /// The Monte Carlo run.
    pub run: u64,
    /// The node's kind.
    pub kind: String,
    /// Its rewards since genesis, whole tokens.
    pub reward: f64,
}

/// Reads `dir`/nodes.csv: `None` when the run has none (written before the file existed).
pub(crate) fn load(dir: &Path) -> Result<Option<Vec<NodeRow>>, String> {
    let path = dir.join(NODES_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| format!("{}: no `{name}` column", path.display()))
    };
    let (point, run, kind, reward) = (at("point")?, at("run")?, at("kind")?, at("reward")?);
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate().filter(|(_, l)| !l.is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        let bad = || format!("{} line {}: malformed", path.display(), i + 2);
        if cells.len() != header.len() {
            return Err(bad());
        }
        rows.push(NodeRow {
            point: cells[point].parse().map_err(|_| bad())?,
            run: cells[run].parse().map_err(|_| bad())?,
            kind: cells[kind].to_owned(),
            reward: cells[reward].parse().unwrap_or(f64::NAN),
        });
    }
    Ok(Some(rows))
}

/// Every `step`-th point of a curve and its last one, at most [`LORENZ_POINTS_MAX`] in all.
fn thin(points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    if points.len() <= LORENZ_POINTS_MAX {
        return points;
    }
    let step = points.len().div_ceil(LORENZ_POINTS_MAX - 1);
    let last = points[points.len() - 1];
    let mut out: Vec<(f64, f64)> = points.into_iter().step_by(step).collect();
    if out.last() != Some(&last) {
        out.push(last);
    }
    out
}

/// The distribution section from the nodes' rewards; `false` when the run has no node rows of
/// the economy's charted kinds (then the caller draws the fallback across runs).
pub(crate) fn section(h: &mut String, run: &Run, rows: &[NodeRow]) -> Result<bool, String> {
    let economy = run.summary["economy"].as_str().unwrap_or("");
    let kinds = catalog::node_kinds(economy);
    let token = run.summary["reward_token"]["symbol"].as_str().unwrap_or("tokens");
    let charted = |r: &&NodeRow| kinds.is_empty() || kinds.contains(&r.kind.as_str());
    let Some(first) = rows.iter().find(charted).map(|r| (r.point, r.run)) else {
        return Ok(false);
    };
    let values: Vec<f64> = rows
        .iter()
        .filter(charted)
        .filter(|r| (r.point, r.run) == first)
        .map(|r| r.reward)
        .collect();
    // The Gini of every run, for the range under the chart.
    let mut by_run: std::collections::BTreeMap<(u64, u64), Vec<f64>> = Default::default();
    for r in rows.iter().filter(charted) {
        by_run.entry((r.point, r.run)).or_default().push(r.reward);
    }
    // A run whose nodes earned nothing has no Gini (NaN): it is counted apart.
    let all: Vec<f64> = by_run.values().map(|v| ergon_core::stats::gini(v)).collect();
    let ginis: Vec<f64> = all.iter().copied().filter(|g| !g.is_nan()).collect();
    let (lo, hi) =
        ginis.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), g| (a.min(*g), b.max(*g)));
    let none = all.len() - ginis.len();
    let which = if kinds.is_empty() {
        "nodes".to_owned()
    } else {
        format!("{} nodes", kinds.join(" and "))
    };
    let _ = write!(
        h,
        "<h2>Distribution of rewards across nodes</h2><p class=\"sub\">Each of the {} {} of \
         the first run (point {}, run {}): its rewards in {} from genesis to the run's end \
         (<code>nodes.csv</code>). {}</p>",
        crate::numbers::fixed(values.len() as f64, 0),
        esc(&which),
        first.0,
        first.1,
        esc(token),
        match (ginis.len(), none) {
            (0, 1) => "No node earned anything: there is no Gini coefficient.".to_owned(),
            (0, n) => format!(
                "No node earned anything in any of the {n} runs: there is no Gini coefficient."
            ),
            (1, 0) => format!("Its Gini coefficient is {lo:.4}."),
            (n, 0) =>
                format!("The Gini coefficient across the {n} runs ranges from {lo:.4} to {hi:.4}."),
            (n, k) => format!(
                "The Gini coefficient across the {n} runs whose nodes earned anything ranges from \
                 {lo:.4} to {hi:.4} ({k} more runs paid no node)."
            ),
        },
    );
    let bins = charts::bins(&values, values.len().clamp(1, 20));
    let bars = bins.iter().filter(|b| b.2 > 0).count();
    let x = format!("rewards since genesis ({token})");
    let title = format!("Histogram of the rewards of the first run's {which}");
    let svg = charts::histogram(&title, &x, "nodes", &bins)?;
    figure_html(
        h,
        "chart-histogram",
        &svg,
        0,
        bars,
        &format!("{} nodes, first run", crate::numbers::fixed(values.len() as f64, 0)),
    );
    let g = ergon_core::stats::gini(&values);
    if let Some(points) = lorenz(&values).filter(|_| !g.is_nan()) {
        let title = format!("Lorenz curve of the rewards across nodes — Gini {g:.4}");
        let x_desc = "share of nodes, least rewarded first (0–1)";
        let svg = charts::lorenz(&title, x_desc, &thin(points))?;
        let cap = format!("first run's Gini coefficient {g:.4}");
        figure_html(h, "chart-lorenz", &svg, 2, 0, &cap);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_curve_is_thinned_to_its_ends() {
        let points: Vec<(f64, f64)> = (0..=1000).map(|i| (i as f64, i as f64)).collect();
        let t = thin(points);
        assert!(t.len() <= LORENZ_POINTS_MAX, "{}", t.len());
        assert_eq!((t[0], t[t.len() - 1]), ((0.0, 0.0), (1000.0, 1000.0)));
        let short = vec![(0.0, 0.0), (1.0, 1.0)];
        assert_eq!(thin(short.clone()), short);
    }
}
