//! Paper Cobb-Douglas payout (spec marlin.md, "Rewards", paper; seed 002, "Staking": "Rewards are
//! modified by the Cobb-Douglas utility function"): relayer `i` with tickets `r_i` (of `R = Σ r`)
//! and delegated stake `s_i` (of `S`, the network's total, at least `Σ s`) receives
//!
//! ```text
//! R_i' = ⌊P·(r_i/R)^α·(s_i/S)^(1−α)⌋        (P the epoch's pool, 0 ≤ α ≤ 1)
//! ```
//!
//! computed by the core's [`CobbDouglas`] (the epoch's `ln R`, `ln S`, `α` taken once; the same
//! results as [`ergon_core::cobb_douglas`]): rounded toward zero, never above the exact value
//! (below it by less than one base unit plus `2^−165·P`; exactly `⌊v⌋` whenever `α = p/q` with
//! `q ≤ 16`). By weighted AM-GM, `Σ_i (r_i/R)^α (s_i/S)^(1−α) ≤ α + (1−α) = 1`, so
//! `Σ R_i' ≤ P`; the difference — what the modifier withholds from relayers whose ticket share
//! and stake share differ, plus the floors — is [`CobbDouglasPayout::remainder`], returned to
//! the pool by the caller. `α = 1` pays by tickets alone, `α = 0` by stake alone, exactly.
//!
//! No tickets at all (`R = 0`), or no stake with `α < 1`, pays nobody: the whole pool remains.

use ergon_core::{Amount, CobbDouglas, Dec, LnCache};

use super::{Result, RewardsError};

/// An epoch's Cobb-Douglas payout in total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CobbDouglasPayout {
    /// `Σ R_i'`.
    pub paid: Amount,
    /// `P − Σ R_i'`: returned to the pool.
    pub remainder: Amount,
}

/// Pays `pool` over the relayers: `out[i] = R_i'` (module doc). `tickets`, `stakes` and `out`
/// have one entry per relayer. O(n), no allocation.
///
/// Errors: lengths that differ; `α > 1`; a sum of tickets or stakes above `u128`.
pub fn cobb_douglas_payout(
    pool: Amount,
    tickets: &[Amount],
    stakes: &[Amount],
    alpha: Dec,
    out: &mut [Amount],
) -> Result<CobbDouglasPayout> {
    let [p] = cobb_douglas_payouts([pool], tickets, stakes, alpha, [out])?;
    Ok(p)
}

/// Pays each of `pools` over the same relayers (an epoch's subsidy and its fees):
/// `outs[k][i]` is what [`cobb_douglas_payout`] of `pools[k]` pays relayer `i`, exactly, with
/// each relayer's `ln r_i`, `ln s_i` and `exp` computed once for all the pools
/// ([`CobbDouglas::rewards`]). O(n), no allocation.
///
/// Errors: as [`cobb_douglas_payout`], for any of the pools.
pub fn cobb_douglas_payouts<const N: usize>(
    pools: [Amount; N],
    tickets: &[Amount],
    stakes: &[Amount],
    alpha: Dec,
    outs: [&mut [Amount]; N],
) -> Result<[CobbDouglasPayout; N]> {
    payouts_by(pools, tickets, (stakes, None), alpha, outs, |epoch, pools, outs| {
        let one = |i: usize| {
            let (r, s) = (tickets[i], stakes[i]);
            if let [pool] = pools[..] {
                // One pool: the single-total call (no array of totals to walk).
                let mut v = [Amount::ZERO; N];
                v[0] = epoch.reward(pool, r, s)?;
                Ok(v)
            } else {
                epoch.rewards(pools, r, s)
            }
        };
        // Relayer by relayer, two to a call of the pairs' writer.
        fill_pairs(outs, |i, two| Ok([one(i)?, if two { one(i + 1)? } else { [Amount::ZERO; N] }]))
    })
}

