//! Tests of [`MultiStake`](super::MultiStake): a hand-worked POND/MPOND cluster, the returned
//! parts, rejections that change nothing, and a property test against a naive reference that
//! keeps every delegator's exact entitlement as a fraction.

use std::collections::BTreeMap;

use num_bigint::BigInt;
use num_traits::{One, Zero};
use proptest::prelude::*;

use super::*;
use crate::amount::TokenMeta;

const E18: u128 = 1_000_000_000_000_000_000;

struct World {
    ledger: Ledger,
    ms: MultiStake,
    pond: TokenId,
    mpond: TokenId,
    treasury: PoolId,
    accounts: Vec<AccountId>,
}

fn pond_mpond(share_pond_ppm: u32) -> impl Fn(TokenId, TokenId) -> MultiStakeParams {
    move |pond, mpond| MultiStakeParams {
        reward_token: pond,
        tokens: vec![
            StakeToken { token: pond, weight: 1, reward_share_ppm: share_pond_ppm },
            StakeToken {
                token: mpond,
                weight: 1_000_000,
                reward_share_ppm: 1_000_000 - share_pond_ppm,
            },
        ],
        max_clusters: 4,
    }
}

/// `n` accounts with 10^6 POND and 100 MPOND each; a treasury of 10^9 POND.
fn world(n: u32, share_pond_ppm: u32) -> World {
    let mut ledger = Ledger::new();
    let pond = ledger.add_token(TokenMeta::new("POND", 18), Amount::MAX).unwrap();
    let mpond = ledger.add_token(TokenMeta::new("MPOND", 18), Amount::MAX).unwrap();
    let treasury = ledger.add_pool("treasury").unwrap();
    ledger.mint(pond, treasury.into(), Amount(1_000_000_000 * E18)).unwrap();
    let accounts: Vec<AccountId> = (0..n).map(|_| ledger.open_account().unwrap()).collect();
    for a in &accounts {
        ledger.mint(pond, (*a).into(), Amount(1_000_000 * E18)).unwrap();
        ledger.mint(mpond, (*a).into(), Amount(100 * E18)).unwrap();
    }
    let ms =
        MultiStake::new(&mut ledger, "marlin", pond_mpond(share_pond_ppm)(pond, mpond)).unwrap();
    World { ledger, ms, pond, mpond, treasury, accounts }
}

impl World {
    fn check(&self) {
        self.ledger.check_conservation().unwrap();
        self.ms.check_invariants(&self.ledger).unwrap();
    }
    fn pond_of(&self, h: impl Into<Holder>) -> Amount {
        self.ledger.balance(self.pond, h.into()).unwrap()
    }
}

