//! Merging parts: exact values and types read back from Parquet, exact CSV text, byte-identical
//! files however the rows were split, and all-or-nothing writes.

mod common;

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Float64Type, Int64Type, UInt64Type};
use arrow_schema::DataType;
use ergon_output::{
    CSV_FILE, Cell, MergeOptions, MergeStats, OutputError, PARQUET_FILE, merge_parts,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn opts() -> MergeOptions {
    MergeOptions {
        metadata: vec![("ergon_version".into(), "0.1.0".into()), ("seed".into(), "42".into())],
        ..MergeOptions::default()
    }
}

fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let file = File::open(path).expect("open parquet");
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).expect("parquet footer");
    builder.build().expect("reader").collect::<Result<_, _>>().expect("batches")
}

#[test]
fn round_trip_through_parquet_and_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let parts = common::write_parts(&dir.path().join("parts"), &[3, 0, 5]);
    let stats = merge_parts(&parts, &common::schema(), dir.path(), &opts()).expect("merge");
    assert_eq!((stats.rows, stats.parts), (8, 3));
    assert!(stats.truncated.is_empty());
    assert_parquet_metadata_and_types(&dir.path().join(PARQUET_FILE));
    assert_parquet_values(&dir.path().join(PARQUET_FILE));
    assert_csv(dir.path(), &parts, &stats);
    assert_eq!(common::file_names(dir.path()), [CSV_FILE, PARQUET_FILE, "parts"]);
}

/// The merged Parquet file's metadata (the fixed created_by and the caller's key-value pairs)
/// and its column types.
fn assert_parquet_metadata_and_types(path: &Path) {
    let file = File::open(path).expect("open");
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).expect("footer");
    let meta = builder.metadata().file_metadata();
    assert_eq!(meta.created_by(), Some("ergon"));
    assert_eq!(meta.num_rows(), 8);
    let kv: Vec<(&str, Option<&str>)> = meta
        .key_value_metadata()
        .expect("key-value metadata")
        .iter()
        .map(|kv| (kv.key.as_str(), kv.value.as_deref()))
        .collect();
    assert!(kv.contains(&("ergon_version", Some("0.1.0"))), "{kv:?}");
    assert!(kv.contains(&("seed", Some("42"))), "{kv:?}");
    // The same pairs on the Arrow schema, where Arrow readers look.
    let arrow_meta = builder.schema().metadata();
    assert_eq!(arrow_meta.get("seed").map(String::as_str), Some("42"));
    assert_eq!(arrow_meta.get("ergon_version").map(String::as_str), Some("0.1.0"));

    // Types.
    let schema = builder.schema().clone();
    let types: Vec<DataType> = schema.fields().iter().map(|f| f.data_type().clone()).collect();
    assert_eq!(
        types,
        [
            DataType::UInt64,
            DataType::Int64,
            DataType::Float64,
            DataType::Utf8,
            DataType::Decimal128(38, 18),
            DataType::Decimal128(38, 6),
        ]
    );
    assert!(schema.fields().iter().all(|f| !f.is_nullable()));
}

/// The merged Parquet file holds the fixture's 8 rows, in row order, with exact values.
fn assert_parquet_values(path: &Path) {
    let batches = read_parquet(path);
    let mut seen = 0u64;
    for batch in &batches {
        for r in 0..batch.num_rows() {
            let expected = common::row(seen);
            let c = batch.columns();
            assert_eq!(Cell::U64(c[0].as_primitive::<UInt64Type>().value(r)), expected[0]);
            assert_eq!(Cell::I64(c[1].as_primitive::<Int64Type>().value(r)), expected[1]);
            let ratio = c[2].as_primitive::<Float64Type>().value(r);
            match &expected[2] {
                Cell::F64(v) if v.is_nan() => assert!(ratio.is_nan(), "row {seen}: {ratio}"),
                Cell::F64(v) => assert_eq!(ratio.to_bits(), v.to_bits(), "row {seen}"),
                other => panic!("fixture column 2 is {other:?}"),
            }
            assert_eq!(Cell::Str(c[3].as_string::<i32>().value(r).to_owned()), expected[3]);
            for col in [4, 5] {
                let raw = c[col].as_primitive::<Decimal128Type>().value(r);
                assert_eq!(Cell::Amount(u128::try_from(raw).expect("non-negative")), expected[col]);
            }
            seen += 1;
        }
    }
    assert_eq!(seen, 8);
}

