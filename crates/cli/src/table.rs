//! The closing table of a run: the model's key metrics at the end, mean and p5–p95 across
//! runs, per sweep point; then where the files are.

use std::time::Duration;

use ergon_output::Written;
use ergon_registry::PlanInfo;
use ergon_sim::JobResult;

/// Compact figures: 4 significant digits, thousands as k/M/G.
fn fmt(x: f64) -> String {
    let a = x.abs();
    if x.is_nan() {
        "–".into()
    } else if a >= 1e9 {
        format!("{:.3}G", x / 1e9)
    } else if a >= 1e6 {
        format!("{:.3}M", x / 1e6)
    } else if a >= 1e4 {
        format!("{:.2}k", x / 1e3)
    } else if a >= 1.0 || a == 0.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.4e}")
    }
}

/// Prints the table and the files.
pub(crate) fn print(info: &PlanInfo, results: &[JobResult], written: &Written, elapsed: Duration) {
    let epochs: u64 = results.iter().map(|r| r.epochs).sum();
    println!(
        "{}: {} job(s), {} epochs in {:.1} s ({:.0} epochs/s)",
        info.name,
        results.len(),
        epochs,
        elapsed.as_secs_f64(),
        epochs as f64 / elapsed.as_secs_f64().max(1e-9)
    );
    let shown = written.stats.len().min(12);
    for (k, stats) in written.stats.iter().take(shown).enumerate() {
        if !info.sweep_keys.is_empty() {
            let values: Vec<String> =
                info.points[k].iter().map(|(p, v)| format!("{p} = {v}")).collect();
            println!("\npoint {k}: {}", values.join(", "));
        }
        println!("  {:<28} {:>12} {:>12} {:>12}", "metric (at the end)", "mean", "p5", "p95");
        for name in info.key_metrics {
            if let Some(s) = stats.get(*name) {
                println!("  {name:<28} {:>12} {:>12} {:>12}", fmt(s.mean), fmt(s.p5), fmt(s.p95));
            }
        }
    }
    if written.stats.len() > shown {
        println!("\n… {} more points in summary.json", written.stats.len() - shown);
    }
    let d = written.dir.display();
    println!("\n{} rows: {d}/metrics.parquet, {d}/metrics.csv", written.rows);
    println!("summary: {d}/summary.json; scenario as run: {d}/scenario.toml");
}
