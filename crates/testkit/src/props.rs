//! The random-action-sequence property harness every economy plugs into (STYLE rules 12 and 15).
//!
//! An economy plugs in by giving
//! - the names of its operation kinds (`"transfer"`, `"burn"`, …);
//! - a step type implementing [`Step`], resolved against the state just before it into a
//!   [`Move`]: one action with its kind, or epoch ends (a [`Move`] itself is a step when the
//!   action needs no state);
//! - a proptest strategy of cases: a genesis (the replay genesis line minus `op` and
//!   `economy`) and a sequence of steps;
//! - optionally its own [`Checks`] (events, epoch reports, a slow reference model).
//!
//! For every step [`Harness::run`] checks that
//! - a rejected action leaves the economy `==` to its clone from before and its `snapshot()`
//!   byte-identical; its code (`E::rejection(error).code`) is tallied;
//! - every epoch end succeeds and advances the epoch by one;
//! - afterwards the step's check `check_step()` and the full `check_invariants()` hold, and so
//!   do the economy's [`Checks`].
//!
//! Across a whole run (every case, shrinking included) a [`Tally`] counts accepted and rejected
//! actions by kind and rejections by code; [`Tally::assert_reached`] then fails naming every
//! kind never reached, so that the properties are not vacuous. Hand-written tests get the same
//! checks one step at a time from [`apply_checked`] and [`end_epoch_checked`].
//!
//! ```
//! use ergon_testkit::{Harness, Move, Reach, Toy};
//! use proptest::{prelude::*, test_runner::TestRunner};
//! use serde_json::json;
//! let genesis = json!({"cap": "10000", "accounts": {"alice": "1000"}, "epoch_reward": "10",
//!                      "halving_epochs": 2, "unbonding_epochs": 1});
//! let burn = (0u32..2_000).prop_map(|n| Move::Act { kind: "burn", action: serde_json::from_value(
//!     json!({"op": "burn", "from": "alice", "amount": n.to_string()})).unwrap() });
//! let steps = prop::collection::vec(prop_oneof![burn, Just(Move::EndEpochs(1))], 1..20);
//! let cases = (Just(genesis), steps);
//! let tally = Harness::<Toy>::new(&["burn"]).run(&mut TestRunner::default(), &cases, || ());
//! tally.assert_reached(&["burn"], Reach::AcceptedAndRejected);
//! ```

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::marker::PhantomData;

use ergon_core::economy::{Economy, Rejection};
use proptest::strategy::Strategy;
use proptest::test_runner::{TestCaseError, TestCaseResult, TestRunner};
use serde_json::Value;

/// What one step does, resolved against the state just before it.
#[derive(Clone, Debug)]
pub enum Move<A> {
    /// Applies `action`, an operation of kind `kind` (one of the kinds the harness declares).
    Act {
        /// The operation's kind, e.g. `transfer`.
        kind: &'static str,
        /// The action.
        action: A,
    },
    /// Ends this many epochs, each one checked: invariants after it, and [`Checks::epoch`]
    /// with the state from before it.
    EndEpochs(u64),
    /// Ends this many epochs as one long advance: each must succeed and advance the epoch;
    /// the invariants are checked after the last, and [`Checks::epoch`] sees no state before.
    Advance(u64),
}

/// A step of a sequence as a strategy draws it. A step may depend on the state (say, "all
/// of alice's balance"), so it is resolved into a [`Move`] only when its turn comes.
pub trait Step<E: Economy>: Clone + Debug {
    /// The move this step makes from `economy`.
    fn resolve(&self, economy: &E) -> Move<E::Action>;
}

/// A move that depends on no state is a step by itself.
impl<E: Economy> Step<E> for Move<E::Action>
where
    E::Action: Clone + Debug,
{
    fn resolve(&self, _: &E) -> Move<E::Action> {
        self.clone()
    }
}

/// An economy's own checks, run by the harness besides its own. A fresh value is made for
/// every case, so it may remember what it saw earlier in the case. `()` checks nothing more.
pub trait Checks<E: Economy> {
    /// After an accepted action, once the invariants held.
    fn accepted(&mut self, _economy: &E, _events: &[E::Event]) -> TestCaseResult {
        Ok(())
    }

    /// After each epoch end; `before` is the state before it, `None` inside a long advance.
    fn epoch(&mut self, _before: Option<&E>, _after: &E, _report: &E::Report) -> TestCaseResult {
        Ok(())
    }

    /// After every step (an action, accepted or rejected, or a run of epoch ends), once the
    /// invariants held.
    fn step(&mut self, _economy: &E) -> TestCaseResult {
        Ok(())
    }
}

impl<E: Economy> Checks<E> for () {}

/// What a checked action did.
#[derive(Debug)]
pub enum Outcome<V> {
    /// The action was accepted and reported these events.
    Accepted(Vec<V>),
    /// The action was refused, and changed nothing.
    Rejected(Rejection),
}

