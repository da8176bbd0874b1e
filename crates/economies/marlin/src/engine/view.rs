//! The state dump ([`snapshot`]), the metrics ([`metrics`]) and the invariants
//! ([`check_invariants`]) of Marlin: conservation of POND and MPOND in the ledger (minted −
//! burned = Σ balances + Σ pools), the value through the bridge (POND in + 10^6 × MPOND in =
//! POND out + 10^6 × MPOND out, and each profile's custody: paper's burns and mints, deployed's
//! pool), every request's books, and governance's delegations against votes and locks.

use std::collections::BTreeMap;

use ergon_core::economy::{Metric, MetricValue};
use ergon_core::invariants::Violation;
use ergon_core::{AccountId, Amount, Holder};
use serde_json::{Value, json};

use crate::engine::Marlin;
use crate::engine::params::{BridgeCustody, POND_PER_MPOND};
use crate::engine::units::fmt;

/// The whole state as JSON, amounts as exact decimal strings of token units.
#[must_use]
pub fn snapshot(m: &Marlin) -> Value {
    let (p, x) = (m.pond, m.mpond);
    let token = |t| {
        json!({"cap": fmt(m.ledger.cap(t).unwrap_or_default()),
               "minted": fmt(m.ledger.minted(t).unwrap_or_default()),
               "burned": fmt(m.ledger.burned(t).unwrap_or_default()),
               "supply": fmt(m.ledger.supply(t).unwrap_or_default())})
    };
    let accounts: BTreeMap<&str, Value> = m
        .names
        .iter()
        .map(|(i, name)| {
            let a = AccountId(i);
            (name, json!({"pond": fmt(m.pond_balance(a)), "mpond": fmt(m.mpond_balance(a)),
                          "delegated": fmt(m.gov.delegated(a)), "votes": fmt(m.gov.votes(a)),
                          "in_requests": fmt(m.bridge.in_requests(a)), "whitelisted": m.is_whitelisted(a)}))
        })
        .collect();
    let pool = Holder::Pool(m.bridge_pool);
    let requests: Vec<Value> = m
        .bridge
        .requests()
        .map(|((a, day), r)| {
            let (e, cap, conv) = m.convertible(r);
            json!({"account": m.name(*a), "day": day, "amount": fmt(r.amount), "release_day": r.release_day,
                   "converted": fmt(r.converted), "liquidity_bp": e, "cap": fmt(cap), "convertible": fmt(conv)})
        })
        .collect();
    let b = m.bridge.books();
    let proposals: Vec<Value> = m
        .gov
        .proposals()
        .iter()
        .enumerate()
        .map(|(i, q)| {
            json!({"id": i, "proposer": m.name(q.proposer), "created_day": q.created_day, "end_day": q.end_day,
                   "for": fmt(q.for_votes), "against": fmt(q.against_votes), "change": q.change,
                   "state": m.proposal_state(q)})
        })
        .collect();
    json!({
        "day": m.epoch.0,
        "profile": m.params.profile,
        "settings": m.settings.get(),
        "tokens": {"POND": token(p), "MPOND": token(x)},
        "accounts": accounts,
        "bridge": {
            "custody": m.params.custody,
            "pool": {"pond": fmt(m.ledger.balance(p, pool).unwrap_or_default()),
                     "mpond": fmt(m.ledger.balance(x, pool).unwrap_or_default())},
            "pond_in": fmt(b.pond_in), "pond_out": fmt(b.pond_out),
            "mpond_in": fmt(b.mpond_in), "mpond_out": fmt(b.mpond_out),
            "requests": requests,
        },
        "proposals": proposals,
        "stakes": stakes_view(m),
        "relay": crate::engine::payout::relay_view(m),
        "spam": spam_view(m),
        "pools": crate::engine::pools::pools_view(m),
    })
}

