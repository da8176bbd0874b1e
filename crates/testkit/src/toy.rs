//! The toy economy: one token, named accounts, locks, validators with delegations, and a halving
//! emission paid to validators by voting power. It is not a network from the seeds; it exists to
//! exercise the replay format and every core part (ledger, journal, lock queue, staking with
//! commission and slashing, reward accumulator, emission schedule) before and beside the real
//! economies, and is small enough to read in one sitting.
//!
//! Epoch processing (`end_epoch`): emit the schedule's reward for this epoch from the capped
//! reserve into the `emission` pool; split it among active validators by voting power
//! (remainders to the `dust` pool); then advance the epoch and release the locks and unbonding
//! entries that are due.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use ergon_core::amount::{Amount, Qty, TokenMeta};
use ergon_core::economy::{Economy, Metric, MetricValue, Rejection};
use ergon_core::emission::EmissionSchedule;
use ergon_core::invariants::Violation;
use ergon_core::ledger::{AccountId, Holder, Ledger, PoolId, TokenId};
use ergon_core::locks::LockQueue;
use ergon_core::staking::{SlashSink, Staking, StakingParams, ValidatorId};
use ergon_core::{Epoch, Error};

/// Lock chunks one account may hold.
const LOCK_CHUNKS_MAX: u32 = 1_024;

/// The toy's genesis line.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToyGenesis {
    /// Token symbol (default `TOY`).
    #[serde(default = "default_symbol")]
    pub symbol: String,
    /// Token decimals (default 6).
    #[serde(default = "default_decimals")]
    pub decimals: u8,
    /// The most that may exist at once (minted − burned), in token units.
    pub cap: Qty,
    /// Initial balances by account name, minted at genesis.
    #[serde(default)]
    pub accounts: BTreeMap<String, Qty>,
    /// Emission in the first period, per epoch, in token units.
    pub epoch_reward: Qty,
    /// Epochs between halvings of the emission.
    pub halving_epochs: u64,
    /// Epochs an undelegation waits before the tokens return.
    pub unbonding_epochs: u64,
}

fn default_symbol() -> String {
    "TOY".into()
}

fn default_decimals() -> u8 {
    6
}

/// The toy's actions; in replay files, `op` names the variant in snake_case. Accounts and
/// validators are named (a validator by its operator's account name); amounts are decimal
/// strings in token units; fractions are decimal strings (`"0.01"` = 1%).
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)] // every field is described in docs/replay.md ("The toy economy")
pub enum ToyAction {
    /// Opens an account with a zero balance.
    Open { account: String },
    /// Moves tokens between accounts.
    Transfer { from: String, to: String, amount: Qty },
    /// Destroys tokens of an account.
    Burn { from: String, amount: Qty },
    /// Locks an account's own tokens for `epochs` epochs.
    Lock { account: String, amount: Qty, epochs: u64 },
    /// Returns everything an account has locked to the `forfeits` pool.
    Forfeit { account: String },
    /// Makes `operator` a validator with a self-bond and a commission fraction.
    CreateValidator { operator: String, self_bond: Qty, commission: Qty },
    /// Delegates to the validator run by `validator`.
    Delegate { delegator: String, validator: String, amount: Qty },
    /// Starts unbonding part of a delegation.
    Undelegate { delegator: String, validator: String, amount: Qty },
    /// Pays a delegator's rewards to its account.
    WithdrawRewards { delegator: String, validator: String },
    /// Pays a validator's accumulated commission to its operator.
    WithdrawCommission { validator: String },
    /// Slashes a fraction of a validator's stake (to the `slashed` pool).
    Slash { validator: String, fraction: Qty, infraction_epoch: u64 },
}

/// The toy economy's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toy {
    ledger: Ledger,
    token: TokenId,
    names: Vec<String>,
    ids: BTreeMap<String, AccountId>,
    locks: LockQueue,
    staking: Staking,
    schedule: EmissionSchedule,
    emitted: Amount,
    epoch: Epoch,
    pools: ToyPools,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ToyPools {
    emission: PoolId,
    dust: PoolId,
    forfeits: PoolId,
    slashed: PoolId,
}

impl Toy {
    fn meta(&self) -> &TokenMeta {
        self.ledger.token(self.token).expect("the toy's token is registered at genesis")
    }

    fn fmt(&self, a: Amount) -> String {
        self.meta().format(a)
    }

    fn amount(&self, q: &Qty) -> Result<Amount, Rejection> {
        Ok(q.to_amount(self.meta())?)
    }

    fn account(&self, name: &str) -> Result<AccountId, Rejection> {
        self.ids
            .get(name)
            .copied()
            .ok_or_else(|| Rejection::new("unknown_account", format!("no account named {name:?}")))
    }