#[test]
fn equal_token_split_whatever_the_value() {
    // Operator 0, 10% commission. POND: A 1,000 and B 3,000; MPOND: C 1 and D 3 (worth 10^6
    // and 3·10^6 POND). A reward of 1,000 POND: 100 commission, 450 to each token's side.
    let mut w = world(5, 500_000);
    let [op, a, b, c, d] = [0, 1, 2, 3, 4].map(|i| w.accounts[i]);
    let id = w.ms.create_cluster(op, pm(100_000)).unwrap();
    let (pond, mpond) = (w.pond, w.mpond);
    w.ms.delegate(&mut w.ledger, a, id, pond, Amount(1_000 * E18)).unwrap();
    w.ms.delegate(&mut w.ledger, b, id, pond, Amount(3_000 * E18)).unwrap();
    w.ms.delegate(&mut w.ledger, c, id, mpond, Amount(E18)).unwrap();
    w.ms.delegate(&mut w.ledger, d, id, mpond, Amount(3 * E18)).unwrap();
    assert_eq!(w.ms.effective_stake(id).unwrap(), Amount(4_000 * E18 + 4_000_000 * E18));
    assert_eq!(w.ms.effective_stake_of(id, c).unwrap(), Amount(1_000_000 * E18));
    w.check();

    let split = w.ms.distribute(&mut w.ledger, w.treasury.into(), id, Amount(1_000 * E18)).unwrap();
    assert_eq!(split.commission, Amount(100 * E18));
    assert_eq!(split.per_token, vec![Amount(450 * E18), Amount(450 * E18)]);
    assert_eq!(split.returned(), Amount::ZERO);
    for (who, want) in [(a, 1125), (b, 3375), (c, 1125), (d, 3375)] {
        assert_eq!(w.ms.pending_rewards(id, who).unwrap(), Amount(want * E18 / 10));
    }
    w.check();

    // Undelegating settles first: A is paid 112.5 and earns nothing from the next reward.
    let before = w.pond_of(a);
    let paid = w.ms.undelegate(&mut w.ledger, a, id, pond, Amount(1_000 * E18)).unwrap();
    assert_eq!(paid, Amount(1125 * E18 / 10));
    assert_eq!(w.pond_of(a), before.checked_add(Amount(11_125 * E18 / 10)).unwrap());
    w.ms.distribute(&mut w.ledger, w.treasury.into(), id, Amount(1_000 * E18)).unwrap();
    assert_eq!(w.ms.pending_rewards(id, a).unwrap(), Amount::ZERO);
    assert_eq!(w.ms.pending_rewards(id, b).unwrap(), Amount((3375 + 4500) * E18 / 10));
    assert_eq!(w.ms.withdraw_commission(&mut w.ledger, id).unwrap(), Amount(200 * E18));
    assert_eq!(w.ms.withdraw_rewards(&mut w.ledger, d, id).unwrap(), Amount(6750 * E18 / 10));
    assert_eq!(w.ms.pending_rewards(id, d).unwrap(), Amount::ZERO);
    w.check();
}

#[test]
fn unstaked_token_share_and_rounding_return_to_the_payer() {
    let mut w = world(2, 500_000);
    let id = w.ms.create_cluster(w.accounts[0], pm(0)).unwrap();
    let pond = w.pond;
    w.ms.delegate(&mut w.ledger, w.accounts[1], id, pond, Amount(10)).unwrap();
    let before = w.pond_of(w.treasury);
    // 7 units: POND ⌊3.5⌋ = 3, MPOND ⌊3.5⌋ = 3 but nobody holds MPOND; 1 unit of rounding.
    let split = w.ms.distribute(&mut w.ledger, w.treasury.into(), id, Amount(7)).unwrap();
    assert_eq!(split.per_token, vec![Amount(3), Amount(0)]);
    assert_eq!((split.unstaked, split.rounding), (Amount(3), Amount(1)));
    assert_eq!(w.pond_of(w.treasury), before.checked_sub(Amount(3)).unwrap());
    // Nothing was carried: a later MPOND delegator gets nothing of it.
    w.ms.delegate(&mut w.ledger, w.accounts[1], id, w.mpond, Amount(1)).unwrap();
    assert_eq!(w.ms.pending_rewards(id, w.accounts[1]).unwrap(), Amount(3));
    w.check();
}

#[test]
fn rejections_change_nothing() {
    let mut w = world(2, 500_000);
    let id = w.ms.create_cluster(w.accounts[0], pm(50_000)).unwrap();
    let (pond, mpond, a) = (w.pond, w.mpond, w.accounts[1]);
    w.ms.delegate(&mut w.ledger, a, id, mpond, Amount(E18)).unwrap();
    let (ledger, ms) = (w.ledger.clone(), w.ms.clone());
    let err = w.ms.undelegate(&mut w.ledger, a, id, mpond, Amount(2 * E18)).unwrap_err();
    assert!(matches!(err, Error::InsufficientStake { .. }));
    let err = w.ms.delegate(&mut w.ledger, a, id, pond, Amount(10_000_000 * E18)).unwrap_err();
    assert!(matches!(err, Error::InsufficientBalance { .. }));
    assert!(w.ms.delegate(&mut w.ledger, a, id, pond, Amount::ZERO).is_err());
    assert!(w.ms.delegate(&mut w.ledger, a, ClusterId(9), pond, Amount(1)).is_err());
    assert!(w.ms.delegate(&mut w.ledger, a, id, TokenId(7), Amount(1)).is_err());
    let staked = Holder::Pool(w.ms.pools().0);
    assert!(w.ms.distribute(&mut w.ledger, staked, id, Amount(1)).is_err());
    assert!(w.ms.distribute(&mut w.ledger, a.into(), id, Amount(u128::MAX)).is_err());
    assert!(PerMill::from_parts(1_000_001).is_err());
    assert_eq!((&w.ledger, &w.ms), (&ledger, &ms));
    for _ in 1..4 {
        w.ms.create_cluster(a, pm(0)).unwrap();
    }
    assert!(matches!(w.ms.create_cluster(a, pm(0)), Err(Error::LimitReached { .. })));
}

