//! A run's output directory: created (or refused when it holds files, unless forced), with a
//! `.parts` directory for the jobs' part files while they run. The default name is
//! `./ergon-out/<scenario>-<UTC yyyymmdd-hhmmss>`, suffixed `-2`, `-3`, … for runs of the same second.

use std::path::{Path, PathBuf};

use crate::error::OutputError;

/// The output directory of a run.
#[derive(Debug)]
pub struct OutDir {
    /// The directory the results go to.
    pub dir: PathBuf,
    /// Where the jobs' part files are written until the merge.
    pub(crate) parts: PathBuf,
    /// The highest directory this run created, the run's own or an ancestor of it (`out/a` of
    /// `--out out/a/b`, `ergon-out` of the default): a failed run removes those it left empty.
    created: Option<PathBuf>,
    /// Steps between a job's checkpoints, when the run keeps them (`--checkpoint-every`): then
    /// a run stopped by a signal keeps `.parts` (its checkpoints) for `--resume`.
    pub checkpoint_every: Option<u64>,
    /// Whether this run goes on from an earlier one's `.parts` (`--resume`): then a failure
    /// leaves them as they are.
    resumed: bool,
    /// Whether `.parts` held the mark [`MOVING`] when the run began: an earlier move into
    /// place failed part-way, and the directory held files of two runs already.
    marked_before: bool,
    /// The directory opened and locked for the run's life ([`lock`]): a second run into it is
    /// refused. Released when the run ends, however it ends.
    _lock: Option<std::fs::File>,
}

