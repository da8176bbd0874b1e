//! `ergon run`, `ergon sweep` and `ergon check`: read a scenario, validate it into a plan, run
//! its jobs on a thread pool with a progress bar, write the outputs (docs/scenarios.md):
//! metrics.parquet, metrics.csv, summary.json and the resolved scenario.toml.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use clap::Args;
use ergon_output::{OutDir, Written};
use ergon_registry::{PlanInfo, RegistryError, Simulation};
use ergon_sim::diag::{shortened, shortened_value};
use ergon_sim::scenario::RUNS_MAX;
use ergon_sim::{Control, Diagnostics, Source};

use crate::{BadInput, Outcome};

/// The signals that stop a run with its rows kept (SIGINT is Ctrl-C); the exit code is 128 + the
/// signal's number.
pub(crate) const STOP_SIGNALS: [i32; 3] =
    [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP];

/// Whether the process was started with `sig` ignored (`nohup` ignores SIGHUP; a shell's
/// background job, SIGINT): a handler must not take it back. Read from Linux's
/// `/proc/self/status` (its `SigIgn` mask) before any handler is installed; elsewhere, no.
pub(crate) fn ignored(sig: i32) -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else { return false };
    let mask = status.lines().find_map(|l| l.strip_prefix("SigIgn:"));
    let mask = mask.and_then(|m| u64::from_str_radix(m.trim(), 16).ok()).unwrap_or(0);
    (1..=64).contains(&sig) && (mask >> (sig - 1)) & 1 == 1
}

/// Set by a stop signal (every job stops after its current epoch), and which signal it was.
struct Stop {
    flag: Arc<AtomicBool>,
    signal: Arc<AtomicUsize>,
}

impl Stop {
    /// Handlers for [`STOP_SIGNALS`] that set the flag and record the signal.
    fn install() -> Result<Stop, BadInput> {
        let stop = Stop { flag: Arc::default(), signal: Arc::default() };
        for sig in STOP_SIGNALS.into_iter().filter(|&s| !ignored(s)) {
            let installed =
                signal_hook::flag::register_usize(sig, Arc::clone(&stop.signal), sig as usize)
                    .and_then(|_| signal_hook::flag::register(sig, Arc::clone(&stop.flag)));
            installed.map_err(|e| BadInput(format!("cannot handle signal {sig}: {e}")))?;
        }
        Ok(stop)
    }

    /// The signal that stopped the run, if one did.
    fn signal(&self) -> Option<u8> {
        let sig = self.signal.load(Ordering::SeqCst);
        (sig != 0).then(|| u8::try_from(sig).unwrap_or(u8::MAX))
    }
}

/// Options of `ergon run` and `ergon sweep`.
#[derive(Args, Debug)]
pub(crate) struct RunArgs {
    /// Scenario file (TOML), or the name of a shipped scenario (`ergon scenarios`). Default:
    /// the embedded `stratos-paper` for `run`, the shipped `stratos-sweep` for `sweep`.
    pub scenario: Option<PathBuf>,
    /// Output directory (default: ./ergon-out/<scenario>-<UTC time>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write into a non-empty output directory (its metrics files are replaced), and run even
    /// when the expected memory exceeds the machine's.
    #[arg(long)]
    pub force: bool,
    /// Monte Carlo runs per point, at least 1 (overrides scenario.runs).
    #[arg(long, value_parser = crate::whole::<u32>(1, RUNS_MAX.into()))]
    pub runs: Option<u32>,
    /// Master seed, 0 to 2^63 − 1 (a scenario's integers; overrides scenario.seed).
    #[arg(long, value_parser = crate::whole::<u64>(0, i64::MAX as u64))]
    pub seed: Option<u64>,
    /// Duration: steps (epochs, blocks), or "90d", "2w", "10y", "12h" (overrides
    /// scenario.duration).
    #[arg(long)]
    pub epochs: Option<String>,
    /// Override any field: `--set agents.users.count=5000` (repeatable; TOML values).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Worker threads, 1 to 65535 (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = crate::whole::<u16>(1, u16::MAX.into()))]
    pub threads: Option<u16>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Check every invariant after every step (slower).
    #[arg(long)]
    pub paranoid: bool,
    /// Also write OUT_DIR/report.html (as `ergon report OUT_DIR` does).
    #[arg(long)]
    pub report: bool,
    /// Save each job's state every DURATION of simulated time ("30d", "5000" steps) in
    /// OUT_DIR/.parts, so that a run killed outright or stopped by a signal goes on with
    /// `--resume OUT_DIR`.
    #[arg(long, value_name = "DURATION")]
    pub checkpoint_every: Option<String>,
    /// Go on with the run in DIR from its checkpoints (a run of `--checkpoint-every` killed or
    /// stopped by a signal); its outputs come out byte-identical to a run never stopped.
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with_all = ["scenario", "out", "force", "runs", "seed", "epochs", "set"]
    )]
    pub resume: Option<PathBuf>,
}

