//! The closing table of `ergon run`: what a row says when its metric has no value in some runs.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion, helpers included

mod common;

use common::{ergon, text};

/// A metric without a value in some runs (no paid node at the end) says over how many runs its
/// figures are; the others, over all the runs, say nothing. The counts are summary.json's.
#[test]
fn the_end_table_names_the_runs_a_metric_is_over() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut args = vec!["run", "stratos-small", "--epochs", "5d", "--runs", "21", "-q"];
    let sets = [
        "agents.resource_nodes.count=2",
        "agents.resource_nodes.joins_per_day=0",
        "agents.resource_nodes.exits_per_year=100",
        "agents.validators.count=1",
        "agents.delegators.count=0",
        "agents.users.count=20",
    ];
    for s in &sets {
        args.extend(["--set", s]);
    }
    args.extend(["--out", out.to_str().unwrap()]);
    let o = ergon(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let fin = &summary["points"][0]["final"];
    let line = |name: &str| {
        let prefix = format!("  {name} ");
        stdout.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("{stdout}"))
    };
    let n = fin["resource_reward_mean_stos"]["n"].as_u64().unwrap();
    assert!(n < 21, "every run paid a node: the case shows nothing\n{stdout}");
    let marked = line("resource_reward_mean_stos");
    assert!(marked.ends_with(&format!("(over {n} of 21 runs)")), "{marked}");
    assert_eq!(fin["deposit_apr"]["n"], 21);
    assert!(!line("deposit_apr").contains("runs)"), "{stdout}");
    // The figures' columns line up: each row's p95 ends where the header's does.
    let header = stdout.lines().find(|l| l.contains(" p95")).unwrap();
    let end = marked.find("  (over").unwrap();
    assert_eq!(end, header.len(), "{stdout}");
    // The report's key figures say the same of the Gini, which has no value where no node
    // was paid, and nothing of the volume pool, which has one in every run.
    let o = ergon(&["report", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let gini = fin["resource_reward_gini"]["n"].as_u64().unwrap();
    assert!(gini < 21, "{gini}");
    let row = |col: &str| {
        let at = page.find(&format!("<code>{col}</code>")).unwrap();
        page[at..].split("</tr>").next().unwrap().to_owned()
    };
    assert!(row("resource_reward_gini").contains(&format!("over {gini} of 21 runs")), "{page}");
    assert_eq!(fin["p_stos"]["n"], 21);
    assert!(!row("p_stos").contains("runs"), "{}", row("p_stos"));
}
