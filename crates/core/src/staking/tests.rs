//! Unit tests of [`Staking`](super::Staking): the seed's worked example, the delegation
//! lifecycle, slashing, jailing, and rejections that must change nothing.

use super::*;
use crate::amount::TokenMeta;
use crate::ratio::PerMill;

const E18: u128 = 1_000_000_000_000_000_000;

struct World {
    ledger: Ledger,
    staking: Staking,
    token: TokenId,
    treasury: PoolId,
    dust: PoolId,
    accounts: Vec<AccountId>,
}

fn params() -> StakingParams {
    StakingParams {
        unbonding_epochs: 3024, // 21 days of 10-minute epochs
        max_unbonding_entries: 7,
        min_self_bond: Amount(E18),
        max_validators: 100,
    }
}

/// A ledger with `n` accounts holding 10,000 tokens each and a treasury of 1,000,000.
fn world(n: u32) -> World {
    let mut ledger = Ledger::new();
    let token = ledger.add_token(TokenMeta::new("STOS", 18), Amount(u128::MAX)).unwrap();
    let treasury = ledger.add_pool("treasury").unwrap();
    let dust = ledger.add_pool("dust").unwrap();
    ledger.mint(token, treasury.into(), Amount(1_000_000 * E18)).unwrap();
    let accounts: Vec<AccountId> = (0..n).map(|_| ledger.open_account().unwrap()).collect();
    for a in &accounts {
        ledger.mint(token, (*a).into(), Amount(10_000 * E18)).unwrap();
    }
    let staking = Staking::new(&mut ledger, token, "stake", params()).unwrap();
    World { ledger, staking, token, treasury, dust, accounts }
}

impl World {
    fn balance(&self, h: impl Into<Holder>) -> Amount {
        self.ledger.balance(self.token, h.into()).unwrap()
    }
    fn check(&self) {
        self.ledger.check_conservation().unwrap();
        self.staking.check_invariants(&self.ledger).unwrap();
    }
}

#[test]
fn seed_worked_example_commission_and_self_bond() {
    // 10 validators of equal voting power: 200 self-bond (20%), 500 + 300 delegated, 1% commission.
    let mut w = world(30);
    let mut ids = Vec::new();
    for i in 0..10 {
        let (op, d1, d2) = (w.accounts[3 * i], w.accounts[3 * i + 1], w.accounts[3 * i + 2]);
        let id = w
            .staking
            .create_validator(&mut w.ledger, op, Amount(200 * E18), pm(10_000), Epoch(0))
            .unwrap();
        w.staking.delegate(&mut w.ledger, d1, id, Amount(500 * E18), Epoch(0)).unwrap();
        w.staking.delegate(&mut w.ledger, d2, id, Amount(300 * E18), Epoch(0)).unwrap();
        ids.push(id);
    }
    let parts = w
        .staking
        .distribute_by_power(&mut w.ledger, w.treasury.into(), Amount(1000 * E18), w.dust.into())
        .unwrap();
    assert_eq!(parts, ids.iter().map(|id| (*id, Amount(100 * E18))).collect::<Vec<_>>());
    assert_eq!(w.balance(w.dust), Amount::ZERO);
    w.check();

    for (i, id) in ids.iter().enumerate() {
        let (op, d1, d2) = (w.accounts[3 * i], w.accounts[3 * i + 1], w.accounts[3 * i + 2]);
        let v = w.staking.validator(*id).unwrap();
        // Implemented (Cosmos): commission on the whole 100, the rest pro rata over all shares.
        assert_eq!(v.commission_balance(), Amount(E18));
        assert_eq!(v.pending_rewards(op), Amount(198 * E18 / 10));
        let operator = v.commission_balance().0 + v.pending_rewards(op).0;
        let delegators = v.pending_rewards(d1).0 + v.pending_rewards(d2).0;
        assert_eq!(operator, 208 * E18 / 10); // 20.8
        assert_eq!(delegators, 792 * E18 / 10); // 79.2
        assert_eq!(
            (v.pending_rewards(d1), v.pending_rewards(d2)),
            (Amount(495 * E18 / 10), Amount(297 * E18 / 10))
        );
        // The seed's rule: the self-bond's 20% whole, 1% commission on the delegated 80% only.
        let pool = 100 * E18;
        let self_part = mul_div(pool, 200, 1000, Rounding::Down).unwrap();
        let delegated = pool - self_part;
        let seed_commission = mul_div(delegated, 10_000, PPM, Rounding::Down).unwrap();
        assert_eq!(self_part + seed_commission, operator);
        assert_eq!(delegated - seed_commission, delegators);

        let before = w.balance(op);
        let paid = w
            .staking
            .withdraw_rewards(&mut w.ledger, op, *id)
            .unwrap()
            .checked_add(w.staking.withdraw_commission(&mut w.ledger, *id).unwrap())
            .unwrap();
        assert_eq!(paid, Amount(208 * E18 / 10));
        assert_eq!(w.balance(op).0 - before.0, 208 * E18 / 10);
    }
    w.check();
}

