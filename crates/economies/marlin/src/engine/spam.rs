//! Spam prevention, paper profile only (spec marlin.md, "Spam prevention (paper)"; seed 002, "Spam
//! prevention"). The deployed contracts have none: every operation here is refused under
//! `deployed` (`not_in_profile`).
//!
//! - Deposits. A producer posts POND as a deposit (the `deposits` pool); an attester may post it
//!   for a producer, who pays the attester a fee at once. A producer's deposit `D` is the sum of
//!   what every owner posted for it.
//! - Time. Replay expresses time within a day as `second` (0 ≤ second < 86,400) of the current day
//!   (the epoch); the quota window of a message is `⌊(day·86400 + second) / window_secs⌋` (default
//!   600 s), so windows need not divide the day.
//! - Quota. Each message of `size` bytes uses `size × stake_per_byte` of `D` within its window: an
//!   attestation signs the range `[offset, offset + cost)` of the deposit, by default the next
//!   free offset of the window. A range that ends beyond `D` is dropped (the rate limit) and
//!   counted, messages and bytes; an honest producer's ranges never overlap.
//! - Proofs. A checker proves spam with two different attestations of one producer in the same
//!   window whose ranges overlap (the same attestation twice is not a proof), or with one
//!   attestation it judged spam. The producer's whole deposit (every owner's part) is slashed: the
//!   checker gets `⌊slashed × checker_bp / 10,000⌋` (default 10%), the rest is burned.
//! - Attestations are kept `proof_days` days after the last day of their window (proofs must
//!   come by then), and go with a slash of their producer (evidence slashes once); a deposit may
//!   be withdrawn once its producer's last window is that old.
//!
//! The POND locked in deposits is the `deposits` pool's balance (state `spam.locked`, metric
//! `spam_deposits_locked`).

use ergon_core::txn::{Keyed, Snapshot};
use ergon_core::{AccountId, Amount, Holder};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::engine::Marlin;
use crate::engine::error::{MarlinError, Result};
use crate::engine::params::{BP_ONE, Profile};
use crate::engine::units::{de, de_count, ser, ser_count};

/// Seconds in a day.
pub const DAY_SECS: u64 = 86_400;

/// One signed use of a producer's deposit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attestation {
    /// The producer (left out of the JSON view).
    pub producer: AccountId,
    /// The quota window.
    pub window: u64,
    /// The day it was made.
    pub day: u64,
    /// Start of its range of the deposit, base units.
    pub start: Amount,
    /// End of its range (exclusive).
    pub end: Amount,
}

/// `{window, day, start, end}`, the range in token units; in a binary format (a saved state)
/// every field, the producer first.
impl Serialize for Attestation {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if !s.is_human_readable() {
            return (self.producer, self.window, self.day, self.start, self.end).serialize(s);
        }
        let mut st = s.serialize_struct("Attestation", 4)?;
        st.serialize_field("window", &self.window)?;
        st.serialize_field("day", &self.day)?;
        st.serialize_field("start", &crate::engine::units::fmt(self.start))?;
        st.serialize_field("end", &crate::engine::units::fmt(self.end))?;
        st.end()
    }
}

/// Reads back a saved state only (the JSON form is a view).
impl<'de> Deserialize<'de> for Attestation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        if d.is_human_readable() {
            return Err(serde::de::Error::custom(
                "an attestation reads back from a saved state only",
            ));
        }
        let (producer, window, day, start, end) = Deserialize::deserialize(d)?;
        Ok(Attestation { producer, window, day, start, end })
    }
}

/// A producer's quota state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Producer {
    /// Its deposit, all owners.
    pub deposit: Amount,
    /// The latest window it used.
    pub window: u64,
    /// The next free offset in that window.
    pub next: Amount,
    /// The day of its last attestation (`None`: never).
    pub last_day: Option<u64>,
}

/// Counters of the spam flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpamBooks {
    /// Messages within quota.
    pub messages: u64,
    /// Messages dropped over quota.
    pub dropped_messages: u64,
    /// Bytes dropped over quota (a JSON number up to 2^64 − 1, a decimal string above: a
    /// JSON value holds no larger number).
    #[serde(serialize_with = "ser_count", deserialize_with = "de_count")]
    pub dropped_bytes: u128,
    /// Deposits slashed.
    #[serde(serialize_with = "ser", deserialize_with = "de")]
    pub slashed: Amount,
    /// Paid to checkers.
    #[serde(serialize_with = "ser", deserialize_with = "de")]
    pub to_checkers: Amount,
    /// Burned.
    #[serde(serialize_with = "ser", deserialize_with = "de")]
    pub burned: Amount,
    /// Fees paid by producers to attesters.
    #[serde(serialize_with = "ser", deserialize_with = "de")]
    pub attester_fees: Amount,
}

