//! The sink of a run: each job's rows go to its own part file in the run's
//! [`OutDir`](crate::OutDir), as cells of one [`Schema`] — the sweep point and its values (in a
//! sweep), the run, the epoch and the day, then the model's metrics, laid out from
//! [`Model::columns`].

use std::path::PathBuf;
use std::sync::Arc;

use ergon_core::{ColumnSpec, Metric, MetricKind, MetricValue, Model};
use std::io::Write;

use ergon_sim::{CheckpointStore, Job, JobSink, PartMark, Plan, Sink};
use toml::Value as TomlValue;

use crate::atomic::AtomicFile;
use crate::error::OutputError;
use crate::part::PartWriter;
use crate::run_dir::OutDir;
use crate::schema::{Cell, Column, ColumnKind, Schema};

/// The column type of a metric kind.
pub(crate) fn column_kind(kind: MetricKind) -> ColumnKind {
    match kind {
        MetricKind::Count => ColumnKind::U64,
        MetricKind::Amount { decimals } => ColumnKind::Amount { decimals },
        MetricKind::Float => ColumnKind::F64,
    }
}

/// The cell of a metric value.
pub(crate) fn cell_of(v: &MetricValue) -> Cell {
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

/// The sink writing each job's rows to its part file.
#[derive(Debug)]
pub struct PartSink {
    pub(crate) schema: Arc<Schema>,
    /// The run's `.parts` directory.
    parts: PathBuf,
    /// Sweep values of each point, as cells.
    point_cells: Vec<Vec<Cell>>,
    sweep: bool,
    epochs_per_day: u64,
}

impl PartSink {
    /// The sink of `plan`'s jobs, writing into `out`, run by the build `version` (recorded in
    /// `.parts/run.json`). The metric columns are the model's [`Model::columns`] at the first
    /// point; a sweep column's kind is that of its values (text when they mix kinds).
    pub fn new<M: Model>(
        plan: &Plan<M>,
        out: &OutDir,
        version: &str,
    ) -> Result<PartSink, OutputError> {
        let p0 = &plan.points[0];
        let sweep = !plan.sweep_keys.is_empty();
        let mut columns = Vec::new();
        let mut kinds = Vec::new();
        if sweep {
            columns.push(Column::new("point", ColumnKind::U64));
            for (i, key) in plan.sweep_keys.iter().enumerate() {
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
        for ColumnSpec { name, kind } in M::columns(&p0.config, &p0.agents) {
            columns.push(Column::new(name, column_kind(kind)));
        }
        let schema = Schema::new(columns).map_err(|e| OutputError::Columns(Box::new(e)))?;
        let mut manifest = crate::inspect::Manifest::of(plan, &schema, version);
        manifest.checkpoint_every = out.checkpoint_every;
        crate::inspect::write_manifest(&out.parts, &manifest)?;
        if out.checkpoint_every.is_some() && !out.is_resumed() {
            // Whole or absent, as run.json: a resume reads both.
            crate::atomic::write_whole(&out.resolved_scenario(), plan.resolved.as_bytes())?;
        }
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

    /// The schema of every row.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The part file of job `index`.
    pub(crate) fn part_path(&self, index: usize) -> PathBuf {
        self.parts.join(format!("job-{index:07}.csv"))
    }
}

/// One job's part file.
#[derive(Debug)]
pub struct PartJob {
    writer: PartWriter,
    prefix: Vec<Cell>,
    epochs_per_day: u64,
    row: Vec<Cell>,
}

impl PartSink {
    /// The checkpoint file of job `index`.
    pub(crate) fn checkpoint_path(&self, index: usize) -> PathBuf {
        self.parts.join(format!("job-{index:07}.ckpt"))
    }

    fn job(&self, job: &Job, writer: PartWriter) -> PartJob {
        let mut prefix = Vec::new();
        if self.sweep {
            prefix.push(Cell::U64(job.point as u64));
            prefix.extend(self.point_cells[job.point].iter().cloned());
        }
        prefix.push(Cell::U64(u64::from(job.run)));
        PartJob { writer, prefix, epochs_per_day: self.epochs_per_day, row: Vec::new() }
    }
}

impl Sink for PartSink {
    type Job = PartJob;
    fn open(&self, job: &Job) -> Result<PartJob, String> {
        let writer = PartWriter::create(&self.part_path(job.index), Arc::clone(&self.schema))
            .map_err(|e| e.to_string())?;
        Ok(self.job(job, writer))
    }
    fn check(&self, job: &Job, mark: PartMark) -> Result<(), String> {
        let path = self.part_path(job.index);
        PartWriter::check_rows(&path, mark.bytes, mark.crc).map(|_| ()).map_err(|e| e.to_string())
    }
    fn reopen(&self, job: &Job, mark: PartMark) -> Result<PartJob, String> {
        let path = self.part_path(job.index);
        let writer = PartWriter::reopen(&path, Arc::clone(&self.schema), mark.bytes, mark.crc)
            .map_err(|e| e.to_string())?;
        Ok(self.job(job, writer))
    }
}

/// Each job's checkpoint in `.parts/job-NNNNNNN.ckpt`, replaced atomically (written to a
/// temporary name, synced, renamed).
impl CheckpointStore for PartSink {
    fn save(&self, job: usize, bytes: &[u8]) -> Result<(), String> {
        let path = self.checkpoint_path(job);
        // The file's errors name it; a write's is the operating system's alone.
        let mut file = AtomicFile::create(&path).map_err(|e| e.to_string())?;
        file.write_all(bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        file.finish().map(|_| ()).map_err(|e| e.to_string())
    }
    fn load(&self, job: usize) -> Result<Option<Vec<u8>>, String> {
        let path = self.checkpoint_path(job);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
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
    fn sync(&mut self) -> Result<PartMark, String> {
        let (bytes, crc) = self.writer.sync().map_err(|e| e.to_string())?;
        Ok(PartMark { bytes, crc })
    }
    fn close(self) -> Result<(), String> {
        self.writer.finish().map(|_| ()).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_columns_are_snake_case_paths() {
        assert_eq!(sweep_column("economy.params.x"), "sweep_economy_params_x");
        assert_eq!(sweep_column("agents.users.Count"), "sweep_agents_users_count");
    }

    #[test]
    fn metric_kinds_become_column_kinds() {
        assert_eq!(
            column_kind(MetricKind::Amount { decimals: 9 }),
            ColumnKind::Amount { decimals: 9 }
        );
        let v = MetricValue::Amount { raw: 5, decimals: 9 };
        assert_eq!(cell_of(&v).as_f64(column_kind(v.kind())), Some(5e-9));
    }
}