#[test]
fn delegate_undelegate_complete_unbonding() {
    let mut w = world(3);
    let (op, alice, bob) = (w.accounts[0], w.accounts[1], w.accounts[2]);
    let v = w
        .staking
        .create_validator(&mut w.ledger, op, Amount(100 * E18), pm(50_000), Epoch(1))
        .unwrap();
    let c = w.staking.delegate(&mut w.ledger, alice, v, Amount(400 * E18), Epoch(1)).unwrap();
    assert_eq!(c.shares, 400 * E18);
    assert_eq!(w.staking.voting_power(v).unwrap(), Amount(500 * E18));
    assert_eq!(w.balance(alice), Amount(9_600 * E18));
    assert_eq!(w.balance(w.staking.pools().0), Amount(500 * E18));

    w.staking
        .distribute_to_validator(&mut w.ledger, w.treasury.into(), v, Amount(10 * E18))
        .unwrap();
    // Undelegating settles first: alice's 80% of 9.5 is paid at once, the rewards stop.
    let c = w.staking.undelegate(&mut w.ledger, alice, v, Amount(150 * E18), Epoch(10)).unwrap();
    assert_eq!(
        (c.amount, c.rewards_paid, c.completes),
        (Amount(150 * E18), Amount(76 * E18 / 10), Some(Epoch(3034)))
    );
    assert_eq!(w.balance(alice), Amount(9_600 * E18 + 76 * E18 / 10));
    assert_eq!(w.staking.validator(v).unwrap().delegation_value(alice), Amount(250 * E18));
    w.staking.undelegate(&mut w.ledger, alice, v, Amount(50 * E18), Epoch(20)).unwrap();
    w.staking.delegate(&mut w.ledger, bob, v, Amount(E18), Epoch(20)).unwrap();
    assert_eq!(w.balance(w.staking.pools().1), Amount(200 * E18));
    w.check();

    assert_eq!(w.staking.complete_unbonding(&mut w.ledger, Epoch(3033)).unwrap(), vec![]);
    assert_eq!(
        w.staking.complete_unbonding(&mut w.ledger, Epoch(3044)).unwrap(),
        vec![(alice, Amount(150 * E18)), (alice, Amount(50 * E18))]
    );
    assert_eq!(w.staking.unbonding_count(alice), 0);
    assert_eq!(w.balance(alice), Amount(9_800 * E18 + 76 * E18 / 10));
    w.check();

    // The queue is bounded per delegator.
    for e in 0..7 {
        w.staking.undelegate(&mut w.ledger, alice, v, Amount(E18), Epoch(4000 + e)).unwrap();
    }
    let before = (w.staking.clone(), w.ledger.clone());
    let e = w.staking.undelegate(&mut w.ledger, alice, v, Amount(E18), Epoch(4100)).unwrap_err();
    assert!(matches!(e, Error::LimitReached { limit: 7, .. }), "{e}");
    assert_eq!((w.staking.clone(), w.ledger.clone()), before);
    w.check();
}

