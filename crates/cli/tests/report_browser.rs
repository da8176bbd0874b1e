//! `ergon report` checked in a real browser: headless Chromium (Debian's `chromium`, at
//! /usr/bin/chromium) loads report.html from file://, and the test fails on any console error,
//! uncaught exception or failed request, or on any request at all beyond the page itself; it
//! checks that every chart's SVG rendered with the number of series lines (and histogram bars)
//! its figure announces, each line with points, and saves full-page PNG screenshots as
//! artifacts in the test's temporary directory (target/tmp/report-*.png).
//!
//! Without /usr/bin/chromium the test prints why and passes, unless the environment variable CI
//! is set: under CI it must run (.ci/run installs the browser).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::{Page, Runtime};
use headless_chrome::{Browser, LaunchOptions};
use serde_json::Value;

const CHROMIUM: &str = "/usr/bin/chromium";

/// The flags the browser runs with: no network of its own, no profile reused.
const FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

fn ergon(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_ergon")).args(args).output().expect("runs ergon");
    assert!(
        out.status.success(),
        "ergon {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What the page reports about its charts, counted in the DOM after rendering.
const PROBE: &str = r#"JSON.stringify({
  requests: performance.getEntriesByType('resource').map(e => e.name),
  height: document.documentElement.scrollHeight,
  charts: [...document.querySelectorAll('figure.chart')].map(f => {
    const svg = f.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    const lines = [...f.querySelectorAll('polyline[stroke-width="2"]')];
    const bars = [...f.querySelectorAll('rect')].filter(r => r.getAttribute('fill') === '#4682B4'
      && parseFloat(r.getAttribute('height')) > 0);
    return {
      id: f.id,
      title: svg ? (svg.querySelector('text') || {textContent: ''}).textContent.trim() : '',
      want_series: +f.dataset.series,
      want_bars: +f.dataset.bars,
      series: lines.length,
      empty_series: lines.filter(l => l.getAttribute('points').trim().split(/\s+/).length < 2
        || l.getTotalLength() === 0).length,
      bars: bars.length,
      width: box.width,
      height: box.height,
    };
  }),
})"#;

/// Loads a report, checks it, saves its screenshot; returns the charts' records.
fn check(browser: &Browser, report: &Path, shot: &Path) -> Vec<Value> {
    let tab = browser.new_tab().expect("a tab");
    let problems: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&problems);
    tab.add_event_listener(Arc::new(move |event: &Event| {
        let problem = match event {
            Event::RuntimeConsoleAPICalled(e)
                if matches!(
                    e.params.Type,
                    Runtime::ConsoleAPICalledEventTypeOption::Error
                        | Runtime::ConsoleAPICalledEventTypeOption::Warning
                ) =>
            {
                Some(format!("console {:?}: {:?}", e.params.Type, e.params.args))
            }
            Event::RuntimeExceptionThrown(e) => {
                Some(format!("exception: {}", e.params.exception_details.text))
            }
            Event::LogEntryAdded(e) => Some(format!(
                "log {:?}: {} {:?}",
                e.params.entry.level, e.params.entry.text, e.params.entry.url
            )),
            Event::NetworkLoadingFailed(e) => {
                Some(format!("failed request: {}", e.params.error_text))
            }
            _ => None,
        };
        if let Some(p) = problem {
            sink.lock().expect("problems lock").push(p);
        }
    }))
    .expect("listens");
    tab.enable_log().expect("log domain");
    tab.enable_runtime().expect("runtime domain");
    tab.call_method(headless_chrome::protocol::cdp::Network::Enable {
        max_total_buffer_size: None,
        max_resource_buffer_size: None,
        max_post_data_size: None,
        report_direct_socket_traffic: None,
        enable_durable_messages: None,
    })
    .expect("network domain");
    let url = format!("file://{}", report.display());
    tab.navigate_to(&url).expect("navigates").wait_until_navigated().expect("loads");
    let probe = tab.evaluate(PROBE, false).expect("evaluates");
    let text = probe.value.and_then(|v| v.as_str().map(str::to_owned)).expect("a JSON string");
    let page: Value = serde_json::from_str(&text).expect("JSON");
    let height = page["height"].as_f64().expect("a height");
    let png = tab
        .call_method(Page::CaptureScreenshot {
            format: Some(Page::CaptureScreenshotFormatOption::Png),
            quality: None,
            clip: Some(Page::Viewport { x: 0.0, y: 0.0, width: 1280.0, height, scale: 1.0 }),
            from_surface: Some(true),
            capture_beyond_viewport: Some(true),
            optimize_for_speed: None,
        })
        .expect("a screenshot")
        .data;
    use base64::Engine as _;
    let png = base64::engine::general_purpose::STANDARD.decode(png).expect("base64");
    std::fs::write(shot, png).expect("saves the screenshot");
    println!("screenshot: {}", shot.display());
    std::thread::sleep(Duration::from_millis(200));
    let problems = problems.lock().expect("problems lock").clone();
    assert!(problems.is_empty(), "{}: {problems:#?}", report.display());
    assert_eq!(page["requests"], serde_json::json!([]), "the page made requests");
    let charts = page["charts"].as_array().expect("charts").clone();
    let html = std::fs::read_to_string(report).expect("reads the report");
    assert_eq!(charts.len(), html.matches("<figure class=\"chart\"").count());
    for c in &charts {
        assert_eq!(c["series"], c["want_series"], "series of {c}");
        assert_eq!(c["bars"], c["want_bars"], "bars of {c}");
        assert_eq!(c["empty_series"], 0, "an empty line in {c}");
        assert!(c["series"].as_u64() > Some(0) || c["bars"].as_u64() > Some(0), "{c}");
        assert!(c["width"].as_f64() > Some(600.0) && c["height"].as_f64() > Some(200.0), "{c}");
    }
    charts
}

