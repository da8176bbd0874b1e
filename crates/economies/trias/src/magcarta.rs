//! MagCarta consensus calls, the pure part (spec trias.md, "MagCarta consensus calls"; seed:
//! "Executers, who execute the Prometh applications as scheduled by the MagCarta contract. The
//! MagCarta's consensus call specifies how the executers will get rewarded, as long as its
//! returned values satisfy the consensus strategy").
//!
//! - [`Filter`] / [`eligible`]: COMPUTE_SET — the relative trust within a range in each of the
//!   last `trust_epochs` snapshots, the software stacks and data sets a node declared (bit
//!   masks), its bond (stake) and its TEE family.
//! - [`schedule`]: `k` executers, TOP (CB descending, then relative trust descending, then
//!   index) or SAMPLE (weighted by gate, without replacement, from a beacon stream); at most
//!   `⌈k/3⌉` per TEE family in both.
//! - [`decide`]: the five rules over the responses; ties fail.
//!
//! The state (`state/calls.rs`) escrows the price, records responses and settles.

use ergon_core::rng::StreamRng;
use serde::{Deserialize, Serialize};

use crate::attest::{NodeId, Tee};

/// How executers are chosen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The `k` eligible nodes with the highest CB, then relative trust, then lowest index.
    #[default]
    Top,
    /// `k` draws weighted by gate, without replacement.
    Sample,
}

/// The consensus rule (spec: "Rules").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// One value returned by more than `k/2` of the `k` scheduled executers.
    #[default]
    Majority,
    /// All `k` returned the same value.
    Unanimous,
    /// One value returned by at least `q ≥ ⌊k/2⌋+1`.
    KOfN,
    /// One value whose executers' program weights exceed half of all `k` slots' weight.
    Weighted,
    /// Numeric: at least `q` values within `tol` of the responders' median.
    Median,
}

impl Rule {
    /// Its replay name (`majority`, `unanimous`, `k_of_n`, `weighted`, `median`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Rule::Majority => "majority",
            Rule::Unanimous => "unanimous",
            Rule::KOfN => "k_of_n",
            Rule::Weighted => "weighted",
            Rule::Median => "median",
        }
    }
}

/// COMPUTE_SET: what a node must satisfy to be scheduled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Relative trust, ppm, at least this in every one of the last `trust_epochs` snapshots.
    pub trust_min_ppm: u64,
    /// … and at most this.
    pub trust_max_ppm: u64,
    /// How many snapshots back (0: no trust filter, the bounds unread; replay refuses a bound
    /// given without it).
    pub trust_epochs: usize,
    /// Software stacks the node must run (every bit).
    pub software: u64,
    /// Data sets the node must hold (every bit).
    pub data: u64,
    /// The bond (stake) the node must hold, base units.
    pub min_bond: u128,
    /// Allowed TEE families as a mask of `1 << (Tee as u8)` (0: any).
    pub tees: u8,
}

/// One node as the filter sees it.
#[derive(Clone, Copy, Debug)]
pub struct Candidate {
    /// The node.
    pub node: NodeId,
    /// Its TEE family.
    pub tee: Tee,
    /// Quarantined nodes are never eligible.
    pub quarantined: bool,
    /// Its declared software stacks.
    pub software: u64,
    /// Its declared data sets.
    pub data: u64,
    /// Its bond.
    pub bond: u128,
    /// Whether its relative trust lay in the filter's range in each of the last
    /// `trust_epochs` snapshots (see [`in_range`]).
    pub trust_ok: bool,
}

/// The mask bit of a TEE family.
#[must_use]
pub fn tee_bit(t: Tee) -> u8 {
    1 << (t as u8)
}

/// Whether `history` (a node's relative trust in the recent snapshots, newest first) holds at
/// least `f.trust_epochs` values, each in `[trust_min_ppm, trust_max_ppm]`; true without a
/// trust filter.
#[must_use]
pub fn in_range(f: &Filter, history: impl Iterator<Item = u64>) -> bool {
    if f.trust_epochs == 0 {
        return true;
    }
    let mut seen = 0;
    for r in history.take(f.trust_epochs) {
        if !(f.trust_min_ppm..=f.trust_max_ppm).contains(&r) {
            return false;
        }
        seen += 1;
    }
    seen == f.trust_epochs
}

