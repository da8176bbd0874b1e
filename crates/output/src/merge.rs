//! Merging a run's part files into `metrics.csv` and `metrics.parquet`.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::atomic::AtomicFile;
use crate::columns::Batch;
use crate::csv;
use crate::error::OutputError;
use crate::schema::{ColumnKind, Schema};

/// The name of the merged CSV file.
pub const CSV_FILE: &str = "metrics.csv";
/// The name of the merged Parquet file.
pub const PARQUET_FILE: &str = "metrics.parquet";

/// Capacity of the read buffer of a part.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// How to merge parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeOptions {
    /// Rows per Arrow record batch handed to the Parquet writer (default 8192).
    pub batch_rows: usize,
    /// Largest number of rows in a Parquet row group (default 65536).
    pub row_group_rows: usize,
    /// Key-value pairs stored in the Parquet file's metadata, in this order (version, seed,
    /// parameter hash, …). The Arrow writer adds its own `ARROW:schema` key.
    pub metadata: Vec<(String, String)>,
    /// The Parquet file's `created_by` field (default `ergon`); fixed, so the file's bytes do
    /// not depend on the Parquet library's version.
    pub created_by: String,
}

impl Default for MergeOptions {
    fn default() -> Self {
        MergeOptions {
            batch_rows: 1024,
            row_group_rows: 1024,
            metadata: Vec::new(),
            created_by: "ergon".to_owned(),
        }
    }
}

impl MergeOptions {
    /// Checks that the batch and row group sizes are positive.
    pub fn validate(&self) -> Result<(), OutputError> {
        if self.batch_rows == 0 {
            return Err(OutputError::Options { reason: "batch_rows must be at least 1" });
        }
        if self.row_group_rows == 0 {
            return Err(OutputError::Options { reason: "row_group_rows must be at least 1" });
        }
        Ok(())
    }

    /// The Parquet writer's settings. Amount columns (Decimal128, stored as 16-byte fixed-length
    /// arrays) are written without min/max statistics: the writer's statistics keep slices of
    /// each batch's value buffer until the file closes, so memory would grow with the rows.
    fn writer_properties(&self, schema: &Schema) -> WriterProperties {
        let metadata: Vec<KeyValue> =
            self.metadata.iter().map(|(k, v)| KeyValue::new(k.clone(), v.clone())).collect();
        let mut props = WriterProperties::builder()
            .set_created_by(self.created_by.clone())
            .set_max_row_group_row_count(Some(self.row_group_rows))
            .set_compression(Compression::SNAPPY)
            .set_key_value_metadata((!metadata.is_empty()).then_some(metadata));
        for c in schema.columns.iter().filter(|c| matches!(c.kind, ColumnKind::Amount { .. })) {
            props = props.set_column_statistics_enabled(
                ColumnPath::from(c.name.as_str()),
                EnabledStatistics::None,
            );
        }
        props.build()
    }
}

/// A part whose last record was incomplete and was left out of the merge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TruncatedPart {
    /// The part file.
    pub path: PathBuf,
    /// The 1-based line on which the incomplete record starts.
    pub line: u64,
    /// The number of bytes ignored.
    pub bytes: u64,
}

/// What a merge wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeStats {
    /// Rows written to each file.
    pub rows: u64,
    /// Parts read.
    pub parts: usize,
    /// Size of `metrics.csv` in bytes.
    pub csv_bytes: u64,
    /// Size of `metrics.parquet` in bytes.
    pub parquet_bytes: u64,
    /// Parts that ended in an incomplete record, in the order merged.
    pub truncated: Vec<TruncatedPart>,
}

/// Merges `parts`, in order, into `out_dir/metrics.csv` and `out_dir/metrics.parquet`,
/// replacing any earlier files of those names.
///
/// The parts are read in the order given, record by record. Each record is parsed strictly
/// against the schema (it must be the canonical encoding of its values), copied to the CSV
/// file, and appended to a batch of `batch_rows` rows; full batches go to the Parquet writer.
/// Batches are cut by global row number, not by part, so how rows were split among parts does
/// not change a byte of either file. Memory holds one batch, one record and the Parquet
/// writer's encoded row group, however many rows there are.
///
/// Both files are written through [`AtomicFile`]: both are complete and synced before either
/// is renamed into place, and an error leaves no new file and any earlier file untouched.
///
/// Parts are merged as they are: a run stopped part-way merges the parts it wrote. A part whose
/// last record has no final `\n` (a write cut short) has that record ignored and reported in
/// [`MergeStats::truncated`]. A part listed but missing is an error: list only parts that exist.
pub fn merge_parts(
    parts: &[PathBuf],
    schema: &Schema,
    out_dir: &Path,
    opts: &MergeOptions,
) -> Result<MergeStats, OutputError> {
    merge_parts_into(parts, schema, &out_dir.join(CSV_FILE), &out_dir.join(PARQUET_FILE), opts)
}