    fn validator(&self, operator: &str) -> Result<ValidatorId, Rejection> {
        let op = self.account(operator)?;
        self.staking.validator_of(op).ok_or_else(|| {
            Rejection::new("unknown_validator", format!("account {operator:?} runs no validator"))
        })
    }

    fn name(&self, a: AccountId) -> &str {
        &self.names[a.0 as usize]
    }
}

/// The actions of [`ToyAction`], one method each, returning the action's event.
impl Toy {
    fn open(&mut self, account: &str) -> Result<Value, Rejection> {
        if self.ids.contains_key(account) {
            return Err(Error::Duplicate { kind: "account", name: account.to_owned() }.into());
        }
        let id = self.ledger.open_account()?;
        self.names.push(account.to_owned());
        self.ids.insert(account.to_owned(), id);
        Ok(json!({"event": "opened", "account": account}))
    }

    fn transfer(&mut self, from: &str, to: &str, amount: &Qty) -> Result<Value, Rejection> {
        let (f, d, a) = (self.account(from)?, self.account(to)?, self.amount(amount)?);
        self.ledger.transfer(self.token, f.into(), d.into(), a)?;
        Ok(json!({"event": "transferred", "from": from, "to": to, "amount": self.fmt(a)}))
    }

    fn burn(&mut self, from: &str, amount: &Qty) -> Result<Value, Rejection> {
        let (f, a) = (self.account(from)?, self.amount(amount)?);
        self.ledger.burn(self.token, f.into(), a)?;
        Ok(json!({"event": "burned", "from": from, "amount": self.fmt(a)}))
    }

    fn lock(&mut self, account: &str, amount: &Qty, epochs: u64) -> Result<Value, Rejection> {
        let (id, a) = (self.account(account)?, self.amount(amount)?);
        let until = self.epoch.plus(epochs);
        self.locks.lock(&mut self.ledger, id.into(), id, a, until, self.pools.forfeits)?;
        Ok(
            json!({"event": "locked", "account": account, "amount": self.fmt(a), "release_epoch": until.0}),
        )
    }

    fn forfeit(&mut self, account: &str) -> Result<Value, Rejection> {
        let id = self.account(account)?;
        let back: u128 = self.locks.forfeit(&mut self.ledger, id)?.iter().map(|(_, a)| a.0).sum();
        Ok(json!({"event": "forfeited", "account": account, "amount": self.fmt(Amount(back))}))
    }

    fn create_validator(
        &mut self,
        operator: &str,
        self_bond: &Qty,
        commission: &Qty,
    ) -> Result<Value, Rejection> {
        let (op, a, c) = (self.account(operator)?, self.amount(self_bond)?, ppm(commission)?);
        let c = ergon_core::PerMill::from_parts(c)?;
        let v = self.staking.create_validator(&mut self.ledger, op, a, c, self.epoch)?;
        Ok(
            json!({"event": "validator_created", "operator": operator, "validator": v.0, "self_bond": self.fmt(a)}),
        )
    }

    fn delegate(
        &mut self,
        delegator: &str,
        validator: &str,
        amount: &Qty,
    ) -> Result<Value, Rejection> {
        let (d, v, a) =
            (self.account(delegator)?, self.validator(validator)?, self.amount(amount)?);
        let change = self.staking.delegate(&mut self.ledger, d, v, a, self.epoch)?;
        Ok(
            json!({"event": "delegated", "delegator": delegator, "validator": validator, "amount": self.fmt(a),
                  "rewards_paid": self.fmt(change.rewards_paid)}),
        )
    }

    fn undelegate(
        &mut self,
        delegator: &str,
        validator: &str,
        amount: &Qty,
    ) -> Result<Value, Rejection> {
        let now = self.epoch;
        let (d, v, a) =
            (self.account(delegator)?, self.validator(validator)?, self.amount(amount)?);
        let change = self.staking.undelegate(&mut self.ledger, d, v, a, now)?;
        Ok(
            json!({"event": "undelegated", "delegator": delegator, "validator": validator, "amount": self.fmt(change.amount),
                  "rewards_paid": self.fmt(change.rewards_paid),
                  "completes_epoch": now.plus(self.staking.params().unbonding_epochs).0}),
        )
    }

    fn withdraw_rewards(&mut self, delegator: &str, validator: &str) -> Result<Value, Rejection> {
        let (d, v) = (self.account(delegator)?, self.validator(validator)?);
        let paid = self.staking.withdraw_rewards(&mut self.ledger, d, v)?;
        Ok(
            json!({"event": "rewards_withdrawn", "delegator": delegator, "validator": validator, "amount": self.fmt(paid)}),
        )
    }

