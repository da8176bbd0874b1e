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
//! # Sources
//! `Vesting<K, N>` keeps `N` sources of rewards (e.g. two pools) over the same stakes in one
//! index: one holder entry and one segment list carry every source's index values, takes and
//! credits, so N sources cost one map entry and one allocation per holder, not N. Each source's
//! figures are exactly those of its own single-source index (its own `acc`, carry, floors and
//! reserve); only the bookkeeping is shared. A closed segment is dropped once nothing of it is
//! locked in any source (a source's fully vested and credited part contributes nothing).
//!
//! # Tokens
//! Accounting only, as [`crate::RewardAccumulator`]: the owner keeps `reserve()` in a pool and
//! moves exactly what the calls report.

use std::collections::BTreeMap;

use ruint::aliases::{U256, U512};

use crate::Epoch;
use crate::amount::Amount;
use crate::error::{Error, Result, overflow};
use crate::rewards::{SCALE, accrue};
use crate::txn::{Journal, Journaled};

mod check;

/// The longest vesting lag, epochs (the index history takes 32 bytes an epoch of lag and
/// source).
pub const MAX_LAG: u64 = 1 << 24;

/// A stake held between two index values of each source (`end` None: the open segment, up to
/// `acc`).
#[serde_with::serde_as]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Segment<const N: usize> {
    stake: u128,
    #[serde_as(as = "[_; N]")]
    start: [U256; N],
    #[serde_as(as = "Option<[_; N]>")]
    end: Option<[U256; N]>,
    /// Locked rewards taken away by [`Vesting::deduct`], by source.
    #[serde_as(as = "[_; N]")]
    taken: [Amount; N],
    /// Vested rewards already moved to the holder's vested balance, by source.
    #[serde_as(as = "[_; N]")]
    credited: [Amount; N],
}

/// One holder: its stake now, its segments (oldest first; the open one last) and the vested
/// rewards credited to it and not yet withdrawn, by source. The segments are a boxed slice,
/// allocated to their exact number: most holders have one, and a vector's first push would
/// reserve four.
#[serde_with::serde_as]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Entry<const N: usize> {
    stake: u128,
    segments: Box<[Segment<N>]>,
    #[serde_as(as = "[_; N]")]
    vested: [Amount; N],
}

impl<const N: usize> Default for Entry<N> {
    fn default() -> Self {
        Entry { stake: 0, segments: Box::default(), vested: [Amount::ZERO; N] }
    }
}

impl<const N: usize> Entry<N> {
    /// Changes the segments as a vector, then stores them back at their exact length.
    fn edit_segments<T>(&mut self, f: impl FnOnce(&mut Vec<Segment<N>>) -> T) -> T {
        let mut v = std::mem::take(&mut self.segments).into_vec();
        let out = f(&mut v);
        self.segments = v.into_boxed_slice();
        out
    }

    /// Appends `g` (the new open segment).
    fn push(&mut self, g: Segment<N>) {
        self.edit_segments(|v| {
            v.reserve_exact(1);
            v.push(g);
        });
    }

    /// Nothing staked, owed or credited: not kept.
    fn is_empty(&self) -> bool {
        self.stake == 0 && self.segments.is_empty() && self.vested.iter().all(|v| v.is_zero())
    }
}

/// A segment's rewards of one source now, after what was taken: vested (credited or not) and
/// locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Parts {
    vested: Amount,
    locked: Amount,
}

/// An undo record: a holder's entry and the totals before a change to it.
#[derive(Clone, Debug)]
pub(crate) struct Undo<K, const N: usize> {
    key: K,
    entry: Option<Entry<N>>,
    total_stake: u128,
    paid: [Amount; N],
    exact: [U512; N],
}