/// The merged CSV is the header, then the parts' bytes in order; the stats give both files'
/// sizes.
fn assert_csv(dir: &Path, parts: &[PathBuf], stats: &MergeStats) {
    let csv = fs::read_to_string(dir.join(CSV_FILE)).expect("read csv");
    let mut expected = "run,delta,ratio,label,supply_wei,price_micro\n".to_owned();
    for part in parts {
        expected.push_str(&fs::read_to_string(part).expect("read part"));
    }
    assert_eq!(csv, expected);
    assert!(csv.starts_with(concat!(
        "run,delta,ratio,label,supply_wei,price_micro\n",
        "0,-5,,plain 0,0,0\n",
        "1,-4,inf,\"a,b 1\",1.500000000000000001,0.25\n",
    )));
    assert!(csv.ends_with("7,2,-2.3333333333333335,\"two\nlines 7\",10.500000000000000001,1.75\n"));
    assert_eq!(stats.csv_bytes, csv.len() as u64);
    let parquet_len = fs::metadata(dir.join(PARQUET_FILE)).expect("stat").len();
    assert_eq!(stats.parquet_bytes, parquet_len);
}

#[test]
fn bytes_do_not_depend_on_the_split_into_parts() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Small batches and row groups so both cross part boundaries.
    let opts = MergeOptions { batch_rows: 4, row_group_rows: 5, ..opts() };
    let mut outputs = Vec::new();
    for (name, sizes) in [("a", &[3, 4, 5][..]), ("b", &[6, 6]), ("c", &[12]), ("d", &[1; 12])] {
        let parts = common::write_parts(&dir.path().join(name).join("parts"), sizes);
        let out = dir.path().join(name);
        let stats = merge_parts(&parts, &common::schema(), &out, &opts).expect("merge");
        assert_eq!(stats.rows, 12);
        let csv = fs::read(out.join(CSV_FILE)).expect("csv");
        let parquet = fs::read(out.join(PARQUET_FILE)).expect("parquet");
        outputs.push((name, csv, parquet));
    }
    for (name, csv, parquet) in &outputs[1..] {
        assert!(*csv == outputs[0].1, "metrics.csv of split {name} differs");
        assert!(*parquet == outputs[0].2, "metrics.parquet of split {name} differs");
    }

    // Row groups of 5 rows: 5 + 5 + 2.
    let file = File::open(dir.path().join("a").join(PARQUET_FILE)).expect("open");
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).expect("footer");
    let groups: Vec<i64> = builder.metadata().row_groups().iter().map(|g| g.num_rows()).collect();
    assert_eq!(groups, [5, 5, 2]);

    // Merging the same parts again gives the same bytes.
    let parts = common::write_parts(&dir.path().join("a").join("parts"), &[3, 4, 5]);
    let again = dir.path().join("again");
    fs::create_dir(&again).expect("mkdir");
    merge_parts(&parts, &common::schema(), &again, &opts).expect("merge");
    assert!(fs::read(again.join(PARQUET_FILE)).expect("parquet") == outputs[0].2);
}