fn by_title<'a>(charts: &'a [Value], title: &str) -> &'a Value {
    charts
        .iter()
        .find(|c| c["title"].as_str().is_some_and(|t| t.starts_with(title)))
        .unwrap_or_else(|| panic!("no chart titled {title:?} in {charts:#?}"))
}

#[test]
fn report_renders_in_chromium() {
    if !Path::new(CHROMIUM).exists() {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but {CHROMIUM} is missing: apt-get install chromium");
        }
        println!(
            "SKIPPED report_renders_in_chromium: {CHROMIUM} not found \
             (apt-get install chromium); set CI=1 to make this a failure"
        );
        return;
    }
    let tmp = tempfile::tempdir().expect("a temp dir");
    let run = tmp.path().join("run");
    let sweep = tmp.path().join("sweep");
    let (run_s, sweep_s) = (run.to_str().expect("utf-8"), sweep.to_str().expect("utf-8"));
    ergon(&["run", "-q", "--epochs", "3d", "--runs", "3", "--out", run_s, "--report"]);
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/stratos-sweep.toml");
    ergon(&["sweep", "-q", scenario, "--epochs", "2d", "--runs", "2", "--out", sweep_s]);
    ergon(&["report", sweep_s]);

    let profile = tmp.path().join("chromium-profile");
    let flags: Vec<&std::ffi::OsStr> = FLAGS.iter().map(std::ffi::OsStr::new).collect();
    let options = LaunchOptions::default_builder()
        .path(Some(PathBuf::from(CHROMIUM)))
        .headless(true)
        .sandbox(false)
        .window_size(Some((1280, 800)))
        .user_data_dir(Some(profile))
        .args(flags)
        .idle_browser_timeout(Duration::from_secs(120))
        .build()
        .expect("launch options");
    let browser = Browser::new(options).expect("starts chromium");
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));

    let charts = check(&browser, &run.join("report.html"), &out.join("report-screenshot.png"));
    // Stratos: one line a metric with its band, two for the paired charts.
    assert_eq!(by_title(&charts, "Ozone price")["series"], 1);
    assert_eq!(by_title(&charts, "Mining vs traffic rewards")["series"], 2);
    assert_eq!(by_title(&charts, "Settled vs carried traffic")["series"], 2);
    assert_eq!(by_title(&charts, "Lorenz curve")["series"], 2);
    assert!(by_title(&charts, "Histogram")["bars"].as_u64() >= Some(1));
    assert!(charts.len() >= 10, "{} charts", charts.len());

    // The other economies' catalogues (their charts and series are pinned in report_charts.rs):
    // every line drawn with points, none left empty.
    let scenarios: [(&str, &[&str]); 4] = [
        ("marlin-paper", &["--epochs", "30d"]),
        ("phala-khala", &["--epochs", "3d", "--set", "agents.vaults.count=2"]),
        ("phala-paper", &["--epochs", "3d"]),
        ("trias-exploit", &[]),
    ];
    for (name, args) in scenarios {
        let dir = tmp.path().join(name);
        let path = format!("{}/../../scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let mut all =
            vec!["run", "-q", &path, "--runs", "2", "--out", dir.to_str().expect("utf-8")];
        all.extend_from_slice(args);
        all.push("--report");
        ergon(&all);
        let shot = out.join(format!("report-{name}-screenshot.png"));
        let charts = check(&browser, &dir.join("report.html"), &shot);
        assert!(charts.len() >= 10, "{name}: {} charts", charts.len());
    }

    let charts =
        check(&browser, &sweep.join("report.html"), &out.join("report-sweep-screenshot.png"));
    // The sweep's 3 × 2 grid: six lines a time chart; final value against users.count, one
    // line for each of the 3 thresholds.
    assert_eq!(by_title(&charts, "Ozone price")["series"], 6);
    assert_eq!(by_title(&charts, "Final ozone_price_stos_per_oz")["series"], 3);
}