/// Deposits, producers, attestations and the books.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spam {
    /// (producer, owner) → POND posted.
    pub(crate) deposits: Keyed<(AccountId, AccountId), Amount>,
    pub(crate) producers: Keyed<AccountId, Producer>,
    pub(crate) attestations: Keyed<u64, Attestation>,
    pub(crate) next_id: Snapshot<u64>,
    pub(crate) books: Snapshot<SpamBooks>,
}

ergon_core::transactional!(Spam {
    deposits: Keyed<(AccountId, AccountId), Amount>,
    producers: Keyed<AccountId, Producer>,
    attestations: Keyed<u64, Attestation>,
    next_id: Snapshot<u64>,
    books: Snapshot<SpamBooks>,
});

impl Default for Spam {
    fn default() -> Spam {
        Spam {
            deposits: Keyed::new(),
            producers: Keyed::new(),
            attestations: Keyed::new(),
            next_id: Snapshot::new(0),
            books: Snapshot::new(SpamBooks::default()),
        }
    }
}

impl Spam {
    /// The counters.
    #[must_use]
    pub fn books(&self) -> &SpamBooks {
        self.books.get()
    }

    /// Producer `a`'s quota state.
    #[must_use]
    pub fn producer(&self, a: AccountId) -> Producer {
        self.producers.get(&a).copied().unwrap_or_default()
    }

    /// The id of the latest attestation made, if any.
    #[must_use]
    pub fn latest_id(&self) -> Option<u64> {
        self.next_id.get().checked_sub(1)
    }

    /// Attestation `id`, while kept.
    #[must_use]
    pub fn attestation(&self, id: u64) -> Option<&Attestation> {
        self.attestations.get(&id)
    }
}

/// What a message did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    /// Within quota: its attestation.
    Attested(u64, Attestation),
    /// Over quota: dropped.
    Dropped {
        /// The window.
        window: u64,
        /// The range's end it would have needed.
        needed: Amount,
        /// The deposit.
        deposit: Amount,
    },
}

/// What a slash did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slash {
    /// The producer.
    pub producer: AccountId,
    /// The deposit slashed.
    pub slashed: Amount,
    /// The checker's share.
    pub to_checker: Amount,
    /// Burned.
    pub burned: Amount,
}

/// The spam operations.
impl Marlin {
    fn paper_only(&self, op: &'static str) -> Result<()> {
        if self.params.profile != Profile::Paper {
            return Err(MarlinError::NotInProfile { op, profile: "deployed" });
        }
        Ok(())
    }

    /// Posts `x` POND of `owner` as deposit for `producer`; `fee` POND goes from the producer to
    /// the owner (an attester; 0 when the producer posts its own). Returns the producer's deposit.
    pub fn spam_deposit(
        &mut self,
        owner: AccountId,
        producer: AccountId,
        x: Amount,
        fee: Amount,
    ) -> Result<Amount> {
        self.paper_only("spam_deposit")?;
        if x.is_zero() {
            return Err(MarlinError::ZeroAmount { what: "deposit" });
        }
        // A producer posting its own deposit pays no attester: a fee would move nothing and
        // count as an attester fee.
        if owner == producer && !fee.is_zero() {
            let value = format!(
                "{} POND (a producer's own deposit has no attester to pay)",
                crate::engine::units::fmt(fee)
            );
            return Err(MarlinError::InvalidParameter { name: "fee", value });
        }
        let mut p = self.spam.producer(producer);
        p.deposit = p.deposit.checked_add(x)?;
        let key = (producer, owner);
        let mine = self.spam.deposits.get(&key).copied().unwrap_or_default().checked_add(x)?;
        let mut b = *self.spam.books.get();
        b.attester_fees = b.attester_fees.checked_add(fee)?;
        let (pond, pool) = (self.pond, Holder::Pool(self.deposits_pool));
        ergon_core::txn::atomic(self, |st| {
            st.ledger.transfer(pond, owner.into(), pool, x)?;
            st.ledger.transfer(pond, producer.into(), owner.into(), fee)?;
            st.spam.deposits.insert(key, mine);
            st.spam.producers.insert(producer, p);
            *st.spam.books.get_mut() = b;
            Ok(p.deposit)
        })
    }

