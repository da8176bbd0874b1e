//! A file that appears under its name complete or not at all.
//!
//! Bytes go to `NAME.tmp-PID` beside the target; [`AtomicFile::finish`] flushes, syncs and
//! renames it over the target. Dropping an unfinished `AtomicFile` removes the temporary file,
//! so an error leaves any earlier file of the same name untouched. Two `AtomicFile`s for the same
//! target in one process would share a temporary name: write each target from one place only.
//! A process killed before its rename leaves its `NAME.tmp-PID`; [`remove_leftovers`] removes
//! such files whose process is gone (where the system lists its processes under `/proc`; a file
//! of a live process, or not of this form, is left). The outputs a person names call it before
//! they write (the run's merged files, a report, a replay's); a checkpoint's save does not, as
//! it would list a directory of every job's files at each save.
//!
//! A symbolic link is followed: the file it names is replaced, the link stays. A target that
//! exists and is not a regular file — a device (`/dev/null`, `/dev/stdout`), a pipe, a socket —
//! is written in place, as a shell's `>` would, never renamed over: it cannot be whole or
//! absent, and replacing it would replace the device for everyone.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::OutputError;

/// A file written to a temporary name and renamed over its target when finished.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    /// Where the bytes go: the temporary file, or the target itself when it is not a regular
    /// file (`in_place`).
    tmp: PathBuf,
    in_place: bool,
    /// `None` once finished.
    file: Option<BufWriter<File>>,
    bytes: u64,
}

impl AtomicFile {
    /// Creates (or truncates) the temporary file `path.tmp-PID` beside `path` (beside the file
    /// a link names); opens `path` itself when it exists and is not a regular file (module doc).
    pub fn create(path: impl AsRef<Path>) -> Result<AtomicFile, OutputError> {
        let given = path.as_ref();
        // A link's file, resolved (a dangling link stays as given, and is written through).
        let link = fs::symlink_metadata(given).is_ok_and(|m| m.file_type().is_symlink());
        let target = match link.then(|| fs::canonicalize(given)) {
            Some(Ok(file)) => file,
            _ => given.to_path_buf(),
        };
        // A path under /dev or /proc (`/dev/stdout`, `/proc/self/fd/1`) names what a process
        // was given, whatever it is: a redirect to a file is appended to, not replaced.
        let system = given.starts_with("/dev") || given.starts_with("/proc");
        let in_place = match fs::metadata(&target) {
            // A directory of that name would refuse only the final rename.
            Ok(meta) if meta.is_dir() && !system => {
                let err = io::Error::other("a directory has the name");
                return Err(OutputError::io("create", &target, err));
            }
            Ok(meta) => system || !meta.is_file(),
            Err(_) => link, // dangling: the file it names is created
        };
        if in_place {
            let file = match inherited(given) {
                Some(file) => file,
                None => fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(!system)
                    .open(if system { given } else { &target }),
            }
            .map_err(|e| OutputError::io("open", &target, e))?;
            let writer = Some(BufWriter::new(file));
            return Ok(AtomicFile {
                tmp: target.clone(),
                target,
                in_place: true,
                file: writer,
                bytes: 0,
            });
        }
        let mut name = target
            .file_name()
            .ok_or_else(|| {
                let err = io::Error::new(io::ErrorKind::InvalidInput, "not a file name");
                OutputError::io("create", &target, err)
            })?
            .to_os_string();
        name.push(format!(".tmp-{}", std::process::id()));
        let tmp = target.with_file_name(name);
        let file = File::create(&tmp).map_err(|e| OutputError::io("create", &tmp, e))?;
        Ok(AtomicFile { target, tmp, in_place: false, file: Some(BufWriter::new(file)), bytes: 0 })
    }

    /// The path the file will have once finished.
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// The temporary file the bytes go to until [`AtomicFile::finish`]; `None` for a target
    /// written in place.
    pub fn temporary_path(&self) -> Option<&Path> {
        (!self.in_place).then_some(self.tmp.as_path())
    }

