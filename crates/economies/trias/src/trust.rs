//! The web of trust's graph and its two global trust vectors (spec trias.md, "Web of trust").
//!
//! - [`TrustGraph`]: the direct-trust matrix `D` of one snapshot as a core [`Csr`] in canonical
//!   order, its transpose (in-edges, sources ascending) and the row-normalised weights
//!   `c_ij = D_ij / Σ_k D_ik` aligned with the transpose.
//! - [`eigentrust`]: `t ← (1−α)·(Cᵀt + d·p) + α·p` from `t = p`, where `p` is uniform on the
//!   active pre-trusted seeds and `d` the mass on dangling rows (rows without out-edges go to
//!   `p`), until the L1 change is at most `tol` or after `max_iter` iterations.
//! - [`pagerank`]: the same iteration with the uniform teleport over the active nodes (Trias's
//!   shipped compatibility mode, damping `0.85` = `α 0.15`, stop at `1e-4`).
//!
//! # Determinism
//! Floats enter the economy only here. Each new `t_j` sums its in-row in ascending source order
//! (the transpose is canonical) and is computed by one thread; the two global sums (dangling
//! mass and L1 change) add fixed chunks of [`CHUNK`] nodes, each chunk in index order, then the
//! chunk sums in chunk order. No result depends on the thread count. The gate
//! ([`crate::gate`]) turns the result into integers before any token moves.
//!
//! # Layout of the pass
//! A row's sum gathers `t_i` at random sources; at 10^6 nodes `t` is 8 MB and each gather
//! misses the core's cache. The pass therefore reads the in-rows rearranged ([`PassLayout`]):
//! the rows are cut into parts (one parallel task each) and, within a part, the edges are
//! ordered by source block of [`SOURCE_BLOCK`] nodes, then by row, then by source, so the
//! gathers of a stretch of the pass fall in one block of `t` that stays in the cache, and
//! each row's sum meets its sources in ascending order as before, block after block: the same
//! additions in the same order, so the same bits whatever the part and block sizes
//! ([`TrustGraph::with_layout`]).

use ergon_core::{Csr, GraphRules, Merge, SelfLoops};
use rayon::prelude::*;
use serde::Serialize;

use crate::attest::{NodeId, NodeTrust, Tee};
use crate::error::{Result, TriasError};

/// Nodes per chunk of a global float sum (fixed, so sums never depend on the thread count).
pub const CHUNK: usize = 4096;

/// Sources per block of the pass's layout (module doc, "Layout of the pass"): 2^15 values of
/// `t`, 256 KB, a quarter of a core's second-level cache.
pub const SOURCE_BLOCK: u32 = 15;

/// The most rows in one part of the pass: 2^18, 2 MB of new values.
const MAX_PART: u32 = 18;

/// The in-rows of a [`TrustGraph`] rearranged for the power iteration (module doc, "Layout of
/// the pass"). Part `p` holds rows `p·2^part_bits ..` and their edges
/// `in_start[first row] .. in_start[last row + 1]`, ordered by (source block, row, source).
#[derive(Clone, Debug)]
struct PassLayout {
    /// log2 of the rows in a part (≥ log2 [`CHUNK`], so parts hold whole chunks).
    part_bits: u32,
    /// Each edge's row, less its part's first row.
    row: Vec<u32>,
    /// Each edge's source.
    src: Vec<u32>,
    /// Each edge's `c_ij`.
    coef: Vec<f64>,
}

impl PassLayout {
    /// The layout of in-rows `in_start`/`in_src` with coefficients `coef` (aligned with
    /// `in_src`), parts of `2^part_bits` rows and source blocks of `2^block_bits` nodes.
    fn new(
        in_start: &[usize],
        in_src: &[u32],
        coef: &[f64],
        part_bits: u32,
        block_bits: u32,
    ) -> PassLayout {
        let n = in_start.len() - 1;
        let m = in_src.len();
        let mut layout =
            PassLayout { part_bits, row: vec![0; m], src: vec![0; m], coef: vec![0.0; m] };
        let blocks = (n >> block_bits) + 1;
        // Split the output at the parts' edge ranges, then fill the parts in parallel.
        let mut parts = Vec::new();
        let (mut row, mut src, mut cf) =
            (&mut layout.row[..], &mut layout.src[..], &mut layout.coef[..]);
        for r0 in (0..n).step_by(1 << part_bits) {
            let r1 = (r0 + (1 << part_bits)).min(n);
            let len = in_start[r1] - in_start[r0];
            let (a, b) = std::mem::take(&mut row).split_at_mut(len);
            let (c, d) = std::mem::take(&mut src).split_at_mut(len);
            let (e, f) = std::mem::take(&mut cf).split_at_mut(len);
            parts.push((r0, r1, a, c, e));
            (row, src, cf) = (b, d, f);
        }
        parts.into_par_iter().for_each(|(r0, r1, row, src, cf)| {
            let edges = in_start[r0]..in_start[r1];
            let mut fill = vec![0usize; blocks + 1];
            for &i in &in_src[edges.clone()] {
                fill[(i >> block_bits) as usize + 1] += 1;
            }
            for b in 0..blocks {
                fill[b + 1] += fill[b];
            }
            for j in r0..r1 {
                for k in in_start[j]..in_start[j + 1] {
                    let i = in_src[k];
                    let slot = &mut fill[(i >> block_bits) as usize];
                    (row[*slot], src[*slot], cf[*slot]) = ((j - r0) as u32, i, coef[k]);
                    *slot += 1;
                }
            }
        });
        layout
    }
}

