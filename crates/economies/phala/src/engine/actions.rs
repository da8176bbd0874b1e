//! Every Phala operation as an [`Action`] — the replay ops (docs/replay.md, "Phala") — and
//! [`apply`], the replay edge: it resolves names and decimal strings, calls the one typed
//! operation each action names ([`crate::ops`]) and reports an [`Event`].
//!
//! Blocks pass through the replay driver's own ops: `end_epoch` closes the current block,
//! `advance` closes many. A worker going offline is a worker that stops answering its
//! challenges; it comes back online with its next heartbeat.

use ergon_core::{AccountId, Amount, Qty};
use serde::Deserialize;

use crate::Phala;
use crate::contract_ops::Ended;
use crate::error::{PhalaError, Result};
use crate::events::{ContractEnded, Event, Gas, PoolReward, Withdrawal, pha_meta};
use crate::ops::Beat;
use crate::stake_pool::{PoolIndex, Served};
use crate::vaults::VaultIndex;
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
    /// Returns the stake after the cool-down (a pooled worker's to its pool).
    Reclaim { worker: String },
    /// Creates a stake pool with the owner's commission in parts per million.
    CreatePool { pool: String, owner: String, commission_ppm: u32 },
    /// Adds one of the owner's Ready workers to the pool.
    AddWorker { pool: String, worker: String },
    /// Contributes `amount` PHA to the pool for shares.
    Contribute { pool: String, account: String, amount: Qty },
    /// Starts a pool's worker with `stake` PHA of the pool's free stake.
    PoolStart { pool: String, worker: String, stake: Qty },
    /// Restarts a pool's computing worker with a larger `stake` PHA (stop, instant reclaim,
    /// start).
    PoolRestart { pool: String, worker: String, stake: Qty },
    /// Asks to withdraw `shares` (a decimal with 12 decimals, like PHA).
    Withdraw { pool: String, account: String, shares: Qty },
    /// Anyone's grace-period check: force-stops the pool's workers when a request expired.
    CheckForceWithdraw { pool: String },
    /// paper: deploys a contract accepting `tiers`, escrowing `gas_budget` PHA, paying
    /// `gas_per_block` PHA a block; `draw` (0 to 2^64 − 1) picks the worker.
    DeployContract {
        contract: String,
        developer: String,
        tiers: Vec<u8>,
        gas_budget: Qty,
        gas_per_block: Qty,
        draw: u64,
    },
    /// paper: the developer stops its contract.
    StopContract { contract: String, developer: String },
    /// Creates a vault with the owner's commission in parts per million.
    CreateVault { vault: String, owner: String, commission_ppm: u32 },
    /// Contributes `amount` PHA to the vault for shares.
    VaultContribute { vault: String, account: String, amount: Qty },
    /// The owner invests `amount` of the vault's free PHA in a stake pool.
    VaultInvest { vault: String, owner: String, pool: String, amount: Qty },
    /// The owner asks a stake pool to return `shares` of the vault's pool shares.
    VaultDivest { vault: String, owner: String, pool: String, shares: Qty },
    /// Asks to withdraw `shares` vault shares.
    VaultWithdraw { vault: String, account: String, shares: Qty },
    /// The owner's commission: mints shares when the price rose above the checkpoint.
    GainOwnerShares { vault: String, owner: String },
    /// Anyone's check: serves the queue, shuts the vault down when a request expired.
    CheckVault { vault: String },
}

fn vault(s: &Phala, name: &str) -> Result<VaultIndex> {
    s.vault_named(name).ok_or_else(|| PhalaError::UnknownVault { name: name.into() })
}

fn pool(s: &Phala, name: &str) -> Result<PoolIndex> {
    s.pool_named(name).ok_or_else(|| PhalaError::UnknownPool { name: name.into() })
}

/// The account named `name`; a vault's own account is refused (`vault_account`): the pallet
/// lets it act only through its owner's vault operations (`contribute` … `as_vault`, refused
/// to anyone else), which are the vault ops here.
fn account(s: &Phala, name: &str) -> Result<AccountId> {
    let a = s.account(name).ok_or_else(|| PhalaError::UnknownAccount { name: name.into() })?;
    match s.vault_of_account(a) {
        Some(vault) => Err(PhalaError::VaultAccount { name: name.into(), vault }),
        None => Ok(a),
    }
}

fn withdrawals(s: &Phala, served: &[Served]) -> Vec<Withdrawal> {
    served
        .iter()
        .map(|x| Withdrawal {
            account: s.account_name(AccountId(x.user)).to_owned(),
            amount: Amount(x.amount),
            shares: Amount(x.shares),
        })
        .collect()
}

fn ended(s: &Phala, e: &Ended) -> ContractEnded {
    let row = s.contract_row(e.contract);
    ContractEnded {
        contract: s.contract_name(e.contract).to_owned(),
        worker: s.workers().name(WorkerIndex(row.worker)).to_owned(),
        reason: e.reason,
        gas: Amount(e.gas),
        refund: Amount(e.refund),
    }
}

