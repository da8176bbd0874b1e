//! The state dump ([`snapshot`]), the metrics and the invariants of the Phala economy: PHA is
//! conserved (minted once at genesis; every later movement is a ledger transfer), the stakes
//! pool holds exactly the workers' stakes, every stake pool's value is its free plus locked
//! stake and its shares are those held plus those queued.

use ergon_core::economy::{Metric, MetricValue};
use ergon_core::invariants::Violation;
use std::collections::VecDeque;

use ergon_core::txn::Keyed;
use ergon_core::{AccountId, Amount, Holder, U64F64};
use serde_json::{Map, Value, json};

use crate::Phala;
use crate::contracts;
use crate::events::{PHA_DECIMALS, pha_meta};
use crate::params::Profile;
use crate::stake_pool::{PoolIndex, Request};
use crate::vaults::VaultIndex;
use crate::workers::{WorkerIndex, WorkerState};

fn pha(a: Amount) -> Value {
    Value::String(pha_meta().format(a))
}

/// The share holders of pool or vault `id` in `holdings`, by account name.
fn holders(s: &Phala, holdings: &Keyed<(u32, u32), u128>, id: u32) -> Map<String, Value> {
    let mut out = Map::new();
    for (&(owner, a), &shares) in holdings.iter() {
        if owner == id && shares > 0 {
            out.insert(s.account_name(AccountId(a)).to_owned(), pha(Amount(shares)));
        }
    }
    out
}

/// A withdrawal queue, oldest request first.
fn queue(s: &Phala, requests: &VecDeque<Request>) -> Vec<Value> {
    let request = |q: &Request| {
        json!({
            "account": s.account_name(AccountId(q.user)),
            "shares": pha(Amount(q.shares)),
            "block": q.block,
        })
    };
    requests.iter().map(request).collect()
}

fn fx(v: U64F64) -> Value {
    Value::String(v.to_string())
}

/// The whole state as JSON: amounts in PHA, 64.64 values with 20 decimals (V also as bits).
pub fn snapshot(s: &Phala) -> Value {
    let p = s.params();
    let mut accounts = Map::new();
    for i in 0..s.ledger().account_count() {
        let a = AccountId(i);
        accounts.insert(s.account_name(a).to_owned(), pha(s.balance_of(Holder::Account(a))));
    }
    let pool = |id| pha(s.balance_of(Holder::Pool(id)));
    let mut workers = Map::new();
    for i in 0..s.workers().len() {
        let w = WorkerIndex(i as u32);
        let r = s.workers().row(w);
        let share = r.tok.share().unwrap_or_default();
        workers.insert(
            s.workers().name(w).to_owned(),
            json!({
                "owner": s.account_name(AccountId(r.owner)),
                "state": r.state,
                "confidence_level": r.level,
                "score": r.score,
                "session": r.session,
                "stake": pha(Amount(r.stake)),
                "v": fx(r.tok.v),
                "v_bits": r.tok.v.to_bits().to_string(),
                "ve": fx(r.tok.v_init),
                "payable": fx(r.tok.payable),
                "p_instant": fx(r.tok.p_instant),
                "share": fx(share),
                "unresponsive": r.unresponsive,
                "pending_challenges": r.pending.blocks(),
                "last_payout_block": r.tok.v_update_block,
                "paid": pha(Amount(r.paid)),
            }),
        );
    }
    let pools = s.pools();
    let sp = s.stake_pools();
    let mut stake_pools = Map::new();
    for i in 0..sp.rows.len() {
        let p = PoolIndex(i as u32);
        let r = s.pool_row(p);
        let (holders, queue) = (holders(s, &sp.holdings, p.0), queue(s, &sp.queues[i]));
        let members: Vec<&str> = sp.members(p).map(|w| s.workers().name(w)).collect();
        stake_pools.insert(
            s.pool_name(p).to_owned(),
            json!({
                "owner": s.account_name(AccountId(r.owner)),
                "commission_ppm": r.commission.parts(),
                "total_shares": pha(Amount(r.total_shares)),
                "total_value": pha(Amount(r.total_value)),
                "free": pha(Amount(r.free)),
                "commission_paid": pha(Amount(r.commission_paid)),
                "holders": holders,
                "withdraw_queue": queue,
                "workers": members,
            }),
        );
    }
    let mut out = json!({
        "block": s.block(),
        "profile": p.profile,
        "budget_per_block": fx(p.budget_per_block),
        "sum_share": fx(s.sum_share()),
        "halvings": s.halvings(),
        "accounts": accounts,
        "pools": {
            "subsidy": pool(pools.subsidy),
            "treasury": pool(pools.treasury),
            "stakes": pool(pools.stakes),
            "slashed": pool(pools.slashed),
        },
        "stats": s.stats(),
        "workers": workers,
        "stake_pools": stake_pools,
    });
    if p.profile == Profile::Paper {
        out["contracts"] = contracts_snapshot(s);
    }
    if !s.vaults().rows.is_empty() {
        out["vaults"] = vaults_snapshot(s);
    }
    out
}

