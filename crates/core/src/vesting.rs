//! [`Vesting`]: rewards that accrue to stakes by a cumulative per-unit index and vest a fixed
//! number of epochs after the epoch that earned them — in O(1) an epoch, whatever the number of
//! stakes (ARCHITECTURE, "Scalable accounting"). Stratos's paper profile pays the node deposits'
//! share of the stake rewards this way (locked 14 days, then withdrawable).
//!
//! # Design
//! - `acc` is the cumulative reward per unit of stake, a `U256` scaled by
//!   [`crate::rewards::SCALE`] = 10^38, with the division's remainder kept as a `carry`, exactly
//!   as in [`crate::RewardAccumulator`]. [`Vesting::distribute`] never iterates the holders.
//! - `ring[e mod lag]` keeps `acc` as it stood at the end of epoch `e`, for the last `lag`
//!   epochs. In epoch `now`, the rewards of epochs `e ≤ now − lag` have vested: their index is
//!   `vested_acc = ring[now mod lag]` (zero before the first `lag` epochs have ended). This is
//!   the lock of [`crate::LockQueue`] with `release_at = e + lag`, released when epoch
//!   `e + lag` begins.
//! - A holder's stake history is a short list of segments: the open one (the current stake since
//!   its last change, `start` = `acc` then) and closed ones (a former stake between two index
//!   values) that still hold unvested rewards. A segment of stake `z` from `start` to `end`
//!   earns `total = floor(z·(end − start)/SCALE)`, of which
//!   `floor(z·(min(vested_acc, end) − start)⁺/SCALE)` has vested. Segments never restart their
//!   index when rewards are taken from them (they count what was credited instead), so the floor
//!   is taken once per segment, not once per withdrawal.
//! - Changing a stake closes the open segment and opens another; a closed segment is dropped
//!   once all of it has vested (folded into the holder's vested balance), so a holder has at
//!   most one segment more than its stake changes in the last `lag` epochs.
//! - Taking locked rewards away ([`Vesting::deduct`], newest first) lowers a closed segment's
//!   cap: its vested part becomes `min(vested, total − taken)`, so what is taken is exactly the
//!   part that would have vested last. [`Vesting::forfeit`] takes every locked unit.
//!
//! # Exactness
//! Per segment, the holder gets at most its exact pro-rata entitlement and less than one base
//! unit below it (plus the carry's `n·T/SCALE`, as in [`crate::RewardAccumulator`]). Every base
//! unit distributed is either owed to a holder (locked or vested), paid out, or dust:
//! `reserve = distributed − paid ≥ Σ owed`, and [`Vesting::dust`] is the difference.
//!
//! # Tokens
//! Accounting only, as [`crate::RewardAccumulator`]: the owner keeps `reserve()` in a pool and
//! moves exactly what the calls report.

use std::collections::BTreeMap;

use ruint::aliases::{U256, U512};

use crate::Epoch;
use crate::amount::Amount;
use crate::error::{Error, Result, overflow};
use crate::invariants::Violation;
use crate::rewards::{SCALE, accrue};
use crate::txn::{Journal, Journaled};

/// The longest vesting lag, epochs (the index history takes 32 bytes an epoch of lag).
pub const MAX_LAG: u64 = 1 << 24;

/// A stake held between two index values (`end` None: the open segment, up to `acc`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Segment {
    stake: u128,
    start: U256,
    end: Option<U256>,
    /// Locked rewards taken away by [`Vesting::deduct`].
    taken: Amount,
    /// Vested rewards already moved to the holder's vested balance.
    credited: Amount,
}

/// One holder: its stake now, its segments (oldest first; the open one last) and the vested
/// rewards credited to it and not yet withdrawn. The segments are a boxed slice, allocated to
/// their exact number: most holders have one, and a vector's first push would reserve four.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Entry {
    stake: u128,
    segments: Box<[Segment]>,
    vested: Amount,
}

