//! A run's nodes: `nodes.csv` and `nodes.parquet`, one row per (sweep point, run, node) with the
//! node's rewards since genesis where its run ended ([`Model::node_rewards`]), in job order and
//! then node order. Written through a part file and [`merge_parts_into`], so they have the
//! encoding and the determinism of `metrics.csv` and `metrics.parquet` (the [crate docs](crate)).
//!
//! | column | type | what |
//! |---|---|---|
//! | `point` | `u64` | the sweep point (0 without a sweep) |
//! | `run` | `u64` | the Monte Carlo run |
//! | `node` | `u64` | the node's number in the economy's node order |
//! | `kind` | `str` | its kind or role (`resource`, `relayer`, `worker`, …) |
//! | `reward_base_units` | `str` | its rewards since genesis, exact, in the token's base units |
//! | `reward` | `f64` | the same in whole tokens, rounded once to the nearest `f64` |

use std::path::Path;
use std::sync::Arc;

use ergon_core::Model;
use ergon_sim::JobResult;

use crate::error::OutputError;
use crate::merge::{MergeOptions, merge_parts_into};
use crate::part::PartWriter;
use crate::schema::{Cell, Column, ColumnKind, Schema};

/// The nodes' CSV file.
pub const NODES_CSV: &str = "nodes.csv";
/// The nodes' Parquet file.
pub const NODES_PARQUET: &str = "nodes.parquet";

/// The columns of the nodes' files.
fn schema() -> Schema {
    Schema {
        columns: vec![
            Column::new("point", ColumnKind::U64),
            Column::new("run", ColumnKind::U64),
            Column::new("node", ColumnKind::U64),
            Column::new("kind", ColumnKind::Str),
            Column::new("reward_base_units", ColumnKind::Str),
            Column::new("reward", ColumnKind::F64),
        ],
    }
}

/// Writes `dir`/nodes.csv and `dir`/nodes.parquet from `results` (a model that does not track
/// rewards per node gives files with no rows), using `parts` for the part file.
pub(crate) fn write<M: Model>(
    results: &[JobResult],
    dir: &Path,
    parts: &Path,
    opts: &MergeOptions,
) -> Result<u64, OutputError> {
    let schema = Arc::new(schema());
    let part = parts.join("nodes.part");
    let mut w = PartWriter::create(&part, Arc::clone(&schema))?;
    let decimals = M::REWARD_TOKEN.1;
    let mut row = Vec::with_capacity(schema.columns.len());
    for r in results {
        for n in &r.nodes {
            let whole = Cell::Amount(n.reward)
                .as_f64(ColumnKind::Amount { decimals })
                .expect("an amount cell fits an amount column");
            row.clear();
            row.extend([
                Cell::U64(r.job.point as u64),
                Cell::U64(u64::from(r.job.run)),
                Cell::U64(n.node),
                Cell::Str(n.kind.to_owned()),
                Cell::Str(n.reward.to_string()),
                Cell::F64(whole),
            ]);
            w.write_row(&row)?;
        }
    }
    w.finish()?;
    let stats =
        merge_parts_into(&[part], &schema, &dir.join(NODES_CSV), &dir.join(NODES_PARQUET), opts)?;
    Ok(stats.rows)
}