/// Whether `c` passes every filter.
#[must_use]
pub fn eligible(f: &Filter, c: &Candidate) -> bool {
    if c.quarantined
        || c.software & f.software != f.software
        || c.data & f.data != f.data
        || c.bond < f.min_bond
        || (f.tees != 0 && f.tees & tee_bit(c.tee) == 0)
    {
        return false;
    }
    c.trust_ok
}

/// The per-TEE-family cap: `⌈k/3⌉`.
#[must_use]
pub fn family_cap(k: usize) -> usize {
    k.div_ceil(3)
}

/// One eligible node with its ranking figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ranked {
    /// The node.
    pub node: NodeId,
    /// Its TEE family.
    pub tee: Tee,
    /// Its CB at the last snapshot.
    pub cb: u8,
    /// Its relative trust, ppm.
    pub relative_ppm: u64,
    /// Its gate.
    pub gate: u64,
}

/// Schedules `k` of `pool` (ascending nodes); `None` when fewer than `k` fit under the family
/// cap (and, for SAMPLE, have a gate above zero).
#[must_use]
pub fn schedule(
    pool: &[Ranked],
    k: usize,
    strategy: Strategy,
    rng: &mut StreamRng,
) -> Option<Vec<NodeId>> {
    let cap = family_cap(k);
    let mut per = [0usize; 4];
    let mut out = Vec::with_capacity(k);
    match strategy {
        Strategy::Top => {
            let mut order: Vec<&Ranked> = pool.iter().collect();
            order.sort_by(|a, b| {
                b.cb.cmp(&a.cb).then(b.relative_ppm.cmp(&a.relative_ppm)).then(a.node.cmp(&b.node))
            });
            for r in order {
                if out.len() == k {
                    break;
                }
                if per[r.tee as usize] < cap {
                    per[r.tee as usize] += 1;
                    out.push(r.node);
                }
            }
        }
        Strategy::Sample => {
            let mut left: Vec<Ranked> = pool.iter().filter(|r| r.gate > 0).copied().collect();
            while out.len() < k {
                left.retain(|r| per[r.tee as usize] < cap);
                let total: u128 = left.iter().map(|r| u128::from(r.gate)).sum();
                if total == 0 {
                    break;
                }
                let mut x = rng.below_u128(total);
                let pos = left
                    .iter()
                    .position(|r| {
                        let g = u128::from(r.gate);
                        if x < g {
                            true
                        } else {
                            x -= g;
                            false
                        }
                    })
                    .expect("a draw below the total lands on a node");
                let r = left.remove(pos);
                per[r.tee as usize] += 1;
                out.push(r.node);
            }
            out.sort_unstable();
        }
    }
    (out.len() == k).then_some(out)
}

/// A call's verdict: which responders agree (by slot), which are outliers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The rule held: `agree[s]` for each slot `s` whose response is in the winning group.
    Success {
        /// Slots in the winning group.
        agree: Vec<bool>,
        /// The agreed value (the median under MEDIAN).
        value: i64,
    },
    /// The rule failed (no group, a tie, too few).
    Failure,
}