#[test]
fn failed_merge_leaves_earlier_files_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut parts = common::write_parts(&dir.path().join("parts"), &[3, 3]);
    let bad = dir.path().join("parts").join("part-bad.csv");
    fs::write(&bad, "9,4,0.5,ok,1.50,2\n").expect("write bad part");
    parts.insert(1, bad);

    let out = dir.path().join("out");
    fs::create_dir(&out).expect("mkdir");
    let err = merge_parts(&parts, &common::schema(), &out, &opts()).expect_err("malformed");
    match &err {
        OutputError::Malformed { path, line, reason } => {
            assert!(path.ends_with("part-bad.csv"));
            assert_eq!(*line, 1);
            assert!(reason.contains("supply_wei"), "{reason}");
        }
        other => panic!("unexpected error {other}"),
    }
    assert!(err.to_string().contains("part-bad.csv:1: column supply_wei"), "{err}");
    assert!(common::file_names(&out).is_empty(), "{:?}", common::file_names(&out));

    fs::write(out.join(CSV_FILE), "old csv").expect("seed");
    fs::write(out.join(PARQUET_FILE), "old parquet").expect("seed");
    merge_parts(&parts, &common::schema(), &out, &opts()).expect_err("malformed");
    assert_eq!(fs::read_to_string(out.join(CSV_FILE)).expect("read"), "old csv");
    assert_eq!(fs::read_to_string(out.join(PARQUET_FILE)).expect("read"), "old parquet");
    assert_eq!(common::file_names(&out), [CSV_FILE, PARQUET_FILE]);

    // A missing part is an error too, naming the file.
    let missing = vec![dir.path().join("parts").join("part-99999.csv")];
    let err = merge_parts(&missing, &common::schema(), &out, &opts()).expect_err("missing");
    assert!(matches!(err, OutputError::Io { op: "open", .. }), "{err}");
    assert!(err.to_string().contains("part-99999.csv"), "{err}");
    assert_eq!(fs::read_to_string(out.join(CSV_FILE)).expect("read"), "old csv");
}

#[test]
fn malformed_records_are_located() {
    let dir = tempfile::tempdir().expect("tempdir");
    let part = dir.path().join("part.csv");
    for (text, line, needle) in [
        ("0,-5,,plain,0,0\n1,2,3\n", 2, "3 fields, the schema has 6 columns"),
        ("0,-5,,\"a\nb\",0,0\n0,-5,NaN,x,0,0\n", 3, "column ratio"),
        ("0,-5,,\"abc\",0,0\n", 1, "canonical"),
        ("0,-5,,\"a\"b,0,0\n", 1, "closing quote"),
    ] {
        fs::write(&part, text).expect("write part");
        let err = merge_parts(std::slice::from_ref(&part), &common::schema(), dir.path(), &opts())
            .expect_err(text);
        match &err {
            OutputError::Malformed { line: l, reason, .. } => {
                assert_eq!(*l, line, "{text:?}: {err}");
                assert!(reason.contains(needle), "{text:?}: {err}");
            }
            other => panic!("{text:?}: unexpected error {other}"),
        }
    }
}

#[test]
fn a_cut_short_part_merges_its_complete_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let parts = common::write_parts(&dir.path().join("parts"), &[2, 4]);
    let mut file = fs::OpenOptions::new().append(true).open(&parts[1]).expect("open");
    file.write_all(b"6,1,0.6,\"two\nlin").expect("append partial record");
    drop(file);

    let stats = merge_parts(&parts, &common::schema(), dir.path(), &opts()).expect("merge");
    assert_eq!(stats.rows, 6);
    assert_eq!(stats.truncated.len(), 1);
    let t = &stats.truncated[0];
    assert_eq!((t.path.as_path(), t.line, t.bytes), (parts[1].as_path(), 6, 16));
    let csv = fs::read_to_string(dir.path().join(CSV_FILE)).expect("csv");
    assert!(csv.ends_with("5,0,,\"a,b 5\",7.500000000000000002,1.25\n"), "{csv}");
    let rows: usize =
        read_parquet(&dir.path().join(PARQUET_FILE)).iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 6);
}

#[test]
fn no_parts_give_header_only_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stats = merge_parts(&[], &common::schema(), dir.path(), &opts()).expect("merge");
    assert_eq!((stats.rows, stats.parts), (0, 0));
    let csv = fs::read_to_string(dir.path().join(CSV_FILE)).expect("csv");
    assert_eq!(csv, "run,delta,ratio,label,supply_wei,price_micro\n");
    let batches = read_parquet(&dir.path().join(PARQUET_FILE));
    assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 0);
}
