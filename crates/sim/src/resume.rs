//! A job's checkpoints while it runs ([`Saver`]): the model, the step, the rows' length and the
//! last row saved through the run's [`CheckpointStore`], and read back to go on.

use ergon_core::{Metric, Model};

use crate::checkpoint::{Checkpoint, Value, decode, encode, load_model, save_model};
use crate::scenario::Plan;

/// Where a run keeps its jobs' checkpoints (one a job, each replaced whole or not at all).
pub trait CheckpointStore: Sync {
    /// Replaces job `job`'s checkpoint with `bytes`, atomically.
    fn save(&self, job: usize, bytes: &[u8]) -> Result<(), String>;
    /// Job `job`'s checkpoint, if it has one.
    fn load(&self, job: usize) -> Result<Option<Vec<u8>>, String>;
}

/// A run's checkpoints (`ergon run --checkpoint-every`, `--resume`): each job saves its model
/// after the first row at or past every `every` steps since its last checkpoint, at its end,
/// and where a stop signal ends it early.
pub struct Checkpoints<'a> {
    /// Steps between two checkpoints of a job (at least 1).
    pub every: u64,
    /// Where they are kept.
    pub store: &'a dyn CheckpointStore,
    /// Whether each job goes on from its checkpoint, where it has one (the others start over).
    pub resume: bool,
}

/// How far a job's durable rows reach: their length in bytes and the CRC-32 (IEEE) of those
/// bytes, what a checkpoint records of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PartMark {
    /// Bytes of rows.
    pub bytes: u64,
    /// CRC-32 of those bytes.
    pub crc: u32,
}

/// A job's checkpointing.
pub(crate) struct Saver<'a> {
    store: &'a dyn CheckpointStore,
    /// Steps between two checkpoints.
    pub(crate) every: u64,
    /// Whether the job goes on from its checkpoint.
    pub(crate) resume: bool,
    hash: &'a str,
    epochs: u64,
    job: usize,
    /// The metrics' names, in record order.
    names: Vec<&'static str>,
}

/// A job read back from its checkpoint.
pub(crate) struct Resumed<M> {
    pub(crate) model: M,
    pub(crate) epoch: u64,
    pub(crate) part: PartMark,
    pub(crate) done: bool,
    pub(crate) last: Vec<Metric>,
}

impl<'a> Saver<'a> {
    /// The checkpointing of job `job` (its index in the run) of sweep point `point`.
    pub(crate) fn new<M: Model>(
        plan: &'a Plan<M>,
        job: usize,
        point: usize,
        c: &Checkpoints<'a>,
    ) -> Saver<'a> {
        let point = &plan.points[point];
        Saver {
            store: c.store,
            every: c.every.max(1),
            resume: c.resume,
            hash: &plan.hash,
            epochs: plan.epochs,
            job,
            names: M::columns(&point.config, &point.agents).iter().map(|c| c.name).collect(),
        }
    }

    /// Saves `model` at `epoch`, after the durable rows `part`; `last` is the last row, `done`
    /// whether the job has run to its end.
    pub(crate) fn save<M: Model>(
        &self,
        model: &M,
        epoch: u64,
        part: PartMark,
        last: &[Metric],
        done: bool,
    ) -> Result<(), String> {
        let state = save_model(model).map_err(|e| format!("saving the model: {e}"))?;
        let c = Checkpoint {
            hash: self.hash.to_owned(),
            job: self.job as u64,
            epoch,
            part_bytes: part.bytes,
            part_crc: part.crc,
            done,
            last: last.iter().map(|m| Value::from(m.value)).collect(),
            state,
        };
        let bytes = encode(&c).map_err(|e| e.to_string())?;
        self.store.save(self.job, &bytes)
    }

    /// Checks the job's checkpoint, when it has one, as [`Saver::load`] would, without
    /// reading its model back, and returns the rows it recorded: a resumed run checks every
    /// job's, and those rows, before any job goes on, so a bad one changes nothing.
    pub(crate) fn verify(&self) -> Result<Option<PartMark>, String> {
        let Some(bytes) = self.store.load(self.job)? else {
            return Ok(None);
        };
        let c =
            decode(&bytes, self.hash, self.job as u64, self.epochs).map_err(|e| e.to_string())?;
        Ok(Some(PartMark { bytes: c.part_bytes, crc: c.part_crc }))
    }

    /// The job's checkpoint read back, or `None` when it has none. Every check of
    /// [`decode`] applies, and the model must have run the checkpoint's steps.
    pub(crate) fn load<M: Model>(&self) -> Result<Option<Resumed<M>>, String> {
        let Some(bytes) = self.store.load(self.job)? else {
            return Ok(None);
        };
        let c =
            decode(&bytes, self.hash, self.job as u64, self.epochs).map_err(|e| e.to_string())?;
        let model: M = load_model(&c.state).map_err(|e| e.to_string())?;
        if model.epochs_done() != c.epoch {
            return Err(format!(
                "corrupt: its model has run {} steps, the checkpoint says {}",
                model.epochs_done(),
                c.epoch
            ));
        }
        if c.last.len() != self.names.len() {
            return Err(format!(
                "corrupt: its last row has {} values for {} columns",
                c.last.len(),
                self.names.len()
            ));
        }
        let last =
            self.names.iter().zip(&c.last).map(|(&name, &v)| Metric { name, value: v.into() });
        Ok(Some(Resumed {
            last: last.collect(),
            model,
            epoch: c.epoch,
            part: PartMark { bytes: c.part_bytes, crc: c.part_crc },
            done: c.done,
        }))
    }
}
