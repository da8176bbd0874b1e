//! The shape of a run's result rows: named, typed columns ([`Schema`]) and the values in them
//! ([`Cell`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::decimal;
pub use crate::decimal::{MAX_AMOUNT_RAW, MAX_DECIMALS};
use crate::error::OutputError;

/// The type of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// An unsigned count.
    U64,
    /// A signed integer.
    I64,
    /// A derived, inexact figure; may be NaN or infinite.
    F64,
    /// Text (UTF-8).
    Str,
    /// An exact token amount in base units (at most `10^38 - 1`).
    Amount {
        /// The token's decimals (at most [`MAX_DECIMALS`]).
        decimals: u8,
    },
}

impl fmt::Display for ColumnKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnKind::U64 => f.write_str("u64"),
            ColumnKind::I64 => f.write_str("i64"),
            ColumnKind::F64 => f.write_str("f64"),
            ColumnKind::Str => f.write_str("str"),
            ColumnKind::Amount { decimals } => write!(f, "amount({decimals})"),
        }
    }
}

/// One named column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The column's name: non-empty snake_case ASCII (`[a-z][a-z0-9]*(_[a-z0-9]+)*`).
    pub name: String,
    /// The column's type.
    pub kind: ColumnKind,
}

impl Column {
    /// A column named `name` of type `kind`.
    pub fn new(name: impl Into<String>, kind: ColumnKind) -> Column {
        Column { name: name.into(), kind }
    }
}

/// The columns every row of a run has, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// The columns, in the order of the cells in a row.
    pub columns: Vec<Column>,
}

impl Schema {
    /// A schema of `columns`, validated by [`Schema::validate`].
    pub fn new(columns: Vec<Column>) -> Result<Schema, OutputError> {
        let schema = Schema { columns };
        schema.validate()?;
        Ok(schema)
    }

    /// Checks that there is at least one column, that every name is non-empty snake_case ASCII
    /// and unique, and that no amount column has more than [`MAX_DECIMALS`] decimals.
    pub fn validate(&self) -> Result<(), OutputError> {
        if self.columns.is_empty() {
            return Err(OutputError::NoColumns);
        }
        for (i, column) in self.columns.iter().enumerate() {
            check_name(&column.name)?;
            if self.columns[..i].iter().any(|c| c.name == column.name) {
                return Err(OutputError::ColumnName {
                    name: column.name.clone(),
                    reason: "appears more than once",
                });
            }
            if let ColumnKind::Amount { decimals } = column.kind
                && decimals > MAX_DECIMALS
            {
                return Err(OutputError::Decimals {
                    column: column.name.clone(),
                    decimals,
                    max: MAX_DECIMALS,
                });
            }
        }
        Ok(())
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether there are no columns (never true of a validated schema).
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The CSV header line: the column names joined by commas, ending in `\n`.
    pub fn csv_header(&self) -> String {
        let mut line = String::new();
        for (i, column) in self.columns.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            line.push_str(&column.name);
        }
        line.push('\n');
        line
    }
}

fn check_name(name: &str) -> Result<(), OutputError> {
    let reason = if name.is_empty() {
        Some("empty")
    } else if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        Some("only a-z, 0-9 and _ are allowed")
    } else if !name.as_bytes()[0].is_ascii_lowercase() {
        Some("must start with a letter a-z")
    } else if name.ends_with('_') || name.contains("__") {
        Some("underscores must separate words")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(OutputError::ColumnName { name: name.to_owned(), reason }),
        None => Ok(()),
    }
}

/// One value of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A value of a [`ColumnKind::U64`] column.
    U64(u64),
    /// A value of a [`ColumnKind::I64`] column.
    I64(i64),
    /// A value of a [`ColumnKind::F64`] column.
    F64(f64),
    /// A value of a [`ColumnKind::Str`] column.
    Str(String),
    /// A value of a [`ColumnKind::Amount`] column: raw base units.
    Amount(u128),
}

