//! A vault under khala, worked by hand in 64.64 fixed point (Python, the core's rules): the
//! owner's commission through the pallet's fixed-point price and its 48-fraction-bit
//! conversions.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::Economy;
use ergon_phala::{Action, Event, Genesis, Phala};
use serde_json::json;

fn apply(s: &mut Phala, v: serde_json::Value) -> Event {
    let a: Action = serde_json::from_value(v).unwrap();
    let mut events = s.apply(&a).unwrap_or_else(|e| panic!("{a:?}: {e}"));
    s.check_invariants().unwrap();
    events.remove(0)
}

/// khala with the legacy payout (`phala_launched` off), ΔV = 1 a block (rho 1, cost_k 0,
/// cost_b 1), one pooled worker: after 4 blocks its heartbeat pays min(payable 4, to_payout ≈
/// 32) = 4 PHA into pool p (commission 0): value
/// 2004, 2000 shares. The pool's price is fx(2004)/fx(2000) = 1.00199999999999999998 (64.64,
/// truncated), so the vault's 2000 pool shares are worth to_balance(2000 × that) =
/// 2003.999999999999 PHA; the vault's price to_balance(fx(2003.999999999999)/fx(2000)) =
/// 1.001999999999. Commission 20 %: delta = 0.2 × 0.001999999999 PHA = 399 999 999.8 base
/// units → 400 000 000 (nearest); P' = 1.001599999999; minted = to_balance(fx(value) / fx(P'))
/// − 2000 = 2000.798722046729 − 2000 = 0.798722046729 shares (about 0.2 × 4 PHA of value).
#[test]
fn khala_owner_commission_in_fixed_point() {
    let g: Genesis = serde_json::from_value(json!({
        "profile": "khala", "subsidy_pool": "1000000",
        "overrides": {"rho": "1", "cost_k": "0", "cost_b": "1", "budget_per_block": "10",
                      "re": "1", "rig_k": "0", "k": "1", "phala_launched": "false"},
        "accounts": {"a": "2000", "po": "0", "vo": "0"}
    }))
    .unwrap();
    let mut s = Phala::from_genesis(g).unwrap();
    for v in [
        json!({"op": "register", "worker": "w1", "owner": "po", "confidence_level": 1, "score": 1200}),
        json!({"op": "create_pool", "pool": "p", "owner": "po", "commission_ppm": 0}),
        json!({"op": "add_worker", "pool": "p", "worker": "w1"}),
        json!({"op": "create_vault", "vault": "v", "owner": "vo", "commission_ppm": 200_000}),
        json!({"op": "vault_contribute", "vault": "v", "account": "a", "amount": "2000"}),
        json!({"op": "vault_invest", "vault": "v", "owner": "vo", "pool": "p", "amount": "2000"}),
        json!({"op": "pool_start", "pool": "p", "worker": "w1", "stake": "1000"}),
        json!({"op": "challenge", "worker": "w1"}),
    ] {
        apply(&mut s, v);
    }
    for _ in 0..4 {
        s.end_epoch().unwrap();
    }
    let beat = apply(&mut s, json!({"op": "heartbeat", "worker": "w1", "iterations": 9600}));
    let Event::Heartbeat { paid, .. } = beat else { panic!("{beat:?}") };
    assert_eq!(paid.0, 4_000_000_000_000);
    let v = s.vault_named("v").unwrap();
    let (row, releasing) = s.vault_pool_row(v).unwrap();
    assert_eq!((row.total_value, row.free, releasing), (2_003_999_999_999_999, 0, 0));
    let vo = s.account("vo").unwrap();
    let g = s.gain_owner_shares(v, vo).unwrap();
    assert_eq!(
        (g.price, g.checkpoint, g.shares),
        (1_001_999_999_999, 1_001_599_999_999, 798_722_046_729)
    );
    assert_eq!(s.vault_shares(v, vo), 798_722_046_729);
    s.check_invariants().unwrap();
}
