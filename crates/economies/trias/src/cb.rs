//! The conspiracy-breaching cost (spec trias.md, "Web of trust"; seed: routers "help
//! determining the Conspiracy Breaching model for each node").
//!
//! `CB(j)` is the number of vertex-disjoint attestation paths from the seed set to `j`
//! (Menger: the fewest nodes an attacker must corrupt to seal `j` off from the trusted core),
//! capped at [`FlowNet::cap`]; seeds get the cap. It is a unit-capacity max-flow on the
//! node-split graph: node `v` becomes `v_in → v_out` with capacity 1 (a seed: the cap), each
//! edge `u → v` with `D_uv > 0` becomes `u_out → v_in` with capacity 1, a source feeds every
//! seed's `v_in`, and the flow ends at `j_in`. The flow grows one augmenting path at a time and
//! stops at the cap, so one target costs at most `cap + 1` searches of O(n + m).
//!
//! # The search
//! Each augmenting-path search runs from both ends over residual arcs, on the network's arc
//! lists (CSR) with a per-worker scratch — residual capacities restored arc by arc after each
//! target, visited stamps bumped rather than cleared, no allocation per search:
//! - depth first *backwards* from `j_in`, every `v_in`'s arcs split once by their far end's
//!   hop distance from the source (nearer than the vertex, as near, farther), so it walks
//!   straight towards the seeds and a path costs about its length in arc scans;
//! - breadth first forwards from the source, taking turns with the other side by arcs scanned
//!   once the backward side has had a head start of [`HEAD_START`] scans.
//!
//! A path is found where the two sides first meet; the search fails as soon as either side
//! runs out, so the last, failing search costs about twice the smaller side of the cut — a few
//! scans when the cut is `j`'s own in-edges, one when a removed family holds every seed. The
//! order changes which paths are found, never how many: the maximum flow is unique, so `CB` is
//! the same under any search.
//!
//! `CB_het(j)` is the minimum of `CB(j)` over removing every node of one TEE family (seeds
//! included, the target itself excepted): the paths that survive one broken hardware family.
//! Each family's flow starts from the whole flow's paths that avoid the family (traced back
//! from `j_in` to their first seed — a valid flow without it) and stops at the smallest value
//! found so far: the same minimum, about a third fewer searches.
//!
//! Results are integers, so computing targets in parallel (rayon, one scratch per run of
//! targets, the network shared read-only) can never change them; they come back in the
//! targets' order.

use rayon::prelude::*;

use crate::attest::{NodeId, Tee};
use crate::trust::TrustGraph;

/// "No arc yet" in the scratch's path arrays.
const NONE: u32 = u32::MAX;

/// Arc scans the backward search makes before the forward one starts: most paths are found
/// within them, so the forward search (whose first step alone scans an arc per seed) is only
/// paid for where the backward side is slow, and a failing search still costs at most this
/// plus twice the smaller side.
const HEAD_START: u64 = 256;

/// Swaps arcs `p` and `q` of one vertex's list, keeping their pairs pointing at them.
fn swap_arcs(head: &mut [u32], cap0: &mut [u8], rev: &mut [u32], p: usize, q: usize) {
    if p != q {
        head.swap(p, q);
        cap0.swap(p, q);
        rev.swap(p, q);
        let (rp, rq) = (rev[p] as usize, rev[q] as usize);
        (rev[rp], rev[rq]) = (p as u32, q as u32);
    }
}

/// `f`'s position in [`Tee::ALL`].
fn family(f: Tee) -> usize {
    match f {
        Tee::Sgx => 0,
        Tee::Tz => 1,
        Tee::Tpm => 2,
        Tee::Sev => 3,
    }
}

/// The node-split flow network of one snapshot, shared by every target.
#[derive(Clone, Debug)]
pub struct FlowNet {
    cap: u8,
    /// Arc heads; arcs `adj_start[v]..adj_start[v + 1]` leave vertex `v`.
    head: Vec<u32>,
    /// Initial residual capacities.
    cap0: Vec<u8>,
    adj_start: Vec<u32>,
    /// Each arc's pair (forward ↔ residual).
    rev: Vec<u32>,
    /// Active nodes of each family, in [`Tee::ALL`]'s order.
    family_active: [u32; 4],
    /// Each node's TEE family and seed flag, by node.
    tee: Vec<Tee>,
    seed: Vec<bool>,
    quarantined: Vec<bool>,
}

