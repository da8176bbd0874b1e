//! The Stratos-specific checks the harness runs besides its own: every accepted action reports
//! one event; an epoch's report agrees with the ledger (R + M + gas = every part paid, taxed,
//! dusted or unissued; each pool moved by what the report says); a resource node exits only
//! once its own deposit returned.

use std::collections::BTreeMap;

use ergon_core::{Amount, Economy, TokenMeta};
use ergon_stratos::{EpochReport, Event, Stratos};
use ergon_testkit::props::Checks;
use proptest::prelude::*;
use proptest::test_runner::TestCaseResult;
use serde_json::Value;

/// What a case remembers for its checks: each resource node's deposit return epoch, from when
/// it was seen unregistering.
#[derive(Debug, Default)]
pub struct StratosChecks {
    returns: BTreeMap<String, u64>,
}

impl Checks<Stratos> for StratosChecks {
    fn accepted(&mut self, _: &Stratos, events: &[Event]) -> TestCaseResult {
        prop_assert_eq!(events.len(), 1, "gave {:?}", events);
        Ok(())
    }

    fn epoch(
        &mut self,
        before: Option<&Stratos>,
        after: &Stratos,
        r: &EpochReport,
    ) -> TestCaseResult {
        prop_assert_eq!(r.epoch + 1, after.epoch().0);
        if let Some(before) = before {
            check_report(&before.snapshot(), &after.snapshot(), r)?;
        }
        Ok(())
    }

    fn step(&mut self, st: &Stratos) -> TestCaseResult {
        check_nodes(&st.snapshot(), &mut self.returns)
    }
}

/// Wei in a STOS decimal string.
fn wei(text: &str) -> i128 {
    i128::try_from(TokenMeta::new("STOS", 18).parse(text).unwrap().0).unwrap()
}

/// Wei of a report amount.
pub fn amt(a: Amount) -> i128 {
    i128::try_from(a.0).unwrap()
}

fn pool(snapshot: &Value, name: &str) -> i128 {
    wei(snapshot["pools"][name].as_str().unwrap())
}

/// An epoch's report agrees with the ledger: R + M + the gas taken is exactly what went to
/// nodes, deposits, validators, the community tax, dust, or stayed unissued; and every pool
/// moved by what the report says.
fn check_report(before: &Value, after: &Value, r: &EpochReport) -> TestCaseResult {
    let parts = Parts::of(r);
    let delta = |name: &str| pool(after, name) - pool(before, name);
    check_totals(&parts, &delta, r)?;
    let locking = after["pools"].get("locked_stake_rewards").is_some();
    check_pool_moves(&parts, &delta, r, locking)
}

/// An epoch report's amounts in wei.
struct Parts {
    resource: i128,
    meta: i128,
    traffic: i128,
    mining: i128,
    unissued: i128,
    validators: i128,
    deposits: i128,
    gas: i128,
    tax: i128,
    dust: i128,
}

impl Parts {
    fn of(r: &EpochReport) -> Parts {
        let sum = |v: &[(String, String)]| v.iter().map(|(_, a)| wei(a)).sum::<i128>();
        let (resource, meta) = (sum(&r.resource_rewards), sum(&r.meta_rewards));
        let (traffic, mining, unissued) =
            (amt(r.traffic_reward), amt(r.mining_reward), amt(r.unissued));
        let (validators, deposits, gas) =
            (amt(r.validator_rewards), amt(r.deposit_rewards), amt(r.gas_fees));
        let (tax, dust) = (amt(r.community_tax), amt(r.dust));
        Parts { resource, meta, traffic, mining, unissued, validators, deposits, gas, tax, dust }
    }
}

/// R + M + the gas taken is exactly every part, and the source pools lost R + M − unissued;
/// `delta` is a pool's change over the epoch.
fn check_totals(p: &Parts, delta: &dyn Fn(&str) -> i128, r: &EpochReport) -> TestCaseResult {
    let Parts { resource, meta, traffic, mining, unissued, validators, deposits, gas, tax, dust } =
        *p;
    prop_assert_eq!(
        traffic + mining - delta("gas_fees"),
        resource + meta + validators + deposits + gas + tax + dust + unissued,
        "epoch {}: R + M + gas ≠ Σ parts: {:?}",
        r.epoch,
        r
    );
    prop_assert_eq!(
        -(delta("mining_pool") + delta("volume_pool")),
        traffic + mining - unissued,
        "epoch {}: the source pools did not lose R + M − unissued: {:?}",
        r.epoch,
        r
    );
    Ok(())
}

/// Every other pool moved by what the report says; `delta` is a pool's change over the epoch.
fn check_pool_moves(
    p: &Parts,
    delta: &dyn Fn(&str) -> i128,
    r: &EpochReport,
    locking: bool,
) -> TestCaseResult {
    let Parts { resource, meta, validators, deposits, gas, tax, dust, .. } = *p;
    prop_assert_eq!(
        delta("community_pool"),
        tax + amt(r.slashing_deducted),
        "epoch {}: community tax and slashing: {:?}",
        r.epoch,
        r
    );
    let stake_dust = amt(r.stake_rewards_dust);
    prop_assert_eq!(delta("dust"), dust + stake_dust, "epoch {}: dust: {:?}", r.epoch, r);
    prop_assert_eq!(
        delta("locked_rewards"),
        resource + meta - amt(r.rewards_released),
        "epoch {}: locked rewards: {:?}",
        r.epoch,
        r
    );
    prop_assert_eq!(
        delta("deposit_rewards"),
        deposits,
        "epoch {}: deposit rewards: {:?}",
        r.epoch,
        r
    );
    prop_assert_eq!(
        -delta("returning_deposits"),
        amt(r.deposits_returned),
        "epoch {}: returned deposits: {:?}",
        r.epoch,
        r
    );
    // paper: the validators' part locks; what is released reaches the staking rewards pool.
    let paid = if locking {
        let released = amt(r.stake_rewards_released);
        prop_assert_eq!(
            delta("locked_stake_rewards"),
            validators - released,
            "epoch {}: locked stake rewards: {:?}",
            r.epoch,
            r
        );
        released - stake_dust
    } else {
        validators
    };
    prop_assert_eq!(
        delta("staking.rewards"),
        paid + gas,
        "epoch {}: stake rewards: {:?}",
        r.epoch,
        r
    );
    Ok(())
}

/// Resource nodes' lives: an unregistering node's deposit is not overdue, and a node exits
/// only once its own deposit has returned (not when another deposit of its account does).
/// `returns` remembers each node's return epoch from when it was seen unregistering.
fn check_nodes(snapshot: &Value, returns: &mut BTreeMap<String, u64>) -> TestCaseResult {
    let epoch = snapshot["epoch"].as_u64().unwrap();
    for (name, n) in snapshot["resource_nodes"].as_object().unwrap() {
        match n["status"]["state"].as_str().unwrap() {
            "unregistering" => {
                let r = n["status"]["deposit_returns"].as_u64().unwrap();
                prop_assert!(
                    r > epoch,
                    "{} unregistering at {}, deposit due at {}",
                    name,
                    epoch,
                    r
                );
                returns.insert(name.clone(), r);
            }
            "exited" => {
                let r = returns.get(name).copied();
                prop_assert!(
                    r.is_some_and(|r| r <= epoch),
                    "{} exited at {} with its deposit due at {:?}",
                    name,
                    epoch,
                    r
                );
            }
            _ => {}
        }
    }
    Ok(())
}
