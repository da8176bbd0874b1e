//! Vault owners and depositors in a Phala simulation (docs/economies/phala.md, "Simulation";
//! docs/scenarios.md, "Phala"): the phala-khala scenario cut to 100 workers in 10 pools, no
//! delegators, and two vaults. The figures are worked out by hand in each test's doc; the
//! economy's invariants (PHA conserved, each vault's shares = held + queued, each pool's value
//! = free + locked) are checked as the run goes.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::dist::Dist;
use ergon_core::{AccountId, Model, RngStreams, Seed};
use ergon_phala::PhalaModel;
use ergon_phala::model::{Agents, Config};
use ergon_phala::{Phala, PoolIndex};
use ergon_sim::Source;
use ergon_testkit::metrics::{count, raw};

const PHA: u128 = 1_000_000_000_000;

/// phala-khala with 100 workers in 10 pools, no delegators, two vaults: each owner puts in
/// 100,000 PHA and each of 4 depositors 25,000 (200,000 a vault), 90 % invested in 3 pools,
/// reviewed daily, commission 10 %, depositors leaving with chance `leave` a day.
fn setup(leave: f64, invest_share: f64) -> (Config, Agents) {
    let text = include_str!("../../../../scenarios/phala-khala.toml");
    let plan = ergon_sim::scenario::plan::<PhalaModel>(Source { name: "phala-khala", text }, &[])
        .unwrap_or_else(|d| panic!("{d}"));
    let p = plan.points.into_iter().next().expect("one point");
    let (c, mut a) = (p.config, p.agents);
    a.groups[0].workers = 100;
    a.groups[0].pools = 10;
    a.delegators.count = 0;
    let v = &mut a.vaults;
    v.count = 2;
    v.owner_funds = 100_000.0;
    v.depositors = 4;
    v.deposit = Dist::Constant { value: 25_000.0 };
    v.invest_share = invest_share;
    v.pools = 3;
    v.review_every_days = 1;
    v.withdraw_per_day = leave;
    v.commission_permill = 100_000;
    (c, a)
}

fn vault_account(e: &Phala, i: u32) -> AccountId {
    e.account(&format!("vault:vault{i}")).unwrap()
}

/// The value of `account`'s shares in every pool, held and queued, each at its pool's
/// total_value / total_shares (floor): the vault's invested PHA worked out from the pools.
fn invested(e: &Phala, account: AccountId) -> u128 {
    let mut sum = 0;
    for p in 0..e.stake_pools().rows.len() as u32 {
        let row = e.pool_row(PoolIndex(p));
        let queued: u128 = e.stake_pools().queues[p as usize]
            .iter()
            .filter(|r| r.user == account.0)
            .map(|r| r.shares)
            .sum();
        let shares = e.pool_shares(PoolIndex(p), account) + queued;
        if shares > 0 {
            sum += shares * row.total_value / row.total_shares;
        }
    }
    sum
}

/// No depositor leaves. Genesis: 2 × 200,000 PHA in the vaults, all free. Block 0 (the first
/// day's start, no pool rated yet): vault 0 invests in pools 0, 1, 2 and vault 1 in pools 3,
/// 4, 5, each 200,000 − 10 % reserve = 180,000 PHA in thirds of 60,000, at price 1 (no payout
/// has come yet): 60,000 pool shares each; invested 360,000, free 40,000. Over the day the
/// pools' rewards raise their prices: the vaults' assets grow by exactly the value of their
/// pool shares (free stays 40,000: no review until block 7200). At block 7200 the owner's
/// commission: with S = 200,000 shares, value V and the checkpoint 1, P' = P − 0.1·(P − 1)
/// and minted = V/P' − S, so minted × P' = 0.1·(V − S): the owner's new shares are worth a
/// tenth of the vault's gain (to the rounding of the price to 12 decimals).
#[test]
fn vaults_invest_in_pools_and_their_owners_take_a_tenth_of_the_gain() {
    let (c, a) = setup(0.0, 0.9);
    let mut m = PhalaModel::build(&c, &a, &RngStreams::new(Seed::from_u64(1))).unwrap();
    let r = m.record();
    assert_eq!(count(&r, "vaults"), 2);
    assert_eq!(raw(&r, "vault_assets_pha"), 400_000 * PHA);
    assert_eq!((raw(&r, "vault_invested_pha"), raw(&r, "vault_free_pha")), (0, 400_000 * PHA));
    let supply = raw(&r, "pha_supply");
    m.step().unwrap();
    let r = m.record();
    assert_eq!(raw(&r, "vault_assets_pha"), 400_000 * PHA);
    assert_eq!(raw(&r, "vault_invested_pha"), 360_000 * PHA);
    assert_eq!(raw(&r, "vault_free_pha"), 40_000 * PHA);
    assert_eq!(raw(&r, "vault_invested_flow_pha"), 360_000 * PHA);
    let e = m.economy();
    for (i, first) in [(0u32, 0u32), (1, 3)] {
        let acct = vault_account(e, i);
        for p in 0..10 {
            let want = if (first..first + 3).contains(&p) { 60_000 * PHA } else { 0 };
            assert_eq!(e.pool_shares(PoolIndex(p), acct), want, "vault {i}, pool {p}");
        }
    }
    m.advance(7_199).unwrap();
    m.check_invariants().unwrap();
    let r = m.record();
    assert_eq!(raw(&r, "pha_supply"), supply);
    assert_eq!(raw(&r, "vault_free_pha"), 40_000 * PHA);
    let e = m.economy();
    let by_hand: Vec<u128> = (0..2).map(|i| invested(e, vault_account(e, i))).collect();
    let got = raw(&r, "vault_invested_pha");
    // The engine prices shares in 64.64 fixed point (khala): a few base units a pool apart.
    assert!(got.abs_diff(by_hand.iter().sum()) <= 12, "{got} against {by_hand:?}");
    assert!(got > 360_000 * PHA, "the pools paid the vaults: {got}");
    let value: Vec<u128> = by_hand.iter().map(|x| x + 20_000 * PHA).collect();
    m.step().unwrap();
    let r = m.record();
    let e = m.economy();
    let mut owners = 0;
    for (i, &v) in value.iter().enumerate() {
        let row = e.vaults().rows[i];
        let minted = row.owner_shares;
        owners += minted;
        let worth = minted as f64 * v as f64 / row.total_shares as f64;
        let tenth = 0.1 * (v - 200_000 * PHA) as f64;
        assert!((worth - tenth).abs() <= 1e-6 * tenth, "vault {i}: {worth} against {tenth}");
    }
    assert!(owners > 0);
    assert_eq!(raw(&r, "vault_owner_shares"), owners);
    m.check_invariants().unwrap();
}