    /// The number of bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.bytes
    }

    /// Flushes the buffered bytes and syncs the temporary file to disk, keeping it open (a
    /// target written in place is flushed only).
    pub fn sync(&mut self) -> Result<(), OutputError> {
        let writer = self.file.as_mut().expect("an AtomicFile is writable until finished");
        writer.flush().map_err(|e| OutputError::io("write", &self.tmp, e))?;
        if self.in_place {
            return Ok(());
        }
        writer.get_ref().sync_all().map_err(|e| OutputError::io("sync", &self.tmp, e))
    }

    /// Flushes, syncs and renames the file to its target, replacing any file there; returns the
    /// number of bytes written. On error the temporary file is removed. A target written in
    /// place is flushed only.
    pub fn finish(mut self) -> Result<u64, OutputError> {
        let writer = self.file.take().expect("only finish takes the file, and it consumes self");
        if self.in_place {
            writer.into_inner().map_err(|e| OutputError::io("write", &self.tmp, e.into_error()))?;
            return Ok(self.bytes);
        }
        let file = writer
            .into_inner()
            .map_err(|e| OutputError::io("write", &self.tmp, e.into_error()))
            .inspect_err(|_| self.remove_tmp())?;
        file.sync_all()
            .map_err(|e| OutputError::io("sync", &self.tmp, e))
            .inspect_err(|_| self.remove_tmp())?;
        drop(file);
        fs::rename(&self.tmp, &self.target)
            .map_err(|e| OutputError::io("rename", &self.target, e))
            .inspect_err(|_| self.remove_tmp())?;
        sync_parent(&self.target);
        Ok(self.bytes)
    }

    fn remove_tmp(&self) {
        if self.in_place {
            return;
        }
        // The file may already be gone; there is nothing more to do either way.
        let _ = fs::remove_file(&self.tmp);
    }
}

/// Writes `bytes` to `path` through an [`AtomicFile`]: the file there afterwards is the earlier
/// one or the new one, whole (a kill or a full disk at any moment never leaves it cut short).
pub(crate) fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    remove_leftovers(path);
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).map_err(|e| OutputError::io("write", path, e))?;
    file.finish().map(|_| ())
}

/// The process's own standard output or error for `/dev/stdout`, `/dev/stderr` and their
/// `/proc/self/fd/` and `/dev/fd/` names: a copy of the descriptor it was given, so a shell's
/// `>>` appends and a `>` goes on where it is (opening the path anew would start at its
/// beginning).
fn inherited(path: &Path) -> Option<io::Result<File>> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd as _;
        let name = path.to_str()?;
        let fd = name.strip_prefix("/proc/self/fd/").or_else(|| name.strip_prefix("/dev/fd/")).or(
            match name {
                "/dev/stdout" => Some("1"),
                "/dev/stderr" => Some("2"),
                _ => None,
            },
        )?;
        let owned = match fd {
            "1" => io::stdout().as_fd().try_clone_to_owned(),
            "2" => io::stderr().as_fd().try_clone_to_owned(),
            _ => return None,
        };
        Some(owned.map(File::from))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Removes the `NAME.tmp-PID` files beside `path` (its file name `NAME`) that processes no
