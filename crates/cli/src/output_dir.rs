//! A run's output directory: created (or refused when it holds files, unless --force), filled
//! with one part file per job while the jobs run, then merged into metrics.parquet and
//! metrics.csv, with summary.json and the resolved scenario.toml beside them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ergon_core::{Metric, MetricValue, Model};
use ergon_output::{AtomicFile, Cell, Column, ColumnKind, MergeOptions, PartWriter, Schema, stat};
use ergon_sim::{Job, JobResult, JobSink, Plan, Sink};
use serde_json::{Value, json};
use toml::Value as TomlValue;

use crate::BadInput;

/// The output directory of a run.
pub(crate) struct OutDir {
    pub dir: PathBuf,
    parts: PathBuf,
    /// Whether this run created the directory (then a failed run removes it).
    created: bool,
}

impl OutDir {
    /// Removes what this run wrote (after a failure): its part files, and the directory if the
    /// run created it.
    pub(crate) fn abandon(&self) {
        let _ = std::fs::remove_dir_all(&self.parts);
        if self.created {
            let _ = std::fs::remove_dir(&self.dir);
        }
    }
}

/// Default output directory: ./ergon-out/<name>-<UTC yyyymmdd-hhmmss>.
fn default_dir(name: &str) -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let stamp =
        format!("{y:04}{m:02}{d:02}-{:02}{:02}{:02}", rem / 3_600, rem % 3_600 / 60, rem % 60);
    PathBuf::from("ergon-out").join(format!("{name}-{stamp}"))
}

/// Creates the output directory, refusing one that holds anything unless `force`.
pub(crate) fn prepare(out: Option<&Path>, name: &str, force: bool) -> Result<OutDir, BadInput> {
    let dir = out.map_or_else(|| default_dir(name), Path::to_path_buf);
    let io =
        |what: &str, e: std::io::Error| BadInput(format!("cannot {what} {}: {e}", dir.display()));
    let created = match std::fs::read_dir(&dir) {
        Ok(mut entries) => {
            if entries.next().is_some() && !force {
                return Err(BadInput(format!(
                    "output directory {} is not empty; choose another --out or pass --force",
                    dir.display()
                )));
            }
            false
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&dir).map_err(|e| io("create", e))?;
            true
        }
        Err(e) => return Err(io("read", e)),
    };
    let parts = dir.join(".parts");
    let _ = std::fs::remove_dir_all(&parts);
    std::fs::create_dir_all(&parts).map_err(|e| io("create parts in", e))?;
    Ok(OutDir { dir, parts, created })
}

/// The sink writing each job's rows to its part file.
pub(crate) struct PartSink {
    schema: Arc<Schema>,
    parts: PathBuf,
    /// Sweep values of each point, as cells.
    point_cells: Vec<Vec<Cell>>,
    sweep: bool,
    epochs_per_day: u64,
}

fn kind_of(v: &MetricValue) -> ColumnKind {
    match v {
        MetricValue::Count(_) => ColumnKind::U64,
        MetricValue::Amount { decimals, .. } => ColumnKind::Amount { decimals: *decimals },
        MetricValue::Float(_) => ColumnKind::F64,
    }
}

fn cell_of(v: &MetricValue) -> Cell {
    match *v {
        MetricValue::Count(n) => Cell::U64(n),
        MetricValue::Amount { raw, .. } => Cell::Amount(raw),
        MetricValue::Float(x) => Cell::F64(x),
    }
}

fn toml_kind(v: &TomlValue) -> ColumnKind {
    match v {
        TomlValue::Integer(_) => ColumnKind::I64,
        TomlValue::Float(_) => ColumnKind::F64,
        _ => ColumnKind::Str,
    }
}

