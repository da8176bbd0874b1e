//! A run's output directory: created (or refused when it holds files, unless forced), with a
//! `.parts` directory for the jobs' part files while they run. The default name is
//! `./ergon-out/<scenario>-<UTC yyyymmdd-hhmmss>`.

use std::path::{Path, PathBuf};

use crate::error::OutputError;

/// The output directory of a run.
#[derive(Debug)]
pub struct OutDir {
    /// The directory the results go to.
    pub dir: PathBuf,
    /// Where the jobs' part files are written until the merge.
    pub(crate) parts: PathBuf,
    /// Whether this run created the directory (then a failed run removes it).
    created: bool,
}

impl OutDir {
    /// Creates the output directory `out` (default: [`default_dir`] of `name`), refusing one
    /// that holds anything unless `force`, and an empty `.parts` directory in it.
    pub fn prepare(out: Option<&Path>, name: &str, force: bool) -> Result<OutDir, OutputError> {
        let dir = out.map_or_else(|| default_dir(name), Path::to_path_buf);
        let io = |op: &'static str, source: std::io::Error| OutputError::Dir {
            op,
            dir: dir.clone(),
            source,
        };
        let created = match std::fs::read_dir(&dir) {
            Ok(mut entries) => {
                if entries.next().is_some() && !force {
                    return Err(OutputError::DirNotEmpty { dir });
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
        // Parts of an earlier, unfinished run are stale: start over.
        let _ = std::fs::remove_dir_all(&parts);
        std::fs::create_dir_all(&parts).map_err(|e| io("create parts in", e))?;
        Ok(OutDir { dir, parts, created })
    }

    /// Removes what this run wrote (after a failure): its part files, and the directory if the
    /// run created it.
    pub fn abandon(&self) {
        // Best effort: what cannot be removed stays for the user to see.
        let _ = std::fs::remove_dir_all(&self.parts);
        if self.created {
            let _ = std::fs::remove_dir(&self.dir);
        }
    }
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
    }
}