/// [`merge_parts`] into the files `csv_path` and `parquet_path` (other result files of rows,
/// such as `nodes.csv` and `nodes.parquet`).
pub fn merge_parts_into(
    parts: &[PathBuf],
    schema: &Schema,
    csv_path: &Path,
    parquet_path: &Path,
    opts: &MergeOptions,
) -> Result<MergeStats, OutputError> {
    schema.validate()?;
    opts.validate()?;
    let (csv_path, parquet_path) = (csv_path.to_path_buf(), parquet_path.to_path_buf());
    crate::atomic::remove_leftovers(&csv_path);
    crate::atomic::remove_leftovers(&parquet_path);
    let mut csv_out = AtomicFile::create(&csv_path)?;
    csv_out
        .write_all(schema.csv_header().as_bytes())
        .map_err(|e| OutputError::io("write", &csv_path, e))?;
    let batch = Batch::new(schema, opts.batch_rows, &opts.metadata);
    let parquet = ArrowWriter::try_new(
        AtomicFile::create(&parquet_path)?,
        batch.arrow_schema(),
        Some(opts.writer_properties(schema)),
    )
    .map_err(|source| OutputError::Parquet { path: parquet_path.clone(), source })?;
    let mut sink = Sink { csv: csv_out, parquet, parquet_path, batch, rows: 0 };

    let mut truncated = Vec::new();
    for part in parts {
        if let Some(t) = merge_part(part, schema, &mut sink)? {
            truncated.push(t);
        }
    }
    sink.flush_batch()?;

    let Sink { mut csv, parquet, parquet_path, rows, .. } = sink;
    let mut parquet = parquet
        .into_inner()
        .map_err(|source| OutputError::Parquet { path: parquet_path, source })?;
    csv.sync()?;
    parquet.sync()?;
    let parquet_bytes = parquet.finish()?;
    let csv_bytes = csv.finish()?;
    Ok(MergeStats { rows, parts: parts.len(), csv_bytes, parquet_bytes, truncated })
}

/// Where parsed records go.
struct Sink {
    csv: AtomicFile,
    parquet: ArrowWriter<AtomicFile>,
    parquet_path: PathBuf,
    batch: Batch,
    rows: u64,
}

impl Sink {
    /// Hands the gathered rows, if any, to the Parquet writer.
    fn flush_batch(&mut self) -> Result<(), OutputError> {
        if self.batch.rows() > 0 {
            self.parquet.write(&self.batch.take()).map_err(|source| OutputError::Parquet {
                path: self.parquet_path.clone(),
                source,
            })?;
        }
        Ok(())
    }
}

/// Appends one part's complete records to the sink; returns the part's incomplete last record,
/// if any.
fn merge_part(
    path: &Path,
    schema: &Schema,
    sink: &mut Sink,
) -> Result<Option<TruncatedPart>, OutputError> {
    let file = File::open(path).map_err(|e| OutputError::io("open", path, e))?;
    let mut reader = BufReader::with_capacity(READ_BUFFER_BYTES, file);
    let mut record = Vec::new();
    let mut fields: Vec<Range<usize>> = Vec::with_capacity(schema.len());
    let mut scratch = String::new();
    let mut line: u64 = 1;
    loop {
        record.clear();
        if !read_record(&mut reader, &mut record).map_err(|e| OutputError::io("read", path, e))? {
            let bytes = record.len() as u64;
            return Ok((bytes > 0).then(|| TruncatedPart { path: path.to_owned(), line, bytes }));
        }
        let malformed =
            |reason: String| OutputError::Malformed { path: path.to_owned(), line, reason };
        let body = &record[..record.len() - 1];
        csv::split_fields(body, &mut fields).map_err(|r| malformed(r.to_owned()))?;
        if fields.len() != schema.len() {
            let (got, expected) = (fields.len(), schema.len());
            return Err(malformed(format!("{got} fields, the schema has {expected} columns")));
        }
        for (i, (range, column)) in fields.iter().zip(&schema.columns).enumerate() {
            let cell = csv::parse_field(&body[range.clone()], column.kind, &mut scratch)
                .map_err(|r| malformed(format!("column {}: {r}", column.name)))?;
            sink.batch.push(i, cell);
        }
        sink.csv.write_all(&record).map_err(|e| OutputError::io("write", sink.csv.path(), e))?;
        sink.rows += 1;
        if sink.batch.end_row() {
            sink.flush_batch()?;
        }
        line += record.iter().filter(|&&b| b == b'\n').count() as u64;
    }
}

/// Reads one record (up to a `\n` outside quotes, inclusive) into `record`; returns `false` at
/// the end of the file, with `record` holding any incomplete trailing bytes.
fn read_record(reader: &mut impl BufRead, record: &mut Vec<u8>) -> std::io::Result<bool> {
    loop {
        let n = reader.read_until(b'\n', record)?;
        if n == 0 || record.last() != Some(&b'\n') {
            return Ok(false);
        }
        if record.iter().filter(|&&b| b == b'"').count() % 2 == 0 {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &[u8]) -> (Vec<Vec<u8>>, Vec<u8>) {
        let mut reader = text;
        let mut out = Vec::new();
        let mut record = Vec::new();
        while read_record(&mut reader, &mut record).expect("in memory") {
            out.push(std::mem::take(&mut record));
        }
        (out, record)
    }

    #[test]
    fn records_span_quoted_newlines() {
        let (complete, rest) = records(b"1,a\n2,\"x\ny\"\n3,\"\"\"\"\n4,b");
        assert_eq!(complete, [&b"1,a\n"[..], b"2,\"x\ny\"\n", b"3,\"\"\"\"\n"]);
        assert_eq!(rest, b"4,b");
        let (complete, rest) = records(b"1,\"open\nstill open\n");
        assert!(complete.is_empty());
        assert_eq!(rest, b"1,\"open\nstill open\n");
        let (complete, rest) = records(b"\n\n");
        assert_eq!(complete, [b"\n", b"\n"]);
        assert!(rest.is_empty());
    }

    #[test]
    fn zero_sizes_are_rejected() {
        let opts = MergeOptions { batch_rows: 0, ..MergeOptions::default() };
        assert!(matches!(opts.validate(), Err(OutputError::Options { .. })));
        let opts = MergeOptions { row_group_rows: 0, ..MergeOptions::default() };
        assert!(matches!(opts.validate(), Err(OutputError::Options { .. })));
    }
}