impl Entry {
    /// Changes the segments as a vector, then stores them back at their exact length.
    fn edit_segments<T>(&mut self, f: impl FnOnce(&mut Vec<Segment>) -> T) -> T {
        let mut v = std::mem::take(&mut self.segments).into_vec();
        let out = f(&mut v);
        self.segments = v.into_boxed_slice();
        out
    }

    /// Appends `g` (the new open segment).
    fn push(&mut self, g: Segment) {
        self.edit_segments(|v| {
            v.reserve_exact(1);
            v.push(g);
        });
    }
}

/// A segment's rewards now, after what was taken: vested (credited or not) and locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Parts {
    vested: Amount,
    locked: Amount,
}

/// An undo record: a holder's entry and the totals before a change to it.
#[derive(Clone, Debug)]
pub(crate) struct Undo<K> {
    key: K,
    entry: Option<Entry>,
    total_stake: u128,
    paid: Amount,
    exact: U512,
}

/// Stake-weighted rewards with a vesting lag. See the module doc. Changes to holders are
/// journaled while a checkpoint is open ([`crate::txn::Transactional`]); [`Vesting::distribute`] and
/// [`Vesting::close_epoch`] belong to an epoch's close and are never called inside one.
#[derive(Clone, Debug)]
pub struct Vesting<K: Ord + Copy> {
    /// Epochs between the epoch that earns a reward and the epoch it is withdrawable in.
    lag: u64,
    /// The epoch now (the one whose rewards [`Vesting::distribute`] adds).
    epoch: Epoch,
    /// Cumulative reward per unit of stake, scaled by [`SCALE`].
    acc: U256,
    /// Remainder numerator of past distributions.
    carry: U256,
    /// `acc` at the end of epoch `e`, at `e mod lag`, for the last `lag` epochs.
    ring: Vec<U256>,
    total_stake: u128,
    /// Base units distributed over stakes.
    distributed: Amount,
    /// Base units that left: withdrawn, forfeited or deducted.
    paid: Amount,
    /// Σ [`exact_base`] over the holders, modulo 2^512: with `total_stake·acc` added, what
    /// every holder is owed before the floors, scaled by [`SCALE`] ([`Vesting::check_bound`]).
    exact: U512,
    entries: BTreeMap<K, Entry>,
    journal: Journal<Undo<K>>,
}

/// Two indexes are equal when their books are (open checkpoints aside).
impl<K: Ord + Copy> PartialEq for Vesting<K> {
    fn eq(&self, o: &Self) -> bool {
        (self.lag, self.epoch, self.acc, self.carry, &self.ring, self.total_stake)
            == (o.lag, o.epoch, o.acc, o.carry, &o.ring, o.total_stake)
            && (self.distributed, self.paid, &self.entries) == (o.distributed, o.paid, &o.entries)
    }
}
impl<K: Ord + Copy> Eq for Vesting<K> {}

impl<K: Ord + Copy> Journaled for Vesting<K> {
    type Undo = Undo<K>;
    fn journal(&mut self) -> &mut Journal<Undo<K>> {
        &mut self.journal
    }
    fn undo(&mut self, u: Undo<K>) {
        match u.entry {
            Some(e) => self.entries.insert(u.key, e),
            None => self.entries.remove(&u.key),
        };
        (self.total_stake, self.paid, self.exact) = (u.total_stake, u.paid, u.exact);
    }
}

impl<K: Ord + Copy> Vesting<K> {
    /// No holders, nothing distributed, starting at `epoch`, rewards vesting `lag` epochs after
    /// the epoch that earns them ([`Error::LimitReached`] above [`MAX_LAG`]).
    pub fn new(lag: u64, epoch: Epoch) -> Result<Self> {
        if lag > MAX_LAG {
            return Err(Error::LimitReached { what: "vesting lag, epochs".into(), limit: MAX_LAG });
        }
        let slots = lag as usize;
        Ok(Vesting {
            lag,
            epoch,
            acc: U256::ZERO,
            carry: U256::ZERO,
            ring: vec![U256::ZERO; slots],
            total_stake: 0,
            distributed: Amount::ZERO,
            paid: Amount::ZERO,
            exact: U512::ZERO,
            entries: BTreeMap::new(),
            journal: Journal::default(),
        })
    }

