//! Shared fixtures: a schema of every column kind and a deterministic row generator.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ergon_output::{Cell, Column, ColumnKind, PartWriter, Schema};

/// A schema with one column of each kind, two of them amounts.
pub fn schema() -> Arc<Schema> {
    Arc::new(
        Schema::new(vec![
            Column::new("run", ColumnKind::U64),
            Column::new("delta", ColumnKind::I64),
            Column::new("ratio", ColumnKind::F64),
            Column::new("label", ColumnKind::Str),
            Column::new("supply_wei", ColumnKind::Amount { decimals: 18 }),
            Column::new("price_micro", ColumnKind::Amount { decimals: 6 }),
        ])
        .expect("valid schema"),
    )
}

/// Row `i` of the fixture: every kind, with awkward values mixed in.
pub fn row(i: u64) -> Vec<Cell> {
    let ratio = match i % 5 {
        0 => f64::NAN,
        1 => f64::INFINITY,
        2 => -(i as f64) / 3.0,
        _ => i as f64 * 0.1,
    };
    let label = match i % 4 {
        0 => format!("plain {i}"),
        1 => format!("a,b {i}"),
        2 => format!("say \"{i}\""),
        _ => format!("two\nlines {i}"),
    };
    vec![
        Cell::U64(i),
        Cell::I64(i as i64 - 5),
        Cell::F64(ratio),
        Cell::Str(label),
        Cell::Amount(u128::from(i) * 1_500_000_000_000_000_000 + u128::from(i % 3)),
        Cell::Amount(u128::from(i) * 250_000),
    ]
}

/// Writes rows `0..sizes.iter().sum()` of the fixture into parts of the given sizes in `dir`.
pub fn write_parts(dir: &Path, sizes: &[u64]) -> Vec<PathBuf> {
    fs::create_dir_all(dir).expect("create part dir");
    let schema = schema();
    let mut next = 0;
    let mut paths = Vec::new();
    for (n, &size) in sizes.iter().enumerate() {
        let path = dir.join(format!("part-{n:05}.csv"));
        let mut part = PartWriter::create(&path, Arc::clone(&schema)).expect("create part");
        for _ in 0..size {
            part.write_row(&row(next)).expect("valid row");
            next += 1;
        }
        assert_eq!(part.finish().expect("finish part"), size);
        paths.push(path);
    }
    paths
}

/// The names of the files in `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("list dir")
        .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
