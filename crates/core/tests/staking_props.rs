//! Property test of [`Staking`] over the [`Ledger`]: random sequences of validator creation,
//! delegation, undelegation, reward distribution, slashing, jailing, unbonding completion and
//! withdrawals. After every step the ledger conserves every token and Staking's invariants hold;
//! a rejected step leaves both byte-identical.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::PerMill;
use ergon_core::staking::SlashSink;
use ergon_core::{
    AccountId, Amount, Epoch, Holder, Ledger, PoolId, Staking, StakingParams, TokenId, TokenMeta,
    ValidatorId,
};
use proptest::prelude::*;

const ACCOUNTS: u32 = 6;
const VALIDATORS: u32 = 4;

#[derive(Clone, Debug)]
enum Op {
    Create {
        operator: u32,
        bond: u128,
        commission_ppm: u32,
    },
    Delegate {
        who: u32,
        to: u32,
        amount: u128,
    },
    /// Undelegate `pct`% of the delegation's value (over 100: more than delegated).
    Undelegate {
        who: u32,
        from: u32,
        pct: u32,
    },
    DistributeTo {
        to: u32,
        amount: u128,
    },
    DistributeByPower {
        amount: u128,
    },
    Slash {
        validator: u32,
        ppm: u32,
        back: u64,
        burn: bool,
    },
    Complete,
    Withdraw {
        who: u32,
        from: u32,
    },
    WithdrawCommission {
        validator: u32,
    },
    Jail {
        validator: u32,
        release: bool,
    },
    SetCommission {
        validator: u32,
        ppm: u32,
    },
    Sweep,
    Advance {
        epochs: u64,
    },
}