#[test]
fn last_leaver_takes_the_remaining_tokens() {
    let mut w = world(2);
    let (op, alice) = (w.accounts[0], w.accounts[1]);
    let v = w.staking.create_validator(&mut w.ledger, op, Amount(10), pm(0), Epoch(0)).unwrap_err();
    assert!(matches!(v, Error::BelowMinimum { .. }));
    let v = w.staking.create_validator(&mut w.ledger, op, Amount(E18), pm(0), Epoch(0)).unwrap();
    w.staking.delegate(&mut w.ledger, alice, v, Amount(3), Epoch(0)).unwrap();
    w.staking.slash(&mut w.ledger, v, 333_333, Epoch(0), Epoch(0), SlashSink::Burn).unwrap();
    let val = w.staking.validator(v).unwrap();
    let alice_value = val.delegation_value(alice);
    assert_eq!(alice_value, Amount(2)); // floor(3 × 0.666667)
    let c = w.staking.undelegate(&mut w.ledger, alice, v, alice_value, Epoch(1)).unwrap();
    assert_eq!(c.shares, 3); // the ceiling burns all her shares
    let op_value = w.staking.validator(v).unwrap().delegation_value(op);
    let c = w.staking.undelegate(&mut w.ledger, op, v, op_value, Epoch(1)).unwrap();
    let val = w.staking.validator(v).unwrap();
    assert_eq!((val.tokens(), val.total_shares()), (Amount::ZERO, 0));
    assert!(c.amount >= op_value);
    assert!(val.is_jailed()); // the operator left: self-bond below the minimum
    w.check();
}

#[test]
fn slashing_reaches_bonded_and_later_unbonding_stake() {
    let mut w = world(3);
    let (op, alice, bob) = (w.accounts[0], w.accounts[1], w.accounts[2]);
    let insurance = w.ledger.add_pool("insurance").unwrap();
    let v =
        w.staking.create_validator(&mut w.ledger, op, Amount(1000 * E18), pm(0), Epoch(0)).unwrap();
    w.staking.delegate(&mut w.ledger, alice, v, Amount(1000 * E18), Epoch(0)).unwrap();
    w.staking.delegate(&mut w.ledger, bob, v, Amount(1000 * E18), Epoch(0)).unwrap();
    w.staking.undelegate(&mut w.ledger, alice, v, Amount(400 * E18), Epoch(5)).unwrap(); // before
    w.staking.undelegate(&mut w.ledger, bob, v, Amount(600 * E18), Epoch(12)).unwrap(); // after
    let supply = w.ledger.supply(w.token).unwrap();

    // 10% for an infraction at epoch 10, discovered at epoch 20.
    let s =
        w.staking.slash(&mut w.ledger, v, 100_000, Epoch(10), Epoch(20), SlashSink::Burn).unwrap();
    assert_eq!(s, Slashed { bonded: Amount(200 * E18), unbonding: Amount(60 * E18) });
    assert_eq!(w.ledger.supply(w.token).unwrap(), Amount(supply.0 - 260 * E18));
    let entries: Vec<Amount> = w.staking.unbonding_entries().map(|e| e.amount).collect();
    assert_eq!(entries, vec![Amount(400 * E18), Amount(540 * E18)]);
    let val = w.staking.validator(v).unwrap();
    assert_eq!(val.tokens(), Amount(1800 * E18));
    assert_eq!(val.delegation_value(op), Amount(900 * E18)); // every delegation loses 10%
    assert_eq!(val.delegation_value(alice), Amount(540 * E18));
    w.check();

    // Into a pool; mature entries are not slashed.
    let s = w
        .staking
        .slash(&mut w.ledger, v, 500_000, Epoch(0), Epoch(3029), SlashSink::Pool(insurance))
        .unwrap();
    assert_eq!(s, Slashed { bonded: Amount(900 * E18), unbonding: Amount(270 * E18) });
    assert_eq!(w.balance(insurance), Amount(1170 * E18));
    let paid = w.staking.complete_unbonding(&mut w.ledger, Epoch(4000)).unwrap();
    assert_eq!(paid, vec![(alice, Amount(400 * E18)), (bob, Amount(270 * E18))]);
    w.check();

    let (staking, pool) = (w.staking.pools().0, w.staking.clone());
    let e = w
        .staking
        .slash(&mut w.ledger, v, 1, Epoch(0), Epoch(1), SlashSink::Pool(staking))
        .unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { .. }));
    assert_eq!(w.staking, pool);
}

