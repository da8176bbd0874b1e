//! The unbonding queue of [`Staking`](super::Staking): stake on its way out, ordered by the epoch
//! it completes at (ARCHITECTURE, "Locks and unbonding are time-ordered queues"; Stratos 21-day
//! unbonding, Marlin's wait before undelegation).
//!
//! Entries live in a `BTreeMap` keyed by (completion epoch, sequence number), so paying the
//! matured ones costs O(log n + matured). Each delegator may hold a bounded number of entries
//! with each validator (Cosmos x/staking `MaxEntries`, counted per delegator–validator pair).
//! Slashing scans every entry: slashing is rare, and a per-validator index would cost every
//! undelegation a second map update.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ValidatorId;
use crate::Epoch;
use crate::amount::Amount;
use crate::arith::{Rounding, mul_div};
use crate::error::{Error, Result};
use crate::ledger::AccountId;
use crate::txn::{Keyed, Snapshot};

/// Stake leaving a validator: paid to `delegator` when `completes` is reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnbondingEntry {
    /// Who receives the tokens.
    pub delegator: AccountId,
    /// The validator the stake left (slashes for earlier infractions still reach it).
    pub validator: ValidatorId,
    /// The epoch of the undelegation.
    pub created: Epoch,
    /// The first epoch at which the entry may be paid.
    pub completes: Epoch,
    /// Base units still to be paid (reduced by slashing).
    pub amount: Amount,
}

/// The queue: entries by (completion epoch, sequence), and entry counts per delegator and
/// validator; every change journaled while a transaction is open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnbondingQueue {
    entries: Keyed<(Epoch, u64), UnbondingEntry>,
    next_seq: Snapshot<u64>,
    per_pair: Keyed<(AccountId, ValidatorId), u32>,
}

crate::transactional!(UnbondingQueue {
    entries: Keyed<(Epoch, u64), UnbondingEntry>,
    next_seq: Snapshot<u64>,
    per_pair: Keyed<(AccountId, ValidatorId), u32>,
});

/// Serialized as the entries in payment order (JSON maps cannot have tuple keys); in a binary
/// format (a saved state) as its three parts.
impl Serialize for UnbondingQueue {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if !s.is_human_readable() {
            return (&self.entries, &self.next_seq, &self.per_pair).serialize(s);
        }
        s.collect_seq(self.entries.values())
    }
}

/// Reads back a saved state only (the list of entries is a view).
impl<'de> Deserialize<'de> for UnbondingQueue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        if d.is_human_readable() {
            return Err(serde::de::Error::custom(
                "an unbonding queue reads back from a saved state only",
            ));
        }
        let (entries, next_seq, per_pair) = Deserialize::deserialize(d)?;
        Ok(UnbondingQueue { entries, next_seq, per_pair })
    }
}

/// Reductions of entries by a slash, computed before any change.
pub(crate) struct SlashPlan {
    cuts: Vec<((Epoch, u64), Amount)>,
    /// Σ of the cuts.
    pub(crate) total: Amount,
}

impl UnbondingQueue {
    /// Entries in payment order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &UnbondingEntry> {
        self.entries.values()
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Number of entries of `delegator` with `validator`.
    pub(crate) fn count_of(&self, delegator: AccountId, validator: ValidatorId) -> u32 {
        self.per_pair.get(&(delegator, validator)).copied().unwrap_or(0)
    }

    /// Number of entries of `delegator`, with every validator.
    pub(crate) fn count_all(&self, delegator: AccountId) -> u32 {
        let pairs = (delegator, ValidatorId(0))..=(delegator, ValidatorId(u32::MAX));
        self.per_pair.map().range(pairs).map(|(_, c)| *c).sum()
    }

    /// Counts per delegator and validator, for the invariant check.
    pub(crate) fn counts(&self) -> &BTreeMap<(AccountId, ValidatorId), u32> {
        self.per_pair.map()
    }

    /// Refuses a new entry for `delegator` with `validator` when the pair already holds `limit`
    /// (Cosmos `HasMaxUnbondingDelegationEntries`).
    pub(crate) fn check_room(
        &self,
        delegator: AccountId,
        validator: ValidatorId,
        limit: u32,
    ) -> Result<()> {
        if self.count_of(delegator, validator) >= limit {
            return Err(Error::LimitReached {
                what: format!(
                    "unbonding entries of account {} with validator {}",
                    delegator.0, validator.0
                ),
                limit: u64::from(limit),
            });
        }
        Ok(())
    }

    /// Appends an entry (room checked by [`Self::check_room`] first).
    pub(crate) fn push(&mut self, entry: UnbondingEntry) {
        let pair = (entry.delegator, entry.validator);
        let count = self.count_of(pair.0, pair.1).saturating_add(1);
        self.per_pair.insert(pair, count);
        let seq = *self.next_seq.get();
        self.entries.insert((entry.completes, seq), entry);
        *self.next_seq.get_mut() = seq.saturating_add(1);
    }

    /// The entries that have matured by `now`, in payment order, without removing them.
    pub(crate) fn matured(&self, now: Epoch) -> impl Iterator<Item = &UnbondingEntry> {
        self.entries.range(..=(now, u64::MAX)).map(|(_, e)| e)
    }

    /// Removes and returns the entries matured by `now`, in payment order.
    pub(crate) fn take_matured(&mut self, now: Epoch) -> Vec<UnbondingEntry> {
        let mut taken = Vec::new();
        while let Some((&key, _)) = self.entries.first().filter(|(k, _)| k.0 <= now) {
            let Some(e) = self.entries.remove(&key) else { break };
            let pair = (e.delegator, e.validator);
            match self.count_of(pair.0, pair.1) {
                0 | 1 => self.per_pair.remove(&pair),
                c => self.per_pair.insert(pair, c - 1),
            };
            taken.push(e);
        }
        taken
    }

    /// Computes the cut of `fraction_ppm` (floor) from every entry of `validator` created at or
    /// after `infraction` and not yet mature at `now`. O(entries).
    pub(crate) fn plan_slash(
        &self,
        validator: ValidatorId,
        fraction_ppm: u32,
        infraction: Epoch,
        now: Epoch,
    ) -> Result<SlashPlan> {
        let mut cuts = Vec::new();
        let mut total = Amount::ZERO;
        for (key, e) in self.entries.iter() {
            if e.validator != validator || e.created < infraction || e.completes <= now {
                continue;
            }
            let cut =
                Amount(mul_div(e.amount.0, u128::from(fraction_ppm), super::PPM, Rounding::Down)?);
            if !cut.is_zero() {
                total = total.checked_add(cut)?;
                cuts.push((*key, cut));
            }
        }
        Ok(SlashPlan { cuts, total })
    }

    /// Applies a plan made by [`Self::plan_slash`] on this unchanged queue.
    pub(crate) fn apply_slash(&mut self, plan: &SlashPlan) {
        for (key, cut) in &plan.cuts {
            if let Some(e) = self.entries.get(key) {
                let e = UnbondingEntry { amount: e.amount.saturating_sub(*cut), ..*e };
                self.entries.insert(*key, e);
            }
        }
    }
}