    /// Withdraws `x` of what `owner` posted for `producer`, once the last day of the producer's
    /// last window is older than `proof_days`. Returns the producer's deposit.
    pub fn spam_withdraw(
        &mut self,
        owner: AccountId,
        producer: AccountId,
        x: Amount,
    ) -> Result<Amount> {
        self.paper_only("spam_withdraw")?;
        if x.is_zero() {
            return Err(MarlinError::ZeroAmount { what: "withdrawal" });
        }
        let mut p = self.spam.producer(producer);
        if p.last_day.is_some() {
            // The proof period of the producer's last window (close_spam).
            let last = self.window_last_day(p.window);
            let until = last.saturating_add(self.params.proof_days).saturating_add(1);
            if self.epoch.0 < until {
                return Err(MarlinError::DepositLocked { producer, until, today: self.epoch.0 });
            }
        }
        let key = (producer, owner);
        let have = self.spam.deposits.get(&key).copied().unwrap_or_default();
        let left = have.checked_sub(x).map_err(|_| MarlinError::DepositTooSmall {
            producer,
            owner,
            has: have,
            amount: x,
        })?;
        p.deposit = p.deposit.checked_sub(x)?;
        let (pond, pool) = (self.pond, Holder::Pool(self.deposits_pool));
        ergon_core::txn::atomic(self, |st| {
            st.ledger.transfer(pond, pool, owner.into(), x)?;
            if left.is_zero() {
                st.spam.deposits.remove(&key);
            } else {
                st.spam.deposits.insert(key, left);
            }
            st.spam.producers.insert(producer, p);
            Ok(p.deposit)
        })
    }

    /// A message of `size` bytes by `producer` at `second` of today, using the range from
    /// `offset` (default: the window's next free offset). Over quota it is dropped and counted.
    pub fn send_message(
        &mut self,
        producer: AccountId,
        second: u64,
        size: u64,
        offset: Option<Amount>,
    ) -> Result<Sent> {
        self.paper_only("send_message")?;
        if second >= DAY_SECS {
            return Err(MarlinError::InvalidParameter {
                name: "second",
                value: second.to_string(),
            });
        }
        if size == 0 {
            return Err(MarlinError::ZeroAmount { what: "message size" });
        }
        let day = self.epoch.0;
        let window = day.saturating_mul(DAY_SECS).saturating_add(second) / self.params.window_secs;
        let mut p = self.spam.producer(producer);
        if p.last_day.is_some() && window < p.window {
            return Err(MarlinError::TimeBackwards { producer, window, latest: p.window });
        }
        if p.last_day.is_none() || window > p.window {
            (p.window, p.next) = (window, Amount::ZERO);
        }
        let start = offset.unwrap_or(p.next);
        // A use that ends past 2^128 − 1 base units is past any deposit: dropped, as any use
        // over the deposit (its `needed` then reads 2^128 − 1).
        let end = (self.params.stake_per_byte.checked_mul_int(u128::from(size)))
            .and_then(|cost| start.checked_add(cost))
            .ok();
        let (end, past) = (end.unwrap_or(Amount(u128::MAX)), end.is_none());
        let mut b = *self.spam.books.get();
        if past || end > p.deposit {
            b.dropped_messages += 1;
            b.dropped_bytes = b.dropped_bytes.saturating_add(u128::from(size));
            *self.spam.books.get_mut() = b;
            return Ok(Sent::Dropped { window, needed: end, deposit: p.deposit });
        }
        b.messages += 1;
        p.next = p.next.max(end);
        p.last_day = Some(day);
        let id = *self.spam.next_id.get();
        let att = Attestation { producer, window, day, start, end };
        *self.spam.next_id.get_mut() = id + 1;
        self.spam.attestations.insert(id, att);
        self.spam.producers.insert(producer, p);
        *self.spam.books.get_mut() = b;
        Ok(Sent::Attested(id, att))
    }

    fn kept(&self, id: u64) -> Result<Attestation> {
        self.spam.attestations.get(&id).copied().ok_or(MarlinError::UnknownAttestation { id })
    }

    /// A proof of double use: attestations `a` and `b` (different) of one producer in one window
    /// with overlapping ranges. Slashes the producer.
    pub fn prove_spam(&mut self, checker: AccountId, a: u64, b: u64) -> Result<Slash> {
        self.paper_only("prove_spam")?;
        let (x, y) = (self.kept(a)?, self.kept(b)?);
        let why = if a == b {
            Some("the same attestation twice")
        } else if x.producer != y.producer {
            Some("different producers")
        } else if x.window != y.window {
            Some("different windows")
        } else if x.start >= y.end || y.start >= x.end {
            Some("the ranges do not overlap")
        } else {
            None
        };
        if let Some(why) = why {
            return Err(MarlinError::NotAProof { a, b, why });
        }
        self.slash(checker, x.producer)
    }