/// Every vault: owner, account, commission, shares, value, free PHA, checkpoint, holders, queue.
fn vaults_snapshot(s: &Phala) -> Value {
    let vs = s.vaults();
    let mut out = Map::new();
    for i in 0..vs.rows.len() {
        let v = VaultIndex(i as u32);
        let r = vs.rows[i];
        // The value's arithmetic cannot fail on a state that passed every operation.
        let (value, free, releasing) = s
            .vault_pool_row(v)
            .map_or((0, 0, 0), |(row, releasing)| (row.total_value, row.free, releasing));
        let (holders, queue) = (holders(s, &vs.holdings, v.0), queue(s, &vs.queues[i]));
        out.insert(
            s.vault_name(v).to_owned(),
            json!({
                "owner": s.account_name(AccountId(r.owner)),
                "account": s.account_name(AccountId(r.account)),
                "commission_ppm": r.commission.parts(),
                "total_shares": pha(Amount(r.total_shares)),
                "total_value": pha(Amount(value)),
                "free": pha(Amount(free)),
                "releasing": pha(Amount(releasing)),
                "checkpoint": pha(Amount(r.checkpoint)),
                "owner_shares": pha(Amount(r.owner_shares)),
                "holders": holders,
                "withdraw_queue": queue,
            }),
        );
    }
    Value::Object(out)
}

/// paper: the gas escrow, the gas totals and every contract.
fn contracts_snapshot(s: &Phala) -> Value {
    let c = s.contracts();
    let mut list = Map::new();
    for (i, r) in c.rows.iter().enumerate() {
        let state = match r.ended {
            None => json!("running"),
            Some(e) => json!(e),
        };
        list.insert(
            c.names.name(i as u32).to_owned(),
            json!({
                "developer": s.account_name(AccountId(r.developer)),
                "tiers": contracts::tiers_of(r.tiers),
                "gas_per_block": pha(Amount(r.gas_per_block)),
                "escrow": pha(Amount(r.escrow)),
                "worker": s.workers().name(WorkerIndex(r.worker)),
                "last_gas_block": r.last_gas_block,
                "paid": pha(Amount(r.paid)),
                "state": state,
            }),
        );
    }
    let t = c.totals.get();
    json!({
        "gas_escrow": pha(s.balance_of(Holder::Pool(s.pools().gas_escrow))),
        "deposited": pha(Amount(t.deposited)),
        "paid": pha(Amount(t.paid)),
        "refunded": pha(Amount(t.refunded)),
        "list": list,
    })
}

