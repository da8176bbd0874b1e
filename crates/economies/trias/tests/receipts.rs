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
