//! A receipt is judged on the steps it and the records carry (spec trias.md, "Routing as
//! mining"; docs/economies/trias.md): a copy received at step `s` of the pair's record of step
//! `r` counts when that record was the pair's latest at `s` (no later record dated at or before
//! `s`) and `r ≤ s ≤ r + 6` — whether the pair's next record's line comes before or after the
//! receipt's.

#![allow(clippy::unwrap_used)] // a test: unwrap is the assertion

use ergon_core::{Coded, Economy};
use ergon_trias::{Attestation, Outcome, Tee, Trias};

/// S (seed), A, B, router R; A→B PASS at step `r`.
fn network(steps_per_epoch: u64) -> Trias {
    let g = serde_json::json!({"decimals": 0, "cap": "1000000", "epoch_reward": "1000",
                               "steps_per_epoch": steps_per_epoch});
    let mut t = Trias::from_genesis(serde_json::from_value(g).unwrap()).unwrap();
    for (n, tee) in [("S", Tee::Sgx), ("A", Tee::Tz), ("B", Tee::Tpm), ("R", Tee::Sev)] {
        t.add_node(n, tee, n == "S").unwrap();
    }
    t
}

fn pass(t: &mut Trias, step: u64) {
    let a = Attestation { attester: 1, attestee: 2, step, outcome: Outcome::Pass, tee: Tee::Tpm };
    t.record(&a, false).unwrap();
}

