//! [`Csr`]: a sparse directed graph in compressed sparse row form, in canonical order — the
//! storage for Trias's attestation and trust graphs (spec trias.md, "Conventions": node ids in
//! canonical sorted order for every iteration; "Web of trust": the direct-trust matrix `D_ij`,
//! EigenTrust's `Cᵀt` over in-edges, and the vertex-disjoint paths behind `CB(j)`).
//!
//! # Canonical form
//! Nodes are dense `u32` indices `0..node_count`. [`Csr::from_edges`] sorts the edges by
//! `(src, dst)`, so every row lists its targets in ascending order and iteration never depends
//! on the input's order. Rules, fixed by [`GraphRules`]:
//! - **Duplicates** (the same `(src, dst)` more than once) merge by [`Merge`]: the sum (checked:
//!   [`Error::Overflow`]), the largest or the smallest weight, or a rejection
//!   ([`Error::Duplicate`]). Each rule is commutative, so the merged graph does not depend on
//!   the order of the duplicates.
//! - **Self-loops** `(i, i)` are kept, dropped, or rejected ([`SelfLoops`]; rejection is
//!   [`Error::NotAllowed`]). Trust graphs drop them: nobody attests to itself.
//! - An edge of weight zero is still an edge.
//!
//! # Bounds
//! `node_count ≤ max_nodes` and the input's edge count `≤ max_edges` (before merging, so the
//! sort is bounded too), both checked first ([`Error::LimitReached`]); `max_edges` is at most
//! `u32::MAX` since row offsets are `u32`. A node index `≥ node_count` is [`Error::Unknown`].
//!
//! # Costs
//! Building: O(m log m) for the sort, O(n + m) for the rest. [`Csr::out_edges`]: O(1), two
//! slices. [`Csr::weight`]: O(log degree). [`Csr::transpose`] (the in-edges, canonical too):
//! O(n + m) by counting sort; the transpose of the transpose is the graph itself.

use serde::Serialize;

use crate::amount::Amount;
use crate::error::{Error, Result, overflow};

/// An edge weight: copyable, ordered (for [`Merge::Max`] / [`Merge::Min`]), with a checked sum
/// (for [`Merge::Sum`]).
pub trait Weight: Copy + Ord + std::fmt::Debug {
    /// `self + rhs`, or `None` on overflow.
    fn checked_sum(self, rhs: Self) -> Option<Self>;
}

macro_rules! int_weight {
    ($($t:ty),*) => {$(
        impl Weight for $t {
            fn checked_sum(self, rhs: Self) -> Option<Self> {
                self.checked_add(rhs)
            }
        }
    )*};
}
int_weight!(u8, u16, u32, u64, u128);

impl Weight for Amount {
    fn checked_sum(self, rhs: Self) -> Option<Self> {
        self.checked_add(rhs).ok()
    }
}

/// An unweighted graph: merging two edges gives one edge.
impl Weight for () {
    fn checked_sum(self, _rhs: Self) -> Option<Self> {
        Some(())
    }
}

/// How edges with the same `(src, dst)` merge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Merge {
    /// The sum of the weights ([`Error::Overflow`] when it does not fit).
    Sum,
    /// The largest weight.
    Max,
    /// The smallest weight.
    Min,
    /// A duplicate is an error ([`Error::Duplicate`]).
    Reject,
}

/// What happens to an edge `(i, i)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SelfLoops {
    /// Kept as ordinary edges.
    Keep,
    /// Silently left out.
    Drop,
    /// An error ([`Error::NotAllowed`]).
    Reject,
}

/// The rules and bounds of [`Csr::from_edges`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GraphRules {
    /// How duplicates merge.
    pub merge: Merge,
    /// What happens to self-loops.
    pub self_loops: SelfLoops,
    /// The most nodes.
    pub max_nodes: u32,
    /// The most input edges, before merging (at most `u32::MAX`).
    pub max_edges: u64,
}

