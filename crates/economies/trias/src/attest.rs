//! Attestation records and direct trust (spec trias.md, "Attestations and direct trust"; seed:
//! verifiers "continuously and repeatedly examining the trustworthiness of the surrounding nodes
//! by initiating TEE-oriented verifications").
//!
//! # The recency bitmap
//! `D_ij(t) = Σ 2^(K−1−(t−s))` over the PASS steps `s` of attester `i` on attestee `j` with
//! `t − K < s ≤ t` and `s` after `i`'s last failure record on `j`. Each pair keeps one `u64`:
//! `D` at its last record's step. Moving to a later step `t` is a right shift by the elapsed
//! steps — a term `2^m` shifted by more than `m` is exactly the part the window drops, and
//! the dropped terms are distinct smaller powers of two, so the shift's floor removes them and
//! nothing else. A PASS sets bit `K−1`; a failure record (FAIL_EVIDENCE or NO_RESPONSE) sets
//! `D` to zero, wiping every older endorsement. A more recent PASS (`2^(K−1−Δ)`) outweighs all
//! older ones together (at most `2^(K−1−Δ) − 1`). `K ≤ 64` so `D` fits a `u64`.
//!
//! # Validity (the choices the spec leaves open, see docs/economies/trias.md)
//! Both nodes registered, distinct, neither quarantined; the record's TEE type is the
//! attestee's registered family; `now − K < step ≤ now`; a pair's records strictly increase in
//! step. FAIL_EVIDENCE quarantines the attestee: it keeps no edges in any later snapshot, earns
//! nothing, and its bond is slashed by the state. NO_RESPONSE only wipes the pair.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Result, TriasError};
use crate::rowmap::RowMap;

/// A node's dense index (canonical order: registration order, which the replay keeps sorted).
pub type NodeId = u32;

/// A TEE family (the hardware root of an attestation); `SGX`, `TZ`, `TPM`, `SEV` in replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Tee {
    /// Intel SGX.
    Sgx,
    /// Arm TrustZone.
    Tz,
    /// A TPM.
    Tpm,
    /// AMD SEV.
    Sev,
}

impl Tee {
    /// Every family, in canonical order.
    pub const ALL: [Tee; 4] = [Tee::Sgx, Tee::Tz, Tee::Tpm, Tee::Sev];

    /// The family by its name (`SGX`, `TZ`, `TPM`, `SEV`).
    #[must_use]
    pub fn parse(name: &str) -> Option<Tee> {
        match name {
            "SGX" => Some(Tee::Sgx),
            "TZ" => Some(Tee::Tz),
            "TPM" => Some(Tee::Tpm),
            "SEV" => Some(Tee::Sev),
            _ => None,
        }
    }
}

/// An attestation's outcome (`pass`, `fail_evidence`, `no_response` in replay).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The quote verified against the whitelist.
    Pass,
    /// The quote's measurement is not whitelisted: evidence of a compromised node.
    FailEvidence,
    /// The attestee did not answer.
    NoResponse,
}

/// One attestation record: attester `i` examined attestee `j` at `step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Attestation {
    /// The attester.
    pub attester: NodeId,
    /// The attestee.
    pub attestee: NodeId,
    /// The attestation slot (10 s).
    pub step: u64,
    /// The outcome.
    pub outcome: Outcome,
    /// The TEE type the quote came from.
    pub tee: Tee,
}

/// `D` at step `at` moved to step `t ≥ at`: the window slides by `t − at`.
#[must_use]
pub fn advance(d: u64, at: u64, t: u64) -> u64 {
    let shift = t.saturating_sub(at);
    if shift >= 64 { 0 } else { d >> shift }
}

/// `D` at `step` after a PASS at `step` on `D` (taken at `at ≤ step`), window `k` (1..=64).
#[must_use]
pub fn with_pass(d: u64, at: u64, step: u64, k: u32) -> u64 {
    advance(d, at, step) | (1u64 << (k - 1))
}

