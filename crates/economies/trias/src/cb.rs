//! The conspiracy-breaching cost (spec trias.md, "Web of trust"; seed: routers "help
//! determining the Conspiracy Breaching model for each node").
//!
//! `CB(j)` is the number of vertex-disjoint attestation paths from the seed set to `j`
//! (Menger: the fewest nodes an attacker must corrupt to seal `j` off from the trusted core),
//! capped at [`FlowNet::cap`]; seeds get the cap. It is a unit-capacity max-flow on the
//! node-split graph: node `v` becomes `v_in → v_out` with capacity 1 (a seed: the cap), each
//! edge `u → v` with `D_uv > 0` becomes `u_out → v_in` with capacity 1, a source feeds every
//! seed's `v_in`, and the flow ends at `j_in`. Augmenting paths by breadth-first search stop at
//! the cap, so one target costs at most `cap + 1` searches of O(n + m).
//!
//! `CB_het(j)` is the minimum of `CB(j)` over removing every node of one TEE family (seeds
//! included, the target itself excepted): the paths that survive one broken hardware family.
//!
//! Results are integers, so computing targets in parallel (rayon, one scratch per worker, the
//! network shared read-only) can never change them; they come back in the targets' order.

use rayon::prelude::*;

use crate::attest::{NodeId, Tee};
use crate::trust::TrustGraph;

/// Source vertex marker in `parent` for "reached from nowhere".
const NONE: u32 = u32::MAX;

/// The node-split flow network of one snapshot, shared by every target.
#[derive(Clone, Debug)]
pub struct FlowNet {
    cap: u8,
    /// Arc heads; arcs come in pairs `a`, `a ^ 1` (forward, residual).
    head: Vec<u32>,
    /// Initial residual capacities.
    cap0: Vec<u8>,
    /// `adj[adj_start[v]..adj_start[v + 1]]`: arcs leaving vertex `v`.
    adj_start: Vec<u32>,
    adj: Vec<u32>,
    /// Each node's TEE family and seed flag, by node.
    tee: Vec<Tee>,
    seed: Vec<bool>,
    quarantined: Vec<bool>,
}

/// One worker's reusable buffers (no allocation per target after the first).
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    cap: Vec<u8>,
    parent: Vec<u32>,
    seen: Vec<u32>,
    stamp: u32,
    queue: Vec<u32>,
    touched: Vec<u32>,
}

impl FlowNet {
    /// The network of `g`, CB capped at `cap` (1..=255).
    #[must_use]
    pub fn new(g: &TrustGraph, cap: u8) -> FlowNet {
        let n = g.len() as u32;
        let source = 2 * n;
        let mut arcs: Vec<(u32, u32, u8)> = Vec::new();
        for (v, s) in g.nodes.iter().enumerate() {
            let v = v as u32;
            arcs.push((2 * v, 2 * v + 1, if s.seed { cap } else { 1 }));
            if s.seed && !s.quarantined {
                arcs.push((source, 2 * v, cap));
            }
        }
        for (u, v, _) in g.fwd.edges() {
            arcs.push((2 * u + 1, 2 * v, 1));
        }
        let vertices = 2 * n as usize + 1;
        let mut head = Vec::with_capacity(2 * arcs.len());
        let mut cap0 = Vec::with_capacity(2 * arcs.len());
        let mut degree = vec![0u32; vertices + 1];
        for &(a, b, c) in &arcs {
            head.extend([b, a]);
            cap0.extend([c, 0]);
            degree[a as usize + 1] += 1;
            degree[b as usize + 1] += 1;
        }
        for v in 0..vertices {
            degree[v + 1] += degree[v];
        }
        let adj_start = degree.clone();
        let mut next = degree;
        let mut adj = vec![0u32; head.len()];
        for (k, &(a, b, _)) in arcs.iter().enumerate() {
            let (fwd, back) = (2 * k as u32, 2 * k as u32 + 1);
            adj[next[a as usize] as usize] = fwd;
            next[a as usize] += 1;
            adj[next[b as usize] as usize] = back;
            next[b as usize] += 1;
        }
        FlowNet {
            cap,
            head,
            cap0,
            adj_start,
            adj,
            tee: g.nodes.iter().map(|s| s.tee).collect(),
            seed: g.nodes.iter().map(|s| s.seed).collect(),
            quarantined: g.nodes.iter().map(|s| s.quarantined).collect(),
        }
    }