/// One worker's reusable buffers (no allocation per target after the first).
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    cap: Vec<u8>,
    /// Backward side: the arc leaving each seen vertex towards the sink.
    to_sink: Vec<u32>,
    /// Forward side: the arc entering each seen vertex from the source.
    from_source: Vec<u32>,
    /// The search's stamp on vertices the backward / forward side has seen.
    seen_back: Vec<u32>,
    seen_fwd: Vec<u32>,
    stamp: u32,
    /// The backward depth-first search's path: `(vertex, next position in its arc list)`.
    stack: Vec<(u32, u32)>,
    /// The forward breadth-first search's queue.
    queue: Vec<u32>,
    /// The whole flow's paths (`CB_het`'s warm start): their arcs, and per path the end of
    /// its arcs and a bit per TEE family on it.
    seg_arcs: Vec<u32>,
    segs: Vec<(u32, u8)>,
    touched: Vec<u32>,
}

impl Scratch {
    /// Sends one unit along `arc` (paired with `back`), remembering it for the restore.
    fn push(&mut self, arc: u32, back: u32) {
        self.cap[arc as usize] -= 1;
        self.cap[back as usize] += 1;
        self.touched.push(arc);
    }
}

impl FlowNet {
    /// The network of `g`, CB capped at `cap` (1..=255).
    ///
    /// Arcs are numbered in arc-list order, each vertex's list contiguous: `v_in` holds
    /// `v_in → v_out`, then the residual arcs back to its in-neighbours' `u_out` (sources
    /// ascending, as in the graph's transpose), then (an active seed) the residual arc to the
    /// source; `v_out` holds the residual arc to `v_in`, then its out-edges; the source holds
    /// one arc to each active seed's `v_in`. `rev` pairs each arc with its residual.
    #[must_use]
    pub fn new(g: &TrustGraph, cap: u8) -> FlowNet {
        let n = g.len();
        let vertices = 2 * n + 1;
        let source = 2 * n;
        let active_seed = |v: usize| g.nodes[v].seed && !g.nodes[v].quarantined;
        let mut out_deg = vec![0u32; n];
        for &u in &g.in_src {
            out_deg[u as usize] += 1;
        }
        let in_deg = |v: usize| (g.in_start[v + 1] - g.in_start[v]) as u32;
        let mut adj_start = vec![0u32; vertices + 1];
        let mut seeds = 0;
        for v in 0..n {
            adj_start[2 * v + 1] = 1 + in_deg(v) + u32::from(active_seed(v));
            adj_start[2 * v + 2] = 1 + out_deg[v];
            seeds += u32::from(active_seed(v));
        }
        adj_start[vertices] = seeds;
        for k in 0..vertices {
            adj_start[k + 1] += adj_start[k];
        }
        let arcs = adj_start[vertices] as usize;
        let mut head = vec![0u32; arcs];
        let mut cap0 = vec![0u8; arcs];
        let mut rev = vec![0u32; arcs];
        let mut pair = |p: u32, p_head: u32, p_cap: u8, q: u32, q_head: u32| {
            (head[p as usize], cap0[p as usize], rev[p as usize]) = (p_head, p_cap, q);
            (head[q as usize], cap0[q as usize], rev[q as usize]) = (q_head, 0, p);
        };
        // `v_out`'s next free slot for an out-edge: out-rows fill in ascending target order.
        let mut cursor: Vec<u32> = (0..n).map(|v| adj_start[2 * v + 1] + 1).collect();
        let mut next_seed = adj_start[source];
        for v in 0..n {
            let (i, o) = (adj_start[2 * v], adj_start[2 * v + 1]);
            let (vi, vo) = (2 * v as u32, 2 * v as u32 + 1);
            pair(i, vo, if g.nodes[v].seed { cap } else { 1 }, o, vi);
            let row = &g.in_src[g.in_start[v]..g.in_start[v + 1]];
            for (k, &u) in row.iter().enumerate() {
                let q = cursor[u as usize];
                cursor[u as usize] += 1;
                pair(q, vi, 1, i + 1 + k as u32, 2 * u + 1);
            }
            if active_seed(v) {
                pair(next_seed, vi, cap, adj_start[2 * v + 1] - 1, source as u32);
                next_seed += 1;
            }
        }
        // Hop distance from the source along arcs with capacity; each `v_in`'s list is then
        // split three ways by the far end's distance — nearer the source than the vertex
        // itself, as near, farther — so the backward search tries the nearer predecessors
        // first (a heuristic: any order gives the same flow).
        let mut dist = vec![u32::MAX; vertices];
        let mut queue = Vec::with_capacity(vertices);
        dist[source] = 0;
        queue.push(source as u32);
        let mut qi = 0;
        while qi < queue.len() {
            let v = queue[qi] as usize;
            qi += 1;
            for a in adj_start[v] as usize..adj_start[v + 1] as usize {
                let w = head[a] as usize;
                if cap0[a] > 0 && dist[w] == u32::MAX {
                    dist[w] = dist[v] + 1;
                    queue.push(w as u32);
                }
            }
        }
        // Only the `v_in` lists: a `v_out`'s one predecessor with capacity is its own `v_in`
        // (already first), and the search never stands on the source.
        for (y, &d) in dist.iter().enumerate().take(2 * n).step_by(2) {
            // Dutch-flag partition: `[start, lo)` nearer, `[lo, mid)` as near, `[hi, end)`
            // farther.
            let (mut lo, mut mid, mut hi) =
                (adj_start[y] as usize, adj_start[y] as usize, adj_start[y + 1] as usize);
            while mid < hi {
                let e = dist[head[mid] as usize];
                if e < d {
                    swap_arcs(&mut head, &mut cap0, &mut rev, lo, mid);
                    lo += 1;
                    mid += 1;
                } else if e == d {
                    mid += 1;
                } else {
                    hi -= 1;
                    swap_arcs(&mut head, &mut cap0, &mut rev, mid, hi);
                }
            }
        }
        let mut family_active = [0u32; 4];
        for s in g.nodes.iter().filter(|s| !s.quarantined) {
            family_active[family(s.tee)] += 1;
        }
        FlowNet {
            cap,
            head,
            cap0,
            adj_start,
            rev,
            family_active,
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
        self.cb_upto(s, j, without, self.cap)
    }

    /// `min(CB(j), limit)` (as [`FlowNet::cb`], the search stopping once the flow reaches
    /// `limit`; `limit` above the cap counts as the cap).
    #[must_use]
    pub fn cb_upto(&self, s: &mut Scratch, j: NodeId, without: Option<Tee>, limit: u8) -> u8 {
        let ju = j as usize;
        let limit = limit.min(self.cap);
        if self.quarantined[ju] {
            return 0;
        }
        if self.seed[ju] {
            return limit;
        }
        self.prepare(s);
        let flow = self.augment(s, j, without, 0, limit);
        self.restore(s);
        flow
    }

    /// Sizes `s` for this network on its first use.
    fn prepare(&self, s: &mut Scratch) {
        let vertices = self.adj_start.len() - 1;
        if s.cap.len() != self.cap0.len() {
            s.cap = self.cap0.clone();
            s.to_sink = vec![NONE; vertices];
            s.from_source = vec![NONE; vertices];
            s.seen_back = vec![0; vertices];
            s.seen_fwd = vec![0; vertices];
            s.stamp = 0;
        }
    }

    /// Grows the flow in `s` (of value `flow`) into the non-seed `j_in` by augmenting paths
    /// avoiding family `without` (but `j`), up to `limit`; returns its value.
    fn augment(&self, s: &mut Scratch, j: NodeId, without: Option<Tee>, flow: u8, limit: u8) -> u8 {
        let source = (self.adj_start.len() - 2) as u32;
        let sink = 2 * j;
        let banned = |v: u32| {
            v != source && v / 2 != j && without.is_some_and(|f| self.tee[(v / 2) as usize] == f)
        };
        let mut flow = flow;
        while flow < limit {
            if s.stamp == u32::MAX {
                s.seen_back.fill(0);
                s.seen_fwd.fill(0);
                s.stamp = 0;
            }
            s.stamp += 1;
            let Some(meet) = self.search(s, sink, source, &banned) else {
                break;
            };
            let mut v = meet;
            while v != source {
                let arc = s.from_source[v as usize];
                let back = self.rev[arc as usize];
                s.push(arc, back);
                v = self.head[back as usize];
            }
            let mut v = meet;
            while v != sink {
                let arc = s.to_sink[v as usize];
                s.push(arc, self.rev[arc as usize]);
                v = self.head[arc as usize];
            }
            flow += 1;
        }
        flow
    }

    /// Puts every arc the flow touched back to its initial capacity.
    fn restore(&self, s: &mut Scratch) {
        for &arc in &s.touched {
            s.cap[arc as usize] = self.cap0[arc as usize];
            let back = self.rev[arc as usize] as usize;
            s.cap[back] = self.cap0[back];
        }
        s.touched.clear();
    }

    /// The first arc of vertex `v`'s list with `pick(arc)`.
    fn find(&self, v: u32, pick: impl Fn(usize) -> bool) -> Option<usize> {
        (self.adj_start[v as usize] as usize..self.adj_start[v as usize + 1] as usize)
            .find(|&a| pick(a))
    }

    /// Splits the flow in `s` into `j`'s paths, each traced backwards from `j_in` to its
    /// first seed: `segs` gets each path's end in `seg_arcs` and the families of its nodes
    /// (`j` excepted). Vertices carry one unit (seeds excepted), so each step back is unique.
    /// False if a trace fails to close (the warm start is then skipped).
    fn trace(&self, s: &mut Scratch, j: NodeId) -> bool {
        s.seg_arcs.clear();
        s.segs.clear();
        let (j_in, j_out, source) = (2 * j, 2 * j + 1, (self.adj_start.len() - 2) as u32);
        let into = |s: &Scratch, v: u32, a: usize| {
            let x = self.head[a];
            x % 2 == 1 && x != v + 1 && s.cap[self.rev[a] as usize] == 0
        };
        let (start, end) =
            (self.adj_start[j_in as usize] as usize, self.adj_start[j_out as usize] as usize);
        for p in start..end {
            if !into(s, j_in, p) {
                continue;
            }
            s.seg_arcs.push(self.rev[p]);
            let mut u = self.head[p] / 2;
            let mut mask = 0u8;
            let mut steps = 0;
            loop {
                steps += 1;
                if steps > self.tee.len() {
                    return false;
                }
                mask |= 1 << family(self.tee[u as usize]);
                let u_in = 2 * u;
                // `u_in → u_out`: the pair of the first arc of `u_out`'s (unsplit) list.
                let internal = self.rev[self.adj_start[u_in as usize + 1] as usize];
                s.seg_arcs.push(internal);
                if self.seed[u as usize] {
                    let Some(r) = self.find(u_in, |a| self.head[a] == source) else {
                        return false;
                    };
                    s.seg_arcs.push(self.rev[r]);
                    break;
                }
                let Some(q) = self.find(u_in, |a| into(s, u_in, a)) else {
                    return false;
                };
                s.seg_arcs.push(self.rev[q]);
                u = self.head[q] / 2;
            }
            s.segs.push((s.seg_arcs.len() as u32, mask));
        }
        true
    }

    /// One augmenting-path search (module doc, "The search"): a depth-first search backwards
    /// from `sink` and a breadth-first search forwards from `source`, over residual arcs,
    /// taking turns by arcs scanned, until one side sees a vertex the other has seen (the
    /// first such vertex is returned: the two half-paths through it share no other vertex) or
    /// either side runs out (no augmenting path).
    fn search(
        &self,
        s: &mut Scratch,
        sink: u32,
        source: u32,
        banned: &impl Fn(u32) -> bool,
    ) -> Option<u32> {
        let stamp = s.stamp;
        s.stack.clear();
        s.queue.clear();
        s.seen_back[sink as usize] = stamp;
        s.seen_fwd[source as usize] = stamp;
        s.stack.push((sink, self.adj_start[sink as usize]));
        s.queue.push(source);
        let (mut qi, mut back_work, mut fwd_work) = (0usize, 0u64, 0u64);
        loop {
            if back_work <= fwd_work + HEAD_START {
                // One arc scan of the backward search.
                let top = s.stack.last_mut()?;
                let (y, pos) = *top;
                if pos == self.adj_start[y as usize + 1] {
                    s.stack.pop();
                    continue;
                }
                top.1 += 1;
                back_work += 1;
                // The arc at `pos` leaves `y`; its pair enters `y` from `x`.
                let x = self.head[pos as usize];
                let back = self.rev[pos as usize];
                if s.cap[back as usize] == 0 || s.seen_back[x as usize] == stamp || banned(x) {
                    continue;
                }
                s.seen_back[x as usize] = stamp;
                s.to_sink[x as usize] = back;
                if s.seen_fwd[x as usize] == stamp {
                    return Some(x);
                }
                s.stack.push((x, self.adj_start[x as usize]));
            } else {
                // One vertex of the forward search, all its arcs.
                let v = *s.queue.get(qi)? as usize;
                qi += 1;
                let (a0, a1) = (self.adj_start[v] as usize, self.adj_start[v + 1] as usize);
                fwd_work += (a1 - a0) as u64 + 1;
                for arc in a0 as u32..a1 as u32 {
                    let w = self.head[arc as usize];
                    if s.cap[arc as usize] == 0 || s.seen_fwd[w as usize] == stamp || banned(w) {
                        continue;
                    }
                    s.seen_fwd[w as usize] = stamp;
                    s.from_source[w as usize] = arc;
                    if s.seen_back[w as usize] == stamp {
                        return Some(w);
                    }
                    s.queue.push(w);
                }
            }
        }
    }

    /// `(CB(j), CB_het(j))`: `CB_het` is the minimum of `CB(j)` over removing each TEE family
    /// present among the other active nodes (`CB(j)` itself when no other family exists).
    #[must_use]
    pub fn cb_het(&self, s: &mut Scratch, j: NodeId) -> (u8, u8) {
        let ju = j as usize;
        if self.quarantined[ju] {
            return (0, 0);
        }
        if self.seed[ju] {
            return (self.cap, self.cap);
        }
        self.prepare(s);
        let whole = self.augment(s, j, None, 0, self.cap);
        let traced = whole > 0 && self.trace(s, j);
        self.restore(s);
        let mut best = whole;
        for f in Tee::ALL {
            let others = self.family_active[family(f)] - u32::from(self.tee[ju] == f);
            if others == 0 || best == 0 {
                continue;
            }
            // Warm start: the whole flow's paths that avoid `f` are a flow without `f`.
            let bit = 1u8 << family(f);
            let mut flow = 0u8;
            if traced {
                let mut from = 0usize;
                for k in 0..s.segs.len() {
                    let (end, mask) = s.segs[k];
                    if mask & bit == 0 && flow < best {
                        for a in from..end as usize {
                            let arc = s.seg_arcs[a];
                            s.push(arc, self.rev[arc as usize]);
                        }
                        flow += 1;
                    }
                    from = end as usize;
                }
            }
            // Only the minimum is kept, so each flow may stop at the best so far.
            let got = self.augment(s, j, Some(f), flow, best);
            self.restore(s);
            best = best.min(got);
        }
        (whole, best)
    }

    /// `(CB, CB_het)` of every target, in parallel, in the targets' order: the targets split
    /// into four runs a worker thread, each run with one scratch (whose first use copies the
    /// network's capacities — paid a few times, not once per rayon job).
    #[must_use]
    pub fn cb_many(&self, targets: &[NodeId]) -> Vec<(u8, u8)> {
        let runs = 4 * rayon::current_num_threads();
        let run = targets.len().div_ceil(runs).max(1);
        let mut out = vec![(0, 0); targets.len()];
        out.par_chunks_mut(run).zip(targets.par_chunks(run)).for_each(|(out, targets)| {
            let mut s = Scratch::default();
            for (o, &j) in out.iter_mut().zip(targets) {
                *o = self.cb_het(&mut s, j);
            }
        });
        out
    }

    /// `CB` of every target alone (no `CB_het`), in parallel, in the targets' order (split
    /// as in [`FlowNet::cb_many`]).
    #[must_use]
    pub fn cb_many_plain(&self, targets: &[NodeId]) -> Vec<u8> {
        let runs = 4 * rayon::current_num_threads();
        let run = targets.len().div_ceil(runs).max(1);
        let mut out = vec![0; targets.len()];
        out.par_chunks_mut(run).zip(targets.par_chunks(run)).for_each(|(out, targets)| {
            let mut s = Scratch::default();
            for (o, &j) in out.iter_mut().zip(targets) {
                *o = self.cb(&mut s, j, None);
            }
        });
        out
    }
}
