//! `ergon run --report` on each economy's shipped scenarios, without a browser: the time charts
//! the report draws, in order, each by its title (the SVG's first text) and the number of series
//! lines its figure announces (`data-series`). A chart is left out when the run has numbers in
//! none of its columns at two recorded steps; a series, when its column has none
//! (docs/report.md). The browser test (report_browser.rs) checks that the lines render.

use std::process::Command;

fn ergon(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_ergon")).args(args).output().expect("runs ergon");
    assert!(
        out.status.success(),
        "ergon {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The text between `start` and the next `end` after it, and the rest after that.
fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<(&'a str, &'a str)> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some((&s[from..from + len], &s[from + len + end.len()..]))
}

/// The time charts of a report (figures `chart-N`): (title, series lines).
fn time_charts(html: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some((id, after)) = between(rest, "<figure class=\"chart\" id=\"", "\"") {
        let (series, after) = between(after, "data-series=\"", "\"").expect("data-series");
        let (text, after) = between(after, "<text", "</text>").expect("a title");
        let title = text.split_once('>').expect("a text element").1.trim();
        let title = title.replace("&apos;", "'").replace("&amp;", "&");
        if id.strip_prefix("chart-").is_some_and(|n| n.parse::<u32>().is_ok()) {
            out.push((title, series.parse().expect("a count")));
        }
        rest = after;
    }
    out
}

/// Runs a scenario with `args` (2 runs) and returns its report's time charts.
fn charts_of(scenario: &str, args: &[&str]) -> Vec<(String, u64)> {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let out = tmp.path().join("run");
    let path = format!("{}/../../scenarios/{scenario}.toml", env!("CARGO_MANIFEST_DIR"));
    let mut all = vec!["run", "-q", &path, "--runs", "2", "--out", out.to_str().expect("utf-8")];
    all.extend_from_slice(args);
    all.push("--report");
    ergon(&all);
    time_charts(&std::fs::read_to_string(out.join("report.html")).expect("report.html"))
}

fn check(scenario: &str, args: &[&str], want: &[&[(&str, u64)]]) {
    let got = charts_of(scenario, args);
    let want: Vec<(String, u64)> =
        want.iter().flat_map(|part| part.iter().map(|(t, n)| ((*t).to_owned(), *n))).collect();
    assert_eq!(got, want, "{scenario} {args:?}");
}

const MARLIN: &[(&str, u64)] = &[
    ("POND supply", 1),
    ("Staked POND and the rewards pool", 2),
    ("Eligible clusters", 1),
    ("Rewards paid", 2),
    ("Concentration of stake", 1),
];
const MARLIN_TICKETS: &[(&str, u64)] = &[
    ("Concentration of tickets", 1),
    ("Relayers' node share vs the optimum", 2),
    ("Stake vs tickets: correlation", 1),
    ("Stake vs tickets: share gap", 1),
];
const MARLIN_NO_TICKETS: &[(&str, u64)] = &[("Relayers' node share vs the optimum", 2)];
const MARLIN_BRIDGE_SPAM: &[(&str, u64)] = &[
    ("Bridge: POND in and out", 2),
    ("Bridge: MPOND in and out", 2),
    ("Bridge: MPOND→POND requests and conversions", 2),
    ("Bridge: MPOND awaiting conversion", 1),
    ("Spam deposits locked and slashed", 2),
    ("Spam-checked messages", 2),
];

#[test]
fn marlin_charts() {
    check("marlin-paper", &["--epochs", "30d"], &[MARLIN, MARLIN_TICKETS, MARLIN_BRIDGE_SPAM]);
    check("marlin-deployed", &["--epochs", "30d"], &[MARLIN, MARLIN_TICKETS, MARLIN_BRIDGE_SPAM]);
    // No receivers, no tickets: their Gini, the correlation and the share gap are NaN at every
    // row.
    check("marlin-bridge", &[], &[MARLIN, MARLIN_NO_TICKETS, MARLIN_BRIDGE_SPAM]);
}

const PHALA: &[(&str, u64)] = &[
    ("Workers by state", 4),
    ("Budget per block", 1),
    ("Subsidy pool", 1),
    ("Payouts", 3),
    ("Pool APR", 3),
];
const PHALA_CONTRACTS: &[(&str, u64)] = &[("Contracts running", 1)];
const PHALA_SHARES: &[(&str, u64)] = &[("V and share of a computing worker", 2), ("Σshare", 2)];
const PHALA_VAULTS: &[(&str, u64)] = &[
    ("Vaults' assets", 3),
    ("Vaults' investments and withdrawals", 2),
    ("Vault owners' commission shares", 1),
    ("Vaults' divestments and shutdowns", 2),
];

#[test]
fn phala_charts() {
    check("phala-khala", &["--epochs", "3d"], &[PHALA, PHALA_SHARES]);
    check("phala-paper", &["--epochs", "3d"], &[PHALA, PHALA_CONTRACTS, PHALA_SHARES]);
    let vaults = ["--epochs", "3d", "--set", "agents.vaults.count=2"];
    check("phala-khala", &vaults, &[PHALA, PHALA_SHARES, PHALA_VAULTS]);
    // A day recorded daily: genesis and day 1. The payouts (flows, genesis left out) have one
    // point each, no line, and no pool is rated before day 2 (its APRs are NaN): both charts
    // are left out.
    let day: Vec<(&str, u64)> =
        PHALA.iter().copied().filter(|c| c.0 != "Payouts" && c.0 != "Pool APR").collect();
    check("phala-khala", &["--epochs", "1d"], &[&day, PHALA_SHARES]);
    // Two days: the APRs of day 2 alone, one point: still no line.
    let two: Vec<(&str, u64)> = PHALA.iter().copied().filter(|c| c.0 != "Pool APR").collect();
    check("phala-paper", &["--epochs", "2d"], &[&two, PHALA_CONTRACTS, PHALA_SHARES]);
}

const TRIAS: &[(&str, u64)] = &[
    ("Nodes", 2),
    ("Concentration of trust", 2),
    ("Sybil ring's trust", 2),
    ("Rewards by role", 2),
    ("Rewards by kind of node", 3),
    ("Emitted so far", 1),
    ("Sybil ring's share of rewards", 2),
];
const TRIAS_INSURANCE: &[(&str, u64)] = &[
    ("Insurance reserves, cover and queued claims", 4),
    ("Paid into insurance", 6),
    ("Insurance claims", 3),
];

#[test]
fn trias_charts() {
    check("trias-paper", &["--epochs", "2d"], &[TRIAS, TRIAS_INSURANCE]);
    // `compare = false`: the compatibility PageRank's columns have no numbers past genesis, so
    // both Sybil charts keep the EigenTrust line only.
    let exploit: Vec<(&str, u64)> =
        TRIAS.iter().map(|&(t, n)| (t, if t.starts_with("Sybil") { 1 } else { n })).collect();
    check("trias-exploit", &[], &[&exploit, TRIAS_INSURANCE]);
}

/// Stratos' catalogue, a run without a sweep: a line (and band) a column.
const STRATOS: &[(&str, u64)] = &[
    ("Ozone price", 1),
    ("Deposit term S", 1),
    ("Volume pool P (prepaid, not yet paid as traffic rewards)", 1),
    ("Remaining Ozone limit L", 1),
    ("Mining vs traffic rewards", 2),
    ("Traffic rewards R", 1),
    ("Mining tier in force", 1),
    ("Settled vs carried traffic", 2),
    ("Suspensions and reinstatements", 2),
    ("Resource nodes", 2),
    ("Gini of resource-node rewards", 1),
];

#[test]
fn stratos_charts() {
    check("stratos-paper", &["--epochs", "2d"], &[STRATOS]);
}

/// A sweep draws each chart once per column, a line per sweep point: the 3 × 2 grid of
/// stratos-sweep gives six lines a chart, and the catalogue's 15 columns give 15 charts (a
/// single-column chart keeps its title, the others name the column after a dash).
#[test]
fn sweep_charts_draw_every_column() {
    let want: Vec<(String, u64)> = STRATOS
        .iter()
        .flat_map(|&(title, columns)| {
            let labels: &[&str] = match title {
                "Mining vs traffic rewards" => &["mining M", "traffic R"],
                "Settled vs carried traffic" => &["settled Y", "carried"],
                "Suspensions and reinstatements" => &["suspended", "reinstated"],
                "Resource nodes" => &["active", "suspended"],
                _ => &[""],
            };
            assert_eq!(labels.len() as u64, columns, "{title}");
            labels.iter().map(move |l| {
                let t = if l.is_empty() { title.to_owned() } else { format!("{title} — {l}") };
                (t, 6)
            })
        })
        .collect();
    assert_eq!(want.len(), 15);
    assert_eq!(charts_of("stratos-sweep", &["--epochs", "2d"]), want);
}

/// The report's parameter table of a run with `args`: (name, value, where it came from).
fn parameters_of(scenario: &str, args: &[&str]) -> Vec<(String, String, String)> {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let out = tmp.path().join("run");
    let path = format!("{}/../../scenarios/{scenario}.toml", env!("CARGO_MANIFEST_DIR"));
    let mut all = vec!["run", "-q", &path, "--runs", "1", "--out", out.to_str().expect("utf-8")];
    all.extend_from_slice(args);
    all.push("--report");
    ergon(&all);
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let (table, _) = between(&html, "<h3>Economy parameters</h3>", "</table>").expect("a table");
    let mut rows = Vec::new();
    let mut rest = table;
    while let Some((name, after)) = between(rest, "<tr><th>", "</th>") {
        let (value, after) = between(after, "<td class=\"v\">", "</td>").expect("a value");
        let (from, after) = between(after, "<td>", "</td>").expect("an origin");
        rows.push((name.to_owned(), value.to_owned(), from.to_owned()));
        rest = after;
    }
    rows
}

fn param<'a>(rows: &'a [(String, String, String)], name: &str) -> (&'a str, &'a str) {
    let r = rows.iter().find(|r| r.0 == name).unwrap_or_else(|| panic!("no {name} in {rows:?}"));
    (r.1.as_str(), r.2.as_str())
}