/// Stake-weighted rewards of `N` sources with a vesting lag. See the module doc. Changes to
/// holders are journaled while a checkpoint is open ([`crate::txn::Transactional`]);
/// [`Vesting::distribute_source`] and [`Vesting::close_epoch`] belong to an epoch's close and are
/// never called inside one.
#[serde_with::serde_as]
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Vesting<K: Ord + Copy, const N: usize = 1> {
    /// Epochs between the epoch that earns a reward and the epoch it is withdrawable in.
    lag: u64,
    /// The epoch now (the one whose rewards [`Vesting::distribute_source`] adds).
    epoch: Epoch,
    /// Cumulative reward per unit of stake, scaled by [`SCALE`], by source.
    #[serde_as(as = "[_; N]")]
    acc: [U256; N],
    /// Remainder numerator of past distributions, by source.
    #[serde_as(as = "[_; N]")]
    carry: [U256; N],
    /// `acc` at the end of epoch `e`, at `e mod lag`, for the last `lag` epochs.
    #[serde_as(as = "Vec<[_; N]>")]
    ring: Vec<[U256; N]>,
    total_stake: u128,
    /// Base units distributed over stakes, by source.
    #[serde_as(as = "[_; N]")]
    distributed: [Amount; N],
    /// Base units that left: withdrawn, forfeited or deducted, by source.
    #[serde_as(as = "[_; N]")]
    paid: [Amount; N],
    /// Σ [`check::exact_base`] over the holders, by source, modulo 2^512: with
    /// `total_stake·acc` added, what every holder is owed before the floors, scaled by
    /// [`SCALE`] ([`Vesting::check_bound`]).
    #[serde_as(as = "[_; N]")]
    exact: [U512; N],
    entries: BTreeMap<K, Entry<N>>,
    journal: Journal<Undo<K, N>>,
}

/// Two indexes are equal when their books are (open checkpoints aside).
impl<K: Ord + Copy, const N: usize> PartialEq for Vesting<K, N> {
    fn eq(&self, o: &Self) -> bool {
        (self.lag, self.epoch, self.acc, self.carry, &self.ring, self.total_stake)
            == (o.lag, o.epoch, o.acc, o.carry, &o.ring, o.total_stake)
            && (self.distributed, self.paid, &self.entries) == (o.distributed, o.paid, &o.entries)
    }
}
impl<K: Ord + Copy, const N: usize> Eq for Vesting<K, N> {}

impl<K: Ord + Copy, const N: usize> Journaled for Vesting<K, N> {
    type Undo = Undo<K, N>;
    fn journal(&mut self) -> &mut Journal<Undo<K, N>> {
        &mut self.journal
    }
    fn undo(&mut self, u: Undo<K, N>) {
        match u.entry {
            Some(e) => self.entries.insert(u.key, e),
            None => self.entries.remove(&u.key),
        };
        (self.total_stake, self.paid, self.exact) = (u.total_stake, u.paid, u.exact);
    }
}

impl<K: Ord + Copy> Vesting<K, 1> {
    /// Adds `amount` to the current epoch's rewards of the one source: see
    /// [`Vesting::distribute_source`].
    pub fn distribute(&mut self, amount: Amount) -> Result<Amount> {
        self.distribute_source(0, amount)
    }
}

/// Σ of `parts`, saturating (each is part of a reserve below 2^128).
fn sum<const N: usize>(parts: [Amount; N]) -> Amount {
    parts.into_iter().fold(Amount::ZERO, Amount::saturating_add)
}

impl<K: Ord + Copy, const N: usize> Vesting<K, N> {
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
            acc: [U256::ZERO; N],
            carry: [U256::ZERO; N],
            ring: vec![[U256::ZERO; N]; slots],
            total_stake: 0,
            distributed: [Amount::ZERO; N],
            paid: [Amount::ZERO; N],
            exact: [U512::ZERO; N],
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

    /// What the owner's pools must hold, by source: distributed − paid.
    #[must_use]
    pub fn reserves(&self) -> [Amount; N] {
        std::array::from_fn(|s| self.distributed[s].saturating_sub(self.paid[s]))
    }

    /// What the owner's pool must hold, every source: Σ (distributed − paid).
    #[must_use]
    pub fn reserve(&self) -> Amount {
        sum(self.reserves())
    }

    /// Base units distributed so far, every source.
    #[must_use]
    pub fn distributed_total(&self) -> Amount {
        sum(self.distributed)
    }

    /// Rewards of `k` not yet vested, by source.
    #[must_use]
    pub fn locked_by_source(&self, k: K) -> [Amount; N] {
        let mut out = [Amount::ZERO; N];
        if let Some(e) = self.entries.get(&k) {
            for g in e.segments.iter() {
                for (o, p) in out.iter_mut().zip(self.parts(g)) {
                    *o = o.saturating_add(p.locked);
                }
            }
        }
        out
    }

