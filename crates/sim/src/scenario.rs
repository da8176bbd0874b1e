//! Scenario files (TOML) and their validation into a typed [`Plan`]: nothing runs until every
//! field has been checked, and every problem is reported with its file, line, field and value
//! (docs/scenarios.md).
//!
//! ```toml
//! [scenario]
//! name = "stratos-paper"
//! economy = "stratos"
//! duration = "1y"        # steps (an integer), or "<n>" + e, s, min, h, d, w or y
//! seed = 42
//! runs = 8
//! record_every = "1d"
//!
//! [economy]              # the economy's section (profile, params, …)
//! [agents]               # the economy's populations and behaviours
//!
//! [sweep]                # optional: a grid of values, by dotted path
//! mode = "grid"          # or "zip"
//! values = { "economy.params.settle_threshold_bps" = [7000, 8000, 9000] }
//! ```

use ergon_core::model::SECONDS_PER_DAY;
use ergon_core::{FieldError, Model};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::{Table, Value};

use crate::diag::{Diagnostic, Diagnostics, PROBLEMS_SHOWN, Source, toml_keys, with_suggestion};
use crate::sweep::{Combo, combinations, describe};
use point::point_sections;
pub use set::{option_set_twice, run_overrides};
use set::{parse_value, set_path};
use shape::{bad_values, list_for_table, listed_tables, swept_set, within};
pub(crate) use spans::key_and_index;
use spans::span_of;

mod duration;
mod kinds;
mod point;
mod set;
mod shape;
mod spans;
pub use crate::sweep::{POINTS_MAX, Sweep, SweepMode};
pub use duration::Duration;

/// Most Monte Carlo runs per sweep point.
pub const RUNS_MAX: u32 = 100_000;
/// Most jobs (points × runs).
pub const JOBS_MAX: u64 = 1_000_000;
/// Most steps (epochs, blocks) of a run: 38 years of 12-second blocks.
pub const EPOCHS_MAX: u64 = 100_000_000;
/// Most recorded rows per run.
pub const ROWS_PER_RUN_MAX: u64 = 10_000_000;

/// The `[scenario]` section.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Scenario name (output directories are named after it).
    pub name: String,
    /// The economy (`stratos`, …).
    pub economy: String,
    /// One line about the scenario.
    #[serde(default)]
    pub description: String,
    /// How long each run lasts.
    pub duration: Duration,
    /// Master seed.
    #[serde(default)]
    pub seed: u64,
    /// Monte Carlo runs per sweep point.
    #[serde(default = "one")]
    pub runs: u32,
    /// Steps between recorded rows (the first row is the genesis, the last the end).
    #[serde(default = "day")]
    pub record_every: Duration,
}

fn one() -> u32 {
    1
}

fn day() -> Duration {
    Duration::Text("1d".into())
}

/// A whole scenario file of model `M`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, bound = "")]
pub struct File<M: Model> {
    /// `[scenario]`.
    pub scenario: Header,
    /// `[economy]`.
    #[serde(default)]
    pub economy: M::Config,
    /// `[agents]`.
    #[serde(default)]
    pub agents: M::Agents,
    /// `[sweep]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Sweep>,
}

/// One point of a sweep (the only point when there is no sweep).
#[derive(Clone, Debug)]
pub struct Point<M: Model> {
    /// The swept values, by path (empty without a sweep).
    pub values: Vec<(String, Value)>,
    /// The economy section at this point.
    pub config: M::Config,
    /// The agents section at this point.
    pub agents: M::Agents,
}

/// A validated scenario, ready to run.
#[derive(Clone, Debug)]
pub struct Plan<M: Model> {
    /// The `[scenario]` section after overrides.
    pub header: Header,
    /// Steps (the model's epochs or blocks) of each run.
    pub epochs: u64,
    /// Steps between rows.
    pub record_every: u64,
    /// The sweep's keys, in column order (empty without a sweep).
    pub sweep_keys: Vec<String>,
    /// The points.
    pub points: Vec<Point<M>>,
    /// The scenario after overrides, as TOML, every default written out.
    pub resolved: String,
    /// SHA-256 of `resolved`, hex.
    pub hash: String,
}