/// [`cobb_douglas_payouts`] with each relayer's `ln s_i` kept in `cache` by its cluster id
/// (`ids`, one per relayer): the same payouts, the logarithm of a stake that did not change
/// since the cluster's last payout not computed again. Called from outside the rayon pools, the
/// relayers' rewards are computed on the global pool's threads in ranges of at least [`PAR_MIN`]
/// relayers (each a pure function of its inputs: the same results at any thread count).
///
/// `s_total`: the network's total stake `S` when the relayers listed are not all (at least
/// their sum: [`RewardsError::StakeAboveTotal`] otherwise); `None`, their sum.
///
/// Errors: as [`cobb_douglas_payouts`]; `ids` of another length.
#[allow(clippy::too_many_arguments)]
pub fn cobb_douglas_payouts_cached<const N: usize>(
    pools: [Amount; N],
    tickets: &[Amount],
    stakes: &[Amount],
    s_total: Option<Amount>,
    ids: &[u32],
    cache: &mut LnCache,
    alpha: Dec,
    outs: [&mut [Amount]; N],
) -> Result<[CobbDouglasPayout; N]> {
    if ids.len() != tickets.len() {
        return Err(RewardsError::Length { what: "ids", expected: tickets.len(), got: ids.len() });
    }
    if !splits(ids.len()) {
        // One thread: each stake's logarithm looked up (and kept) as its relayer is paid, two
        // relayers at a time (their estimates side by side).
        return payouts_by(pools, tickets, (stakes, s_total), alpha, outs, |epoch, pools, outs| {
            fill_pairs(outs, |i, two| {
                let slot = |k: usize| ids[i + k] as usize;
                if !two {
                    let one = epoch.rewards_cached(pools, tickets[i], stakes[i], cache, slot(0))?;
                    return Ok([one, [Amount::ZERO; N]]);
                }
                let (r, s) = ([tickets[i], tickets[i + 1]], [stakes[i], stakes[i + 1]]);
                epoch.rewards_cached_pair(pools, r, s, cache, [slot(0), slot(1)])
            })
        });
    }
    for (&id, &s) in ids.iter().zip(stakes) {
        cache.fill(id as usize, s.0);
    }
    let cache = &*cache;
    payouts_by(pools, tickets, (stakes, s_total), alpha, outs, |epoch, pools, outs| {
        fill_par(0, outs, &|i, two| {
            let slot = |k: usize| ids[i + k] as usize;
            if !two {
                let one =
                    epoch.rewards_read_cached(pools, tickets[i], stakes[i], cache, slot(0))?;
                return Ok([one, [Amount::ZERO; N]]);
            }
            let (r, s) = ([tickets[i], tickets[i + 1]], [stakes[i], stakes[i + 1]]);
            epoch.rewards_read_cached_pair(pools, r, s, cache, [slot(0), slot(1)])
        })
    })
}

/// Whether `n` relayers are paid on several threads: more than `2·PAR_MIN` of them, a call
/// from outside the rayon pools (a library call, not a simulation's job: there a thread
/// waiting in `join` may take up another whole job, so jobs would no longer be one a thread),
/// and a global pool of two threads or more.
fn splits(n: usize) -> bool {
    n > 2 * PAR_MIN && rayon::current_thread_index().is_none() && rayon::current_num_threads() >= 2
}

/// The fewest relayers a thread is given ([`cobb_douglas_payouts_cached`]).
pub const PAR_MIN: usize = 2048;

/// [`fill_pairs`] of `reward(from + i, two)`, halving the range onto two tasks (`rayon::join`)
/// while it holds more than `2·PAR_MIN` ([`splits`]); the first error by position.
fn fill_par<const N: usize>(
    from: usize,
    outs: [&mut [Amount]; N],
    reward: &(impl Fn(usize, bool) -> std::result::Result<[[Amount; N]; 2], ergon_core::Error> + Sync),
) -> Result<()> {
    let n = outs.first().map_or(0, |o| o.len());
    if !splits(n) {
        return fill_pairs(outs, |i, two| reward(from + i, two));
    }
    let mid = n / 2;
    let (left, right) = split_all(outs, mid);
    let (a, b) =
        rayon::join(|| fill_par(from, left, reward), || fill_par(from + mid, right, reward));
    a.and(b)
}