/// Every depositor leaves on the first day (chance 1): at block 0, before any investment,
/// each vault pays its 4 depositors their 100,000 shares at price 1 from its free PHA
/// (200,000 PHA in all), then invests 90 % of the owner's remaining 100,000 (30,000 in each
/// of 3 pools): assets 200,000, invested 180,000, free 20,000. Then, with everything invested
/// (invest_share 1) and a depositor leaving with chance 0.3 a day over three days with a
/// 2-hour cool-down, the queue makes the owners divest; PHA stays conserved throughout.
#[test]
fn depositors_leave_and_owners_divest_to_pay_them() {
    let (c, a) = setup(1.0, 0.9);
    let mut m = PhalaModel::build(&c, &a, &RngStreams::new(Seed::from_u64(1))).unwrap();
    m.record();
    m.step().unwrap();
    let r = m.record();
    assert_eq!(raw(&r, "vault_withdrawn_pha"), 200_000 * PHA);
    assert_eq!(raw(&r, "vault_assets_pha"), 200_000 * PHA);
    assert_eq!(raw(&r, "vault_invested_pha"), 180_000 * PHA);
    assert_eq!(raw(&r, "vault_free_pha"), 20_000 * PHA);
    for i in 0..2 {
        assert_eq!(m.economy().vaults().rows[i].total_shares, 100_000 * PHA);
    }

    let (mut c, a) = setup(0.3, 1.0);
    c.params.insert("cool_down_blocks".into(), "600".into());
    let mut m = PhalaModel::build(&c, &a, &RngStreams::new(Seed::from_u64(3))).unwrap();
    let supply = raw(&m.record(), "pha_supply");
    let (mut divests, mut withdrawn) = (0, 0);
    for _ in 0..3 * 24 {
        m.advance(300).unwrap();
        m.check_invariants().unwrap();
        let r = m.record();
        assert_eq!(raw(&r, "pha_supply"), supply);
        divests += count(&r, "vault_divests");
        withdrawn += raw(&r, "vault_withdrawn_pha");
    }
    assert!(divests > 0, "the owners divested to serve their queues");
    assert!(withdrawn > 0, "depositors were paid");
    let e = m.economy();
    let left: u128 = (0..2).map(|i| e.vaults().rows[i].total_shares).sum();
    assert!(left < 400_000 * PHA, "{left}");
}

/// paper: a divest's PHA serves the waiting depositors at once; what they are paid that way
/// counts in `vault_withdrawn_pha` as every other payment (it was left out: 22,459 PHA of
/// 47,639 paid in five days). The depositors put all their PHA in at genesis, so what they
/// hold at the end is exactly what the column summed.
#[test]
fn paper_pays_depositors_on_divests_and_counts_it() {
    let text = include_str!("../../../../scenarios/phala-paper.toml");
    let sets: Vec<(String, String)> = [
        ("agents.vaults.count", "2"),
        ("agents.vaults.depositors", "10"),
        ("agents.vaults.withdraw_per_day", "0.3"),
        ("agents.vaults.invest_share", "1"),
        ("economy.params.budget_per_block", "\"0.000001\""),
        ("agents.outages.per_day", "0"),
        ("agents.developers.count", "0"),
        ("agents.delegators.count", "0"),
    ]
    .map(|(p, v)| (p.to_owned(), v.to_owned()))
    .to_vec();
    let plan = ergon_sim::scenario::plan::<PhalaModel>(Source { name: "phala-paper", text }, &sets)
        .unwrap_or_else(|d| panic!("{d}"));
    let p = plan.points.into_iter().next().expect("one point");
    let mut m =
        PhalaModel::build(&p.config, &p.agents, &RngStreams::new(Seed::from_u64(1))).unwrap();
    m.record();
    let (mut withdrawn, mut divests) = (0, 0);
    for _ in 0..5 {
        m.advance(7_200).unwrap(); // a day of 12-second blocks
        m.check_invariants().unwrap();
        let r = m.record();
        withdrawn += raw(&r, "vault_withdrawn_pha");
        divests += count(&r, "vault_divests");
    }
    let e = m.economy();
    let held: u128 = (0..2)
        .flat_map(|i| (0..10).map(move |j| format!("vault{i}-depositor{j}")))
        .map(|name| e.balance_of(ergon_core::ledger::Holder::Account(e.account(&name).unwrap())).0)
        .sum();
    assert!(divests > 0, "the owners divested");
    assert_eq!(withdrawn, held);
}