fn toml_cell(v: &TomlValue, kind: ColumnKind) -> Cell {
    match (v, kind) {
        (TomlValue::Integer(i), ColumnKind::I64) => Cell::I64(*i),
        (TomlValue::Float(x), ColumnKind::F64) => Cell::F64(*x),
        (TomlValue::Integer(i), ColumnKind::F64) => Cell::F64(*i as f64),
        (TomlValue::String(s), _) => Cell::Str(s.clone()),
        (other, _) => Cell::Str(other.to_string()),
    }
}

/// `sweep_` and the path in snake case: `economy.params.x` → `sweep_economy_params_x`.
fn sweep_column(path: &str) -> String {
    let mut s = String::from("sweep");
    for part in path.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()) {
        s.push('_');
        s.push_str(&part.to_ascii_lowercase());
    }
    s
}

impl PartSink {
    /// The schema comes from a probe model (point 0, run 0): its metrics' names and kinds.
    pub(crate) fn new<M: Model>(plan: &Plan<M>, out: &OutDir) -> Result<PartSink, BadInput> {
        let jobs = ergon_sim::runner::jobs(plan);
        let p0 = &plan.points[0];
        let mut probe =
            M::build(&p0.config, &p0.agents, &ergon_core::RngStreams::new(jobs[0].seed))
                .map_err(|r| BadInput(format!("the economy refused its genesis: {r}")))?;
        let metrics = probe.record();
        let sweep = !plan.sweep_keys.is_empty();
        let mut columns = Vec::new();
        let mut kinds = Vec::new();
        if sweep {
            columns.push(Column::new("point", ColumnKind::U64));
            for (i, key) in plan.sweep_keys.iter().enumerate() {
                // A column's kind is the first point's; mixed lists fall back to text.
                let first = toml_kind(&p0.values[i].1);
                let same = plan.points.iter().all(|p| toml_kind(&p.values[i].1) == first);
                let kind = if same { first } else { ColumnKind::Str };
                kinds.push(kind);
                columns.push(Column::new(sweep_column(key), kind));
            }
        }
        columns.push(Column::new("run", ColumnKind::U64));
        columns.push(Column::new("epoch", ColumnKind::U64));
        columns.push(Column::new("day", ColumnKind::F64));
        for m in &metrics {
            columns.push(Column::new(m.name, kind_of(&m.value)));
        }
        let schema = Schema::new(columns).map_err(|e| BadInput(format!("metric columns: {e}")))?;
        let point_cells = plan
            .points
            .iter()
            .map(|p| p.values.iter().zip(&kinds).map(|((_, v), k)| toml_cell(v, *k)).collect())
            .collect();
        Ok(PartSink {
            schema: Arc::new(schema),
            parts: out.parts.clone(),
            point_cells,
            sweep,
            epochs_per_day: M::EPOCHS_PER_DAY,
        })
    }

    fn part_path(&self, index: usize) -> PathBuf {
        self.parts.join(format!("job-{index:07}.csv"))
    }
}

/// One job's part file.
pub(crate) struct PartJob {
    writer: PartWriter,
    prefix: Vec<Cell>,
    epochs_per_day: u64,
    row: Vec<Cell>,
}

impl Sink for PartSink {
    type Job = PartJob;
    fn open(&self, job: &Job) -> Result<PartJob, String> {
        let writer = PartWriter::create(&self.part_path(job.index), Arc::clone(&self.schema))
            .map_err(|e| e.to_string())?;
        let mut prefix = Vec::new();
        if self.sweep {
            prefix.push(Cell::U64(job.point as u64));
            prefix.extend(self.point_cells[job.point].iter().cloned());
        }
        prefix.push(Cell::U64(u64::from(job.run)));
        Ok(PartJob { writer, prefix, epochs_per_day: self.epochs_per_day, row: Vec::new() })
    }
}

