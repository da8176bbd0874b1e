//! Every Phala operation as an [`Action`] — the replay ops (docs/replay.md, "Phala") — and
//! [`apply`], the replay edge: it resolves names and decimal strings, calls the one typed
//! operation each action names ([`crate::ops`]) and reports an [`Event`].
//!
//! Blocks pass through the replay driver's own ops: `end_epoch` closes the current block,
//! `advance` closes many. A worker going offline is a worker that stops answering its
//! challenges; it comes back online with its next heartbeat.

use ergon_core::Qty;
use serde::Deserialize;

use crate::Phala;
use crate::error::{PhalaError, Result};
use crate::events::{Event, pha_meta};
use crate::ops::Beat;
use crate::workers::WorkerIndex;

/// A Phala operation. Stakes are PHA decimal strings; workers and owners are names.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)] // fields are documented in docs/replay.md
pub enum Action {
    /// Registers a worker operated by `owner` with its attestation's confidence level and,
    /// optionally, its benchmark score.
    Register {
        worker: String,
        owner: String,
        confidence_level: u8,
        #[serde(default)]
        score: Option<u32>,
    },
    /// Records a benchmark score (capped at 6000).
    SetBenchmark { worker: String, score: u32 },
    /// Starts computing with `stake` PHA from the owner's account.
    Start { worker: String, stake: Qty },
    /// A heartbeat challenge to the worker in the current block.
    Challenge { worker: String },
    /// The worker answers its oldest challenge, reporting its iteration counter.
    Heartbeat { worker: String, iterations: u64 },
    /// Stops computing; the cool-down starts.
    Stop { worker: String },
    /// Returns the stake after the cool-down.
    Reclaim { worker: String },
}

fn worker(s: &Phala, name: &str) -> Result<WorkerIndex> {
    s.workers().find(name).ok_or_else(|| PhalaError::UnknownWorker { name: name.into() })
}

/// Applies one action; all-or-nothing.
pub fn apply(s: &mut Phala, action: &Action) -> Result<Event> {
    match action {
        Action::Register { worker: name, owner, confidence_level, score } => {
            let a = s
                .account(owner)
                .ok_or_else(|| PhalaError::UnknownAccount { name: owner.clone() })?;
            ergon_core::txn::atomic(s, |s| {
                let w = s.register(name, a, *confidence_level)?;
                if let Some(p) = score {
                    s.set_benchmark(w, *p)?;
                }
                Ok::<_, PhalaError>(())
            })?;
            Ok(Event::Registered {
                worker: name.clone(),
                owner: owner.clone(),
                confidence_level: *confidence_level,
            })
        }
        Action::SetBenchmark { worker: name, score } => {
            let w = worker(s, name)?;
            let score = s.set_benchmark(w, *score)?;
            Ok(Event::BenchmarkSet { worker: name.clone(), score })
        }
        Action::Start { worker: name, stake } => {
            let w = worker(s, name)?;
            let amount = stake.to_amount(&pha_meta())?;
            let st = s.start(w, amount)?;
            Ok(Event::Started {
                worker: name.clone(),
                session: st.session,
                stake: amount,
                minimum_stake: st.minimum_stake,
                ve: st.ve,
                ve_bits: st.ve,
            })
        }
        Action::Challenge { worker: name } => {
            let w = worker(s, name)?;
            let waiting = s.challenge(w)?;
            Ok(Event::Challenged { worker: name.clone(), block: s.block(), waiting })
        }
        Action::Heartbeat { worker: name, iterations } => {
            let w = worker(s, name)?;
            let sum_share = s.sum_share();
            Ok(match s.heartbeat(w, *iterations)? {
                Beat::Ignored { challenge_block } => {
                    Event::HeartbeatIgnored { worker: name.clone(), challenge_block }
                }
                Beat::Answered { challenge_block, p_instant, settle, paid, to_treasury, v } => {
                    Event::Heartbeat {
                        worker: name.clone(),
                        challenge_block,
                        p_instant,
                        sum_share,
                        payout: settle.payout,
                        payout_bits: settle.payout,
                        treasury: settle.treasury,
                        treasury_bits: settle.treasury,
                        paid,
                        to_treasury,
                        v,
                        v_bits: v,
                    }
                }
            })
        }
        Action::Stop { worker: name } => {
            let w = worker(s, name)?;
            let (v, cool_down_ends) = s.stop(w)?;
            Ok(Event::Stopped { worker: name.clone(), v, cool_down_ends })
        }
        Action::Reclaim { worker: name } => {
            let w = worker(s, name)?;
            let r = s.reclaim(w)?;
            Ok(Event::Reclaimed { worker: name.clone(), returned: r.returned, slashed: r.slashed })
        }
    }
}
