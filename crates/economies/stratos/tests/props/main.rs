//! Property test of the Stratos economy through the [`Economy`] trait, under both rule profiles
//! (`paper` and `mainnet`): random sequences of prepays (with and without a beneficiary),
//! uploads, downloads and database queries (with and without explicit nodes), computations,
//! node activations (mainnet: registrations and effective deposits), volume reports (mainnet),
//! performance reports and reinstatements, unregisters and shutdowns, meta-node registrations,
//! approvals, votes, kicks and (mainnet) unbondings, gas payments, validators, delegations,
//! undelegations and withdrawals, transfers and new accounts — with random names (some unknown)
//! and random amounts (some too large, some with too many decimals) — interleaved with epoch ends
//! and occasional long advances (a loop of `end_epoch`).
//!
//! The sequences ([`cases`]) run in the test kit's [`Harness`]: after every step the economy's
//! invariants hold; a rejected action leaves the economy `==` to its clone from before and its
//! snapshot byte-identical; an epoch end never fails. Besides, ([`checks`]) every accepted
//! action reports one event, an epoch's report agrees with the ledger (R + M + gas = every part
//! paid, taxed, dusted or unissued; each pool moved by what the report says), and a resource
//! node exits only once its own deposit returned. Each profile runs once per test process (64
//! deterministic cases of up to 60 steps); a final test checks that every kind of action was
//! accepted (and rejected) at least once, so the properties are not vacuous. The
//! [`regressions`] pin the bugs this test and the replay vectors found.
//!
//! [`Economy`]: ergon_core::Economy

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

mod cases;
mod checks;
mod regressions;

use std::sync::OnceLock;

use ergon_stratos::Stratos;
use ergon_testkit::props::{Harness, Reach, Tally};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use cases::{Profile, genesis, steps};
use checks::StratosChecks;

/// Every kind of action the test drives.
const KINDS: &[&str] = &[
    "open",
    "transfer",
    "prepay",
    "upload",
    "download",
    "db_query",
    "compute",
    "activate_node",
    "performance",
    "reinstate",
    "slash",
    "unregister",
    "shutdown",
    "register_meta",
    "approve_meta",
    "vote_meta",
    "vote_kick",
    "pay_gas",
    "create_validator",
    "delegate",
    "undelegate",
    "withdraw_rewards",
    "withdraw_commission",
    "unjail",
    "withdraw_matured",
    "register_node",
    "update_effective_deposit",
    "volume_report",
    "unbond_meta",
    "end_epoch_without_report",
];

/// Runs the property for `profile`: 64 deterministic cases of 1 to 60 steps.
fn run_profile(profile: Profile) -> Tally {
    let strategy = (genesis(profile), steps());
    // 64 cases, deterministic, a different stream per profile. For a deeper search set
    // STRATOS_PROPS_CASES and STRATOS_PROPS_SEED (any number).
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let cases = env("STRATOS_PROPS_CASES").map_or(64, |c| u32::try_from(c).unwrap_or(u32::MAX));
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut seed = [if profile == Profile::Paper { 1u8 } else { 2 }; 32];
    seed[..8].copy_from_slice(&env("STRATOS_PROPS_SEED").unwrap_or(0).to_le_bytes());
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    Harness::<Stratos>::new(KINDS).run(&mut runner, &strategy, StratosChecks::default)
}

/// Each profile's run, once per test process (the tests below share it).
fn tally(profile: Profile) -> &'static Tally {
    static PAPER: OnceLock<Tally> = OnceLock::new();
    static MAINNET: OnceLock<Tally> = OnceLock::new();
    let cell = if profile == Profile::Paper { &PAPER } else { &MAINNET };
    cell.get_or_init(|| {
        let t = run_profile(profile);
        eprintln!("{profile:?}: {} epochs; by kind [accepted, rejected]: {:?}", t.epochs, t.kinds);
        eprintln!("{profile:?}: rejections by code: {:?}", t.codes);
        t
    })
}

#[test]
fn paper_invariants_hold_and_rejections_change_nothing() {
    let t = tally(Profile::Paper);
    assert!(t.accepted() > 0);
}

#[test]
fn mainnet_invariants_hold_and_rejections_change_nothing() {
    let t = tally(Profile::Mainnet);
    assert!(t.accepted() > 0);
}

/// Not vacuous: across both profiles every kind of action was accepted and rejected, and the
/// input errors were met.
#[test]
fn every_kind_of_action_was_accepted_somewhere() {
    let mut both = tally(Profile::Paper).clone();
    both.merge(tally(Profile::Mainnet));
    both.assert_reached(KINDS, Reach::AcceptedAndRejected);
    both.assert_codes(&[
        "unknown_account",
        "unknown_node",
        "unknown_validator",
        "insufficient_balance",
        "insufficient_ozone",
        "too_many_decimals",
        "invalid_amount",
        "not_allowed",
    ]);
}