/// Options of `ergon check`.
#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    /// Scenario file (TOML) or shipped scenario name.
    pub scenario: PathBuf,
    /// Overrides, as for `ergon run`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// The scenario `ergon sweep` runs when given none: a shipped one with a `[sweep]`.
const DEFAULT_SWEEP: &str = "stratos-sweep";

/// Reads a scenario: a file, else a shipped scenario by name, else the default.
fn read(scenario: Option<&Path>) -> Result<(String, String), BadInput> {
    ergon_registry::input::read_scenario(scenario).map_err(BadInput)
}

fn overrides(args: &RunArgs) -> Result<Vec<(String, String)>, BadInput> {
    let mut out = ergon_sim::scenario::run_overrides(args.runs, args.seed, args.epochs.as_deref());
    let sets = parse_sets(&args.set)?;
    if let Some((i, j)) = ergon_sim::scenario::option_set_twice(&out, &sets) {
        let ((path, _), (k, v)) = (&out[i], &sets[j]);
        let (flag, typed) = typed_options(args)
            .find(|(p, ..)| p == path)
            .map(|(_, f, t)| (f, t))
            .unwrap_or_default();
        let (typed, k, v) = (shortened_value(&typed), shortened_value(k), shortened_value(v));
        return Err(BadInput(format!(
            "{flag} {typed} and --set {k}={v} both set {path}: give one of them"
        )));
    }
    out.extend(sets);
    Ok(out)
}

/// `--epochs`, `--runs` and `--seed` as given, each with the scenario field it sets.
fn typed_options(args: &RunArgs) -> impl Iterator<Item = (&'static str, &'static str, String)> {
    [
        ("scenario.duration", "--epochs", args.epochs.clone()),
        ("scenario.runs", "--runs", args.runs.map(|r| r.to_string())),
        ("scenario.seed", "--seed", args.seed.map(|s| s.to_string())),
    ]
    .into_iter()
    .filter_map(|(path, flag, typed)| Some((path, flag, typed?)))
}

/// `e` with the overrides that `--epochs`, `--runs` and `--seed` made named as the user typed
/// them (the plan sees them as `--set scenario.…`).
fn as_typed(e: BadInput, args: &RunArgs) -> BadInput {
    let mut text = e.0;
    for (path, flag, typed) in typed_options(args) {
        let prefix = format!("--set {path}=");
        while let Some(at) = text.find(&prefix) {
            let end = text[at..].find(": ").map_or(text.len(), |i| at + i);
            text.replace_range(at..end, &format!("{flag} {}", shortened_value(&typed)));
        }
    }
    BadInput(text)
}

fn parse_sets(sets: &[String]) -> Result<Vec<(String, String)>, BadInput> {
    sets.iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.trim().to_owned())),
            _ => Err(BadInput(
                shortened(&format!("--set {s:?}: write PATH=VALUE, e.g. agents.users.count=5000"))
                    .into_owned(),
            )),
        })
        .collect()
}