/// Base units: dust-sized, token-sized, or more than anyone holds.
fn amount() -> impl Strategy<Value = u128> {
    prop_oneof![
        10 => 0u128..3_000,
        10 => (1u128..3_000).prop_map(|x| x * 1_000_000_000_000_000),
        1 => Just(10u128.pow(25)),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let (a, v) = (0..ACCOUNTS, 0..VALIDATORS + 1);
    prop_oneof![
        1 => (a.clone(), amount(), 0u32..1_100_000).prop_map(|(operator, bond, commission_ppm)| Op::Create { operator, bond, commission_ppm }),
        4 => (a.clone(), v.clone(), amount()).prop_map(|(who, to, amount)| Op::Delegate { who, to, amount }),
        3 => (a.clone(), v.clone(), 0u32..=110).prop_map(|(who, from, pct)| Op::Undelegate { who, from, pct }),
        3 => (v.clone(), amount()).prop_map(|(to, amount)| Op::DistributeTo { to, amount }),
        3 => amount().prop_map(|amount| Op::DistributeByPower { amount }),
        1 => (v.clone(), 0u32..1_100_000, 0u64..30, any::<bool>()).prop_map(|(validator, ppm, back, burn)| Op::Slash { validator, ppm, back, burn }),
        2 => Just(Op::Complete),
        2 => (a, v.clone()).prop_map(|(who, from)| Op::Withdraw { who, from }),
        1 => v.clone().prop_map(|validator| Op::WithdrawCommission { validator }),
        1 => (v.clone(), any::<bool>()).prop_map(|(validator, release)| Op::Jail { validator, release }),
        1 => (v, 0u32..1_100_000).prop_map(|(validator, ppm)| Op::SetCommission { validator, ppm }),
        1 => Just(Op::Sweep),
        2 => (0u64..15).prop_map(|epochs| Op::Advance { epochs }),
    ]
}

struct World {
    ledger: Ledger,
    staking: Staking,
    token: TokenId,
    treasury: PoolId,
    dust: PoolId,
    insurance: PoolId,
    now: Epoch,
}

fn world() -> World {
    let mut ledger = Ledger::new();
    let token = ledger.add_token(TokenMeta::new("TOK", 18), Amount(u128::MAX)).unwrap();
    let treasury = ledger.add_pool("treasury").unwrap();
    let dust = ledger.add_pool("dust").unwrap();
    let insurance = ledger.add_pool("insurance").unwrap();
    ledger.mint(token, treasury.into(), Amount(10u128.pow(24))).unwrap();
    for _ in 0..ACCOUNTS {
        let a = ledger.open_account().unwrap();
        ledger.mint(token, a.into(), Amount(10u128.pow(19))).unwrap();
    }
    let params = StakingParams {
        unbonding_epochs: 20,
        max_unbonding_entries: 3,
        min_self_bond: Amount(100),
        max_validators: VALIDATORS,
    };
    let mut staking = Staking::new(&mut ledger, token, "stake", params).unwrap();
    for (operator, commission_ppm) in [(0, 50_000), (1, 0)] {
        staking
            .create_validator(
                &mut ledger,
                AccountId(operator),
                Amount(5 * 10u128.pow(18)),
                PerMill::from_parts(commission_ppm).expect("a ratio"),
                Epoch(0),
            )
            .unwrap();
    }
    World { ledger, staking, token, treasury, dust, insurance, now: Epoch(0) }
}

impl World {
    /// Mostly an existing validator; one in (count + 1) times an unknown one.
    fn validator(&self, i: u32) -> u32 {
        i % (self.staking.validator_count() + 1)
    }

    /// Mostly one of the validator's delegators, else any account.
    fn holder(&self, v: u32, i: u32) -> u32 {
        let holders: Vec<AccountId> = match self.staking.validator(ValidatorId(v)) {
            Ok(val) => val.delegations().holders().map(|(a, _)| a).collect(),
            Err(_) => Vec::new(),
        };
        if holders.is_empty() || i == 0 { i } else { holders[i as usize % holders.len()].0 }
    }

    /// Applies one step; Err means the step was rejected.
    fn apply(&mut self, op: &Op) -> Result<(), ergon_core::Error> {
        let op = self.resolve(op);
        self.execute(&op)
    }

    /// The step with its drawn validators and holders reduced by [`World::validator`] and
    /// [`World::holder`].
    fn resolve(&self, op: &Op) -> Op {
        match *op {
            Op::Delegate { who, to, amount } => {
                Op::Delegate { who, to: self.validator(to), amount }
            }
            Op::Undelegate { who, from, pct } => {
                let from = self.validator(from);
                Op::Undelegate { who: self.holder(from, who), from, pct }
            }
            Op::Withdraw { who, from } => {
                let from = self.validator(from);
                Op::Withdraw { who: self.holder(from, who), from }
            }
            Op::DistributeTo { to, amount } => Op::DistributeTo { to: self.validator(to), amount },
            Op::Slash { validator, ppm, back, burn } => {
                Op::Slash { validator: self.validator(validator), ppm, back, burn }
            }
            Op::WithdrawCommission { validator } => {
                Op::WithdrawCommission { validator: self.validator(validator) }
            }
            Op::Jail { validator, release } => {
                Op::Jail { validator: self.validator(validator), release }
            }
            Op::SetCommission { validator, ppm } => {
                Op::SetCommission { validator: self.validator(validator), ppm }
            }
            ref other => other.clone(),
        }
    }

    /// Applies one resolved step; Err means the step was rejected.
    fn execute(&mut self, op: &Op) -> Result<(), ergon_core::Error> {
        let (l, s, now) = (&mut self.ledger, &mut self.staking, self.now);
        let treasury: Holder = self.treasury.into();
        match *op {
            Op::Create { operator, bond, commission_ppm } => PerMill::from_parts(commission_ppm)
                .and_then(|c| s.create_validator(l, AccountId(operator), Amount(bond), c, now))
                .map(drop),
            Op::Delegate { who, to, amount } => {
                s.delegate(l, AccountId(who), ValidatorId(to), Amount(amount), now).map(drop)
            }
            Op::Undelegate { who, from, pct } => self.undelegate(who, from, pct),
            Op::DistributeTo { to, amount } => {
                s.distribute_to_validator(l, treasury, ValidatorId(to), Amount(amount)).map(drop)
            }
            Op::DistributeByPower { amount } => self.distribute_by_power(amount),
            Op::Slash { validator, ppm, back, burn } => {
                let sink = if burn { SlashSink::Burn } else { SlashSink::Pool(self.insurance) };
                let infraction = Epoch(now.0.saturating_sub(back));
                s.slash(l, ValidatorId(validator), ppm, infraction, now, sink).map(drop)
            }
            Op::Complete => s.complete_unbonding(l, now).map(drop),
            Op::Withdraw { who, from } => {
                s.withdraw_rewards(l, AccountId(who), ValidatorId(from)).map(drop)
            }
            Op::WithdrawCommission { validator } => {
                s.withdraw_commission(l, ValidatorId(validator)).map(drop)
            }
            Op::Jail { validator, release } => {
                if release {
                    s.unjail(ValidatorId(validator))
                } else {
                    s.jail(ValidatorId(validator))
                }
            }
            Op::SetCommission { validator, ppm } => {
                PerMill::from_parts(ppm).and_then(|c| s.set_commission(ValidatorId(validator), c))
            }
            Op::Sweep => s.sweep_reward_dust(l, self.dust.into()).map(drop),
            Op::Advance { epochs } => {
                self.now = self.now.plus(epochs);
                Ok(())
            }
        }
    }

    /// Undelegates `pct`% of the delegation's value.
    fn undelegate(&mut self, who: u32, from: u32, pct: u32) -> Result<(), ergon_core::Error> {
        let (l, s, now) = (&mut self.ledger, &mut self.staking, self.now);
        let value = s
            .validator(ValidatorId(from))
            .map(|v| v.delegation_value(AccountId(who)))
            .unwrap_or_default();
        let amount = Amount(value.0 * u128::from(pct) / 100);
        s.undelegate(l, AccountId(who), ValidatorId(from), amount, now).map(drop)
    }

    /// Distributes `amount` from the treasury by power; the parts and the dust add up to it.
    fn distribute_by_power(&mut self, amount: u128) -> Result<(), ergon_core::Error> {
        let (l, s) = (&mut self.ledger, &mut self.staking);
        let treasury: Holder = self.treasury.into();
        let dust_before = l.balance(self.token, self.dust.into())?;
        let parts = s.distribute_by_power(l, treasury, Amount(amount), self.dust.into())?;
        let moved = l.balance(self.token, self.dust.into())?.0 - dust_before.0;
        assert_eq!(
            parts.iter().map(|(_, p)| p.0).sum::<u128>() + moved,
            amount,
            "Σ parts + dust ≠ amount"
        );
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_step_conserves_and_rejections_change_nothing(ops in proptest::collection::vec(op(), 1..80)) {
        let mut w = world();
        let supply = w.ledger.supply(w.token).unwrap();
        let mut accepted = 0usize;
        for op in &ops {
            let before = (w.staking.clone(), w.ledger.clone());
            let json = (serde_json::to_string(&w.staking).unwrap(), serde_json::to_string(&w.ledger).unwrap());
            match w.apply(op) {
                Ok(()) => accepted += 1,
                Err(e) => {
                    prop_assert!(before == (w.staking.clone(), w.ledger.clone()), "{:?} rejected ({}) but changed state", op, e);
                    let after = (serde_json::to_string(&w.staking).unwrap(), serde_json::to_string(&w.ledger).unwrap());
                    prop_assert_eq!(&after, &json);
                }
            }
            w.ledger.check_conservation().map_err(|v| TestCaseError::fail(format!("after {op:?}: {v}")))?;
            w.staking.check_invariants(&w.ledger).map_err(|v| TestCaseError::fail(format!("after {op:?}: {v}")))?;
            let burned = w.ledger.burned(w.token).unwrap();
            prop_assert_eq!(w.ledger.supply(w.token).unwrap().0 + burned.0, supply.0);
        }
        // Drain everything: every delegation out, every entry paid, every reward withdrawn.
        w.now = w.now.plus(1_000);
        let ids: Vec<ValidatorId> = w.staking.validators().map(|(id, _)| id).collect();
        for id in ids {
            w.staking.withdraw_commission(&mut w.ledger, id).unwrap();
            let holders: Vec<(AccountId, u128)> = w.staking.validator(id).unwrap().delegations().holders().collect();
            for (who, _) in holders {
                w.staking.withdraw_rewards(&mut w.ledger, who, id).unwrap();
                let value = w.staking.validator(id).unwrap().delegation_value(who);
                if !value.is_zero() {
                    // Each undelegation after the previous entries matured: the queue has room.
                    w.now = w.now.plus(21);
                    w.staking.complete_unbonding(&mut w.ledger, w.now).unwrap();
                    w.staking.undelegate(&mut w.ledger, who, id, value, w.now).unwrap();
                }
            }
        }
        w.staking.complete_unbonding(&mut w.ledger, w.now.plus(100)).unwrap();
        w.staking.check_invariants(&w.ledger).unwrap();
        let (_, unbonding, _) = w.staking.pools();
        prop_assert_eq!(w.ledger.balance(w.token, unbonding.into()).unwrap(), Amount::ZERO);
        prop_assert!(accepted <= ops.len());
    }
}
