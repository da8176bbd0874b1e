//! The recency bitmap and the validity rules of attestation records (spec trias.md,
//! "Attestations and direct trust"), with figures worked by hand.

#![allow(clippy::unwrap_used)] // a test: unwrap is the assertion

use ergon_core::Coded;
use ergon_trias::attest::{advance, with_pass};
use ergon_trias::{Attestation, AttestationBook, Outcome, Recorded, Tee, TrustGraph};

fn rec(attester: u32, attestee: u32, step: u64, outcome: Outcome) -> Attestation {
    Attestation { attester, attestee, step, outcome, tee: Tee::Sgx }
}

/// K = 4, PASS at steps 1, 2, 4 by node 0 on node 1:
/// D(4) = 2^(3−3) + 2^(3−2) + 2^(3−0) = 1 + 2 + 8 = 11;
/// D(5): step 1 leaves the window (5 − 4 < s) → 2^(3−3) + 2^(3−1) = 1 + 4 = 5;
/// D(8) = 2^(3−4) is out too: only s = 5..8 count, none passed → 0 (s = 4: 8 − 4 = 4 ≥ K).
#[test]
fn bitmap_by_hand() {
    let mut b = AttestationBook::new(4).unwrap();
    b.register(Tee::Sgx, true);
    b.register(Tee::Sgx, false);
    for s in [1u64, 2, 4] {
        b.advance_to(s).unwrap();
        b.record(&rec(0, 1, s, Outcome::Pass)).unwrap();
    }
    assert_eq!(b.direct(0, 1, 4), 11);
    assert_eq!(b.direct(0, 1, 5), 5);
    assert_eq!(b.direct(0, 1, 7), 1);
    assert_eq!(b.direct(0, 1, 8), 0);
    // A more recent PASS outweighs every older one together: 8 > 1 + 2 (+ 4 at most).
    assert_eq!(with_pass(0, 0, 0, 4), 8);
    assert_eq!(advance(0b111, 0, 1), 0b11);
    assert_eq!(advance(u64::MAX, 0, 64), 0);
}

/// A NO_RESPONSE wipes older endorsements; the next PASS starts afresh.
#[test]
fn failure_wipes() {
    let mut b = AttestationBook::new(4).unwrap();
    b.register(Tee::Sgx, true);
    b.register(Tee::Sgx, false);
    b.record(&rec(0, 1, 0, Outcome::Pass)).unwrap();
    b.advance_to(1).unwrap();
    b.record(&rec(0, 1, 1, Outcome::Pass)).unwrap();
    assert_eq!(b.direct(0, 1, 1), 8 + 4);
    b.advance_to(2).unwrap();
    assert_eq!(b.record(&rec(0, 1, 2, Outcome::NoResponse)).unwrap(), Recorded::Wiped);
    assert_eq!(b.direct(0, 1, 2), 0);
    b.advance_to(3).unwrap();
    assert_eq!(b.record(&rec(0, 1, 3, Outcome::Pass)).unwrap(), Recorded::Pass { direct: 8 });
    assert!(b.edges() == vec![(0, 1, 8)]);
}

/// FAIL_EVIDENCE quarantines the attestee: its edges leave the snapshot, its records are
/// refused from either side.
#[test]
fn fail_evidence_quarantines() {
    let mut b = AttestationBook::new(32).unwrap();
    for seed in [true, false, false] {
        b.register(Tee::Sgx, seed);
    }
    b.record(&rec(0, 1, 0, Outcome::Pass)).unwrap();
    b.record(&rec(1, 2, 0, Outcome::Pass)).unwrap();
    b.record(&rec(2, 1, 0, Outcome::Pass)).unwrap();
    b.advance_to(1).unwrap();
    let r = b.record(&rec(0, 2, 1, Outcome::FailEvidence)).unwrap();
    assert_eq!(r, Recorded::Quarantined { node: 2 });
    assert!(b.node(2).unwrap().quarantined);
    // D(1) of 0 → 1: the step-0 PASS shifted once, 2^31 → 2^30.
    assert_eq!(b.edges(), vec![(0, 1, 1 << 30)]);
    let e = b.record(&rec(2, 1, 1, Outcome::Pass)).unwrap_err();
    assert_eq!(e.code(), "quarantined");
    let e = b.record(&rec(1, 2, 1, Outcome::Pass)).unwrap_err();
    assert_eq!(e.code(), "quarantined");
    let g = TrustGraph::new(b.nodes(), b.edges()).unwrap();
    assert_eq!(g.active, 2);
}

#[test]
fn invalid_records_are_refused_and_change_nothing() {
    let mut b = AttestationBook::new(4).unwrap();
    b.register(Tee::Sgx, true);
    b.register(Tee::Tpm, false);
    b.advance_to(10).unwrap();
    let tpm = |step, outcome| Attestation { tee: Tee::Tpm, ..rec(0, 1, step, outcome) };
    let before = b.clone();
    let code = |b: &mut AttestationBook, a: Attestation| b.record(&a).unwrap_err().code();
    assert_eq!(code(&mut b, rec(0, 1, 10, Outcome::Pass)), "tee_mismatch");
    assert_eq!(code(&mut b, rec(0, 0, 10, Outcome::Pass)), "self_attestation");
    assert_eq!(code(&mut b, tpm(11, Outcome::Pass)), "future_step");
    // 10 − 4 < s is the window: step 6 is stale, step 7 is not.
    assert_eq!(code(&mut b, tpm(6, Outcome::Pass)), "stale_step");
    assert_eq!(code(&mut b, rec(0, 9, 10, Outcome::Pass)), "unknown_node");
    assert_eq!(b, before);
    b.record(&tpm(7, Outcome::Pass)).unwrap();
    assert_eq!(code(&mut b, tpm(7, Outcome::Pass)), "out_of_order");
    assert_eq!(b.advance_to(9).unwrap_err().code(), "clock_backwards");
    assert_eq!(AttestationBook::new(65).unwrap_err().code(), "bad_param");
    assert_eq!(AttestationBook::new(0).unwrap_err().code(), "bad_param");
    // K = 64: all 64 bits fit.
    let mut b = AttestationBook::new(64).unwrap();
    b.register(Tee::Sgx, true);
    b.register(Tee::Sgx, false);
    for s in 0..64 {
        b.advance_to(s).unwrap();
        b.record(&rec(0, 1, s, Outcome::Pass)).unwrap();
    }
    assert_eq!(b.direct(0, 1, 63), u64::MAX);
}

#[test]
fn a_snapshot_needs_a_seed() {
    let mut b = AttestationBook::new(4).unwrap();
    b.register(Tee::Sgx, false);
    let e = TrustGraph::new(b.nodes(), b.edges()).unwrap_err();
    assert_eq!(e.code(), "no_seeds");
}