/// The metrics now.
pub fn metrics(s: &Phala) -> Vec<Metric> {
    let pools = s.pools();
    let amount = |raw: Amount| MetricValue::Amount { raw: raw.0, decimals: PHA_DECIMALS };
    let count = |state: WorkerState| {
        MetricValue::Count(s.workers().states().filter(|&x| x == state).count() as u64)
    };
    let mut out = vec![
        Metric { name: "block", value: MetricValue::Count(u64::from(s.block())) },
        Metric { name: "workers_idle", value: count(WorkerState::Idle) },
        Metric { name: "workers_unresponsive", value: count(WorkerState::Unresponsive) },
        Metric { name: "workers_cooling_down", value: count(WorkerState::CoolingDown) },
        Metric { name: "workers_ready", value: count(WorkerState::Ready) },
        Metric {
            name: "budget_per_block_pha",
            value: MetricValue::Float(to_f64(s.params().budget_per_block)),
        },
        Metric { name: "sum_share", value: MetricValue::Float(to_f64(s.sum_share())) },
        Metric {
            name: "subsidy_pool_pha",
            value: amount(s.balance_of(Holder::Pool(pools.subsidy))),
        },
        Metric { name: "treasury_pha", value: amount(s.balance_of(Holder::Pool(pools.treasury))) },
        Metric { name: "staked_pha", value: amount(s.balance_of(Holder::Pool(pools.stakes))) },
        Metric { name: "paid_pha", value: amount(s.stats().paid) },
        Metric {
            name: "stake_pools",
            value: MetricValue::Count(s.stake_pools().rows.len() as u64),
        },
        Metric {
            name: "pool_free_pha",
            value: amount(s.balance_of(Holder::Pool(pools.pool_free))),
        },
    ];
    // paper only: khala has no Active state, and its metrics stay as they were.
    if s.params().profile == Profile::Paper {
        let c = s.contracts();
        out.extend([
            Metric { name: "workers_active", value: count(WorkerState::Active) },
            Metric { name: "contracts_running", value: MetricValue::Count(c.running() as u64) },
            Metric { name: "contracts_total", value: MetricValue::Count(c.rows.len() as u64) },
            Metric {
                name: "gas_escrow_pha",
                value: amount(s.balance_of(Holder::Pool(pools.gas_escrow))),
            },
            Metric { name: "gas_paid_pha", value: amount(Amount(c.totals.get().paid)) },
        ]);
    }
    out
}

/// A reported figure only (never in ledger paths).
#[allow(clippy::cast_precision_loss, reason = "a metric, not a ledger value")]
fn to_f64(v: U64F64) -> f64 {
    v.to_bits() as f64 / 18_446_744_073_709_551_616.0
}

/// Every invariant: ledger conservation and supply, no mint after genesis, the stakes pool =
/// Σ stakes, and the cached Σshare a khala block-start value can be recomputed from.
pub fn check_invariants(s: &Phala) -> Result<(), Violation> {
    s.ledger().check_conservation()?;
    let staked = s.balance_of(Holder::Pool(s.pools().stakes));
    let total = s.workers().total_stake();
    if staked != total {
        return Err(Violation::new(
            "stakes pool = Σ worker stakes",
            format!(
                "pool {} PHA, workers {} PHA",
                pha_meta().format(staked),
                pha_meta().format(total)
            ),
        ));
    }
    for (i, (state, stake)) in s.workers().states().zip(s.workers().stakes()).enumerate() {
        let holds = matches!(
            state,
            WorkerState::Idle
                | WorkerState::Active
                | WorkerState::Unresponsive
                | WorkerState::CoolingDown
        );
        // A computing worker may hold nothing: a start of 0 PHA passes when k·√P is 0 (the
        // gatekeeper's own tests start workers so).
        if !holds && stake > 0 {
            return Err(Violation::new(
                "a worker holds a stake only while computing or cooling down",
                format!("worker #{i} is {state:?} with {stake} base units"),
            ));
        }
    }
    check_pools(s)?;
    check_contracts(s)?;
    check_vaults(s)?;
    let minted =
        s.ledger().minted(s.pha_token()).map_err(|e| Violation::new("ledger", e.to_string()))?;
    if minted != s.genesis_supply() {
        return Err(Violation::new(
            "PHA minted only at genesis",
            format!(
                "minted {} PHA, genesis {} PHA",
                pha_meta().format(minted),
                pha_meta().format(s.genesis_supply())
            ),
        ));
    }
    Ok(())
}

