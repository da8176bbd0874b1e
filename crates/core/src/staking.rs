//! [`Staking`]: validators with a self-bond and a commission, delegations, an unbonding queue,
//! slashing of bonded and unbonding stake, and rewards through [`RewardAccumulator`]s
//! (ARCHITECTURE, core "staking"). One aggregate serves Stratos's Hybrid DPoS validators (spec
//! stratos.md, "Validators"; 21-day unbonding on mainnet), Marlin's clusters (marlin.md,
//! "Staking": commission, delegations, a wait before undelegation) and Phala's stake pools
//! (phala.md, "Stake pools": the owner's commission).
//!
//! # Tokens
//! [`Staking::new`] registers three ledger pools, `{prefix}.bonded`, `{prefix}.unbonding` and
//! `{prefix}.rewards` (distributed, not yet withdrawn). Every movement goes through the
//! [`Ledger`], so its conservation holds, and [`Staking::check_invariants`] checks that
//! Σ validator tokens == bonded pool, Σ unbonding entries == unbonding pool, and rewards pool ==
//! Σ accumulator reserves + Σ unwithdrawn commission (≥ Σ owed). The pools belong to Staking:
//! nothing else may move tokens in or out of them.
//!
//! # Shares (Cosmos style)
//! A validator has `tokens` and delegation shares. The first delegation of an empty validator
//! mints one share per base unit; later ones mint `floor(X·total_shares/tokens)`. A delegation
//! is worth `floor(shares·tokens/total_shares)`. Slashing lowers `tokens`, never shares, so every
//! delegation loses the same fraction. The share price `tokens/total_shares` never exceeds 1, so
//! a delegation of X mints at least X shares. Undelegating X burns `ceil(X·total_shares/tokens)`
//! shares; whoever burns the last shares takes every remaining token (none is orphaned). The
//! self-bond is simply the operator's delegation.
//!
//! # Rewards
//! Each validator's delegation shares are the shares of its own [`RewardAccumulator`], so a
//! distribution costs O(1) per validator whatever the number of delegators, and slashing needs
//! no settlement. Commission is Cosmos's rule: `floor(amount·commission)` of every reward goes to
//! the operator's commission balance, the rest pro rata over all shares (self-bond included).
//! The seed's rule — commission only on the delegated part, the self-bond's part whole — gives
//! the same result: `c·A + (1−c)·A·s = A·s + c·A·(1−s)` (the worked-example test shows both).
//! Any change of a delegation settles it first and pays the settled reward to the delegator.
//!
//! # The bonded set
//! Of the validators not jailed, the `max_validators` with the most tokens are bonded (Cosmos
//! x/staking's `ApplyAndReturnValidatorSetUpdates` over its power index); ties go to the one
//! created first (the chain breaks them by operator address, which Ergon does not have). Only
//! bonded validators have voting power, so only they receive rewards by power; the others keep
//! their delegations, take new ones and may be created beyond the cap, as on the chain, and
//! enter the set when their tokens rank them in it ([`Staking::powers`]).
//!
//! # Jailing and slashing
//! A jailed validator has no voting power and receives no rewards; it still takes delegations,
//! as Cosmos's x/staking does ("it is possible to delegate to a jailed validator"), its
//! operator's too (so a self-bond that fell below `min_self_bond` — which jails, as in Cosmos —
//! can be topped up before [`Staking::unjail`]). Slashing (submodule `slashing`) takes
//! a fraction of the bonded tokens and of the unbonding entries created at or after the
//! infraction, into a pool or the burn; it never jails by itself.
//!
//! Submodules: `validator` (state and accessors), `distribution` (rewards in and out),
//! `slashing`, `unbonding` (the queue), `invariants` ([`Staking::check_invariants`]). Bound:
//! `max_unbonding_entries` on the queue.

mod distribution;
mod invariants;
mod slashing;
mod unbonding;
mod validator;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use distribution::ValidatorReward;
pub use slashing::{SlashSink, Slashed};
pub use unbonding::UnbondingEntry;
use unbonding::UnbondingQueue;
pub use validator::Validator;

use crate::Epoch;
use crate::amount::Amount;
use crate::arith::{Rounding, mul_div};
use crate::error::{Error, Result};
use crate::ledger::{AccountId, Holder, Ledger, PoolId, TokenId};
use crate::ratio::PerMill;
use crate::rewards::RewardAccumulator;
use crate::txn::{Keyed, Table};