fn stakes_view(m: &Marlin) -> Value {
    let st = &m.stakes;
    let pool = Holder::Pool(m.stakes_pool);
    let cluster = |c: u32| m.name(st.clusters()[c as usize].operator);
    let clusters: BTreeMap<&str, Value> = st
        .clusters()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let i = i as u32;
            let mut v = json!({"commission_percent": c.commission_percent, "pond": fmt(c.pond),
                               "mpond": fmt(c.mpond), "eligible": m.eligible(i)});
            // The registry's state, shown only when there is any.
            if !m.stakes.is_registered(i) {
                v["registered"] = json!(false);
                // deployed: put back in the selector's tree by a delegator's settlement.
                if m.stakes.in_selector(i) {
                    v["in_selector"] = json!(true);
                }
            }
            if let Some((percent, day)) = m.registry.commission_request(i) {
                v["commission_request"] = json!({"percent": percent, "day": day});
            }
            if let Some(day) = m.registry.unregister_request(i) {
                v["unregister_day"] = json!(day);
            }
            (m.name(c.operator), v)
        })
        .collect();
    let stashes: Vec<Value> = st
        .stashes()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({"id": i, "staker": m.name(s.staker), "pond": fmt(s.pond), "mpond": fmt(s.mpond),
                   "cluster": s.cluster.map(cluster), "withdrawable_day": s.withdrawable_day,
                   "redelegation": s.redelegation.map(|(c, d)| json!({"cluster": cluster(c), "day": d})),
                   "closed": s.closed})
        })
        .collect();
    json!({
        "pool": {"pond": fmt(m.ledger.balance(m.pond, pool).unwrap_or_default()),
                 "mpond": fmt(m.ledger.balance(m.mpond, pool).unwrap_or_default())},
        "clusters": clusters,
        "stashes": stashes,
    })
}

fn spam_view(m: &Marlin) -> Value {
    let sp = &m.spam;
    let producers: BTreeMap<&str, Value> = sp
        .producers
        .iter()
        .map(|(a, p)| {
            (
                m.name(*a),
                json!({"deposit": fmt(p.deposit), "window": p.window, "next": fmt(p.next),
                                "last_day": p.last_day}),
            )
        })
        .collect();
    let deposits: Vec<Value> = sp
        .deposits
        .iter()
        .map(|((p, o), x)| json!({"producer": m.name(*p), "owner": m.name(*o), "amount": fmt(*x)}))
        .collect();
    json!({
        "locked": fmt(m.ledger.balance(m.pond, Holder::Pool(m.deposits_pool)).unwrap_or_default()),
        "books": sp.books(),
        "producers": producers,
        "deposits": deposits,
        "attestations": sp.attestations.len(),
    })
}

/// The economy's metrics now.
#[must_use]
pub fn metrics(m: &Marlin) -> Vec<Metric> {
    let amount = |raw: Amount| MetricValue::Amount { raw: raw.0, decimals: 18 };
    let b = m.bridge.books();
    let staked = |t| m.ledger.balance(t, Holder::Pool(m.stakes_pool)).unwrap_or_default();
    let pool = |p| m.ledger.balance(m.pond, Holder::Pool(p)).unwrap_or_default();
    let n = m.stakes.clusters().len() as u32;
    let eligible = (0..n).filter(|&c| m.eligible(c)).count() as u64;
    vec![
        Metric { name: "pond_supply", value: amount(m.ledger.supply(m.pond).unwrap_or_default()) },
        Metric {
            name: "mpond_supply",
            value: amount(m.ledger.supply(m.mpond).unwrap_or_default()),
        },
        Metric { name: "bridge_pond_in", value: amount(b.pond_in) },
        Metric { name: "bridge_pond_out", value: amount(b.pond_out) },
        Metric { name: "bridge_mpond_in", value: amount(b.mpond_in) },
        Metric { name: "bridge_mpond_out", value: amount(b.mpond_out) },
        Metric { name: "requests", value: MetricValue::Count(m.bridge.requests().count() as u64) },
        Metric { name: "staked_pond", value: amount(staked(m.pond)) },
        Metric { name: "staked_mpond", value: amount(staked(m.mpond)) },
        Metric { name: "eligible_clusters", value: MetricValue::Count(eligible) },
        Metric { name: "rewards_pool", value: amount(pool(m.rewards_pool)) },
        Metric { name: "fees_pool", value: amount(pool(m.fees_pool)) },
        Metric { name: "receiver_stake", value: amount(pool(m.receiver_pool)) },
        Metric { name: "cluster_rewards", value: amount(pool(m.cluster_pool)) },
        Metric { name: "commission_paid", value: amount(m.relay.books().commission) },
        Metric { name: "delegator_rewards_paid", value: amount(m.relay.books().to_delegators) },
        Metric { name: "spam_deposits_locked", value: amount(pool(m.deposits_pool)) },
        Metric { name: "spam_messages", value: MetricValue::Count(m.spam.books().messages) },
        Metric {
            name: "spam_dropped_messages",
            value: MetricValue::Count(m.spam.books().dropped_messages),
        },
        Metric { name: "spam_slashed", value: amount(m.spam.books().slashed) },
    ]
}