    /// Rewards of `k` vested and not yet withdrawn, by source.
    #[must_use]
    pub fn vested_by_source(&self, k: K) -> [Amount; N] {
        let Some(e) = self.entries.get(&k) else { return [Amount::ZERO; N] };
        let mut out = e.vested;
        for g in e.segments.iter() {
            for (s, p) in self.parts(g).into_iter().enumerate() {
                out[s] = out[s].saturating_add(p.vested.saturating_sub(g.credited[s]));
            }
        }
        out
    }

    /// Rewards of `k` not yet vested, every source.
    #[must_use]
    pub fn locked(&self, k: K) -> Amount {
        sum(self.locked_by_source(k))
    }

    /// Rewards of `k` vested and not yet withdrawn, every source: what [`Vesting::withdraw`]
    /// would pay.
    #[must_use]
    pub fn vested(&self, k: K) -> Amount {
        sum(self.vested_by_source(k))
    }

    /// Σ (locked + vested) over every holder, by source. O(holders).
    #[must_use]
    pub fn owed_by_source(&self) -> [Amount; N] {
        let mut out = [Amount::ZERO; N];
        for &k in self.entries.keys() {
            let (l, v) = (self.locked_by_source(k), self.vested_by_source(k));
            for s in 0..N {
                out[s] = out[s].saturating_add(l[s]).saturating_add(v[s]);
            }
        }
        out
    }

    /// Σ (locked + vested) over every holder and source. O(holders).
    #[must_use]
    pub fn owed_total(&self) -> Amount {
        sum(self.owed_by_source())
    }

    /// Σ over the sources of reserve − owed: the units the floors left that no holder can
    /// claim now. O(holders).
    #[must_use]
    pub fn dust(&self) -> Amount {
        let (r, o) = (self.reserves(), self.owed_by_source());
        sum::<N>(std::array::from_fn(|s| r[s].saturating_sub(o[s])))
    }

    // ---- changing -------------------------------------------------------------------------