fn diagnostics(d: &Diagnostics) -> BadInput {
    // A longer list was cut at PROBLEMS_SHOWN, its last line saying how many were found.
    let n = d.0.len();
    if n > ergon_sim::PROBLEMS_SHOWN {
        let shown = ergon_sim::PROBLEMS_SHOWN;
        BadInput(format!("the scenario is not valid (the first {shown} problems):\n{d}"))
    } else {
        BadInput(format!("the scenario is not valid ({n} problem(s)):\n{d}"))
    }
}

/// `ergon check`.
pub(crate) fn check(args: &CheckArgs) -> Result<Outcome, BadInput> {
    let (name, text) = read(Some(&args.scenario))?;
    let sets = parse_sets(&args.set)?;
    let sim = plan(Source { name: &name, text: &text }, &sets)?;
    // Every run's genesis, drawn as the run would: a scenario check passes does not fail there.
    sim.build_all().map_err(|e| BadInput(format!("{name}: {e}")))?;
    describe(sim.info(), &name)?;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if let Some(e) = crate::memory::estimate(sim.info(), threads) {
        let machine = crate::memory::machine_memory()
            .map_or(String::new(), |m| format!(" (this machine: {} MiB)", m >> 20));
        say!("expected peak memory: {}, one run a core{machine}", crate::memory::describe(e));
    }
    Ok(Outcome::Ok)
}

/// Validates a scenario under the model of the economy it names.
pub(crate) fn plan(
    source: Source<'_>,
    sets: &[(String, String)],
) -> Result<Box<dyn Simulation>, BadInput> {
    let entry = ergon_registry::for_scenario(source).map_err(|e| match e {
        RegistryError::Scenario(d) => diagnostics(&d),
        other => BadInput(other.to_string()),
    })?;
    (entry.plan)(source, sets, None).map_err(|d| diagnostics(&d))
}