/// What a recorded attestation changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Recorded {
    /// A PASS: the pair's direct trust now.
    Pass {
        /// `D_ij` at the record's step.
        direct: u64,
    },
    /// A NO_RESPONSE: the pair's endorsements wiped.
    Wiped,
    /// A FAIL_EVIDENCE: the pair wiped and the attestee quarantined.
    Quarantined {
        /// The attestee, quarantined from now on.
        node: NodeId,
    },
}

/// A registered node as the trust machinery sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeTrust {
    /// Its TEE family.
    pub tee: Tee,
    /// Pre-trusted (a member of the seed set P).
    pub seed: bool,
    /// Quarantined by an upheld FAIL_EVIDENCE.
    pub quarantined: bool,
}

/// A pair's bitmap: `D` at step `last` (its last record).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Pair {
    last: u64,
    d: u64,
}

/// Every node's TEE family and status and every pair's recency bitmap, with the clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationBook {
    window: u32,
    now: u64,
    nodes: Vec<NodeTrust>,
    /// Every pair with a record, by attester then attestee.
    pairs: RowMap<Pair>,
    /// The step of the FAIL_EVIDENCE record that quarantined each quarantined node.
    #[serde(default)]
    quarantined_at: BTreeMap<NodeId, u64>,
}

impl AttestationBook {
    /// An empty book with window `K` (1..=64) at step 0.
    pub fn new(window: u32) -> Result<AttestationBook> {
        if !(1..=64).contains(&window) {
            return Err(TriasError::BadParam {
                name: "window",
                value: window.into(),
                min: 1,
                max: 64,
            });
        }
        Ok(AttestationBook {
            window,
            now: 0,
            nodes: Vec::new(),
            pairs: RowMap::default(),
            quarantined_at: BTreeMap::new(),
        })
    }

    /// K, the window in steps.
    #[must_use]
    pub fn window(&self) -> u32 {
        self.window
    }

    /// The current step.
    #[must_use]
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Registers a node; its index is the number of nodes before it.
    pub fn register(&mut self, tee: Tee, seed: bool) -> NodeId {
        self.nodes.push(NodeTrust { tee, seed, quarantined: false });
        (self.nodes.len() - 1) as NodeId
    }

    /// Every node, by index.
    #[must_use]
    pub fn nodes(&self) -> &[NodeTrust] {
        &self.nodes
    }

    /// One node ([`TriasError::UnknownNode`] beyond the nodes).
    pub fn node(&self, node: NodeId) -> Result<&NodeTrust> {
        self.nodes.get(node as usize).ok_or(TriasError::UnknownNode { node })
    }

    /// The step from which `node` is quarantined: its FAIL_EVIDENCE record's step (`None`
    /// while it is not quarantined or for an unknown node).
    #[must_use]
    pub fn quarantined_since(&self, node: NodeId) -> Option<u64> {
        let n = self.nodes.get(node as usize)?;
        // A book saved without the steps reads a quarantine as dating from the start.
        n.quarantined.then(|| self.quarantined_at.get(&node).copied().unwrap_or(0))
    }

    /// Moves the clock to `step` (never back).
    pub fn advance_to(&mut self, step: u64) -> Result<()> {
        if step < self.now {
            return Err(TriasError::ClockBackwards { now: self.now, to: step });
        }
        self.now = step;
        Ok(())
    }

    /// Checks a record against the rules of the module doc without changing anything.
    pub fn check(&self, a: &Attestation) -> Result<()> {
        self.check_at(a, self.now)
    }

