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

use ergon_core::{Csr, GraphRules, Merge, SelfLoops};
use rayon::prelude::*;
use serde::Serialize;

use crate::attest::{NodeId, NodeTrust, Tee};
use crate::error::{Result, TriasError};

/// Nodes per chunk of a global float sum (fixed, so sums never depend on the thread count).
pub const CHUNK: usize = 4096;

/// One snapshot's attestation graph. See the module doc.
#[derive(Clone, Debug)]
pub struct TrustGraph {
    /// `D` by attester, canonical.
    pub fwd: Csr<u64>,
    /// Sources of every in-row (the transpose's targets): `j`'s in-row, sources ascending.
    pub(crate) in_src: Vec<u32>,
    /// `c_ij` aligned with `in_src`.
    coef: Vec<f64>,
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
        let mut row_sum = vec![0u128; n as usize];
        for (i, _, w) in fwd.edges() {
            row_sum[i as usize] += u128::from(w);
        }
        let inv = fwd.transpose();
        let mut in_start = Vec::with_capacity(n as usize + 1);
        let mut acc = 0usize;
        for j in 0..n {
            in_start.push(acc);
            acc += inv.out_degree(j)?;
        }
        in_start.push(acc);
        let in_src = inv.edges().map(|(_, i, _)| i).collect();
        let coef = inv.edges().map(|(_, i, w)| w as f64 / row_sum[i as usize] as f64).collect();
        let dangling = row_sum.iter().map(|&s| s == 0).collect();
        let active = nodes.iter().filter(|s| !s.quarantined).count() as u32;
        Ok(TrustGraph { fwd, in_src, coef, in_start, dangling, nodes: nodes.to_vec(), active })
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
/// iteration: each chunk of [`CHUNK`] nodes computes its new values and, in index order, its
/// part of the L1 change and of the next iteration's dangling mass — the same additions in
/// the same order as three separate passes.
fn power(g: &TrustGraph, p: &[f64], alpha: f64, stop: Stop) -> TrustVector {
    let n = g.len();
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
        next.par_chunks_mut(CHUNK).zip(fused.par_iter_mut()).enumerate().for_each(
            |(c, (out, part))| {
                let base = c * CHUNK;
                for (k, slot) in out.iter_mut().enumerate() {
                    let j = base + k;
                    let (a, b) = (g.in_start[j], g.in_start[j + 1]);
                    let mut s = 0.0;
                    for (&c, &i) in g.coef[a..b].iter().zip(&g.in_src[a..b]) {
                        s += c * tr[i as usize];
                    }
                    *slot = (1.0 - alpha) * (s + dangling * p[j]) + alpha * p[j];
                }
                let (mut ch, mut dm) = (0.0, 0.0);
                for (k, (&x, &y)) in tr[base..base + out.len()].iter().zip(out.iter()).enumerate() {
                    ch += (y - x).abs();
                    dm += if g.dangling[base + k] { y } else { 0.0 };
                }
                *part = (ch, dm);
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
