//! The bridge against a slow reference model (spec marlin.md, "Bridge"): random sequences of
//! requests, conversions, cancellations, governance changes of L, the period and W, and days,
//! for one user under the paper profile. The reference keeps each request as (P, release day,
//! converted) and decides every outcome with big-integer arithmetic straight from the spec's
//! formula — k = ⌊(t − r) / period⌋ + 1, cap = ⌊P · min(k·L, 100%)⌋ — written independently of
//! the engine; the engine's accept/reject and the user's MPOND and POND must agree after every
//! step.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use std::collections::BTreeMap;

use ergon_core::{Amount, Economy};
use ergon_marlin::{Action, Marlin};
use num_bigint::BigUint;
use proptest::prelude::*;
use serde_json::json;

const UNIT: u128 = 1_000_000_000_000_000_000;

#[derive(Clone, Debug)]
enum Op {
    Request(u128),
    /// Convert and Cancel name a request by its index among those placed (modulo their count),
    /// day 999 when there is none.
    Convert(u64, u128),
    Cancel(u64, u128),
    SetL(u32),
    SetPeriod(u64),
    SetWait(u64),
    Days(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let amt = prop_oneof![1u128..200, Just(0u128)].prop_map(|x| x * UNIT / 4);
    let small = prop_oneof![1u128..40, Just(0u128)].prop_map(|x| x * UNIT / 8);
    prop_oneof![
        3 => amt.clone().prop_map(Op::Request),
        6 => (0u64..8, small.clone()).prop_map(|(i, x)| Op::Convert(i, x)),
        2 => (0u64..8, small).prop_map(|(i, x)| Op::Cancel(i, x)),
        2 => prop_oneof![3 => 0u32..4_000, 1 => 10_000u32..30_000].prop_map(Op::SetL),
        1 => (1u64..6).prop_map(Op::SetPeriod),
        1 => (0u64..5).prop_map(Op::SetWait),
        3 => (1u64..6).prop_map(Op::Days),
    ]
}

/// The reference: requests by day → (P, release, converted).
#[derive(Default)]
struct Reference {
    day: u64,
    l_bp: u32,
    period: u64,
    wait: u64,
    mpond: u128,
    pond: u128,
    requests: BTreeMap<u64, (u128, u64, u128)>,
}

impl Reference {
    fn in_requests(&self) -> u128 {
        self.requests.values().map(|(p, _, c)| p - c).sum()
    }

    fn cap(&self, p: u128, release: u64) -> u128 {
        if self.day < release {
            return 0;
        }
        let k = (self.day - release) / self.period + 1;
        let bp = (BigUint::from(k) * BigUint::from(self.l_bp)).min(BigUint::from(10_000u32));
        let cap = BigUint::from(p) * bp / BigUint::from(10_000u32);
        u128::try_from(cap).unwrap()
    }

    /// The op with a request index turned into the request's day.
    fn resolve(&self, op: &Op) -> Op {
        let day = |i: u64| {
            let n = self.requests.len() as u64;
            if n == 0 { 999 } else { *self.requests.keys().nth((i % n) as usize).unwrap() }
        };
        match *op {
            Op::Convert(i, x) => Op::Convert(day(i), x),
            Op::Cancel(i, x) => Op::Cancel(day(i), x),
            ref o => o.clone(),
        }
    }

    /// Whether the op is accepted; applies it if so.
    fn apply(&mut self, op: &Op) -> bool {
        match *op {
            Op::Request(x) => {
                let ok = x > 0
                    && x <= self.mpond.saturating_sub(self.in_requests())
                    && !self.requests.contains_key(&self.day);
                if ok {
                    self.requests.insert(self.day, (x, self.day + self.wait, 0));
                }
                ok
            }
            Op::Convert(d, x) => {
                let Some(&(p, r, c)) = self.requests.get(&d) else { return false };
                let ok = x > 0 && self.day >= r && c + x <= self.cap(p, r) && x <= self.mpond;
                if ok {
                    self.requests.insert(d, (p, r, c + x));
                    self.mpond -= x;
                    self.pond += x * 1_000_000;
                }
                ok
            }
            Op::Cancel(d, x) => {
                let Some(&(p, r, c)) = self.requests.get(&d) else { return false };
                let ok = x > 0 && x <= p - c;
                if ok {
                    self.requests.insert(d, (p - x, r, c));
                }
                ok
            }
            // `changeLiquidityBp` takes any value; min(k·L, 10,000) caps it where used.
            Op::SetL(bp) => {
                self.l_bp = bp;
                true
            }
            Op::SetPeriod(d) => {
                self.period = d;
                true
            }
            Op::SetWait(d) => {
                self.wait = d;
                true
            }
            Op::Days(_) => true,
        }
    }
}

fn action(op: &Op) -> Option<Action> {
    let fmt = |x: u128| ergon_marlin::units::fmt(Amount(x));
    let v = match *op {
        Op::Request(x) => json!({"op": "request_conversion", "account": "u", "amount": fmt(x)}),
        Op::Convert(d, x) => {
            json!({"op": "convert", "account": "u", "request_day": d, "amount": fmt(x)})
        }
        Op::Cancel(d, x) => {
            json!({"op": "cancel_request", "account": "u", "request_day": d, "amount": fmt(x)})
        }
        Op::SetL(bp) => json!({"op": "set_liquidity_bp", "bp": bp}),
        Op::SetPeriod(d) => json!({"op": "set_liquidity_period", "days": d}),
        Op::SetWait(d) => json!({"op": "set_wait", "days": d}),
        Op::Days(_) => return None,
    };
    Some(serde_json::from_value(v).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn the_bridge_agrees_with_the_reference(ops in prop::collection::vec(op(), 1..80)) {
        let genesis = json!({"accounts": {"u": {"mpond": "50"}}, "wait_days": 2,
                             "liquidity_bp": 1000, "liquidity_period_days": 3});
        let mut m = Marlin::from_genesis(serde_json::from_value(genesis).unwrap()).unwrap();
        let mut r = Reference { l_bp: 1000, period: 3, wait: 2, mpond: 50 * UNIT, ..Reference::default() };
        let u = m.account("u").unwrap();
        for op in &ops {
            let op = &r.resolve(op);
            let want = r.apply(op);
            match action(op) {
                Some(a) => prop_assert_eq!(m.apply(&a).is_ok(), want, "{:?} on day {}", op, r.day),
                None => {
                    let Op::Days(n) = *op else { unreachable!() };
                    for _ in 0..n {
                        m.end_epoch().unwrap();
                    }
                    r.day += n;
                }
            }
            prop_assert_eq!(m.mpond_balance(u).0, r.mpond);
            prop_assert_eq!(m.pond_balance(u).0, r.pond);
            prop_assert_eq!(m.bridge().in_requests(u).0, r.in_requests());
            m.check_invariants().unwrap();
        }
    }
}