#[test]
fn params_are_validated() {
    let ok = pond_mpond(500_000)(TokenId(0), TokenId(1));
    assert!(ok.validate().is_ok());
    let mut p = ok.clone();
    p.tokens[0].reward_share_ppm = 400_000;
    assert!(p.validate().is_err());
    let mut p = ok.clone();
    p.tokens[1].token = TokenId(0);
    assert!(p.validate().is_err());
    let mut p = ok.clone();
    p.tokens[1].weight = 0;
    assert!(p.validate().is_err());
    let mut p = ok.clone();
    p.tokens.clear();
    assert!(p.validate().is_err());
    let mut p = ok;
    p.max_clusters = 0;
    assert!(p.validate().is_err());
}

// ---- property test against a naive reference ----------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    Delegate { who: usize, cluster: u32, token: usize, amount: u128 },
    Undelegate { who: usize, cluster: u32, token: usize, amount: u128 },
    Distribute { cluster: u32, amount: u128 },
    Withdraw { who: usize, cluster: u32 },
}

fn op() -> impl Strategy<Value = Op> {
    let (who, cl, tok) = (0usize..4, 0u32..2, 0usize..2);
    prop_oneof![
        (who.clone(), cl.clone(), tok.clone(), 1u128..1_000_000)
            .prop_map(|(who, cluster, token, amount)| Op::Delegate { who, cluster, token, amount }),
        (who.clone(), cl.clone(), tok, 1u128..1_000_000).prop_map(
            |(who, cluster, token, amount)| Op::Undelegate { who, cluster, token, amount }
        ),
        (cl.clone(), 0u128..10_000_000)
            .prop_map(|(cluster, amount)| Op::Distribute { cluster, amount }),
        (who, cl).prop_map(|(who, cluster)| Op::Withdraw { who, cluster }),
    ]
}

/// An exact fraction `num/den`.
#[derive(Clone, Debug)]
struct Frac(BigInt, BigInt);

impl Frac {
    fn add(&mut self, n: u128, d: u128) {
        let (n, d) = (BigInt::from(n), BigInt::from(d));
        self.0 = &self.0 * &d + n * &self.1;
        self.1 *= d;
        let g = num_integer::Integer::gcd(&self.0, &self.1);
        if !g.is_zero() && !g.is_one() {
            self.0 /= &g;
            self.1 /= &g;
        }
    }
}

/// The reference: delegations per (cluster, delegator, token), exact entitlements per
/// (cluster, delegator), settlements per (cluster, delegator, token).
#[derive(Default)]
struct Reference {
    stake: BTreeMap<(u32, usize, usize), u128>,
    earned: BTreeMap<(u32, usize), Frac>,
    settles: BTreeMap<(u32, usize), u32>,
    received: u128,
}