    // ---- reading --------------------------------------------------------------------------

    /// The vesting lag, epochs.
    #[must_use]
    pub fn lag(&self) -> u64 {
        self.lag
    }

    /// The epoch now.
    #[must_use]
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// Σ stakes.
    #[must_use]
    pub fn total_stake(&self) -> u128 {
        self.total_stake
    }

    /// The stake of `k` (zero for an unknown holder).
    #[must_use]
    pub fn stake(&self, k: K) -> u128 {
        self.entries.get(&k).map_or(0, |e| e.stake)
    }

    /// Holders with a stake or with rewards not yet withdrawn.
    #[must_use]
    pub fn holder_count(&self) -> usize {
        self.entries.len()
    }

    /// What the owner's pool must hold: distributed − paid.
    #[must_use]
    pub fn reserve(&self) -> Amount {
        self.distributed.saturating_sub(self.paid)
    }

    /// Base units distributed so far.
    #[must_use]
    pub fn distributed_total(&self) -> Amount {
        self.distributed
    }

    /// Rewards of `k` not yet vested.
    #[must_use]
    pub fn locked(&self, k: K) -> Amount {
        self.entries.get(&k).map_or(Amount::ZERO, |e| {
            e.segments.iter().fold(Amount::ZERO, |s, g| s.saturating_add(self.parts(g).locked))
        })
    }

    /// Rewards of `k` vested and not yet withdrawn: what [`Vesting::withdraw`] would pay.
    #[must_use]
    pub fn vested(&self, k: K) -> Amount {
        self.entries.get(&k).map_or(Amount::ZERO, |e| {
            e.segments.iter().fold(e.vested, |s, g| {
                s.saturating_add(self.parts(g).vested.saturating_sub(g.credited))
            })
        })
    }

    /// Σ (locked + vested) over every holder. O(holders).
    #[must_use]
    pub fn owed_total(&self) -> Amount {
        self.entries.keys().fold(Amount::ZERO, |s, &k| {
            s.saturating_add(self.locked(k)).saturating_add(self.vested(k))
        })
    }

    /// reserve − owed: the units the floors left that no holder can claim now. O(holders).
    #[must_use]
    pub fn dust(&self) -> Amount {
        self.reserve().saturating_sub(self.owed_total())
    }

    // ---- changing -------------------------------------------------------------------------

    /// Adds `amount` to the current epoch's rewards, over the current stakes, in O(1). Returns
    /// the undistributable part: the whole amount when nobody holds a stake, otherwise zero.
    pub fn distribute(&mut self, amount: Amount) -> Result<Amount> {
        assert!(!self.journal.open(), "rewards are distributed outside transactions");
        if self.total_stake == 0 {
            return Ok(amount);
        }
        if amount.is_zero() {
            return Ok(Amount::ZERO);
        }
        let distributed = self.distributed.checked_add(amount)?;
        (self.acc, self.carry) = accrue(self.acc, self.carry, amount, self.total_stake)?;
        self.distributed = distributed;
        Ok(Amount::ZERO)
    }

    /// Ends the epoch: its rewards start their lag.
    pub fn close_epoch(&mut self) {
        assert!(!self.journal.open(), "an epoch is closed outside transactions");
        if self.lag > 0 {
            self.ring[(self.epoch.0 % self.lag) as usize] = self.acc;
        }
        self.epoch = self.epoch.plus(1);
    }