impl Cell {
    /// The name of the cell's kind: `u64`, `i64`, `f64`, `str` or `amount`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Cell::U64(_) => "u64",
            Cell::I64(_) => "i64",
            Cell::F64(_) => "f64",
            Cell::Str(_) => "str",
            Cell::Amount(_) => "amount",
        }
    }

    /// Whether the cell can stand in a column of type `kind`.
    pub fn fits(&self, kind: ColumnKind) -> bool {
        matches!(
            (self, kind),
            (Cell::U64(_), ColumnKind::U64)
                | (Cell::I64(_), ColumnKind::I64)
                | (Cell::F64(_), ColumnKind::F64)
                | (Cell::Str(_), ColumnKind::Str)
                | (Cell::Amount(_), ColumnKind::Amount { .. })
        )
    }

    /// The cell as a float for statistics, given its column's `kind`.
    ///
    /// Integers convert with rounding to nearest; an amount is `raw / 10^decimals`, rounded once
    /// to the nearest `f64`; a float is itself (NaN included). `None` for text, and for a cell
    /// that does not fit `kind`.
    pub fn as_f64(&self, kind: ColumnKind) -> Option<f64> {
        match (self, kind) {
            (Cell::U64(v), ColumnKind::U64) => Some(*v as f64),
            (Cell::I64(v), ColumnKind::I64) => Some(*v as f64),
            (Cell::F64(v), ColumnKind::F64) => Some(*v),
            (Cell::Amount(raw), ColumnKind::Amount { decimals }) => {
                let mut text = String::new();
                decimal::push_amount(&mut text, *raw, decimals);
                Some(text.parse().expect("a formatted amount is a valid decimal number"))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str) -> Column {
        Column::new(name, ColumnKind::U64)
    }

    #[test]
    fn names_must_be_snake_case_and_unique() {
        assert!(Schema::new(vec![col("epoch"), col("price_wei_per_noz"), col("p5")]).is_ok());
        for bad in ["", "Epoch", "1st", "_x", "x_", "a__b", "a-b", "naïve", "a b"] {
            let err = Schema::new(vec![col(bad)]).expect_err(bad);
            assert!(matches!(err, OutputError::ColumnName { .. }), "{bad}: {err}");
        }
        let err = Schema::new(vec![col("a"), col("b"), col("a")]).expect_err("duplicate");
        assert_eq!(err.to_string(), "invalid column name \"a\": appears more than once");
        assert!(matches!(Schema::new(vec![]), Err(OutputError::NoColumns)));
    }

    #[test]
    fn amount_decimals_are_bounded() {
        let ok = Column::new("a", ColumnKind::Amount { decimals: 38 });
        assert!(Schema::new(vec![ok]).is_ok());
        let bad = Column::new("a", ColumnKind::Amount { decimals: 39 });
        assert!(matches!(Schema::new(vec![bad]), Err(OutputError::Decimals { decimals: 39, .. })));
    }

    #[test]
    fn header_joins_names() {
        let schema = Schema::new(vec![col("a"), col("b_c")]).expect("valid");
        assert_eq!(schema.csv_header(), "a,b_c\n");
    }

    #[test]
    fn as_f64_by_kind() {
        let eighteen = ColumnKind::Amount { decimals: 18 };
        assert_eq!(Cell::Amount(1_500_000_000_000_000_000).as_f64(eighteen), Some(1.5));
        assert_eq!(Cell::Amount(7).as_f64(eighteen), Some(7e-18));
        assert_eq!(
            Cell::Amount(MAX_AMOUNT_RAW).as_f64(ColumnKind::Amount { decimals: 0 }),
            Some(1e38)
        );
        assert_eq!(Cell::U64(3).as_f64(ColumnKind::U64), Some(3.0));
        assert_eq!(Cell::I64(-3).as_f64(ColumnKind::I64), Some(-3.0));
        assert!(Cell::F64(f64::NAN).as_f64(ColumnKind::F64).is_some_and(f64::is_nan));
        assert_eq!(Cell::Str("x".into()).as_f64(ColumnKind::Str), None);
        assert_eq!(Cell::U64(3).as_f64(ColumnKind::I64), None);
    }

    #[test]
    fn schema_json_round_trips() {
        let schema = Schema::new(vec![
            Column::new("epoch", ColumnKind::U64),
            Column::new("supply_wei", ColumnKind::Amount { decimals: 18 }),
        ])
        .expect("valid");
        let json = serde_json::to_string(&schema).expect("serialize");
        assert_eq!(
            json,
            r#"{"columns":[{"name":"epoch","kind":"u64"},"#.to_owned()
                + r#"{"name":"supply_wei","kind":{"amount":{"decimals":18}}}]}"#
        );
        assert_eq!(serde_json::from_str::<Schema>(&json).expect("deserialize"), schema);
    }

    #[test]
    fn kind_display() {
        assert_eq!(ColumnKind::Amount { decimals: 18 }.to_string(), "amount(18)");
        assert_eq!(ColumnKind::F64.to_string(), "f64");
    }
}
