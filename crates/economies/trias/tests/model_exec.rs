//! The Trias model's developers, executers, analysts and claims, worked by hand: three seeds
//! attesting the other five honest nodes, one of them developing, three executers, one
//! analyst; a call a funded epoch, Prometh points, a vulnerability in the third epoch and the
//! claims it lets the executers file, paid pro rata at the close. Every invariant after every
//! epoch, and every new column against the arithmetic.

#![allow(clippy::unwrap_used)] // a test: unwrap is the assertion

use ergon_core::{Amount, Metric, MetricValue, Model, RngStreams, Seed};
use ergon_trias::TriasModel;
use ergon_trias::model::{Agents, Config};

const UNIT: u128 = 1_000_000_000_000_000_000;

fn value(ms: &[Metric], name: &str) -> MetricValue {
    ms.iter().find(|m| m.name == name).unwrap_or_else(|| panic!("no metric {name}")).value
}

fn raw(ms: &[Metric], name: &str) -> u128 {
    match value(ms, name) {
        MetricValue::Amount { raw, .. } => raw,
        v => panic!("{name} is {v:?}"),
    }
}

fn count(ms: &[Metric], name: &str) -> u64 {
    match value(ms, name) {
        MetricValue::Count(n) => n,
        v => panic!("{name} is {v:?}"),
    }
}

/// Nodes 0–2 seeds (node 2 the developer), 3–5 executers, 6 the analyst. Each seed attests
/// the five other honest nodes every epoch (free, credit 1 each): equal weights, so each seed
/// takes a third of the verifiers' pool (its gate is 10^6: EigenTrust gives each seed
/// 0.05/0.2265 ≈ 0.2208 of the trust, r ≈ 1.55 over 7 active nodes, and CB is the cap).
fn agents() -> Agents {
    let mut a = Agents::default();
    a.verifiers.count = 3;
    a.verifiers.seeds = 3;
    a.verifiers.faulty = 0;
    a.verifiers.neighbours = 5;
    a.verifiers.assigned = 0;
    a.verifiers.bond_bps = 0;
    a.routers.count = 0;
    a.executers.count = 3;
    a.executers.dissent_rate = 0.0;
    a.executers.silence_rate = 0.0;
    a.faults.fail_rate = 0.0;
    a.developers.count = 1;
    a.developers.call_rate = 1.0;
    a.developers.k = 3;
    a.developers.price = "100".into();
    a.developers.bond = "0".into();
    a.developers.programs = 1;
    a.analysts.count = 1;
    a.analysts.runs = 2;
    a.analysts.test_lines = 100;
    a.analysts.lines = 1000;
    a.analysts.vuln_rate = 1.0;
    a.analysts.vuln_from = 2;
    a.claims.rate = 1.0;
    a.claims.loss = "10".into();
    a
}

fn config() -> Config {
    // Bootstrap: E = 1,000 TRY an epoch split 500 / 300 / 200 (verifiers, routers, Prometh).
    Config { compare: false, bootstrap_epochs: 10, ..Config::default() }
}

fn run(a: &Agents, epochs: u64) -> (TriasModel, Vec<Metric>) {
    TriasModel::validate(&config(), a).expect("a valid scenario");
    let mut m = TriasModel::build(&config(), a, &RngStreams::new(Seed::from_u64(1))).unwrap();
    // Seed 1 gives the three executers three TEE families, so a call of k = 3 fits under the
    // per-family cap ⌈3/3⌉ = 1 (with two of a family it would be refused).
    let tees: Vec<_> = (3..6).map(|j| m.economy().book().nodes()[j].tee).collect();
    assert!(tees[0] != tees[1] && tees[1] != tees[2] && tees[0] != tees[2], "{tees:?}");
    m.record();
    for _ in 0..epochs {
        m.step().unwrap();
        m.check_invariants().unwrap();
    }
    let r = m.record();
    assert_eq!(count(&r, "tokens_conserved"), 1);
    (m, r)
}