impl Reference {
    fn distribute(&mut self, cluster: u32, amount: u128, commission_ppm: u128, shares: [u128; 2]) {
        let rest = amount - amount * commission_ppm / 1_000_000;
        self.received += amount * commission_ppm / 1_000_000;
        for (t, share) in shares.iter().enumerate() {
            let part = rest * share / 1_000_000;
            let total: u128 =
                self.stake.iter().filter(|(k, _)| k.0 == cluster && k.2 == t).map(|(_, v)| v).sum();
            if total == 0 {
                continue;
            }
            self.received += part;
            for (&(c, who, tok), &s) in &self.stake {
                if c == cluster && tok == t && s > 0 {
                    self.earned
                        .entry((c, who))
                        .or_insert(Frac(BigInt::zero(), BigInt::one()))
                        .add(part * s, total);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn payouts_match_exact_fractions_within_the_floor_bound(ops in proptest::collection::vec(op(), 1..60), share in 0u32..=1_000_000) {
        let mut w = world(4, share);
        let (commission, shares) = ([30_000u32, 0], [u128::from(share), 1_000_000 - u128::from(share)]);
        let ids = [w.ms.create_cluster(w.accounts[0], pm(commission[0])).unwrap(), w.ms.create_cluster(w.accounts[1], pm(commission[1])).unwrap()];
        let tokens = [w.pond, w.mpond];
        let mut reference = Reference::default();
        let mut got: BTreeMap<(u32, usize), u128> = BTreeMap::new();
        let treasury_start = w.pond_of(w.treasury);
        for op in ops {
            match op {
                Op::Delegate { who, cluster, token, amount } => {
                    let paid = w.ms.delegate(&mut w.ledger, w.accounts[who], ids[cluster as usize], tokens[token], Amount(amount)).unwrap();
                    *got.entry((cluster, who)).or_default() += paid.0;
                    *reference.stake.entry((cluster, who, token)).or_default() += amount;
                    *reference.settles.entry((cluster, who)).or_default() += 1;
                }
                Op::Undelegate { who, cluster, token, amount } => {
                    let held = reference.stake.get(&(cluster, who, token)).copied().unwrap_or(0);
                    let r = w.ms.undelegate(&mut w.ledger, w.accounts[who], ids[cluster as usize], tokens[token], Amount(amount));
                    prop_assert_eq!(r.is_ok(), amount <= held);
                    if let Ok(paid) = r {
                        *got.entry((cluster, who)).or_default() += paid.0;
                        *reference.stake.entry((cluster, who, token)).or_default() -= amount;
                        *reference.settles.entry((cluster, who)).or_default() += 1;
                    }
                }
                Op::Distribute { cluster, amount } => {
                    let split = w.ms.distribute(&mut w.ledger, w.treasury.into(), ids[cluster as usize], Amount(amount)).unwrap();
                    prop_assert_eq!(split.received().0 + split.returned().0, amount);
                    reference.distribute(cluster, amount, u128::from(commission[cluster as usize]), shares);
                }
                Op::Withdraw { who, cluster } => {
                    let paid = w.ms.withdraw_rewards(&mut w.ledger, w.accounts[who], ids[cluster as usize]).unwrap();
                    *got.entry((cluster, who)).or_default() += paid.0;
                    *reference.settles.entry((cluster, who)).or_default() += 2;
                }
            }
            w.check();
        }
        // Conservation: the treasury lost exactly what the reference says was received.
        let spent = treasury_start.checked_sub(w.pond_of(w.treasury)).unwrap();
        prop_assert_eq!(spent.0, reference.received);
        // Each delegator: E − (settlements + tokens) ≤ paid + pending ≤ E (whole units; the
        // accumulator's sub-unit terms are below 10^−20 here).
        for (&(cluster, who), e) in &reference.earned {
            let total = got.get(&(cluster, who)).copied().unwrap_or(0)
                + w.ms.pending_rewards(ids[cluster as usize], w.accounts[who]).unwrap().0;
            let slack = u128::from(reference.settles.get(&(cluster, who)).copied().unwrap_or(0)) + 2;
            let t = BigInt::from(total);
            prop_assert!(&t * &e.1 <= e.0.clone(), "({cluster}, {who}): got {total} > {:?}", e);
            prop_assert!((t + BigInt::from(slack)) * &e.1 >= e.0, "({cluster}, {who}): got {total} ≪ {:?}", e);
        }
    }
}

/// `p` parts per million.
fn pm(p: u32) -> PerMill {
    PerMill::from_parts(p).expect("a ratio")
}
