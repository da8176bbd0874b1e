//! The sweep section of the report: a metric's final value (mean across runs, from
//! summary.json) against a swept parameter, one line for each combination of the other swept
//! values (docs/scenarios.md, "[sweep]").

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::catalog::{self, ChartSpec};
use super::html::{esc, figure_html};
use super::{Run, charts, short};

/// A swept value as a number: a JSON number, or a string that reads as one (decimal
/// parameters are recorded as strings, e.g. "0.3").
fn num(v: &serde_json::Value) -> Option<f64> {
    v.as_f64().or_else(|| v.as_str()?.parse().ok())
}

/// The swept key on the x axis: the first whose values are all numbers, with at least two.
fn x_key(run: &Run) -> Option<String> {
    let keys = run.summary["sweep_keys"].as_array()?;
    keys.iter().filter_map(|k| k.as_str()).find_map(|k| {
        let xs: Vec<f64> =
            run.points.iter().filter_map(|p| p.values.get(k).and_then(num)).collect();
        let distinct = xs.iter().any(|x| *x != xs[0]);
        (xs.len() == run.points.len() && distinct).then(|| k.to_owned())
    })
}

/// Final value against the swept parameter, for the first chart's first metric and the
/// distribution metric.
pub(crate) fn section(h: &mut String, run: &Run, specs: &[&ChartSpec]) -> Result<(), String> {
    let Some(key) = x_key(run) else {
        return Ok(());
    };
    let economy = run.summary["economy"].as_str().unwrap_or("");
    let mut metrics: Vec<&str> = Vec::new();
    if let Some((col, _)) = specs.first().and_then(|s| s.series.first()) {
        metrics.push(col);
    }
    if let Some((col, _)) = catalog::distribution(economy)
        && run.metrics.has(col)
        && !metrics.contains(&col)
    {
        metrics.push(col);
    }
    let _ = write!(
        h,
        "<h2>Final value against {}</h2><p class=\"sub\">Each point: the mean across its \
         Monte Carlo runs of the run's last value; one line for each setting of the other swept \
         keys.</p>",
        esc(&key)
    );
    for (i, col) in metrics.into_iter().enumerate() {
        // One line a combination of the other keys, in the sweep's order (its values as the
        // scenario lists them, not as text: 6000 before 10000).
        let mut lines: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
        let mut line_of: BTreeMap<String, usize> = BTreeMap::new();
        for p in &run.points {
            let x = p.values.get(&key).and_then(num).unwrap_or(f64::NAN);
            let y = p.finals[col]["mean"].as_f64().unwrap_or(f64::NAN);
            let others: Vec<String> = p
                .values
                .iter()
                .filter(|(k, _)| **k != key)
                .map(|(k, v)| format!("{} = {v}", short(k)))
                .collect();
            let label = if others.is_empty() { col.to_owned() } else { others.join(", ") };
            if x.is_finite() && y.is_finite() {
                let k = *line_of.entry(label.clone()).or_insert_with(|| {
                    lines.push((label, Vec::new()));
                    lines.len() - 1
                });
                lines[k].1.push((x, y));
            }
        }
        for (_, pts) in &mut lines {
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        let unit = catalog::unit(col);
        let y =
            if unit.is_empty() { format!("final {col}") } else { format!("final {col} ({unit})") };
        let title = format!("Final {col} against {}", short(&key));
        let svg = charts::lines(&title, &key, &y, &lines)?;
        figure_html(h, &format!("chart-sweep-{i}"), &svg, lines.len(), 0, "mean across runs");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swept_values_read_as_numbers() {
        assert_eq!(num(&serde_json::json!(4000)), Some(4000.0));
        assert_eq!(num(&serde_json::json!("0.3")), Some(0.3));
        assert_eq!(num(&serde_json::json!("paper")), None);
    }
}