impl OutDir {
    /// Creates the output directory `out`, refusing one that holds anything unless `force`,
    /// and an empty `.parts` directory in it. Without `out`, a new directory [`default_dir`] of
    /// `name`, suffixed `-2`, `-3`, … when a run of the same second already has that name.
    pub fn prepare(out: Option<&Path>, name: &str, force: bool) -> Result<OutDir, OutputError> {
        let (dir, created) = match out {
            Some(out) => {
                let top = first_missing(out);
                (out.to_path_buf(), claim(out, force)?.then_some(top).flatten())
            }
            None => {
                // `fresh` makes the run's own directory (`base` or `base-2`, …) and the parents
                // missing before it: the highest of those, or the run's own.
                let base = default_dir(name);
                let parents = base.parent().and_then(first_missing);
                let dir = fresh(&base)?;
                let top = parents.unwrap_or_else(|| dir.clone());
                (dir, Some(top))
            }
        };
        let io = |op: &'static str, source: std::io::Error| OutputError::Dir {
            op,
            dir: dir.clone(),
            source,
        };
        let lock = lock(&dir)?;
        let parts = dir.join(".parts");
        // Checkpoints of an unfinished run are kept for `--resume`: `--force` does not drop them.
        let marked = parts.join(MOVING).exists();
        if parts.join(RESOLVED_SCENARIO).is_file() {
            return Err(OutputError::Unfinished { dir, marked });
        }
        if marked {
            // An earlier move into place failed part-way: the directory holds files of two
            // runs. The mark stays (the rest of `.parts` goes) until this run's move sees it
            // through, so that a run failing before then leaves it reading as incomplete.
            clear_all_but_mark(&dir);
        } else {
            // Parts of an earlier run killed without checkpoints are stale: start over (with
            // what a removal killed part-way left, [`REMOVED_PARTS`]).
            let _ = remove_parts(&dir, delete_all);
        }
        std::fs::create_dir_all(&parts).map_err(|e| io("create parts in", e))?;
        Ok(OutDir {
            dir,
            parts,
            created,
            checkpoint_every: None,
            resumed: false,
            marked_before: marked,
            _lock: lock,
        })
    }

    /// The directory `dir` of a run killed (or stopped by a signal) with checkpoints, to go on
    /// where its jobs' checkpoints are (`ergon run --resume`), its `.parts` kept (nothing is
    /// changed yet: see [`OutDir::drop_stale_merge`]). An error when `dir` has no `.parts` with
    /// a resolved scenario.
    pub fn resume(dir: &Path) -> Result<OutDir, OutputError> {
        let parts = dir.join(".parts");
        let scenario = parts.join(RESOLVED_SCENARIO);
        // A run writing it now (with or without checkpoints): in use, whatever .parts holds.
        if in_use(dir) {
            return Err(OutputError::DirBusy { dir: dir.to_path_buf() });
        }
        if !scenario.is_file() {
            return Err(OutputError::NotResumable {
                dir: dir.to_path_buf(),
                reason: if !dir.is_dir() {
                    if dir.exists() { "it is not a directory" } else { "no such directory" }.into()
                } else if std::fs::symlink_metadata(&parts).is_ok() && !parts.is_dir() {
                    "its .parts is not a directory (a file, or a link to nothing or to itself)"
                        .into()
                } else if parts.is_dir() {
                    "its .parts has no scenario.toml (written by runs with --checkpoint-every)"
                        .into()
                } else {
                    "it has no .parts: the run finished and was merged, or was not run with \
                     --checkpoint-every"
                        .into()
                },
            });
        }
        Ok(OutDir {
            dir: dir.to_path_buf(),
            parts,
            created: None,
            checkpoint_every: None,
            resumed: true,
            marked_before: dir.join(".parts").join(MOVING).exists(),
            _lock: lock(dir)?,
        })
    }

    /// Before a resumed run goes on: moves the files a stop merged (summary.json and
    /// scenario.toml), which no longer tell how the run ended, into `.parts` (its rows stay
    /// there too); a resumed run that fails puts them back ([`OutDir::abandon`]), so a refused
    /// resume leaves the directory as it found it.
    pub fn drop_stale_merge(&self) -> Result<(), OutputError> {
        let aside = self.parts.join(MERGED_BEFORE);
        if std::fs::symlink_metadata(&aside).is_ok_and(|m| !m.is_dir()) {
            let e = std::io::Error::other(
                "it is a file, not the directory a resume sets a stopped run's merged files \
                 aside in: remove it, then resume again",
            );
            return Err(OutputError::io("use", &aside, e));
        }
        for merged in MERGED_FILES {
            let path = self.dir.join(merged);
            if !path.is_file() {
                continue;
            }
            std::fs::create_dir_all(&aside).map_err(|e| OutputError::io("create", &aside, e))?;
            let to = aside.join(merged);
            std::fs::rename(&path, &to).map_err(|e| OutputError::io("move", &path, e))?;
        }
        Ok(())
    }

    /// The resolved scenario a run with checkpoints keeps in `.parts`, as [`OutDir::resume`]
    /// reads it.
    #[must_use]
    pub fn resolved_scenario(&self) -> PathBuf {
        self.parts.join(RESOLVED_SCENARIO)
    }

    /// The output directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the jobs' part files and checkpoints are, until the merge.
    #[must_use]
    pub fn parts_dir(&self) -> &Path {
        &self.parts
    }

    /// Whether the run goes on from an earlier one ([`OutDir::resume`]).
    #[must_use]
    pub fn is_resumed(&self) -> bool {
        self.resumed
    }

    /// Removes `.parts` (its rows merged, or a failed run's): see [`remove_parts`].
    pub(crate) fn remove_parts(&self) -> std::io::Result<()> {
        remove_parts(&self.dir, delete_all)
    }

    /// Whether the run's end began to move its files into place and did not see it through:
    /// then the directory holds files of this run and files it held before, and `.parts` (with
    /// its mark, [`MOVING`]) stays, so that it reads as incomplete.
    #[must_use]
    pub fn moved_part_way(&self) -> bool {
        self.parts.join(MOVING).exists()
    }

    /// Whether `.parts` marked a move into place that failed part-way when this run began (its
    /// mark stays until a run's move sees it through).
    #[must_use]
    pub fn marked_before(&self) -> bool {
        self.marked_before
    }

    /// Removes what this run wrote (after a failure): its part files, and the directory if the
    /// run created it. A resumed run's parts and checkpoints stay, to resume again, and the
    /// files its stop had merged go back in place. After a move into place that failed
    /// part-way ([`OutDir::moved_part_way`]) nothing is removed or put back: `.parts` keeps the
    /// directory reading as incomplete. Best effort: what could not be removed or put back is
    /// returned, to be said (it would make the directory read as another run's, or as killed).
    pub fn abandon(&self) -> Option<String> {
        if self.moved_part_way() {
            return None;
        }
        if self.resumed {
            let mut failed = Vec::new();
            for merged in MERGED_FILES {
                let (from, to) =
                    (self.parts.join(MERGED_BEFORE).join(merged), self.dir.join(merged));
                if from.is_file()
                    && !to.exists()
                    && let Err(e) = std::fs::rename(&from, &to)
                {
                    failed.push(format!(
                        "could not move {} back to {}: {e}",
                        from.display(),
                        to.display()
                    ));
                }
            }
            let _ = std::fs::remove_dir(self.parts.join(MERGED_BEFORE));
            return (!failed.is_empty())
                .then(|| format!("{}; move it back by hand before you resume", failed.join("; ")));
        }
        let left = match self.remove_parts() {
            Err(e) if self.parts.exists() => Some(format!(
                "could not remove {}: {e}; remove it by hand (it holds nothing to keep)",
                self.parts.display()
            )),
            _ => None,
        };
        if let Some(top) = &self.created {
            // The run's directory, then each parent it created, while empty.
            for d in self.dir.ancestors() {
                if std::fs::remove_dir(d).is_err() || d == top {
                    break;
                }
            }
        }
        left
    }
}