/// The economy a scenario names, read before its model is known, and where (`file:line:column`).
pub fn economy_of(source: Source<'_>) -> Result<(String, String), Diagnostics> {
    #[derive(Deserialize)]
    struct Peek {
        scenario: PeekHeader,
    }
    #[derive(Deserialize)]
    struct PeekHeader {
        economy: toml::Spanned<String>,
    }
    toml::from_str::<Peek>(source.text)
        .map(|p| {
            let at = source.locate(p.scenario.economy.span().start).0;
            (p.scenario.economy.into_inner(), at)
        })
        .map_err(|e| {
            // `[[scenario]]`: a list, which the peek would read field by field.
            let listed = toml::de::DeTable::parse(source.text).ok().and_then(|t| {
                let s = t.get_ref().get("scenario")?;
                matches!(s.get_ref(), toml::de::DeValue::Array(_)).then(|| s.span())
            });
            let d = match listed {
                Some(span) => source.diagnostic(
                    Some(span),
                    Some("scenario".into()),
                    list_for_table("scenario"),
                ),
                None => toml_diagnostic(source, &e, None),
            };
            Diagnostics(vec![d])
        })
}

fn toml_diagnostic(source: Source<'_>, e: &toml::de::Error, origin: Option<&str>) -> Diagnostic {
    let message = with_suggestion(e.message());
    let field = toml_keys(e);
    match origin {
        Some(o) => Diagnostic { location: o.to_owned(), field, message, snippet: None },
        None => source.diagnostic(e.span(), field, message),
    }
}

/// Parses, overrides (`--set path=value`, applied in order), expands the sweep and validates
/// every point. `overrides` are (path, TOML value text) pairs.
pub fn plan<M: Model>(
    source: Source<'_>,
    overrides: &[(String, String)],
) -> Result<Plan<M>, Diagnostics> {
    plan_with::<M>(source, overrides, None)
}

/// How a problem of the sweep given to [`plan_with`] is located: this, then the value's path in
/// the resolved scenario (`sweep.values."agents.users.count"[0]`, `sweep.values."KEY"`,
/// `sweep.values`), as a `--set`'s problem is at `--set PATH=VALUE`. The caller names it as its
/// user gave the sweep (`grid["agents.users.count"][0]=5` in Python).
pub const GIVEN_SWEEP: &str = "the sweep given: ";

