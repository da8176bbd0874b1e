//! The replay vectors in tests/vectors/trias/ (worked by hand in their `#` lines) replay through
//! the core's [`Replayer`] to exactly their expected output, with a registry of Trias alone
//! (the program's registry lists it beside the others).

#![allow(clippy::unwrap_used)] // a test: unwrap is the assertion

use ergon_core::economy::{Registry, constructor};
use ergon_core::replay::{Replayer, first_difference};
use ergon_trias::Trias;

static REPLAY: &Registry = &[("trias", constructor::<Trias>)];

fn replay(name: &str) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../tests/vectors/trias/");
    let input = std::fs::read_to_string(format!("{dir}{name}.jsonl")).unwrap();
    let expected = std::fs::read_to_string(format!("{dir}{name}.expected.jsonl")).unwrap();
    let mut replayer = Replayer::new(REPLAY);
    let out: Vec<String> =
        input.lines().enumerate().filter_map(|(i, l)| replayer.feed(i + 1, l).unwrap()).collect();
    replayer.finish().unwrap();
    assert_eq!(first_difference(&out, &expected), None, "{name}");
    assert_eq!(out.len(), expected.lines().count(), "{name}");
}

#[test]
fn sybil_example() {
    replay("sybil");
}

#[test]
fn bitmap_quarantine_and_a_two_node_eigentrust() {
    replay("bitmap");
}

#[test]
fn emission_halving_cap_splits_and_carry() {
    replay("emission");
}

#[test]
fn a_three_node_eigentrust_with_a_dangling_row() {
    replay("eigentrust");
}

#[test]
fn routing_receipts_answers_and_caps() {
    replay("routing");
}

#[test]
fn a_receipt_judged_at_its_own_step_in_either_line_order() {
    replay("receipt_order");
}

#[test]
fn a_quarantined_node_keeps_its_cover_and_its_claims() {
    replay("quarantined_claim");
}

#[test]
fn bonds_slashes_and_fraud_proofs() {
    replay("bonds");
}

#[test]
fn a_majority_call_settled_with_gas() {
    replay("call_majority");
}

#[test]
fn median_calls_an_outlier_slashed_and_a_tie_refunded() {
    replay("call_median");
}

#[test]
fn an_insurance_epoch_with_pro_rata_claims_a_queue_and_prometh() {
    replay("insurance");
}

#[test]
fn a_subject_scores_its_analysis_once_ever() {
    replay("analysis_once");
}

#[test]
fn beacon_targets_and_assigned_records() {
    replay("beacon");
}

#[test]
fn a_parameter_the_rule_does_not_use_is_refused() {
    replay("call_unused_params");
}

#[test]
fn sample_scheduling_weighted_and_unanimous_calls() {
    replay("call_rules");
}
