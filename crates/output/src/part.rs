//! One job's rows on disk: a part file of CSV lines without a header, byte for byte the lines
//! those rows will have in `metrics.csv` (the encoding is in the [crate docs](crate#csv-text)).
//!
//! Rows reach the file whole: a row is encoded in memory first, and the buffer is flushed before
//! a row that would not fit in it, so a run stopped part-way leaves complete lines (an operating
//! system write cut short by a crash may still leave a partial last line, which the merge
//! ignores and reports). The buffer is also flushed after a row when [`FLUSH_EVERY`] has passed
//! since the last flush, so a process killed outright (SIGKILL) loses at most that much of its
//! rows. Memory is one row plus a fixed buffer, whatever the number of rows.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::csv;
use crate::error::OutputError;
use crate::schema::{Cell, ColumnKind, MAX_AMOUNT_RAW, Schema};

/// Capacity of a part's write buffer.
const BUFFER_BYTES: usize = 64 * 1024;

/// The longest a written row waits in the buffer before the next row flushes it to the file.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);

/// Streams one job's rows to a part file.
#[derive(Debug)]
pub struct PartWriter {
    path: PathBuf,
    schema: Arc<Schema>,
    out: BufWriter<File>,
    line: String,
    rows: u64,
    flushed: Instant,
    /// The CRC-32 of every byte of the file so far (what a checkpoint records of its rows).
    crc: crc32fast::Hasher,
}

impl PartWriter {
    /// Creates (or truncates) the part file at `path` for rows of `schema`.
    pub fn create(path: &Path, schema: Arc<Schema>) -> Result<PartWriter, OutputError> {
        let file = File::create(path).map_err(|e| OutputError::io("create", path, e))?;
        Ok(PartWriter {
            path: path.to_path_buf(),
            schema,
            out: BufWriter::with_capacity(BUFFER_BYTES, file),
            line: String::new(),
            rows: 0,
            flushed: Instant::now(),
            crc: crc32fast::Hasher::new(),
        })
    }

    /// Checks that the part file at `path` begins with `bytes` bytes whose CRC-32 is `crc` (the
    /// rows a checkpoint recorded), changing nothing; returns the open file and that CRC's
    /// state. An error names a file shorter than `bytes` or rows altered since.
    pub fn check_rows(
        path: &Path,
        bytes: u64,
        crc: u32,
    ) -> Result<(File, crc32fast::Hasher), OutputError> {
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| OutputError::io("open", path, e))?;
        let len = file.metadata().map_err(|e| OutputError::io("read", path, e))?.len();
        let refuse = |why: String| {
            let e = std::io::Error::new(std::io::ErrorKind::InvalidData, why);
            OutputError::io("resume", path, e)
        };
        if len < bytes {
            return Err(refuse(format!(
                "{len} bytes, fewer than the {bytes} its checkpoint recorded"
            )));
        }
        let mut hasher = crc32fast::Hasher::new();
        let mut left = bytes;
        let mut chunk = vec![0u8; BUFFER_BYTES];
        while left > 0 {
            let n = usize::try_from(left).map_or(chunk.len(), |l| l.min(chunk.len()));
            std::io::Read::read_exact(&mut file, &mut chunk[..n])
                .map_err(|e| OutputError::io("read", path, e))?;
            hasher.update(&chunk[..n]);
            left -= n as u64;
        }
        let found = hasher.clone().finalize();
        if found != crc {
            return Err(refuse(format!(
                "its first {bytes} bytes were altered since the checkpoint (CRC-32 {found:08x}, \
                 recorded {crc:08x})"
            )));
        }
        Ok((file, hasher))
    }

    /// Reopens the part file at `path` to go on after its first `bytes` bytes (the rows a
    /// checkpoint recorded, whose CRC-32 is `crc`): what follows them — rows written after the
    /// checkpoint, a line cut short — is cut off. An error when the file is shorter than
    /// `bytes` or those bytes were altered ([`PartWriter::check_rows`]).
    pub fn reopen(
        path: &Path,
        schema: Arc<Schema>,
        bytes: u64,
        crc: u32,
    ) -> Result<PartWriter, OutputError> {
        let (file, hasher) = PartWriter::check_rows(path, bytes, crc)?;
        file.set_len(bytes).map_err(|e| OutputError::io("truncate", path, e))?;
        let mut out = BufWriter::with_capacity(BUFFER_BYTES, file);
        out.seek(SeekFrom::End(0)).map_err(|e| OutputError::io("seek", path, e))?;
        Ok(PartWriter {
            path: path.to_path_buf(),
            schema,
            out,
            line: String::new(),
            rows: 0,
            flushed: Instant::now(),
            crc: hasher,
        })
    }

    /// Writes every row so far through to the disk (flush and `fsync`) and returns the file's
    /// length in bytes and their CRC-32: what a checkpoint records.
    pub fn sync(&mut self) -> Result<(u64, u32), OutputError> {
        self.out.flush().map_err(|e| OutputError::io("write", &self.path, e))?;
        self.flushed = Instant::now();
        let file = self.out.get_mut();
        file.sync_data().map_err(|e| OutputError::io("sync", &self.path, e))?;
        let bytes = file.stream_position().map_err(|e| OutputError::io("seek", &self.path, e))?;
        Ok((bytes, self.crc.clone().finalize()))
    }

    /// The part file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Appends one row.
    ///
    /// The row must have one cell per column, each of its column's kind, and amounts must fit
    /// 38 digits; otherwise nothing is written and the error names the column. The writer stays
    /// usable after a rejected row.
    pub fn write_row(&mut self, row: &[Cell]) -> Result<(), OutputError> {
        self.check(row)?;
        self.line.clear();
        csv::push_row(&mut self.line, row, self.schema.columns.iter().map(|c| c.kind));
        let bytes = self.line.as_bytes();
        if self.out.capacity() - self.out.buffer().len() < bytes.len() {
            self.out.flush().map_err(|e| OutputError::io("write", &self.path, e))?;
        }
        self.out.write_all(bytes).map_err(|e| OutputError::io("write", &self.path, e))?;
        self.crc.update(bytes);
        self.rows += 1;
        if self.flushed.elapsed() >= FLUSH_EVERY {
            self.out.flush().map_err(|e| OutputError::io("write", &self.path, e))?;
            self.flushed = Instant::now();
        }
        Ok(())
    }

    /// Flushes the file and returns the number of rows written.
    pub fn finish(mut self) -> Result<u64, OutputError> {
        self.out.flush().map_err(|e| OutputError::io("write", &self.path, e))?;
        Ok(self.rows)
    }

    fn check(&self, row: &[Cell]) -> Result<(), OutputError> {
        let columns = &self.schema.columns;
        if row.len() != columns.len() {
            return Err(OutputError::RowLength {
                path: self.path.clone(),
                row: self.rows,
                expected: columns.len(),
                got: row.len(),
            });
        }
        for (cell, column) in row.iter().zip(columns) {
            if !cell.fits(column.kind) {
                return Err(OutputError::Row {
                    path: self.path.clone(),
                    row: self.rows,
                    column: column.name.clone(),
                    expected: column.kind,
                    got: cell.kind_name(),
                });
            }
            if let (Cell::Amount(raw), ColumnKind::Amount { .. }) = (cell, column.kind)
                && *raw > MAX_AMOUNT_RAW
            {
                return Err(OutputError::AmountRange {
                    path: self.path.clone(),
                    row: self.rows,
                    column: column.name.clone(),
                    raw: *raw,
                });
            }
        }
        Ok(())
    }
}