    fn withdraw_commission(&mut self, validator: &str) -> Result<Value, Rejection> {
        let v = self.validator(validator)?;
        let paid = self.staking.withdraw_commission(&mut self.ledger, v)?;
        Ok(
            json!({"event": "commission_withdrawn", "validator": validator, "amount": self.fmt(paid)}),
        )
    }

    fn slash(
        &mut self,
        validator: &str,
        fraction: &Qty,
        infraction: Epoch,
    ) -> Result<Value, Rejection> {
        let (v, f) = (self.validator(validator)?, ppm(fraction)?);
        let sink = SlashSink::Pool(self.pools.slashed);
        let s = self.staking.slash(&mut self.ledger, v, f, infraction, self.epoch, sink)?;
        Ok(
            json!({"event": "slashed", "validator": validator, "bonded": self.fmt(s.bonded), "unbonding": self.fmt(s.unbonding)}),
        )
    }
}

/// Converts a fraction such as `"0.01"` to parts per million.
fn ppm(q: &Qty) -> Result<u32, Rejection> {
    Ok(q.to_ppm()?)
}

impl Economy for Toy {
    const NAME: &'static str = "toy";
    type Genesis = ToyGenesis;
    type Action = ToyAction;
    type Event = Value;
    type Error = Rejection;
    type Report = Value;

    fn from_genesis(g: ToyGenesis) -> Result<Toy, Rejection> {
        if g.decimals > 30 {
            return Err(Error::InvalidParameter {
                name: "decimals".into(),
                value: g.decimals.to_string(),
                reason: "at most 30".into(),
            }
            .into());
        }
        let meta = TokenMeta::new(&g.symbol, g.decimals);
        let mut ledger = Ledger::new();
        let token = ledger.add_token(meta.clone(), g.cap.to_amount(&meta)?)?;
        let pools = ToyPools {
            emission: ledger.add_pool("emission")?,
            dust: ledger.add_pool("dust")?,
            forfeits: ledger.add_pool("forfeits")?,
            slashed: ledger.add_pool("slashed")?,
        };
        let locks = LockQueue::new(token, ledger.add_pool("locked")?, LOCK_CHUNKS_MAX);
        let params = StakingParams {
            unbonding_epochs: g.unbonding_epochs,
            max_unbonding_entries: 7,
            min_self_bond: Amount(1),
            max_validators: 100,
        };
        let staking = Staking::new(&mut ledger, token, "staking", params)?;
        let schedule = EmissionSchedule::Geometric {
            initial: g.epoch_reward.to_amount(&meta)?,
            ratio_num: 1,
            ratio_den: 2,
            period_epochs: g.halving_epochs,
            split: vec![10_000],
            floor: Amount(1),
            cap: None,
        };
        schedule.validate()?;
        let mut toy = Toy {
            ledger,
            token,
            names: Vec::new(),
            ids: BTreeMap::new(),
            locks,
            staking,
            schedule,
            emitted: Amount::ZERO,
            epoch: Epoch(0),
            pools,
        };
        for (name, balance) in &g.accounts {
            let id = toy.ledger.open_account()?;
            toy.names.push(name.clone());
            toy.ids.insert(name.clone(), id);
            toy.ledger.mint(token, id.into(), balance.to_amount(&meta)?)?;
        }
        Ok(toy)
    }

    fn rejection(&self, error: Rejection) -> Rejection {
        error
    }

    fn apply(&mut self, action: &ToyAction) -> Result<Vec<Value>, Rejection> {
        let event = match action {
            ToyAction::Open { account } => self.open(account)?,
            ToyAction::Transfer { from, to, amount } => self.transfer(from, to, amount)?,
            ToyAction::Burn { from, amount } => self.burn(from, amount)?,
            ToyAction::Lock { account, amount, epochs } => self.lock(account, amount, *epochs)?,
            ToyAction::Forfeit { account } => self.forfeit(account)?,
            ToyAction::CreateValidator { operator, self_bond, commission } => {
                self.create_validator(operator, self_bond, commission)?
            }
            ToyAction::Delegate { delegator, validator, amount } => {
                self.delegate(delegator, validator, amount)?
            }
            ToyAction::Undelegate { delegator, validator, amount } => {
                self.undelegate(delegator, validator, amount)?
            }
            ToyAction::WithdrawRewards { delegator, validator } => {
                self.withdraw_rewards(delegator, validator)?
            }
            ToyAction::WithdrawCommission { validator } => self.withdraw_commission(validator)?,
            ToyAction::Slash { validator, fraction, infraction_epoch } => {
                self.slash(validator, fraction, Epoch(*infraction_epoch))?
            }
        };
        Ok(vec![event])
    }

