//! A block-based test economy for the runner: 12-second blocks, a budget minted every block
//! (a fifth to the treasury, the rest to the workers), the budget × 3/4 every 180 days, and a
//! heartbeat every 300 blocks. `Blocks<false>` steps block by block through the default
//! [`Model::advance`]; `Blocks<true>` overrides it to jump through a chunk in closed form.
//! Also a sink that keeps every row in memory.

#![allow(dead_code)]

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use ergon_core::{
    ColumnSpec, FieldError, Metric, MetricKind, MetricValue, Model, Rejection, RngStreams,
    Violation,
};
use ergon_sim::{Control, Job, JobSink, PartMark, Sink, Source};
use serde::{Deserialize, Serialize};

/// Blocks in 180 days of 12-second blocks.
pub const DECAY_BLOCKS: u64 = 180 * 7_200;
/// Blocks between heartbeats.
pub const HEARTBEAT_BLOCKS: u64 = 300;
/// Khala's budget, 187.8783 PHA a block, in pico-PHA (12 decimals).
pub const BUDGET_PICO: u64 = 187_878_300_000_000;

/// The `[economy]` section.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The budget of the first block, in pico-PHA.
    pub budget_per_block: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config { budget_per_block: BUDGET_PICO }
    }
}

/// The `[agents]` section: none.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agents {}

/// The block economy; `JUMP` overrides [`Model::advance`].
#[derive(Debug, Serialize, Deserialize)]
pub struct Blocks<const JUMP: bool> {
    blocks: u64,
    budget: u128,
    minted: u128,
    treasury: u128,
    workers: u128,
    heartbeats: u64,
    minted_since_record: u128,
}

impl<const JUMP: bool> Blocks<JUMP> {
    /// Runs `n` blocks at the current budget, none of them the last before a decay.
    fn run_flat(&mut self, n: u64) {
        let to_treasury = self.budget / 5;
        let minted = u128::from(n) * self.budget;
        self.minted += minted;
        self.minted_since_record += minted;
        self.treasury += u128::from(n) * to_treasury;
        self.workers += u128::from(n) * (self.budget - to_treasury);
        self.heartbeats += (self.blocks + n) / HEARTBEAT_BLOCKS - self.blocks / HEARTBEAT_BLOCKS;
        self.blocks += n;
    }

    fn decay_if_due(&mut self) {
        if self.blocks.is_multiple_of(DECAY_BLOCKS) {
            self.budget = self.budget * 3 / 4;
        }
    }
}

fn amount(name: &'static str, raw: u128) -> Metric {
    Metric { name, value: MetricValue::Amount { raw, decimals: 12 } }
}

fn count(name: &'static str, n: u64) -> Metric {
    Metric { name, value: MetricValue::Count(n) }
}

impl<const JUMP: bool> Model for Blocks<JUMP> {
    const NAME: &'static str = "blocks";
    const STEP_SECONDS: u64 = 12;
    const STEP_NAME: &'static str = "block";
    type Config = Config;
    type Agents = Agents;

    fn validate(config: &Config, _: &Agents) -> Result<(), Vec<FieldError>> {
        if config.budget_per_block == 0 {
            return Err(vec![FieldError::new("economy.budget_per_block", "must be positive")]);
        }
        Ok(())
    }

    fn build(config: &Config, _: &Agents, _: &RngStreams) -> Result<Self, Rejection> {
        Ok(Blocks {
            blocks: 0,
            budget: u128::from(config.budget_per_block),
            minted: 0,
            treasury: 0,
            workers: 0,
            heartbeats: 0,
            minted_since_record: 0,
        })
    }

    fn step(&mut self) -> Result<(), Violation> {
        self.run_flat(1);
        self.decay_if_due();
        Ok(())
    }

    fn advance(&mut self, steps: u64) -> Result<(), Violation> {
        if !JUMP {
            for _ in 0..steps {
                self.step()?;
            }
            return Ok(());
        }
        let end = self.blocks + steps;
        while self.blocks < end {
            let to_decay = DECAY_BLOCKS - self.blocks % DECAY_BLOCKS;
            self.run_flat(to_decay.min(end - self.blocks));
            self.decay_if_due();
        }
        Ok(())
    }