/// Each stake pool's value is its free stake plus its workers' stakes, its shares are what its
/// delegators hold and wait to withdraw, and the `pool_free` ledger pool holds Σ free.
fn check_pools(s: &Phala) -> Result<(), Violation> {
    let sp = s.stake_pools();
    let n = sp.rows.len();
    let (mut locked, mut shares) = (vec![0u128; n], vec![0u128; n]);
    for (w, p) in sp.assigned() {
        locked[p as usize] += s.workers().row_stored(WorkerIndex(w)).stake;
    }
    for (&(p, _), &x) in sp.holdings.iter() {
        shares[p as usize] += x;
    }
    let mut free = 0u128;
    for i in 0..n {
        let r = sp.rows[i];
        free += r.free;
        let queued: u128 = sp.queues[i].iter().map(|q| q.shares).sum();
        if r.total_value != r.free + locked[i] {
            return Err(Violation::new(
                "pool value = free + locked",
                format!(
                    "pool #{i}: value {}, free {}, locked {}",
                    r.total_value, r.free, locked[i]
                ),
            ));
        }
        if r.total_shares != shares[i] + queued {
            return Err(Violation::new(
                "pool shares = held + queued",
                format!("pool #{i}: total {}, held {}, queued {queued}", r.total_shares, shares[i]),
            ));
        }
    }
    let held = s.balance_of(Holder::Pool(s.pools().pool_free));
    if held.0 != free {
        return Err(Violation::new(
            "pool_free pool = Σ pools' free stake",
            format!("ledger {} base units, pools {free}", held.0),
        ));
    }
    Ok(())
}

/// The `gas_escrow` ledger pool holds exactly Σ the running contracts' escrow (an ended one
/// holds none), every running contract's worker runs it (Active, or Unresponsive keeping it)
/// and every worker that names a contract is that contract's worker; khala has none.
fn check_contracts(s: &Phala) -> Result<(), Violation> {
    let c = s.contracts();
    let fail = |what: &'static str, detail: String| Err(Violation::new(what, detail));
    if s.params().profile == Profile::Khala && !c.rows.is_empty() {
        return fail("khala has no contracts", format!("{} contracts", c.rows.len()));
    }
    let mut escrow = 0u128;
    for (i, r) in c.rows.iter().enumerate() {
        escrow += r.escrow;
        let w = s.workers().row_stored(WorkerIndex(r.worker));
        let runs = w.contract == Some(i as u32)
            && matches!(w.state, WorkerState::Active | WorkerState::Unresponsive);
        match r.ended {
            None if !runs => {
                return fail(
                    "a running contract's worker runs it",
                    format!("contract #{i}: worker #{} is {:?}", r.worker, w.state),
                );
            }
            Some(_) if r.escrow != 0 || w.contract == Some(i as u32) => {
                return fail(
                    "an ended contract holds no escrow and no worker",
                    format!("contract #{i}: escrow {}, worker #{}", r.escrow, r.worker),
                );
            }
            _ => {}
        }
    }
    for i in 0..s.workers().len() {
        let w = s.workers().row_stored(WorkerIndex(i as u32));
        let named = w.contract.and_then(|k| c.rows.get(k as usize).map(|r| (k, r)));
        let ok = match (w.state, named) {
            (WorkerState::Active, Some((_, r))) => r.ended.is_none() && r.worker == i as u32,
            (WorkerState::Unresponsive, Some((_, r))) => r.ended.is_none() && r.worker == i as u32,
            (_, Some(_)) | (WorkerState::Active, None) => false,
            (_, None) => w.contract.is_none(),
        };
        if !ok {
            return fail(
                "an Active worker runs exactly one running contract",
                format!("worker #{i} is {:?} with contract {:?}", w.state, w.contract),
            );
        }
    }
    let held = s.balance_of(Holder::Pool(s.pools().gas_escrow));
    if held.0 != escrow {
        return fail(
            "gas_escrow pool = Σ running contracts' escrow",
            format!("ledger {} base units, contracts {escrow}", held.0),
        );
    }
    Ok(())
}

/// Each vault's shares are those held plus those queued.
fn check_vaults(s: &Phala) -> Result<(), Violation> {
    let vs = s.vaults();
    let mut shares = vec![0u128; vs.rows.len()];
    for (&(v, _), &x) in vs.holdings.iter() {
        shares[v as usize] += x;
    }
    for (i, r) in vs.rows.iter().enumerate() {
        let queued: u128 = vs.queues[i].iter().map(|q| q.shares).sum();
        if r.total_shares != shares[i] + queued {
            return Err(Violation::new(
                "vault shares = held + queued",
                format!(
                    "vault #{i}: total {}, held {}, queued {queued}",
                    r.total_shares, shares[i]
                ),
            ));
        }
    }
    Ok(())
}
