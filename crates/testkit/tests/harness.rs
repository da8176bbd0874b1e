//! The property harness catches what it promises to: the toy with a planted fault — a rejected
//! action that changes the state, or only its snapshot; invariants that break at an epoch end —
//! fails the case with a message naming the step; and the coverage check names every kind never
//! accepted or never rejected.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::{Economy, Epoch, Metric, Rejection, Violation};
use ergon_testkit::props::{Harness, Move, Reach, Tally};
use ergon_testkit::toy::{Toy, ToyAction, ToyGenesis};
use proptest::test_runner::TestCaseError;
use serde::Deserialize;
use serde_json::{Value, json};

/// Where the fault is planted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Fault {
    /// None: the toy as it is.
    Sound,
    /// Every `apply` counts itself in the state (`==` sees it, the snapshot does not).
    CountInState,
    /// Every `apply` counts itself in the snapshot (`==` does not see it).
    CountInSnapshot,
    /// The invariants fail from epoch 2 on.
    BreakAtEpoch2,
}

/// The toy with a fault planted.
#[derive(Clone, Debug)]
struct Faulty {
    toy: Toy,
    applies: u64,
    fault: Fault,
}

impl PartialEq for Faulty {
    fn eq(&self, other: &Faulty) -> bool {
        let counted = self.fault == Fault::CountInState;
        self.toy == other.toy && (!counted || self.applies == other.applies)
    }
}

impl Economy for Faulty {
    const NAME: &'static str = "faulty";
    type Genesis = (Fault, ToyGenesis);
    type Action = ToyAction;
    type Event = Value;
    type Error = Rejection;
    type Report = Value;

    fn from_genesis((fault, genesis): (Fault, ToyGenesis)) -> Result<Faulty, Rejection> {
        Ok(Faulty { toy: Toy::from_genesis(genesis)?, applies: 0, fault })
    }

    fn apply(&mut self, action: &ToyAction) -> Result<Vec<Value>, Rejection> {
        self.applies += 1;
        self.toy.apply(action)
    }

    fn rejection(&self, error: Rejection) -> Rejection {
        error
    }

    fn end_epoch(&mut self) -> Result<Value, Violation> {
        self.toy.end_epoch()
    }

    fn epoch(&self) -> Epoch {
        self.toy.epoch()
    }

    fn metrics(&self) -> Vec<Metric> {
        self.toy.metrics()
    }

    fn check_invariants(&self) -> Result<(), Violation> {
        if self.fault == Fault::BreakAtEpoch2 && self.epoch().0 >= 2 {
            return Err(Violation::new("planted", "epoch 2".into()));
        }
        self.toy.check_invariants()
    }

    fn snapshot(&self) -> Value {
        let mut s = self.toy.snapshot();
        if self.fault == Fault::CountInSnapshot {
            s["applies"] = json!(self.applies);
        }
        s
    }
}

const KINDS: &[&str] = &["transfer", "burn"];

fn transfer(amount: &str) -> Move<ToyAction> {
    let action = json!({"op": "transfer", "from": "alice", "to": "bob", "amount": amount});
    Move::Act { kind: "transfer", action: serde_json::from_value(action).unwrap() }
}

/// Runs the case (a good transfer, one refused, two epoch ends, another transfer) on the toy
/// with `fault`; the failure's message, if any.
fn failure(fault: &str, tally: &mut Tally) -> Option<String> {
    let genesis = json!([fault, {"cap": "10000", "accounts": {"alice": "1000", "bob": "0"},
                                 "epoch_reward": "10", "halving_epochs": 2,
                                 "unbonding_epochs": 1}]);
    let steps = [transfer("10"), transfer("5000"), Move::EndEpochs(2), transfer("1")];
    match Harness::<Faulty>::new(KINDS).case(&genesis, &steps, &mut (), tally) {
        Ok(()) => None,
        Err(TestCaseError::Fail(r)) => Some(r.message().to_owned()),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_sound_economy_passes_and_is_tallied() {
    let mut tally = Tally::default();
    assert_eq!(failure("sound", &mut tally), None);
    assert_eq!(tally.kinds["transfer"], [2, 1]);
    assert_eq!(tally.codes["insufficient_balance"], 1);
    assert_eq!(tally.epochs, 2);
}

#[test]
fn a_rejection_that_changes_the_state_fails_at_its_step() {
    let m = failure("count_in_state", &mut Tally::default()).unwrap();
    assert!(m.starts_with("step 1,") && m.contains("but changed the economy"), "{m}");
}

#[test]
fn a_rejection_that_changes_the_snapshot_fails_at_its_step() {
    let m = failure("count_in_snapshot", &mut Tally::default()).unwrap();
    assert!(m.starts_with("step 1,") && m.contains("but changed the snapshot"), "{m}");
}

#[test]
fn invariants_broken_by_an_epoch_end_fail_at_its_step() {
    let m = failure("break_at_epoch2", &mut Tally::default()).unwrap();
    assert!(m.starts_with("step 2,") && m.contains("after end_epoch: "), "{m}");
}

#[test]
fn the_coverage_check_names_every_kind_not_reached() {
    let mut tally = Tally::default();
    failure("sound", &mut tally);
    assert_eq!(tally.reached(&["transfer"], Reach::AcceptedAndRejected), Ok(()));
    let e = tally.reached(KINDS, Reach::Accepted).unwrap_err();
    assert!(e.starts_with("never accepted: burn\n"), "{e}");
    let e = tally.reached(&["burn", "transfer", "lock"], Reach::AcceptedAndRejected).unwrap_err();
    assert!(e.starts_with("never accepted: burn, lock\nnever rejected: burn, lock\n"), "{e}");
}

#[test]
#[should_panic(expected = "operation kinds not reached:\nnever accepted: burn")]
fn assert_reached_panics_naming_the_kinds() {
    Tally::default().assert_reached(&["burn"], Reach::Accepted);
}