    fn epochs_done(&self) -> u64 {
        self.blocks
    }

    fn columns(_: &Self::Config, _: &Self::Agents) -> Vec<ColumnSpec> {
        let (c, a) = (MetricKind::Count, MetricKind::Amount { decimals: 12 });
        [
            ("blocks", c),
            ("budget_per_block_pha", a),
            ("minted_pha", a),
            ("treasury_pha", a),
            ("workers_pha", a),
            ("heartbeats", c),
            ("minted_since_record_pha", a),
        ]
        .map(|(name, kind)| ColumnSpec::new(name, kind))
        .to_vec()
    }

    fn record(&mut self) -> Vec<Metric> {
        let flow = std::mem::take(&mut self.minted_since_record);
        vec![
            count("blocks", self.blocks),
            amount("budget_per_block_pha", self.budget),
            amount("minted_pha", self.minted),
            amount("treasury_pha", self.treasury),
            amount("workers_pha", self.workers),
            count("heartbeats", self.heartbeats),
            amount("minted_since_record_pha", flow),
        ]
    }

    fn check_invariants(&self) -> Result<(), Violation> {
        if self.minted != self.treasury + self.workers {
            return Err(Violation::new(
                "blocks conservation",
                format!("minted {} ≠ {} + {}", self.minted, self.treasury, self.workers),
            ));
        }
        Ok(())
    }
}

/// A job's rows: (step, metrics).
pub type Rows = Vec<(u64, Vec<Metric>)>;

/// Keeps every job's rows, by job index.
#[derive(Default)]
pub struct Memory {
    /// (job index, rows) as the jobs closed.
    pub jobs: Mutex<Vec<(usize, Rows)>>,
}

/// One job's rows in memory.
pub struct MemoryJob<'a> {
    index: usize,
    rows: Rows,
    into: &'a Mutex<Vec<(usize, Rows)>>,
}

impl<'s> Sink for &'s Memory {
    type Job = MemoryJob<'s>;
    fn open(&self, job: &Job) -> Result<MemoryJob<'s>, String> {
        Ok(MemoryJob { index: job.index, rows: Vec::with_capacity(512), into: &self.jobs })
    }
    fn check(&self, _: &Job, _: PartMark) -> Result<(), String> {
        Err("rows in memory do not outlive the run".to_owned())
    }
    fn reopen(&self, _: &Job, _: PartMark) -> Result<MemoryJob<'s>, String> {
        Err("rows in memory do not outlive the run".to_owned())
    }
}

impl JobSink for MemoryJob<'_> {
    fn row(&mut self, epoch: u64, metrics: &[Metric]) -> Result<(), String> {
        self.rows.push((epoch, metrics.to_vec()));
        Ok(())
    }
    fn sync(&mut self) -> Result<PartMark, String> {
        Ok(PartMark { bytes: self.rows.len() as u64, crc: 0 })
    }
    fn close(self) -> Result<(), String> {
        self.into.lock().map_err(|e| e.to_string())?.push((self.index, self.rows));
        Ok(())
    }
}

/// A scenario of the block economy.
pub fn scenario(duration: &str, record_every: &str) -> String {
    format!(
        "[scenario]\nname = \"blocks\"\neconomy = \"blocks\"\nduration = {duration}\n\
         record_every = {record_every}\n"
    )
}

/// Runs `text` with model `M`; the rows of its only job, and whether it completed.
pub fn run<M: Model>(text: &str, paranoid: bool) -> (Rows, bool, u64) {
    let plan = ergon_sim::scenario::plan::<M>(Source { name: "blocks.toml", text }, &[])
        .expect("the test scenario is valid");
    let memory = Memory::default();
    let stop = AtomicBool::new(false);
    let calls = std::sync::atomic::AtomicU64::new(0);
    let progress = |_: u64| {
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    };
    let control = Control { progress: &progress, stop: &stop, paranoid, checkpoints: None };
    let results = ergon_sim::runner::run(&plan, &&memory, &control).expect("the run succeeds");
    let mut jobs = memory.jobs.into_inner().expect("no job panicked");
    let rows = jobs.pop().expect("one job").1;
    (rows, results[0].complete, calls.into_inner())
}