#[test]
fn jailed_validators_get_nothing_but_take_delegations() {
    let mut w = world(3);
    let (a, b, alice) = (w.accounts[0], w.accounts[1], w.accounts[2]);
    let va =
        w.staking.create_validator(&mut w.ledger, a, Amount(300 * E18), pm(0), Epoch(0)).unwrap();
    let vb =
        w.staking.create_validator(&mut w.ledger, b, Amount(100 * E18), pm(0), Epoch(0)).unwrap();
    w.staking.jail(vb).unwrap();
    assert_eq!(w.staking.total_voting_power(), Amount(300 * E18));
    let parts = w
        .staking
        .distribute_by_power(&mut w.ledger, w.treasury.into(), Amount(7), w.dust.into())
        .unwrap();
    assert_eq!(parts, vec![(va, Amount(7))]);
    assert_eq!(w.staking.validator(vb).unwrap().delegations().distributed_total(), Amount::ZERO);
    // Cosmos: "it is possible to delegate to a jailed validator"; its power stays 0 until then.
    w.staking.delegate(&mut w.ledger, alice, vb, Amount(E18), Epoch(1)).unwrap();
    assert_eq!(w.staking.total_voting_power(), Amount(300 * E18));
    // A reward given to it directly (one earned while it was bonded) reaches its delegations.
    let got = w.staking.distribute_to_validator(&mut w.ledger, w.treasury.into(), vb, Amount(1));
    assert_eq!(got.unwrap().received(), Amount(1));
    // The operator falls below the minimum: unjail refused until it tops up its self-bond.
    w.staking.undelegate(&mut w.ledger, b, vb, Amount(100 * E18 - 1), Epoch(1)).unwrap();
    assert!(matches!(w.staking.unjail(vb), Err(Error::BelowMinimum { .. })));
    w.staking.delegate(&mut w.ledger, b, vb, Amount(E18), Epoch(2)).unwrap();
    w.staking.unjail(vb).unwrap();
    // Back: the operator's 1 + 10^-18 and alice's 1 (of 10^18 base units) count again.
    assert_eq!(w.staking.total_voting_power(), Amount(302 * E18 + 1));
    assert!(matches!(w.staking.unjail(vb), Err(Error::NotAllowed { .. })));
    // Uneven power: remainders go to dust, Σ parts + dust == amount.
    let parts = w
        .staking
        .distribute_by_power(&mut w.ledger, w.treasury.into(), Amount(1000), w.dust.into())
        .unwrap();
    let sum: u128 = parts.iter().map(|(_, p)| p.0).sum();
    assert_eq!(sum + w.balance(w.dust).0, 1000);
    // ⌊1000 · 300 / (302 + 10^-18)⌋ = 993 (300,000 / 302 = 993.38).
    assert_eq!(parts[0], (va, Amount(993)));
    w.check();
}