    /// A message judged spam by `checker`: slashes the attestation's producer.
    pub fn report_spam(&mut self, checker: AccountId, id: u64) -> Result<Slash> {
        self.paper_only("report_spam")?;
        let x = self.kept(id)?;
        self.slash(checker, x.producer)
    }

    fn slash(&mut self, checker: AccountId, producer: AccountId) -> Result<Slash> {
        let mut p = self.spam.producer(producer);
        if p.deposit.is_zero() {
            return Err(MarlinError::NothingToSlash { producer });
        }
        let slashed = p.deposit;
        let to_checker = Amount(crate::engine::rewards::mul_div_floor(
            slashed.0,
            u128::from(self.params.checker_bp),
            u128::from(BP_ONE),
        )?);
        let burned = slashed.checked_sub(to_checker)?;
        let mut b = *self.spam.books.get();
        b.slashed = b.slashed.checked_add(slashed)?;
        b.to_checkers = b.to_checkers.checked_add(to_checker)?;
        b.burned = b.burned.checked_add(burned)?;
        // The attestations below go, so nothing of the window is used any more: a new deposit
        // starts at offset 0.
        (p.deposit, p.next) = (Amount::ZERO, Amount::ZERO);
        let (pond, pool) = (self.pond, Holder::Pool(self.deposits_pool));
        let lo = (producer, AccountId(0));
        let hi = (producer, AccountId(u32::MAX));
        // The producer's attestations go with the deposit: evidence slashes once, never a
        // deposit posted after it (a rare event: the kept attestations are scanned).
        let used: Vec<u64> = (self.spam.attestations.iter())
            .filter(|(_, a)| a.producer == producer)
            .map(|(&id, _)| id)
            .collect();
        ergon_core::txn::atomic(self, |st| {
            while let Some((&k, _)) = st.spam.deposits.range(lo..=hi).next() {
                st.spam.deposits.remove(&k);
            }
            for id in &used {
                st.spam.attestations.remove(id);
            }
            st.ledger.transfer(pond, pool, checker.into(), to_checker)?;
            st.ledger.burn(pond, pool, burned)?;
            st.spam.producers.insert(producer, p);
            *st.spam.books.get_mut() = b;
            Ok(Slash { producer, slashed, to_checker, burned })
        })
    }

    /// The day's close of the spam flow: drops the attestations whose day plus `proof_days` is
    /// before the next day.
    pub(crate) fn close_spam(&mut self) {
        let Some(oldest) = (self.epoch.0 + 1).checked_sub(self.params.proof_days) else { return };
        // Attestations are listed in the order they were made, so their days never fall along
        // the list; their windows' last days may (producers' seconds need not rise together),
        // but a window ends at most a day after its attestation's day (windows are at most a
        // day long): those of the days before `oldest` are all that can have gone.
        let gone: Vec<u64> = self
            .spam
            .attestations
            .iter()
            .take_while(|(_, a)| a.day < oldest)
            .filter(|(_, a)| self.window_last_day(a.window) < oldest)
            .map(|(&id, _)| id)
            .collect();
        for id in gone {
            self.spam.attestations.remove(&id);
        }
    }

    /// The last day of quota window `window`: its proof period counts from there, so a window
    /// running past midnight keeps its first day's attestations as long as its second's.
    fn window_last_day(&self, window: u64) -> u64 {
        let end = window.saturating_add(1).saturating_mul(self.params.window_secs);
        end.saturating_sub(1) / DAY_SECS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The books' dropped bytes read back as written, in JSON (the view: a number up to
    /// 2^64 − 1, a string above) and in CBOR (the saved state), on both sides of 2^64.
    #[test]
    fn dropped_bytes_round_trip_past_two_to_the_64() {
        for bytes in [0, u128::from(u64::MAX), u128::from(u64::MAX) + 1, u128::MAX] {
            let books = SpamBooks { dropped_bytes: bytes, ..SpamBooks::default() };
            let json = serde_json::to_value(books).unwrap();
            let shown = &json["dropped_bytes"];
            assert_eq!(shown.is_string(), bytes > u128::from(u64::MAX), "{shown}");
            assert_eq!(serde_json::from_value::<SpamBooks>(json).unwrap(), books);
            let mut cbor = Vec::new();
            ciborium::into_writer(&books, &mut cbor).unwrap();
            assert_eq!(ciborium::from_reader::<SpamBooks, _>(&cbor[..]).unwrap(), books);
        }
    }
}