/// [`plan`], with `sweep` (when given) in place of the file's `[sweep]` section: the grid a
/// program passes (`ergon.sweep(grid=…)` in Python). It is part of the resolved scenario, so of
/// the parameter hash. Its problems are located at [`GIVEN_SWEEP`], not in the file.
pub fn plan_with<M: Model>(
    source: Source<'_>,
    overrides: &[(String, String)],
    sweep: Option<&Sweep>,
) -> Result<Plan<M>, Diagnostics> {
    let (mut file, table) = read_with_overrides::<M>(source, overrides)?;
    if let Some(s) = sweep {
        file.sweep = Some(s.clone());
    }
    if let Some(d) = file.sweep.as_ref().and_then(|s| swept_set(s, overrides, sweep.is_some())) {
        return Err(Diagnostics(vec![d]));
    }
    let spans = toml::de::DeTable::parse(source.text).ok();
    let given = sweep.is_some();
    let mut report = Report { source, overrides, given, spans, errs: Vec::new(), found: 0 };
    let odd = bad_values(&table, file.sweep.as_ref());
    if !odd.is_empty() {
        for (path, why) in odd {
            report.add(&path, why.into());
        }
        return Err(Diagnostics::listed(report.errs, report.found, source.name));
    }
    let (epochs, record_every) = check_header::<M>(&file.scenario, &mut report);
    let (sweep_keys, points) = sweep_points(&file, &table, &mut report);
    if report.found > 0 {
        return Err(Diagnostics::listed(report.errs, report.found, source.name));
    }
    let resolved = toml::to_string(&file).map_err(|e| {
        Diagnostics(vec![Diagnostic {
            location: source.name.into(),
            field: None,
            message: format!("cannot write the resolved scenario: {e}"),
            snippet: None,
        }])
    })?;
    let hash = Sha256::digest(resolved.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    Ok(Plan { header: file.scenario, epochs, record_every, sweep_keys, points, resolved, hash })
}

/// The file, parsed alone so that errors point into it, then with the overrides applied to its
/// table (returned too, for the sweep to edit). An override that does not fit is an error
/// naming it.
fn read_with_overrides<M: Model>(
    source: Source<'_>,
    overrides: &[(String, String)],
) -> Result<(File<M>, Table), Diagnostics> {
    let fail = |d: Diagnostic| Diagnostics(vec![d]);
    let mut table: Table =
        toml::from_str(source.text).map_err(|e| fail(toml_diagnostic(source, &e, None)))?;
    // A list of tables where a table belongs, named before the reading takes it field by field.
    let lists = listed_tables::<M>(&table, &|_| true);
    if !lists.is_empty() {
        let spans = toml::de::DeTable::parse(source.text).ok();
        let span = |path: &str| spans.as_ref().and_then(|t| span_of(t.get_ref(), path));
        let d = |p: &String| source.diagnostic(span(p), Some(p.clone()), list_for_table(p));
        return Err(Diagnostics(lists.iter().map(d).collect()));
    }
    let file: File<M> =
        toml::from_str(source.text).map_err(|e| kinds::read_problems::<M>(source, &table, &e))?;
    for (i, (path, text)) in overrides.iter().enumerate() {
        // A `--set` that a later one of the same path (or of a table holding it) replaces whole
        // never holds: only the one that holds is read and checked.
        if overrides[i + 1..].iter().any(|(later, _)| within(later, path)) {
            continue;
        }
        let origin = format!("--set {path}={text}");
        if path.starts_with("sweep") {
            return Err(fail(at(&origin, path, "the sweep cannot be set from the command line")));
        }
        parse_value(text)
            .and_then(|v| set_path(&mut table, path, v))
            .map_err(|m| fail(at(&origin, path, &m)))?;
        if let Some(list) = listed_tables::<M>(&table, &|p| within(path, p)).first() {
            return Err(fail(at(&origin, list, &list_for_table(list))));
        }
        if let Err(e) = Table::try_into::<File<M>>(table.clone()) {
            // A key inside a table the --set gave, when the reader names it.
            let inner = toml_keys(&e).filter(|k| within(path, k));
            let field = inner.as_deref().unwrap_or(path);
            return Err(fail(at(&origin, field, &kinds::read_message::<M>(&table, &e))));
        }
    }
    if overrides.is_empty() {
        return Ok((file, table));
    }
    let file = table.clone().try_into().map_err(|e: toml::de::Error| {
        fail(Diagnostic {
            location: "--set".into(),
            field: toml_keys(&e),
            message: kinds::read_message::<M>(&table, &e),
            snippet: None,
        })
    })?;
    Ok((file, table))
}

/// The problems found in a scenario, each located in the file or at the `--set` it came from.
struct Report<'a> {
    source: Source<'a>,
    overrides: &'a [(String, String)],
    /// Whether the sweep is the one given to [`plan_with`] (located at [`GIVEN_SWEEP`]).
    given: bool,
    spans: Option<toml::Spanned<toml::de::DeTable<'a>>>,
    /// The first [`PROBLEMS_SHOWN`] problems found.
    errs: Vec<Diagnostic>,
    /// How many were found.
    found: usize,
}