/// Epoch 0: the developer has nothing (unfunded); the analyst's two runs (20 points) and a
/// test 0 → 100 of 1,000 lines (⌊1000·100/1000⌋ = 100 points). Prometh pays min(200, 25 % of
/// 200) = 50, carries 150. Verifiers: 500·10^18 / 3 → 166,666,666,666,666,666,666 each, carry 2.
///
/// Epoch 1: a call of P = 100 TRY, k = 3 executers (the only nodes declaring the executers'
/// stack), all agree. G = ⌊10^20/3⌋ = 33,333,333,333,333,333,333, dust 1 to insurance. Of each
/// G: premium ⌊G·500/10^4⌋ = 1,666,666,666,666,666,666, V = ⌊G/10⌋ = 3,333,333,333,333,333,333
/// split equally among the three seeds (each D = 2^(31−24) = 128 at the close) as
/// 1,111,111,111,111,111,111 each, no dust; routers' pool 1,666,666,666,666,666,666; net
/// 26,666,666,666,666,666,668. Insurance inflows, each split 30/70 on its own: each premium
/// gives the bounty ⌊·0.3⌋ = 499,999,999,999,999,999 and the compensation the rest,
/// 1,166,666,666,666,666,667; the dust 1 goes to the compensation: bounty
/// 1,499,999,999,999,999,997, compensation 3,500,000,000,000,000,002. No
/// liability before: each cover 20·premium = 33,333,333,333,333,333,320. Prometh pool 350,
/// pays 87.5 (the cap), carries 262.5.
///
/// Epoch 2: a second call, the same parts. The analyst finds a high vulnerability in the one
/// program: bounty ⌊1,499,999,999,999,999,997·800/10^4⌋ = 119,999,999,999,999,999 and 150
/// points (270 this epoch). The three executers ran it in epoch 1: each claims 10 TRY (under
/// its cover): 30 TRY queued. The second call's covers are priced on R =
/// 3,500,000,000,000,000,002 and the liability L = 3·23.33… live + 30 queued =
/// 99,999,999,999,999,999,960: ratio R·10^4/(L·1000) ≈ 0.35, so ⌊20·I·R·10^4/(L·1000)⌋ =
/// 11,666,666,666,666,666,673 each; live cover 104,999,999,999,999,999,979 after. The
/// compensation reserve reaches 7,000,000,000,000,000,004 (the second inflows likewise);
/// budget half of it, 3,500,000,000,000,000,002, against 30 owed: ⌊10·budget/30⌋ =
/// 1,166,666,666,666,666,667 each, 3,500,000,000,000,000,001 paid, 26,499,999,999,999,999,999
/// still queued. Prometh pool 462.5,
/// pays 115.625, carries 346.875.
#[test]
fn calls_gas_prometh_and_claims_worked_by_hand() {
    let (m, r) = run(&agents(), 3);
    assert_eq!(raw(&r, "emitted"), 3_000 * UNIT);
    // 3 × 166,666,666,666,666,666,666 + 6 × 166,666,666,666,666,666,667.
    assert_eq!(raw(&r, "rewards_verifiers"), 1_500 * UNIT);
    assert_eq!(count(&r, "calls_opened"), 2);
    assert_eq!(count(&r, "calls_unfunded"), 1);
    assert_eq!(count(&r, "calls_succeeded"), 2);
    assert_eq!(count(&r, "calls_failed"), 0);
    // Six agreeing executers' nets, verification shares, routers' shares and premiums.
    assert_eq!(raw(&r, "gas_executers"), 6 * 26_666_666_666_666_666_668);
    assert_eq!(raw(&r, "gas_verifiers"), 6 * 3_333_333_333_333_333_333);
    assert_eq!(raw(&r, "gas_routers"), 6 * 1_666_666_666_666_666_666);
    assert_eq!(raw(&r, "gas_premiums"), 6 * 1_666_666_666_666_666_666);
    assert_eq!(raw(&r, "call_slashes") + raw(&r, "call_fees") + raw(&r, "call_refunds"), 0);
    assert_eq!(count(&r, "analysis_runs"), 6);
    assert_eq!(count(&r, "tests"), 3);
    assert_eq!(count(&r, "vulnerabilities"), 1);
    assert_eq!(raw(&r, "bounties"), 119_999_999_999_999_999);
    assert_eq!(count(&r, "prometh_points"), 120 + 120 + 270);
    assert_eq!(raw(&r, "prometh_paid"), 253_125 * UNIT / 1000);
    assert_eq!(raw(&r, "prometh_pool"), 346_875 * UNIT / 1000);
    assert_eq!(count(&r, "claims_filed"), 3);
    assert_eq!(raw(&r, "claims_owed"), 30 * UNIT);
    assert_eq!(raw(&r, "claims_paid"), 3_500_000_000_000_000_001);
    assert_eq!(raw(&r, "claims_expired"), 0);
    assert_eq!(raw(&r, "claims_queued"), 26_499_999_999_999_999_999);
    assert_eq!(raw(&r, "insurance_cover"), 104_999_999_999_999_999_979);
    // Bounty reserve: 2 × 1,499,999,999,999,999,997 − the bounty.
    assert_eq!(raw(&r, "insurance_bounty"), 2_879_999_999_999_999_995);
    // Compensation: 2 × 3,500,000,000,000,000,002 − 3,500,000,000,000,000,001.
    assert_eq!(raw(&r, "insurance_compensation"), 3_500_000_000_000_000_003);
    // Verifiers' carry 0; routers' pool 3 × 300 TRY + the six routers' shares.
    assert_eq!(raw(&r, "pool_carry"), 909_999_999_999_999_999_996);
    let e = m.economy();
    // Each executer: 2 nets + its claim's 1,166,666,666,666,666,667.
    for x in 3..6 {
        assert_eq!(e.balance_of(x), Amount(54_500_000_000_000_000_003));
    }
    // The developer: its thirds (166.…666 + 2 × 166.…667) + 2 × 3 verification shares − 200.
    assert_eq!(e.balance_of(2), Amount(306_666_666_666_666_666_666));
    assert_eq!(e.balance_of(0), Amount(506_666_666_666_666_666_666));
    // The analyst: 50 + 87.5 + 115.625 TRY and the bounty.
    assert_eq!(e.balance_of(6), Amount(253_244_999_999_999_999_999));
}

