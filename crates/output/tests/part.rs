//! Part files: exact CSV lines, and rows that do not match the schema rejected.

mod common;

use std::fs;
use std::sync::Arc;

use ergon_output::{Cell, Column, ColumnKind, OutputError, PartWriter, Schema};

#[test]
fn part_lines_are_golden() {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = common::write_parts(dir.path(), &[4]);
    let text = fs::read_to_string(&paths[0]).expect("read part");
    assert_eq!(
        text,
        concat!(
            "0,-5,,plain 0,0,0\n",
            "1,-4,inf,\"a,b 1\",1.500000000000000001,0.25\n",
            "2,-3,-0.6666666666666666,\"say \"\"2\"\"\",3.000000000000000002,0.5\n",
            "3,-2,0.30000000000000004,\"two\nlines 3\",4.5,0.75\n",
        )
    );
}

#[test]
fn amount_edge_cases() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("part.csv");
    let schema = Arc::new(
        Schema::new(vec![
            Column::new("wei", ColumnKind::Amount { decimals: 18 }),
            Column::new("units", ColumnKind::Amount { decimals: 0 }),
        ])
        .expect("valid"),
    );
    let mut part = PartWriter::create(&path, schema).expect("create");
    for (wei, units) in [(1_500_000_000_000_000_000, 0), (0, 7), (7, ergon_output::MAX_AMOUNT_RAW)]
    {
        part.write_row(&[Cell::Amount(wei), Cell::Amount(units)]).expect("valid row");
    }
    assert_eq!(part.finish().expect("finish"), 3);
    assert_eq!(
        fs::read_to_string(&path).expect("read"),
        "1.5,0\n0,7\n0.000000000000000007,99999999999999999999999999999999999999\n"
    );
}

#[test]
fn kind_mismatch_names_the_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("part.csv");
    let mut part = PartWriter::create(&path, common::schema()).expect("create");
    part.write_row(&common::row(0)).expect("valid row");

    let mut bad = common::row(1);
    bad[4] = Cell::F64(1.5);
    let err = part.write_row(&bad).expect_err("f64 in an amount column");
    match &err {
        OutputError::Row { column, expected, got, row, .. } => {
            assert_eq!(column, "supply_wei");
            assert_eq!(*expected, ColumnKind::Amount { decimals: 18 });
            assert_eq!(*got, "f64");
            assert_eq!(*row, 1);
        }
        other => panic!("unexpected error {other}"),
    }
    let message = err.to_string();
    assert!(message.contains("supply_wei") && message.contains("part.csv"), "{message}");
    assert!(message.contains("expected a amount(18) cell, got f64"), "{message}");

    let err = part.write_row(&common::row(1)[..5]).expect_err("short row");
    assert!(matches!(err, OutputError::RowLength { expected: 6, got: 5, .. }), "{err}");

    let mut huge = common::row(1);
    huge[5] = Cell::Amount(u128::MAX);
    let err = part.write_row(&huge).expect_err("amount beyond 38 digits");
    assert!(
        matches!(&err, OutputError::AmountRange { column, .. } if column == "price_micro"),
        "{err}"
    );

    // Rejected rows leave nothing behind; the writer stays usable.
    part.write_row(&common::row(1)).expect("valid row");
    assert_eq!(part.finish().expect("finish"), 2);
    let text = fs::read_to_string(&path).expect("read");
    assert_eq!(text.lines().count(), 2);
}

#[test]
fn many_rows_stay_whole_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("part.csv");
    let schema = Arc::new(Schema::new(vec![Column::new("s", ColumnKind::Str)]).expect("valid"));
    let mut part = PartWriter::create(&path, schema).expect("create");
    let long = "x".repeat(1000);
    for _ in 0..200 {
        part.write_row(&[Cell::Str(long.clone())]).expect("row");
        let on_disk = fs::read(&path).expect("read");
        assert!(on_disk.is_empty() || on_disk.ends_with(b"\n"), "a partial line was flushed");
    }
    assert_eq!(part.finish().expect("finish"), 200);
    assert_eq!(fs::read(&path).expect("read").len(), 200 * 1001);
}

/// A row written once `FLUSH_EVERY` has passed since the last flush reaches the file with the
/// rows before it, without `finish`: what a process killed outright (SIGKILL) keeps.
#[test]
fn rows_reach_the_file_once_the_flush_interval_has_passed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("part.csv");
    let schema = Arc::new(
        Schema::new(vec![Column::new("n", ColumnKind::Amount { decimals: 0 })]).expect("valid"),
    );
    let mut part = PartWriter::create(&path, schema).expect("create");
    part.write_row(&[Cell::Amount(1)]).expect("row");
    assert_eq!(fs::read_to_string(&path).expect("read"), "", "in the buffer still");
    std::thread::sleep(ergon_output::FLUSH_EVERY + std::time::Duration::from_millis(100));
    part.write_row(&[Cell::Amount(2)]).expect("row");
    assert_eq!(fs::read_to_string(&path).expect("read"), "1\n2\n");
    drop(part);
}