/// Tries operations on `w` that must each be rejected, with validator `v` run by `op`, `alice`
/// delegating to it and `poor` without tokens; returns what each was and its result.
fn invalid_operations(
    w: &mut World,
    v: ValidatorId,
    (op, alice, poor): (AccountId, AccountId, AccountId),
) -> Vec<(&'static str, Result<()>)> {
    let mut attempts: Vec<(&'static str, Result<()>)> = Vec::new();
    let (l, s) = (&mut w.ledger, &mut w.staking);
    attempts.push(("insufficient balance", s.delegate(l, poor, v, Amount(1), Epoch(1)).map(drop)));
    attempts.push((
        "more than delegated",
        s.undelegate(l, alice, v, Amount(50 * E18 + 1), Epoch(1)).map(drop),
    ));
    attempts.push(("nothing delegated", s.undelegate(l, poor, v, Amount(1), Epoch(1)).map(drop)));
    attempts.push(("zero", s.delegate(l, alice, v, Amount::ZERO, Epoch(1)).map(drop)));
    attempts.push((
        "commission > 100%",
        PerMill::from_parts(1_000_001)
            .and_then(|c| s.create_validator(l, alice, Amount(E18), c, Epoch(1)))
            .map(drop),
    ));
    attempts.push((
        "set commission > 100%",
        PerMill::from_parts(1_000_001).and_then(|c| s.set_commission(v, c)),
    ));
    attempts.push((
        "second validator",
        s.create_validator(l, op, Amount(E18), pm(0), Epoch(1)).map(drop),
    ));
    attempts.push((
        "unknown validator",
        s.delegate(l, alice, ValidatorId(9), Amount(1), Epoch(1)).map(drop),
    ));
    attempts
        .push(("poor payer", s.distribute_to_validator(l, poor.into(), v, Amount(1)).map(drop)));
    let poor_payer = s.distribute_by_power(l, poor.into(), Amount(5), w.dust.into()).map(drop);
    attempts.push(("poor payer by power", poor_payer));
    attempts.push((
        "slash > 100%",
        s.slash(l, v, 1_000_001, Epoch(0), Epoch(1), SlashSink::Burn).map(drop),
    ));
    attempts.push((
        "future infraction",
        s.slash(l, v, 1, Epoch(2), Epoch(1), SlashSink::Burn).map(drop),
    ));
    attempts
        .push(("unknown account", s.delegate(l, AccountId(99), v, Amount(1), Epoch(1)).map(drop)));
    let rewards_pool: Holder = s.pools().2.into();
    attempts.push((
        "paid from own pool",
        s.distribute_to_validator(l, rewards_pool, v, Amount(1)).map(drop),
    ));
    attempts.push((
        "dust to own pool",
        s.distribute_by_power(l, w.treasury.into(), Amount(1), rewards_pool).map(drop),
    ));
    attempts.push(("sweep to own pool", s.sweep_reward_dust(l, rewards_pool).map(drop)));
    attempts
}

#[test]
fn rejected_operations_change_nothing() {
    let mut w = world(3);
    let (op, alice, poor) = (w.accounts[0], w.accounts[1], w.accounts[2]);
    let v =
        w.staking.create_validator(&mut w.ledger, op, Amount(100 * E18), pm(0), Epoch(0)).unwrap();
    w.staking.delegate(&mut w.ledger, alice, v, Amount(50 * E18), Epoch(0)).unwrap();
    w.staking
        .distribute_to_validator(&mut w.ledger, w.treasury.into(), v, Amount(3 * E18))
        .unwrap();
    w.ledger.transfer(w.token, poor.into(), w.treasury.into(), Amount(10_000 * E18)).unwrap();
    let before = (w.staking.clone(), w.ledger.clone());
    let json =
        (serde_json::to_string(&w.staking).unwrap(), serde_json::to_string(&w.ledger).unwrap());
    let attempts = invalid_operations(&mut w, v, (op, alice, poor));
    for (what, r) in attempts {
        assert!(r.is_err(), "{what} was accepted");
    }
    assert_eq!((w.staking.clone(), w.ledger.clone()), before);
    assert_eq!(
        (serde_json::to_string(&w.staking).unwrap(), serde_json::to_string(&w.ledger).unwrap()),
        json
    );
    let e =
        w.staking.undelegate(&mut w.ledger, alice, v, Amount(50 * E18 + 1), Epoch(1)).unwrap_err();
    assert_eq!(
        e,
        Error::InsufficientStake {
            delegator: alice.0,
            validator: v.0,
            needed: Amount(50 * E18 + 1),
            available: Amount(50 * E18)
        }
    );
    assert!(matches!(
        PerMill::from_parts(1_000_001).and_then(|c| w.staking.set_commission(v, c)),
        Err(Error::RatioOutOfRange { parts: 1_000_001, max: 1_000_000 })
    ));
    w.check();
}

#[test]
fn construction_validates_and_registers_pools() {
    let mut w = world(1);
    let bad = StakingParams { max_unbonding_entries: 0, ..params() };
    assert!(matches!(bad.validate(), Err(Error::InvalidParameter { .. })));
    assert!(StakingParams { min_self_bond: Amount::ZERO, ..params() }.validate().is_err());
    assert!(StakingParams { max_validators: 0, ..params() }.validate().is_err());
    let pools = w.ledger.pool_ids().count();
    assert!(matches!(
        Staking::new(&mut w.ledger, w.token, "stake", params()),
        Err(Error::Duplicate { .. })
    ));
    assert_eq!(w.ledger.pool_ids().count(), pools);
    let s = Staking::new(&mut w.ledger, w.token, "marlin", params()).unwrap();
    assert_eq!(w.ledger.pool_name(s.pools().2).unwrap(), "marlin.rewards");
    let one = StakingParams { max_validators: 1, ..params() };
    let mut s = Staking::new(&mut w.ledger, w.token, "phala", one).unwrap();
    s.create_validator(&mut w.ledger, w.accounts[0], Amount(E18), pm(0), Epoch(0)).unwrap();
    let a = w.ledger.open_account().unwrap();
    w.ledger.mint(w.token, a.into(), Amount(E18)).unwrap();
    // Beyond the bonded set's size a validator is created all the same (Cosmos), without power.
    let second = s.create_validator(&mut w.ledger, a, Amount(E18), pm(0), Epoch(0)).unwrap();
    assert_eq!(s.voting_power(second).unwrap(), Amount::ZERO);
    let json = serde_json::to_string(&s).unwrap();
    assert!(json.contains("\"unbonding\":[]"), "{json}");
}

/// The bonded set: of the validators not jailed, the `max_validators` with the most tokens,
/// ties to the one created first; only they have voting power and share rewards by power.
#[test]
fn the_bonded_set_is_the_most_tokens_not_jailed() {
    let mut w = world(4);
    let two = StakingParams { max_validators: 2, ..params() };
    w.staking = Staking::new(&mut w.ledger, w.token, "set", two).unwrap();
    let bonds = [2, 3, 3, 1];
    let ids: Vec<ValidatorId> = (0..4)
        .map(|i| {
            let (l, s) = (&mut w.ledger, &mut w.staking);
            s.create_validator(l, w.accounts[i], Amount(bonds[i] * E18), pm(0), Epoch(0)).unwrap()
        })
        .collect();
    let powers = |s: &Staking| s.powers().map(|(_, _, p)| p.0 / E18).collect::<Vec<_>>();
    // 3 and 3 (a tie: both in), 2 and 1 out.
    assert_eq!(powers(&w.staking), [0, 3, 3, 0]);
    assert_eq!(w.staking.total_voting_power(), Amount(6 * E18));
    // A tie at the cut goes to the one created first: 3 stays in, the later 3 waits.
    let (l, s) = (&mut w.ledger, &mut w.staking);
    s.delegate(l, w.accounts[3], ids[3], Amount(2 * E18), Epoch(0)).unwrap();
    assert_eq!(powers(&w.staking), [0, 3, 3, 0]);
    let (l, s) = (&mut w.ledger, &mut w.staking);
    s.delegate(l, w.accounts[0], ids[0], Amount(2 * E18), Epoch(0)).unwrap();
    assert_eq!(powers(&w.staking), [4, 3, 0, 0]);
    // A jailed validator leaves the set and the next enters: 3 (id 2) before 3 (id 3).
    w.staking.jail(ids[0]).unwrap();
    assert_eq!(powers(&w.staking), [0, 3, 3, 0]);
    // Rewards by power go to the set alone.
    let (l, s, from, dust) = (&mut w.ledger, &mut w.staking, w.treasury, w.dust);
    let got = s.distribute_by_power_total(l, from.into(), Amount(60), dust.into()).unwrap();
    assert_eq!(got, Amount(60));
    let owed: Vec<u128> = ids
        .iter()
        .map(|&v| w.staking.validator(v).unwrap().pending_rewards(w.accounts[v.0 as usize]).0)
        .collect();
    assert_eq!(owed, [0, 30, 30, 0]);
    w.check();
}

#[test]
fn reward_dust_is_swept_once() {
    let mut w = world(3);
    let (op, a, b) = (w.accounts[0], w.accounts[1], w.accounts[2]);
    let v = w.staking.create_validator(&mut w.ledger, op, Amount(E18), pm(0), Epoch(0)).unwrap();
    w.staking.delegate(&mut w.ledger, a, v, Amount(E18), Epoch(0)).unwrap();
    w.staking.delegate(&mut w.ledger, b, v, Amount(E18), Epoch(0)).unwrap();
    w.staking.distribute_to_validator(&mut w.ledger, w.treasury.into(), v, Amount(5)).unwrap(); // 1.66… each
    for acct in [op, a, b] {
        assert_eq!(w.staking.withdraw_rewards(&mut w.ledger, acct, v).unwrap(), Amount(1));
    }
    assert_eq!(w.staking.sweep_reward_dust(&mut w.ledger, w.dust.into()).unwrap(), Amount(1));
    assert_eq!(w.staking.sweep_reward_dust(&mut w.ledger, w.dust.into()).unwrap(), Amount::ZERO);
    assert_eq!(w.balance(w.dust), Amount(1));
    w.check();
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    /// Two sources in one pass leave what two distributions one after the other leave: the
    /// same parts, commissions (each floored on its own), accumulators, transfers and dust.
    #[test]
    fn sources_in_one_pass_equal_one_distribution_a_source(
        validators in proptest::collection::vec(
            (1u128..5_000, 0u128..3_000, 0u32..200_000, proptest::bool::weighted(0.2)), 1..6),
        amounts in (0u128..10_000_000, 0u128..10_000_000),
        scale in 0u32..19,
    ) {
        let unit = 10u128.pow(scale);
        let mut w = world(2 * validators.len() as u32);
        let other = w.ledger.add_pool("second source").unwrap();
        for pool in [w.treasury, other] {
            w.ledger.mint(w.token, pool.into(), Amount(100_000_000 * E18)).unwrap();
        }
        for (i, &(bond, delegated, commission, jailed)) in validators.iter().enumerate() {
            let (op, d) = (w.accounts[2 * i], w.accounts[2 * i + 1]);
            let id = w.staking
                .create_validator(&mut w.ledger, op, Amount(bond * E18 / 1000 + E18), pm(commission), Epoch(0))
                .unwrap();
            if delegated > 0 {
                w.staking.delegate(&mut w.ledger, d, id, Amount(delegated * E18 / 7), Epoch(0)).unwrap();
            }
            if jailed {
                w.staking.jail(id).unwrap();
            }
        }
        let (a, b) = (Amount(amounts.0 * unit), Amount(amounts.1 * unit));
        let (from_a, from_b, dust) = (w.treasury.into(), other.into(), w.dust.into());
        let mut one_by_one = (w.ledger.clone(), w.staking.clone());
        let (l, s) = (&mut one_by_one.0, &mut one_by_one.1);
        let got_a = s.distribute_by_power_total(l, from_a, a, dust).unwrap();
        let got_b = s.distribute_by_power_total(l, from_b, b, dust).unwrap();
        let got = w.staking
            .distribute_sources_by_power(&mut w.ledger, [(from_a, a), (from_b, b)], dust)
            .unwrap();
        proptest::prop_assert_eq!(got, [got_a, got_b]);
        proptest::prop_assert!(w.ledger == one_by_one.0);
        proptest::prop_assert!(w.staking == one_by_one.1);
        w.check();
    }
}

/// `p` parts per million.
fn pm(p: u32) -> PerMill {
    PerMill::from_parts(p).expect("a ratio")
}