/// The receipt's code (`ok` when counted).
fn receipt(t: &mut Trias, record_step: u64, step: u64) -> &'static str {
    match t.receipt_ids(3, 0, (1, 2, record_step), step) {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

/// Records at steps 10 and `next`; a copy of the step-10 record received at `s`, its line
/// before the second record's (when `s < next`: the clock may not pass the second record's
/// step first) and after it: the same answer, the rule's.
#[test]
fn a_copy_dated_before_the_next_record_is_judged_the_same_in_either_order() {
    for next in [11u64, 12, 14, 17, 20] {
        for s in 8..next {
            let mut before = network(360);
            pass(&mut before, 10);
            let a = receipt(&mut before, 10, s);
            pass(&mut before, next);
            let mut after = network(360);
            pass(&mut after, 10);
            pass(&mut after, next);
            let b = receipt(&mut after, 10, s);
            let rule = if (10..=16).contains(&s) { "ok" } else { "stale_copy" };
            assert_eq!((a, b), (rule, rule), "next {next}, copy at {s}");
        }
    }
}

/// A copy received at or after the step of the record that superseded its record is refused.
#[test]
fn a_copy_dated_at_or_after_the_next_record_is_unknown() {
    for (next, s) in [(12u64, 12u64), (12, 13), (12, 16), (11, 16)] {
        let mut t = network(360);
        pass(&mut t, 10);
        pass(&mut t, next);
        assert_eq!(receipt(&mut t, 10, s), "unknown_record", "next {next}, copy at {s}");
        // The superseding record itself is the latest: its copy counts.
        assert_eq!(receipt(&mut t, next, s), "ok", "next {next}, copy at {s}");
    }
    // A record the pair never had.
    let mut t = network(360);
    pass(&mut t, 10);
    assert_eq!(receipt(&mut t, 9, 11), "unknown_record");
}

/// A record of the last six steps of an epoch superseded in the next epoch: a copy received
/// in the next epoch before the superseding record's step still counts, one at it does not;
/// the close forgets the records superseded in its epoch (none is the latest after it).
#[test]
fn a_record_superseded_across_the_close() {
    let mut t = network(8);
    pass(&mut t, 6);
    t.close_epoch().unwrap();
    pass(&mut t, 9);
    assert_eq!(receipt(&mut t, 6, 8), "ok");
    let mut t = network(8);
    pass(&mut t, 6);
    t.close_epoch().unwrap();
    pass(&mut t, 9);
    assert_eq!(receipt(&mut t, 6, 9), "unknown_record");
    // Superseded in epoch 0: after the close its copy is unknown, not counted.
    let mut t = network(8);
    pass(&mut t, 5);
    pass(&mut t, 7);
    t.close_epoch().unwrap();
    assert_eq!(receipt(&mut t, 5, 8), "unknown_record");
    assert_eq!(receipt(&mut t, 7, 8), "ok");
}

/// C's FAIL_EVIDENCE on `node` (S 0, A 1, B 2, R 3) at `step`.
fn quarantine(t: &mut Trias, node: u32, step: u64) {
    let tee = [Tee::Sgx, Tee::Tz, Tee::Tpm, Tee::Sev][node as usize];
    let a = Attestation { attester: 4, attestee: node, step, outcome: Outcome::FailEvidence, tee };
    t.record(&a, false).unwrap();
}

/// A node a receipt names (the record's attester or attestee, the router, the receiver) is
/// judged quarantined at the copy's step: a FAIL_EVIDENCE dated after it does not refuse the
/// copy, whichever line comes first; one dated at or before it does (the FAIL_EVIDENCE line
/// read first), naming the quarantine and its step.
#[test]
fn a_quarantine_is_judged_at_the_copy_s_step() {
    for node in 0..4u32 {
        for q in 11..=17u64 {
            for s in 10..=16u64 {
                let net = || {
                    let mut t = network(360);
                    t.add_node("C", Tee::Sgx, false).unwrap();
                    pass(&mut t, 10);
                    t
                };
                let mut after = net();
                quarantine(&mut after, node, q);
                let b = t_receipt(&mut after, s);
                if q > s {
                    let mut before = net();
                    let a = t_receipt(&mut before, s);
                    quarantine(&mut before, node, q);
                    assert_eq!((a.as_str(), b.as_str()), ("ok", "ok"), "node {node}, q {q}, s {s}");
                } else {
                    let want = format!(
                        "quarantined: node {node} was quarantined at step {q}, at or before the \
                         copy's step {s}"
                    );
                    assert_eq!(b, want, "node {node}, q {q}, s {s}");
                }
            }
        }
    }
}

/// The receipt's code and message (`ok` when counted).
fn t_receipt(t: &mut Trias, step: u64) -> String {
    match t.receipt_ids(3, 0, (1, 2, 10), step) {
        Ok(_) => "ok".into(),
        Err(e) => format!("{}: {e}", e.code()),
    }
}

/// A quarantine from an earlier epoch refuses every copy of this one; a book saved before
/// the quarantine steps were kept reads a quarantine as dating from the start.
#[test]
fn an_earlier_quarantine_refuses() {
    let mut t = network(8);
    t.add_node("C", Tee::Sgx, false).unwrap();
    quarantine(&mut t, 2, 3);
    t.close_epoch().unwrap();
    let a =
        Attestation { attester: 1, attestee: 0, step: 9, outcome: Outcome::Pass, tee: Tee::Sgx };
    t.record(&a, false).unwrap();
    let e = t.receipt_ids(3, 2, (1, 0, 9), 9).unwrap_err();
    assert_eq!(e.to_string(), "node 2 was quarantined at step 3, at or before the copy's step 9");
    assert_eq!(t.book().quarantined_since(2), Some(3));
    let mut saved = serde_json::to_value(t.book()).unwrap();
    saved.as_object_mut().unwrap().remove("quarantined_at");
    let old: ergon_trias::AttestationBook = serde_json::from_value(saved).unwrap();
    assert_eq!((old.quarantined_since(2), old.quarantined_since(1)), (Some(0), None));
}

/// The three cases the line order still decides (docs/economies/trias.md, "Routing as
/// mining"), each line answered when read and a receipt counted never uncounted.
#[test]
fn the_cases_line_order_decides() {
    // A record dated behind the clock, at or before a counted receipt's step, superseding its
    // record: the receipt stays counted, and the receiver counts a copy of the new record too.
    let mut t = network(360);
    pass(&mut t, 10);
    assert_eq!(receipt(&mut t, 10, 14), "ok");
    pass(&mut t, 12);
    assert_eq!(receipt(&mut t, 12, 14), "ok");
    let mut t = network(360);
    pass(&mut t, 10);
    pass(&mut t, 12);
    assert_eq!(receipt(&mut t, 10, 14), "unknown_record");
    // A FAIL_EVIDENCE dated at or before a counted receipt's step.
    let mut t = network(360);
    t.add_node("C", Tee::Sgx, false).unwrap();
    pass(&mut t, 10);
    assert_eq!(t_receipt(&mut t, 12), "ok");
    quarantine(&mut t, 2, 11);
    // A receipt read before the record it names: refused, and not reconsidered.
    let mut t = network(360);
    assert_eq!(receipt(&mut t, 10, 11), "unknown_record");
    pass(&mut t, 10);
    assert_eq!(receipt(&mut t, 10, 11), "ok");
    // Two routers' copies to one receiver: the first line read counts, whatever the steps.
    let mut t = network(360);
    t.add_node("R2", Tee::Sev, false).unwrap();
    pass(&mut t, 10);
    assert!(t.receipt_ids(3, 0, (1, 2, 10), 13).is_ok());
    let e = t.receipt_ids(4, 0, (1, 2, 10), 11).unwrap_err();
    assert_eq!(e.code(), "duplicate_receipt");
}