/// Applies `action`; a rejection must leave `economy` `==` to its clone from before and its
/// snapshot byte-identical. The invariants must hold afterwards either way.
pub fn apply_checked<E>(
    economy: &mut E,
    action: &E::Action,
) -> Result<Outcome<E::Event>, TestCaseError>
where
    E: Economy + Clone + PartialEq,
{
    let (before, snapshot) = (economy.clone(), snapshot_text(economy));
    let outcome = match economy.apply(action) {
        Ok(events) => Outcome::Accepted(events),
        Err(error) => {
            let rejection = economy.rejection(error);
            unchanged(economy, &before, &snapshot, &rejection)?;
            Outcome::Rejected(rejection)
        }
    };
    invariants(economy, "after the action")?;
    Ok(outcome)
}

/// A rejected action changed nothing: the economy is `==` to `before` and its snapshot is
/// byte-identical to `snapshot`.
fn unchanged<E>(economy: &E, before: &E, snapshot: &str, rejection: &Rejection) -> TestCaseResult
where
    E: Economy + PartialEq,
{
    if economy != before {
        return Err(fail(format!("rejected ({rejection}) but changed the economy")));
    }
    let after = snapshot_text(economy);
    if after != snapshot {
        let at = first_difference(snapshot, &after);
        return Err(fail(format!(
            "rejected ({rejection}) but changed the snapshot at byte {at}: {} became {}",
            excerpt(snapshot, at),
            excerpt(&after, at),
        )));
    }
    Ok(())
}

/// Ends an epoch: it must succeed, advance the epoch by one, and keep the invariants.
pub fn end_epoch_checked<E: Economy>(economy: &mut E) -> Result<E::Report, TestCaseError> {
    let report = end_epoch_unchecked(economy)?;
    invariants(economy, "after end_epoch")?;
    Ok(report)
}

/// Ends an epoch, which must succeed and advance the epoch by one; invariants unchecked.
fn end_epoch_unchecked<E: Economy>(economy: &mut E) -> Result<E::Report, TestCaseError> {
    let epoch = economy.epoch();
    let report = economy.end_epoch().map_err(|v| fail(format!("end_epoch at {epoch}: {v}")))?;
    if economy.epoch() != epoch.plus(1) {
        return Err(fail(format!("end_epoch at {epoch} left the epoch at {}", economy.epoch())));
    }
    Ok(report)
}

/// The step's check, then the full one: both must hold.
fn invariants<E: Economy>(economy: &mut E, when: &str) -> TestCaseResult {
    economy.check_step().map_err(|v| fail(format!("{when}: the step's check: {v}")))?;
    economy.check_invariants().map_err(|v| fail(format!("{when}: {v}")))
}

fn fail(message: String) -> TestCaseError {
    TestCaseError::fail(message)
}

fn snapshot_text<E: Economy>(economy: &E) -> String {
    economy.snapshot().to_string()
}

fn first_difference(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()))
}

/// Up to 60 bytes of `text` either side of byte `at`.
fn excerpt(text: &str, at: usize) -> String {
    let bytes = text.as_bytes();
    let (from, to) = (at.saturating_sub(60), (at + 60).min(bytes.len()));
    format!("…{}…", String::from_utf8_lossy(&bytes[from.min(to)..to]))
}

/// What a run reached: actions accepted and rejected by kind, rejections by code, epochs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// By kind: `[accepted, rejected]`.
    pub kinds: BTreeMap<&'static str, [u64; 2]>,
    /// Rejections by code.
    pub codes: BTreeMap<&'static str, u64>,
    /// Epochs ended.
    pub epochs: u64,
}

/// Which outcomes of each kind [`Tally::assert_reached`] requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Each kind was accepted at least once.
    Accepted,
    /// Each kind was accepted at least once and rejected at least once.
    AcceptedAndRejected,
}

impl Tally {
    /// Adds another run's counts to this one (e.g. the runs of two profiles).
    pub fn merge(&mut self, other: &Tally) {
        for (kind, [ok, no]) in &other.kinds {
            let k = self.kinds.entry(kind).or_default();
            k[0] += ok;
            k[1] += no;
        }
        for (code, n) in &other.codes {
            *self.codes.entry(code).or_default() += n;
        }
        self.epochs += other.epochs;
    }

    /// Actions accepted, of every kind.
    #[must_use]
    pub fn accepted(&self) -> u64 {
        self.kinds.values().map(|k| k[0]).sum()
    }

    /// The kinds of `kinds` never accepted, and (with [`Reach::AcceptedAndRejected`]) never
    /// rejected: `Err` lists them all.
    pub fn reached(&self, kinds: &[&str], reach: Reach) -> Result<(), String> {
        let count = |kind: &str, i: usize| self.kinds.get(kind).map_or(0, |k| k[i]);
        let never =
            |i: usize| kinds.iter().copied().filter(|k| count(k, i) == 0).collect::<Vec<_>>();
        let (accepted, rejected) = (never(0), never(1));
        let mut missing = Vec::new();
        if !accepted.is_empty() {
            missing.push(format!("never accepted: {}", accepted.join(", ")));
        }
        if reach == Reach::AcceptedAndRejected && !rejected.is_empty() {
            missing.push(format!("never rejected: {}", rejected.join(", ")));
        }
        if missing.is_empty() {
            return Ok(());
        }
        Err(format!("{}\n[accepted, rejected] by kind: {:?}", missing.join("\n"), self.kinds))
    }