    fn end_epoch(&mut self) -> Result<Value, Violation> {
        let bug = |e: Error| Violation::new("toy epoch", e.to_string());
        let t = self.token;
        let reward = self.schedule.emission(self.epoch.0, self.emitted).amount();
        let reward = reward.min(self.ledger.reserve(t).map_err(bug)?);
        let emission = Holder::Pool(self.pools.emission);
        self.ledger.mint(t, emission, reward).map_err(bug)?;
        self.emitted = self.emitted.checked_add(reward).map_err(bug)?;
        let available = self.ledger.balance(t, emission).map_err(bug)?;
        let parts = if self.staking.total_voting_power().is_zero() {
            Vec::new() // nobody to pay: the emission waits in its pool
        } else {
            self.staking
                .distribute_by_power(&mut self.ledger, emission, available, self.pools.dust.into())
                .map_err(bug)?
        };
        self.epoch = self.epoch.plus(1);
        let released = self.locks.release_due(&mut self.ledger, self.epoch).map_err(bug)?;
        let unbonded =
            self.staking.complete_unbonding(&mut self.ledger, self.epoch).map_err(bug)?;
        let named = |v: ValidatorId| {
            self.staking
                .validator(v)
                .map(|x| self.name(x.operator()).to_owned())
                .unwrap_or_default()
        };
        Ok(json!({
            "emitted": self.fmt(reward),
            "validator_rewards": parts.iter().map(|(v, a)| json!({"validator": named(*v), "amount": self.fmt(*a)})).collect::<Vec<_>>(),
            "released": released.iter().map(|r| json!({"account": self.name(r.owner), "amount": self.fmt(r.amount)})).collect::<Vec<_>>(),
            "unbonded": unbonded.iter().map(|(a, x)| json!({"account": self.name(*a), "amount": self.fmt(*x)})).collect::<Vec<_>>(),
        }))
    }

    fn epoch(&self) -> Epoch {
        self.epoch
    }

    fn metrics(&self) -> Vec<Metric> {
        let d = self.meta().decimals;
        let amount = |raw: Amount| MetricValue::Amount { raw: raw.0, decimals: d };
        vec![
            Metric { name: "emitted", value: amount(self.emitted) },
            Metric {
                name: "supply",
                value: amount(self.ledger.supply(self.token).unwrap_or_default()),
            },
            Metric { name: "bonded", value: amount(self.staking.total_voting_power()) },
            Metric { name: "locked", value: amount(self.locks.total()) },
            Metric {
                name: "accounts",
                value: MetricValue::Count(u64::from(self.ledger.account_count())),
            },
        ]
    }

    fn check_invariants(&self) -> Result<(), Violation> {
        self.ledger.check_conservation()?;
        self.locks.check_invariants(&self.ledger)?;
        self.staking.check_invariants(&self.ledger)
    }

    fn snapshot(&self) -> Value {
        let t = self.token;
        let bal = |h: Holder| self.fmt(self.ledger.balance(t, h).unwrap_or_default());
        let accounts: BTreeMap<&str, Value> = self
            .ids
            .iter()
            .map(|(name, id)| (name.as_str(), json!({"balance": bal((*id).into()), "locked": self.fmt(self.locks.locked_of(*id))})))
            .collect();
        let pools: BTreeMap<&str, String> = self
            .ledger
            .pool_ids()
            .map(|p| (self.ledger.pool_name(p).unwrap_or("?"), bal(p.into())))
            .collect();
        let validators: Vec<Value> = self
            .staking
            .validators()
            .map(|(_, v)| {
                let delegations: BTreeMap<&str, String> =
                    v.delegations().holders().map(|(d, _)| (self.name(d), self.fmt(v.delegation_value(d)))).collect();
                json!({"operator": self.name(v.operator()), "tokens": self.fmt(v.tokens()), "commission_ppm": v.commission_ppm(),
                       "jailed": v.is_jailed(), "commission_balance": self.fmt(v.commission_balance()), "delegations": delegations})
            })
            .collect();
        json!({
            "epoch": self.epoch.0,
            "token": {"symbol": self.meta().symbol, "decimals": self.meta().decimals,
                      "cap": self.fmt(self.ledger.cap(t).unwrap_or_default()),
                      "minted": self.fmt(self.ledger.minted(t).unwrap_or_default()),
                      "burned": self.fmt(self.ledger.burned(t).unwrap_or_default())},
            "emitted": self.fmt(self.emitted),
            "accounts": accounts,
            "pools": pools,
            "validators": validators,
        })
    }
}
