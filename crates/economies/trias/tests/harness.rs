//! Random action sequences through the shared property harness (`ergon_testkit::props`):
//! registrations, attestations of every outcome (some invalid: wrong TEE, stale, future,
//! out of order, unknown or quarantined nodes), receipts, query answers, bonds and fraud proofs,
//! interleaved with epoch ends. After every step the invariants hold (tokens conserved, minted
//! = emitted, every split's payouts + carry = pool); a refused action leaves the economy `==`
//! to its clone and its snapshot byte-identical; every epoch end succeeds. 64 deterministic
//! cases; every kind must be accepted and rejected at least once.

#![allow(clippy::unwrap_used)] // a test: unwrap is the assertion

use ergon_core::Economy;
use ergon_testkit::{Harness, Move, Reach, Step};
use ergon_trias::{Action, Trias};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::json;

const NODES: [&str; 6] = ["S1", "S2", "A", "B", "C", "Z"];
const TEES: [&str; 4] = ["SGX", "TZ", "TPM", "SEV"];
const KINDS: &[&str] =
    &["register_node", "attest", "receipt", "query_answer", "bond", "fraud_proof"];

fn act(kind: &'static str, v: serde_json::Value) -> Move<Action> {
    Move::Act { kind, action: serde_json::from_value(v).unwrap() }
}

/// Each node's registered family (`Z` is never registered).
const FAMILY: [&str; 6] = ["SGX", "TZ", "SGX", "TPM", "SEV", "SGX"];

fn node() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&NODES[..])
}

/// A move whose `step` (and a receipt's `record_step`) count back from the clock when it is
/// resolved, so that most records fall inside the window.
#[derive(Clone, Debug)]
struct Rel(Move<Action>, u64, u64);

impl Step<Trias> for Rel {
    fn resolve(&self, economy: &Trias) -> Move<Action> {
        let now = economy.snapshot()["step"].as_u64().unwrap();
        let mut m = self.0.clone();
        if let Move::Act { action, .. } = &mut m {
            match action {
                Action::Attest { step, .. } => *step = now + self.1,
                Action::Receipt { record_step, step, .. } => {
                    *record_step = now.saturating_sub(self.2);
                    *step = now + self.1;
                }
                _ => {}
            }
        }
        m
    }
}

fn step() -> impl Strategy<Value = Rel> {
    (raw(), 0u64..3, 0u64..3).prop_map(|(m, a, b)| Rel(m, a, b))
}

fn raw() -> impl Strategy<Value = Move<Action>> {
    let outcome =
        prop::sample::select(&["pass", "pass", "pass", "no_response", "fail_evidence"][..]);
    let tee = prop::sample::select(&TEES[..]);
    prop_oneof![
        6 => (0..6usize, 0..6usize, 0u64..40, outcome, tee.clone(), any::<bool>(), 0..5u8)
            .prop_map(|(i, k, s, o, t, a, right)| {
            let (i, j) = (NODES[i], NODES[k]);
            let t = if right > 0 { FAMILY[k] } else { t };
            act("attest", json!({"op": "attest", "attester": i, "attestee": j, "step": s,
                                 "outcome": o, "tee": t, "assigned": a}))
        }),
        2 => (node(), node(), node(), node(), 0u64..40, 0u64..10).prop_map(|(r, k, i, j, s, d)| {
            act("receipt", json!({"op": "receipt", "router": r, "receiver": k, "attester": i,
                                  "attestee": j, "record_step": s, "step": s + d}))
        }),
        1 => (node(), node()).prop_map(|(r, k)| {
            act("query_answer", json!({"op": "query_answer", "router": r, "receiver": k}))
        }),
        1 => (node(), 0u32..80).prop_map(|(n, a)| {
            act("bond", json!({"op": "bond", "node": n, "amount": a.to_string()}))
        }),
        3 => (0..5usize, 0..5usize, 0..5usize).prop_map(|(c, i, j)| {
            let (c, i, j) = (NODES[c], NODES[i], NODES[j]);
            act("fraud_proof", json!({"op": "fraud_proof", "challenger": c, "attester": i,
                                      "attestee": j}))
        }),
        1 => (node(), tee).prop_map(|(n, t)| {
            act("register_node", json!({"op": "register_node", "node": n, "tee": t}))
        }),
        2 => Just(Move::EndEpochs(1)),
    ]
}

#[test]
fn random_sequences_keep_the_invariants() {
    let genesis = json!({"decimals": 0, "cap": "100000", "epoch_reward": "100",
                         "halving_epochs": 3, "bootstrap_epochs": 2, "steps_per_epoch": 8,
                         "window": 8});
    let regs: Vec<Move<Action>> = NODES[..5]
        .iter()
        .zip(["SGX", "TZ", "SGX", "TPM", "SEV"])
        .map(|(n, t)| {
            act(
                "register_node",
                json!({"op": "register_node", "node": n, "tee": t,
                                        "seed": n.starts_with('S')}),
            )
        })
        .collect();
    let regs: Vec<Rel> = regs.into_iter().map(|m| Rel(m, 0, 0)).collect();
    let cases = (Just(genesis), prop::collection::vec(step(), 1..80)).prop_map(move |(g, s)| {
        let mut all = regs.clone();
        all.extend(s);
        (g, all)
    });
    let config = Config { cases: 64, failure_persistence: None, ..Config::default() };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let tally = Harness::<Trias>::new(KINDS).run(&mut runner, &cases, || ());
    tally.assert_reached(KINDS, Reach::AcceptedAndRejected);
}