/// The resolved scenario's file name inside `.parts`.
pub const RESOLVED_SCENARIO: &str = "scenario.toml";

/// The mark in `.parts` of a run's end moving its files into place (from before the first
/// move until `.parts` goes): a directory whose `.parts` holds it may hold files of two runs.
pub(crate) const MOVING: &str = "moving-into-place";

/// The files a run's merge writes beside the metrics that a resumed run sets aside.
const MERGED_FILES: [&str; 2] = ["summary.json", "scenario.toml"];

/// Where in `.parts` a resumed run keeps them until it ends ([`OutDir::drop_stale_merge`]).
const MERGED_BEFORE: &str = "merged-before-resume";

/// The name `.parts` takes while it is deleted: nothing reads it (`ergon check-output`, a
/// resume), and the next removal, or the next run into the directory, deletes what is left.
pub(crate) const REMOVED_PARTS: &str = ".parts.removed";

/// Removes `dir/.parts` in one step from a reader's point of view: renamed to
/// [`REMOVED_PARTS`], then deleted with `delete` (after what an earlier removal, killed
/// part-way, left there). A kill during the deletion leaves a directory that reads as what it
/// holds — a finished run as finished —, never a `.parts` emptied part-way that reads as a run
/// killed before it finished. When the rename fails, `.parts` is deleted where it is.
fn remove_parts(dir: &Path, delete: impl Fn(&Path) -> std::io::Result<()>) -> std::io::Result<()> {
    let (parts, gone) = (dir.join(".parts"), dir.join(REMOVED_PARTS));
    if std::fs::symlink_metadata(&gone).is_ok() {
        let _ = delete(&gone);
    }
    match std::fs::rename(&parts, &gone) {
        Ok(()) => delete(&gone),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) => delete(&parts),
    }
}

/// Deletes what `dir/.parts` holds but its mark [`MOVING`], and what a removal killed part-way
/// left ([`REMOVED_PARTS`]): `.parts` stays marked throughout.
fn clear_all_but_mark(dir: &Path) {
    let gone = dir.join(REMOVED_PARTS);
    if std::fs::symlink_metadata(&gone).is_ok() {
        let _ = delete_all(&gone);
    }
    let Ok(entries) = std::fs::read_dir(dir.join(".parts")) else { return };
    for entry in entries.flatten().filter(|e| e.file_name() != MOVING) {
        let _ = delete_all(&entry.path());
    }
}

/// Deletes `path`, a directory and all it holds, or a file (a link, not what it names).
pub(crate) fn delete_all(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) => Err(e),
    }
}

/// The highest of `dir` and its ancestors that does not exist (the first a `create_dir_all` of
/// `dir` would make); none when `dir` exists.
fn first_missing(dir: &Path) -> Option<PathBuf> {
    let missing = |a: &&Path| !a.as_os_str().is_empty() && std::fs::symlink_metadata(a).is_err();
    dir.ancestors().take_while(missing).last().map(Path::to_path_buf)
}

/// Makes `dir` ready for a run: created when missing (then `true`), refused when it holds
/// anything unless `force`.
fn claim(dir: &Path, force: bool) -> Result<bool, OutputError> {
    let io = |op: &'static str, source: std::io::Error| OutputError::Dir {
        op,
        dir: dir.to_path_buf(),
        source,
    };
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() && !force {
                return Err(OutputError::DirNotEmpty { dir: dir.to_path_buf() });
            }
            Ok(false)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Ok(target) = std::fs::read_link(dir) {
                return Err(OutputError::DanglingLink { dir: dir.to_path_buf(), target });
            }
            std::fs::create_dir_all(dir).map_err(|e| io("create", e))?;
            Ok(true)
        }
        Err(e) => Err(io("read", e)),
    }
}

/// Opens `dir` and takes its exclusive lock for the run (`flock`), refusing a directory another
/// run holds. A file system without locks runs unlocked (`None`).
fn lock(dir: &Path) -> Result<Option<std::fs::File>, OutputError> {
    let Ok(f) = std::fs::File::open(dir) else { return Ok(None) };
    match f.try_lock() {
        Ok(()) => Ok(Some(f)),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(OutputError::DirBusy { dir: dir.to_path_buf() })
        }
        Err(std::fs::TryLockError::Error(_)) => Ok(None),
    }
}

