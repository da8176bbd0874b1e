//! Staking pools (paper): a member's payment never exceeds what the pool received for its
//! members, and a member joining late takes none of what the pool's stake earned before.
//! Amounts in base units, worked by hand.

use ergon_core::economy::Economy;
use ergon_core::{AccountId, Amount};
use ergon_marlin::Marlin;

/// The network of both tests: cluster x (commission 0) and pool p (operator po, commission 0)
/// with its account, receiver rx subscribed; and the accounts by name.
struct Net {
    m: Marlin,
    cluster: u32,
    p: u32,
    pool: AccountId,
    rx: AccountId,
}

fn network() -> Net {
    let genesis = serde_json::json!({
        "alpha": "1", "eligibility_mpond": "0", "rewards_pool": "0.00000000000000002",
        "subsidy_per_epoch": "0.000000000000000001", "subsidy_epochs": 20,
        "undelegation_lock_days": 0,
        "accounts": {"po": {}, "x": {}, "C": {"pond": "0.00000000000000001"},
                     "A": {"pond": "0.000000000000000009"}, "E": {"pond": "0.000000000000000009"},
                     "rx": {"pond": "1"}},
    });
    let mut m = Marlin::from_genesis(serde_json::from_value(genesis).expect("a genesis"))
        .expect("a network");
    let [po, x, rx] = ["po", "x", "rx"].map(|n| m.account(n).expect("an account"));
    let cluster = m.register_cluster(x, 0).expect("a cluster");
    let p = m.create_pool(po, "p", 0).expect("a pool");
    let pool = m.staker_account("p").expect("the pool's account");
    m.register_receiver(rx).expect("a receiver");
    m.subscribe(rx, Amount(1), 12).expect("a subscription");
    Net { m, cluster, p, pool, rx }
}

fn step(m: &mut Marlin) {
    m.end_epoch().expect("a close");
    m.check_invariants().expect("the invariants");
}

/// C (10 units) is the pool's only member while it earns 1 unit (the accumulator at 1/10); C
/// leaves paid 1. A and E join with 9 each (their debts ⌊9/10⌋ = 0), the pool's 18 units are
/// staked and earn 9 (the accumulator at 1/10 + 9/18 = 6/10). By the accumulator each would be
/// paid ⌊9·6/10⌋ − 0 = 5, 10 in all where the pool received 9 for them: A is paid 5, E the 4
/// left.
#[test]
fn payments_never_exceed_what_the_pool_received() {
    let Net { mut m, cluster, p, pool, rx } = network();
    let [c, a, e] = ["C", "A", "E"].map(|n| m.account(n).expect("an account"));
    m.join_pool(c, p, Amount(10), Amount::ZERO).expect("C joins");
    let s = m.create_stash(pool, Amount(10), Amount::ZERO, Some(cluster)).expect("a stash");
    m.relay_tickets(rx, cluster, Amount(1)).expect("tickets");
    step(&mut m);
    m.undelegate_stash(pool, s).expect("an undelegation");
    m.withdraw_stash(pool, s, Amount(10), Amount::ZERO).expect("a withdrawal");
    assert_eq!(m.leave_pool(c, p, Amount(10), Amount::ZERO).expect("C leaves"), Amount(1));
    assert_eq!(m.join_pool(a, p, Amount(9), Amount::ZERO).expect("A joins"), Amount::ZERO);
    assert_eq!(m.join_pool(e, p, Amount(9), Amount::ZERO).expect("E joins"), Amount::ZERO);
    m.create_stash(pool, Amount(18), Amount::ZERO, Some(cluster)).expect("a stash");
    for _ in 0..9 {
        m.relay_tickets(rx, cluster, Amount(1)).expect("tickets");
        step(&mut m);
    }
    assert_eq!(m.claim_pool_rewards(a, p).expect("A claims"), Amount(5));
    assert_eq!(m.claim_pool_rewards(e, p).expect("E claims"), Amount(4));
    assert_eq!(m.pools().owed(p), Amount::ZERO);
    m.check_invariants().expect("the invariants");
}

/// A and E put 9 each in; the pool stakes A's 9 only and earns 9 units over 9 days, unsettled.
/// E joins (9 more) after those days: its join settles the pool's position first, so the 9
/// units are A's alone (A's claim 9 after E's join), E's claim 0.
#[test]
fn a_late_member_takes_nothing_earned_before_it_joined() {
    let Net { mut m, cluster, p, pool, rx } = network();
    let [a, e] = ["A", "E"].map(|n| m.account(n).expect("an account"));
    m.join_pool(a, p, Amount(9), Amount::ZERO).expect("A joins");
    m.create_stash(pool, Amount(9), Amount::ZERO, Some(cluster)).expect("a stash");
    for _ in 0..9 {
        m.relay_tickets(rx, cluster, Amount(1)).expect("tickets");
        step(&mut m);
    }
    assert_eq!(m.join_pool(e, p, Amount(9), Amount::ZERO).expect("E joins"), Amount::ZERO);
    assert_eq!(m.claim_pool_rewards(e, p).expect("E claims"), Amount::ZERO);
    assert_eq!(m.claim_pool_rewards(a, p).expect("A claims"), Amount(9));
    assert!(m.account("p").is_err(), "a pool's account is named by the stash operations only");
    m.check_invariants().expect("the invariants");
}
