//! The report page: one self-contained HTML file (inline CSS and SVG, no script, no request)
//! with the scenario and its parameters, the key figures, the charts of the economy's
//! catalogue, the sweep's final values, the distribution, the invariant checks and the run's
//! metadata.

use std::fmt::Write as _;

use serde_json::Value;

use super::Run;
use super::catalog::{self, ChartSpec};
use super::charts;
use super::data::lorenz;
use crate::numbers::number;

/// A metric's figure: APRs as percent, the rest as [`number`].
fn figure(column: &str, v: f64) -> String {
    if column.contains("apr") && v.is_finite() {
        format!("{} %", crate::numbers::fixed(v * 100.0, 2))
    } else {
        number(v)
    }
}

/// Text escaped for HTML.
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;\
margin:0;background:#f6f7f9;color:#1d232b}main{max-width:1060px;margin:0 auto;padding:20px 24px 48px}\
h1{font-size:28px;margin:8px 0 2px}h2{font-size:21px;margin:30px 0 10px;border-bottom:1px solid #d5d9de;\
padding-bottom:4px}p.sub{color:#55606d;margin:0 0 12px}table{border-collapse:collapse;background:#fff;\
font-size:14px;margin:6px 0}th,td{border:1px solid #d5d9de;padding:4px 10px;text-align:left}\
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}th{background:#eef1f4}\
figure{background:#fff;border:1px solid #d5d9de;margin:14px 0;padding:6px}figure svg{width:100%;\
height:auto;display:block}figcaption{font-size:13px;color:#55606d;padding:4px 6px}\
pre{background:#fff;border:1px solid #d5d9de;padding:10px;font-size:13px;overflow:auto}\
.warn{background:#fff3cd;border:1px solid #e0c060;padding:8px 12px}.ok{color:#1b7f3b;font-weight:600}.wide{overflow-x:auto}small{color:#55606d}\
td.v{font-variant-numeric:tabular-nums;word-break:break-all;max-width:640px}";

/// Builds the page.
pub(crate) fn page(run: &Run) -> Result<String, String> {
    let s = &run.summary;
    let name = s["scenario"].as_str().unwrap_or("?");
    let economy = s["economy"].as_str().unwrap_or("?");
    let mut h = String::with_capacity(1 << 20);
    // The scenario file's own words, which a run's --runs, --epochs or --set may have changed.
    let about = run.scenario_str(&["scenario", "description"]).unwrap_or_default();
    let about = if about.is_empty() {
        String::new()
    } else {
        format!(" · the scenario's description: “{}” (the run as made is below)", esc(&about))
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{} — Ergon report</title><style>{STYLE}</style></head><body><main>\
         <h1>{}</h1><p class=\"sub\">Ergon report · economy <b>{}</b>{about}</p>",
        esc(name),
        esc(name),
        esc(economy),
    );
    if s["complete"].as_bool() != Some(true) {
        h.push_str(
            "<p class=\"warn\">This run is <b>incomplete</b> (interrupted): its rows stop where \
             it stopped, and the figures below are those of the rows written.</p>",
        );
    }
    scenario_section(&mut h, run);
    let specs: Vec<&ChartSpec> =
        catalog::charts(economy).iter().filter(|c| !drawn(run, c).is_empty()).collect();
    key_figures(&mut h, run, &specs);
    h.push_str("<h2>Over time</h2>");
    let sweep = run.points.len() > 1;
    h.push_str(if sweep {
        "<p class=\"sub\">One line a sweep point: the mean across its Monte Carlo runs; a chart \
         of several metrics is drawn once per metric.</p>"
    } else {
        "<p class=\"sub\">Lines: the mean across the Monte Carlo runs; shaded: their 5th–95th \
         percentile band.</p>"
    });
    if specs.is_empty() {
        h.push_str("<p>No chart catalogue for this economy.</p>");
    }
    let mut n = 0;
    for spec in &specs {
        n = time_chart(&mut h, run, spec, n, sweep)?;
    }
    if sweep {
        super::sweep::section(&mut h, run, &specs)?;
    }
    distribution(&mut h, run)?;
    checks_and_metadata(&mut h, run);
    h.push_str("</main></body></html>\n");
    Ok(h)
}

fn row(h: &mut String, key: &str, value: &str) {
    let _ = write!(h, "<tr><th>{}</th><td>{}</td></tr>", esc(key), esc(value));
}

fn scenario_section(h: &mut String, run: &Run) {
    let s = &run.summary;
    h.push_str("<h2>Scenario</h2><table>");
    row(h, "scenario", s["scenario"].as_str().unwrap_or("?"));
    row(h, "economy", s["economy"].as_str().unwrap_or("?"));
    row(h, "profile", &run.scenario_str(&["economy", "profile"]).unwrap_or("(default)".into()));
    row(h, "duration", &run.scenario_str(&["scenario", "duration"]).unwrap_or_default());
    row(h, "a row every", &run.scenario_str(&["scenario", "record_every"]).unwrap_or_default());
    row(h, "Monte Carlo runs per point", &s["runs"].to_string());
    row(h, "sweep points", &run.points.len().to_string());
    if let Some(keys) = s["sweep_keys"].as_array().filter(|k| !k.is_empty()) {
        let keys: Vec<&str> = keys.iter().filter_map(Value::as_str).collect();
        row(h, "swept", &keys.join(", "));
    }
    h.push_str("</table>");
    parameters(h, run);
    let _ = write!(
        h,
        "<details><summary>The scenario as run (scenario.toml)</summary><pre>{}</pre></details>",
        esc(&run.scenario_text)
    );
}

/// The economy's parameters in force: every one (summary.json's `parameters`, the profile's
/// defaults with the scenario's overrides), each marked as the profile's default, set by the
/// scenario, or swept. A run written without the list shows the overrides alone.
fn parameters(h: &mut String, run: &Run) {
    h.push_str("<h3>Economy parameters</h3>");
    let set =
        run.scenario.get("economy").and_then(|e| e.get("params")).and_then(toml::Value::as_table);
    let swept: Vec<&str> = run.summary["sweep_keys"]
        .as_array()
        .map(|k| k.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let all = run.summary["parameters"].as_array().filter(|a| !a.is_empty());
    let Some(all) = all else {
        match set.filter(|t| !t.is_empty()) {
            Some(t) => {
                h.push_str("<table>");
                for (k, v) in t {
                    row(h, k, &v.to_string());
                }
                h.push_str("</table>");
            }
            None => h.push_str("<p>None set: every parameter is the profile's default.</p>"),
        }
        return;
    };
    h.push_str(
        "<p class=\"sub\">Every parameter in force (of the first sweep point, for a sweep): the \
         profile's defaults, with what the scenario set over them. Amounts are as a replay \
         genesis writes them (docs/report.md).</p><table><tr><th>parameter</th><th>value</th>\
         <th>from</th></tr>",
    );
    for pair in all {
        let (Some(k), Some(v)) = (pair[0].as_str(), pair[1].as_str()) else {
            continue;
        };
        let economy = run.scenario.get("economy").and_then(toml::Value::as_table);
        let from = if swept
            .iter()
            .any(|s| *s == format!("economy.params.{k}") || *s == format!("economy.{k}"))
        {
            "swept"
        } else if set.is_some_and(|t| t.contains_key(k)) {
            "scenario"
        } else if economy.is_some_and(|t| t.contains_key(k)) {
            // An economy whose parameters are [economy]'s own fields (Trias): scenario.toml
            // writes each, its default or not.
            "[economy]"
        } else {
            "default"
        };
        let _ =
            write!(h, "<tr><th>{}</th><td class=\"v\">{}</td><td>{from}</td></tr>", esc(k), esc(v));
    }
    h.push_str("</table>");
}

/// The series of a chart the run can draw: its columns with numbers at two recorded steps or
/// more (the genesis row left out of a flow chart). A chart with none is left out.
pub(crate) fn drawn<'a>(run: &Run, spec: &'a ChartSpec) -> Vec<&'a (&'static str, &'static str)> {
    let flows = spec.unit.contains("{row}");
    spec.series.iter().filter(|(c, _)| run.metrics.has_line(c, flows)).collect()
}

/// What one step of the run's model is called ("epoch", "block").
fn step_name(run: &Run) -> &'static str {
    let economy = run.summary["economy"].as_str().unwrap_or_default();
    ergon_registry::find(economy).map_or("step", |e| e.step_name)
}

/// The chart's y label, its "{row}" replaced by the record interval.
fn unit_label(run: &Run, spec: &ChartSpec) -> String {
    let every = run.scenario_str(&["scenario", "record_every"]).unwrap_or("row".into());
    // An interval written in steps ("100", "100e") is named by the model's step.
    let steps = every.strip_suffix('e').unwrap_or(&every);
    let every = if steps.parse::<u64>().is_ok() {
        let step = step_name(run);
        if steps == "1" { step.to_owned() } else { format!("{steps} {step}s") }
    } else {
        every
    };
    spec.unit.replace("{row}", &every)
}

/// A complete run's last row when it is shorter than `record_every` (the run ended between two
/// rows): its span in the unit of the scenario's `record_every` ("4d"), or in the model's steps
/// ("7 of 10 blocks").
fn short_last_row(run: &Run) -> Option<String> {
    let epochs = run.summary["epochs"].as_u64()?;
    let every = run.summary["record_every"].as_u64().filter(|&k| k > 0)?;
    let span = crate::table::last_row_span(epochs, every);
    if span == every || span == 0 {
        return None;
    }
    let text = run.scenario_str(&["scenario", "record_every"]).unwrap_or_default();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    match digits.parse::<u64>() {
        // "10e" is written in steps: named by the model's step below.
        Ok(n) if !matches!(unit.trim(), "" | "e") && (n * span).is_multiple_of(every) => {
            Some(format!("{}{} (the last row, shorter)", n * span / every, unit.trim()))
        }
        _ => {
            let step = step_name(run);
            Some(format!("{span} of {every} {step}s (the last row, shorter)"))
        }
    }
}

fn key_figures(h: &mut String, run: &Run, specs: &[&ChartSpec]) {
    let mut points = String::new();
    if run.points.len() > 1 {
        points.push_str("<table><tr><th>sweep point</th><th>swept values</th></tr>");
        for p in &run.points {
            let _ = write!(points, "<tr><td>point {}</td><td>{}</td></tr>", p.index, esc(&p.label));
        }
        points.push_str("</table>");
    }
    let _ = write!(
        h,
        "<h2>Key figures</h2>{points}<p class=\"sub\">Each run's last row: mean across runs, and below it the p5 – p95 range (over how many runs, when a metric had no value in some). \
         State metrics are the value at the end; flows are those of the last row's interval.</p>\
         <div class=\"wide\"><table><tr><th>metric</th><th>unit</th>",
    );
    for p in &run.points {
        let head =
            if run.points.len() > 1 { format!("point {}", p.index) } else { p.label.clone() };
        let _ = write!(h, "<th title=\"{}\">{}</th>", esc(&p.label), esc(&head));
    }
    h.push_str("</tr>");
    let mut seen: Vec<&str> = Vec::new();
    // A stopped run's last rows end at the stop, each run's at its own step: their flows are
    // not those of a whole interval.
    let last_row = if run.summary["complete"].as_bool() != Some(true) {
        Some("last row, up to the stop".to_owned())
    } else {
        short_last_row(run)
    };
    for spec in specs {
        let unit = match &last_row {
            Some(row) => spec.unit.replace("{row}", row),
            None => unit_label(run, spec),
        };
        for (col, label) in drawn(run, spec) {
            if seen.contains(col) {
                continue;
            }
            seen.push(col);
            let _ = write!(
                h,
                "<tr><td>{}<br><code>{}</code></td><td>{}</td>",
                esc(label),
                esc(col),
                esc(&unit)
            );
            let runs = run.summary["runs"].as_u64().unwrap_or(0);
            for p in &run.points {
                let st = &p.finals[*col];
                let f = |k: &str| figure(col, st[k].as_f64().unwrap_or(f64::NAN));
                // A metric without a value in some runs (or runs not begun) says over how many.
                let over = match st["n"].as_u64() {
                    Some(n) if n < runs => format!("<br><small>over {n} of {runs} runs</small>"),
                    _ => String::new(),
                };
                let _ = write!(
                    h,
                    "<td class=\"n\">{}<br><small>{} – {}</small>{over}</td>",
                    f("mean"),
                    f("p5"),
                    f("p95")
                );
            }
            h.push_str("</tr>");
        }
    }
    h.push_str("</table></div>");
}

/// A chart in its figure; `series` is the number of lines drawn, `bars` of histogram bars.
pub(crate) fn figure_html(
    h: &mut String,
    id: &str,
    svg: &str,
    series: usize,
    bars: usize,
    cap: &str,
) {
    let _ = write!(
        h,
        "<figure class=\"chart\" id=\"{id}\" data-series=\"{series}\" data-bars=\"{bars}\">{svg}\
         <figcaption>{}</figcaption></figure>",
        esc(cap)
    );
}

/// Draws a catalogue chart as figures `chart-{first}`, `chart-{first + 1}`, …; returns the
/// next free number. Without a sweep: one figure, a mean line and band per column. With one:
/// a figure per column, a line per sweep point (its runs' mean).
fn time_chart(
    h: &mut String,
    run: &Run,
    spec: &ChartSpec,
    first: usize,
    sweep: bool,
) -> Result<usize, String> {
    let unit = unit_label(run, spec);
    let flows = spec.unit.contains("{row}");
    let bands_of = |col: &str| {
        let mut b = run.metrics.bands(col);
        if flows {
            b.values_mut().for_each(|b| *b = b.without_genesis());
        }
        b
    };
    let cols = drawn(run, spec);
    if !sweep {
        let all: Vec<_> = cols.iter().map(|(c, l)| (*l, bands_of(c))).collect();
        let lines: Vec<(String, &super::data::Band)> = all
            .iter()
            .filter_map(|(l, b)| b.get(&run.points[0].index).map(|b| ((*l).to_owned(), b)))
            .collect();
        let svg = charts::series(spec.title, &unit, &lines, true)?;
        let names: Vec<&str> = cols.iter().map(|(c, _)| *c).collect();
        let cap = format!("columns: {}", names.join(", "));
        figure_html(h, &format!("chart-{first}"), &svg, drawn_lines(&lines), 0, &cap);
        return Ok(first + 1);
    }
    let mut n = first;
    for (col, label) in cols {
        let bands = bands_of(col);
        let lines: Vec<(String, &super::data::Band)> = run
            .points
            .iter()
            .filter_map(|p| bands.get(&p.index).map(|b| (p.label.clone(), b)))
            .collect();
        let title = if spec.series.len() == 1 {
            spec.title.to_owned()
        } else {
            format!("{} — {label}", spec.title)
        };
        let svg = charts::series(&title, &unit, &lines, false)?;
        let cap = format!("{col}, one line a sweep point");
        figure_html(h, &format!("chart-{n}"), &svg, drawn_lines(&lines), 0, &cap);
        n += 1;
    }
    Ok(n)
}

/// The lines [`charts::series`] draws of `lines`: those with a value.
fn drawn_lines(lines: &[(String, &super::data::Band)]) -> usize {
    lines.iter().filter(|(_, b)| !b.day.is_empty()).count()
}

/// The distribution across nodes (nodes.csv); for a run without node rows, that of the
/// economy's distribution metric across the Monte Carlo runs.
fn distribution(h: &mut String, run: &Run) -> Result<(), String> {
    if let Some(rows) = &run.nodes
        && super::nodes::section(h, run, rows)?
    {
        return Ok(());
    }
    let economy = run.summary["economy"].as_str().unwrap_or("");
    let Some((col, unit)) = catalog::distribution(economy).filter(|(c, _)| run.metrics.has(c))
    else {
        return Ok(());
    };
    let values = run.metrics.finals(col);
    let _ = write!(
        h,
        "<h2>Distribution</h2><p class=\"sub\">The run's files hold no per-node rewards, so these \
         charts show the final <code>{}</code> of each of the {} Monte Carlo runs (every sweep \
         point). The per-node spread over time is the Gini chart above, where the economy \
         records one.</p>",
        esc(col),
        values.len()
    );
    let bins = charts::bins(&values, values.len().clamp(1, 20));
    let bars = bins.iter().filter(|b| b.2 > 0).count();
    let x = format!("final {col} ({unit})");
    let svg = charts::histogram(&format!("Histogram of the final {col}"), &x, "runs", &bins)?;
    figure_html(h, "chart-histogram", &svg, 0, bars, &format!("{} runs", values.len()));
    if let Some(points) = lorenz(&values) {
        let g = ergon_core::stats::gini(&values);
        let title = format!("Lorenz curve of the final {col} across runs — Gini {g:.4}");
        let svg = charts::lorenz(&title, "share of runs, poorest first (0–1)", &points)?;
        figure_html(h, "chart-lorenz", &svg, 2, 0, &format!("Gini coefficient {g:.4}"));
    }
    Ok(())
}

fn checks_and_metadata(h: &mut String, run: &Run) {
    let s = &run.summary;
    h.push_str("<h2>Invariant checks</h2>");
    match s.get("invariants") {
        Some(v) => {
            let _ = write!(h, "<pre>{}</pre>", esc(&v.to_string()));
        }
        None if s["complete"].as_bool() == Some(true) => h.push_str(
            "<p><span class=\"ok\">Passed.</span> The economy's invariants (conservation of \
             every token, among others) are checked as the run advances, and after every step \
             under <code>--paranoid</code>; a violation stops the run with exit code 1 and \
             leaves no outputs. This run finished every job, so every check passed. \
             summary.json does not list the checks one by one.</p>",
        ),
        None => h.push_str(
            "<p class=\"warn\">The run was interrupted: the checks passed up to where it \
             stopped.</p>",
        ),
    }
    h.push_str("<h2>Run metadata</h2><table>");
    row(h, "Ergon version", s["ergon_version"].as_str().unwrap_or("?"));
    row(h, "master seed", &s["seed"].to_string());
    row(h, "parameter hash", s["parameter_hash"].as_str().unwrap_or("?"));
    row(h, "complete", &s["complete"].to_string());
    row(h, "steps a run", &s["epochs"].to_string());
    row(h, "a row every (steps)", &s["record_every"].to_string());
    row(h, "rows in metrics.csv", &s["rows"].to_string());
    row(h, "output directory", &run.dir.display().to_string());
    h.push_str("</table>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_people_read_them() {
        assert_eq!(figure("deposit_apr", 1.1434), "114.34 %");
        assert_eq!(figure("pool_apr_median", 44.231_6), "4,423.16 %");
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