impl Report<'_> {
    /// Records `message` about the field at dotted `path` (counted only, past the first
    /// [`PROBLEMS_SHOWN`]: a sweep of 10^4 bad points must not copy 10^4 snippets).
    fn add(&mut self, path: &str, message: String) {
        self.add_at(path, path, message);
    }

    /// [`Report::add`] of the field at `path` located at the value at `at` (a sweep's).
    fn add_at(&mut self, at: &str, path: &str, message: String) {
        self.found += 1;
        if self.errs.len() >= PROBLEMS_SHOWN {
            return;
        }
        let mut d = self.origin_of(at);
        d.field = Some(path.to_owned());
        d.message = message;
        self.errs.push(d);
    }

    /// Where the value at `path` comes from: the `--set` that set it (the last of several, which
    /// is the one that holds), or one inside it (a table's problem after a `--set` of one of its
    /// keys), the sweep given to [`plan_with`] (a `sweep.…` path: not the file's, which it
    /// replaced), or its place in the file.
    fn origin_of(&self, path: &str) -> Diagnostic {
        if self.given && within("sweep", path) {
            return at(&format!("{GIVEN_SWEEP}{path}"), path, "");
        }
        let from_set = self.overrides.iter().rfind(|(p, _)| within(p, path) || within(path, p));
        let locate = |path: &str| self.spans.as_ref().and_then(|t| span_of(t.get_ref(), path));
        match (from_set, locate(path)) {
            (Some((p, v)), _) => at(&format!("--set {p}={v}"), path, ""),
            (None, span) => self.source.diagnostic(span, Some(path.to_owned()), String::new()),
        }
    }
}

/// The longest scenario name (its output directory's name adds 16 characters and a suffix).
const NAME_MAX: usize = 200;

/// Checks the `[scenario]` section; returns the run length and the steps between rows (0 and 1
/// in place of a bad value, which is reported).
fn check_header<M: Model>(h: &Header, report: &mut Report<'_>) -> (u64, u64) {
    if !M::NAME.eq(&h.economy) {
        report.add("scenario.economy", format!("{:?} is not {:?}", h.economy, M::NAME));
    }
    if h.name.is_empty()
        || !h.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        report.add("scenario.name", format!("{:?}: use letters, digits, - and _", h.name));
    } else if h.name.len() > NAME_MAX {
        // The default output directory is the name and a 16-character stamp: file systems
        // take names of 255 bytes.
        let n = h.name.len();
        report.add("scenario.name", format!("{n} characters: at most {NAME_MAX}"));
    }
    // Naming EPOCHS_PER_DAY makes the compiler check that the step length divides a day.
    debug_assert_eq!(M::EPOCHS_PER_DAY * M::STEP_SECONDS, SECONDS_PER_DAY);
    let epochs = run_epochs::<M>(&h.duration, report);
    let record_every = row_interval::<M>(&h.record_every, epochs, report);
    if h.runs == 0 || h.runs > RUNS_MAX {
        report.add("scenario.runs", format!("{}; must be 1 to {RUNS_MAX}", h.runs));
    }
    (epochs, record_every)
}

/// `scenario.duration` in steps, 1 to [`EPOCHS_MAX`]; 0 if it is bad.
fn run_epochs<M: Model>(value: &Duration, report: &mut Report<'_>) -> u64 {
    let unit = M::STEP_NAME;
    match value.steps(M::STEP_SECONDS, unit) {
        Ok(n) if (1..=EPOCHS_MAX).contains(&n) => n,
        Ok(n) => {
            let message = format!("{value} is {n} {unit}s; must be 1 to {EPOCHS_MAX}");
            report.add("scenario.duration", message);
            0
        }
        Err(m) => {
            report.add("scenario.duration", m);
            0
        }
    }
}

/// `scenario.record_every` in steps: at least 1, and at most [`ROWS_PER_RUN_MAX`] rows in a run
/// of `epochs` steps; 1 if it is not a duration or is 0.
fn row_interval<M: Model>(value: &Duration, epochs: u64, report: &mut Report<'_>) -> u64 {
    let unit = M::STEP_NAME;
    match value.steps(M::STEP_SECONDS, unit) {
        Ok(0) => {
            let message = format!("{value} is 0 {unit}s; must be at least 1");
            report.add("scenario.record_every", message);
            1
        }
        Ok(n) if epochs / n > ROWS_PER_RUN_MAX => {
            let rows = epochs / n;
            report.add(
                "scenario.record_every",
                format!(
                    "{value} is a row every {n} {unit}s, {rows} rows a run; \
                     at most {ROWS_PER_RUN_MAX}"
                ),
            );
            n
        }
        Ok(n) => n,
        Err(m) => {
            report.add("scenario.record_every", m);
            1
        }
    }
}