/// Whether a run holds `dir`'s lock now: it is still being written (a directory that does not
/// exist, cannot be opened or sits on a file system without locks is not). The probe takes a
/// shared lock for an instant: a run starting in that instant is refused as one beside a live
/// run would be, and may start again.
#[must_use]
pub fn in_use(dir: &Path) -> bool {
    std::fs::File::open(dir)
        .is_ok_and(|f| matches!(f.try_lock_shared(), Err(std::fs::TryLockError::WouldBlock)))
}

/// Most suffixes [`fresh`] tries before it gives up.
const FRESH_TRIES: u32 = 1_000;

/// Creates a directory that did not exist: `base`, else `base-2`, `base-3`, … (each created
/// with one `mkdir`, so two processes never get the same one).
fn fresh(base: &Path) -> Result<PathBuf, OutputError> {
    let io = |op: &'static str, dir: &Path, source: std::io::Error| OutputError::Dir {
        op,
        dir: dir.to_path_buf(),
        source,
    };
    if let Some(parent) = base.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            // The run's directory named, and what stands in its way (`./ergon-out` a file).
            let file = parent.ancestors().find(|a| a.is_file());
            match file {
                Some(f) => {
                    let why = format!("{} is a file, not a directory", f.display());
                    io("create", base, std::io::Error::other(why))
                }
                None => io("create", parent, e),
            }
        })?;
    }
    let mut last = None;
    for k in 1..=FRESH_TRIES {
        let dir = if k == 1 {
            base.to_path_buf()
        } else {
            let mut name = base.as_os_str().to_owned();
            name.push(format!("-{k}"));
            PathBuf::from(name)
        };
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(dir),
            Err(e) => return Err(io("create", &dir, e)),
        }
    }
    Err(OutputError::DirNotEmpty { dir: last.unwrap_or_else(|| base.to_path_buf()) })
}

/// The default output directory of scenario `name`: `ergon-out/<name>-<UTC yyyymmdd-hhmmss>`.
pub fn default_dir(name: &str) -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    PathBuf::from("ergon-out").join(format!("{name}-{}", utc_stamp(secs)))
}