fn bad(what: &'static str, detail: String) -> Result<(), Violation> {
    Err(Violation::new(what, detail))
}

/// Every invariant of the state (see the module doc).
pub fn check_invariants(m: &Marlin) -> Result<(), Violation> {
    m.ledger.check_conservation()?;
    check_bridge(m)?;
    check_requests(m)?;
    check_governance(m)?;
    check_stakes(m)?;
    crate::engine::payout::check_rewards(m)?;
    crate::engine::pools::check_pools(m)?;
    check_spam(m)
}

fn check_spam(m: &Marlin) -> Result<(), Violation> {
    let held = m.ledger.balance(m.pond, Holder::Pool(m.deposits_pool)).unwrap_or_default().0;
    let posted: u128 = m.spam.deposits.values().map(|x| x.0).sum();
    let backing: u128 = m.spam.producers.values().map(|p| p.deposit.0).sum();
    if held != posted || held != backing {
        return bad("spam deposits", format!("pool {held}, posted {posted}, producers {backing}"));
    }
    let b = m.spam.books();
    if b.slashed.0 != b.to_checkers.0 + b.burned.0 {
        return bad("spam slashes", format!("{b:?}"));
    }
    Ok(())
}

fn check_stakes(m: &Marlin) -> Result<(), Violation> {
    let st = &m.stakes;
    let (mut pond, mut mpond) = (0u128, 0u128);
    let mut by_cluster = vec![(0u128, 0u128); st.clusters().len()];
    let mut by_staker: BTreeMap<AccountId, u128> = BTreeMap::new();
    for (i, s) in st.stashes().iter().enumerate() {
        if s.closed && !(s.pond.is_zero() && s.mpond.is_zero()) {
            return bad("closed stash empty", format!("stash {i}"));
        }
        pond += s.pond.0;
        mpond += s.mpond.0;
        // A pool's stashes stake its members' MPOND (counted for them below).
        if m.pools.of_account(s.staker).is_none() {
            *by_staker.entry(s.staker).or_default() += s.mpond.0;
        }
        if let Some(c) = s.cluster {
            let Some(t) = by_cluster.get_mut(c as usize) else {
                return bad("stash cluster", format!("stash {i}: cluster {c}"));
            };
            t.0 += s.pond.0;
            t.1 += s.mpond.0;
        }
    }
    let pool = Holder::Pool(m.stakes_pool);
    let held = |t| m.ledger.balance(t, pool).unwrap_or_default().0;
    if held(m.pond) != pond || held(m.mpond) != mpond {
        return bad(
            "stakes pool",
            format!("pool {} / {} vs stashes {pond} / {mpond}", held(m.pond), held(m.mpond)),
        );
    }
    for (c, (t, row)) in by_cluster.iter().zip(st.clusters()).enumerate() {
        if (row.pond.0, row.mpond.0) != *t {
            return bad("cluster totals", format!("cluster {c}: {row:?} vs {t:?}"));
        }
    }
    let sum = by_cluster.iter().fold((0u128, 0u128), |(p, m), t| (p + t.0, m + t.1));
    let [all_pond, all_mpond] = st.delegated();
    if (all_pond.0, all_mpond.0) != sum {
        return bad("delegated total", format!("{all_pond:?} / {all_mpond:?} vs clusters {sum:?}"));
    }
    for (member, _, part) in m.pools.members() {
        *by_staker.entry(member).or_default() += part.mpond.0;
    }
    for (a, x) in st.staked_totals() {
        if by_staker.remove(a).unwrap_or_default() != x.0 {
            return bad("staked MPOND", format!("account {}: {x:?}", a.0));
        }
    }
    if by_staker.values().any(|x| *x != 0) {
        return bad("staked MPOND", "a staker without its total".into());
    }
    Ok(())
}