/// `epochs` steps of which `per_day` make a day, as time: whole days, else hours, minutes or
/// seconds ("1 day", "12 h", "30 min").
fn span(epochs: u64, per_day: u64) -> String {
    let secs = u128::from(epochs) * 86_400 / u128::from(per_day.max(1));
    match secs {
        86_400 => "1 day".to_owned(),
        s if s % 86_400 == 0 => format!("{} days", s / 86_400),
        s if s % 3_600 == 0 => format!("{} h", s / 3_600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

fn describe(info: &PlanInfo, name: &str) -> Result<(), BadInput> {
    say!(
        "{name}: valid. economy {}, {} {unit}s ({}), {} point(s) × {} run(s), a row every {} {unit}s; parameter hash {}",
        info.economy,
        info.epochs,
        span(info.epochs, info.epochs_per_day),
        info.points.len(),
        info.runs,
        info.record_every,
        &info.hash[..16],
        unit = info.step_name,
    );
    Ok(())
}

/// `ergon run` / `ergon sweep`.
pub(crate) fn run(args: &RunArgs, require_sweep: bool) -> Result<Outcome, BadInput> {
    if let Some(dir) = &args.resume {
        let r = crate::resume::open(dir)?;
        let every = match &args.checkpoint_every {
            Some(text) => crate::resume::every(text, r.sim.info())?,
            None => r.every,
        };
        return execute(r.sim.as_ref(), args, Some(r.out), Some(every));
    }
    // `ergon sweep` alone sweeps the shipped grid; `ergon run` alone runs the default scenario.
    let shipped_sweep = Path::new(DEFAULT_SWEEP);
    let scenario = args.scenario.as_deref().or(require_sweep.then_some(shipped_sweep));
    let (name, text) = read(scenario)?;
    let sets = overrides(args)?;
    let sim = plan(Source { name: &name, text: &text }, &sets).map_err(|e| as_typed(e, args))?;
    if require_sweep && sim.info().sweep_keys.is_empty() {
        return Err(BadInput(format!(
            "{name}: `ergon sweep` needs a [sweep] section (or use `ergon run`)"
        )));
    }
    let every = match &args.checkpoint_every {
        Some(text) => Some(crate::resume::every(text, sim.info())?),
        None => None,
    };
    execute(sim.as_ref(), args, None, every)
}

/// Runs `sim` into a new output directory, or into `resumed`'s from its checkpoints; with
/// checkpoints every `every` steps when given.
fn execute(
    sim: &dyn Simulation,
    args: &RunArgs,
    resumed: Option<OutDir>,
    every: Option<u64>,
) -> Result<Outcome, BadInput> {
    let threads = args.threads.map_or(0, usize::from);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| BadInput(format!("cannot start {threads} worker threads: {e}")))?;
    let info = sim.info();
    let expected = crate::memory::estimate(info, pool.current_num_threads());
    crate::memory::check_fits(expected, crate::memory::machine_memory(), args.force)?;
    let resume = resumed.is_some();
    let mut out = match resumed {
        Some(out) => out,
        None => OutDir::prepare(args.out.as_deref(), &info.name, args.force).map_err(bad)?,
    };
    out.checkpoint_every = every;
    let stop = Stop::install()?;
    let bar =
        crate::progress::bar(info.jobs() * info.epochs, args.quiet, &info.name, info.step_name);
    let progress = |n: u64| bar.inc(n);
    let started = Instant::now();
    // A new run that cannot start writes nothing (a resumed one leaves its .parts as it was).
    let sink = match sim.sink(&out) {
        Ok(sink) => sink,
        Err(e) if resume => return Err(bad(e)),
        Err(e) => return Err(abandoned(&out, e.to_string())),
    };
    if resume && let Err(e) = out.drop_stale_merge() {
        // What it moved aside goes back: a refused resume leaves the directory as it found it.
        return Err(abandoned(&out, e.to_string()));
    }
    let checkpoints = every.map(|every| ergon_sim::Checkpoints { every, store: &sink, resume });
    let control =
        Control { progress: &progress, stop: &stop.flag, paranoid: args.paranoid, checkpoints };
    let result = pool.install(|| sim.run(&sink, &control));
    bar.finish_and_clear();
    let results = match result {
        Ok(r) => r,
        Err(e) => {
            use ergon_sim::RunError::{Build, Checkpoint, Sink, Violation};
            // A write the operating system refused (a full disk) loses nothing a run with
            // checkpoints (or resumed from them) had saved: they stay, to go on with --resume
            // once the cause is gone. Not a
            // row out of range, nor a checkpoint found bad on resume: a resume would meet those
            // again.
            // (A checkpoint the system cannot read back would stop the next resume too, and so
            // would a file of the run found missing: os error 2.)
            let io = match &e {
                Sink { message, .. } | Checkpoint { message, .. } => {
                    message.contains("(os error")
                        && !message.contains("(os error 2)")
                        && !message.starts_with("cannot read")
                }
                _ => false,
            };
            if io && (every.is_some() || resume) {
                let message = format!(
                    "{e}; the checkpoints saved so far stay in {}: `ergon run --resume {}` goes \
                     on from them",
                    out.parts_dir().display(),
                    out.dir().display()
                );
                // A resume puts back the files its stop had merged; its checkpoints stay.
                return Err(if resume { abandoned(&out, message) } else { BadInput(message) });
            }
            let lost = resume
                && matches!(&e, Checkpoint { message, .. } if message.contains("(os error 2)"));
            return match e {
                Checkpoint { .. } if lost => {
                    let message = format!(
                        "{e}: a job's rows before its checkpoint are gone, so it cannot go on; \
                         run the scenario again with `--force` (or remove {})",
                        out.parts_dir().display()
                    );
                    Err(abandoned(&out, message))
                }
                Build { .. } | Checkpoint { .. } | Sink { .. } => {
                    Err(abandoned(&out, e.to_string()))
                }
                Violation { .. } => {
                    note!("error: {}", abandoned(&out, e.to_string()).0);
                    Ok(Outcome::CheckFailed)
                }
            };
        }
    };
    let complete = results.iter().all(|r| r.complete);
    // The merge runs on a worker thread, where the finished jobs freed their memory.
    let finished =
        pool.install(|| sim.finish(&sink, &out, &results, complete, ergon_registry::VERSION));
    let written: Written = match finished {
        Ok(w) => w,
        Err(e) => {
            let (dir, parts) = (out.dir().display(), out.parts_dir().display());
            let kept = out.is_resumed() || out.checkpoint_every.is_some();
            let again = if kept {
                format!("`ergon run --resume {dir}` merges them again once the cause is gone")
            } else {
                "run the scenario again with --force to replace them".to_owned()
            };
            // A failure after the first file moved into place leaves files of this run beside
            // some the directory held before: `.parts` stays (with its mark), so that the
            // directory reads as incomplete rather than as either run.
            if out.moved_part_way() && out.marked_before() {
                return Err(BadInput(format!(
                    "{e}; {}; this run's rows stay in {parts}: {again}",
                    still_mixed(&out)
                )));
            }
            if out.moved_part_way() {
                return Err(BadInput(format!(
                    "{e}; {dir} now holds some files of this run and some it held before, and \
                     reads as incomplete (`ergon check-output` exits 3); this run's rows stay \
                     in {parts}: {again}"
                )));
            }
            // Before any move the directory keeps what it held. A run with checkpoints keeps
            // them, to merge again with --resume (a resumed run puts back the files its stop
            // had merged).
            let message = if kept {
                format!("{e}; the checkpoints stay in {parts}: {again}")
            } else {
                e.to_string()
            };
            if out.is_resumed() || out.checkpoint_every.is_none() {
                return Err(abandoned(&out, message));
            }
            return Err(BadInput(message));
        }
    };
    // The report before anything is printed: a closed standard output ends the command. One
    // that cannot be written (a full disk) is said after the run's own results, which are kept.
    let report = args.report.then(|| crate::report::write(&written.dir));
    crate::table::print(info, &results, &written, started.elapsed())?;
    match report {
        Some(Ok(path)) => say!("report: {}", path.display()),
        Some(Err(BadInput(m))) => {
            let dir = written.dir.display();
            return Err(BadInput(format!(
                "{m} (the run's outputs are written in {dir}; `ergon report {dir}` writes the \
                 report later)"
            )));
        }
        None => {}
    }
    if complete {
        Ok(Outcome::Ok)
    } else {
        note!(
            "interrupted: the rows written so far are kept in {}, marked incomplete",
            written.dir.display()
        );
        Ok(Outcome::Interrupted(stop.signal().unwrap_or(2)))
    }
}

/// `message` (a failed run's), after [`OutDir::abandon`], with what it could not clean up.
/// A directory an earlier move into place left part-way (marked) is said to stay so: this run
/// failed before any file of its own moved, and the mark stays in `.parts`.
fn abandoned(out: &OutDir, message: String) -> BadInput {
    let message =
        if out.moved_part_way() { format!("{message}; {}", still_mixed(out)) } else { message };
    match out.abandon() {
        Some(left) => BadInput(format!("{message}; {left}")),
        None => BadInput(message),
    }
}

/// What a directory marked before the run began still is, after the run failed.
fn still_mixed(out: &OutDir) -> String {
    let dir = out.dir().display();
    format!(
        "{dir} still holds files of more than one run (an earlier move into place failed \
         part-way), and reads as incomplete (`ergon check-output` exits 3) until a run's files \
         are all moved in"
    )
}

fn bad(e: ergon_output::OutputError) -> BadInput {
    BadInput(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::span;

    #[test]
    fn spans_in_the_largest_whole_unit() {
        assert_eq!(span(144, 144), "1 day");
        assert_eq!(span(52_560, 144), "365 days");
        assert_eq!(span(72, 144), "12 h");
        assert_eq!(span(3, 144), "30 min");
        assert_eq!(span(1, 7_200), "12 s");
        assert_eq!(span(0, 144), "0 days");
    }
}
