//! A block's close (spec: shared/spec/phala.md, "Worker lifecycle" and "Budget"): the
//! gatekeeper's end-of-block pass over every worker, the pallet's subsidy halving, and Σshare
//! for the next block.
//!
//! For each computing worker, in the gatekeeper's order: an unresponsive worker whose
//! heartbeat arrived this block recovers; a responsive one whose oldest challenge has waited
//! more than `heartbeat_window` blocks becomes unresponsive; then an unresponsive worker is
//! slashed, and a responsive one without a heartbeat this block grows by one idle block (the
//! heartbeat block itself does not grow). The pass allocates nothing.
//!
//! Speed: a growing worker's V, payable and share are computed together on raw bits
//! ([`crate::tokenomic::Tokenomic::idle_block_share`], inlined, the same operations as the
//! plain methods), and a worker whose V and P term did not change (V held at v_max, stopped,
//! unresponsive without a slash) reuses its cached share without a square root. The plain
//! path [`sum_share`] recomputes Σshare from scratch; tests compare the two bit for bit.
//! Without report detail (a simulation) the pass skips shares altogether: Σshare is needed
//! only by a heartbeat's payout, so the first operation of a block that changes a worker
//! computes it first ([`refresh_sum_share`]), from the columns as the block's start left them;
//! a run of idle blocks costs V's growth only.

use ergon_core::U64F64;
use ergon_core::invariants::Violation;

use crate::Phala;
use crate::events::BlockReport;
use crate::params::{Params, Profile};
use crate::workers::{Hot, WorkerIndex, WorkerState};

/// Working memory of a block's close, kept between blocks so that it allocates only when a
/// list grows past its largest size so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scratch {
    entered: Vec<u32>,
    exited: Vec<u32>,
    /// The lazy close's deadlines due in the block.
    pub(crate) due: Vec<(u32, u32)>,
    /// Σshare prepared as a divisor for the block's heartbeats.
    pub(crate) sum_divisor: SumDivisor,
}

/// Σshare prepared as a divisor ([`ergon_core::FixedDivisor`]), kept while Σshare stays the
/// value it was prepared from: a cache, not state (any two compare equal).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SumDivisor(Option<ergon_core::FixedDivisor>);

impl PartialEq for SumDivisor {
    fn eq(&self, _: &SumDivisor) -> bool {
        true
    }
}

impl Eq for SumDivisor {}

impl SumDivisor {
    /// `sum` prepared, from the cache when it was prepared last; `None` for zero.
    pub(crate) fn of(&mut self, sum: U64F64) -> Option<ergon_core::FixedDivisor> {
        if self.0.is_none_or(|d| d.value() != sum) {
            self.0 = ergon_core::FixedDivisor::new(sum).ok();
        }
        self.0
    }
}

fn bug(what: &'static str, e: &ergon_core::Error) -> Violation {
    Violation::new(what, e.to_string())
}