    /// Sets the stake of `k` from now on (its earlier rewards keep vesting on their dates).
    pub fn set_stake(&mut self, k: K, stake: u128) -> Result<()> {
        let old = self.stake(k);
        if old == stake {
            return Ok(());
        }
        let total = (self.total_stake - old).checked_add(stake).ok_or_else(|| overflow("stake"))?;
        let mut e = self.take(k).unwrap_or_default();
        self.credit(&mut e);
        self.close_open(&mut e);
        if stake > 0 {
            e.push(self.open_segment(stake));
        }
        e.stake = stake;
        self.total_stake = total;
        self.put(k, e);
        Ok(())
    }

    /// Pays `k` its vested rewards: returns what the caller moves from its pool to `k` (the
    /// amount [`Vesting::vested`] reported). Cannot fail: what it pays is part of the reserve.
    pub fn withdraw(&mut self, k: K) -> Amount {
        let Some(mut e) = self.take(k) else { return Amount::ZERO };
        self.credit(&mut e);
        let out = std::mem::take(&mut e.vested);
        // paid + out ≤ distributed (every claim is covered by the reserve).
        self.paid = self.paid.saturating_add(out);
        self.put(k, e);
        out
    }

    /// Takes away every locked reward of `k` (what has vested stays withdrawable): returns what
    /// the caller moves from its pool back to where the rewards came from.
    pub fn forfeit(&mut self, k: K) -> Result<Amount> {
        let Some(mut e) = self.take(k) else { return Ok(Amount::ZERO) };
        self.credit(&mut e);
        self.close_open(&mut e);
        let mut out = Amount::ZERO;
        for g in &e.segments {
            out = out.checked_add(self.parts(g).locked)?;
        }
        e.segments = Box::default();
        if e.stake > 0 {
            e.push(self.open_segment(e.stake));
        }
        self.paid = self.paid.checked_add(out)?;
        self.put(k, e);
        Ok(out)
    }

    /// Takes up to `amount` of `k`'s locked rewards, the ones that would vest last first:
    /// returns what was taken, which the caller moves from its pool.
    pub fn deduct(&mut self, k: K, amount: Amount) -> Result<Amount> {
        let Some(mut e) = self.take(k) else { return Ok(Amount::ZERO) };
        self.credit(&mut e);
        self.close_open(&mut e);
        let mut left = amount;
        let mut parts: Vec<Parts> = e.segments.iter().map(|g| self.parts(g)).collect();
        for (g, p) in e.segments.iter_mut().zip(&mut parts).rev() {
            let take = p.locked.min(left);
            g.taken = g.taken.checked_add(take)?;
            left = left.checked_sub(take)?;
            p.locked = p.locked.checked_sub(take)?;
        }
        let taken = amount.checked_sub(left)?;
        if e.stake > 0 {
            e.push(self.open_segment(e.stake));
        }
        self.paid = self.paid.checked_add(taken)?;
        self.put(k, e);
        Ok(taken)
    }

    // ---- invariants -----------------------------------------------------------------------

    /// Checks, in O(holders + segments): Σ stakes = total; each holder's open segment is its
    /// last, holds its stake, and exists exactly when the stake is non-zero; every segment lies
    /// within [0, acc] and has taken and credited no more than it earned; the reserve covers
    /// every claim (paid ≤ distributed, Σ owed ≤ reserve).
    pub fn check_invariants(&self) -> std::result::Result<(), Violation> {
        let mut total = 0u128;
        for e in self.entries.values() {
            total = total.saturating_add(e.stake);
            self.check_entry(e)?;
        }
        if total != self.total_stake {
            return fail(
                "vesting total stake",
                format!("Σ stakes {total} ≠ total {}", self.total_stake),
            );
        }
        if self.paid > self.distributed {
            return fail(
                "vesting reserve",
                format!("paid {} > distributed {}", self.paid, self.distributed),
            );
        }
        let owed = self.owed_total();
        if owed > self.reserve() {
            return fail(
                "vesting reserve",
                format!("Σ owed {owed} > distributed − paid {}", self.reserve()),
            );
        }
        let exact = self.entries.values().fold(U512::ZERO, |s, e| s.wrapping_add(exact_base(e)));
        if exact != self.exact {
            return fail("vesting exact owed", "the running sum differs from the holders'".into());
        }
        self.check_bound()
    }