/// `yyyymmdd-hhmmss` of `secs` since 1970-01-01 UTC.
fn utc_stamp(secs: u64) -> String {
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
    format!("{y:04}{m:02}{d:02}-{:02}{:02}{:02}", rem / 3_600, rem % 3_600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_utc_civil_time() {
        assert_eq!(utc_stamp(0), "19700101-000000");
        // 2000-02-29 12:34:56 UTC.
        assert_eq!(utc_stamp(951_827_696), "20000229-123456");
    }

    #[test]
    fn a_non_empty_directory_is_refused_unless_forced() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("x"), "x").expect("a file");
        let err = OutDir::prepare(Some(tmp.path()), "s", false).expect_err("not empty");
        assert!(err.to_string().ends_with("is not empty; choose another --out or pass --force"));
        let out = OutDir::prepare(Some(tmp.path()), "s", true).expect("forced");
        out.abandon();
        assert!(tmp.path().join("x").exists(), "a directory the run did not create stays");
        let fresh = tmp.path().join("new");
        let out = OutDir::prepare(Some(&fresh), "s", false).expect("created");
        assert!(out.parts.is_dir());
        out.abandon();
        assert!(!fresh.exists(), "a directory the run created goes");
        // The parents it created go too, while empty; those it found stay.
        let deep = tmp.path().join("p/q/r");
        std::fs::create_dir(tmp.path().join("p")).expect("p");
        let out = OutDir::prepare(Some(&deep), "s", false).expect("created");
        out.abandon();
        assert!(!tmp.path().join("p/q").exists(), "q was the run's");
        assert!(tmp.path().join("p").is_dir(), "p was there before");
    }

    /// An output directory that is a symbolic link to nothing is refused by name, the link left.
    #[test]
    fn a_link_to_nothing_is_refused_by_name() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let link = tmp.path().join("l");
        std::os::unix::fs::symlink(tmp.path().join("missing"), &link).expect("a link");
        let err = OutDir::prepare(Some(&link), "s", false).expect_err("dangling");
        assert!(matches!(err, OutputError::DanglingLink { .. }), "{err}");
        assert!(err.to_string().contains("which does not exist"), "{err}");
        assert!(link.symlink_metadata().is_ok(), "the link stays");
    }

    /// A second run into a directory in use is refused while the first holds it; `--force`
    /// keeps an unfinished run's checkpoints (refused), and drops a killed run's bare parts.
    #[test]
    fn a_directory_in_use_or_holding_checkpoints_is_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let first = OutDir::prepare(Some(tmp.path()), "s", false).expect("empty");
        let err = OutDir::prepare(Some(tmp.path()), "s", true).expect_err("in use");
        assert!(matches!(err, OutputError::DirBusy { .. }), "{err}");
        // A resume of it too is refused as in use (not for a .parts without checkpoints).
        let Err(err) = OutDir::resume(tmp.path()) else { panic!("a resume of a directory in use") };
        assert!(matches!(err, OutputError::DirBusy { .. }), "{err}");
        assert!(first.parts.is_dir(), "the first run's parts stay");
        drop(first);
        let parts = tmp.path().join(".parts");
        std::fs::write(parts.join(RESOLVED_SCENARIO), "x").expect("a checkpointed run's scenario");
        let err = OutDir::prepare(Some(tmp.path()), "s", true).expect_err("unfinished");
        assert!(err.to_string().contains("--resume"), "{err}");
        assert!(parts.join(RESOLVED_SCENARIO).is_file(), "its checkpoints stay");
        // Marked as moved part-way: removing `.parts` would unmark a mix of two runs.
        std::fs::write(parts.join(MOVING), "").expect("the mark");
        let err = OutDir::prepare(Some(tmp.path()), "s", true).expect_err("unfinished").to_string();
        assert!(err.contains("remove ") && err.contains(".parts/scenario.toml"), "{err}");
        assert!(!err.contains(".parts to replace"), "{err}");
        std::fs::remove_file(parts.join(MOVING)).expect("remove");
        std::fs::remove_file(parts.join(RESOLVED_SCENARIO)).expect("remove");
        std::fs::write(parts.join("job-0000000.csv"), "x").expect("a killed run's part");
        let out = OutDir::prepare(Some(tmp.path()), "s", true).expect("stale parts replaced");
        assert!(!out.parts.join("job-0000000.csv").exists());
    }

    /// `.parts` leaves in one rename: a kill right after it (the deletion not begun) leaves no
    /// `.parts`, only the renamed one, which the next removal and the next run delete.
    #[test]
    fn parts_are_renamed_before_they_are_deleted() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (parts, gone) = (tmp.path().join(".parts"), tmp.path().join(REMOVED_PARTS));
        let fill = || {
            std::fs::create_dir_all(parts.join("staged")).expect("parts");
            std::fs::write(parts.join("run.json"), "{}").expect("a manifest");
            std::fs::write(parts.join("job-0000000.csv"), "1,2\n").expect("a part");
        };
        fill();
        remove_parts(tmp.path(), |_| Ok(())).expect("killed after the rename");
        assert!(!parts.exists(), "no .parts is left to read as a killed run");
        assert!(gone.join("run.json").is_file());
        fill();
        remove_parts(tmp.path(), delete_all).expect("removed");
        assert!(!parts.exists() && !gone.exists(), "the leftover goes with the next removal");
        fill();
        remove_parts(tmp.path(), |_| Ok(())).expect("killed after the rename");
        let out = OutDir::prepare(Some(tmp.path()), "s", true).expect("forced");
        assert!(!gone.exists(), "the next run deletes the leftover");
        assert!(out.parts.is_dir() && !out.parts.join("run.json").exists());
    }

    #[test]
    fn default_directories_of_the_same_second_get_suffixes() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let base = tmp.path().join("ergon-out").join("s-20000229-123456");
        let first = fresh(&base).expect("the first");
        let second = fresh(&base).expect("the second");
        let third = fresh(&base).expect("the third");
        assert_eq!(first, base);
        assert_eq!(second, tmp.path().join("ergon-out").join("s-20000229-123456-2"));
        assert_eq!(third, tmp.path().join("ergon-out").join("s-20000229-123456-3"));
        assert!(first.is_dir() && second.is_dir() && third.is_dir());
    }

    /// `./ergon-out` a file: the run's directory is named, and the file in its way.
    #[test]
    fn a_file_in_the_default_directory_s_way_is_named() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("ergon-out"), "").expect("a file");
        let base = tmp.path().join("ergon-out").join("s-20000229-123456");
        let e = fresh(&base).unwrap_err().to_string();
        let want = format!(
            "cannot create the output directory {}: {} is a file, not a directory",
            base.display(),
            tmp.path().join("ergon-out").display()
        );
        assert_eq!(e, want);
    }
}