/// The sweep's keys and its points, each validated by the model (one point without a sweep).
fn sweep_points<M: Model>(
    file: &File<M>,
    table: &Table,
    report: &mut Report<'_>,
) -> (Vec<String>, Vec<Point<M>>) {
    let (keys, combos) = match &file.sweep {
        None => (Vec::new(), vec![Vec::new()]),
        Some(s) => match combinations(s) {
            Ok(c) => (s.values.keys().cloned().collect(), c),
            Err((path, m)) => {
                report.add(&path, m);
                (Vec::new(), vec![Vec::new()])
            }
        },
    };
    let runs = file.scenario.runs;
    let jobs = combos.len() as u64 * u64::from(runs);
    if combos.len() > POINTS_MAX || jobs > JOBS_MAX {
        let points = combos.len();
        report.add(
            "sweep.values",
            format!(
                "{points} points × {runs} runs; at most {POINTS_MAX} points and {JOBS_MAX} jobs"
            ),
        );
    }
    let mut points = Vec::new();
    // Each point edits this table (the file's without its sweep), copied once a point.
    let mut base = table.clone();
    base.remove("sweep");
    // The file's own problems, without its sweep: one every point shares, of a value no swept
    // key touches, is the file's, said once at its place rather than at each point.
    let file_errs = match (&file.sweep, M::validate(&file.economy, &file.agents)) {
        (Some(_), Err(fe)) => fe,
        _ => Vec::new(),
    };
    let swept_keys: Vec<&String> = file.sweep.iter().flat_map(|s| s.values.keys()).collect();
    let swept = |path: &str| {
        swept_keys.iter().any(|k| {
            within(k, path)
                || within(path, k)
                || path.strip_prefix(k.as_str()).is_some_and(|r| r.starts_with('['))
        })
    };
    let mut checked = Vec::new();
    for (k, combo) in combos.iter().enumerate() {
        match point_sections(file, &base, combo) {
            Err((at, path, m)) => {
                report.add_at(&at, &path, format!("sweep point {k} ({}): {m}", describe(combo)));
            }
            Ok((config, agents)) => {
                checked.push((k, M::validate(&config, &agents).err().unwrap_or_default()));
                points.push(Point { values: combo.clone(), config, agents });
            }
        }
    }
    let shared: Vec<bool> = file_errs
        .iter()
        .map(|e| {
            !swept(&e.path) && !checked.is_empty() && checked.iter().all(|(_, fe)| fe.contains(e))
        })
        .collect();
    for (k, fe) in checked {
        let own =
            fe.into_iter().filter(|e| !file_errs.iter().zip(&shared).any(|(f, &s)| s && f == e));
        validate_point((k, &combos[k], file.sweep.as_ref()), own, report);
    }
    if let Some((path, m)) = point::mixed_columns(&points).filter(|_| report.found == 0) {
        report.add(&path, m);
    }
    // A swept key's own value in the file is replaced at every point, so no point checks it:
    // a value no point could take is refused all the same, not kept in the scenario as run.
    for (FieldError { path, message }, shared) in file_errs.into_iter().zip(shared) {
        if shared {
            report.add(&path, with_suggestion(&message));
        } else if swept(&path) {
            let m = format!("{message} (the sweep replaces this value; fix or remove it)");
            report.add(&path, with_suggestion(&m));
        }
    }
    (keys, points)
}

/// Reports the problems `fe` the model finds with point `k` (values `combo` of `sweep`), each
/// problem of a swept value located at its place in the sweep.
fn validate_point(
    (k, combo, sweep): (usize, &Combo, Option<&Sweep>),
    fe: impl Iterator<Item = FieldError>,
    report: &mut Report<'_>,
) {
    for FieldError { path, message } in fe {
        if combo.is_empty() {
            report.add(&path, with_suggestion(&message));
            continue;
        }
        let label = format!("sweep point {k} ({}): {message}", describe(combo));
        let at = point::swept_item(sweep, combo, &path);
        report.add_at(at.as_deref().unwrap_or(&path), &path, with_suggestion(&label));
    }
}

fn at(origin: &str, path: &str, message: &str) -> Diagnostic {
    Diagnostic {
        location: origin.to_owned(),
        field: Some(path.to_owned()),
        message: message.to_owned(),
        snippet: None,
    }
}
