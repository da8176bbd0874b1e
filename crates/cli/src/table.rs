//! The closing table of a run: the model's key metrics at the end, mean and p5–p95 across
//! runs, per sweep point — the state at the end apart from what the last row measured over its
//! interval (flows and the interval's rates) — then where the files are.

use std::time::Duration;

use ergon_output::Written;
use ergon_registry::PlanInfo;
use ergon_sim::JobResult;

use crate::numbers::grouped;

/// A figure as people read it: rates (`…_apr…`) and parts of a whole (`…_share`, `…_share_…`,
/// `share_gap…`) in percent — but not Phala's mining shares (`share_mean`, `sum_share`,
/// `…_share_total`, `…_shares`), which are numbers; Gini coefficients and correlations with three decimals; other values with thousands separators:
/// whole numbers as they are, others with two decimals below 10,000 and four significant digits
/// below 1. Never in exponent form.
fn fmt(name: &str, x: f64) -> String {
    if x.is_nan() {
        return "–".into();
    }
    if is_fraction(name) {
        return format!("{} %", grouped(x * 100.0, 2));
    }
    if name.ends_with("_gini") || name.ends_with("_corr") {
        return format!("{x:.3}");
    }
    let a = x.abs();
    if a >= 10_000.0 || x.fract() == 0.0 {
        grouped(x, 0)
    } else if a >= 1.0 || a == 0.0 {
        grouped(x, 2)
    } else {
        // Four significant digits: 0.0009755.
        let decimals = (3 - a.log10().floor() as i32).clamp(4, 18) as usize;
        format!("{x:.decimals$}")
    }
}

/// Whether metric `name` is a rate or a part of a whole, shown in percent.
fn is_fraction(name: &str) -> bool {
    let part = (name.ends_with("_share") || name.contains("_share_"))
        && !name.starts_with("sum_")
        && !name.ends_with("_total");
    name.contains("_apr") || part || name.starts_with("share_gap")
}

/// An interval of `steps` in words: "1 day", "6 hours", "12 epochs".
fn interval(info: &PlanInfo, steps: u64) -> String {
    let per_day = info.epochs_per_day.max(1);
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if steps.is_multiple_of(per_day) {
        plural(steps / per_day, "day")
    } else if (steps * 24).is_multiple_of(per_day) {
        plural(steps * 24 / per_day, "hour")
    } else {
        plural(steps, info.step_name)
    }
}

/// The steps the last row of a job that ran `steps` covers: those since the row before it,
/// `every`, or fewer when the job ended (or was stopped) between two rows; 0 for no step.
pub(crate) fn last_row_span(steps: u64, every: u64) -> u64 {
    let k = every.max(1);
    if steps == 0 { 0 } else { steps - (steps - 1) / k * k }
}