    /// Checks in O(1) that the reserve covers every claim: paid ≤ distributed, and what the
    /// holders are owed before the floors (Σ stake·Δindex of their segments, less what was
    /// taken or credited, plus their vested balances), with the index's carry, is at most
    /// `SCALE · reserve`. Every distribution adds `amount·SCALE` to both sides (the carry
    /// taking up the division's remainder), a withdrawal or deduction takes as much from both,
    /// and a floor only widens the gap; so it holds exactly when no claim was made up, and it
    /// bounds Σ owed ≤ reserve, which [`Vesting::check_invariants`] recomputes over every
    /// holder.
    pub fn check_bound(&self) -> std::result::Result<(), Violation> {
        if self.paid > self.distributed {
            return fail(
                "vesting reserve",
                format!("paid {} > distributed {}", self.paid, self.distributed),
            );
        }
        let open = U512::from(self.total_stake).wrapping_mul(U512::from(self.acc));
        let owed = self.exact.wrapping_add(open).wrapping_add(U512::from(self.carry));
        if owed > U512::from(SCALE) * U512::from(self.reserve().0) {
            return fail(
                "vesting reserve",
                format!("exact claims {owed} > SCALE · reserve {}", self.reserve()),
            );
        }
        Ok(())
    }

    /// Checks holder `k`'s segments (as [`Vesting::check_invariants`] does for every holder):
    /// O(its segments).
    pub fn check_holder(&self, k: K) -> std::result::Result<(), Violation> {
        self.entries.get(&k).map_or(Ok(()), |e| self.check_entry(e))
    }

    /// Checks one holder: its open segment, each of its segments, and that it is not empty.
    fn check_entry(&self, e: &Entry) -> std::result::Result<(), Violation> {
        let open: Vec<usize> =
            (0..e.segments.len()).filter(|&i| e.segments[i].end.is_none()).collect();
        let expected = if e.stake > 0 { vec![e.segments.len() - 1] } else { Vec::new() };
        if open != expected
            || e.segments.last().is_some_and(|g| g.end.is_none() && g.stake != e.stake)
        {
            return fail(
                "vesting segments",
                format!("stake {} with open segments at {open:?} of {}", e.stake, e.segments.len()),
            );
        }
        for g in &e.segments {
            self.check_segment(g)?;
        }
        if e.stake == 0 && e.segments.is_empty() && e.vested.is_zero() {
            return fail("vesting holders", "an empty holder is kept".into());
        }
        Ok(())
    }

    /// Checks that a segment lies within [0, acc] and has taken and credited no more than it
    /// earned.
    fn check_segment(&self, g: &Segment) -> std::result::Result<(), Violation> {
        let end = g.end.unwrap_or(self.acc);
        if g.start > end || end > self.acc {
            return fail(
                "vesting segments",
                format!("segment {} → {end} outside [0, {}]", g.start, self.acc),
            );
        }
        let earned = amount_between(g.stake, g.start, end);
        if g.taken.0 > earned.0 || g.credited.0 > earned.0 - g.taken.0 {
            return fail(
                "vesting segments",
                format!("segment earned {earned}, took {} and credited {}", g.taken, g.credited),
            );
        }
        Ok(())
    }

    // ---- internals ------------------------------------------------------------------------

    /// The index up to which rewards have vested.
    fn vested_acc(&self) -> U256 {
        if self.lag == 0 {
            return self.acc;
        }
        self.ring[(self.epoch.0 % self.lag) as usize]
    }

    fn open_segment(&self, stake: u128) -> Segment {
        Segment { stake, start: self.acc, end: None, taken: Amount::ZERO, credited: Amount::ZERO }
    }