fn check_bridge(m: &Marlin) -> Result<(), Violation> {
    let b = m.bridge.books();
    let k = POND_PER_MPOND;
    let value_in = b.pond_in.0.checked_add(b.mpond_in.0.saturating_mul(k));
    let value_out = b.pond_out.0.checked_add(b.mpond_out.0.saturating_mul(k));
    if value_in != value_out {
        return bad("bridge value conserved", format!("{b:?}"));
    }
    let g = m.genesis_books;
    let (p, x) = (m.pond, m.mpond);
    let get = |r: Result<Amount, ergon_core::Error>| r.unwrap_or_default().0;
    let pool = Holder::Pool(m.bridge_pool);
    let (pool_p, pool_x) = (get(m.ledger.balance(p, pool)), get(m.ledger.balance(x, pool)));
    let expect = match m.params.custody {
        // paper: the bridge burns what it receives and mints what it pays; nothing else does.
        BridgeCustody::BurnMint => [
            (get(m.ledger.burned(p)), b.pond_in.0 + m.spam.books().burned.0),
            (get(m.ledger.burned(x)), b.mpond_in.0),
            (get(m.ledger.minted(p)), g.pond_accounts.0 + g.pond_rewards.0 + b.pond_out.0),
            (get(m.ledger.minted(x)), g.mpond_accounts.0 + b.mpond_out.0),
            (pool_p, 0),
            (pool_x, 0),
        ],
        // deployed: what it receives stays in its pool; what it pays comes from it.
        BridgeCustody::Reserve => [
            (get(m.ledger.burned(p)), 0),
            (get(m.ledger.burned(x)), 0),
            (pool_p + b.pond_out.0, g.pond_bridge.0 + b.pond_in.0),
            (pool_x + b.mpond_out.0, g.mpond_bridge.0 + b.mpond_in.0),
            (get(m.ledger.minted(p)), g.pond_accounts.0 + g.pond_bridge.0 + g.pond_rewards.0),
            (get(m.ledger.minted(x)), g.mpond_accounts.0 + g.mpond_bridge.0),
        ],
    };
    for (i, (have, want)) in expect.iter().enumerate() {
        if have != want {
            return bad("bridge custody", format!("check {i}: {have} != {want}"));
        }
    }
    Ok(())
}

fn check_requests(m: &Marlin) -> Result<(), Violation> {
    let mut sums: BTreeMap<AccountId, (u128, u32)> = BTreeMap::new();
    for ((a, day), r) in m.bridge.requests() {
        if r.converted > r.amount || r.release_day < *day {
            return bad("request books", format!("account {} day {day}: {r:?}", a.0));
        }
        let e = sums.entry(*a).or_default();
        e.0 += r.amount.0 - r.converted.0;
        e.1 += 1;
    }
    for (a, (placed, held)) in m.bridge.placed() {
        let (s, n) = sums.remove(a).unwrap_or_default();
        if placed.0 != s || *held != n {
            return bad("in requests", format!("account {}: {placed:?}/{held} vs {s}/{n}", a.0));
        }
    }
    if let Some((a, _)) = sums.into_iter().next() {
        return bad("in requests", format!("account {} has requests but no total", a.0));
    }
    Ok(())
}

fn check_governance(m: &Marlin) -> Result<(), Violation> {
    let (delegated, votes) = m.gov.totals();
    let mut by_from: BTreeMap<AccountId, u128> = BTreeMap::new();
    let mut by_to: BTreeMap<AccountId, u128> = BTreeMap::new();
    for ((f, t), x) in m.gov.delegations() {
        *by_from.entry(*f).or_default() += x.0;
        *by_to.entry(*t).or_default() += x.0;
    }
    for (a, d) in delegated.iter() {
        if by_from.get(a).copied().unwrap_or_default() != d.0 {
            return bad("delegated", format!("account {}: {d:?}", a.0));
        }
        if m.mpond_balance(*a) < *d {
            return bad("delegated MPOND held", format!("account {}: {d:?}", a.0));
        }
    }
    for (a, v) in votes.iter() {
        let want = by_to.get(a).copied().unwrap_or_default() + m.stakes.staked_mpond(*a).0;
        if want != v.0 || m.gov.votes_at(*a, u64::MAX) != *v {
            return bad("votes", format!("account {}: {v:?}", a.0));
        }
    }
    if by_from.keys().any(|a| !delegated.contains_key(a))
        || by_to.keys().any(|a| !votes.contains_key(a))
        || m.stakes.staked_totals().any(|(a, x)| !x.is_zero() && !votes.contains_key(a))
    {
        return bad("votes", "a delegation without its totals".into());
    }
    Ok(())
}
