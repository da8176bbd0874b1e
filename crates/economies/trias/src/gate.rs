//! The trust snapshot of an epoch and the reward gate (spec trias.md, "Web of trust": "Reward
//! gate: `G_j = min(1, r_j) × min(CB_j, 3)/3`, scaled to 10^6").
//!
//! [`snapshot`] runs EigenTrust, then CB and CB_het for every node — or, above
//! [`TrustParams::cb_all_below`] nodes, only for the candidates the caller names (the nodes
//! with rewards at stake this epoch); a node without a CB has gate 0. CB_het is left out when
//! [`TrustParams::cb_het`] is off (the gate does not read it).
//!
//! The float trust becomes an integer here, each figure with one floor of its own float:
//! `r_ppm = ⌊t_j·|V|·10^6⌋` (the relative trust, not capped: TOP ranks by it and trust
//! filters read it) and `G_j = ⌊min(10^6, t_j·|V|·10^6) · min(CB_j, 3) / 3⌋` (one product,
//! one floor, as the spec writes it; IEEE operations on bit-identical inputs, so
//! bit-identical). Each floor takes a value within [`NEAR`] below an integer as that integer:
//! a float holds a decimal such as `0.15` a hair below its value (`0.15·3·10^6` is
//! 449,999.999999…), and the exact figure is then the integer, not one less; a trust that
//! genuinely falls that close below an integer (EigenTrust stops at an L1 change of 10^-10,
//! far coarser) is taken up with it. The gate is monotone in `t_j` (the floor of a monotone
//! product) and in `CB_j`.

use serde::Serialize;

use crate::attest::NodeId;
use crate::cb::FlowNet;
use crate::error::{Result, TriasError};
use crate::trust::{Stop, TrustGraph, TrustVector, eigentrust, pagerank};

/// The gate's scale: a gate of `10^6` is a full reward.
pub const GATE_SCALE: u64 = 1_000_000;

/// The trust parameters (spec defaults in [`TrustParams::default`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct TrustParams {
    /// EigenTrust's teleport weight α (0.15).
    pub alpha: f64,
    /// EigenTrust's stopping rule (L1 change ≤ 1e-10, at most 200 iterations).
    pub stop: Stop,
    /// The compatibility PageRank's teleport weight (1 − damping 0.85 = 0.15).
    pub compat_alpha: f64,
    /// The compatibility PageRank's stopping rule (L1 change ≤ 1e-4, at most 200 iterations).
    pub compat_stop: Stop,
    /// The cap on CB (16); seeds get it.
    pub cb_cap: u8,
    /// CB at which the gate's CB factor is full (3).
    pub cb_full: u8,
    /// Below this many nodes CB is computed for every node; at or above, for candidates only
    /// (4096).
    pub cb_all_below: u32,
    /// Whether the snapshot computes `CB_het` (true). The gate reads `CB` alone; `CB_het` is
    /// reported (replay's close), so the simulation model, which reads only the gates and
    /// `CB`, turns it off: one flow a candidate instead of five.
    pub cb_het: bool,
}

impl Default for TrustParams {
    fn default() -> TrustParams {
        TrustParams {
            alpha: 0.15,
            stop: Stop { tol: 1e-10, max_iter: 200 },
            compat_alpha: 0.15,
            compat_stop: Stop { tol: 1e-4, max_iter: 200 },
            cb_cap: 16,
            cb_full: 3,
            cb_all_below: 4096,
            cb_het: true,
        }
    }
}

impl TrustParams {
    /// Checks every parameter's range.
    pub fn validate(&self) -> Result<()> {
        let unit = |name, x: f64| {
            if x > 0.0 && x < 1.0 {
                Ok(())
            } else {
                Err(TriasError::BadParam { name, value: x.to_bits(), min: 0, max: 1 })
            }
        };
        unit("alpha", self.alpha)?;
        unit("compat_alpha", self.compat_alpha)?;
        if self.cb_cap == 0 {
            return Err(TriasError::BadParam { name: "cb_cap", value: 0, min: 1, max: 255 });
        }
        if self.cb_full == 0 || self.cb_full > self.cb_cap {
            return Err(TriasError::BadParam {
                name: "cb_full",
                value: self.cb_full.into(),
                min: 1,
                max: self.cb_cap.into(),
            });
        }
        Ok(())
    }
}