/// Closes the current block and opens the next. See the module doc.
pub fn end_block(s: &mut Phala) -> Result<BlockReport, Violation> {
    if s.lazy.is_some() {
        return crate::lazy::end_block(s);
    }
    let block = s.block;
    let params = s.params;
    let detail = s.report_detail;
    // Without detail, Σshare is left for the first operation of the next block that needs it.
    let lazy = !detail;
    s.scratch.entered.clear();
    s.scratch.exited.clear();
    let (mut idle, mut slashed) = (0u32, 0u32);
    let rho_m1 = params.rho.checked_sub(U64F64::ONE).map_err(|e| bug("rho", &e))?;
    let (v_max, rho_bits) = (params.v_max.to_bits(), rho_m1.to_bits());
    let mut sum = 0u128;
    let (hot, cold) = s.workers.block_rows();
    for (i, h) in hot.iter_mut().enumerate() {
        // The new share of a worker that grew this block (computed with its growth).
        let mut grown = None;
        if h.computing {
            if h.unresponsive {
                if h.heartbeat {
                    h.unresponsive = false;
                    // paper: a worker keeps its contract while unresponsive.
                    h.state =
                        if h.contract.is_some() { WorkerState::Active } else { WorkerState::Idle };
                    if detail {
                        s.scratch.exited.push(i as u32);
                    }
                }
            } else if let Some((sent, _)) = h.pending.front()
                && block - sent > params.heartbeat_window
            {
                h.unresponsive = true;
                h.state = WorkerState::Unresponsive;
                cold[i].went = block;
                if detail {
                    s.scratch.entered.push(i as u32);
                }
            }
            if h.unresponsive {
                h.tok.update_v_slash(&params).map_err(|e| bug("slash arithmetic", &e))?;
                slashed += 1;
            } else if !h.heartbeat {
                let ok = if lazy {
                    h.tok.idle_block(v_max, rho_bits).is_some()
                } else {
                    grown = h.tok.idle_block_share(v_max, rho_bits);
                    grown.is_some()
                };
                if !ok {
                    // The plain path names the overflow.
                    h.tok.update_v_idle(&params, rho_m1).map_err(|e| bug("idle arithmetic", &e))?;
                }
                idle += 1;
            }
        }
        h.heartbeat = false;
        // Σshare for the next block, in the same pass (see `sum_share`).
        if in_sum_share(&params, h) && !lazy {
            let share = match grown.or_else(|| h.tok.cached_share()) {
                Some(x) => x,
                None => h.tok.share().map_err(|e| bug("share arithmetic", &e))?.to_bits(),
            };
            sum = sum
                .checked_add(share)
                .ok_or_else(|| Violation::new("Σshare", "overflow".into()))?;
        }
    }
    let halved = halve_if_due(s)?;
    if lazy {
        s.sum_share_stale = true;
    } else {
        s.sum_share = U64F64::from_bits(sum);
        s.sum_share_stale = false;
    }
    s.block = block.checked_add(1).ok_or_else(|| {
        Violation::new(
            "block",
            "no block follows 4294967295 (the chain's BlockNumber is a u32)".into(),
        )
    })?;
    let names = |ids: &[u32]| -> Vec<String> {
        ids.iter().map(|&i| s.workers.name(WorkerIndex(i)).to_owned()).collect()
    };
    Ok(BlockReport {
        block,
        idle,
        slashed,
        entered_unresponsive: names(&s.scratch.entered),
        exited_unresponsive: names(&s.scratch.exited),
        halved,
        budget_per_block: s.params.budget_per_block,
        sum_share: (!lazy).then_some(s.sum_share),
    })
}

/// The pallet's `on_finalize`: at the last block of each halving interval (counted from the
/// genesis block) the budget becomes `budget × 0.75`, truncated; the gatekeeper uses it from
/// the next block on.
pub(crate) fn halve_if_due(s: &mut Phala) -> Result<bool, Violation> {
    let interval = s.params.halving_interval_blocks;
    if interval == 0 || (s.block - s.start_block) % interval != interval - 1 {
        return Ok(false);
    }
    let three_quarters = U64F64::from_bits(3 << 62);
    s.params.budget_per_block =
        s.params.budget_per_block.mul(three_quarters).map_err(|e| bug("halving", &e))?;
    s.halvings += 1;
    Ok(true)
}

/// Recomputes a stale Σshare (see [`Phala::set_report_detail`]) from the columns, which are
/// still those of the block's start: the operations call it before they change a worker.
/// Shares come from the workers' caches where V and P did not change.
pub(crate) fn refresh_sum_share(s: &mut Phala) {
    if !s.sum_share_stale {
        return;
    }
    let params = s.params;
    let (hot, _) = s.workers.block_rows();
    let mut sum = 0u128;
    for h in hot.iter_mut() {
        if in_sum_share(&params, h) {
            // V ≤ v_max ≤ 10^9 and P ≤ 7200 keep every share below 2^95 and the sum far below
            // 2^128 (Params::validate): neither step can fail.
            sum = sum.saturating_add(h.tok.cached_share().unwrap_or(u128::MAX));
        }
    }
    s.sum_share = U64F64::from_bits(sum);
    s.sum_share_stale = false;
}

/// Whether worker `h`'s share counts in Σshare (see [`sum_share`]).
fn in_sum_share(params: &Params, h: &Hot) -> bool {
    match params.profile {
        Profile::Khala => !h.unresponsive && (h.computing || !params.phala_launched),
        Profile::Paper => h.state.is_responsive(),
    }
}

/// Σshare for the next block's payouts. khala: the gatekeeper's sum over every worker it
/// knows that is not unresponsive and, with `phala_launched`, still computing (off: stopped
/// workers keep their last record and still count; never-started ones count zero). paper:
/// over the computing, responsive workers only.
pub fn sum_share(s: &Phala) -> Result<U64F64, Violation> {
    let mut sum = U64F64::ZERO;
    for h in s.workers.hot() {
        if in_sum_share(&s.params, h) {
            let share = h.tok.share().map_err(|e| bug("share arithmetic", &e))?;
            sum = sum.checked_add(share).map_err(|e| bug("Σshare", &e))?;
        }
    }
    Ok(sum)
}