/// The in-rows of `fwd`: each in-row's start, its sources ascending (the transpose), the
/// coefficients `c_ij = D_ij / Σ_k D_ik` aligned with them, and the row sums `Σ_k D_ik`.
fn in_rows(fwd: &Csr<u64>) -> (Vec<usize>, Vec<u32>, Vec<f64>, Vec<u128>) {
    let row_sum: Vec<u128> = fwd
        .offsets()
        .windows(2)
        .map(|r| fwd.weights()[r[0] as usize..r[1] as usize].iter().map(|&x| u128::from(x)).sum())
        .collect();
    let inv = fwd.transpose();
    let in_start = inv.offsets().iter().map(|&o| o as usize).collect();
    let coef = inv
        .targets()
        .iter()
        .zip(inv.weights())
        .map(|(&i, &w)| w as f64 / row_sum[i as usize] as f64)
        .collect();
    (in_start, inv.targets().to_vec(), coef, row_sum)
}

/// One snapshot's attestation graph. See the module doc.
#[derive(Clone, Debug)]
pub struct TrustGraph {
    /// `D` by attester, canonical.
    pub fwd: Csr<u64>,
    /// Sources of every in-row (the transpose's targets): `j`'s in-row, sources ascending.
    pub(crate) in_src: Vec<u32>,
    /// The in-rows with their `c_ij`, rearranged for the power iteration.
    pass: PassLayout,
    /// Start of `j`'s in-row in `coef`.
    pub(crate) in_start: Vec<usize>,
    /// True for a node without out-edges.
    dangling: Vec<bool>,
    /// Each node's status (TEE family, seed, quarantine).
    pub nodes: Vec<NodeTrust>,
    /// Active (not quarantined) nodes: `|V|` of the relative trust.
    pub active: u32,
}

impl TrustGraph {
    /// The graph of `nodes` with edges `(i, j, D_ij)`; self-loops and zero weights are dropped,
    /// as are edges touching a quarantined node. [`TriasError::NoSeeds`] without an active seed.
    pub fn new(nodes: &[NodeTrust], mut edges: Vec<(NodeId, NodeId, u64)>) -> Result<TrustGraph> {
        let n = u32::try_from(nodes.len()).map_err(|_| TriasError::BadParam {
            name: "nodes",
            value: nodes.len() as u64,
            min: 0,
            max: u64::from(u32::MAX),
        })?;
        let q = |x: NodeId| nodes.get(x as usize).is_some_and(|s| s.quarantined);
        edges.retain(|e| e.2 > 0 && !q(e.0) && !q(e.1));
        let rules = GraphRules {
            merge: Merge::Reject,
            self_loops: SelfLoops::Drop,
            max_nodes: u32::MAX - 1,
            max_edges: u64::from(u32::MAX),
        };
        let fwd = Csr::from_edges(n, edges, &rules)?;
        if !nodes.iter().any(|s| s.seed && !s.quarantined) {
            return Err(TriasError::NoSeeds);
        }
        let (in_start, in_src, coef, row_sum) = in_rows(&fwd);
        // Parts of at most 2^MAX_PART rows, about eight of them, each of whole chunks.
        let part_bits = (n as usize).div_ceil(8).next_power_of_two().trailing_zeros();
        let part_bits = part_bits.clamp(CHUNK.trailing_zeros(), MAX_PART);
        let pass = PassLayout::new(&in_start, &in_src, &coef, part_bits, SOURCE_BLOCK);
        let dangling = row_sum.iter().map(|&s| s == 0).collect();
        let active = nodes.iter().filter(|s| !s.quarantined).count() as u32;
        Ok(TrustGraph { fwd, in_src, pass, in_start, dangling, nodes: nodes.to_vec(), active })
    }

    /// The same graph with the power iteration's pass laid out in parts of `2^part_bits` rows
    /// (at least [`CHUNK`]) and source blocks of `2^block_bits` nodes (module doc, "Layout of
    /// the pass"). Only the speed changes: every result is the same, bit for bit.
    #[must_use]
    pub fn with_layout(mut self, part_bits: u32, block_bits: u32) -> TrustGraph {
        let part_bits = part_bits.clamp(CHUNK.trailing_zeros(), 31);
        let block_bits = block_bits.min(31);
        let (_, _, coef, _) = in_rows(&self.fwd);
        self.pass = PassLayout::new(&self.in_start, &self.in_src, &coef, part_bits, block_bits);
        self
    }

