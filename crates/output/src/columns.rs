//! The Arrow side of a [`Schema`]: its Arrow schema and a batch of typed column builders that
//! rows are appended to, one cell at a time.

use std::sync::Arc;

use arrow_array::builder::{
    Decimal128Builder, Float64Builder, Int64Builder, StringBuilder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, SchemaRef};

use crate::schema::{Cell, ColumnKind, MAX_DECIMALS, Schema};

/// The precision of every amount column's `Decimal128` type.
pub const AMOUNT_PRECISION: u8 = MAX_DECIMALS;

impl ColumnKind {
    /// The column's Arrow (and so Parquet) type.
    pub fn arrow_type(self) -> DataType {
        match self {
            ColumnKind::U64 => DataType::UInt64,
            ColumnKind::I64 => DataType::Int64,
            ColumnKind::F64 => DataType::Float64,
            ColumnKind::Str => DataType::Utf8,
            ColumnKind::Amount { decimals } => {
                let scale = i8::try_from(decimals).expect("a validated scale is at most 38");
                DataType::Decimal128(AMOUNT_PRECISION, scale)
            }
        }
    }
}

impl Schema {
    /// The Arrow schema of the rows: one non-nullable field per column, in order.
    pub fn to_arrow(&self) -> arrow_schema::Schema {
        let fields: Vec<Field> =
            self.columns.iter().map(|c| Field::new(&c.name, c.kind.arrow_type(), false)).collect();
        arrow_schema::Schema::new(fields)
    }
}

enum Builder {
    U64(UInt64Builder),
    I64(Int64Builder),
    F64(Float64Builder),
    Str(StringBuilder),
    Amount(Decimal128Builder),
}

impl Builder {
    fn new(kind: ColumnKind, rows: usize) -> Builder {
        match kind {
            ColumnKind::U64 => Builder::U64(UInt64Builder::with_capacity(rows)),
            ColumnKind::I64 => Builder::I64(Int64Builder::with_capacity(rows)),
            ColumnKind::F64 => Builder::F64(Float64Builder::with_capacity(rows)),
            ColumnKind::Str => Builder::Str(StringBuilder::with_capacity(rows, rows * 8)),
            ColumnKind::Amount { .. } => Builder::Amount(
                Decimal128Builder::with_capacity(rows).with_data_type(kind.arrow_type()),
            ),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::U64(b) => Arc::new(b.finish()),
            Builder::I64(b) => Arc::new(b.finish()),
            Builder::F64(b) => Arc::new(b.finish()),
            Builder::Str(b) => Arc::new(b.finish()),
            Builder::Amount(b) => Arc::new(b.finish()),
        }
    }
}

/// Rows being gathered into one record batch of at most `capacity` rows.
pub(crate) struct Batch {
    schema: SchemaRef,
    builders: Vec<Builder>,
    rows: usize,
    capacity: usize,
}

impl Batch {
    /// An empty batch for rows of `schema`, full at `capacity` rows.
    pub(crate) fn new(schema: &Schema, capacity: usize, metadata: &[(String, String)]) -> Batch {
        let builders = schema.columns.iter().map(|c| Builder::new(c.kind, capacity)).collect();
        // The run's metadata on the Arrow schema too, where Arrow readers show it
        // (`pyarrow.parquet.read_table(…).schema.metadata`), not only in the Parquet footer.
        let pairs: std::collections::HashMap<String, String> = metadata.iter().cloned().collect();
        let arrow = schema.to_arrow().with_metadata(pairs);
        Batch { schema: Arc::new(arrow), builders, rows: 0, capacity }
    }

    /// The Arrow schema of the batches.
    pub(crate) fn arrow_schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    /// Appends the cell of column `column` of the current row.
    ///
    /// # Panics
    /// If the cell's kind is not the column's (the parser only returns cells of the column's
    /// kind, and amounts within 38 digits).
    pub(crate) fn push(&mut self, column: usize, cell: Cell) {
        match (&mut self.builders[column], cell) {
            (Builder::U64(b), Cell::U64(v)) => b.append_value(v),
            (Builder::I64(b), Cell::I64(v)) => b.append_value(v),
            (Builder::F64(b), Cell::F64(v)) => b.append_value(v),
            (Builder::Str(b), Cell::Str(v)) => b.append_value(v),
            (Builder::Amount(b), Cell::Amount(v)) => {
                b.append_value(i128::try_from(v).expect("amounts are at most 10^38 - 1"));
            }
            (_, cell) => unreachable!("a {} cell parsed for column {column}", cell.kind_name()),
        }
    }

    /// Ends the current row; returns whether the batch is now full.
    pub(crate) fn end_row(&mut self) -> bool {
        self.rows += 1;
        self.rows == self.capacity
    }

    /// The number of complete rows gathered.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// The gathered rows as a record batch; the batch starts over empty.
    pub(crate) fn take(&mut self) -> RecordBatch {
        let columns: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        self.rows = 0;
        RecordBatch::try_new(Arc::clone(&self.schema), columns)
            .expect("one non-null array of equal length per field, of the field's type")
    }
}
