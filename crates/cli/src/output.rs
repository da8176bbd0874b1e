//! Output files that appear whole or not at all: written to a temporary file beside the target,
//! renamed into place on success, removed on failure. What was there before is never lost to a
//! failed run.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::BadInput;

/// A file being written; it becomes visible at `path` only on [`AtomicFile::finish`].
pub(crate) struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `path` (through `path.tmp-PID`).
    pub(crate) fn create(path: &Path) -> Result<AtomicFile, BadInput> {
        let name = path
            .file_name()
            .ok_or_else(|| BadInput(format!("{}: not a file path", path.display())))?;
        let mut tmp_name = name.to_os_string();
        tmp_name.push(format!(".tmp-{}", std::process::id()));
        let tmp = path.with_file_name(tmp_name);
        let file = File::create(&tmp)
            .map_err(|e| BadInput(format!("cannot create {}: {e}", tmp.display())))?;
        Ok(AtomicFile { path: path.to_owned(), tmp, out: Some(BufWriter::new(file)) })
    }

    /// Writes one line.
    pub(crate) fn line(&mut self, text: &str) -> Result<(), BadInput> {
        let out = self.out.as_mut().expect("an AtomicFile is writable until finished");
        writeln!(out, "{text}")
            .map_err(|e| BadInput(format!("cannot write {}: {e}", self.tmp.display())))
    }

    /// Flushes and renames the file into place.
    pub(crate) fn finish(mut self) -> Result<(), BadInput> {
        let out = self.out.take().expect("finish is called once");
        let file = out
            .into_inner()
            .map_err(|e| BadInput(format!("cannot write {}: {}", self.tmp.display(), e.error())))?;
        file.sync_all()
            .map_err(|e| BadInput(format!("cannot write {}: {e}", self.tmp.display())))?;
        std::fs::rename(&self.tmp, &self.path).map_err(|e| {
            BadInput(format!("cannot move {} to {}: {e}", self.tmp.display(), self.path.display()))
        })
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
