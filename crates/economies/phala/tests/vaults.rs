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
/// The network of the tests below after the pooled worker's first payout (see
/// `khala_owner_commission_in_fixed_point`): vault `v` (owner `vo`, 20 %) holds 2000 shares of
/// pool `p`, worth 2003.999999999999 PHA; `b` holds 110 PHA. Grace periods of 10 blocks.
fn after_first_payout() -> Phala {
    let g: Genesis = serde_json::from_value(json!({
        "profile": "khala", "subsidy_pool": "1000000",
        "overrides": {"rho": "1", "cost_k": "0", "cost_b": "1", "budget_per_block": "10",
                      "re": "1", "rig_k": "0", "k": "1", "phala_launched": "false",
                      "grace_period_blocks": "10", "vault_grace_period_blocks": "10"},
        "accounts": {"a": "2000", "b": "110", "po": "0", "vo": "0"}
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
    s
}

#[test]
fn khala_owner_commission_in_fixed_point() {
    let mut s = after_first_payout();
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

/// khala: a contribution settles the owner's commission first (the pallet's `contribute` calls
/// `do_gain_owner_share`): the owner's 0.798722046729 shares above are minted, then `b`'s 110
/// PHA buy to_balance(fx(110) / (fx(2003.999999999999) / fx(2000.798722046729))) =
/// 109.824281150269 shares — at the price after the commission, not the 109.780439121756 of
/// the price before it, which would have left `b` to pay part of the owner's commission later.
#[test]
fn khala_contribution_settles_the_owner_s_commission_first() {
    let mut s = after_first_payout();
    let e = apply(
        &mut s,
        json!({"op": "vault_contribute", "vault": "v", "account": "b", "amount": "110"}),
    );
    let Event::VaultContributed { owner_shares_gained, shares, total_shares, .. } = e else {
        panic!("{e:?}")
    };
    assert_eq!(owner_shares_gained.0, 798_722_046_729);
    assert_eq!(shares.0, 109_824_281_150_269);
    assert_eq!(total_shares.0, 2_000_000_000_000_000 + 798_722_046_729 + 109_824_281_150_269);
    let (v, vo) = (s.vault_named("v").unwrap(), s.account("vo").unwrap());
    assert_eq!(s.vault_shares(v, vo), 798_722_046_729);
    // The owner's next claim finds nothing to mint: the price is at the checkpoint.
    assert_eq!(s.gain_owner_shares(v, vo).unwrap().shares, 0);
}

/// A shutdown asks each pool for all the vault's shares, held and already queued, in one
/// request (the pallet's `check_and_maybe_force_withdraw`: the queued request's shares plus
/// the held ones). The vault divests 1500 of its 2000 pool shares while the pool has 1004 PHA
/// free: part is paid, the rest queued. `a` then asks for all its vault shares; 11 blocks
/// later (grace 10) the check shuts the vault down, and the pool's queue holds one request of
/// the vault for the 500 held shares plus the queued ones, none left held.
#[test]
fn a_shutdown_withdraws_the_queued_pool_shares_too() {
    let mut s = after_first_payout();
    let e = apply(
        &mut s,
        json!({"op": "vault_divest", "vault": "v", "owner": "vo", "pool": "p", "shares": "1500"}),
    );
    let Event::VaultDivested { queued, .. } = e else { panic!("{e:?}") };
    assert!(queued.0 > 0, "part of the divestment waits in the pool's queue");
    apply(&mut s, json!({"op": "vault_withdraw", "vault": "v", "account": "a", "shares": "2000"}));
    for _ in 0..11 {
        s.end_epoch().unwrap();
    }
    let e = apply(&mut s, json!({"op": "check_vault", "vault": "v"}));
    let Event::VaultChecked { shutdown, .. } = e else { panic!("{e:?}") };
    assert_eq!(shutdown, ["p"]);
    let (p, vault) = (s.pool_named("p").unwrap(), s.account("vault:v").unwrap());
    assert_eq!(s.pool_shares(p, vault), 0);
    let asked: Vec<u128> = s.stake_pools().queues[p.0 as usize]
        .iter()
        .filter(|r| r.user == vault.0)
        .map(|r| r.shares)
        .collect();
    assert_eq!(asked, [500_000_000_000_000 + queued.0]);
}