/// Parts per million: 100% of a commission or slash fraction.
pub(crate) const PPM: u128 = 1_000_000;

/// A validator (Stratos validator, Marlin cluster, Phala pool): an index in creation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ValidatorId(pub u32);

/// The rules of one [`Staking`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakingParams {
    /// Epochs between an undelegation and its payment (Stratos mainnet: 21 days).
    pub unbonding_epochs: u64,
    /// Unbonding entries one delegator may hold at once with one validator (≥ 1; Cosmos
    /// x/staking `MaxEntries`, counted per delegator–validator pair).
    pub max_unbonding_entries: u32,
    /// The least self-bond of an active validator (≥ 1 base unit).
    pub min_self_bond: Amount,
    /// The size of the bonded set (≥ 1; module doc): Cosmos x/staking's `MaxValidators`.
    pub max_validators: u32,
}

impl StakingParams {
    /// Checks every bound; [`Error::InvalidParameter`] names the first one broken.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &str, value: String, reason: &str| {
            Err(Error::InvalidParameter { name: name.into(), value, reason: reason.into() })
        };
        if self.max_unbonding_entries == 0 {
            return bad("max_unbonding_entries", "0".into(), "must be at least 1");
        }
        if self.min_self_bond.is_zero() {
            return bad("min_self_bond", "0".into(), "must be at least one base unit");
        }
        if self.max_validators == 0 {
            return bad("max_validators", "0".into(), "must be at least 1");
        }
        Ok(())
    }
}

/// What a delegation or an undelegation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StakeChange {
    /// Shares minted (delegate) or burned (undelegate).
    pub shares: u128,
    /// Tokens bonded (delegate) or moved to the unbonding queue (undelegate).
    pub amount: Amount,
    /// Rewards settled by the change and paid to the delegator.
    pub rewards_paid: Amount,
    /// Undelegation only: the epoch the unbonding entry completes.
    pub completes: Option<Epoch>,
}

/// Validators, delegations, unbonding and reward distribution for one token. See the module doc.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Staking {
    token: TokenId,
    bonded_pool: PoolId,
    unbonding_pool: PoolId,
    rewards_pool: PoolId,
    params: StakingParams,
    validators: Table<Validator>,
    operators: Keyed<AccountId, ValidatorId>,
    unbonding: UnbondingQueue,
    /// Working memory of [`Staking::distribute_by_power`] (not part of the state).
    #[serde(skip)]
    planned: distribution::Planned,
}

crate::transactional!(Staking {
    validators: Table<Validator>,
    operators: Keyed<AccountId, ValidatorId>,
    unbonding: UnbondingQueue,
}; ignore token, bonded_pool, unbonding_pool, rewards_pool, params, planned);

impl Staking {
    /// Validates `params` and registers the pools `{prefix}.bonded`, `{prefix}.unbonding` and
    /// `{prefix}.rewards` for `token` ([`Error::Duplicate`] when one exists; then none is added).
    pub fn new(
        ledger: &mut Ledger,
        token: TokenId,
        prefix: &str,
        params: StakingParams,
    ) -> Result<Staking> {
        params.validate()?;
        ledger.token(token)?;
        let names = [
            format!("{prefix}.bonded"),
            format!("{prefix}.unbonding"),
            format!("{prefix}.rewards"),
        ];
        if let Some(name) = names.iter().find(|n| ledger.pool_by_name(n).is_some()) {
            return Err(Error::Duplicate { kind: "pool", name: name.clone() });
        }
        let [bonded, unbonding, rewards] = names;
        Ok(Staking {
            token,
            bonded_pool: ledger.add_pool(&bonded)?,
            unbonding_pool: ledger.add_pool(&unbonding)?,
            rewards_pool: ledger.add_pool(&rewards)?,
            params,
            validators: Table::new(),
            operators: Keyed::new(),
            unbonding: UnbondingQueue::default(),
            planned: distribution::Planned::default(),
        })
    }

    // ---- reading --------------------------------------------------------------------------

    /// The staked token.
    #[must_use]
    pub fn token(&self) -> TokenId {
        self.token
    }

    /// The rules.
    #[must_use]
    pub fn params(&self) -> &StakingParams {
        &self.params
    }

    /// The pools: (bonded, unbonding, rewards).
    #[must_use]
    pub fn pools(&self) -> (PoolId, PoolId, PoolId) {
        (self.bonded_pool, self.unbonding_pool, self.rewards_pool)
    }