fn worker(s: &Phala, name: &str) -> Result<WorkerIndex> {
    s.workers().find(name).ok_or_else(|| PhalaError::UnknownWorker { name: name.into() })
}

/// Applies one action; all-or-nothing.
pub fn apply(s: &mut Phala, action: &Action) -> Result<Event> {
    match action {
        Action::Register { worker: name, owner, confidence_level, score } => {
            let a = account(s, owner)?;
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
                Beat::Answered {
                    challenge_block,
                    p_instant,
                    settle,
                    paid,
                    to_treasury,
                    v,
                    pool,
                    gas,
                } => {
                    let pool = pool.map(|x| PoolReward {
                        pool: s.pool_name(s.stake_pools().assigned_pool(w)).to_owned(),
                        to_owner: Amount(x.to_owner),
                        to_stakers: Amount(x.to_stakers),
                        dust: Amount(x.dust),
                        dismissed: Amount(x.dismissed),
                    });
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
                        pool,
                        gas: gas.map(|g| Gas {
                            contract: s.contract_name(g.contract).to_owned(),
                            paid: Amount(g.paid),
                            left: Amount(g.left),
                            ended: g.ended,
                        }),
                    }
                }
            })
        }
        Action::Stop { worker: name } => {
            let w = worker(s, name)?;
            let (v, cool_down_ends, e) = s.stop(w)?;
            let contract = e.map(|e| ended(s, &e));
            Ok(Event::Stopped { worker: name.clone(), v, cool_down_ends, contract })
        }
        Action::Reclaim { worker: name } => {
            let w = worker(s, name)?;
            let r = s.reclaim(w)?;
            Ok(Event::Reclaimed {
                worker: name.clone(),
                returned: r.returned,
                slashed: r.slashed,
                served: withdrawals(s, &r.served),
            })
        }
        Action::CreatePool { pool: name, owner, commission_ppm } => {
            let a = account(s, owner)?;
            s.create_pool(name, a, *commission_ppm)?;
            Ok(Event::PoolCreated {
                pool: name.clone(),
                owner: owner.clone(),
                commission_ppm: *commission_ppm,
            })
        }
        Action::AddWorker { pool: name, worker: wname } => {
            let (p, w) = (pool(s, name)?, worker(s, wname)?);
            s.add_worker(p, w)?;
            Ok(Event::WorkerAdded { pool: name.clone(), worker: wname.clone() })
        }
        Action::Contribute { pool: name, account: who, amount } => {
            let (p, a) = (pool(s, name)?, account(s, who)?);
            let amount = amount.to_amount(&pha_meta())?;
            let (shares, served) = s.contribute(p, a, amount)?;
            let row = s.pool_row(p);
            Ok(Event::Contributed {
                pool: name.clone(),
                account: who.clone(),
                amount,
                shares: Amount(shares),
                total_shares: Amount(row.total_shares),
                total_value: Amount(row.total_value),
                served: withdrawals(s, &served),
            })
        }
        Action::PoolStart { pool: name, worker: wname, stake } => {
            let (p, w) = (pool(s, name)?, worker(s, wname)?);
            let amount = stake.to_amount(&pha_meta())?;
            let st = s.pool_start(p, w, amount)?;
            Ok(Event::Started {
                worker: wname.clone(),
                session: st.session,
                stake: amount,
                minimum_stake: st.minimum_stake,
                ve: st.ve,
                ve_bits: st.ve,
            })
        }
        Action::PoolRestart { pool: name, worker: wname, stake } => {
            let (p, w) = (pool(s, name)?, worker(s, wname)?);
            let amount = stake.to_amount(&pha_meta())?;
            let (r, st) = s.pool_restart(p, w, amount)?;
            Ok(Event::Restarted {
                pool: name.clone(),
                worker: wname.clone(),
                returned: r.returned,
                slashed: r.slashed,
                session: st.session,
                stake: amount,
                ve: st.ve,
                ve_bits: st.ve,
                free: Amount(s.pool_row(p).free),
            })
        }
        Action::Withdraw { pool: name, account: who, shares } => {
            let (p, a) = (pool(s, name)?, account(s, who)?);
            let asked = shares.to_amount(&pha_meta())?;
            let out = s.withdraw(p, a, asked.0)?;
            let row = s.pool_row(p);
            Ok(Event::WithdrawalRequested {
                pool: name.clone(),
                account: who.clone(),
                shares: asked,
                served: withdrawals(s, &out.served),
                queued: Amount(out.queued),
                total_shares: Amount(row.total_shares),
                total_value: Amount(row.total_value),
                free: Amount(row.free),
            })
        }
        Action::CheckForceWithdraw { pool: name } => {
            let p = pool(s, name)?;
            let (served, stopped) = s.check_force_withdraw(p)?;
            let stopped = stopped.iter().map(|&w| s.workers().name(w).to_owned()).collect();
            let served = withdrawals(s, &served);
            Ok(Event::ForceWithdrawChecked { pool: name.clone(), served, stopped })
        }
        Action::DeployContract { contract, developer, tiers, gas_budget, gas_per_block, draw } => {
            s.paper_only("deploy_contract")?;
            let a = account(s, developer)?;
            let budget = gas_budget.to_amount(&pha_meta())?;
            let rate = gas_per_block.to_amount(&pha_meta())?;
            let d = s.deploy_contract(contract, a, tiers, budget, rate, *draw)?;
            Ok(Event::ContractDeployed {
                contract: contract.clone(),
                developer: developer.clone(),
                tiers: crate::contracts::tiers_of(s.contract_row(d.contract).tiers),
                gas_budget: budget,
                gas_per_block: rate,
                worker: s.workers().name(d.worker).to_owned(),
                weight: d.weight,
                total_weight: d.total_weight,
                point: d.point,
            })
        }
        Action::StopContract { contract, developer } => {
            s.paper_only("stop_contract")?;
            let a = account(s, developer)?;
            let c = s
                .contract_named(contract)
                .ok_or_else(|| PhalaError::UnknownContract { name: contract.clone() })?;
            let e = s.stop_contract(c, a)?;
            Ok(Event::ContractStopped(ended(s, &e)))
        }
        Action::CreateVault { vault: name, owner, commission_ppm } => {
            let a = account(s, owner)?;
            s.create_vault(name, a, *commission_ppm)?;
            Ok(Event::VaultCreated {
                vault: name.clone(),
                owner: owner.clone(),
                commission_ppm: *commission_ppm,
                account: format!("vault:{name}"),
            })
        }
        Action::VaultContribute { vault: name, account: who, amount } => {
            let (v, a) = (vault(s, name)?, account(s, who)?);
            let amount = amount.to_amount(&pha_meta())?;
            let (shares, served, gained) = s.vault_contribute(v, a, amount)?;
            let (row, _) = s.vault_pool_row(v)?;
            Ok(Event::VaultContributed {
                vault: name.clone(),
                account: who.clone(),
                amount,
                owner_shares_gained: Amount(gained),
                shares: Amount(shares),
                total_shares: Amount(row.total_shares),
                total_value: Amount(row.total_value),
                served: withdrawals(s, &served),
            })
        }
        Action::VaultInvest { vault: name, owner, pool: pname, amount } => {
            let (v, a, p) = (vault(s, name)?, account(s, owner)?, pool(s, pname)?);
            let amount = amount.to_amount(&pha_meta())?;
            let shares = s.vault_invest(v, a, p, amount)?;
            Ok(Event::VaultInvested {
                vault: name.clone(),
                pool: pname.clone(),
                amount,
                pool_shares: Amount(shares),
            })
        }
        Action::VaultDivest { vault: name, owner, pool: pname, shares } => {
            let (v, a, p) = (vault(s, name)?, account(s, owner)?, pool(s, pname)?);
            let asked = shares.to_amount(&pha_meta())?;
            let (paid, queued, served) = s.vault_divest(v, a, p, asked.0)?;
            Ok(Event::VaultDivested {
                vault: name.clone(),
                pool: pname.clone(),
                pool_shares: asked,
                paid: Amount(paid),
                queued: Amount(queued),
                served: withdrawals(s, &served),
            })
        }
        Action::VaultWithdraw { vault: name, account: who, shares } => {
            let (v, a) = (vault(s, name)?, account(s, who)?);
            let asked = shares.to_amount(&pha_meta())?;
            let (served, queued, gained) = s.vault_withdraw(v, a, asked.0)?;
            Ok(Event::VaultWithdrawalRequested {
                vault: name.clone(),
                account: who.clone(),
                owner_shares_gained: Amount(gained),
                shares: asked,
                served: withdrawals(s, &served),
                queued: Amount(queued),
            })
        }
        Action::GainOwnerShares { vault: name, owner } => {
            let (v, a) = (vault(s, name)?, account(s, owner)?);
            let g = s.gain_owner_shares(v, a)?;
            Ok(Event::OwnerSharesGained {
                vault: name.clone(),
                minted: Amount(g.shares),
                price: Amount(g.price),
                checkpoint: Amount(g.checkpoint),
            })
        }
        Action::CheckVault { vault: name } => {
            let v = vault(s, name)?;
            let (served, pools) = s.check_vault(v)?;
            Ok(Event::VaultChecked {
                vault: name.clone(),
                served: withdrawals(s, &served),
                shutdown: pools.iter().map(|&p| s.pool_name(p).to_owned()).collect(),
            })
        }
    }
}