/// How far below an integer a float is still taken as that integer by the floors (module doc).
pub const NEAR: f64 = 1e-6;

/// `⌊x⌋`, or `⌊x⌋ + 1` when `x` lies within [`NEAR`] below it; 0 for `x ≤ 0` or NaN.
fn floor_near(x: f64) -> u64 {
    if x.is_nan() || x <= 0.0 {
        return 0;
    }
    (x + NEAR).floor() as u64
}

/// `⌊t·|V|·10^6⌋`: the relative trust `r_j` in ppm, not capped (module doc).
#[must_use]
pub fn relative_ppm(trust: f64, active: u32) -> u64 {
    floor_near((trust * f64::from(active)) * GATE_SCALE as f64)
}

/// `G = ⌊min(10^6, t·|V|·10^6) · min(CB, full) / full⌋` (module doc): one floor.
#[must_use]
pub fn gate(trust: f64, active: u32, cb: u8, cb_full: u8) -> u64 {
    let full = cb_full.max(1);
    let x = (trust * f64::from(active)) * GATE_SCALE as f64;
    if x.is_nan() {
        return 0;
    }
    let x = x.min(GATE_SCALE as f64);
    floor_near(x * f64::from(cb.min(full)) / f64::from(full)).min(GATE_SCALE)
}

/// One epoch's trust snapshot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Snapshot {
    /// EigenTrust.
    pub trust: TrustVector,
    /// `CB` by node; `None` where not computed (not a candidate).
    pub cb: Vec<Option<u8>>,
    /// `CB_het` by node; `None` where not computed (not a candidate, or
    /// [`TrustParams::cb_het`] off).
    pub cb_het: Vec<Option<u8>>,
    /// `⌊r_j·10^6⌋` by node (not capped).
    pub relative_ppm: Vec<u64>,
    /// The reward gate by node, `0..=10^6`; 0 for a quarantined node or one without a CB.
    pub gate: Vec<u64>,
}

/// The snapshot of `g` (module doc); `candidates` matter only at or above
/// [`TrustParams::cb_all_below`] nodes.
pub fn snapshot(g: &TrustGraph, p: &TrustParams, candidates: &[NodeId]) -> Result<Snapshot> {
    p.validate()?;
    // The trust vector and the flow network depend on the graph alone: built side by side
    // (the network's build is sequential, EigenTrust's iterations fill the other core).
    let (trust, net) = rayon::join(|| eigentrust(g, p.alpha, p.stop), || FlowNet::new(g, p.cb_cap));
    let n = g.len();
    let targets: Vec<NodeId> = if (n as u64) < u64::from(p.cb_all_below) {
        (0..n as NodeId).collect()
    } else {
        let mut t: Vec<NodeId> = candidates.iter().copied().filter(|&c| (c as usize) < n).collect();
        radsort::sort(&mut t); // O(candidates), the same order as any sort of integers
        t.dedup();
        t
    };
    let mut cb: Vec<Option<u8>> = vec![None; n];
    let mut cb_het = vec![None; n];
    if p.cb_het {
        for (&j, &(c, h)) in targets.iter().zip(&net.cb_many(&targets)) {
            cb[j as usize] = Some(c);
            cb_het[j as usize] = Some(h);
        }
    } else {
        for (&j, &c) in targets.iter().zip(&net.cb_many_plain(&targets)) {
            cb[j as usize] = Some(c);
        }
    }
    let relative_ppm: Vec<u64> = trust.trust.iter().map(|&t| relative_ppm(t, g.active)).collect();
    let gate = (0..n)
        .map(|j| match cb[j] {
            Some(c) if !g.nodes[j].quarantined => gate(trust.trust[j], g.active, c, p.cb_full),
            _ => 0,
        })
        .collect();
    Ok(Snapshot { trust, cb, cb_het, relative_ppm, gate })
}

/// The compatibility PageRank of `g` under `p` (the `compat` profile's gate; under `spec`, none).
#[must_use]
pub fn compat(g: &TrustGraph, p: &TrustParams) -> TrustVector {
    pagerank(g, p.compat_alpha, p.compat_stop)
}