/// Prints the table and the files.
pub(crate) fn print(
    info: &PlanInfo,
    results: &[JobResult],
    written: &Written,
    elapsed: Duration,
) -> Result<(), crate::BadInput> {
    let epochs: u64 = results.iter().map(|r| r.epochs).sum();
    // A resumed run's jobs went on from their checkpoints: the rate is of the steps run now.
    let now: u64 = results.iter().map(|r| r.epochs - r.resumed_at.min(r.epochs)).sum();
    let before = if now == epochs {
        String::new()
    } else {
        format!(" ({} of them from its checkpoints)", grouped((epochs - now) as f64, 0))
    };
    say!(
        "{}: {} job(s), {} {}s{before} in {:.1} s ({} {}s/s)",
        info.name,
        results.len(),
        grouped(epochs as f64, 0),
        info.step_name,
        elapsed.as_secs_f64(),
        grouped(now as f64 / elapsed.as_secs_f64().max(1e-9), 0),
        info.step_name,
    );
    // Jobs stopped at different steps: no span.
    let spans: Vec<u64> =
        results.iter().map(|r| last_row_span(r.epochs, info.record_every)).collect();
    let last = match spans.split_first() {
        Some((&s, rest)) if s > 0 && rest.iter().all(|&x| x == s) => {
            format!("over the last row's {}", interval(info, s))
        }
        _ => "over the last row".to_owned(),
    };
    let shown = written.stats.len().min(12);
    // A metric's figures are over fewer than a point's runs where some had no value (a NaN: no
    // paid node, no stake…) or a stopped run did not reach them, and its row says so.
    let runs = info.runs as usize;
    for (k, stats) in written.stats.iter().take(shown).enumerate() {
        if !info.sweep_keys.is_empty() {
            let values: Vec<String> =
                info.points[k].iter().map(|(p, v)| format!("{p} = {v}")).collect();
            say!("\npoint {k}: {}", values.join(", "));
        }
        let groups = [("state at the end of the run", false), (last.as_str(), true)];
        for (title, flows) in groups {
            let names: Vec<&str> = info
                .key_metrics
                .iter()
                .copied()
                .filter(|n| info.key_flows.contains(n) == flows && stats.contains_key(*n))
                .collect();
            if names.is_empty() {
                continue;
            }
            let rows: Vec<(&str, [String; 3], usize)> = names
                .iter()
                .map(|&name| {
                    let s = &stats[name];
                    (name, [s.mean, s.p5, s.p95].map(|x| fmt(name, x)), s.n)
                })
                .collect();
            // Columns as wide as their widest figure (a price of 18 decimals), 14 at least.
            let w = rows.iter().flat_map(|(_, f, _)| f.iter().map(|x| x.chars().count()));
            let w = w.max().unwrap_or(0).max(14);
            say!("  {title:<34} {:>w$} {:>w$} {:>w$}", "mean", "p5", "p95");
            for (name, [mean, p5, p95], n) in rows {
                let of =
                    if n < runs { format!("  (over {n} of {runs} runs)") } else { String::new() };
                say!("  {name:<34} {mean:>w$} {p5:>w$} {p95:>w$}{of}");
            }
        }
    }
    if written.stats.len() > shown {
        say!("\n… {} more points in summary.json", written.stats.len() - shown);
    }
    let d = written.dir.display();
    say!("\n{} rows: {d}/metrics.parquet, {d}/metrics.csv", grouped(written.rows as f64, 0));
    say!("summary: {d}/summary.json; scenario as run: {d}/scenario.toml");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_people_read_them() {
        assert_eq!(fmt("deposit_apr", 1.2604), "126.04 %");
        assert_eq!(fmt("stake_apr", 0.070977), "7.10 %");
        assert_eq!(fmt("trust_top10_share", 0.5), "50.00 %");
        assert_eq!(fmt("sybil_reward_share_compat", 0.25), "25.00 %");
        assert_eq!(fmt("node_share_mean", 0.625), "62.50 %");
        assert_eq!(fmt("share_gap_mean", 0.0125), "1.25 %");
        // Phala's mining shares are numbers, not parts of a whole.
        assert_eq!(fmt("share_mean", 8_734.287_9), "8,734.29");
        assert_eq!(fmt("sum_share", 5.0e8), "500,000,000");
        assert_eq!(fmt("g0_share_total", 1_500.5), "1,500.50");
        assert_eq!(fmt("vault_owner_shares", 12.0), "12");
        assert_eq!(fmt("resource_reward_gini", 0.33582), "0.336");
        assert_eq!(fmt("total_mined_stos", 57_600.0), "57,600");
        assert_eq!(fmt("requests", 22_970_000.4), "22,970,000");
        assert_eq!(fmt("p_stos", 358.123), "358.12");
        assert_eq!(fmt("p_stos", 0.0), "0");
        assert_eq!(fmt("active_resource_nodes", 1_034.0), "1,034");
        assert_eq!(fmt("resource_node_apr_median", 1.2704), "127.04 %");
        assert_eq!(fmt("ozone_price_stos_per_oz", 0.000_975_52), "0.0009755");
        assert_eq!(fmt("x", 0.5), "0.5000");
        assert_eq!(fmt("x", -12_345.6), "-12,346");
        assert_eq!(fmt("x", f64::NAN), "–");
    }
}