    /// Number of nodes (active or not).
    #[must_use]
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True without nodes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// `node`'s TEE family.
    #[must_use]
    pub fn tee(&self, node: NodeId) -> Tee {
        self.nodes[node as usize].tee
    }

    /// The EigenTrust teleport `p`: uniform on the active seeds.
    #[must_use]
    pub fn seed_teleport(&self) -> Vec<f64> {
        let k = self.nodes.iter().filter(|s| s.seed && !s.quarantined).count() as f64;
        self.nodes.iter().map(|s| if s.seed && !s.quarantined { 1.0 / k } else { 0.0 }).collect()
    }

    /// The compatibility teleport: uniform on the active nodes.
    #[must_use]
    pub fn uniform_teleport(&self) -> Vec<f64> {
        let k = f64::from(self.active);
        self.nodes.iter().map(|s| if s.quarantined { 0.0 } else { 1.0 / k }).collect()
    }
}

/// A converged (or capped) trust vector.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrustVector {
    /// `t_j`, by node; sums to 1 up to rounding.
    pub trust: Vec<f64>,
    /// Iterations run.
    pub iterations: u32,
    /// The last iteration's L1 change.
    pub change: f64,
}

/// The stopping rule of a power iteration.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Stop {
    /// Stop once the L1 change is at most this.
    pub tol: f64,
    /// Stop after this many iterations at most.
    pub max_iter: u32,
}

/// EigenTrust with pre-trusted seeds (module doc), teleport weight `alpha`.
#[must_use]
pub fn eigentrust(g: &TrustGraph, alpha: f64, stop: Stop) -> TrustVector {
    power(g, &g.seed_teleport(), alpha, stop)
}

/// The compatibility PageRank: uniform teleport, damping `1 − alpha`.
#[must_use]
pub fn pagerank(g: &TrustGraph, alpha: f64, stop: Stop) -> TrustVector {
    power(g, &g.uniform_teleport(), alpha, stop)
}

/// `Σ xs` by fixed chunks (module doc, "Determinism"), with `partials` as scratch.
fn chunked_sum(xs: &[f64], partials: &mut [f64], f: impl Fn(usize, f64) -> f64 + Sync) -> f64 {
    partials.par_iter_mut().zip(xs.par_chunks(CHUNK)).enumerate().for_each(|(c, (out, chunk))| {
        let base = c * CHUNK;
        let mut s = 0.0;
        for (k, &x) in chunk.iter().enumerate() {
            s += f(base + k, x);
        }
        *out = s;
    });
    partials.iter().sum()
}

/// The power iteration shared by both modes; allocates its buffers once. One parallel pass an
/// iteration: each part of the layout sums its rows' in-edges (module doc, "Layout of the
/// pass"), then each of its chunks of [`CHUNK`] nodes computes its new values and, in index
/// order, its part of the L1 change and of the next iteration's dangling mass — the same
/// additions in the same order as three separate passes.
fn power(g: &TrustGraph, p: &[f64], alpha: f64, stop: Stop) -> TrustVector {
    let n = g.len();
    let lay = &g.pass;
    let part = 1usize << lay.part_bits;
    let mut t = p.to_vec();
    let mut next = vec![0.0f64; n];
    let mut partials = vec![0.0f64; n.div_ceil(CHUNK)];
    // Per chunk: (L1 change, dangling mass of the new values).
    let mut fused = vec![(0.0f64, 0.0f64); n.div_ceil(CHUNK)];
    let mut iterations = 0;
    let mut change = f64::INFINITY;
    let mut dangling = chunked_sum(&t, &mut partials, |i, x| if g.dangling[i] { x } else { 0.0 });
    while iterations < stop.max_iter {
        let tr = &t;
        next.par_chunks_mut(part).zip(fused.par_chunks_mut(part / CHUNK)).enumerate().for_each(
            |(q, (out, parts))| {
                let r0 = q * part;
                out.fill(0.0);
                let edges = g.in_start[r0]..g.in_start[r0 + out.len()];
                let (rows, srcs) = (&lay.row[edges.clone()], &lay.src[edges.clone()]);
                for ((&r, &i), &c) in rows.iter().zip(srcs).zip(&lay.coef[edges]) {
                    out[r as usize] += c * tr[i as usize];
                }
                for (c, (chunk, part)) in out.chunks_mut(CHUNK).zip(parts).enumerate() {
                    let base = r0 + c * CHUNK;
                    let (mut ch, mut dm) = (0.0, 0.0);
                    for (k, slot) in chunk.iter_mut().enumerate() {
                        let j = base + k;
                        let y = (1.0 - alpha) * (*slot + dangling * p[j]) + alpha * p[j];
                        *slot = y;
                        ch += (y - tr[j]).abs();
                        dm += if g.dangling[j] { y } else { 0.0 };
                    }
                    *part = (ch, dm);
                }
            },
        );
        change = fused.iter().map(|f| f.0).sum();
        dangling = fused.iter().map(|f| f.1).sum();
        std::mem::swap(&mut t, &mut next);
        iterations += 1;
        if change <= stop.tol {
            break;
        }
    }
    TrustVector { trust: t, iterations, change }
}