    /// Panics, listing them, unless every kind of `kinds` was reached as `reach` says.
    pub fn assert_reached(&self, kinds: &[&str], reach: Reach) {
        if let Err(e) = self.reached(kinds, reach) {
            panic!("operation kinds not reached:\n{e}");
        }
    }

    /// Panics, listing them, unless every code of `codes` was seen in a rejection.
    pub fn assert_codes(&self, codes: &[&str]) {
        let missing: Vec<_> = codes.iter().filter(|c| !self.codes.contains_key(*c)).collect();
        assert!(missing.is_empty(), "no rejection with code {missing:?}; saw {:?}", self.codes);
    }
}

/// Runs sequences of steps against an economy `E` whose operation kinds are declared.
#[derive(Clone, Copy, Debug)]
pub struct Harness<E> {
    kinds: &'static [&'static str],
    economy: PhantomData<fn() -> E>,
}

impl<E> Harness<E>
where
    E: Economy + Clone + PartialEq,
{
    /// A harness for an economy whose actions are of these kinds.
    #[must_use]
    pub fn new(kinds: &'static [&'static str]) -> Harness<E> {
        Harness { kinds, economy: PhantomData }
    }

    /// Runs every case `runner` draws from `cases` (a genesis and its steps), with fresh
    /// `checks` for each; panics with proptest's minimal failing case. Returns what the run
    /// reached.
    pub fn run<S, C>(
        &self,
        runner: &mut TestRunner,
        cases: &impl Strategy<Value = (Value, Vec<S>)>,
        checks: impl Fn() -> C,
    ) -> Tally
    where
        S: Step<E>,
        C: Checks<E>,
    {
        let tally = RefCell::new(Tally::default());
        let result = runner.run(cases, |(genesis, steps)| {
            self.case(&genesis, &steps, &mut checks(), &mut tally.borrow_mut())
        });
        if let Err(e) = result {
            panic!("{}: {e}", E::NAME);
        }
        tally.into_inner()
    }

    /// One case: builds the economy from `genesis`, checks it, then runs and checks `steps`.
    pub fn case<S: Step<E>>(
        &self,
        genesis: &Value,
        steps: &[S],
        checks: &mut impl Checks<E>,
        tally: &mut Tally,
    ) -> TestCaseResult {
        let decoded = serde_json::from_value(genesis.clone())
            .map_err(|e| fail(format!("genesis {genesis} does not decode: {e}")))?;
        let mut economy = E::from_genesis(decoded)
            .map_err(|r| fail(format!("genesis {genesis} rejected: {r}")))?;
        invariants(&mut economy, "at genesis")?;
        for (i, step) in steps.iter().enumerate() {
            self.step(&mut economy, step, checks, tally).map_err(|e| match e {
                TestCaseError::Fail(r) => fail(format!("step {i}, {step:?}: {}", r.message())),
                reject @ TestCaseError::Reject(_) => reject,
            })?;
        }
        Ok(())
    }

    fn step(
        &self,
        economy: &mut E,
        step: &impl Step<E>,
        checks: &mut impl Checks<E>,
        tally: &mut Tally,
    ) -> TestCaseResult {
        match step.resolve(economy) {
            Move::Act { kind, action } => self.act(economy, kind, &action, checks, tally)?,
            Move::EndEpochs(n) => {
                for _ in 0..n {
                    let before = economy.clone();
                    let report = end_epoch_checked(economy)?;
                    checks.epoch(Some(&before), economy, &report)?;
                    tally.epochs += 1;
                }
            }
            Move::Advance(n) => {
                for _ in 0..n {
                    let report = end_epoch_unchecked(economy)?;
                    checks.epoch(None, economy, &report)?;
                    tally.epochs += 1;
                }
                invariants(economy, &format!("after {n} epoch ends"))?;
            }
        }
        checks.step(economy)
    }

    fn act(
        &self,
        economy: &mut E,
        kind: &'static str,
        action: &E::Action,
        checks: &mut impl Checks<E>,
        tally: &mut Tally,
    ) -> TestCaseResult {
        assert!(self.kinds.contains(&kind), "{kind} is not a declared kind: {:?}", self.kinds);
        let outcome = apply_checked(economy, action)?;
        let entry = tally.kinds.entry(kind).or_default();
        match outcome {
            Outcome::Accepted(events) => {
                entry[0] += 1;
                checks.accepted(economy, &events)
            }
            Outcome::Rejected(rejection) => {
                entry[1] += 1;
                *tally.codes.entry(rejection.code).or_default() += 1;
                Ok(())
            }
        }
    }
}