/// Every parameter in force is listed, the profile's defaults the scenario never wrote with
/// their values (docs/economies/*.md, the parameter tables), overrides marked as the scenario's.
#[test]
fn the_scenario_section_lists_every_parameter_in_force() {
    let set = ["--epochs", "1d", "--set", "economy.params.settle_threshold_bps=9000"];
    let stratos = parameters_of("stratos-paper", &set);
    assert_eq!(stratos.len(), 22, "{stratos:?}");
    assert_eq!(param(&stratos, "settle_threshold_bps"), ("9000", "scenario"));
    // paper: 3 replicas, rewards locked 14 days of 144 epochs, the 39 M STOS mining pool.
    assert_eq!(param(&stratos, "default_replicas"), ("3", "default"));
    assert_eq!(param(&stratos, "reward_lock_epochs"), ("2016", "default"));
    // paper: any positive deposit (one wei), written in STOS.
    assert_eq!(param(&stratos, "resource_node_min_deposit"), ("0.000000000000000001", "default"));
    assert_eq!(param(&stratos, "mining_pool"), ("39000000", "default"));
    // The mining table in STOS too, as an override writes it: 80 STOS an epoch to 39 M.
    let (mining, _) = param(&stratos, "mining");
    let mining = mining.replace("&quot;", "\"");
    assert!(mining.contains(r#"{"from":"0","reward":"80","#), "{mining}");
    assert!(mining.contains(r#""reward":"2.5","#) && mining.ends_with(r#""end":"39000000"}"#));
    let marlin = parameters_of("marlin-paper", &["--epochs", "1d"]);
    // The seed's 10 G POND cap and 1 MPOND proposal threshold, in whole tokens.
    assert_eq!(param(&marlin, "pond_cap"), ("10000000000", "default"));
    assert_eq!(param(&marlin, "proposal_threshold"), ("1", "default"));
    let phala = parameters_of("phala-khala", &["--epochs", "1d"]);
    // Khala's 1.5 stake multiplier and 50,400-block (7-day) cool-down.
    assert_eq!(param(&phala, "re"), ("1.5", "default"));
    assert_eq!(param(&phala, "cool_down_blocks"), ("50400", "default"));
    let trias = parameters_of("trias-paper", &["--epochs", "1d"]);
    assert_eq!(param(&trias, "halving_epochs"), ("8760", "[economy]"));
}

/// A summary.json without points, with points that are no list, or of an unknown economy is
/// refused with exit 2 naming it, and no report is written.
#[test]
fn a_summary_without_points_or_economy_is_refused() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let out = tmp.path().join("run");
    let path = format!("{}/../../scenarios/stratos-small.toml", env!("CARGO_MANIFEST_DIR"));
    ergon(&["run", "-q", &path, "--epochs", "2d", "--out", out.to_str().expect("utf-8")]);
    let summary = out.join("summary.json");
    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).expect("summary")).expect("json");
    for (key, value, says) in [
        ("points", serde_json::json!([]), "\"points\" must list"),
        ("points", serde_json::json!(2), "\"points\" must list"),
        ("economy", serde_json::json!("nope"), "unknown economy \"nope\""),
    ] {
        let mut bad = good.clone();
        bad[key] = value;
        std::fs::write(&summary, bad.to_string()).expect("write");
        let o = Command::new(env!("CARGO_BIN_EXE_ergon"))
            .args(["report", out.to_str().expect("utf-8")])
            .output()
            .expect("runs ergon");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{key}: {err}");
        assert!(err.contains(says) && err.contains("summary.json"), "{key}: {err}");
        assert!(!out.join("report.html").exists(), "{key}: a report was written");
    }
}

/// The report.html of `ergon` run with `args` and `--out DIR --report`.
fn report_of(args: &[&str]) -> String {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let out = tmp.path().join("run");
    let out = out.to_str().expect("utf-8");
    ergon(&[args, &["--out", out, "--report"]].concat());
    std::fs::read_to_string(format!("{out}/report.html")).expect("report.html")
}

/// A complete run of 30 days recorded weekly ends on a 2-day row: the key figures label its
/// flows by that span, the charts' axes by the record interval.
#[test]
fn a_shorter_last_row_labels_its_flows_by_its_span() {
    let html = report_of(&["run", "-q", "marlin-paper", "--epochs", "30d", "--runs", "1"]);
    assert!(html.contains("POND per 2d (the last row, shorter)"), "no 2-day label");
    assert!(html.contains("POND per 7d"), "no 7-day axis");
}

/// A record interval written in steps ("10", or "10e") names the economy's step: 25 Phala
/// blocks recorded every 10 end on a row of 5 blocks.
#[test]
fn a_shorter_last_row_in_steps_names_the_step() {
    for every in ["10", "10e"] {
        let set = format!("scenario.record_every=\"{every}\"");
        let args = ["run", "-q", "phala-paper", "--epochs", "25", "--set", &set, "--runs", "1"];
        let html = report_of(&args);
        assert!(html.contains("5 of 10 blocks (the last row, shorter)"), "{every}: no label");
        assert!(html.contains("per 10 blocks"), "{every}: the axes' interval not in blocks");
    }
}

/// The final-value chart of a sweep draws a line a combination of the other keys, in the
/// sweep's order: 6000, 8000, 10000 (as text, 10000 came first).
#[test]
fn a_sweep_s_final_value_lines_follow_the_sweep_s_order() {
    let html = report_of(&["sweep", "-q", "stratos-sweep", "--epochs", "1d", "--runs", "1"]);
    let from = html.find("Final value against").expect("the final-value section");
    let chart = &html[from..from + html[from..].find("</svg>").expect("its chart")];
    let at = |v: &str| chart.find(&format!("settle_threshold_bps = {v}\n")).expect(v);
    assert!(at("6000") < at("8000") && at("8000") < at("10000"), "legend out of order");
}

/// An interval of one step is "per block", not "per 1 blocks"; one run's nodes text gives its
/// Gini, not a range "across the 1 runs"; a sweep point whose column has no value (Trias's
/// compatibility PageRank without `compare`) draws no line and has no legend entry.
#[test]
fn one_step_one_run_and_a_point_without_values_read_as_such() {
    let set = "scenario.record_every=\"1\"";
    let args = ["run", "-q", "phala-paper", "--epochs", "3", "--set", set, "--runs", "1"];
    let html = report_of(&args);
    // The budget's own unit is "PHA per block"; the flows' axes now read so too.
    assert!(!html.contains("per 1 blocks"), "the step's label");
    assert!(html.matches("PHA per block<").count() >= 2, "the flows' axes by the step");
    assert!(!html.contains("across the 1 runs"), "one run's Gini");
    assert!(html.contains("Its Gini coefficient is"), "one run's Gini");

    let tmp = tempfile::tempdir().expect("a temp dir");
    let path = tmp.path().join("cmp.toml");
    let mut toml = std::fs::read_to_string(format!(
        "{}/../../scenarios/trias-sybil.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("trias-sybil");
    let at = toml.find("[sweep").expect("a sweep");
    toml.truncate(at);
    toml.push_str("[sweep]\nvalues = { \"economy.compare\" = [true, false] }\n");
    std::fs::write(&path, toml).expect("write");
    let out = tmp.path().join("run");
    let out = out.to_str().expect("utf-8");
    ergon(&[
        "run",
        "-q",
        path.to_str().expect("utf-8"),
        "--epochs",
        "2d",
        "--out",
        out,
        "--report",
    ]);
    let html = std::fs::read_to_string(format!("{out}/report.html")).expect("report.html");
    let compat = html.find("sybil_trust_share_compat, one line a sweep point").expect("the chart");
    let figure = &html[html[..compat].rfind("<figure").expect("its figure")..];
    let figure = &figure[..figure.find("</figure>").expect("its end")];
    assert!(figure.contains("data-series=\"1\""), "{figure}");
}

/// Runs whose nodes earned nothing have no Gini (NaN): the text says so, with no infinite range
/// and no Lorenz curve (marlin-bridge has no receivers, so no ticket pays a cluster).
#[test]
fn runs_that_paid_no_node_have_no_gini() {
    let html = report_of(&["run", "-q", "marlin-bridge", "--epochs", "10d", "--runs", "2"]);
    assert!(html.contains("No node earned anything in any of the 2 runs"), "the nodes' text");
    assert!(
        !html.contains("is inf") && !html.contains("from inf") && !html.contains("NaN"),
        "a Gini"
    );
    assert!(!html.contains("chart-lorenz"), "no Lorenz curve");
}