    /// A validator ([`Error::Unknown`] for an id never created).
    pub fn validator(&self, id: ValidatorId) -> Result<&Validator> {
        self.validators.get(id.0 as usize).ok_or_else(|| unknown_validator(id))
    }

    /// Every validator, in id order.
    pub fn validators(&self) -> impl Iterator<Item = (ValidatorId, &Validator)> {
        self.validators.iter().enumerate().map(|(i, v)| (ValidatorId(i as u32), v))
    }

    /// Number of validators.
    #[must_use]
    pub fn validator_count(&self) -> u32 {
        self.validators.len() as u32
    }

    /// The validator `operator` runs, if any (one per operator).
    #[must_use]
    pub fn validator_of(&self, operator: AccountId) -> Option<ValidatorId> {
        self.operators.get(&operator).copied()
    }

    /// A validator's voting power: its tokens while in the bonded set, else zero (module doc).
    pub fn voting_power(&self, id: ValidatorId) -> Result<Amount> {
        let v = self.validator(id)?;
        Ok(power_under(self.bonded_cut(), id, v))
    }

    /// Σ voting power: the tokens of the bonded set. O(validators).
    #[must_use]
    pub fn total_voting_power(&self) -> Amount {
        self.powers_with_total().0
    }

    /// Every validator in id order with its voting power (module doc, "The bonded set"): the
    /// set found once, in O(validators) while it holds every validator not jailed, with a
    /// selection (and a list of them) beyond.
    pub fn powers(&self) -> impl Iterator<Item = (ValidatorId, &Validator, Amount)> {
        self.powers_with_total().1
    }

    /// Σ voting power and [`Staking::powers`], the bonded set found once for both (a
    /// distribution by power needs the sum before the parts).
    pub fn powers_with_total(
        &self,
    ) -> (Amount, impl Iterator<Item = (ValidatorId, &Validator, Amount)>) {
        let cut = self.bonded_cut();
        let total =
            self.validators().fold(0u128, |s, (id, v)| s.saturating_add(power_under(cut, id, v).0));
        (Amount(total), self.validators().map(move |(id, v)| (id, v, power_under(cut, id, v))))
    }