impl JobSink for PartJob {
    fn row(&mut self, epoch: u64, metrics: &[Metric]) -> Result<(), String> {
        self.row.clear();
        self.row.extend(self.prefix.iter().cloned());
        self.row.push(Cell::U64(epoch));
        self.row.push(Cell::F64(epoch as f64 / self.epochs_per_day as f64));
        self.row.extend(metrics.iter().map(|m| cell_of(&m.value)));
        self.writer.write_row(&self.row).map_err(|e| e.to_string())
    }
    fn close(self) -> Result<(), String> {
        self.writer.finish().map(|_| ()).map_err(|e| e.to_string())
    }
}

/// What a finished run wrote.
pub(crate) struct Written {
    pub dir: PathBuf,
    pub rows: u64,
    /// Per point: metric name → statistics of its last value across runs.
    pub stats: Vec<BTreeMap<String, ergon_output::Stat>>,
}

/// Merges the parts, writes summary.json and scenario.toml, removes the parts.
pub(crate) fn finish<M: Model>(
    plan: &Plan<M>,
    sink: &PartSink,
    out: &OutDir,
    results: &[JobResult],
    complete: bool,
) -> Result<Written, BadInput> {
    let parts: Vec<PathBuf> = results.iter().map(|r| sink.part_path(r.job.index)).collect();
    let opts = MergeOptions {
        metadata: vec![
            ("ergon.version".into(), crate::VERSION.into()),
            ("ergon.scenario".into(), plan.header.name.clone()),
            ("ergon.seed".into(), plan.header.seed.to_string()),
            ("ergon.parameter_hash".into(), plan.hash.clone()),
            ("ergon.complete".into(), complete.to_string()),
        ],
        ..MergeOptions::default()
    };
    let merged = ergon_output::merge_parts(&parts, &sink.schema, &out.dir, &opts)
        .map_err(|e| BadInput(format!("cannot write the metrics: {e}")))?;
    let mut stats = Vec::new();
    let mut points = Vec::new();
    for (k, point) in plan.points.iter().enumerate() {
        let mut per_metric: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for r in results.iter().filter(|r| r.job.point == k) {
            for m in &r.last {
                let x = cell_of(&m.value).as_f64(kind_of(&m.value));
                per_metric.entry(m.name.to_owned()).or_default().extend(x);
            }
        }
        let s: BTreeMap<String, ergon_output::Stat> =
            per_metric.iter().filter_map(|(n, v)| stat(v).map(|s| (n.clone(), s))).collect();
        let values: serde_json::Map<String, Value> = point
            .values
            .iter()
            .map(|(p, v)| (p.clone(), serde_json::to_value(v).unwrap_or(Value::Null)))
            .collect();
        points.push(json!({"point": k, "values": values, "final": s}));
        stats.push(s);
    }
    let summary = json!({
        "scenario": plan.header.name,
        "economy": M::NAME,
        "ergon_version": crate::VERSION,
        "seed": plan.header.seed,
        "parameter_hash": plan.hash,
        "complete": complete,
        "epochs": plan.epochs,
        "record_every": plan.record_every,
        "runs": plan.header.runs,
        "sweep_keys": plan.sweep_keys,
        "rows": merged.rows,
        "statistics": "per metric, its last recorded value across runs: mean, p5, p50, p95 (linear interpolation), min, max, n",
        "points": points,
    });
    let text = serde_json::to_string_pretty(&summary).expect("a summary serializes");
    write_file(&out.dir.join("summary.json"), &text)?;
    write_file(&out.dir.join("scenario.toml"), &plan.resolved)?;
    let _ = std::fs::remove_dir_all(&out.parts);
    Ok(Written { dir: out.dir.clone(), rows: merged.rows, stats })
}

fn write_file(path: &Path, text: &str) -> Result<(), BadInput> {
    use std::io::Write;
    let err =
        |e: ergon_output::OutputError| BadInput(format!("cannot write {}: {e}", path.display()));
    let mut f = AtomicFile::create(path).map_err(err)?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.write_all(b"\n"))
        .map_err(|e| BadInput(format!("cannot write {}: {e}", path.display())))?;
    f.finish().map(|_| ()).map_err(err)
}