/// One node's out-edges (or in-edges, on a transpose): targets ascending, with their weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row<'a, W> {
    /// Target nodes, ascending.
    pub targets: &'a [u32],
    /// Weights, aligned with `targets`.
    pub weights: &'a [W],
}

impl<'a, W: Copy> Row<'a, W> {
    /// Number of edges.
    #[must_use]
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// True without edges.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// `(target, weight)` pairs, targets ascending.
    pub fn iter(&self) -> impl Iterator<Item = (u32, W)> + 'a {
        self.targets.iter().copied().zip(self.weights.iter().copied())
    }
}

/// A directed graph in canonical compressed sparse row form. See the module doc.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Csr<W> {
    /// `offsets[i]..offsets[i + 1]` indexes node `i`'s row; `node_count + 1` entries.
    offsets: Vec<u32>,
    /// Targets of every row, rows in node order, ascending within a row.
    targets: Vec<u32>,
    /// Weights aligned with `targets`.
    weights: Vec<W>,
}

impl<W: Weight> Csr<W> {
    /// Builds the canonical graph on nodes `0..node_count` from `edges` `(src, dst, weight)`
    /// in any order, by `rules` (module doc). Sorts `edges` in place.
    pub fn from_edges(
        node_count: u32,
        mut edges: Vec<(u32, u32, W)>,
        rules: &GraphRules,
    ) -> Result<Csr<W>> {
        check_bounds(node_count, edges.len(), rules)?;
        if let Some(e) = edges.iter().find(|e| e.0 >= node_count || e.1 >= node_count) {
            let id = if e.0 >= node_count { e.0 } else { e.1 };
            return Err(Error::Unknown { kind: "node", id: id.to_string() });
        }
        match rules.self_loops {
            SelfLoops::Keep => {}
            SelfLoops::Drop => edges.retain(|e| e.0 != e.1),
            SelfLoops::Reject => {
                if let Some(e) = edges.iter().find(|e| e.0 == e.1) {
                    return Err(Error::NotAllowed { reason: format!("self-loop on node {}", e.0) });
                }
            }
        }
        // Edges already in canonical order without repeats (a snapshot's, say) need neither
        // the sort nor the merge.
        let merged = if edges.windows(2).all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)) {
            edges
        } else {
            edges.sort_unstable_by_key(|e| (e.0, e.1));
            merge_sorted(edges, rules.merge)?
        };
        let mut offsets = vec![0u32; node_count as usize + 1];
        for e in &merged {
            offsets[e.0 as usize + 1] += 1;
        }
        for i in 0..node_count as usize {
            offsets[i + 1] += offsets[i];
        }
        let (targets, weights) = merged.into_iter().map(|e| (e.1, e.2)).unzip();
        Ok(Csr { offsets, targets, weights })
    }

    /// Number of nodes.
    #[must_use]
    pub fn node_count(&self) -> u32 {
        // offsets has node_count + 1 ≤ u32::MAX + 1 entries.
        (self.offsets.len() - 1) as u32
    }

    /// Number of edges (after merging).
    #[must_use]
    pub fn edge_count(&self) -> usize {
        self.targets.len()
    }

    /// The rows' bounds: `offsets()[i]..offsets()[i + 1]` indexes node `i`'s row in
    /// [`Csr::targets`] and [`Csr::weights`]; `node_count + 1` entries.
    #[must_use]
    pub fn offsets(&self) -> &[u32] {
        &self.offsets
    }

    /// Every row's targets, rows in node order, ascending within a row.
    #[must_use]
    pub fn targets(&self) -> &[u32] {
        &self.targets
    }

    /// The weights, aligned with [`Csr::targets`].
    #[must_use]
    pub fn weights(&self) -> &[W] {
        &self.weights
    }

    /// `node`'s out-edges in O(1) ([`Error::Unknown`] beyond the nodes).
    pub fn out_edges(&self, node: u32) -> Result<Row<'_, W>> {
        let i = node as usize;
        let (Some(&start), Some(&end)) = (self.offsets.get(i), self.offsets.get(i + 1)) else {
            return Err(Error::Unknown { kind: "node", id: node.to_string() });
        };
        let range = start as usize..end as usize;
        Ok(Row { targets: &self.targets[range.clone()], weights: &self.weights[range] })
    }

    /// `node`'s out-degree ([`Error::Unknown`] beyond the nodes).
    pub fn out_degree(&self, node: u32) -> Result<usize> {
        Ok(self.out_edges(node)?.len())
    }

    /// The weight of edge `(src, dst)`, if present, in O(log degree).
    #[must_use]
    pub fn weight(&self, src: u32, dst: u32) -> Option<W> {
        let row = self.out_edges(src).ok()?;
        row.targets.binary_search(&dst).ok().map(|k| row.weights[k])
    }

    /// Every edge `(src, dst, weight)` in canonical order.
    pub fn edges(&self) -> impl Iterator<Item = (u32, u32, W)> + '_ {
        self.offsets.windows(2).enumerate().flat_map(move |(src, w)| {
            let range = w[0] as usize..w[1] as usize;
            self.targets[range.clone()]
                .iter()
                .zip(&self.weights[range])
                .map(move |(dst, wt)| (src as u32, *dst, *wt))
        })
    }

    /// The transpose: edge `(dst, src)` for every edge `(src, dst)`, canonical (each in-row
    /// lists its sources ascending), by counting sort in O(n + m).
    #[must_use]
    pub fn transpose(&self) -> Csr<W> {
        let n = self.offsets.len() - 1;
        let mut offsets = vec![0u32; n + 1];
        for &dst in &self.targets {
            offsets[dst as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut next: Vec<u32> = offsets[..n].to_vec();
        let mut targets = vec![0u32; self.targets.len()];
        let mut weights = self.weights.clone();
        // Sources visited ascending: each in-row fills in ascending source order.
        for src in 0..n {
            let row = self.offsets[src] as usize..self.offsets[src + 1] as usize;
            for (&dst, &w) in self.targets[row.clone()].iter().zip(&self.weights[row]) {
                let slot = &mut next[dst as usize];
                targets[*slot as usize] = src as u32;
                weights[*slot as usize] = w;
                *slot += 1;
            }
        }
        Csr { offsets, targets, weights }
    }
}

/// Checks the bounds before any work.
fn check_bounds(node_count: u32, edge_count: usize, rules: &GraphRules) -> Result<()> {
    if node_count > rules.max_nodes {
        return Err(Error::LimitReached {
            what: "graph nodes".into(),
            limit: u64::from(rules.max_nodes),
        });
    }
    let max_edges = rules.max_edges.min(u64::from(u32::MAX));
    if edge_count as u64 > max_edges {
        return Err(Error::LimitReached { what: "graph edges".into(), limit: max_edges });
    }
    Ok(())
}

/// Merges runs of equal `(src, dst)` in edges sorted by that key.
fn merge_sorted<W: Weight>(edges: Vec<(u32, u32, W)>, merge: Merge) -> Result<Vec<(u32, u32, W)>> {
    let mut out: Vec<(u32, u32, W)> = Vec::with_capacity(edges.len());
    for e in edges {
        match out.last_mut() {
            Some(last) if (last.0, last.1) == (e.0, e.1) => {
                last.2 = match merge {
                    Merge::Sum => {
                        last.2.checked_sum(e.2).ok_or_else(|| overflow("graph edge weight sum"))?
                    }
                    Merge::Max => last.2.max(e.2),
                    Merge::Min => last.2.min(e.2),
                    Merge::Reject => {
                        return Err(Error::Duplicate {
                            kind: "edge",
                            name: format!("{} -> {}", e.0, e.1),
                        });
                    }
                };
            }
            _ => out.push(e),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