    /// A segment's vested (after what was taken, including what was credited) and locked parts.
    fn parts(&self, g: &Segment) -> Parts {
        let end = g.end.unwrap_or(self.acc);
        let earned = amount_between(g.stake, g.start, end);
        let cap = earned.saturating_sub(g.taken);
        let vested = amount_between(g.stake, g.start, self.vested_acc().min(end)).min(cap);
        Parts { vested, locked: cap.saturating_sub(vested) }
    }

    /// Moves every segment's newly vested rewards to the holder's balance and drops the closed
    /// segments with nothing left to vest.
    /// (Saturating sums: a holder's rewards are part of the reserve, below 2^128.)
    fn credit(&self, e: &mut Entry) {
        let mut vested = e.vested;
        e.edit_segments(|segments| {
            segments.retain_mut(|g| {
                let p = self.parts(g);
                vested = vested.saturating_add(p.vested.saturating_sub(g.credited));
                g.credited = p.vested;
                g.end.is_none() || !p.locked.is_zero()
            });
        });
        e.vested = vested;
    }

    /// Closes the open segment at `acc`. Called after [`Vesting::credit`], so a segment with
    /// nothing locked has vested and been credited in full: it is dropped.
    fn close_open(&self, e: &mut Entry) {
        let Some(g) = e.segments.last_mut().filter(|g| g.end.is_none()) else { return };
        g.end = Some(self.acc);
        if self.parts(g).locked.is_zero() {
            e.edit_segments(Vec::pop);
        }
    }

    /// Removes `k`'s entry for a change, journaling it and the totals.
    fn take(&mut self, k: K) -> Option<Entry> {
        let entry = self.entries.remove(&k);
        if self.journal.open() {
            let (total_stake, paid, exact) = (self.total_stake, self.paid, self.exact);
            self.journal.record(Undo { key: k, entry: entry.clone(), total_stake, paid, exact });
        }
        if let Some(e) = &entry {
            self.exact = self.exact.wrapping_sub(exact_base(e));
        }
        entry
    }

    /// Stores `e` back unless it is empty.
    fn put(&mut self, k: K, e: Entry) {
        self.exact = self.exact.wrapping_add(exact_base(&e));
        if e.stake > 0 || !e.segments.is_empty() || !e.vested.is_zero() {
            self.entries.insert(k, e);
        }
    }
}

/// A broken invariant `what`, explained by `detail`.
fn fail<T>(what: &'static str, detail: String) -> std::result::Result<T, Violation> {
    Err(Violation::new(what, detail))
}

/// A holder's claim before the floors, scaled by [`SCALE`], less `stake·acc` for its open
/// segment (which grows with the index; [`Vesting::check_bound`] adds `total_stake·acc`): its
/// vested balance, plus each closed segment's `stake·(end − start)`, less the open one's
/// `stake·start`, less what each segment had taken or credited. Modulo 2^512 (a term may be
/// negative; the sums the check compares are not).
fn exact_base(e: &Entry) -> U512 {
    let scale = U512::from(SCALE);
    let mut x = scale.wrapping_mul(U512::from(e.vested.0));
    for g in e.segments.iter() {
        let z = U512::from(g.stake);
        x = match g.end {
            Some(end) => x.wrapping_add(z.wrapping_mul(U512::from(end.saturating_sub(g.start)))),
            None => x.wrapping_sub(z.wrapping_mul(U512::from(g.start))),
        };
        let out = U512::from(g.taken.0).wrapping_add(U512::from(g.credited.0));
        x = x.wrapping_sub(scale.wrapping_mul(out));
    }
    x
}

/// floor(stake·(to − from)⁺ / SCALE).
fn amount_between(stake: u128, from: U256, to: U256) -> Amount {
    let d = to.saturating_sub(from);
    let q = (U512::from(stake) * U512::from(d)) / U512::from(SCALE);
    // q ≤ what was distributed while the stake was held, < 2^128.
    Amount(u128::try_from(q).unwrap_or(u128::MAX))
}

#[cfg(test)]
mod tests;