    /// The last bonded validator's tokens and id, when the validators not jailed are more than
    /// `max_validators` (a validator not jailed is bonded when its tokens are above those, or
    /// equal with an id not above); `None` when all of them are bonded.
    fn bonded_cut(&self) -> Option<(Amount, u32)> {
        let n = self.params.max_validators as usize;
        if self.validators.iter().filter(|v| !v.jailed).count() <= n {
            return None;
        }
        let mut ranked: Vec<(Amount, u32)> =
            self.validators().filter(|(_, v)| !v.jailed).map(|(id, v)| (v.tokens, id.0)).collect();
        // The most tokens first, then the earlier created; `n ≥ 1` (validated).
        let (_, cut, _) = ranked
            .select_nth_unstable_by(n.saturating_sub(1), |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        Some(*cut)
    }

    /// Unbonding entries in payment order.
    pub fn unbonding_entries(&self) -> impl Iterator<Item = &UnbondingEntry> {
        self.unbonding.iter()
    }

    /// Unbonding entries `delegator` holds, with every validator.
    #[must_use]
    pub fn unbonding_count(&self, delegator: AccountId) -> u32 {
        self.unbonding.count_all(delegator)
    }

    // ---- validators -----------------------------------------------------------------------

    /// Creates a validator run by `operator`, bonding `self_bond` from its account (beyond
    /// `max_validators` too: it is bonded when its tokens rank it in the set, module doc).
    /// Rejects a second validator for the same operator ([`Error::Duplicate`]), a commission
    /// above 100% ([`Error::RatioOutOfRange`]) and a self-bond below `min_self_bond`
    /// ([`Error::BelowMinimum`]).
    pub fn create_validator(
        &mut self,
        ledger: &mut Ledger,
        operator: AccountId,
        self_bond: Amount,
        commission: PerMill,
        epoch: Epoch,
    ) -> Result<ValidatorId> {
        if self.operators.contains_key(&operator) {
            return Err(Error::Duplicate {
                kind: "validator operator",
                name: format!("account:{}", operator.0),
            });
        }
        let commission_ppm = commission.parts();
        if self_bond < self.params.min_self_bond {
            return Err(Error::BelowMinimum {
                what: "self-bond",
                amount: self_bond,
                minimum: self.params.min_self_bond,
            });
        }
        let id = ValidatorId(self.validators.len() as u32);
        let mut delegations = RewardAccumulator::new();
        delegations.add_shares(operator, self_bond.0)?;
        ledger.transfer(self.token, operator.into(), self.bonded_pool.into(), self_bond)?;
        self.validators.push(Validator {
            operator,
            created: epoch,
            tokens: self_bond,
            commission_ppm,
            jailed: false,
            commission: Amount::ZERO,
            delegations,
        });
        self.operators.insert(operator, id);
        Ok(id)
    }

    /// Sets the commission for future rewards ([`Error::RatioOutOfRange`] above 100%).
    pub fn set_commission(&mut self, id: ValidatorId, commission: PerMill) -> Result<()> {
        self.validator_mut(id)?.commission_ppm = commission.parts();
        Ok(())
    }

    /// Jails a validator: no rewards, no voting power (it still takes delegations, as Cosmos).
    pub fn jail(&mut self, id: ValidatorId) -> Result<()> {
        let v = self.validator_mut(id)?;
        if v.jailed {
            return Err(Error::NotAllowed {
                reason: format!("validator {} is already jailed", id.0),
            });
        }
        v.jailed = true;
        Ok(())
    }

    /// Releases a jailed validator whose operator's self-bond is at least `min_self_bond`.
    pub fn unjail(&mut self, id: ValidatorId) -> Result<()> {
        let minimum = self.params.min_self_bond;
        let v = self.validator_mut(id)?;
        if !v.jailed {
            return Err(Error::NotAllowed { reason: format!("validator {} is not jailed", id.0) });
        }
        let self_bond = v.delegation_value(v.operator);
        if self_bond < minimum {
            return Err(Error::BelowMinimum { what: "self-bond", amount: self_bond, minimum });
        }
        v.jailed = false;
        Ok(())
    }

    // ---- delegations ----------------------------------------------------------------------

    /// Bonds `amount` from `delegator`'s account to `validator`, minting shares (module doc).
    /// Pending rewards of an existing delegation are settled and paid first. `epoch` is the
    /// epoch of the operation (kept for a uniform, replayable signature).
    /// Rejects zero and a validator whose tokens were all slashed away while shares remain
    /// ([`Error::NotAllowed`]); a jailed validator takes delegations (module doc).
    pub fn delegate(
        &mut self,
        ledger: &mut Ledger,
        delegator: AccountId,
        validator: ValidatorId,
        amount: Amount,
        epoch: Epoch,
    ) -> Result<StakeChange> {
        let _ = epoch;
        if amount.is_zero() {
            return Err(Error::BelowMinimum { what: "delegation", amount, minimum: Amount(1) });
        }
        let (token, bonded, rewards) = (self.token, self.bonded_pool, self.rewards_pool);
        let v = self.validator_mut(validator)?;
        let total = v.total_shares();
        let shares = match (total, v.tokens.0) {
            (0, _) => amount.0,
            (_, 0) => {
                return Err(Error::NotAllowed {
                    reason: format!("validator {} has shares but no tokens left", validator.0),
                });
            }
            (_, tokens) => mul_div(amount.0, total, tokens, Rounding::Down)?,
        };
        let tokens = v.tokens.checked_add(amount)?;
        let paid = v.delegations.pending(delegator);
        ledger.atomic(|l| -> Result<()> {
            l.transfer(token, delegator.into(), bonded.into(), amount)?;
            l.transfer(token, rewards.into(), delegator.into(), paid)?;
            v.delegations.add_shares(delegator, shares)?;
            Ok(())
        })?;
        v.tokens = tokens;
        Ok(StakeChange { shares, amount, rewards_paid: paid, completes: None })
    }

    /// Starts unbonding `amount` of `delegator`'s delegation to `validator`: burns
    /// ceil(amount·total_shares/tokens) shares (rewards stop at once; pending ones are paid),
    /// moves the tokens bonded → unbonding pool and queues an entry completing at
    /// `epoch + unbonding_epochs`. When the operator's self-bond falls below `min_self_bond`
    /// the validator is jailed (Cosmos). Rejects zero, more than the delegation is worth
    /// ([`Error::InsufficientStake`]) and a full queue ([`Error::LimitReached`]).
    pub fn undelegate(
        &mut self,
        ledger: &mut Ledger,
        delegator: AccountId,
        validator: ValidatorId,
        amount: Amount,
        epoch: Epoch,
    ) -> Result<StakeChange> {
        if amount.is_zero() {
            return Err(Error::BelowMinimum { what: "undelegation", amount, minimum: Amount(1) });
        }
        let (token, bonded, unbonding, rewards) =
            (self.token, self.bonded_pool, self.unbonding_pool, self.rewards_pool);
        let (limit, min_self_bond) = (self.params.max_unbonding_entries, self.params.min_self_bond);
        let v = self
            .validators
            .try_get_mut(validator.0 as usize)
            .ok_or_else(|| unknown_validator(validator))?;
        let (held, total) = (v.shares_of(delegator), v.total_shares());
        let available = v.value_of_shares(held);
        if amount > available {
            return Err(Error::InsufficientStake {
                delegator: delegator.0,
                validator: validator.0,
                needed: amount,
                available,
            });
        }
        self.unbonding.check_room(delegator, validator, limit)?;
        // amount ≤ held·tokens/total ⇒ the ceiling is at most held (the min is a guard).
        let burn = mul_div(amount.0, total, v.tokens.0, Rounding::Up)?.min(held);
        let moved = if burn == total { v.tokens } else { amount };
        let completes = epoch.plus(self.params.unbonding_epochs);
        let paid = v.delegations.pending(delegator);
        ledger.atomic(|l| -> Result<()> {
            l.transfer(token, bonded.into(), unbonding.into(), moved)?;
            l.transfer(token, rewards.into(), delegator.into(), paid)?;
            v.delegations.remove_shares(delegator, burn)?;
            Ok(())
        })?;
        v.tokens = v.tokens.saturating_sub(moved);
        if delegator == v.operator && !v.jailed && v.delegation_value(delegator) < min_self_bond {
            v.jailed = true;
        }
        self.unbonding.push(UnbondingEntry {
            delegator,
            validator,
            created: epoch,
            completes,
            amount: moved,
        });
        Ok(StakeChange {
            shares: burn,
            amount: moved,
            rewards_paid: paid,
            completes: Some(completes),
        })
    }

    /// Pays every unbonding entry that has completed by `now`, in order of completion epoch,
    /// from the unbonding pool to the delegators' accounts. Returns the payments (entries
    /// slashed to zero are removed without one). O(log n + matured).
    pub fn complete_unbonding(
        &mut self,
        ledger: &mut Ledger,
        now: Epoch,
    ) -> Result<Vec<(AccountId, Amount)>> {
        let (token, unbonding) = (self.token, self.unbonding_pool);
        let payments: Vec<(AccountId, Amount)> = self
            .unbonding
            .matured(now)
            .filter(|e| !e.amount.is_zero())
            .map(|e| (e.delegator, e.amount))
            .collect();
        ledger.atomic(|l| -> Result<()> {
            for (account, amount) in &payments {
                l.transfer(token, unbonding.into(), (*account).into(), *amount)?;
            }
            Ok(())
        })?;
        self.unbonding.take_matured(now);
        Ok(payments)
    }

    // ---- internals ------------------------------------------------------------------------

    /// Rejects a staking pool as the other side of a reward or slash movement: moving tokens
    /// between Staking's own pools outside its books would break its invariants.
    fn check_outside(&self, holder: Holder, name: &str) -> Result<()> {
        match holder {
            Holder::Pool(p)
                if [self.bonded_pool, self.unbonding_pool, self.rewards_pool].contains(&p) =>
            {
                Err(Error::InvalidParameter {
                    name: name.into(),
                    value: format!("pool:{}", p.0),
                    reason: "cannot be one of Staking's own pools".into(),
                })
            }
            _ => Ok(()),
        }
    }

    fn validator_mut(&mut self, id: ValidatorId) -> Result<&mut Validator> {
        self.validators.try_get_mut(id.0 as usize).ok_or_else(|| unknown_validator(id))
    }
}

fn unknown_validator(id: ValidatorId) -> Error {
    Error::Unknown { kind: "validator", id: id.0.to_string() }
}

/// Rejects parts per million above 100%.
fn check_ppm(ppm: u32) -> Result<()> {
    if u128::from(ppm) > PPM {
        return Err(Error::RatioOutOfRange { parts: u64::from(ppm), max: PPM as u64 });
    }
    Ok(())
}

/// Validator `id`'s voting power under the bonded set's `cut` ([`Staking::bonded_cut`]).
fn power_under(cut: Option<(Amount, u32)>, id: ValidatorId, v: &Validator) -> Amount {
    let bonded =
        !v.jailed && cut.is_none_or(|(t, last)| v.tokens > t || (v.tokens == t && id.0 <= last));
    if bonded { v.tokens } else { Amount::ZERO }
}