/// Every executer dissents (each returns the call's id + 1 + its slot): no value has a
/// majority, the call fails at the close: fee ⌊100·100/10^4⌋ = 1 TRY to insurance (0.3 / 0.7),
/// 99 TRY refunded; nothing slashed (the call asked no bond), no cover bought.
#[test]
fn a_call_nobody_agrees_on_fails_and_refunds_less_the_fee() {
    let mut a = agents();
    a.executers.dissent_rate = 1.0;
    let (m, r) = run(&a, 2);
    assert_eq!(count(&r, "calls_opened"), 1);
    assert_eq!(count(&r, "calls_failed"), 1);
    assert_eq!(count(&r, "calls_succeeded"), 0);
    assert_eq!(raw(&r, "call_fees"), UNIT);
    assert_eq!(raw(&r, "call_refunds"), 99 * UNIT);
    assert_eq!(raw(&r, "gas_executers") + raw(&r, "gas_premiums"), 0);
    assert_eq!(raw(&r, "insurance_bounty"), 3 * UNIT / 10);
    assert_eq!(raw(&r, "insurance_compensation"), 7 * UNIT / 10);
    assert_eq!(raw(&r, "insurance_cover"), 0);
    // The developer: 166.…666 + 166.…667 − 100 + 99.
    assert_eq!(m.economy().balance_of(2), Amount(332_333_333_333_333_333_333));
}

#[test]
fn validation_names_the_new_fields() {
    let mut a = agents();
    a.executers.silence_rate = -0.1;
    a.developers.price = "5x".into();
    a.developers.count = 4;
    a.developers.k = 4;
    a.analysts.test_lines = 2000;
    let errs = TriasModel::validate(&config(), &a).unwrap_err();
    let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "agents.developers.price",
            "agents.executers.silence_rate",
            "agents.developers.count",
            "agents.developers.k",
            "agents.analysts.test_lines"
        ]
    );
}

fn refused(a: &Agents) -> Vec<String> {
    let errs = TriasModel::validate(&config(), a).err().unwrap_or_default();
    errs.into_iter().map(|e| format!("{}: {}", e.path, e.message)).collect()
}

/// The economy refuses a claim of no loss, so a loss of 0 would have every claim of the run
/// refused: the scenario is refused instead, naming the field. The least loss above 0 passes.
#[test]
fn a_claim_loss_of_zero_is_refused() {
    let mut a = agents();
    for loss in ["0", "0.000"] {
        a.claims.loss = loss.into();
        assert_eq!(
            refused(&a),
            ["agents.claims.loss: must be above 0 TRY, not 0: the economy refuses a claim of no \
              loss"]
        );
    }
    a.claims.loss = "0.000000000000000001".into();
    assert_eq!(refused(&a), Vec::<String>::new());
}

/// A range that follows another field is not checked while that field is refused: the
/// problem is reported once, at the field at fault, not again at a field its bound moved.
#[test]
fn a_bound_following_a_refused_field_is_no_second_problem() {
    let mut a = agents();
    a.analysts.lines = 0; // test_lines 100 would be above a bound of 0
    assert_eq!(refused(&a), ["agents.analysts.lines: must be 1 to 1000000000, not 0"]);
    let mut a = agents();
    a.verifiers.count = 0; // seeds 3, neighbours 5 and 1 developer would be above their bounds
    assert_eq!(refused(&a), ["agents.verifiers.count: must be 1 to 1000000, not 0"]);
    let mut a = agents();
    a.verifiers.count = 2_000_000; // the nodes' total would be above 1,000,000 too
    assert_eq!(refused(&a), ["agents.verifiers.count: must be 1 to 1000000, not 2000000"]);
    // Each count within its bound, the total above it: the total is the problem.
    let mut a = agents();
    a.verifiers.count = 600_000;
    a.executers.count = 600_000;
    assert_eq!(refused(&a), ["agents: 1200001 nodes in all; at most 1000000"]);
}