    /// [`AttestationBook::check`] with the clock at `now`.
    fn check_at(&self, a: &Attestation, now: u64) -> Result<()> {
        let attester = self.node(a.attester)?;
        let attestee = self.node(a.attestee)?;
        if a.attester == a.attestee {
            return Err(TriasError::SelfAttestation { node: a.attester });
        }
        if attester.quarantined {
            return Err(TriasError::Quarantined { node: a.attester });
        }
        if attestee.quarantined {
            return Err(TriasError::Quarantined { node: a.attestee });
        }
        if a.tee != attestee.tee {
            return Err(TriasError::TeeMismatch {
                node: a.attestee,
                given: a.tee,
                registered: attestee.tee,
            });
        }
        if a.step > now {
            return Err(TriasError::FutureStep { step: a.step, now });
        }
        if a.step + u64::from(self.window) <= now {
            return Err(TriasError::StaleStep { step: a.step, now, window: self.window });
        }
        if let Some(p) = self.pairs.get(a.attester, a.attestee)
            && a.step <= p.last
        {
            return Err(TriasError::OutOfOrder {
                attester: a.attester,
                attestee: a.attestee,
                step: a.step,
                last: p.last,
            });
        }
        Ok(())
    }

    /// Records an attestation (all or nothing: a refused record changes nothing).
    pub fn record(&mut self, a: &Attestation) -> Result<Recorded> {
        self.check(a)?;
        Ok(self.apply(a).0)
    }

    /// Moves the clock to the record's step when it is later, then records it — all or
    /// nothing: a refused record leaves the clock too. With the step of the record it
    /// supersedes (the pair's previous latest; `None` with the pair's first record).
    pub fn record_advancing(&mut self, a: &Attestation) -> Result<(Recorded, Option<u64>)> {
        let now = self.now.max(a.step);
        self.check_at(a, now)?;
        self.now = now;
        Ok(self.apply(a))
    }

    /// Records a checked attestation; with the step of the record it supersedes, if any.
    fn apply(&mut self, a: &Attestation) -> (Recorded, Option<u64>) {
        let (pair, first) =
            self.pairs.entry_or(a.attester, a.attestee, || Pair { last: a.step, d: 0 });
        let previous = (!first).then_some(pair.last);
        let d = match a.outcome {
            Outcome::Pass => with_pass(pair.d, pair.last, a.step, self.window),
            Outcome::FailEvidence | Outcome::NoResponse => 0,
        };
        *pair = Pair { last: a.step, d };
        let done = match a.outcome {
            Outcome::Pass => Recorded::Pass { direct: d },
            Outcome::NoResponse => Recorded::Wiped,
            Outcome::FailEvidence => {
                self.nodes[a.attestee as usize].quarantined = true;
                self.quarantined_at.insert(a.attestee, a.step);
                Recorded::Quarantined { node: a.attestee }
            }
        };
        (done, previous)
    }

    /// Wipes a pair's endorsements (a fraud proof against its PASS).
    pub fn wipe(&mut self, attester: NodeId, attestee: NodeId) {
        if let Some(p) = self.pairs.get_mut(attester, attestee) {
            p.d = 0;
        }
    }

    /// The step of the pair's latest record, if any.
    #[must_use]
    pub fn last_record(&self, attester: NodeId, attestee: NodeId) -> Option<u64> {
        self.pairs.get(attester, attestee).map(|p| p.last)
    }

    /// `D_ij` at step `t` (at or after the pair's last record; earlier steps read as the last
    /// record's value) — zero for a pair without records.
    #[must_use]
    pub fn direct(&self, attester: NodeId, attestee: NodeId, t: u64) -> u64 {
        self.pairs.get(attester, attestee).map_or(0, |p| advance(p.d, p.last, t))
    }

    /// Every edge `(i, j, D_ij(now))` with `D_ij > 0` and neither end quarantined, in canonical
    /// `(i, j)` order: the input of the trust snapshot.
    #[must_use]
    pub fn edges(&self) -> Vec<(NodeId, NodeId, u64)> {
        let q = |n: NodeId| self.nodes[n as usize].quarantined;
        // The rows walk in canonical order: no sort.
        let mut edges = Vec::with_capacity(self.pairs.len());
        for (i, keys, pairs) in self.pairs.rows() {
            if q(i) {
                continue;
            }
            for (&j, p) in keys.iter().zip(pairs) {
                let d = advance(p.d, p.last, self.now);
                if d > 0 && !q(j) {
                    edges.push((i, j, d));
                }
            }
        }
        edges
    }
}
