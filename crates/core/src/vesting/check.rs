//! The invariants of [`Vesting`] (module doc of [`crate::vesting`], "Exactness"): the stakes'
//! total, each holder's segments, and the reserve of each source against what the holders are
//! owed — in full over every holder, or in O(1) through the running exact sum.

use ruint::aliases::{U256, U512};

use super::{Entry, Segment, Vesting, amount_between};
use crate::invariants::Violation;
use crate::rewards::SCALE;

impl<K: Ord + Copy, const N: usize> Vesting<K, N> {
    /// Checks, in O(holders + segments): Σ stakes = total; each holder's open segment is its
    /// last, holds its stake, and exists exactly when the stake is non-zero; every segment lies
    /// within [0, acc] and has taken and credited no more than it earned; each source's reserve
    /// covers its claims (paid ≤ distributed, Σ owed ≤ reserve).
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
        self.check_paid()?;
        let (owed, reserves) = (self.owed_by_source(), self.reserves());
        for s in 0..N {
            if owed[s] > reserves[s] {
                return fail(
                    "vesting reserve",
                    format!("source {s}: Σ owed {} > distributed − paid {}", owed[s], reserves[s]),
                );
            }
        }
        let mut exact = [U512::ZERO; N];
        for e in self.entries.values() {
            for (x, b) in exact.iter_mut().zip(exact_base(e)) {
                *x = x.wrapping_add(b);
            }
        }
        if exact != self.exact {
            return fail("vesting exact owed", "the running sum differs from the holders'".into());
        }
        self.check_bound()
    }

    /// paid ≤ distributed in each source.
    fn check_paid(&self) -> std::result::Result<(), Violation> {
        for s in 0..N {
            if self.paid[s] > self.distributed[s] {
                return fail(
                    "vesting reserve",
                    format!(
                        "source {s}: paid {} > distributed {}",
                        self.paid[s], self.distributed[s]
                    ),
                );
            }
        }
        Ok(())
    }

    /// Checks in O(1) that each source's reserve covers its claims: paid ≤ distributed, and
    /// what the holders are owed before the floors (Σ stake·Δindex of their segments, less what
    /// was taken or credited, plus their vested balances), with the index's carry, is at most
    /// `SCALE · reserve`. Every distribution adds `amount·SCALE` to both sides (the carry
    /// taking up the division's remainder), a withdrawal or deduction takes as much from both,
    /// and a floor only widens the gap; so it holds exactly when no claim was made up, and it
    /// bounds Σ owed ≤ reserve, which [`Vesting::check_invariants`] recomputes over every
    /// holder.
    #[allow(clippy::needless_range_loop)] // `s` indexes four arrays by source alike
    pub fn check_bound(&self) -> std::result::Result<(), Violation> {
        self.check_paid()?;
        let reserves = self.reserves();
        for s in 0..N {
            let open = U512::from(self.total_stake).wrapping_mul(U512::from(self.acc[s]));
            let owed = self.exact[s].wrapping_add(open).wrapping_add(U512::from(self.carry[s]));
            if owed > U512::from(SCALE) * U512::from(reserves[s].0) {
                return fail(
                    "vesting reserve",
                    format!("source {s}: exact claims {owed} > SCALE · reserve {}", reserves[s]),
                );
            }
        }
        Ok(())
    }

    /// Checks holder `k`'s segments (as [`Vesting::check_invariants`] does for every holder):
    /// O(its segments).
    pub fn check_holder(&self, k: K) -> std::result::Result<(), Violation> {
        self.entries.get(&k).map_or(Ok(()), |e| self.check_entry(e))
    }

    /// Checks one holder: its open segment, each of its segments, and that it is not empty.
    fn check_entry(&self, e: &Entry<N>) -> std::result::Result<(), Violation> {
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
        for g in e.segments.iter() {
            self.check_segment(g)?;
        }
        if e.is_empty() {
            return fail("vesting holders", "an empty holder is kept".into());
        }
        Ok(())
    }

    /// Checks that a segment lies within [0, acc] and has taken and credited no more than it
    /// earned, in each source.
    #[allow(clippy::needless_range_loop)] // `s` indexes five arrays by source alike
    fn check_segment(&self, g: &Segment<N>) -> std::result::Result<(), Violation> {
        let end = g.end.unwrap_or(self.acc);
        for s in 0..N {
            if g.start[s] > end[s] || end[s] > self.acc[s] {
                return fail(
                    "vesting segments",
                    format!(
                        "source {s}: segment {} → {} outside [0, {}]",
                        g.start[s], end[s], self.acc[s]
                    ),
                );
            }
            let earned = amount_between(g.stake, g.start[s], end[s]);
            if g.taken[s].0 > earned.0 || g.credited[s].0 > earned.0 - g.taken[s].0 {
                return fail(
                    "vesting segments",
                    format!(
                        "source {s}: segment earned {earned}, took {} and credited {}",
                        g.taken[s], g.credited[s]
                    ),
                );
            }
        }
        Ok(())
    }
}

/// A broken invariant `what`, explained by `detail`.
fn fail<T>(what: &'static str, detail: String) -> std::result::Result<T, Violation> {
    Err(Violation::new(what, detail))
}

/// A holder's claim in each source before the floors, scaled by [`SCALE`], less `stake·acc`
/// for its open segment (which grows with the index; [`Vesting::check_bound`] adds
/// `total_stake·acc`): its vested balance, plus each closed segment's `stake·(end − start)`,
/// less the open one's `stake·start`, less what each segment had taken or credited. Modulo
/// 2^512 (a term may be negative; the sums the check compares are not).
pub(super) fn exact_base<const N: usize>(e: &Entry<N>) -> [U512; N] {
    let scale = U512::from(SCALE);
    std::array::from_fn(|s| {
        let mut x = scale.wrapping_mul(U512::from(e.vested[s].0));
        for g in e.segments.iter() {
            let z = U512::from(g.stake);
            x = match g.end {
                Some(end) => {
                    let d: U256 = end[s].saturating_sub(g.start[s]);
                    x.wrapping_add(z.wrapping_mul(U512::from(d)))
                }
                None => x.wrapping_sub(z.wrapping_mul(U512::from(g.start[s]))),
            };
            let out = U512::from(g.taken[s].0).wrapping_add(U512::from(g.credited[s].0));
            x = x.wrapping_sub(scale.wrapping_mul(out));
        }
        x
    })
}