/// Applies `rule` to the responses by slot (`None`: no response). `q` is the quorum (K_OF_N,
/// MEDIAN), `tol` MEDIAN's tolerance, `weights` WEIGHTED's program weight per slot.
#[must_use]
pub fn decide(
    rule: Rule,
    responses: &[Option<i64>],
    q: usize,
    tol: u64,
    weights: &[u64],
) -> Verdict {
    let k = responses.len();
    let group = |v: i64| -> Vec<bool> { responses.iter().map(|r| *r == Some(v)).collect() };
    // The largest group of equal values (by count, or by weight); `None` on a tie or nothing.
    let best = |w: &dyn Fn(usize) -> u128| -> Option<(i64, u128)> {
        let mut best: Option<(i64, u128)> = None;
        let mut tie = false;
        let mut values: Vec<i64> = responses.iter().flatten().copied().collect();
        values.sort_unstable();
        values.dedup();
        for v in values {
            let s: u128 = (0..k).filter(|&s| responses[s] == Some(v)).map(w).sum();
            match best {
                Some((_, b)) if s == b => tie = true,
                Some((_, b)) if s < b => {}
                _ => {
                    best = Some((v, s));
                    tie = false;
                }
            }
        }
        if tie { None } else { best }
    };
    let win = |v: i64| Verdict::Success { agree: group(v), value: v };
    match rule {
        Rule::Majority | Rule::KOfN | Rule::Unanimous => {
            let need = match rule {
                Rule::Majority => k / 2 + 1,
                Rule::KOfN => q,
                _ => k,
            };
            match best(&|_| 1) {
                Some((v, n)) if n >= need as u128 => win(v),
                _ => Verdict::Failure,
            }
        }
        Rule::Weighted => {
            let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
            match best(&|s| u128::from(weights[s])) {
                Some((v, w)) if 2 * w > total => win(v),
                _ => Verdict::Failure,
            }
        }
        Rule::Median => {
            let mut values: Vec<i64> = responses.iter().flatten().copied().collect();
            values.sort_unstable();
            let n = values.len();
            if n == 0 || (n.is_multiple_of(2) && values[n / 2 - 1] != values[n / 2]) {
                return Verdict::Failure; // no response, or two middle values: a tie
            }
            let m = values[n / 2];
            let agree: Vec<bool> =
                responses.iter().map(|r| r.is_some_and(|v| v.abs_diff(m) <= tol)).collect();
            if agree.iter().filter(|&&a| a).count() >= q {
                Verdict::Success { agree, value: m }
            } else {
                Verdict::Failure
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majority_needs_more_than_half_of_k() {
        let r = [Some(7), Some(7), Some(8), None];
        assert_eq!(decide(Rule::Majority, &r, 0, 0, &[]), Verdict::Failure); // 2 of 4
        let r = [Some(7), Some(7), Some(8)];
        let v = decide(Rule::Majority, &r, 0, 0, &[]);
        assert_eq!(v, Verdict::Success { agree: vec![true, true, false], value: 7 });
    }

    #[test]
    fn unanimous_k_of_n_and_weighted() {
        assert_eq!(decide(Rule::Unanimous, &[Some(1), None], 0, 0, &[]), Verdict::Failure);
        let ok = decide(Rule::Unanimous, &[Some(1), Some(1)], 0, 0, &[]);
        assert!(matches!(ok, Verdict::Success { value: 1, .. }));
        let r = [Some(1), Some(1), Some(1), Some(2), Some(2)];
        assert!(matches!(decide(Rule::KOfN, &r, 3, 0, &[]), Verdict::Success { value: 1, .. }));
        assert_eq!(decide(Rule::KOfN, &r, 4, 0, &[]), Verdict::Failure);
        // Weights 1,1,1,5,1: value 2 holds 6 of 9 > half.
        let w = [1, 1, 1, 5, 1];
        assert!(matches!(decide(Rule::Weighted, &r, 0, 0, &w), Verdict::Success { value: 2, .. }));
        // A tie of weight (2 vs 2 of 5 with one silent) fails.
        let r = [Some(1), Some(1), Some(2), Some(2), None];
        assert_eq!(decide(Rule::Weighted, &r, 0, 0, &[1; 5]), Verdict::Failure);
    }

    #[test]
    fn median_tolerance_and_even_ties() {
        let r = [Some(100), Some(102), Some(150), Some(99), Some(101)];
        let v = decide(Rule::Median, &r, 3, 2, &[]);
        assert_eq!(v, Verdict::Success { agree: vec![true, true, false, true, true], value: 101 });
        assert_eq!(decide(Rule::Median, &[Some(1), Some(2)], 1, 5, &[]), Verdict::Failure);
    }

    #[test]
    fn top_respects_the_family_cap() {
        let r = |node, tee, cb| Ranked { node, tee, cb, relative_ppm: 0, gate: 1 };
        let pool = [
            r(0, Tee::Sgx, 9),
            r(1, Tee::Sgx, 8),
            r(2, Tee::Sgx, 7),
            r(3, Tee::Tz, 1),
            r(4, Tee::Tpm, 0),
        ];
        let mut rng = StreamRng::new(ergon_core::rng::Seed::from_u64(1));
        // k = 3: cap 1 per family → 0 (SGX), 3 (TZ), 4 (TPM).
        assert_eq!(schedule(&pool, 3, Strategy::Top, &mut rng), Some(vec![0, 3, 4]));
        assert_eq!(schedule(&pool, 4, Strategy::Top, &mut rng), Some(vec![0, 1, 3, 4]));
        assert_eq!(schedule(&pool, 5, Strategy::Top, &mut rng), None);
        let s = schedule(&pool, 3, Strategy::Sample, &mut rng).expect("three fit");
        assert_eq!(s.len(), 3);
    }
}