    /// Adds `amount` to the current epoch's rewards of source `si` (below `N`), over the
    /// current stakes, in O(1). Returns the undistributable part: the whole amount when nobody
    /// holds a stake, otherwise zero.
    pub fn distribute_source(&mut self, si: usize, amount: Amount) -> Result<Amount> {
        assert!(!self.journal.open(), "rewards are distributed outside transactions");
        if self.total_stake == 0 {
            return Ok(amount);
        }
        if amount.is_zero() {
            return Ok(Amount::ZERO);
        }
        let distributed = self.distributed[si].checked_add(amount)?;
        (self.acc[si], self.carry[si]) =
            accrue(self.acc[si], self.carry[si], amount, self.total_stake)?;
        self.distributed[si] = distributed;
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

    /// Pays `k` its vested rewards of every source: returns what the caller moves from its
    /// pool to `k` (the amount [`Vesting::vested`] reported). Cannot fail: what it pays is part
    /// of the reserve.
    pub fn withdraw(&mut self, k: K) -> Amount {
        let Some(mut e) = self.take(k) else { return Amount::ZERO };
        self.credit(&mut e);
        let out = std::mem::replace(&mut e.vested, [Amount::ZERO; N]);
        // paid + out ≤ distributed (every claim is covered by the reserve).
        for (p, o) in self.paid.iter_mut().zip(out) {
            *p = p.saturating_add(o);
        }
        self.put(k, e);
        sum(out)
    }

    /// Takes away every locked reward of `k` (what has vested stays withdrawable): returns, by
    /// source, what the caller moves from its pool back to where the rewards came from.
    pub fn forfeit_by_source(&mut self, k: K) -> Result<[Amount; N]> {
        let Some(mut e) = self.take(k) else { return Ok([Amount::ZERO; N]) };
        self.credit(&mut e);
        self.close_open(&mut e);
        let mut out = [Amount::ZERO; N];
        for g in e.segments.iter() {
            for (o, p) in out.iter_mut().zip(self.parts(g)) {
                *o = o.checked_add(p.locked)?;
            }
        }
        e.segments = Box::default();
        if e.stake > 0 {
            e.push(self.open_segment(e.stake));
        }
        let mut paid = self.paid;
        for (p, o) in paid.iter_mut().zip(out) {
            *p = p.checked_add(o)?;
        }
        self.paid = paid;
        self.put(k, e);
        Ok(out)
    }

    /// [`Vesting::forfeit_by_source`], every source: the total.
    pub fn forfeit(&mut self, k: K) -> Result<Amount> {
        Ok(sum(self.forfeit_by_source(k)?))
    }

    /// Takes up to `amount` of `k`'s locked rewards, the ones that would vest last first —
    /// the last source's, newest first, then the one before it: returns what was taken, which
    /// the caller moves from its pool.
    pub fn deduct(&mut self, k: K, amount: Amount) -> Result<Amount> {
        let Some(mut e) = self.take(k) else { return Ok(Amount::ZERO) };
        self.credit(&mut e);
        self.close_open(&mut e);
        let mut left = amount;
        let mut paid = self.paid;
        for s in (0..N).rev() {
            let before = left;
            for i in (0..e.segments.len()).rev() {
                let take = self.parts(&e.segments[i])[s].locked.min(left);
                let g = &mut e.segments[i];
                g.taken[s] = g.taken[s].checked_add(take)?;
                left = left.checked_sub(take)?;
            }
            paid[s] = paid[s].checked_add(before.checked_sub(left)?)?;
        }
        let taken = amount.checked_sub(left)?;
        if e.stake > 0 {
            e.push(self.open_segment(e.stake));
        }
        self.paid = paid;
        self.put(k, e);
        Ok(taken)
    }

    // ---- internals ------------------------------------------------------------------------

    /// The index up to which rewards have vested, by source.
    fn vested_acc(&self) -> [U256; N] {
        if self.lag == 0 {
            return self.acc;
        }
        self.ring[(self.epoch.0 % self.lag) as usize]
    }

    fn open_segment(&self, stake: u128) -> Segment<N> {
        Segment {
            stake,
            start: self.acc,
            end: None,
            taken: [Amount::ZERO; N],
            credited: [Amount::ZERO; N],
        }
    }

    /// A segment's vested (after what was taken, including what was credited) and locked
    /// parts, by source.
    fn parts(&self, g: &Segment<N>) -> [Parts; N] {
        let end = g.end.unwrap_or(self.acc);
        let vested_acc = self.vested_acc();
        std::array::from_fn(|s| {
            let earned = amount_between(g.stake, g.start[s], end[s]);
            let cap = earned.saturating_sub(g.taken[s]);
            let vested = amount_between(g.stake, g.start[s], vested_acc[s].min(end[s])).min(cap);
            Parts { vested, locked: cap.saturating_sub(vested) }
        })
    }

    /// Moves every segment's newly vested rewards to the holder's balance and drops the closed
    /// segments with nothing left to vest in any source.
    /// (Saturating sums: a holder's rewards are part of the reserve, below 2^128.)
    fn credit(&self, e: &mut Entry<N>) {
        let mut vested = e.vested;
        e.edit_segments(|segments| {
            segments.retain_mut(|g| {
                let mut locked = false;
                for (s, p) in self.parts(g).into_iter().enumerate() {
                    vested[s] = vested[s].saturating_add(p.vested.saturating_sub(g.credited[s]));
                    g.credited[s] = p.vested;
                    locked |= !p.locked.is_zero();
                }
                g.end.is_none() || locked
            });
        });
        e.vested = vested;
    }

    /// Closes the open segment at `acc`. Called after [`Vesting::credit`], so a segment with
    /// nothing locked has vested and been credited in full: it is dropped.
    fn close_open(&self, e: &mut Entry<N>) {
        let Some(g) = e.segments.last_mut().filter(|g| g.end.is_none()) else { return };
        g.end = Some(self.acc);
        if self.parts(g).iter().all(|p| p.locked.is_zero()) {
            e.edit_segments(Vec::pop);
        }
    }

    /// Removes `k`'s entry for a change, journaling it and the totals.
    fn take(&mut self, k: K) -> Option<Entry<N>> {
        let entry = self.entries.remove(&k);
        if self.journal.open() {
            let (total_stake, paid, exact) = (self.total_stake, self.paid, self.exact);
            self.journal.record(Undo { key: k, entry: entry.clone(), total_stake, paid, exact });
        }
        if let Some(e) = &entry {
            for (x, b) in self.exact.iter_mut().zip(check::exact_base(e)) {
                *x = x.wrapping_sub(b);
            }
        }
        entry
    }

    /// Stores `e` back unless it is empty.
    fn put(&mut self, k: K, e: Entry<N>) {
        for (x, b) in self.exact.iter_mut().zip(check::exact_base(&e)) {
            *x = x.wrapping_add(b);
        }
        if !e.is_empty() {
            self.entries.insert(k, e);
        }
    }
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