/// Each of `outs` split at `mid`.
fn split_all<const N: usize>(
    outs: [&mut [Amount]; N],
    mid: usize,
) -> ([&mut [Amount]; N], [&mut [Amount]; N]) {
    let mut pairs = outs.map(|o| {
        let (a, b) = o.split_at_mut(mid);
        (Some(a), Some(b))
    });
    let left = std::array::from_fn(|k| pairs[k].0.take().unwrap_or_default());
    let right = std::array::from_fn(|k| pairs[k].1.take().unwrap_or_default());
    (left, right)
}

/// Writes `reward(i, two)[0]` into `outs[k][i]` and, when `two`, `reward(i, two)[1]` into
/// `outs[k][i + 1]`: two relayers at a time, the last alone when they are odd; the first error
/// by position.
fn fill_pairs<const N: usize>(
    outs: [&mut [Amount]; N],
    mut reward: impl FnMut(usize, bool) -> std::result::Result<[[Amount; N]; 2], ergon_core::Error>,
) -> Result<()> {
    let mut outs = outs;
    let n = outs.first().map_or(0, |o| o.len());
    let mut i = 0;
    while i < n {
        let two = i + 1 < n;
        let [a, b] = reward(i, two)?;
        for (o, x) in outs.iter_mut().zip(a) {
            o[i] = x;
        }
        if two {
            for (o, x) in outs.iter_mut().zip(b) {
                o[i + 1] = x;
            }
        }
        i += 2;
    }
    Ok(())
}

/// The payouts' checks, totals and sums, the relayers' rewards written into `outs` by
/// `rewards(epoch, pools, outs)`.
fn payouts_by<const N: usize>(
    pools: [Amount; N],
    tickets: &[Amount],
    (stakes, s_all): (&[Amount], Option<Amount>),
    alpha: Dec,
    mut outs: [&mut [Amount]; N],
    rewards: impl FnOnce(&CobbDouglas, [Amount; N], [&mut [Amount]; N]) -> Result<()>,
) -> Result<[CobbDouglasPayout; N]> {
    let n = outs.first().map_or(tickets.len(), |o| o.len());
    let outs_len = outs.iter().map(|o| ("out", o.len()));
    let lens = [("tickets", tickets.len()), ("stakes", stakes.len())].into_iter().chain(outs_len);
    for (what, len) in lens {
        if len != n {
            return Err(RewardsError::Length { what, expected: n, got: len });
        }
    }
    if alpha > Dec::ONE {
        return Err(ergon_core::Error::InvalidParameter {
            name: "alpha".into(),
            value: alpha.to_string(),
            reason: "above 1".into(),
        }
        .into());
    }
    let sum = |v: &[Amount]| v.iter().try_fold(Amount::ZERO, |a, &x| a.checked_add(x));
    let (r_total, s_listed) = (sum(tickets)?, sum(stakes)?);
    // S: the whole network's stake when given (at least the relayers' listed here), else theirs.
    let s_total = match s_all {
        Some(total) if total < s_listed => {
            return Err(RewardsError::StakeAboveTotal { stake: s_listed, total });
        }
        Some(s) => s,
        None => s_listed,
    };
    let pays_by_tickets_only = alpha == Dec::ONE;
    let nothing = pools.map(|remainder| CobbDouglasPayout { paid: Amount::ZERO, remainder });
    if r_total.is_zero() || (s_total.is_zero() && !pays_by_tickets_only) {
        outs.iter_mut().for_each(|o| o.fill(Amount::ZERO));
        return Ok(nothing);
    }
    // With α = 1 the stake does not enter; a unit total keeps the core's domain check happy.
    let s_total = if s_total.is_zero() { Amount(1) } else { s_total };
    let epoch = CobbDouglas::new(alpha, r_total, s_total)?;
    let mut paid = [Amount::ZERO; N];
    rewards(&epoch, pools, outs.each_mut().map(|o| &mut **o))?;
    for k in 0..N {
        paid[k] = sum(outs[k])?;
    }
    // Σ ≤ pool by AM-GM and rounding toward zero (module doc).
    let mut result = nothing;
    for k in 0..N {
        result[k] = CobbDouglasPayout { paid: paid[k], remainder: pools[k].checked_sub(paid[k])? };
    }
    Ok(result)
}