    /// The cap on CB.
    #[must_use]
    pub fn cap(&self) -> u8 {
        self.cap
    }

    /// `CB(j)`, or with every node of family `without` but `j` removed. A seed has the cap, a
    /// quarantined node 0.
    #[must_use]
    pub fn cb(&self, s: &mut Scratch, j: NodeId, without: Option<Tee>) -> u8 {
        let ju = j as usize;
        if self.quarantined[ju] {
            return 0;
        }
        if self.seed[ju] {
            return self.cap;
        }
        let vertices = self.adj_start.len() - 1;
        if s.cap.len() != self.cap0.len() {
            s.cap = self.cap0.clone();
            s.parent = vec![NONE; vertices];
            s.seen = vec![0; vertices];
            s.stamp = 0;
        }
        let source = (vertices - 1) as u32;
        let sink = 2 * j;
        let banned = |v: u32| {
            v != source && v / 2 != j && without.is_some_and(|f| self.tee[(v / 2) as usize] == f)
        };
        let mut flow = 0u8;
        while flow < self.cap {
            if s.stamp == u32::MAX {
                s.seen.fill(0);
                s.stamp = 0;
            }
            s.stamp += 1;
            s.queue.clear();
            s.queue.push(source);
            s.seen[source as usize] = s.stamp;
            let mut found = false;
            let mut qi = 0;
            'bfs: while qi < s.queue.len() {
                let v = s.queue[qi];
                qi += 1;
                let (a0, a1) = (self.adj_start[v as usize], self.adj_start[v as usize + 1]);
                for &arc in &self.adj[a0 as usize..a1 as usize] {
                    let w = self.head[arc as usize];
                    if s.cap[arc as usize] == 0 || s.seen[w as usize] == s.stamp || banned(w) {
                        continue;
                    }
                    s.seen[w as usize] = s.stamp;
                    s.parent[w as usize] = arc;
                    if w == sink {
                        found = true;
                        break 'bfs;
                    }
                    s.queue.push(w);
                }
            }
            if !found {
                break;
            }
            let mut v = sink;
            while v != source {
                let arc = s.parent[v as usize];
                s.cap[arc as usize] -= 1;
                s.cap[(arc ^ 1) as usize] += 1;
                s.touched.push(arc);
                v = self.head[(arc ^ 1) as usize];
            }
            flow += 1;
        }
        for &arc in &s.touched {
            s.cap[arc as usize] = self.cap0[arc as usize];
            s.cap[(arc ^ 1) as usize] = self.cap0[(arc ^ 1) as usize];
        }
        s.touched.clear();
        flow
    }

    /// `(CB(j), CB_het(j))`: `CB_het` is the minimum of `CB(j)` over removing each TEE family
    /// present among the other active nodes (`CB(j)` itself when no other family exists).
    #[must_use]
    pub fn cb_het(&self, s: &mut Scratch, j: NodeId) -> (u8, u8) {
        let whole = self.cb(s, j, None);
        let mut best = whole;
        for f in Tee::ALL {
            let present = self
                .tee
                .iter()
                .enumerate()
                .any(|(v, &t)| t == f && v != j as usize && !self.quarantined[v]);
            if present && best > 0 {
                best = best.min(self.cb(s, j, Some(f)));
            }
        }
        (whole, best)
    }

    /// `(CB, CB_het)` of every target, in parallel, in the targets' order.
    #[must_use]
    pub fn cb_many(&self, targets: &[NodeId]) -> Vec<(u8, u8)> {
        targets.par_iter().map_init(Scratch::default, |s, &j| self.cb_het(s, j)).collect()
    }
}