/// longer running left, killed before their rename; best effort. Only where `/proc/self` shows
/// the system lists processes there: elsewhere nothing can tell a dead writer from a live one.
pub fn remove_leftovers(path: &Path) {
    let proc = Path::new("/proc");
    let name = path.file_name().and_then(|n| n.to_str());
    let (Some(name), true) = (name, proc.join("self").exists()) else { return };
    // A device or a process's descriptor is written in place: it has no temporary files.
    if path.starts_with("/dev") || path.starts_with("/proc") {
        return;
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = fs::read_dir(dir) else { return };
    let prefix = format!("{name}.tmp-");
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(pid) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else { continue };
        let ours = pid == std::process::id().to_string();
        let digits = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
        if digits && !ours && !proc.join(pid).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Makes a rename durable on platforms where a directory can be synced; best effort.
fn sync_parent(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        if let Ok(handle) = File::open(dir) {
            let _ = handle.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let file = self.file.as_mut().expect("an AtomicFile is writable until finished");
        let n = file.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().expect("an AtomicFile is writable until finished").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            self.remove_tmp();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_renames_and_drop_discards() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("summary.json");
        fs::write(&target, "old").expect("seed file");

        let mut unfinished = AtomicFile::create(&target).expect("create");
        unfinished.write_all(b"lost").expect("write");
        drop(unfinished);
        assert_eq!(fs::read_to_string(&target).expect("read"), "old");
        assert_eq!(fs::read_dir(dir.path()).expect("list").count(), 1, "tmp file left behind");

        let mut file = AtomicFile::create(&target).expect("create");
        file.write_all(b"new text").expect("write");
        assert_eq!(file.bytes_written(), 8);
        assert_eq!(file.finish().expect("finish"), 8);
        assert_eq!(fs::read_to_string(&target).expect("read"), "new text");
        assert_eq!(fs::read_dir(dir.path()).expect("list").count(), 1);
    }

    /// A link's file is replaced and the link kept; a pipe is written in place, not replaced.
    #[cfg(unix)]
    #[test]
    fn links_are_followed_and_pipes_written_in_place() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real.json");
        fs::write(&real, "old").expect("seed file");
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let mut file = AtomicFile::create(&link).expect("create");
        file.write_all(b"new").expect("write");
        file.finish().expect("finish");
        assert!(fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
        assert_eq!(fs::read_to_string(&real).expect("read"), "new");

        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo here: the link half stands
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read_to_string(fifo).expect("read the pipe"))
        };
        let mut file = AtomicFile::create(&fifo).expect("open the pipe");
        file.write_all(b"through the pipe\n").expect("write");
        assert_eq!(file.finish().expect("finish"), 17);
        assert_eq!(reader.join().expect("reader"), "through the pipe\n");
        use std::os::unix::fs::FileTypeExt as _;
        assert!(fs::metadata(&fifo).expect("fifo").file_type().is_fifo(), "the pipe was replaced");
        assert_eq!(fs::read_dir(dir.path()).expect("list").count(), 3, "a temporary file left");
    }

    #[test]
    fn missing_directory_is_an_io_error_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = AtomicFile::create(dir.path().join("no/such/dir/x.csv")).expect_err("no dir");
        assert!(matches!(err, OutputError::Io { op: "create", .. }), "{err}");
        assert!(err.to_string().contains("x.csv.tmp-"), "{err}");
    }

    /// A killed writer's `NAME.tmp-PID` goes with [`remove_leftovers`] of `NAME`; one of a live
    /// process, one of another name and one not ending in a process number stay.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_dead_writers_temporary_file_goes_with_the_next_write() {
        let dir = tempfile::tempdir().expect("tempdir");
        let at = |n: &str| dir.path().join(n);
        // Above Linux's largest process number (2^22): no process has it.
        let dead = at("x.csv.tmp-99999999");
        let live = at(&format!("x.csv.tmp-{}", std::os::unix::process::parent_id()));
        let (other, odd) = (at("y.csv.tmp-99999999"), at("x.csv.tmp-12a"));
        for f in [&dead, &live, &other, &odd] {
            fs::write(f, "left").expect("a leftover");
        }
        remove_leftovers(&at("x.csv"));
        let mut file = AtomicFile::create(at("x.csv")).expect("create");
        file.write_all(b"new").expect("write");
        file.finish().expect("finish");
        assert!(!dead.exists(), "a dead process's temporary file stayed");
        for f in [&live, &other, &odd] {
            assert!(f.exists(), "{} was removed", f.display());
        }
        assert_eq!(fs::read_to_string(at("x.csv")).expect("read"), "new");
    }
}
